/* cli/init: cutover inventory and cutover init. */
#include "config.h"
#include "cli.h"
#include "cli_int.h"
#include "jsonx.h"
#include "waves.h"
#include "report.h"
#include "util.h"

#include <string.h>

/* --- inventory --------------------------------------------------------------- */


int cli_json_opt(int opt, const char *arg, void *ctx)
{
    (void)arg;
    if (opt == OPT_JSON)
        ((struct cli_json_opts *)ctx)->json = 1;
    return 0;
}

/* A phased plan's waves by table: "accounts  cohort-1 (id % 2 = 0): pilot". */
static void print_waves(const json_t *waves, const struct inventory *inv)
{
    int said = 0;

    for (size_t i = 0; waves && i < inv->n; i++) {
        const char *t = inv->rows[i].source;
        json_t *of = t ? waves_of_table(waves, t) : NULL, *w;
        size_t k;
        if (json_array_size(of)) {
            printf("%s%-24s", said++ ? "" : "\nwaves, and where the truth lives now:\n", t);
            json_array_foreach(of, k, w)
                printf("%s%s%s%s%s: %s", k ? " · " : " ", jtext(w, "wave"),
                       jstr(w, "where") ? " (" : "", jtext(w, "where"),
                       jstr(w, "where") ? ")" : "", jtext(w, "truth_now"));
            putchar('\n');
        }
        json_decref(of);
    }
}

/* Prints the inventory of the plan at `path`; returns an exit code. */
int cli_show_inventory(const char *path, int json)
{
    struct err e = { 0 };
    struct loaded l;
    struct inventory inv = { 0 };
    json_t *waves = NULL;

    if (cli_load(path, &cli_counts_exact, &l, &e) < 0)
        return cli_fail(&e);
    inv_build(&l.pp, &inv);
    if (l.plan->nwaves) {  /* a phased plan: each table's waves, the truth where it is now */
        char *wspath = plan_path(l.plan, l.plan->workspace);
        ws_t *ws = ws_open(wspath, &e);
        free(wspath);
        if (!ws) {
            inv_free(&inv);
            cli_loaded_free(&l);
            return cli_fail(&e);
        }
        waves = waves_json(l.plan, ws);
        ws_close(ws);
    }
    if (json) {
        json_t *doc = inv_to_json(&inv, l.plan, l.masked[0], l.masked[1]), *row;
        size_t i;
        json_array_foreach(waves ? json_object_get(doc, "tables") : NULL, i, row)
            if (json_is_string(json_object_get(row, "source_table")))  /* target-only: none */
                json_object_set_new(row, "waves", waves_of_table(waves,
                                    json_string_value(json_object_get(row, "source_table"))));
        cli_print_json(doc);
    } else {
        inv_print(stdout, &inv, l.plan, l.masked[0], l.masked[1]);
        print_waves(waves, &inv);
    }
    json_decref(waves);
    inv_free(&inv);
    cli_loaded_free(&l);
    return 0;
}

int cli_cmd_inventory(struct cli *c, int argc, char **argv)
{
    static const struct option lo[] = {
        { "json", no_argument, NULL, OPT_JSON }, { "help", no_argument, NULL, OPT_HELP }, { 0 } };
    struct cli_json_opts o = { 0 };
    int rc = cli_parse_opts("inventory", argc, argv, lo, cli_json_opt, &o);

    if (rc)
        return rc < 0 ? cli_help("inventory") : rc;
    if (optind < argc)
        return cli_usage("inventory", "unexpected argument '%s'", argv[optind]);
    return cli_show_inventory(c->plan_path, o.json);
}

/* --- init -------------------------------------------------------------------- */

struct init_opts {
    const char *source, *target;
    int force;
};

static int init_opt(int opt, const char *arg, void *ctx)
{
    struct init_opts *o = ctx;

    if (opt == OPT_SOURCE)
        o->source = arg;
    else if (opt == OPT_TARGET)
        o->target = arg;
    else if (opt == OPT_FORCE)
        o->force = 1;
    return 0;
}

/* A table's first unique constraint whose columns are all NOT NULL: a key
 * as good as a primary key (a nullable one may hold several NULLs). */
