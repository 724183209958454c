#include "config.h"
#include "cli.h"
#include "catalog.h"
#include "db.h"
#include "demo.h"
#include "inventory.h"
#include "pairing.h"
#include "plan.h"
#include "util.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct cli {
    const char *plan_path;
    const char *theme;
    cli_tui_fn tui;
};

struct cmd {
    const char *name;
    int (*run)(struct cli *c, int argc, char **argv);
    const char *args;
    const char *summary;
    const char *help;       /* options, one per line */
};

static int cmd_init(struct cli *c, int argc, char **argv);
static int cmd_inventory(struct cli *c, int argc, char **argv);
static int cmd_demo(struct cli *c, int argc, char **argv);
static int cmd_tui(struct cli *c, int argc, char **argv);

static const struct cmd cmds[] = {
    { "tui", cmd_tui, "[--theme NAME]", "open the dashboard (the default command)",
      "  --theme NAME   default, light, high-contrast, monochrome or a theme of your own\n"
      "                 (also $CUTOVER_THEME, or theme = NAME in\n"
      "                 $XDG_CONFIG_HOME/cutover/config.ini); NO_COLOR=1 turns colour off\n" },
    { "init", cmd_init, "--source URL --target URL [--force]",
      "write cutover.ini from both catalogs",
      "  --source URL   the database the data comes from (sqlite:FILE, postgresql://…)\n"
      "  --target URL   the database it goes to\n"
      "  --force        overwrite an existing plan\n" },
    { "inventory", cmd_inventory, "[--json]",
      "tables on both sides: rows, keys, decision, owner, flags",
      "  --json         print the inventory as JSON (format in README.md)\n" },
    { "demo", cmd_demo, "[DIR] [--target URL]",
      "build a demo migration in DIR and open the dashboard on it",
      "  DIR            where to build it (default ./cutover-demo); on a terminal the\n"
      "                 dashboard opens, otherwise the inventory is printed\n"
      "  --target URL   put the Production side in this PostgreSQL database instead of\n"
      "                 a SQLite file (it must be empty: the demo creates its tables)\n" },
};

#define NCMDS (sizeof cmds / sizeof *cmds)

static void usage(FILE *f)
{
    fprintf(f, "usage: cutover [--plan FILE] [COMMAND] [OPTIONS]\n\n"
               "cutover is a migration control room: inventory, field mapping, rehearsal\n"
               "diffs, live cutover and hypercare, from Pilot to Production.\n\n"
               "commands:\n");
    for (size_t i = 0; i < NCMDS; i++)
        fprintf(f, "  %-10s %s\n", cmds[i].name, cmds[i].summary);
    fprintf(f, "\noptions:\n"
               "  --plan FILE    the plan (default ./cutover.ini)\n"
               "  --theme NAME   the dashboard's colours (see 'cutover tui --help')\n"
               "  --help, -h     this help; COMMAND --help for a command's options\n"
               "  --version      the version\n\n"
               "exit codes: 0 clean, 1 discrepancies found or a gate failed,\n"
               "            2 bad usage, plan or sheet, 3 a database unreachable or refusing\n");
}

static int cmd_help(const struct cmd *cmd)
{
    printf("usage: cutover [--plan FILE] %s %s\n\n%s.\n", cmd->name, cmd->args, cmd->summary);
    if (*cmd->help)
        printf("\noptions:\n%s", cmd->help);
    return 0;
}

static int fail(const struct err *e)
{
    fprintf(stderr, "cutover: %s\n", e->msg);
    return e->kind ? (int)e->kind : ERR_INPUT;
}

__attribute__((format(printf, 2, 3)))
static int bad_usage(const char *cmd, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "cutover %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n(see 'cutover %s --help')\n", cmd);
    return ERR_INPUT;
}

/* Options shared by every command's getopt loop. */
enum { OPT_HELP = 'h', OPT_JSON = 0x100, OPT_FORCE, OPT_SOURCE, OPT_TARGET };

static int parse_opts(const char *name, int argc, char **argv, const struct option *longopts,
                      int (*on_opt)(int opt, const char *arg, void *ctx), void *ctx)
{
    int opt;

    optind = 1;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (opt == '?' || opt == ':')
            return bad_usage(name, "unknown option or missing value '%s'", argv[optind - 1]);
        if (opt == OPT_HELP)
            return -1;
        if (on_opt(opt, optarg, ctx))
            return ERR_INPUT;
    }
    return 0;
}

/* --- loading both catalogs --------------------------------------------------- */

struct side {
    struct catalog *cat;
    db_t *db;
    int status;
    char msg[1400];
};

