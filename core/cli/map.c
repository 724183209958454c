/* cli/map: cutover map suggest|lint|import|export. */
#include "config.h"
#include "cli.h"
#include "cli_int.h"
#include "lint.h"
#include "util.h"

#include <string.h>

/* --- map --------------------------------------------------------------------- */

struct map_opts {
    int json;
};

static int map_opt(int opt, const char *arg, void *ctx)
{
    (void)arg;
    if (opt == OPT_JSON)
        ((struct map_opts *)ctx)->json = 1;
    return 0;
}

/* Loads the plan's sheet, or starts an empty one when it does not exist yet. */
int cli_open_sheet(const struct plan *p, struct sheet *s, struct err *e)
{
    char *path = plan_path(p, p->mapping);
    int rc = sheet_open(path, s, e);

    free(path);
    return rc;
}

void cli_audit(const struct plan *p, const char *action, const char *object,
                  const char *new_value)
{
    char *path = plan_path(p, p->workspace);
    struct err e = { 0 };
    ws_t *ws = ws_open(path, &e);

    if (!ws || ws_audit(ws, action, object, NULL, new_value, &e) < 0)
        fprintf(stderr, "cutover: warning: not recorded in the audit log: %s\n", e.msg);
    ws_close(ws);
    free(path);
}

/* Writes the suggestion into the plan's sheet; used by map suggest and init. */
int cli_suggest_into_sheet(struct loaded *l, struct map_suggestion *sg, struct err *e)
{
    struct sheet s;
    char note[64];

    if (cli_open_sheet(l->plan, &s, e) < 0)
        return -1;
    map_suggest(&l->pp, sg);
    map_apply(sg, &s);
    /* a sheet with no pair yet is still written: the header the user fills in */
    if ((sg->added || access(s.path, F_OK) != 0) && sheet_save(&s, e) < 0) {
        sheet_free(&s);
        return -1;
    }
    if (sg->added) {
        snprintf(note, sizeof note, "%zu draft rows", sg->added);
        cli_audit(l->plan, "map suggest", s.path, note);
    }
    sheet_free(&s);
    return 0;
}

static int map_suggest_cmd(struct cli *c, int json)
{
    struct err e = { 0 };
    struct loaded l;
    struct map_suggestion sg;
    char *path;

    if (cli_load(c->plan_path, &cli_counts_none, &l, &e) < 0)
        return cli_fail(&e);
    if (cli_suggest_into_sheet(&l, &sg, &e) < 0) {
        cli_loaded_free(&l);
        return cli_fail(&e);
    }
    path = plan_path(l.plan, l.plan->mapping);
    if (json)
        cli_print_json(map_suggestion_json(&sg));
    else
        map_suggestion_print(stdout, &sg, path);
    free(path);
    map_suggestion_free(&sg);
    cli_loaded_free(&l);
    return 0;
}