static const struct cat_cols *unique_not_null(const struct cat_table *t)
{
    for (size_t u = 0; u < t->nuniques; u++) {
        size_t k = 0;
        for (; k < t->uniques[u].n; k++) {
            const struct cat_column *c = cat_column(t, t->uniques[u].names[k]);
            if (!c || !c->notnull)
                break;
        }
        if (k && k == t->uniques[u].n)
            return &t->uniques[u];
    }
    return NULL;
}

static int key_unwritable(char *const *key, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (plan_name_unwritable(key[k]))
            return 1;
    return 0;
}

/* The names init leaves out of the plan and the sheet, each told once: the
 * plan is always one it can read back (nothing written that cannot be). */
static size_t say_unwritable(const struct catalog *cats[2])
{
    size_t n = 0;

    for (int w = 0; w < 2; w++)
        for (size_t i = 0; i < cats[w]->ntables; i++) {
            const struct cat_table *t = &cats[w]->tables[i];
            const char *why = plan_name_unwritable(t->relname);
            if (t->is_view)
                continue;
            if (why) {
                fprintf(stderr, "cutover init: warning: the %s table \"%s\" is left out of the "
                        "plan and the sheet: its name cannot be written there (%s); rename it "
                        "to compare it\n",
                        plan_side_name(w), t->name, why);
                n++;
                continue;
            }
            for (size_t c = 0; c < t->ncols; c++)
                if ((why = plan_name_unwritable(t->cols[c].name))) {
                    fprintf(stderr, "cutover init: warning: the %s column %s.\"%s\" is left out "
                            "of the sheet: its name cannot be written there (%s); rename it to "
                            "compare it\n",
                            plan_side_name(w), t->name, t->cols[c].name, why);
                    n++;
                }
        }
    return n;
}

static void write_plan(FILE *f, const char *src_url, const char *tgt_url,
                       const struct pairing *pp)
{
    char *s = url_strip_password(src_url), *t = url_strip_password(tgt_url);
    char date[16];
    time_t now = time(NULL);

    strftime(date, sizeof date, "%Y-%m-%d", gmtime(&now));
    fprintf(f, "; cutover plan, written by 'cutover init' on %s.\n"
               "; Decide for each table what happens to its Pilot data: migrate, delete,\n"
               "; retain, temporary (then add expires = YYYY-MM-DD) or undecided.\n\n"
               "[migration]\nname      = Pilot to Production\nmapping   = mapping.csv\n"
               "workspace = .cutover/state.db\n\n", date);
    fprintf(f, "[source]\n%surl   = %s\nlabel = Pilot\n\n",
            strcmp(s, src_url) ? "; the password is left out: libpq reads PGPASSWORD or ~/.pgpass\n"
                               : "", s);
    fprintf(f, "[target]\n%surl   = %s\nlabel = Production\n",
            strcmp(t, tgt_url) ? "; the password is left out: libpq reads PGPASSWORD or ~/.pgpass\n"
                               : "", t);
    for (size_t i = 0; i < pp->n; i++) {
        const struct pair *pr = &pp->pairs[i];
        const struct cat_cols *u;

        if (!pr->src)
            continue;
        if (plan_name_unwritable(pr->src->relname)) {  /* said on stderr by cli_cmd_init */
            fprintf(f, "\n; a source table left out: its name cannot be written here (%s)\n",
                    plan_name_unwritable(pr->src->relname));
            continue;
        }
        fprintf(f, "\n[table %s]\n", pr->src->name);
        if (pr->tgt && !plan_name_unwritable(pr->tgt->relname))
            fprintf(f, "target   = %s\n", pr->tgt->name);
        else if (pr->tgt)
            fprintf(f, "; its target table's name cannot be written here (%s)\n",
                    plan_name_unwritable(pr->tgt->relname));
        else
            fprintf(f, "; no table of that name in the target: add target = TABLE\n");
        if (pr->nkey && key_unwritable(pr->key, pr->nkey)) {
            fprintf(f, "; its key has a column whose name cannot be written here\n");
        } else if (pr->nkey) {
            fprintf(f, "key      = ");
            for (size_t k = 0; k < pr->nkey; k++)
                fprintf(f, "%s%s", k ? ", " : "", pr->key[k]);
            fputc('\n', f);
        } else if ((u = unique_not_null(pr->src))) {
            fprintf(f, "; no primary key: the key is a unique constraint whose columns are "
                       "NOT NULL\nkey      = ");
            for (size_t k = 0; k < u->n; k++)
                fprintf(f, "%s%s", k ? ", " : "", u->names[k]);
            fputc('\n', f);
        } else {
            fprintf(f, "; no primary key: add key = COLUMN[, COLUMN] or rows compare as a "
                       "multiset\n");
        }
        fprintf(f, "decision = undecided\n");
    }
    free(s);
    free(t);
}

