/* workspace: the store: open (schema, versions), locks, short transactions,
 * and the writes kept while another process holds it (ws_int.h). */
#include "config.h"
#include "workspace.h"
#include "ws_int.h"
#include "util.h"

#include <errno.h>
#include <libgen.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* The text a queued discrepancy holds (of what QUEUE_BYTES counts), then
 * freed. */
size_t ws__unqueue(struct queued *q)
{
    size_t n = 0;

    for (int i = 0; i < 9; i++) {
        n += i < 6 && q->v[i] ? strlen(q->v[i]) : 0;
        free(q->v[i]);
    }
    return n;
}

int ws__replay(ws_t *ws, struct err *e, const char *what);
void ws__kept_free(struct kept *k);

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
    /* 7 → 8: the states of a phased migration's waves, each change a row */
    "CREATE TABLE wave_log ("
    "  id INTEGER PRIMARY KEY, at TEXT NOT NULL, wave TEXT NOT NULL, state TEXT NOT NULL,"
    "  user TEXT NOT NULL, note TEXT);",
    /* 8 → 9: a stray write or drift is recorded once (ws_wave_finding): found by key, not
     * by reading every finding of a long hypercare */
    "CREATE INDEX live_findings_by_key ON live_findings(tbl, kind, key_json);",
};

#define NMIGRATIONS ((int)(sizeof migrations / sizeof *migrations))

_Static_assert(NMIGRATIONS == WS_VERSION, "one migration per schema version");

int ws__fail(ws_t *ws, struct err *e, const char *what)
{
    int code = sqlite3_errcode(ws->db);

    ws->cannot_write = code == SQLITE_FULL || (code & 0xff) == SQLITE_IOERR;
    if (code == SQLITE_BUSY)
        return err_set(e, ERR_INPUT, "%s: %s: another process has kept the workspace locked for "
                       "more than %d %s", ws->path, what, ws->busy_ms % 1000 ? ws->busy_ms
                       : ws->busy_ms / 1000, ws->busy_ms % 1000 ? "ms" : "s");
    return err_set(e, ERR_INPUT, "%s: %s: %s", ws->path, what, sqlite3_errmsg(ws->db));
}

void ws__set_busy(ws_t *ws, int ms)
{
    ws->busy_ms = ms;
    sqlite3_busy_timeout(ws->db, ms);
}

