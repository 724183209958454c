#include "config.h"
#include "live.h"
#include "canon.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

struct live_side {
    struct live_table *t;
    int side;
    char *count_sql;            /* count(*), max(wm) */
    char *delta_sql;            /* the same and count(*) FILTER (WHERE wm > $1) */
    char *est_sql;              /* PostgreSQL: the estimate, max(wm) and count of wm > $1 */
    int estimating, est_sent;   /* counting by estimate; the poll running does */
    int rows_est;               /* `rows` came from an estimate */
    char *watermark;            /* max(watermark) at the last poll */
    long long rows, changed;
    int64_t latency_ms;
    char *error;
    db_query_t *q;              /* the poll running; the next round skips this side */
    long long tick;             /* the round of the poll running, or last sent */
    long long answered;         /* the round of the last poll that ended */
};

struct live_table {
    live_t *lv;
    char *name, *target;
    struct live_side side[2];
    const struct pair *pair;
    /* incremental validation: checked up to `checked`; the last source poll
     * saw `seen`; a window in between runs as `win`, or `off` says why not */
    char *checked, *seen;
    win_t *win;
    long long win_tick;
    int off;
};

#define NSIGNALS (1 + NHEALTH)  /* the probes' signals a trigger may name: see signal_find */

#define ERROR_WINDOW_MS (5 * 60 * 1000)
#define ERROR_ROUNDS 1024

/* A ring of the poll counts as each round began (error_rate). */
struct rounds {
    struct { int64_t at_ms; long long polls, failed; } at[ERROR_ROUNDS];
    int n, oldest;
};

struct live {
    uv_loop_t *loop;
    db_t *db[2];
    uv_timer_t timer;
    struct live_table *t;
    size_t n;
    struct live_events ev;
    const struct plan *plan;
    const struct pairing *pp;
    struct sheet *sheet;        /* owned */
    struct snap *keep;          /* plan and pp's snapshot (a reference), or NULL */
    struct snap *next;          /* a newer one to follow once no window reads pp */
    int *breached;              /* per plan trigger */
    int *wave_breached;         /* per [wave] trigger, the waves' in file order */
    long long tick, polls, failed;
    /* the counts as each round began, to measure error_rate over the last
     * ERROR_WINDOW_MS (as much of it as the ring holds at short intervals) */
    struct rounds rounds;
    long long ended;            /* the last round whose polls and windows have all ended */
    int64_t interval_ms;
    probes_t *probes;
    strays_t *strays;
    /* the latest of the signals probes measure, for triggers naming them:
     * failed_checks, and each side's connections, lock_waits, longest_query
     * (a trigger takes the larger side); -1 until measured */
    double signal[NSIGNALS][2];
    int stopping, running;      /* running: polls, windows and probes in flight */
};

/* 0: the business checks failing; 1 + HEALTH_*: PostgreSQL's health. */
static int signal_find(const char *name)
{
    if (!strcmp(name, PLAN_FAILED_CHECKS))
        return 0;
    for (int h = 0; h < NHEALTH; h++)
        if (!strcmp(name, plan_health[h].name))
            return 1 + h;
    return -1;
}

/* The lag a dual write may take (a wave with truth = both): the plan's
 * lowest alert.lag level, else a minute. */
static int64_t lag_allowance(const struct plan *p)
{
    for (size_t i = 0; i < p->nalerts; i++)
        if (!strcmp(p->alerts[i].name, "lag"))
            return (int64_t)(p->alerts[i].warn >= 0 ? p->alerts[i].warn : p->alerts[i].value);
    return 60 * 1000;
}

/* `where`: the plan's filter on the source side, so counts compare like the
 * diff (an estimate cannot apply it). */
