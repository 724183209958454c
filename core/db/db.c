#include "config.h"
#include "db_int.h"
#include "dtoa.h"
#include "pgbin.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BACKOFF_FIRST_MS 500u
#define BACKOFF_MAX_MS 30000u

_Static_assert(DB_CELL_TEXT_MAX >= DTOA_MAX && DB_CELL_TEXT_MAX >= PGBIN_TIME_TEXT_MAX,
               "room for any number and time");

struct db_cell db_cell_text(const struct db_cell *c, char *buf)
{
    int64_t i;
    double r;

    if (!c->p || !db_type_binary(c->type))
        return *c;
    if (c->type == DB_PGNUMERIC)  /* db_pg keeps only those that fit */
        return (struct db_cell){ buf, pgbin_numeric_text(c->p, c->len, buf), DB_NUMERIC };
    if (c->type == DB_REAL64) {
        memcpy(&r, c->p, sizeof r);
        if (isnan(r) || isinf(r)) {  /* as PostgreSQL spells them (SQLite has no NaN) */
            strcpy(buf, isnan(r) ? "NaN" : r < 0 ? "-Infinity" : "Infinity");
            return (struct db_cell){ buf, strlen(buf), DB_FLOAT };
        }
        return (struct db_cell){ buf, (size_t)dtoa_shortest(buf, r), DB_FLOAT };
    }
    memcpy(&i, c->p, sizeof i);
    switch (c->type) {
    case DB_PGTIMESTAMP:
    case DB_PGTIMESTAMPTZ:
        return (struct db_cell){ buf, pgbin_timestamp_text(i, c->type == DB_PGTIMESTAMPTZ, buf),
                                 DB_TEXT };
    case DB_PGDATE:
        return (struct db_cell){ buf, pgbin_date_text(i, buf), DB_TEXT };
    case DB_PGTIME:
        return (struct db_cell){ buf, pgbin_time_text(i, buf), DB_TEXT };
    default:
        return (struct db_cell){ buf, (size_t)int_format(buf, i), DB_INT };
    }
}

static void kick(db_t *db);
static void retry_cb(uv_timer_t *t);

int db_open(uv_loop_t *loop, const char *url, const char *base_dir, const struct db_opts *o,
            db_t **out, struct err *e)
{
    db_t *db = xcalloc(1, sizeof *db);

    if (url_parse(url, base_dir, &db->url, e) < 0) {
        free(db);
        return -1;
    }
    db->loop = loop;
    db->ops = db->url.kind == URL_PG ? &db_pg_ops : &db_sqlite_ops;
    if (o)
        db->o = *o;
    if (db->o.statement_timeout_ms <= 0)
        db->o.statement_timeout_ms = 60000;
    if (db->o.connect_timeout_ms <= 0)
        db->o.connect_timeout_ms = 10000;
    db->state = DB_CONNECTING;
    uv_timer_init(loop, &db->retry);
    uv_idle_init(loop, &db->sweep);
    db->retry.data = db->sweep.data = db;
    db->handles = 2;
    *out = db;
    /* Connect from the loop, so every outcome arrives asynchronously. */
    uv_timer_start(&db->retry, retry_cb, 0, 0);
    return 0;
}

enum db_state db_state(const db_t *db) { return db->state; }
enum url_kind db_kind(const db_t *db) { return db->url.kind; }
const char *db_url_masked(const db_t *db) { return db->url.masked; }
const char *db_errmsg(const db_t *db) { return db->errmsg; }

uint64_t db_received(const db_t *db) { return db->received; }

static void set_state(db_t *db, enum db_state s)
{
    if (db->state == s)
        return;
    db->state = s;
    if (db->o.on_state && !db->closing)
        db->o.on_state(db, s, db->o.arg);
}

static void query_free(db_query_t *q)
{
    for (int i = 0; i < q->nparams; i++)
        free(q->params[i]);
    free(q->params);
    free(q->sql);
    free(q);
}

static void timer_free_cb(uv_handle_t *h)
{
    free(h);
}

