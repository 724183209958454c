/* lint: the mapping sheet checked against both catalogs and measured on the
 * source data. Static checks need only the catalogs; data checks stream each
 * mapped source table once (transforms applied in the source's own SQL) and
 * count, per mapped column, what the target would refuse or alter. */
#ifndef CUTOVER_LINT_H
#define CUTOVER_LINT_H

#include <jansson.h>
#include <stdio.h>

#include "pairing.h"
#include "sheet.h"

enum lint_sev { LINT_ERROR, LINT_WARNING };

struct lint_finding {
    enum lint_sev sev;
    const char *code;           /* unknown_column, too_long, not_null … (see README) */
    char *source, *target;      /* table.column, or NULL */
    int line;                   /* the sheet row's line, 0 if none */
    char *message, *hint;
    long count;                 /* rows concerned; -1 when not counted */
    char *examples[3];
    int nexamples;
};

struct lint_report {
    struct lint_finding *v;
    size_t n, errors, warnings;
};

/* The exit code a lint gives: ERR_INPUT (2) when the sheet is malformed (a
 * row naming nothing, a bad status, rule or reviewed_at, an unknown column:
 * what makes diff refuse the sheet too), else ERR_FOUND (1) for any other
 * error, else 0. */
int lint_exit(const struct lint_report *r);

/* Checks that need no data: unknown tables and columns, statuses, rules,
 * target columns mapped twice, unmapped source columns, NOT NULL target
 * columns nobody fills. */
void lint_static(const struct sheet *s, const struct pairing *pp, const struct catalog *src,
                 const struct catalog *tgt, struct lint_report *r);

typedef void (*lint_done_cb)(void *arg, int status, const char *msg);
/* Compiles every transform on the source (SELECT … LIMIT 0, never a write)
 * and measures the mapped columns, adding findings to `r`. `done` is called
 * once; status is a db status (0, or DB_ELOST … with msg). The sheet, pairing
 * and catalogs are borrowed until then. */
void lint_data(db_t *src, const struct sheet *s, const struct pairing *pp,
               const struct catalog *tgt, struct lint_report *r, lint_done_cb done, void *arg);

/* lint_data for a command line: opens `src_url` (relative to `dir`) on a
 * loop of its own and returns when the checks are done. -1 with `e`
 * (ERR_DB) when the source could not be read. */
int lint_data_wait(const char *src_url, const char *dir, const struct sheet *s,
                   const struct pairing *pp, const struct catalog *tgt, struct lint_report *r,
                   struct err *e);

json_t *lint_json(const struct lint_report *r, const char *sheet_path);
void lint_print(FILE *f, const struct lint_report *r, const char *sheet_path);
void lint_free(struct lint_report *r);

#endif
