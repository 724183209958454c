/* structure_sql: the structural checks asked of the data (structure.h): one
 * aggregate query each, on the server, that returns a count and at most
 * ST_SAMPLE rows, never the table. */
#include "config.h"
#include "structure.h"
#include "db.h"
#include "rule.h"
#include "util.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static void list(struct sbuf *b, const char *alias, char *const *names, size_t n,
                 const char *sep)
{
    for (size_t k = 0; k < n; k++) {
        char *q = db_quote_ident(names[k]);
        sbuf_printf(b, "%s%s%s%s", k ? sep : "", alias ? alias : "", alias ? "." : "", q);
        free(q);
    }
}

/* "c.a = p.x AND c.b = p.y" */
static void join_on(struct sbuf *b, char *const *child, char *const *parent, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        char *c = db_quote_ident(child[k]), *p = db_quote_ident(parent[k]);
        sbuf_printf(b, "%sp.%s = c.%s", k ? " AND " : "", p, c);
        free(c), free(p);
    }
}

static void not_null(struct sbuf *b, const char *alias, char *const *names, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        char *q = db_quote_ident(names[k]);
        sbuf_printf(b, " AND %s%s%s IS NOT NULL", alias ? alias : "", alias ? "." : "", q);
        free(q);
    }
}

static char **copy_names(char *const *names, size_t n)
{
    char **v = xcalloc(n + 1, sizeof *v);

    for (size_t k = 0; k < n; k++)
        v[k] = xstrdup(names[k]);
    return v;
}

static struct st_query *add(struct st_queries *qs, const char *check, const char *constraint,
                            char *const *cols, size_t n)
{
    struct st_query *q;

    qs->v = xrealloc(qs->v, (qs->n + 1) * sizeof *qs->v);
    q = &qs->v[qs->n++];
    memset(q, 0, sizeof *q);
    q->check = check;
    q->constraint = xstrdup(constraint);
    q->columns = copy_names(cols, n);
    q->ncolumns = n;
    return q;
}

/* The rows a sample names: the child's primary key, else the columns. */
static void sample_by(struct st_query *q, const struct cat_table *t, char *const *cols, size_t n)
{
    if (t->pk.n)
        cols = t->pk.names, n = t->pk.n;
    q->sample = copy_names(cols, n);
    q->nsample = n;
}

/* The target table's tenant column, or NULL: [table] tenant (the source's
 * column, as the sheet maps it, or by its name), else [migration] tenant. */
static const char *tenant_of(const struct plan *pl, const struct sheet *s, const struct pair *p)
{
    const char *col = p && p->plan && p->plan->tenant ? p->plan->tenant : pl->tenant;
    const char *m;

    if (!p || !p->tgt || !col)
        return NULL;
    if (p->src && (m = st_mapped(s, p->src->name, col, p->tgt->name)) && cat_column(p->tgt, m))
        return m;
    return cat_column(p->tgt, col) ? col : NULL;
}

/* The target table as a query reads it: its name, or its rows in the slice. */
static char *rows_of(const struct cat_table *t, const char *cond)
{
    char *name = cat_sql_name(t), *q;

    if (!cond)
        return name;
    q = xasprintf("(SELECT * FROM %s WHERE %s)", name, cond);
    free(name);
    return q;
}

/* One foreign key of the target's table (held or lost): its orphans, and,
 * both tables scoped by tenant, the rows across tenants. */
static void fk_queries(const struct plan *pl, const struct pairing *pp, const struct sheet *s,
                       const struct pair *p, const char *name, char *const *cols,
                       const char *ref_table, char *const *ref_cols, size_t n, int lost,
                       enum url_kind te, const char *cond, struct st_queries *qs)
{
    const struct pair *rp = pair_by_target(pp, ref_table);
    const char *ten = tenant_of(pl, s, p), *rten = tenant_of(pl, s, rp);
    char *child = rows_of(p->tgt, cond), *parent;
    struct st_query *q;
    struct sbuf b = { 0 };

