#include "config.h"
#include "stray.h"
#include "canon.h"
#include "diff.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

enum { K_STRAY, K_DRIFT };

/* A change on one side not yet seen on the other (truth = both). */
struct change {
    int side;
    char *key;                  /* the key's cells, joined by \x1f */
    json_t *keyj;
    char *at;
    int64_t at_us;
};

/* A row read, until its read has ended. */
struct got {
    char *key, *at;
    char *ord;                  /* its place in the read's order (see read_sql) */
    json_t *keyj;
    int64_t at_us;
};

struct watch {
    strays_t *s;
    const struct plan_wave *w;
    char *table, *target;
    char *sql[2];               /* keys and watermark past $1, in the slice; NULL: not read */
    char *cannot;               /* it cannot be watched at all: why */
    char *why;                  /* the problem last reported, NULL: none */
    char since[40];             /* the switch watched from; "" while the wave has not moved */
    int64_t since_us;
    char *cursor[2];            /* each side read up to this watermark … */
    char *ord[2];               /* … whose place in the order is this … */
    long long skip[2];          /* … and this many rows at it were read already */
    int behind[2];              /* the last read was a full batch: more wait */
    long long nread[2];         /* rows the read under way returned */
    db_query_t *q[2];
    struct got *got[2];
    size_t ngot[2], capgot[2];
    int failed[2];              /* the read's rows were not all usable */
    struct change *pend;
    size_t npend, cappend;
    int nkey;
    char **names;
    long long found[2];         /* stray writes, drift */
};

struct strays {
    db_t *db[2];
    struct watch *w;
    size_t n;
    int64_t allowance_us;
    struct stray_events ev;
    long long found[2];
    int running, stopping;
};

static void problem(struct watch *x, const char *why)
{
    strays_t *s = x->s;

    if (x->why && why ? !strcmp(x->why, why) : x->why == why)
        return;
    free(x->why);
    x->why = why ? xstrdup(why) : NULL;
    if (s->ev.on_problem && !s->stopping)
        s->ev.on_problem(x->w->name, x->table, why, s->ev.arg);
}

static void free_got(struct watch *x, int side)
{
    for (size_t i = 0; i < x->ngot[side]; i++) {
        free(x->got[side][i].key);
        free(x->got[side][i].at);
        free(x->got[side][i].ord);
        json_decref(x->got[side][i].keyj);
    }
    x->ngot[side] = 0;
    x->failed[side] = 0;
    x->nread[side] = 0;
}

static void drop_change(struct watch *x, size_t i)
{
    free(x->pend[i].key);
    free(x->pend[i].at);
    json_decref(x->pend[i].keyj);
    x->pend[i] = x->pend[--x->npend];
}

/* Watching stops (the wave was rolled back) or starts over from a new switch. */
static void disarm(struct watch *x)
{
    while (x->npend)
        drop_change(x, x->npend - 1);
    for (int side = 0; side < 2; side++) {
        free(x->cursor[side]);
        free(x->ord[side]);
        x->cursor[side] = x->ord[side] = NULL;
        x->skip[side] = 0;
        x->behind[side] = 0;
    }
    x->since[0] = 0;
}

static void emit(struct watch *x, int kind, int side, json_t *key, const char *at)
{
    strays_t *s = x->s;
    struct stray_finding f = { kind == K_STRAY ? "stray_write" : "drift", x->w->name, x->table,
                               x->target, side, key, at, x->since };

    s->found[kind]++;
    x->found[kind]++;
    if (s->ev.on_finding && !s->stopping)
        s->ev.on_finding(&f, s->ev.arg);
}

/* A change read on `side` past the switch: it matches a change of the same
 * key on the other side within the allowance, or waits for one. */
static void match(struct watch *x, int side, struct got *g)
{
    for (size_t i = 0; i < x->npend; i++) {
        struct change *c = &x->pend[i];
        if (strcmp(c->key, g->key))
            continue;
        if (c->side != side && llabs(c->at_us - g->at_us) <= x->s->allowance_us) {
            drop_change(x, i);
            return;
        }
        if (c->side == side) {  /* changed again before the other side caught up */
            free(c->at);
            c->at = g->at;
            c->at_us = g->at_us;
            g->at = NULL;
            return;
        }
    }
    x->pend = xgrow(x->pend, &x->cappend, x->npend + 1, sizeof *x->pend);
    x->pend[x->npend++] = (struct change){ side, g->key, g->keyj, g->at, g->at_us };
    g->key = g->at = NULL;
    g->keyj = NULL;
}

