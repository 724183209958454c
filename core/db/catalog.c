#include "config.h"
#include "catalog.h"
#include "util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct loader;
typedef void (*row_fn)(struct loader *L, const struct db_batch *b, size_t r);

struct step {
    const char *sql;
    row_fn row;
    unsigned flags;     /* STEP_OPTIONAL: a failure leaves the data unknown instead of
                         * failing the load; STEP_SIZES: run only with cat_opts.sizes */
};

enum { STEP_OPTIONAL = 1, STEP_SIZES = 2 };

struct loader {
    db_t *db;
    struct cat_opts o;
    struct catalog *cat;
    const struct step *steps;
    size_t step, nsteps;
    size_t count_at;    /* next table to count, after the steps */
    cat_done_cb done;
    void *arg;
    struct cat_table *last;
    int64_t *estimates; /* PostgreSQL reltuples, per table; -1 unknown */
};

#define PG_FILTER "n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'"
#define PG_RELKINDS "c.relkind IN ('r', 'p', 'v', 'm', 'f')"

static void pg_table_row(struct loader *L, const struct db_batch *b, size_t r);
static void pg_column_row(struct loader *L, const struct db_batch *b, size_t r);
static void pg_key_row(struct loader *L, const struct db_batch *b, size_t r);
static void pg_index_row(struct loader *L, const struct db_batch *b, size_t r);
static void lite_table_row(struct loader *L, const struct db_batch *b, size_t r);
static void lite_column_row(struct loader *L, const struct db_batch *b, size_t r);
static void lite_fk_row(struct loader *L, const struct db_batch *b, size_t r);
static void lite_index_row(struct loader *L, const struct db_batch *b, size_t r);
static void lite_size_row(struct loader *L, const struct db_batch *b, size_t r);
static void pg_enum_row(struct loader *L, const struct db_batch *b, size_t r);
static void pg_check_row(struct loader *L, const struct db_batch *b, size_t r);
static void lite_check_row(struct loader *L, const struct db_batch *b, size_t r);

static const struct step pg_steps[] = {
    { "SELECT n.nspname, c.relname, c.relkind, c.reltuples::bigint,"
      " CASE WHEN c.relkind IN ('r', 'p', 'm') THEN pg_total_relation_size(c.oid) END"
      " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
      " WHERE " PG_RELKINDS " AND NOT c.relispartition AND " PG_FILTER " ORDER BY 1, 2",
      pg_table_row, 0 },
    { "SELECT n.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod),"
      " a.attnotnull, pg_get_expr(d.adbin, d.adrelid)"
      " FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
      " JOIN pg_namespace n ON n.oid = c.relnamespace"
      " LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum"
      " WHERE a.attnum > 0 AND NOT a.attisdropped AND " PG_RELKINDS " AND " PG_FILTER
      " ORDER BY 1, 2, a.attnum",
      pg_column_row, 0 },
    { "SELECT n.nspname, c.relname, con.conname, con.contype, a.attname,"
      " fn.nspname, fc.relname, fa.attname"
      " FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid"
      " JOIN pg_namespace n ON n.oid = c.relnamespace"
      " CROSS JOIN LATERAL unnest(con.conkey, con.confkey) WITH ORDINALITY AS k(attnum, fattnum, ord)"
      " JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum"
      " LEFT JOIN pg_class fc ON fc.oid = con.confrelid"
      " LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace"
      " LEFT JOIN pg_attribute fa ON fa.attrelid = con.confrelid AND fa.attnum = k.fattnum"
      " WHERE con.contype IN ('p', 'u', 'f') AND " PG_FILTER " ORDER BY 1, 2, 3, k.ord",
      pg_key_row, 0 },
    { "SELECT n.nspname, c.relname, i.relname, x.indisunique, x.indisprimary,"
      " (SELECT string_agg(pg_get_indexdef(x.indexrelid, k, true), ', ' ORDER BY k)"
      "  FROM generate_series(1, x.indnkeyatts) k)"
      " FROM pg_index x JOIN pg_class c ON c.oid = x.indrelid"
      " JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
      " WHERE " PG_FILTER " ORDER BY 1, 2, 3",
      pg_index_row, 0 },
    { "SELECT n.nspname, c.relname, a.attname, e.enumlabel"
      " FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
      " JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_enum e ON e.enumtypid = a.atttypid"
      " WHERE a.attnum > 0 AND NOT a.attisdropped AND " PG_RELKINDS " AND " PG_FILTER
      " ORDER BY 1, 2, a.attnum, e.enumsortorder",
      pg_enum_row, 0 },
    { "SELECT n.nspname, c.relname, a.attname, pg_get_constraintdef(con.oid)"
      " FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid"
      " JOIN pg_namespace n ON n.oid = c.relnamespace"
      " JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = con.conkey[1]"
      " WHERE con.contype = 'c' AND array_length(con.conkey, 1) = 1 AND " PG_FILTER
      " ORDER BY 1, 2, 3",
      pg_check_row, 0 },
};

