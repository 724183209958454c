/* cli/record: cutover timeline, report, accept and decommission. */
#include "config.h"
#include "cli.h"
#include "cli_int.h"
#include "decision.h"
#include "acceptance.h"
#include "report.h"
#include "util.h"

#include <string.h>

/* --- timeline ---------------------------------------------------------------- */

int cli_cmd_timeline(struct cli *c, int argc, char **argv)
{
    static const struct option lo[] = {
        { "json", no_argument, NULL, OPT_JSON }, { "help", no_argument, NULL, OPT_HELP }, { 0 } };
    struct cli_json_opts o = { 0 };
    struct err e = { 0 };
    ws_t *ws;
    json_t *events, *v;
    size_t i;
    int rc = cli_parse_opts("timeline", argc, argv, lo, cli_json_opt, &o);

    if (rc || optind < argc)
        return rc < 0 ? cli_help("timeline") : rc ? rc
             : cli_usage("timeline", "unexpected argument '%s'", argv[optind]);
    if (!(ws = cli_workspace(c, &e)))
        return cli_fail(&e);
    events = ws_runbook_json(ws, 0, 0);
    if (o.json) {
        cli_print_json(events);
    } else {
        printf("%-24s %-10s %-16s %-10s %s\n", "AT", "STEP", "EVENT", "USER", "DETAIL");
        json_array_foreach(events, i, v) {
            const char *out = jstr(v, "output"), *nl = out ? strchr(out, '\n') : NULL;
            printf("%-24s %-10s %-16s %-10s %.*s\n", jstr(v, "at"), jstr(v, "step"),
                   jstr(v, "event"), jstr(v, "user") ? jstr(v, "user") : "-",
                   out ? (int)(nl ? nl - out : (ptrdiff_t)strlen(out)) : 0, out ? out : "");
        }
        json_decref(events);
    }
    ws_close(ws);
    return 0;
}

/* --- report ------------------------------------------------------------------ */

struct report_opts {
    int json, html;
    const char *output;
};

static int report_opt(int opt, const char *arg, void *ctx)
{
    struct report_opts *o = ctx;

    if (opt == OPT_OUTPUT) {
        o->output = arg;
    } else if (!strcmp(arg, "json") || !strcmp(arg, "md") || !strcmp(arg, "html")) {
        o->json = !strcmp(arg, "json");
        o->html = !strcmp(arg, "html");
    } else {
        cli_usage("report", "--format %s: the formats are md, html and json", arg);
        return 1;
    }
    return 0;
}

/* The report from the plan, both catalogs, the sheet and the workspace;
 * the workspace is created only when `keep_ws` asks for it (kept open). */
static json_t *gather_report(struct cli *c, ws_t **keep_ws, struct err *e)
{
    struct inventory inv = { 0 };
    struct sheet sheet;
    struct loaded l;
    json_t *report;
    char *path;
    ws_t *ws;

    if (cli_load(c->plan_path, &cli_counts_exact, &l, e) < 0)
        return NULL;
    if (cli_open_sheet(l.plan, &sheet, e) < 0) {
        cli_loaded_free(&l);
        return NULL;
    }
    path = plan_path(l.plan, l.plan->workspace);
    ws = keep_ws ? ws_open(path, e)
       : access(path, F_OK) == 0 ? ws_open(path, e) : NULL;  /* never create one to report */
    free(path);
    inv_build(&l.pp, &inv);
    report = keep_ws && !ws ? NULL
           : report_build(l.plan, &inv, &sheet, ws, l.masked[0], l.masked[1]);
    inv_free(&inv);
    sheet_free(&sheet);
    cli_loaded_free(&l);
    if (keep_ws)
        *keep_ws = ws;
    else
        ws_close(ws);
    return report;
}

