/* db_pg: PostgreSQL through libpq's asynchronous API on a uv_poll_t, in the
 * manner of pgbouncer's libusual pgsocket.c: PQconnectStart + PQconnectPoll,
 * then PQsendQueryParams in single-row mode, PQconsumeInput on readable,
 * PQisBusy/PQgetResult until NULL. Cancel runs PQcancel on the thread pool
 * (it is a blocking call in libpq 15).
 *
 * A query asked for with db_query_opts.copy is sent as COPY (…) TO STDOUT
 * and its rows read with PQgetCopyData: one buffer per row instead of one
 * PGresult (libpq 15 has no chunked mode), split and unescaped in place. */
#include "config.h"
#include "db_int.h"
#include "util.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pg {
    db_t *db;
    PGconn *conn;
    uv_poll_t *poll;    /* its own allocation: freed in its close callback */
    int events;
    uv_timer_t *timer;  /* connect timeout */
    uv_timer_t *soon;   /* runs pump() on the next loop turn */
    int connecting;
    int flushing;
    int cancel_sent;
    /* the active query */
    int copy;           /* sent as COPY … TO STDOUT */
    int in_copy;        /* its rows are coming */
    PGresult **rows;    /* single-row mode: one result per row */
    char **lines;       /* COPY: one buffer per row, cells already point into them */
    size_t nrows, rowcap, linecap;
    struct db_cell *cells;
    size_t cellcap;
    char **colnames;
    unsigned *coltypes;
    int ncols;
    char *qerr;
};

static void pump(struct pg *pg);
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

/* libpq's messages end in newlines and may span lines: make them one line. */
static char *one_line(const char *s)
{
    char *d = xstrdup(s ? s : "unknown error"), *w = d;

    for (const char *r = d; *r; r++) {
        if (*r == '\n' || *r == '\t' || *r == '\r') {
            if (w > d && w[-1] != ' ' && r[1])
                *w++ = ' ';
        } else {
            *w++ = *r;
        }
    }
    while (w > d && w[-1] == ' ')
        w--;
    *w = '\0';
    return d;
}

static void batch_clear(struct pg *pg)
{
    for (size_t i = 0; i < pg->nrows; i++)
        if (pg->copy)
            PQfreemem(pg->lines[i]);
        else
            PQclear(pg->rows[i]);
    pg->nrows = 0;
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
    pg->copy = pg->in_copy = 0;
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
    pg->connecting = pg->flushing = 0;
    query_reset(pg);
}

static void conn_lost(struct pg *pg, const char *why)
{
    char *line = one_line(why);
    char *msg = xasprintf(pg->connecting ? "%s" : "connection lost: %s", line);

    conn_drop(pg);
    db__failed(pg->db, msg);
    free(msg);
    free(line);
}

static void poll_cb(uv_poll_t *h, int status, int events);

static int watch(struct pg *pg, int events)
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