static void on_catalog(struct catalog *cat, int status, const char *msg, void *arg)
{
    struct side *s = arg;

    s->cat = cat;
    s->status = status;
    snprintf(s->msg, sizeof s->msg, "%s", msg ? msg : "");
    db_close(s->db);
}

/* Reads both catalogs concurrently on a private loop (the commands here are
 * headless; the dashboard drives cat_load() from its own loop). */
static int load_catalogs(const char *urls[2], const char *base_dir, const int lines[2],
                         const char *plan_path, struct catalog *out[2], struct err *e)
{
    static const char *const names[2] = { "source", "target" };
    struct cat_opts co = { .count_rows = 1 };
    struct side sides[2] = { 0 };
    uv_loop_t loop;
    int rc = 0;

    uv_loop_init(&loop);
    for (int i = 0; i < 2; i++) {
        struct err ue = { 0 };
        if (db_open(&loop, urls[i], base_dir, NULL, &sides[i].db, &ue) < 0) {
            if (plan_path)
                err_set(e, ERR_INPUT, "%s:%d: [%s] url: %s", plan_path, lines[i], names[i], ue.msg);
            else
                err_set(e, ERR_INPUT, "--%s: %s", names[i], ue.msg);
            rc = -1;
            break;
        }
        cat_load(sides[i].db, &co, on_catalog, &sides[i]);
    }
    if (rc < 0)
        for (int i = 0; i < 2; i++)
            db_close(sides[i].db);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    for (int i = 0; i < 2 && rc == 0; i++)
        if (sides[i].status)
            rc = err_set(e, ERR_DB, "%s", sides[i].msg);
    for (int i = 0; i < 2; i++) {
        if (rc < 0) {
            cat_free(sides[i].cat);
            sides[i].cat = NULL;
        }
        out[i] = sides[i].cat;
    }
    return rc;
}

/* --- inventory --------------------------------------------------------------- */

struct inv_opts {
    int json;
};

static int inv_opt(int opt, const char *arg, void *ctx)
{
    (void)arg;
    if (opt == OPT_JSON)
        ((struct inv_opts *)ctx)->json = 1;
    return 0;
}

/* Prints the inventory of the plan at `path`; returns an exit code. */
static int show_inventory(const char *path, int json)
{
    struct err e = { 0 };
    struct plan *p = plan_load(path, &e);
    struct catalog *cats[2] = { 0 };
    struct pairing pp = { 0 };
    struct inventory inv = { 0 };
    char *masked[2] = { 0 };
    int rc = 0;

    if (!p)
        return fail(&e);
    masked[0] = url_mask(p->source.url);
    masked[1] = url_mask(p->target.url);
    if (load_catalogs((const char *[]){ p->source.url, p->target.url }, p->dir,
                      (const int[]){ p->source.line, p->target.line }, p->path, cats, &e) < 0 ||
        pair_tables(p, cats[0], cats[1], masked[0], masked[1], &pp, &e) < 0) {
        rc = fail(&e);
        goto out;
    }
    inv_build(&pp, &inv);
    if (json) {
        json_t *doc = inv_to_json(&inv, p, masked[0], masked[1]);
        json_dumpf(doc, stdout, JSON_INDENT(2));
        fputc('\n', stdout);
        json_decref(doc);
    } else {
        inv_print(stdout, &inv, p, masked[0], masked[1]);
    }
out:
    inv_free(&inv);
    pair_free(&pp);
    cat_free(cats[0]);
    cat_free(cats[1]);
    free(masked[0]);
    free(masked[1]);
    plan_free(p);
    return rc;
}

