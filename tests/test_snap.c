/* Snapshots (snap.h) on a dashboard's model (dash.h, no screen) over two
 * real SQLite files: a job keeps the plan and tables it started with while
 * the dashboard reads new catalogs and a changed plan, without waiting for
 * it; the last reference frees (ASan, under .ci/run, sees a leak or a use
 * after free). A lint of the data owns what it reads, so the review may
 * close and the dashboard may close while it runs. */
#include "config.h"
#include "testutil.h"

#include <sqlite3.h>
#include <unistd.h>
#include <uv.h>

#include "dash.h"
#include "review.h"

static const struct pair *pair_of(const struct snap *s, const char *table)
{
    for (size_t i = 0; i < s->pairs.n; i++)
        if (s->pairs.pairs[i].src && !strcmp(s->pairs.pairs[i].src->name, table))
            return &s->pairs.pairs[i];
    return NULL;
}

/* Turns of the loop until the dashboard's snapshot is another than `old`,
 * and pairs `table` with a target table if one is named (10 s at most). */
static void wait_snap(uv_loop_t *loop, struct dash *d, const struct snap *old, const char *table)
{
    uint64_t until;

    uv_update_time(loop);
    until = uv_now(loop) + 10000;
    while (!dash_view(d) || dash_view(d) == old || (table && !pair_of(dash_view(d), table)->tgt)) {
        uv_run(loop, UV_RUN_ONCE);
        uv_update_time(loop);
        if (uv_now(loop) > until)
            fail_msg("no new snapshot in 10 s");
    }
}

/* Turns of the loop until the dashboard's own review has linted the data
 * once (its lint holds a reference while it runs), 10 s at most. */
static void settle_review(uv_loop_t *loop, struct dash *d)
{
    uint64_t until;

    uv_update_time(loop);
    until = uv_now(loop) + 10000;
    while (!dash_review(d)->lint_ran || dash_review(d)->lint_job) {
        uv_run(loop, UV_RUN_ONCE);
        uv_update_time(loop);
        if (uv_now(loop) > until)
            fail_msg("the dashboard's review did not lint in 10 s");
    }
}

static struct dash *open_pair(const char *dir, uv_loop_t *loop)
{
    char path[600];
    struct err e = { 0 };
    struct dash *d;

    dir_write_file(dir, "cutover.ini", "[source]\nurl = sqlite:src.db\n[target]\nurl = sqlite:tgt.db\n"
                                   "[table users]\ndecision = migrate\n");
    dir_write_file(dir, "mapping.csv", "source,target,transform,owner,rule,status,reviewer,"
                                   "reviewed_at,note\nusers.id,users.id,,,,draft,,,\n");
    dir_sql(dir, "src.db", "CREATE TABLE users (id INTEGER PRIMARY KEY);"
                            "CREATE TABLE orders (id INTEGER PRIMARY KEY)");
    dir_sql(dir, "tgt.db", "CREATE TABLE users (id INTEGER PRIMARY KEY)");
    snprintf(path, sizeof path, "%s/cutover.ini", dir);
    uv_loop_init(loop);
    if (!(d = dash_open(loop, path, NULL, NULL, &e)))
        fail_msg("%s", e.msg);
    dash_refresh(d);
    wait_snap(loop, d, NULL, "users");
    settle_review(loop, d);
    return d;
}

static void close_pair(struct dash *d, uv_loop_t *loop)
{
    dash_stop(d);
    dash_close(d);
    uv_run(loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(loop), 0);
}

/* A job's snapshot stays as it was while the dashboard moves on. */
static void test_a_job_keeps_its_snapshot(void **state)
{
    char *dir = tmpdir_new();
    struct err e = { 0 };
    struct snap *job;
    uv_loop_t loop;
    struct dash *d = open_pair(dir, &loop);

    (void)state;
    job = dash_snap(d);
    assert_ptr_equal(job, dash_view(d));
    assert_int_equal(job->refs, 4);  /* the dashboard's, its live polling's, its review's and
                                      * the job's */
    assert_null(pair_of(job, "orders")->tgt);

    /* the target gets the table; the refresh is not held back by the job */
    dir_sql(dir, "tgt.db", "CREATE TABLE orders (id INTEGER PRIMARY KEY)");
    dash_refresh(d);
    wait_snap(&loop, d, job, "orders");
    assert_null(pair_of(job, "orders")->tgt);      /* the job's tables are as they were */
    assert_int_equal(job->refs, 1);

    /* a decision is written while the job runs (once refused until it ended) */
    assert_int_equal(dash_decide(d, "orders", DEC_DELETE, NULL, &e), 0);
    assert_int_equal(plan_table_find(dash_plan(d), "orders")->decision, DEC_DELETE);
    assert_null(plan_table_find(job->plan, "orders"));  /* the job's plan is the old one */
    assert_ptr_not_equal(job->plan, dash_plan(d));

    snap_unref(job);  /* the last reference: the old plan and catalogs go with it */
    close_pair(d, &loop);
    tmpdir_free(dir);
}

/* A lint of the data may outlive its review and the dashboard's catalogs. */
static void test_a_lint_outlives_its_review(void **state)
{
    char *dir = tmpdir_new();
    struct err e = { 0 };
    struct review r;
    uv_loop_t loop;
    struct dash *d = open_pair(dir, &loop);

    (void)state;
    assert_int_equal(review_open(&r, &loop, dash_ws(d), dash_plan(d), &e), 0);
    {
        struct snap *s = dash_snap(d);
        review_update(&r, s);  /* its lint waits for its own connection to the source */
        snap_unref(s);
    }
    assert_null(r.lint_job);
    assert_int_equal(dash_view(d)->refs, 4);  /* the dashboard's, live polling's, its review's,
                                               * this review's */
    for (int turns = 0; !r.lint_job; turns++) {
        if (turns > 1000)
            fail_msg("the review's lint did not start in 10 s");
        uv_run(&loop, UV_RUN_NOWAIT);
        usleep(10000);
    }
    assert_int_equal(dash_view(d)->refs, 5);  /* … and its lint's */
    review_close(&r);                    /* detached: it ends on its own */
    assert_null(r.lint_job);
    assert_int_equal(dash_view(d)->refs, 4);  /* the lint's kept */
    dir_sql(dir, "tgt.db", "CREATE TABLE orders (id INTEGER PRIMARY KEY)");
    dash_refresh(d);
    close_pair(d, &loop);  /* the lint's queries end, and it frees what it owned */
    tmpdir_free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_job_keeps_its_snapshot),
        cmocka_unit_test(test_a_lint_outlives_its_review),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
