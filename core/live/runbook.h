/* rb: the runbook of the live cutover — the plan's [step] sections in file
 * order. A step starts only when asked (go), after the gate of the step before
 * it says go: none, checks (the plan's business checks pass), diff (a
 * rehearsal run is clean or only accepted variances) or manual (the named
 * owner types their name). Its command runs with /bin/sh -c through uv_spawn
 * in the plan's folder; stdout and stderr stream into the step's log and the
 * workspace as they come. Rollback runs the rollback commands of the finished
 * steps in reverse order, each logged like a step. Every event goes to the
 * workspace's runbook log, which is the timeline. */
#ifndef CUTOVER_RUNBOOK_H
#define CUTOVER_RUNBOOK_H

#include <jansson.h>
#include <uv.h>

#include "plan.h"
#include "snap.h"
#include "util.h"
#include "workspace.h"

enum rb_state { RB_PENDING, RB_CHECKING, RB_RUNNING, RB_DONE, RB_FAILED, RB_SKIPPED,
                RB_BLOCKED, RB_ROLLING_BACK, RB_ROLLED_BACK };

struct rb_step {
    struct plan_step *plan;         /* the runbook's own copy: a step it runs outlives a
                                     * plan read again without it */
    enum rb_state state;
    uint64_t started, ended;        /* uv_now() */
    char ended_at[32];              /* when it was last done or skipped, as the workspace
                                     * records times */
    int exit_status;
    struct sbuf log;                /* what the command printed, as it came */
    char reason[1100];              /* why it is blocked or failed */
};

struct runbook;

/* What a runbook tells, and asks of, whoever drives it (the dashboard, a
 * test). Only `changed` is required. */
struct rb_events {
    void (*changed)(void *arg);     /* a state, a log or the timeline moved */
    void (*say)(void *arg, int error, const char *msg);  /* for the operator */
    void (*recorded)(void *arg);    /* a gate's rehearsal run went to the workspace */
    /* The plan and both catalogs as they are now, for a checks or diff gate:
     * a reference (the gate keeps it to its end), or NULL with why not
     * ("the gate needs both databases up"). NULL: such gates say no-go. */
    struct snap *(*gate_snap)(void *arg, struct err *e);
    void *arg;
};

/* A runbook of plan `p` (referenced, not copied: see plan_ref) on the loop,
 * recording in `ws` (NULL: nothing recorded, nothing restored). Its gates
 * open connections of their own. */
struct runbook *rb_new(uv_loop_t *loop, ws_t *ws, struct plan *p, const struct rb_events *ev);
void rb_free(struct runbook *rb);
/* The plan was read again (a decision changed, or an editor rewrote it): the
 * steps become `p`'s, in its order, each keeping its state, times and log by
 * name; a new one is pending; one that is gone is dropped, unless its
 * command, gate or rollback is under way (then it stays, last, until the
 * runbook is freed). */
void rb_replan(struct runbook *rb, struct plan *p);
/* A step of this attempt has gone (for the header's phase). */
int rb_begun(const struct runbook *rb);

size_t rb_count(const struct runbook *rb);
const struct rb_step *rb_step(const struct runbook *rb, size_t i);
const char *rb_state_name(enum rb_state s);
/* Rollback is advised once Production is meant to hold the data: once the
 * plan's [rollback] after step (without one, the first step) is done or
 * skipped; without steps, always. Returns when that was (as the workspace
 * records times; "" without steps), or NULL while it is not so: the target
 * is still being filled. */
const char *rb_advising_since(const struct runbook *rb);
/* The step that may go next (SIZE_MAX when none). */
size_t rb_next(const struct runbook *rb);

/* Starts step i after the gate of the step before it says go; `name` is what
 * the operator typed for a manual gate. -1 with `e` when it may not start
 * (not its turn, something running). The gate's verdict comes asynchronously:
 * a no-go leaves the step blocked with the reason. */
int rb_go(struct runbook *rb, size_t i, const char *name, struct err *e);
int rb_abort(struct runbook *rb, struct err *e);
int rb_skip(struct runbook *rb, size_t i, struct err *e);
/* Runs the rollback commands of the finished steps, newest first; with
 * `wave`, of that wave's steps only (a phased plan's cohort rolled back,
 * the waves moved before it left moved). */
int rb_rollback(struct runbook *rb, const char *wave, struct err *e);
/* Starts the runbook over (after a rollback, say): every step pending again,
 * recorded as RB_NEW_ATTEMPT on the timeline, which keeps what came before. */
#define RB_NEW_ATTEMPT "new attempt"
int rb_new_attempt(struct runbook *rb, struct err *e);
int rb_busy(const struct runbook *rb);
/* A step's command or rollback runs: 1, with "step load's command" in `what`. */
int rb_running(const struct runbook *rb, char *what, size_t n);
/* The dashboard closes: a gate under way is cancelled (its verdict still
 * comes, as a no-go); a command under way is stopped, or, with
 * `keep_commands` (the terminal was lost), let run to its end and recorded. */
void rb_stop(struct runbook *rb, int keep_commands);

/* The latest rehearsal's figures against [rollback]: the first trigger that
 * is breached, as "missing_rows 17 >= 1", or NULL. Lag, latency and error
 * rate need live polling and are reported as not measured. */
const char *rb_advice(struct runbook *rb);
/* The timeline: the last `last` runbook events (0: all), oldest first, each
 * to fn (ws_runbook_tail); 0 without a workspace, -1 if it cannot be read. */
int rb_timeline(struct runbook *rb, long last,
                int (*fn)(void *arg, const struct ws_rb_event *ev), void *arg);

#endif
