/* diff_int: what the diff's files share (not for outside them): the rows and
 * their queues, a table's job, the run. diff.c runs a diff (start, the tables
 * in turn, the end); diff_plan.c plans a table's queries; diff_read.c reads
 * both sides and runs the business checks; diff_merge.c holds the rows and
 * merges them by key; diff_fetch.c fetches one row by key. */
#ifndef CUTOVER_DIFF_INT_H
#define CUTOVER_DIFF_INT_H

#include <stdint.h>
#include <uv.h>

#include "canon.h"
#include "diff.h"
#include "rule.h"
#include "structure.h"
#include "util.h"

#define BATCH 1000
#define HIGH (4 * BATCH)    /* a side this far ahead is paused … */
#define LOW (2 * BATCH)     /* … and resumed below this */
#define HIGH_BYTES (8u << 20)   /* likewise in bytes, for rows of large values */
#define LOW_BYTES (4u << 20)
#define CAND_MAX 20000          /* keys whose row hashes differ, verified by key … */
#define CAND_BYTES (4u << 20)   /* … (or in bytes): beyond, the table is read again */
#define VERIFY_BATCH 500        /* keys per verifying query */
#define BISECT_FACTOR 32        /* a key range that differs is cut into this many … */
#define BISECT_ROWS 10000       /* … until each holds at most this many rows a side */
#define BISECT_AUTO_ROWS 2000000    /* --strategy auto bisects a table this large */

/* One row held for the merge: the keys in canonical form, the fields as the
 * database gave them (each followed by a NUL). Most rows are the same bytes
 * on both sides; only fields whose bytes differ are put in canonical form,
 * when the two rows are compared. A pair of one engine is read in binary
 * (db_query_opts.binary): same bytes of the same type, same value, nothing
 * formatted. */
struct row {
    struct chunk *chunk;
    int n;
    uint32_t size;              /* bytes taken in its chunk */
    uint32_t *off, *len;
    unsigned char *type;        /* enum db_type: DB_NULL, DB_TEXT (any text), DB_FLOAT (a
                                 * float's text), DB_BLOB or a binary type; keys and hashed
                                 * fields DB_NULL or DB_TEXT, an integer key DB_INT64 */
    char *data;
};

/* Rows live in chunks, taken and given back in order: a chunk is freed when
 * its last row is (the newest one is reused instead). */
struct chunk {
    size_t cap, used, live;
    char mem[];
};

#define CHUNK (256u << 10)
#define SPARES 4    /* emptied chunks kept for reuse: memory the kernel need not fault in
                     * and zero again (glibc gives freed ones back) */

struct side {
    struct row **v;
    size_t head, n, cap;
    size_t bytes;               /* of the rows queued (head to n) */
    struct chunk *tail;         /* where new rows go */
    struct chunk *spare[SPARES];
    int nspare;
    int done, paused, status;
    db_query_t *q;
    struct row *prev;           /* the row that left before, for order and duplicates */
    uint64_t *hashes;           /* a table without key: one hash per row */
    size_t nhashes, hcap;
    char msg[1400];
};

struct field {
    char *source, *target;
    char *expr;                 /* the transform, or the column (cat_read_expr) */
    int xf;                     /* expr is the sheet's transform … */
    int line;                   /* … on this line of the sheet */
    char *texpr;                /* the target column (cat_read_expr) */
    int col;                    /* its column in the rows read (a key column is read once) */
    char *rule;
    struct canon_spec spec;
    struct rule_checks check;   /* validation rules, judged on the target's value */
    char *uniq_sql;             /* unique: the target rows whose value another also holds */
};

struct job {
    const struct pair *pair;
    struct diff_table result;
    char *src_sql, *tgt_sql;
    int nkey;
    char **key_names;           /* source key columns */
    char **key_expr;            /* … as read: their transform in the sheet, or themselves */
    unsigned char *key_xf;      /* … key_expr is a transform */
    char **tkey_names;          /* the target columns they are mapped to */
    struct canon_spec *key_spec;
    struct field *fields;
    int nfields;
    int validates;              /* a field has not_null or regex */
    const char *key_cast;       /* a source key column read as a number (one of key_names) */
    int uniq_at;                /* the next field whose unique rule is to be checked */
    /* A PostgreSQL pair whose fields are all `equal` on the same types is read
     * first as keys and a hash of each row's fields, which the servers compute
     * (probe_sql); the keys whose hashes differ are then read in full and
     * compared as any other (verify: base_sql with a key list, batch by batch),
     * or the table is read again in full when too many differ (rescan). */
    enum { PH_FULL, PH_PROBE, PH_VERIFY, PH_RESCAN } phase;
    enum { JOB_COMPARE, JOB_NO_TARGET, JOB_LISTED } what;
    char **unmapped;            /* source columns the sheet does not cover */
    int nunmapped;
    char *probe_sql[2];         /* source, target */
    char *base_sql[2], *order_sql[2];   /* SELECT … FROM …, the ORDER BY list */
    char **cand;                /* the keys to verify, nkey strings each, row-major */
    size_t ncand, cand_cap, cand_bytes, verified;
    int overflow;               /* more than CAND_MAX: read again in full instead */
    char *cond[2];              /* the rows each side is held to (the plan's where and a
                                 * wave's slice on the source, the slice on the target),
                                 * or NULL: all */
    struct st_queries st;       /* its structural checks on the data (diff_structure.c) … */
    size_t st_at;               /* … the next one */
    int st_begun;               /* the catalog's findings told, the queries planned */
    int hashes_merged;          /* a table without key: its row hashes compared */
    /* bisect (diff_bisect.c): a probe keyed on one integer column whose key
     * ranges are first compared by count and checksum on the servers */
    int bisect;
    char *probe_core[2];        /* the probe without ORDER BY: key, cutover_h */
    char *bkey[2];              /* the key column, quoted */
    struct bisect *bis;
    int bisected;               /* the rows were counted by it: bis_total */
    long long bis_total[2];
    char *ksum_sql[2];          /* a table without key: its count and hash sum first */
    uint64_t rx0[2];            /* each side's db_received as the table began */
};

