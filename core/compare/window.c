#include "config.h"
#include "window.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

struct win {
    db_t *db[2];
    const struct plan *plan;
    const struct pairing *pp;
    const struct sheet *sheet;
    const struct pair *pair;
    struct win_events ev;
    struct win_result r;
    char *lo, *hi, *filter;     /* filter: the window as an SQL condition on the source */
    char **keys;                /* nkeys rows × nkey columns, as diff_key_select reads them */
    size_t nkey;
    char *table, *target;       /* own copies: a cancelled window outlives the pairing */
    size_t nkeys, cap, at;      /* at: the next chunk's first row */
    db_query_t *q;              /* reading the keys */
    struct diff *diff;          /* checking a chunk */
    int cancelled;
    char *error;
};

static void set_error(win_t *w, const char *error, int fatal)
{
    if (w->error)
        return;
    w->error = xstrdup(error);
    w->r.fatal = fatal;
}

static void finish(win_t *w, const char *error)
{
    size_t n = w->nkeys * w->nkey;

    if (error)
        set_error(w, error, 0);
    w->r.error = w->error;
    w->ev.done(w->ev.arg, &w->r);
    for (size_t i = 0; i < n; i++)
        free(w->keys[i]);
    free(w->keys);
    free(w->lo), free(w->hi), free(w->filter), free(w->error), free(w->table), free(w->target);
    free(w);
}

static void next_chunk(win_t *w);

static void on_disc(void *arg, const struct diff_disc *d)
{
    win_t *w = arg;
    struct diff_disc f = *d;

    if (!strcmp(d->kind, "extra"))
        return;  /* updated again since its key was read: the next window has it */
    if (!strcmp(d->kind, "changed")) {
        f.kind = "stale";
        w->r.stale++;
    } else if (!strcmp(d->kind, "missing")) {
        w->r.missing++;
    } else {
        w->r.duplicates++;
    }
    w->ev.finding(w->ev.arg, &w->r, &f);
}

static void on_table(void *arg, const struct diff_table *t)
{
    win_t *w = arg;

    w->r.keys += t->source_rows;
    if (t->error)
        set_error(w, t->error, 1);  /* no usable key mapping, or keys out of order */
}

static void on_diff_done(void *arg, int status, const char *msg)
{
    win_t *w = arg;

    diff_free(w->diff);  /* safe: this callback is the last thing diff's finish() does */
    w->diff = NULL;
    if (status || w->error)
        finish(w, w->cancelled ? "cancelled" : msg && *msg ? msg : "the check failed");
    else
        next_chunk(w);
}

static void next_chunk(win_t *w)
{
    const char *name = w->pair->src->name;
    size_t n = w->nkeys - w->at < WIN_CHUNK ? w->nkeys - w->at : WIN_CHUNK;
    struct diff_opts o = { .tables = &name, .ntables = 1, .source_filter = w->filter,
                           .keys = w->keys + w->at * w->pair->nkey, .nkeys = n, .live = 1 };
    struct diff_events ev = { on_disc, NULL, on_table, on_diff_done, w };
    struct err e = { 0 };

    if (w->cancelled || !n) {
        finish(w, w->cancelled ? "cancelled" : NULL);
        return;
    }
    w->at += n;
    if (!(w->diff = diff_start(w->db[0], w->db[1], w->plan, w->pp, w->sheet, &o, &ev, &e))) {
        set_error(w, e.msg, e.kind == ERR_INPUT);
        finish(w, NULL);
    }
}

static int key_rows(db_query_t *q, const struct db_batch *b, void *arg)
{
    win_t *w = arg;
    size_t nk = w->nkey;

    (void)q;
    for (size_t r = 0; r < b->nrows; r++) {
        int null = 0;
        for (size_t k = 0; k < nk; k++)
            null |= !db_cell(b, r, (int)k)->p;
        if (null)
            continue;  /* a NULL key matches nothing; lint reports it */
        if (w->nkeys >= WIN_MAX_KEYS) {
            w->r.unchecked++;
            continue;
        }
        w->keys = xgrow(w->keys, &w->cap, (w->nkeys + 1) * nk, sizeof *w->keys);
        for (size_t k = 0; k < nk; k++) {
            const struct db_cell *c = db_cell(b, r, (int)k);
            w->keys[w->nkeys * nk + k] = xstrndup(c->p, c->len);
        }
        w->nkeys++;
    }
    return DB_CONTINUE;
}

static void keys_done(db_query_t *q, int status, const char *msg, void *arg)
{
    win_t *w = arg;

    (void)q;
    w->q = NULL;
    if (status)
        finish(w, w->cancelled ? "cancelled" : msg);
    else
        next_chunk(w);
}

win_t *win_start(db_t *src, db_t *tgt, const struct plan *p, const struct pairing *pp,
                 const struct sheet *s, const struct pair *pair, const char *lo,
                 const char *hi, const struct win_events *ev)
{
    win_t *w = xcalloc(1, sizeof *w);
    struct sbuf sql = { 0 }, f = { 0 };
    struct err e = { 0 };
    char *wm = db_quote_ident(pair->plan->watermark), *from = cat_sql_name(pair->src), *keys;

    w->db[0] = src;
    w->db[1] = tgt;
    w->plan = p;
    w->pp = pp;
    w->sheet = s;
    w->pair = pair;
    w->ev = *ev;
    w->r.lo = w->lo = xstrdup(lo);
    w->r.hi = w->hi = xstrdup(hi);
    w->nkey = pair->nkey;
    w->r.table = w->table = xstrdup(pair->src->name);
    w->r.target_table = w->target = xstrdup(pair->tgt->name);
    sbuf_printf(&f, "%s > ", wm);
    db_quote_literal(&f, lo);
    sbuf_printf(&f, " AND %s <= ", wm);
    db_quote_literal(&f, hi);
    w->filter = sbuf_take(&f);
    keys = pair->nkey ? diff_key_select(pair, s, db_kind(src), db_kind(tgt), &e) : NULL;
    sbuf_printf(&sql, "SELECT %s FROM %s WHERE ", keys ? keys : "", from);
    if (pair->plan->where)
        sbuf_printf(&sql, "(%s) AND ", pair->plan->where);
    sbuf_printf(&sql, "(%s)", w->filter);
    if (keys)
        w->q = db_query(src, sql.s, 0, NULL, NULL, key_rows, keys_done, w);
    sbuf_free(&sql);
    free(keys);
    free(wm);
    free(from);
    if (!w->q) {  /* reported from the loop, like every other end */
        set_error(w, !pair->nkey ? "the table has no key: it is compared by full diffs only"
                     : !keys ? e.msg : "the source connection is closing",
                  !pair->nkey || !keys);
        w->cancelled = 1;
        if (!(w->q = db_query(tgt, "SELECT 1", 0, NULL, NULL, NULL, keys_done, w))) {
            finish(w, NULL);
            return NULL;
        }
    }
    return w;
}

void win_cancel(win_t *w)
{
    w->cancelled = 1;
    if (w->q)
        db_query_cancel(w->q);
    if (w->diff)
        diff_cancel(w->diff);
}
