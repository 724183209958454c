#include "config.h"
#include "acceptance.h"
#include "jsonx.h"
#include "plan.h"
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct acc_item acc_areas[ACC_NAREAS] = {
    { "completeness", "Data completeness",
      "every table's Pilot data went where its decision says; no open discrepancy" },
    { "stability", "Functional stability",
      "business checks hold; no alert left open through hypercare" },
    { "performance", "Performance", "lag, poll latency and query times within their limits" },
    { "support", "Support impact", "every alert handled; tickets and users' reports reviewed" },
    { "compliance", "Compliance and governance",
      "the mapping fully reviewed, every table decided, retention documented" },
};

const struct acc_item acc_checklist[ACC_NCHECKLIST] = {
    { "archive", "Archive what must be retained", "the retain and temporary tables below" },
    { "code_paths", "Remove old code paths", "nothing reads or writes the Pilot any more" },
    { "lock_writes", "Lock legacy writes", "the Pilot refuses writes" },
    { "document", "Document the final state", "this report, kept with the migration" },
    { "shutdown", "Shut down with intent",
      "only once every area is accepted and every item above is done" },
};

static const json_t *get(const json_t *o, const char *path)
{
    char key[64];
    const char *dot;

    while (o && (dot = strchr(path, '.'))) {
        snprintf(key, sizeof key, "%.*s", (int)(dot - path), path);
        o = json_object_get(o, key);
        path = dot + 1;
    }
    return o ? json_object_get(o, path) : NULL;
}

static long long num(const json_t *o, const char *path)
{
    const json_t *v = get(o, path);
    return json_is_integer(v) ? (long long)json_integer_value(v) : (long long)json_number_value(v);
}