struct diff {
    db_t *db[2];
    const struct plan *plan;
    const struct sheet *sheet;
    const struct pairing *pairing;
    struct diff_events ev;
    struct job *jobs;
    size_t njobs, at;
    struct side side[2];
    struct diff_table *tables;
    struct diff_check *checks;
    size_t nchecks, check_at;
    int check_pending;
    int cancelled, failed, txn[2], finished;
    int table_txn[2];           /* a SQLite side's read transaction for one table's probe */
    int setup, began;           /* SQLite sides still being asked their journal mode; begun */
    struct snap { struct diff *d; int w, wal; } snap[2];
    int ending, end_status;     /* snapshots still being ended; then told done with these */
    const char *end_msg;        /* d->msg, a literal or NULL: it outlives the ending */
    uint64_t last_progress;
    struct sbuf scratch;        /* one row's values while it is read */
    struct sbuf canon[2];       /* a field of each side in canonical form, to compare */
    uint32_t *off, *len;        /* … their places in it */
    unsigned char *type;
    int structure;              /* the structural checks run: not live, not checks alone */
    int structure_only;         /* … and no rows are read */
    const char *wave;           /* a wave's run: its slices checked against the others' */
    struct st_report st_cat;    /* what the catalogs say, for every table */
    /* a structural query asked of each side it needs at once (diff_structure.c) */
    int st_asked, st_pending;   /* asked; sides still answering */
    int st_status;              /* a side's failure, 0 if none … */
    char st_why[1200];          /* … in words: the first one's */
    struct st_side { struct diff *d; int w; } st_sides[2];
    struct st_rows st_rows[2];  /* what each side returned */
    char msg[1400];
};

/* cutover's own transaction control (db_query_opts.control) */
static const struct db_query_opts control = { .control = 1 };

void diff__begin(db_query_t *q, int status, const char *msg, void *arg);
void diff__cand_free(struct job *j);
void diff__compare(struct diff *d, struct job *j, const struct row *s, const struct row *t);
void diff__emit(struct diff *d, struct job *j, const char *kind, const char *side, json_t *key,
                json_t *target_key, struct diff_field *f, size_t nf);
void diff__fail_table(struct diff *d, struct job *j, const char *side, const struct row *r,
                      const struct row *prev);
void diff__finish(struct diff *d, int status, const char *msg);
void diff__found(struct diff *d, struct job *j, long *count, const char *kind, const char *side,
                 const struct row *r);
void diff__ignore_done(db_query_t *q, int status, const char *msg, void *arg);
void diff__job_discard(struct job *j);
void diff__job_free(struct job *j);
json_t *diff__key_json(const struct job *j, const struct row *r);
char *diff__key_match(const struct job *j, int k, int target, enum url_kind engine);
char *diff__keys_in(const struct job *j, const struct cat_table *t, int target,
                    enum url_kind engine, const struct diff_opts *o);
void diff__merge(struct diff *d);
void diff__merge_hashes(struct diff *d, struct job *j);
void diff__next_table(struct diff *d);
int diff__plan_job(struct job *j, const struct pair *p, const struct sheet *s,
                   const struct diff_opts *o, enum url_kind se, enum url_kind te, struct err *e);
void diff__probe(struct job *j, const struct row *s, const struct row *t);
void diff__progress(struct diff *d, struct job *j);
void diff__push(struct side *s, struct row *r);
void diff__put_key(struct diff *d, int i, const struct canon_spec *sp, const struct db_cell *c);
size_t diff__queued(const struct side *s);
void diff__read_both(struct diff *d, const char *src_sql, const char *tgt_sql);
struct db_query_opts diff__read_opts(const struct diff *d);
json_t *diff__report_value(json_t *v, size_t from, long long *len);
void diff__row_free(struct side *s, struct row *r);
uint64_t diff__row_hash(const struct diff *d, const struct job *j);
struct row *diff__row_new(struct diff *d, struct side *s, const struct job *j,
                          const struct db_batch *b, size_t at);
void diff__run_checks(struct diff *d);
int diff__side_full(const struct side *s);
/* A PostgreSQL side in the run's snapshot: SAVEPOINT before a query that may
 * fail, ROLLBACK TO it after one that did (an aborted transaction refuses
 * every query after it). */
void diff__savepoint(struct diff *d, int w, int rollback);
int diff__structure(struct diff *d, struct job *j);
void diff__table_finished(struct diff *d);
/* Bisects the job's key ranges, then reads the probe of those that differ
 * (diff_bisect.c); the table's rows are counted by the bisection. */
void diff__bisect_start(struct diff *d, struct job *j);
void diff__bisect_free(struct job *j);
/* A table without key: each side's count and hash sum (ksum_sql) first,
 * its rows read only when they differ (diff_bisect.c). */
void diff__sums_start(struct diff *d, struct job *j);
void diff__side_reset(struct side *s);
const char *diff__source_named_like(const struct pairing *pp, const char *name);
void diff__table_snapshot(struct diff *d, int begin);
void diff__validate(struct diff *d, struct job *j, const struct row *t);
json_t *diff__value_json(const struct canon_spec *sp, const struct row *r, int i);
char *diff__verify_sql(const struct job *j, int target, enum url_kind engine, char *const *keys,
                       size_t nkeys);
int diff__wanted(const struct pair *p, const struct diff_opts *o);

#endif
