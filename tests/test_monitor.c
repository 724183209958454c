/* The live monitor (monitor.h over live.h) on a pair of real SQLite files, on
 * the simulated clock: four rounds 30 s apart, the files changed between
 * rounds as a sync would. Each round's figures exactly (rows, write rate,
 * net change, source − target, watermark lag), a probe's value, the rollback
 * triggers breached then cleared (and what the timeline says of them, when),
 * incremental validation's stale and missing rows with their keys and
 * fields, and the session recorded in the workspace. Then a side that fails:
 * its error, the failed polls counted, the error_rate trigger. Then triggers
 * judged only on figures of one round. */
#include "config.h"
#include "testmig.h"

#include <sqlite3.h>
#include <uv.h>

#include "jsonx.h"
#include "monitor.h"
#include "url.h"
#include "util.h"

/* --- the fixture --------------------------------------------------------------------- */

static const char plan_ini[] =
    "[migration]\n"
    "name = Unit monitor\n"
    "[source]\n"
    "url = sqlite:src.db\n"
    "[target]\n"
    "url = sqlite:tgt.db\n"
    "[table orders]\n"
    "decision = migrate\n"
    "watermark = updated_at\n"
    "[table users]\n"
    "decision = migrate\n"
    "[table junk]\n"
    "decision = delete\n"
    "[rollback]\n"
    "trigger.missing_rows = 1\n"
    "trigger.lag = 1m\n"
    "trigger.error_rate = 10%\n"
    "authority = carol\n"
    "[hypercare]\n"
    "interval = 30s\n"
    "[probe big_orders]\n"
    "sql = SELECT count(*) FROM orders WHERE amount >= 50\n"
    "side = target\n";

static const char sheet_csv[] =
    "source,target,status\n"
    "orders.id,orders.id,approved\n"
    "orders.amount,orders.amount,approved\n"
    "orders.updated_at,orders.updated_at,approved\n"
    "users.id,users.id,approved\n";

static const char both_sql[] =
    "CREATE TABLE orders (id INTEGER PRIMARY KEY, amount NUMERIC, updated_at TEXT);"
    "INSERT INTO orders VALUES (1, 10, '2026-01-01 00:00:10'), (2, 20, '2026-01-01 00:00:20'),"
    " (3, 30, '2026-01-01 00:00:30');"
    "CREATE TABLE users (id INTEGER PRIMARY KEY);"
    "INSERT INTO users VALUES (1), (2);"
    "CREATE TABLE junk (id INTEGER PRIMARY KEY);";

static void fixture(struct mig *m)
{
    char *dir = tmpdir_new();

    dir_write_file(dir, "cutover.ini", plan_ini);
    dir_write_file(dir, "mapping.csv", sheet_csv);
    dir_sql(dir, "src.db", both_sql);
    dir_sql(dir, "src.db", "INSERT INTO junk VALUES (1), (2), (3)");  /* deleted: not polled */
    dir_sql(dir, "tgt.db", both_sql);
    mig_open(m, dir);
}

/* --- a session, a round at a time ------------------------------------------------------ */

struct watch {
    struct mig *m;
    mon_t *mon;
    int rounds;                 /* stop after this many */
    void (*between)(struct watch *w, long long tick);  /* what changes after round tick */
    char figures[4096];         /* each round's figures, as they stood at its end */
    char findings[1024];        /* incremental validation's, as they came */
    char windows[512];
    int changed_told;
};