#define LITE_TABLES "FROM pragma_table_list m WHERE m.schema = 'main' AND m.type IN ('table', 'view')" \
    " AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"

static const struct step lite_steps[] = {
    { "SELECT m.name, m.type, m.wr " LITE_TABLES " ORDER BY m.name", lite_table_row, 0 },
    { "SELECT m.name, p.name, p.type, p.\"notnull\", p.dflt_value, p.pk"
      " FROM pragma_table_list m JOIN pragma_table_info(m.name) p"
      " WHERE m.schema = 'main' AND m.type IN ('table', 'view')"
      " AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY m.name, p.cid",
      lite_column_row, 0 },
    { "SELECT m.name, f.id, f.\"table\", f.\"from\", f.\"to\""
      " FROM sqlite_schema m JOIN pragma_foreign_key_list(m.name) f"
      " WHERE m.type = 'table' ORDER BY m.name, f.id, f.seq",
      lite_fk_row, 0 },
    { "SELECT m.name, il.name, il.\"unique\", il.origin, ii.name"
      " FROM sqlite_schema m JOIN pragma_index_list(m.name) il"
      " JOIN pragma_index_info(il.name) ii WHERE m.type = 'table'"
      " ORDER BY m.name, il.name, ii.seqno",
      lite_index_row, 0 },
    { "SELECT name, sql FROM sqlite_schema WHERE type = 'table' AND sql IS NOT NULL",
      lite_check_row, 0 },
    /* dbstat is optional in SQLite builds: without it sizes stay unknown. */
    { "SELECT s.tbl_name, sum(d.pgsize) FROM dbstat d JOIN sqlite_schema s ON s.name = d.name"
      " GROUP BY s.tbl_name",
      lite_size_row, STEP_OPTIONAL | STEP_SIZES },
};

static const char *cell(const struct db_batch *b, size_t r, int c)
{
    return db_cell(b, r, c)->p;
}

static char *dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

static int truthy(const char *s)
{
    return s && (strcmp(s, "t") == 0 || strcmp(s, "1") == 0 || strcmp(s, "true") == 0);
}

static char *qualify(const char *schema, const char *name)
{
    if (!schema || strcmp(schema, "public") == 0 || strcmp(schema, "main") == 0)
        return xstrdup(name);
    return xasprintf("%s.%s", schema, name);
}

static struct cat_table *add_table(struct loader *L, const char *schema, const char *name)
{
    struct catalog *c = L->cat;
    struct cat_table *t;

    c->tables = xrealloc(c->tables, (c->ntables + 1) * sizeof *c->tables);
    t = &c->tables[c->ntables++];
    memset(t, 0, sizeof *t);
    t->schema = xstrdup(schema);
    t->relname = xstrdup(name);
    t->name = qualify(schema, name);
    t->size_bytes = -1;
    L->estimates = xrealloc(L->estimates, c->ntables * sizeof *L->estimates);
    L->estimates[c->ntables - 1] = -1;
    L->last = NULL;  /* the array moved */
    return t;
}

/* Rows of each query come grouped by table: remember the last one found. */
static struct cat_table *table_of(struct loader *L, const char *schema, const char *name)
{
    char *q = qualify(schema, name);
    struct cat_table *t = NULL;

    if (L->last && strcmp(L->last->name, q) == 0)
        t = L->last;
    for (size_t i = 0; !t && i < L->cat->ntables; i++)
        if (strcmp(L->cat->tables[i].name, q) == 0)
            t = &L->cat->tables[i];
    free(q);
    return L->last = t;
}

