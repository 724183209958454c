/* The rehearsal engine through its API (rehearsal.h over diff.h) on two real
 * SQLite files with planted differences: exactly the missing, extra, changed,
 * invalid and hash-only discrepancies, with their keys and fields, in the
 * order they are told; the rules that make a difference none (ci, tolerance,
 * a decimal's trailing zero); the summary's counts and statuses, the business
 * checks, the exit status and the totals in words; what the workspace
 * recorded; a second run compared with the first, an accepted variance
 * carried over; a clean pair; --table; a run cancelled; an empty text in a
 * number column shown as "", not 0. TEST_DIFF_SHOW=1 prints what the
 * planted run told. */
#include "config.h"
#include "testmig.h"

#include <sqlite3.h>
#include <uv.h>

#include "jsonx.h"
#include "rehearsal.h"
#include "url.h"
#include "util.h"

/* --- one run, on a loop of its own ------------------------------------------------- */

#define MAX_SEEN 32

struct run {
    char *disc[MAX_SEEN];       /* each discrepancy as JSON text, in the order told */
    int accepted[MAX_SEEN];
    int ndisc;
    char done_tables[512];      /* "table:status " as each was done */
    int done;
    json_t *summary;
    int exit;
    char exit_msg[1400];
    long run;
};

static void on_disc(void *arg, const struct diff_disc *d, json_t *json, int accepted)
{
    struct run *r = arg;

    (void)d;
    assert_true(r->ndisc < MAX_SEEN);
    r->disc[r->ndisc] = jsonx_dumps(json, JSON_COMPACT);
    r->accepted[r->ndisc++] = accepted;
}

static void on_table(void *arg, const struct diff_table *t)
{
    struct run *r = arg;
    size_t n = strlen(r->done_tables);

    snprintf(r->done_tables + n, sizeof r->done_tables - n, "%s:%ld/%ld ", t->table,
             t->source_rows, t->target_rows);
}

static void on_done(void *arg, struct reh *reh)
{
    struct run *r = arg;
    const char *msg;

    r->done++;
    r->summary = reh_summary(reh);
    r->exit = reh_exit(reh, &msg);
    snprintf(r->exit_msg, sizeof r->exit_msg, "%s", msg);
    r->run = reh_run(reh);
}

/* A whole run: started, driven to its end by the loop, freed; `cancel`
 * cancels it at once. The loop must end with nothing left open. */
static void run_diff(struct mig *m, const struct diff_opts *o, int cancel, struct run *r)
{
    struct reh_events ev = { .discrepancy = on_disc, .table_done = on_table, .done = on_done,
                             .arg = r };
    struct err e = { 0 };
    uv_loop_t loop;
    struct reh *reh;

    memset(r, 0, sizeof *r);
    uv_loop_init(&loop);
    reh = reh_open(&loop, m->ws, m->plan, &m->pp, m->masked[0], m->masked[1], o, &ev, &e);
    if (!reh)
        fail_msg("reh_open: %s", e.msg);
    assert_int_equal(r->done, 0);  /* nothing is done inside the call */
    if (cancel)
        reh_cancel(reh);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(r->done, 1);
    assert_null(reh_current(reh));
    assert_null(reh_unrecorded(reh));
    reh_free(reh);
    assert_int_equal(uv_loop_close(&loop), 0);
}

static void run_free(struct run *r)
{
    for (int i = 0; i < r->ndisc; i++)
        free(r->disc[i]);
    json_decref(r->summary);
}

static char *dump(const json_t *j)
{
    return jsonx_dumps(j, JSON_COMPACT);
}

static void assert_json(const json_t *j, const char *want)
{
    char *got = dump(j);

    assert_string_equal(got, want);
    free(got);
}

