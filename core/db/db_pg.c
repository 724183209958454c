/* db_pg: PostgreSQL through libpq's asynchronous API on a uv_poll_t, in the
 * manner of pgbouncer's libusual pgsocket.c: PQconnectStart + PQconnectPoll,
 * then PQsendQueryParams in single-row mode, PQconsumeInput on readable,
 * PQisBusy/PQgetResult until NULL. Cancel runs PQcancel on the thread pool
 * (it is a blocking call in libpq 15).
 *
 * A query asked for with db_query_opts.copy is sent as COPY (…) TO STDOUT
 * and its rows read with PQgetCopyData: one buffer per row instead of one
 * PGresult (libpq 15 has no chunked mode), split and unescaped in place.
 * With db_query_opts.binary as well, a first query with LIMIT 0 tells the
 * column types; when we read each of them in binary, the COPY is in binary:
 * the server formats nothing (its output functions are most of its work on
 * a long read) and the values are converted in place, or formatted later
 * and only if someone looks (db_cell_text()). */
#include "config.h"
#include "db_int.h"
#include "db_pg_int.h"
#include "pgbin.h"
#include "util.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static void pump(struct pg *pg);
static void send_query(struct pg *pg, db_query_t *q);
static void conn_step(struct pg *pg, PostgresPollingStatusType st);

static void handle_free_cb(uv_handle_t *h)
{
    free(h);
}

static void close_handle(void *h)
{
    if (h)
        uv_close((uv_handle_t *)h, handle_free_cb);
}

static void batch_clear(struct pg *pg)
{
    for (size_t i = 0; i < pg->nrows; i++)
        if (pg->copy)
            PQfreemem(pg->lines[i]);
        else
            PQclear(pg->rows[i]);
    pg->nrows = pg->bytes = 0;
    pg->alen = pg->nfix = 0;
}

static void query_reset(struct pg *pg)
{
    batch_clear(pg);
    for (int i = 0; pg->colnames && i < pg->ncols; i++)
        free(pg->colnames[i]);
    free(pg->colnames);
    free(pg->coltypes);
    pg->colnames = NULL;
    pg->coltypes = NULL;
    pg->ncols = 0;
    free(pg->qerr);
    pg->qerr = NULL;
    pg->cancel_sent = 0;
    pg->copy = pg->in_copy = pg->probe = pg->binary = pg->header = 0;
}

static void poll_drop(struct pg *pg)
{
    if (pg->poll) {
        uv_poll_stop(pg->poll);
        close_handle(pg->poll);
        pg->poll = NULL;
    }
    pg->events = 0;
}

/* Drops the connection and everything tied to it; no callbacks are made. */
static void conn_drop(struct pg *pg)
{
    poll_drop(pg);
    close_handle(pg->timer);
    pg->timer = NULL;
    if (pg->conn)
        PQfinish(pg->conn);
    pg->conn = NULL;
    pg->connecting = pg->pinning = pg->flushing = 0;
    pg->wrap = WRAP_NONE;
    free(pg->wrap_err);
    pg->wrap_err = NULL;
    pg->held = NULL;    /* failed by the caller with the rest */
    close_handle(pg->hold);
    pg->hold = NULL;
    query_reset(pg);
}

static void conn_lost(struct pg *pg, const char *why)
{
    char *line = db_pg__one_line(why);
    char *msg = xasprintf(pg->connecting || pg->pinning ? "%s" : "connection lost: %s", line);

    conn_drop(pg);
    db__failed(pg->db, msg);
    free(msg);
    free(line);
}

static void poll_cb(uv_poll_t *h, int status, int events);

int db_pg__watch(struct pg *pg, int events)
{
    int rc;

    if (!pg->poll) {
        int fd = PQsocket(pg->conn);

        if (fd < 0) {
            conn_lost(pg, "no socket");
            return -1;
        }
        pg->poll = xmalloc(sizeof *pg->poll);
        if ((rc = uv_poll_init(pg->db->loop, pg->poll, fd)) < 0) {
            free(pg->poll);
            pg->poll = NULL;
            conn_lost(pg, uv_strerror(rc));
            return -1;
        }
        pg->poll->data = pg;
        pg->events = 0;
    }
    if (events == pg->events)
        return 0;
    pg->events = events;
    if (!events)
        return uv_poll_stop(pg->poll), 0;
    if ((rc = uv_poll_start(pg->poll, events, poll_cb)) < 0) {
        conn_lost(pg, uv_strerror(rc));
        return -1;
    }
    return 0;
}