static void cols_add(struct cat_cols *c, const char *name)
{
    c->names = xrealloc(c->names, (c->n + 1) * sizeof *c->names);
    c->names[c->n++] = xstrdup(name ? name : "?");
}

static void add_column(struct cat_table *t, const char *name, const char *type, int notnull,
                       const char *dflt, int pk)
{
    struct cat_column *col;

    t->cols = xrealloc(t->cols, (t->ncols + 1) * sizeof *t->cols);
    col = &t->cols[t->ncols++];
    memset(col, 0, sizeof *col);
    col->name = xstrdup(name);
    col->type = xstrdup(type ? type : "");
    col->tclass = cat_classify(col->type);
    col->scale = -1;
    if (col->tclass == TC_ARRAY) {
        char *elem = xstrndup(col->type, strcspn(col->type, "["));
        col->elem = cat_classify(elem);
        free(elem);
    }
    col->notnull = notnull;
    col->dflt = dup_or_null(dflt);
    col->pk = pk;
}

static void pg_table_row(struct loader *L, const struct db_batch *b, size_t r)
{
    struct cat_table *t = add_table(L, cell(b, r, 0), cell(b, r, 1));
    const char *kind = cell(b, r, 2);

    t->is_view = kind[0] == 'v';
    if (cell(b, r, 3))
        L->estimates[L->cat->ntables - 1] = strtoll(cell(b, r, 3), NULL, 10);
    if (cell(b, r, 4))
        t->size_bytes = strtoll(cell(b, r, 4), NULL, 10);
}

static void pg_column_row(struct loader *L, const struct db_batch *b, size_t r)
{
    struct cat_table *t = table_of(L, cell(b, r, 0), cell(b, r, 1));
    struct cat_column *c;

    if (!t)
        return;
    add_column(t, cell(b, r, 2), cell(b, r, 3), truthy(cell(b, r, 4)), cell(b, r, 5), 0);
    c = &t->cols[t->ncols - 1];
    c->money = !strcmp(c->type, "money");
    c->single = !strcmp(c->type, "real");
    if (!strncmp(c->type, "numeric(", 8) && strchr(c->type, ','))  /* format_type's numeric(10,2) */
        c->scale = atoi(strchr(c->type, ',') + 1);
}

static struct cat_fk *fk_for(struct cat_table *t, const char *name, int *fresh)
{
    *fresh = !(t->nfks && strcmp(t->fks[t->nfks - 1].name, name) == 0);
    if (*fresh) {
        t->fks = xrealloc(t->fks, (t->nfks + 1) * sizeof *t->fks);
        memset(&t->fks[t->nfks], 0, sizeof *t->fks);
        t->fks[t->nfks++].name = xstrdup(name);
    }
    return &t->fks[t->nfks - 1];
}

static void add_unique(struct cat_table *t, const char *name)
{
    t->uniques = xrealloc(t->uniques, (t->nuniques + 1) * sizeof *t->uniques);
    memset(&t->uniques[t->nuniques], 0, sizeof *t->uniques);
    t->uniques[t->nuniques++].name = xstrdup(name);
}

static void pg_key_row(struct loader *L, const struct db_batch *b, size_t r)
{
    struct cat_table *t = table_of(L, cell(b, r, 0), cell(b, r, 1));
    const char *conname = cell(b, r, 2), *col = cell(b, r, 4);
    int fresh;

    if (!t)
        return;
    switch (cell(b, r, 3)[0]) {
    case 'p':
        cols_add(&t->pk, col);
        for (size_t i = 0; i < t->ncols; i++)
            if (strcmp(t->cols[i].name, col) == 0)
                t->cols[i].pk = (int)t->pk.n;
        break;
    case 'u':
        /* rows of one constraint are adjacent; the name tells a new one */
        if (!t->nuniques || strcmp(t->uniques[t->nuniques - 1].name, conname) != 0)
            add_unique(t, conname);
        cols_add(&t->uniques[t->nuniques - 1], col);
        break;
    default: {
        struct cat_fk *fk = fk_for(t, conname, &fresh);
        if (fresh)
            fk->ref_table = qualify(cell(b, r, 5), cell(b, r, 6));
        cols_add(&fk->cols, col);
        cols_add(&fk->ref_cols, cell(b, r, 7));
        break;
    }
    }
}