static void say(json_t *evidence, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(json_t *evidence, const char *fmt, ...)
{
    va_list ap;
    char buf[512];

    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    json_array_append_new(evidence, json_string(buf));
}

/* The largest value a signal of the newest hypercare session reached; -1: none. */
static double chart_max(const json_t *report, const char *signal, double *last)
{
    const json_t *c, *pt;
    size_t i, k;
    double m = -1;

    json_array_foreach(get(report, "hypercare.charts"), i, c) {
        if (strcmp(jtext(c, "signal"), signal))
            continue;
        json_array_foreach(json_object_get(c, "points"), k, pt) {
            double v = json_number_value(json_object_get(pt, "max"));
            m = v > m ? v : m;
            if (last)
                *last = v;
        }
    }
    return m;
}

const json_t *acc_last_run(const json_t *runs)
{
    for (size_t i = json_array_size(runs); i-- > 0;)  /* not --structure-only, not a wave's */
        if (!strcmp(jtext(json_array_get(runs, i), "status"), "done") &&
            !strcmp(jtext(json_array_get(runs, i), "kind"), "rehearsal"))
            return json_array_get(runs, i);
    return NULL;
}

static int completeness(const json_t *r, json_t *ev)
{
    const json_t *t, *sessions = get(r, "hypercare.sessions");
    const json_t *last = acc_last_run(get(r, "rehearsals"));
    const json_t *sum = json_object_get(json_array_get(sessions, json_array_size(sessions) - 1),
                                        "summary");
    long agree = 0, total = 0, found = 0;
    long long open = last ? num(last, "open") : -1;
    size_t i;

    json_array_foreach(get(r, "pilot_data"), i, t) {
        total++;
        agree += json_is_true(json_object_get(t, "target_agrees"));
    }
    say(ev, "%ld of %ld tables: the target agrees with the decision on their Pilot data", agree,
        total);
    if (last) {
        char errors[64] = "", checks[64] = "";
        if (num(last, "errors"))
            snprintf(errors, sizeof errors, ", %lld tables in error", num(last, "errors"));
        if (num(last, "failed_checks"))
            snprintf(checks, sizeof checks, ", %lld of %lld business checks failed",
                     num(last, "failed_checks"), num(last, "checks"));
        say(ev, "rehearsal run %lld: %lld open discrepancies%s%s", num(last, "run"), open, errors,
            checks);
    } else {
        say(ev, "no rehearsal run completed");
    }
    json_array_foreach(json_object_get(sum, "findings"), i, t)
        found += (long)num(t, "n");
    if (json_is_object(sum))
        say(ev, "hypercare: %ld rows found missing, stale or duplicated by live validation",
            found);
    else
        say(ev, "no completed hypercare session");
    return agree == total && last && !strcmp(jtext(last, "result"), "pass") && found == 0 &&
           json_is_object(sum);
}

static int stability(const json_t *r, json_t *ev)
{
    const json_t *a;
    size_t i;
    long opened = 0, still = 0;
    double last = -1, checks = chart_max(r, PLAN_FAILED_CHECKS, &last);

    json_array_foreach(get(r, "hypercare.alerts"), i, a) {
        opened++;
        still += json_is_null(json_object_get(a, "closed_at"));
    }
    if (checks < 0)
        say(ev, "no business check ran during hypercare");
    else
        say(ev, "business checks failing: %g at the last run, %g at most", last, checks);
    say(ev, "%ld alert%s during hypercare, %ld still open", opened, opened == 1 ? "" : "s", still);
    return checks >= 0 && last == 0 && still == 0;
}

static int performance(const json_t *r, json_t *ev)
{
    const char *const signals[] = { "lag", "latency", plan_health[HEALTH_LONGEST_QUERY].name };
    enum { NSIG = sizeof signals / sizeof *signals };
    const json_t *a;
    size_t i;
    long alerts = 0;
    int any = 0;

    for (size_t k = 0; k < NSIG; k++) {
        double m = chart_max(r, signals[k], NULL);
        char t[32];
        if (m >= 0) {
            say(ev, "%s at most %s", signals[k], dur_human((int64_t)m, t, sizeof t));
            any = 1;
        }
    }
    json_array_foreach(get(r, "hypercare.alerts"), i, a)
        for (size_t k = 0; k < NSIG; k++)
            alerts += !strcmp(jtext(a, "metric"), signals[k]);
    say(ev, "%ld alert%s on lag, latency or query time", alerts, alerts == 1 ? "" : "s");
    return any && alerts == 0;
}

static int support(const json_t *r, json_t *ev)
{
    const json_t *a;
    size_t i;
    long n = 0, acked = 0;

    json_array_foreach(get(r, "hypercare.alerts"), i, a) {
        n++;
        acked += !json_is_null(json_object_get(a, "acknowledged_by"));
    }
    say(ev, "%ld of %ld alert%s acknowledged with a note", acked, n, n == 1 ? "" : "s");
    say(ev, "tickets and users' reports: the signer's statement (note)");
    return acked == n;
}

static int compliance(const json_t *r, json_t *ev)
{
    const json_t *t;
    size_t i;
    long undecided = 0, draft = num(r, "mapping.draft"), rejected = num(r, "mapping.rejected");
    long unsigned_ = num(r, "mapping.approved_unsigned");

    json_array_foreach(get(r, "pilot_data"), i, t)
        undecided += !strcmp(jtext(t, "decision"), "undecided");
    say(ev, "mapping: %lld approved, %ld rejected, %ld still draft",
        num(r, "mapping.approved"), rejected, draft);
    say(ev, "%ld approved without a reviewer named (who approved them is not on record)",
        unsigned_);
    say(ev, "%ld tables without a decision on their Pilot data", undecided);
    return draft == 0 && unsigned_ == 0 && undecided == 0;
}

static int (*const measure[ACC_NAREAS])(const json_t *, json_t *) = {
    completeness, stability, performance, support, compliance,
};

/* The latest sign-off of an item, or NULL. */
static json_t *latest(json_t *signoffs, const char *kind, const char *item)
{
    json_t *s, *found = NULL;
    size_t i;

    json_array_foreach(signoffs, i, s)
        if (!strcmp(jtext(s, "kind"), kind) && !strcmp(jtext(s, "item"), item))
            found = s;
    return found;
}

static json_t *keep_list(const json_t *report)
{
    json_t *keep = json_array();
    const json_t *t;
    size_t i;

    json_array_foreach(get(report, "pilot_data"), i, t) {
        const char *d = jtext(t, "decision");
        if (strcmp(d, "retain") && strcmp(d, "temporary"))
            continue;
        json_array_append_new(keep, json_pack("{s:O, s:s, s:O, s:s}", "table",
            json_object_get(t, "table"), "decision", d, "owner",
            json_object_get(t, "owner") ? json_object_get(t, "owner") : json_null(), "until",
            !strcmp(d, "retain") ? "kept in the Pilot archive (no expiry)"
            : jstr(t, "expires") ? jstr(t, "expires") : "no expiry date: set expires"));
    }
    return keep;
}

/* Tables decided delete whose target table still holds rows: the Pilot
 * data someone copied anyway, to remove before the Pilot goes. */
static json_t *delete_left(const json_t *report)
{
    json_t *left = json_array();
    const json_t *t;
    size_t i;

    json_array_foreach(get(report, "pilot_data"), i, t)
        if (!strcmp(jtext(t, "decision"), "delete") && json_is_integer(json_object_get(t,
                "target_rows")) && jint(t, "target_rows") > 0)
            json_array_append_new(left, json_pack("{s:O, s:O, s:O}", "table",
                json_object_get(t, "table"), "target_table", json_object_get(t, "target_table"),
                "target_rows", json_object_get(t, "target_rows")));
    return left;
}

json_t *acc_build(const json_t *report, ws_t *ws)
{
    json_t *signoffs = ws ? ws_signoffs_json(ws) : json_array();
    json_t *areas = json_array(), *list = json_array();
    long accepted = 0, done = 0;

    for (size_t i = 0; i < ACC_NAREAS; i++) {
        json_t *ev = json_array(), *s = latest(signoffs, "acceptance", acc_areas[i].name);
        int ok = measure[i](report, ev);
        const char *status = s ? jtext(s, "status") : "pending";
        accepted += !strcmp(status, "accepted");
        json_array_append_new(areas, json_pack("{s:s, s:s, s:s, s:o, s:b, s:s, s:b, s:O, s:O, s:O}",
            "area", acc_areas[i].name, "title", acc_areas[i].title, "asks", acc_areas[i].asks,
            "evidence", ev, "evidence_ok", ok, "status", status,
            "exception", !ok && !strcmp(status, "accepted"),
            "signed_by", s ? json_object_get(s, "user") : json_null(),
            "signed_at", s ? json_object_get(s, "at") : json_null(),
            "note", s ? json_object_get(s, "note") : json_null()));
    }
    for (size_t i = 0; i < ACC_NCHECKLIST; i++) {
        json_t *s = latest(signoffs, "decommission", acc_checklist[i].name);
        int d = s && !strcmp(jtext(s, "status"), "done");
        done += d;
        json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:b, s:O, s:O, s:O}",
            "item", acc_checklist[i].name, "title", acc_checklist[i].title, "asks",
            acc_checklist[i].asks, "done", d, "by", s ? json_object_get(s, "user") : json_null(),
            "at", s ? json_object_get(s, "at") : json_null(),
            "note", s ? json_object_get(s, "note") : json_null()));
    }
    json_decref(signoffs);
    return json_pack("{s:o, s:I, s:o, s:o, s:o, s:I}", "areas", areas, "accepted",
                     (json_int_t)accepted, "decommission", list, "keep", keep_list(report),
                     "delete_left", delete_left(report), "done", (json_int_t)done);
}

