/* The workspace: created on first use with mode 0600 in WAL mode, its schema
 * versioned and upgraded, newer versions refused, the audit log kept. */
#include "config.h"
#include "testutil.h"

#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"
#include "workspace.h"

static void test_create(void **state)
{
    char *dir = tmpdir_new(), path[512], wal[520];
    struct err e = { 0 };
    struct stat st;
    ws_t *ws;

    (void)state;
    snprintf(path, sizeof path, "%s/.cutover/state.db", dir);
    ws = ws_open(path, &e);
    assert_non_null(ws);
    assert_int_equal(ws_version(ws), WS_VERSION);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    snprintf(wal, sizeof wal, "%s/.cutover", dir);
    assert_int_equal(stat(wal, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    for (const char *const *t = (const char *const[]){ "runs", "results", "discrepancies",
                                                        "audit", "runbook_log", "samples",
                                                        "alerts", NULL }; *t; t++)
        assert_int_equal(ws_count(ws, *t), 0);
    assert_int_equal(ws_audit(ws, "decide", "table users", "undecided", "migrate", &e), 0);
    assert_int_equal(ws_count(ws, "audit"), 1);
    ws_close(ws);
    /* WAL: the -wal file exists while open and the journal mode sticks */
    ws = ws_open(path, &e);
    snprintf(wal, sizeof wal, "%s-wal", path);
    assert_int_equal(stat(wal, &st), 0);
    assert_int_equal(ws_count(ws, "audit"), 1);  /* reopening keeps what was recorded */
    ws_close(ws);
    tmpdir_free(dir);
}

static void set_version(const char *path, int v)
{
    sqlite3 *db;
    char sql[64];

    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    snprintf(sql, sizeof sql, "PRAGMA user_version = %d", v);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

static void test_upgrade_and_refusal(void **state)
{
    char *dir = tmpdir_new(), path[512], msg[700];
    struct err e = { 0 };
    FILE *f;
    ws_t *ws;

    (void)state;
    /* an empty file is a version-0 workspace: it is brought up to date */
    snprintf(path, sizeof path, "%s/state.db", dir);
    f = fopen(path, "w");
    fclose(f);
    ws = ws_open(path, &e);
    assert_non_null(ws);
    assert_int_equal(ws_version(ws), WS_VERSION);
    assert_int_equal(ws_count(ws, "runs"), 0);
    ws_close(ws);
    {   /* discrepancies found by key, decisions by a partial index (version 5), a
         * run's open ones counted from an index alone (version 7) */
        sqlite3 *db;
        sqlite3_stmt *st;
        char names[200] = "", plan[200] = "";
        assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
        assert_int_equal(sqlite3_prepare_v2(db, "SELECT group_concat(name, ' ') FROM (SELECT "
                         "name FROM sqlite_schema WHERE type = 'index' AND tbl_name = "
                         "'discrepancies' AND sql IS NOT NULL ORDER BY name)", -1, &st, NULL),
                         SQLITE_OK);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        snprintf(names, sizeof names, "%s", (const char *)sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
        assert_int_equal(sqlite3_prepare_v2(db, "EXPLAIN QUERY PLAN SELECT count(*) FROM "
                         "discrepancies WHERE run_id = 1 AND coalesce(class, '') <> "
                         "'accepted_variance'", -1, &st, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        snprintf(plan, sizeof plan, "%s", (const char *)sqlite3_column_text(st, 3));
        sqlite3_finalize(st);
        sqlite3_close(db);
        assert_string_equal(names, "discrepancies_by_key discrepancies_by_run_class "
                                   "discrepancies_decided");
        assert_string_equal(plan, "SEARCH discrepancies USING COVERING INDEX "
                                  "discrepancies_by_run_class (run_id=?)");
    }
    /* a workspace from a newer cutover is refused, and left alone */
    set_version(path, WS_VERSION + 1);
    assert_null(ws_open(path, &e));
    assert_int_equal(e.kind, ERR_INPUT);
    snprintf(msg, sizeof msg, "%s: workspace version %d was written by a newer cutover (this "
             "one knows up to %d): upgrade cutover", path, WS_VERSION + 1, WS_VERSION);
    assert_string_equal(e.msg, msg);
    /* not a database at all */
    f = fopen(path, "w");
    fputs("this is not a database, it is a shopping list\n", f);
    fclose(f);
    assert_null(ws_open(path, &e));
    snprintf(msg, sizeof msg, "%s: cannot set up the workspace: file is not a database", path);
    assert_string_equal(e.msg, msg);
    tmpdir_free(dir);
}

/* A session is open until it completes or runs past its planned end; its
 * summary comes from what it recorded. */
static void test_sessions(void **state)
{
    char *dir = tmpdir_new(), path[512];
    struct err e = { 0 };
    struct ws_session s;
    long short_one, long_one;
    json_t *sum;
    ws_t *ws;

    (void)state;
    snprintf(path, sizeof path, "%s/state.db", dir);
    ws = ws_open(path, &e);
    assert_non_null(ws);
    assert_int_equal(ws_session_open(ws, "hypercare", &s), 0);
    short_one = ws_session_begin(ws, "hypercare", 1000, 1, &e);
    assert_true(short_one > 0);
    usleep(20000);
    assert_int_equal(ws_session_open(ws, "hypercare", &s), 0);  /* past its end */
    long_one = ws_session_begin(ws, "hypercare", 1000, 3600000, &e);
    assert_int_equal(ws_session_begin(ws, "dashboard", 1000, 0, &e), long_one + 1);
    assert_int_equal(ws_session_open(ws, "hypercare", &s), 1);
    assert_int_equal(s.id, long_one);
    assert_int_equal(s.duration_ms, 3600000);
    assert_int_equal(s.last_sample_ms, 0);
    assert_true(s.now_ms >= s.started_ms && s.now_ms - s.started_ms < 60000);
    assert_int_equal(ws_sample(ws, long_one, "source", "users", "rows", 10, 0, &e), 0);
    assert_int_equal(ws_sample(ws, long_one, "target", "users", "error", 1, 0, &e), 0);
    assert_int_equal(ws_sample(ws, long_one, "both", "users", "missing", 2, 0, &e), 0);
    assert_int_equal(ws_finding(ws, long_one, "users", "app_users", "missing", "{\"id\":1}", NULL,
                                "a", "b", &e), 0);
    assert_int_equal(ws_session_open(ws, "hypercare", &s), 1);
    assert_true(s.last_sample_ms >= s.started_ms);
    sum = ws_session_summary(ws, long_one);
    assert_int_equal(json_integer_value(json_object_get(sum, "polls")), 2);
    assert_int_equal(json_integer_value(json_object_get(sum, "failed")), 1);
    assert_int_equal(json_integer_value(json_object_get(sum, "tables")), 1);
    assert_int_equal(json_array_size(json_object_get(sum, "findings")), 1);
    json_decref(sum);
    assert_int_equal(ws_session_end(ws, long_one, "interrupted", NULL, &e), 0);
    assert_int_equal(ws_session_open(ws, "hypercare", &s), 1);  /* resumable */
    assert_int_equal(ws_session_end(ws, long_one, "completed", "{}", &e), 0);
    assert_int_equal(ws_session_open(ws, "hypercare", &s), 0);
    ws_close(ws);
    tmpdir_free(dir);
}

struct seen {
    struct ws_history h[8];
    int n;
};

static void keep(const struct ws_history *h, void *arg)
{
    struct seen *s = arg;

    if (s->n < 8)
        s->h[s->n] = *h;
    s->n++;
}

/* A signal's recorded history, for the dashboard's sparklines: what was
 * folded into buckets, then the samples of the last hour one by one, oldest
 * first, and nothing of other signals or sessions. */
static void test_session_history(void **state)
{
    char *dir = tmpdir_new(), path[512];
    struct err e = { 0 };
    struct seen seen = { 0 };
    long hc;
    ws_t *ws;
    long n = 0;
    double min = 1e9, max = -1e9, sum = 0;
    int k;

    (void)state;
    snprintf(path, sizeof path, "%s/state.db", dir);
    ws = ws_open(path, &e);
    assert_non_null(ws);
    hc = ws_session_begin(ws, "hypercare", 1000, 3600000, &e);
    assert_true(hc > 0);
    for (int i = 0; i < 3; i++)
        assert_int_equal(ws_sample(ws, hc, "both", "users", "missing", (double[]){ 5, 7, 6 }[i],
                                   0, &e), 0);
    assert_int_equal(ws_sample(ws, hc, "source", "users", "rows", 50, 0, &e), 0);
    assert_int_equal(ws_sample(ws, hc, "both", "orders", "missing", 100, 0, &e), 0);
    assert_int_equal(ws_compact(ws, hc, wall_ms() + 1, &e), 0);  /* all of them folded */
    assert_int_equal(ws_sample(ws, hc, "both", "users", "missing", 9, 0, &e), 0);
    assert_int_equal(ws_sample(ws, hc, "both", "users", "missing", 4, 0, &e), 0);
    k = ws_session_history(ws, hc, "both", "users", "missing", keep, &seen);
    assert_int_equal(k, seen.n);
    assert_true(seen.n >= 3 && seen.n <= 4);  /* one bucket, two if a 5-minute edge fell between */
    for (k = 0; k < seen.n - 2; k++) {
        assert_int_equal(seen.h[k].folded, 1);
        n += seen.h[k].n;
        min = seen.h[k].min < min ? seen.h[k].min : min;
        max = seen.h[k].max > max ? seen.h[k].max : max;
        sum += seen.h[k].sum;
    }
    assert_int_equal(n, 3);
    assert_true(min == 5 && max == 7 && sum == 18);
    for (int i = 0; i < 2; i++, k++) {
        assert_int_equal(seen.h[k].folded, 0);
        assert_int_equal(seen.h[k].n, 1);
        assert_true(seen.h[k].min == (i ? 4 : 9) && seen.h[k].max == seen.h[k].min);
        assert_true(seen.h[k].at_ms >= seen.h[k - 1].at_ms);
    }
    seen.n = 0;
    assert_int_equal(ws_session_history(ws, hc + 1, "both", "users", "missing", keep, &seen), 0);
    assert_int_equal(ws_session_history(ws, hc, "both", "users", "lag_ms", keep, &seen), 0);
    assert_int_equal(seen.n, 0);
    ws_close(ws);
    tmpdir_free(dir);
}

/* The runbook log read an event at a time, from an event on, outputs or not,
 * until the reader stops (a dashboard showing another's runbook follows it so). */
struct rb_seen { char got[256]; int stop_at; };

static int rb_collect(void *arg, const struct ws_rb_event *ev)
{
    struct rb_seen *r = arg;
    size_t n = strlen(r->got);

    snprintf(r->got + n, sizeof r->got - n, "%ld %s %s %ld %s|", ev->id, ev->step, ev->event,
             ev->exit_status, ev->output);
    return r->stop_at && ev->id == r->stop_at ? 7 : 0;
}

static void test_runbook_each(void **state)
{
    char *dir = tmpdir_new(), path[512];
    struct err e = { 0 };
    struct rb_seen r = { "", 0 };
    ws_t *ws;

    (void)state;
    snprintf(path, sizeof path, "%s/state.db", dir);
    ws = ws_open(path, &e);
    assert_non_null(ws);
    assert_int_equal(ws_runbook_event(ws, "load", "start", "alice", 0, 0, "run.sh", &e), 0);
    assert_int_equal(ws_runbook_event(ws, "load", "output", "alice", 0, 0, "a\n", &e), 0);
    assert_int_equal(ws_runbook_event(ws, "load", "output", "alice", 0, 0, "b\n", &e), 0);
    assert_int_equal(ws_runbook_event(ws, "load", "failed", "alice", 2, 10, NULL, &e), 0);
    assert_int_equal(ws_runbook_each(ws, 0, 1, rb_collect, &r), 0);
    assert_string_equal(r.got, "1 load start 0 run.sh|2 load output 0 a\n|3 load output 0 b\n|"
                               "4 load failed 2 |");
    r.got[0] = '\0';
    assert_int_equal(ws_runbook_each(ws, 1, 0, rb_collect, &r), 0);  /* no outputs, after 1 */
    assert_string_equal(r.got, "4 load failed 2 |");
    r = (struct rb_seen){ "", 2 };
    assert_int_equal(ws_runbook_each(ws, 0, 1, rb_collect, &r), 7);   /* stopped at 2 */
    assert_string_equal(r.got, "1 load start 0 run.sh|2 load output 0 a\n|");
    r.got[0] = '\0';
    assert_int_equal(ws_runbook_each(ws, 4, 1, rb_collect, &r), 0);
    assert_string_equal(r.got, "");
    ws_close(ws);
    tmpdir_free(dir);
}

/* The first value of a query, on a connection of its own (the workspace's may
 * be held), is `want`. */
static void expect_query(const char *path, const char *sql, const char *want)
{
    sqlite3 *db;
    sqlite3_stmt *st;

    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal(sqlite3_column_type(st, 0) == SQLITE_NULL
                        ? "NULL" : (const char *)sqlite3_column_text(st, 0), want);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

/* Another process holding the workspace: it takes it (BEGIN IMMEDIATE),
 * then lets go 6 s after a byte comes on go[0]. */
static pid_t hold_workspace(const char *path, int go[2])
{
    char ready;
    int up[2];
    pid_t pid;

    assert_int_equal(pipe(go), 0);
    assert_int_equal(pipe(up), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        sqlite3 *db;
        char c;
        int ok = sqlite3_open(path, &db) == SQLITE_OK &&
                 sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK;
        if (write(up[1], ok ? "y" : "n", 1) != 1 || !ok || read(go[0], &c, 1) != 1)
            _exit(1);
        sleep(6);
        _exit(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK ? 0 : 1);
    }
    assert_int_equal(read(up[0], &ready, 1), 1);
    assert_int_equal(ready, 'y');
    close(up[0]);
    close(up[1]);
    close(go[0]);
    return pid;
}

/* A run's end that cannot be written, another process holding the workspace,
 * is kept: written with the time it ended after the next write that succeeds,
 * or on closing. */
static void test_run_end_kept(void **state)
{
    char *dir = tmpdir_new(), path[512], msg[700], want[800];
    struct err e = { 0 };
    sqlite3 *holder;
    int go[2], status;
    pid_t pid;
    long run;
    ws_t *ws;

    (void)state;
    snprintf(path, sizeof path, "%s/state.db", dir);
    ws = ws_open(path, &e);
    assert_non_null(ws);
    run = ws_run_begin(ws, "rehearsal", "sqlite:a.db", "sqlite:b.db", &e);
    assert_int_equal(run, 1);
    assert_int_equal(sqlite3_open(path, &holder), SQLITE_OK);
    assert_int_equal(sqlite3_exec(holder, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(ws_run_end(ws, run, "done", 1234, NULL, &e), -1);
    snprintf(msg, sizeof msg, "%s: cannot record: another process has kept the workspace "
             "locked for more than 5 s", path);
    assert_int_equal(strncmp(e.msg, msg, strlen(msg)), 0);
    assert_string_equal(e.msg + strlen(msg), " (kept: written once it is let go)");
    expect_query(path, "SELECT status || '|' || coalesce(finished_at, '-') FROM runs", "running|-");
    sleep(2);  /* the end's time is kept: before the write that lets it through */
    assert_int_equal(sqlite3_exec(holder, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(ws_audit(ws, "decide", "table users", "undecided", "migrate", &e), 0);
    /* (a run done, its end late: recorded incomplete, saying why) */
    snprintf(want, sizeof want, "incomplete|1234|%s|1", msg);
    expect_query(path, "SELECT status || '|' || duration_ms || '|' || coalesce(note, '-') || '|' "
                 "|| (finished_at < (SELECT at FROM audit)) FROM runs", want);
    sqlite3_close(holder);
    /* kept again, and written by ws_close, which waits longer than a write
     * does: here for a process that lets go 6 s after it is asked to */
    run = ws_run_begin(ws, "rehearsal", "sqlite:a.db", "sqlite:b.db", &e);
    assert_int_equal(run, 2);
    pid = hold_workspace(path, go);
    assert_int_equal(ws_run_end(ws, run, "incomplete", 99, "why", &e), -1);
    assert_int_equal(write(go[1], "g", 1), 1);
    ws_close(ws);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_int_equal(status, 0);
    expect_query(path, "SELECT status || '|' || duration_ms || '|' || coalesce(note, '-') "
                 "FROM runs WHERE id = 2", "incomplete|99|why");
    /* and opened again, neither is taken for one a crash left running */
    ws = ws_open(path, &e);
    assert_non_null(ws);
    ws_close(ws);
    expect_query(path, "SELECT group_concat(status, ' ') FROM runs", "incomplete incomplete");
    tmpdir_free(dir);
}

/* A run compared with the one before it of its kind: only one that ended
 * (never one that failed midway), only in the tables both compared (a
 * --table run with the same tables of its predecessor); a run that could not
 * start leaves no trace (#30 §4). */
static void test_run_comparison(void **state)
{
    char *dir = tmpdir_new(), path[512];
    struct err e = { 0 };
    struct ws_comparison c;
    ws_t *ws;
    long run;

    (void)state;
    snprintf(path, sizeof path, "%s/state.db", dir);
    ws = ws_open(path, &e);
    assert_non_null(ws);
#define DISC(table, key) \
    assert_true(ws_queue_discrepancy(ws, run, table, table, "missing", key, NULL, NULL, &e) >= 0)
#define TABLE(table) \
    assert_int_equal(ws_record_result(ws, run, "table", table, table, 1, 1, 1, 0, 0, NULL, NULL, \
                                      "fail", NULL, &e), 0)
    /* 1: both tables */
    run = ws_run_begin(ws, "rehearsal", "sqlite:a.db", "sqlite:b.db", &e);
    DISC("a", "{\"id\":1}"), DISC("b", "{\"id\":1}"), DISC("b", "{\"id\":2}"), DISC("b", "{\"id\":3}");
    assert_int_equal(ws_flush(ws, &e), 0);
    TABLE("a"), TABLE("b");
    assert_int_equal(ws_run_end(ws, run, "done", 10, NULL, &e), 0);
    /* 2: failed in b, having compared a */
    run = ws_run_begin(ws, "rehearsal", "sqlite:a.db", "sqlite:b.db", &e);
    DISC("a", "{\"id\":1}");
    assert_int_equal(ws_flush(ws, &e), 0);
    TABLE("a");
    assert_int_equal(ws_run_end(ws, run, "failed", 5, NULL, &e), 0);
    /* 3: both again: b's 3 fixed, b's 4 new, the rest still open, against 1 */
    run = ws_run_begin(ws, "rehearsal", "sqlite:a.db", "sqlite:b.db", &e);
    DISC("a", "{\"id\":1}"), DISC("b", "{\"id\":1}"), DISC("b", "{\"id\":2}"), DISC("b", "{\"id\":4}");
    assert_int_equal(ws_flush(ws, &e), 0);
    TABLE("a"), TABLE("b");
    assert_int_equal(ws_run_end(ws, run, "done", 10, NULL, &e), 0);
    assert_int_equal(ws_compare(ws, run, &c), 0);
    assert_int_equal(c.previous, 1);
    assert_int_equal(c.fresh, 1);
    assert_int_equal(c.fixed, 1);
    assert_int_equal(c.still_open, 3);
    /* 4: --table a: compared with a of run 3 only; b's are neither fixed nor open */
    run = ws_run_begin(ws, "rehearsal", "sqlite:a.db", "sqlite:b.db", &e);
    DISC("a", "{\"id\":1}"), DISC("a", "{\"id\":2}");
    assert_int_equal(ws_flush(ws, &e), 0);
    TABLE("a");
    assert_int_equal(ws_run_end(ws, run, "done", 10, NULL, &e), 0);
    assert_int_equal(ws_compare(ws, run, &c), 0);
    assert_int_equal(c.previous, 3);
    assert_int_equal(c.fresh, 1);
    assert_int_equal(c.fixed, 0);
    assert_int_equal(c.still_open, 1);
    /* 5: could not start: discarded, no trace; the next run is 5 again */
    run = ws_run_begin(ws, "rehearsal", "sqlite:a.db", "sqlite:b.db", &e);
    assert_int_equal(run, 5);
    assert_int_equal(ws_run_discard(ws, run, &e), 0);
    expect_query(path, "SELECT group_concat(id || ':' || status, ' ') FROM runs",
                 "1:done 2:failed 3:done 4:done");
    run = ws_run_begin(ws, "rehearsal", "sqlite:a.db", "sqlite:b.db", &e);
    assert_int_equal(run, 5);
    TABLE("a");
    assert_int_equal(ws_run_discard(ws, run, &e), 0);  /* it recorded something: kept */
    expect_query(path, "SELECT count(*) FROM runs", "5");
#undef DISC
#undef TABLE
    ws_close(ws);
    tmpdir_free(dir);
}

/* What live monitoring records, with the workspace held by another process:
 * kept with its time, written in order by the next write that goes through;
 * in a round whose ws_begin failed, at once. */
static void test_kept_writes(void **state)
{
    char *dir = tmpdir_new(), path[512], msg[700];
    struct err e = { 0 };
    sqlite3 *holder;
    long s;
    ws_t *ws;

    (void)state;
    snprintf(path, sizeof path, "%s/state.db", dir);
    ws = ws_open(path, &e);
    assert_non_null(ws);
    s = ws_session_begin(ws, "hypercare", 1000, 3600000, &e);
    assert_int_equal(s, 1);
    assert_int_equal(sqlite3_open(path, &holder), SQLITE_OK);
    assert_int_equal(sqlite3_exec(holder, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    /* the first write kept waits 5 s; a round, and any write behind it, 250 ms */
    assert_int_equal(ws_runbook_event(ws, "trigger", "breached", NULL, 0, 0, "lag", &e), -1);
    snprintf(msg, sizeof msg, "%s: cannot record: another process has kept the workspace "
             "locked for more than 5 s (kept: written once it is let go)", path);
    assert_string_equal(e.msg, msg);
    memset(&e, 0, sizeof e);
    assert_int_equal(ws_begin(ws), -1);
    snprintf(msg, sizeof msg, "%s: cannot record: another process has kept the workspace "
             "locked for more than 250 ms (kept: written once it is let go)", path);
    assert_int_equal(ws_sample(ws, s, "source", "users", "rows", 10, 0, &e), -1);
    assert_string_equal(e.msg, msg);
    memset(&e, 0, sizeof e);
    assert_int_equal(ws_sample(ws, s, "source", "users", "latency_ms", 3, 0, &e), -1);
    assert_string_equal(e.msg, msg);
    assert_int_equal(ws_commit(ws), -1);
    memset(&e, 0, sizeof e);
    assert_int_equal(ws_finding(ws, s, "users", "users", "changed", "{\"id\":7}", NULL, "a",
                                "b", &e), -1);
    assert_string_equal(e.msg, msg);
    memset(&e, 0, sizeof e);
    assert_int_equal(ws_session_end(ws, s, "completed", "{\"polls\":3}", &e), -1);
    assert_string_equal(e.msg, msg);
    memset(&e, 0, sizeof e);
    assert_int_equal(ws_audit(ws, "decide", "table users", "undecided", "migrate", &e), -1);
    snprintf(msg, sizeof msg, "%s: cannot record to the audit log: another process has kept "
             "the workspace locked for more than 5 s", path);
    assert_string_equal(e.msg, msg);  /* not kept: the user is told, and tries again */
    assert_int_equal(ws_kept(ws), 5);
    expect_query(path, "SELECT (SELECT count(*) FROM samples) || '|' || (SELECT count(*) FROM "
                 "runbook_log) || '|' || (SELECT count(*) FROM live_findings) || '|' || status "
                 "|| '|' || coalesce(ended_at, '-') FROM sessions", "0|0|0|running|-");
    assert_int_equal(sqlite3_exec(holder, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(ws_audit(ws, "decide", "table users", "undecided", "migrate", &e), 0);
    assert_int_equal(ws_kept(ws), 0);
    expect_query(path, "SELECT status || '|' || summary || '|' || (ended_at < (SELECT at FROM "
                 "audit)) || '|' || (SELECT group_concat(metric || ' ' || value || ' ' || "
                 "(samples.at <= sessions.ended_at), ', ') FROM samples) FROM sessions",
                 "completed|{\"polls\":3}|1|rows 10.0 1, latency_ms 3.0 1");
    /* in the order they happened, each with its own time */
    expect_query(path, "SELECT (SELECT step || ' ' || event || ' ' || output FROM runbook_log) "
                 "|| '|' || (SELECT kind || ' ' || key_json FROM live_findings) || '|' || "
                 "((SELECT at FROM runbook_log) <= (SELECT min(at) FROM samples)) || "
                 "((SELECT max(at) FROM samples) <= (SELECT at FROM live_findings)) || "
                 "((SELECT at FROM live_findings) <= (SELECT ended_at FROM sessions))",
                 "trigger breached lag|changed {\"id\":7}|111");
    /* kept in order: an end, then the session resumed (watch restarted) */
    assert_int_equal(sqlite3_exec(holder, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(ws_session_end(ws, s, "interrupted", NULL, &e), -1);
    assert_int_equal(ws_session_resume(ws, s, &e), -1);
    assert_int_equal(sqlite3_exec(holder, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    ws_close(ws);
    expect_query(path, "SELECT status || '|' || coalesce(ended_at, '-') FROM sessions",
                 "running|-");
    sqlite3_close(holder);
    tmpdir_free(dir);
}

/* Recorded times read back: the runbook's running step counts from its start. */
static void test_iso_times(void **state)
{
    char buf[32];

    (void)state;
    assert_int_equal(iso_ms("2026-01-01T00:00:00Z"), 1767225600000LL);
    assert_int_equal(iso_ms("2026-01-01T00:00:00.5Z"), 1767225600500LL);
    assert_int_equal(iso_ms("2026-01-01T00:00:00.123456Z"), 1767225600123LL);
    assert_int_equal(iso_ms(ms_iso(1767225600042LL, buf, sizeof buf)), 1767225600042LL);
    assert_string_equal(buf, "2026-01-01T00:00:00.042Z");
    assert_int_equal(iso_ms("2026-01-01T00:00:00"), -1);    /* no zone: not one recorded */
    assert_int_equal(iso_ms("2026-01-01T00:00:00+01:00"), -1);
    assert_int_equal(iso_ms("yesterday"), -1);
    assert_int_equal(iso_ms(NULL), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create),
        cmocka_unit_test(test_upgrade_and_refusal),
        cmocka_unit_test(test_sessions),
        cmocka_unit_test(test_session_history),
        cmocka_unit_test(test_runbook_each),
        cmocka_unit_test(test_iso_times),
        cmocka_unit_test(test_run_end_kept),
        cmocka_unit_test(test_kept_writes),
        cmocka_unit_test(test_run_comparison),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