static void side_sql(struct live_side *s, const struct cat_table *t, const char *wm,
                     const char *where, enum url_kind engine)
{
    char *from = cat_sql_name(t), *col = wm ? db_quote_ident(wm) : NULL;
    char *filter = where ? xasprintf(" WHERE (%s)", where) : xstrdup("");

    if (engine == URL_PG) {
        struct sbuf b = { 0 };
        sbuf_puts(&b, "SELECT COALESCE((SELECT reltuples::bigint FROM pg_class WHERE oid = ");
        db_quote_literal(&b, from);
        sbuf_puts(&b, "::regclass), -1)");
        if (col)
            sbuf_printf(&b, ", max(%s), count(*) FROM %s WHERE %s > $1", col, from, col);
        s->est_sql = sbuf_take(&b);
    }
    if (col) {
        s->count_sql = xasprintf("SELECT count(*), max(%s) FROM %s%s", col, from, filter);
        s->delta_sql = xasprintf("SELECT count(*), max(%s), count(*) FILTER (WHERE %s > $1) FROM %s%s",
                                 col, col, from, filter);
    } else {
        s->count_sql = xasprintf("SELECT count(*) FROM %s%s", from, filter);
    }
    s->rows = s->changed = -1;
    free(filter);
    free(from);
    free(col);
}

/* Source − target rows of a table, when both sides have been counted. */
static int table_missing(const struct live_table *t, long long *out, int *estimated)
{
    if (t->side[0].rows < 0 || t->side[1].rows < 0)
        return 0;
    *out = t->side[0].rows - t->side[1].rows;
    *estimated = t->side[0].rows_est || t->side[1].rows_est;
    return 1;
}

/* Source − target max(watermark), when both read as timestamps. */
static int table_lag(const struct live_table *t, int64_t *ms)
{
    int64_t a, b;

    if (!t->side[0].watermark || !t->side[1].watermark ||
        canon_timestamp_us(t->side[0].watermark, &a) < 0 ||
        canon_timestamp_us(t->side[1].watermark, &b) < 0)
        return 0;
    *ms = (a - b) / 1000;
    return 1;
}

static void emit(struct live_side *s)
{
    struct live_table *t = s->t;
    struct live_sample x = {
        .tick = s->tick, .table = t->name, .target_table = t->target, .side = s->side,
        .error = s->error, .rows = s->rows, .watermark = s->watermark, .changed = s->changed,
        .latency_ms = s->latency_ms, .missing = -1, .estimated = s->est_sent,
        .round_done = t->side[0].answered == t->side[1].answered,
    };

    table_missing(t, &x.missing, &x.missing_estimated);
    x.has_lag = table_lag(t, &x.lag_ms);
    t->lv->ev.on_sample(&x, t->lv->ev.arg);
}

/* Failed polls of the polls answered since the first round that began in the
 * last ERROR_WINDOW_MS (at longer intervals, the latest round), in percent: an
 * outage shows while it lasts and for the window after, neither diluted by
 * the hours before nor kept for the rest of the session. */
static double error_rate(const live_t *lv)
{
    const struct rounds *r = &lv->rounds;
    int64_t since = wall_ms() - ERROR_WINDOW_MS;
    int i = 0, k;
    long long polls, failed;

    if (!r->n)
        return 0;
    while (i < r->n - 1 && r->at[(r->oldest + i) % ERROR_ROUNDS].at_ms < since)
        i++;
    k = (r->oldest + i) % ERROR_ROUNDS;
    polls = lv->polls - r->at[k].polls;
    failed = lv->failed - r->at[k].failed;
    return polls > 0 ? 100.0 * (double)failed / (double)polls : 0;
}

/* A round begins: the counts so far go into the ring error_rate reads. */
static void round_begins(live_t *lv)
{
    struct rounds *r = &lv->rounds;
    int k = (r->oldest + r->n) % ERROR_ROUNDS;

    if (r->n < ERROR_ROUNDS)
        r->n++;
    else
        r->oldest = (r->oldest + 1) % ERROR_ROUNDS;
    r->at[k].at_ms = wall_ms();
    r->at[k].polls = lv->polls;
    r->at[k].failed = lv->failed;
}

/* The figure a trigger names, from the latest poll of every table or the
 * latest probe; -1: not measured (yet), or a metric live polling does not
 * measure (a rehearsal's, see rb_advice). */
