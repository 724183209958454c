/* The acceptance report (report.h, with acceptance.h's areas) from a real
 * migration: two SQLite files, a plan with every decision, a sheet part
 * reviewed, and a workspace holding a rehearsal run made by the engine (its
 * discrepancies, one classified), runbook steps, a hypercare session with
 * samples and an acknowledged alert, and a sign-off. On the simulated clock
 * and a fixed $USER, the Markdown is compared whole: every section, table
 * row and verdict line; then the HTML's structure and escaping, and a report
 * of an empty workspace. */
#include "config.h"
#include "testmig.h"

#include <sqlite3.h>
#include <uv.h>

#include "acceptance.h"
#include "jsonx.h"
#include "rehearsal.h"
#include "report.h"
#include "url.h"
#include "util.h"

static void on_done(void *arg, struct reh *reh)
{
    (void)reh;
    ++*(int *)arg;
}

/* A rehearsal run by the engine, recorded in the workspace. */
static void rehearse(struct mig *m)
{
    int done = 0;
    struct reh_events ev = { .done = on_done, .arg = &done };
    struct err e = { 0 };
    uv_loop_t loop;
    struct reh *r;

    uv_loop_init(&loop);
    r = reh_open(&loop, m->ws, m->plan, &m->pp, m->masked[0], m->masked[1], NULL, &ev, &e);
    if (!r)
        fail_msg("%s", e.msg);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(done, 1);
    reh_free(r);
    assert_int_equal(uv_loop_close(&loop), 0);
}

/* --- the fixture --------------------------------------------------------------------- */

static const char plan_ini[] =
    "[migration]\n"
    "name = Unit <report> & co\n"
    "[source]\n"
    "url = sqlite:src.db\n"
    "label = Pilot\n"
    "[target]\n"
    "url = sqlite:tgt.db\n"
    "label = Production\n"
    "[table users]\n"
    "decision = migrate\n"
    "owner = alice\n"
    "[table scratch]\n"
    "decision = delete\n"
    "owner = bob\n"
    "[table archive]\n"
    "decision = retain\n"
    "owner = carol\n"
    "[table tmp]\n"
    "decision = temporary\n"
    "expires = 2026-06-30\n"
    "[table notes]\n"
    "decision = undecided\n"
    "[check user_count]\n"
    "source = SELECT count(*) FROM users\n"
    "target = SELECT count(*) FROM users\n"
    "[hypercare]\n"
    "alert.lag = 30s, 1m\n";

static const char sheet_csv[] =
    "source,target,transform,owner,rule,status,reviewer,reviewed_at,note\n"
    "users.id,users.id,,,,approved,dana,2026-01-01T00:00:00Z,\n"
    "users.name,users.name,,,,approved,,,\n"
    "users.name,users.full_name,,,,rejected,dana,2026-01-01T00:00:00Z,no such column\n"
    "tmp.id,tmp.id,,,,approved,erin,2026-01-01T00:00:00Z,\n"
    "tmp.v,tmp.v,,,,draft,,,\n";

static const char source_sql[] =
    "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);"
    "INSERT INTO users VALUES (1, 'Ann'), (2, 'Bob|Jr'), (3, 'Cy');"
    "CREATE TABLE scratch (id INTEGER PRIMARY KEY); INSERT INTO scratch VALUES (1), (2);"
    "CREATE TABLE archive (id INTEGER PRIMARY KEY); INSERT INTO archive VALUES (1), (2), (3), (4);"
    "CREATE TABLE tmp (id INTEGER PRIMARY KEY, v TEXT); INSERT INTO tmp VALUES (1, 'x');"
    "CREATE TABLE notes (id INTEGER PRIMARY KEY); INSERT INTO notes VALUES (1);";

static const char target_sql[] =
    "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);"
    "INSERT INTO users VALUES (1, 'Ann'), (2, 'Bob'), (4, 'Di');"
    "CREATE TABLE scratch (id INTEGER PRIMARY KEY);"
    "CREATE TABLE tmp (id INTEGER PRIMARY KEY, v TEXT); INSERT INTO tmp VALUES (1, 'x');";