static void snapshot(struct watch *w, long long tick)
{
    size_t n, np, nt, at = strlen(w->figures);
    const struct mon_table *t = mon_tables(w->mon, &n);
    const struct mon_probe *p = mon_probes(w->mon, &np);
    const struct mon_trigger *tr = mon_triggers(w->mon, &nt);
    char *out = w->figures + at;
    size_t room = sizeof w->figures - at;
    int k;

    k = snprintf(out, room, "%lld:", tick);
    for (size_t i = 0; i < n; i++) {
        char lag[32] = "-", net[2][24];
        for (int side = 0; side < 2; side++)  /* "?": not two exact counts yet */
            snprintf(net[side], sizeof net[side], t[i].has_net[side] ? "%lld" : "?",
                     t[i].net[side]);
        if (t[i].has_lag)
            snprintf(lag, sizeof lag, "%lld", (long long)t[i].lag_ms);
        k += snprintf(out + k, room - (size_t)k, " %s %lld/%lld ch %lld/%lld net %s/%s "
                      "miss %lld lag %s found %lld/%lld/%lld of %lld%s%s%s;", t[i].name,
                      t[i].rows[0], t[i].rows[1], t[i].changed[0], t[i].changed[1], net[0], net[1],
                      t[i].has_missing ? t[i].missing : -99, lag, t[i].found[0], t[i].found[1],
                      t[i].found[2], t[i].checked, t[i].validated ? " validated" : "",
                      t[i].error[1] ? " target error: " : "", t[i].error[1] ? t[i].error[1] : "");
        assert_null(t[i].error[0]);
    }
    for (size_t i = 0; i < np; i++)
        k += snprintf(out + k, room - (size_t)k, " probe %s %s %g;", p[i].name, p[i].side,
                      p[i].value);
    for (size_t i = 0; i < nt; i++)
        k += snprintf(out + k, room - (size_t)k, " %s %g%s", tr[i].name, tr[i].value,
                      tr[i].breached ? " BREACHED" : "");
    snprintf(out + k, room - (size_t)k, "\n");
}

static void on_round(long long tick, void *arg)
{
    struct watch *w = arg;

    snapshot(w, tick);
    if (tick >= w->rounds) {  /* stop here: the next round would start at once */
        mon_stop(w->mon, "completed", "{\"rounds\":4}");
        w->mon = NULL;  /* its connections closed with it */
        return;
    }
    if (w->between)
        w->between(w, tick);
}

static void on_finding(long long tick, const struct win_result *r, const struct diff_disc *d,
                       void *arg)
{
    struct watch *w = arg;
    size_t n = strlen(w->findings);
    char *key = jsonx_dumps(d->key, JSON_COMPACT);
    json_t *f = diff_fields_json(d);
    char *fields = f ? jsonx_dumps(f, JSON_COMPACT) : xstrdup("-");

    snprintf(w->findings + n, sizeof w->findings - n, "%lld %s (%s, %s] %s %s %s\n", tick,
             r->table, r->lo, r->hi, d->kind, key, fields);
    free(key);
    free(fields);
    json_decref(f);
}

static void on_window(long long tick, const struct win_result *r, void *arg)
{
    struct watch *w = arg;
    size_t n = strlen(w->windows);

    snprintf(w->windows + n, sizeof w->windows - n, "%lld %s keys %ld missing %ld stale %ld "
             "dup %ld unchecked %ld error %s\n", tick, r->table, r->keys, r->missing, r->stale,
             r->duplicates, r->unchecked, r->error ? r->error : "-");
}

static void on_changed(void *arg)
{
    ((struct watch *)arg)->changed_told++;
}

static void watch(struct mig *m, struct watch *w)
{
    struct live_events fw = { .on_round = on_round, .on_finding = on_finding,
                              .on_window = on_window, .arg = w };
    struct mon_events ev = { .changed = on_changed, .forward = &fw, .arg = w };
    struct mon_opts o = { .kind = "hypercare", .interval_ms = m->plan->hc_interval_ms,
                          .ws = m->ws, .duration_ms = m->plan->hc_duration_ms };
    struct err e = { 0 };
    uv_loop_t loop;

    w->m = m;
    uv_loop_init(&loop);
    w->mon = mon_open(&loop, m->plan, &m->pp, &o, &ev, &e);  /* connections of its own */
    if (!w->mon)
        fail_msg("mon_open: %s", e.msg);
    assert_int_equal(mon_ntables(w->mon), 2);  /* orders and users; junk is deleted */
    assert_int_equal(mon_session(w->mon), 1);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_null(w->mon);
    assert_int_equal(uv_loop_close(&loop), 0);
}

/* The timeline: "T+SECONDS step event output" a line each, its time from
 * the session's start (the simulated clock goes on from test to test). */
struct timeline {
    struct sbuf b;
    int64_t start_ms;
};

static int timeline_line(void *arg, const struct ws_rb_event *ev)
{
    struct timeline *t = arg;

    assert_true(iso_ms(ev->at) >= t->start_ms);
    sbuf_printf(&t->b, "T+%llds %s %s %s\n", (long long)(iso_ms(ev->at) - t->start_ms) / 1000,
                ev->step, ev->event, ev->output);
    return 0;
}