int cli_cmd_report(struct cli *c, int argc, char **argv)
{
    static const struct option lo[] = {
        { "format", required_argument, NULL, OPT_FORMAT },
        { "output", required_argument, NULL, OPT_OUTPUT },
        { "help", no_argument, NULL, OPT_HELP }, { 0 } };
    struct report_opts o = { 0 };
    struct err e = { 0 };
    json_t *report;
    char *text;
    int rc = cli_parse_opts("report", argc, argv, lo, report_opt, &o);

    if (rc || optind < argc)
        return rc < 0 ? cli_help("report") : rc ? rc
             : cli_usage("report", "unexpected argument '%s'", argv[optind]);
    if (!(report = gather_report(c, NULL, &e)))
        return cli_fail(&e);
    text = o.json ? jsonx_dumps(report, JSON_INDENT(2))
         : o.html ? report_html(report) : report_markdown(report);
    if (o.json) {  /* a final line end, like every text file */
        char *t = xasprintf("%s\n", text);
        free(text);
        text = t;
    }
    rc = 0;
    if (!o.output)
        fputs(text, stdout);
    else if (file_write_atomic(o.output, text, strlen(text), &e) < 0)
        rc = cli_fail(&e);
    free(text);
    json_decref(report);
    return rc;
}

/* --- accept, decommission ------------------------------------------------------ */

struct sign_opts {
    int json;
    const char *note;
};

static int sign_opt(int opt, const char *arg, void *ctx)
{
    struct sign_opts *o = ctx;

    if (opt == OPT_JSON)
        o->json = 1;
    else
        o->note = arg;
    return 0;
}

/* Lists the acceptance areas or the checklist, or signs one item off. */
static int signoff(struct cli *c, int argc, char **argv, const char *cmd, const char *kind)
{
    static const struct option lo[] = {
        { "json", no_argument, NULL, OPT_JSON }, { "note", required_argument, NULL, OPT_NOTE },
        { "help", no_argument, NULL, OPT_HELP }, { 0 } };
    int area = !strcmp(kind, "acceptance");
    struct sign_opts o = { 0 };
    struct err e = { 0 };
    json_t *report, *acc, *items, *v;
    ws_t *ws = NULL;
    size_t i;
    int rc = cli_parse_opts(cmd, argc, argv, lo, sign_opt, &o);

    if (rc || (argc - optind != 0 && argc - optind != 2))
        return rc < 0 ? cli_help(cmd) : rc ? rc
             : cli_usage(cmd, "expected %s and a status, or nothing to list them",
                         area ? "an area" : "an item");
    if (!(report = gather_report(c, argc - optind ? &ws : NULL, &e)))
        return cli_fail(&e);
    if (argc - optind) {
        rc = acc_sign(ws, report, kind, argv[optind], argv[optind + 1], o.note, &e);
        if (rc == 0)  /* as it stands now: the databases need not be read again */
            json_object_set_new(report, "acceptance", acc_build(report, ws));
        ws_close(ws);
        if (rc < 0) {
            json_decref(report);
            return cli_fail(&e);
        }
    }
    acc = json_object_get(report, "acceptance");
    items = json_object_get(acc, area ? "areas" : "decommission");
    if (o.json) {
        cli_print_json(json_incref(area ? items : acc));
    } else {
        printf("%-13s %-9s %-10s %-24s %s\n", area ? "AREA" : "ITEM", "STATUS", "BY", "AT",
               area ? "EVIDENCE" : "STEP");
        json_array_foreach(items, i, v) {
            const char *by = jstr(v, "by") ? jstr(v, "by") : jstr(v, "signed_by");
            const char *at = jstr(v, "at") ? jstr(v, "at") : jstr(v, "signed_at");
            printf("%-13s %-9s %-10s %-24s %s\n", jstr(v, area ? "area" : "item"),
                   area ? jstr(v, "status") : json_is_true(json_object_get(v, "done"))
                   ? "done" : "open", by ? by : "-", at ? at : "-",
                   area ? (json_is_true(json_object_get(v, "evidence_ok")) ? "holds"
                                                                           : "does not hold")
                        : jstr(v, "title"));
            for (size_t k = 0; area && k < json_array_size(json_object_get(v, "evidence")); k++)
                printf("%-13s   %s\n", "", json_string_value(json_array_get(
                       json_object_get(v, "evidence"), k)));
        }
        json_array_foreach(area ? NULL : json_object_get(acc, "delete_left"), i, v)
            printf("%s%s: %lld rows in %s\n", i ? "" : "\nDecided delete, still in the target:\n",
                   jstr(v, "table"), jint(v, "target_rows"), jstr(v, "target_table"));
        json_array_foreach(area ? NULL : json_object_get(acc, "keep"), i, v)
            printf("%s%s (%s): keep until %s\n", i ? "" : "\nPilot data to keep:\n",
                   jstr(v, "table"), jstr(v, "decision"), jstr(v, "until"));
    }
    json_decref(report);
    return 0;
}

