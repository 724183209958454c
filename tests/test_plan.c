/* The plan: every section and key of the design, and one failing case per
 * kind of error, with the exact message a user sees. */
#include "config.h"
#include "testutil.h"

#include "plan.h"
#include "sqltext.h"
#include "plan_edit.h"

TMPDIR_GROUP(dir)

static struct plan *load_text(const char *text, struct err *e)
{
    char path[512];
    FILE *f;

    snprintf(path, sizeof path, "%s/plan.ini", dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return plan_load(path, e);
}

static const char design_plan[] =
    "[migration]\n"
    "name      = Pilot to Production\n"
    "mapping   = mapping.csv            ; default\n"
    "workspace = .cutover/state.db      ; default\n"
    "\n"
    "[source]\n"
    "url   = sqlite:pilot.db            ; or postgresql://app@db1/pilot?sslmode=require\n"
    "label = Pilot\n"
    "\n"
    "[target]\n"
    "url   = postgresql:///prod\n"
    "label = Production\n"
    "\n"
    "[table users]                      ; a source table\n"
    "target    = app_users              ; default: the name the mapping suggests\n"
    "key       = id                     ; default: the primary key; composite: a, b\n"
    "decision  = migrate                ; migrate | delete | retain | temporary | undecided\n"
    "owner     = alice\n"
    "watermark = updated_at             ; column for incremental checks while live\n"
    "where     = deleted_at IS NULL     ; optional filter on the source side\n"
    "\n"
    "[table events]\n"
    "key      = account_id, seq\n"
    "decision = temporary\n"
    "expires  = 2027-03-31\n"
    "\n"
    "# a comment of the other kind\n"
    "[check active_subscriptions]       ; a business check: two queries, one number each\n"
    "source    = SELECT count(*) FROM subs WHERE status = 'active'\n"
    "target    = SELECT count(*) FROM subscriptions\n"
    "            WHERE state = 'ACTIVE'\n"
    "tolerance = 0.5%\n"
    "owner     = bob\n"
    "\n"
    "[step freeze]                      ; runbook steps run in file order\n"
    "title    = Freeze writes on the pilot\n"
    "owner    = alice\n"
    "run      = ./scripts/freeze.sh     ; optional: a command run with /bin/sh -c\n"
    "expect   = 5m                      ; planned duration\n"
    "gate     = checks\n"
    "rollback = ./scripts/unfreeze.sh   ; optional\n"
    "\n"
    "[step open]\n"
    "title = Open the doors\n"
    "gate  = manual\n"
    "\n"
    "[rollback]\n"
    "trigger.missing_rows = 1           ; any of these breached => rollback is advised\n"
    "trigger.error_rate   = 1%\n"
    "authority            = carol       ; who makes the call\n"
    "after                = open        ; live triggers advise once it is done\n"
    "\n"
    "[hypercare]\n"
    "duration = 72h\n"
    "interval = 30s\n"
    "alert.drift_rows = 0\n"
    "alert.lag        = 30s, 60s\n"
    "alert.latency    = 500ms\n"
    "alert.longest_query = 5m, 15m\n"
    "checks_every     = 20\n"
    "on_alert         = ./scripts/page.sh   ; optional command\n"
    "\n"
    "[probe failed_jobs]\n"
    "sql   = SELECT count(*) FROM jobs\n"
    "  WHERE state = 'failed'\n"
    "alert = 1, 10\n"
    "\n"
    "[probe queue]\n"
    "side = source\n"
    "sql  = SELECT count(*) FROM outbox\n";

static void test_design_plan(void **state)
{
    struct err e = { 0 };
    struct plan *p = load_text(design_plan, &e);
    const struct plan_table *t;

    (void)state;
    assert_non_null(p);
    assert_string_equal(p->name, "Pilot to Production");
    assert_string_equal(p->mapping, "mapping.csv");
    assert_string_equal(p->workspace, ".cutover/state.db");
    assert_string_equal(p->source.url, "sqlite:pilot.db");
    assert_string_equal(p->source.label, "Pilot");
    assert_int_equal(p->source.line, 7);
    assert_string_equal(p->target.url, "postgresql:///prod");
    assert_int_equal(p->ntables, 2);
    t = plan_table_find(p, "users");
    assert_non_null(t);
    assert_int_equal(t->line, 14);
    assert_string_equal(t->target, "app_users");
    assert_int_equal(t->nkey, 1);
    assert_string_equal(t->key[0], "id");
    assert_int_equal(t->decision, DEC_MIGRATE);
    assert_string_equal(t->owner, "alice");
    assert_string_equal(t->watermark, "updated_at");
    assert_string_equal(t->where, "deleted_at IS NULL");
    assert_null(t->expires);
    t = plan_table_find(p, "events");
    assert_int_equal(t->nkey, 2);
    assert_string_equal(t->key[0], "account_id");
    assert_string_equal(t->key[1], "seq");
    assert_int_equal(t->decision, DEC_TEMPORARY);
    assert_string_equal(t->expires, "2027-03-31");
    assert_null(t->target);
    assert_int_equal(p->nchecks, 1);
    assert_string_equal(p->checks[0].name, "active_subscriptions");
    assert_string_equal(p->checks[0].source, "SELECT count(*) FROM subs WHERE status = 'active'");
    /* an indented line continues the value */
    assert_string_equal(p->checks[0].target,
                        "SELECT count(*) FROM subscriptions WHERE state = 'ACTIVE'");
    assert_true(p->checks[0].tolerance == 0.5);
    assert_int_equal(p->checks[0].tolerance_pct, 1);
    assert_string_equal(p->checks[0].owner, "bob");
    assert_int_equal(p->nsteps, 2);
    assert_string_equal(p->steps[0].name, "freeze");
    assert_string_equal(p->steps[0].title, "Freeze writes on the pilot");
    assert_string_equal(p->steps[0].run, "./scripts/freeze.sh");
    assert_int_equal(p->steps[0].expect_ms, 300000);
    assert_int_equal(p->steps[0].gate, GATE_CHECKS);
    assert_string_equal(p->steps[0].rollback, "./scripts/unfreeze.sh");
    assert_string_equal(p->steps[1].name, "open");
    assert_int_equal(p->steps[1].gate, GATE_MANUAL);
    assert_null(p->steps[1].run);
    assert_int_equal(p->ntriggers, 2);
    assert_string_equal(p->triggers[0].name, "missing_rows");
    assert_true(p->triggers[0].value == 1 && p->triggers[0].unit == UNIT_COUNT);
    assert_string_equal(p->triggers[1].name, "error_rate");
    assert_true(p->triggers[1].value == 1 && p->triggers[1].unit == UNIT_PERCENT);
    assert_string_equal(p->authority, "carol");
    assert_string_equal(p->advise_after, "open");
    assert_int_equal(p->hc_duration_ms, 72LL * 3600 * 1000);
    assert_int_equal(p->hc_interval_ms, 30000);
    assert_int_equal(p->nalerts, 5);
    assert_string_equal(p->alerts[3].name, "longest_query");
    assert_true(p->alerts[3].warn == 300000 && p->alerts[3].value == 900000);
    assert_int_equal(p->hc_checks_every, 20);
    /* probes: target by default; an alert on a probe is a plain number */
    assert_int_equal(p->nprobes, 2);
    assert_string_equal(p->probes[0].name, "failed_jobs");
    assert_string_equal(p->probes[0].sql, "SELECT count(*) FROM jobs WHERE state = 'failed'");
    assert_int_equal(p->probes[0].side, 1);
    assert_int_equal(p->probes[1].side, 0);
    assert_string_equal(p->alerts[4].name, "failed_jobs");
    assert_true(p->alerts[4].warn == 1 && p->alerts[4].value == 10);
    assert_int_equal(p->alerts[4].unit, UNIT_COUNT);
    assert_string_equal(p->alerts[1].name, "lag");
    assert_true(p->alerts[1].value == 60000 && p->alerts[1].unit == UNIT_MS);
    assert_true(p->alerts[1].warn == 30000);
    assert_true(p->alerts[2].warn == -1);
    assert_true(p->alerts[2].value == 500 && p->alerts[2].unit == UNIT_MS);
    assert_string_equal(p->on_alert, "./scripts/page.sh");
    plan_free(p);
}

static void test_defaults(void **state)
{
    struct err e = { 0 };
    struct plan *p = load_text("[source]\nurl = sqlite:a.db\n[target]\nurl = sqlite:b.db\n", &e);

    (void)state;
    assert_non_null(p);
    assert_string_equal(p->mapping, "mapping.csv");
    assert_string_equal(p->workspace, ".cutover/state.db");
    assert_string_equal(p->source.label, "Source");
    assert_int_equal(p->hc_duration_ms, 72LL * 3600 * 1000);
    assert_int_equal(p->hc_interval_ms, 30000);
    assert_int_equal(p->hc_exact_rows, 1000000);
    assert_int_equal(p->ntables, 0);
    assert_null(p->tenant);  /* the structural checks: no tenants, 0.1 points, 60 s */
    assert_true(p->null_rate_shift == 0.001);
    assert_int_equal(p->structure_timeout_ms, 60000);
    plan_free(p);
}

/* [wave NAME] (waves.md): its keys, defaults, and a step's wave. */
static void test_waves(void **state)
{
    struct err e = { 0 };
    struct plan *p = load_text(
        "[source]\nurl = sqlite:a.db\n[target]\nurl = sqlite:b.db\n"
        "[step copy]\ntitle = Copy\nowner = bob\nwave = cohort-1\n"
        "[wave reference]\ntables = plans, currencies\n"
        "[wave cohort-1]\ntables = accounts\nwhere = id % 2 = 0\n"
        "target_where = account_id % 2 = 0\ntruth = both\nowner = alice\ngate = manual\n"
        "trigger.stray_writes = 1\n"
        "[wave cohort-2]\ntables = accounts\nwhere = id % 2 = 1\ntrigger.missing_rows = 5\n", &e);
    const struct plan_wave *w;

    (void)state;
    assert_non_null(p);
    assert_int_equal(p->nwaves, 3);
    w = plan_wave_find(p, "reference");  /* the defaults: production, no gate, all rows */
    assert_int_equal(w->ntables, 2);
    assert_string_equal(w->tables[1], "currencies");
    assert_null(w->where);
    assert_int_equal(w->truth, TRUTH_PRODUCTION);
    assert_int_equal(w->gate, GATE_NONE);
    w = plan_wave_find(p, "cohort-1");
    assert_string_equal(w->where, "id % 2 = 0");
    assert_string_equal(w->target_where, "account_id % 2 = 0");
    assert_string_equal(plan_truth_name(w->truth), "both");
    assert_string_equal(w->owner, "alice");
    assert_int_equal(w->gate, GATE_MANUAL);
    assert_int_equal(w->tables_line, 12);
    assert_int_equal(w->ntriggers, 1);  /* its own triggers, apart from [rollback]'s */
    assert_string_equal(w->triggers[0].name, "stray_writes");
    assert_true(w->triggers[0].value == 1);
    assert_int_equal(p->ntriggers, 0);
    assert_string_equal(plan_wave_find(p, "cohort-2")->triggers[0].name, "missing_rows");
    assert_string_equal(p->steps[0].wave, "cohort-1");
    assert_null(plan_wave_find(p, "cohort-3"));
    plan_free(p);
}

/* The structural checks' keys (comparison.md, "Structural checks"). */
static void test_structure_keys(void **state)
{
    struct err e = { 0 };
    struct plan *p = load_text("[migration]\ntenant = org_id\nnull_rate_shift = 0.5%\n"
                               "structure_timeout = 2m\n" "[source]\nurl = sqlite:a.db\n[target]\nurl = sqlite:b.db\n[table t]\n"
                               "expect_index = (a, b), (c)\ntenant = account\n[table u]\n"
                               "expect_index = x ,y\nnull_rate_shift_x = 1\n", &e);

    (void)state;
    assert_null(p);  /* an unknown key in [table], named by its line */
    assert_non_null(strstr(e.msg, "/plan.ini:14: unknown key 'null_rate_shift_x' in [table u]"));
    p = load_text("[migration]\ntenant = org_id\nnull_rate_shift = 0\n"
                  "structure_timeout = 2m\n" "[source]\nurl = sqlite:a.db\n[target]\nurl = sqlite:b.db\n[table t]\n"
                  "expect_index = (a, b), (c)\ntenant = account\n[table u]\n"
                  "expect_index = x ,y\n", &e);
    assert_non_null(p);
    assert_string_equal(p->tenant, "org_id");
    assert_true(p->null_rate_shift == 0);  /* said: every move counts */
    assert_int_equal(p->structure_timeout_ms, 120000);
    assert_int_equal(p->tables[0].nexpect_index, 2);
    assert_string_equal(p->tables[0].expect_index[0], "a, b");
    assert_string_equal(p->tables[0].expect_index[1], "c");
    assert_string_equal(p->tables[0].tenant, "account");
    assert_int_equal(p->tables[1].nexpect_index, 1);
    assert_string_equal(p->tables[1].expect_index[0], "x, y");
    plan_free(p);
}

#define ENDS "[source]\nurl = sqlite:a.db\n[target]\nurl = sqlite:b.db\n"

static const struct { const char *text, *msg; } bad[] = {
    { ENDS "[step freeze]\ntitle = x\ngatte = manual\n",
      "plan.ini:7: unknown key 'gatte' in [step freeze]" },
    { ENDS "[tables users]\n",
      "plan.ini:5: unknown section [tables] (known: migration, source, target, table NAME, "
      "check NAME, step NAME, rollback, hypercare, probe NAME, wave NAME)" },
    { ENDS "[table users]\ndecision = migrate\n[table users]\n",
      "plan.ini:7: duplicate section [table users]" },
    { ENDS "[source]\n", "plan.ini:5: duplicate section [source]" },
    { ENDS "[table users]\nowner = a\nowner = b\n",
      "plan.ini:7: duplicate key 'owner' in [table users]" },
    { ENDS "[table users]\ndecision = move\n",
      "plan.ini:6: decision 'move': expected migrate, delete, retain, temporary or undecided" },
    { ENDS "[step a]\ntitle = x\nexpect = 5 minutes\n",
      "plan.ini:7: expect '5 minutes': expected a duration such as 5m (units ms, s, m, h, d)" },
    { ENDS "[step a]\ntitle = x\ngate = maybe\n",
      "plan.ini:7: gate 'maybe': expected none, checks, diff or manual" },
    { ENDS "[check c]\nsource = SELECT 1\ntarget = SELECT 1\ntolerance = 5s\n",
      "plan.ini:8: tolerance '5s': expected an absolute number such as 0 or a percentage "
      "such as 0.5%" },
    { ENDS "[table t]\ndecision = temporary\nexpires = 31/03/2027\n",
      "plan.ini:7: expires '31/03/2027': expected a date YYYY-MM-DD" },
    { ENDS "[table t]\ndecision = migrate\nexpires = 2027-03-31\n",
      "plan.ini:7: [table t]: expires is only for decision = temporary (decision is migrate)" },
    { "[source]\nurl = sqlite:a.db\n",
      "plan.ini:2: no [target] url: add [target] with url = sqlite:FILE or postgresql://…" },
    { ENDS "[check c]\nsource = SELECT 1\n",
      "plan.ini:5: [check c] needs both 'source' and 'target' queries" },
    { ENDS "[step a]\nowner = x\n", "plan.ini:5: [step a] needs a 'title'" },
    { ENDS "[step load]\ntitle = x\n[rollback]\nafter = lod\n",
      "plan.ini:8: [rollback] after = lod: no [step lod] in the plan (the step after which live "
      "triggers advise rollback)" },
    { ENDS "[rollback]\ntrigger.missing = 1\n",
      "plan.ini:6: unknown metric 'trigger.missing' (known: missing_rows, extra_rows, "
      "changed_rows, drift_rows, failed_checks, error_rate, lag, latency, stray_writes, "
      "drift_keys, connections, lock_waits, longest_query; a [probe NAME]'s alert goes in its own section as "
      "alert = LEVEL)" },
    { ENDS "[probe p]\nside = both\nsql = SELECT 1\n",
      "plan.ini:6: side 'both': expected source or target" },
    { ENDS "[probe p]\nsql = SELECT 1\nalert = 5m\n",
      "plan.ini:7: 'alert.p = 5m': expected a number such as 0 or 10" },
    { ENDS "[probe p]\nside = target\n",
      "plan.ini:5: [probe p] needs its 'sql': a read-only query returning one number" },
    { ENDS "[probe latency]\nsql = SELECT 1\n",
      "plan.ini:5: [probe latency]: 'latency' is a metric cutover measures itself: name the "
      "probe differently" },
    { ENDS "[hypercare]\nchecks_every = 0\n",
      "plan.ini:6: checks_every '0': expected a number of rounds such as 10" },
    { ENDS "[hypercare]\nalert.lag = 5\n",
      "plan.ini:6: 'alert.lag = 5': expected a duration such as 60s" },
    { ENDS "[hypercare]\nalert.lag = 2m, 1m\n",
      "plan.ini:6: 'alert.lag': expected a warning and a critical level, the warning lower, "
      "each a duration such as 60s" },
    { ENDS "[hypercare]\nalert.drift_rows = 5, 1h\n",
      "plan.ini:6: 'alert.drift_rows': expected a warning and a critical level, the warning "
      "lower, each a number such as 0 or 10" },
    { ENDS "[hypercare]\ninterval = soon\n",
      "plan.ini:6: interval 'soon': expected a duration such as 30s (units ms, s, m, h, d)" },
    { ENDS "[hypercare]\ninterval = 26e112d\n",  /* past int64 (found by fuzz_plan) */
      "plan.ini:6: interval '26e112d': expected a duration such as 30s (units ms, s, m, h, d)" },
    { ENDS "[table]\n", "plan.ini:5: section [table] needs a name: [table NAME]" },
    { ENDS "[rollback now]\n", "plan.ini:5: section [rollback] takes no name" },
    { "name = x\n", "plan.ini:1: 'name' is outside any section (start with [migration])" },
    { ENDS "[migration]\nthis line has no equals sign\n",
      "plan.ini:6: syntax error: expected [section], key = value or a comment" },
    { ENDS "[table t]\nowner =\n", "plan.ini:6: key 'owner' has no value" },
    { ENDS "[table t]\ndecision = migrate\n  retain\n",
      "plan.ini:7: indented line continues 'decision', which takes a single-line value" },
    { ENDS "[table t]\nkey = a, , b\n",
      "plan.ini:6: key 'a, , b': expected column names separated by commas" },
    { ENDS "[check c]\nsource = SELECT 1; DELETE FROM t\ntarget = SELECT 1\n",
      "plan.ini:5: [check c] source: more than one statement (cutover runs one: a second one is "
      "refused)" },
    { ENDS "[check c]\nsource = SELECT 1\ntarget = COMMIT\n",
      "plan.ini:5: [check c] target: a query is expected (SELECT, WITH, VALUES or TABLE): "
      "cutover only reads" },
    { ENDS "[probe p]\nsql = SELECT 'a;b' /*;*/;SELECT 2\n",
      "plan.ini:5: [probe p] sql: more than one statement (cutover runs one: a second one is "
      "refused)" },
    { ENDS "[probe p]\nsql = SELECT 'open\n",
      "plan.ini:5: [probe p] sql: a quote or comment is not closed" },
    { ENDS "[table t]\nwhere = id > 0; DELETE FROM t\n",
      "plan.ini:6: [table t] where: a ';' ends the statement it goes into (one expression is "
      "expected)" },
    { ENDS "[table t]\ndecision = temporary\nexpires = 2027-02-29\n",
      "plan.ini:7: expires '2027-02-29': expected a date YYYY-MM-DD" },
    { ENDS "[table t]\ndecision = temporary\nexpires = 2027-04-31\n",
      "plan.ini:7: expires '2027-04-31': expected a date YYYY-MM-DD" },
    { "[migration]\nname = x\n[source]\nlabel = Pilot\n[target]\nurl = sqlite:b.db\n",
      "plan.ini:3: no [source] url: add [source] with url = sqlite:FILE or postgresql://…" },
    { ENDS "[table t]\ndecision = migrate\n  [table u]\n",
      "plan.ini:7: an indented section header: write it at the start of the line" },
    { ENDS "[migration]\nname = Caf\xe9\n",
      "plan.ini:6: not UTF-8: byte 0xe9 at column 11 (save the plan as UTF-8)" },
    { ENDS "[migration]\nname = \xc3\xa9\xed\xa0\x80\n",
      "plan.ini:6: not UTF-8: byte 0xed at column 10 (save the plan as UTF-8)" },
};

static void test_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        struct err e = { 0 };
        struct plan *p = load_text(bad[i].text, &e);
        const char *msg = strstr(e.msg, "plan.ini");

