/* The mapping review (review.h) on a dashboard's model (dash.h, no screen)
 * over two real SQLite files: approve, reject (a note required), edit (a
 * rule that does not parse refused; a changed rule sends an approved row
 * back to draft) and undo, each written to mapping.csv — the rows not
 * touched keeping their bytes — and to the audit log; a sheet rewritten by
 * something else followed by its pairs; lint on the source's data once the
 * catalogs are in, a row's worst finding; a transform compiled; a row's
 * live preview, source before and after its transform beside the target. */
#include "config.h"
#include "testutil.h"

#include <sqlite3.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "dash.h"
#include "review.h"

static char *slurp(const char *dir, const char *name)
{
    char path[600], buf[4096];
    size_t n;
    FILE *f;

    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "r");
    assert_non_null(f);
    n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return strdup(buf);
}

/* The first value of a query on the workspace, on a connection of our own. */
static void expect_ws(const char *dir, const char *sql, const char *want)
{
    char path[600];
    sqlite3 *db;
    sqlite3_stmt *st;

    snprintf(path, sizeof path, "%s/.cutover/state.db", dir);
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), want);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

/* Turns of the loop until `*flag` is set (10 s at most). */
static void wait_for(uv_loop_t *loop, const int *flag, const char *what)
{
    uint64_t until;

    uv_update_time(loop);
    until = uv_now(loop) + 10000;
    while (!*flag) {
        uv_run(loop, UV_RUN_ONCE);
        uv_update_time(loop);
        if (uv_now(loop) > until)
            fail_msg("%s: not in 10 s", what);
    }
}

static const char plan_ini[] =
    "[source]\nurl = sqlite:src.db\n[target]\nurl = sqlite:tgt.db\n"
    "[table users]\ndecision = migrate\n";

static const char sheet_csv[] =
    "source,target,transform,owner,rule,status,reviewer,reviewed_at,note\n"
    "users.id,users.id,,,,draft,,,\n"
    "users.name,users.name,,,,draft,,,\n"
    "\"users.email\",\"users.email\",lower(email),,ci,approved,dana,2026-01-01T00:00:00Z,\n";

static int lint_seen, compile_seen, preview_seen;

static void on_review(struct review *r, void *arg)
{
    (void)arg;
    lint_seen = r->lint_ran;
    compile_seen = r->compile_state >= 2;
    preview_seen = r->preview.state >= PREVIEW_DONE;
}

/* The review, then the dashboard that read the catalogs, their loop, the folder. */
static void close_all(struct review *r, struct dash *d, uv_loop_t *loop, char *dir)
{
    review_close(r);
    dash_stop(d);
    dash_close(d);
    uv_run(loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(loop), 0);
    tmpdir_free(dir);
}