static void connect_timeout_cb(uv_timer_t *t)
{
    struct pg *pg = t->data;
    char msg[128];

    snprintf(msg, sizeof msg, "could not connect within %d ms", pg->db->o.connect_timeout_ms);
    conn_lost(pg, msg);
}

/* What shapes values, pinned on every session whatever the database, the role,
 * PGOPTIONS or the server's defaults say (DESIGN.md, "Safety rules"). The
 * startup options outrank ALTER DATABASE/ROLE … SET; PGDATESTYLE and PGTZ
 * are sent after them and win, so a session the server reports otherwise is
 * SET once connected (pin_needed). */
#define PINS(X) /* name, value as the server reports it, as an option (no spaces) */ \
    X("DateStyle", "ISO, YMD", "ISO,YMD", 1) X("TimeZone", "UTC", "UTC", 1) \
    X("IntervalStyle", "postgres", "postgres", 1) X("extra_float_digits", "3", "3", 0) \
    X("bytea_output", "hex", "hex", 0) X("client_encoding", "UTF8", "UTF8", 1) \
    X("standard_conforming_strings", "on", "on", 1)
#define PIN_OPT(name, value, opt, reported) " -c " name "=" opt
#define PINNED_OPTS PINS(PIN_OPT)

/* The SET for the settings the server reports otherwise than pinned (those it
 * reports: the others cannot be changed but by the startup options); NULL when
 * none. Caller frees. */
static char *pin_needed(PGconn *conn)
{
    static const struct { const char *name, *value; int reported; } pins[] = {
#define PIN_ROW(name, value, opt, reported) { name, value, reported },
        PINS(PIN_ROW)
#undef PIN_ROW
    };
    struct sbuf b = { 0 };

    for (size_t i = 0; i < sizeof pins / sizeof *pins; i++) {
        const char *now = pins[i].reported ? PQparameterStatus(conn, pins[i].name) : NULL;
        if (pins[i].reported && (!now || strcmp(now, pins[i].value)))
            sbuf_printf(&b, "SET %s = '%s';", pins[i].name, pins[i].value);
    }
    return b.len ? b.s : NULL;
}

static void pg_connect(db_t *db)
{
    struct pg *pg = db->impl;
    char opts[400];
    const char *keys[] = { "dbname", "application_name", "options", NULL };
    const char *vals[] = { db->url.conninfo, "cutover", opts, NULL };

    if (!pg) {
        pg = db->impl = xcalloc(1, sizeof *pg);
        pg->db = db;
    }
    snprintf(opts, sizeof opts, "-c default_transaction_read_only=on -c statement_timeout=%d "
             "-c lc_monetary=C%s", db->o.statement_timeout_ms, PINNED_OPTS);
    pg->conn = PQconnectStartParams(keys, vals, 1);
    pg->connecting = 1;
    if (!pg->conn || PQstatus(pg->conn) == CONNECTION_BAD) {
        conn_lost(pg, pg->conn ? PQerrorMessage(pg->conn) : "out of memory");
        return;
    }
    pg->timer = xmalloc(sizeof *pg->timer);
    uv_timer_init(db->loop, pg->timer);
    pg->timer->data = pg;
    uv_timer_start(pg->timer, connect_timeout_cb, (uint64_t)db->o.connect_timeout_ms, 0);
    conn_step(pg, PGRES_POLLING_WRITING);
}

/* libpq prints NOTICEs to stderr by default: that would draw over the screen. */
static void ignore_notice(void *arg, const char *message)
{
    (void)arg, (void)message;
}

static void connected(struct pg *pg)
{
    close_handle(pg->timer);
    pg->timer = NULL;
    if (db_pg__watch(pg, UV_READABLE) == 0)
        db__connected(pg->db);
}

/* The pinning SET's results; connected when they are all in and none failed. */
static void pin_step(struct pg *pg, int events)
{
    PGresult *r;
    char *err = NULL;
    int rc;

    if ((events & UV_WRITABLE) && (rc = PQflush(pg->conn)) != 0) {
        if (rc < 0)
            conn_lost(pg, PQerrorMessage(pg->conn));
        return;
    }
    if (!PQconsumeInput(pg->conn)) {
        conn_lost(pg, PQerrorMessage(pg->conn));
        return;
    }
    while (!PQisBusy(pg->conn) && (r = PQgetResult(pg->conn))) {
        if (PQresultStatus(r) != PGRES_COMMAND_OK && !err)
            err = db_pg__one_line(PQresultErrorMessage(r));
        PQclear(r);
    }
    if (PQisBusy(pg->conn)) {
        free(err);
        db_pg__watch(pg, UV_READABLE);
        return;
    }
    if (err) {
        char *msg = xasprintf("the session's settings could not be pinned: %s", err);
        conn_lost(pg, msg);
        free(msg);
        free(err);
        return;
    }
    pg->pinning = 0;
    connected(pg);
}

