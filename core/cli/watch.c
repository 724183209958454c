/* cli/watch: cutover watch, live polling and hypercare headless. */
#include "config.h"
#include "cli.h"
#include "cli_int.h"
#include "rehearsal.h"
#include "monitor.h"
#include "util.h"

#include <string.h>

/* --- watch ------------------------------------------------------------------- */

struct watch {
    int headless;
    int64_t for_ms, interval_ms;
    mon_t *mon;
    ws_t *ws;
    int was_down[2];
    long last_event;            /* the runbook log's, for step events */
    struct ws_session hs;       /* the hypercare session this run belongs to */
    int completes;              /* this run reaches the session's end */
    int64_t until_ms;           /* when this run stops, on cutover's clock */
    uv_timer_t stop_timer, step_timer;
    uv_signal_t sig[3];         /* SIGINT, SIGTERM, SIGHUP: stop, the session interrupted */
    long long polls, failed;    /* at the stop */
    const char *stop_reason, *authority;
    /* the text form: a line a round, and one a change */
    long long tick, told_tick;  /* the latest round sampled; the latest told */
    struct told { char *what, *error; } *told;  /* a poll's or probe's last error, by what */
    size_t ntold;
};

static int watch_opt(int opt, const char *arg, void *ctx)
{
    struct watch *w = ctx;
    int64_t *dst = opt == OPT_FOR ? &w->for_ms : &w->interval_ms;

    if (opt == OPT_HEADLESS) {
        w->headless = 1;
        return 0;
    }
    if ((*dst = dur_parse_ms(arg)) <= 0) {
        cli_usage("watch", "'%s' is not a duration (try 30s, 15m, 72h)", arg);
        return 1;
    }
    return 0;
}

/* An event's value in its unit, as people read it: 1234567, 30m20s, 2.5%. */
static const char *ev_value(const json_t *ev, const char *key, char *buf, size_t n)
{
    return plan_value_text(jnum(ev, key), plan_unit_of(jtext(ev, "unit")), buf, n);
}

/* Whether `what` (a table's side, a probe) fails differently from the last
 * time it was told: a poll or probe line is a change, or nothing. */
static int error_changed(struct watch *w, const char *what, const char *error)
{
    struct told *t = NULL;
    int changed;

    for (size_t i = 0; i < w->ntold && !t; i++)
        if (!strcmp(w->told[i].what, what))
            t = &w->told[i];
    if (!t) {
        if (!error)
            return 0;  /* fine from the start: the round line says it */
        w->told = xrealloc(w->told, (w->ntold + 1) * sizeof *w->told);
        t = &w->told[w->ntold++];
        *t = (struct told){ xstrdup(what), NULL };
    }
    changed = !t->error != !error || (error && strcmp(error, t->error));
    free(t->error);
    t->error = error ? xstrdup(error) : NULL;
    return changed;
}

/* In the text form, what a person is told of an event: polls, probes and
 * windows that found nothing go into the round's line (watch_judged). */
static int worth_a_line(struct watch *w, const json_t *ev)
{
    const char *type = jtext(ev, "type");
    char what[600];

    if (!strcmp(type, "poll")) {
        if (json_is_integer(json_object_get(ev, "tick")) && jint(ev, "tick") > w->tick)
            w->tick = jint(ev, "tick");
        if (json_is_true(json_object_get(ev, "skipped")))
            return 1;  /* a poll slower than the interval: worth knowing each time */
        snprintf(what, sizeof what, "poll %s %s", jtext(ev, "table"), jtext(ev, "side"));
        return error_changed(w, what, jstr(ev, "error"));
    }
    if (!strcmp(type, "probe")) {
        snprintf(what, sizeof what, "probe %s %s", jtext(ev, "name"), jtext(ev, "side"));
        return error_changed(w, what, jstr(ev, "error"));
    }
    if (!strcmp(type, "window"))
        return jstr(ev, "error") || jint(ev, "missing") || jint(ev, "stale") ||
               jint(ev, "duplicate");
    return 1;
}

/* One event: NDJSON headless, else a line for a person (or none, see
 * worth_a_line). Takes `ev`. */
