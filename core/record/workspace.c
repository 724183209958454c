#include "config.h"
#include "workspace.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* The text a queued discrepancy holds (of what QUEUE_BYTES counts), then
 * freed. */
static size_t unqueue(struct queued *q)
{
    size_t n = 0;

    for (int i = 0; i < 9; i++) {
        n += i < 6 && q->v[i] ? strlen(q->v[i]) : 0;
        free(q->v[i]);
    }
    return n;
}

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

static int replay(ws_t *ws, struct err *e, const char *what);
static void kept_free(struct kept *k);

/* Schema steps: migrations[i] takes a workspace from version i to i + 1. A
 * new version appends a step; released steps never change. */
static const char *const migrations[] = {
    /* 0 → 1 */
    "CREATE TABLE runs ("
    "  id INTEGER PRIMARY KEY, kind TEXT NOT NULL, status TEXT NOT NULL,"
    "  started_at TEXT NOT NULL, finished_at TEXT, duration_ms INTEGER,"
    "  source_url TEXT, target_url TEXT, user TEXT, note TEXT);"
    "CREATE TABLE results ("
    "  run_id INTEGER NOT NULL REFERENCES runs(id), object TEXT NOT NULL,"
    "  target_object TEXT, kind TEXT NOT NULL, source_rows INTEGER, target_rows INTEGER,"
    "  missing INTEGER, extra INTEGER, changed INTEGER, source_value TEXT,"
    "  target_value TEXT, status TEXT NOT NULL, detail TEXT,"
    "  PRIMARY KEY (run_id, kind, object));"
    "CREATE TABLE discrepancies ("
    "  id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL REFERENCES runs(id),"
    "  tbl TEXT NOT NULL, target_tbl TEXT, kind TEXT NOT NULL, key_json TEXT NOT NULL,"
    "  fields_json TEXT, class TEXT, owner TEXT, decision TEXT);"
    "CREATE INDEX discrepancies_by_key ON discrepancies(tbl, kind, key_json);"
    "CREATE TABLE audit ("
    "  id INTEGER PRIMARY KEY, at TEXT NOT NULL, user TEXT NOT NULL, action TEXT NOT NULL,"
    "  object TEXT, old_value TEXT, new_value TEXT);"
    "CREATE TABLE runbook_log ("
    "  id INTEGER PRIMARY KEY, at TEXT NOT NULL, step TEXT NOT NULL, event TEXT NOT NULL,"
    "  user TEXT, exit_status INTEGER, duration_ms INTEGER, output TEXT);"
    "CREATE TABLE samples ("
    "  id INTEGER PRIMARY KEY, at TEXT NOT NULL, side TEXT NOT NULL, object TEXT NOT NULL,"
    "  metric TEXT NOT NULL, value REAL, estimated INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX samples_by_time ON samples(at);"
    "CREATE TABLE alerts ("
    "  id INTEGER PRIMARY KEY, at TEXT NOT NULL, metric TEXT NOT NULL, object TEXT,"
    "  value REAL, threshold REAL, message TEXT NOT NULL, acknowledged_by TEXT,"
    "  acknowledged_at TEXT);",
    /* 1 → 2: live monitoring sessions, their samples and findings */
    "CREATE TABLE sessions ("
    "  id INTEGER PRIMARY KEY, kind TEXT NOT NULL, status TEXT NOT NULL,"
    "  started_at TEXT NOT NULL, ended_at TEXT, interval_ms INTEGER, duration_ms INTEGER,"
    "  user TEXT, summary TEXT);"
    "ALTER TABLE samples ADD COLUMN session INTEGER REFERENCES sessions(id);"
    "CREATE TABLE live_findings ("
    "  id INTEGER PRIMARY KEY, at TEXT NOT NULL, session INTEGER REFERENCES sessions(id),"
    "  tbl TEXT NOT NULL, target_tbl TEXT, kind TEXT NOT NULL, key_json TEXT NOT NULL,"
    "  fields_json TEXT, window_from TEXT, window_to TEXT);"
    "ALTER TABLE alerts ADD COLUMN session INTEGER REFERENCES sessions(id);"
    "ALTER TABLE alerts ADD COLUMN level TEXT;"
    "ALTER TABLE alerts ADD COLUMN closed_at TEXT;"
    "ALTER TABLE alerts ADD COLUMN note TEXT;",
    /* 2 → 3: samples older than an hour folded into 5-minute buckets */
    "CREATE TABLE sample_buckets ("
    "  session INTEGER REFERENCES sessions(id), side TEXT NOT NULL, object TEXT NOT NULL,"
    "  metric TEXT NOT NULL, bucket TEXT NOT NULL, first_at TEXT NOT NULL,"
    "  last_at TEXT NOT NULL, n INTEGER NOT NULL, min REAL, max REAL, sum REAL,"
    "  estimated INTEGER NOT NULL DEFAULT 0,"
    "  PRIMARY KEY (session, side, object, metric, bucket));"
    "CREATE INDEX samples_by_session ON samples(session, at);",
    /* 3 → 4: acceptance sign-offs and the decommission checklist */
    "CREATE TABLE signoffs ("
    "  id INTEGER PRIMARY KEY, at TEXT NOT NULL, kind TEXT NOT NULL, item TEXT NOT NULL,"
    "  status TEXT NOT NULL, user TEXT NOT NULL, note TEXT);",
    /* 4 → 5: discrepancies found by run, and a run's decisions carried over
     * without visiting every earlier run's copy of the same discrepancy */
    "CREATE INDEX discrepancies_by_run ON discrepancies(run_id);"
    "DROP INDEX discrepancies_by_key;"
    "CREATE INDEX discrepancies_by_key ON discrepancies(tbl, kind, key_json, run_id);"
    "CREATE INDEX discrepancies_decided ON discrepancies(tbl, kind, key_json, run_id)"
    "  WHERE class IS NOT NULL OR owner IS NOT NULL OR decision IS NOT NULL;",
    /* 5 → 6: a changed row's key as the target writes it, when not as the source */
    "ALTER TABLE discrepancies ADD COLUMN target_key_json TEXT;",
    /* 6 → 7: a run's open discrepancies counted from the index alone (not
     * every row of the table: seconds in a workspace of millions) */
    ("CREATE INDEX discrepancies_by_run_class ON discrepancies(run_id, class);"
     "DROP INDEX discrepancies_by_run;"),
};

#define NMIGRATIONS ((int)(sizeof migrations / sizeof *migrations))

_Static_assert(NMIGRATIONS == WS_VERSION, "one migration per schema version");

static int fail(ws_t *ws, struct err *e, const char *what)
{
    int code = sqlite3_errcode(ws->db);

    ws->cannot_write = code == SQLITE_FULL || (code & 0xff) == SQLITE_IOERR;
    if (code == SQLITE_BUSY)
        return err_set(e, ERR_INPUT, "%s: %s: another process has kept the workspace locked for "
                       "more than %d %s", ws->path, what, ws->busy_ms % 1000 ? ws->busy_ms
                       : ws->busy_ms / 1000, ws->busy_ms % 1000 ? "ms" : "s");
    return err_set(e, ERR_INPUT, "%s: %s: %s", ws->path, what, sqlite3_errmsg(ws->db));
}

