/* diff: validation of a rehearsal. For each table pair whose data moves, the
 * mapped columns of both sides are read ordered by key (COLLATE "C" on
 * PostgreSQL, BINARY on SQLite), streamed in batches on their own
 * connections at the same time, canonicalised on arrival and merged in C:
 * keys only in the source are missing, only in the target extra, on both
 * with a differing field changed. Memory is bounded: each side holds at most
 * a few batches, and a side that runs ahead is paused. A table without a key
 * is compared as a multiset of row hashes (xxhash). The plan's business
 * checks run after the tables. */
#ifndef CUTOVER_DIFF_H
#define CUTOVER_DIFF_H

#include <jansson.h>

#include "pairing.h"
#include "sheet.h"

/* A value whose text is longer than this is reported cut there (at a
 * character's start), ending in "…", with its whole length beside it. */
#define DIFF_VALUE_MAX 1024
/* … shown from this many bytes before two long values' first difference */
#define DIFF_VALUE_CONTEXT 64

struct diff_field {
    const char *source, *target;        /* column names */
    json_t *source_value, *target_value;  /* source_value NULL: a rule's finding, of the target */
    long long source_length, target_length; /* bytes, when the value was cut; else 0 */
    const char *rule;                   /* invalid, not_unique: the rule the value breaks */
    size_t from;                        /* the byte both cut values are shown from; 0: start */
};

struct diff_disc {
    const char *table, *target_table;
    const char *kind;                   /* missing, extra, changed, duplicate, invalid,
                                         * not_unique; table-level: no_target, unmapped */
    const char *side;                   /* for duplicate: source or target */
    json_t *key;                        /* {"id": 42}; for a table without key {"row_hash": …};
                                         * no_target {}; unmapped {"column": "email"} */
    json_t *target_key;                 /* for changed: the key as the target writes it, when
                                         * that is not as the source does; else NULL */
    struct diff_field *fields;          /* for changed */
    size_t nfields;
    /* a structural finding (kind orphan, fk_missing … see structure.h): what
     * it says beside its key — count, sample, shares, message; else NULL */
    json_t *detail;
};

/* A discrepancy's fields as JSON: [{source, target, source_value,
 * target_value}] (and source_length or target_length for a value cut, from
 * when it is shown from there; for a
 * rule's finding {source, target, target_value, rule}), or NULL when it has
 * none. Caller decrefs. */
json_t *diff_fields_json(const struct diff_disc *d);

struct diff_table {
    char *table, *target_table;
    long source_rows, target_rows, missing, extra, changed, duplicates;
    long invalid;                       /* target rows a validation rule refuses */
    long source_total, target_total;    /* expected, from the catalog (for progress) */
    int no_key, done;
    /* Nothing left out in silence: table-level findings (a table whose data
     * moves without a target table: "no_target"; a source column the sheet
     * does not cover: "unmapped", keyed {"column": …}), each a discrepancy */
    long findings;
    long structure;                     /* structural findings (structure.h) … */
    long not_run;                       /* … of which checks that could not finish */
    int structure_only;                 /* rows not read: the structural checks alone */
    int not_validated;                  /* listed, not compared: undecided, no target */
    char *error;                        /* why the table could not be compared */
    int error_code;                     /* … ERR_INPUT: the plan or sheet (an unknown
                                         * column, keys that cannot be ordered); ERR_DB:
                                         * a database refused its query */
    double seconds;                     /* since the table's reading began */
    const char *strategy;               /* how its rows were compared: full, probe or bisect
                                         * (static) */
    uint64_t received[2];               /* bytes received from each side (db_received) */
    long ranges;                        /* bisect: key ranges compared by checksum … */
    long narrowed[2];                   /* … and the rows of each side left to the probe */
    uint64_t started;                   /* uv_hrtime() then */
};

struct diff_check {
    char *name, *source_value, *target_value, *error;
    int error_code;                     /* ERR_DB: a query refused; ERR_INPUT: a value
                                         * that is not one number */
    int pass;
};

/* A check's value that is SQL NULL (sum() of no rows), as the text of the
 * values below, and as the workspace keeps it. */
#define DIFF_NULL "NULL"

/* A business check's two values (the queries' text; NULL: no row) agree
 * within its tolerance: 1, or 0 — with `error` (caller frees) when either
 * is not one number. NULL (DIFF_NULL) equals only NULL. */
