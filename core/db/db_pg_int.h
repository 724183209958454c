/* db_pg_int: the PostgreSQL session's state, shared by db_pg.c (connecting,
 * queries, the read-only wrapper, cancels) and db_pgcopy.c (the rows of a
 * COPY, text or binary, split and decoded in place). Not for outside them. */
#ifndef CUTOVER_DB_PG_INT_H
#define CUTOVER_DB_PG_INT_H

#include <libpq-fe.h>
#include <uv.h>

#include "db_int.h"

struct pg {
    db_t *db;
    PGconn *conn;
    uv_poll_t *poll;    /* its own allocation: freed in its close callback */
    int events;
    uv_timer_t *timer;  /* connect timeout */
    uv_timer_t *soon;   /* runs pump() on the next loop turn */
    int connecting;
    int pinning;        /* connected; the SET that pins the settings is running */
    /* Every statement runs in a transaction opened READ ONLY that ends in
     * ROLLBACK: one outside any (a poll, a probe, a catalog query) is wrapped
     * in its own. WRAP_BEGIN: its BEGIN is running; WRAP_QUERY: the query;
     * WRAP_END: the ROLLBACK, after which the query is reported as it ended. */
    enum { WRAP_NONE, WRAP_BEGIN, WRAP_QUERY, WRAP_END } wrap;
    int wrap_status;
    char *wrap_err;
    int flushing;
    int cancel_sent;
    /* Cancel requests still on their way (sent from the thread pool). The
     * server cancels whatever statement runs when one arrives: a query
     * started before it has arrived could be the one cancelled, so the next
     * query is held until none is on its way. */
    int cancels;
#define HOLD_MS 2000    /* the longest a query waits for them */
    int stuck;          /* of them, those a query stopped waiting for (HOLD_MS) */
    db_query_t *held;   /* the active query, not sent yet */
    int held_cancel;    /* … and cancelled before it was */
    uv_timer_t *hold;   /* … sent anyway past HOLD_MS: a request that cannot reach
                         * the server must not stall the session */
    void (*disconnected)(db_t *db);    /* waiting for the cancels to end */
    /* the active query */
    int copy;           /* sent as COPY … TO STDOUT */
    int probe;          /* binary asked for: the LIMIT 0 query for the types is running */
    int binary;         /* the COPY is in binary: one decoder per column in dec */
    int header;         /* binary COPY: its header has been read */
    unsigned char *dec;
    int in_copy;        /* its rows are coming */
    PGresult **rows;    /* single-row mode: one result per row */
    char **lines;       /* COPY: one buffer per row, cells already point into them */
    size_t nrows, rowcap, linecap;
    size_t bytes;       /* COPY: the batch's bytes (DB_BATCH_BYTES) */
    struct db_cell *cells;
    size_t cellcap;
    char **colnames;
    unsigned *coltypes;
    int ncols;
    char *qerr;
    /* binary COPY values whose text is longer than their bytes (uuid, long
     * numerics), for the batch being read; their cells are pointed here on
     * delivery (the arena may move until then) */
    char *arena;
    size_t alen, acap;
    struct { size_t cell, off; } *fix;
    size_t nfix, fixcap;
};

/* Hands the rows held so far to the consumer, then frees them. */
int db_pg__deliver(struct pg *pg, db_query_t *q);
/* The socket watched for `events` (0: none); -1 when the connection is lost. */
int db_pg__watch(struct pg *pg, int events);
/* libpq's message as one line, the query it quotes left out (caller frees). */
char *db_pg__one_line(const char *s);
/* After the LIMIT 0 query: binary when every column is read in binary. */
void db_pg__choose_format(struct pg *pg);
/* Reads COPY rows while libpq has them: 1 when pump() must wait (no data
 * yet, or paused), 0 when the COPY has ended and its result follows. */
int db_pg__copy_rows(struct pg *pg, db_query_t *q);

#endif
