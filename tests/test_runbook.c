/* The runbook (runbook.h) on its own — a plan, a workspace, a loop: no
 * dashboard, no screen — over two
 * real SQLite files, its commands run through /bin/sh: a step's output in its
 * log with a password masked, a manual gate refused to anyone but its owner,
 * a failing command with its exit status, a skip, a step without a command,
 * a rollback of the steps done, newest first; when rollback advice begins;
 * the timeline exactly; the steps restored from the workspace by a new
 * runbook, and a new attempt. */
#include "config.h"
#include "testutil.h"

#include <sqlite3.h>
#include <uv.h>

#include "jsonx.h"
#include "runbook.h"

static const char plan_ini[] =
    "[source]\n"
    "url = sqlite:src.db\n"
    "[target]\n"
    "url = sqlite:tgt.db\n"
    "[table t]\n"
    "decision = migrate\n"
    "[step freeze]\n"
    "title = Freeze writes\n"
    "owner = dave\n"
    "run = printf 'frozen\\n'; echo 'to postgresql://app:s3cret@db/prod' >&2\n"
    "rollback = echo thawed\n"
    "gate = manual\n"
    "[step copy]\n"
    "title = Copy the data\n"
    "run = echo copying; exit 3\n"
    "rollback = echo never\n"
    "[step open]\n"
    "title = Open Production\n"
    "[rollback]\n"
    "after = copy\n"
    "authority = carol\n";

static int changes;

static void on_changed(void *arg)
{
    (void)arg;
    changes++;
}

/* Turns of the loop until the runbook runs nothing (10 s at most). */
static void settle(uv_loop_t *loop, struct runbook *rb)
{
    uint64_t until = uv_now(loop) + 10000;

    while (rb_busy(rb) || rb_running(rb, (char[64]){ 0 }, 64)) {
        uv_run(loop, UV_RUN_ONCE);
        uv_update_time(loop);
        if (uv_now(loop) > until)
            fail_msg("the runbook's command did not end in 10 s");
    }
}

static char *states(const struct runbook *rb)
{
    struct sbuf b = { 0 };

    for (size_t i = 0; i < rb_count(rb); i++) {
        const struct rb_step *s = rb_step(rb, i);
        sbuf_printf(&b, "%s%s %s", i ? ", " : "", s->plan->name, rb_state_name(s->state));
        if (s->reason[0])
            sbuf_printf(&b, " (%s)", s->reason);
    }
    return sbuf_take(&b);
}

static void assert_states(const struct runbook *rb, const char *want)
{
    char *got = states(rb);

    assert_string_equal(got, want);
    free(got);
}

static int timeline_line(void *arg, const struct ws_rb_event *ev)
{
    sbuf_printf(arg, "%s|%s|%s|%ld|%s\n", ev->step, ev->event, ev->user, ev->exit_status,
                ev->output);
    return 0;
}

/* No dashboard: a plan (`ini`) over two SQLite files, its workspace, a loop. */
static void setup(const char *dir, const char *ini, uv_loop_t *loop, struct plan **plan,
                  ws_t **ws)
{
    struct err e = { 0 };
    char path[600], *wsp;

    dir_write_file(dir, "cutover.ini", ini);
    dir_sql(dir, "src.db", "CREATE TABLE t (id INTEGER PRIMARY KEY)");
    dir_sql(dir, "tgt.db", "CREATE TABLE t (id INTEGER PRIMARY KEY)");
    snprintf(path, sizeof path, "%s/cutover.ini", dir);
    uv_loop_init(loop);
    if (!(*plan = plan_load(path, &e)))
        fail_msg("%s", e.msg);
    wsp = plan_path(*plan, (*plan)->workspace);
    if (!(*ws = ws_open(wsp, &e)))
        fail_msg("%s", e.msg);
    free(wsp);
}

