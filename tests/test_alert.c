/* Hypercare alerts (alert.h) with a real workspace and a real on_alert
 * command: a warning that escalates to critical and closes only once under
 * 90 % of its lowest level; a critical-only alert; a level of 0, which opens
 * above 0 and closes at 0; other metrics left alone; each change told to the
 * callback as its exact JSON, recorded in the workspace's alerts and on the
 * timeline, and handed to the command in order on its stdin; a session
 * resumed, whose open alert goes on rather than opening again. */
#include "config.h"
#include "testutil.h"

#include <uv.h>

#include "alert.h"
#include "jsonx.h"
#include "util.h"

static char *plan_in(const char *dir, const char *text, struct plan **p)
{
    char path[600];
    struct err e = { 0 };
    FILE *f;

    snprintf(path, sizeof path, "%s/cutover.ini", dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
    if (!(*p = plan_load(path, &e)))
        fail_msg("%s", e.msg);
    return strdup(path);
}

static void told(json_t *alert, void *arg)
{
    struct sbuf *b = arg;
    char *s = jsonx_dumps(alert, JSON_COMPACT);

    sbuf_printf(b, "%s\n", s);
    free(s);
}

static char *slurp(const char *dir, const char *name)
{
    char path[600], buf[8192];
    size_t n;
    FILE *f;

    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "r");
    if (!f)
        return strdup("(none)");
    n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return strdup(buf);
}

static const char plan_ini[] =
    "[source]\n"
    "url = sqlite:src.db\n"
    "[target]\n"
    "url = sqlite:tgt.db\n"
    "[hypercare]\n"
    "alert.lag = 30s, 1m\n"
    "alert.missing_rows = 5\n"
    "alert.failed_checks = 0\n"
    "on_alert = cat >> alerts.jsonl\n";

/* Each alert as the callback gets it, the command's stdin and the record. */
static const char *const expected[] = {
    "{\"type\":\"alert\",\"id\":1,\"state\":\"opened\",\"metric\":\"lag\",\"level\":\"warning\","
    "\"value\":30000,\"threshold\":30000,\"unit\":\"ms\",\"session\":1}",
    "{\"type\":\"alert\",\"id\":1,\"state\":\"escalated\",\"metric\":\"lag\","
    "\"level\":\"critical\","
    "\"value\":60000,\"threshold\":60000,\"unit\":\"ms\",\"session\":1}",
    "{\"type\":\"alert\",\"id\":2,\"state\":\"opened\",\"metric\":\"missing_rows\","
    "\"level\":\"critical\",\"value\":5,\"threshold\":5,\"unit\":\"rows\",\"session\":1}",
    "{\"type\":\"alert\",\"id\":1,\"state\":\"closed\",\"metric\":\"lag\",\"level\":\"critical\","
    "\"value\":26999,\"threshold\":30000,\"unit\":\"ms\",\"session\":1}",
    "{\"type\":\"alert\",\"id\":3,\"state\":\"opened\",\"metric\":\"failed_checks\","
    "\"level\":\"critical\",\"value\":1,\"threshold\":0,\"unit\":\"rows\",\"session\":1}",
    "{\"type\":\"alert\",\"id\":3,\"state\":\"closed\",\"metric\":\"failed_checks\","
    "\"level\":\"critical\",\"value\":0,\"threshold\":0,\"unit\":\"rows\",\"session\":1}",
};