double live_measure(const live_t *lv, const char *metric)
{
    int missing = !strcmp(metric, "missing_rows"), lag = !strcmp(metric, "lag");
    int drift = !strcmp(metric, "drift_rows"), k;
    double v = 0;

    if (!strcmp(metric, "error_rate"))
        return error_rate(lv);
    if (!strcmp(metric, "stray_writes") || !strcmp(metric, "drift_keys"))
        return (double)stray_count(lv->strays, NULL, !strcmp(metric, "drift_keys") ? "drift"
                                                                                   : "stray");
    if ((k = signal_find(metric)) >= 0)
        return lv->signal[k][0] > lv->signal[k][1] ? lv->signal[k][0] : lv->signal[k][1];
    if (!missing && !drift && !lag && strcmp(metric, "latency"))
        return -1;
    for (size_t i = 0; i < lv->n; i++) {
        const struct live_table *t = &lv->t[i];
        long long m;
        int64_t ms;
        int est;
        if (missing || drift) {  /* drift: either way */
            if (table_missing(t, &m, &est) && !est && (m > 0 || (drift && m < 0)))
                v += (double)(m < 0 ? -m : m);
        } else if (lag) {
            if (table_lag(t, &ms) && (double)ms > v)
                v = (double)ms;
        } else {
            for (int side = 0; side < 2; side++)
                if ((double)t->side[side].latency_ms > v)
                    v = (double)t->side[side].latency_ms;
        }
    }
    return v;
}

/* Every side has answered the round under way, or skips it (its poll of an
 * older round still runs, which the round's samples say): then no figure
 * is of another round than the rest, but for a side too slow to keep up. */
int live_settled(const live_t *lv)
{
    for (size_t i = 0; i < lv->n; i++)
        for (int w = 0; w < 2; w++) {
            const struct live_side *s = &lv->t[i].side[w];
            if (s->answered != lv->tick && !(s->q && s->tick < lv->tick))
                return 0;
        }
    return 1;
}

long long live_tick(const live_t *lv)
{
    return lv->tick;
}

long long live_answered(const live_t *lv)
{
    long long at = lv->n ? LLONG_MAX : 0;

    for (size_t i = 0; i < lv->n; i++)
        for (int w = 0; w < 2; w++)
            if (lv->t[i].side[w].answered < at)
                at = lv->t[i].side[w].answered;
    return at;
}

/* The waves' own triggers measured live: their stray writes and drift (the
 * rest are judged on each wave's validation, see waves.h). */
static void evaluate_waves(live_t *lv)
{
    size_t at = 0;

    for (size_t w = 0; w < lv->plan->nwaves; w++) {
        const struct plan_wave *wv = &lv->plan->waves[w];
        for (size_t i = 0; i < wv->ntriggers; i++, at++) {
            const struct plan_limit *l = &wv->triggers[i];
            int drift = !strcmp(l->name, "drift_keys"), now;
            double v;
            if (!drift && strcmp(l->name, "stray_writes"))
                continue;
            v = (double)stray_count(lv->strays, wv->name, drift ? "drift" : "stray");
            now = plan_limit_reached(v, l->value);
            if (now != lv->wave_breached[at] && lv->ev.on_trigger) {
                struct live_trigger t = { l, v, now, wv->name };
                lv->wave_breached[at] = now;
                lv->ev.on_trigger(&t, lv->ev.arg);
            }
        }
    }
}

static void evaluate(live_t *lv)
{
    if (!live_settled(lv))  /* half a round would breach and clear triggers */
        return;
    for (size_t i = 0; lv->ev.on_trigger && i < lv->plan->ntriggers; i++) {
        const struct plan_limit *l = &lv->plan->triggers[i];
        double v = live_measure(lv, l->name);
        int now = v >= 0 && plan_limit_reached(v, l->value);

        if (v >= 0 && now != lv->breached[i]) {
            struct live_trigger t = { l, v, now, NULL };
            lv->breached[i] = now;
            lv->ev.on_trigger(&t, lv->ev.arg);
        }
    }
    evaluate_waves(lv);
    if (lv->ev.on_judged)
        lv->ev.on_judged(lv->ev.arg);
}