int cli_cmd_init(struct cli *c, int argc, char **argv)
{
    static const struct option lo[] = {
        { "source", required_argument, NULL, OPT_SOURCE },
        { "target", required_argument, NULL, OPT_TARGET },
        { "force", no_argument, NULL, OPT_FORCE }, { "help", no_argument, NULL, OPT_HELP },
        { 0 } };
    struct init_opts o = { 0 };
    struct catalog *cats[2] = { 0 };
    struct pairing pp = { 0 };
    struct err e = { 0 };
    char *masked[2], *tmp;
    FILE *f;
    int rc = cli_parse_opts("init", argc, argv, lo, init_opt, &o);

    if (rc)
        return rc < 0 ? cli_help("init") : rc;
    if (!o.source || !o.target)
        return cli_usage("init", "%s", "both --source URL and --target URL are needed");
    if (optind < argc)
        return cli_usage("init", "unexpected argument '%s'", argv[optind]);
    if (!o.force && access(c->plan_path, F_OK) == 0) {
        fprintf(stderr, "cutover init: %s exists; use --force to overwrite it\n", c->plan_path);
        return ERR_INPUT;
    }
    for (int w = 0; w < 2; w++) {  /* ps and the shell's history show it to others */
        const char *url = w ? o.target : o.source;
        char *m = url_mask(url);
        if (strcmp(m, url))
            fprintf(stderr, "cutover init: warning: --%s holds a password, which other users "
                    "can see on this machine's process list and which your shell's history "
                    "keeps; it is left out of %s: give it with PGPASSWORD, ~/.pgpass or a "
                    "service file\n", plan_side_name(w), c->plan_path);
        free(m);
    }
    if (cli_load_catalogs((const char *[]){ o.source, o.target }, NULL, (const int[]){ 0, 0 }, NULL,
                      &cli_counts_exact, cats, &e) < 0)
        return cli_fail(&e);
    masked[0] = url_mask(o.source);
    masked[1] = url_mask(o.target);
    pair_tables(NULL, cats[0], cats[1], masked[0], masked[1], &pp, &e);
    say_unwritable((const struct catalog *[]){ cats[0], cats[1] });
    tmp = xasprintf("%s.tmp.%ld", c->plan_path, (long)getpid());
    if (!(f = fopen(tmp, "w"))) {
        rc = err_set(&e, ERR_INPUT, "%s: cannot write: %s", tmp, strerror(errno));
    } else {
        write_plan(f, o.source, o.target, &pp);
        if (fclose(f) != 0 || rename(tmp, c->plan_path) != 0) {
            rc = err_set(&e, ERR_INPUT, "%s: cannot write: %s", c->plan_path, strerror(errno));
            unlink(tmp);
        }
    }
    if (rc == 0) {
        size_t paired = 0;
        for (size_t i = 0; i < pp.n; i++)
            paired += pp.pairs[i].src && pp.pairs[i].tgt;
        printf("wrote %s: %zu source tables, %zu paired with a target table\n", c->plan_path,
               cats[0]->ntables, paired);
    }
    free(tmp);
    /* the suggested mapping sheet beside it, from the catalogs already read */
    if (rc == 0) {
        struct loaded l = { .cats = { cats[0], cats[1] }, .pp = pp,
                            .masked = { masked[0], masked[1] } };
        struct map_suggestion sg;
        if (!(l.plan = plan_load(c->plan_path, &e)) || cli_suggest_into_sheet(&l, &sg, &e) < 0) {
            rc = -1;
        } else {
            char *path = plan_path(l.plan, l.plan->mapping);
            printf("wrote %s: %zu draft rows to review\n", path, sg.added);
            free(path);
            map_suggestion_free(&sg);
        }
        cli_loaded_free(&l);
        return rc ? cli_fail(&e) : 0;
    }
    pair_free(&pp);
    cat_free(cats[0]);
    cat_free(cats[1]);
    free(masked[0]);
    free(masked[1]);
    return cli_fail(&e);
}