static void test_hysteresis(void **state)
{
    char *dir = tmpdir_new(), *planpath, *got, wspath[600];
    struct err e = { 0 };
    struct sbuf b = { 0 }, want = { 0 }, tl = { 0 };
    struct plan *p;
    uv_loop_t loop;
    alerter_t *a;
    json_t *rows, *v;
    size_t i;
    ws_t *ws;
    long s;

    (void)state;
    planpath = plan_in(dir, plan_ini, &p);
    snprintf(wspath, sizeof wspath, "%s/.cutover/state.db", dir);
    ws = ws_open(wspath, &e);
    assert_non_null(ws);
    s = ws_session_begin(ws, "hypercare", 30000, 3600000, &e);
    assert_int_equal(s, 1);
    uv_loop_init(&loop);
    a = alert_new(&loop, p, ws, s, told, &b);
    assert_int_equal(alert_open_count(a), 0);
    alert_measure(a, "lag", 10000);         /* under its warning: nothing */
    assert_null(b.s);
    alert_measure(a, "lag", 30000);         /* at the warning: opened */
    alert_measure(a, "lag", 45000);         /* between: nothing */
    alert_measure(a, "lag", 60000);         /* at critical: escalated, same alert */
    alert_measure(a, "missing_rows", 4);
    alert_measure(a, "missing_rows", 5);    /* critical at once, no warning level */
    assert_int_equal(alert_open_count(a), 2);
    alert_measure(a, "lag", 40000);         /* back under critical: stays critical */
    alert_measure(a, "lag", 27000);         /* 90 % of the warning: not under it yet */
    alert_measure(a, "missing_rows", 4.5);  /* 90 % of 5: not under it */
    alert_measure(a, "latency", 999999);    /* no alert on latency */
    alert_measure(a, "lag", 26999);         /* under: closed */
    assert_int_equal(alert_open_count(a), 1);
    alert_measure(a, "failed_checks", 0);   /* a level of 0: 0 is not above it */
    alert_measure(a, "failed_checks", 1);
    alert_measure(a, "failed_checks", 0.5); /* open until back to 0 */
    alert_measure(a, "failed_checks", 0);
    assert_int_equal(alert_open_count(a), 1);  /* missing_rows */
    for (i = 0; i < sizeof expected / sizeof *expected; i++)
        sbuf_printf(&want, "%s\n", expected[i]);
    assert_string_equal(b.s, want.s);
    alert_free(a);  /* the command still gets every alert, in order */
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
    got = slurp(dir, "alerts.jsonl");
    assert_string_equal(got, want.s);
    free(got);
    /* recorded: each alert once, its latest level and value, closed or not */
    rows = ws_alerts_json(ws, s, 0);
    json_array_foreach(rows, i, v) {
        char *val = jsonx_dumps(json_object_get(v, "value"), JSON_COMPACT);
        char *thr = jsonx_dumps(json_object_get(v, "threshold"), JSON_COMPACT);
        sbuf_printf(&tl, "%lld %lld %s %s %s %s %s %s\n", jint(v, "id"), jint(v, "session"),
                    jtext(v, "metric"), jtext(v, "level"), val, thr, jtext(v, "message"),
                    jstr(v, "closed_at") ? "closed" : "open");
        free(val);
        free(thr);
    }
    assert_string_equal(tl.s, "1 1 lag critical 26999 30000 lag 26s closed\n"
                              "2 1 missing_rows critical 5 5 missing_rows 5 open\n"
                              "3 1 failed_checks critical 0 0 failed_checks 0 closed\n");
    json_decref(rows);
    sbuf_free(&tl);
    /* the timeline: every change, in words */
    rows = ws_runbook_json(ws, 0, 0);
    json_array_foreach(rows, i, v)
        sbuf_printf(&tl, "%s %s %s|", jtext(v, "step"), jtext(v, "event"), jtext(v, "output"));
    assert_string_equal(tl.s,
        "alert opened lag warning opened: 30s (level 30s)|"
        "alert escalated lag critical escalated: 1m00s (level 1m00s)|"
        "alert opened missing_rows critical opened: 5 (level 5)|"
        "alert closed lag critical closed: 26s (level 30s)|"
        "alert opened failed_checks critical opened: 1 (level 0)|"
        "alert closed failed_checks critical closed: 0 (level 0)|");
    json_decref(rows);
    sbuf_free(&tl);
    sbuf_free(&b);

    /* the session resumed (a watcher restarted): missing_rows is still open,
     * critical; it goes on under its id, and closes as that one */
    uv_loop_init(&loop);
    a = alert_new(&loop, p, ws, s, told, &b);
    assert_int_equal(alert_open_count(a), 1);
    alert_measure(a, "missing_rows", 9);    /* no second opening */
    assert_null(b.s);
    alert_measure(a, "missing_rows", 2);
    assert_string_equal(b.s, "{\"type\":\"alert\",\"id\":2,\"state\":\"closed\",\"metric\":"
                             "\"missing_rows\",\"level\":\"critical\",\"value\":2,\"threshold\":5,"
                             "\"unit\":\"rows\",\"session\":1}\n");
    assert_int_equal(alert_open_count(a), 0);
    alert_free(a);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
    got = slurp(dir, "alerts.jsonl");
    assert_string_equal(got + strlen(want.s), b.s);  /* appended after the others */
    free(got);
    rows = ws_alerts_json(ws, s, 1);
    assert_int_equal(json_array_size(rows), 0);
    json_decref(rows);
    sbuf_free(&b);
    sbuf_free(&want);
    ws_close(ws);
    plan_free(p);
    free(planpath);
    tmpdir_free(dir);
}

/* Without a workspace or a command: the callback alone, ids 0; an alerter
 * freed with nothing queued frees at once. */
static void test_unrecorded(void **state)
{
    char *dir = tmpdir_new(), *planpath;
    struct sbuf b = { 0 };
    struct plan *p;
    uv_loop_t loop;
    alerter_t *a;

    (void)state;
    planpath = plan_in(dir, "[source]\nurl = sqlite:a.db\n[target]\nurl = sqlite:b.db\n"
                            "[hypercare]\nalert.error_rate = 5%, 20%\n", &p);
    uv_loop_init(&loop);
    a = alert_new(&loop, p, NULL, 0, told, &b);
    alert_measure(a, "error_rate", 25);     /* past both levels: opened critical */
    alert_measure(a, "error_rate", 4.4);    /* under 90 % of 5 %: closed */
    assert_string_equal(b.s,
        "{\"type\":\"alert\",\"id\":0,\"state\":\"opened\",\"metric\":\"error_rate\",\"level\":"
        "\"critical\",\"value\":25,\"threshold\":20,\"unit\":\"%\",\"session\":0}\n"
        "{\"type\":\"alert\",\"id\":0,\"state\":\"closed\",\"metric\":\"error_rate\",\"level\":"
        "\"critical\",\"value\":4.4,\"threshold\":5,\"unit\":\"%\",\"session\":0}\n");
    alert_free(a);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
    sbuf_free(&b);
    plan_free(p);
    free(planpath);
    tmpdir_free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hysteresis),
        cmocka_unit_test(test_unrecorded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
