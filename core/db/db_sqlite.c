/* db_sqlite: SQLite on the libuv thread pool. One job at a time per
 * connection (open, step a batch, close); the loop thread only touches the
 * connection between jobs and sees results in the after-work callback.
 * Batches alternate between two buffers: while the consumer reads one on the
 * loop, the next job already steps into the other (unless paused). */
#include "config.h"
#include "db_int.h"
#include "dtoa.h"
#include "util.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <xxhash.h>

enum job { JOB_OPEN, JOB_STEP, JOB_CLOSE };

struct slot {                   /* a value's place in the arena while the batch grows */
    uint32_t off, len;          /* a batch stops past 1 MB, a SQLite row holds at most 1 GB */
    unsigned char type;
};

struct lite {
    db_t *db;
    sqlite3 *conn;
    sqlite3_stmt *stmt;
    uv_work_t work;
    enum job job;
    int busy;                   /* a job is on the pool */
    int ending;                 /* after_cb delivers the last rows, then finishes */
    void (*disconnected)(db_t *db);
    /* filled by the job, read after it */
    int rc;
    char *jerr;
    int finished;               /* SQLITE_DONE reached */
    struct buf {                /* one batch: values in an arena, their places in slots, */
        char *arena;            /* made cells by the job once the batch is complete */
        size_t alen, acap;
        struct slot *slots;
        size_t nslots, slotcap;
        struct db_cell *cells;
        size_t cellcap;
        size_t nrows;
    } buf[2];
    int fill;                   /* the buffer the next job steps into */
    int held;                   /* a buffer stepped while paused, to deliver on resume; -1 */
    char **colnames;
    int ncols;
    /* read by the progress handler on the pool thread */
    atomic_int interrupt;
    uint64_t deadline;          /* uv_hrtime() ns; 0 while idle */
    int timed_out;
};

static void run_job(struct lite *l, enum job job);

static int progress(void *arg)
{
    struct lite *l = arg;

    if (atomic_load(&l->interrupt))
        return 1;
    if (l->deadline && uv_hrtime() > l->deadline) {
        l->timed_out = 1;
        return 1;
    }
    return 0;
}

static void set_jerr(struct lite *l, const char *msg)
{
    free(l->jerr);
    l->jerr = xstrdup(msg);
}

#define BUSY_MS 5000    /* a read waits this long for a writer's lock */

/* SQLite's message for the connection's last error, saying what "locked" means. */
static void set_sqlite_err(struct lite *l)
{
    free(l->jerr);
    if (sqlite3_errcode(l->conn) == SQLITE_AUTH)
        l->jerr = xstrdup("refused: cutover only reads (no write, ATTACH or pragma that sets "
                          "anything)");
    else if (sqlite3_errcode(l->conn) == SQLITE_BUSY)
        l->jerr = xasprintf("%s (a writer has kept it locked for more than %d s)",
                            sqlite3_errmsg(l->conn), BUSY_MS / 1000);
    else
        l->jerr = xstrdup(sqlite3_errmsg(l->conn));
}

/* The connection could not be opened or read (by `st`, if any): why, and
 * it is closed. */
static void open_failed(struct lite *l, sqlite3_stmt *st, const char *what, const char *path)
{
    char *why;

    if (l->conn)
        set_sqlite_err(l);
    else
        set_jerr(l, "out of memory");
    why = l->jerr;
    l->jerr = xasprintf("%s '%s': %s", what, path, why);
    free(why);
    sqlite3_finalize(st);
    sqlite3_close_v2(l->conn);
    l->conn = NULL;
}

/* cutover_row_hash(v, …): a 64-bit hash of its arguments' storage classes
 * and bytes, for a diff that compares the rows of two SQLite files by hash
 * first. Each value goes in on its own, after the hash of those before and
 * its class: text and blobs through XXH3 seeded by them (XXH3 counts their
 * length), an integer's or real's 8 bytes through a 64-bit bijective mixer
 * (two multiply-xorshift rounds, MurmurHash3's finalizer), which saves 2 %
 * of a diff's instructions on the benchmark's pair. Values of one class and
 * the same bytes hash alike; anything else almost never does, ("12","3") no
 * more like ("1","23") than any other pair. */