static void set_busy(ws_t *ws, int ms)
{
    ws->busy_ms = ms;
    sqlite3_busy_timeout(ws->db, ms);
}

static int begin_immediate(ws_t *ws, struct err *e, const char *what)
{
    if (sqlite3_exec(ws->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return fail(ws, e, what);
    ws->cannot_write = 0;
    return 0;
}

int ws_cannot_write(const ws_t *ws)
{
    return ws->cannot_write;
}

void ws_forget_queue(ws_t *ws)
{
    for (size_t i = 0; i < ws->nqueued; i++)
        unqueue(&ws->queue[i]);
    ws->nqueued = ws->qbytes = 0;
}

static int mkdir_parent(const char *path, struct err *e)
{
    char *copy = xstrdup(path);
    char *dir = dirname(copy);
    int rc = 0;

    if (mkdir(dir, 0700) < 0 && errno != EEXIST)
        rc = err_set(e, ERR_INPUT, "%s: cannot create the workspace directory: %s", dir,
                     strerror(errno));
    free(copy);
    return rc;
}

static int upgrade(ws_t *ws, struct err *e)
{
    sqlite3_stmt *st;
    int v;

    if (sqlite3_prepare_v2(ws->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
        return fail(ws, e, "cannot read the schema version");
    sqlite3_step(st);
    v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (v > NMIGRATIONS)
        return err_set(e, ERR_INPUT, "%s: workspace version %d was written by a newer cutover "
                       "(this one knows up to %d): upgrade cutover", ws->path, v, NMIGRATIONS);
    for (; v < NMIGRATIONS; v++) {
        char *sql = xasprintf("BEGIN IMMEDIATE; %s PRAGMA user_version = %d; COMMIT;",
                              migrations[v], v + 1);
        int rc = sqlite3_exec(ws->db, sql, NULL, NULL, NULL);

        free(sql);
        if (rc != SQLITE_OK) {
            fail(ws, e, "cannot upgrade the workspace schema");
            sqlite3_exec(ws->db, "ROLLBACK", NULL, NULL, NULL);
            return -1;
        }
    }
    return 0;
}

static void sql_now(sqlite3_context *c, int argc, sqlite3_value **argv)
{
    const ws_t *ws = sqlite3_user_data(c);
    char at[32];

    (void)argc, (void)argv;
    sqlite3_result_text(c, ws->now ? ws->now : clock_iso(at, sizeof at), -1, SQLITE_TRANSIENT);
}

ws_t *ws_open(const char *path, struct err *e)
{
    ws_t *ws = xcalloc(1, sizeof *ws);
    int fd;

    ws->runs_fd = -1;
    ws->path = xstrdup(path);
    if (mkdir_parent(path, e) < 0)
        goto bad;
    /* Create it 0600 before SQLite does: it records who did what. */
    if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0) {
        err_set(e, ERR_INPUT, "%s: cannot open the workspace: %s", path, strerror(errno));
        goto bad;
    }
    close(fd);
    if (sqlite3_open_v2(path, &ws->db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        fail(ws, e, "cannot open the workspace");
        goto bad;
    }
    set_busy(ws, BUSY_MS);
    /* every recorded time comes from cutover's clock (see wall_ms) */
    sqlite3_create_function(ws->db, "cutover_now", 0, SQLITE_UTF8, ws, sql_now, NULL, NULL);
    if (sqlite3_exec(ws->db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; "
                     "PRAGMA foreign_keys = ON", NULL, NULL, NULL) != SQLITE_OK) {
        fail(ws, e, "cannot set up the workspace");
        goto bad;
    }
    if (upgrade(ws, e) < 0)
        goto bad;
    return ws;
bad:
    ws_close(ws);
    return NULL;
}

void ws_close(ws_t *ws)
{
    if (!ws)
        return;
    ws->skip = 0;
    if (ws->nqueued || ws->nkept)  /* the last chance to write them: wait longer */
        set_busy(ws, CLOSE_BUSY_MS);
    ws_flush(ws, &(struct err){ 0 });
    replay(ws, &(struct err){ 0 }, "cannot record");
    for (size_t i = 0; i < ws->nqueued; i++)  /* what could not be written */
        unqueue(&ws->queue[i]);
    free(ws->queue);
    for (size_t i = 0; i < ws->nkept; i++)  /* lost: a run left `running` is marked */
        kept_free(&ws->kept[i]);            /* interrupted by the next one */
    free(ws->kept);
    sqlite3_finalize(ws->carry);
    sqlite3_finalize(ws->put_disc);
    sqlite3_finalize(ws->put_sample);
    sqlite3_close_v2(ws->db);
    if (ws->runs_fd >= 0)
        close(ws->runs_fd);
    free(ws->path);
    free(ws);
}

/* Opens PATH.ROLE-lock, the file a role's lock is taken on. */
static int open_lock(const ws_t *ws, const char *role)
{
    char *path = xasprintf("%s.%s-lock", ws->path, role);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

    free(path);
    return fd;
}

int ws_take_lock(ws_t *ws, const char *role)
{
    int fd = open_lock(ws, role);

    if (fd < 0)
        return -2;
    if (flock(fd, LOCK_EX | LOCK_NB) == 0)
        return fd;
    close(fd);
    return -1;
}

int ws_version(ws_t *ws)
{
    sqlite3_stmt *st;
    int v = -1;

    if (sqlite3_prepare_v2(ws->db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return v;
}

static int exec_args(ws_t *ws, struct err *e, sqlite3_stmt **slot, const char *what,
                     const char *sql, const struct arg *a, int n);
static int args_of(struct arg *a, const char *types, va_list ap);

int ws_audit(ws_t *ws, const char *action, const char *object, const char *old_value,
             const char *new_value, struct err *e)
{
    struct arg a[] = { { 't', .t = user_name() }, { 't', .t = action }, { 't', .t = object },
                       { 't', .t = old_value }, { 't', .t = new_value } };

    return exec_args(ws, e, NULL, "cannot record to the audit log", "INSERT INTO audit (at, "
                     "user, action, object, old_value, new_value) VALUES (cutover_now(), ?, ?, "
                     "?, ?, ?)", a, 5);
}

long ws_count(ws_t *ws, const char *table)
{
    char *sql = sqlite3_mprintf("SELECT count(*) FROM \"%w\"", table);
    sqlite3_stmt *st;
    long n = -1;

    if (sqlite3_prepare_v2(ws->db, sql, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        n = (long)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_free(sql);
    return n;
}

int ws_begin(ws_t *ws)
{
    struct err e = { 0 };
    int busy = ws->busy_ms, rc;

    if (ws->skip)
        return -1;
    set_busy(ws, HELD_BUSY_MS);  /* what the round records is kept if need be: */
    rc = begin_immediate(ws, &e, "cannot record");  /* not worth a frozen screen */
    set_busy(ws, busy);
    if (rc == 0)
        return 0;
    ws->skip = 1;  /* the writes up to ws_commit would each wait as long again */
    snprintf(ws->begin_msg, sizeof ws->begin_msg, "%s", e.msg);
    return -1;
}

int ws_commit(ws_t *ws)
{
    if (ws->skip) {
        ws->skip = 0;
        return -1;
    }
    if (sqlite3_exec(ws->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        return -1;
    replay(ws, &(struct err){ 0 }, "cannot record");
    return 0;
}

/* The arguments `types` says ('i' long, 'r' double, 't' text or NULL). */
static int args_of(struct arg *a, const char *types, va_list ap)
{
    int n = 0;

    for (; types[n]; n++) {
        a[n] = (struct arg){ .type = types[n] };
        if (types[n] == 'i')
            a[n].i = va_arg(ap, long);
        else if (types[n] == 'r')
            a[n].r = va_arg(ap, double);
        else
            a[n].t = va_arg(ap, const char *);
    }
    return n;
}

/* Binds, steps once and resets the statement for its next use. */
static int step_args(ws_t *ws, struct err *e, sqlite3_stmt *st, const char *what,
                     const struct arg *a, int n)
{
    int rc;

    for (int i = 0; i < n; i++) {
        if (a[i].type == 'i')
            sqlite3_bind_int64(st, i + 1, a[i].i);
        else if (a[i].type == 'r')
            sqlite3_bind_double(st, i + 1, a[i].r);
        else if (a[i].t)
            sqlite3_bind_text(st, i + 1, a[i].t, -1, SQLITE_TRANSIENT);
        else
            sqlite3_bind_null(st, i + 1);
    }
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? 0 : fail(ws, e, what);
}

/* One statement (prepared again, or kept prepared in *slot). */
static int run_sql(ws_t *ws, struct err *e, sqlite3_stmt **slot, const char *what,
                   const char *sql, const struct arg *a, int n)
{
    sqlite3_stmt *st = slot ? *slot : NULL;
    int rc;

    if (!st && sqlite3_prepare_v3(ws->db, sql, -1, slot ? SQLITE_PREPARE_PERSISTENT : 0, &st,
                                  NULL) != SQLITE_OK)
        return fail(ws, e, what);
    rc = step_args(ws, e, st, what, a, n);
    if (slot)
        *slot = st;
    else
        sqlite3_finalize(st);
    return rc;
}

/* A write. Outside a transaction the writes kept earlier go first, in
 * order; between a ws_begin that failed and its ws_commit none is tried. */
static int exec_args(ws_t *ws, struct err *e, sqlite3_stmt **slot, const char *what,
                     const char *sql, const struct arg *a, int n)
{
    if (ws->skip)
        return err_set(e, ERR_INPUT, "%s", ws->begin_msg);
    if (sqlite3_get_autocommit(ws->db) && !ws->replaying && replay(ws, e, what) < 0)
        return -1;
    return run_sql(ws, e, slot, what, sql, a, n);
}

static int exec_bind(ws_t *ws, struct err *e, const char *sql, const char *types, ...)
{
    struct arg a[MAX_ARGS];
    va_list ap;
    int n;

    va_start(ap, types);
    n = args_of(a, types, ap);
    va_end(ap);
    return exec_args(ws, e, NULL, "cannot record", sql, a, n);
}

/* exec_bind() through a statement kept prepared in *slot. */
static int exec_kept(ws_t *ws, struct err *e, sqlite3_stmt **slot, const char *sql,
                     const char *types, ...)
{
    struct arg a[MAX_ARGS];
    va_list ap;
    int n;

    va_start(ap, types);
    n = args_of(a, types, ap);
    va_end(ap);
    return exec_args(ws, e, slot, "cannot record", sql, a, n);
}

/* --- writes kept while the workspace is locked --------------------------------- */

static void kept_free(struct kept *k)
{
    for (int i = 0; i < k->nargs; i++)
        free(k->args[i].own);
    free(k->args);
}

/* A write that could not be made, kept with the time it was asked for: it
 * is made before the next write outside a transaction, after the next
 * commit, or by ws_close, in order, in one transaction. What a reader sees
 * is then as if it had been written on time, only later. */
static void keep(ws_t *ws, struct err *e, const char *at, const char *sql, const struct arg *a,
                 int n, long unlock_run)
{
    struct kept *k;

    if (ws->nkept >= KEPT_MAX) {
        char why[sizeof e->msg];
        snprintf(why, sizeof why, "%s", e->msg);
        err_set(e, e->kind, "%s (and lost: %d writes wait already)", why, KEPT_MAX);
        return;
    }
    ws->kept = xgrow(ws->kept, &ws->keptcap, ws->nkept + 1, sizeof *ws->kept);
    k = &ws->kept[ws->nkept++];
    *k = (struct kept){ sql, xcalloc((size_t)n + 1, sizeof *k->args), n, unlock_run, "" };
    snprintf(k->at, sizeof k->at, "%s", at);
    for (int i = 0; i < n; i++) {
        k->args[i] = a[i];
        if (a[i].type == 't' && a[i].t)
            k->args[i].t = k->args[i].own = xstrdup(a[i].t);
    }
    if (strlen(e->msg) + sizeof KEPT_SAID <= sizeof e->msg)
        strcat(e->msg, KEPT_SAID);
}

/* A write made now, or kept with the time it was asked for (-1 all the
 * same, e saying why). Behind writes kept already it waits HELD_BUSY_MS:
 * a trigger crossing or a finding would otherwise freeze the dashboard for
 * BUSY_MS each while the workspace stays held. */
static int exec_or_keep(ws_t *ws, struct err *e, sqlite3_stmt **slot, const char *sql,
                        const struct arg *a, int n)
{
    char at[32];
    int busy = ws->busy_ms, rc;

    clock_iso(at, sizeof at);
    if (ws->nkept)
        set_busy(ws, HELD_BUSY_MS);
    rc = exec_args(ws, e, slot, "cannot record", sql, a, n);
    if (ws->busy_ms != busy)
        set_busy(ws, busy);
    if (rc == 0)
        return 0;
    keep(ws, e, at, sql, a, n, 0);
    return -1;
}

static int exec_keep(ws_t *ws, struct err *e, const char *sql, const char *types, ...)
{
    struct arg a[MAX_ARGS];
    va_list ap;
    int n;

    va_start(ap, types);
    n = args_of(a, types, ap);
    va_end(ap);
    return exec_or_keep(ws, e, NULL, sql, a, n);
}

static int runs_lock(int fd, int cmd, short type, long run);

/* Makes the kept writes, oldest first, in one transaction. One the
 * workspace refuses for good (not for a lock, a full disk or an I/O error) is
 * dropped rather than holding back the rest. */
static int replay(ws_t *ws, struct err *e, const char *what)
{
    size_t done = 0;
    int rc = 0;

    if (ws->replaying || !ws->nkept || !sqlite3_get_autocommit(ws->db))
        return 0;
    if (begin_immediate(ws, e, what) < 0)
        return -1;
    ws->replaying = 1;
    for (; done < ws->nkept; done++) {
        struct kept *k = &ws->kept[done];
        ws->now = k->at;
        rc = run_sql(ws, e, NULL, what, k->sql, k->args, k->nargs);
        ws->now = NULL;
        if (rc < 0) {
            int code = sqlite3_errcode(ws->db);
            if (code == SQLITE_BUSY || code == SQLITE_FULL || code == SQLITE_IOERR)
                break;
            rc = 0;
        }
    }
    ws->replaying = 0;
    if (sqlite3_exec(ws->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        rc = fail(ws, e, what);
        sqlite3_exec(ws->db, "ROLLBACK", NULL, NULL, NULL);
        return rc;
    }
    for (size_t i = 0; i < done; i++) {
        if (ws->kept[i].unlock_run && ws->runs_fd >= 0)
            runs_lock(ws->runs_fd, F_OFD_SETLK, F_UNLCK, ws->kept[i].unlock_run);
        kept_free(&ws->kept[i]);
    }
    memmove(ws->kept, ws->kept + done, (ws->nkept - done) * sizeof *ws->kept);
    ws->nkept -= done;
    return rc;
}

size_t ws_kept(const ws_t *ws)
{
    return ws->nkept;
}

void ws_settle(ws_t *ws)
{
    struct err e = { 0 };

    if (!ws || !ws->nkept)
        return;
    fprintf(stderr, "cutover: waiting up to %d s for the workspace to take the %zu writes kept\n",
            CLOSE_BUSY_MS / 1000, ws->nkept);
    ws->skip = 0;
    set_busy(ws, CLOSE_BUSY_MS);
    if (replay(ws, &e, "cannot record") < 0)
        fprintf(stderr, "cutover: warning: %s\n", e.msg);
    set_busy(ws, BUSY_MS);
}

/* A run under way holds a lock on its byte of PATH.runs-lock: an open file
 * description lock, so it goes with the process however it ends, and two
 * runs of one process (the dashboard's rehearsal and a runbook gate) are each
 * seen by the other. The next run tells a run still going from one a crash
 * left `running` by it. */
static int runs_lock(int fd, int cmd, short type, long run)
{
    struct flock l = { .l_type = type, .l_whence = SEEK_SET, .l_start = run, .l_len = 1 };

    if (fcntl(fd, cmd, &l) < 0)
        return -1;
    return cmd == F_OFD_GETLK ? l.l_type != F_UNLCK : 0;
}

/* Marks the runs left `running` by a process that is gone `interrupted`; a
 * fresh description asks, so this process's own runs count as held too. */
static int mark_interrupted(ws_t *ws)
{
    int fd = open_lock(ws, "runs"), rc = 0;
    long *ids = NULL;
    size_t n = 0, cap = 0;
    sqlite3_stmt *st;

    if (sqlite3_prepare_v2(ws->db, "SELECT id FROM runs WHERE status = 'running'", -1, &st,
                           NULL) != SQLITE_OK)
        rc = -1;
    while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
        ids = xgrow(ids, &cap, n + 1, sizeof *ids);
        ids[n++] = (long)sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    for (size_t i = 0; i < n && rc == 0; i++)
        if (fd < 0 || runs_lock(fd, F_OFD_GETLK, F_WRLCK, ids[i]) == 0)
            rc = exec_bind(ws, &(struct err){ 0 }, "UPDATE runs SET status = 'interrupted' "
                           "WHERE id = ?", "i", ids[i]);
    free(ids);
    if (fd >= 0)
        close(fd);
    return rc;
}

long ws_run_begin(ws_t *ws, const char *kind, const char *source, const char *target,
                  struct err *e)
{
    long run;

    if (ws->runs_fd < 0 && (ws->runs_fd = open_lock(ws, "runs")) < 0) {
        err_set(e, ERR_INPUT, "%s.runs-lock: cannot open it: %s", ws->path, strerror(errno));
        return -1;
    }
    /* one transaction: another process's run begins before or after, held */
    if (begin_immediate(ws, e, "cannot record the run") < 0)
        return -1;
    if (mark_interrupted(ws) < 0) {
        fail(ws, e, "cannot record the run");
        goto bad;
    }
    if (exec_bind(ws, e, "INSERT INTO runs (kind, status, started_at, source_url, target_url, "
                  "user) VALUES (?, 'running', cutover_now(), ?, ?, ?)",
                  "tttt", kind, source, target, user_name()) < 0)
        goto bad;
    run = (long)sqlite3_last_insert_rowid(ws->db);
    if (runs_lock(ws->runs_fd, F_OFD_SETLK, F_WRLCK, run) < 0) {
        err_set(e, ERR_INPUT, "%s.runs-lock: cannot lock run %ld's byte: %s", ws->path, run,
                strerror(errno));
        goto bad;
    }
    if (ws_commit(ws) < 0) {
        fail(ws, e, "cannot record the run");
        runs_lock(ws->runs_fd, F_OFD_SETLK, F_UNLCK, run);
        goto bad;
    }
    return run;
bad:
    sqlite3_exec(ws->db, "ROLLBACK", NULL, NULL, NULL);
    return -1;
}

int ws_drop_discrepancies(ws_t *ws, long run, const char *table, struct err *e)
{
    size_t kept = 0;

    for (size_t i = 0; i < ws->nqueued; i++) {
        struct queued *q = &ws->queue[i];
        if (q->run == run && !strcmp(q->v[0], table))
            ws->qbytes -= unqueue(q);
        else
            ws->queue[kept++] = *q;
    }
    ws->nqueued = kept;
    return exec_bind(ws, e, "DELETE FROM discrepancies WHERE run_id = ? AND tbl = ?", "it", run,
                     table);
}

#define RUN_END "UPDATE runs SET status = ?, duration_ms = ?, note = ?, finished_at = " \
    "cutover_now() WHERE id = ?"

int ws_run_end(ws_t *ws, long run, const char *status, long duration_ms, const char *note,
               struct err *e)
{
    struct arg a[] = { { 't', .t = status }, { 'i', .i = duration_ms }, { 't', .t = note },
                       { 'i', .i = run } };
    char at[32];

    clock_iso(at, sizeof at);
    if (exec_args(ws, e, NULL, "cannot record", RUN_END, a, 4) == 0) {
        if (ws->runs_fd >= 0)  /* not before: a run still `running` stays held */
            runs_lock(ws->runs_fd, F_OFD_SETLK, F_UNLCK, run);
        return 0;
    }
    /* a run done is recorded incomplete: its record was not whole when it ended */
    a[0].t = strcmp(status, "done") ? status : "incomplete";
    a[2].t = note ? note : e->msg;
    keep(ws, e, at, RUN_END, a, 4, run);
    return -1;
}

int ws_run_discard(ws_t *ws, long run, struct err *e)
{
    if (exec_bind(ws, e, "DELETE FROM runs WHERE id = ? AND status = 'running' AND NOT EXISTS "
                  "(SELECT 1 FROM results WHERE run_id = runs.id) AND NOT EXISTS "
                  "(SELECT 1 FROM discrepancies WHERE run_id = runs.id)", "i", run) < 0)
        return -1;
    if (ws->runs_fd >= 0)
        runs_lock(ws->runs_fd, F_OFD_SETLK, F_UNLCK, run);
    return 0;
}

int ws_record_result(ws_t *ws, long run, const char *kind, const char *object,
                     const char *target_object, long source_rows, long target_rows, long missing,
                     long extra, long changed, const char *source_value,
                     const char *target_value, const char *status, const char *detail,
                     struct err *e)
{
    return exec_bind(ws, e, "INSERT INTO results (run_id, object, target_object, kind, "
                     "source_rows, target_rows, missing, extra, changed, source_value, "
                     "target_value, status, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     "itttiiiiitttt", run, object, target_object, kind, source_rows,
                     target_rows, missing, extra, changed, source_value, target_value, status,
                     detail);
}

static const char *const classes[] = {
    "mapping_defect", "transformation_bug", "source_data_problem", "sync_lag",
    "test_harness_error", "accepted_variance",
};

int ws_class_valid(const char *klass)
{
    for (size_t i = 0; i < sizeof classes / sizeof *classes; i++)
        if (!strcmp(klass, classes[i]))
            return 1;
    return 0;
}

int ws_queue_discrepancy(ws_t *ws, long run, const char *table, const char *target_table,
                         const char *kind, const char *key_json, const char *target_key_json,
                         const char *fields_json, struct err *e)
{
    const char *in[6] = { table, target_table, kind, key_json, target_key_json, fields_json };
    struct queued *q;
    sqlite3_stmt *st;
    int accepted;

    if (!ws->carry &&
        sqlite3_prepare_v3(ws->db, "SELECT class, owner, decision FROM discrepancies WHERE "
                           "tbl = ? AND kind = ? AND key_json = ? AND (class IS NOT NULL OR "
                           "owner IS NOT NULL OR decision IS NOT NULL) ORDER BY run_id DESC "
                           "LIMIT 1", -1, SQLITE_PREPARE_PERSISTENT, &ws->carry, NULL) !=
            SQLITE_OK)
        return fail(ws, e, "cannot read earlier discrepancies");
    ws->queue = xgrow(ws->queue, &ws->qcap, ws->nqueued + 1, sizeof *ws->queue);
    q = &ws->queue[ws->nqueued++];
    q->run = run;
    for (int i = 0; i < 6; i++) {
        q->v[i] = in[i] ? xstrdup(in[i]) : NULL;
        ws->qbytes += in[i] ? strlen(in[i]) : 0;
    }
    q->v[6] = q->v[7] = q->v[8] = NULL;
    st = ws->carry;
    sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, key_json, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        for (int i = 0; i < 3; i++) {
            const char *v = (const char *)sqlite3_column_text(st, i);
            q->v[6 + i] = v ? xstrdup(v) : NULL;
        }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);  /* they pointed at the caller's strings */
    accepted = q->v[6] && !strcmp(q->v[6], "accepted_variance");
    if (ws->nqueued >= QUEUE_ROWS || ws->qbytes >= QUEUE_BYTES)
        return ws_flush(ws, e) < 0 ? -1 : accepted;
    return accepted;
}

int ws_flush(ws_t *ws, struct err *e)
{
    size_t i;

    if (!ws->nqueued)
        return 0;
    if (begin_immediate(ws, e, "cannot record the discrepancies") < 0)
        return -1;
    for (i = 0; i < ws->nqueued; i++) {
        struct queued *q = &ws->queue[i];
        if (exec_kept(ws, e, &ws->put_disc, "INSERT INTO discrepancies (run_id, tbl, "
                      "target_tbl, kind, key_json, target_key_json, fields_json, class, owner, "
                      "decision) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", "ittttttttt", q->run,
                      q->v[0], q->v[1], q->v[2], q->v[3], q->v[4], q->v[5], q->v[6], q->v[7],
                      q->v[8]) < 0)
            break;
    }
    if (i < ws->nqueued || ws_commit(ws) < 0) {
        if (i == ws->nqueued)
            fail(ws, e, "cannot record the discrepancies");
        sqlite3_exec(ws->db, "ROLLBACK", NULL, NULL, NULL);
        return -1;  /* kept queued: the next flush tries again */
    }
    for (i = 0; i < ws->nqueued; i++)
        unqueue(&ws->queue[i]);
    ws->nqueued = ws->qbytes = 0;
    return 0;
}

int ws_classify(ws_t *ws, long run, const char *table, const char *kind, const char *key_json,
                const char *klass, const char *owner, const char *decision, struct err *e)
{
    if (klass && !ws_class_valid(klass))
        return err_set(e, ERR_INPUT, "class '%s': expected mapping_defect, transformation_bug, "
                       "source_data_problem, sync_lag, test_harness_error or accepted_variance",
                       klass);
    return exec_bind(ws, e, "UPDATE discrepancies SET class = coalesce(?, class), owner = "
                     "coalesce(?, owner), decision = coalesce(?, decision) WHERE run_id = ? AND "
                     "tbl = ? AND kind = ? AND key_json = ?", "tttittt", klass, owner, decision,
                     run, table, kind, key_json);
}

static long scalar(ws_t *ws, const char *sql, long a, long b)
{
    sqlite3_stmt *st;
    long v = 0;

    if (sqlite3_prepare_v2(ws->db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_int64(st, 1, a);
    sqlite3_bind_int64(st, 2, b);
    if (sqlite3_step(st) == SQLITE_ROW)
        v = (long)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* run ?1's discrepancies that run ?2 does not have */
#define IN_NOT_IN \
    "SELECT count(*) FROM discrepancies a WHERE a.run_id = ?1 AND NOT EXISTS (SELECT 1 FROM " \
    "discrepancies b WHERE b.run_id = ?2 AND b.tbl = a.tbl AND b.kind = a.kind AND " \
    "b.key_json = a.key_json)"

/* A run that ended having compared something (not one that failed midway,
 * whose findings stop where it did, nor one cancelled or incomplete)… */
#define COMPARED(r) \
    "(" r ".status = 'done' AND EXISTS (SELECT 1 FROM results x WHERE " \
    "x.run_id = " r ".id))"
/* … and the one before `run` of its kind that did: what `run` is compared with. */
#define PREVIOUS_RUN(run) \
    "(SELECT coalesce(max(p.id), 0) FROM runs p WHERE p.id < " run " AND p.kind = " \
    "(SELECT kind FROM runs WHERE id = " run ") AND " COMPARED("p") ")"

/* a.tbl is a table runs `x` and `y` both compared to the end */
#define TABLE_COMPARED(run) \
    "EXISTS (SELECT 1 FROM results r WHERE r.run_id = " run " AND r.kind = 'table' AND " \
    "r.object = a.tbl AND r.status NOT IN ('error', 'not_validated'))"
#define BOTH_COMPARED(x, y) TABLE_COMPARED(x) " AND " TABLE_COMPARED(y)

int ws_compare(ws_t *ws, long run, struct ws_comparison *c)
{
    memset(c, 0, sizeof *c);
    c->previous = scalar(ws, "SELECT " PREVIOUS_RUN("?1") " WHERE ?2 = ?2", run, 0);
    c->duration_ms = scalar(ws, "SELECT coalesce(duration_ms, 0) FROM runs WHERE id = ?1 AND "
                            "?2 = ?2", run, 0);
    if (c->previous <= 0)
        return 0;
    c->previous_duration_ms = scalar(ws, "SELECT coalesce(duration_ms, 0) FROM runs WHERE id = "
                                     "?1 AND ?2 = ?2", c->previous, 0);
    /* only the tables both runs compared to the end count (not one left out
     * with --table, nor one that failed): new in them, fixed in them … */
    c->fresh = scalar(ws, IN_NOT_IN " AND " BOTH_COMPARED("?2", "?1"), run, c->previous);
    c->fixed = scalar(ws, IN_NOT_IN " AND " BOTH_COMPARED("?2", "?1"), c->previous, run);
    /* … and still open: in both */
    c->still_open = scalar(ws, "SELECT count(*) FROM discrepancies a WHERE a.run_id = ?1 AND "
                           "EXISTS (SELECT 1 FROM discrepancies b WHERE b.run_id = ?2 AND "
                           "b.tbl = a.tbl AND b.kind = a.kind AND b.key_json = a.key_json)",
                           run, c->previous);
    return 0;
}

/* Every run, oldest first; with `since`, only the newest that is done and
 * began since then. */
static json_t *runs_json(ws_t *ws, const char *since)
{
    json_t *runs = json_array();
    sqlite3_stmt *st;

    if (sqlite3_prepare_v2(ws->db,
            "SELECT r.id, r.kind, r.status, r.started_at, coalesce(r.duration_ms, 0),"
            " (SELECT coalesce(sum(missing), 0) FROM results WHERE run_id = r.id AND kind = 'table'),"
            " (SELECT coalesce(sum(extra), 0) FROM results WHERE run_id = r.id AND kind = 'table'),"
            " (SELECT coalesce(sum(changed), 0) FROM results WHERE run_id = r.id AND kind = 'table'),"
            " (SELECT count(*) FROM discrepancies WHERE run_id = r.id AND"
            "   coalesce(class, '') <> 'accepted_variance'),"
            " (SELECT count(*) FROM results WHERE run_id = r.id AND kind = 'table'), "
            PREVIOUS_RUN("r.id") ", " COMPARED("r") ","
            " (SELECT count(*) FROM results WHERE run_id = r.id AND kind = 'table' AND"
            "   status = 'error'),"
            " (SELECT count(*) FROM results WHERE run_id = r.id AND kind = 'check'),"
            " (SELECT count(*) FROM results WHERE run_id = r.id AND kind = 'check' AND"
            "   status <> 'pass'), r.note"
            " FROM runs r WHERE ?1 IS NULL OR r.id = (SELECT max(id) FROM runs WHERE"
            "   status = 'done' AND started_at >= ?1)"
            " ORDER BY r.id", -1, &st, NULL) != SQLITE_OK)
        return runs;
    if (since)
        sqlite3_bind_text(st, 1, since, -1, SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW) {
        int done = !strcmp((const char *)sqlite3_column_text(st, 2), "done");
        /* a run that ended passes with nothing open (its discrepancies as
         * classified since), no table in error and every check passed */
        int pass = !sqlite3_column_int64(st, 8) && !sqlite3_column_int64(st, 12) &&
                   !sqlite3_column_int64(st, 14);
        json_array_append_new(runs, json_pack("{s:I, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I,"
                                              " s:o, s:b, s:I, s:I, s:I, s:o, s:o}",
            "run", (json_int_t)sqlite3_column_int64(st, 0),
            "kind", (const char *)sqlite3_column_text(st, 1),
            "status", (const char *)sqlite3_column_text(st, 2),
            "started_at", (const char *)sqlite3_column_text(st, 3),
            "duration_ms", (json_int_t)sqlite3_column_int64(st, 4),
            "missing", (json_int_t)sqlite3_column_int64(st, 5),
            "extra", (json_int_t)sqlite3_column_int64(st, 6),
            "changed", (json_int_t)sqlite3_column_int64(st, 7),
            "open", (json_int_t)sqlite3_column_int64(st, 8),
            "tables", (json_int_t)sqlite3_column_int64(st, 9),
            "previous", sqlite3_column_int64(st, 10) ? json_integer(sqlite3_column_int64(st, 10))
                                                      : json_null(),
            "compared", sqlite3_column_int(st, 11),
            "errors", (json_int_t)sqlite3_column_int64(st, 12),
            "checks", (json_int_t)sqlite3_column_int64(st, 13),
            "failed_checks", (json_int_t)sqlite3_column_int64(st, 14),
            "result", done ? json_string(pass ? "pass" : "fail") : json_null(),
            "note", sqlite3_column_type(st, 15) == SQLITE_NULL ? json_null()
                    : json_string((const char *)sqlite3_column_text(st, 15))));
    }
    sqlite3_finalize(st);
    return runs;
}

json_t *ws_runs_json(ws_t *ws)
{
    return runs_json(ws, NULL);
}

json_t *ws_last_done_run_json(ws_t *ws, const char *since)
{
    json_t *runs = runs_json(ws, since), *last = json_incref(json_array_get(runs, 0));

    json_decref(runs);
    return last;
}

/* Rows of a query as JSON objects named by its columns (integers stay numbers). */
static json_t *rows_json(ws_t *ws, const char *sql, long a, long b)
{
    json_t *all = json_array();
    sqlite3_stmt *st;

    if (sqlite3_prepare_v2(ws->db, sql, -1, &st, NULL) != SQLITE_OK)
        return all;
    sqlite3_bind_int64(st, 1, a);
    sqlite3_bind_int64(st, 2, b);
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_t *o = json_object();
        for (int c = 0; c < sqlite3_column_count(st); c++) {
            const char *name = sqlite3_column_name(st, c);
            switch (sqlite3_column_type(st, c)) {
            case SQLITE_NULL: json_object_set_new(o, name, json_null()); break;
            case SQLITE_INTEGER:
                json_object_set_new(o, name, json_integer(sqlite3_column_int64(st, c)));
                break;
            case SQLITE_FLOAT:
                json_object_set_new(o, name, json_real(sqlite3_column_double(st, c)));
                break;
            default:
                json_object_set_new(o, name, json_string((const char *)sqlite3_column_text(st, c)));
                break;
            }
        }
        json_array_append_new(all, o);
    }
    sqlite3_finalize(st);
    return all;
}

json_t *ws_results_json(ws_t *ws, long run)
{
    return rows_json(ws, "SELECT kind, object, target_object, source_rows, target_rows, missing,"
                     " extra, changed, source_value, target_value, status, detail FROM results"
                     " WHERE run_id = ?1 AND ?2 = ?2 ORDER BY kind DESC, rowid", run, 0);
}

json_t *ws_discrepancies_json(ws_t *ws, long run, long limit)
{
    return rows_json(ws, "SELECT tbl, target_tbl, kind, key_json AS key,"
                     " target_key_json AS target_key, fields_json AS fields,"
                     " class, owner, decision FROM discrepancies WHERE run_id = ?1 ORDER BY id"
                     " LIMIT ?2", run, limit);
}

int ws_runbook_event(ws_t *ws, const char *step, const char *event, const char *user,
                     long exit_status, long duration_ms, const char *output, struct err *e)
{
    return exec_keep(ws, e, "INSERT INTO runbook_log (at, step, event, user, exit_status, "
                     "duration_ms, output) VALUES (cutover_now(), ?, ?, "
                     "?, ?, ?, ?)", "tttiit", step, event, user, exit_status, duration_ms, output);
}

long ws_session_begin(ws_t *ws, const char *kind, long interval_ms, long duration_ms,
                      struct err *e)
{
    if (exec_bind(ws, e, "INSERT INTO sessions (kind, status, started_at, interval_ms, "
                  "duration_ms, user) VALUES (?, 'running', cutover_now(), ?, ?, ?)", "tiit", kind, interval_ms, duration_ms, user_name()) < 0)
        return -1;
    return (long)sqlite3_last_insert_rowid(ws->db);
}

int ws_session_resume(ws_t *ws, long session, struct err *e)
{
    return exec_keep(ws, e, "UPDATE sessions SET status = 'running', ended_at = NULL "
                     "WHERE id = ?", "i", session);
}

int ws_session_end(ws_t *ws, long session, const char *status, const char *summary,
                   struct err *e)
{
    return exec_keep(ws, e, "UPDATE sessions SET status = ?, summary = ?, ended_at = "
                     "cutover_now() WHERE id = ?", "tti", status, summary, session);
}

#define EPOCH_MS(col) "CAST(round((julianday(" col ") - 2440587.5) * 86400000) AS INTEGER)"

int ws_session_open(ws_t *ws, const char *kind, struct ws_session *out)
{
    sqlite3_stmt *st;
    int rc = 0;

    memset(out, 0, sizeof *out);
    if (sqlite3_prepare_v2(ws->db,
            "SELECT id, started_at, " EPOCH_MS("started_at") ", duration_ms, "
            "(SELECT " EPOCH_MS("max(at)") " FROM samples WHERE session = sessions.id), "
            EPOCH_MS("cutover_now()") " FROM sessions WHERE kind = ? AND status <> 'completed' "
            "AND duration_ms > 0 ORDER BY id DESC LIMIT 1", -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, kind, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) == SQLITE_ROW) {
        out->id = sqlite3_column_int64(st, 0);
        snprintf(out->started_at, sizeof out->started_at, "%s", sqlite3_column_text(st, 1));
        out->started_ms = sqlite3_column_int64(st, 2);
        out->duration_ms = sqlite3_column_int64(st, 3);
        out->last_sample_ms = sqlite3_column_int64(st, 4);
        out->now_ms = sqlite3_column_int64(st, 5);
        rc = out->started_ms + out->duration_ms > out->now_ms;  /* not over yet */
    }
    sqlite3_finalize(st);
    return rc;
}

json_t *ws_sessions_json(ws_t *ws)
{
    return rows_json(ws, "SELECT id AS session, kind, status, started_at, ended_at, interval_ms,"
                     " duration_ms, user, summary FROM sessions WHERE kind <> 'dashboard'"
                     " AND ?1 = ?1 AND ?2 = ?2 ORDER BY id", 0, 0);
}

/* A session's samples, those folded into buckets included, as (side, metric,
 * object, first_at, last_at, n, min, max, sum, folded). */
#define ALL_SAMPLES \
    "(SELECT side, metric, object, at AS first_at, at AS last_at, 1 AS n, value AS min, " \
    "value AS max, value AS sum, 0 AS folded FROM samples WHERE session = ?1 UNION ALL " \
    "SELECT side, metric, object, first_at, last_at, n, min, max, sum, 1 FROM sample_buckets " \
    "WHERE session = ?1)"

char *ws_session_clock(const struct ws_session *s, char *buf, size_t n)
{
    char t[32], d[32];

    snprintf(buf, n, "T+%s of %s", dur_clock(wall_ms() - s->started_ms, t, sizeof t),
             dur_format(s->duration_ms, d, sizeof d));
    return buf;
}

int ws_session_history(ws_t *ws, long session, const char *side, const char *object,
                       const char *metric, void (*cb)(const struct ws_history *h, void *arg),
                       void *arg)
{
    sqlite3_stmt *st;
    int n = 0;

    if (sqlite3_prepare_v2(ws->db, "SELECT " EPOCH_MS("first_at") ", n, min, max, sum, folded "
                           "FROM " ALL_SAMPLES " WHERE side = ?2 AND object = ?3 AND "
                           "metric = ?4 ORDER BY first_at, folded DESC", -1, &st, NULL) !=
            SQLITE_OK)
        return -1;
    sqlite3_bind_int64(st, 1, session);
    sqlite3_bind_text(st, 2, side, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, object, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, metric, -1, SQLITE_TRANSIENT);
    for (; sqlite3_step(st) == SQLITE_ROW; n++)
        cb(&(struct ws_history){ sqlite3_column_int64(st, 0), (long)sqlite3_column_int64(st, 1),
                                 sqlite3_column_double(st, 2), sqlite3_column_double(st, 3),
                                 sqlite3_column_double(st, 4), sqlite3_column_int(st, 5) }, arg);
    sqlite3_finalize(st);
    return n;
}

json_t *ws_session_summary(ws_t *ws, long session)
{
    json_t *sum = json_object(), *totals, *findings;

    totals = rows_json(ws, "SELECT coalesce(sum(n) FILTER (WHERE metric IN ('rows', 'error')), 0)"
                       " AS polls, coalesce(sum(n) FILTER (WHERE metric = 'error'), 0) AS failed,"
                       " count(DISTINCT object) FILTER (WHERE metric = 'rows') AS tables,"
                       " min(first_at) AS first_sample, max(last_at) AS last_sample FROM "
                       ALL_SAMPLES " WHERE ?2 = ?2", session, 0);
    findings = rows_json(ws, "SELECT tbl, kind, count(*) AS n FROM live_findings "
                         "WHERE session = ?1 AND ?2 = ?2 GROUP BY tbl, kind ORDER BY tbl, kind",
                         session, 0);
    json_object_update(sum, json_array_get(totals, 0));
    json_object_set_new(sum, "findings", findings);
    json_decref(totals);
    return sum;
}

#define SAMPLE "INSERT INTO samples (at, session, side, object, metric, value, estimated) " \
    "VALUES (cutover_now(), ?, ?, ?, ?, ?, ?)"

int ws_sample(ws_t *ws, long session, const char *side, const char *object, const char *metric,
              double value, int estimated, struct err *e)
{
    struct arg a[] = { { 'i', .i = session }, { 't', .t = side }, { 't', .t = object },
                       { 't', .t = metric }, { 'r', .r = value }, { 'i', .i = estimated } };

    return exec_or_keep(ws, e, &ws->put_sample, SAMPLE, a, 6);
}

int ws_signoff(ws_t *ws, const char *kind, const char *item, const char *status,
               const char *note, struct err *e)
{
    return exec_bind(ws, e, "INSERT INTO signoffs (at, kind, item, status, user, note) VALUES "
                     "(cutover_now(), ?, ?, ?, ?, ?)", "ttttt", kind, item, status, user_name(),
                     note);
}

json_t *ws_signoffs_json(ws_t *ws)
{
    return rows_json(ws, "SELECT at, kind, item, status, user, note FROM signoffs "
                     "WHERE ?1 = ?1 AND ?2 = ?2 ORDER BY id", 0, 0);
}

/* Sample times are cutover_now()'s text, so they compare as text. */
#define BUCKET_OF(col) "strftime('%Y-%m-%dT%H:%M:%fZ', " \
    "(CAST(strftime('%s', " col ") AS INTEGER) / 300) * 300, 'unixepoch')"

int ws_compact(ws_t *ws, long session, int64_t before_ms, struct err *e)
{
    char before[32];
    int rc;

    ms_iso(before_ms, before, sizeof before);
    if (begin_immediate(ws, e, "cannot fold the samples") < 0)
        return -1;
    rc = exec_bind(ws, e, "INSERT INTO sample_buckets (session, side, object, metric, bucket, "
                   "first_at, last_at, n, min, max, sum, estimated) SELECT session, side, object, "
                   "metric, " BUCKET_OF("at") ", min(at), max(at), count(*), min(value), "
                   "max(value), sum(value), max(estimated) FROM samples WHERE session = ?1 AND "
                   "at < ?2 GROUP BY side, object, metric, 5 ON CONFLICT DO UPDATE SET "
                   "first_at = min(first_at, excluded.first_at), last_at = max(last_at, "
                   "excluded.last_at), n = n + excluded.n, min = min(min, excluded.min), "
                   "max = max(max, excluded.max), sum = sum + excluded.sum, "
                   "estimated = max(estimated, excluded.estimated)", "it", session, before);
    if (rc == 0)
        rc = exec_bind(ws, e, "DELETE FROM samples WHERE session = ? AND at < ?", "it", session,
                       before);
    if (rc == 0)
        ws_commit(ws);
    else
        sqlite3_exec(ws->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

json_t *ws_series_json(ws_t *ws, long session, const char *metric, const char *object)
{
    json_t *all = json_array();
    sqlite3_stmt *st;

    if (sqlite3_prepare_v2(ws->db, "SELECT " BUCKET_OF("first_at") " AS b, min(min), max(max), "
                           "sum(sum) / sum(n) FROM " ALL_SAMPLES " WHERE metric = ?2 AND "
                           "(?3 IS NULL OR object = ?3) GROUP BY b ORDER BY b", -1, &st,
                           NULL) != SQLITE_OK)
        return all;
    sqlite3_bind_int64(st, 1, session);
    sqlite3_bind_text(st, 2, metric, -1, SQLITE_TRANSIENT);
    if (object)
        sqlite3_bind_text(st, 3, object, -1, SQLITE_TRANSIENT);
    while (sqlite3_step(st) == SQLITE_ROW)
        json_array_append_new(all, json_pack("{s:s, s:f, s:f, s:f}", "t",
                                             (const char *)sqlite3_column_text(st, 0), "min",
                                             sqlite3_column_double(st, 1), "max",
                                             sqlite3_column_double(st, 2), "avg",
                                             sqlite3_column_double(st, 3)));
    sqlite3_finalize(st);
    return all;
}

int ws_finding(ws_t *ws, long session, const char *table, const char *target_table,
               const char *kind, const char *key_json, const char *fields_json,
               const char *window_from, const char *window_to, struct err *e)
{
    return exec_keep(ws, e, "INSERT INTO live_findings (at, session, tbl, target_tbl, kind, "
                     "key_json, fields_json, window_from, window_to) VALUES "
                     "(cutover_now(), ?, ?, ?, ?, ?, ?, ?, ?)",
                     "ittttttt", session, table, target_table, kind, key_json, fields_json,
                     window_from, window_to);
}

int ws_connection_event(ws_t *ws, const char *side, int up, const char *error, struct err *e)
{
    return ws_runbook_event(ws, side, up ? "connection up" : "connection down", NULL, 0, 0,
                            up ? NULL : error, e);
}

long ws_alert_open(ws_t *ws, long session, const char *metric, const char *level, double value,
                   double threshold, const char *message, struct err *e)
{
    if (exec_bind(ws, e, "INSERT INTO alerts (at, session, metric, level, value, threshold, "
                  "message) VALUES (cutover_now(), ?, ?, ?, ?, ?, ?)",
                  "ittrrt", session, metric, level, value, threshold, message) < 0)
        return -1;
    return (long)sqlite3_last_insert_rowid(ws->db);
}

int ws_alert_change(ws_t *ws, long id, const char *level, double value, double threshold,
                    const char *message, int close, struct err *e)
{
    return exec_bind(ws, e, close
                     ? "UPDATE alerts SET level = ?, value = ?, threshold = ?, message = ?, "
                       "closed_at = cutover_now() WHERE id = ?"
                     : "UPDATE alerts SET level = ?, value = ?, threshold = ?, message = ? "
                       "WHERE id = ?", "trrti", level, value, threshold, message, id);
}

int ws_alert_ack(ws_t *ws, long id, const char *note, struct err *e)
{
    return exec_bind(ws, e, "UPDATE alerts SET acknowledged_by = ?, acknowledged_at = "
                     "cutover_now(), note = ? WHERE id = ?", "tti",
                     user_name(), note, id);
}

json_t *ws_alerts_json(ws_t *ws, long session, int open_only)
{
    return rows_json(ws, open_only
                     ? "SELECT id, at, session, metric, level, value, threshold, message, closed_at,"
                       " acknowledged_by, acknowledged_at, note FROM alerts WHERE closed_at IS NULL"
                       " AND (?1 = 0 OR session = ?1) AND ?2 = ?2 ORDER BY id"
                     : "SELECT id, at, session, metric, level, value, threshold, message, closed_at,"
                       " acknowledged_by, acknowledged_at, note FROM alerts"
                       " WHERE (?1 = 0 OR session = ?1) AND ?2 = ?2 ORDER BY id", session, 0);
}

long ws_runbook_last(ws_t *ws)
{
    return scalar(ws, "SELECT coalesce(max(id), 0) FROM runbook_log WHERE ?1 = ?1 AND ?2 = ?2",
                  0, 0);
}

/* The runbook log after event ?1 (?2: rows_json's second parameter, unused). */
static const char *runbook_sql(int with_output)
{
    return with_output
           ? "SELECT id, at, step, event, user, exit_status, duration_ms, output FROM "
             "runbook_log WHERE id > ?1 AND ?2 = ?2 ORDER BY id"
           : "SELECT id, at, step, event, user, exit_status, duration_ms, output FROM "
             "runbook_log WHERE event <> 'output' AND id > ?1 AND ?2 = ?2 ORDER BY id";
}

int ws_runbook_each(ws_t *ws, long after, int with_output,
                    int (*fn)(void *arg, const struct ws_rb_event *ev), void *arg)
{
    sqlite3_stmt *st;
    int rc = 0;

    if (sqlite3_prepare_v2(ws->db, runbook_sql(with_output), -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_int64(st, 1, after);
    sqlite3_bind_int64(st, 2, 0);
    while (!rc && sqlite3_step(st) == SQLITE_ROW) {
        const char *out = (const char *)sqlite3_column_text(st, 7);
        struct ws_rb_event ev = {
            .id = (long)sqlite3_column_int64(st, 0),
            .at = (const char *)sqlite3_column_text(st, 1),
            .step = (const char *)sqlite3_column_text(st, 2),
            .event = (const char *)sqlite3_column_text(st, 3),
            .exit_status = (long)sqlite3_column_int64(st, 5),
            .duration_ms = (long)sqlite3_column_int64(st, 6),
            .output = out ? out : "",
        };
        rc = fn(arg, &ev);
    }
    sqlite3_finalize(st);
    return rc;
}

json_t *ws_runbook_json(ws_t *ws, int with_output, long after)
{
    return rows_json(ws, runbook_sql(with_output), after, 0);
}