int ws__begin_immediate(ws_t *ws, struct err *e, const char *what)
{
    if (sqlite3_exec(ws->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return ws__fail(ws, e, what);
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
        ws__unqueue(&ws->queue[i]);
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
        return ws__fail(ws, e, "cannot read the schema version");
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
            ws__fail(ws, e, "cannot upgrade the workspace schema");
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
        ws__fail(ws, e, "cannot open the workspace");
        goto bad;
    }
    ws__set_busy(ws, BUSY_MS);
    /* every recorded time comes from cutover's clock (see wall_ms) */
    sqlite3_create_function(ws->db, "cutover_now", 0, SQLITE_UTF8, ws, sql_now, NULL, NULL);
    if (sqlite3_exec(ws->db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; "
                     "PRAGMA foreign_keys = ON", NULL, NULL, NULL) != SQLITE_OK) {
        ws__fail(ws, e, "cannot set up the workspace");
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
        ws__set_busy(ws, CLOSE_BUSY_MS);
    ws_flush(ws, &(struct err){ 0 });
    ws__replay(ws, &(struct err){ 0 }, "cannot record");
    for (size_t i = 0; i < ws->nqueued; i++)  /* what could not be written */
        ws__unqueue(&ws->queue[i]);
    free(ws->queue);
    for (size_t i = 0; i < ws->nkept; i++)  /* lost: a run left `running` is marked */
        ws__kept_free(&ws->kept[i]);            /* interrupted by the next one */
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
int ws__open_lock(const ws_t *ws, const char *role)
{
    char *path = xasprintf("%s.%s-lock", ws->path, role);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

    free(path);
    return fd;
}

int ws_take_lock(ws_t *ws, const char *role)
{
    int fd = ws__open_lock(ws, role);

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

int ws__exec_args(ws_t *ws, struct err *e, sqlite3_stmt **slot, const char *what,
                     const char *sql, const struct arg *a, int n);
static int args_of(struct arg *a, const char *types, va_list ap);

int ws_audit(ws_t *ws, const char *action, const char *object, const char *old_value,
             const char *new_value, struct err *e)
{
    struct arg a[] = { { 't', .t = user_name() }, { 't', .t = action }, { 't', .t = object },
                       { 't', .t = old_value }, { 't', .t = new_value } };

    return ws__exec_args(ws, e, NULL, "cannot record to the audit log", "INSERT INTO audit (at, "
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
    ws__set_busy(ws, HELD_BUSY_MS);  /* what the round records is kept if need be: */
    rc = ws__begin_immediate(ws, &e, "cannot record");  /* not worth a frozen screen */
    ws__set_busy(ws, busy);
    if (rc == 0)
        return 0;
    ws->skip = 1;  /* the writes up to ws_commit would each wait as long again */
    snprintf(ws->begin_msg, sizeof ws->begin_msg, "%s", e.msg);
    return -1;
}

int ws_hold(ws_t *ws, struct err *e)
{
    return ws__begin_immediate(ws, e, "cannot record");
}

int ws_release(ws_t *ws, int commit)
{
    if (sqlite3_exec(ws->db, commit ? "COMMIT" : "ROLLBACK", NULL, NULL, NULL) == SQLITE_OK)
        return 0;
    sqlite3_exec(ws->db, "ROLLBACK", NULL, NULL, NULL);
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
    ws__replay(ws, &(struct err){ 0 }, "cannot record");
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
    return rc == SQLITE_DONE ? 0 : ws__fail(ws, e, what);
}

/* One statement (prepared again, or kept prepared in *slot). */
int ws__run_sql(ws_t *ws, struct err *e, sqlite3_stmt **slot, const char *what,
                   const char *sql, const struct arg *a, int n)
{
    sqlite3_stmt *st = slot ? *slot : NULL;
    int rc;

    if (!st && sqlite3_prepare_v3(ws->db, sql, -1, slot ? SQLITE_PREPARE_PERSISTENT : 0, &st,
                                  NULL) != SQLITE_OK)
        return ws__fail(ws, e, what);
    rc = step_args(ws, e, st, what, a, n);
    if (slot)
        *slot = st;
    else
        sqlite3_finalize(st);
    return rc;
}

/* A write. Outside a transaction the writes kept earlier go first, in
 * order; between a ws_begin that failed and its ws_commit none is tried. */
int ws__exec_args(ws_t *ws, struct err *e, sqlite3_stmt **slot, const char *what,
                     const char *sql, const struct arg *a, int n)
{
    if (ws->skip)
        return err_set(e, ERR_INPUT, "%s", ws->begin_msg);
    if (sqlite3_get_autocommit(ws->db) && !ws->replaying && ws__replay(ws, e, what) < 0)
        return -1;
    return ws__run_sql(ws, e, slot, what, sql, a, n);
}

int ws__exec_bind(ws_t *ws, struct err *e, const char *sql, const char *types, ...)
{
    struct arg a[MAX_ARGS];
    va_list ap;
    int n;

    va_start(ap, types);
    n = args_of(a, types, ap);
    va_end(ap);
    return ws__exec_args(ws, e, NULL, "cannot record", sql, a, n);
}

/* exec_bind() through a statement kept prepared in *slot. */
int ws__exec_kept(ws_t *ws, struct err *e, sqlite3_stmt **slot, const char *sql,
                     const char *types, ...)
{
    struct arg a[MAX_ARGS];
    va_list ap;
    int n;

    va_start(ap, types);
    n = args_of(a, types, ap);
    va_end(ap);
    return ws__exec_args(ws, e, slot, "cannot record", sql, a, n);
}

/* --- writes kept while the workspace is locked --------------------------------- */

void ws__kept_free(struct kept *k)
{
    for (int i = 0; i < k->nargs; i++)
        free(k->args[i].own);
    free(k->args);
}

/* A write that could not be made, kept with the time it was asked for: it
 * is made before the next write outside a transaction, after the next
 * commit, or by ws_close, in order, in one transaction. What a reader sees
 * is then as if it had been written on time, only later. */
void ws__keep(ws_t *ws, struct err *e, const char *at, const char *sql, const struct arg *a,
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
int ws__exec_or_keep(ws_t *ws, struct err *e, sqlite3_stmt **slot, const char *sql,
                        const struct arg *a, int n)
{
    char at[32];
    int busy = ws->busy_ms, rc;

    clock_iso(at, sizeof at);
    if (ws->nkept)
        ws__set_busy(ws, HELD_BUSY_MS);
    rc = ws__exec_args(ws, e, slot, "cannot record", sql, a, n);
    if (ws->busy_ms != busy)
        ws__set_busy(ws, busy);
    if (rc == 0)
        return 0;
    ws__keep(ws, e, at, sql, a, n, 0);
    return -1;
}

int ws__exec_keep(ws_t *ws, struct err *e, const char *sql, const char *types, ...)
{
    struct arg a[MAX_ARGS];
    va_list ap;
    int n;

    va_start(ap, types);
    n = args_of(a, types, ap);
    va_end(ap);
    return ws__exec_or_keep(ws, e, NULL, sql, a, n);
}