static void watch_emit(struct watch *w, json_t *ev)
{
    char ts[32], v[32], l[32];
    time_t now = (time_t)(wall_ms() / 1000);

    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    json_object_set_new(ev, "time", json_string(ts));
    if (w->headless) {
        jsonx_dumpf(ev, stdout, JSON_COMPACT);
        fputc('\n', stdout);
    } else if (worth_a_line(w, ev)) {
        const char *type = jstr(ev, "type");
        printf("%s %-10s", ts, type);
        if (!strcmp(type, "poll") && json_is_true(json_object_get(ev, "skipped")))
            printf(" %s %s: skipped, the previous poll still runs", jstr(ev, "table"),
                   jstr(ev, "side"));
        else if (!strcmp(type, "poll") && jstr(ev, "error"))
            printf(" %s %s: %s", jstr(ev, "table"), jstr(ev, "side"), jstr(ev, "error"));
        else if (!strcmp(type, "poll"))  /* back after an error */
            printf(" %s %s: answers again, %lld rows", jstr(ev, "table"), jstr(ev, "side"),
                   jint(ev, "rows"));
        else if (!strcmp(type, "probe"))
            printf(" %s %s: %s", jstr(ev, "name"), jstr(ev, "side"),
                   jstr(ev, "error") ? jstr(ev, "error") : "answers again");
        else if (!strcmp(type, "trigger"))
            printf(" %s %s: %s (limit %s)%s%s", jstr(ev, "trigger"), jstr(ev, "state"),
                   ev_value(ev, "value", v, sizeof v), ev_value(ev, "limit", l, sizeof l),
                   jstr(ev, "advice") ? ", ROLLBACK ADVISED, authority " : "",
                   jstr(ev, "advice") ? (jstr(ev, "authority") ? jstr(ev, "authority") : "not named") : "");
        else if (!strcmp(type, "window") && jstr(ev, "error"))
            printf(" %s (%s, %s]: not checked: %s", jstr(ev, "table"), jstr(ev, "from"),
                   jstr(ev, "to"), jstr(ev, "error"));
        else if (!strcmp(type, "window"))
            printf(" %s (%s, %s]: %lld rows checked, %lld missing, %lld stale, %lld duplicate%s",
                   jstr(ev, "table"), jstr(ev, "from"), jstr(ev, "to"), jint(ev, "rows"),
                   jint(ev, "missing"), jint(ev, "stale"), jint(ev, "duplicate"),
                   jint(ev, "unchecked") ? ", more rows than checked" : "");
        else if (!strcmp(type, "discrepancy")) {
            char *key = jsonx_dumps(json_object_get(ev, "key"), JSON_COMPACT);
            printf(" %s %s %s", jstr(ev, "table"), jstr(ev, "kind"), key);
            free(key);
        }
        else if (!strcmp(type, "alert"))
            printf(" %s %s %s: %s (level %s)", jstr(ev, "metric"), jstr(ev, "level"),
                   jstr(ev, "state"), ev_value(ev, "value", v, sizeof v),
                   ev_value(ev, "threshold", l, sizeof l));
        else if (!strcmp(type, "step"))
            printf(" %s %s%s%s", jstr(ev, "step"), jstr(ev, "event"),
                   jstr(ev, "detail") ? ": " : "", jstr(ev, "detail") ? jstr(ev, "detail") : "");
        else if (!strcmp(type, "start")) {
            char every[32], span[32];
            printf(" hypercare session %lld %s: %lld tables every %s, for %s from %s",
                   jint(ev, "session"), json_is_true(json_object_get(ev, "resumed")) ? "resumed"
                   : "started", jint(ev, "tables"),
                   dur_format(jint(ev, "interval_ms"), every, sizeof every),
                   dur_format(jint(ev, "duration_ms"), span, sizeof span), jstr(ev, "started_at"));
        }
        else if (!strcmp(type, "summary"))
            printf(" hypercare session %lld complete: %lld polls, %lld failed; the summary is in "
                   "the workspace", jint(ev, "session"), jint(ev, "polls"), jint(ev, "failed"));
        else if (!strcmp(type, "connection"))
            printf(" %s %s%s%s", jstr(ev, "side"), jstr(ev, "state"), jstr(ev, "error") ? ": " : "",
                   jstr(ev, "error") ? jstr(ev, "error") : "");
        else if (!strcmp(type, "stop"))
            printf(" %s", jstr(ev, "reason") ? jstr(ev, "reason") : "stopped");
        else
            printf(" %s", jtext(ev, "round"));  /* the round line (watch_judged) */
        putchar('\n');
    }
    fflush(stdout);  /* a pipe must see each event as it happens */
    json_decref(ev);
}