/* Takes q off the queue or the active slot, reports it, frees it. */
static void finish(db_t *db, db_query_t *q, int status, const char *why)
{
    char msg[1400], *safe = NULL;
    const char *m = NULL;

    if (db->active == q) {
        db->active = NULL;
    } else {
        for (db_query_t **pp = &db->head; *pp; pp = &(*pp)->next)
            if (*pp == q) {
                *pp = q->next;
                break;
            }
        db->tail = NULL;
        for (db_query_t *it = db->head; it; it = it->next)
            db->tail = it;
    }
    if (q->stop)
        status = q->stop;
    if (why && db->url.kind == URL_PG)  /* a password libpq quoted is never shown */
        why = safe = url_mask_secrets(db->url.conninfo, why);
    if (status == DB_ECANCELED)
        m = "query canceled";
    else if (status == DB_ETIMEDOUT)
        m = (snprintf(msg, sizeof msg, "%s: query timed out after %d ms", db->url.masked,
                      q->o.timeout_ms), msg);
    else if (status == DB_ELOST)
        m = why && *why ? why : db->errmsg;
    else if (status != DB_OK)
        m = (snprintf(msg, sizeof msg, "%s: %s", db->url.masked, why ? why : "query failed"),
             msg);
    if (q->timer) {
        uv_close((uv_handle_t *)q->timer, timer_free_cb);
        q->timer = NULL;
    }
    q->done(q, status, m, q->arg);
    query_free(q);
    free(safe);
}

void db__finish(db_query_t *q, int status, const char *msg)
{
    db_t *db = q->db;

    finish(db, q, status, msg);
    kick(db);
}

int db__deliver(db_query_t *q, const struct db_batch *b)
{
    size_t n = b->nrows * (size_t)b->ncols;

    for (size_t i = 0; i < n; i++)  /* each value and its length word, as the wire has them */
        q->db->received += 4 + (b->cells[i].p ? b->cells[i].len : 0);
    if (q->stop || !q->rows)
        return DB_CONTINUE;  /* a stopped query's rows are drained, not shown */
    if (q->rows(q, b, q->arg) == DB_PAUSE) {
        q->paused = 1;
        return DB_PAUSE;
    }
    return DB_CONTINUE;
}

/* Fails the queued queries (and the active one, if `active`). The queue is
 * detached first: a done callback that queues again is served later, not
 * failed in the same breath (which would never end). */
static void fail_queued(db_t *db, int active, int status, const char *why)
{
    db_query_t *q = db->head, *next;

    db->head = db->tail = NULL;
    if (active && db->active)
        finish(db, db->active, status, why);
    for (; q; q = next) {
        next = q->next;
        finish(db, q, status, why);
    }
}

void db__connected(db_t *db)
{
    db->backoff_ms = 0;
    db->errmsg[0] = '\0';
    set_state(db, DB_UP);
    kick(db);
}

void db__failed(db_t *db, const char *why)
{
    enum db_state prev = db->state;
    /* libpq's own message may quote the URL it was given, password and all */
    char *safe = db->url.kind == URL_PG ? url_mask_secrets(db->url.conninfo, why) : NULL;

    snprintf(db->errmsg, sizeof db->errmsg, "%s: %s", db->url.masked, safe ? safe : why);
    free(safe);
    db->state = DB_DOWN;  /* before failing queries: kick() must start nothing */
    fail_queued(db, 1, DB_ELOST, db->errmsg);
    if (prev != DB_DOWN && db->o.on_state && !db->closing)
        db->o.on_state(db, DB_DOWN, db->o.arg);
    if (db->o.reconnect && !db->closing) {
        db->backoff_ms = db->backoff_ms ? db->backoff_ms * 2 : BACKOFF_FIRST_MS;
        if (db->backoff_ms > BACKOFF_MAX_MS)
            db->backoff_ms = BACKOFF_MAX_MS;
        uv_timer_start(&db->retry, retry_cb, db->backoff_ms, 0);
    }
}

static void timeout_cb(uv_timer_t *t)
{
    db_query_t *q = t->data;

    if (!q->stop) {
        q->stop = DB_ETIMEDOUT;
        q->paused = 0;
        q->db->ops->cancel(q->db, q);
    }
}

static void kick(db_t *db)
{
    while (!db->active && db->head && db->state == DB_UP && !db->closing) {
        db_query_t *q = db->head;

        db->head = q->next;
        if (!db->head)
            db->tail = NULL;
        q->next = NULL;
        db->active = q;
        q->started = uv_hrtime();
        if (q->o.timeout_ms > 0) {
            q->timer = xmalloc(sizeof *q->timer);
            uv_timer_init(db->loop, q->timer);
            q->timer->data = q;
            uv_timer_start(q->timer, timeout_cb, (uint64_t)q->o.timeout_ms, 0);
        }
        db->ops->start(db, q);
    }
}