    if (!rp) {
        free(child);
        return;
    }
    parent = cat_sql_name(rp->tgt);
    q = add(qs, "orphan", name, cols, n);
    q->ref_table = xstrdup(ref_table);
    q->lost = lost;
    sample_by(q, p->tgt, cols, n);
    sbuf_puts(&b, "SELECT ");
    list(&b, "c", q->sample, q->nsample, ", ");
    sbuf_printf(&b, ", count(*) OVER () FROM %s c WHERE 1 = 1", child);
    not_null(&b, "c", cols, n);
    sbuf_printf(&b, " AND NOT EXISTS (SELECT 1 FROM %s p WHERE ", parent);
    join_on(&b, cols, ref_cols, n);
    sbuf_printf(&b, ") ORDER BY ");
    for (size_t k = 0; k < q->nsample; k++)
        sbuf_printf(&b, "%s%zu", k ? ", " : "", k + 1);
    sbuf_printf(&b, " LIMIT %d", ST_SAMPLE);
    q->sql[1] = sbuf_take(&b);
    if (ten && rten) {
        char *a = db_quote_ident(ten), *r = db_quote_ident(rten);
        q = add(qs, "tenant_leak", name, cols, n);
        q->ref_table = xstrdup(ref_table);
        q->tenant = xstrdup(ten);
        sample_by(q, p->tgt, cols, n);
        sbuf_puts(&b, "SELECT ");
        list(&b, "c", q->sample, q->nsample, ", ");
        sbuf_printf(&b, ", count(*) OVER () FROM %s c JOIN %s p ON ", child, parent);
        join_on(&b, cols, ref_cols, n);
        sbuf_printf(&b, " WHERE c.%s %s p.%s ORDER BY ", a,
                    te == URL_SQLITE ? "IS NOT" : "IS DISTINCT FROM", r);
        for (size_t k = 0; k < q->nsample; k++)
            sbuf_printf(&b, "%s%zu", k ? ", " : "", k + 1);
        sbuf_printf(&b, " LIMIT %d", ST_SAMPLE);
        q->sql[1] = sbuf_take(&b);
        free(a), free(r);
    }
    free(child), free(parent);
}

/* The duplicate groups on the target behind a unique constraint it lost. */
static void dup_query(const struct st_finding *f, const struct cat_table *t, const char *cond,
                      struct st_queries *qs)
{
    struct st_query *q = add(qs, "duplicate", f->constraint, f->target_columns, f->ncolumns);
    char *from = rows_of(t, cond);
    struct sbuf b = { 0 };

    q->sample = copy_names(f->target_columns, f->ncolumns);
    q->nsample = f->ncolumns;
    sbuf_puts(&b, "SELECT ");
    list(&b, NULL, f->target_columns, f->ncolumns, ", ");
    sbuf_printf(&b, ", count(*), count(*) OVER (), sum(count(*)) OVER () FROM %s x WHERE 1 = 1",
                from);
    not_null(&b, NULL, f->target_columns, f->ncolumns);
    sbuf_puts(&b, " GROUP BY ");
    list(&b, NULL, f->target_columns, f->ncolumns, ", ");
    sbuf_printf(&b, " HAVING count(*) > 1 ORDER BY %zu DESC", f->ncolumns + 1);
    for (size_t k = 0; k < f->ncolumns; k++)
        sbuf_printf(&b, ", %zu", k + 1);
    sbuf_printf(&b, " LIMIT %d", ST_SAMPLE);
    q->sql[1] = sbuf_take(&b);
    free(from);
}