static inline uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    x ^= x >> 33;
    return x;
}

/* cutover_hash_sum(h): the sum of 64-bit hashes, wrapping (mod 2^64), as
 * the integer of those bits: the order-independent checksum of a key range's
 * rows a bisecting diff compares (sum() would fail on overflow). */
static void sql_hash_sum_step(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
    uint64_t *acc = sqlite3_aggregate_context(cx, sizeof *acc);

    (void)argc;
    if (acc)
        *acc += (uint64_t)sqlite3_value_int64(argv[0]);
}

static void sql_hash_sum_final(sqlite3_context *cx)
{
    uint64_t *acc = sqlite3_aggregate_context(cx, 0);

    sqlite3_result_int64(cx, acc ? (sqlite3_int64)*acc : 0);
}

static void sql_row_hash(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
    uint64_t h = 0;

    for (int i = 0; i < argc; i++) {
        sqlite3_value *v = argv[i];
        int type = sqlite3_value_type(v);
        uint64_t seed = h ^ (0x9E3779B97F4A7C15ull * (unsigned)(type + 1));
        switch (type) {
        case SQLITE_NULL:
            h = mix64(seed);
            break;
        case SQLITE_INTEGER:
            h = mix64(mix64(seed) ^ (uint64_t)sqlite3_value_int64(v));
            break;
        case SQLITE_FLOAT: {
            double r = sqlite3_value_double(v);
            uint64_t x;
            memcpy(&x, &r, sizeof x);
            h = mix64(mix64(seed) ^ x);
            break;
        }
        case SQLITE_BLOB:
            h = XXH3_64bits_withSeed(sqlite3_value_blob(v), (size_t)sqlite3_value_bytes(v), seed);
            break;
        default: {
            const unsigned char *p = sqlite3_value_text(v);
            h = XXH3_64bits_withSeed(p, (size_t)sqlite3_value_bytes(v), seed);
            break;
        }
        }
    }
    sqlite3_result_int64(cx, (sqlite3_int64)h);
}

/* Reads only, whatever the SQL: no ATTACH (a file of the user's choosing),
 * no write, no pragma that sets anything. Transactions and savepoints are
 * ours (a read snapshot); a read-only open could not write anyway, but VACUUM
 * INTO could leave a file behind (sqlite3_stmt_readonly() catches it). */
static int authorize(void *arg, int action, const char *a3, const char *a4, const char *db,
                     const char *trigger)
{
    (void)arg, (void)a3, (void)db, (void)trigger;
    switch (action) {
    case SQLITE_SELECT: case SQLITE_READ: case SQLITE_FUNCTION: case SQLITE_RECURSIVE:
    case SQLITE_TRANSACTION: case SQLITE_SAVEPOINT:
        return SQLITE_OK;
    case SQLITE_UPDATE:  /* pragma_table_list() asks so of the schema table it reads */
        return a3 && !strcmp(a3, "sqlite_master") ? SQLITE_OK : SQLITE_DENY;
    case SQLITE_PRAGMA: {  /* reading one, never setting one nor one that does work */
        static const char *const with_arg[] = { "table_info", "table_xinfo", "table_list",
            "index_list", "index_info", "index_xinfo", "foreign_key_list", "foreign_key_check",
            "integrity_check", "quick_check" };
        if (!a3)
            return SQLITE_DENY;
        for (size_t i = 0; a4 && i < sizeof with_arg / sizeof *with_arg; i++)
            if (!strcasecmp(a3, with_arg[i]))
                return SQLITE_OK;
        return !a4 && strcasecmp(a3, "optimize") && strcasecmp(a3, "wal_checkpoint") &&
               strcasecmp(a3, "incremental_vacuum") ? SQLITE_OK : SQLITE_DENY;
    }
    default:
        return SQLITE_DENY;
    }
}

/* After a statement's end: only blanks and comments (one statement a text). */
static int only_comments(const char *p)
{
    for (;;) {
        p += strspn(p, " \t\r\n\f\v;");
        if (p[0] == '-' && p[1] == '-')
            p += strcspn(p, "\n");
        else if (p[0] == '/' && p[1] == '*' && strstr(p + 2, "*/"))
            p = strstr(p + 2, "*/") + 2;
        else
            return !*p;
    }
}