static void timeline_read(struct mig *m, struct timeline *t)
{
    json_t *all = ws_sessions_json(m->ws);

    memset(t, 0, sizeof *t);
    t->start_ms = iso_ms(jtext(json_array_get(all, 0), "started_at"));
    assert_true(t->start_ms > 0);
    json_decref(all);
    assert_int_equal(ws_runbook_each(m->ws, 0, 1, timeline_line, t), 0);
}

/* --- the tests ------------------------------------------------------------------------- */

/* After round 1: two orders written on the source, one of them copied with a
 * wrong amount; a user added on both sides. After round 3: the sync catches
 * up. (Only orders, the first table, moves the triggers: see
 * test_triggers_judged_on_one_round.) */
static void sync_a_little(struct watch *w, long long tick)
{
    if (tick == 1) {
        dir_sql(w->m->dir, "src.db", "INSERT INTO orders VALUES (4, 40, '2026-01-01 00:10:00'),"
                                      " (5, 50, '2026-01-01 00:11:00');"
                                      "INSERT INTO users VALUES (3)");
        dir_sql(w->m->dir, "tgt.db", "INSERT INTO orders VALUES (4, 41, '2026-01-01 00:10:00');"
                                      "INSERT INTO users VALUES (3)");
    } else if (tick == 3) {
        dir_sql(w->m->dir, "tgt.db", "INSERT INTO orders VALUES (5, 50, '2026-01-01 00:11:00');"
                                      "UPDATE orders SET amount = 40 WHERE id = 4");
    }
}

static void test_rounds(void **state)
{
    struct mig m;
    struct watch w = { .rounds = 4, .between = sync_a_little };
    struct timeline tl;
    char iso[40];
    json_t *sum, *sessions;

    (void)state;
    fixture(&m);
    watch(&m, &w);
    assert_string_equal(w.figures,
        "1: orders 3/3 ch -1/-1 net ?/? miss 0 lag 0 found 0/0/0 of 0 validated;"
        " users 2/2 ch -1/-1 net ?/? miss 0 lag - found 0/0/0 of 0;"
        " probe big_orders target 0; missing_rows 0 lag 0 error_rate 0\n"
        "2: orders 5/4 ch 2/1 net 2/1 miss 1 lag 60000 found 0/0/0 of 0 validated;"
        " users 3/3 ch -1/-1 net 1/1 miss 0 lag - found 0/0/0 of 0;"
        " probe big_orders target 0; missing_rows 1 BREACHED lag 60000 BREACHED error_rate 0\n"
        "3: orders 5/4 ch 0/0 net 0/0 miss 1 lag 60000 found 1/1/0 of 2 validated;"
        " users 3/3 ch -1/-1 net 0/0 miss 0 lag - found 0/0/0 of 0;"
        " probe big_orders target 0; missing_rows 1 BREACHED lag 60000 BREACHED error_rate 0\n"
        "4: orders 5/5 ch 0/1 net 0/1 miss 0 lag 0 found 1/1/0 of 2 validated;"
        " users 3/3 ch -1/-1 net 0/0 miss 0 lag - found 0/0/0 of 0;"
        " probe big_orders target 1; missing_rows 0 lag 0 error_rate 0\n");
    /* the window of round 3: from the first watermark seen to round 2's */
    assert_string_equal(w.findings,
        "3 orders (2026-01-01 00:00:30, 2026-01-01 00:11:00] stale {\"id\":4} "
        "[{\"source\":\"amount\",\"target\":\"amount\",\"source_value\":40,\"target_value\":41}]\n"
        "3 orders (2026-01-01 00:00:30, 2026-01-01 00:11:00] missing {\"id\":5} -\n");
    assert_string_equal(w.windows, "3 orders keys 2 missing 1 stale 1 dup 0 unchecked 0 error -\n");
    assert_true(w.changed_told >= 4 * 4);  /* at least every poll redraws */
    /* the timeline: each crossing once, when it happened on the simulated clock */
    timeline_read(&m, &tl);
    assert_string_equal(tl.b.s,
        "T+30s trigger breached missing_rows 1 (limit 1), seen by hypercare: "
        "ROLLBACK ADVISED, the call is carol's\n"
        "T+30s trigger breached lag 1m00s (limit 1m00s), seen by hypercare: "
        "ROLLBACK ADVISED, the call is carol's\n"
        "T+90s trigger cleared missing_rows 0 (limit 1), seen by hypercare\n"
        "T+90s trigger cleared lag 0s (limit 1m00s), seen by hypercare\n");
    sbuf_free(&tl.b);
    /* the session, recorded: ended completed with our summary; its polls and findings */
    sessions = ws_sessions_json(m.ws);
    assert_int_equal(json_array_size(sessions), 1);
    assert_string_equal(jtext(json_array_get(sessions, 0), "kind"), "hypercare");
    assert_string_equal(jtext(json_array_get(sessions, 0), "status"), "completed");
    assert_string_equal(jtext(json_array_get(sessions, 0), "ended_at"),
                        ms_iso(tl.start_ms + 4 * 30000, iso, sizeof iso));  /* 4 rounds later */
    assert_string_equal(jtext(json_array_get(sessions, 0), "summary"), "{\"rounds\":4}");
    json_decref(sessions);
    sum = ws_session_summary(m.ws, 1);
    assert_int_equal(jint(sum, "polls"), 16);
    assert_int_equal(jint(sum, "failed"), 0);
    assert_int_equal(jint(sum, "tables"), 2);
    {
        char *f = jsonx_dumps(json_object_get(sum, "findings"), JSON_COMPACT | JSON_SORT_KEYS);
        assert_string_equal(f, "[{\"kind\":\"missing\",\"n\":1,\"tbl\":\"orders\"},"
                               "{\"kind\":\"stale\",\"n\":1,\"tbl\":\"orders\"}]");
        free(f);
    }
    json_decref(sum);
    /* every round's source − target of each table, one sample a round: within
     * the session's last hour, a point a round, at the round's 30-second slot */
    {
        json_t *s = ws_series_json(m.ws, 1, "missing", "orders");
        struct sbuf b = { 0 };
        size_t i;
        json_t *pt;
        char slot[32];
        json_array_foreach(s, i, pt) {
            assert_true(jnum(pt, "min") == jnum(pt, "max"));
            sbuf_printf(&b, "%g ", jnum(pt, "max"));
        }
        assert_string_equal(b.s, "0 1 1 0 ");
        ms_iso(tl.start_ms + 30000, slot, sizeof slot);  /* round 2's slot, from the start */
        assert_string_equal(jtext(json_array_get(s, 1), "t"), slot);
        sbuf_free(&b);
        json_decref(s);
    }
    mig_close(&m);
}

