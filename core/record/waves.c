/* waves: a phased migration's waves as they stand (waves.h). */
#include "config.h"
#include "waves.h"
#include "util.h"

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
    return o;
}

/* The tables that move in no wave: the final, implicit one. */
static json_t *rest_json(const struct plan *p)
{
    json_t *tables = json_array();

    for (size_t i = 0; i < p->ntables; i++) {
        const struct plan_table *t = &p->tables[i];
        int in = 0;
        if (t->decision == DEC_DELETE || t->decision == DEC_RETAIN)
            continue;
        for (size_t w = 0; w < p->nwaves && !in; w++)
            for (size_t k = 0; k < p->waves[w].ntables && !in; k++)
                in = !strcmp(p->waves[w].tables[k], t->name);
        if (!in)
            json_array_append_new(tables, json_string(t->name));
    }
    return tables;
}

json_t *waves_json(const struct plan *p, ws_t *ws)
{
    json_t *all = json_array(), *rest = rest_json(p);
    struct ws_run_rec *runs = NULL;
    long n = ws_runs_read(ws, NULL, &runs);  /* once, for every wave's latest validation */

    for (size_t i = 0; i < p->nwaves; i++)
        json_array_append_new(all, wave_json(ws, runs, n > 0 ? n : 0, &p->waves[i]));
    if (n > 0)
        ws_runs_free(runs, n);
    if (p->nwaves && json_array_size(rest))
        json_array_append_new(all, json_pack("{s:s, s:O, s:b}", "wave", "(rest)", "tables",
                                             rest, "implicit", 1));
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