/* Text form: a round is settled (every side answered it), so its line:
 * totals, the worst table, failed polls, alerts open. */
static void watch_judged(void *arg)
{
    struct watch *w = arg;
    size_t n;
    const struct mon_table *t = w->mon && !w->stop_reason ? mon_tables(w->mon, &n) : NULL;
    const struct mon_table *worst = NULL, *slowest = NULL;
    long long rows[2] = { 0, 0 }, missing = 0, polls, failed;
    struct sbuf b = { 0 };
    char d[32];

    if (w->headless || w->stop_reason || !t || w->tick <= w->told_tick)
        return;
    w->told_tick = w->tick;
    for (size_t i = 0; i < n; i++) {
        for (int s = 0; s < 2; s++)
            rows[s] += t[i].rows[s] > 0 ? t[i].rows[s] : 0;
        if (t[i].has_missing) {
            missing += t[i].missing;
            if (t[i].missing && (!worst || llabs(t[i].missing) > llabs(worst->missing)))
                worst = &t[i];
        }
        if (t[i].has_lag && t[i].lag_ms > 0 && (!slowest || t[i].lag_ms > slowest->lag_ms))
            slowest = &t[i];
    }
    mon_counts(w->mon, &polls, &failed);
    sbuf_printf(&b, "%lld: %zu tables, %lld rows source, %lld target, %lld missing", w->tick, n,
                rows[0], rows[1], missing);
    if (worst)
        sbuf_printf(&b, " (most: %s %lld)", worst->name, worst->missing);
    if (slowest)
        sbuf_printf(&b, ", lag %s (%s)", dur_format(slowest->lag_ms, d, sizeof d), slowest->name);
    sbuf_printf(&b, ", %lld polls %lld failed, %d alert%s open", polls, failed,
                mon_open_alerts(w->mon), mon_open_alerts(w->mon) == 1 ? "" : "s");
    watch_emit(w, json_pack("{s:s, s:s}", "type", "round", "round", b.s));
    sbuf_free(&b);
}

static void watch_sample(const struct live_sample *s, void *arg)
{
    struct watch *w = arg;
    json_t *ev = json_pack("{s:s, s:I, s:s, s:s, s:s}", "type", "poll", "tick", (json_int_t)s->tick,
                           "table", s->table, "target_table", s->target_table, "side",
                           plan_side_name(s->side));

    if (s->skipped) {
        json_object_set_new(ev, "skipped", json_true());
        watch_emit(w, ev);
        return;
    }
    if (s->error) {
        json_object_set_new(ev, "error", json_string(s->error));
    } else {
        json_object_set_new(ev, "rows", json_integer(s->rows));
        if (s->estimated)
            json_object_set_new(ev, "estimated", json_true());
        json_object_set_new(ev, "watermark", s->watermark ? json_string(s->watermark) : json_null());
        json_object_set_new(ev, "changed", s->changed >= 0 ? json_integer(s->changed) : json_null());
        json_object_set_new(ev, "latency_ms", json_integer(s->latency_ms));
    }
    json_object_set_new(ev, "missing", s->missing != -1 ? json_integer(s->missing) : json_null());
    if (s->missing_estimated)
        json_object_set_new(ev, "missing_estimated", json_true());
    json_object_set_new(ev, "lag_ms", s->has_lag ? json_integer(s->lag_ms) : json_null());
    watch_emit(w, ev);
}

static void watch_trigger(const struct live_trigger *t, void *arg)
{
    struct watch *w = arg;
    const struct plan_limit *l = t->limit;
    json_t *ev = json_pack("{s:s, s:s, s:s, s:f, s:f, s:s}", "type", "trigger", "trigger", l->name,
                           "state", t->breached ? "breached" : "cleared", "value", t->value,
                           "limit", l->value, "unit", plan_unit_name(l->unit));

    if (t->wave)
        json_object_set_new(ev, "wave", json_string(t->wave));
    if (t->breached)
        json_object_set_new(ev, "advice", json_string(t->wave ? "ROLLBACK OF THE WAVE ADVISED"
                                                               : "ROLLBACK ADVISED"));
    json_object_set_new(ev, "authority", w->authority ? json_string(w->authority) : json_null());
    watch_emit(w, ev);
}

static void watch_finding(long long tick, const struct win_result *r, const struct diff_disc *d,
                          void *arg)
{
    json_t *ev = reh_discrepancy_json(d);

    (void)r;
    json_object_set_new(ev, "tick", json_integer(tick));
    watch_emit(arg, ev);
}

