/* waves: a phased migration's waves as they stand (waves.h). */
#include "config.h"
#include "waves.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

long waves_last_run(ws_t *ws, const char *wave, int *passed, long *open, char *started,
                    size_t n)
{
    char *kind = xasprintf("wave %s", wave);
    long run = ws_last_run_of(ws, kind, passed, open, started, n);

    free(kind);
    return run;
}

const char *waves_truth_now(const struct plan_wave *w, const char *state)
{
    return strcmp(state, "moved") ? "pilot" : plan_truth_name(w->truth);
}

static json_t *wave_json(ws_t *ws, const struct plan_wave *w)
{
    struct ws_wave_rec st;
    json_t *tables = json_array(), *o;
    int passed;
    long open, run;
    char started[40];

    ws_wave_state(ws, w->name, &st);
    run = waves_last_run(ws, w->name, &passed, &open, started, sizeof started);
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
                        (json_int_t)run, "result", passed ? "pass" : "fail", "open",
                        (json_int_t)open) : json_null());
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

    for (size_t i = 0; i < p->nwaves; i++)
        json_array_append_new(all, wave_json(ws, &p->waves[i]));
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
