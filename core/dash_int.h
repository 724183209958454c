/* dash_int: what dash.c (the model) and dash_jobs.c (the jobs it runs)
 * share; not for outside them. */
#ifndef CUTOVER_DASH_INT_H
#define CUTOVER_DASH_INT_H

#include "dash.h"
#include "monitor.h"
#include "rehearsal.h"
#include "review.h"
#include "runbook.h"

/* The dashboard's model (dash.h): opaque outside dash.c and dash_jobs.c. */
struct dash {
    uv_loop_t *loop;
    char *plan_path;
    struct plan *plan;
    struct file_stamp plan_disk;    /* cutover.ini as the plan in use was read from it */
    char *masked[2];
    struct dash_side side[2];
    struct snap *snap;          /* the plan and catalogs in use, paired (NULL until both
                                 * catalogs are read, or when they do not pair) */
    struct inventory inv;
    int have_inventory;
    ws_t *ws;                   /* NULL if it could not be opened: changes are refused */
    long runs;
    int hypercare;              /* a hypercare session is open (hc says which) */
    struct ws_session hc;
    struct ws_alert_rec *alerts;    /* the open alerts in the workspace, oldest first */
    long nalerts;
    struct dash_wave *waves;        /* the plan's waves as the workspace has them */
    size_t nwaves;
    int64_t interval_ms;
    int paused;
    int stopped;                /* dash_stop(): closing */
    int keep_commands;          /* closing after SIGHUP: a step's command runs to its end */
    uv_timer_t timer;
    uv_fs_event_t watch;        /* the plan's folder: cutover.ini read again as it changes */
    char *plan_name;            /* cutover.ini's name in its folder */
    int open_handles;           /* handles still to close before the struct is freed */
    char message[1500];
    int message_error;
    void (*on_change)(struct dash *d, unsigned what, void *arg);
    void *arg;
    /* the jobs it runs (dash_jobs.c) */
    struct review rv;           /* the mapping review */
    struct reh *reh;            /* a rehearsal run under way (its own connections) */
    struct reh *reh_done;       /* the one that ended, freed at the next start or close */
    struct snap *reh_snap;      /* what the run under way reads */
    char reh_progress[256];
    long reh_last;              /* the last run that ended here */
    struct runbook *rb;
    mon_t *mon;                 /* live polling; NULL while paused or without catalogs */
    int hc_here;                /* mon records the hypercare session (dash_hypercare_start) */
    int hc_lock;                /* … holding the workspace's watch lock (-1 none) */
    struct snap *hc_snap;       /* … on this plan and pairing, to its end */
    uv_timer_t *hc_end;         /* … completing it when its time is up */
    char live_error[1100];      /* why live polling could not start */
    int advised;                /* live triggers advise rollback (rb_advising_since) */
};

/* The jobs it runs: the mapping review, the runbook, live polling. */
void dash__jobs_open(struct dash *d);
/* The model changed (DASH_* bits): the review and live polling follow, the
 * runbook takes a new plan. */
void dash__jobs_sync(struct dash *d, unsigned what);
void dash__jobs_stop(struct dash *d);
void dash__jobs_close(struct dash *d);
void dash__notify(struct dash *d, unsigned what);
/* Reads again what the workspace knows (dash_reread without telling). */
void dash__read_facts(struct dash *d);


#endif
