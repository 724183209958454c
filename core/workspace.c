#include "config.h"
#include "workspace.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct ws {
    sqlite3 *db;
    char *path;
};

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
};

#define NMIGRATIONS ((int)(sizeof migrations / sizeof *migrations))

_Static_assert(NMIGRATIONS == WS_VERSION, "one migration per schema version");

static int fail(ws_t *ws, struct err *e, const char *what)
{
    return err_set(e, ERR_INPUT, "%s: %s: %s", ws->path, what, sqlite3_errmsg(ws->db));
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

ws_t *ws_open(const char *path, struct err *e)
{
    ws_t *ws = xcalloc(1, sizeof *ws);
    int fd;

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
    sqlite3_busy_timeout(ws->db, 5000);
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
    sqlite3_close_v2(ws->db);
    free(ws->path);
    free(ws);
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

int ws_audit(ws_t *ws, const char *action, const char *object, const char *old_value,
             const char *new_value, struct err *e)
{
    sqlite3_stmt *st;
    int rc;

    if (sqlite3_prepare_v2(ws->db,
                           "INSERT INTO audit (at, user, action, object, old_value, new_value) "
                           "VALUES (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), ?, ?, ?, ?, ?)",
                           -1, &st, NULL) != SQLITE_OK)
        return fail(ws, e, "cannot record to the audit log");
    sqlite3_bind_text(st, 1, user_name(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, action, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, object, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, old_value, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, new_value, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : fail(ws, e, "cannot record to the audit log");
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
