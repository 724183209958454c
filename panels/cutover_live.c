/* The Cutover panel's live part: the rollback advice, every migrated
 * table's figures with its trend and validation (stray writes and drift of
 * a moved wave first), the probes, the triggers and the open alerts. */
#include "config.h"
#include "cutover_int.h"
#include "monitor.h"
#include "jsonx.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const cut__trends[] = { "12 ROUNDS", "HOUR", "SESSION" };

/* Triggers advise rollback once the target is meant to hold the data
 * (rb_advising_since). */
static int advising(const struct cut_panel *cp)
{
    return rb_advising_since(RB(cp)) != NULL;
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
int cut__rolled_back(const struct runbook *rb)
{
    if (rb_busy(rb))
        return 0;
    for (size_t i = 0; i < rb_count(rb); i++)
        if (rb_step(rb, i)->state == RB_ROLLED_BACK)
            return 1;
    return 0;
}

void cut__advice_line(struct cut_panel *cp, int y, int x, int w)
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
    if (t->found[MON_STRAY] || t->found[MON_DRIFT])  /* a moved wave's: they come first */
        snprintf(buf, n, "%s %lld stray writes, %lld drift", tui_g->fail, t->found[MON_STRAY],
                 t->found[MON_DRIFT]);
    else if (t->window_error)
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
                 cut__trends[cp->trend], "");
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

void cut__live_lines(struct cut_panel *cp, struct tui_view *v, int advice_above)
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
                 "TARGET", "DELTA", "LAG", "WRITES", "MS", cut__trends[cp->trend], "VALIDATION");
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
              t[i].found[MON_STRAY] || t[i].found[MON_DRIFT] || t[i].window_error;
        view_add(v, bad ? ROLE_FAIL : ROLE_TEXT, "%-16.16s %8s %8s %6s %11s %6s %5s %-12s %s",
                 t[i].name, src, tgt, delta, lag, rate, ms, spark, found);
    }
    probe_lines(cp, v);
    view_add(v, ROLE_MUTED, "%lld polls, %lld failed, every %s", polls, failed,
             dur_format(dash_interval(cp->p->dash), (char[32]){ 0 }, 32));
}