        assert_null(p);
        assert_int_equal(e.kind, ERR_INPUT);
        assert_non_null(msg);
        assert_string_equal(msg, bad[i].msg);
    }
}

/* User SQL read lexically: one statement, a query, an expression. */
static void test_sql_text(void **state)
{
    (void)state;
    assert_null(sqltext_one("SELECT count(*) FROM t"));
    assert_null(sqltext_one(" SELECT ';' AS \"a;b\" -- x; y\n ; "));
    assert_null(sqltext_one("SELECT $q$ ; $q$, $$;$$, E'\\';', /* /* ; */ */ 1"));
    assert_string_equal(sqltext_one("SELECT 1; DELETE FROM t"),
                        "more than one statement (cutover runs one: a second one is refused)");
    assert_string_equal(sqltext_one("COMMIT; BEGIN READ WRITE; DELETE FROM t"),
                        "more than one statement (cutover runs one: a second one is refused)");
    assert_string_equal(sqltext_one(" ; -- nothing"), "no statement");
    assert_string_equal(sqltext_one("SELECT $x$ ;"), "a quote or comment is not closed");
    assert_string_equal(sqltext_one("SELECT /* /* */ 1"), "a quote or comment is not closed");
    assert_true(sqltext_is_query("select 1"));
    assert_true(sqltext_is_query("-- c\n (WITH a AS (SELECT 1) SELECT * FROM a)"));
    assert_true(sqltext_is_query("VALUES (1)"));
    assert_false(sqltext_is_query("SELECTx"));
    assert_false(sqltext_is_query("DELETE FROM t RETURNING 1"));
    assert_false(sqltext_is_query("SET default_transaction_read_only = off"));
    assert_null(sqltext_expression("lower(trim(email)) || ';'"));
    assert_null(sqltext_expression("status <> 'x' -- no ;"));
    assert_non_null(sqltext_expression("1) ; DELETE FROM t; SELECT (1"));
}

