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
#include "inventory.h"
#include "util.h"
#include "workspace.h"

enum { SIDE_SOURCE, SIDE_TARGET };

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
enum { DASH_DB = 1, DASH_INVENTORY = 2, DASH_PLAN = 4, DASH_MESSAGE = 8 };

struct dash {
    uv_loop_t *loop;
    char *plan_path;
    struct plan *plan;
    struct file_stamp plan_disk;    /* cutover.ini as the plan in use was read from it */
    char *masked[2];
    struct dash_side side[2];
    struct pairing pairs;
    struct inventory inv;
    int have_inventory;
    ws_t *ws;                   /* NULL if it could not be opened: changes are refused */
    long runs, runbook_events;
    int hypercare;              /* a hypercare session is open (hc says which) */
    int runbook_begun;          /* a step of the runbook's attempt has gone (set by it) */
    struct ws_session hc;
    json_t *alerts;             /* the open alerts in the workspace, oldest first */
    int64_t interval_ms;
    int paused;
    int stopped;                /* dash_stop(): closing */
    int hold;                   /* work borrowing the catalogs: refreshes wait */
    int keep_commands;          /* closing after SIGHUP: a step's command runs to its end */
    uv_timer_t timer;
    uv_timer_t replan;          /* reads a changed plan again once what held it has ended */
    int open_handles;           /* timers still to close before the struct is freed */
    char message[1500];
    int message_error;
    void (*on_change)(struct dash *d, unsigned what, void *arg);
    void *arg;
};

/* Loads the plan (errors: ERR_INPUT, file:line), opens the workspace and
 * both databases, and starts polling. The caller frees with dash_close(). */
struct dash *dash_open(uv_loop_t *loop, const char *plan_path,
                       void (*on_change)(struct dash *, unsigned, void *), void *arg,
                       struct err *e);
/* The dashboard is closing: no more refreshes, and the panels are told of
 * no more changes (so none starts work again while the rest ends). */
void dash_stop(struct dash *d);
/* Closes the databases and the timer; memory goes once the loop has run. */
void dash_close(struct dash *d);

/* Puts a message on the dashboard's message line (error: in the error colour). */
void dash_say(struct dash *d, int error, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Reads again what the workspace knows (runs, runbook events). */
void dash_reread(struct dash *d);
/* Reloads both catalogs now (a side already loading is left to finish). */
void dash_refresh(struct dash *d);
void dash_set_interval(struct dash *d, int64_t ms);
void dash_pause(struct dash *d, int paused);

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

#endif
