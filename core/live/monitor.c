#include "config.h"
#include "monitor.h"
#include "jsonx.h"
#include "sheet.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct mon {
    uv_loop_t *loop;
    db_t *db[2];                /* its own (mon_open) */
    live_t *live;
    int have_sheet;             /* the last live was given a sheet (tables validated) */
    const struct plan *plan;
    struct mon_opts o;
    long session;
    struct mon_table *t;
    size_t n;
    struct mon_trigger *trig;
    size_t ntrig;
    struct mon_probe *probes;
    size_t nprobes;
    struct mon_events ev;
    struct live_events fw;      /* forwarded to */
    alerter_t *alerts;
    int64_t compacted;          /* samples before this are in buckets */
    int ws_waiting;             /* told that writes wait for the workspace */
    /* advising began (mon_advise) after round advise_tick had begun: the
     * triggers advise from the first round every side answered after it */
    int advise_pending;
    long long advise_tick;
};


static void add_history(const struct ws_history *w, void *arg)
{
    if (w->folded)
        hist_add_bucket(arg, w->at_ms, w->min, w->max, w->sum, w->n);
    else
        hist_add(arg, w->at_ms, w->min);
}

/* A signal met for the first time begins with what o.history recorded of it. */
static void preload(mon_t *m, struct hist *h, const char *side, const char *object,
                    const char *metric)
{
    if (m->o.ws && m->o.history > 0)
        ws_session_history(m->o.ws, m->o.history, side, object, metric, add_history, h);
}

static struct mon_table *table(mon_t *m, const char *name, const char *target)
{
    struct mon_table *t;

    for (size_t i = 0; i < m->n; i++)
        if (!strcmp(m->t[i].name, name))
            return &m->t[i];
    m->t = xrealloc(m->t, (m->n + 1) * sizeof *m->t);
    t = &m->t[m->n++];
    memset(t, 0, sizeof *t);
    t->name = xstrdup(name);
    t->target = xstrdup(target);
    t->rows[0] = t->rows[1] = t->changed[0] = t->changed[1] = -1;
    preload(m, &t->h_missing, "both", name, "missing");
    return t;
}

static void set_str(char **dst, const char *v)
{
    free(*dst);
    *dst = v ? xstrdup(v) : NULL;
}

static void warn(mon_t *m, const char *what, const char *why)
{
    char msg[1300];

    snprintf(msg, sizeof msg, "%s%s", what, why);
    if (m->ev.warn)
        m->ev.warn(msg, m->ev.arg);
}

/* A write that failed: what monitoring records as it goes is kept and
 * written later (workspace.h), so this is told once until it is. */
static void warn_ws(mon_t *m, const struct err *e)
{
    if (m->ws_waiting)
        return;
    m->ws_waiting = 1;
    warn(m, "", e->msg);
}

/* … and once the workspace has taken what waited. */
static void ws_caught_up(mon_t *m)
{
    if (m->ws_waiting && m->o.ws && !ws_kept(m->o.ws)) {
        m->ws_waiting = 0;
        warn(m, "the workspace takes writes again: what was kept is recorded", "");
    }
}

/* A probe signal's latest value, the largest of its sides; -1: none yet. */
static double probe_value(const mon_t *m, const char *name)
{
    double v = -1;

    for (size_t i = 0; i < m->nprobes; i++)
        if (!strcmp(m->probes[i].name, name) && m->probes[i].has_value &&
            m->probes[i].value > v)
            v = m->probes[i].value;
    return v;
}

static void measure_limits(mon_t *m)
{
    for (size_t i = 0; i < m->ntrig; i++)
        m->trig[i].value = m->live ? live_measure(m->live, m->trig[i].name) : -1;
    for (size_t i = 0; m->alerts && m->live && i < m->plan->nalerts; i++) {
        const char *name = m->plan->alerts[i].name;
        /* probes are one query each; table figures only once both sides
         * agree: half a round would open and close alerts */
        double v = probe_value(m, name);
        if (v < 0 && (v = live_measure(m->live, name)) >= 0 && !live_settled(m->live))
            continue;
        if (v >= 0)
            alert_measure(m->alerts, name, v);
    }
}

static void record(mon_t *m, const char *side, const char *object, const char *metric,
                   double v, int estimated)
{
    struct err e = { 0 };

    if (m->o.ws && ws_sample(m->o.ws, m->session, side, object, metric, v, estimated, &e) < 0)
        warn_ws(m, &e);
}