/* Both sides read: changes older than the allowance still unmatched drifted. */
static void judge(struct watch *x)
{
    int64_t now = wall_ms() * 1000;

    for (size_t i = 0; i < x->npend;) {
        struct change *c = &x->pend[i];
        if (c->at_us + x->s->allowance_us < now) {
            emit(x, K_DRIFT, c->side, c->keyj, c->at);
            drop_change(x, i);
        } else {
            i++;
        }
    }
}

static int on_rows(db_query_t *q, const struct db_batch *b, void *arg)
{
    struct watch *x = arg;
    int side = db_query_db(q) == x->s->db[1];

    x->nread[side] += (long long)b->nrows;
    for (size_t r = 0; r < b->nrows; r++) {
        const struct db_cell *wm = db_cell(b, r, x->nkey), *ord = db_cell(b, r, x->nkey + 1);
        struct sbuf k = { 0 };
        json_t *keyj = json_object();
        int64_t us;
        struct got *g;

        if (!wm->p)
            continue;
        if (canon_timestamp_us(wm->p, &us) < 0) {
            x->failed[side] = 1;
            json_decref(keyj);
            continue;
        }
        for (int c = 0; c < x->nkey; c++) {
            const struct db_cell *kc = db_cell(b, r, c);
            sbuf_printf(&k, "%s%s", c ? "\x1f" : "", kc->p ? kc->p : "");
            json_object_set_new(keyj, x->names[c], !kc->p ? json_null()
                                : kc->type == DB_INT ? json_integer(strtoll(kc->p, NULL, 10))
                                : json_stringn(kc->p, kc->len));
        }
        x->got[side] = xgrow(x->got[side], &x->capgot[side], x->ngot[side] + 1, sizeof **x->got);
        g = &x->got[side][x->ngot[side]++];
        g->key = sbuf_take(&k);
        g->keyj = keyj;
        g->at = xstrndup(wm->p, wm->len);
        g->ord = ord->p ? xstrndup(ord->p, ord->len) : xstrdup("");
        g->at_us = us;
    }
    return DB_CONTINUE;
}

/* Where the next read starts: past the last row read, by its watermark and
 * how many rows at the same place in the order were read already (many
 * rows of one bulk write share one watermark). */
static void advance(struct watch *x, int side, long long read)
{
    const struct got *g = x->got[side];
    size_t n = x->ngot[side];
    long long same = 0;

    x->behind[side] = read >= STRAY_BATCH;
    if (!n)
        return;
    while (same < (long long)n && !strcmp(g[n - 1 - (size_t)same].ord, g[n - 1].ord))
        same++;
    if (x->ord[side] && !strcmp(x->ord[side], g[n - 1].ord))
        x->skip[side] += same;  /* still at the same place: further past it */
    else
        x->skip[side] = same;
    free(x->cursor[side]);
    free(x->ord[side]);
    x->cursor[side] = xstrdup(g[n - 1].at);
    x->ord[side] = xstrdup(g[n - 1].ord);
}

static void free_all(strays_t *s);

static void on_done(db_query_t *q, int status, const char *msg, void *arg)
{
    struct watch *x = arg;
    strays_t *s = x->s;
    int side = db_query_db(q) == s->db[1];
    struct stray_events ev;

    x->q[side] = NULL;
    if (!s->stopping && x->since[0]) {
        if (status != DB_OK) {
            char *why = xasprintf("reading the %s for %s: %s", side ? "target" : "source",
                                  x->w->truth == TRUTH_BOTH ? "drift" : "stray writes",
                                  msg ? msg : "failed");
            problem(x, why);
            free(why);
        } else if (x->failed[side]) {
            problem(x, "its watermark is not a time: writes past the switch cannot be told");
        } else {
            size_t n = x->ngot[side];
            problem(x, NULL);
            advance(x, side, x->nread[side]);  /* before match() takes the rows' strings */
            for (size_t i = 0; i < n; i++) {
                struct got *g = &x->got[side][i];
                if (g->at_us <= x->since_us)
                    continue;  /* read as text past the switch, not past it in time */
                if (x->w->truth == TRUTH_BOTH)
                    match(x, side, g);
                else
                    emit(x, K_STRAY, side, g->keyj, g->at);
            }
            if (x->w->truth == TRUTH_BOTH && !x->q[!side] && !x->behind[0] && !x->behind[1])
                judge(x);  /* both sides read up to now */
        }
    }
    free_got(x, side);
    ev = s->ev;  /* on_end may stop and free us; when stopping, we are freed first */
    if (--s->running == 0 && s->stopping)
        free_all(s);
    if (ev.on_end)
        ev.on_end(ev.arg);
}

