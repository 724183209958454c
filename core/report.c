#include "config.h"
#include "report.h"
#include "acceptance.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* --- gathering ---------------------------------------------------------------------- */

/* Whether the target holds what the decision says: 1, 0, or -1 when the
 * counts are estimates; `why` says it in words. */
static int agreement(const struct inv_row *r, char *why, size_t n)
{
    int exact = r->src_count == COUNT_EXACT && (!r->target || r->tgt_count == COUNT_EXACT);
    long long src = r->src_rows, tgt = r->target ? r->tgt_rows : 0;

    switch (r->decision) {
    case DEC_UNDECIDED:
        snprintf(why, n, "no decision yet");
        return 0;
    case DEC_TEMPORARY:
        if (!r->expires) {
            snprintf(why, n, "temporary without an expiry date");
            return 0;
        }
        snprintf(why, n, "kept until %s", r->expires);
        return 1;
    case DEC_DELETE:
    case DEC_RETAIN:
        if (!exact) {
            snprintf(why, n, "the target's count is an estimate");
            return -1;
        }
        snprintf(why, n, tgt ? "the target has %lld rows of it" : "none of it in the target", tgt);
        return tgt == 0;
    default:
        if (!r->target) {
            snprintf(why, n, "no table in the target");
            return 0;
        }
        if (!exact) {
            snprintf(why, n, "a count is an estimate");
            return -1;
        }
        if (src == tgt)
            snprintf(why, n, "the target has all %lld rows", src);
        else
            snprintf(why, n, "the target has %lld rows, the source %lld", tgt, src);
        return src == tgt;
    }
}

static json_t *pilot_data(const struct inventory *inv)
{
    json_t *a = json_array();

    for (size_t i = 0; i < inv->n; i++) {
        const struct inv_row *r = &inv->rows[i];
        char why[160];
        int ok;
        if (!r->source)
            continue;  /* a target-only table holds no Pilot data */
        ok = agreement(r, why, sizeof why);
        json_array_append_new(a, json_pack("{s:s, s:s?, s:s, s:s?, s:s?, s:I, s:o, s:o, s:s}",
            "table", r->source, "target_table", r->target, "decision",
            plan_decision_name(r->decision), "owner", r->owner, "expires", r->expires,
            "source_rows", (json_int_t)r->src_rows,
            "target_rows", r->target ? json_integer(r->tgt_rows) : json_null(),
            "target_agrees", ok < 0 ? json_null() : json_boolean(ok), "why", why));
    }
    return a;
}

static json_t *mapping(const struct sheet *s)
{
    struct sheet_stats st;
    json_t *by = json_object(), *reviewers = json_array(), *v;
    const char *name;

    sheet_count(s, &st);
    for (size_t i = 0; i < s->n; i++) {
        const char *r = sheet_get(s, i, SC_REVIEWER);
        if (s->rows[i].f && *r)
            json_object_set_new(by, r, json_integer(json_integer_value(json_object_get(by, r)) + 1));
    }
    json_object_foreach(by, name, v)
        json_array_append_new(reviewers, json_pack("{s:s, s:O}", "reviewer", name, "rows", v));
    json_decref(by);
    return json_pack("{s:s, s:I, s:I, s:I, s:I, s:o}", "sheet", s->path, "rows", (json_int_t)st.rows,
                     "approved", (json_int_t)st.approved, "rejected", (json_int_t)st.rejected,
                     "draft", (json_int_t)st.draft, "reviewers", reviewers);
}

/* A column holding JSON text, parsed in place (keys, fields, summaries). */
static void parse_column(json_t *rows, const char *col)
{
    json_t *r;
    size_t i;

    json_array_foreach(rows, i, r) {
        const char *t = json_string_value(json_object_get(r, col));
        json_t *v = t ? json_loads(t, 0, NULL) : NULL;
        if (v)
            json_object_set_new(r, col, v);
    }
}

/* The newest hypercare session's main signals over its whole length, in
 * 5-minute points (min, max, avg): those with something recorded. */
