/* waves: a phased migration's waves as they stand (waves.h). */
#include "config.h"
#include "waves.h"
#include "jsonx.h"
#include "util.h"

#include <stdio.h>

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

const struct ws_run_rec *waves_last_run(const struct ws_run_rec *runs, long n, const char *wave)
{
    char *kind = xasprintf("wave %s", wave);
    const struct ws_run_rec *last = NULL;

    for (long i = n - 1; i >= 0 && !last; i--)
        if (!strcmp(runs[i].kind, kind) && !strcmp(runs[i].status, "done"))
            last = &runs[i];
    free(kind);
    return last;
}

const char *waves_truth_now(const struct plan_wave *w, const char *state)
{
    return strcmp(state, "moved") ? "pilot" : plan_truth_name(w->truth);
}

/* The wave's triggers its slice breaches while it is moving or moved: its
 * stray writes and drift so far, the rows its latest validation found
 * missing, extra or changed. */
static json_t *wave_advice(const struct plan_wave *w, const char *state,
                           const struct ws_run_rec *run, const json_t *strays)
{
    json_t *out = json_array();

    if (strcmp(state, "moving") && strcmp(state, "moved"))
        return out;  /* nothing to roll back */
    for (size_t i = 0; i < w->ntriggers; i++) {
        const struct plan_limit *l = &w->triggers[i];
        const char *m = l->name;
        long long v = !strcmp(m, "stray_writes") ? jint(strays, "stray_write")
                    : !strcmp(m, "drift_keys") ? jint(strays, "drift")
                    : !run ? -1 : !strcmp(m, "missing_rows") ? run->missing
                    : !strcmp(m, "extra_rows") ? run->extra : run->changed;
        if (v >= 0 && plan_limit_reached((double)v, l->value))
            json_array_append_new(out, json_sprintf("%s %lld (limit %g)%s", m, v, l->value,
                                  !strncmp(m, "stray", 5) || !strncmp(m, "drift", 5) ? ""
                                  : run->run ? " in its latest validation" : ""));
    }
    return out;
}

static json_t *wave_json(ws_t *ws, const struct ws_run_rec *runs, long nruns,
                         const struct plan_wave *w)
{
    struct ws_wave_rec st;
    json_t *tables = json_array(), *o;
    const struct ws_run_rec *run = waves_last_run(runs, nruns, w->name);

    ws_wave_state(ws, w->name, &st);
    for (size_t k = 0; k < w->ntables; k++)
        json_array_append_new(tables, json_string(w->tables[k]));
    o = json_pack("{s:s, s:o, s:o, s:o, s:s, s:s, s:s, s:o, s:s}", "wave", w->name,
                  "tables", tables, "where", w->where ? json_string(w->where) : json_null(),
                  "target_where", w->target_where || w->where
                  ? json_string(w->target_where ? w->target_where : w->where) : json_null(),
                  "truth", plan_truth_name(w->truth), "truth_now", waves_truth_now(w, st.state),
                  "state", st.state, "owner", w->owner ? json_string(w->owner) : json_null(),
                  "gate", plan_gate_name(w->gate));
    if (*st.at)
        json_object_set_new(o, "since", json_pack("{s:s, s:s, s:o}", "at", st.at, "user",
                            st.user, "note", *st.note ? json_string(st.note) : json_null()));
    json_object_set_new(o, "validation", run ? json_pack("{s:I, s:s, s:I}", "run",
                        (json_int_t)run->run, "result", run->result ? run->result : "fail",
                        "open", (json_int_t)run->open) : json_null());
    json_object_set_new(o, "log", ws_wave_log_json(ws, w->name));
    json_object_set_new(o, "strays", ws_wave_findings_json(ws, w->name));
    json_object_set_new(o, "advice", wave_advice(w, st.state, run, json_object_get(o, "strays")));
    return o;
}