/* The target's users table is dropped after round 1: its polls fail from
 * round 2 on, with SQLite's message; the failed polls count towards
 * error_rate (1 of 4 polls a round: 25 %, past the 10 % trigger), and
 * source − target is no longer known for it. */
static void drop_target_users(struct watch *w, long long tick)
{
    if (tick == 1)
        dir_sql(w->m->dir, "tgt.db", "DROP TABLE users");
}

static void test_failing_side(void **state)
{
    struct mig m;
    struct watch w = { .rounds = 3, .between = drop_target_users };
    struct timeline tl;
    json_t *sum;

    (void)state;
    fixture(&m);
    watch(&m, &w);
    assert_string_equal(w.figures,
        "1: orders 3/3 ch -1/-1 net ?/? miss 0 lag 0 found 0/0/0 of 0 validated;"
        " users 2/2 ch -1/-1 net ?/? miss 0 lag - found 0/0/0 of 0;"
        " probe big_orders target 0; missing_rows 0 lag 0 error_rate 0\n"
        "2: orders 3/3 ch 0/0 net 0/0 miss 0 lag 0 found 0/0/0 of 0 validated;"
        " users 2/2 ch -1/-1 net 0/? miss 0 lag - found 0/0/0 of 0"
        " target error: sqlite:tgt.db: no such table: main.users;"
        " probe big_orders target 0; missing_rows 0 lag 0 error_rate 12.5 BREACHED\n"
        "3: orders 3/3 ch 0/0 net 0/0 miss 0 lag 0 found 0/0/0 of 0 validated;"
        " users 2/2 ch -1/-1 net 0/? miss 0 lag - found 0/0/0 of 0"
        " target error: sqlite:tgt.db: no such table: main.users;"
        " probe big_orders target 0; missing_rows 0 lag 0 error_rate 16.6667 BREACHED\n");
    timeline_read(&m, &tl);
    assert_string_equal(tl.b.s,
        "T+30s trigger breached error_rate 12.5% (limit 10%), seen by "
        "hypercare: ROLLBACK ADVISED, the call is carol's\n");
    sbuf_free(&tl.b);
    sum = ws_session_summary(m.ws, 1);
    assert_int_equal(jint(sum, "polls"), 12);
    assert_int_equal(jint(sum, "failed"), 2);
    json_decref(sum);
    mig_close(&m);
}