/* A wave's stray write or drift (stray.h), as a discrepancy. */
static void watch_stray(const struct stray_finding *f, void *arg)
{
    struct watch *w = arg;

    watch_emit(w, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:O, s:s, s:s, s:I}", "type",
                            "discrepancy", "kind", f->kind, "wave", f->wave, "table", f->table,
                            "target_table", f->target_table, "side", plan_side_name(f->side),
                            "key", f->key, "at", f->at, "since", f->since, "tick",
                            (json_int_t)w->tick));
}

static void watch_window(long long tick, const struct win_result *r, void *arg)
{
    json_t *ev = json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I}", "type",
                           "window", "tick", (json_int_t)tick, "table", r->table, "target_table",
                           r->target_table, "from", r->lo, "to", r->hi, "rows", (json_int_t)r->keys,
                           "missing", (json_int_t)r->missing, "stale", (json_int_t)r->stale,
                           "duplicate", (json_int_t)r->duplicates, "unchecked",
                           (json_int_t)r->unchecked);

    json_object_set_new(ev, "error", r->error ? json_string(r->error) : json_null());
    watch_emit(arg, ev);
}

static void watch_warn(const char *msg, void *arg)
{
    (void)arg;
    fprintf(stderr, "cutover: warning: %s\n", msg);
}

static void watch_alert(json_t *alert, void *arg)
{
    watch_emit(arg, json_deep_copy(alert));
}

static void watch_connection(int side, int up, const char *why, void *arg)
{
    struct watch *w = arg;
    json_t *ev;

    if (w->ws && (!up) != w->was_down[side])  /* a change: onto the timeline */
        ws_connection_event(w->ws, plan_side_name(side), up, why, &(struct err){ 0 });
    w->was_down[side] = !up;
    ev = json_pack("{s:s, s:s, s:s}", "type", "connection", "side", plan_side_name(side), "state",
                   up ? "up" : "down");
    if (!up)
        json_object_set_new(ev, "error", json_string(why));
    watch_emit(w, ev);
}

/* Runbook events recorded since the last look (by the dashboard that runs
 * the steps): step starts, gate decisions, exits, rollback. The events
 * watch makes itself (triggers, connections, alerts, the session) are left
 * out. */
static void watch_steps(uv_timer_t *h)
{
    struct watch *w = h->data;
    json_t *events = ws_runbook_json(w->ws, 0, w->last_event), *v;
    size_t i;

    json_array_foreach(events, i, v) {
        const char *step = jstr(v, "step");
        w->last_event = (long)jint(v, "id");
        if (!strcmp(step, "trigger") || !strcmp(step, "source") || !strcmp(step, "target") ||
            !strcmp(step, "alert") || !strcmp(step, "hypercare"))
            continue;
        watch_emit(w, json_pack("{s:s, s:s, s:s, s:O, s:O, s:O, s:O, s:O}", "type", "step",
                                "step", step, "event", jstr(v, "event"), "at",
                                json_object_get(v, "at"), "user", json_object_get(v, "user"),
                                "exit_status", json_object_get(v, "exit_status"), "duration_ms",
                                json_object_get(v, "duration_ms"), "detail",
                                json_object_get(v, "output")));
    }
    json_decref(events);
}

static void hypercare_event(struct watch *w, const char *event, const char *detail)
{
    struct err e = { 0 };

    if (w->ws && ws_runbook_event(w->ws, "hypercare", event, user_name(), 0, 0, detail, &e) < 0)
        fprintf(stderr, "cutover: warning: %s\n", e.msg);
}