/* The tables that move in no wave: the final, implicit one. */
size_t waves_rest(const struct plan *p, const char ***out)
{
    size_t n = 0;

    *out = xcalloc(p->ntables + 1, sizeof **out);
    for (size_t i = 0; i < p->ntables; i++) {
        const struct plan_table *t = &p->tables[i];
        int in = 0;
        if (t->decision != DEC_MIGRATE && t->decision != DEC_TEMPORARY)
            continue;  /* deleted, retained, or not decided yet: not moving */
        for (size_t w = 0; w < p->nwaves && !in; w++)
            for (size_t k = 0; k < p->waves[w].ntables && !in; k++)
                in = !strcmp(p->waves[w].tables[k], t->name);
        if (!in)
            (*out)[n++] = t->name;
    }
    return n;
}

static json_t *rest_json(const struct plan *p)
{
    json_t *tables = json_array();
    const char **names;
    size_t n = waves_rest(p, &names);

    for (size_t i = 0; i < n; i++)
        json_array_append_new(tables, json_string(names[i]));
    free(names);
    return tables;
}

json_t *waves_json(const struct plan *p, ws_t *ws)
{
    json_t *all = json_array(), *rest = rest_json(p);
    struct ws_run_rec *runs = NULL;
    long n = ws_runs_read(ws, NULL, &runs);  /* once, for every wave's latest validation */

    for (size_t i = 0; i < p->nwaves; i++)
        json_array_append_new(all, wave_json(ws, runs, n > 0 ? n : 0, &p->waves[i]));
    if (p->nwaves && json_array_size(rest)) {
        const struct ws_run_rec *run = waves_last_run(runs, n > 0 ? n : 0, WAVES_REST);
        json_array_append_new(all, json_pack("{s:s, s:O, s:b, s:o}", "wave", WAVES_REST,
            "tables", rest, "implicit", 1, "validation", run ? json_pack("{s:I, s:s, s:I}",
            "run", (json_int_t)run->run, "result", run->result ? run->result : "fail", "open",
            (json_int_t)run->open) : json_null()));
    }
    if (n > 0)
        ws_runs_free(runs, n);
    json_decref(rest);
    return all;
}

json_t *waves_of_table(const json_t *waves, const char *table)
{
    json_t *out = json_array(), *w, *t;
    size_t i, k;

    json_array_foreach(waves, i, w)
        json_array_foreach(json_object_get(w, "tables"), k, t)
            if (!strcmp(json_string_value(t), table))
                json_array_append_new(out, json_pack("{s:O, s:O, s:s, s:s}", "wave",
                    json_object_get(w, "wave"), "where", json_object_get(w, "where") ?
                    json_object_get(w, "where") : json_null(), "state",
                    json_string_value(json_object_get(w, "state")) ?
                    json_string_value(json_object_get(w, "state")) : "planned", "truth_now",
                    json_string_value(json_object_get(w, "truth_now")) ?
                    json_string_value(json_object_get(w, "truth_now")) : "pilot"));
    return out;
}

/* A diff or checks gate on the wave's latest validation `r` (NULL: none). */
static int gate_run(const struct ws_run_rec *r, const struct plan_wave *w, const char *since,
                    char *why, size_t n)
{
    if (!r)
        snprintf(why, n, "its gate (%s) needs a validation of the wave: 'cutover diff "
                 "--wave %s'", plan_gate_name(w->gate), w->name);
    else if (strcmp(r->started_at, since) < 0)
        snprintf(why, n, "its gate (%s) needs a validation since it began to move (%s): "
                 "run %ld is older; 'cutover diff --wave %s'", plan_gate_name(w->gate), since,
                 r->run, w->name);
    else if (!r->result || strcmp(r->result, "pass"))
        snprintf(why, n, "its gate (%s) says no-go: run %ld of the wave failed, %lld open "
                 "discrepanc%s", plan_gate_name(w->gate), r->run, r->open,
                 r->open == 1 ? "y" : "ies");
    else
        return 1;
    return 0;
}

/* Whether the wave's gate lets it be marked moved (it has been moving since
 * `since`): 1, or 0 with `why`. */