static void add_index(struct cat_table *t, const char *name, const char *cols, int unique,
                      int primary)
{
    struct cat_index *ix;

    t->indexes = xrealloc(t->indexes, (t->nindexes + 1) * sizeof *t->indexes);
    ix = &t->indexes[t->nindexes++];
    ix->name = xstrdup(name);
    ix->columns = xstrdup(cols ? cols : "");
    ix->unique = unique;
    ix->primary = primary;
}

static void pg_index_row(struct loader *L, const struct db_batch *b, size_t r)
{
    struct cat_table *t = table_of(L, cell(b, r, 0), cell(b, r, 1));

    if (t)
        add_index(t, cell(b, r, 2), cell(b, r, 5), truthy(cell(b, r, 3)), truthy(cell(b, r, 4)));
}

static void lite_table_row(struct loader *L, const struct db_batch *b, size_t r)
{
    struct cat_table *t = add_table(L, "main", cell(b, r, 0));

    t->is_view = strcmp(cell(b, r, 1), "view") == 0;
    t->without_rowid = truthy(cell(b, r, 2));
}

static void lite_column_row(struct loader *L, const struct db_batch *b, size_t r)
{
    struct cat_table *t = table_of(L, "main", cell(b, r, 0));
    int pk = atoi(cell(b, r, 5));

    if (!t)
        return;
    add_column(t, cell(b, r, 1), cell(b, r, 2), truthy(cell(b, r, 3)) || (pk && t->without_rowid),
               cell(b, r, 4), pk);
    if (pk) {  /* pk positions come in column order: place by position */
        while (t->pk.n < (size_t)pk)
            cols_add(&t->pk, NULL);
        free(t->pk.names[pk - 1]);
        t->pk.names[pk - 1] = xstrdup(cell(b, r, 1));
    }
}

static void lite_fk_row(struct loader *L, const struct db_batch *b, size_t r)
{
    struct cat_table *t = table_of(L, "main", cell(b, r, 0));
    struct cat_fk *fk;
    int fresh;

    if (!t)
        return;
    fk = fk_for(t, cell(b, r, 1), &fresh);
    if (fresh)
        fk->ref_table = xstrdup(cell(b, r, 2));
    cols_add(&fk->cols, cell(b, r, 3));
    cols_add(&fk->ref_cols, cell(b, r, 4));  /* NULL: the parent's key, resolved later */
}

static void lite_index_row(struct loader *L, const struct db_batch *b, size_t r)
{
    struct cat_table *t = table_of(L, "main", cell(b, r, 0));
    const char *name = cell(b, r, 1), *col = cell(b, r, 4) ? cell(b, r, 4) : "<expression>";
    const char *origin = cell(b, r, 3);
    struct cat_index *ix;

    if (!t)
        return;
    ix = t->nindexes ? &t->indexes[t->nindexes - 1] : NULL;
    if (ix && strcmp(ix->name, name) == 0) {
        char *cols = xasprintf("%s, %s", ix->columns, col);
        free(ix->columns);
        ix->columns = cols;
    } else {
        add_index(t, name, col, truthy(cell(b, r, 2)), strcmp(origin, "pk") == 0);
        if (strcmp(origin, "u") == 0)
            add_unique(t, name);
    }
    if (strcmp(origin, "u") == 0)
        cols_add(&t->uniques[t->nuniques - 1], col);
}

static struct cat_column *column_of(struct cat_table *t, const char *name)
{
    for (size_t i = 0; t && i < t->ncols; i++)
        if (strcasecmp(t->cols[i].name, name) == 0)
            return &t->cols[i];
    return NULL;
}

static void allow(struct cat_column *c, const char *v, size_t n)
{
    c->allowed = xrealloc(c->allowed, (c->nallowed + 1) * sizeof *c->allowed);
    c->allowed[c->nallowed++] = xstrndup(v, n);
}

static void pg_enum_row(struct loader *L, const struct db_batch *b, size_t r)
{
    struct cat_column *c = column_of(table_of(L, cell(b, r, 0), cell(b, r, 1)), cell(b, r, 2));
    const char *label = cell(b, r, 3);

    if (c)
        allow(c, label, strlen(label));
}

