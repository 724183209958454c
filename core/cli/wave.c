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
            json_array_foreach(json_object_get(v, "advice"), k, t)
                printf("%-16s ROLLBACK OF THE WAVE ADVISED: %s\n", "", json_string_value(t));
        }
        json_decref(all);
    }
    ws_close(ws);
    plan_free(p);
    return 0;
}

int cli_cmd_wave(struct cli *c, int argc, char **argv)
{
    static const struct option lo[] = {
        { "note", required_argument, NULL, OPT_NOTE }, { "help", no_argument, NULL, OPT_HELP },
        { 0 } };
    struct wave_opts o = { 0 };
    struct err e = { 0 };
    const struct plan_wave *w;
    const char *to;
    struct plan *p;
    ws_t *ws;
    char from[16];
    int rc = cli_parse_opts("wave", argc, argv, lo, wave_opt, &o);

    if (rc || argc - optind != 2)
        return rc < 0 ? cli_help("wave") : rc ? rc
             : cli_usage("wave", "expected a wave and start, moved or rollback");
    if (!(to = waves_move_to(argv[optind + 1])))
        return cli_usage("wave", "'%s': expected start, moved or rollback", argv[optind + 1]);
    if (!(p = plan_load(c->plan_path, &e)))
        return cli_fail(&e);
    if (!(w = plan_wave_find(p, argv[optind]))) {
        err_set(&e, ERR_INPUT, "%s has no [wave %s] ('cutover waves' lists them)", p->path,
                argv[optind]);
        plan_free(p);
        return cli_fail(&e);
    }
    if (!(ws = cli_workspace(c, &e))) {
        plan_free(p);
        return cli_fail(&e);
    }
    if ((rc = waves_move(ws, w, argv[optind + 1], o.note, from, &e)) == 0)
        printf("wave %s: %s -> %s; the truth of its slice: %s\n", w->name, from, to,
               waves_truth_now(w, to));
    ws_close(ws);
    plan_free(p);
    return rc ? cli_fail(&e) : 0;
}