static int gate_holds(ws_t *ws, const struct plan_wave *w, const char *since, char *why,
                      size_t n)
{
    struct ws_run_rec *runs = NULL;
    long nruns;
    int ok;

    switch (w->gate) {
    case GATE_NONE:
        return 1;
    case GATE_MANUAL:
        if (w->owner && !strcmp(w->owner, user_name()))
            return 1;
        snprintf(why, n, "its manual gate needs its owner%s%s%s (you are %s)",
                 w->owner ? " (" : "", w->owner ? w->owner : ": the plan names none",
                 w->owner ? ")" : "", user_name());
        return 0;
    default:  /* diff, checks: the wave's latest validation, since it began to move */
        nruns = ws_runs_read(ws, NULL, &runs);
        ok = gate_run(waves_last_run(runs, nruns > 0 ? nruns : 0, w->name), w, since, why, n);
        if (nruns > 0)
            ws_runs_free(runs, nruns);
        return ok;
    }
}

/* Why `verb` does not apply to a wave in `state`. */
static const char *refusal(const char *verb, const char *state)
{
    if (!strcmp(verb, "start"))
        return !strcmp(state, "moving") ? "it is started already" : "roll it back first";
    if (!strcmp(verb, "moved"))
        return !strcmp(state, "moved") ? "it is moved already" : "start it first";
    return !strcmp(state, "planned") ? "nothing to roll back" : "it is rolled back already";
}

static const struct { const char *verb, *to, *from[3]; } moves[] = {
    { "start", "moving", { "planned", "rolled_back", NULL } },
    { "moved", "moved", { "moving", NULL, NULL } },
    { "rollback", "rolled_back", { "moving", "moved", NULL } },
};

const char *waves_move_to(const char *verb)
{
    for (size_t m = 0; m < sizeof moves / sizeof *moves; m++)
        if (!strcmp(moves[m].verb, verb))
            return moves[m].to;
    return NULL;
}

int waves_move(ws_t *ws, const struct plan_wave *w, const char *verb, const char *note,
               char from[16], struct err *e)
{
    struct ws_wave_rec st;
    char why[512];
    size_t m;
    int ok = 0, rc;

    for (m = 0; m < sizeof moves / sizeof *moves && strcmp(moves[m].verb, verb); m++)
        ;
    if (m == sizeof moves / sizeof *moves)
        return err_set(e, ERR_INPUT, "'%s': expected start, moved or rollback", verb);
    if (ws_hold(ws, e) < 0)  /* the state read is the state moved from */
        return -1;
    if (ws_wave_state(ws, w->name, &st) < 0) {
        ws_release(ws, 0);
        return err_set(e, ERR_INPUT, "cannot read the workspace's waves");
    }
    snprintf(from, 16, "%s", st.state);
    for (int k = 0; k < 3 && moves[m].from[k]; k++)
        ok |= !strcmp(st.state, moves[m].from[k]);
    if (!ok)
        rc = err_set(e, ERR_INPUT, "wave %s is %s%s%s%s: %s", w->name, st.state,
                     *st.at ? " (since " : "", st.at, *st.at ? ")" : "", refusal(verb, st.state));
    else if (m == 1 && !gate_holds(ws, w, st.at, why, sizeof why))
        rc = err_set(e, ERR_FOUND, "wave %s stays moving: %s", w->name, why);
    else
        rc = ws_wave_event(ws, w->name, moves[m].to, note, e);
    if (ws_release(ws, rc == 0) < 0 && rc == 0)
        rc = err_set(e, ERR_INPUT, "the workspace did not take the wave's move");
    return rc;
}

__attribute__((format(printf, 2, 3)))
static void reason(json_t *why, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    json_array_append_new(why, json_vsprintf(fmt, ap));
    va_end(ap);
}