static void maybe_free(live_t *lv);

static int on_rows(db_query_t *q, const struct db_batch *b, void *arg)
{
    struct live_side *s = arg;
    (void)q;
    long long rows;

    if (b->nrows < 1)
        return DB_CONTINUE;
    if ((rows = strtoll(db_cell(b, 0, 0)->p, NULL, 10)) >= 0)  /* -1: never analysed */
        s->rows = rows;
    if (b->ncols > 1) {
        const struct db_cell *wm = db_cell(b, 0, 1);
        s->changed = b->ncols > 2 ? strtoll(db_cell(b, 0, 2)->p, NULL, 10) : -1;
        if (wm->p) {  /* an empty table keeps the last watermark */
            free(s->watermark);
            s->watermark = xstrndup(wm->p, wm->len);
            if (s->side == 0) {  /* validation starts from the first watermark seen */
                free(s->t->seen);
                s->t->seen = xstrdup(s->watermark);
                if (!s->t->checked)
                    s->t->checked = xstrdup(s->watermark);
            }
        }
    }
    return DB_CONTINUE;
}

static void on_done(db_query_t *q, int status, const char *msg, void *arg)
{
    struct live_side *s = arg;
    live_t *lv = s->t->lv;

    lv->running--;
    free(s->error);
    s->error = NULL;
    s->q = NULL;
    s->answered = s->tick;
    if (!lv->stopping) {
        lv->polls++;
        if (status != DB_OK) {
            lv->failed++;
            s->error = xstrdup(msg ? msg : "the poll failed");
        } else {
            /* its own time on the connection, not its wait behind the other polls */
            s->latency_ms = (int64_t)(db_query_runtime_ns(q) / 1000000);
            s->rows_est = s->est_sent;
            if (s->est_sql && s->rows > lv->plan->hc_exact_rows)
                s->estimating = 1;  /* from the next poll on */
        }
        emit(s);
        evaluate(lv);
    }
    maybe_free(lv);
}

static void poll_side(live_t *lv, struct live_side *s)
{
    const char *param = s->watermark;
    int delta = s->delta_sql && param;

    if (s->q) {  /* the previous poll still runs: skip this round, say so */
        struct live_sample x = { .tick = lv->tick, .table = s->t->name,
                                 .target_table = s->t->target, .side = s->side, .skipped = 1 };
        lv->ev.on_sample(&x, lv->ev.arg);
        return;
    }
    s->tick = lv->tick;
    s->est_sent = s->estimating && (param || !s->delta_sql);
    s->q = db_query(lv->db[s->side], s->est_sent ? s->est_sql : delta ? s->delta_sql : s->count_sql,
                    s->est_sent ? !!param : delta, &param, NULL, on_rows, on_done, s);
    if (s->q)
        lv->running++;
}

static void win_finding(void *arg, const struct win_result *r, const struct diff_disc *d)
{
    struct live_table *t = arg;
    live_t *lv = t->lv;

    if (!lv->stopping && lv->ev.on_finding)
        lv->ev.on_finding(t->win_tick, r, d, lv->ev.arg);
}

static int windows(const live_t *lv)
{
    for (size_t i = 0; i < lv->n; i++)
        if (lv->t[i].win)
            return 1;
    return 0;
}

/* The tables follow the newer snapshot's pairing by name. */
static void follow(live_t *lv)
{
    const struct pairing *pp = &lv->next->pairs;

    lv->pp = pp;
    for (size_t i = 0; i < lv->n; i++) {
        struct live_table *t = &lv->t[i];
        t->pair = NULL;  /* gone from the catalog: polls say so, windows wait */
        for (size_t k = 0; k < pp->n && !t->pair; k++)
            if (pp->pairs[k].src && pp->pairs[k].tgt && !strcmp(pp->pairs[k].src->name, t->name) &&
                !strcmp(pp->pairs[k].tgt->name, t->target))
                t->pair = &pp->pairs[k];
    }
    snap_unref(lv->keep);
    lv->keep = lv->next;
    lv->next = NULL;
}