/* A side read from the switch: "2026-03-01 10:00:00.000", which PostgreSQL
 * reads as a timestamp in UTC (cutover's sessions run in UTC) and SQLite's
 * julianday() as a time; a row at the switch itself is dropped by time when
 * read. */
static void start_cursor(struct watch *x, int side)
{
    char buf[40];

    ms_iso(x->since_us / 1000, buf, sizeof buf);
    buf[10] = ' ';
    buf[strcspn(buf, "Z")] = 0;
    free(x->cursor[side]);
    free(x->ord[side]);
    x->cursor[side] = xstrdup(buf);
    x->ord[side] = NULL;
    x->skip[side] = 0;
}

static void arm(struct watch *x, const char *at)
{
    int64_t us = 0;

    disarm(x);
    snprintf(x->since, sizeof x->since, "%s", at);
    x->since_us = canon_timestamp_us(at, &us) < 0 ? 0 : us;
    for (int side = 0; side < 2; side++)
        if (x->sql[side])
            start_cursor(x, side);
}

int stray_round(strays_t *s, stray_moved_cb moved, void *arg)
{
    const struct plan_wave *asked = NULL;
    char at[40] = "";
    int started = 0, is_moved = 0;

    for (size_t i = 0; i < s->n; i++) {
        struct watch *x = &s->w[i];

        if (x->w != asked) {  /* a wave's tables are watched one after the other: asked once */
            asked = x->w;
            at[0] = '\0';
            is_moved = moved(x->w->name, at, arg);
        }
        if (!is_moved) {
            if (x->since[0])
                disarm(x);
            continue;
        }
        if (strcmp(at, x->since))
            arm(x, at);
        if (x->cannot) {  /* said once: problem() says a reason only when it changes */
            problem(x, x->cannot);
            continue;
        }
        for (int side = 0; side < 2; side++) {
            const char *param = x->cursor[side];
            char *sql;
            if (!x->sql[side] || x->q[side])
                continue;
            sql = xasprintf("%s OFFSET %lld", x->sql[side], x->skip[side]);
            x->q[side] = db_query(s->db[side], sql, 1, &param, NULL, on_rows, on_done, x);
            free(sql);
            if (x->q[side]) {
                s->running++;
                started++;
            }
        }
    }
    return started;
}

/* A side's read: its rows in the slice from the cursor's watermark on, by
 * time, then key: keys, the watermark, its place in the order (PostgreSQL:
 * the watermark; SQLite: its julianday(), so that ISO forms of one day
 * sort by time, not as text). OFFSET is added for each read. */
static char *read_sql(const struct cat_table *t, int nkey, const char *keys, const char *wm,
                      const char *cond[2], enum url_kind engine)
{
    struct sbuf b = { 0 };
    char *from = cat_sql_name(t), *col = db_quote_ident(wm);
    char *ord = engine == URL_SQLITE ? xasprintf("julianday(%s)", col) : xstrdup(col);

    sbuf_printf(&b, "SELECT %s, %s, %s FROM %s WHERE ", keys, col, ord, from);
    for (int i = 0; i < 2; i++)
        if (cond[i])
            sbuf_printf(&b, "(%s) AND ", cond[i]);
    sbuf_printf(&b, engine == URL_SQLITE ? "%s >= julianday($1) ORDER BY %s"
                                         : "%s >= $1 ORDER BY %s", ord, ord);
    for (int k = 1; k <= nkey; k++)
        sbuf_printf(&b, ", %d", k);
    sbuf_printf(&b, " LIMIT %d", STRAY_BATCH);
    free(from);
    free(col);
    free(ord);
    return sbuf_take(&b);
}