static void conn_step(struct pg *pg, PostgresPollingStatusType st)
{
    switch (st) {
    case PGRES_POLLING_OK: {
        char *pin;
        PQsetNoticeProcessor(pg->conn, ignore_notice, NULL);
        if (PQsetnonblocking(pg->conn, 1) != 0) {
            conn_lost(pg, PQerrorMessage(pg->conn));
            return;
        }
        poll_drop(pg);
        if ((pin = pin_needed(pg->conn))) {  /* connected once the SET is through */
            int sent = PQsendQuery(pg->conn, pin);
            free(pin);
            if (!sent || PQflush(pg->conn) < 0) {
                conn_lost(pg, PQerrorMessage(pg->conn));
                return;
            }
            pg->pinning = 1;
            pg->connecting = 0;
            db_pg__watch(pg, UV_READABLE | UV_WRITABLE);
            return;
        }
        pg->connecting = 0;
        connected(pg);
        return;
    }
    case PGRES_POLLING_FAILED:
        conn_lost(pg, PQerrorMessage(pg->conn));
        return;
    default:
        /* libpq may have closed and reopened its socket (another host, SSL
         * fallback): watch it afresh at every step, the fd number may repeat. */
        poll_drop(pg);
        db_pg__watch(pg, st == PGRES_POLLING_READING ? UV_READABLE : UV_WRITABLE);
        return;
    }
}

static enum db_type type_of(Oid oid)
{
    switch (oid) {
    case 20: case 21: case 23: case 26: return DB_INT;     /* int8 int2 int4 oid */
    case 700: case 701: return DB_FLOAT;
    case 1700: return DB_NUMERIC;
    case 16: return DB_BOOL;
    default: return DB_TEXT;  /* bytea too: its \x hex text, as PostgreSQL prints it */
    }
}

static void take_columns(struct pg *pg, const PGresult *r)
{
    if (pg->colnames)
        return;
    pg->ncols = PQnfields(r);
    pg->colnames = xcalloc((size_t)pg->ncols, sizeof *pg->colnames);
    pg->coltypes = xcalloc((size_t)pg->ncols, sizeof *pg->coltypes);
    for (int c = 0; c < pg->ncols; c++) {
        pg->colnames[c] = xstrdup(PQfname(r, c));
        pg->coltypes[c] = PQftype(r, c);
    }
}

/* Hands the rows held so far to the consumer, then frees them. */
int db_pg__deliver(struct pg *pg, db_query_t *q)
{
    struct db_batch b;
    int rc;

    for (size_t i = 0; i < pg->nfix; i++)
        pg->cells[pg->fix[i].cell].p = pg->arena + pg->fix[i].off;
    if (!pg->copy)
        pg->cells = xgrow(pg->cells, &pg->cellcap, pg->nrows * (size_t)pg->ncols,
                          sizeof *pg->cells);
    for (size_t i = 0; !pg->copy && i < pg->nrows; i++)
        for (int c = 0; c < pg->ncols; c++) {
            struct db_cell *cell = &pg->cells[i * (size_t)pg->ncols + (size_t)c];
            if (PQgetisnull(pg->rows[i], 0, c)) {
                *cell = (struct db_cell){ NULL, 0, DB_NULL };
            } else {
                cell->p = PQgetvalue(pg->rows[i], 0, c);
                cell->len = (size_t)PQgetlength(pg->rows[i], 0, c);
                cell->type = type_of(pg->coltypes[c]);
            }
        }
    b = (struct db_batch){ .nrows = pg->nrows, .ncols = pg->ncols,
                           .colnames = (const char *const *)pg->colnames,
                           .coltypes = pg->coltypes, .cells = pg->cells };
    rc = db__deliver(q, &b);
    batch_clear(pg);
    return rc;
}

static int send_control(struct pg *pg, const char *sql);

