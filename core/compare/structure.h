/* structure: the structural checks of a rehearsal (DESIGN.md, "Structural
 * checks"). What the two catalogs answer alone (structure.c): a constraint
 * the source has, on tables and columns the sheet maps, that the target lost
 * — fk_missing, unique_missing, not_null_missing — and an index the plan
 * expects that the target lacks (index_missing). What the data answers
 * (structure_sql.c): one aggregate query per constraint, or per table for
 * the NULLs, run by the diff in its snapshot — orphan, duplicate, null_rate,
 * tenant_leak, and in a wave's run slice_overlap. */
#ifndef CUTOVER_STRUCTURE_H
#define CUTOVER_STRUCTURE_H

#include <jansson.h>

#include "pairing.h"
#include "sheet.h"

struct st_finding {
    const char *check;          /* fk_missing, unique_missing, not_null_missing (static) */
    char *table, *target_table; /* the source table and its target */
    char *constraint;           /* the source's constraint, or its column for not_null */
    char **columns;             /* the source's columns … */
    char **target_columns;      /* … and the target's the sheet maps them to */
    size_t ncolumns;
    char *message;              /* in words: what the target lacks */
    char *ref_table;            /* fk_missing: the target's table it would reference … */
    char **ref_columns;         /* … and its columns (ncolumns) */
};

struct st_report {
    struct st_finding *v;
    size_t n;
};

/* The source's foreign keys, unique keys and indexes (its primary key too)
 * and NOT NULL columns, on the tables whose data moves, each compared with
 * the target's through the sheet's mapping; what the target lacks is a
 * finding, in the order of the pairs. A constraint over a column the sheet
 * does not map, or referencing a table that does not move, is not checked
 * (lint names unmapped columns). */
void st_catalog(const struct plan *pl, const struct pairing *pp, const struct sheet *s,
                struct st_report *r);
void st_free(struct st_report *r);
/* The target column the sheet maps source column `table`.`col` to, in
 * target table `tgt` (borrowed from the sheet), or NULL. */
const char *st_mapped(const struct sheet *s, const char *table, const char *col,
                      const char *tgt);

/* Column names as a list for people: "a, b". Caller frees. */
char *st_names_text(char *const *names, size_t n);

/* A foreign key's name; SQLite's, a number, as what it joins:
 * "kids(parent_id) -> parents(id)". Caller frees. */
char *st_fk_name(const struct cat_table *t, const struct cat_fk *fk);

/* A finding as a discrepancy has it: its check, its key ({"constraint",
 * "columns"} of the target, or {"column"}), what else it says (count,
 * sample…; the callee owns key and detail), and in words (the callee frees). */
typedef void (*st_emit_cb)(void *arg, const char *check, json_t *key, json_t *detail,
                           char *message);
void st_finding_emit(const struct st_finding *f, st_emit_cb emit, void *arg);

/* At most this many rows are sampled of an orphan, a duplicate, a leak. */
#define ST_SAMPLE 10

/* One query of a check on the data, on each side whose sql is set: sql[1]
 * on the target, sql[0] on the source (null_rate: both; slice_overlap: the
 * source alone). Orphans, leaks, overlaps: rows (sample…, count over all);
 * duplicates: (columns…, rows, groups, all rows); null_rate: (count(*),
 * count(col)…). */
struct st_query {
    const char *check;          /* orphan, tenant_leak, duplicate, null_rate,
                                 * slice_overlap (static) */
    char *constraint;           /* the foreign key or unique key ("" for null_rate) */
    char **columns;             /* the target's columns it is about */
    size_t ncolumns;
    char **source_columns;      /* null_rate: the source's, one per column */
    double *shift;              /* null_rate: how far each share may move */
    char **sample;              /* the columns that name a sampled row */
    size_t nsample;
    char *ref_table, *tenant;   /* orphan, tenant_leak: the parent; its tenant column;
                                 * slice_overlap: the two waves, in words */
    int lost;                   /* orphan: through a foreign key the target lost */
    char *sql[2];
};

struct st_queries {
    struct st_query *v;
    size_t n;
};

/* The queries for pair `p` (its target's foreign keys, and the ones `cat`
 * says it lost; the duplicates behind a lost unique key; the NULLs of each
 * mapped column), in the target's dialect `te`, over the rows `cond` holds
 * each side to (the source's where and a wave's slice; NULL: all). */
void st_queries(const struct plan *pl, const struct pairing *pp, const struct sheet *s,
                const struct pair *p, const struct st_report *cat, enum url_kind te,
                const char *const cond[2], struct st_queries *qs);
/* A wave's run (waves.md): for each other wave slicing the pair's table,
 * its source rows in both slices (slice_overlap: a plan error the data
 * shows, its rows named). */
void st_overlap_queries(const struct plan *pl, const struct pair *p, const char *wave,
                        struct st_queries *qs);
void st_queries_free(struct st_queries *qs);

/* What a query returned, on each side: cells row-major, NULL for SQL NULL. */
struct st_rows {
    size_t nrows, ncols;
    char **cell;
};
const char *st_cell(const struct st_rows *r, size_t row, size_t col);
/* Frees the cells; empty again. */
void st_rows_reset(struct st_rows *r);
/* The findings in what `q` returned: none, one, or (null_rate) one per column.
 * `explained`: the rows the target misses or has extra (a NULL count that
 * differs by no more is their doing, not a transform's). */
void st_judge(const struct st_query *q, const struct pair *p, const struct st_rows r[2],
              long explained, st_emit_cb emit, void *arg);

#endif