/* What a wave's table is read by, or why it cannot be watched. */
static void plan_watch(strays_t *s, struct watch *x, const struct pair *p, const struct sheet *sh)
{
    const char *wm = p->plan ? p->plan->watermark : NULL;
    const struct cat_column *twm = wm && p->tgt ? cat_column_like(p->tgt, wm) : NULL;
    struct diff_keycols k;
    struct err e = { 0 };

    if (!p->tgt)
        x->cannot = xstrdup("it has no target table");
    else if (!wm)
        x->cannot = xstrdup("it has no watermark: writes past the switch cannot be told");
    else if (!p->nkey)
        x->cannot = xstrdup("it has no key: the rows written cannot be named");
    else if (x->w->truth == TRUTH_BOTH && !twm)
        x->cannot = xstrdup("the target has no column like its watermark");
    else if (!sh || diff_key_columns(p, sh, db_kind(s->db[0]), db_kind(s->db[1]), &k, &e) < 0)
        x->cannot = xstrdup(sh ? e.msg : "no mapping sheet: its key cannot be mapped");
    if (x->cannot)
        return;
    {
        const char *w = x->w->where, *tw = x->w->target_where ? x->w->target_where : w;
        x->sql[0] = read_sql(p->src, k.n, k.sel[0], wm, (const char *[]){ p->plan->where, w },
                             db_kind(s->db[0]));
        if (x->w->truth == TRUTH_BOTH)
            x->sql[1] = read_sql(p->tgt, k.n, k.sel[1], twm->name, (const char *[]){ tw, NULL },
                                 db_kind(s->db[1]));
    }
    x->nkey = k.n;
    x->names = k.names;
    k.names = NULL;
    k.n = 0;
    diff_keycols_free(&k);
}

strays_t *stray_new(db_t *src, db_t *tgt, const struct plan *p, const struct pairing *pp,
                    const struct sheet *sh, int64_t allowance_ms, const struct stray_events *ev)
{
    strays_t *s = xcalloc(1, sizeof *s);
    size_t cap = 0;

    s->db[0] = src;
    s->db[1] = tgt;
    s->allowance_us = allowance_ms * 1000;
    s->ev = *ev;
    for (size_t w = 0; w < p->nwaves; w++)
        for (size_t t = 0; t < p->waves[w].ntables; t++) {
            const struct pair *pr = pair_by_source(pp, p->waves[w].tables[t]);
            struct watch *x;
            if (!pr || !pr->src)
                continue;
            s->w = xgrow(s->w, &cap, s->n + 1, sizeof *s->w);
            x = &s->w[s->n++];
            memset(x, 0, sizeof *x);
            x->s = s;
            x->w = &p->waves[w];
            x->table = xstrdup(pr->src->name);
            x->target = xstrdup(pr->tgt ? pr->tgt->name : "");
            plan_watch(s, x, pr, sh);
        }
    return s;
}

long long stray_count(const strays_t *s, const char *wave, const char *kind)
{
    int k = !strcmp(kind, "drift") ? K_DRIFT : K_STRAY;
    long long n = 0;

    if (!s)
        return 0;
    if (!wave)
        return s->found[k];
    for (size_t i = 0; i < s->n; i++)
        if (!strcmp(s->w[i].w->name, wave))
            n += s->w[i].found[k];
    return n;
}

void stray_adopt(strays_t *s, strays_t *old)
{
    if (!old)
        return;
    memcpy(s->found, old->found, sizeof s->found);
    for (size_t i = 0; i < s->n; i++) {
        struct watch *x = &s->w[i];
        for (size_t k = 0; k < old->n; k++) {
            struct watch *o = &old->w[k];
            if (strcmp(x->w->name, o->w->name) || strcmp(x->table, o->table) || !o->since[0])
                continue;
            memcpy(x->since, o->since, sizeof x->since);
            memcpy(x->found, o->found, sizeof x->found);
            x->since_us = o->since_us;
            for (int side = 0; side < 2; side++) {
                x->cursor[side] = o->cursor[side];
                x->ord[side] = o->ord[side];
                x->skip[side] = o->skip[side];
                o->cursor[side] = o->ord[side] = NULL;
                if (x->sql[side] && !x->cursor[side])
                    start_cursor(x, side);  /* watched on this side from now on */
            }
            x->pend = o->pend, x->npend = o->npend, x->cappend = o->cappend;
            o->pend = NULL, o->npend = o->cappend = 0;
        }
    }
}

static void free_all(strays_t *s)
{
    for (size_t i = 0; i < s->n; i++) {
        struct watch *x = &s->w[i];
        disarm(x);
        for (int side = 0; side < 2; side++) {
            free_got(x, side);
            free(x->got[side]);
            free(x->sql[side]);
        }
        for (int k = 0; k < x->nkey; k++)
            free(x->names[k]);
        free(x->names), free(x->pend), free(x->why), free(x->cannot), free(x->table),
            free(x->target);
    }
    free(s->w);
    free(s);
}

void stray_stop(strays_t *s)
{
    if (!s || s->stopping)
        return;
    s->stopping = 1;
    s->running++;  /* held while cancelling: a read may end inside the call */
    for (size_t i = 0; i < s->n; i++)
        for (int side = 0; side < 2; side++)
            if (s->w[i].q[side])
                db_query_cancel(s->w[i].q[side]);
    if (--s->running == 0)
        free_all(s);
}