int cli_cmd_accept(struct cli *c, int argc, char **argv)
{
    return signoff(c, argc, argv, "accept", "acceptance");
}

int cli_cmd_decommission(struct cli *c, int argc, char **argv)
{
    return signoff(c, argc, argv, "decommission", "decommission");
}

/* --- cutover decide ------------------------------------------------------------------ */

struct decide_opts {
    const char *expires, *owner;
};

static int decide_opt(int opt, const char *arg, void *ctx)
{
    struct decide_opts *o = ctx;

    if (opt == OPT_EXPIRES)
        o->expires = arg;
    else
        o->owner = arg;
    return 0;
}

/* One table's decision, then its owner, each on the plan as the change
 * before it left it: 0, or -1 with `e`. */
static int decide_one(const char *plan_path, ws_t *ws, const char *table,
                      enum plan_decision dec, const struct decide_opts *o, struct err *e)
{
    struct decision_said said = { 0 };
    struct plan *p = plan_load(plan_path, e);
    int rc;

    if (!p)
        return -1;
    if (!plan_table_find(p, table))  /* init names every source table */
        rc = err_set(e, ERR_INPUT, "%s has no [table %s] ('cutover inventory' lists the tables)",
                     p->path, table);
    else if ((rc = decision_decide(plan_path, p, ws, table, dec, o->expires, &said, e)) == 0)
        printf("%s: decision %s -> %s\n", table, said.old_value, said.new_value);
    decision_said_free(&said);
    plan_free(p);
    if (rc < 0 || !o->owner)
        return rc;
    if (!(p = plan_load(plan_path, e)))
        return -1;
    if ((rc = decision_owner(plan_path, p, ws, table, o->owner, &said, e)) == 0)
        printf("%s: owner %s -> %s\n", table, *said.old_value ? said.old_value : "(none)",
               *o->owner ? o->owner : "(none)");
    decision_said_free(&said);
    plan_free(p);
    return rc;
}

/* Each table's decision (and owner) as the dashboard's d and o set them:
 * cutover.ini rewritten in place, each change audited. Stops at the first
 * table that cannot be changed; those before it stay changed, said. */
int cli_cmd_decide(struct cli *c, int argc, char **argv)
{
    static const struct option lo[] = {
        { "expires", required_argument, NULL, OPT_EXPIRES },
        { "owner", required_argument, NULL, OPT_OWNER },
        { "help", no_argument, NULL, OPT_HELP }, { 0 } };
    struct decide_opts o = { 0 };
    enum plan_decision dec;
    struct err e = { 0 };
    ws_t *ws;
    int rc = cli_parse_opts("decide", argc, argv, lo, decide_opt, &o), ntables;

    if (rc)
        return rc < 0 ? cli_help("decide") : rc;
    ntables = argc - optind - 1;
    if (ntables < 1)
        return cli_usage("decide", "expected one table or more, then a decision");
    if (plan_decision_parse(argv[argc - 1], &dec) < 0)
        return cli_usage("decide", "'%s' is not a decision (migrate, delete, retain, temporary "
                         "or undecided)", argv[argc - 1]);
    if (o.expires && dec != DEC_TEMPORARY)
        return cli_usage("decide", "--expires is for temporary data");
    if (!(ws = cli_workspace(c, &e)))
        return cli_fail(&e);
    for (int i = 0; i < ntables && rc == 0; i++)
        rc = decide_one(c->plan_path, ws, argv[optind + i], dec, &o, &e);
    ws_close(ws);
    return rc ? cli_fail(&e) : 0;
}