int diff_check_pass(const struct plan_check *pc, const char *source, const char *target,
                    char **error);

struct diff_events {
    void (*discrepancy)(void *arg, const struct diff_disc *d);
    void (*progress)(void *arg, const struct diff_table *t);
    /* a table with an error has no counts: what was emitted for it before
     * it failed is void */
    void (*table_done)(void *arg, const struct diff_table *t);
    void (*done)(void *arg, int status, const char *msg);   /* 0, or a DB_E… status */
    void *arg;
};

struct diff;

/* Which tables: source table names (NULL: every table whose data moves). */
struct diff_opts {
    const char *const *tables;
    size_t ntables;
    int checks_only;            /* no tables: the business checks alone */
    int structure_only;         /* no rows read, no business checks: the structural checks */
    /* a wave's slice (plan.h): conditions on the source (beside each table's
     * where) and on the target; NULL: the whole tables */
    const char *slice[2];
    const char *wave;           /* the wave validated: the run is recorded as "wave NAME" … */
    int ntables_given;          /* … or, --table narrowing it, "wave NAME, some tables" */
    /* live validation (see window.h): only the rows with these keys (`nkeys`
     * × the pair's key columns, as diff_key_select reads them, row-major), the
     * source's further narrowed by `source_filter`; no snapshot transaction and
     * no business checks, as the connections are shared with live polls */
    const char *source_filter;
    char *const *keys;
    size_t nkeys;
    int live;
    /* how the rows are compared (comparison.md, "Strategies"): auto, or
     * full (every row read), probe (keys and row hashes read), bisect
     * (range checksums on the servers first, then the probe of the ranges
     * that differ) */
    enum diff_strategy { DIFF_AUTO, DIFF_FULL, DIFF_PROBE, DIFF_BISECT } strategy;
};

/* The select list of the pair's source key columns as a run reads them: each
 * the sheet's transform of it, if any. NULL with `e` (ERR_INPUT) when the key
 * is not mapped. */
char *diff_key_select(const struct pair *p, const struct sheet *s, enum url_kind se,
                      enum url_kind te, struct err *e);

/* The pair's key as each side reads it (sel[0] as diff_key_select, sel[1]
 * the target's mapped columns) and its source column names, which name a
 * discrepancy's key; -1 with `e` (ERR_INPUT) when the key is not mapped.
 * diff_keycols_free frees the members. */
struct diff_keycols {
    char *sel[2];
    char **names;
    int n;
};
int diff_key_columns(const struct pair *p, const struct sheet *s, enum url_kind se,
                     enum url_kind te, struct diff_keycols *out, struct err *e);
void diff_keycols_free(struct diff_keycols *k);

/* Prepares and starts a run. Returns NULL with `e` (ERR_INPUT) when a table
 * is unknown or has no usable key mapping. Everything passed is borrowed
 * until `done` has been called. */
struct diff *diff_start(db_t *src, db_t *tgt, const struct plan *p, const struct pairing *pp,
                        const struct sheet *s, const struct diff_opts *o,
                        const struct diff_events *ev, struct err *e);
void diff_cancel(struct diff *d);
const struct diff_table *diff_tables(const struct diff *d, size_t *n);
const struct diff_check *diff_checks(const struct diff *d, size_t *n);
void diff_free(struct diff *d);

/* One row of a table pair by key, from both sides, field by field as the diff
 * compares them (transforms applied, canonical values, rules). */
struct diff_row_field {
    char *source, *target, *rule;           /* column names, the rule text */
    char *source_value, *target_value;      /* NULL for SQL NULL */
    int differs;
};

struct diff_rows {
    struct diff_row_field *fields;
    int nfields;
    int source_found, target_found;
};

typedef void (*diff_rows_cb)(void *arg, struct diff_rows *rows, int status, const char *msg);

/* Fetches the row with `key` (the discrepancy's key object) from both sides,
 * the target's by `target_key` if not NULL (a changed row's key as the target
 * writes it). `done` gets the rows (the callee frees them after the call) or a
 * status. -1 with `e` when the pair has no usable key mapping. */
int diff_fetch_rows(db_t *src, db_t *tgt, const struct pair *p, const struct sheet *s,
                    json_t *key, json_t *target_key, diff_rows_cb done, void *arg,
                    struct err *e);

#endif