static json_t *charts(const struct plan *p, ws_t *ws, const json_t *sessions)
{
    static const struct { const char *signal, *metric, *title, *unit; } fixed[] = {
        { "missing", "missing", "Source rows − target rows, worst table", "rows" },
        { "lag", "lag_ms", "Sync lag (watermarks), worst table", "ms" },
        { "latency", "latency_ms", "Poll latency, slowest side", "ms" },
        { "failed_checks", "probe", "Business checks failing", "checks" },
        { "connections", "probe", "PostgreSQL connections in use", "connections" },
        { "lock_waits", "probe", "Queries waiting on locks", "queries" },
        { "longest_query", "probe", "Longest running query", "ms" },
    };
    json_t *all = json_array(), *last = json_array_get(sessions, json_array_size(sessions) - 1);
    long session = last ? (long)json_integer_value(json_object_get(last, "session")) : 0;
    size_t n = sizeof fixed / sizeof *fixed;

    for (size_t i = 0; session > 0 && i < n + p->nprobes; i++) {
        const char *signal = i < n ? fixed[i].signal : p->probes[i - n].name;
        const char *metric = i < n ? fixed[i].metric : "probe";
        json_t *points = ws_series_json(ws, session, metric, strcmp(metric, "probe") ? NULL
                                                                                     : signal);
        char *title = i < n ? xstrdup(fixed[i].title) : xasprintf("Probe %s", signal);
        if (json_array_size(points))
            json_array_append_new(all, json_pack("{s:s, s:s, s:s, s:I, s:o}", "signal", signal,
                                                 "title", title, "unit",
                                                 i < n ? fixed[i].unit : "value", "session",
                                                 (json_int_t)session, "points", points));
        else
            json_decref(points);
        free(title);
    }
    return all;
}

json_t *report_build(const struct plan *p, const struct inventory *inv, const struct sheet *s,
                     ws_t *ws, const char *src_url, const char *tgt_url)
{
    char now[32];
    json_t *runs = ws ? ws_runs_json(ws) : json_array(), *disc = json_array();
    json_t *timeline = ws ? ws_runbook_json(ws, 0, 0) : json_array();
    json_t *sessions = ws ? ws_sessions_json(ws) : json_array();
    json_t *alerts = ws ? ws_alerts_json(ws, 0, 0) : json_array(), *e, *report;
    long last = 0;
    size_t i;

    clock_iso(now, sizeof now);
    if (json_array_size(runs)) {
        last = (long)json_integer_value(json_object_get(json_array_get(runs,
                                        json_array_size(runs) - 1), "run"));
        json_decref(disc);
        disc = ws_discrepancies_json(ws, last, 1000);
        parse_column(disc, "key");
        parse_column(disc, "fields");
    }
    json_array_foreach(timeline, i, e)
        json_object_del(e, "id");
    parse_column(sessions, "summary");
    report = json_pack("{s:s, s:s, s:{s:s, s:s}, s:{s:s, s:s}, s:o, s:o, s:o, s:{s:I, s:I, s:o}, "
                       "s:o, s:{s:o, s:o, s:o}}",
        "migration", p->name, "generated_at", now,
        "source", "url", src_url, "label", p->source.label,
        "target", "url", tgt_url, "label", p->target.label,
        "pilot_data", pilot_data(inv), "mapping", mapping(s), "rehearsals", runs,
        "discrepancies", "run", (json_int_t)last, "limit", (json_int_t)1000, "items", disc,
        "timeline", timeline, "hypercare", "sessions", sessions, "alerts", alerts, "charts",
        ws ? charts(p, ws, sessions) : json_array());
    /* measured from the parts above */
    json_object_set_new(report, "acceptance", acc_build(report, ws));
    return report;
}

/* --- Markdown --------------------------------------------------------------------- */

static void acceptance_md(struct sbuf *b, const json_t *acc);

