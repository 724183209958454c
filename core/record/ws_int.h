/* ws_int: what the workspace's files share (not for outside them): the open
 * workspace, its queue of discrepancies, the writes kept while another process
 * holds it, and the helpers that run a statement or keep it. workspace.c is the
 * store (open, lock, versions, kept writes); ws_runs.c the runs and their
 * discrepancies; ws_live.c the runbook's log, hypercare sessions, samples,
 * alerts and sign-offs. */
#ifndef CUTOVER_WS_INT_H
#define CUTOVER_WS_INT_H

#include <sqlite3.h>

#include "workspace.h"

/* A discrepancy waiting to be written (ws_queue_discrepancy): table,
 * target table, kind, key, target key, fields, class, owner, decision. */
struct queued {
    long run;
    char *v[9];
};

#define BUSY_MS 5000            /* how long a write waits for another process's */
#define CLOSE_BUSY_MS 30000     /* … and closing, with something left to write */
#define HELD_BUSY_MS 250        /* … and a round of live samples (ws_begin), or a write kept
                                 * if need be behind writes kept already: the workspace is
                                 * known to be held, and what they record is kept */
#define KEPT_MAX 100000         /* writes kept while the workspace is locked, at most */
#define KEPT_SAID " (kept: written once it is let go)"
#define QUEUE_ROWS 1000         /* written when this many are queued … */
#define QUEUE_BYTES (1u << 20)  /* … or this much of their text */


struct ws {
    sqlite3 *db;
    char *path;
    /* kept prepared: a rehearsal records up to REH_CAP discrepancies a
     * table, live polling several samples every round */
    sqlite3_stmt *carry, *put_disc, *put_sample;
    struct queued *queue;
    size_t nqueued, qcap, qbytes;
    int runs_fd;            /* PATH.runs-lock, holding the runs this process has under way */
    struct kept {           /* writes that could not be made: see keep() */
        const char *sql;    /* a literal */
        struct arg *args;   /* its values, text copied */
        int nargs;
        long unlock_run;    /* a run's end: the run's lock byte goes once it is written */
        char at[32];        /* when it was made: cutover_now() while it is written */
    } *kept;
    size_t nkept, keptcap;
    int replaying;
    const char *now;        /* cutover_now() while a kept write is written; NULL: the clock */
    int busy_ms;            /* how long a write waits now: BUSY_MS, or CLOSE_BUSY_MS */
    int skip;               /* ws_begin failed: until ws_commit, writes fail at once */
    char begin_msg[1024];   /* … saying what ws_begin said */
    int cannot_write;       /* the last failure was the disk (full, an I/O error) */
};

/* A value bound to a statement: 'i' long, 'r' double, 't' text or NULL. */
struct arg {
    char type;
    long i;
    double r;
    const char *t;
    char *own;              /* a kept write's copy of t */
};

#define MAX_ARGS 16

int ws__begin_immediate(ws_t *ws, struct err *e, const char *what);
int ws__exec_args(ws_t *ws, struct err *e, sqlite3_stmt **slot, const char *what, const char *sql,
                  const struct arg *a, int n);
int ws__exec_bind(ws_t *ws, struct err *e, const char *sql, const char *types, ...);
int ws__exec_keep(ws_t *ws, struct err *e, const char *sql, const char *types, ...);
int ws__exec_kept(ws_t *ws, struct err *e, sqlite3_stmt **slot, const char *sql,
                  const char *types, ...);
int ws__exec_or_keep(ws_t *ws, struct err *e, sqlite3_stmt **slot, const char *sql,
                     const struct arg *a, int n);
int ws__fail(ws_t *ws, struct err *e, const char *what);
void ws__keep(ws_t *ws, struct err *e, const char *at, const char *sql, const struct arg *a,
              int n, long unlock_run);
void ws__kept_free(struct kept *k);
int ws__open_lock(const ws_t *ws, const char *role);
int ws__replay(ws_t *ws, struct err *e, const char *what);
json_t *ws__rows_json(ws_t *ws, const char *sql, long a, long b);
int ws__run_sql(ws_t *ws, struct err *e, sqlite3_stmt **slot, const char *what, const char *sql,
                const struct arg *a, int n);
long ws__scalar(ws_t *ws, const char *sql, long a, long b);
void ws__set_busy(ws_t *ws, int ms);
size_t ws__unqueue(struct queued *q);

/* A run that ended having compared something (not one that failed midway,
 * whose findings stop where it did, nor one cancelled or incomplete)… */
#define COMPARED(r) \
    "(" r ".status = 'done' AND EXISTS (SELECT 1 FROM results x WHERE " \
    "x.run_id = " r ".id))"
/* … and the one before `run` of its kind that did: what `run` is compared with. */
#define PREVIOUS_RUN(run) \
    "(SELECT coalesce(max(p.id), 0) FROM runs p WHERE p.id < " run " AND p.kind = " \
    "(SELECT kind FROM runs WHERE id = " run ") AND " COMPARED("p") ")"

#endif