static void fixture(struct mig *m)
{
    char *dir = tmpdir_new(), *p;
    struct err e = { 0 };

    dir_write_file(dir, "cutover.ini", plan_ini);
    dir_write_file(dir, "mapping.csv", sheet_csv);
    dir_sql(dir, "src.db", source_sql);
    dir_sql(dir, "tgt.db", target_sql);
    mig_open(m, dir);
    inv_build(&m->pp, &m->inv);  /* what the report reads besides */
    p = plan_path(m->plan, m->plan->mapping);
    if (sheet_load(p, &m->sheet, &e) < 0)
        fail_msg("%s", e.msg);
    free(p);
}

/* What else the workspace holds: a run's classification, the runbook's
 * steps, a hypercare session with its samples and an acknowledged alert. */
static void record_the_rest(struct mig *m)
{
    struct err e = { 0 };
    long s, alert;
    char path[600];
    sqlite3 *h;

    assert_int_equal(ws_classify(m->ws, 1, "users", "missing", "{\"id\":3}", "accepted_variance",
                                 "alice", "left out on purpose", &e), 0);
    assert_int_equal(ws_runbook_event(m->ws, "freeze", "start", "tester", 0, 0, "sh freeze.sh",
                                      &e), 0);
    assert_int_equal(ws_runbook_event(m->ws, "freeze", "done", "tester", 0, 1200, NULL, &e), 0);
    s = ws_session_begin(m->ws, "hypercare", 30000, 259200000, &e);
    assert_int_equal(s, 1);
    assert_int_equal(ws_sample(m->ws, s, "source", "users", "rows", 3, 0, &e), 0);
    assert_int_equal(ws_sample(m->ws, s, "target", "users", "rows", 3, 0, &e), 0);
    assert_int_equal(ws_sample(m->ws, s, "both", "users", "lag_ms", 45000, 0, &e), 0);
    assert_int_equal(ws_sample(m->ws, s, "source", "users", "latency_ms", 12, 0, &e), 0);
    alert = ws_alert_open(m->ws, s, "lag", "warning", 45000, 30000, "lag 45s", &e);
    assert_int_equal(alert, 1);
    assert_int_equal(ws_alert_change(m->ws, alert, "warning", 1000, 30000, "lag 1s", 1, &e), 0);
    assert_int_equal(ws_alert_ack(m->ws, alert, "sync restarted", &e), 0);
    assert_int_equal(ws_session_end(m->ws, s, "completed", "{\"polls\":2}", &e), 0);
    /* the run's duration is the machine's: made fixed, for the comparison */
    snprintf(path, sizeof path, "%s/.cutover/state.db", m->dir);
    assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
    assert_int_equal(sqlite3_exec(h, "UPDATE runs SET duration_ms = 42", NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(h);
}

static const char expected_md[] =
    "# Acceptance report: Unit <report> & co\n"
    "\n"
    "Generated 2026-01-01T00:00:00.000Z. Source: Pilot (`sqlite:src.db`). Target: Production "
    "(`sqlite:tgt.db`).\n"
    "\n"
    "## Verdict: NO-GO\n"
    "\n"
    "- 2 open discrepancies in run 1\n"
    "- acceptance area completeness is pending\n"
    "- acceptance area stability is pending\n"
    "- acceptance area performance is pending\n"
    "- acceptance area compliance is pending\n"
    "\n"
    "## Pilot data\n"
    "\n"
    "| table | target | decision | owner | expires | source rows | target rows | target agrees "
    "| why |\n"
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n"
    "| archive |  | retain | carol |  | 4 |  | true | none of it in the target |\n"
    "| notes |  | undecided |  |  | 1 |  | false | no decision yet |\n"
    "| scratch | scratch | delete | bob |  | 2 | 0 | true | none of it in the target |\n"
    "| tmp | tmp | temporary |  | 2026-06-30 | 1 | 1 | true | kept until 2026-06-30 |\n"
    "| users | users | migrate | alice |  | 3 | 3 | true | the target has all 3 rows |\n"
    "\n"
    "## Mapping review\n"
    "\n"
    "`DIR/mapping.csv`: 5 rows, 3 approved, 1 rejected, 1 draft. Reviewers: dana (2), erin (1).\n"
    "\n"
    "## Rehearsals\n"
    "\n"
    "| run | kind | status | started | duration | missing | extra | changed | open | "
    "tables in error | checks | checks failed | result |\n"
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n"
    "| 1 | rehearsal | done | 2026-01-01T00:00:00.000Z | 42ms | 1 | 1 | 1 | 2 | 0 | 1 | 0 | fail |\n"
    "\n"
    "## Discrepancies of run 1\n"
    "\n"
    "| table | kind | key | differs (source → target) | class | owner | decision |\n"
    "| --- | --- | --- | --- | --- | --- | --- |\n"
    "| users | missing | id=3 |  | accepted_variance | alice | left out on purpose |\n"
    "| users | extra | id=4 |  |  |  |  |\n"
    "| users | changed | id=2 | name: \"Bob\\|Jr\" → \"Bob\" |  |  |  |\n"
    "\n"
    "## Cutover timeline\n"
    "\n"
    "| at | step | event | user | detail |\n"
    "| --- | --- | --- | --- | --- |\n"
    "| 2026-01-01T00:00:00.000Z | freeze | start | tester | sh freeze.sh |\n"
    "| 2026-01-01T00:00:00.000Z | freeze | done | tester |  |\n"
    "| 2026-01-01T00:00:00.000Z | acceptance | accepted | tester | support accepted: no tickets |\n"
    "\n"
    "## Hypercare\n"
    "\n"
    "| session | status | started | ended | planned | summary |\n"
    "| --- | --- | --- | --- | --- | --- |\n"
    "| 1 | completed | 2026-01-01T00:00:00.000Z | 2026-01-01T00:00:00.000Z | 3d00h | "
    "polls=2 |\n"
    "\n"
    "### Alerts\n"
    "\n"
    "| opened | metric | level | value | closed | acknowledged by | note |\n"
    "| --- | --- | --- | --- | --- | --- | --- |\n"
    "| 2026-01-01T00:00:00.000Z | lag | warning | 1000 | 2026-01-01T00:00:00.000Z | tester | "
    "sync restarted |\n"
    "\n"
    "## Acceptance\n"
    "\n"
    "1 of 5 areas accepted.\n"
    "\n"
    "### Data completeness: pending\n"
    "\n"
    "Asks: every table's Pilot data went where its decision says; no open discrepancy. Measured "
    "evidence does not hold:\n"
    "\n"
    "- 4 of 5 tables: the target agrees with the decision on their Pilot data\n"
    "- rehearsal run 1: 2 open discrepancies\n"
    "- hypercare: 0 rows found missing, stale or duplicated by live validation\n"
    "\n"
    "Not signed.\n"
    "\n"
    "### Functional stability: pending\n"
    "\n"
    "Asks: business checks hold; no alert left open through hypercare. Measured evidence does "
    "not hold:\n"
    "\n"
    "- no business check ran during hypercare\n"
    "- 1 alert during hypercare, 0 still open\n"
    "\n"
    "Not signed.\n"
    "\n"
    "### Performance: pending\n"
    "\n"
    "Asks: lag, poll latency and query times within their limits. Measured evidence does not "
    "hold:\n"
    "\n"
    "- lag at most 45s\n"
    "- latency at most 12ms\n"
    "- 1 alert on lag, latency or query time\n"
    "\n"
    "Not signed.\n"
    "\n"
    "### Support impact: accepted\n"
    "\n"
    "Asks: every alert handled; tickets and users' reports reviewed. Measured evidence holds:\n"
    "\n"
    "- 1 of 1 alert acknowledged with a note\n"
    "- tickets and users' reports: the signer's statement (note)\n"
    "\n"
    "Signed accepted by tester at 2026-01-01T00:00:00.000Z: no tickets\n"
    "\n"
    "### Compliance and governance: pending\n"
    "\n"
    "Asks: the mapping fully reviewed, every table decided, retention documented. Measured "
    "evidence does not hold:\n"
    "\n"
    "- mapping: 3 approved, 1 rejected, 1 still draft\n"
    "- 1 approved without a reviewer named (who approved them is not on record)\n"
    "- 1 tables without a decision on their Pilot data\n"
    "\n"
    "Not signed.\n"
    "\n"
    "## Decommission checklist\n"
    "\n"
    "0 of 5 items done.\n"
    "\n"
    "| item | step | done | by | at | note |\n"
    "| --- | --- | --- | --- | --- | --- |\n"
    "| archive | Archive what must be retained | false |  |  |  |\n"
    "| code_paths | Remove old code paths | false |  |  |  |\n"
    "| lock_writes | Lock legacy writes | false |  |  |  |\n"
    "| document | Document the final state | false |  |  |  |\n"
    "| shutdown | Shut down with intent | false |  |  |  |\n"
    "\n"
    "### Tables decided delete that still have rows in the target\n"
    "\n"
    "None.\n"
    "\n"
    "### Pilot data to keep\n"
    "\n"
    "| table | decision | owner | keep until |\n"
    "| --- | --- | --- | --- |\n"
    "| archive | retain | carol | kept in the Pilot archive (no expiry) |\n"
    "| tmp | temporary |  | 2026-06-30 |\n";

/* --- the tests ------------------------------------------------------------------------- */

/* The text with the temporary folder's path written DIR (the sheet's path is
 * the plan's folder's). */
static char *without_dir(char *text, const char *dir)
{
    struct sbuf b = { 0 };
    const char *at = text, *hit;

    while ((hit = strstr(at, dir))) {
        sbuf_add(&b, at, (size_t)(hit - at));
        sbuf_puts(&b, "DIR");
        at = hit + strlen(dir);
    }
    sbuf_puts(&b, at);
    free(text);
    return sbuf_take(&b);
}

static void test_markdown(void **state)
{
    struct mig m;
    struct err e = { 0 };
    json_t *r;
    char *md;

    (void)state;
    fixture(&m);
    rehearse(&m);
    record_the_rest(&m);
    r = report_build(m.plan, &m.inv, &m.sheet, m.ws, m.masked[0], m.masked[1]);
    /* a sign-off, recorded, then the report gathered again */
    assert_int_equal(acc_sign(m.ws, r, "acceptance", "support", "accepted", "no tickets", &e), 0);
    /* shutdown is refused while areas are pending and items open */
    assert_int_equal(acc_sign(m.ws, r, "decommission", "shutdown", "done", NULL, &e), -1);
    assert_int_equal(e.kind, ERR_FOUND);
    assert_string_equal(e.msg, "shutdown: not yet: 1 of 5 acceptance areas accepted, 0 of 4 "
                               "checklist items before it done (cutover accept and cutover "
                               "decommission list them)");
    json_decref(r);
    r = report_build(m.plan, &m.inv, &m.sheet, m.ws, m.masked[0], m.masked[1]);
    md = without_dir(report_markdown(r), m.dir);
    if (getenv("TEST_REPORT_SHOW"))  /* a folder to write what it got in, to compare */
        dir_write_file(getenv("TEST_REPORT_SHOW"), "report.md", md);
    assert_string_equal(md, expected_md);
    free(md);
    /* the JSON's verdicts, as a script reads them */
    assert_int_equal(jint(json_object_get(r, "discrepancies"), "run"), 1);
    assert_int_equal(json_array_size(json_object_get(json_object_get(r, "discrepancies"),
                                                     "items")), 3);
    assert_int_equal(jint(json_object_get(r, "acceptance"), "accepted"), 1);
    assert_int_equal(jint(json_object_get(r, "acceptance"), "done"), 0);
    {   /* the hypercare charts: the signals that were sampled, one 5-minute point each */
        json_t *c, *charts = json_object_get(json_object_get(r, "hypercare"), "charts");
        struct sbuf b = { 0 };
        size_t i;
        json_array_foreach(charts, i, c)
            sbuf_printf(&b, "%s %s %zu|", jtext(c, "signal"), jtext(c, "unit"),
                        json_array_size(json_object_get(c, "points")));
        assert_string_equal(b.s, "lag ms 1|latency ms 1|");
        sbuf_free(&b);
    }
    json_decref(r);
    mig_close(&m);
}

/* The same report as one HTML page: its sections in order, the charts drawn,
 * what the plan and data hold escaped. */
static void test_html(void **state)
{
    static const char *const in_order[] = {
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/><title>Acceptance "
        "report: Unit &lt;report&gt; &amp; co</title>",
        "<h1>Acceptance report: Unit &lt;report&gt; &amp; co</h1>",
        "<h2>Pilot data</h2>",
        "<tr><td>users</td><td>users</td><td>migrate</td><td>alice</td><td></td><td>3</td>"
        "<td>3</td><td>true</td><td>the target has all 3 rows</td></tr>",
        "<h2>Mapping review</h2>",
        "<h2>Rehearsals</h2>",
        "<h3>Open discrepancies per rehearsal</h3>\n<svg class=\"chart\" data-signal=\"rehearsal_open\"",
        "<polyline class=\"line\" points=\"360.0,",   /* one run: one point, mid-width */
        "<text x=\"4\" y=\"12\">max 2 open</text>",
        "<h3>Runtime per rehearsal</h3>\n<svg class=\"chart\" data-signal=\"rehearsal_runtime\"",
        "<text x=\"4\" y=\"12\">max 42ms</text>",
        "<h2>Discrepancies of run 1</h2>",
        "<td>name: &quot;Bob|Jr&quot; → &quot;Bob&quot;</td>",
        "<h2>Cutover timeline</h2>",
        "<h2>Hypercare</h2>",
        "<h3>Alerts</h3>",
        "<h3>Signals over the session (every round of its last hour, 5-minute points before; "
        "local time)</h3>",
        "<h3>Sync lag (watermarks), worst table</h3>\n<svg class=\"chart\" data-signal=\"lag\"",
        "<text x=\"4\" y=\"12\">max 45s</text>",
        "<h3>Poll latency, slowest side</h3>\n<svg class=\"chart\" data-signal=\"latency\"",
        "<h2>Acceptance</h2>",
        "<h2>Decommission checklist</h2>",
        "<h3>Pilot data to keep</h3>",
        "</body></html>\n",
    };
    struct mig m;
    json_t *r;
    char *html;
    const char *at;

    (void)state;
    fixture(&m);
    rehearse(&m);
    record_the_rest(&m);
    r = report_build(m.plan, &m.inv, &m.sheet, m.ws, m.masked[0], m.masked[1]);
    html = report_html(r);
    at = html;
    for (size_t i = 0; i < sizeof in_order / sizeof *in_order; i++) {
        const char *found = strstr(at, in_order[i]);
        if (!found)
            fail_msg("not found after byte %td: %s", at - html, in_order[i]);
        at = found + strlen(in_order[i]);
    }
    assert_string_equal(at, "");  /* the page ends there */
    assert_null(strstr(html, "<report>"));  /* never unescaped */
    assert_null(strstr(html, "http"));      /* no external asset */
    free(html);
    json_decref(r);
    mig_close(&m);
}

/* Nothing recorded yet (no workspace): every section says so. */
static void test_nothing_recorded(void **state)
{
    struct mig m;
    json_t *r;
    char *md;

    (void)state;
    fixture(&m);
    r = report_build(m.plan, &m.inv, &m.sheet, NULL, m.masked[0], m.masked[1]);
    md = report_markdown(r);
    assert_non_null(strstr(md, "\n## Rehearsals\n\nNo run recorded.\n\n## Discrepancies\n\n"
                               "No run recorded.\n\n## Cutover timeline\n\nNothing recorded.\n\n"
                               "## Hypercare\n\nNo hypercare session.\n\n### Alerts\n\n"
                               "No alert.\n"));
    assert_non_null(strstr(md, "- no rehearsal run completed\n- no completed hypercare session\n"));
    assert_non_null(strstr(md, "\n0 of 5 areas accepted.\n"));
    free(md);
    json_decref(r);
    mig_close(&m);
}

int main(void)
{
    /* every recorded and generated time the same, and who did it */
    setenv("CUTOVER_SIMULATED_CLOCK", "2026-01-01T00:00:00Z", 1);
    setenv("USER", "tester", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_markdown),
        cmocka_unit_test(test_html),
        cmocka_unit_test(test_nothing_recorded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
