
#include "config.h"
#include "runbook.h"
#include "runbook_int.h"
#include "diff.h"
#include "jsonx.h"
#include "rehearsal.h"
#include "url.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const state_names[] = {
    [RB_PENDING] = "pending", [RB_CHECKING] = "checking gate", [RB_RUNNING] = "running",
    [RB_DONE] = "done", [RB_FAILED] = "failed", [RB_SKIPPED] = "skipped",
    [RB_BLOCKED] = "blocked", [RB_ROLLING_BACK] = "rolling back",
    [RB_ROLLED_BACK] = "rolled back",
};

const char *rb_state_name(enum rb_state s)
{
    return state_names[s];
}

/* A step's command and whatever it started: its process group (a shell's
 * `sleep`, a loader's workers keep the output pipes open, so stopping the
 * shell alone would leave the step running until they end). */
static void stop_proc(struct proc *pr)
{
    if (kill(-pr->p.pid, SIGTERM) < 0)
        uv_process_kill(&pr->p, SIGTERM);
}

static void say(struct runbook *rb, int error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void say(struct runbook *rb, int error, const char *fmt, ...)
{
    char msg[1500];
    va_list ap;

    if (!rb->ev.say)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    rb->ev.say(rb->ev.arg, error, msg);
}

int rb_begun(const struct runbook *rb) { return rb->begun; }

void runbook__changed(struct runbook *rb)
{
    rb->begun = 0;
    for (size_t i = 0; i < rb->n; i++)
        rb->begun |= rb->steps[i].state != RB_PENDING;
    if (rb->ev.changed)
        rb->ev.changed(rb->ev.arg);
}

/* An event that ends a step as advice counts it (see rb_advising_since). */
static int ends_step(const char *event)
{
    return !strcmp(event, "done") || !strcmp(event, "skipped");
}

/* An event on the runbook's log, the timeline, its text already masked. */
void runbook__record_masked(struct runbook *rb, size_t i, const char *event, long status,
                          long ms, const char *masked)
{
    struct err e = { 0 };

    if (i < rb->n && ends_step(event))
        clock_iso(rb->steps[i].ended_at, sizeof rb->steps[i].ended_at);
    if (rb->ws && ws_runbook_event(rb->ws, i < rb->n ? rb->steps[i].plan->name : "", event,
                                   user_name(), status, ms, masked, &e) < 0)
        say(rb, 1, "%s", e.msg);
}

/* An event on the runbook's log; its text (a command, its output, a reason)
 * with any password masked. */
void runbook__record(struct runbook *rb, size_t i, const char *event, long status, long ms,
                   const char *output)
{
    char *masked = output ? url_mask_text(output) : NULL;

    runbook__record_masked(rb, i, event, status, ms, masked);
    free(masked);
}

static struct plan_step *step_dup(const struct plan_step *ps)
{
    struct plan_step *c = xmalloc(sizeof *c);

    *c = *ps;
    c->name = xstrdup(ps->name);
    c->title = xstrdup(ps->title);
    c->owner = ps->owner ? xstrdup(ps->owner) : NULL;
    c->run = ps->run ? xstrdup(ps->run) : NULL;
    c->rollback = ps->rollback ? xstrdup(ps->rollback) : NULL;
    return c;
}

static void step_copy_free(struct plan_step *c)
{
    if (c)
        free(c->name), free(c->title), free(c->owner), free(c->run), free(c->rollback);
    free(c);
}

static void step_free(struct rb_step *s)
{
    step_copy_free(s->plan);
    s->plan = NULL;
    sbuf_free(&s->log);
}

/* One dashboard on a workspace drives its runbook: the one holding its
 * runbook lock (ws_take_lock). Others show the runbook as the log says and
 * drive nothing. */
static int take_lock(struct runbook *rb)
{
    int fd;

    if (rb->lock >= 0 || !rb->ws)
        return rb->lock >= 0;
    if ((fd = ws_take_lock(rb->ws, "runbook")) < 0)
        return 0;
    rb->lock = fd;
    if (rb->follow)  /* the log is this one's to write now */
        uv_timer_stop(rb->follow);
    return 1;
}

static void restore(struct runbook *rb);

/* Whether this dashboard may change the runbook: it holds the lock, or takes
 * it now that the one holding it has closed (then it reads the log again
 * first, which another dashboard wrote). */
static int driving(struct runbook *rb, struct err *e)
{
    if (rb->lock >= 0)
        return 1;
    if (!take_lock(rb)) {
        err_set(e, ERR_INPUT, "another dashboard on this workspace drives the runbook: this "
                "one only shows it (close that one to drive it from here)");
        return 0;
    }
    restore(rb);
    runbook__changed(rb);
    return 1;
}

/* Every step pending, as at the start of an attempt. */
static void all_pending(struct runbook *rb)
{
    for (size_t i = 0; i < rb->n; i++) {
        struct rb_step *s = &rb->steps[i];
        s->state = RB_PENDING;
        s->reason[0] = '\0';
        s->started = s->ended = 0;
        s->exit_status = 0;
        sbuf_free(&s->log);
    }
}

static size_t step_named(const struct runbook *rb, const char *name)
{
    for (size_t i = 0; i < rb->n; i++)
        if (!strcmp(rb->steps[i].plan->name, name))
            return i;
    return SIZE_MAX;
}

/* Output appended to a step's log in memory, which keeps its end: past
 * LOG_CAP the older half goes, from a line's start (a loader printing 100 MB
 * would otherwise leave the panel showing its first megabyte for good). */
void runbook__log_add(struct sbuf *log, const char *p, size_t n)
{
    size_t drop;
    const char *nl;

    sbuf_add(log, p, n);
    if (log->len <= LOG_CAP)
        return;
    drop = log->len - LOG_CAP / 2;
    if ((nl = memchr(log->s + drop, '\n', log->len - drop)) && nl + 1 < log->s + log->len)
        drop = (size_t)(nl + 1 - log->s);
    memmove(log->s, log->s + drop, log->len - drop + 1);
    log->len -= drop;
}

struct replay {
    struct runbook *rb;
    uint64_t now;
    char (*from)[32];   /* when each step last started */
};

/* One event of the log applied to the steps (restore). */
static int replay_event(void *arg, const struct ws_rb_event *ev)
{
    struct replay *r = arg;
    struct runbook *rb = r->rb;
    const char *e = ev->event;
    struct rb_step *s;
    size_t k;

    rb->seen = ev->id;
    if (!strcmp(e, RB_NEW_ATTEMPT)) {  /* the runbook started over: from here on */
        all_pending(rb);
        return 0;
    }
    if ((k = step_named(rb, ev->step)) == SIZE_MAX)
        return 0;
    s = &rb->steps[k];
    if (!strcmp(e, "output")) {
        runbook__log_add(&s->log, ev->output, strlen(ev->output));
    } else if (!strcmp(e, "start") || !strcmp(e, "rollback")) {
        s->state = *e == 's' ? RB_RUNNING : RB_ROLLING_BACK;
        s->reason[0] = '\0';
        sbuf_free(&s->log);  /* as start_step and next_rollback do */
        snprintf(r->from[k], sizeof r->from[k], "%s", ev->at);
    } else if (!strcmp(e, "done") || !strcmp(e, "rolled back")) {
        s->state = *e == 'd' ? RB_DONE : RB_ROLLED_BACK;
        s->exit_status = 0;
        s->ended = r->now;
        s->started = r->now - (uint64_t)ev->duration_ms;
        s->reason[0] = '\0';
    } else if (!strcmp(e, "failed") || !strcmp(e, "rollback failed") ||
               !strcmp(e, "gate no-go") || !strcmp(e, "interrupted")) {
        s->state = *e == 'g' ? RB_BLOCKED : RB_FAILED;
        s->exit_status = (int)ev->exit_status;
        s->ended = r->now;
        s->started = r->now - (uint64_t)ev->duration_ms;
        snprintf(s->reason, sizeof s->reason, "%s", ev->output);
    } else if (!strcmp(e, "skipped")) {
        s->state = RB_SKIPPED;
    }
    if (ends_step(e))
        snprintf(s->ended_at, sizeof s->ended_at, "%s", ev->at);
    return 0;
}

/* The steps as the workspace's runbook log left them: a dashboard opened
 * again mid-cutover (a lost terminal, a crash, a reboot) shows what was done,
 * never the first step pending again to be run twice. A step the log leaves
 * running ran when the dashboard that drove it stopped: its outcome is
 * unknown, so it is failed, for a person to check before going again or
 * skipping it. (While that dashboard runs, it holds the lock: the step runs.)
 * Each step's log comes back too: what its command printed since it last
 * started, its last LOG_CAP bytes (the log is read an event at a time). */
static void restore(struct runbook *rb)
{
    struct replay r = { rb, uv_now(rb->loop), xcalloc(rb->n + 1, sizeof *r.from) };

    all_pending(rb);
    ws_runbook_each(rb->ws, 0, 1, replay_event, &r);
    for (size_t k = 0; k < rb->n; k++) {
        struct rb_step *s = &rb->steps[k];
        if (s->state != RB_RUNNING && s->state != RB_ROLLING_BACK)
            continue;
        s->ended = s->started = r.now;
        if (rb->lock < 0) {  /* running for as long as the log says */
            int64_t at = iso_ms(r.from[k]), ran = wall_ms() - at;
            if (at >= 0 && ran > 0)
                s->started = (uint64_t)ran < r.now ? r.now - (uint64_t)ran : 0;
            snprintf(s->reason, sizeof s->reason, "run by the dashboard that drives the "
                     "runbook (from %s)", r.from[k]);
            continue;
        }
        snprintf(s->reason, sizeof s->reason, "interrupted: the dashboard stopped while its "
                 "%s ran (from %s); check what it did, then go again or skip it",
                 s->state == RB_RUNNING ? "command" : "rollback", r.from[k]);
        s->state = RB_FAILED;
        s->exit_status = -1;
        runbook__record(rb, k, "interrupted", -1, 0, s->reason);
    }
    free(r.from);
}

/* What a command printed since the log was last read, to its step's log;
 * any other event stops the reading: the steps are read again whole. */
static int follow_output(void *arg, const struct ws_rb_event *ev)
{
    struct runbook *rb = arg;
    size_t k;

    if (strcmp(ev->event, "output"))
        return 1;
    rb->seen = ev->id;
    if ((k = step_named(rb, ev->step)) != SIZE_MAX)
        runbook__log_add(&rb->steps[k].log, ev->output, strlen(ev->output));
    return 0;
}

/* A dashboard that only shows the runbook follows the log another writes,
 * every second: the steps it runs, from start to end. Once that one has
 * closed (or was killed, or its lost terminal's command has ended), this
 * one drives the runbook, as it would at its next key. */
static void follow(uv_timer_t *t)
{
    struct runbook *rb = t->data;
    long before;

    if (take_lock(rb)) {
        restore(rb);
        say(rb, 0, "the dashboard that drove the runbook has closed: this one drives "
                 "it now");
        runbook__changed(rb);
        return;
    }
    before = rb->seen;
    if (ws_runbook_each(rb->ws, rb->seen, 1, follow_output, rb) > 0)
        restore(rb);
    if (rb->seen != before)
        runbook__changed(rb);
}

static void timer_free(uv_handle_t *h)
{
    free(h);
}

struct runbook *rb_new(uv_loop_t *loop, ws_t *ws, struct plan *p, const struct rb_events *ev)
{
    struct runbook *rb = xcalloc(1, sizeof *rb);

    rb->loop = loop;
    rb->ws = ws;
    rb->plan = plan_ref(p);
    rb->ev = *ev;
    rb->n = p->nsteps;
    rb->steps = xcalloc(rb->n + 1, sizeof *rb->steps);
    for (size_t i = 0; i < rb->n; i++)
        rb->steps[i].plan = step_dup(&p->steps[i]);
    rb->rollback_at = -1;
    rb->lock = -1;
    if (ws) {
        if (!take_lock(rb)) {
            rb->follow = xmalloc(sizeof *rb->follow);
            uv_timer_init(loop, rb->follow);
            rb->follow->data = rb;
            uv_timer_start(rb->follow, follow, 1000, 1000);
        }
        restore(rb);
    }
    runbook__changed(rb);
    return rb;
}

int rb_running(const struct runbook *rb, char *what, size_t n)
{
    if (!rb->proc)
        return 0;
    snprintf(what, n, "step %s's %s", rb->steps[rb->proc->i].plan->name,
             rb->proc->rollback ? "rollback" : "command");
    return 1;
}

void rb_free(struct runbook *rb)
{
    if (!rb)
        return;
    if (rb->proc) {  /* still running after rb_stop's wait: said here, left to end */
        runbook__record(rb, rb->proc->i, rb->proc->rollback ? "rollback failed" : "failed",
               -SIGTERM,
               (long)(uv_now(rb->loop) - rb->steps[rb->proc->i].started),
               "stopped: the dashboard quit while it ran");
        rb->proc->rb = NULL;
        stop_proc(rb->proc);
    }
    if (rb->follow)
        uv_close((uv_handle_t *)rb->follow, timer_free);
    reh_disconnect(rb->gate_db);
    for (size_t i = 0; i < rb->n; i++)
        step_free(&rb->steps[i]);
    free(rb->steps);
    if (rb->lock >= 0)
        close(rb->lock);
    plan_free(rb->plan);  /* drops the reference */
    free(rb);
}

void rb_stop(struct runbook *rb, int keep_commands)
{
    if (rb->follow)
        uv_timer_stop(rb->follow);
    if (rb->gate_diff)
        diff_cancel(rb->gate_diff);
    if (rb->gate_reh)
        reh_cancel(rb->gate_reh);
    if (!rb->proc || (rb->quitting && !rb->kept))
        return;
    rb->quitting = 1;  /* let end on the loop, to be recorded (rb_working) */
    if (keep_commands) {
        if (!rb->kept)
            runbook__record(rb, rb->proc->i, "detached", -1, 0, "the dashboard's terminal was lost "
                   "(SIGHUP): the command runs on to its end without a screen, recorded as "
                   "usual; the runbook stays with this dashboard until then");
        rb->kept = 1;
        return;
    }
    rb->kept = 0;
    stop_proc(rb->proc);
}

/* Whether step i's command, gate or rollback is under way. */
static int busy_with(const struct runbook *rb, size_t i)
{
    return (rb->proc && rb->proc->i == i) ||
           ((rb->gate_diff || rb->gate_reh) && rb->gate_for == i) ||
           (rb->rollback_at >= 0 && (size_t)rb->rollback_at == i);
}

void rb_replan(struct runbook *rb, struct plan *p)
{
    struct rb_step *now = xcalloc(p->nsteps + rb->n + 1, sizeof *now);
    size_t *to = xcalloc(rb->n + 1, sizeof *to), n = 0;   /* old index → new */
    char *kept = xcalloc(rb->n + 1, 1);

    for (size_t k = 0; k < p->nsteps; k++, n++) {
        for (size_t i = 0; i < rb->n; i++)
            if (!kept[i] && !strcmp(rb->steps[i].plan->name, p->steps[k].name)) {
                now[n] = rb->steps[i];   /* its state, times and log */
                kept[i] = 1;
                to[i] = n;
                step_copy_free(now[n].plan);
                break;
            }
        now[n].plan = step_dup(&p->steps[k]);
    }
    for (size_t i = 0; i < rb->n; i++)
        if (kept[i])
            continue;
        else if (busy_with(rb, i))
            now[to[i] = n++] = rb->steps[i];
        else
            step_free(&rb->steps[i]);
    if (rb->proc)
        rb->proc->i = to[rb->proc->i];
    if (rb->gate_diff || rb->gate_reh)
        rb->gate_for = to[rb->gate_for];
    if (rb->rollback_at >= 0 && (size_t)rb->rollback_at < rb->n)
        rb->rollback_at = (long)to[rb->rollback_at];
    free(rb->steps);
    rb->steps = now;
    rb->n = n;
    free(to);
    free(kept);
    plan_free(rb->plan);
    rb->plan = plan_ref(p);
}

size_t rb_count(const struct runbook *rb) { return rb->n; }
const struct rb_step *rb_step(const struct runbook *rb, size_t i) { return &rb->steps[i]; }

int rb_busy(const struct runbook *rb)
{
    return rb->proc || rb->gate_diff || rb->gate_reh;
}

size_t rb_next(const struct runbook *rb)
{
    for (size_t i = 0; i < rb->n; i++)
        if (rb->steps[i].state == RB_PENDING || rb->steps[i].state == RB_BLOCKED ||
            rb->steps[i].state == RB_FAILED)
            return i;
    return SIZE_MAX;
}

/* --- steps ---------------------------------------------------------------------------- */

static void start_step(struct runbook *rb, size_t i)
{
    struct rb_step *s = &rb->steps[i];
    struct err e = { 0 };

    s->started = uv_now(rb->loop);
    s->reason[0] = '\0';
    sbuf_free(&s->log);
    runbook__record(rb, i, "start", 0, 0, s->plan->run);
    if (!s->plan->run) {  /* a step without a command: done when its owner says go */
        s->state = RB_DONE;
        s->ended = s->started;
        runbook__record(rb, i, "done", 0, 0, NULL);
    } else if (runbook__spawn(rb, i, s->plan->run, 0, &e) < 0) {
        s->state = RB_FAILED;
        snprintf(s->reason, sizeof s->reason, "%s", e.msg);
        runbook__record(rb, i, "failed", -1, 0, e.msg);
    } else {
        s->state = RB_RUNNING;
    }
    runbook__changed(rb);
}

static void gate_said(struct runbook *rb, size_t i, int go, const char *why)
{
    struct rb_step *s = &rb->steps[i];

    runbook__record(rb, i, go ? "gate go" : "gate no-go", 0, 0, why);
    if (go) {
        start_step(rb, i);
        return;
    }
    s->state = RB_BLOCKED;
    snprintf(s->reason, sizeof s->reason, "%s", why);
    runbook__changed(rb);
}

static void checks_done(void *arg, int status, const char *msg)
{
    struct runbook *rb = arg;
    size_t n;
    const struct diff_check *c = diff_checks(rb->gate_diff, &n);
    char why[1100] = "";
    int go = status == 0;

    for (size_t k = 0; go && k < n; k++)
        if (!c[k].pass) {
            go = 0;
            snprintf(why, sizeof why, "check %s: %s", c[k].name, c[k].error ? c[k].error
                     : "source and target differ");
            if (!c[k].error)
                snprintf(why, sizeof why, "check %s: source %s, target %s", c[k].name,
                         c[k].source_value ? c[k].source_value : "-",
                         c[k].target_value ? c[k].target_value : "-");
        }
    if (status)
        snprintf(why, sizeof why, "the checks could not run: %s", msg ? msg : "");
    diff_free(rb->gate_diff);  /* safe: this callback is the last thing diff's finish() does */
    rb->gate_diff = NULL;
    snap_unref(rb->gate_snap);
    rb->gate_snap = NULL;
    reh_disconnect(rb->gate_db);
    gate_said(rb, rb->gate_for, go, go ? (n ? "all checks pass" : "no checks in the plan") : why);
}

static void diff_gate_done(void *arg, struct reh *r)
{
    struct runbook *rb = arg;
    const char *msg;
    int rc = reh_exit(r, &msg);
    json_t *s = reh_summary(r);
    char why[1100], totals[256];

    snprintf(why, sizeof why, "run %lld: %s%s",
             (long long)json_integer_value(json_object_get(s, "run")),
             reh_totals(s, totals, sizeof totals),
             json_integer_value(json_object_get(s, "accepted")) ? " (accepted variances aside)"
                                                                 : "");
    json_decref(s);
    rb->gate_reh = NULL;  /* freed below, once its call chain has returned; its
                           * connections are closed */
    snap_unref(rb->gate_snap);
    rb->gate_snap = NULL;
    if (rb->ev.recorded)
        rb->ev.recorded(rb->ev.arg);
    if (!*msg && reh_unrecorded(r)) {  /* no go on evidence the workspace does not hold */
        snprintf(why, sizeof why, "run %ld is recorded incomplete: %s", reh_run(r),
                 reh_unrecorded(r));
        rc = ERR_INPUT;
    }
    gate_said(rb, rb->gate_for, rc == 0, *msg ? msg : why);  /* msg: the run failed */
    reh_free(r);
}

static void diff_gate_warning(void *arg, const char *msg)
{
    struct runbook *rb = arg;

    say(rb, 1, "the diff gate's run %ld: %s", rb->gate_reh ? reh_run(rb->gate_reh) : 0L,
             msg);
}

int rb_go(struct runbook *rb, size_t i, const char *name, struct err *e)
{
    const struct plan_step *gate_of;

    if (!driving(rb, e))
        return -1;
    if (i >= rb->n || i != rb_next(rb))
        return err_set(e, ERR_INPUT, "step %zu is not the next one (that is %zu)", i + 1,
                       rb_next(rb) == SIZE_MAX ? 0 : rb_next(rb) + 1);
    if (rb_busy(rb) || rb->rollback_at >= 0)
        return err_set(e, ERR_INPUT, "a step, a gate or the rollback is still running");
    runbook__record(rb, i, "go", 0, 0, NULL);
    if (i == 0) {
        start_step(rb, i);
        return 0;
    }
    gate_of = rb->steps[i - 1].plan;
    rb->gate_for = i;
    rb->steps[i].state = RB_CHECKING;
    switch (gate_of->gate) {
    case GATE_NONE:
        gate_said(rb, i, 1, "no gate");
        break;
    case GATE_MANUAL:
        if (!gate_of->owner)
            gate_said(rb, i, 0, "a manual gate needs an owner in the plan");
        else if (!name || strcmp(name, gate_of->owner) != 0)
            gate_said(rb, i, 0, "the manual gate needs its owner to type their name");
        else
            gate_said(rb, i, 1, "confirmed by its owner");
        break;
    case GATE_CHECKS:
    case GATE_DIFF:
        if (!rb->ev.gate_snap || !(rb->gate_snap = rb->ev.gate_snap(rb->ev.arg, e))) {
            gate_said(rb, i, 0, rb->ev.gate_snap ? e->msg : "no databases to check");
            break;
        }  /* the plan and tables as they are now, to its end */
        if (gate_of->gate == GATE_DIFF) {  /* a rehearsal run on connections of its own */
            struct reh_events ev = { .done = diff_gate_done, .warning = diff_gate_warning,
                                     .arg = rb };
            rb->gate_reh = reh_open(rb->loop, rb->ws, rb->gate_snap->plan, &rb->gate_snap->pairs,
                                    rb->gate_snap->url[0], rb->gate_snap->url[1], NULL, &ev, e);
        } else if (reh_connect(rb->loop, rb->gate_snap->plan, rb->gate_db, e) == 0) {
            struct diff_events ev = { .done = checks_done, .arg = rb };
            struct diff_opts o = { .checks_only = 1 };
            rb->gate_diff = diff_start(rb->gate_db[0], rb->gate_db[1], rb->gate_snap->plan,
                                       &rb->gate_snap->pairs, NULL, &o, &ev, e);
        }
        if (!rb->gate_diff && !rb->gate_reh) {
            reh_disconnect(rb->gate_db);
            snap_unref(rb->gate_snap);
            rb->gate_snap = NULL;
            gate_said(rb, i, 0, e->msg);
        }
        break;
    }
    runbook__changed(rb);
    return 0;
}

int rb_abort(struct runbook *rb, struct err *e)
{
    if (!rb->proc)
        return err_set(e, ERR_INPUT, "no command is running");
    runbook__record(rb, rb->proc->i, "abort", 0, 0, NULL);
    stop_proc(rb->proc);
    return 0;
}

int rb_skip(struct runbook *rb, size_t i, struct err *e)
{
    if (!driving(rb, e))
        return -1;
    if (i >= rb->n || i != rb_next(rb) || rb_busy(rb))
        return err_set(e, ERR_INPUT, "only the next step can be skipped, when nothing runs");
    rb->steps[i].state = RB_SKIPPED;
    runbook__record(rb, i, "skipped", 0, 0, NULL);
    runbook__changed(rb);
    return 0;
}

void runbook__next_rollback(struct runbook *rb)
{
    struct err e = { 0 };

    const char *w = rb->rollback_wave;

    for (long i = rb->rollback_at - 1; i >= 0; i--) {
        struct rb_step *s = &rb->steps[i];
        if (s->state != RB_DONE || !s->plan->rollback ||
            (*w && (!s->plan->wave || strcmp(s->plan->wave, w))))
            continue;
        rb->rollback_at = i;
        s->state = RB_ROLLING_BACK;
        s->started = uv_now(rb->loop);
        sbuf_free(&s->log);
        runbook__record(rb, (size_t)i, "rollback", 0, 0, s->plan->rollback);
        if (runbook__spawn(rb, (size_t)i, s->plan->rollback, 1, &e) < 0) {
            s->state = RB_FAILED;
            snprintf(s->reason, sizeof s->reason, "%s", e.msg);
            runbook__record(rb, (size_t)i, "rollback failed", -1, 0, e.msg);
            rb->rollback_at = -1;
        }
        return;
    }
    rb->rollback_at = -1;
    runbook__record(rb, SIZE_MAX, "rollback complete", 0, 0, *w ? w : NULL);
}

int rb_new_attempt(struct runbook *rb, struct err *e)
{
    if (!driving(rb, e))
        return -1;
    if (rb_busy(rb) || rb->rollback_at >= 0)
        return err_set(e, ERR_INPUT, "wait for the running step, gate or rollback to end (or "
                       "abort it)");
    runbook__record(rb, SIZE_MAX, RB_NEW_ATTEMPT, 0, 0, NULL);
    all_pending(rb);
    runbook__changed(rb);
    return 0;
}

int rb_rollback(struct runbook *rb, const char *wave, struct err *e)
{
    if (!driving(rb, e))
        return -1;
    if (rb_busy(rb) || rb->rollback_at >= 0)
        return err_set(e, ERR_INPUT, "wait for the running step or gate to end (or abort it)");
    snprintf(rb->rollback_wave, sizeof rb->rollback_wave, "%s", wave ? wave : "");
    runbook__record(rb, SIZE_MAX, "rollback started", 0, 0, wave ? wave : NULL);
    rb->rollback_at = (long)rb->n;
    runbook__next_rollback(rb);
    runbook__changed(rb);
    return 0;
}

/* --- triggers and timeline --------------------------------------------------------------- */

const char *rb_advising_since(const struct runbook *rb)
{
    const char *after = plan_advice_step(rb->plan);
    size_t i;

    if (!after)
        return "";  /* no runbook says when Production is filled: always, as hypercare */
    if ((i = step_named(rb, after)) == SIZE_MAX)
        return NULL;
    return rb->steps[i].state == RB_DONE || rb->steps[i].state == RB_SKIPPED
           ? rb->steps[i].ended_at : NULL;
}

/* The rehearsal triggers against the latest run begun since rollback is
 * advised (one begun before read a target still being filled). */
const char *rb_advice(struct runbook *rb)
{
    const struct plan *p = rb->plan;
    const char *since = rb_advising_since(rb);
    json_t *last;

    if (!rb->ws || !p->ntriggers || !since ||
        !(last = ws_last_done_run_json(rb->ws, since)))
        return NULL;
    rb->advice[0] = '\0';
    for (size_t t = 0; t < p->ntriggers && !rb->advice[0]; t++) {
        const struct plan_limit *l = &p->triggers[t];
        long long value;
        if (!strcmp(l->name, "missing_rows"))
            value = json_integer_value(json_object_get(last, "missing"));
        else if (!strcmp(l->name, "extra_rows"))
            value = json_integer_value(json_object_get(last, "extra"));
        else if (!strcmp(l->name, "changed_rows"))
            value = json_integer_value(json_object_get(last, "changed"));
        else if (!strcmp(l->name, "drift_rows"))
            value = json_integer_value(json_object_get(last, "open"));
        else if (!strcmp(l->name, PLAN_FAILED_CHECKS))
            value = json_integer_value(json_object_get(last, "failed_checks"));
        else
            continue;  /* lag, latency, error rate: measured by live polling */
        if (plan_limit_reached((double)value, l->value))
            snprintf(rb->advice, sizeof rb->advice, "%s %lld %s %g (run %lld)", l->name, value,
                     l->value > 0 ? ">=" : ">", l->value,
                     (long long)json_integer_value(json_object_get(last, "run")));
    }
    json_decref(last);
    return rb->advice[0] ? rb->advice : NULL;
}

int rb_timeline(struct runbook *rb, long last,
                int (*fn)(void *arg, const struct ws_rb_event *ev), void *arg)
{
    return rb->ws ? ws_runbook_tail(rb->ws, last, fn, arg) : 0;
}