static void test_review(void **state)
{
    char *dir = tmpdir_new(), path[600], *csv, when[32];
    struct err e = { 0 };
    struct review r;
    struct dash *d;
    uv_loop_t loop;
    time_t before = time(NULL);
    int n;

    (void)state;
    dir_write_file(dir, "cutover.ini", plan_ini);
    dir_write_file(dir, "mapping.csv", sheet_csv);
    dir_sql(dir, "src.db", "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, email TEXT);"
                            "INSERT INTO users VALUES (1, 'Ann', 'A@X.IO'), (2, 'Bob', NULL)");
    dir_sql(dir, "tgt.db", "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT,"
                            " email TEXT NOT NULL); INSERT INTO users VALUES (1, 'Ann', 'a@y.io')");
    snprintf(path, sizeof path, "%s/cutover.ini", dir);
    uv_loop_init(&loop);
    d = dash_open(&loop, path, NULL, NULL, &e);
    if (!d)
        fail_msg("%s", e.msg);
    assert_int_equal(review_open(&r, &loop, dash_ws(d), dash_plan(d), &e), 0);
    r.on_change = on_review;
    assert_int_equal(r.sheet.n, 3);

    /* approve: the row's status, reviewer and time; the other rows' bytes kept */
    assert_int_equal(review_approve(&r, 0, &e), 0);
    csv = slurp(dir, "mapping.csv");
    strftime(when, sizeof when, "%Y-%m-%dT", gmtime(&before));
    {
        static const char head[] = "source,target,transform,owner,rule,status,reviewer,"
                                   "reviewed_at,note\nusers.id,users.id,,,,approved,tester,";
        assert_int_equal(strncmp(csv, head, strlen(head)), 0);
        time_t after = time(NULL);  /* the day it was approved, midnight (UTC) or not */
        int today = strncmp(csv + strlen(head), when, strlen(when)) == 0;
        strftime(when, sizeof when, "%Y-%m-%dT", gmtime(&after));
        today |= strncmp(csv + strlen(head), when, strlen(when)) == 0;
        assert_true(today);
    }
    assert_non_null(strstr(csv, "Z,\nusers.name,users.name,,,,draft,,,\n\"users.email\","
                                "\"users.email\",lower(email),,ci,approved,dana,"
                                "2026-01-01T00:00:00Z,\n"));
    free(csv);
    assert_string_equal(sheet_get(&r.sheet, 0, SC_STATUS), "approved");

    /* reject: a note is required, then recorded */
    assert_int_equal(review_reject(&r, 1, "  ", &e), -1);
    assert_string_equal(e.msg, "a rejection needs a note saying why");
    assert_int_equal(review_reject(&r, 1, "maps to full_name", &e), 0);
    assert_string_equal(sheet_get(&r.sheet, 1, SC_STATUS), "rejected");
    assert_string_equal(sheet_get(&r.sheet, 1, SC_NOTE), "maps to full_name");

    /* edit: a rule that does not parse is refused; a new rule sends the
     * approved row back to draft; undo puts it back as it was */
    assert_int_equal(review_edit(&r, 2, SC_RULE, "tolerence:1", &e), -1);
    assert_int_equal(strncmp(e.msg, "rule 'tolerence:1': ", 20), 0);
    assert_int_equal(review_edit(&r, 2, SC_RULE, "trim", &e), 0);
    assert_string_equal(sheet_get(&r.sheet, 2, SC_RULE), "trim");
    assert_string_equal(sheet_get(&r.sheet, 2, SC_STATUS), "draft");
    assert_string_equal(review_undo_what(&r), "rule trim");
    assert_int_equal(review_undo(&r, &e), 0);
    assert_string_equal(sheet_get(&r.sheet, 2, SC_RULE), "ci");
    assert_string_equal(sheet_get(&r.sheet, 2, SC_STATUS), "approved");
    csv = slurp(dir, "mapping.csv");  /* its values as they were (the row was rewritten) */
    assert_non_null(strstr(csv, "\nusers.email,users.email,lower(email),,ci,approved,dana,"
                                "2026-01-01T00:00:00Z,\n"));
    free(csv);
    expect_ws(dir, "SELECT group_concat(a, '|') FROM (SELECT action || ' ' || object || ': ' || "
              "coalesce(old_value, '-') || ' -> ' || coalesce(new_value, '-') || ' by ' || user "
              "AS a FROM audit ORDER BY id)",
              "approve mapping users.id -> users.id: draft -> approved by tester|"
              "reject mapping users.name -> users.name: draft -> rejected: maps to full_name by "
              "tester|edit mapping users.email -> users.email: rule ci -> rule trim by tester|"
              "undo mapping users.email -> users.email: rule trim -> undo: rule trim by tester");

    /* the sheet rewritten by something else (a row added before the others):
     * a change follows its pair, and keeps theirs */
    csv = slurp(dir, "mapping.csv");
    {
        char *nl = strchr(csv, '\n'), *moved = NULL;
        assert_non_null(nl);
        assert_true(asprintf(&moved, "%.*susers.nick,,,,,draft,,,\n%s", (int)(nl + 1 - csv), csv,
                             nl + 1) > 0);
        dir_write_file(dir, "mapping.csv", moved);
        free(moved);
    }
    free(csv);
    {
        struct timespec ts = { 0, 20000000 };  /* a file stamp of its own */
        nanosleep(&ts, NULL);
    }
    assert_int_equal(review_reject(&r, 1, "not needed", &e), 0);  /* row 1 was users.name */
    assert_int_equal(r.sheet.n, 4);
    assert_string_equal(sheet_get(&r.sheet, 0, SC_SOURCE), "users.nick");
    assert_string_equal(sheet_get(&r.sheet, 0, SC_STATUS), "draft");
    assert_string_equal(sheet_get(&r.sheet, 2, SC_SOURCE), "users.name");
    assert_string_equal(sheet_get(&r.sheet, 2, SC_NOTE), "not needed");

    /* once the catalogs are in: lint on the data; email's NULL into NOT NULL */
    for (int turns = 0; !dash_inventory(d); turns++) {  /* the catalogs, 10 s at most */
        if (turns > 1000)
            fail_msg("the catalogs: not in 10 s");
        uv_run(&loop, UV_RUN_NOWAIT);
        usleep(10000);
    }
    {
        struct snap *snap = dash_snap(d);  /* the dashboard only reads the catalogs here */
        review_update(&r, snap);
        snap_unref(snap);
    }
    wait_for(&loop, &lint_seen, "lint");
    assert_int_equal(review_severity(&r, 3, &n), LINT_ERROR);
    assert_int_equal(n, 1);
    {
        struct sbuf b = { 0 };
        for (size_t i = 0; i < r.data.n; i++)
            sbuf_printf(&b, "%d %s %s %ld|", r.data.v[i].line, r.data.v[i].code,
                        r.data.v[i].target ? r.data.v[i].target : "-", r.data.v[i].count);
        assert_string_equal(b.s, "5 null_into_not_null users.email 1|");
        sbuf_free(&b);
    }
    n = 0;
    assert_int_equal(review_severity(&r, 1, &n), -1);  /* users.id: nothing */
    assert_int_equal(n, 0);

    /* a transform compiled against the source */
    review_compile(&r, 3, "upper(email)");
    wait_for(&loop, &compile_seen, "compiling");
    assert_int_equal(r.compile_state, 2);
    assert_string_equal(r.compile_msg, "compiles");
    compile_seen = 0;
    review_compile(&r, 3, "upper(email");
    wait_for(&loop, &compile_seen, "compiling");
    assert_int_equal(r.compile_state, 3);
    assert_non_null(strstr(r.compile_msg, "syntax error"));

    /* the preview of email: before and after lower(), the target's value by key */
    review_preview(&r, 3);
    wait_for(&loop, &preview_seen, "the preview");
    assert_int_equal(r.preview.state, PREVIEW_DONE);
    assert_int_equal(r.preview.n, 2);
    assert_string_equal(r.preview.rows[0].key, "1");
    assert_string_equal(r.preview.rows[0].before, "A@X.IO");
    assert_string_equal(r.preview.rows[0].after, "a@x.io");
    assert_int_equal(r.preview.rows[0].found, 1);
    assert_string_equal(r.preview.rows[0].target, "a@y.io");
    assert_int_equal(r.preview.rows[0].differs, 1);
    assert_string_equal(r.preview.rows[1].key, "2");
    assert_null(r.preview.rows[1].before);
    assert_null(r.preview.rows[1].after);
    assert_int_equal(r.preview.rows[1].found, 0);
    assert_int_equal(r.preview.rows[1].differs, 0);

    close_all(&r, d, &loop, dir);
}

