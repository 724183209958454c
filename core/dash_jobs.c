/* dash_jobs: the jobs the dashboard runs (dash.h) — the mapping review, a
 * rehearsal run, the runbook and live polling, which follow the plan, the
 * catalogs, pause and interval. The panels only show them. */
#include "config.h"
#include "dash.h"
#include "dash_int.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "jsonx.h"

/* --- a rehearsal run -------------------------------------------------------------- */

static void reh_progress_cb(void *arg, const struct diff_table *t)
{
    struct dash *d = arg;
    char buf[200];

    snprintf(d->reh_progress, sizeof d->reh_progress, "running: %s — Esc cancels",
             reh_progress(t, buf, sizeof buf));
    dash__notify(d, DASH_RUN);
}

static void reh_done_cb(void *arg, struct reh *r)
{
    struct dash *d = arg;
    json_t *s = reh_summary(r);
    const char *status = json_string_value(json_object_get(s, "status"));
    long long run = json_integer_value(json_object_get(s, "run"));
    char totals[256];

    snap_unref(d->reh_snap);  /* what the run read */
    d->reh_snap = NULL;
    if (reh_unrecorded(r))
        dash_say(d, 1, "run %lld %s: %s — recorded incomplete: %s", run, status ? status : "",
                 reh_totals(s, totals, sizeof totals), reh_unrecorded(r));
    else
        dash_say(d, !status || strcmp(status, "pass") != 0, "run %lld %s: %s", run,
                 status ? status : "", reh_totals(s, totals, sizeof totals));
    json_decref(s);
    d->reh_last = reh_run(r);
    d->reh_done = r;  /* freed later: we are inside its call chain */
    d->reh = NULL;
    d->reh_progress[0] = '\0';
    dash_reread(d);
    dash__notify(d, DASH_RUN);
}

static void reh_warning_cb(void *arg, const char *msg)
{
    struct dash *d = arg;

    dash_say(d, 1, "run %ld: %s", d->reh ? reh_run(d->reh) : 0L, msg);
}

long dash_rehearse(struct dash *d, struct err *e)
{
    struct reh_events ev = { .progress = reh_progress_cb, .done = reh_done_cb,
                             .warning = reh_warning_cb, .arg = d };

    if (d->reh)
        return err_set(e, ERR_INPUT, "a run is already under way");
    if (!d->ws || !d->snap || d->side[0].state != DB_UP || d->side[1].state != DB_UP)
        return err_set(e, ERR_INPUT, "a run needs both databases up and the workspace open");
    reh_free(d->reh_done);
    d->reh_done = NULL;
    d->reh_snap = snap_ref(d->snap);  /* the plan and tables as they are now, to its end */
    if (!(d->reh = reh_open(d->loop, d->ws, d->reh_snap->plan, &d->reh_snap->pairs,
                            d->masked[0], d->masked[1], NULL, &ev, e))) {
        snap_unref(d->reh_snap);
        d->reh_snap = NULL;
        return -1;
    }
    d->reh_progress[0] = '\0';
    dash__notify(d, DASH_RUN);
    return reh_run(d->reh);
}

void dash_rehearse_cancel(struct dash *d)
{
    if (d->reh)
        reh_cancel(d->reh);  /* recorded cancelled; its end still comes */
}

const char *dash_rehearsing(const struct dash *d)
{
    return d->reh ? d->reh_progress : NULL;
}

long dash_rehearsed(const struct dash *d) { return d->reh_last; }

int dash_fetch_rows(struct dash *d, const struct ws_disc_rec *disc, const struct sheet *s,
                    diff_rows_cb done, void *arg, struct err *e)
{
    const struct pair *pair = d->snap ? pair_by_source(&d->snap->pairs, disc->table) : NULL;
    json_t *key, *tkey;
    int rc;

    if (!pair || !pair->tgt || d->side[0].state != DB_UP || d->side[1].state != DB_UP)
        return 1;
    key = json_loads(disc->key_json, 0, NULL);
    tkey = *disc->target_key_json ? json_loads(disc->target_key_json, 0, NULL) : NULL;
    rc = diff_fetch_rows(d->side[0].db, d->side[1].db, pair, s, key, tkey, done, arg, e);
    json_decref(key);
    json_decref(tkey);
    return rc;
}

