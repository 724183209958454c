/* cat: catalog introspection of one database through the async db layer:
 * tables and views, columns (declared type, type class, nullability,
 * default), primary and unique keys, foreign keys, indexes, row counts and
 * size. Loading is a chain of queries on the db's loop; the result is a
 * plain structure the caller owns. */
#ifndef CUTOVER_CATALOG_H
#define CUTOVER_CATALOG_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"

/* A normalised type class, for comparing types across engines. */
enum cat_class { TC_OTHER, TC_INT, TC_FLOAT, TC_NUMERIC, TC_BOOL, TC_TEXT, TC_BLOB, TC_DATE,
                 TC_TIME, TC_TIMESTAMP, TC_TIMESTAMPTZ, TC_UUID, TC_JSON, TC_ARRAY };

enum cat_count { COUNT_UNKNOWN, COUNT_EXACT, COUNT_ESTIMATE };

struct cat_column {
    char *name, *type, *dflt;   /* type as declared; dflt NULL when none */
    enum cat_class tclass;
    enum cat_class elem;        /* TC_ARRAY (PostgreSQL's "integer[]"): its elements' class */
    int money;                  /* PostgreSQL's money: read as numeric (see cat_read_expr) */
    int scale;                  /* PostgreSQL's numeric(p,s): s, which it rounds to; else -1 */
    int single;                 /* PostgreSQL's real (float4): single precision */
    int notnull;
    int pk;                     /* position in the primary key, 1-based; 0 if not in it */
    char **allowed;             /* values an enum type or a CHECK (… IN …) accepts; */
    size_t nallowed;            /* NULL when the column takes any value */
};

struct cat_cols {               /* an ordered column list */
    char *name;                 /* the constraint's name, for unique keys */
    char **names;
    size_t n;
};

struct cat_fk {
    char *name;
    struct cat_cols cols, ref_cols;
    char *ref_table;
};

struct cat_index {
    char *name, *columns;       /* columns (or expressions) as text, comma separated */
    int unique, primary;
};

struct cat_table {
    char *name;                 /* qualified ("sales.orders") outside public/main */
    char *schema, *relname;     /* its parts, for queries */
    int is_view, without_rowid;
    struct cat_column *cols;
    size_t ncols;
    struct cat_cols pk;
    struct cat_cols *uniques;
    size_t nuniques;
    struct cat_fk *fks;
    size_t nfks;
    struct cat_index *indexes;
    size_t nindexes;
    int64_t rows;               /* meaningful unless count is COUNT_UNKNOWN */
    enum cat_count count;
    char *count_error;          /* why the exact count is missing, when it is */
    int64_t size_bytes;         /* -1 when unknown */
};

struct catalog {
    int refs;                   /* references besides the first (cat_ref) */
    struct cat_table *tables;   /* sorted by name */
    size_t ntables;
    enum url_kind kind;         /* the engine it describes */
};

struct cat_opts {
    int count_rows;             /* run count(*) per table */
    int estimate_first;         /* with count_rows: a table with an estimate (PostgreSQL's
                                 * reltuples, once analyzed) takes it, uncounted */
    int count_timeout_ms;       /* per table; then the estimate (PostgreSQL) or unknown */
    int sizes;                  /* measure SQLite tables too (dbstat reads every page of the
                                 * file: a second pass over it); PostgreSQL's size comes with
                                 * its table list either way. Else size_bytes stays -1. */
};

/* Called once; on failure `cat` is NULL and `msg` says why. The callee owns
 * `cat` (free with cat_free). */
typedef void (*cat_done_cb)(struct catalog *cat, int status, const char *msg, void *arg);

/* Starts loading the catalog of `db`. Returns -1 only if the db is closing. */
int cat_load(db_t *db, const struct cat_opts *o, cat_done_cb done, void *arg);
/* Another reference to `c`; each is dropped with cat_free, the last one frees. */
struct catalog *cat_ref(struct catalog *c);
void cat_free(struct catalog *c);

const struct cat_table *cat_find(const struct catalog *c, const char *name);
/* The table as SQL names it, quoted: "schema"."table"; caller frees. */
char *cat_sql_name(const struct cat_table *t);
const struct cat_column *cat_column(const struct cat_table *t, const char *name);
/* The column named `name`, else one named like it, case and separators
 * aside (a target's updated_at for a source's UpdatedAt); NULL if none. */
const struct cat_column *cat_column_like(const struct cat_table *t, const char *name);
/* The class of a declared type: SQLite's affinity words ("INT", "CHAR"…) or
 * PostgreSQL's format_type() names; "…[]" is TC_ARRAY (cat_classify of the
 * rest is its elements'), ranges and anything unknown TC_OTHER. */
enum cat_class cat_classify(const char *type);
/* The column as a query reads it: its quoted name, and a PostgreSQL money
 * value as the number it holds ("1234.50", not lc_monetary's "$1,234.50").
 * The caller frees it. */
char *cat_read_expr(const struct cat_column *c);

#endif
