/* cli/map: cutover map suggest|lint|import|export|approve|reject. */
#include "config.h"
#include "cli.h"
#include "cli_int.h"
#include "lint.h"
#include "review.h"
#include "util.h"

#include <string.h>

/* --- map --------------------------------------------------------------------- */

struct map_opts {
    int json, all;
    const char *note;
    const char **tables;        /* --table, in order */
    int ntables;
    long *lines;                /* --row: lines of mapping.csv */
    int nlines;
    int bad;                    /* an option that does not parse was said */
};

static int map_opt(int opt, const char *arg, void *ctx)
{
    struct map_opts *o = ctx;
    char *end;

    switch (opt) {
    case OPT_JSON: o->json = 1; break;
    case OPT_ALL: o->all = 1; break;
    case OPT_NOTE: o->note = arg; break;
    case OPT_TABLE:
        o->tables = cli_append(o->tables, (size_t)o->ntables++, arg);
        break;
    case OPT_ROW:
        o->lines = xrealloc(o->lines, (size_t)(o->nlines + 1) * sizeof *o->lines);
        o->lines[o->nlines] = strtol(arg, &end, 10);
        if (*end || end == arg || o->lines[o->nlines] < 1)
            return cli_usage("map", "--row '%s': a line of the sheet (as map lint names "
                             "them), a number from 2", arg);
        o->nlines++;
        break;
    }
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

/* The sheet's rows that --table, --row and --all name, in the sheet's
 * order; -1 with `e` for a table with no row or a line that is no row. */
static long select_rows(const struct sheet *s, const struct map_opts *o, size_t **out,
                        struct err *e)
{
    size_t n = 0, *rows = xcalloc(s->n + 1, sizeof *rows);
    char *hit = xcalloc((size_t)o->ntables + (size_t)o->nlines + 1, 1);

    for (size_t i = 0; i < s->n; i++) {
        const char *src = sheet_get(s, i, SC_SOURCE), *dot = strchr(src, '.');
        int take = o->all && s->rows[i].f;
        for (int t = 0; s->rows[i].f && t < o->ntables; t++)
            if (dot && strlen(o->tables[t]) == (size_t)(dot - src) &&
                !strncmp(src, o->tables[t], (size_t)(dot - src)))
                take = hit[t] = 1;
        for (int k = 0; s->rows[i].f && k < o->nlines; k++)
            if (s->rows[i].line == o->lines[k])
                take = hit[o->ntables + k] = 1;
        if (take)
            rows[n++] = i;
    }
    for (int t = 0; t < o->ntables + o->nlines; t++)
        if (!hit[t]) {
            if (t < o->ntables)
                err_set(e, ERR_INPUT, "%s: no row maps a column of table '%s'", s->path,
                        o->tables[t]);
            else
                err_set(e, ERR_INPUT, "%s:%ld: not a mapping row", s->path,
                        o->lines[t - o->ntables]);
            free(hit);
            free(rows);
            return -1;
        }
    free(hit);
    *out = rows;
    return (long)n;
}

/* map approve|reject: the rows named, each written and audited as the
 * Mapping panel's a and x do (review_set_rows), without reaching a
 * database. */
static int map_review_cmd(struct cli *c, int approve, const struct map_opts *o)
{
    struct err e = { 0 };
    struct plan *p = plan_load(c->plan_path, &e);
    struct review r;
    size_t *rows = NULL, done = 0;
    ws_t *ws = NULL;
    long n = -1;
    int rc = 0;

    if (!p)
        return cli_fail(&e);
    if (!approve && (!o->note || !*o->note)) {
        plan_free(p);
        return cli_usage("map", "reject: --note is needed: why the rows are rejected");
    }
    if (!(ws = cli_workspace(c, &e)) || review_open(&r, NULL, ws, p, &e) < 0 ||
        (n = select_rows(&r.sheet, o, &rows, &e)) < 0) {
        if (ws && n < 0 && r.sheet.path)
            review_close(&r);
        ws_close(ws);
        plan_free(p);
        return cli_fail(&e);
    }
    if (n > 0 && review_set_rows(&r, rows, (size_t)n, approve, o->note, &done, &e) < 0)
        rc = -1;
    for (size_t i = 0; i < done; i++) {  /* the rows stay where they were */
        const char *t = sheet_get(&r.sheet, rows[i], SC_TARGET);
        printf("%s:%d: %s -> %s: %s\n", r.sheet.path, r.sheet.rows[rows[i]].line,
               sheet_get(&r.sheet, rows[i], SC_SOURCE), *t ? t : "(not migrated)",
               sheet_get(&r.sheet, rows[i], SC_STATUS));
    }
    printf("%zu of %ld rows %s%s\n", done, n, approve ? "approved" : "rejected",
           done ? ", each in the audit log" : "");
    review_close(&r);
    ws_close(ws);
    plan_free(p);
    free(rows);
    return rc < 0 ? cli_fail(&e) : 0;
}

int cli_cmd_map(struct cli *c, int argc, char **argv)
{
    static const struct option lo[] = {
        { "json", no_argument, NULL, OPT_JSON }, { "table", required_argument, NULL, OPT_TABLE },
        { "row", required_argument, NULL, OPT_ROW }, { "all", no_argument, NULL, OPT_ALL },
        { "note", required_argument, NULL, OPT_NOTE }, { "help", no_argument, NULL, OPT_HELP },
        { 0 } };
    struct map_opts o = { 0 };
    const char *sub;
    int rc = cli_parse_opts("map", argc, argv, lo, map_opt, &o), review;

    if (rc) {
        free(o.tables), free(o.lines);
        return rc < 0 ? cli_help("map") : rc;
    }
    if (optind >= argc)
        rc = cli_usage("map", "%s", "which one: suggest, lint, import FILE, export FILE, "
                       "approve or reject?");
    sub = rc ? "" : argv[optind++];
    review = !strcmp(sub, "approve") || !strcmp(sub, "reject");
    if (rc) {
    } else if (strcmp(sub, "suggest") && strcmp(sub, "lint") && strcmp(sub, "import") &&
               strcmp(sub, "export") && !review) {
        rc = cli_usage("map", "'%s': expected suggest, lint, import FILE, export FILE, approve "
                       "or reject", sub);
    } else if (review && optind < argc) {
        rc = cli_usage("map", "%s: unexpected argument '%s' (rows are named with --table, "
                       "--row or --all)", sub, argv[optind]);
    } else if (review && !o.all && !o.ntables && !o.nlines) {
        rc = cli_usage("map", "%s: which rows? --table T, --row N or --all", sub);
    } else if (review && o.json) {
        rc = cli_usage("map", "%s: --json is for suggest, lint, import and export", sub);
    } else if (!review && (o.all || o.ntables || o.nlines || o.note)) {
        rc = cli_usage("map", "%s: --table, --row, --all and --note are for approve and "
                       "reject", sub);
    } else if (review) {
        rc = map_review_cmd(c, sub[0] == 'a', &o);
    }
    if (rc || review) {
        free(o.tables), free(o.lines);
        return rc;
    }
    free(o.tables), free(o.lines);
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