/* Several rows at once: one note for all, each row written and audited as
 * it would be alone; a rejection without a note changes nothing. */
static void test_review_rows(void **state)
{
    char *dir = tmpdir_new(), path[600];
    struct err e = { 0 };
    struct review r;
    struct dash *d;
    uv_loop_t loop;
    size_t rows[2] = { 0, 2 }, done = 99;

    (void)state;
    dir_write_file(dir, "cutover.ini", plan_ini);
    dir_write_file(dir, "mapping.csv", sheet_csv);
    dir_sql(dir, "src.db", "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, email TEXT)");
    dir_sql(dir, "tgt.db", "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, email TEXT)");
    snprintf(path, sizeof path, "%s/cutover.ini", dir);
    uv_loop_init(&loop);
    if (!(d = dash_open(&loop, path, NULL, NULL, &e)))
        fail_msg("%s", e.msg);
    assert_int_equal(review_open(&r, &loop, dash_ws(d), dash_plan(d), &e), 0);

    assert_int_equal(review_set_rows(&r, rows, 2, 0, "  ", &done, &e), -1);
    assert_string_equal(e.msg, "a rejection needs a note saying why");
    assert_int_equal(done, 0);
    assert_string_equal(sheet_get(&r.sheet, 0, SC_STATUS), "draft");

    assert_int_equal(review_set_rows(&r, rows, 2, 1, " checked with the owners ", &done, &e), 0);
    assert_int_equal(done, 2);
    assert_string_equal(sheet_get(&r.sheet, 0, SC_STATUS), "approved");
    assert_string_equal(sheet_get(&r.sheet, 0, SC_NOTE), "checked with the owners");
    assert_string_equal(sheet_get(&r.sheet, 1, SC_STATUS), "draft");
    assert_string_equal(sheet_get(&r.sheet, 2, SC_STATUS), "approved");
    assert_string_equal(sheet_get(&r.sheet, 2, SC_REVIEWER), "tester");
    rows[0] = 1;
    assert_int_equal(review_set_rows(&r, rows, 1, 0, "maps to full_name", &done, &e), 0);
    assert_int_equal(done, 1);
    assert_string_equal(sheet_get(&r.sheet, 1, SC_STATUS), "rejected");
    expect_ws(dir, "SELECT group_concat(a, '|') FROM (SELECT action || ' ' || object || ': ' || "
              "coalesce(new_value, '-') AS a FROM audit ORDER BY id)",
              "approve mapping users.id -> users.id: approved: checked with the owners|"
              "approve mapping users.email -> users.email: approved: checked with the owners|"
              "reject mapping users.name -> users.name: rejected: maps to full_name");

    close_all(&r, d, &loop, dir);
}

int main(void)
{
    setenv("USER", "tester", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_review),
        cmocka_unit_test(test_review_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