void waves_verdict(const json_t *waves, json_t *why)
{
    const json_t *v, *a;
    long long n;
    size_t i, k;

    json_array_foreach(waves, i, v) {
        const json_t *val = json_object_get(v, "validation"), *st = json_object_get(v, "strays");
        const char *name = jtext(v, "wave");
        struct sbuf b = { 0 };
        if (json_is_true(json_object_get(v, "implicit")))
            continue;
        if (strcmp(jtext(v, "state"), "moved"))
            reason(why, "wave %s is %s", name, jtext(v, "state"));
        if (json_is_object(val) && strcmp(jtext(val, "result"), "pass"))
            reason(why, "wave %s: its latest validation, run %lld, failed (%lld open)", name,
                   jint(val, "run"), jint(val, "open"));
        json_array_foreach(json_object_get(v, "advice"), k, a)
            sbuf_printf(&b, "%s%s", k ? ", " : "", json_string_value(a));
        if (b.s)
            reason(why, "wave %s: rolling it back is advised by its triggers: %s", name, b.s);
        sbuf_free(&b);
        if ((n = jint(st, "stray_write")))
            reason(why, "wave %s: %lld stray write%s on the Pilot since it moved", name, n,
                   n == 1 ? "" : "s");
        if ((n = jint(st, "drift")))
            reason(why, "wave %s: %lld row%s drifted between the sides since it moved", name, n,
                   n == 1 ? "" : "s");
    }
}

/* The waves as the report's table has them: tables with their slice, since
 * when and by whom, the validation in words. */
json_t *waves_report_rows(const json_t *waves)
{
    json_t *out = json_array(), *w, *t;
    size_t i, k;

    json_array_foreach(waves, i, w) {
        const json_t *since = json_object_get(w, "since"), *val = json_object_get(w, "validation");
        struct sbuf b = { 0 };
        const json_t *st = json_object_get(w, "strays");
        char said[160] = "-", drift[80] = "-";
        json_array_foreach(json_object_get(w, "tables"), k, t)
            sbuf_printf(&b, "%s%s", k ? ", " : "", json_string_value(t));
        if (jstr(w, "where"))
            sbuf_printf(&b, " (%s)", jstr(w, "where"));
        if (json_is_object(val))
            snprintf(said, sizeof said, "run %lld %s, %lld open", jint(val, "run"),
                     jtext(val, "result"), jint(val, "open"));
        if (jint(st, "stray_write") || jint(st, "drift"))
            snprintf(drift, sizeof drift, "%lld stray, %lld drift", jint(st, "stray_write"),
                     jint(st, "drift"));
        json_array_append_new(out, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
            "drift", drift, "wave", jtext(w, "wave"), "tables", b.s ? b.s : "",
            "state", jstr(w, "state") ? jstr(w, "state") : "planned",
            "since", since ? jtext(since, "at") : "-",
            "truth_now", jstr(w, "truth_now") ? jstr(w, "truth_now") : "pilot",
            "gate", jstr(w, "gate") ? jstr(w, "gate") : "-", "validation", said));
        sbuf_free(&b);
    }
    return out;
}

/* Every wave's moves, oldest first: at, wave, state, user, note. */
json_t *waves_log_rows(const json_t *waves)
{
    json_t *out = json_array(), *w, *e;
    size_t i, k;

    json_array_foreach(waves, i, w)
        json_array_foreach(json_object_get(w, "log"), k, e) {
            json_t *row = json_deep_copy(e);
            size_t at = json_array_size(out);
            json_object_set_new(row, "wave", json_string(jtext(w, "wave")));
            if (!json_is_string(json_object_get(row, "note")))
                json_object_set_new(row, "note", json_string("-"));
            while (at > 0 && strcmp(jtext(json_array_get(out, at - 1), "at"), jtext(row, "at")) > 0)
                at--;  /* in time order across the waves, each wave's own order kept */
            json_array_insert_new(out, at, row);
        }
    return out;
}

json_t *waves_stray_rows(const json_t *waves)
{
    json_t *out = json_array(), *w, *f;
    size_t i, k;

    json_array_foreach(waves, i, w)
        json_array_foreach(json_object_get(json_object_get(w, "strays"), "sample"), k, f) {
            char *key = jsonx_dumps(json_object_get(f, "key"), JSON_COMPACT | JSON_SORT_KEYS);
            json_array_append_new(out, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "wave",
                                  jtext(w, "wave"), "kind", jtext(f, "kind"), "table",
                                  jtext(f, "table"), "key", key, "side", jtext(f, "side"),
                                  "at", jtext(f, "at")));
            free(key);
        }
    return out;
}