static void win_done(void *arg, const struct win_result *r)
{
    struct live_table *t = arg;
    live_t *lv = t->lv;

    t->win = NULL;
    lv->running--;
    if (lv->next && !windows(lv))
        follow(lv);
    if (!r->error) {  /* a failed window is retried, wider, next round */
        free(t->checked);
        t->checked = xstrdup(r->hi);
    }
    t->off = r->fatal;
    if (!lv->stopping && lv->ev.on_window)
        lv->ev.on_window(t->win_tick, r, lv->ev.arg);
    maybe_free(lv);
}

static void probe_sample(const struct probe_sample *s, void *arg)
{
    live_t *lv = arg;
    int k = signal_find(s->name);

    if (lv->stopping)
        return;
    if (lv->ev.on_probe)
        lv->ev.on_probe(s, lv->ev.arg);
    if (k >= 0 && !s->error) {  /* failed_checks is "both": one value */
        lv->signal[k][!strcmp(s->side, "target")] = s->value;
        evaluate(lv);
    }
}

static void stray_finding(const struct stray_finding *f, void *arg)
{
    live_t *lv = arg;

    if (!lv->stopping && lv->ev.on_stray)
        lv->ev.on_stray(f, lv->ev.arg);
}

static void stray_problem(const char *wave, const char *table, const char *why, void *arg)
{
    live_t *lv = arg;

    if (!lv->stopping && lv->ev.on_stray_problem)
        lv->ev.on_stray_problem(wave, table, why, lv->ev.arg);
}

static void probe_end(void *arg)
{
    live_t *lv = arg;

    lv->running--;
    maybe_free(lv);
}

/* A read of stray writes or drift has ended, its findings all told. */
static void stray_end(void *arg)
{
    live_t *lv = arg;

    if (!lv->stopping)
        evaluate(lv);
    probe_end(lv);
}

/* The window since the last one checked, up to what the previous round saw. */
static void validate(live_t *lv, struct live_table *t)
{
    struct win_events ev = { win_finding, win_done, t };

    if (!lv->sheet || !t->pair || t->off || t->win || !t->checked || !t->seen ||
        !strcmp(t->checked, t->seen))
        return;
    t->win_tick = lv->tick;
    lv->running++;
    t->win = win_start(lv->db[0], lv->db[1], lv->plan, lv->pp, lv->sheet, t->pair, t->checked,
                       t->seen, &ev);
}

static void on_tick(uv_timer_t *h)
{
    live_t *lv = h->data;

    lv->tick++;
    round_begins(lv);
    for (size_t i = 0; i < lv->n; i++) {
        validate(lv, &lv->t[i]);
        for (int side = 0; side < 2; side++)
            poll_side(lv, &lv->t[i].side[side]);
    }
    lv->running += probe_round(lv->probes, lv->tick);
    if (lv->ev.wave_moved)
        lv->running += stray_round(lv->strays, lv->ev.wave_moved, lv->ev.arg);
    maybe_free(lv);  /* nothing may have been sent */
}

/* Where a wave's trigger stands among the plan's waves' triggers (their
 * order in wave_breached); -1: not in the plan. */
static long wave_trigger_at(const struct plan *p, const char *wave, const char *name)
{
    long at = 0;

    for (size_t w = 0; w < p->nwaves; w++)
        for (size_t k = 0; k < p->waves[w].ntriggers; k++, at++)
            if (!strcmp(p->waves[w].name, wave) && !strcmp(p->waves[w].triggers[k].name, name))
                return at;
    return -1;
}

