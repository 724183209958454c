/* runbook_int: what runbook.c (steps, gates, rollback, the log) and
 * runbook_proc.c (a step's command as a child process) share; not for outside them. */
#ifndef CUTOVER_RUNBOOK_INT_H
#define CUTOVER_RUNBOOK_INT_H

#include "runbook.h"

#define PEND_CAP (64 << 10) /* a line longer than this is masked and kept in pieces */
#define LOG_CAP (1 << 20)   /* a step's log kept in memory, its last bytes; all of it goes
                             * to the workspace */

struct proc {
    struct runbook *rb;
    size_t i;
    int rollback;
    uv_process_t p;
    uv_pipe_t out, err;
    int open;               /* handles still open: the step ends when none is */
    int64_t status;
    int signal;
    struct sbuf pend[2];    /* stdout's and stderr's line begun, not yet masked */
};

struct runbook {
    uv_loop_t *loop;
    ws_t *ws;               /* NULL: nothing recorded */
    struct plan *plan;      /* referenced: advice, triggers (the steps are copies) */
    struct rb_events ev;
    struct rb_step *steps;
    size_t n;
    struct proc *proc;      /* the command running, if any */
    struct diff *gate_diff; /* a checks gate under way … */
    db_t *gate_db[2];       /* … on connections of its own (reh_connect) */
    struct reh *gate_reh;   /* a diff gate under way (its connections: reh_open) */
    struct snap *gate_snap; /* what the gate under way reads (ev.gate_snap) */
    size_t gate_for;        /* the step waiting on the gate */
    long rollback_at;       /* the step being rolled back, or -1 */
    char rollback_wave[64]; /* … of this wave's steps only; "": every step's */
    char advice[256];
    int lock;               /* the workspace's runbook lock, held: this runbook drives */
    int begun;              /* a step of this attempt has gone */
    uv_timer_t *follow;     /* while it does not: the log read again as it grows */
    long seen;              /* … up to this event (restore) */
    int quitting;           /* the dashboard closes: a command under way is being stopped */
    int kept;               /* … or let run to its end (rb_stop's keep_commands) */
};

void runbook__changed(struct runbook *rb);
void runbook__log_add(struct sbuf *log, const char *p, size_t n);
void runbook__next_rollback(struct runbook *rb);
void runbook__record(struct runbook *rb, size_t i, const char *event, long status, long ms,
                     const char *output);
void runbook__record_masked(struct runbook *rb, size_t i, const char *event, long status, long ms,
                            const char *masked);
int runbook__spawn(struct runbook *rb, size_t i, const char *cmd, int rollback, struct err *e);

#endif
