/* review_preview: a mapping row's live preview in the review (review.h):
 * 20 source rows by key, the value before and after the row's transform,
 * beside the target's value for the same key, read on the review's own
 * connections. */
#include "config.h"
#include "review.h"
#include "review_int.h"
#include "diff.h"
#include "rule.h"
#include "util.h"
#include "value.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct preview_job {
    struct review *r;
    int nkey;
    char **tkeys;               /* the target's key columns, quoted; NULL: none known */
    char *tfrom, *tcol;         /* the target table and column, quoted */
    char **params;
    int nparams;
};

static void job_free(struct preview_job *j)
{
    for (int i = 0; i < j->nparams; i++)
        free(j->params[i]);
    free(j->params);
    for (int k = 0; j->tkeys && k < j->nkey; k++)
        free(j->tkeys[k]);
    free(j->tkeys);
    free(j->tfrom);
    free(j->tcol);
    free(j);
}

/* The same value, as far as a preview can tell: text, numbers and
 * timestamps in their usual spellings (the rehearsal diff compares exactly). */
static int same(const char *a, const char *b)
{
    int i1, f1, i2, f2, o1, o2;

    if (!a || !b)
        return a == b;
    if (strcmp(a, b) == 0)
        return 1;
    if (val_decimal(a, &i1, &f1) && val_decimal(b, &i2, &f2))
        return strtod(a, NULL) == strtod(b, NULL);
    if (val_timestamp(a, &o1) && val_timestamp(b, &o2) && !o1 && !o2) {
        char x[20], y[20];
        snprintf(x, sizeof x, "%.19s", a);
        snprintf(y, sizeof y, "%.19s", b);
        x[10] = y[10] = ' ';
        return strcmp(x, y) == 0;
    }
    return 0;
}

static char *joined_key(const struct db_batch *b, size_t row, int nkey)
{
    struct sbuf s = { 0 };

    for (int k = 0; k < nkey; k++) {
        const char *v = db_cell(b, row, k)->p;
        sbuf_printf(&s, "%s%s", k ? ", " : "", v ? v : "NULL");
    }
    return sbuf_take(&s);
}

static void finished(struct review *r, db_query_t *q, int status, const char *msg)
{
    if (r->closed || q != r->preview_q)
        return;
    r->preview_q = NULL;
    r->preview.state = status == DB_ECANCELED ? PREVIEW_CANCELLED
                     : status ? PREVIEW_FAILED : PREVIEW_DONE;
    if (status)
        snprintf(r->preview.message, sizeof r->preview.message, "%s", msg ? msg : "");
    review__changed(r);
}

static int target_rows(db_query_t *q, const struct db_batch *b, void *arg)
{
    struct preview_job *j = arg;
    struct review *r = j->r;

    if (r->closed || q != r->preview_q)
        return DB_CONTINUE;
    for (size_t i = 0; i < b->nrows; i++) {
        char *key = joined_key(b, i, j->nkey);
        const char *v = db_cell(b, i, j->nkey)->p;
        for (int k = 0; k < r->preview.n; k++)
            if (strcmp(r->preview.rows[k].key, key) == 0) {
                struct preview_row *pr = &r->preview.rows[k];
                pr->found = 1;
                free(pr->target);
                pr->target = v ? xstrdup(v) : NULL;
            }
        free(key);
    }
    return DB_CONTINUE;
}

static void target_done(db_query_t *q, int status, const char *msg, void *arg)
{
    struct preview_job *j = arg;
    struct review *r = j->r;

    if (!r->closed && q == r->preview_q)
        for (int k = 0; k < r->preview.n; k++) {
            struct preview_row *pr = &r->preview.rows[k];
            pr->differs = pr->found && !same(pr->after, pr->target);
        }
    finished(r, q, status, msg);
    job_free(j);
}

static int source_rows(db_query_t *q, const struct db_batch *b, void *arg)
{
    struct preview_job *j = arg;
    struct review *r = j->r;

    if (r->closed || q != r->preview_q)
        return DB_CONTINUE;
    for (size_t i = 0; i < b->nrows && r->preview.n < PREVIEW_ROWS; i++) {
        struct preview_row *pr = &r->preview.rows[r->preview.n++];
        const char *before = db_cell(b, i, j->nkey)->p, *after = db_cell(b, i, j->nkey + 1)->p;
        pr->key = joined_key(b, i, j->nkey);
        pr->before = before ? xstrdup(before) : NULL;
        pr->after = after ? xstrdup(after) : NULL;
        for (int k = 0; k < j->nkey; k++) {
            const char *v = db_cell(b, i, k)->p;
            j->params = xrealloc(j->params, (size_t)(j->nparams + 1) * sizeof *j->params);
            j->params[j->nparams++] = xstrdup(v ? v : "");
        }
    }
    review__changed(r);
    return DB_CONTINUE;
}