static void pg_connect(db_t *db)
{
    struct pg *pg = db->impl;
    char opts[200];
    const char *keys[] = { "dbname", "application_name", "options", NULL };
    const char *vals[] = { db->url.conninfo, "cutover", opts, NULL };

    if (!pg) {
        pg = db->impl = xcalloc(1, sizeof *pg);
        pg->db = db;
    }
    snprintf(opts, sizeof opts, "-c default_transaction_read_only=on -c statement_timeout=%d "
             "-c standard_conforming_strings=on", db->o.statement_timeout_ms);
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

static void conn_step(struct pg *pg, PostgresPollingStatusType st)
{
    switch (st) {
    case PGRES_POLLING_OK:
        PQsetNoticeProcessor(pg->conn, ignore_notice, NULL);
        close_handle(pg->timer);
        pg->timer = NULL;
        pg->connecting = 0;
        if (PQsetnonblocking(pg->conn, 1) != 0) {
            conn_lost(pg, PQerrorMessage(pg->conn));
            return;
        }
        poll_drop(pg);
        if (watch(pg, UV_READABLE) == 0)
            db__connected(pg->db);
        return;
    case PGRES_POLLING_FAILED:
        conn_lost(pg, PQerrorMessage(pg->conn));
        return;
    default:
        /* libpq may have closed and reopened its socket (another host, SSL
         * fallback): watch it afresh at every step, the fd number may repeat. */
        poll_drop(pg);
        watch(pg, st == PGRES_POLLING_READING ? UV_READABLE : UV_WRITABLE);
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
static int deliver(struct pg *pg, db_query_t *q)
{
    struct db_batch b;
    int rc;

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

/* One row of COPY's text format: fields split at tabs, \N for NULL,
 * backslash escapes undone; in place, each field then ends in a NUL. */
static void copy_line(struct pg *pg, char *line, int n)
{
    struct db_cell *cell;
    char *r = line, *end = line + n, *w;
    int c = 0;

    pg->lines = xgrow(pg->lines, &pg->linecap, pg->nrows + 1, sizeof *pg->lines);
    pg->lines[pg->nrows] = line;
    pg->cells = xgrow(pg->cells, &pg->cellcap, (pg->nrows + 1) * (size_t)pg->ncols,
                      sizeof *pg->cells);
    cell = &pg->cells[pg->nrows++ * (size_t)pg->ncols];
    if (end > line && end[-1] == '\n')
        end--;
    for (; c < pg->ncols; c++) {
        char *start = r;
        if (r > end) {  /* fewer fields than columns: not from a server we know */
            cell[c] = (struct db_cell){ NULL, 0, DB_NULL };
            continue;
        }
        while (r < end && *r != '\t' && *r != '\\')  /* fields are short: no memchr calls */
            r++;
        w = r;
        if (r < end && *r == '\\') {
            if (r == start && end - r >= 2 && r[1] == 'N' && (r + 2 == end || r[2] == '\t')) {
                cell[c] = (struct db_cell){ NULL, 0, DB_NULL };
                r += 3;
                continue;
            }
            for (; r < end && *r != '\t'; r++) {  /* undo the escapes */
                if (*r != '\\' || r + 1 == end) {
                    *w++ = *r;
                    continue;
                }
                switch (*++r) {
                case 'b': *w++ = '\b'; break;
                case 'f': *w++ = '\f'; break;
                case 'n': *w++ = '\n'; break;
                case 'r': *w++ = '\r'; break;
                case 't': *w++ = '\t'; break;
                case 'v': *w++ = '\v'; break;
                default: *w++ = *r; break;  /* \\ and any other character as itself */
                }
            }
        }
        *w = '\0';  /* over the tab or the line end: there is room */
        cell[c] = (struct db_cell){ start, (size_t)(w - start), DB_TEXT };
        r++;
    }
}

/* Reads COPY rows while libpq has them. Returns 1 when pump() must wait (no
 * data yet, or paused), 0 when the COPY has ended and its result follows. */
static int copy_rows(struct pg *pg, db_query_t *q)
{
    for (;;) {
        char *line;
        int n = PQgetCopyData(pg->conn, &line, 1);

        if (n > 0) {
            copy_line(pg, line, n);
            if (pg->nrows >= q->o.batch_rows && deliver(pg, q) == DB_PAUSE) {
                watch(pg, 0);
                return 1;
            }
        } else if (n == 0) {  /* the rest is still on its way */
            if (pg->nrows && deliver(pg, q) == DB_PAUSE)
                watch(pg, 0);
            else
                watch(pg, UV_READABLE | (pg->flushing ? UV_WRITABLE : 0));
            return 1;
        } else {
            if (n == -2 && !pg->qerr)
                pg->qerr = one_line(PQerrorMessage(pg->conn));
            pg->in_copy = 0;
            return 0;
        }
    }
}

static void end_query(struct pg *pg, db_query_t *q)
{
    char *err = pg->qerr;
    int status = err ? DB_EQUERY : DB_OK;

    pg->qerr = NULL;
    query_reset(pg);
    db__finish(q, status, err);  /* may start the next query */
    free(err);
}

static void pump(struct pg *pg)
{
    db_t *db = pg->db;
    db_query_t *q = db->active;

    if (!pg->conn || pg->connecting)
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
        watch(pg, 0);  /* backpressure: the server waits while we do not read */
        return;
    }
    for (;;) {
        PGresult *r;

        if (pg->in_copy && copy_rows(pg, q))
            return;
        if (PQisBusy(pg->conn))
            break;
        r = PQgetResult(pg->conn);

        if (!r) {
            if (pg->nrows)
                deliver(pg, q);  /* a pause now is moot: the query is over */
            end_query(pg, q);
            return;
        }
        switch (PQresultStatus(r)) {
        case PGRES_SINGLE_TUPLE:
            take_columns(pg, r);
            pg->rows = xgrow(pg->rows, &pg->rowcap, pg->nrows + 1, sizeof *pg->rows);
            pg->rows[pg->nrows++] = r;
            if (pg->nrows >= q->o.batch_rows && deliver(pg, q) == DB_PAUSE) {
                watch(pg, 0);
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
                char *line = one_line(PQresultErrorMessage(r));
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
    if (pg->nrows && deliver(pg, q) == DB_PAUSE) {
        watch(pg, 0);
        return;
    }
    watch(pg, UV_READABLE | (pg->flushing ? UV_WRITABLE : 0));
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

/* Results may already sit in libpq's buffer with nothing more to come on the
 * socket, so a resumed or canceled query is pumped from a timer, not a poll. */
static void pump_soon(struct pg *pg)
{
    if (pg->soon)
        return;
    pg->soon = xmalloc(sizeof *pg->soon);
    uv_timer_init(pg->db->loop, pg->soon);
    pg->soon->data = pg;
    uv_timer_start(pg->soon, soon_cb, 0, 0);
}

static void pg_start(db_t *db, db_query_t *q)
{
    struct pg *pg = db->impl;
    char *copy_sql = NULL;
    int rc, sent;

    query_reset(pg);
    pg->copy = q->o.copy && !q->nparams;
    if (pg->copy)  /* the line end: a trailing -- comment in the query ends before it */
        copy_sql = xasprintf("COPY (%s\n) TO STDOUT", q->sql);
    sent = PQsendQueryParams(pg->conn, pg->copy ? copy_sql : q->sql, q->nparams, NULL,
                             (const char *const *)q->params, NULL, NULL, 0);
    free(copy_sql);
    if (!sent) {
        if (PQstatus(pg->conn) == CONNECTION_BAD) {
            conn_lost(pg, PQerrorMessage(pg->conn));
        } else {
            char *line = one_line(PQerrorMessage(pg->conn));
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
    watch(pg, UV_READABLE | (pg->flushing ? UV_WRITABLE : 0));
}

static void pg_resume(db_t *db, db_query_t *q)
{
    (void)q;
    pump_soon(db->impl);
}

struct cancel_work {
    uv_work_t w;
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

    (void)status;
    PQfreeCancel(cw->c);
    free(cw);
}

static void pg_cancel(db_t *db, db_query_t *q)
{
    struct pg *pg = db->impl;
    struct cancel_work *cw;

    (void)q;
    if (!pg->cancel_sent && (pg->cancel_sent = 1)) {
        cw = xcalloc(1, sizeof *cw);
        if ((cw->c = PQgetCancel(pg->conn)) &&
            uv_queue_work(db->loop, &cw->w, cancel_run, cancel_after) == 0)
            cw = NULL;
        if (cw) {
            PQfreeCancel(cw->c);
            free(cw);
        }
    }
    pump_soon(pg);  /* a paused query must drain to see the cancel */
}

static void pg_disconnect(db_t *db, void (*done)(db_t *db))
{
    struct pg *pg = db->impl;

    if (pg) {
        close_handle(pg->soon);
        pg->soon = NULL;
        conn_drop(pg);
    }
    if (db->active)
        db__finish(db->active, DB_ECANCELED, NULL);
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
