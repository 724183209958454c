/* The cutover panel: the runbook's steps with their state, owner, time
 * against the expected and gate; the rollback advice from the triggers; the
 * live figures of every migrated table (polled by core/monitor while polling
 * is not paused) with sparklines and the trigger status; the selected step's
 * live log; the timeline. g goes (after the gate; a manual gate asks the
 * owner's name), x aborts, s skips, B rolls back — each confirmed and
 * recorded; a acknowledges the oldest open hypercare alert with a note. */
#include "config.h"
#include "monitor.h"
#include "jsonx.h"
#include "panel.h"
#include "url.h"
#include "runbook.h"
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { K_OPEN = 1, K_GO, K_ABORT, K_SKIP, K_ROLLBACK, K_AGAIN, K_ACK, K_EXPORT, K_TREND,
       K_HYPERCARE };

static const struct tui_key keys[] = {
    { '\r', TUI_FN(KEY_ENTER), "Enter", "open", "the step's log (its last megabyte) and the "
      "timeline", K_OPEN },
    { 'r', 0, "r", "run", "run the next step once the gate before it says go (confirmed)", K_GO },
    { 'x', 0, "x", "abort", "stop the running command (confirmed)", K_ABORT },
    { 'a', 0, "a", "ack", "acknowledge the oldest open alert, with a note", K_ACK },
    { 'e', 0, "e", "export", "write the acceptance report (Markdown) beside the plan", K_EXPORT },
    { 't', 0, "t", "trend", "the delta trend over the last 12 rounds, the last hour or the "
      "whole session", K_TREND },
    { 's', 0, "s", NULL, "skip the next step (confirmed)", K_SKIP },
    { 'B', 0, "B", "rollback", "run the rollback commands of the done steps, newest first "
      "(confirmed)", K_ROLLBACK },
    { 'A', 0, "A", NULL, "a new attempt: every step pending again, after a rollback say "
      "(confirmed; the timeline keeps the one before)", K_AGAIN },
    { 'H', 0, "H", "hypercare", "record the hypercare session here: the open one resumed (or "
      "taken over once cutover watch has stopped), else a new one for the plan's duration; "
      "q then asks whether to keep it open", K_HYPERCARE },
    { 0 },
};

static const char *const gates[] = { "none", "checks", "diff", "manual" };

static const struct tui_col cols[] = {
    { "#", 3, 1, 1 }, { "STATE", 16, 0, 1 }, { "STEP", 10, 0, 1 }, { "TITLE", 28, 0, 0 }, { "OWNER", 8, 0, 0 },
    { "TIME", 13, 1, 0 }, { "GATE", 0, 0, 0 },
};

struct cut_panel {
    struct panel *p;
    struct tui_table table;
    struct tui_view view;
    size_t step;
    int action;                 /* the action being confirmed */
    char name[128];             /* typed for a manual gate */
    long last_alert;            /* the newest alert seen, for the bell */
    long ack_id;                /* the alert being acknowledged */
    int trend;                  /* the span of the delta trend: see trends[] */
};

static const char *const trends[] = { "12 ROUNDS", "HOUR", "SESSION" };

#define PRIV(p) ((struct cut_panel *)(p)->priv)
/* what the dashboard runs (dash_jobs.c), shown here */
#define RB(cp) dash_runbook((cp)->p->dash)
#define MON(cp) dash_monitor((cp)->p->dash)

static int nrows(void *ctx)
{
    return (int)rb_count(RB((struct cut_panel *)ctx));
}

static int overrun(const struct cut_panel *cp, const struct rb_step *s, uint64_t *ms)
{
    uint64_t now = uv_now(dash_loop(cp->p->dash));

    *ms = s->state == RB_RUNNING || s->state == RB_ROLLING_BACK ? now - s->started
        : s->ended > s->started ? s->ended - s->started : 0;
    return s->plan->expect_ms && *ms > (uint64_t)s->plan->expect_ms;
}