static void test_long_line_and_missing_file(void **state)
{
    struct err e = { 0 };
    char text[600];
    struct plan *p;

    (void)state;
    snprintf(text, sizeof text, ENDS "[check c]\nsource = SELECT %0300d\n", 1);
    assert_null(load_text(text, &e));
    assert_non_null(strstr(e.msg, "plan.ini:6: line longer than 198 characters: continue a "
                                  "long value on indented lines"));
    p = plan_load("/nonexistent/cutover.ini", &e);
    assert_null(p);
    assert_string_equal(e.msg, "/nonexistent/cutover.ini: cannot read the plan: No such file or "
                               "directory (create one with 'cutover init', pass --plan FILE, or try 'cutover demo')");
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    char *buf = calloc(1, 65536);

    assert_non_null(f);
    fread(buf, 1, 65535, f);
    fclose(f);
    return buf;
}

/* Edits touch only the lines they must: values keep their column and
 * trailing comment, new keys align with their neighbours, the rest of the
 * file (comments, order, blank lines) is byte for byte the same. */
/* A limit is reached at or above it; a limit of 0 by anything above 0. */
static void test_limit_reached(void **state)
{
    (void)state;
    assert_true(plan_limit_reached(5, 5));
    assert_true(plan_limit_reached(6, 5));
    assert_false(plan_limit_reached(4.9, 5));
    assert_false(plan_limit_reached(0, 0));
    assert_true(plan_limit_reached(0.1, 0));
}