/* Each mapped column's NULLs on both sides, one query per side. */
static void null_query(const struct plan *pl, const struct sheet *s, const struct pair *p,
                       const char *const cond[2], struct st_queries *qs)
{
    size_t tl = strlen(p->src->name), gl = strlen(p->tgt->name);
    struct sbuf b[2] = { { 0 }, { 0 } };
    struct st_query *q = NULL;

    for (size_t i = 0; i < s->n; i++) {
        const char *src = sheet_get(s, i, SC_SOURCE), *t = sheet_get(s, i, SC_TARGET);
        struct rules r;
        char why[160];
        double shift = pl->null_rate_shift;
        int ignored;
        if (!s->rows[i].f || strncmp(src, p->src->name, tl) || src[tl] != '.' ||
            strncmp(t, p->tgt->name, gl) || t[gl] != '.' ||
            !cat_column(p->src, src + tl + 1) || !cat_column(p->tgt, t + gl + 1))
            continue;
        if (rules_parse(sheet_get(s, i, SC_RULE), &r, why, sizeof why) < 0)
            continue;  /* the diff says why */
        ignored = rules_have(&r, R_IGNORE);
        for (size_t k = 0; k < r.n; k++)
            if (r.v[k].kind == R_NULL_RATE)
                shift = r.v[k].num;
        rules_free(&r);
        if (ignored)
            continue;
        if (!q) {
            q = add(qs, "null_rate", "", NULL, 0);
            sbuf_puts(&b[0], "SELECT count(*)");
            sbuf_puts(&b[1], "SELECT count(*)");
        }
        q->columns = xrealloc(q->columns, (q->ncolumns + 2) * sizeof *q->columns);
        q->columns[q->ncolumns] = xstrdup(t + gl + 1);
        q->columns[q->ncolumns + 1] = NULL;
        q->source_columns = xrealloc(q->source_columns, (q->ncolumns + 1) *
                                     sizeof *q->source_columns);
        q->source_columns[q->ncolumns] = xstrdup(src + tl + 1);
        q->shift = xrealloc(q->shift, (q->ncolumns + 1) * sizeof *q->shift);
        q->shift[q->ncolumns++] = shift;
        {
            char *a = db_quote_ident(src + tl + 1), *c = db_quote_ident(t + gl + 1);
            sbuf_printf(&b[0], ", count(%s)", a);
            sbuf_printf(&b[1], ", count(%s)", c);
            free(a), free(c);
        }
    }
    if (!q)
        return;
    for (int w = 0; w < 2; w++) {
        char *from = cat_sql_name(w ? p->tgt : p->src);
        sbuf_printf(&b[w], " FROM %s", from);
        if (cond[w])
            sbuf_printf(&b[w], " WHERE %s", cond[w]);
        q->sql[w] = sbuf_take(&b[w]);
        free(from);
    }
}

void st_queries(const struct plan *pl, const struct pairing *pp, const struct sheet *s,
                const struct pair *p, const struct st_report *cat, enum url_kind te,
                const char *const cond[2], struct st_queries *qs)
{
    memset(qs, 0, sizeof *qs);
    if (!p->src || !p->tgt || !pair_moves(p))
        return;
    for (size_t i = 0; i < p->tgt->nfks; i++) {
        const struct cat_fk *fk = &p->tgt->fks[i];
        char *name = st_fk_name(p->tgt, fk);
        if (fk->cols.n == fk->ref_cols.n)
            fk_queries(pl, pp, s, p, name, fk->cols.names, fk->ref_table,
                       fk->ref_cols.names, fk->cols.n, 0, te, cond[1], qs);
        free(name);
    }
    for (size_t i = 0; i < cat->n; i++) {
        const struct st_finding *f = &cat->v[i];
        if (strcmp(f->table, p->src->name))
            continue;
        if (!strcmp(f->check, "fk_missing"))  /* the data still checked, through the sheet */
            fk_queries(pl, pp, s, p, f->constraint, f->target_columns, f->ref_table,
                       f->ref_columns, f->ncolumns, 1, te, cond[1], qs);
        else if (!strcmp(f->check, "unique_missing"))
            dup_query(f, p->tgt, cond[1], qs);
    }
    null_query(pl, s, p, cond, qs);
}

void st_overlap_queries(const struct plan *pl, const struct pair *p, const char *wave,
                        struct st_queries *qs)
{
    const struct plan_wave *w = plan_wave_find(pl, wave);
    char *from;

    if (!w || !w->where || !p->src || !p->nkey)
        return;
    from = cat_sql_name(p->src);
    for (size_t i = 0; i < pl->nwaves; i++) {
        const struct plan_wave *o = &pl->waves[i];
        struct st_query *q;
        struct sbuf b = { 0 };
        size_t k = 0;
        if (o == w || !o->where)  /* a wave without where over this table: a plan error */
            continue;
        while (k < o->ntables && strcmp(o->tables[k], p->src->name))
            k++;
        if (k == o->ntables)
            continue;
        q = add(qs, "slice_overlap", o->name, p->key, p->nkey);
        q->ref_table = xasprintf("[wave %s] (%s:%d) and [wave %s] (line %d)", w->name,
                                 pl->path, w->where_line, o->name, o->where_line);
        q->sample = copy_names(p->key, p->nkey);
        q->nsample = p->nkey;
        sbuf_puts(&b, "SELECT ");
        list(&b, NULL, p->key, p->nkey, ", ");
        sbuf_printf(&b, ", count(*) OVER () FROM %s WHERE (%s) AND (%s) ORDER BY ", from,
                    w->where, o->where);
        for (size_t n = 0; n < p->nkey; n++)
            sbuf_printf(&b, "%s%zu", n ? ", " : "", n + 1);
        sbuf_printf(&b, " LIMIT %d", ST_SAMPLE);
        q->sql[0] = sbuf_take(&b);
    }
    free(from);
}