static void test_runbook(void **state)
{
    char *dir = tmpdir_new(), what[64];
    struct rb_events ev = { .changed = on_changed };
    struct err e = { 0 };
    struct sbuf tl = { 0 };
    struct runbook *rb;
    struct plan *plan;
    ws_t *ws;
    uv_loop_t loop;

    (void)state;
    setup(dir, plan_ini, &loop, &plan, &ws);
    rb = rb_new(&loop, ws, plan, &ev);
    assert_int_equal(rb_count(rb), 3);
    assert_states(rb, "freeze pending, copy pending, open pending");
    assert_int_equal(rb_next(rb), 0);
    assert_null(rb_advising_since(rb));  /* copy is not done: Production is being filled */
    assert_int_equal(rb_go(rb, 1, NULL, &e), -1);
    assert_string_equal(e.msg, "step 2 is not the next one (that is 1)");

    /* freeze: its output streams into its log, the password masked */
    assert_int_equal(rb_go(rb, 0, NULL, &e), 0);
    assert_int_equal(rb_running(rb, what, sizeof what), 1);
    assert_string_equal(what, "step freeze's command");
    assert_int_equal(rb_go(rb, 1, "dave", &e), -1);  /* next, but not while freeze runs */
    assert_string_equal(e.msg, "a step, a gate or the rollback is still running");
    settle(&loop, rb);
    assert_states(rb, "freeze done, copy pending, open pending");
    {
        const struct rb_step *s = rb_step(rb, 0);
        int out = strstr(s->log.s, "frozen\n") != NULL;
        int err = strstr(s->log.s, "to postgresql://app:") != NULL;
        assert_int_equal(out + err, 2);
        assert_null(strstr(s->log.s, "s3cret"));
        assert_int_equal(s->log.len, strlen("frozen\n") +
                                     strlen("to postgresql://app:***@db/prod\n"));
        assert_int_equal(s->exit_status, 0);
    }

    /* copy: freeze's manual gate wants its owner's name; then the command fails */
    assert_int_equal(rb_go(rb, 1, "eve", &e), 0);
    assert_states(rb, "freeze done, copy blocked (the manual gate needs its owner to type their "
                      "name), open pending");
    assert_int_equal(rb_go(rb, 1, "dave", &e), 0);
    settle(&loop, rb);
    assert_states(rb, "freeze done, copy failed (the command exited with status 3), open pending");
    assert_int_equal(rb_step(rb, 1)->exit_status, 3);
    assert_string_equal(rb_step(rb, 1)->log.s, "copying\n");
    assert_int_equal(rb_next(rb), 1);  /* a failed step may go again */
    assert_null(rb_advising_since(rb));

    /* skipped: advice begins; open has no command, its gate none: done at once */
    assert_int_equal(rb_skip(rb, 2, &e), -1);
    assert_string_equal(e.msg, "only the next step can be skipped, when nothing runs");
    assert_int_equal(rb_skip(rb, 1, &e), 0);
    assert_non_null(rb_advising_since(rb));
    assert_string_equal(rb_advising_since(rb), rb_step(rb, 1)->ended_at);
    assert_true(iso_ms(rb_step(rb, 1)->ended_at) > 0);
    assert_int_equal(rb_go(rb, 2, NULL, &e), 0);
    /* (a step skipped after it failed keeps why it failed) */
    assert_states(rb, "freeze done, copy skipped (the command exited with status 3), open done");
    assert_int_equal(rb_next(rb), SIZE_MAX);

    /* rollback: the rollback commands of the steps done, newest first (open
     * has none, copy was skipped) */
    assert_int_equal(rb_rollback(rb, NULL, &e), 0);
    settle(&loop, rb);
    assert_states(rb, "freeze rolled back, copy skipped (the command exited with status 3), "
                      "open done");
    assert_string_equal(rb_step(rb, 0)->log.s, "thawed\n");

    /* the timeline, every event in order */
    assert_int_equal(rb_timeline(rb, 0, timeline_line, &tl), 0);
    assert_string_equal(tl.s,
        "freeze|go|tester|0|\n"
        "freeze|start|tester|0|printf 'frozen\\n'; echo 'to postgresql://app:***@db/prod' >&2\n"
        "freeze|done|tester|0|\n"
        "copy|go|tester|0|\n"
        "copy|gate no-go|tester|0|the manual gate needs its owner to type their name\n"
        "copy|go|tester|0|\n"
        "copy|gate go|tester|0|confirmed by its owner\n"
        "copy|start|tester|0|echo copying; exit 3\n"
        "copy|failed|tester|3|the command exited with status 3\n"
        "copy|skipped|tester|0|\n"
        "open|go|tester|0|\n"
        "open|gate go|tester|0|no gate\n"
        "open|start|tester|0|\n"
        "open|done|tester|0|\n"
        "|rollback started|tester|0|\n"
        "freeze|rollback|tester|0|echo thawed\n"
        "freeze|rolled back|tester|0|\n"
        "|rollback complete|tester|0|\n");
    sbuf_free(&tl);
    assert_int_equal(rb_timeline(rb, 2, timeline_line, &tl), 0);  /* the last two, in order */
    assert_string_equal(tl.s, "freeze|rolled back|tester|0|\n|rollback complete|tester|0|\n");
    sbuf_free(&tl);

    /* a runbook made again (a dashboard reopened) has the steps as the log left them */
    rb_free(rb);
    rb = rb_new(&loop, ws, plan, &ev);
    assert_states(rb, "freeze rolled back, copy skipped (the command exited with status 3), "
                      "open done");
    assert_string_equal(rb_step(rb, 0)->log.s, "thawed\n");
    assert_int_equal(rb_new_attempt(rb, &e), 0);
    assert_states(rb, "freeze pending, copy pending, open pending");
    rb_free(rb);
    rb = rb_new(&loop, ws, plan, &ev);  /* … which the log says too */
    assert_states(rb, "freeze pending, copy pending, open pending");
    assert_true(changes > 0);
    rb_free(rb);
    ws_close(ws);
    plan_free(plan);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
    tmpdir_free(dir);
}