static void watch_stop(struct watch *w, const char *reason)
{
    int complete = w->completes && !strcmp(reason, "duration");
    char at[64], *text = NULL;
    json_t *sum = NULL;

    if (w->stop_reason)
        return;
    w->stop_reason = reason;
    mon_counts(w->mon, &w->polls, &w->failed);
    ws_session_clock(&w->hs, at, sizeof at);
    ws_settle(w->ws);  /* the summary is of what the workspace holds */
    if (complete && w->ws) {  /* from what the whole session recorded, restarts included */
        struct ws_session hs = w->hs;
        hs.id = mon_session(w->mon);
        sum = ws_session_final(w->ws, &hs);
        text = jsonx_dumps(sum, JSON_COMPACT);
    }
    mon_stop(w->mon, complete ? "completed" : "interrupted", text);
    if (complete) {
        long long found = 0;
        size_t i;
        json_t *f;
        char *detail;
        json_array_foreach(sum ? json_object_get(sum, "findings") : NULL, i, f)
            found += jint(f, "n");
        detail = xasprintf("%s: %lld polls, %lld failed, %lld findings", at,
                           sum ? jint(sum, "polls") : w->polls,
                           sum ? jint(sum, "failed") : w->failed, found);
        hypercare_event(w, "completed", detail);
        free(detail);
        if (sum) {
            json_object_set_new(sum, "type", json_string("summary"));
            watch_emit(w, sum);
        }
    } else {
        char *detail = xasprintf("%s at %s; cutover watch resumes it", reason, at);
        hypercare_event(w, "interrupted", detail);
        free(detail);
        json_decref(sum);
    }
    free(text);
    w->mon = NULL;
    uv_close((uv_handle_t *)&w->stop_timer, NULL);
    uv_close((uv_handle_t *)&w->step_timer, NULL);
    for (int i = 0; i < 3; i++)
        uv_close((uv_handle_t *)&w->sig[i], NULL);
}

static void watch_on_signal(uv_signal_t *h, int signum)
{
    watch_stop(h->data, cli_signal_name(signum));
}

static void watch_on_timer(uv_timer_t *h)
{
    watch_stop(h->data, "duration");
}

static void watch_probe(const struct probe_sample *p, void *arg)
{
    json_t *ev = json_pack("{s:s, s:I, s:s, s:s, s:s, s:I}", "type", "probe", "tick",
                           (json_int_t)p->tick, "name", p->name, "side", p->side, "unit",
                           plan_unit_name(p->unit), "latency_ms", (json_int_t)p->latency_ms);

    json_object_set_new(ev, "value", p->error ? json_null() : json_real(p->value));
    json_object_set_new(ev, "error", p->error ? json_string(p->error) : json_null());
    if (p->note)
        json_object_set_new(ev, "note", json_string(p->note));
    watch_emit(arg, ev);
}

/* On the simulated clock (tests only) the session ends by that clock. */
static void watch_round(long long tick, void *arg)
{
    struct watch *w = arg;
    (void)tick;

    if (wall_ms() >= w->until_ms)
        watch_stop(w, "duration");
}

