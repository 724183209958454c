/* mon: the live monitor shared by the dashboard and `cutover watch`. It runs
 * live polling (live.h) over the plan with the mapping sheet, keeps the
 * latest figures of every table with a short history of each (for
 * sparklines), the state of every [rollback] trigger and the findings of
 * incremental validation, and records them in the workspace as a session:
 * samples (older than an hour folded into 5-minute buckets, ws_compact),
 * findings, and trigger crossings on the timeline. The plan and pairing may
 * be replaced while it runs (mon_replan); its figures go on. */
#ifndef CUTOVER_MONITOR_H
#define CUTOVER_MONITOR_H

#include "alert.h"
#include "history.h"
#include "live.h"
#include "workspace.h"

struct mon_table {
    char *name, *target;
    long long rows[2], changed[2];      /* -1: not known yet */
    long long net[2];                   /* rows − rows at the side's last poll, both exact
                                         * counts; valid when has_net */
    int has_net[2];
    int estimated[2];                   /* rows is the planner's estimate */
    int64_t latency_ms[2];
    char *watermark[2];
    char *error[2];                     /* the side's last poll failed: why */
    long long missing;                  /* source − target rows; valid when has_missing */
    int has_missing, has_lag, missing_estimated;
    int64_t lag_ms;
    int validated;                      /* incremental validation runs on it */
    long long found[5];                 /* missing, stale, duplicate, stray writes, drift:
                                         * the session's findings */
    long long checked;                  /* rows checked by the windows */
    char *window_error;                 /* why the last window failed */
    struct hist h_missing;              /* source − target rows, one value per round */
};

enum { MON_MISSING, MON_STALE, MON_DUPLICATE, MON_STRAY, MON_DRIFT };

/* A probe's, the business checks' or a server's health signal on one side. */
struct mon_probe {
    char *name, *side;
    enum plan_unit unit;
    double value;
    int has_value;
    char *error;                        /* its last query failed: why */
    char *note;                         /* failed_checks: why a check could not run */
    struct hist h;
};

struct mon_trigger {
    char *name;
    double value, limit;                /* value -1: not measured live */
    enum plan_unit unit;
    int breached;
};

typedef struct mon mon_t;

struct mon_events {
    void (*changed)(void *arg);         /* figures moved: redraw */
    void (*warn)(const char *msg, void *arg);  /* the workspace refused a record (once) */
    const struct live_events *forward;  /* every live event as it comes (may be NULL) */
    int (*advising)(void *arg);         /* a breached trigger advises rollback now (NULL:
                                         * always); the timeline says which */
    /* one of its connections is up, or down (`why`: the error), each time it
     * connects or fails to */
    void (*connection)(int side, int up, const char *why, void *arg);
    void *arg;                          /* for changed, advising and connection; forward has
                                         * its own */
};

struct mon_opts {
    const char *kind;                   /* the session's kind: hypercare or dashboard */
    int64_t interval_ms;
    ws_t *ws;                           /* NULL: nothing recorded */
    struct snap *keep;                  /* see live_opts */
    int64_t duration_ms;                /* a new session's planned length (0: open-ended) */
    long resume;                        /* a session to go on with instead of a new one */
    long history;                       /* a session whose recorded history the sparklines
                                         * begin with (the dashboard: the open hypercare
                                         * session's); 0 none */
    alert_cb on_alert;                  /* non-NULL: raise the plan's alerts (hypercare;
                                         * the plan must then not be replaced) */
    void *alert_arg;
};

/* Opens connections of its own to both sides of `p` (reconnecting while it
 * runs; mon_stop closes them) and starts monitoring; the sheet is read from
 * the plan's mapping path (none: no incremental validation). `p` and `pp`
 * are borrowed until replaced. NULL with `e` for a bad URL or sheet. */
mon_t *mon_open(uv_loop_t *loop, const struct plan *p, const struct pairing *pp,
                const struct mon_opts *o, const struct mon_events *ev, struct err *e);
/* The plan changed (`p` new) or only the pairing was rebuilt (`p` the same):
 * polling goes on over the new ones (`keep`'s, see live_opts), its state
 * carried over. -1 with `e` when a new plan cannot be polled (monitoring
 * stops). Windows under way finish on what they started with. */
int mon_replan(mon_t *m, const struct plan *p, const struct pairing *pp, struct snap *keep,
               struct err *e);
/* Advising began (the dashboard's [rollback] after step is done). The
 * latest figures may predate it (a round polled while the load ended): the
 * triggers advise from the first round polled wholly after it, and those it
 * leaves breached go on the timeline again, advising rollback. Until then
 * mon_advice_ready() is 0. */
void mon_advise(mon_t *m);
int mon_advice_ready(const mon_t *m);
/* Polls every `ms` from now on. */
void mon_set_interval(mon_t *m, int64_t ms);
int64_t mon_interval(const mon_t *m);
/* Ends the session (status: completed, interrupted, paused …; NULL leaves
 * it as it is) with an optional summary, closes its connections and frees. */
void mon_stop(mon_t *m, const char *status, const char *summary);

const struct mon_table *mon_tables(const mon_t *m, size_t *n);
const struct mon_trigger *mon_triggers(const mon_t *m, size_t *n);
const struct mon_probe *mon_probes(const mon_t *m, size_t *n);
void mon_counts(const mon_t *m, long long *polls, long long *failed);
long mon_session(const mon_t *m);
size_t mon_ntables(const mon_t *m);     /* tables polled */
int mon_open_alerts(const mon_t *m);

#endif