/* --- the mapping review, the runbook, live polling ------------------------------------ */

static void say(void *arg, int error, const char *msg)
{
    dash_say(arg, error, "%s", msg);
}

static void recorded(void *arg)
{
    dash_reread(arg);
}

/* A checks or diff gate reads the plan and tables as they are now. */
static struct snap *gate_snap(void *arg, struct err *e)
{
    struct dash *d = arg;

    if (!d->snap || d->side[0].state != DB_UP || d->side[1].state != DB_UP) {
        err_set(e, ERR_INPUT, "the gate needs both databases up");
        return NULL;
    }
    return snap_ref(d->snap);
}

static int advising(void *arg);

/* The runbook or the live figures moved. When the step the triggers wait
 * for is done, those breached go on the timeline again, advising. */
static void live_changed(void *arg)
{
    struct dash *d = arg;
    int now = advising(d);

    if (now && !d->advised && d->mon)
        mon_advise(d->mon);
    d->advised = now;
    dash__notify(d, DASH_LIVE);
}

static int advising(void *arg)
{
    struct dash *d = arg;

    return d->rb && rb_advising_since(d->rb) != NULL;
}

static void live_warn(const char *msg, void *arg)
{
    dash_say(arg, 1, "live polling: %s", msg);
}

static void review_changed(struct review *r, void *arg)
{
    (void)r;
    dash__notify(arg, DASH_REVIEW);
}

static void review_say(const char *msg, void *arg)
{
    dash_say(arg, 1, "%s", msg);
}

void dash__jobs_open(struct dash *d)
{
    struct rb_events ev = { .changed = live_changed, .say = say, .recorded = recorded,
                            .gate_snap = gate_snap, .arg = d };
    struct err e = { 0 };

    if (review_open(&d->rv, d->loop, d->ws, d->plan, &e) < 0)
        snprintf(d->message, sizeof d->message, "%s", e.msg), d->message_error = 1;
    d->rv.on_change = review_changed;
    d->rv.on_say = review_say;
    d->rv.arg = d;
    d->rb = rb_new(d->loop, d->ws, d->plan, &ev);
    d->advised = advising(d);
}

/* --- hypercare recorded by the dashboard ---------------------------------------------- */

static void hc_event(struct dash *d, const char *event, const char *detail)
{
    struct err e = { 0 };

    if (ws_runbook_event(d->ws, "hypercare", event, user_name(), 0, 0, detail, &e) < 0)
        dash_say(d, 1, "%s", e.msg);
}

static void hc_alert(json_t *alert, void *arg)
{
    (void)alert;
    dash_reread(arg);  /* the panel shows the workspace's open alerts, and rings */
}

static void hc_timer_closed(uv_handle_t *h)
{
    free(h);
}

/* Ends recording here: `complete` (its time is up, or the lead ends it) or
 * left open for cutover watch or a dashboard to resume. */
static void hc_finish(struct dash *d, int complete, const char *why)
{
    char at[64], *detail, *text = NULL;
    long session = mon_session(d->mon);
    json_t *sum = NULL;

    dash__read_facts(d);  /* the session's clock now */
    ws_session_clock(&d->hc, at, sizeof at);
    if (complete) {
        struct ws_session hs = d->hc;
        hs.id = session;
        ws_settle(d->ws);
        sum = ws_session_final(d->ws, &hs);
        text = jsonx_dumps(sum, JSON_COMPACT);
    }
    mon_stop(d->mon, complete ? "completed" : "interrupted", text);
    d->mon = NULL;
    detail = complete ? xasprintf("%s: %s, recorded by the dashboard", at, why)
                      : xasprintf("%s at %s; cutover watch or the dashboard's H resumes it", why, at);
    hc_event(d, complete ? "completed" : "interrupted", detail);
    free(detail);
    free(text);
    json_decref(sum);
    snap_unref(d->hc_snap);
    d->hc_snap = NULL;
    if (d->hc_lock >= 0)
        close(d->hc_lock);
    d->hc_lock = -1;
    d->hc_here = 0;
    if (d->hc_end) {
        uv_close((uv_handle_t *)d->hc_end, hc_timer_closed);
        d->hc_end = NULL;
    }
    dash__read_facts(d);
}