static const char *glyph(enum rb_state st)
{
    return st == RB_DONE || st == RB_ROLLED_BACK ? tui_g->ok
         : st == RB_FAILED || st == RB_BLOCKED ? tui_g->fail
         : st == RB_RUNNING || st == RB_CHECKING || st == RB_ROLLING_BACK ? tui_g->connecting
         : tui_g->dot;
}

static void cell(void *ctx, int i, int col, char *buf, size_t n)
{
    struct cut_panel *cp = ctx;
    const struct rb_step *s = rb_step(RB(cp), (size_t)i);
    char a[32], b[32];
    uint64_t ms;
    int over;

    switch (col) {
    case 0: snprintf(buf, n, "%d", i + 1); break;
    case 1: snprintf(buf, n, "%s %s", glyph(s->state), rb_state_name(s->state)); break;
    case 2: snprintf(buf, n, "%s", s->plan->name); break;
    case 3:  /* a phased plan's step says its wave first */
        snprintf(buf, n, "%s%s%s", s->plan->wave ? s->plan->wave : "",
                 s->plan->wave ? ": " : "", s->plan->title);
        break;
    case 4: snprintf(buf, n, "%s", s->plan->owner ? s->plan->owner : "-"); break;
    case 5:
        over = overrun(cp, s, &ms);
        snprintf(buf, n, "%s%s/%s", over ? "▲ " : "",
                 s->state == RB_PENDING || s->state == RB_BLOCKED || s->state == RB_CHECKING ? "-"
                 : ms < 1000 ? "<1s" : dur_format((int64_t)ms / 1000 * 1000, a, sizeof a),
                 s->plan->expect_ms ? dur_format(s->plan->expect_ms, b, sizeof b) : "-");
        break;
    default: snprintf(buf, n, "%s", gates[s->plan->gate]); break;
    }
}

static enum theme_role role(void *ctx, int i)
{
    struct cut_panel *cp = ctx;
    const struct rb_step *s = rb_step(RB(cp), (size_t)i);
    uint64_t ms;

    if (s->state == RB_FAILED || s->state == RB_BLOCKED)
        return ROLE_FAIL;
    if (overrun(cp, s, &ms))
        return ROLE_WARN;
    return s->state == RB_DONE || s->state == RB_ROLLED_BACK ? ROLE_OK : ROLE_TEXT;
}

/* Triggers advise rollback once the target is meant to hold the data
 * (rb_advising_since). */
static int advising(const struct cut_panel *cp)
{
    return rb_advising_since(RB(cp)) != NULL;
}

static void init(struct panel *p)
{
    struct cut_panel *cp = xcalloc(1, sizeof *cp);

    cp->p = p;
    cp->table = (struct tui_table){ .cols = cols, .ncols = 7, .nrows = nrows, .cell = cell,
                                    .role = role, .ctx = cp, .sort_col = 0 };
    table_reload(&cp->table);
    p->priv = cp;
}

static void done(struct panel *p)
{
    struct cut_panel *cp = PRIV(p);

    table_free(&cp->table);
    view_clear(&cp->view);
    free(cp);
}

static void title(struct panel *p, char *buf, size_t n)
{
    struct cut_panel *cp = PRIV(p);
    size_t done = 0, total = rb_count(RB(cp));

    for (size_t i = 0; i < total; i++)
        done += rb_step(RB(cp), i)->state == RB_DONE || rb_step(RB(cp), i)->state == RB_SKIPPED;
    if (dash_hypercare(p->dash)) {
        char clock[64];
        ws_session_clock(dash_hypercare(p->dash), clock, sizeof clock);
        snprintf(buf, n, "Cutover / Hypercare %s", clock);
        return;
    }
    snprintf(buf, n, "Cutover / Hypercare %zu/%zu steps done", done, total);
}

