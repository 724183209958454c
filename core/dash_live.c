/* dash_live: the live cutover the dashboard runs (dash.h) — its runbook and
 * its live polling, which follow the plan, the catalogs, pause and interval.
 * The Cutover panel only shows them. */
#include "config.h"
#include "dash.h"
#include "dash_int.h"

#include <stdio.h>

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

/* The runbook or the live figures moved. When the step the triggers wait
 * for is done, those breached go on the timeline again, advising. */
static void live_changed(void *arg)
{
    struct dash *d = arg;
    int now = d->rb && rb_advising_since(d->rb) != NULL;

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

void dash__live_open(struct dash *d)
{
    struct rb_events ev = { .changed = live_changed, .say = say, .recorded = recorded,
                            .gate_snap = gate_snap, .arg = d };

    d->rb = rb_new(d->loop, d->ws, d->plan, &ev);
    d->advised = advising(d);
}

void dash__live_sync(struct dash *d, unsigned what)
{
    struct mon_opts o = { .kind = "dashboard", .interval_ms = d->interval_ms, .ws = d->ws,
                          .history = d->hypercare ? d->hc.id : 0 };
    struct mon_events ev = { .changed = live_changed, .warn = live_warn, .advising = advising,
                             .arg = d };
    struct err e = { 0 };
    int failed;

    if (what & DASH_PLAN)
        rb_replan(d->rb, d->plan);
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

void dash__live_stop(struct dash *d)
{
    mon_stop(d->mon, "closed", NULL);
    d->mon = NULL;
    if (d->rb)
        rb_stop(d->rb, d->keep_commands);
}

void dash__live_close(struct dash *d)
{
    mon_stop(d->mon, "closed", NULL);
    d->mon = NULL;
    rb_free(d->rb);
    d->rb = NULL;
}

struct runbook *dash_runbook(const struct dash *d) { return d->rb; }
const mon_t *dash_monitor(const struct dash *d) { return d->mon; }
const char *dash_live_error(const struct dash *d) { return d->live_error; }
int dash_working(const struct dash *d) { return d->rb && rb_busy(d->rb); }
