/* dash: what the dashboard shows, kept current on the loop — the plan, both
 * databases (reconnecting with backoff), their catalogs refreshed on an
 * interval, the inventory and the workspace.
 * It also makes the changes the dashboard offers (decision, owner), each
 * written to cutover.ini and to the audit log. No ncurses here. */
#ifndef CUTOVER_DASH_H
#define CUTOVER_DASH_H

#include <stdint.h>
#include <uv.h>

#include "catalog.h"
#include "diff.h"
#include "inventory.h"
#include "monitor.h"
#include "snap.h"
#include "util.h"
#include "workspace.h"

struct runbook;
struct review;

struct dash_side {
    db_t *db;
    enum db_state state;
    struct catalog *cat;        /* the last one loaded; kept while the db is down */
    int loading;
    int was_down;               /* for the timeline: only changes are recorded */
    uint64_t loaded_at;         /* uv_now() of the last successful load, 0 if none */
    char error[1400];           /* why the last load or connection failed */
    void *load;                 /* the catalog load in flight, detached on close */
};

/* What changed, for on_change. */
enum { DASH_DB = 1, DASH_INVENTORY = 2, DASH_PLAN = 4, DASH_MESSAGE = 8,
       DASH_LIVE = 16 /* the runbook or the live figures */,
       DASH_REVIEW = 32 /* the mapping review: its sheet, lint, preview */,
       DASH_RUN = 64 /* a rehearsal run: started, progressed, ended */ };

/* The dashboard's model; opaque: read through the functions below. */
struct dash;

/* Loads the plan (errors: ERR_INPUT, file:line), opens the workspace and
 * both databases, and starts polling. The caller frees with dash_close(). */
struct dash *dash_open(uv_loop_t *loop, const char *plan_path,
                       void (*on_change)(struct dash *, unsigned, void *), void *arg,
                       struct err *e);
/* The dashboard is closing: no more refreshes, live polling ends, a gate
 * is cancelled and a step's command stopped (unless keep_commands), and the
 * panels are told of no more changes (so none starts work again while the
 * rest ends). Again after dash_set_keep_commands(d, 0): the command stops. */
void dash_stop(struct dash *d);
/* Closes the databases and the timer; memory goes once the loop has run. */
void dash_close(struct dash *d);

/* --- what it holds ---------------------------------------------------------- */

uv_loop_t *dash_loop(const struct dash *d);
/* The plan in use: another one after DASH_PLAN (a job keeps its own through
 * dash_snap). */
const struct plan *dash_plan(const struct dash *d);
/* The workspace; NULL if it could not be opened (changes are refused). */
ws_t *dash_ws(const struct dash *d);
/* The snapshot in use, borrowed until the next DASH_INVENTORY (to keep one:
 * dash_snap); NULL until both catalogs are read, or when they do not pair. */
const struct snap *dash_view(const struct dash *d);
/* The inventory of dash_view's pairing, or NULL with it. */
const struct inventory *dash_inventory(const struct dash *d);
const struct dash_side *dash_side(const struct dash *d, int side);
/* A side's URL as it may be shown (passwords masked). */
const char *dash_url(const struct dash *d, int side);
int64_t dash_interval(const struct dash *d);
int dash_paused(const struct dash *d);
/* Runs recorded in the workspace (dash_reread). */
long dash_runs(const struct dash *d);
/* The hypercare session open in the workspace, or NULL. */
const struct ws_session *dash_hypercare(const struct dash *d);
/* A wave of a phased plan as the workspace has it (dash_reread): its state
 * (planned, moving, moved, rolled_back) and where its slice's truth lives
 * now (pilot, production, both). */
struct dash_wave {
    char name[64];
    char state[16];
    const char *truth_now;      /* static */
};
const struct dash_wave *dash_waves(const struct dash *d, size_t *n);
/* The open alerts in the workspace, oldest first, `n` of them (dash_reread). */
const struct ws_alert_rec *dash_alerts(const struct dash *d, long *n);
/* The message line's text ("" none), and whether it is an error. */
const char *dash_message(const struct dash *d);
int dash_message_error(const struct dash *d);
/* Closing after SIGHUP: a step's command runs to its end. */
int dash_keep_commands(const struct dash *d);
void dash_set_keep_commands(struct dash *d, int keep);
/* A step of the runbook's attempt has gone (the header's phase). */
int dash_runbook_begun(const struct dash *d);

/* --- the jobs it runs (dash_jobs.c) ------------------------------------------ */