/* Triggers are judged on figures of one round. Each connection answers its
 * polls in table order; once live_settled() asked only that each table's two
 * sides had answered the same round as each other, so with table a at round
 * N and b still at N-1, evaluate() summed a's new figures with b's old ones.
 * Here missing_rows is 1 in round 1 (from a) and 1 in round 2 (from
 * b), breached throughout; but judged on a at round 2 and b at round 1 it
 * reads 0: the timeline says "cleared", then "breached … ROLLBACK ADVISED"
 * again, within one round — the flapping settling is there to prevent. b is large, and read whole for max(wm), so that a's two
 * answers come first. */
static void move_the_gap(struct watch *w, long long tick)
{
    if (tick == 1) {
        dir_sql(w->m->dir, "tgt.db", "INSERT INTO a VALUES (1)");
        dir_sql(w->m->dir, "src.db", "INSERT INTO b VALUES (0, '2026-01-01 00:00:00')");
    }
}

static void test_triggers_judged_on_one_round(void **state)
{
    static const char big[] =
        "CREATE TABLE b (id INTEGER PRIMARY KEY, wm TEXT);"
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300000)"
        " INSERT INTO b SELECT i, '2026-01-01 00:00:00' FROM n;";
    char *dir = tmpdir_new();
    struct mig m;
    struct watch w = { .rounds = 2, .between = move_the_gap };
    struct timeline tl;
    char got[1024];

    (void)state;
    dir_write_file(dir, "cutover.ini", "[source]\nurl = sqlite:src.db\n[target]\nurl = sqlite:tgt.db\n"
               "[table a]\ndecision = migrate\n[table b]\ndecision = migrate\nwatermark = wm\n"
               "[rollback]\ntrigger.missing_rows = 1\nauthority = carol\n");
    dir_write_file(dir, "mapping.csv", "source,target,status\na.id,a.id,approved\nb.id,b.id,approved\n"
               "b.wm,b.wm,approved\n");
    dir_sql(dir, "src.db", "CREATE TABLE a (id INTEGER PRIMARY KEY); INSERT INTO a VALUES (1);");
    dir_sql(dir, "tgt.db", "CREATE TABLE a (id INTEGER PRIMARY KEY);");
    dir_sql(dir, "src.db", big);
    dir_sql(dir, "tgt.db", big);
    mig_open(&m, dir);
    watch(&m, &w);
    timeline_read(&m, &tl);
    snprintf(got, sizeof got, "%s", tl.b.s);  /* freed first: a failure leaks nothing */
    sbuf_free(&tl.b);
    mig_close(&m);
    assert_string_equal(w.figures,  /* the rounds themselves are right */
        "1: a 1/0 ch -1/-1 net ?/? miss 1 lag - found 0/0/0 of 0; b 300000/300000 ch -1/-1 "
        "net ?/? miss 0 lag 0 found 0/0/0 of 0 validated; missing_rows 1 BREACHED\n"
        "2: a 1/1 ch -1/-1 net 0/1 miss 0 lag - found 0/0/0 of 0; b 300001/300000 ch 0/0 "
        "net 1/0 miss 1 lag 0 found 0/0/0 of 0 validated; missing_rows 1 BREACHED\n");
    assert_string_equal(got, "T+0s trigger breached missing_rows 1 (limit 1), seen by "
                             "hypercare: ROLLBACK ADVISED, the call is carol's\n");
}

int main(void)
{
    /* before anything reads the clock: rounds back to back, 30 s apart */
    setenv("CUTOVER_SIMULATED_CLOCK", "2026-01-01T00:00:00Z", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rounds),
        cmocka_unit_test(test_failing_side),
        cmocka_unit_test(test_triggers_judged_on_one_round),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
