/* canon: one canonical form per value, so that SQLite and PostgreSQL compare
 * exactly (DESIGN.md, "Comparing values across engines"). The form is chosen
 * by the target column's type and the mapping row's rules; two values are
 * equal when their canonical forms are (or, with a tolerance, close enough). */
#ifndef CUTOVER_CANON_H
#define CUTOVER_CANON_H

#include <stddef.h>
#include <stdint.h>

#include "catalog.h"
#include "db.h"
#include "rule.h"
#include "util.h"

enum canon_kind { CK_TEXT, CK_INT, CK_NUM, CK_FLOAT, CK_BOOL, CK_DATE, CK_TS, CK_TIME,
                  CK_UUID, CK_JSON, CK_BYTES, CK_ARRAY };

struct canon_spec {
    enum canon_kind kind;
    enum canon_kind elem;   /* CK_ARRAY: its elements' kind (the rules apply to each) */
    int pad;            /* char(n): trailing spaces do not count */
    int ci, trim, ignore;
    int round;          /* decimals to round to; -1: none */
    int scale;          /* a float is rounded to the target's numeric(p,s) scale; -1: none */
    int single;         /* numbers at single precision (the target is PostgreSQL's real) */
    double tolerance;   /* numbers closer than this are equal; < 0: none */
    int ts_unit;        /* the ts rule: timestamps less than 1 s (1) or 1 ms (1000)
                         * apart are equal; 0: none */
    int ts_digits;      /* timestamp(p): rounded to p fractional digits; -1: 6 */
};

/* The form for a target column with the row's rules (rules may be NULL). */
void canon_spec_for(struct canon_spec *sp, const struct cat_column *target,
                    const struct rules *rules);
void canon_spec_kind(struct canon_spec *sp, enum canon_kind kind);
/* The form for a mapped pair of columns: the typed side decides. The target's
 * type, unless it is a SQLite column declared only with an affinity (TEXT,
 * INTEGER, NUMERIC, REAL, BLOB, none) and the source's has a real type
 * (boolean, uuid, date, time, timestamp[tz], json[b]; on PostgreSQL numeric and
 * floats too): then both values are read as the source's type. char(n) on
 * either side compares without its padding. `*_sqlite`: the side is SQLite. */
void canon_spec_for_pair(struct canon_spec *sp, const struct cat_column *source, int source_sqlite,
                         const struct cat_column *target, int target_sqlite,
                         const struct rules *rules);

/* Appends the canonical form of `c` to `out`. NULL gives *null = 1 and
 * nothing. A value that does not read as the kind keeps its bytes behind a
 * '?' (so it still equals only the same bytes) and returns -1, as does an
 * array with such an element; else 0.
 *
 * An array (PostgreSQL's literal `{1,"a b",NULL,{2}}`, `[0:1]={…}` with its
 * bounds, or a JSON array `[1, "a b", null]` as text) is written as a JSON
 * array of its elements' canonical forms: ["1","a b",null,["2"]]. */
int canon_value(const struct canon_spec *sp, const struct db_cell *c, struct sbuf *out,
                 int *null);
/* Equal under the spec: same bytes, or within the tolerance. */
int canon_equal(const struct canon_spec *sp, const char *a, size_t alen, int anull,
                const char *b, size_t blen, int bnull);
/* Orders canonical keys as the databases order them (numbers by value, the
 * rest by bytes, as COLLATE "C" and SQLite's BINARY do). */
int canon_compare(const struct canon_spec *sp, const char *a, size_t alen, const char *b,
                  size_t blen);

/* An ISO 8601 timestamp as microseconds since the epoch (no zone: UTC);
 * -1 when `s` is not one. */
int canon_timestamp_us(const char *s, int64_t *out);

#endif