/* The workspace keeps the last hour's samples; older ones go into buckets
 * each time another 5 minutes have passed out of that hour. */
static void compact(mon_t *m)
{
    int64_t before = wall_ms() - HIST_HOUR_MS;
    struct err e = { 0 };

    before -= before % HIST_BUCKET_MS;
    if (!m->o.ws || m->session <= 0 || before <= m->compacted)
        return;
    m->compacted = before;
    if (ws_compact(m->o.ws, m->session, before, &e) < 0)
        warn_ws(m, &e);
}

static void on_sample(const struct live_sample *s, void *arg)
{
    mon_t *m = arg;
    struct mon_table *t = table(m, s->table, s->target_table);
    int side = s->side;

    if (m->fw.on_sample)
        m->fw.on_sample(s, m->fw.arg);
    if (s->skipped)
        return;
    set_str(&t->error[side], s->error);
    if (m->o.ws)
        ws_begin(m->o.ws);
    if (s->error) {
        record(m, plan_side_name(side), t->name, "error", 1, 0);
    } else {
        t->has_net[side] = t->rows[side] >= 0 && !t->estimated[side] && !s->estimated;
        t->net[side] = s->rows - t->rows[side];
        t->rows[side] = s->rows;
        t->estimated[side] = s->estimated;
        t->changed[side] = s->changed;
        t->latency_ms[side] = s->latency_ms;
        set_str(&t->watermark[side], s->watermark);
        record(m, plan_side_name(side), t->name, "rows", (double)s->rows, s->estimated);
        record(m, plan_side_name(side), t->name, "latency_ms", (double)s->latency_ms, 0);
        if (s->changed >= 0)
            record(m, plan_side_name(side), t->name, "changed", (double)s->changed, 0);
    }
    t->has_missing = s->missing != -1;
    t->missing = s->missing;
    t->missing_estimated = s->missing_estimated;
    t->has_lag = s->has_lag;
    t->lag_ms = s->lag_ms;
    if (s->round_done) {  /* once per round: when both sides have answered */
        if (t->has_missing) {
            hist_add(&t->h_missing, wall_ms(), (double)t->missing);
            record(m, "both", t->name, "missing", (double)t->missing, t->missing_estimated);
        }
        if (t->has_lag)
            record(m, "both", t->name, "lag_ms", (double)t->lag_ms, 0);
    }
    if (m->o.ws && ws_commit(m->o.ws) == 0)
        ws_caught_up(m);
    compact(m);
    measure_limits(m);
    if (m->ev.changed)
        m->ev.changed(m->ev.arg);
}

/* A trigger crossing on the timeline: with the advice, when the rollback is
 * advised now (hypercare always; the dashboard once the target is meant to
 * hold the data, see mon_events.advising). */
static void record_trigger(mon_t *m, const char *wave, const char *name, double value,
                           double limit, enum plan_unit unit, int breached)
{
    struct err e = { 0 };
    char out[400], v[32], lim[32], said[200] = "";
    const char *after = plan_advice_step(m->plan);

    if (breached && !m->advise_pending && (!m->ev.advising || m->ev.advising(m->ev.arg)))
        snprintf(said, sizeof said, ": ROLLBACK%s%s ADVISED, the call is %s's",
                 wave ? " OF WAVE " : "", wave ? wave : "",
                 m->plan->authority ? m->plan->authority : "(no authority named)");
    else if (breached && m->advise_pending)
        snprintf(said, sizeof said, "; no advice before the next round");
    else if (breached)
        snprintf(said, sizeof said, "; no advice before %s is done", after);
    snprintf(out, sizeof out, "%s%s%s%s %s (limit %s), seen by %s%s", wave ? "wave " : "",
             wave ? wave : "", wave ? ": " : "", name,
             plan_value_text(value, unit, v, sizeof v), plan_value_text(limit, unit, lim, sizeof lim),
             m->o.kind, said);
    if (m->o.ws && ws_runbook_event(m->o.ws, "trigger", breached ? "breached" : "cleared", NULL,
                                    0, 0, out, &e) < 0)
        warn_ws(m, &e);
}

static void on_trigger(const struct live_trigger *lt, void *arg)
{
    mon_t *m = arg;
    const struct plan_limit *l = lt->limit;

    if (m->fw.on_trigger)
        m->fw.on_trigger(lt, m->fw.arg);
    for (size_t i = 0; i < m->ntrig && !lt->wave; i++)
        if (!strcmp(m->trig[i].name, l->name)) {
            m->trig[i].breached = lt->breached;
            m->trig[i].value = lt->value;
        }
    record_trigger(m, lt->wave, l->name, lt->value, l->value, l->unit, lt->breached);
    if (m->ev.changed)
        m->ev.changed(m->ev.arg);
}