/* Who records the hypercare session, if one is open. */
static void hypercare_line(struct cut_panel *cp, struct tui_view *v)
{
    const struct ws_session *hc = dash_hypercare(cp->p->dash);
    char clock[64];

    if (!hc) {
        size_t total = rb_count(RB(cp)), done = 0;
        for (size_t i = 0; i < total; i++)
            done += rb_step(RB(cp), i)->state == RB_DONE || rb_step(RB(cp), i)->state == RB_SKIPPED;
        if (total && done == total)
            view_add(v, ROLE_OK, "%s the runbook is done: H starts hypercare here", tui_g->ok);
        return;
    }
    ws_session_clock(hc, clock, sizeof clock);
    if (dash_hypercare_here(cp->p->dash))
        view_add(v, ROLE_OK, "HYPERCARE %s, session %ld, recorded by this dashboard (q asks "
                 "whether to keep it open)", clock, hc->id);
    else if (hc->last_sample_ms &&
             hc->now_ms - hc->last_sample_ms <= 3 * dash_plan(cp->p->dash)->hc_interval_ms + 5000)
        view_add(v, ROLE_TEXT, "HYPERCARE %s, session %ld, recorded by cutover watch: H takes it "
                 "over once that watch stops", clock, hc->id);
    else
        view_add(v, ROLE_WARN, "%s HYPERCARE %s, session %ld, open but recorded by nobody: H "
                 "resumes it here (or run cutover watch)", tui_g->warn, clock, hc->id);
}

/* The first live trigger breached, as "lag 30m20s >= 1m (live)", or NULL. */
static const char *live_advice(struct cut_panel *cp, char *buf, size_t n)
{
    size_t nt;
    int ready = advising(cp) && mon_advice_ready(MON(cp));
    const struct mon_trigger *t = ready ? mon_triggers(MON(cp), &nt) : NULL;

    for (size_t i = 0; t && i < nt; i++)
        if (t[i].breached) {
            char v[32], l[32];
            snprintf(buf, n, "%s %s >= %s (live)", t[i].name,
                     plan_value_text(t[i].value, t[i].unit, v, sizeof v),
                     plan_value_text(t[i].limit, t[i].unit, l, sizeof l));
            return buf;
        }
    return NULL;
}

/* Steps rolled back and nothing under way: going again is a new attempt. */
static int rolled_back(const struct runbook *rb)
{
    if (rb_busy(rb))
        return 0;
    for (size_t i = 0; i < rb_count(rb); i++)
        if (rb_step(rb, i)->state == RB_ROLLED_BACK)
            return 1;
    return 0;
}

static void advice_line(struct cut_panel *cp, int y, int x, int w)
{
    const struct plan *pl = dash_plan(cp->p->dash);
    const char *after = plan_advice_step(pl);
    char live[160];
    const char *adv = live_advice(cp, live, sizeof live);

    if (!adv)
        adv = rb_advice(RB(cp));
    if (adv)
        draw_textf(y, x, w, ROLE_BANNER, " %s ROLLBACK ADVISED: %s; the call is %s's ",
                   tui_g->warn, adv, pl->authority ? pl->authority : "(no authority named)");
    else if (!pl->ntriggers)
        draw_textf(y, x, w, ROLE_MUTED, "no rollback triggers in the plan");
    else if (!advising(cp))
        draw_textf(y, x, w, ROLE_MUTED, "rollback triggers advise once %s is done: until then "
                   "Production is being filled", after);
    else if (after)
        draw_textf(y, x, w, ROLE_OK, "%s no rollback trigger breached, live or by a run since "
                   "%s was done", tui_g->ok, after);
    else
        draw_textf(y, x, w, ROLE_OK, "%s no rollback trigger breached, live or by the last run",
                   tui_g->ok);
}

/* --- live figures ------------------------------------------------------------------ */

/* The live triggers, once: when they begin to advise is said here unless
 * the advice line above says it (`advice_above`). */