static void test_edit_in_place(void **state)
{
    struct err e = { 0 };
    char path[512], *text;
    const char *before =
        "; my plan\n"
        "[source]\nurl = sqlite:a.db\n[target]\nurl = sqlite:b.db\n\n"
        "[table users]                      ; a source table\n"
        "target    = app_users\n"
        "decision  = migrate                ; migrate | delete\n"
        "where     = deleted_at IS NULL\n"
        "            AND id > 0\n"
        "\n"
        "# events next\n"
        "[table events]\n"
        "decision = undecided\n";
    const char *after =
        "; my plan\n"
        "[source]\nurl = sqlite:a.db\n[target]\nurl = sqlite:b.db\n\n"
        "[table users]                      ; a source table\n"
        "target    = app_users\n"
        "decision  = temporary              ; migrate | delete\n"
        "where     = deleted_at IS NULL\n"
        "            AND id > 0\n"
        "expires   = 2027-03-31\n"
        "\n"
        "# events next\n"
        "[table events]\n"
        "decision = undecided\n"
        "owner    = erin\n"
        "\n"
        "[table page_views]\n"
        "decision = delete\n";
    const struct plan_kv users[] = { { "decision", "temporary" }, { "expires", "2027-03-31" } };
    const struct plan_kv events[] = { { "owner", "erin" } };
    const struct plan_kv views[] = { { "decision", "delete" } };
    const struct plan_kv invalid[] = { { "expires", "2027-01-01" } };
    const struct plan_kv undo[] = { { "expires", NULL }, { "decision", "migrate" } };
    struct plan *p;

    (void)state;
    p = load_text(before, &e);
    assert_non_null(p);
    snprintf(path, sizeof path, "%s", p->path);
    plan_free(p);
    assert_int_equal(plan_edit_table(path, "users", users, 2, &e), 0);
    assert_int_equal(plan_edit_table(path, "events", events, 1, &e), 0);
    assert_int_equal(plan_edit_table(path, "page_views", views, 1, &e), 0);
    text = slurp(path);
    assert_string_equal(text, after);
    free(text);
    /* a change that would not load is refused and the file stays as it was */
    assert_int_equal(plan_edit_table(path, "events", invalid, 1, &e), -1);
    assert_non_null(strstr(e.msg, "plan.ini:18: [table events]: expires is only for decision = "
                                  "temporary (decision is undecided)"));
    assert_null(strstr(e.msg, ".tmp."));
    text = slurp(path);
    assert_string_equal(text, after);
    free(text);
    assert_int_equal(plan_edit_table(path, "users", undo, 2, &e), 0);
    text = slurp(path);
    assert_non_null(strstr(text, "decision  = migrate                ; migrate | delete\n"
                                 "where     = deleted_at IS NULL\n"
                                 "            AND id > 0\n\n# events next"));
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_design_plan),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_structure_keys),
        cmocka_unit_test(test_waves),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_sql_text),
        cmocka_unit_test(test_long_line_and_missing_file),
        cmocka_unit_test(test_limit_reached),
        cmocka_unit_test(test_edit_in_place),
    };
    return cmocka_run_group_tests(tests, dir_setup, dir_teardown);
}