/* The state of the monitor being replaced, table by table. */
static void adopt(live_t *lv, const live_t *old)
{
    lv->tick = old->tick;
    lv->polls = old->polls;
    lv->failed = old->failed;
    lv->rounds = old->rounds;
    memcpy(lv->signal, old->signal, sizeof lv->signal);
    for (size_t i = 0; i < lv->plan->ntriggers; i++)
        for (size_t k = 0; k < old->plan->ntriggers; k++)
            if (!strcmp(lv->plan->triggers[i].name, old->plan->triggers[k].name))
                lv->breached[i] = old->breached[k];
    for (size_t w = 0, at = 0; w < lv->plan->nwaves; w++)  /* the waves' own, by wave */
        for (size_t i = 0; i < lv->plan->waves[w].ntriggers; i++, at++) {
            long k = wave_trigger_at(old->plan, lv->plan->waves[w].name,
                                     lv->plan->waves[w].triggers[i].name);
            if (k >= 0)
                lv->wave_breached[at] = old->wave_breached[k];
        }
    for (size_t i = 0; i < lv->n; i++) {
        struct live_table *t = &lv->t[i];
        for (size_t k = 0; k < old->n; k++) {
            const struct live_table *o = &old->t[k];
            if (strcmp(t->name, o->name) || strcmp(t->target, o->target))
                continue;
            t->checked = o->checked ? xstrdup(o->checked) : NULL;
            t->seen = o->seen ? xstrdup(o->seen) : NULL;
            for (int side = 0; side < 2; side++) {
                t->side[side].watermark = o->side[side].watermark
                                          ? xstrdup(o->side[side].watermark) : NULL;
                t->side[side].rows = o->side[side].rows;
                t->side[side].estimating = o->side[side].estimating;
                t->side[side].rows_est = o->side[side].rows_est;
                t->side[side].latency_ms = o->side[side].latency_ms;
            }
        }
    }
}

live_t *live_start(uv_loop_t *loop, db_t *src, db_t *tgt, const struct plan *plan,
                   const struct pairing *pp, const struct live_opts *o,
                   const struct live_events *ev, struct err *e)
{
    live_t *lv = xcalloc(1, sizeof *lv);
    int64_t interval_ms = o->interval_ms;

    lv->plan = plan;
    lv->pp = pp;
    lv->sheet = o->sheet;
    lv->keep = o->keep ? snap_ref(o->keep) : NULL;
    lv->breached = xcalloc(plan->ntriggers + 1, sizeof *lv->breached);
    {
        size_t n = 1;
        for (size_t w = 0; w < plan->nwaves; w++)
            n += plan->waves[w].ntriggers;
        lv->wave_breached = xcalloc(n, sizeof *lv->wave_breached);
    }
    for (int k = 0; k < NSIGNALS; k++)
        lv->signal[k][0] = lv->signal[k][1] = -1;
    lv->t = xcalloc(pp->n + 1, sizeof *lv->t);  /* never moved: sides point at their table */
    lv->loop = loop;
    lv->db[0] = src;
    lv->db[1] = tgt;
    lv->ev = *ev;
    for (size_t i = 0; i < pp->n; i++) {
        const struct pair *p = &pp->pairs[i];
        const char *wm = p->plan ? p->plan->watermark : NULL;
        const struct cat_column *twm = NULL;
        struct live_table *t;

        if (!p->src || !p->tgt || !p->plan || p->plan->decision != DEC_MIGRATE)
            continue;
        if (wm && !cat_column(p->src, wm)) {
            err_set(e, ERR_INPUT, "table %s: watermark column '%s' is not in the source table",
                    p->src->name, wm);
            goto fail;
        }
        if (wm && !(twm = cat_column_like(p->tgt, wm))) {
            err_set(e, ERR_INPUT, "table %s: target table %s has no column like watermark '%s'",
                    p->src->name, p->tgt->name, wm);
            goto fail;
        }
        t = &lv->t[lv->n++];
        t->lv = lv;
        t->name = xstrdup(p->src->name);
        t->target = xstrdup(p->tgt->name);
        t->pair = p;
        t->off = !wm;
        for (int side = 0; side < 2; side++) {
            t->side[side].t = t;
            t->side[side].side = side;
        }
        side_sql(&t->side[0], p->src, wm, p->plan->where, db_kind(src));
        side_sql(&t->side[1], p->tgt, twm ? twm->name : NULL, NULL, db_kind(tgt));
    }
    if (o->adopt)
        adopt(lv, o->adopt);
    lv->interval_ms = interval_ms > 0 ? interval_ms : 30000;
    lv->probes = probe_new(src, tgt, plan, &(struct probe_events){ probe_sample, probe_end, lv });
    lv->strays = stray_new(src, tgt, plan, pp, lv->sheet, lag_allowance(plan),
                           &(struct stray_events){ stray_finding, stray_problem, stray_end, lv });
    if (o->adopt)
        stray_adopt(lv->strays, o->adopt->strays);
    uv_timer_init(loop, &lv->timer);
    lv->timer.data = lv;
    uv_timer_start(&lv->timer, on_tick, 0, clock_simulated() ? 0 : (uint64_t)lv->interval_ms);
    return lv;
fail:
    lv->stopping = 1;
    uv_timer_init(loop, &lv->timer);  /* so that freeing goes one way */
    lv->timer.data = lv;
    live_stop(lv);
    return NULL;
}