static void trigger_line(struct cut_panel *cp, struct tui_view *v, int advice_above)
{
    size_t nt, at = 0;
    const struct mon_trigger *t = mon_triggers(MON(cp), &nt);
    const char *after = plan_advice_step(dash_plan(cp->p->dash));
    char line[600] = "", a[32], b[32], when[160] = "";

    for (size_t i = 0; i < nt; i++) {
        if (t[i].value < 0)
            continue;  /* a rehearsal's trigger: the advice line has it */
        at += (size_t)snprintf(line + at, sizeof line - at, "%s%s %s %s/%s", at ? "  " : "",
                               t[i].breached ? tui_g->fail : tui_g->ok, t[i].name,
                               plan_value_text(t[i].value, t[i].unit, a, sizeof a),
                               plan_value_text(t[i].limit, t[i].unit, b, sizeof b));
        if (at >= sizeof line)
            break;
    }
    if (!advising(cp) && after) {
        if (!advice_above)
            snprintf(when, sizeof when, " (advise once %s is done)", after);
    } else if (!mon_advice_ready(MON(cp))) {
        snprintf(when, sizeof when, " (advise from the next round)");
    }
    view_add(v, ROLE_TEXT, "triggers%s: %s", when, at ? line : "none measured live");
}

/* The open alerts hypercare (cutover watch) raised, from the workspace. */
static void alert_lines(struct cut_panel *cp, struct tui_view *v)
{
    long n;
    const struct ws_alert_rec *a = dash_alerts(cp->p->dash, &n);

    for (long i = 0; i < n; i++) {
        const char *by = a[i].acknowledged_by;
        view_add(v, by ? ROLE_WARN : ROLE_FAIL, "%s ALERT %s %s since %.19s: %s; %s%s", tui_g->warn,
                 a[i].metric, a[i].level, a[i].at, a[i].message,
                 by ? "acknowledged by " : "not acknowledged (a)", by ? by : "");
        if (a[i].note)
            view_add(v, ROLE_MUTED, "    note: %s", a[i].note);
    }
}

static void found_text(const struct mon_table *t, char *buf, size_t n)
{
    if (t->window_error)
        snprintf(buf, n, "%s %s", tui_g->fail, t->window_error);
    else if (!t->validated)
        snprintf(buf, n, "not validated (needs a watermark and a key)");
    else if (t->found[MON_MISSING] || t->found[MON_STALE] || t->found[MON_DUPLICATE])
        snprintf(buf, n, "%lld missing %lld stale %lld dup of %lld", t->found[MON_MISSING],
                 t->found[MON_STALE], t->found[MON_DUPLICATE], t->checked);
    else if (t->checked)
        snprintf(buf, n, "%s %lld checked", tui_g->ok, t->checked);
    else
        snprintf(buf, n, "%s no change to check yet", tui_g->ok);
}

/* Twelve cells of a history: the latest rounds, or the last hour or the
 * whole session with the largest value of each twelfth. */
static int trend_cells(const struct hist *h, int span, double *out)
{
    return span == 2 ? hist_session(h, out, 12)
         : span == 1 ? hist_recent(h, wall_ms() - HIST_HOUR_MS, out, 12)
                     : hist_last(h, INT64_MIN, out, 12);
}

/* The probes, business checks and server health, one line per signal and side. */
static void probe_lines(struct cut_panel *cp, struct tui_view *v)
{
    size_t n;
    const struct mon_probe *pr = mon_probes(MON(cp), &n);

    if (n)
        view_add(v, ROLE_TITLE, "%-16s %-8s %12s %-12s %s", "SIGNAL", "SIDE", "VALUE",
                 trends[cp->trend], "");
    for (size_t i = 0; i < n; i++) {
        char value[32], spark[128];
        double trend[12];
        int alerting = 0;
        for (size_t k = 0; k < dash_plan(cp->p->dash)->nalerts; k++) {
            const struct plan_limit *l = &dash_plan(cp->p->dash)->alerts[k];
            if (!strcmp(l->name, pr[i].name) && pr[i].has_value &&
                plan_limit_reached(pr[i].value, l->warn >= 0 ? l->warn : l->value))
                alerting = 1;
        }
        if (pr[i].has_value)
            plan_value_text(pr[i].value, pr[i].unit, value, sizeof value);
        draw_spark(spark, sizeof spark, trend, trend_cells(&pr[i].h, cp->trend, trend));
        view_add(v, pr[i].error || alerting || (!strcmp(pr[i].name, PLAN_FAILED_CHECKS) &&
                                                pr[i].value > 0) ? ROLE_FAIL : ROLE_TEXT,
                 "%-16.16s %-8s %12s %-12s %s", pr[i].name, pr[i].side,
                 pr[i].error ? "down" : pr[i].has_value ? value : "-", spark,
                 pr[i].error ? pr[i].error : pr[i].note ? pr[i].note : "");
    }
}