/* The 'quoted' literals of a list, '' being a quote; returns where it ended. */
static const char *literals(struct cat_column *c, const char *p, const char *end)
{
    struct sbuf v = { 0 };

    while (p < end && *p != ')') {
        if (*p != '\'') {
            p++;
            continue;
        }
        for (p++; p < end; p++) {
            if (*p == '\'' && p[1] == '\'') {
                sbuf_add(&v, p++, 1);
            } else if (*p == '\'') {
                p++;
                break;
            } else {
                sbuf_add(&v, p, 1);
            }
        }
        allow(c, v.s ? v.s : "", v.len);
        sbuf_free(&v);
    }
    return p;
}

/* PostgreSQL writes CHECK (x IN ('a','b')) back as
 * CHECK (((x)::text = ANY ((ARRAY['a'::character varying, …])::text[]))). */
static void pg_check_row(struct loader *L, const struct db_batch *b, size_t r)
{
    struct cat_column *c = column_of(table_of(L, cell(b, r, 0), cell(b, r, 1)), cell(b, r, 2));
    const char *def = cell(b, r, 3), *arr;

    if (!c || c->allowed || !(arr = strstr(def, "ANY (ARRAY[")))
        return;
    literals(c, arr, def + strlen(def));
}

static const char *skip_space(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    return p;
}

/* SQLite keeps the CREATE TABLE text: find CHECK (col IN ('a', 'b')). */
static void lite_check_row(struct loader *L, const struct db_batch *b, size_t r)
{
    struct cat_table *t = table_of(L, "main", cell(b, r, 0));
    const char *sql = cell(b, r, 1), *p = sql;

    while (t && (p = strcasestr(p, "CHECK"))) {
        char name[128];
        size_t n = 0;
        struct cat_column *c;
        const char *q = skip_space(p + 5);

        p += 5;
        if (*q != '(')
            continue;
        q = skip_space(q + 1);
        if (*q == '"' || *q == '`' || *q == '[') {
            char close = *q == '[' ? ']' : *q;
            for (q++; *q && *q != close && n < sizeof name - 1; q++)
                name[n++] = *q;
            if (*q)
                q++;
        } else {
            while ((isalnum((unsigned char)*q) || *q == '_') && n < sizeof name - 1)
                name[n++] = *q++;
        }
        name[n] = '\0';
        q = skip_space(q);
        if (strncasecmp(q, "IN", 2) != 0)
            continue;
        q = skip_space(q + 2);
        if (*q != '(' || !(c = column_of(t, name)) || c->allowed)
            continue;
        p = literals(c, q + 1, q + strlen(q));
    }
}

static void lite_size_row(struct loader *L, const struct db_batch *b, size_t r)
{
    struct cat_table *t = table_of(L, "main", cell(b, r, 0));

    if (t && cell(b, r, 1))
        t->size_bytes = strtoll(cell(b, r, 1), NULL, 10);
}

static void next(struct loader *L);

static int on_rows(db_query_t *q, const struct db_batch *b, void *arg)
{
    struct loader *L = arg;

    (void)q;
    for (size_t r = 0; r < b->nrows; r++)
        L->steps[L->step].row(L, b, r);
    return DB_CONTINUE;
}

static void finish(struct loader *L, int status, const char *msg)
{
    struct catalog *c = status ? NULL : L->cat;

    if (status)
        cat_free(L->cat);
    L->done(c, status, msg, L->arg);
    free(L->estimates);
    free(L);
}

static void on_step_done(db_query_t *q, int status, const char *msg, void *arg)
{
    struct loader *L = arg;

    (void)q;
    if (status && !(L->steps[L->step].flags & STEP_OPTIONAL)) {
        finish(L, status, msg);
        return;
    }
    L->step++;
    next(L);
}

static int64_t count_of(const struct db_batch *b)
{
    return b->nrows ? strtoll(db_cell(b, 0, 0)->p, NULL, 10) : 0;
}

static int on_count_rows(db_query_t *q, const struct db_batch *b, void *arg)
{
    struct loader *L = arg;
    struct cat_table *t = &L->cat->tables[L->count_at];

    (void)q;
    t->rows = count_of(b);
    t->count = COUNT_EXACT;
    return DB_CONTINUE;
}

