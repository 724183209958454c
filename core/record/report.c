#include "config.h"
#include "report.h"
#include "waves.h"
#include "acceptance.h"
#include "jsonx.h"
#include "util.h"

#include <stdarg.h>
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
    return json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:o}", "sheet", s->path, "rows",
                     (json_int_t)st.rows, "approved", (json_int_t)st.approved,
                     "approved_unsigned", (json_int_t)st.unsigned_approved, "rejected",
                     (json_int_t)st.rejected, "draft", (json_int_t)st.draft, "reviewers",
                     reviewers);
}

/* A column holding JSON text, parsed in place (keys, fields, summaries). */
static void parse_column(json_t *rows, const char *col)
{
    json_t *r;
    size_t i;

    json_array_foreach(rows, i, r) {
        const char *t = jstr(r, col);
        json_t *v = t ? json_loads(t, 0, NULL) : NULL;
        if (v)
            json_object_set_new(r, col, v);
    }
}

/* The newest hypercare session's main signals over its whole length, in
 * 5-minute points (min, max, avg): those with something recorded. */
static json_t *charts(const struct plan *p, ws_t *ws, const json_t *sessions)
{
    const struct { const char *signal, *metric, *title, *unit; } fixed[] = {
        { "missing", "missing", "Source rows − target rows, worst table", "rows" },
        { "lag", "lag_ms", "Sync lag (watermarks), worst table", "ms" },
        { "latency", "latency_ms", "Poll latency, slowest side", "ms" },
        { PLAN_FAILED_CHECKS, "probe", "Business checks failing", "checks" },
        { plan_health[HEALTH_CONNECTIONS].name, "probe", "PostgreSQL connections in use",
          "connections" },
        { plan_health[HEALTH_LOCK_WAITS].name, "probe", "Queries waiting on locks", "queries" },
        { plan_health[HEALTH_LONGEST_QUERY].name, "probe", "Longest running query", "ms" },
    };
    json_t *all = json_array(), *last = json_array_get(sessions, json_array_size(sessions) - 1);
    long session = (long)jint(last, "session");
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

static void reason(json_t *why, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void reason(json_t *why, const char *fmt, ...)
{
    char buf[400];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    json_array_append_new(why, json_string(buf));
}

/* GO only when nothing stands against it; each thing that does, in words:
 * the latest rehearsal that ran to its end (open discrepancies, tables in
 * error, checks failed), a wave not moved or whose latest validation failed,
 * alerts left open, acceptance areas not accepted. */
static json_t *verdict(const json_t *r)
{
    const json_t *last = acc_last_run(json_object_get(r, "rehearsals")), *v;
    json_t *why = json_array();
    long long open_alerts = 0;
    size_t i;

    if (!last) {
        reason(why, "no rehearsal ran to its end");
    } else {
        if (jint(last, "open"))
            reason(why, "%lld open discrepanc%s in run %lld", jint(last, "open"),
                   jint(last, "open") == 1 ? "y" : "ies", jint(last, "run"));
        if (jint(last, "errors"))
            reason(why, "%lld table%s in error in run %lld", jint(last, "errors"),
                   jint(last, "errors") == 1 ? "" : "s", jint(last, "run"));
        if (jint(last, "failed_checks"))
            reason(why, "%lld business check%s failed in run %lld", jint(last, "failed_checks"),
                   jint(last, "failed_checks") == 1 ? "" : "s", jint(last, "run"));
    }
    waves_verdict(json_object_get(r, "waves"), why);  /* every wave moved, validated */
    json_array_foreach(json_object_get(json_object_get(r, "hypercare"), "alerts"), i, v)
        open_alerts += json_is_null(json_object_get(v, "closed_at"));
    if (open_alerts)
        reason(why, "%lld alert%s open", open_alerts, open_alerts == 1 ? "" : "s");
    json_array_foreach(json_object_get(json_object_get(r, "acceptance"), "areas"), i, v)
        if (strcmp(jtext(v, "status"), "accepted"))
            reason(why, "acceptance area %s is %s", jtext(v, "area"), jtext(v, "status"));
    return json_pack("{s:b, s:o}", "go", !json_array_size(why), "reasons", why);
}

json_t *report_build(const struct plan *p, const struct inventory *inv, const struct sheet *s,
                     ws_t *ws, const char *src_url, const char *tgt_url)
{
    char now[32];
    json_t *runs = ws ? ws_runs_json(ws) : json_array(), *disc = json_array();
    json_t *timeline = ws ? ws_runbook_json(ws, 0, 0) : json_array();
    json_t *sessions = ws ? ws_sessions_json(ws) : json_array();
    json_t *alerts = ws ? ws_alerts_json(ws, 0, 0) : json_array(), *e, *report;
    long last = (long)jint(acc_last_run(runs), "run");  /* 0: none ran to its end */
    size_t i;

    clock_iso(now, sizeof now);
    if (last) {  /* the log of the last run that ran to its end */
        json_decref(disc);
        disc = ws_discrepancies_json(ws, last, 1000);
        parse_column(disc, "key");
        parse_column(disc, "fields");
        json_array_foreach(disc, i, e)
            json_object_del(e, "target_key");  /* the dashboard's, to find the row */
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
    if (p->nwaves)  /* a phased migration: each wave as it stands */
        json_object_set_new(report, "waves", ws ? waves_json(p, ws) : json_array());
    /* measured from the parts above */
    json_object_set_new(report, "acceptance", acc_build(report, ws));
    json_object_set_new(report, "verdict", verdict(report));
    return report;
}

/* --- rendering: Markdown or one self-contained HTML page --------------------------- */

struct out {
    struct sbuf b;
    int html;
};

/* Text as it goes into the document: HTML-escaped, or in a Markdown table
 * cell with no pipe or line end to break the row. */
static void text(struct out *o, const char *s, int in_cell)
{
    for (; *s; s++) {
        const char *rep = NULL;
        if (o->html)
            rep = *s == '<' ? "&lt;" : *s == '>' ? "&gt;" : *s == '&' ? "&amp;"
                : *s == '"' ? "&quot;" : NULL;
        else if (in_cell)
            rep = *s == '|' ? "\\|" : *s == '\n' || *s == '\r' ? " " : NULL;
        if (rep)
            sbuf_puts(&o->b, rep);
        else
            sbuf_add(&o->b, s, 1);
    }
}

__attribute__((format(printf, 3, 4)))
static void heading(struct out *o, int level, const char *fmt, ...)
{
    char buf[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (o->html)
        sbuf_printf(&o->b, "<h%d>", level);
    else
        sbuf_printf(&o->b, "%s%.*s ", level > 1 ? "\n" : "", level, "####");
    text(o, buf, 0);
    sbuf_printf(&o->b, o->html ? "</h%d>\n" : "\n", level);
}

/* A paragraph (or, with item, a list item): its text escaped. */
__attribute__((format(printf, 3, 4)))
static void para(struct out *o, int item, const char *fmt, ...)
{
    char *buf;
    va_list ap;

    va_start(ap, fmt);
    if (vasprintf(&buf, fmt, ap) < 0)
        abort();
    va_end(ap);
    sbuf_puts(&o->b, o->html ? (item ? "<li>" : "<p>") : (item ? "- " : "\n"));
    text(o, buf, 0);
    sbuf_puts(&o->b, o->html ? (item ? "</li>\n" : "</p>\n") : "\n");
    free(buf);
}

/* An object as people read it, not JSON: "id=3, line_no=2". */
static char *words(const json_t *v)
{
    struct sbuf b = { 0 };
    const char *name;
    json_t *x;

    json_object_foreach((json_t *)v, name, x) {
        char *t = json_is_string(x) ? xstrdup(json_string_value(x)) : jsonx_dumps(x, JSON_COMPACT
                                                                               | JSON_ENCODE_ANY);
        sbuf_printf(&b, "%s%s=%s", b.len ? ", " : "", name, t);
        free(t);
    }
    return sbuf_take(&b);
}

static void cell(struct out *o, const json_t *v, int th)
{
    char *t = json_is_string(v) ? xstrdup(json_string_value(v))  /* numbers in their fewest digits */
            : json_is_object(v) ? words(v)
            : v && !json_is_null(v) ? jsonx_dumps(v, JSON_COMPACT) : xstrdup("");
    sbuf_puts(&o->b, o->html ? (th ? "<th>" : "<td>") : " ");
    text(o, t, 1);
    sbuf_puts(&o->b, o->html ? (th ? "</th>" : "</td>") : " |");
    free(t);
}

/* One row per object of `rows`, the given keys as cells. */
static void rows_out(struct out *o, const json_t *rows, const char *const *titles,
                     const char *const *keys, const char *none)
{
    const json_t *r;
    size_t i;

    if (!json_array_size(rows)) {
        if (*none)
            para(o, 0, "%s", none);
        return;
    }
    sbuf_puts(&o->b, o->html ? "<table><tr>" : "\n|");
    for (const char *const *c = titles; *c; c++) {
        json_t *t = json_string(*c);
        cell(o, t, 1);
        json_decref(t);
    }
    if (!o->html) {
        sbuf_puts(&o->b, "\n|");
        for (const char *const *c = titles; *c; c++)
            sbuf_puts(&o->b, " --- |");
    }
    sbuf_puts(&o->b, o->html ? "</tr>\n" : "\n");
    json_array_foreach(rows, i, r) {
        sbuf_puts(&o->b, o->html ? "<tr>" : "|");
        for (const char *const *k = keys; *k; k++)
            cell(o, json_object_get(r, *k), 0);
        sbuf_puts(&o->b, o->html ? "</tr>\n" : "\n");
    }
    if (o->html)
        sbuf_puts(&o->b, "</table>\n");
}

#define VALUE_SHOWN 60  /* bytes of a differing value the report shows */

/* A value as JSON (strings quoted: a blank at the end shows), cut short at
 * a character's start with "…". */
static void value_words(struct sbuf *b, const json_t *v)
{
    char *t = jsonx_dumps(v ? v : json_null(), JSON_COMPACT | JSON_ENCODE_ANY);
    size_t n = strlen(t);

    if (n > VALUE_SHOWN) {
        n = VALUE_SHOWN;
        while (n && utf8_inside(t, n))
            n--;
    }
    sbuf_add(b, t, n);
    if (n < strlen(t))
        sbuf_puts(b, "…");
    free(t);
}

/* The discrepancies, each with "differs": its fields in words, `Name:
 * "AC/DC" → "AC/DC!"; …` (a structural finding: what it says), for the
 * tables of Markdown and HTML. */
static json_t *with_differs(const json_t *items)
{
    json_t *out = json_array(), *d, *f;
    size_t i, k;

    json_array_foreach(items, i, d) {
        json_t *c = json_copy(d);
        struct sbuf b = { 0 };
        if (jstr(json_object_get(d, "fields"), "message")) {  /* a structural finding */
            sbuf_puts(&b, jstr(json_object_get(d, "fields"), "message"));
            if (jstr(json_object_get(d, "key"), "constraint"))  /* named by its constraint */
                json_object_set_new(c, "key", json_string(jstr(json_object_get(d, "key"),
                                                               "constraint")));
        }
        json_array_foreach(json_object_get(d, "fields"), k, f) {
            sbuf_printf(&b, "%s%s: ", k ? "; " : "", jtext(f, "source"));
            value_words(&b, json_object_get(f, "source_value"));
            sbuf_puts(&b, " → ");
            value_words(&b, json_object_get(f, "target_value"));
        }
        json_object_set_new(c, "differs", json_string(b.s ? b.s : ""));
        sbuf_free(&b);
        json_array_append_new(out, c);
    }
    return out;
}

/* Rows with their `duration_ms` as people read it, in `duration` (1m12s). */
static json_t *with_durations(const json_t *rows)
{
    json_t *out = json_array(), *r;
    size_t i;
    char d[32];

    json_array_foreach(rows, i, r) {
        json_t *c = json_copy(r);
        json_t *ms = json_object_get(r, "duration_ms");
        json_object_set_new(c, "duration", json_is_integer(ms)
                            ? json_string(dur_human(json_integer_value(ms), d, sizeof d))
                            : json_string("-"));
        json_array_append_new(out, c);
    }
    return out;
}

/* A value with its unit as people read it: durations human (1m12s). */
static void value_text(double v, const char *unit, char *buf, size_t n)
{
    if (!strcmp(unit, "ms"))
        dur_human((int64_t)v, buf, n);
    else
        snprintf(buf, n, "%g %s", v, unit);
}

/* An ISO 8601 UTC time ("2026-12-07T18:37:32.000Z") in local time, to the
 * second with the zone ("2026-12-07 19:37:32 CET"), or as it is when it does
 * not parse (a rehearsal's run number). */
static void local_time(const char *iso, char *buf, size_t n)
{
    struct tm tm = { 0 };
    const char *rest = iso ? strptime(iso, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
    time_t t;

    if (!rest) {
        snprintf(buf, n, "%s", iso ? iso : "");
        return;
    }
    t = timegm(&tm);
    localtime_r(&t, &tm);
    strftime(buf, n, "%Y-%m-%d %H:%M:%S %Z", &tm);
}

/* Point j of n at value v, in a w × h plot whose top is `top`. */
static void svg_point(struct out *o, size_t j, size_t n, double v, double top, double w, double h)
{
    sbuf_printf(&o->b, "%.1f,%.1f ", n > 1 ? (double)j * w / (double)(n - 1) : w / 2,
                h - (top > 0 ? v / top * (h - 4) : 0));
}

/* A chart as inline SVG: the max of every 5-minute point as a line over
 * the band from min to max. Shapes are closed by end tags, not "/>":
 * libxml2 2.9's HTML parser misreads a "/>" after a long attribute value
 * that ends on its input buffer's edge ("error parsing attribute name"). */
static void chart_svg(struct out *o, const json_t *c)
{
    const json_t *pts = json_object_get(c, "points"), *pt;
    size_t n = json_array_size(pts), i;
    double top = 0, w = 720, h = 120;
    char label[64];

    json_array_foreach(pts, i, pt)
        if (json_number_value(json_object_get(pt, "max")) > top)
            top = json_number_value(json_object_get(pt, "max"));
    heading(o, 3, "%s", jtext(c, "title"));
    value_text(top, jtext(c, "unit"), label, sizeof label);
    sbuf_printf(&o->b, "<svg class=\"chart\" data-signal=\"%s\" viewBox=\"0 0 %g %g\" "
                "width=\"%g\" height=\"%g\" role=\"img\">\n<rect class=\"frame\" x=\"0\" y=\"0\" "
                "width=\"%g\" height=\"%g\"></rect>\n<polygon class=\"band\" points=\"",
                jtext(c, "signal"), w, h + 20, w, h + 20, w, h);
    for (int pass = 0; pass < 2; pass++)  /* max left to right, min back */
        for (size_t k = 0; k < n; k++) {
            size_t j = pass ? n - 1 - k : k;
            svg_point(o, j, n, json_number_value(json_object_get(json_array_get(pts, j),
                                                                 pass ? "min" : "max")),
                      top, w, h);
        }
    sbuf_puts(&o->b, "\"></polygon>\n<polyline class=\"line\" points=\"");
    json_array_foreach(pts, i, pt)
        svg_point(o, i, n, json_number_value(json_object_get(pt, "max")), top, w, h);
    sbuf_puts(&o->b, "\"></polyline>\n");
    if (n == 1)  /* one sample: a dot, where a line cannot be drawn */
        sbuf_printf(&o->b, "<circle class=\"dot\" cx=\"%g\" cy=\"%.1f\" r=\"3\"></circle>\n",
                    w / 2, h - (top > 0 ? json_number_value(json_object_get(json_array_get(pts, 0),
                                                                            "max")) / top * (h - 4)
                                        : 0));
    sbuf_printf(&o->b, "<text x=\"4\" y=\"12\">max ");
    text(o, label, 0);
    sbuf_printf(&o->b, "</text>\n<text x=\"4\" y=\"%g\">", h + 16);
    local_time(jstr(json_array_get(pts, 0), "t"), label, sizeof label);
    text(o, label, 0);
    sbuf_printf(&o->b, "</text>\n<text x=\"%g\" y=\"%g\" text-anchor=\"end\">", w - 4, h + 16);
    local_time(jstr(json_array_get(pts, n - 1), "t"), label, sizeof label);
    text(o, label, 0);
    sbuf_puts(&o->b, "</text>\n</svg>\n");
}

/* The rehearsals that compared something, oldest first, as two charts: open
 * discrepancies and runtime per run (a failed or cancelled run is no point:
 * the table above shows it as such). */
static void rehearsal_charts(struct out *o, const json_t *runs)
{
    static const struct { const char *signal, *title, *unit, *key; } c[] = {
        { "rehearsal_open", "Open discrepancies per rehearsal", "open", "open" },
        { "rehearsal_runtime", "Runtime per rehearsal", "ms", "duration_ms" },
    };
    const json_t *r;
    size_t i;

    for (size_t k = 0; k < 2; k++) {
        json_t *pts = json_array(), *chart;
        json_array_foreach(runs, i, r) {
            char t[32];
            if (!json_is_true(json_object_get(r, "compared")))
                continue;
            snprintf(t, sizeof t, "run %lld", jint(r, "run"));
            json_array_append_new(pts, json_pack("{s:s, s:I, s:I}", "t", t, "min",
                                                 (json_int_t)jint(r, c[k].key), "max",
                                                 (json_int_t)jint(r, c[k].key)));
        }
        chart = json_pack("{s:s, s:s, s:s, s:o}", "signal", c[k].signal, "title", c[k].title,
                          "unit", c[k].unit, "points", pts);
        if (json_array_size(pts))
            chart_svg(o, chart);
        json_decref(chart);
    }
}

/* The areas with their evidence, sign-offs, the checklist, what to keep. */
static void acceptance_out(struct out *o, const json_t *acc)
{
    const json_t *a, *ev;
    size_t i, k;

    heading(o, 2, "Acceptance");
    para(o, 0, "%lld of %d areas accepted.",
         jint(acc, "accepted"), ACC_NAREAS);
    json_array_foreach(json_object_get(acc, "areas"), i, a) {
        heading(o, 3, "%s: %s%s", jtext(a, "title"), jtext(a, "status"),
                json_is_true(json_object_get(a, "exception")) ? " as an exception" : "");
        para(o, 0, "Asks: %s. Measured evidence %s:", jtext(a, "asks"),
             json_is_true(json_object_get(a, "evidence_ok")) ? "holds" : "does not hold");
        sbuf_puts(&o->b, o->html ? "<ul>\n" : "\n");
        json_array_foreach(json_object_get(a, "evidence"), k, ev)
            para(o, 1, "%s", json_string_value(ev));
        sbuf_puts(&o->b, o->html ? "</ul>\n" : "");
        if (*jtext(a, "signed_by"))
            para(o, 0, "Signed %s by %s at %s%s%s", jtext(a, "status"), jtext(a, "signed_by"),
                 jtext(a, "signed_at"), *jtext(a, "note") ? ": " : ".", jtext(a, "note"));
        else
            para(o, 0, "Not signed.");
    }
    heading(o, 2, "Decommission checklist");
    para(o, 0, "%lld of %d items done.",
         jint(acc, "done"), ACC_NCHECKLIST);
    rows_out(o, json_object_get(acc, "decommission"),
             (const char *const[]){ "item", "step", "done", "by", "at", "note", NULL },
             (const char *const[]){ "item", "title", "done", "by", "at", "note", NULL }, "");
    heading(o, 3, "Tables decided delete that still have rows in the target");
    rows_out(o, json_object_get(acc, "delete_left"),
             (const char *const[]){ "table", "target", "target rows", NULL },
             (const char *const[]){ "table", "target_table", "target_rows", NULL }, "None.");
    heading(o, 3, "Pilot data to keep");
    rows_out(o, json_object_get(acc, "keep"),
             (const char *const[]){ "table", "decision", "owner", "keep until", NULL },
             (const char *const[]){ "table", "decision", "owner", "until", NULL },
             "No table is retained or temporary.");
}

static const char css[] =
    "body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222}"
    "h1{font-size:1.6em}h2{margin-top:1.8em;border-bottom:1px solid #ccc}"
    "table{border-collapse:collapse;margin:.6em 0;font-size:13px}"
    "th,td{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top}"
    "th{background:#f0f0f0}svg.chart{display:block;margin:.4em 0 1em}"
    "svg .frame{fill:#fafafa;stroke:#bbb}svg .band{fill:#9cc3e6;stroke:none}"
    "svg .line{fill:none;stroke:#c0392b;stroke-width:1.5}svg .dot{fill:#c0392b}"
    "svg text{font-size:11px;fill:#555}"
    /* Save as PDF: A4, nothing wider than the page, a table or chart not cut */
    "@page{size:A4;margin:14mm 12mm}"
    "@media print{body{margin:0;max-width:none;font-size:10pt}"
    "svg.chart{width:100%;height:auto;break-inside:avoid}"
    "table{font-size:8pt;max-width:100%;word-break:break-word}tr,h3{break-inside:avoid}"
    "h2,h3{break-after:avoid}}";

static char *render(const json_t *r, int html)
{
    struct out o = { .html = html };
    const json_t *m = json_object_get(r, "mapping"), *d = json_object_get(r, "discrepancies");
    const json_t *hc = json_object_get(r, "hypercare"), *v;
    const char *q = html ? "" : "`";  /* Markdown's code quotes */
    json_t *items;
    size_t i;

    if (html) {
        sbuf_puts(&o.b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/>"
                  "<title>");
        text(&o, "Acceptance report: ", 0);
        text(&o, jtext(r, "migration"), 0);
        sbuf_printf(&o.b, "</title>\n<style>%s</style></head><body>\n", css);
    }
    heading(&o, 1, "Acceptance report: %s", jtext(r, "migration"));
    para(&o, 0, "Generated %s. Source: %s (%s%s%s). Target: %s (%s%s%s).", jtext(r, "generated_at"),
         jtext(json_object_get(r, "source"), "label"), q, jtext(json_object_get(r, "source"), "url"), q,
         jtext(json_object_get(r, "target"), "label"), q, jtext(json_object_get(r, "target"), "url"), q);

    {   /* the verdict first: what the one who signs reads */
        const json_t *vd = json_object_get(r, "verdict");
        heading(&o, 2, "Verdict: %s", json_is_true(json_object_get(vd, "go")) ? "GO" : "NO-GO");
        if (json_is_true(json_object_get(vd, "go")))
            para(&o, 0, "Nothing stands against it: the latest rehearsal is clean, no alert is "
                 "open and every acceptance area is accepted.");
        sbuf_puts(&o.b, o.html ? "<ul>\n" : "\n");
        json_array_foreach(json_object_get(vd, "reasons"), i, v)
            para(&o, 1, "%s", json_string_value(v));
        sbuf_puts(&o.b, o.html ? "</ul>\n" : "");
    }

    heading(&o, 2, "Pilot data");
    rows_out(&o, json_object_get(r, "pilot_data"),
             (const char *const[]){ "table", "target", "decision", "owner", "expires",
                                    "source rows", "target rows", "target agrees", "why", NULL },
             (const char *const[]){ "table", "target_table", "decision", "owner", "expires",
                                    "source_rows", "target_rows", "target_agrees", "why", NULL },
             "No source tables.");

    heading(&o, 2, "Mapping review");
    {
        struct sbuf who = { 0 };
        char *w;
        json_array_foreach(json_object_get(m, "reviewers"), i, v)
            sbuf_printf(&who, "%s%s (%lld)", i ? ", " : " Reviewers: ", jtext(v, "reviewer"),
                        jint(v, "rows"));
        w = sbuf_take(&who);
        para(&o, 0, "%s%s%s: %lld rows, %lld approved, %lld rejected, %lld draft.%s%s", q,
             jtext(m, "sheet"), q,
             jint(m, "rows"),
             jint(m, "approved"),
             jint(m, "rejected"),
             jint(m, "draft"), w, *w ? "." : "");
        free(w);
    }

    heading(&o, 2, "Rehearsals");
    items = with_durations(json_object_get(r, "rehearsals"));
    rows_out(&o, items,
             (const char *const[]){ "run", "kind", "status", "started", "duration", "missing",
                                    "extra", "changed", "open", "tables in error", "checks",
                                    "checks failed", "result", NULL },
             (const char *const[]){ "run", "kind", "status", "started_at", "duration",
                                    "missing", "extra", "changed", "open", "errors", "checks",
                                    "failed_checks", "result", NULL },
             "No run recorded.");
    json_decref(items);
    if (o.html)
        rehearsal_charts(&o, json_object_get(r, "rehearsals"));

    if (jint(d, "run"))
        heading(&o, 2, "Discrepancies of run %lld",
                jint(d, "run"));
    else
        heading(&o, 2, "Discrepancies");
    items = with_differs(json_object_get(d, "items"));
    rows_out(&o, items,
             (const char *const[]){ "table", "kind", "key", "differs (source → target)", "class",
                                    "owner", "decision", NULL },
             (const char *const[]){ "tbl", "kind", "key", "differs", "class", "owner", "decision",
                                    NULL },
             jint(d, "run") ? "None." : "No run recorded.");
    json_decref(items);

    if (json_object_get(r, "waves")) {  /* a phased migration */
        heading(&o, 2, "Waves");
        items = waves_report_rows(json_object_get(r, "waves"));
        rows_out(&o, items, (const char *const[]){ "wave", "tables (slice)", "state", "since",
                                                   "truth now", "gate", "validation",
                                                   "stray writes, drift", NULL },
                 (const char *const[]){ "wave", "tables", "state", "since", "truth_now", "gate",
                                        "validation", "drift", NULL }, "None.");
        json_decref(items);
        items = waves_log_rows(json_object_get(r, "waves"));
        heading(&o, 3, "Wave timeline");
        rows_out(&o, items, (const char *const[]){ "at", "wave", "state", "user", "note", NULL },
                 (const char *const[]){ "at", "wave", "state", "user", "note", NULL },
                 "No wave has begun to move.");
        json_decref(items);
        items = waves_stray_rows(json_object_get(r, "waves"));
        heading(&o, 3, "Stray writes and drift");
        rows_out(&o, items, (const char *const[]){ "wave", "finding", "table", "key", "written on",
                                                   "at", NULL },
                 (const char *const[]){ "wave", "kind", "table", "key", "side", "at", NULL },
                 "None: no write landed on a side that is no longer the source of truth.");
        json_decref(items);
    }

    heading(&o, 2, "Cutover timeline");
    rows_out(&o, json_object_get(r, "timeline"),
             (const char *const[]){ "at", "step", "event", "user", "detail", NULL },
             (const char *const[]){ "at", "step", "event", "user", "output", NULL },
             "Nothing recorded.");

    heading(&o, 2, "Hypercare");
    items = with_durations(json_object_get(hc, "sessions"));
    rows_out(&o, items,
             (const char *const[]){ "session", "status", "started", "ended", "planned",
                                    "summary", NULL },
             (const char *const[]){ "session", "status", "started_at", "ended_at", "duration",
                                    "summary", NULL },
             "No hypercare session.");
    json_decref(items);
    heading(&o, 3, "Alerts");
    rows_out(&o, json_object_get(hc, "alerts"),
             (const char *const[]){ "opened", "metric", "level", "value", "closed",
                                    "acknowledged by", "note", NULL },
             (const char *const[]){ "at", "metric", "level", "value", "closed_at",
                                    "acknowledged_by", "note", NULL },
             "No alert.");
    if (html) {  /* Markdown has no pictures of its own: the JSON has the points */
        heading(&o, 3, "Signals over the session (every round of its last hour, 5-minute "
                "points before; local time)");
        json_array_foreach(json_object_get(hc, "charts"), i, v)
            chart_svg(&o, v);
        if (!json_array_size(json_object_get(hc, "charts")))
            para(&o, 0, "Nothing sampled.");
    }

    acceptance_out(&o, json_object_get(r, "acceptance"));
    if (html)
        sbuf_puts(&o.b, "</body></html>\n");
    return sbuf_take(&o.b);
}

char *report_markdown(const json_t *r) { return render(r, 0); }

char *report_html(const json_t *r) { return render(r, 1); }