static void do_open(struct lite *l)
{
    const char *path = l->db->url.path;
    struct stat st;
    sqlite3_stmt *s;

    if (strcmp(path, ":memory:") != 0 && stat(path, &st) < 0) {
        l->jerr = xasprintf("cannot open '%s': %s", path, strerror(errno));
        return;
    }
    /* Read-only twice over: the open flag and query_only for this session.
     * NOMUTEX: a connection runs one job at a time, so SQLite's own locking
     * would only cost (sqlite3_interrupt stays safe from any thread). A
     * pilot application's write (its lock, in rollback-journal mode) is
     * waited for, up to BUSY_MS, from the first read on. */
    if (sqlite3_open_v2(path, &l->conn, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) !=
            SQLITE_OK ||
        sqlite3_busy_timeout(l->conn, BUSY_MS) != SQLITE_OK ||
        sqlite3_exec(l->conn, "PRAGMA query_only = 1", NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_create_function(l->conn, "cutover_row_hash", -1,
                                SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL,
                                sql_row_hash, NULL, NULL) != SQLITE_OK ||
        sqlite3_create_function(l->conn, "cutover_hash_sum", 1,
                                SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL,
                                NULL, sql_hash_sum_step, sql_hash_sum_final) != SQLITE_OK ||
        sqlite3_prepare_v2(l->conn, "SELECT count(*) FROM sqlite_schema", -1, &s, NULL)
            != SQLITE_OK) {
        open_failed(l, NULL, "cannot open", path);
        return;
    }
    if (sqlite3_step(s) != SQLITE_ROW) {
        open_failed(l, s, "cannot read", path);
        return;
    }
    sqlite3_finalize(s);
    sqlite3_progress_handler(l->conn, 1000, progress, l);
    sqlite3_set_authorizer(l->conn, authorize, NULL);
}

/* Appends a value; the row's slots are reserved by copy_row(). */
static inline void arena_add(struct buf *b, const void *p, size_t n, enum db_type type)
{
    b->slots[b->nslots++] = (struct slot){ (uint32_t)b->alen, (uint32_t)n, (unsigned char)type };
    if (b->alen + n + 1 > b->acap)
        b->arena = xgrow(b->arena, &b->acap, b->alen + n + 1, 1);
    if (n)
        memcpy(b->arena + b->alen, p, n);
    b->arena[b->alen + n] = '\0';  /* text stays a C string */
    b->alen += n + 1;
}

static inline void copy_value(struct lite *l, struct buf *b, int c, int binary)
{
    /* the column's value once, then the value API: each sqlite3_column_*
     * call does its own bookkeeping, several per value otherwise */
    sqlite3_value *v = sqlite3_column_value(l->stmt, c);
    char buf[DTOA_MAX];

    switch (sqlite3_value_type(v)) {
    case SQLITE_NULL:
        arena_add(b, NULL, 0, DB_NULL);
        break;
    case SQLITE_INTEGER: {
        sqlite3_int64 i = sqlite3_value_int64(v);
        if (binary)
            arena_add(b, &i, sizeof i, DB_INT64);
        else
            arena_add(b, buf, (size_t)int_format(buf, i), DB_INT);
        break;
    }
    case SQLITE_FLOAT: {
        double r = sqlite3_value_double(v);
        if (binary)
            arena_add(b, &r, sizeof r, DB_REAL64);
        else
            arena_add(b, buf, (size_t)dtoa_shortest(buf, r), DB_FLOAT);
        break;
    }
    case SQLITE_BLOB: {
        const void *p = sqlite3_value_blob(v);
        arena_add(b, p, (size_t)sqlite3_value_bytes(v), DB_BLOB);
        break;
    }
    default: {
        const unsigned char *p = sqlite3_value_text(v);
        arena_add(b, p, (size_t)sqlite3_value_bytes(v), DB_TEXT);
        break;
    }
    }
}

static void do_step(struct lite *l)
{
    db_query_t *q = l->db->active;
    struct buf *b = &l->buf[l->fill];
    int rc = SQLITE_ROW;

    if (atomic_load(&l->interrupt))
        return;
    if (!l->stmt) {
        const char *tail = NULL;
        if (sqlite3_prepare_v2(l->conn, q->sql, -1, &l->stmt, &tail) != SQLITE_OK) {
            set_sqlite_err(l);
            return;
        }
        /* (a pragma is never "read-only" to SQLite: the authorizer lets reading ones by) */
        int pragma = !strncasecmp(q->sql + strspn(q->sql, " \t\r\n"), "PRAGMA", 6);
        if (!l->stmt || (!pragma && !sqlite3_stmt_readonly(l->stmt)) ||
            (tail && !only_comments(tail))) {
            free(l->jerr);
            l->jerr = xstrdup(!l->stmt ? "no statement to run"
                              : !pragma && !sqlite3_stmt_readonly(l->stmt)
                              ? "refused: the statement would write (cutover only reads)"
                              : "refused: more than one statement (cutover runs one a text)");
            sqlite3_finalize(l->stmt);
            l->stmt = NULL;
            return;
        }
        for (int i = 0; i < q->nparams; i++)
            sqlite3_bind_text(l->stmt, i + 1, q->params[i], -1, SQLITE_TRANSIENT);
        l->ncols = sqlite3_column_count(l->stmt);
        l->colnames = xcalloc((size_t)l->ncols, sizeof *l->colnames);
        for (int c = 0; c < l->ncols; c++)
            l->colnames[c] = xstrdup(sqlite3_column_name(l->stmt, c));
    }
    while (b->nrows < q->o.batch_rows && b->alen < DB_BATCH_BYTES &&
           (rc = sqlite3_step(l->stmt)) == SQLITE_ROW) {
        if (b->nslots + (size_t)l->ncols > b->slotcap)
            b->slots = xgrow(b->slots, &b->slotcap, b->nslots + (size_t)l->ncols,
                             sizeof *b->slots);
        for (int c = 0; c < l->ncols; c++)
            copy_value(l, b, c, q->o.binary);
        b->nrows++;
    }
    /* the arena has stopped moving: the values' addresses, here on the pool */
    b->cells = xgrow(b->cells, &b->cellcap, b->nslots, sizeof *b->cells);
    for (size_t k = 0; k < b->nslots; k++) {
        const struct slot *s = &b->slots[k];
        b->cells[k] = (struct db_cell){ s->type == DB_NULL ? NULL : b->arena + s->off, s->len,
                                        s->type };
    }
    if (rc == SQLITE_DONE) {
        l->finished = 1;
    } else if (rc != SQLITE_ROW) {
        if (l->timed_out)
            set_jerr(l, "canceling statement due to statement timeout");
        else
            set_sqlite_err(l);
    }
}

static void work_cb(uv_work_t *w)
{
    struct lite *l = w->data;

    switch (l->job) {
    case JOB_OPEN: do_open(l); break;
    case JOB_STEP: do_step(l); break;
    case JOB_CLOSE:
        sqlite3_finalize(l->stmt);
        l->stmt = NULL;
        sqlite3_close_v2(l->conn);
        l->conn = NULL;
        break;
    }
}

static void query_reset(struct lite *l)
{
    sqlite3_finalize(l->stmt);
    l->stmt = NULL;
    for (int c = 0; c < l->ncols; c++)
        free(l->colnames[c]);
    free(l->colnames);
    l->colnames = NULL;
    l->ncols = 0;
    l->finished = 0;
    l->timed_out = 0;
    l->deadline = 0;
    for (int i = 0; i < 2; i++)
        l->buf[i].nrows = l->buf[i].nslots = l->buf[i].alen = 0;
    l->held = -1;
    atomic_store(&l->interrupt, 0);
}

/* Hands buffer i to the consumer (nothing if it is empty) and empties it. */
static int deliver(struct lite *l, db_query_t *q, int i)
{
    struct buf *f = &l->buf[i];
    struct db_batch b;

    if (!f->nrows)
        return DB_CONTINUE;
    b = (struct db_batch){ .nrows = f->nrows, .ncols = l->ncols,
                           .colnames = (const char *const *)l->colnames,
                           .coltypes = NULL, .cells = f->cells };
    f->nrows = f->nslots = f->alen = 0;
    return db__deliver(q, &b);
}

static void close_now(struct lite *l)
{
    if (l->db->active)
        db__finish(l->db->active, DB_ECANCELED, NULL);
    query_reset(l);
    if (l->conn)
        run_job(l, JOB_CLOSE);
    else
        l->disconnected(l->db);
}

/* The next batch: stepped into the buffer that is not waiting. */
static void step_next(struct lite *l, int busy_buf)
{
    l->fill = !busy_buf;
    run_job(l, JOB_STEP);
}

static void after_cb(uv_work_t *w, int status)
{
    struct lite *l = w->data;
    db_t *db = l->db;
    db_query_t *q = db->active;
    int got = l->fill;
    char *err;

    (void)status;
    l->busy = 0;
    if (l->job == JOB_CLOSE) {
        l->disconnected(db);
        return;
    }
    if (l->job == JOB_OPEN) {
        err = l->jerr;
        l->jerr = NULL;
        if (l->disconnected)
            close_now(l);
        else if (err)
            db__failed(db, err);
        else
            db__connected(db);
        free(err);
        return;
    }
    if (l->disconnected) {
        free(l->jerr);
        l->jerr = NULL;
        close_now(l);
    } else if (l->jerr || l->finished || q->stop) {
        l->ending = 1;  /* a cancel from these rows' callback: finished just below */
        if (q && l->held >= 0)  /* a pause now is moot: the query is over */
            deliver(l, q, l->held);
        if (q)
            deliver(l, q, got);
        l->ending = 0;
        err = l->jerr;
        l->jerr = NULL;
        query_reset(l);
        db__finish(q, err ? DB_EQUERY : DB_OK, err);
        free(err);
    } else if (q->paused) {
        l->held = got;  /* stepped ahead before the pause: kept for the resume */
    } else {
        step_next(l, got);  /* the worker reads on while the consumer takes this batch */
        deliver(l, q, got);
    }
}

static void run_job(struct lite *l, enum job job)
{
    l->job = job;
    l->busy = 1;
    l->work.data = l;
    uv_queue_work(l->db->loop, &l->work, work_cb, after_cb);
}

static void lite_connect(db_t *db)
{
    struct lite *l = db->impl;

    if (!l) {
        l = db->impl = xcalloc(1, sizeof *l);
        l->db = db;
        l->held = -1;
    }
    run_job(l, JOB_OPEN);
}

static void lite_start(db_t *db, db_query_t *q)
{
    struct lite *l = db->impl;

    (void)q;
    query_reset(l);
    l->deadline = uv_hrtime() + (uint64_t)db->o.statement_timeout_ms * 1000000u;
    run_job(l, JOB_STEP);
}

static void lite_resume(db_t *db, db_query_t *q)
{
    struct lite *l = db->impl;
    int held = l->held;

    if (held >= 0) {
        l->held = -1;
        if (!l->busy)
            step_next(l, held);
        deliver(l, q, held);
    } else if (!l->busy) {
        step_next(l, !l->fill);
    }
}

static void lite_cancel(db_t *db, db_query_t *q)
{
    struct lite *l = db->impl;

    (void)q;
    atomic_store(&l->interrupt, 1);
    if (l->busy)
        sqlite3_interrupt(l->conn);
    else if (!l->ending)
        run_job(l, JOB_STEP);  /* a paused query: one job sees the flag and ends it */
}

static void lite_disconnect(db_t *db, void (*done)(db_t *db))
{
    struct lite *l = db->impl;

    if (!l) {
        done(db);
        return;
    }
    l->disconnected = done;
    if (l->busy) {
        atomic_store(&l->interrupt, 1);
        if (l->job == JOB_STEP)  /* conn is only ours to touch once open */
            sqlite3_interrupt(l->conn);
        return;  /* after_cb finishes the close */
    }
    close_now(l);
}

static void lite_free(db_t *db)
{
    struct lite *l = db->impl;

    if (!l)
        return;
    free(l->jerr);
    for (int i = 0; i < 2; i++) {
        free(l->buf[i].arena);
        free(l->buf[i].slots);
        free(l->buf[i].cells);
    }
    free(l);
}

const struct db_ops db_sqlite_ops = {
    .connect = lite_connect,
    .start = lite_start,
    .resume = lite_resume,
    .cancel = lite_cancel,
    .disconnect = lite_disconnect,
    .free_impl = lite_free,
};