static void source_done(db_query_t *q, int status, const char *msg, void *arg)
{
    struct preview_job *j = arg;
    struct review *r = j->r;
    struct sbuf sql = { 0 };
    db_t *tdb = r->db[1];
    int pg;

    if (r->closed || q != r->preview_q || status || !j->tkeys || !r->preview.n ||
        !review__usable(r, 1)) {
        if (!r->closed && q == r->preview_q && !status && !r->preview.target_note)
            r->preview.target_note = xstrdup(!j->tkeys ? "the target's key is not mapped"
                                             : !r->preview.n ? "no source rows"
                                             : "the target is not connected");
        finished(r, q, status, msg);
        job_free(j);
        return;
    }
    /* the target's values for the same keys: (k1 = $1 AND k2 = $2) OR … */
    pg = db_kind(tdb) == URL_PG;
    sbuf_puts(&sql, "SELECT ");
    for (int k = 0; k < j->nkey; k++)
        sbuf_printf(&sql, "%s, ", j->tkeys[k]);
    sbuf_printf(&sql, "%s FROM %s WHERE ", j->tcol, j->tfrom);
    for (int i = 0; i < r->preview.n; i++) {
        sbuf_puts(&sql, i ? " OR (" : "(");
        for (int k = 0; k < j->nkey; k++)
            sbuf_printf(&sql, "%s%s = %s%d", k ? " AND " : "", j->tkeys[k], pg ? "$" : "?",
                        i * j->nkey + k + 1);
        sbuf_puts(&sql, ")");
    }
    r->preview_q = db_query(tdb, sql.s, j->nparams, (const char *const *)j->params, NULL,
                            target_rows, target_done, j);
    if (!r->preview_q) {
        r->preview.state = PREVIEW_FAILED;
        job_free(j);
    }
    sbuf_free(&sql);
    review__changed(r);
}

/* The target column that the sheet maps a source column to, or NULL. */
static const char *mapped_to(const struct review *r, const char *src_ref)
{
    for (size_t i = 0; i < r->sheet.n; i++)
        if (r->sheet.rows[i].f && strcmp(sheet_get(&r->sheet, i, SC_SOURCE), src_ref) == 0 &&
            *sheet_get(&r->sheet, i, SC_TARGET))
            return sheet_get(&r->sheet, i, SC_TARGET);
    return NULL;
}

void review_preview(struct review *r, size_t row)
{
    const char *col, *tref = sheet_get(&r->sheet, row, SC_TARGET);
    const char *tf = sheet_get(&r->sheet, row, SC_TRANSFORM);
    const struct pair *p = review__pair_of(r, sheet_get(&r->sheet, row, SC_SOURCE), &col);
    struct preview_job *j;
    struct sbuf sql = { 0 };
    struct err e = { 0 };
    char *from, *qc, *keys;

    review_preview_cancel(r);
    review__preview_clear(&r->preview);
    r->preview.row = (long)row;
    review__usable(r, 1);  /* the target connects while the source is read */
    if (!p || !cat_column(p->src, col) || !review__usable(r, 0) || !r->db[1]) {
        r->preview.state = PREVIEW_FAILED;
        snprintf(r->preview.message, sizeof r->preview.message, "%s",
                 !p || !cat_column(p->src, col) ? "the source column is not in the catalog"
                                                : "the source is not connected");
        review__changed(r);
        return;
    }
    j = xcalloc(1, sizeof *j);
    j->r = r;
    j->nkey = (int)p->nkey;
    from = cat_sql_name(p->src);
    qc = db_quote_ident(col);
    sbuf_puts(&sql, "SELECT ");
    /* the keys as the diff reads them (transformed, if the sheet says so),
     * which are the target's */
    keys = p->nkey ? diff_key_select(p, &r->sheet, db_kind(r->db[0]), db_kind(r->db[1]), &e)
                   : NULL;
    if (keys)
        sbuf_printf(&sql, "%s, ", keys);
    for (size_t k = 0; !keys && k < p->nkey; k++) {
        char *qk = db_quote_ident(p->key[k]);
        sbuf_printf(&sql, "%s, ", qk);
        free(qk);
    }
    free(keys);
    sbuf_printf(&sql, "%s, %s%s%s FROM %s", qc, *tf ? "(" : "", *tf ? tf : qc, *tf ? ")" : "",
                from);
    if (p->plan && p->plan->where)
        sbuf_printf(&sql, " WHERE %s", p->plan->where);
    if (p->nkey) {
        sbuf_puts(&sql, " ORDER BY ");
        for (int k = 1; k <= j->nkey; k++)
            sbuf_printf(&sql, "%s%d", k > 1 ? ", " : "", k);
    }
    sbuf_printf(&sql, " LIMIT %d", PREVIEW_ROWS);
    /* the target's side, when the key's columns are mapped to it */
    if (*tref && p->nkey && strrchr(tref, '.')) {
        const char *tdot = strrchr(tref, '.');
        char *ttable = xstrndup(tref, (size_t)(tdot - tref));
        const struct cat_table *tt = r->snap ? cat_find(r->snap->cat[1], ttable) : NULL;
        int ok = tt != NULL;
        j->tkeys = xcalloc(p->nkey, sizeof *j->tkeys);
        for (size_t k = 0; ok && k < p->nkey; k++) {
            char *sref = xasprintf("%s.%s", p->src->name, p->key[k]);
            const char *to = mapped_to(r, sref), *dot = to ? strrchr(to, '.') : NULL;
            ok = dot && (size_t)(dot - to) == strlen(ttable) && strncmp(to, ttable, strlen(ttable)) == 0;
            if (ok)
                j->tkeys[k] = db_quote_ident(dot + 1);
            free(sref);
        }
        if (ok) {
            j->tfrom = cat_sql_name(tt);
            j->tcol = db_quote_ident(tdot + 1);
        } else {
            for (size_t k = 0; k < p->nkey; k++)
                free(j->tkeys[k]);
            free(j->tkeys);
            j->tkeys = NULL;
        }
        free(ttable);
    }
    if (!p->nkey)
        r->preview.target_note = xstrdup("the table has no key to find the target's rows by");
    r->preview.state = PREVIEW_RUNNING;
    r->preview_q = db_query(r->db[0], sql.s, 0, NULL, NULL, source_rows, source_done, j);
    if (!r->preview_q) {
        r->preview.state = PREVIEW_FAILED;
        job_free(j);
    }
    sbuf_free(&sql);
    free(from);
    free(qc);
    review__changed(r);
}