/* The first value of a query on the workspace, on a connection of our own. */
static void expect_ws(const struct mig *m, const char *sql, const char *want)
{
    char path[600];
    sqlite3 *db;
    sqlite3_stmt *st;

    snprintf(path, sizeof path, "%s/.cutover/state.db", m->dir);
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal(sqlite3_column_type(st, 0) == SQLITE_NULL
                        ? "NULL" : (const char *)sqlite3_column_text(st, 0), want);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

/* --- the fixture --------------------------------------------------------------------- */

static const char plan_ini[] =
    "[migration]\n"
    "name = Unit diff\n"
    "\n"
    "[source]\n"
    "url = sqlite:src.db\n"
    "label = Pilot\n"
    "\n"
    "[target]\n"
    "url = sqlite:tgt.db\n"
    "label = Production\n"
    "\n"
    "[table users]\n"
    "decision = migrate\n"
    "owner = alice\n"
    "\n"
    "[table orders]\n"
    "decision = migrate\n"
    "\n"
    "[table logs]\n"
    "decision = migrate\n"
    "\n"
    "[table scratch]\n"
    "decision = delete\n"
    "\n"
    "[check user_count]\n"
    "source = SELECT count(*) FROM users\n"
    "target = SELECT count(*) FROM users\n"
    "\n"
    "[check order_total]\n"
    "source = SELECT sum(total) FROM orders\n"
    "target = SELECT sum(total) FROM orders\n"
    "tolerance = 1%\n";

static const char sheet_csv[] =
    "source,target,transform,owner,rule,status\n"
    "users.id,users.id,,,,approved\n"
    "users.email,users.email,,,ci,approved\n"
    "users.name,users.name,,,,approved\n"
    "users.score,users.score,,,,approved\n"
    "orders.id,orders.id,,,,approved\n"
    "orders.user_id,orders.user_id,,,,approved\n"
    "orders.total,orders.total,,,tolerance:0.01,approved\n"
    "orders.status,orders.status,,,not_null,approved\n"
    "logs.line,logs.line,,,,approved\n";

/* Planted: users 3 and 6 missing, 7 extra, 2's name and 5's score (NULL
 * against 5) changed; 1's score 1.10 = 1.1 and 4's email in capitals (ci)
 * are no difference. orders 2's total within its tolerance, 3's beyond it;
 * order 4's status NULL on both sides, which not_null refuses in the target.
 * logs, without a key: one 'b' missing, one 'c' extra. scratch is deleted:
 * not compared, whatever it holds. */
static const char source_sql[] =
    "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, name TEXT, score NUMERIC);"
    "INSERT INTO users VALUES (1, 'ann@x.io', 'Ann', '1.10'), (2, 'bob@x.io', 'Bob', 2),"
    " (3, 'cy@x.io', 'Cy', 3), (4, 'DEE@X.IO', 'Dee', 4), (5, 'eve@x.io', 'Eve', NULL),"
    " (6, 'fay@x.io', 'Fay', 6);"
    "CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER, total NUMERIC, status TEXT);"
    "INSERT INTO orders VALUES (1, 1, 10, 'paid'), (2, 2, 20, 'paid'), (3, 2, 30, 'open'),"
    " (4, 4, 40, NULL);"
    "CREATE TABLE logs (line TEXT);"
    "INSERT INTO logs VALUES ('a'), ('b'), ('b');"
    "CREATE TABLE scratch (id INTEGER PRIMARY KEY, junk TEXT);"
    "INSERT INTO scratch VALUES (1, 'x');";

static const char target_sql[] =
    "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, name TEXT, score NUMERIC);"
    "INSERT INTO users VALUES (1, 'ann@x.io', 'Ann', '1.1'), (2, 'bob@x.io', 'Robert', 2),"
    " (4, 'dee@x.io', 'Dee', 4), (5, 'eve@x.io', 'Eve', 5), (7, 'gil@x.io', 'Gil', 7);"
    "CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER, total NUMERIC, status TEXT);"
    "INSERT INTO orders VALUES (1, 1, 10, 'paid'), (2, 2, 20.005, 'paid'), (3, 2, 30.5, 'open'),"
    " (4, 4, 40, NULL);"
    "CREATE TABLE logs (line TEXT);"
    "INSERT INTO logs VALUES ('b'), ('a'), ('c');"
    "CREATE TABLE scratch (id INTEGER PRIMARY KEY, junk TEXT);";

static void fixture(struct mig *m)
{
    char *dir = tmpdir_new();

    dir_write_file(dir, "cutover.ini", plan_ini);
    dir_write_file(dir, "mapping.csv", sheet_csv);
    dir_sql(dir, "src.db", source_sql);
    dir_sql(dir, "tgt.db", target_sql);
    mig_open(m, dir);
}

/* The discrepancies of the fixture's first run, in the order they are told:
 * the tables in the pairing's order (by name); in each, what the hashed probe
 * finds (missing, extra, invalid keys) in key order, then the changed rows it
 * verified, in key order. */
static const char *const planted[] = {
    "{\"type\":\"discrepancy\",\"table\":\"logs\",\"target_table\":\"logs\",\"kind\":\"missing\"",
    "{\"type\":\"discrepancy\",\"table\":\"logs\",\"target_table\":\"logs\",\"kind\":\"extra\"",
    "{\"type\":\"discrepancy\",\"table\":\"orders\",\"target_table\":\"orders\","
    "\"kind\":\"invalid\","
    "\"key\":{\"id\":4},\"fields\":[{\"source\":\"status\",\"target\":\"status\","
    "\"target_value\":null,\"rule\":\"not_null\"}]}",
    "{\"type\":\"discrepancy\",\"table\":\"orders\",\"target_table\":\"orders\","
    "\"kind\":\"changed\",\"key\":{\"id\":3},\"fields\":[{\"source\":\"total\","
    "\"target\":\"total\",\"source_value\":30,\"target_value\":30.5}]}",
    "{\"type\":\"discrepancy\",\"table\":\"users\",\"target_table\":\"users\",\"kind\":\"missing\","
    "\"key\":{\"id\":3}}",
    "{\"type\":\"discrepancy\",\"table\":\"users\",\"target_table\":\"users\",\"kind\":\"missing\","
    "\"key\":{\"id\":6}}",
    "{\"type\":\"discrepancy\",\"table\":\"users\",\"target_table\":\"users\",\"kind\":\"extra\","
    "\"key\":{\"id\":7}}",
    "{\"type\":\"discrepancy\",\"table\":\"users\",\"target_table\":\"users\",\"kind\":\"changed\","
    "\"key\":{\"id\":2},\"fields\":[{\"source\":\"name\",\"target\":\"name\","
    "\"source_value\":\"Bob\",\"target_value\":\"Robert\"}]}",
    "{\"type\":\"discrepancy\",\"table\":\"users\",\"target_table\":\"users\",\"kind\":\"changed\","
    "\"key\":{\"id\":5},\"fields\":[{\"source\":\"score\",\"target\":\"score\","
    "\"source_value\":null,\"target_value\":5}]}",
};
#define NPLANTED (int)(sizeof planted / sizeof *planted)

static void assert_planted(const struct run *r, int first_exact)
{
    if (getenv("TEST_DIFF_SHOW"))
        for (int i = 0; i < r->ndisc; i++)
            print_message("%s\n", r->disc[i]);
    assert_int_equal(r->ndisc, NPLANTED);
    for (int i = 0; i < NPLANTED; i++) {
        if (i < first_exact) {  /* a hash key: its kind and table, then {"row_hash": …} */
            size_t n = strlen(planted[i]);
            assert_int_equal(strncmp(r->disc[i], planted[i], n), 0);
            assert_int_equal(strncmp(r->disc[i] + n, ",\"key\":{\"row_hash\":", 19), 0);
        } else {
            assert_string_equal(r->disc[i], planted[i]);
        }
    }
}

/* --- the tests ------------------------------------------------------------------------- */

/* Each table's bytes received from each side: some from both; then taken
 * out, as they are the engine's sizes, not the test's. */
static void strip_received(json_t *summary)
{
    json_t *t;
    size_t i;

    json_array_foreach(json_object_get(summary, "tables"), i, t) {
        json_t *rx = json_object_get(t, "received");
        assert_true(json_integer_value(json_object_get(rx, "source")) > 0);
        assert_true(json_integer_value(json_object_get(rx, "target")) > 0);
        json_object_del(t, "received");
    }
}

static void test_planted(void **state)
{
    struct mig m;
    struct run r;
    char totals[256];
    json_t *res, *disc;

    (void)state;
    fixture(&m);
    run_diff(&m, NULL, 0, &r);
    assert_planted(&r, 2);
    assert_int_equal(r.run, 1);
    for (int i = 0; i < r.ndisc; i++)
        assert_int_equal(r.accepted[i], 0);
    /* both hash-only rows differ: 'b' once in the source's pair of them, 'c' */
    assert_string_not_equal(strstr(r.disc[0], "row_hash"), strstr(r.disc[1], "row_hash"));
    assert_string_equal(r.done_tables, "logs:3/3 orders:4/4 users:6/5 ");
    /* the summary: every table, its counts and verdict; the checks; the totals */
    json_object_del(r.summary, "duration_ms");
    strip_received(r.summary);
    assert_json(r.summary,
        "{\"type\":\"summary\",\"run\":1,\"status\":\"fail\","
        "\"tables\":["
        "{\"table\":\"logs\",\"target_table\":\"logs\",\"source_rows\":3,\"target_rows\":3,"
        "\"missing\":1,\"extra\":1,\"changed\":0,\"status\":\"fail\",\"strategy\":\"full\","
        "\"no_key\":true},"
        "{\"table\":\"orders\",\"target_table\":\"orders\",\"source_rows\":4,\"target_rows\":4,"
        "\"missing\":0,\"extra\":0,\"changed\":1,\"status\":\"fail\",\"strategy\":\"full\","
        "\"invalid\":1},"
        "{\"table\":\"users\",\"target_table\":\"users\",\"source_rows\":6,\"target_rows\":5,"
        "\"missing\":2,\"extra\":1,\"changed\":2,\"status\":\"fail\",\"strategy\":\"probe\"}],"
        "\"checks\":["
        "{\"name\":\"user_count\",\"source\":6,\"target\":5,\"status\":\"fail\"},"
        "{\"name\":\"order_total\",\"source\":100,\"target\":100.505,\"status\":\"pass\"}],"
        "\"missing\":3,\"extra\":2,\"changed\":3,\"invalid\":1,\"accepted\":0}");
    assert_string_equal(reh_totals(r.summary, totals, sizeof totals),
                        "3 missing, 2 extra, 3 changed, 1 invalid, 1 of 2 checks failed");
    assert_int_equal(r.exit, ERR_FOUND);
    assert_string_equal(r.exit_msg, "");
    /* recorded: the run done, each table's and check's result, every discrepancy */
    expect_ws(&m, "SELECT id || ' ' || kind || ' ' || status FROM runs", "1 rehearsal done");
    res = ws_results_json(m.ws, 1);
    assert_int_equal(json_array_size(res), 5);
    {
        struct sbuf b = { 0 };
        json_t *v;
        size_t i;
        json_array_foreach(res, i, v)
            sbuf_printf(&b, "%s %s %s %lld/%lld %lld/%lld/%lld %s|", jtext(v, "kind"),
                        jtext(v, "object"), jtext(v, "status"), jint(v, "source_rows"),
                        jint(v, "target_rows"), jint(v, "missing"), jint(v, "extra"),
                        jint(v, "changed"), jtext(v, "detail"));
        assert_string_equal(b.s, "table logs fail 3/3 1/1/0 |table orders fail 4/4 0/0/1 1 invalid|"
                                 "table users fail 6/5 2/1/2 |check user_count fail 0/0 0/0/0 |"
                                 "check order_total pass 0/0 0/0/0 |");
        sbuf_free(&b);
    }
    json_decref(res);
    disc = ws_discrepancies_json(m.ws, 1, 100);
    assert_int_equal(json_array_size(disc), NPLANTED);
    assert_string_equal(jtext(json_array_get(disc, 4), "tbl"), "users");
    assert_string_equal(jtext(json_array_get(disc, 4), "kind"), "missing");
    assert_string_equal(jtext(json_array_get(disc, 4), "key"), "{\"id\":3}");
    assert_true(json_is_null(json_object_get(json_array_get(disc, 4), "fields")));
    {   /* the fields as JSON text, read back as the same values */
        json_t *f = json_loads(jtext(json_array_get(disc, 3), "fields"), 0, NULL);
        assert_non_null(f);
        assert_json(f, "[{\"source\":\"total\",\"target\":\"total\",\"source_value\":30,"
                       "\"target_value\":30.5}]");
        json_decref(f);
    }
    json_decref(disc);
    run_free(&r);
    mig_close(&m);
}

/* Run 2 against run 1: one change mended, one missing row accepted as a
 * variance (carried over by key), one new difference. */
static void test_second_run(void **state)
{
    struct mig m;
    struct run r;
    struct err e = { 0 };
    char totals[256];
    json_t *users;

    (void)state;
    fixture(&m);
    run_diff(&m, NULL, 0, &r);
    run_free(&r);
    assert_int_equal(ws_classify(m.ws, 1, "users", "missing", "{\"id\":3}", "accepted_variance",
                                 "alice", "archived on purpose", &e), 0);
    dir_sql(m.dir, "tgt.db", "UPDATE users SET name = 'Bob' WHERE id = 2;"
                              "UPDATE orders SET user_id = 9 WHERE id = 1;");
    run_diff(&m, NULL, 0, &r);
    assert_int_equal(r.run, 2);
    assert_int_equal(r.ndisc, NPLANTED);  /* users 2 mended, orders 1 new */
    assert_string_equal(r.disc[3], "{\"type\":\"discrepancy\",\"table\":\"orders\","
        "\"target_table\":\"orders\",\"kind\":\"changed\",\"key\":{\"id\":1},\"fields\":"
        "[{\"source\":\"user_id\",\"target\":\"user_id\",\"source_value\":1,\"target_value\":9}]}");
    assert_string_equal(r.disc[5], "{\"type\":\"discrepancy\",\"table\":\"users\","
        "\"target_table\":\"users\",\"kind\":\"missing\",\"key\":{\"id\":3},"
        "\"class\":\"accepted_variance\"}");
    for (int i = 0; i < r.ndisc; i++)
        assert_int_equal(r.accepted[i], i == 5);
    assert_int_equal(jint(r.summary, "accepted"), 1);
    assert_int_equal(jint(r.summary, "changed"), 3);
    assert_json(json_object_get(json_object_get(r.summary, "previous"), "run"), "1");
    assert_json(json_object_get(json_object_get(r.summary, "previous"), "new"), "1");
    assert_json(json_object_get(json_object_get(r.summary, "previous"), "fixed"), "1");
    assert_json(json_object_get(json_object_get(r.summary, "previous"), "still_open"), "8");
    users = json_array_get(json_object_get(r.summary, "tables"), 2);
    assert_string_equal(jtext(users, "status"), "fail");  /* 6 and 7 still open */
    assert_string_equal(reh_totals(r.summary, totals, sizeof totals),
                        "3 missing, 2 extra, 3 changed, 1 invalid, 1 of 2 checks failed");
    expect_ws(&m, "SELECT group_concat(d, '|') FROM (SELECT tbl || ' ' || kind || ' ' || "
              "key_json || ' ' || coalesce(class, '-') || ' ' || coalesce(owner, '-') AS d FROM "
              "discrepancies WHERE run_id = 2 AND tbl = 'users' ORDER BY key_json, kind)",
              "users missing {\"id\":3} accepted_variance alice|users changed {\"id\":5} - -|"
              "users missing {\"id\":6} - -|users extra {\"id\":7} - -");
    run_free(&r);
    mig_close(&m);
}

/* Two identical copies diff clean: exit 0, every table passes, no discrepancy;
 * only the deleted table is left out. */
static void test_clean(void **state)
{
    struct mig m;
    struct run r;
    char totals[256];
    char *dir = tmpdir_new();

    (void)state;
    dir_write_file(dir, "cutover.ini", plan_ini);
    dir_write_file(dir, "mapping.csv", sheet_csv);
    dir_sql(dir, "src.db", source_sql);
    dir_sql(dir, "tgt.db", source_sql);
    dir_sql(dir, "tgt.db", "UPDATE orders SET status = 'none' WHERE status IS NULL;"
                            "DELETE FROM scratch");
    dir_sql(dir, "src.db", "UPDATE orders SET status = 'none' WHERE status IS NULL");
    mig_open(&m, dir);
    run_diff(&m, NULL, 0, &r);
    assert_int_equal(r.ndisc, 0);
    assert_int_equal(r.exit, 0);
    json_object_del(r.summary, "duration_ms");
    strip_received(r.summary);
    assert_json(r.summary,
        "{\"type\":\"summary\",\"run\":1,\"status\":\"pass\","
        "\"tables\":["
        "{\"table\":\"logs\",\"target_table\":\"logs\",\"source_rows\":3,\"target_rows\":3,"
        "\"missing\":0,\"extra\":0,\"changed\":0,\"status\":\"pass\",\"strategy\":\"full\","
        "\"no_key\":true},"
        "{\"table\":\"orders\",\"target_table\":\"orders\",\"source_rows\":4,\"target_rows\":4,"
        "\"missing\":0,\"extra\":0,\"changed\":0,\"status\":\"pass\",\"strategy\":\"full\"},"
        "{\"table\":\"users\",\"target_table\":\"users\",\"source_rows\":6,\"target_rows\":6,"
        "\"missing\":0,\"extra\":0,\"changed\":0,\"status\":\"pass\",\"strategy\":\"probe\"}],"
        "\"checks\":["
        "{\"name\":\"user_count\",\"source\":6,\"target\":6,\"status\":\"pass\"},"
        "{\"name\":\"order_total\",\"source\":100,\"target\":100,\"status\":\"pass\"}],"
        "\"missing\":0,\"extra\":0,\"changed\":0,\"accepted\":0}");
    assert_string_equal(reh_totals(r.summary, totals, sizeof totals),
                        "0 missing, 0 extra, 0 changed");
    run_free(&r);
    mig_close(&m);
}

/* --table: one table alone, the checks still run; a name that is no source
 * table refuses to start, naming the source table meant, and leaves no run. */
static void test_one_table(void **state)
{
    const char *users[] = { "users" }, *wrong[] = { "Users" };
    const struct diff_opts one = { .tables = users, .ntables = 1 };
    const struct diff_opts bad = { .tables = wrong, .ntables = 1 };
    struct reh_events ev = { 0 };
    struct mig m;
    struct run r;
    struct err e = { 0 };
    uv_loop_t loop;

    (void)state;
    fixture(&m);
    run_diff(&m, &one, 0, &r);
    assert_int_equal(r.ndisc, 5);
    assert_string_equal(r.disc[0], planted[4]);
    assert_string_equal(r.disc[4], planted[8]);
    assert_string_equal(r.done_tables, "users:6/5 ");
    assert_int_equal(json_array_size(json_object_get(r.summary, "tables")), 1);
    assert_int_equal(json_array_size(json_object_get(r.summary, "checks")), 2);
    run_free(&r);
    uv_loop_init(&loop);
    assert_null(reh_open(&loop, m.ws, m.plan, &m.pp, m.masked[0], m.masked[1], &bad, &ev, &e));
    assert_int_equal(e.kind, ERR_INPUT);
    assert_string_equal(e.msg, "--table Users: no such table in the source (--table takes the "
                               "source's name: users?)");
    uv_run(&loop, UV_RUN_DEFAULT);  /* the connections it opened close */
    assert_int_equal(uv_loop_close(&loop), 0);
    expect_ws(&m, "SELECT group_concat(id || ':' || status, ' ') FROM runs", "1:done");
    mig_close(&m);
}

/* A run cancelled before its first table: cancelled, nothing found, recorded
 * so, and never the baseline of the next run. */
static void test_cancelled(void **state)
{
    struct mig m;
    struct run r;

    (void)state;
    fixture(&m);
    run_diff(&m, NULL, 1, &r);
    assert_int_equal(r.ndisc, 0);
    assert_string_equal(jtext(r.summary, "status"), "cancelled");
    assert_int_equal(json_array_size(json_object_get(r.summary, "tables")), 0);
    assert_int_equal(r.exit, ERR_FOUND);  /* not clean: 1, as comparison.md says */
    assert_string_equal(r.exit_msg, "");
    expect_ws(&m, "SELECT group_concat(id || ':' || status, ' ') FROM runs", "1:cancelled");
    run_free(&r);
    run_diff(&m, NULL, 0, &r);
    assert_int_equal(r.ndisc, NPLANTED);
    assert_null(json_object_get(r.summary, "previous"));
    run_free(&r);
    mig_close(&m);
}

/* An empty text in a number column is shown as "", not 0. SQLite keeps '' as
 * text in an INTEGER or NUMERIC column; the diff finds it differs from 0 and
 * from NULL, and the discrepancy must say so: once it read 0 (strtoll of ""
 * in diff_merge.c's typed()), and the report said "0 → 0". */
static void test_empty_text_shown_as_text(void **state)
{
    char *dir = tmpdir_new(), got[2][512];
    struct mig m;
    struct run r;
    long long changed;
    int ndisc, nulls;

    (void)state;
    dir_write_file(dir, "cutover.ini", "[source]\nurl = sqlite:src.db\n[target]\nurl = sqlite:tgt.db\n"
                                   "[table t]\ndecision = migrate\n");
    dir_write_file(dir, "mapping.csv", "source,target,status\nt.id,t.id,approved\nt.n,t.n,approved\n"
                                   "t.d,t.d,approved\n");
    dir_sql(dir, "src.db", "CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER, d NUMERIC);"
                            "INSERT INTO t VALUES (1, 0, 0), (2, NULL, NULL)");
    dir_sql(dir, "tgt.db", "CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER, d NUMERIC);"
                            "INSERT INTO t VALUES (1, '', ''), (2, '', '')");
    mig_open(&m, dir);
    run_diff(&m, NULL, 0, &r);
    /* kept, everything freed, then asserted: a failure leaks nothing under ASan */
    ndisc = r.ndisc;
    changed = jint(r.summary, "changed");
    snprintf(got[0], sizeof got[0], "%s", ndisc > 0 ? r.disc[0] : "");
    snprintf(got[1], sizeof got[1], "%s", ndisc > 1 ? r.disc[1] : "");
    nulls = ndisc > 3 && strstr(r.disc[2], "\"check\":\"null_rate\",") &&
            strstr(r.disc[3], "\"check\":\"null_rate\",");
    run_free(&r);
    mig_close(&m);
    /* both rows differ; and the NULLs of row 2 are gone: each column's NULL share moved */
    assert_int_equal(ndisc, 4);
    assert_true(nulls);
    assert_int_equal(changed, 2);
    assert_string_equal(got[0], "{\"type\":\"discrepancy\",\"table\":\"t\",\"target_table\":"
        "\"t\",\"kind\":\"changed\",\"key\":{\"id\":1},\"fields\":[{\"source\":\"n\",\"target\":"
        "\"n\",\"source_value\":0,\"target_value\":\"\"},{\"source\":\"d\",\"target\":\"d\","
        "\"source_value\":0,\"target_value\":\"\"}]}");
    assert_string_equal(got[1], "{\"type\":\"discrepancy\",\"table\":\"t\",\"target_table\":"
        "\"t\",\"kind\":\"changed\",\"key\":{\"id\":2},\"fields\":[{\"source\":\"n\",\"target\":"
        "\"n\",\"source_value\":null,\"target_value\":\"\"},{\"source\":\"d\",\"target\":\"d\","
        "\"source_value\":null,\"target_value\":\"\"}]}");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_planted),
        cmocka_unit_test(test_second_run),
        cmocka_unit_test(test_clean),
        cmocka_unit_test(test_one_table),
        cmocka_unit_test(test_cancelled),
        cmocka_unit_test(test_empty_text_shown_as_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