static void hc_time_up(uv_timer_t *t)
{
    struct dash *d = t->data;

    hc_finish(d, 1, "its time is up");
    dash_say(d, 0, "hypercare session complete: recorded in the workspace, in the report");
    dash__jobs_sync(d, DASH_INVENTORY);  /* back to the dashboard's own polling */
}

int dash_hypercare_start(struct dash *d, struct err *e)
{
    struct mon_opts o = { .kind = "hypercare", .interval_ms = d->plan->hc_interval_ms,
                          .ws = d->ws, .on_alert = hc_alert, .alert_arg = d };
    struct mon_events ev = { .changed = live_changed, .warn = live_warn, .advising = advising,
                             .arg = d };
    struct ws_session hs = { 0 };
    char clock[64], detail[200], gap[32];
    int fd, resume;
    mon_t *m;

    if (d->hc_here)
        return err_set(e, ERR_INPUT, "hypercare is already recorded by this dashboard");
    if (!d->ws)
        return err_set(e, ERR_INPUT, "hypercare needs the workspace, which could not be opened");
    if (!d->snap)
        return err_set(e, ERR_INPUT, "hypercare needs both catalogs: wait until both databases "
                       "have been read");
    if (d->paused)
        return err_set(e, ERR_INPUT, "polling is paused: Space resumes it, then H");
    if ((fd = ws_take_lock(d->ws, "watch")) < 0)
        return err_set(e, ERR_INPUT, fd == -1 ? "cutover watch records hypercare on this "
                       "workspace: the dashboard shows its session; stop that watch, then H takes "
                       "the session over here" : "the workspace's watch lock: %s",
                       strerror(errno));
    resume = ws_session_open(d->ws, "hypercare", &hs) == 1;
    if (resume)
        o.resume = hs.id;
    else
        o.duration_ms = d->plan->hc_duration_ms;
    o.history = resume ? hs.id : 0;
    o.keep = d->snap;
    if (!o.interval_ms)
        o.interval_ms = d->interval_ms;
    if (!(m = mon_open(d->loop, d->snap->plan, &d->snap->pairs, &o, &ev, e))) {
        close(fd);
        return -1;
    }
    mon_stop(d->mon, "closed", NULL);  /* the dashboard's own polling: hypercare's now */
    d->mon = m;
    d->hc_here = 1;
    d->hc_lock = fd;
    d->hc_snap = snap_ref(d->snap);
    if (d->interval_ms != o.interval_ms)  /* the plan's, as the session records it */
        dash_set_interval(d, o.interval_ms);
    dash__read_facts(d);  /* the session, as the workspace holds it now */
    ws_session_clock(&d->hc, clock, sizeof clock);
    if (resume) {
        int64_t last = d->hc.last_sample_ms ? d->hc.last_sample_ms : d->hc.started_ms;
        snprintf(detail, sizeof detail, "%s, after a gap of %s with no samples, in the dashboard",
                 clock, dur_human(d->hc.now_ms - last, gap, sizeof gap));
    } else {
        snprintf(detail, sizeof detail, "%s, every %s, in the dashboard", clock,
                 dur_format(o.interval_ms, gap, sizeof gap));
    }
    hc_event(d, resume ? "resumed" : "started", detail);
    d->hc_end = xmalloc(sizeof *d->hc_end);
    uv_timer_init(d->loop, d->hc_end);
    d->hc_end->data = d;
    uv_timer_start(d->hc_end, hc_time_up,
                   (uint64_t)(d->hc.started_ms + d->hc.duration_ms > d->hc.now_ms
                              ? d->hc.started_ms + d->hc.duration_ms - d->hc.now_ms : 0), 0);
    dash_say(d, 0, "hypercare %s: %s; q asks whether to keep it open for cutover watch",
             resume ? "resumed" : "started", clock);
    dash__notify(d, DASH_LIVE | DASH_DB);
    return 0;
}