static int map_copy(struct cli *c, const char *from_file, const char *to_file, int json)
{
    struct err e = { 0 };
    struct plan *p = plan_load(c->plan_path, &e);
    struct sheet s, in;
    struct map_import_report r;
    char note[128];
    int rc = 0;

    if (!p)
        return cli_fail(&e);
    if (cli_open_sheet(p, &s, &e) < 0) {
        plan_free(p);
        return cli_fail(&e);
    }
    if (to_file) {  /* export: the same bytes, somewhere else */
        struct sheet_stats st;

        free(s.path);
        s.path = xstrdup(to_file);
        rc = sheet_save(&s, &e) < 0 ? cli_fail(&e) : 0;
        sheet_count(&s, &st);
        if (!rc && !json)
            printf("wrote %s: %ld rows\n", to_file, st.rows);
        if (!rc && json)
            cli_print_json(json_pack("{s:s, s:I}", "exported", to_file, "rows", (json_int_t)st.rows));
        sheet_free(&s);
        plan_free(p);
        return rc;
    }
    if (sheet_load(from_file, &in, &e) < 0) {
        sheet_free(&s);
        plan_free(p);
        return cli_fail(&e);
    }
    map_import(&s, &in, &r);
    if ((r.added || r.updated) && sheet_save(&s, &e) < 0)
        rc = cli_fail(&e);
    if (!rc && (r.added || r.updated)) {
        snprintf(note, sizeof note, "%zu added, %zu updated, %zu conflicts", r.added, r.updated,
                 r.nconflicts);
        cli_audit(p, "map import", from_file, note);
    }
    if (!rc && json) {
        json_t *cf = json_array();
        for (size_t i = 0; i < r.nconflicts; i++)
            json_array_append_new(cf, json_string(r.conflicts[i]));
        cli_print_json(json_pack("{s:I, s:I, s:I, s:o}", "added", (json_int_t)r.added, "updated",
                             (json_int_t)r.updated, "unchanged", (json_int_t)r.unchanged,
                             "conflicts", cf));
    } else if (!rc) {
        printf("%s: %zu added, %zu updated, %zu unchanged, %zu conflicts\n", s.path, r.added,
               r.updated, r.unchanged, r.nconflicts);
        for (size_t i = 0; i < r.nconflicts; i++)
            printf("  %s\n", r.conflicts[i]);
    }
    if (!rc && r.nconflicts)
        rc = ERR_FOUND;
    map_import_report_free(&r);
    sheet_free(&in);
    sheet_free(&s);
    plan_free(p);
    return rc;
}

static int map_lint_cmd(struct cli *c, int json)
{
    struct err e = { 0 };
    struct loaded l;
    struct sheet s;
    struct lint_report r = { 0 };
    int rc;

    if (cli_load(c->plan_path, &cli_counts_none, &l, &e) < 0)
        return cli_fail(&e);
    {
        char *path = plan_path(l.plan, l.plan->mapping);
        rc = sheet_load(path, &s, &e);
        free(path);
    }
    if (rc < 0) {
        cli_loaded_free(&l);
        return cli_fail(&e);
    }
    lint_static(&s, &l.pp, l.cats[0], l.cats[1], &r);
    if (lint_data_wait(l.plan->source.url, l.plan->dir, &s, &l.pp, l.cats[1], &r, &e) < 0) {
        rc = cli_fail(&e);
    } else {
        if (json)
            cli_print_json(lint_json(&r, s.path));
        else
            lint_print(stdout, &r, s.path);
        rc = lint_exit(&r);
    }
    lint_free(&r);
    sheet_free(&s);
    cli_loaded_free(&l);
    return rc;
}

int cli_cmd_map(struct cli *c, int argc, char **argv)
{
    static const struct option lo[] = {
        { "json", no_argument, NULL, OPT_JSON }, { "help", no_argument, NULL, OPT_HELP }, { 0 } };
    struct map_opts o = { 0 };
    const char *sub;
    int rc = cli_parse_opts("map", argc, argv, lo, map_opt, &o);

    if (rc)
        return rc < 0 ? cli_help("map") : rc;
    if (optind >= argc)
        return cli_usage("map", "%s", "which one: suggest, lint, import FILE or export FILE?");
    sub = argv[optind++];
    if (strcmp(sub, "suggest") && strcmp(sub, "lint") && strcmp(sub, "import") &&
        strcmp(sub, "export"))
        return cli_usage("map", "'%s': expected suggest, lint, import FILE or export FILE", sub);
    if ((sub[0] == 'i' || sub[0] == 'e') && optind == argc)
        return cli_usage("map", "%s: FILE is needed", sub);
    if (optind + (sub[0] == 'i' || sub[0] == 'e') < argc)
        return cli_usage("map", "%s: unexpected argument '%s'", sub,
                         argv[optind + (sub[0] == 'i' || sub[0] == 'e')]);
    if (strcmp(sub, "suggest") == 0)
        return map_suggest_cmd(c, o.json);
    if (strcmp(sub, "lint") == 0)
        return map_lint_cmd(c, o.json);
    return sub[0] == 'i' ? map_copy(c, argv[optind], NULL, o.json)
                         : map_copy(c, NULL, argv[optind], o.json);
}