int cli_cmd_watch(struct cli *c, int argc, char **argv)
{
    static const struct option lo[] = {
        { "headless", no_argument, NULL, OPT_HEADLESS },
        { "for", required_argument, NULL, OPT_FOR },
        { "interval", required_argument, NULL, OPT_INTERVAL },
        { "help", no_argument, NULL, OPT_HELP }, { 0 } };
    struct watch w = { 0 };
    struct live_events ev = { .on_sample = watch_sample, .on_trigger = watch_trigger,
                              .on_finding = watch_finding, .on_window = watch_window,
                              .on_round = watch_round, .on_probe = watch_probe,
                              .on_judged = watch_judged, .on_stray = watch_stray, .arg = &w };
    struct mon_events mev = { .warn = watch_warn, .forward = &ev, .connection = watch_connection,
                              .arg = &w };
    struct mon_opts mo = { .kind = "hypercare", .on_alert = watch_alert, .alert_arg = &w };
    struct err e = { 0 };
    struct loaded l;
    uv_loop_t loop;
    int64_t run_ms;
    int lock = -1, rc = cli_parse_opts("watch", argc, argv, lo, watch_opt, &w);

    if (rc || optind < argc)
        return rc < 0 ? cli_help("watch") : rc ? rc
             : cli_usage("watch", "unexpected argument '%s'", argv[optind]);
    if (cli_load(c->plan_path, &cli_counts_none, &l, &e) < 0)
        return cli_fail(&e);
    {
        char *path = plan_path(l.plan, l.plan->workspace);
        if (!(w.ws = ws_open(path, &e)))
            fprintf(stderr, "cutover: warning: nothing will be recorded: %s\n", e.msg);
        else if ((lock = ws_take_lock(w.ws, "watch")) < 0)  /* one session, one watcher */
            err_set(&e, ERR_INPUT, lock == -1 ? "%s: another cutover watch records hypercare "
                    "on this workspace; one at a time: stop that one first (the dashboard "
                    "shows what it records)" : "%s.watch-lock: cannot open it: %s", path,
                    strerror(errno));
        free(path);
        if (w.ws && lock < 0) {
            ws_close(w.ws);
            cli_loaded_free(&l);
            return cli_fail(&e);
        }
        e = (struct err){ 0 };
    }
    w.authority = l.plan->authority;
    if (!w.interval_ms)
        w.interval_ms = l.plan->hc_interval_ms > 0 ? l.plan->hc_interval_ms : 30000;
    /* the hypercare session: the open one goes on, else a new one begins */
    mo.interval_ms = w.interval_ms;
    mo.ws = w.ws;
    if (w.ws && ws_session_open(w.ws, "hypercare", &w.hs) == 1) {
        int64_t left = w.hs.started_ms + w.hs.duration_ms - w.hs.now_ms;
        mo.resume = w.hs.id;
        run_ms = w.for_ms && w.for_ms < left ? w.for_ms : left;
        w.completes = run_ms == left;
    } else {
        w.hs = (struct ws_session){ .started_ms = wall_ms(),
                                    .duration_ms = w.for_ms ? w.for_ms : l.plan->hc_duration_ms };
        clock_iso(w.hs.started_at, sizeof w.hs.started_at);
        run_ms = mo.duration_ms = w.hs.duration_ms;
        w.completes = 1;
    }
    uv_loop_init(&loop);
    if (!(w.mon = mon_open(&loop, l.plan, &l.pp, &mo, &mev, &e))) {
        uv_run(&loop, UV_RUN_DEFAULT);
        uv_loop_close(&loop);
        ws_close(w.ws);
        if (lock >= 0)
            close(lock);
        cli_loaded_free(&l);
        return cli_fail(&e);
    }
    {
        char clock[64], detail[160], gap[32];
        int64_t now = wall_ms();
        int64_t last = w.hs.last_sample_ms ? w.hs.last_sample_ms : w.hs.started_ms;
        json_t *start = json_pack("{s:s, s:I, s:b, s:s, s:I, s:I, s:I, s:I}", "type", "start",
                               "session", (json_int_t)mon_session(w.mon), "resumed", mo.resume > 0,
                               "started_at", w.hs.started_at, "duration_ms",
                               (json_int_t)w.hs.duration_ms, "elapsed_ms",
                               (json_int_t)(now - w.hs.started_ms), "tables",
                               (json_int_t)mon_ntables(w.mon), "interval_ms",
                               (json_int_t)w.interval_ms);
        ws_session_clock(&w.hs, clock, sizeof clock);
        if (mo.resume > 0) {  /* the gap: nothing was sampled since the last sample */
            json_object_set_new(start, "gap_ms", json_integer(now - last));
            snprintf(detail, sizeof detail, "%s, after a gap of %s with no samples", clock,
                     dur_human(now - last, gap, sizeof gap));
            hypercare_event(&w, "resumed", detail);
        } else {
            snprintf(detail, sizeof detail, "%s, every %s", clock,
                     dur_format(w.interval_ms, gap, sizeof gap));
            hypercare_event(&w, "started", detail);
        }
        watch_emit(&w, start);
    }
    uv_timer_init(&loop, &w.stop_timer);
    w.stop_timer.data = &w;
    uv_timer_init(&loop, &w.step_timer);
    w.step_timer.data = &w;
    if (w.ws) {  /* from now on: the history is `cutover timeline`'s */
        w.last_event = ws_runbook_last(w.ws);
        uv_timer_start(&w.step_timer, watch_steps, 1000, 1000);
    }
    w.until_ms = wall_ms() + (run_ms > 0 ? run_ms : 0);
    if (!clock_simulated())
        uv_timer_start(&w.stop_timer, watch_on_timer, (uint64_t)(run_ms > 0 ? run_ms : 0), 0);
    cli_catch_signals(&loop, w.sig, watch_on_signal, &w);
    uv_run(&loop, UV_RUN_DEFAULT);
    watch_emit(&w, json_pack("{s:s, s:s, s:I, s:I}", "type", "stop", "reason", w.stop_reason,
                             "polls", (json_int_t)w.polls, "failed", (json_int_t)w.failed));
    uv_loop_close(&loop);
    ws_close(w.ws);
    if (lock >= 0)
        close(lock);
    cli_loaded_free(&l);
    for (size_t i = 0; i < w.ntold; i++)
        free(w.told[i].what), free(w.told[i].error);
    free(w.told);
    return 0;
}