void dash_hypercare_stop(struct dash *d, int end)
{
    if (d->hc_here)
        hc_finish(d, end, end ? "ended early by the lead" : "handed over");
}

int dash_hypercare_here(const struct dash *d) { return d->hc_here; }

void dash__jobs_sync(struct dash *d, unsigned what)
{
    struct mon_opts o = { .kind = "dashboard", .interval_ms = d->interval_ms, .ws = d->ws,
                          .history = d->hypercare ? d->hc.id : 0 };
    struct mon_events ev = { .changed = live_changed, .warn = live_warn, .advising = advising,
                             .arg = d };
    struct err e = { 0 };
    int failed;

    if (what & DASH_PLAN)
        rb_replan(d->rb, d->plan);
    if (what & (DASH_INVENTORY | DASH_PLAN))
        review_update(&d->rv, d->snap);
    if (d->hc_here) {  /* hypercare raises the alerts of the plan it started with */
        if (d->mon && mon_interval(d->mon) != d->interval_ms)
            mon_set_interval(d->mon, d->interval_ms);
        if (d->snap && d->snap->plan == d->hc_snap->plan && d->snap != d->hc_snap &&
            mon_replan(d->mon, d->snap->plan, &d->snap->pairs, d->snap, &e) == 0) {
            snap_unref(d->hc_snap);
            d->hc_snap = snap_ref(d->snap);
        }
        return;
    }
    if (d->paused || !d->snap) {  /* paused, or the pairing it polls is gone */
        mon_stop(d->mon, d->paused ? "paused" : "catalogs unavailable", NULL);
        d->mon = NULL;
        return;
    }
    if (d->mon && mon_interval(d->mon) != d->interval_ms)
        mon_set_interval(d->mon, d->interval_ms);  /* + and - */
    if (d->mon && !(what & (DASH_INVENTORY | DASH_PLAN)))
        return;
    o.keep = d->snap;  /* the monitor keeps references of its own */
    failed = d->mon ? mon_replan(d->mon, d->snap->plan, &d->snap->pairs, d->snap, &e) < 0
                    : !(d->mon = mon_open(d->loop, d->snap->plan, &d->snap->pairs, &o, &ev, &e));
    if (failed) {
        snprintf(d->live_error, sizeof d->live_error, "%s", e.msg);
        mon_stop(d->mon, "failed", NULL);
        d->mon = NULL;
        return;
    }
    d->live_error[0] = '\0';
}

void dash__jobs_stop(struct dash *d)
{
    review_stop(&d->rv);
    dash_rehearse_cancel(d);
    dash_hypercare_stop(d, 0);  /* left open, to resume (q asked first) */
    mon_stop(d->mon, "closed", NULL);
    d->mon = NULL;
    if (d->rb)
        rb_stop(d->rb, d->keep_commands);
}

void dash__jobs_close(struct dash *d)
{
    review_close(&d->rv);
    reh_free(d->reh_done);
    d->reh_done = NULL;
    mon_stop(d->mon, "closed", NULL);
    d->mon = NULL;
    rb_free(d->rb);
    d->rb = NULL;
}

struct runbook *dash_runbook(const struct dash *d) { return d->rb; }
const mon_t *dash_monitor(const struct dash *d) { return d->mon; }
const char *dash_live_error(const struct dash *d) { return d->live_error; }
struct review *dash_review(struct dash *d) { return &d->rv; }
int dash_working(const struct dash *d)
{
    return d->reh || (d->rb && rb_busy(d->rb)) || review_working(&d->rv);
}