static void live_lines(struct cut_panel *cp, struct tui_view *v, int advice_above)
{
    size_t n;
    const struct mon_table *t;
    long long polls, failed;

    hypercare_line(cp, v);
    alert_lines(cp, v);
    if (!MON(cp)) {
        if (dash_live_error(cp->p->dash)[0])
            view_add(v, ROLE_FAIL, "%s live polling: %s", tui_g->fail, dash_live_error(cp->p->dash));
        else
            view_add(v, ROLE_MUTED, "live polling %s", dash_paused(cp->p->dash)
                     ? "paused (Space resumes)" : "starts when both catalogs are read");
        return;
    }
    t = mon_tables(MON(cp), &n);
    mon_counts(MON(cp), &polls, &failed);
    trigger_line(cp, v, advice_above);
    if (n)
        view_add(v, ROLE_TITLE, "%-16s %8s %8s %6s %11s %6s %5s %-12s %s", "LIVE", "SOURCE",
                 "TARGET", "DELTA", "LAG", "WRITES", "MS", trends[cp->trend], "VALIDATION");
    else
        view_add(v, ROLE_MUTED, "no table is polled: none is decided migrate (d in 1 Inventory)");
    for (size_t i = 0; i < n; i++) {
        char src[24], tgt[24], delta[24], lag[24], rate[24], ms[24], found[160], spark[128];
        double trend[12];
        int bad;
        draw_spark(spark, sizeof spark, trend, trend_cells(&t[i].h_missing, cp->trend, trend));
        for (int s = 0; s < 2; s++)
            snprintf(s ? tgt : src, 24, "%s", t[i].error[s] ? "down"
                     : t[i].rows[s] < 0 ? "-" : "");
        for (int s = 0; s < 2; s++)  /* ~: PostgreSQL's estimate of a large table */
            if (!t[i].error[s] && t[i].rows[s] >= 0)
                snprintf(s ? tgt : src, 24, "%s%lld", t[i].estimated[s] ? "~" : "", t[i].rows[s]);
        snprintf(delta, sizeof delta, t[i].has_missing ? "%s%lld" : "-",
                 t[i].missing_estimated ? "~" : "", t[i].missing);
        if (t[i].has_lag && t[i].lag_ms < 0) {  /* the target has rows newer than the source's */
            char d[24];
            snprintf(lag, sizeof lag, "ahead %s", dur_human(-t[i].lag_ms, d, sizeof d));
        } else if (t[i].has_lag) {
            dur_human(t[i].lag_ms, lag, sizeof lag);
        } else {
            snprintf(lag, sizeof lag, "-");
        }
        if (t[i].changed[0] >= 0)  /* rows past the watermark; without one, the net rows */
            snprintf(rate, sizeof rate, "%lld", t[i].changed[0]);
        else
            snprintf(rate, sizeof rate, t[i].has_net[0] ? "%+lld" : "-", t[i].net[0]);
        snprintf(ms, sizeof ms, "%lld", (long long)(t[i].latency_ms[0] > t[i].latency_ms[1]
                                                    ? t[i].latency_ms[0] : t[i].latency_ms[1]));
        found_text(&t[i], found, sizeof found);
        bad = t[i].error[0] || t[i].error[1] ||
              (t[i].has_missing && !t[i].missing_estimated && t[i].missing) ||
              t[i].found[MON_MISSING] || t[i].found[MON_STALE] || t[i].found[MON_DUPLICATE] ||
              t[i].window_error;
        view_add(v, bad ? ROLE_FAIL : ROLE_TEXT, "%-16.16s %8s %8s %6s %11s %6s %5s %-12s %s",
                 t[i].name, src, tgt, delta, lag, rate, ms, spark, found);
    }
    probe_lines(cp, v);
    view_add(v, ROLE_MUTED, "%lld polls, %lld failed, every %s", polls, failed,
             dur_format(dash_interval(cp->p->dash), (char[32]){ 0 }, 32));
}