/* The mapping review (review.h) of the plan's sheet, following the plan and
 * catalogs: the Mapping panel shows it and forwards the reviewer's changes.
 * If the sheet could not be read, its rows are empty and the message says
 * why. */
struct review *dash_review(struct dash *d);
/* Starts a rehearsal run of the plan and tables as they are now, on
 * connections of its own, recorded in the workspace: its number, or -1 with
 * `e` (one under way, a database down, no workspace). Its end is said on the
 * message line. */
long dash_rehearse(struct dash *d, struct err *e);
/* Cancels the run under way: recorded cancelled. */
void dash_rehearse_cancel(struct dash *d);
/* The run under way's progress ("" before the first table), or NULL. */
const char *dash_rehearsing(const struct dash *d);
/* The last run that ended in this dashboard (0 none). */
long dash_rehearsed(const struct dash *d);
/* Reads both rows of a recorded discrepancy by its key on the dashboard's
 * connections (diff_fetch_rows). 1, without calling `done`, while its table
 * is not paired or a database is down; -1 with `e`. */
int dash_fetch_rows(struct dash *d, const struct ws_disc_rec *disc, const struct sheet *s,
                    diff_rows_cb done, void *arg, struct err *e);

/* The runbook of the plan in use (runbook.h): the Cutover panel shows it and
 * forwards the operator's go, skip, abort, rollback. Never NULL once open. */
struct runbook *dash_runbook(const struct dash *d);
/* Live polling on connections of its own, following the plan, catalogs,
 * pause and interval: NULL while paused, without catalogs, or when it could
 * not start (dash_live_error says why; "" otherwise). */
const mon_t *dash_monitor(const struct dash *d);
const char *dash_live_error(const struct dash *d);
/* Starts recording the hypercare session here — the open one resumed, else
 * a new one of the plan's duration and interval — in place of the
 * dashboard's own polling, raising the plan's alerts; -1 with `e` when
 * cutover watch records it (the dashboard then shows it), without the
 * workspace or catalogs, or paused. It completes when its time is up. */
int dash_hypercare_start(struct dash *d, struct err *e);
/* Stops recording here: `end` completes the session now; else it is left
 * open for cutover watch or a dashboard to resume (the dashboard closing,
 * the lead handing over). */
void dash_hypercare_stop(struct dash *d, int end);
/* This dashboard records the hypercare session (dash_hypercare says which). */
int dash_hypercare_here(const struct dash *d);
/* Work that must end before the dashboard closes (a gate, a step's command). */
int dash_working(const struct dash *d);

/* Puts a message on the dashboard's message line (error: in the error colour). */
void dash_say(struct dash *d, int error, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Reads again what the workspace knows (runs, runbook events). */
void dash_reread(struct dash *d);
/* Reloads both catalogs now (a side already loading is left to finish). */
void dash_refresh(struct dash *d);
void dash_set_interval(struct dash *d, int64_t ms);
void dash_pause(struct dash *d, int paused);

/* A reference to the snapshot in use (snap.h), for a job to keep until it
 * ends (snap_unref); NULL until both catalogs are read. */
struct snap *dash_snap(struct dash *d);

/* The inventory row of a source table (or target-only table), or NULL. */
const struct inv_row *dash_row(const struct dash *d, const char *name);
/* Counts source tables and those with a decision. */
void dash_decided(const struct dash *d, int *decided, int *total);

/* Sets a table's decision (and expiry date for temporary; other decisions
 * drop it) or its owner: cutover.ini is rewritten in place, the plan
 * reloaded, the change recorded in the audit log. -1 with `e` on failure. */
int dash_decide(struct dash *d, const char *table, enum plan_decision dec, const char *expires,
                struct err *e);
int dash_set_owner(struct dash *d, const char *table, const char *owner, struct err *e);
/* Writes the acceptance report (Markdown, see report.h) to
 * acceptance-report.md beside the plan and records it in the audit log;
 * `path` gets where (caller frees). */
int dash_export_report(struct dash *d, char **path, struct err *e);
/* Acknowledges an open alert with a note: the alert log, audit and timeline. */
int dash_ack_alert(struct dash *d, long id, const char *note, struct err *e);
/* Moves a wave (waves_move: start, moved, rollback), onto the timeline. A
 * wave rolled back then has the rollback commands of its done steps run,
 * newest first (rb_rollback); -1 with `e` when they cannot start (a step
 * runs, another process drives the runbook), the wave rolled back still. */
int dash_wave_move(struct dash *d, const char *wave, const char *verb, struct err *e);

#endif