void live_repoint(live_t *lv, struct snap *s)
{
    snap_unref(lv->next);
    lv->next = snap_ref(s);
    if (!windows(lv))
        follow(lv);
}

void live_set_interval(live_t *lv, int64_t ms)
{
    lv->interval_ms = ms;
    if (!clock_simulated())
        uv_timer_start(&lv->timer, on_tick, (uint64_t)ms, (uint64_t)ms);
}

size_t live_ntables(const live_t *lv) { return lv->n; }

void live_counts(const live_t *lv, long long *polls, long long *failed)
{
    *polls = lv->polls;
    *failed = lv->failed;
}

static void free_all(uv_handle_t *h)
{
    live_t *lv = h->data;

    for (size_t i = 0; i < lv->n; i++) {
        for (int side = 0; side < 2; side++) {
            struct live_side *s = &lv->t[i].side[side];
            free(s->count_sql);
            free(s->delta_sql);
            free(s->est_sql);
            free(s->watermark);
            free(s->error);
        }
        free(lv->t[i].name);
        free(lv->t[i].target);
        free(lv->t[i].checked);
        free(lv->t[i].seen);
    }
    free(lv->t);
    free(lv->breached);
    free(lv->wave_breached);
    if (lv->sheet) {
        sheet_free(lv->sheet);
        free(lv->sheet);
    }
    snap_unref(lv->next);
    snap_unref(lv->keep);
    free(lv);
}

/* Everything sent has ended: when stopping, free; on the simulated clock,
 * the round is over, the clock moves one interval and the next one starts. */
static void maybe_free(live_t *lv)
{
    if (lv->running)
        return;
    if (!lv->stopping && clock_simulated() && lv->ended < lv->tick) {
        lv->ended = lv->tick;
        clock_advance(lv->interval_ms);
        if (lv->ev.on_round)
            lv->ev.on_round(lv->tick, lv->ev.arg);  /* may stop us */
        if (!lv->stopping)
            uv_timer_start(&lv->timer, on_tick, 0, 0);
    }
    if (lv->stopping && !uv_is_closing((uv_handle_t *)&lv->timer))
        uv_close((uv_handle_t *)&lv->timer, free_all);
}

void live_stop(live_t *lv)
{
    if (!lv)
        return;
    lv->stopping = 1;
    uv_timer_stop(&lv->timer);
    probe_stop(lv->probes);
    lv->probes = NULL;
    stray_stop(lv->strays);
    lv->strays = NULL;
    for (size_t i = 0; i < lv->n; i++) {
        for (int side = 0; side < 2; side++)
            if (lv->t[i].side[side].q)
                db_query_cancel(lv->t[i].side[side].q);
        if (lv->t[i].win)
            win_cancel(lv->t[i].win);
    }
    maybe_free(lv);
}