static const char *str(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

/* A table cell: no pipe or line end may break the row. */
static void cell(struct sbuf *b, const char *s)
{
    sbuf_puts(b, " ");
    for (; *s; s++)
        sbuf_puts(b, *s == '|' ? "\\|" : *s == '\n' || *s == '\r' ? " " : (char[]){ *s, 0 });
    sbuf_puts(b, " |");
}

static void cell_json(struct sbuf *b, const json_t *v)
{
    double r = json_real_value(v);
    char *t = json_is_real(v) && r == (double)(long long)r ? xasprintf("%lld", (long long)r)
            : json_is_real(v) ? xasprintf("%g", r)
            : json_is_string(v) ? xstrdup(json_string_value(v))
            : v && !json_is_null(v) ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : xstrdup("");
    cell(b, t);
    free(t);
}

/* "| a | b |" and "| --- | --- |" */
static void head(struct sbuf *b, const char *const *cols)
{
    sbuf_puts(b, "\n|");
    for (const char *const *c = cols; *c; c++)
        cell(b, *c);
    sbuf_puts(b, "\n|");
    for (const char *const *c = cols; *c; c++)
        sbuf_puts(b, " --- |");
    sbuf_puts(b, "\n");
}

/* One row per object of `rows`, the given keys as cells. */
static void rows_md(struct sbuf *b, const json_t *rows, const char *const *titles,
                    const char *const *keys, const char *none)
{
    const json_t *r;
    size_t i;

    if (!json_array_size(rows)) {
        sbuf_printf(b, "\n%s\n", none);
        return;
    }
    head(b, titles);
    json_array_foreach(rows, i, r) {
        sbuf_puts(b, "|");
        for (const char *const *k = keys; *k; k++)
            cell_json(b, json_object_get(r, *k));
        sbuf_puts(b, "\n");
    }
}

/* The areas with their evidence as a list, sign-offs and the checklist. */
static void acceptance_md(struct sbuf *b, const json_t *acc)
{
    const json_t *a, *ev;
    size_t i, k;

    sbuf_printf(b, "\n## Acceptance\n\n%lld of %d areas accepted.\n",
                (long long)json_integer_value(json_object_get(acc, "accepted")), ACC_NAREAS);
    json_array_foreach(json_object_get(acc, "areas"), i, a) {
        sbuf_printf(b, "\n### %s: %s\n\n", str(a, "title"), str(a, "status"));
        sbuf_printf(b, "Asks: %s. Measured evidence %s:\n\n", str(a, "asks"),
                    json_is_true(json_object_get(a, "evidence_ok")) ? "holds" : "does not hold");
        json_array_foreach(json_object_get(a, "evidence"), k, ev)
            sbuf_printf(b, "- %s\n", json_string_value(ev));
        if (*str(a, "signed_by"))
            sbuf_printf(b, "\nSigned %s by %s at %s%s%s\n", str(a, "status"), str(a, "signed_by"),
                        str(a, "signed_at"), *str(a, "note") ? ": " : ".", str(a, "note"));
        else
            sbuf_puts(b, "\nNot signed.\n");
    }
    sbuf_printf(b, "\n## Decommission checklist\n\n%lld of %d items done.\n",
                (long long)json_integer_value(json_object_get(acc, "done")), ACC_NCHECKLIST);
    rows_md(b, json_object_get(acc, "decommission"),
            (const char *const[]){ "item", "step", "done", "by", "at", "note", NULL },
            (const char *const[]){ "item", "title", "done", "by", "at", "note", NULL }, "");
    sbuf_puts(b, "\n### Pilot data to keep\n");
    rows_md(b, json_object_get(acc, "keep"),
            (const char *const[]){ "table", "decision", "owner", "keep until", NULL },
            (const char *const[]){ "table", "decision", "owner", "until", NULL },
            "No table is retained or temporary.");
}

char *report_markdown(const json_t *r)
{
    struct sbuf b = { 0 };
    const json_t *m = json_object_get(r, "mapping"), *d = json_object_get(r, "discrepancies");
    const json_t *hc = json_object_get(r, "hypercare"), *v;
    size_t i;

    sbuf_printf(&b, "# Acceptance report: %s\n\nGenerated %s. Source: %s (`%s`). Target: %s (`%s`).\n",
                str(r, "migration"), str(r, "generated_at"),
                str(json_object_get(r, "source"), "label"), str(json_object_get(r, "source"), "url"),
                str(json_object_get(r, "target"), "label"), str(json_object_get(r, "target"), "url"));

    sbuf_puts(&b, "\n## Pilot data\n");
    rows_md(&b, json_object_get(r, "pilot_data"),
            (const char *const[]){ "table", "target", "decision", "owner", "expires",
                                   "source rows", "target rows", "target agrees", "why", NULL },
            (const char *const[]){ "table", "target_table", "decision", "owner", "expires",
                                   "source_rows", "target_rows", "target_agrees", "why", NULL },
            "No source tables.");

    sbuf_printf(&b, "\n## Mapping review\n\n`%s`: %lld rows, %lld approved, %lld rejected, "
                "%lld draft.", str(m, "sheet"),
                (long long)json_integer_value(json_object_get(m, "rows")),
                (long long)json_integer_value(json_object_get(m, "approved")),
                (long long)json_integer_value(json_object_get(m, "rejected")),
                (long long)json_integer_value(json_object_get(m, "draft")));
    json_array_foreach(json_object_get(m, "reviewers"), i, v)
        sbuf_printf(&b, "%s%s (%lld)", i ? ", " : " Reviewers: ", str(v, "reviewer"),
                    (long long)json_integer_value(json_object_get(v, "rows")));
    sbuf_puts(&b, json_array_size(json_object_get(m, "reviewers")) ? ".\n" : "\n");

    sbuf_puts(&b, "\n## Rehearsals\n");
    rows_md(&b, json_object_get(r, "rehearsals"),
            (const char *const[]){ "run", "kind", "status", "started", "duration (ms)", "missing",
                                   "extra", "changed", "open", NULL },
            (const char *const[]){ "run", "kind", "status", "started_at", "duration_ms",
                                   "missing", "extra", "changed", "open", NULL },
            "No run recorded.");

    if (json_integer_value(json_object_get(d, "run")))
        sbuf_printf(&b, "\n## Discrepancies of run %lld\n",
                    (long long)json_integer_value(json_object_get(d, "run")));
    else
        sbuf_puts(&b, "\n## Discrepancies\n");
    rows_md(&b, json_object_get(d, "items"),
            (const char *const[]){ "table", "kind", "key", "class", "owner", "decision", NULL },
            (const char *const[]){ "tbl", "kind", "key", "class", "owner", "decision", NULL },
            json_integer_value(json_object_get(d, "run")) ? "None." : "No run recorded.");

    sbuf_puts(&b, "\n## Cutover timeline\n");
    rows_md(&b, json_object_get(r, "timeline"),
            (const char *const[]){ "at", "step", "event", "user", "detail", NULL },
            (const char *const[]){ "at", "step", "event", "user", "output", NULL },
            "Nothing recorded.");

    sbuf_puts(&b, "\n## Hypercare\n");
    rows_md(&b, json_object_get(hc, "sessions"),
            (const char *const[]){ "session", "status", "started", "ended", "planned (ms)",
                                   "summary", NULL },
            (const char *const[]){ "session", "status", "started_at", "ended_at", "duration_ms",
                                   "summary", NULL },
            "No hypercare session.");
    sbuf_puts(&b, "\n### Alerts\n");
    rows_md(&b, json_object_get(hc, "alerts"),
            (const char *const[]){ "opened", "metric", "level", "value", "closed",
                                   "acknowledged by", "note", NULL },
            (const char *const[]){ "at", "metric", "level", "value", "closed_at",
                                   "acknowledged_by", "note", NULL },
            "No alert.");

    acceptance_md(&b, json_object_get(r, "acceptance"));
    return sbuf_take(&b);
}
