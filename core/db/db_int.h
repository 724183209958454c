/* db_int: what db.c shares with the engines (db_pg.c, db_sqlite.c). */
#ifndef CUTOVER_DB_INT_H
#define CUTOVER_DB_INT_H

#include "db.h"

struct db_ops {
    /* Starts connecting; reports through db__connected() or db__failed(). */
    void (*connect)(db_t *db);
    /* Runs db->active; delivers with db__deliver(), ends with db__finish(). */
    void (*start)(db_t *db, db_query_t *q);
    /* The active query was resumed after a pause. */
    void (*resume)(db_t *db, db_query_t *q);
    /* Asks the engine to stop the active query soon; it still calls db__finish(). */
    void (*cancel)(db_t *db, db_query_t *q);
    /* Drops the connection, closes handles; calls `done` when memory may go. */
    void (*disconnect)(db_t *db, void (*done)(db_t *db));
    void (*free_impl)(db_t *db);
};

/* A batch is delivered early past this many bytes of values: rows of large
 * values (documents, images) come a few at a time. */
#define DB_BATCH_BYTES (1u << 20)

extern const struct db_ops db_pg_ops;
extern const struct db_ops db_sqlite_ops;

struct db_query {
    db_t *db;
    db_query_t *next;
    char *sql;
    char **params;
    int nparams;
    struct db_query_opts o;
    db_rows_cb rows;
    db_done_cb done;
    void *arg;
    int paused;
    int stop;           /* 0, or the status to report once the engine stops */
    uv_timer_t *timer;  /* timeout, when o.timeout_ms > 0 */
    uint64_t started;   /* uv_hrtime() when it became the active query, else 0 */
};

struct db {
    uv_loop_t *loop;
    const struct db_ops *ops;
    struct url url;
    struct db_opts o;
    enum db_state state;
    char errmsg[1024];
    db_query_t *active, *head, *tail;
    uv_timer_t retry;   /* connect and reconnect */
    uv_idle_t sweep;    /* deferred work, once per loop turn: see sweep_cb() */
    unsigned backoff_ms;
    int closing;
    int handles;        /* our own handles still open */
    uint64_t received;  /* db_received */
    void *impl;
};

/* Engine → core notifications, all on the loop thread. */
void db__connected(db_t *db);
void db__failed(db_t *db, const char *why);   /* connect failed or connection lost */
/* Hands a batch to the consumer; returns DB_PAUSE when the engine must wait
 * for db_query_resume(). */
int db__deliver(db_query_t *q, const struct db_batch *b);
/* Ends the active query; `msg` is the engine's reason when status != 0. */
void db__finish(db_query_t *q, int status, const char *msg);

#endif