static int find(const struct acc_item *items, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(items[i].name, name))
            return (int)i;
    return -1;
}

int acc_sign(ws_t *ws, const json_t *report, const char *kind, const char *item,
             const char *status, const char *note, struct err *e)
{
    int area = !strcmp(kind, "acceptance");
    const struct acc_item *items = area ? acc_areas : acc_checklist;
    size_t n = area ? ACC_NAREAS : ACC_NCHECKLIST;
    const char *const *ok = area ? (const char *const[]){ "accepted", "rejected", "pending", NULL }
                                 : (const char *const[]){ "done", "open", NULL };
    int k = find(items, n, item), good = 0;
    char *detail;

    if (k < 0) {
        struct sbuf b = { 0 };
        for (size_t i = 0; i < n; i++)
            sbuf_printf(&b, "%s%s", i ? ", " : "", items[i].name);
        char *known = sbuf_take(&b);
        err_set(e, ERR_INPUT, "unknown %s '%s' (known: %s)", area ? "acceptance area" :
                "checklist item", item, known);
        free(known);
        return -1;
    }
    for (const char *const *s = ok; *s; s++)
        good |= !strcmp(*s, status);
    if (!good)
        return err_set(e, ERR_INPUT, "%s: status '%s': expected %s", item, status,
                       area ? "accepted, rejected or pending" : "done or open");
    if (!area && !strcmp(item, "shutdown") && !strcmp(status, "done")) {
        json_t *acc = acc_build(report, ws);
        long accepted = (long)jint(acc, "accepted"), done = (long)jint(acc, "done");
        int before = json_is_true(json_object_get(json_array_get(json_object_get(acc,
                                  "decommission"), ACC_NCHECKLIST - 1), "done"));
        json_decref(acc);
        if (accepted < ACC_NAREAS || done - before < ACC_NCHECKLIST - 1)
            return err_set(e, ERR_FOUND, "shutdown: not yet: %ld of %d acceptance areas "
                           "accepted, %ld of %d checklist items before it done (cutover "
                           "accept and cutover decommission list them)", accepted, ACC_NAREAS,
                           done - before, ACC_NCHECKLIST - 1);
    }
    if (area && !strcmp(status, "accepted") && (!note || !*note)) {
        json_t *acc = acc_build(report, ws);
        int holds = json_is_true(json_object_get(json_array_get(json_object_get(acc, "areas"),
                                                                (size_t)k), "evidence_ok"));
        json_decref(acc);
        if (!holds)
            return err_set(e, ERR_INPUT, "%s: the measured evidence does not hold ('cutover "
                           "accept' shows it): accepting it anyway needs --note saying why, "
                           "and the report shows it as an exception", item);
    }
    if (ws_signoff(ws, kind, item, status, note, e) < 0)
        return -1;
    detail = xasprintf("%s %s%s%s", item, status, note ? ": " : "", note ? note : "");
    ws_audit(ws, area ? "sign off" : "check off", item, NULL, status, e);
    ws_runbook_event(ws, kind, status, user_name(), 0, 0, detail, e);
    free(detail);
    return 0;
}