void st_queries_free(struct st_queries *qs)
{
    for (size_t i = 0; i < qs->n; i++) {
        struct st_query *q = &qs->v[i];
        for (size_t k = 0; k < q->ncolumns; k++)
            free(q->columns[k]);
        for (size_t k = 0; q->source_columns && k < q->ncolumns; k++)
            free(q->source_columns[k]);
        for (size_t k = 0; k < q->nsample; k++)
            free(q->sample[k]);
        free(q->columns), free(q->source_columns), free(q->sample), free(q->shift);
        free(q->constraint), free(q->ref_table), free(q->tenant);
        free(q->sql[0]), free(q->sql[1]);
    }
    free(qs->v);
    memset(qs, 0, sizeof *qs);
}

/* --- judging what they return ------------------------------------------------------ */

/* A value as JSON: an integer when it is one, else its text (NULL: null). */
static json_t *value(const char *v)
{
    char *end;
    long long i;

    if (!v)
        return json_null();
    errno = 0;
    i = strtoll(v, &end, 10);
    return *v && !*end && !errno && (*v != '0' || !v[1]) ? json_integer(i) : json_string(v);
}

static long long number(const char *v)
{
    return v ? strtoll(v, NULL, 10) : 0;
}

static json_t *names_json(char *const *names, size_t n)
{
    json_t *a = json_array();

    for (size_t k = 0; k < n; k++)
        json_array_append_new(a, json_string(names[k]));
    return a;
}

static json_t *key_of(const char *constraint, char *const *cols, size_t n)
{
    return json_pack("{s:s, s:o}", "constraint", constraint, "columns", names_json(cols, n));
}

/* What a sample row names: {"line_id": 17}; `extra` more columns after. */
static json_t *sample(const struct st_query *q, const struct st_rows *r)
{
    json_t *a = json_array();

    for (size_t i = 0; i < r->nrows; i++) {
        json_t *o = json_object();
        for (size_t k = 0; k < q->nsample; k++)
            json_object_set_new(o, q->sample[k], value(st_cell(r, i, k)));
        if (!strcmp(q->check, "duplicate"))
            json_object_set_new(o, "rows", json_integer(number(st_cell(r, i, q->nsample))));
        json_array_append_new(a, o);
    }
    return a;
}

static void judge_nulls(const struct st_query *q, const struct pair *p, const struct st_rows r[2],
                        long explained, st_emit_cb emit, void *arg)
{
    long long rows[2] = { number(st_cell(&r[0], 0, 0)), number(st_cell(&r[1], 0, 0)) };

    if (!rows[0] || !rows[1])
        return;  /* no share of nothing */
    if (llabs(rows[0] - rows[1]) > explained)  /* rows not compared: at least the difference */
        explained = (long)llabs(rows[0] - rows[1]);
    for (size_t k = 0; k < q->ncolumns; k++) {
        long long nulls[2];
        double share[2];
        for (int w = 0; w < 2; w++) {
            nulls[w] = rows[w] - number(st_cell(&r[w], 0, k + 1));
            share[w] = (double)nulls[w] / (double)rows[w];
        }
        if (fabs(share[1] - share[0]) <= q->shift[k] + 1e-12 ||
            llabs(nulls[1] - nulls[0]) <= explained)  /* rows missing or extra move it so */
            continue;
        emit(arg, "null_rate", json_pack("{s:s}", "column", q->columns[k]),
             json_pack("{s:s, s:f, s:f, s:I, s:I, s:I, s:I, s:f}", "source_column",
                       q->source_columns[k], "source_share", round(share[0] * 1e6) / 1e6,
                       "target_share", round(share[1] * 1e6) / 1e6, "count",
                       (json_int_t)nulls[1], "source_nulls", (json_int_t)nulls[0],
                       "source_rows", (json_int_t)rows[0], "target_rows", (json_int_t)rows[1],
                       "threshold", q->shift[k]),
             xasprintf("%s.%s is NULL in %.2f%% of the rows, %s.%s in %.2f%% (%lld of %lld): "
                       "more than %g percentage points apart", p->tgt->name, q->columns[k],
                       share[1] * 100, p->src->name, q->source_columns[k], share[0] * 100,
                       nulls[1], rows[1], q->shift[k] * 100));
    }
}