static void on_count_done(db_query_t *q, int status, const char *msg, void *arg)
{
    struct loader *L = arg;
    struct cat_table *t = &L->cat->tables[L->count_at];

    (void)q;
    if (status == DB_ELOST) {
        finish(L, status, msg);
        return;
    }
    if (status) {
        t->count_error = xstrdup(status == DB_ETIMEDOUT ? "count timed out" : msg);
        if (L->estimates[L->count_at] >= 0) {
            t->rows = L->estimates[L->count_at];
            t->count = COUNT_ESTIMATE;
        }
    }
    L->count_at++;
    next(L);
}

/* In SQLite a foreign key may name only the parent table: it means its key. */
static void resolve_fk_refs(struct catalog *c)
{
    for (size_t i = 0; i < c->ntables; i++)
        for (size_t f = 0; f < c->tables[i].nfks; f++) {
            struct cat_fk *fk = &c->tables[i].fks[f];
            const struct cat_table *parent = cat_find(c, fk->ref_table);
            for (size_t k = 0; parent && k < fk->ref_cols.n; k++)
                if (strcmp(fk->ref_cols.names[k], "?") == 0 && k < parent->pk.n) {
                    free(fk->ref_cols.names[k]);
                    fk->ref_cols.names[k] = xstrdup(parent->pk.names[k]);
                }
        }
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const struct cat_table *)a)->name, ((const struct cat_table *)b)->name);
}

static void next(struct loader *L)
{
    struct catalog *c = L->cat;

    while (L->step < L->nsteps && (L->steps[L->step].flags & STEP_SIZES) && !L->o.sizes)
        L->step++;
    if (L->step < L->nsteps) {
        if (!db_query(L->db, L->steps[L->step].sql, 0, NULL, NULL, on_rows, on_step_done, L))
            finish(L, DB_ECANCELED, "query canceled");
        return;
    }
    for (; L->count_at < c->ntables; L->count_at++) {  /* the next table to count */
        struct cat_table *t = &c->tables[L->count_at];
        int64_t estimate = L->estimates[L->count_at];
        if (!L->o.count_rows || t->is_view)
            continue;
        if (!L->o.estimate_first || estimate < 0)
            break;
        t->rows = estimate;
        t->count = COUNT_ESTIMATE;
    }
    if (L->count_at < c->ntables) {
        struct cat_table *t = &c->tables[L->count_at];
        char *from = cat_sql_name(t);
        char *sql = xasprintf("SELECT count(*) FROM %s", from);
        struct db_query_opts qo = { .timeout_ms = L->o.count_timeout_ms };

        free(from);
        if (!db_query(L->db, sql, 0, NULL, &qo, on_count_rows, on_count_done, L))
            finish(L, DB_ECANCELED, "query canceled");
        free(sql);
        return;
    }
    resolve_fk_refs(c);
    if (c->ntables)  /* none: qsort(NULL, 0) is undefined */
        qsort(c->tables, c->ntables, sizeof *c->tables, by_name);
    finish(L, 0, NULL);
}

int cat_load(db_t *db, const struct cat_opts *o, cat_done_cb done, void *arg)
{
    struct loader *L = xcalloc(1, sizeof *L);

    L->db = db;
    if (o)
        L->o = *o;
    if (!L->o.count_timeout_ms)
        L->o.count_timeout_ms = 10000;
    L->cat = xcalloc(1, sizeof *L->cat);
    L->cat->kind = db_kind(db);
    L->done = done;
    L->arg = arg;
    if (db_kind(db) == URL_PG) {
        L->steps = pg_steps;
        L->nsteps = sizeof pg_steps / sizeof *pg_steps;
    } else {
        L->steps = lite_steps;
        L->nsteps = sizeof lite_steps / sizeof *lite_steps;
    }
    if (!db_query(db, L->steps[0].sql, 0, NULL, NULL, on_rows, on_step_done, L)) {
        cat_free(L->cat);
        free(L);
        return -1;
    }
    return 0;
}

static void cols_free(struct cat_cols *c)
{
    free(c->name);
    for (size_t i = 0; i < c->n; i++)
        free(c->names[i]);
    free(c->names);
}

struct catalog *cat_ref(struct catalog *c)
{
    c->refs++;
    return c;
}