/* Connections closed (db_close) and not yet released, on any loop. */
static size_t closing_now;

size_t db_closing(void)
{
    return closing_now;
}

static void db_free_cb(uv_handle_t *h)
{
    db_t *db = h->data;

    if (--db->handles > 0)
        return;
    closing_now--;
    db->ops->free_impl(db);
    url_free(&db->url);
    free(db);
}

static void disconnected(db_t *db)
{
    uv_close((uv_handle_t *)&db->retry, db_free_cb);
    uv_close((uv_handle_t *)&db->sweep, db_free_cb);
}

static void retry_cb(uv_timer_t *t)
{
    db_t *db = t->data;

    if (db->closing)
        return;
    set_state(db, DB_CONNECTING);
    db->ops->connect(db);
}

/* Work that must not run inside the caller's stack: reporting canceled
 * queued queries, failing queries while the db is down for good, closing. */
static void sweep_cb(uv_idle_t *h)
{
    db_t *db = h->data;

    uv_idle_stop(h);  /* work queued from here on waits for the next turn */
    if (db->closing) {
        uv_timer_stop(&db->retry);
        fail_queued(db, 0, DB_ECANCELED, NULL);
        db->ops->disconnect(db, disconnected);
        return;
    }
    for (db_query_t *q = db->head, *next; q; q = next) {
        next = q->next;
        if (q->stop)
            finish(db, q, q->stop, NULL);
    }
    if (db->state == DB_DOWN && !db->o.reconnect)
        fail_queued(db, 0, DB_ELOST, db->errmsg);
}

void db_close(db_t *db)
{
    if (!db || db->closing)
        return;
    db->closing = 1;
    closing_now++;
    if (db->active) {
        db->active->stop = DB_ECANCELED;
        db->active->paused = 0;
    }
    for (db_query_t *q = db->head; q; q = q->next)
        q->stop = DB_ECANCELED;
    uv_idle_start(&db->sweep, sweep_cb);
}

db_query_t *db_query(db_t *db, const char *sql, int nparams, const char *const *params,
                     const struct db_query_opts *o, db_rows_cb rows, db_done_cb done, void *arg)
{
    db_query_t *q;

    if (db->closing)
        return NULL;
    q = xcalloc(1, sizeof *q);
    q->db = db;
    q->sql = xstrdup(sql);
    q->nparams = nparams;
    q->params = xcalloc((size_t)nparams, sizeof *q->params);
    for (int i = 0; i < nparams; i++)
        q->params[i] = params[i] ? xstrdup(params[i]) : NULL;
    if (o)
        q->o = *o;
    if (!q->o.batch_rows)
        q->o.batch_rows = 256;
    q->rows = rows;
    q->done = done;
    q->arg = arg;
    if (db->tail)
        db->tail->next = q;
    else
        db->head = q;
    db->tail = q;
    if (db->state == DB_UP)
        kick(db);
    else if (db->state == DB_DOWN && !db->o.reconnect)
        uv_idle_start(&db->sweep, sweep_cb);
    return q;
}

db_t *db_query_db(const db_query_t *q)
{
    return q->db;
}

void db_query_resume(db_query_t *q)
{
    if (!q->paused)
        return;
    q->paused = 0;
    if (q->db->active == q)
        q->db->ops->resume(q->db, q);
}

uint64_t db_query_runtime_ns(const db_query_t *q)
{
    return q->started ? uv_hrtime() - q->started : 0;
}

void db_query_cancel(db_query_t *q)
{
    db_t *db = q->db;

    if (q->stop)
        return;
    q->stop = DB_ECANCELED;
    q->paused = 0;
    if (db->active == q)
        db->ops->cancel(db, q);
    else if (!db->closing)
        uv_idle_start(&db->sweep, sweep_cb);
}

static void quote(struct sbuf *b, const char *s, char q)
{
    sbuf_add(b, &q, 1);
    for (const char *p = s; *p; p++) {
        if (*p == q)
            sbuf_add(b, &q, 1);
        sbuf_add(b, p, 1);
    }
    sbuf_add(b, &q, 1);
}

char *db_quote_ident(const char *name)
{
    struct sbuf b = { 0 };

    quote(&b, name, '"');
    return sbuf_take(&b);
}

void db_quote_literal(struct sbuf *b, const char *value)
{
    quote(b, value, '\'');
}