void st_judge(const struct st_query *q, const struct pair *p, const struct st_rows r[2],
              long explained, st_emit_cb emit, void *arg)
{
    long long count;
    char *cols;
    json_t *detail;
    char *msg;

    if (!strcmp(q->check, "null_rate")) {
        judge_nulls(q, p, r, explained, emit, arg);
        return;
    }
    if (!strcmp(q->check, "slice_overlap")) {  /* asked of the source */
        if (!r[0].nrows)
            return;
        count = number(st_cell(&r[0], 0, q->nsample));
        emit(arg, q->check, key_of(q->constraint, q->columns, q->ncolumns),
             json_pack("{s:I, s:o}", "count", (json_int_t)count, "sample", sample(q, &r[0])),
             xasprintf("%lld row%s of %s %s in the slices of %s: the slices overlap, so those "
                       "rows would move twice", count, count == 1 ? "" : "s", p->src->name,
                       count == 1 ? "is" : "are", q->ref_table));
        return;
    }
    if (!r[1].nrows)
        return;
    count = number(st_cell(&r[1], 0, q->nsample + (!strcmp(q->check, "duplicate"))));
    cols = st_names_text(q->columns, q->ncolumns);
    detail = json_pack("{s:I, s:o}", "count", (json_int_t)count, "sample", sample(q, &r[1]));
    if (!strcmp(q->check, "orphan")) {
        json_object_set_new(detail, "references", json_string(q->ref_table));
        msg = xasprintf("%lld row%s of %s point%s through (%s) at no row of %s%s", count,
                        count == 1 ? "" : "s", p->tgt->name, count == 1 ? "s" : "", cols,
                        q->ref_table, q->lost ? " (a foreign key the target lost)" : "");
    } else if (!strcmp(q->check, "tenant_leak")) {
        json_object_set_new(detail, "references", json_string(q->ref_table));
        json_object_set_new(detail, "tenant", json_string(q->tenant));
        msg = xasprintf("%lld row%s of %s belong%s to another tenant (%s) than the row of %s "
                        "they point at through (%s): a privacy defect", count,
                        count == 1 ? "" : "s", p->tgt->name, count == 1 ? "s" : "", q->tenant,
                        q->ref_table, cols);
    } else {
        long long rows = number(st_cell(&r[1], 0, q->nsample + 2));
        json_object_set_new(detail, "rows", json_integer(rows));
        msg = xasprintf("%lld value%s of (%s) in %s %s held by more than one row (%lld rows), "
                        "which %s kept unique in the source", count, count == 1 ? "" : "s",
                        cols, p->tgt->name, count == 1 ? "is" : "are", rows, q->constraint);
    }
    emit(arg, q->check, key_of(q->constraint, q->columns, q->ncolumns), detail, msg);
    free(cols);
}

void st_rows_reset(struct st_rows *r)
{
    for (size_t i = 0; i < r->nrows * r->ncols; i++)
        free(r->cell[i]);
    free(r->cell);
    memset(r, 0, sizeof *r);
}

const char *st_cell(const struct st_rows *r, size_t row, size_t col)
{
    return row < r->nrows && col < r->ncols ? r->cell[row * r->ncols + col] : NULL;
}

void st_finding_emit(const struct st_finding *f, st_emit_cb emit, void *arg)
{
    json_t *key = !strcmp(f->check, "not_null_missing")
                ? json_pack("{s:s}", "column", f->target_columns[0])
                : key_of(f->constraint, f->target_columns, f->ncolumns);
    json_t *detail = json_pack("{s:o}", "source_columns", names_json(f->columns, f->ncolumns));

    if (strcmp(f->constraint, "") && !json_object_get(key, "constraint"))
        json_object_set_new(detail, "constraint", json_string(f->constraint));
    if (f->ref_table)
        json_object_set_new(detail, "references", json_string(f->ref_table));
    emit(arg, f->check, key, detail, xstrdup(f->message));
}