void mon_advise(mon_t *m)
{
    if (!m || !m->live)
        return;
    m->advise_pending = 1;
    m->advise_tick = live_tick(m->live);
}

int mon_advice_ready(const mon_t *m)
{
    return m && !m->advise_pending;
}

/* A round polled wholly after advising began has been judged: the triggers
 * it leaves breached advise rollback. */
static void on_judged(void *arg)
{
    mon_t *m = arg;

    if (m->fw.on_judged)
        m->fw.on_judged(m->fw.arg);
    if (!m->advise_pending || live_answered(m->live) <= m->advise_tick)
        return;
    m->advise_pending = 0;
    for (size_t i = 0; i < m->ntrig; i++) {
        const struct mon_trigger *t = &m->trig[i];
        double v = live_measure(m->live, t->name);
        if (t->breached && v >= 0)
            record_trigger(m, NULL, t->name, v, t->limit, t->unit, 1);
    }
    if (m->ev.changed)
        m->ev.changed(m->ev.arg);
}

static void on_finding(long long tick, const struct win_result *w, const struct diff_disc *d,
                       void *arg)
{
    mon_t *m = arg;
    struct mon_table *t = table(m, d->table, d->target_table);
    int kind = !strcmp(d->kind, "missing") ? MON_MISSING
             : !strcmp(d->kind, "stale") ? MON_STALE : MON_DUPLICATE;
    struct err e = { 0 };

    if (m->fw.on_finding)
        m->fw.on_finding(tick, w, d, m->fw.arg);
    t->found[kind]++;
    if (m->o.ws) {
        json_t *f = diff_fields_json(d);
        char *key = jsonx_dumps(d->key, JSON_COMPACT);
        char *fields = f ? jsonx_dumps(f, JSON_COMPACT) : NULL;

        json_decref(f);
        if (ws_finding(m->o.ws, m->session, d->table, d->target_table, d->kind, key, fields,
                       w->lo, w->hi, &e) < 0)
            warn_ws(m, &e);
        free(key);
        free(fields);
    }
    if (m->ev.changed)
        m->ev.changed(m->ev.arg);
}

/* Where a wave stands, for stray writes and drift: moved, since when. */
static int wave_moved(const char *wave, char at[40], void *arg)
{
    mon_t *m = arg;
    struct ws_wave_rec r;

    if (!m->o.ws || ws_wave_state(m->o.ws, wave, &r) < 0 || strcmp(r.state, "moved"))
        return 0;
    snprintf(at, 40, "%s", r.at);
    return 1;
}

static void on_stray(const struct stray_finding *f, void *arg)
{
    mon_t *m = arg;
    struct mon_table *t = table(m, f->table, f->target_table);
    struct err e = { 0 };

    if (m->fw.on_stray)
        m->fw.on_stray(f, m->fw.arg);
    t->found[!strcmp(f->kind, "drift") ? MON_DRIFT : MON_STRAY]++;
    if (m->o.ws) {
        char *key = jsonx_dumps(f->key, JSON_COMPACT);
        json_t *o = json_pack("{s:s, s:s, s:s}", "wave", f->wave, "side",
                              plan_side_name(f->side), "at", f->at);
        char *fields = jsonx_dumps(o, JSON_COMPACT);

        if (ws_wave_finding(m->o.ws, m->session, f->table, f->target_table, f->kind, key, fields,
                            f->since, f->at, &e) < 0)
            warn_ws(m, &e);
        json_decref(o);
        free(key);
        free(fields);
    }
    if (m->ev.changed)
        m->ev.changed(m->ev.arg);
}

static void on_stray_problem(const char *wave, const char *table, const char *why, void *arg)
{
    mon_t *m = arg;
    char what[300];

    if (m->fw.on_stray_problem)
        m->fw.on_stray_problem(wave, table, why, m->fw.arg);
    snprintf(what, sizeof what, "wave %s, table %s: ", wave, table);
    if (why)
        warn(m, what, why);
}

static void on_window(long long tick, const struct win_result *r, void *arg)
{
    mon_t *m = arg;
    struct mon_table *t = table(m, r->table, r->target_table);

    if (m->fw.on_window)
        m->fw.on_window(tick, r, m->fw.arg);
    t->checked += r->keys;
    set_str(&t->window_error, r->error);
    t->validated = !r->fatal;
    if (!r->error)
        record(m, "both", t->name, "window_rows", (double)r->keys, 0);
    if (m->ev.changed)
        m->ev.changed(m->ev.arg);
}