static void end_query(struct pg *pg, db_query_t *q)
{
    char *err = pg->qerr;
    int status = err ? DB_EQUERY : DB_OK;

    pg->qerr = NULL;
    query_reset(pg);
    if (pg->wrap == WRAP_QUERY || pg->wrap == WRAP_BEGIN) {
        /* undone, whatever the statement managed to do: reported once it is */
        if (pg->wrap == WRAP_QUERY && send_control(pg, "ROLLBACK") == 0) {
            pg->wrap = WRAP_END;
            pg->wrap_status = status;
            pg->wrap_err = err;
            return;
        }
        pg->wrap = WRAP_NONE;
    }
    db__finish(q, status, err);  /* may start the next query */
    free(err);
}

/* The wrapper's BEGIN or ROLLBACK answered: the query goes, or is reported. */
static void wrap_done(struct pg *pg, db_query_t *q)
{
    if (pg->wrap == WRAP_BEGIN) {
        if (pg->qerr || q->stop) {  /* not begun: nothing to roll back */
            end_query(pg, q);
            return;
        }
        pg->wrap = WRAP_QUERY;
        send_query(pg, q);
        return;
    }
    {
        char *err = pg->wrap_err;
        int status = pg->wrap_status;
        pg->wrap = WRAP_NONE;
        pg->wrap_err = NULL;
        query_reset(pg);
        db__finish(q, status, err);
        free(err);
    }
}

static void pump(struct pg *pg)
{
    db_t *db = pg->db;
    db_query_t *q = db->active;

    if (!pg->conn || pg->connecting || pg->pinning || pg->held)  /* held: not sent yet */
        return;
    if (!q) {  /* idle: nothing is expected, but notice a closed connection */
        PGresult *r;
        while (!PQisBusy(pg->conn) && (r = PQgetResult(pg->conn)))
            PQclear(r);
        if (PQstatus(pg->conn) == CONNECTION_BAD)
            conn_lost(pg, PQerrorMessage(pg->conn));
        return;
    }
    if (q->paused) {
        db_pg__watch(pg, 0);  /* backpressure: the server waits while we do not read */
        return;
    }
    for (;;) {
        PGresult *r;

        if (pg->in_copy && db_pg__copy_rows(pg, q))
            return;
        if (PQisBusy(pg->conn))
            break;
        r = PQgetResult(pg->conn);

        if (!r && (pg->wrap == WRAP_BEGIN || pg->wrap == WRAP_END)) {
            wrap_done(pg, q);
            return;
        }
        if (!r) {
            if (pg->probe && !pg->qerr && !q->stop) {  /* the types are known: now the rows */
                pg->probe = 0;
                db_pg__choose_format(pg);
                send_query(pg, q);
                return;
            }
            if (pg->nrows)
                db_pg__deliver(pg, q);  /* a pause now is moot: the query is over */
            end_query(pg, q);
            return;
        }
        switch (PQresultStatus(r)) {
        case PGRES_SINGLE_TUPLE:
            take_columns(pg, r);
            pg->rows = xgrow(pg->rows, &pg->rowcap, pg->nrows + 1, sizeof *pg->rows);
            pg->rows[pg->nrows++] = r;
            if (pg->nrows >= q->o.batch_rows && db_pg__deliver(pg, q) == DB_PAUSE) {
                db_pg__watch(pg, 0);
                return;
            }
            break;
        case PGRES_TUPLES_OK:
            take_columns(pg, r);
            PQclear(r);
            break;
        case PGRES_COPY_OUT:
            pg->ncols = PQnfields(r);
            pg->in_copy = 1;
            PQclear(r);
            break;
        case PGRES_COMMAND_OK:
        case PGRES_EMPTY_QUERY:
            PQclear(r);
            break;
        default:
            if (!pg->qerr) {
                const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
                char *line = db_pg__one_line(PQresultErrorMessage(r));
                pg->qerr = state ? xasprintf("%s (SQLSTATE %s)", line, state) : xstrdup(line);
                free(line);
            }
            PQclear(r);
            break;
        }
    }
    if (PQstatus(pg->conn) == CONNECTION_BAD) {
        conn_lost(pg, PQerrorMessage(pg->conn));
        return;
    }
    /* Waiting for the network: let the consumer see what came so far. */
    if (pg->nrows && db_pg__deliver(pg, q) == DB_PAUSE) {
        db_pg__watch(pg, 0);
        return;
    }
    db_pg__watch(pg, UV_READABLE | (pg->flushing ? UV_WRITABLE : 0));
}

