/* diff_fetch: one row of a table pair by key, from both sides, field by field
 * as the diff compares them (a discrepancy's detail). */
#include "config.h"
#include "diff.h"
#include "diff_int.h"
#include "jsonx.h"
#include <string.h>
#define XXH_STATIC_LINKING_ONLY  /* XXH3_state_t on the stack */

/* --- one row by key ----------------------------------------------------------------- */

struct fetch {
    struct job j;
    struct diff_rows rows;
    struct sbuf vals[2];            /* canonical values of each side, NUL-separated */
    struct {
        char **params;              /* the key's values but NULLs */
        int nparams;
        unsigned char *null;        /* per key column: its value is NULL */
    } k[2];                         /* as each side writes the key */
    int pending, status;
    char msg[1400];
    diff_rows_cb done;
    void *arg;
    int which_done[2];
};

static int fetched_rows(db_query_t *q, const struct db_batch *b, void *arg, int which)
{
    struct fetch *f = arg;

    (void)q;
    if (!b->nrows)
        return DB_CONTINUE;
    if (which == 0)
        f->rows.source_found = 1;
    else
        f->rows.target_found = 1;
    for (int i = 0; i < f->j.nfields && i < b->ncols; i++) {
        const struct db_cell *c = db_cell(b, 0, i);
        struct diff_row_field *rf = &f->rows.fields[i];
        char **v = which ? &rf->target_value : &rf->source_value;
        int null;
        struct sbuf canon = { 0 };
        *v = c->p ? xstrndup(c->p, c->len) : NULL;
        canon_value(&f->j.fields[i].spec, c, &canon, &null);
        /* keep the canonical form beside the value: compared when both are in */
        sbuf_add(&f->vals[which], null ? "\1" : "\2", 1);
        sbuf_add(&f->vals[which], canon.s ? canon.s : "", canon.len);
        sbuf_add(&f->vals[which], "", 1);
        sbuf_free(&canon);
    }
    return DB_CONTINUE;
}

static int fetched_src(db_query_t *q, const struct db_batch *b, void *arg)
{
    return fetched_rows(q, b, arg, 0);
}

static int fetched_tgt(db_query_t *q, const struct db_batch *b, void *arg)
{
    return fetched_rows(q, b, arg, 1);
}

static void fetch_done(db_query_t *q, int status, const char *msg, void *arg)
{
    struct fetch *f = arg;

    (void)q;
    if (status && !f->status) {
        f->status = status;
        snprintf(f->msg, sizeof f->msg, "%s", msg ? msg : "");
    }
    if (--f->pending)
        return;
    if (!f->status && f->rows.source_found && f->rows.target_found) {
        const char *a = f->vals[0].s, *b = f->vals[1].s;
        for (int i = 0; i < f->j.nfields; i++) {
            size_t la = strlen(a + 1), lb = strlen(b + 1);
            f->rows.fields[i].differs = !canon_equal(&f->j.fields[i].spec, a + 1, la, a[0] == 1,
                                                     b + 1, lb, b[0] == 1);
            a += la + 2;
            b += lb + 2;
        }
    }
    f->done(f->arg, &f->rows, f->status, f->msg);
    for (int i = 0; i < f->rows.nfields; i++) {
        struct diff_row_field *rf = &f->rows.fields[i];
        free(rf->source), free(rf->target), free(rf->rule);
        free(rf->source_value), free(rf->target_value);
    }
    free(f->rows.fields);
    for (int w = 0; w < 2; w++) {
        for (int i = 0; i < f->k[w].nparams; i++)
            free(f->k[w].params[i]);
        free(f->k[w].params);
        free(f->k[w].null);
    }
    sbuf_free(&f->vals[0]);
    sbuf_free(&f->vals[1]);
    diff__job_discard(&f->j);
    free(f);
}

/* The key's values as one side looks them up: NULLs apart, text. */
static void fetch_key(struct fetch *f, int which, json_t *key)
{
    f->k[which].params = xcalloc((size_t)f->j.nkey + 1, sizeof *f->k[which].params);
    f->k[which].null = xcalloc((size_t)f->j.nkey + 1, 1);
    for (int k = 0; k < f->j.nkey; k++) {
        json_t *v = json_object_get(key, f->j.key_names[k]);
        if ((f->k[which].null[k] = !v || json_is_null(v)))
            continue;
        f->k[which].params[f->k[which].nparams++] =
            json_is_string(v) ? xstrdup(json_string_value(v)) : jsonx_dumps(v, 0);
    }
}

static char *fetch_sql(const struct fetch *f, const struct cat_table *t, int target,
                       enum url_kind engine)
{
    struct sbuf b = { 0 };
    char *from = cat_sql_name(t);

    sbuf_puts(&b, "SELECT ");
    for (int i = 0; i < f->j.nfields; i++)
        sbuf_printf(&b, "%s%s", i ? ", " : "", target ? f->j.fields[i].texpr : f->j.fields[i].expr);
    sbuf_printf(&b, " FROM %s WHERE ", from);
    for (int k = 0, n = 0; k < f->j.nkey; k++) {  /* a NULL key part is looked for as such */
        char *q = diff__key_match(&f->j, k, target, engine);
        if (f->k[target].null[k])
            sbuf_printf(&b, "%s%s IS NULL", k ? " AND " : "", q);
        else
            sbuf_printf(&b, "%s%s = %s%d", k ? " AND " : "", q, engine == URL_PG ? "$" : "?", ++n);
        free(q);
    }
    free(from);
    return sbuf_take(&b);
}

int diff_fetch_rows(db_t *src, db_t *tgt, const struct pair *p, const struct sheet *s,
                    json_t *key, json_t *target_key, diff_rows_cb done, void *arg,
                    struct err *e)
{
    struct fetch *f = xcalloc(1, sizeof *f);
    char *sql[2];

    if (diff__plan_job(&f->j, p, s, NULL, db_kind(src), db_kind(tgt), e) < 0 || !f->j.nkey) {
        if (!f->j.nkey && !e->msg[0])
            err_set(e, ERR_INPUT, "table %s has no key to find the row by", p->src->name);
        diff__job_discard(&f->j);
        free(f);
        return -1;
    }
    f->done = done;
    f->arg = arg;
    f->rows.nfields = f->j.nfields;
    f->rows.fields = xcalloc((size_t)f->j.nfields + 1, sizeof *f->rows.fields);
    for (int i = 0; i < f->j.nfields; i++) {
        f->rows.fields[i].source = xstrdup(f->j.fields[i].source);
        f->rows.fields[i].target = xstrdup(f->j.fields[i].target);
        f->rows.fields[i].rule = xstrdup(f->j.fields[i].rule);
    }
    fetch_key(f, 0, key);
    fetch_key(f, 1, target_key ? target_key : key);
    sql[0] = fetch_sql(f, p->src, 0, db_kind(src));
    sql[1] = fetch_sql(f, p->tgt, 1, db_kind(tgt));
    f->pending = 2;
    if (!db_query(src, sql[0], f->k[0].nparams, (const char *const *)f->k[0].params, NULL,
                  fetched_src, fetch_done, f))
        f->pending--, f->status = DB_ECANCELED;
    if (!db_query(tgt, sql[1], f->k[1].nparams, (const char *const *)f->k[1].params, NULL,
                  fetched_tgt, fetch_done, f))
        f->pending--, f->status = DB_ECANCELED;
    free(sql[0]);
    free(sql[1]);
    if (!f->pending) {  /* neither was accepted: the connections are closing */
        f->pending = 1;
        fetch_done(NULL, DB_ECANCELED, "the connections are closing", f);
    }
    return 0;
}