static struct mon_probe *probe(mon_t *m, const char *name, const char *side)
{
    struct mon_probe *p;

    for (size_t i = 0; i < m->nprobes; i++)
        if (!strcmp(m->probes[i].name, name) && !strcmp(m->probes[i].side, side))
            return &m->probes[i];
    m->probes = xrealloc(m->probes, (m->nprobes + 1) * sizeof *m->probes);
    p = &m->probes[m->nprobes++];
    memset(p, 0, sizeof *p);
    p->name = xstrdup(name);
    p->side = xstrdup(side);
    preload(m, &p->h, side, name, "probe");
    return p;
}

static void on_probe(const struct probe_sample *s, void *arg)
{
    mon_t *m = arg;
    struct mon_probe *p = probe(m, s->name, s->side);

    if (m->fw.on_probe)
        m->fw.on_probe(s, m->fw.arg);
    p->unit = s->unit;
    set_str(&p->error, s->error);
    set_str(&p->note, s->note);
    if (!s->error) {
        p->value = s->value;
        p->has_value = 1;
        hist_add(&p->h, wall_ms(), s->value);
    }
    record(m, s->side, s->name, s->error ? "probe_error" : "probe", s->error ? 1 : s->value, 0);
    measure_limits(m);
    if (m->ev.changed)
        m->ev.changed(m->ev.arg);
}

static void on_round(long long tick, void *arg)
{
    mon_t *m = arg;

    if (m->fw.on_round)
        m->fw.on_round(tick, m->fw.arg);
}

static void set_triggers(mon_t *m)
{
    struct mon_trigger *old = m->trig;
    size_t nold = m->ntrig;

    m->ntrig = m->plan->ntriggers;
    m->trig = xcalloc(m->ntrig + 1, sizeof *m->trig);
    for (size_t i = 0; i < m->ntrig; i++) {
        const struct plan_limit *l = &m->plan->triggers[i];
        struct mon_trigger *t = &m->trig[i];
        t->name = xstrdup(l->name);
        t->limit = l->value;
        t->unit = l->unit;
        t->value = -1;
        for (size_t k = 0; k < nold; k++)
            if (!strcmp(old[k].name, t->name))
                t->breached = old[k].breached;
    }
    for (size_t k = 0; k < nold; k++)
        free(old[k].name);
    free(old);
}

/* The plan's mapping sheet, read now, for a live monitor to own; NULL when
 * there is none (no incremental validation). */
static struct sheet *load_sheet(const mon_t *m)
{
    char *path = plan_path(m->plan, m->plan->mapping);
    struct sheet *sh = xcalloc(1, sizeof *sh);
    struct err e = { 0 };

    if (sheet_open(path, sh, &e) < 0) {
        free(sh);
        sh = NULL;
    }
    free(path);
    return sh;
}

static live_t *start_live(mon_t *m, const struct pairing *pp, struct snap *keep,
                          const live_t *adopt, struct err *e)
{
    struct live_events ev = { .on_sample = on_sample, .on_trigger = on_trigger,
                              .on_judged = on_judged, .on_finding = on_finding,
                              .on_window = on_window, .on_round = on_round, .on_probe = on_probe,
                              .wave_moved = wave_moved, .on_stray = on_stray,
                              .on_stray_problem = on_stray_problem, .arg = m };
    struct live_opts lo = { m->o.interval_ms, load_sheet(m), keep, adopt };
    live_t *lv;

    m->have_sheet = lo.sheet != NULL;
    lv = live_start(m->loop, m->db[0], m->db[1], m->plan, pp, &lo, &ev, e);

    if (lv)  /* tables known before their first poll, validated unless a window says no */
        for (size_t i = 0; i < pp->n; i++) {
            const struct pair *p = &pp->pairs[i];
            if (p->src && p->tgt && p->plan && p->plan->decision == DEC_MIGRATE)
                table(m, p->src->name, p->tgt->name)->validated =
                    m->have_sheet && p->plan->watermark && p->nkey;
        }
    return lv;
}


static void on_state(db_t *db, enum db_state st, void *arg)
{
    mon_t *m = arg;
    int side = db == m->db[1];

    if (st != DB_CONNECTING && m->ev.connection)
        m->ev.connection(side, st == DB_UP, db_errmsg(db), m->ev.arg);
}