static void log_tail(const struct sbuf *log, struct tui_view *v, int lines)
{
    const char *s = log->s ? log->s : "";
    const char *end = s + log->len, *p = end;
    int n = 0;

    while (p > s && n <= lines)
        if (*--p == '\n' && p + 1 < end)
            n++;
    if (n > lines)
        p++;
    for (const char *q = p; q < end;) {
        const char *nl = memchr(q, '\n', (size_t)(end - q));
        size_t len = nl ? (size_t)(nl - q) : (size_t)(end - q);
        view_add(v, ROLE_TEXT, "  %.*s", (int)len, q);
        q += len + (nl ? 1 : 0);
    }
}

static int timeline_line(void *arg, const struct ws_rb_event *e)
{
    view_add(arg, ROLE_MUTED, "%.19s %-10s %-16s %s", e->at, e->step, e->event, e->output);
    return 0;
}

/* The timeline's last `last` events (0: all). */
static void timeline(struct cut_panel *cp, struct tui_view *v, int last)
{
    rb_timeline(RB(cp), last, timeline_line, v);
}

/* A phased plan's waves in a line: "waves: reference ✓ moved · cohort-1 ◐
 * moving · cohort-2 planned", each with where its truth lives once moved. */
static void wave_strip(struct cut_panel *cp, int y, int x, int w)
{
    size_t n;
    const struct dash_wave *wv = dash_waves(cp->p->dash, &n);
    struct sbuf b = { 0 };

    sbuf_puts(&b, "waves:");
    for (size_t i = 0; i < n; i++) {
        const char *g = !strcmp(wv[i].state, "moved") ? tui_g->ok
                      : !strcmp(wv[i].state, "moving") ? tui_g->connecting
                      : !strcmp(wv[i].state, "rolled_back") ? tui_g->fail : NULL;
        sbuf_printf(&b, "%s %s %s%s%s", i ? " ·" : "", wv[i].name, g ? g : "", g ? " " : "",
                    wv[i].state);
        if (!strcmp(wv[i].state, "moved"))
            sbuf_printf(&b, " (truth: %s)", wv[i].truth_now);
    }
    draw_clip(y, x, w, ROLE_TITLE, b.s);
    sbuf_free(&b);
}

static void draw(struct panel *p, struct rect r, int focused)
{
    struct cut_panel *cp = PRIV(p);
    int sel = table_selected(&cp->table), th;
    const struct rb_step *s = sel >= 0 ? rb_step(RB(cp), (size_t)sel) : NULL;
    struct tui_view v = { 0 };
    size_t nwaves;

    view_clear(&cp->view);
    if (dash_waves(p->dash, &nwaves) && nwaves && !p->detail && r.h > 3) {
        wave_strip(cp, r.y, r.x, r.w);  /* above the runbook */
        r.y++, r.h--;
    }
    if (!rb_count(RB(cp))) {
        draw_text(r.y, r.x, r.w, ROLE_MUTED, "No runbook: add [step NAME] sections to the plan.");
        advice_line(cp, r.y + 1, r.x, r.w);
        live_lines(cp, &v, 1);
        view_add(&v, ROLE_TITLE, "timeline:");
        timeline(cp, &v, 4);
        view_draw(&v, (struct rect){ r.y + 2, r.x, r.h - 2, r.w });
        view_clear(&v);
        return;
    }
    if (p->detail && s) {
        view_add(&cp->view, ROLE_TITLE, "%s: %s (%s)", s->plan->name, s->plan->title,
                 rb_state_name(s->state));
        char *run = url_mask_text(s->plan->run ? s->plan->run : "(none)");
        char *back = url_mask_text(s->plan->rollback ? s->plan->rollback : "(none)");
        view_add(&cp->view, ROLE_TEXT, "command: %s", run);
        view_add(&cp->view, ROLE_TEXT, "rollback: %s", back);
        free(run);
        free(back);
        if (s->reason[0])
            view_add(&cp->view, ROLE_FAIL, "%s %s", tui_g->fail, s->reason);
        view_add(&cp->view, ROLE_TITLE, "log:");
        log_tail(&s->log, &cp->view, 1000);
        live_lines(cp, &cp->view, 0);
        view_add(&cp->view, ROLE_TITLE, "timeline:");
        timeline(cp, &cp->view, 0);
        view_draw(&cp->view, r);
        return;
    }
    th = (int)rb_count(RB(cp)) + 1;
    if (th > r.h - 2)
        th = r.h - 2;
    table_draw(&cp->table, (struct rect){ r.y, r.x, th, r.w }, focused);
    advice_line(cp, r.y + th, r.x, r.w);
    if (r.h - th - 1 > 0) {
        if (rolled_back(RB(cp)))
            view_add(&v, ROLE_MUTED, "rolled back: A starts a new attempt, every step pending "
                     "again");
        live_lines(cp, &v, 1);
        if (s && s->reason[0])
            view_add(&v, ROLE_FAIL, "%s %s: %s", tui_g->fail, s->plan->name, s->reason);
        if (s) {
            view_add(&v, ROLE_TITLE, "%s log%s", s->plan->name,
                     s->log.len ? ":" : ": (nothing yet)");
            log_tail(&s->log, &v, 4);
        }
        view_add(&v, ROLE_TITLE, "timeline:");
        timeline(cp, &v, 4);
        view_draw(&v, (struct rect){ r.y + th + 1, r.x, r.h - th - 1, r.w });
        view_clear(&v);
    }
}