/* A phased plan: rolling back one wave runs the rollback commands of its
 * own steps only, newest first; the other wave's steps stay done. */
static void test_wave_rollback(void **state)
{
    char *dir = tmpdir_new();
    struct rb_events ev = { .changed = on_changed };
    struct err e = { 0 };
    struct sbuf tl = { 0 };
    struct runbook *rb;
    struct plan *plan;
    ws_t *ws;
    uv_loop_t loop;

    (void)state;
    setup(dir,
        "[source]\nurl = sqlite:src.db\n[target]\nurl = sqlite:tgt.db\n"
        "[table t]\ndecision = migrate\n"
        "[wave one]\ntables = t\nwhere = id < 10\n[wave two]\ntables = t\nwhere = id >= 10\n"
        "[step a]\ntitle = Move one\nwave = one\nrun = true\nrollback = echo unmove one\n"
        "[step b]\ntitle = Move two\nwave = two\nrun = true\nrollback = echo unmove two\n"
        "[step c]\ntitle = Switch two\nwave = two\nrun = true\nrollback = echo unswitch two\n",
          &loop, &plan, &ws);
    rb = rb_new(&loop, ws, plan, &ev);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(rb_go(rb, i, NULL, &e), 0);
        settle(&loop, rb);
    }
    assert_int_equal(rb_rollback(rb, "two", &e), 0);
    settle(&loop, rb);
    assert_states(rb, "a done, b rolled back, c rolled back");
    assert_int_equal(rb_timeline(rb, 6, timeline_line, &tl), 0);
    assert_string_equal(tl.s,
        "|rollback started|tester|0|two\n"
        "c|rollback|tester|0|echo unswitch two\n"
        "c|rolled back|tester|0|\n"
        "b|rollback|tester|0|echo unmove two\n"
        "b|rolled back|tester|0|\n"
        "|rollback complete|tester|0|two\n");
    sbuf_free(&tl);
    rb_free(rb);
    ws_close(ws);
    plan_free(plan);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
    tmpdir_free(dir);
}

int main(void)
{
    setenv("USER", "tester", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_runbook),
        cmocka_unit_test(test_wave_rollback),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