mon_t *mon_open(uv_loop_t *loop, const struct plan *p, const struct pairing *pp,
                const struct mon_opts *o, const struct mon_events *ev, struct err *e)
{
    mon_t *m = xcalloc(1, sizeof *m);
    /* an hour per statement: exact counts of big tables */
    struct db_opts dbo = { .reconnect = 1, .on_state = on_state, .arg = m,
                           .statement_timeout_ms = 3600 * 1000 };
    struct err we = { 0 };

    m->loop = loop;
    m->ev = *ev;
    if (plan_connect(loop, p, &dbo, m->db, e) < 0) {
        free(m);
        return NULL;
    }
    m->plan = p;
    m->o = *o;
    if (ev->forward)
        m->fw = *ev->forward;
    set_triggers(m);
    if (!(m->live = start_live(m, pp, o->keep, NULL, e))) {
        mon_stop(m, NULL, NULL);
        return NULL;
    }
    if (m->o.ws && o->resume > 0) {
        m->session = o->resume;
        if (ws_session_resume(m->o.ws, o->resume, &we) < 0)
            warn_ws(m, &we);
    } else if (m->o.ws && (m->session = ws_session_begin(m->o.ws, o->kind, (long)o->interval_ms,
                                                         (long)o->duration_ms, &we)) < 0) {
        warn(m, "not recorded in the workspace: ", we.msg);
        m->o.ws = NULL;  /* no session to record to: the monitor goes on without */
    }
    if (o->on_alert)
        m->alerts = alert_new(loop, p, m->o.ws, m->session, o->on_alert, o->alert_arg);
    return m;
}

int mon_replan(mon_t *m, const struct plan *p, const struct pairing *pp, struct snap *keep,
               struct err *e)
{
    live_t *old = m->live, *lv;

    if (p == m->plan && old) {
        if (keep)
            live_repoint(old, keep);
        return 0;
    }
    m->plan = p;
    set_triggers(m);
    lv = start_live(m, pp, keep, old, e);  /* the sheet is read again: it may have changed */
    live_stop(old);  /* its polls in flight are cancelled and not reported */
    m->live = lv;
    measure_limits(m);
    return lv ? 0 : -1;
}

void mon_set_interval(mon_t *m, int64_t ms)
{
    m->o.interval_ms = ms;
    if (m->live)
        live_set_interval(m->live, ms);
}

int64_t mon_interval(const mon_t *m) { return m->o.interval_ms; }

void mon_stop(mon_t *m, const char *status, const char *summary)
{
    struct err e = { 0 };

    if (!m)
        return;
    live_stop(m->live);
    if (m->o.ws && m->session > 0 && status &&
        ws_session_end(m->o.ws, m->session, status, summary, &e) < 0)
        warn(m, "the session's end: ", e.msg);
    for (size_t i = 0; i < m->n; i++) {
        struct mon_table *t = &m->t[i];
        free(t->name), free(t->target), free(t->window_error);
        for (int s = 0; s < 2; s++)
            free(t->watermark[s]), free(t->error[s]);
    }
    free(m->t);
    for (size_t i = 0; i < m->ntrig; i++)
        free(m->trig[i].name);
    free(m->trig);
    for (size_t i = 0; i < m->nprobes; i++)
        free(m->probes[i].name), free(m->probes[i].side), free(m->probes[i].error),
            free(m->probes[i].note);
    free(m->probes);
    alert_free(m->alerts);
    db_close(m->db[0]);  /* deferred: safe inside its own callbacks */
    db_close(m->db[1]);
    free(m);
}

int mon_open_alerts(const mon_t *m) { return m->alerts ? alert_open_count(m->alerts) : 0; }

const struct mon_table *mon_tables(const mon_t *m, size_t *n)
{
    *n = m->n;
    return m->t;
}

const struct mon_trigger *mon_triggers(const mon_t *m, size_t *n)
{
    *n = m->ntrig;
    return m->trig;
}

const struct mon_probe *mon_probes(const mon_t *m, size_t *n)
{
    *n = m->nprobes;
    return m->probes;
}

long mon_session(const mon_t *m) { return m->session; }

size_t mon_ntables(const mon_t *m) { return m->live ? live_ntables(m->live) : 0; }

void mon_counts(const mon_t *m, long long *polls, long long *failed)
{
    *polls = *failed = 0;
    if (m->live)
        live_counts(m->live, polls, failed);
}