static void confirmed(void *ctx, int yes)
{
    struct cut_panel *cp = ctx;
    struct err e = { 0 };
    int rc = 0;

    if (!yes) {
        tui_message(0, "nothing done");
        return;
    }
    if (cp->action == K_ABORT)
        rc = rb_abort(RB(cp), &e);
    else if (cp->action == K_SKIP)
        rc = rb_skip(RB(cp), cp->step, &e);
    else if (cp->action == K_ROLLBACK)
        rc = rb_rollback(RB(cp), &e);
    else if (cp->action == K_AGAIN)
        rc = rb_new_attempt(RB(cp), &e);
    else
        rc = rb_go(RB(cp), cp->step, cp->name, &e);
    if (rc < 0)
        tui_message(1, "%s", e.msg);
    else if (cp->action == K_AGAIN)
        tui_message(0, "a new attempt: every step is pending again");
    else if (cp->action != K_ROLLBACK && cp->action != K_ABORT)
        table_select(&cp->table, (int)cp->step);  /* show the log of the step acted on */
}

__attribute__((format(printf, 2, 3)))
static void ask(struct cut_panel *cp, const char *fmt, ...)
{
    char q[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(q, sizeof q, fmt, ap);
    va_end(ap);
    tui_confirm(q, confirmed, cp);
}

static void got_note(void *ctx, const char *s)
{
    struct cut_panel *cp = ctx;
    struct err e = { 0 };

    if (!s)
        return;
    if (!*s) {
        tui_message(1, "an acknowledgement needs a note: what is being done about it");
        return;
    }
    if (dash_ack_alert(cp->p->dash, cp->ack_id, s, &e) < 0)
        tui_message(1, "%s", e.msg);
}

/* The oldest open alert nobody has acknowledged yet. */
static const struct ws_alert_rec *unacknowledged(struct cut_panel *cp)
{
    long n;
    const struct ws_alert_rec *a = dash_alerts(cp->p->dash, &n);

    for (long i = 0; i < n; i++)
        if (!a[i].acknowledged_by)
            return &a[i];
    return NULL;
}

static void got_name(void *ctx, const char *s)
{
    struct cut_panel *cp = ctx;
    const struct rb_step *st = rb_step(RB(cp), cp->step);

    if (!s)
        return;
    snprintf(cp->name, sizeof cp->name, "%s", s);
    ask(cp, "Go: %s (%s)?", st->plan->name, st->plan->title);
}

static int key(struct panel *p, int k)
{
    struct cut_panel *cp = PRIV(p);
    int action = tui_key_action(keys, k);
    size_t next = rb_next(RB(cp));
    const struct rb_step *prev;

    if (p->detail && !action)
        return view_key(&cp->view, k, 10);
    switch (action) {
    case K_OPEN:
        panel_detail_open(p);
        break;
    case K_GO:
    case K_SKIP:
        if (next == SIZE_MAX) {
            tui_message(0, "every step has run");
            break;
        }
        cp->step = next;
        cp->action = action;
        cp->name[0] = '\0';
        prev = next ? rb_step(RB(cp), next - 1) : NULL;
        if (action == K_SKIP)
            ask(cp, "Skip %s (%s)?", rb_step(RB(cp), next)->plan->name,
                rb_step(RB(cp), next)->plan->title);
        else if (prev && prev->plan->gate == GATE_MANUAL) {
            char label[160];
            snprintf(label, sizeof label, "manual gate of %s: %s types their name: ",
                     prev->plan->name, prev->plan->owner ? prev->plan->owner : "its owner");
            tui_prompt(label, "", NULL, got_name, cp);
        } else {
            ask(cp, "Go: %s (%s)?", rb_step(RB(cp), next)->plan->name,
                rb_step(RB(cp), next)->plan->title);
        }
        break;
    case K_ACK: {
        const struct ws_alert_rec *a = unacknowledged(cp);
        char label[200];
        if (!a) {
            tui_message(0, "no open alert waits for an acknowledgement");
            break;
        }
        cp->ack_id = a->id;
        snprintf(label, sizeof label, "acknowledge %s %s: note: ", a->metric, a->level);
        tui_prompt(label, "", NULL, got_note, cp);
        break;
    }
    case K_EXPORT: {
        char *path;
        struct err e = { 0 };
        if (dash_export_report(p->dash, &path, &e) < 0)
            tui_message(1, "%s", e.msg);
        else
            tui_message(0, "the acceptance report is in %s", path);
        free(path);
        break;
    }
    case K_TREND:
        cp->trend = (cp->trend + 1) % 3;
        tui_message(0, "delta trend: %s", cp->trend == 0 ? "the last 12 rounds"
                    : cp->trend == 1 ? "the last hour" : "the whole session");
        break;
    case K_ABORT:
        cp->action = K_ABORT;
        ask(cp, "Abort the running command?");
        break;
    case K_ROLLBACK:
        cp->action = K_ROLLBACK;
        ask(cp, "Roll back: run the rollback commands of the done steps, newest first?");
        break;
    case K_AGAIN:
        cp->action = K_AGAIN;
        ask(cp, "A new attempt: every step pending again (the timeline keeps this one)?");
        break;
    case K_HYPERCARE: {
        struct err e = { 0 };
        if (dash_hypercare_start(p->dash, &e) < 0)
            tui_message(1, "%s", e.msg);
        break;
    }
    default:
        return 0;
    }
    return TUI_HANDLED | TUI_REDRAW;
}

/* A new alert rings the bell once, when the plan asks for it. */
static void ring(struct cut_panel *cp)
{
    long n, newest = cp->last_alert;
    const struct ws_alert_rec *a = dash_alerts(cp->p->dash, &n);

    for (long i = 0; i < n; i++)
        if (a[i].id > newest)
            newest = a[i].id;
    if (newest > cp->last_alert && dash_plan(cp->p->dash)->hc_bell)
        tui_bell();
    cp->last_alert = newest;
}

static void update(struct panel *p, unsigned what)
{
    if (what & (DASH_PLAN | DASH_LIVE))  /* steps added or gone; states and times moved */
        table_reload(&PRIV(p)->table);
    ring(PRIV(p));
}

static struct tui_table *table(struct panel *p)
{
    return &PRIV(p)->table;
}

static int busy(struct panel *p, char *what, size_t n)
{
    return rb_running(RB(PRIV(p)), what, n);
}

const struct panel_ops panel_cutover_ops = {
    .name = "Cutover / Hypercare",
    .init = init,
    .done = done,
    .title = title,
    .draw = draw,
    .key = key,
    .update = update,
    .busy = busy,
    .table = table,
    .keys = keys,
};