static void poll_cb(uv_poll_t *h, int status, int events)
{
    struct pg *pg = h->data;

    /* libuv reports POLLERR as a status (UV_EBADF); libpq knows the reason
     * (connection refused, reset …), so let it look at the socket first. */
    if (pg->connecting) {
        conn_step(pg, PQconnectPoll(pg->conn));
        return;
    }
    if (pg->pinning) {
        pin_step(pg, status < 0 ? UV_READABLE : events);
        return;
    }
    if (status < 0) {
        conn_lost(pg, PQconsumeInput(pg->conn) ? uv_strerror(status) : PQerrorMessage(pg->conn));
        return;
    }
    if (events & UV_WRITABLE) {
        int rc = PQflush(pg->conn);
        if (rc < 0) {
            conn_lost(pg, PQerrorMessage(pg->conn));
            return;
        }
        pg->flushing = rc == 1;
    }
    if ((events & UV_READABLE) && !PQconsumeInput(pg->conn)) {
        conn_lost(pg, PQerrorMessage(pg->conn));
        return;
    }
    pump(pg);
}

static void soon_cb(uv_timer_t *t)
{
    struct pg *pg = t->data;

    close_handle(pg->soon);
    pg->soon = NULL;
    pump(pg);
}

/* A timer of its own allocation (closed with close_handle), once after ms. */
static uv_timer_t *one_shot(struct pg *pg, uv_timer_cb cb, uint64_t ms)
{
    uv_timer_t *t = xmalloc(sizeof *t);

    uv_timer_init(pg->db->loop, t);
    t->data = pg;
    uv_timer_start(t, cb, ms, 0);
    return t;
}

/* Results may already sit in libpq's buffer with nothing more to come on the
 * socket, so a resumed or canceled query is pumped from a timer, not a poll. */
static void pump_soon(struct pg *pg)
{
    if (!pg->soon)
        pg->soon = one_shot(pg, soon_cb, 0);
}

static void send_query(struct pg *pg, db_query_t *q)
{
    char *sql = NULL;
    int rc, sent;

    /* the line end: a trailing -- comment in the query ends before it */
    if (pg->probe)
        sql = xasprintf("SELECT * FROM (%s\n) AS cutover_types LIMIT 0", q->sql);
    else if (pg->copy)
        sql = xasprintf("COPY (%s\n) TO STDOUT%s", q->sql, pg->binary ? " (FORMAT binary)" : "");
    sent = PQsendQueryParams(pg->conn, sql ? sql : q->sql, q->nparams, NULL,
                             (const char *const *)q->params, NULL, NULL, 0);
    free(sql);
    if (!sent) {
        if (PQstatus(pg->conn) == CONNECTION_BAD) {
            conn_lost(pg, PQerrorMessage(pg->conn));
        } else {
            char *line = db_pg__one_line(PQerrorMessage(pg->conn));
            query_reset(pg);
            db__finish(q, DB_EQUERY, line);
            free(line);
        }
        return;
    }
    if (!pg->copy)
        PQsetSingleRowMode(pg->conn);
    if ((rc = PQflush(pg->conn)) < 0) {
        conn_lost(pg, PQerrorMessage(pg->conn));
        return;
    }
    pg->flushing = rc == 1;
    db_pg__watch(pg, UV_READABLE | (pg->flushing ? UV_WRITABLE : 0));
}

/* A statement of cutover's own (BEGIN, ROLLBACK), its results read by pump(). */
static int send_control(struct pg *pg, const char *sql)
{
    int rc;

    if (!PQsendQuery(pg->conn, sql)) {
        conn_lost(pg, PQerrorMessage(pg->conn));
        return -1;
    }
    if ((rc = PQflush(pg->conn)) < 0) {
        conn_lost(pg, PQerrorMessage(pg->conn));
        return -1;
    }
    pg->flushing = rc == 1;
    db_pg__watch(pg, UV_READABLE | (pg->flushing ? UV_WRITABLE : 0));
    return 0;
}

static void start_now(struct pg *pg, db_query_t *q)
{
    query_reset(pg);
    pg->copy = q->o.copy && !q->nparams;
    pg->probe = pg->copy && q->o.binary;
    if (!q->o.control && PQtransactionStatus(pg->conn) == PQTRANS_IDLE) {
        pg->wrap = WRAP_BEGIN;  /* its own transaction, read-only, rolled back */
        send_control(pg, "BEGIN READ ONLY");
        return;
    }
    pg->wrap = WRAP_NONE;
    send_query(pg, q);
}

