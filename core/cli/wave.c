/* cutover waves, cutover wave NAME start|moved|rollback: a phased
 * migration's waves and their states (DESIGN.md, "Waves"). */
#include "config.h"
#include "cli_int.h"
#include "jsonx.h"
#include "waves.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct wave_opts {
    int json;
    const char *note;
};

static int wave_opt(int opt, const char *arg, void *ctx)
{
    struct wave_opts *o = ctx;

    if (opt == OPT_JSON)
        o->json = 1;
    else
        o->note = arg;
    return 0;
}

int cli_cmd_waves(struct cli *c, int argc, char **argv)
{
    static const struct option lo[] = {
        { "json", no_argument, NULL, OPT_JSON }, { "help", no_argument, NULL, OPT_HELP },
        { 0 } };
    struct wave_opts o = { 0 };
    struct err e = { 0 };
    struct plan *p;
    ws_t *ws;
    json_t *all, *v;
    size_t i;
    int rc = cli_parse_opts("waves", argc, argv, lo, wave_opt, &o);

    if (rc || optind < argc)
        return rc < 0 ? cli_help("waves") : rc ? rc
             : cli_usage("waves", "unexpected argument '%s'", argv[optind]);
    if (!(p = plan_load(c->plan_path, &e)))
        return cli_fail(&e);
    if (!(ws = cli_workspace(c, &e))) {
        plan_free(p);
        return cli_fail(&e);
    }
    all = waves_json(p, ws);
    if (o.json) {
        cli_print_json(all);
    } else if (!p->nwaves) {
        printf("no [wave] in %s: one big-bang cutover\n", p->path);
        json_decref(all);
    } else {
        printf("%-16s %-12s %-11s %-10s %-10s %-22s %s\n", "WAVE", "STATE", "TRUTH NOW", "GATE",
               "OWNER", "VALIDATION", "TABLES (SLICE)");
        json_array_foreach(all, i, v) {
            json_t *val = json_object_get(v, "validation"), *t;
            char check[48] = "-", *tables = NULL;
            struct sbuf b = { 0 };
            size_t k;
            if (json_is_object(val))
                snprintf(check, sizeof check, "run %lld %s, %lld open", jint(val, "run"),
                         jstr(val, "result"), jint(val, "open"));
            json_array_foreach(json_object_get(v, "tables"), k, t)
                sbuf_printf(&b, "%s%s", k ? ", " : "", json_string_value(t));
            tables = sbuf_take(&b);
            printf("%-16s %-12s %-11s %-10s %-10s %-22s %s%s%s%s\n", jstr(v, "wave"),
                   jstr(v, "state") ? jstr(v, "state") : "-", jstr(v, "truth_now") ?
                   jstr(v, "truth_now") : "pilot", jstr(v, "gate") ? jstr(v, "gate") : "-",
                   jstr(v, "owner") ? jstr(v, "owner") : "-", check, tables,
                   jstr(v, "where") ? " (" : "", jtext(v, "where"), jstr(v, "where") ? ")" : "");
            free(tables);
        }
        json_decref(all);
    }
    ws_close(ws);
    plan_free(p);
    return 0;
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

int cli_cmd_wave(struct cli *c, int argc, char **argv)
{
    static const struct option lo[] = {
        { "note", required_argument, NULL, OPT_NOTE }, { "help", no_argument, NULL, OPT_HELP },
        { 0 } };
    static const struct { const char *verb, *to, *from[3]; } moves[] = {
        { "start", "moving", { "planned", "rolled_back", NULL } },
        { "moved", "moved", { "moving", NULL, NULL } },
        { "rollback", "rolled_back", { "moving", "moved", NULL } },
    };
    struct wave_opts o = { 0 };
    struct err e = { 0 };
    const struct plan_wave *w;
    struct ws_wave_rec st;
    struct plan *p;
    ws_t *ws;
    char why[512];
    size_t m;
    int ok = 0, rc = cli_parse_opts("wave", argc, argv, lo, wave_opt, &o);

    if (rc || argc - optind != 2)
        return rc < 0 ? cli_help("wave") : rc ? rc
             : cli_usage("wave", "expected a wave and start, moved or rollback");
    for (m = 0; m < 3 && strcmp(moves[m].verb, argv[optind + 1]); m++)
        ;
    if (m == 3)
        return cli_usage("wave", "'%s': expected start, moved or rollback", argv[optind + 1]);
    if (!(p = plan_load(c->plan_path, &e)))
        return cli_fail(&e);
    if (!(w = plan_wave_find(p, argv[optind]))) {
        err_set(&e, ERR_INPUT, "%s has no [wave %s] ('cutover waves' lists them)", p->path,
                argv[optind]);
        plan_free(p);
        return cli_fail(&e);
    }
    if (!(ws = cli_workspace(c, &e)) || ws_wave_state(ws, w->name, &st) < 0) {
        if (ws)
            ws_close(ws);
        plan_free(p);
        if (!e.msg[0])
            err_set(&e, ERR_INPUT, "cannot read the workspace's waves");
        return cli_fail(&e);
    }
    for (int k = 0; k < 3 && moves[m].from[k]; k++)
        ok |= !strcmp(st.state, moves[m].from[k]);
    if (!ok)
        rc = err_set(&e, ERR_INPUT, "wave %s is %s%s%s%s: %s", w->name, st.state,
                     *st.at ? " (since " : "", st.at, *st.at ? ")" : "",
                     refusal(moves[m].verb, st.state));
    else if (m == 1 && !gate_holds(ws, w, st.at, why, sizeof why))
        rc = err_set(&e, ERR_FOUND, "wave %s stays moving: %s", w->name, why);
    else if (ws_wave_event(ws, w->name, moves[m].to, o.note, &e) < 0)
        rc = -1;
    else
        printf("wave %s: %s -> %s; the truth of its slice: %s\n", w->name, st.state,
               moves[m].to, waves_truth_now(w, moves[m].to));
    ws_close(ws);
    plan_free(p);
    return rc ? cli_fail(&e) : 0;
}