void cat_free(struct catalog *c)
{
    if (!c)
        return;
    if (c->refs > 0) {
        c->refs--;
        return;
    }
    for (size_t i = 0; i < c->ntables; i++) {
        struct cat_table *t = &c->tables[i];
        for (size_t k = 0; k < t->ncols; k++) {
            free(t->cols[k].name), free(t->cols[k].type), free(t->cols[k].dflt);
            for (size_t a = 0; a < t->cols[k].nallowed; a++)
                free(t->cols[k].allowed[a]);
            free(t->cols[k].allowed);
        }
        free(t->cols);
        cols_free(&t->pk);
        for (size_t k = 0; k < t->nuniques; k++)
            cols_free(&t->uniques[k]);
        free(t->uniques);
        for (size_t k = 0; k < t->nfks; k++) {
            free(t->fks[k].name), free(t->fks[k].ref_table);
            cols_free(&t->fks[k].cols), cols_free(&t->fks[k].ref_cols);
        }
        free(t->fks);
        for (size_t k = 0; k < t->nindexes; k++)
            free(t->indexes[k].name), free(t->indexes[k].columns);
        free(t->indexes);
        free(t->name), free(t->schema), free(t->relname), free(t->count_error);
    }
    free(c->tables);
    free(c);
}

char *cat_sql_name(const struct cat_table *t)
{
    char *s = db_quote_ident(t->schema), *n = db_quote_ident(t->relname);
    char *q = xasprintf("%s.%s", s, n);

    free(s);
    free(n);
    return q;
}

const struct cat_table *cat_find(const struct catalog *c, const char *name)
{
    for (size_t i = 0; i < c->ntables; i++)
        if (strcmp(c->tables[i].name, name) == 0)
            return &c->tables[i];
    return NULL;
}

const struct cat_column *cat_column(const struct cat_table *t, const char *name)
{
    for (size_t i = 0; i < t->ncols; i++)
        if (strcmp(t->cols[i].name, name) == 0)
            return &t->cols[i];
    return NULL;
}

const struct cat_column *cat_column_like(const struct cat_table *t, const char *name)
{
    const struct cat_column *c = cat_column(t, name);
    char *want;

    if (c)
        return c;
    want = name_normalize(name);
    for (size_t i = 0; i < t->ncols && !c; i++) {
        char *n = name_normalize(t->cols[i].name);
        if (!strcmp(n, want))
            c = &t->cols[i];
        free(n);
    }
    free(want);
    return c;
}

enum cat_class cat_classify(const char *type)
{
    static const struct { const char *word; enum cat_class c; } rules[] = {
        /* most specific first: "timestamp with time zone" before "time",
         * int4range and daterange (text) before int and date */
        { "range", TC_OTHER }, { "uuid", TC_UUID }, { "json", TC_JSON }, { "bool", TC_BOOL },
        { "interval", TC_OTHER }, { "point", TC_OTHER },
        { "timestamptz", TC_TIMESTAMPTZ }, { "timestamp with time zone", TC_TIMESTAMPTZ },
        { "timestamp", TC_TIMESTAMP }, { "datetime", TC_TIMESTAMP }, { "date", TC_DATE },
        { "time", TC_TIME }, { "int", TC_INT }, { "serial", TC_INT },
        { "char", TC_TEXT }, { "clob", TC_TEXT }, { "text", TC_TEXT },
        { "blob", TC_BLOB }, { "bytea", TC_BLOB },
        { "real", TC_FLOAT }, { "floa", TC_FLOAT }, { "doub", TC_FLOAT },
        { "numeric", TC_NUMERIC }, { "decimal", TC_NUMERIC }, { "money", TC_NUMERIC },
    };
    char low[128];
    size_t i;

    for (i = 0; type[i] && i < sizeof low - 1; i++)
        low[i] = (char)tolower((unsigned char)type[i]);
    low[i] = '\0';
    if (i >= 2 && low[i - 2] == '[' && low[i - 1] == ']')
        return TC_ARRAY;
    for (i = 0; i < sizeof rules / sizeof *rules; i++)
        if (strstr(low, rules[i].word))
            return rules[i].c;
    return TC_OTHER;
}

char *cat_read_expr(const struct cat_column *c)
{
    char *q = db_quote_ident(c->name), *cast;

    if (!c->money)
        return q;
    cast = xasprintf("%s::numeric", q);
    free(q);
    return cast;
}