/* The held query goes (or ends, cancelled) once the cancels have arrived, or
 * past HOLD_MS. */
static void release_held(struct pg *pg)
{
    db_query_t *q = pg->held;

    close_handle(pg->hold);
    pg->hold = NULL;
    pg->held = NULL;
    if (!q || q != pg->db->active)
        return;
    if (pg->held_cancel)
        db__finish(q, DB_ECANCELED, NULL);
    else
        start_now(pg, q);
}

static void hold_cb(uv_timer_t *t)
{
    struct pg *pg = t->data;

    pg->stuck = pg->cancels;  /* not waited for again */
    release_held(pg);
}

static void pg_start(db_t *db, db_query_t *q)
{
    struct pg *pg = db->impl;

    if (pg->cancels > pg->stuck) {  /* sent once they have arrived (cancel_after) */
        pg->held = q;
        pg->held_cancel = 0;
        if (!pg->hold)
            pg->hold = one_shot(pg, hold_cb, HOLD_MS);
        return;
    }
    start_now(pg, q);
}

static void pg_resume(db_t *db, db_query_t *q)
{
    (void)q;
    pump_soon(db->impl);
}

struct cancel_work {
    uv_work_t w;
    struct pg *pg;
    PGcancel *c;
    char errbuf[256];
};

static void cancel_run(uv_work_t *w)
{
    struct cancel_work *cw = (struct cancel_work *)w;

    PQcancel(cw->c, cw->errbuf, sizeof cw->errbuf);
}

static void cancel_after(uv_work_t *w, int status)
{
    struct cancel_work *cw = (struct cancel_work *)w;
    struct pg *pg = cw->pg;

    (void)status;
    PQfreeCancel(cw->c);
    free(cw);
    pg->cancels--;
    if (pg->stuck > pg->cancels)
        pg->stuck = pg->cancels;
    if (pg->cancels > pg->stuck)
        return;
    if (pg->disconnected) {  /* closed meanwhile: its memory may go now */
        if (!pg->cancels)
            pg->disconnected(pg->db);
        return;
    }
    release_held(pg);
}

/* Asks the server to cancel what the session runs (once per query), from the
 * thread pool: PQcancel blocks. */
static void send_cancel(struct pg *pg)
{
    struct cancel_work *cw;

    if (pg->cancel_sent || !pg->conn)
        return;
    pg->cancel_sent = 1;
    cw = xcalloc(1, sizeof *cw);
    cw->pg = pg;
    if ((cw->c = PQgetCancel(pg->conn)) &&
        uv_queue_work(pg->db->loop, &cw->w, cancel_run, cancel_after) == 0) {
        cw = NULL;
        pg->cancels++;
    }
    if (cw) {
        PQfreeCancel(cw->c);
        free(cw);
    }
}

static void pg_cancel(db_t *db, db_query_t *q)
{
    struct pg *pg = db->impl;

    if (pg->held == q) {  /* never sent: ends as cancelled once it would be */
        pg->held_cancel = 1;
        return;
    }
    send_cancel(pg);
    pump_soon(pg);  /* a paused query must drain to see the cancel */
}

static void pg_disconnect(db_t *db, void (*done)(db_t *db))
{
    struct pg *pg = db->impl;

    if (pg) {
        /* a query still running is cancelled on the server too: hung up on, it
         * would go on waiting (for a lock, say, and the queries queued behind
         * it) until its statement_timeout */
        if (db->active && db->active != pg->held && !pg->connecting && !pg->pinning)
            send_cancel(pg);
        close_handle(pg->soon);
        pg->soon = NULL;
        conn_drop(pg);
    }
    if (db->active)
        db__finish(db->active, DB_ECANCELED, NULL);
    if (pg && pg->cancels)
        pg->disconnected = done;  /* once they end: they point at pg */
    else
        done(db);
}

static void pg_free(db_t *db)
{
    struct pg *pg = db->impl;

    if (!pg)
        return;
    free(pg->rows);
    free(pg->lines);
    free(pg->cells);
    free(pg->dec);
    free(pg->arena);
    free(pg->fix);
    free(pg);
}

const struct db_ops db_pg_ops = {
    .connect = pg_connect,
    .start = pg_start,
    .resume = pg_resume,
    .cancel = pg_cancel,
    .disconnect = pg_disconnect,
    .free_impl = pg_free,
};
