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
#include "pgbin.h"
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

/* The query's text the server quotes under an error ("LINE 1: SELECT …"),
 * and the caret under it: a line to leave out of a one-line message. */
static int quoted_query(const char *line)
{
    const char *p = line;

    if (!strncmp(p, "LINE ", 5)) {
        for (p += 5; *p >= '0' && *p <= '9'; p++)
            ;
        return p > line + 5 && *p == ':';
    }
    p += strspn(p, " \t");
    return *p == '^' && (p[1] == '\n' || !p[1]);
}

/* libpq's messages end in newlines and may span lines: make them one line.
 * A line indented with a tab goes on the message above it ("server closed
 * the connection unexpectedly\n\tThis probably means …"); one that is not
 * is another message ("FATAL: …\nserver closed …"): each gets its stop. */
static char *one_line(const char *s)
{
    const char *in = s ? s : "unknown error";
    char *d = xmalloc(2 * strlen(in) + 1), *w = d;  /* a stop may add one to a newline */
    int bol = 1;        /* r is at a line's start */

    for (const char *r = in; *r; r++) {
        if (bol && quoted_query(r)) {
            r += strcspn(r, "\n");  /* to its line end */
            if (!*r)
                break;
            continue;
        }
        bol = *r == '\n';
        if (*r == '\n' || *r == '\t' || *r == '\r') {
            int more = r[1] == '\t' || r[1] == ' ';
            const char *next = r + 1 + strspn(r + 1, " \t\r");
            int stop = w > d && strchr(".:;!?", w[-1]) != NULL;

            if (*r == '\n' && *next && *next != '\n' && w > d && !stop && !quoted_query(next))
                *w++ = !more ? ';' : *next >= 'A' && *next <= 'Z' ? '.' : ' ';
            if (w > d && w[-1] != ' ' && *next)
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
    char *line = one_line(why);
    char *msg = xasprintf(pg->connecting || pg->pinning ? "%s" : "connection lost: %s", line);

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
    if (watch(pg, UV_READABLE) == 0)
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
            err = one_line(PQresultErrorMessage(r));
        PQclear(r);
    }
    if (PQisBusy(pg->conn)) {
        free(err);
        watch(pg, UV_READABLE);
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
            watch(pg, UV_READABLE | UV_WRITABLE);
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

/* --- binary COPY ------------------------------------------------------------------ */

enum dec { DEC_NONE, DEC_INT2, DEC_INT4, DEC_OID, DEC_INT8, DEC_FLOAT8, DEC_BOOL, DEC_TEXT,
           DEC_JSONB, DEC_BYTEA, DEC_NUMERIC, DEC_TS, DEC_TSTZ, DEC_DATE, DEC_TIME, DEC_UUID };

/* How a column of this type is read in binary; DEC_NONE: not at all. */
static enum dec dec_of(Oid oid)
{
    switch (oid) {
    case 21: return DEC_INT2;
    case 23: return DEC_INT4;
    case 26: return DEC_OID;
    case 20: return DEC_INT8;
    case 701: return DEC_FLOAT8;
    case 16: return DEC_BOOL;
    case 25: case 1043: case 1042: case 19: case 114: return DEC_TEXT;  /* text varchar
                                                     * bpchar name json: sent as printed */
    case 3802: return DEC_JSONB;
    case 17: return DEC_BYTEA;
    case 1700: return DEC_NUMERIC;
    case 1114: return DEC_TS;
    case 1184: return DEC_TSTZ;
    case 1082: return DEC_DATE;
    case 1083: return DEC_TIME;
    case 2950: return DEC_UUID;
    default: return DEC_NONE;
    }
}

/* After the LIMIT 0 query: binary when every column is read in binary. */
static void choose_format(struct pg *pg)
{
    /* a server built without integer datetimes (before PostgreSQL 10) sends
     * times as float8 seconds: those are read as text */
    const char *idt = PQparameterStatus(pg->conn, "integer_datetimes");
    int int_times = idt && !strcmp(idt, "on");

    pg->dec = xrealloc(pg->dec, (size_t)pg->ncols + 1);
    pg->binary = 1;
    for (int c = 0; c < pg->ncols; c++) {
        enum dec d = dec_of(pg->coltypes[c]);
        if (!int_times && (d == DEC_TS || d == DEC_TSTZ || d == DEC_TIME))
            d = DEC_NONE;
        if ((pg->dec[c] = (unsigned char)d) == DEC_NONE)
            pg->binary = 0;
    }
}

/* Room for `n` bytes of text in the arena for cell `cell`; where to write. */
static char *arena_take(struct pg *pg, size_t cell, size_t n)
{
    char *at;

    pg->arena = xgrow(pg->arena, &pg->acap, pg->alen + n + 1, 1);
    pg->fix = xgrow(pg->fix, &pg->fixcap, pg->nfix + 1, sizeof *pg->fix);
    pg->fix[pg->nfix].cell = cell;
    pg->fix[pg->nfix++].off = pg->alen;
    at = pg->arena + pg->alen;
    pg->alen += n + 1;
    return at;
}

/* One field: `at` is its length word, `data` its `len` bytes (len >= 0).
 * Converted within those 4 + len bytes, else written to the arena. -1 when
 * the bytes are not of the column's type. */
static int decode(struct pg *pg, int c, size_t cell, char *at, char *data, int32_t len)
{
    struct db_cell *out = &pg->cells[cell];
    uint64_t u;
    int64_t v;

    switch ((enum dec)pg->dec[c]) {
    case DEC_INT8: case DEC_FLOAT8: case DEC_TS: case DEC_TSTZ: case DEC_TIME:
        if (len != 8)
            return -1;
        u = pgbin_u64(data);
        if (pg->dec[c] == DEC_TIME && u > UINT64_C(86400000000))
            return -1;  /* a time of day is 0 to 24:00:00 */
        memcpy(data, &u, 8);  /* to the machine's order: int64_t, double */
        *out = (struct db_cell){ data, 8, pg->dec[c] == DEC_INT8 ? DB_INT64 :
                                 pg->dec[c] == DEC_FLOAT8 ? DB_REAL64 :
                                 pg->dec[c] == DEC_TS ? DB_PGTIMESTAMP :
                                 pg->dec[c] == DEC_TSTZ ? DB_PGTIMESTAMPTZ : DB_PGTIME };
        return 0;
    case DEC_INT4: case DEC_OID: case DEC_DATE:  /* widened over the length word */
        if (len != 4)
            return -1;
        u = pgbin_u32(data);
        v = pg->dec[c] == DEC_OID ? (int64_t)u : (int64_t)(int32_t)u;
        memcpy(at, &v, 8);
        *out = (struct db_cell){ at, 8, pg->dec[c] == DEC_DATE ? DB_PGDATE : DB_INT64 };
        return 0;
    case DEC_INT2: {  /* "-32768" fits in the 6 bytes */
        char t[24];
        int n;
        if (len != 2)
            return -1;
        n = int_format(t, (int16_t)pgbin_u16(data));
        memcpy(at, t, (size_t)n);
        at[n] = '\0';
        *out = (struct db_cell){ at, (size_t)n, DB_INT };
        return 0;
    }
    case DEC_BOOL:
        if (len != 1)
            return -1;
        data[0] = data[0] ? 't' : 'f';
        *out = (struct db_cell){ data, 1, DB_BOOL };
        return 0;
    case DEC_TEXT:
        *out = (struct db_cell){ data, (size_t)len, DB_TEXT };
        return 0;
    case DEC_JSONB:  /* a version byte, then the text */
        if (len < 1 || data[0] != 1)
            return -1;
        *out = (struct db_cell){ data + 1, (size_t)len - 1, DB_TEXT };
        return 0;
    case DEC_BYTEA:
        *out = (struct db_cell){ data, (size_t)len, DB_BLOB };
        return 0;
    case DEC_NUMERIC: {
        long room = pgbin_numeric_room(data, (size_t)len);
        char *t;
        if (room < 0)
            return -1;
        if (room < DB_CELL_TEXT_MAX) {
            *out = (struct db_cell){ data, (size_t)len, DB_PGNUMERIC };
            return 0;
        }
        t = arena_take(pg, cell, (size_t)room);
        *out = (struct db_cell){ NULL, pgbin_numeric_text(data, (size_t)len, t), DB_NUMERIC };
        return 0;
    }
    case DEC_UUID:
        if (len != 16)
            return -1;
        pgbin_uuid_text(data, arena_take(pg, cell, 36));
        *out = (struct db_cell){ NULL, 36, DB_TEXT };
        return 0;
    default:
        return -1;
    }
}

/* One message of a binary COPY: the header first, then one row (a field
 * count, each field's length, -1 for NULL, and bytes); the trailer has a
 * count of -1. Each value is followed by a NUL written over the next field's
 * length word once that has been read (libpq ends the buffer with one).
 * Returns whether the message was kept as a row. */
static int copy_binary(struct pg *pg, char *line, int n)
{
    static const char signature[11] = "PGCOPY\n\377\r\n";  /* and a NUL */
    char *p = line, *end = line + n;
    size_t base;
    int32_t len = 0;

    if (pg->qerr)
        return 0;  /* after a bad row: drained */
    if (!pg->header) {
        if (n < 19 || memcmp(p, signature, sizeof signature) ||
            pgbin_u32(p + 15) > (uint32_t)n - 19)
            goto bad;
        p += 19 + pgbin_u32(p + 15);  /* and its extension area */
        pg->header = 1;
    }
    if (end - p < 2)
        goto bad;
    if ((int16_t)pgbin_u16(p) == -1)
        return 0;
    if ((int16_t)pgbin_u16(p) != pg->ncols)
        goto bad;
    p += 2;
    base = pg->nrows * (size_t)pg->ncols;
    pg->cells = xgrow(pg->cells, &pg->cellcap, base + (size_t)pg->ncols, sizeof *pg->cells);
    if (pg->ncols) {
        if (end - p < 4)
            goto bad;
        len = (int32_t)pgbin_u32(p);
    }
    for (int c = 0; c < pg->ncols; c++) {
        char *data = p + 4, *next;
        int32_t next_len = 0;
        if (len < -1 || (len > 0 && end - data < len))
            goto bad;
        next = data + (len > 0 ? len : 0);
        if (c + 1 < pg->ncols) {
            if (end - next < 4)
                goto bad;
            next_len = (int32_t)pgbin_u32(next);
        } else if (next != end) {
            goto bad;
        }
        if (len < 0)
            pg->cells[base + (size_t)c] = (struct db_cell){ NULL, 0, DB_NULL };
        else if (decode(pg, c, base + (size_t)c, p, data, len) < 0)
            goto bad;
        *next = '\0';
        p = next;
        len = next_len;
    }
    pg->lines = xgrow(pg->lines, &pg->linecap, pg->nrows + 1, sizeof *pg->lines);
    pg->lines[pg->nrows++] = line;
    return 1;
bad:
    pg->qerr = xstrdup("the server's binary COPY data could not be read");
    return 0;
}

/* Reads COPY rows while libpq has them. Returns 1 when pump() must wait (no
 * data yet, or paused), 0 when the COPY has ended and its result follows. */
static int copy_rows(struct pg *pg, db_query_t *q)
{
    for (;;) {
        char *line;
        int n = PQgetCopyData(pg->conn, &line, 1);

        if (n > 0) {
            if (!pg->binary)
                copy_line(pg, line, n);
            else if (!copy_binary(pg, line, n))
                PQfreemem(line);
            pg->bytes += (size_t)n;
            if ((pg->nrows >= q->o.batch_rows || pg->bytes >= DB_BATCH_BYTES) &&
                deliver(pg, q) == DB_PAUSE) {
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

        if (!r && (pg->wrap == WRAP_BEGIN || pg->wrap == WRAP_END)) {
            wrap_done(pg, q);
            return;
        }
        if (!r) {
            if (pg->probe && !pg->qerr && !q->stop) {  /* the types are known: now the rows */
                pg->probe = 0;
                choose_format(pg);
                send_query(pg, q);
                return;
            }
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
            char *line = one_line(PQerrorMessage(pg->conn));
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
    watch(pg, UV_READABLE | (pg->flushing ? UV_WRITABLE : 0));
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
    watch(pg, UV_READABLE | (pg->flushing ? UV_WRITABLE : 0));
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