static int cmd_inventory(struct cli *c, int argc, char **argv)
{
    static const struct option lo[] = {
        { "json", no_argument, NULL, OPT_JSON }, { "help", no_argument, NULL, OPT_HELP }, { 0 } };
    struct inv_opts o = { 0 };
    int rc = parse_opts("inventory", argc, argv, lo, inv_opt, &o);

    if (rc)
        return rc < 0 ? cmd_help(&cmds[2]) : rc;
    if (optind < argc)
        return bad_usage("inventory", "unexpected argument '%s'", argv[optind]);
    return show_inventory(c->plan_path, o.json);
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

        if (!pr->src)
            continue;
        fprintf(f, "\n[table %s]\n", pr->src->name);
        if (pr->tgt)
            fprintf(f, "target   = %s\n", pr->tgt->name);
        else
            fprintf(f, "; no table of that name in the target: add target = TABLE\n");
        if (pr->nkey) {
            fprintf(f, "key      = ");
            for (size_t k = 0; k < pr->nkey; k++)
                fprintf(f, "%s%s", k ? ", " : "", pr->key[k]);
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

static int cmd_init(struct cli *c, int argc, char **argv)
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
    int rc = parse_opts("init", argc, argv, lo, init_opt, &o);

    if (rc)
        return rc < 0 ? cmd_help(&cmds[1]) : rc;
    if (!o.source || !o.target)
        return bad_usage("init", "%s", "both --source URL and --target URL are needed");
    if (optind < argc)
        return bad_usage("init", "unexpected argument '%s'", argv[optind]);
    if (!o.force && access(c->plan_path, F_OK) == 0) {
        fprintf(stderr, "cutover init: %s exists; use --force to overwrite it\n", c->plan_path);
        return ERR_INPUT;
    }
    if (load_catalogs((const char *[]){ o.source, o.target }, NULL, (const int[]){ 0, 0 }, NULL,
                      cats, &e) < 0)
        return fail(&e);
    masked[0] = url_mask(o.source);
    masked[1] = url_mask(o.target);
    pair_tables(NULL, cats[0], cats[1], masked[0], masked[1], &pp, &e);
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
    if (rc == 0)
        printf("wrote %s: %zu source tables, %zu paired with a target table\n", c->plan_path,
               cats[0]->ntables, pp.n);
    free(tmp);
    pair_free(&pp);
    cat_free(cats[0]);
    cat_free(cats[1]);
    free(masked[0]);
    free(masked[1]);
    return rc ? fail(&e) : 0;
}

/* --- demo -------------------------------------------------------------------- */

struct demo_opts {
    const char *target;
};

static int demo_opt(int opt, const char *arg, void *ctx)
{
    if (opt == OPT_TARGET)
        ((struct demo_opts *)ctx)->target = arg;
    return 0;
}

static int cmd_demo(struct cli *c, int argc, char **argv)
{
    static const struct option lo[] = {
        { "target", required_argument, NULL, OPT_TARGET },
        { "help", no_argument, NULL, OPT_HELP }, { 0 } };
    struct demo_opts o = { 0 };
    struct err e = { 0 };
    const char *dir;
    char *plan;
    int rc = parse_opts("demo", argc, argv, lo, demo_opt, &o);

    if (rc)
        return rc < 0 ? cmd_help(&cmds[3]) : rc;
    dir = optind < argc ? argv[optind++] : "cutover-demo";
    if (optind < argc)
        return bad_usage("demo", "unexpected argument '%s'", argv[optind]);
    if (demo_build(dir, o.target, &e) < 0)
        return fail(&e);
    plan = xasprintf("%s/cutover.ini", dir);
    if (isatty(STDIN_FILENO) && isatty(STDOUT_FILENO)) {
        rc = c->tui(plan, c->theme, 1, (char *[]){ "tui", NULL });
        free(plan);
        return rc;
    }
    printf("demo migration built in %s/ (plan %s)\n\n", dir, plan);
    fflush(stdout);
    rc = show_inventory(plan, 0);
    free(plan);
    return rc;
}

static int cmd_tui(struct cli *c, int argc, char **argv)
{
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
        return cmd_help(&cmds[0]);
    return c->tui(c->plan_path, c->theme, argc, argv);
}

int cli_main(int argc, char **argv, cli_tui_fn tui)
{
    struct cli c = { .plan_path = "cutover.ini", .tui = tui };
    int i = 1;

    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--version") == 0) {
            printf("cutover %s\n", PACKAGE_VERSION);
            return 0;
        } else if (strcmp(argv[i], "--plan") == 0 && i + 1 < argc) {
            c.plan_path = argv[++i];
        } else if (strncmp(argv[i], "--plan=", 7) == 0) {
            c.plan_path = argv[i] + 7;
        } else if (strcmp(argv[i], "--theme") == 0 && i + 1 < argc) {
            c.theme = argv[++i];
        } else if (strncmp(argv[i], "--theme=", 8) == 0) {
            c.theme = argv[i] + 8;
        } else {
            fprintf(stderr, "cutover: unknown option '%s'\n\n", argv[i]);
            usage(stderr);
            return ERR_INPUT;
        }
    }
    if (i == argc)
        return cmd_tui(&c, 1, (char *[]){ "tui", NULL });
    for (size_t k = 0; k < NCMDS; k++)
        if (strcmp(argv[i], cmds[k].name) == 0)
            return cmds[k].run(&c, argc - i, argv + i);
    fprintf(stderr, "cutover: unknown command '%s' (see 'cutover --help')\n", argv[i]);
    return ERR_INPUT;
}
