#include "config.h"
#include "cli.h"
#include "doctor.h"
#include "jsonx.h"
#include "acceptance.h"
#include "catalog.h"
#include "db.h"
#include "demo.h"
#include "rehearsal.h"
#include "inventory.h"
#include "lint.h"
#include "monitor.h"
#include "mapping.h"
#include "pairing.h"
#include "plan.h"
#include "report.h"
#include "util.h"
#include "workspace.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
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
static int cmd_map(struct cli *c, int argc, char **argv);
static int cmd_diff(struct cli *c, int argc, char **argv);
static int cmd_runs(struct cli *c, int argc, char **argv);
static int cmd_timeline(struct cli *c, int argc, char **argv);
static int cmd_report(struct cli *c, int argc, char **argv);
static int cmd_watch(struct cli *c, int argc, char **argv);
static int cmd_accept(struct cli *c, int argc, char **argv);
static int cmd_decommission(struct cli *c, int argc, char **argv);
struct loaded;
struct map_suggestion;
static int suggest_into_sheet(struct loaded *l, struct map_suggestion *sg, struct err *e);
static int cmd_tui(struct cli *c, int argc, char **argv);
static int cmd_doctor(struct cli *c, int argc, char **argv);

static const struct cmd cmds[] = {
    { "tui", cmd_tui, "[--theme NAME]", "open the dashboard (the default command)",
      "  --theme NAME   default, light, high-contrast, monochrome or a theme of your own\n"
      "                 (also $CUTOVER_THEME, or theme = NAME in\n"
      "                 $XDG_CONFIG_HOME/cutover/config.ini); NO_COLOR=1 turns colour off\n" },
    { "init", cmd_init, "--source URL --target URL [--force]",
      "write cutover.ini from both catalogs",
      "  --source URL   the database the data comes from (sqlite:FILE, postgresql://…)\n"
      "  --target URL   the database it goes to\n"
      "                 (no password in a URL: give it with PGPASSWORD, ~/.pgpass or a\n"
      "                 service file; one given here is left out of the plan)\n"
      "  --force        overwrite an existing plan\n" },
    { "doctor", cmd_doctor, "[--json]",
      "check both sides before a cutover: reached, version, pinned settings, a role that "
      "could write, clock skew, latency, the workspace",
      "  --json         print the checks as JSON\n"
      "                 exit 0 all good, 1 warnings, 3 a side not reached\n" },
    { "inventory", cmd_inventory, "[--json]",
      "tables on both sides: rows, keys, decision, owner, flags",
      "  --json         print the inventory as JSON (format in docs/inventory.md)\n" },
    { "map", cmd_map, "suggest|lint|import FILE|export FILE [--json]",
      "the mapping sheet: suggest pairs, lint against the data, spreadsheet round trips",
      "  suggest        pair the columns of every table pair and add new pairs to the\n"
      "                 sheet as draft rows (reviewed rows are never touched)\n"
      "  lint           check the sheet against both catalogs and the source data;\n"
      "                 exit 1 when there are errors\n"
      "  export FILE    write the sheet to FILE\n"
      "  import FILE    merge FILE by (source, target): new rows are added, draft rows\n"
      "                 updated; reviewed rows that differ are reported (exit 1)\n"
      "  --json         print the result as JSON\n" },
    { "diff", cmd_diff, "[--table T]... [--json|--ndjson] [--sample N]",
      "validate now: compare the tables and run the checks; recorded as a rehearsal",
      "  --table T      only this source table (repeatable)\n"
      "  --json         print the summary and the discrepancies as one JSON document\n"
      "  --ndjson       print one JSON object per discrepancy, then the summary\n"
      "  --sample N     list at most N discrepancies per table (counts stay exact;\n"
      "                 default 10 in text, all in JSON)\n"
      "exit 1 when a discrepancy is not an accepted variance, a check or a table failed;\n"
      "exit 2 when --table names no table or a rule in the sheet does not parse\n" },
    { "runs", cmd_runs, "[--json]", "recorded runs with their totals and durations",
      "  --json         print them as JSON\n" },
    { "timeline", cmd_timeline, "[--json]",
      "the cutover's timeline: steps, gates, rollback, triggers, connections lost and back",
      "  --json         print it as JSON (at, step, event, user, exit_status, duration_ms,\n"
      "                 output)\n" },
    { "watch", cmd_watch, "[--headless] [--for DURATION] [--interval DURATION]",
      "poll both databases live: counts, watermark lag, write rate, latency",
      "  --headless     print one JSON object per event (NDJSON) instead of lines\n"
      "  --for D        a new hypercare session lasts D (30s, 15m, 72h; default\n"
      "                 [hypercare] duration); resuming one, this run stops after D\n"
      "  --interval D   time between polls (default [hypercare] interval, else 30s)\n"
      "a database that goes away is reported down and reconnected with backoff;\n"
      "an open hypercare session (interrupted, or killed) is resumed, not restarted\n" },
    { "report", cmd_report, "[--format md|html|json] [-o FILE]",
      "the acceptance report: Pilot data, mapping review, rehearsals, timeline, hypercare",
      "  --format F     md (Markdown, the default), html (one self-contained page with\n"
      "                 the hypercare charts) or json\n"
      "  -o, --output FILE  write it to FILE (atomically) instead of standard output\n"
      "the databases are read for the Pilot data's counts; passwords never appear\n" },
    { "accept", cmd_accept, "[AREA accepted|rejected|pending] [--note TEXT] [--json]",
      "the acceptance areas: measured evidence, status, sign-off",
      "  AREA STATUS    sign an area off (completeness, stability, performance, support,\n"
      "                 compliance) as the current user; without them, list the areas\n"
      "  --note TEXT    the signer's statement: evidence cutover cannot measure\n"
      "  --json         print the areas as JSON\n" },
    { "decommission", cmd_decommission, "[ITEM done|open] [--note TEXT] [--json]",
      "the decommission checklist and the Pilot data to keep",
      "  ITEM STATUS    check an item off (archive, code_paths, lock_writes, document,\n"
      "                 shutdown) as the current user; without them, list the checklist\n"
      "  --note TEXT    what was done, where it is recorded\n"
      "  --json         print the checklist and what to keep as JSON\n"
      "exit 1 for shutdown while an area is not accepted or an item is open\n" },
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
        fprintf(f, "  %-12s %s\n", cmds[i].name, cmds[i].summary);
    fprintf(f, "\noptions:\n"
               "  --plan FILE    the plan (default ./cutover.ini)\n"
               "  --theme NAME   the dashboard's colours (see 'cutover tui --help')\n"
               "  --help, -h     this help; COMMAND --help for a command's options\n"
               "  --version      the version\n\n"
               "exit codes: 0 clean, 1 discrepancies found or a gate failed,\n"
               "            2 bad usage, plan or sheet, 3 a database unreachable or refusing\n");
}

static const struct cmd *find_cmd(const char *name)
{
    for (size_t i = 0; i < NCMDS; i++)
        if (strcmp(cmds[i].name, name) == 0)
            return &cmds[i];
    return NULL;
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
/* Options whose value is a letter have that short form too (-h, -o FILE). */
enum { OPT_HELP = 'h', OPT_OUTPUT = 'o', OPT_JSON = 0x100, OPT_FORCE, OPT_SOURCE, OPT_TARGET,
       OPT_NDJSON, OPT_TABLE, OPT_SAMPLE, OPT_HEADLESS, OPT_FOR, OPT_INTERVAL, OPT_FORMAT,
       OPT_NOTE };

static int parse_opts(const char *name, int argc, char **argv, const struct option *longopts,
                      int (*on_opt)(int opt, const char *arg, void *ctx), void *ctx)
{
    char shorts[32] = "";
    size_t n = 0;
    int opt;

    for (const struct option *o = longopts; o->name && n + 3 < sizeof shorts; o++)
        if (o->val > 0 && o->val < 0x100) {
            shorts[n++] = (char)o->val;
            if (o->has_arg == required_argument)
                shorts[n++] = ':';
        }
    shorts[n] = '\0';
    optind = 1;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, shorts, longopts, NULL)) != -1) {
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

static const int stop_signals[3] = { SIGINT, SIGTERM, SIGHUP };

static const char *signal_name(int signum)
{
    return signum == SIGINT ? "SIGINT" : signum == SIGTERM ? "SIGTERM" : "SIGHUP";
}

static void catch_stop_signals(uv_loop_t *loop, uv_signal_t sig[3], uv_signal_cb cb, void *data)
{
    for (int i = 0; i < 3; i++) {
        uv_signal_init(loop, &sig[i]);
        sig[i].data = data;
        uv_signal_start(&sig[i], cb, stop_signals[i]);
    }
}

/* Closes the loop's signal handles (uv_loop_close needs them closed). */
static void release_stop_signals(uv_signal_t sig[3])
{
    for (int i = 0; i < 3; i++)
        uv_close((uv_handle_t *)&sig[i], NULL);
}

struct side {
    struct catalog *cat;
    db_t *db;
    int status;
    char msg[1400];
    int *stopped;       /* the signal that stopped the load, shared by both sides */
};

/* A stop signal while the catalogs load: both connections closed, which
 * cancels their queries on the servers (one blocked by a lock would wait
 * there until its statement_timeout, and hold up the queries behind it). */
static void on_load_signal(uv_signal_t *h, int signum)
{
    struct side *sides = h->data;

    *sides[0].stopped = signum;
    for (int i = 0; i < 2; i++) {
        db_close(sides[i].db);
        sides[i].db = NULL;
    }
}

static void on_catalog(struct catalog *cat, int status, const char *msg, void *arg)
{
    struct side *s = arg;

    s->cat = cat;
    s->status = status;
    snprintf(s->msg, sizeof s->msg, "%s", msg ? msg : "");
    db_close(s->db);
    s->db = NULL;
}

/* Reads both catalogs concurrently on a private loop (the commands here are
 * headless; the dashboard drives cat_load() from its own loop). */
static int load_catalogs(const char *urls[2], const char *base_dir, const int lines[2],
                         const char *plan_path, const struct cat_opts *co,
                         struct catalog *out[2], struct err *e)
{
    static const char *const names[2] = { "source", "target" };
    struct side sides[2] = { 0 };
    uv_signal_t sig[3];
    uv_loop_t loop;
    int rc = 0, stopped = 0;

    uv_loop_init(&loop);
    catch_stop_signals(&loop, sig, on_load_signal, sides);
    for (int i = 0; i < 2; i++) {
        sides[i].stopped = &stopped;
        struct err ue = { 0 };
        if (db_open(&loop, urls[i], base_dir, NULL, &sides[i].db, &ue) < 0) {
            if (plan_path)
                err_set(e, ERR_INPUT, "%s:%d: [%s] url: %s", plan_path, lines[i], names[i], ue.msg);
            else
                err_set(e, ERR_INPUT, "--%s: %s", names[i], ue.msg);
            rc = -1;
            break;
        }
        cat_load(sides[i].db, co, on_catalog, &sides[i]);
    }
    if (rc < 0)
        for (int i = 0; i < 2; i++) {
            db_close(sides[i].db);
            sides[i].db = NULL;
        }
    while ((sides[0].db || sides[1].db) && uv_run(&loop, UV_RUN_ONCE))
        ;  /* until both are closed (or never opened); then the signals' handles go */
    release_stop_signals(sig);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    if (stopped) {  /* the queries are cancelled on the servers: now die of the signal */
        fprintf(stderr, "cutover: %s: stopped while reading the catalogs\n",
                signal_name(stopped));
        for (int i = 0; i < 2; i++)
            cat_free(sides[i].cat);
        signal(stopped, SIG_DFL);
        raise(stopped);
        exit(128 + stopped);
    }
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

/* The plan, both catalogs and the table pairs: what most commands start from. */
struct loaded {
    struct plan *plan;
    struct catalog *cats[2];
    struct pairing pp;
    char *masked[2];
};

static void loaded_free(struct loaded *l)
{
    pair_free(&l->pp);
    cat_free(l->cats[0]);
    cat_free(l->cats[1]);
    free(l->masked[0]);
    free(l->masked[1]);
    plan_free(l->plan);
    memset(l, 0, sizeof *l);
}

/* What the commands need of the row counts: exact ones (inventory, report,
 * init), an estimate where the engine keeps one (the diff's progress: no
 * count(*) pass over every table before reading them), none. */
static const struct cat_opts counts_exact = { .count_rows = 1 };
static const struct cat_opts counts_cheap = { .count_rows = 1, .estimate_first = 1 };
static const struct cat_opts counts_none = { 0 };

static int load_plan_and_catalogs(const char *path, const struct cat_opts *co, struct loaded *l,
                                  struct err *e)
{
    memset(l, 0, sizeof *l);
    if (!(l->plan = plan_load(path, e)))
        return -1;
    l->masked[0] = url_mask(l->plan->source.url);
    l->masked[1] = url_mask(l->plan->target.url);
    if (load_catalogs((const char *[]){ l->plan->source.url, l->plan->target.url }, l->plan->dir,
                      (const int[]){ l->plan->source.line, l->plan->target.line }, l->plan->path,
                      co, l->cats, e) < 0 ||
        pair_tables(l->plan, l->cats[0], l->cats[1], l->masked[0], l->masked[1], &l->pp, e) < 0) {
        loaded_free(l);
        return -1;
    }
    return 0;
}

static void print_json(json_t *doc)
{
    jsonx_dumpf(doc, stdout, JSON_INDENT(2));
    fputc('\n', stdout);
    json_decref(doc);
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
    struct loaded l;
    struct inventory inv = { 0 };

    if (load_plan_and_catalogs(path, &counts_exact, &l, &e) < 0)
        return fail(&e);
    inv_build(&l.pp, &inv);
    if (json)
        print_json(inv_to_json(&inv, l.plan, l.masked[0], l.masked[1]));
    else
        inv_print(stdout, &inv, l.plan, l.masked[0], l.masked[1]);
    inv_free(&inv);
    loaded_free(&l);
    return 0;
}

static int cmd_inventory(struct cli *c, int argc, char **argv)
{
    static const struct option lo[] = {
        { "json", no_argument, NULL, OPT_JSON }, { "help", no_argument, NULL, OPT_HELP }, { 0 } };
    struct inv_opts o = { 0 };
    int rc = parse_opts("inventory", argc, argv, lo, inv_opt, &o);

    if (rc)
        return rc < 0 ? cmd_help(find_cmd("inventory")) : rc;
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
                        w ? "target" : "source", t->name, why);
                n++;
                continue;
            }
            for (size_t c = 0; c < t->ncols; c++)
                if ((why = plan_name_unwritable(t->cols[c].name))) {
                    fprintf(stderr, "cutover init: warning: the %s column %s.\"%s\" is left out "
                            "of the sheet: its name cannot be written there (%s); rename it to "
                            "compare it\n",
                            w ? "target" : "source", t->name, t->cols[c].name, why);
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
        if (plan_name_unwritable(pr->src->relname)) {  /* said on stderr by cmd_init */
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
        return rc < 0 ? cmd_help(find_cmd("init")) : rc;
    if (!o.source || !o.target)
        return bad_usage("init", "%s", "both --source URL and --target URL are needed");
    if (optind < argc)
        return bad_usage("init", "unexpected argument '%s'", argv[optind]);
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
                    "service file\n", w ? "target" : "source", c->plan_path);
        free(m);
    }
    if (load_catalogs((const char *[]){ o.source, o.target }, NULL, (const int[]){ 0, 0 }, NULL,
                      &counts_exact, cats, &e) < 0)
        return fail(&e);
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
        if (!(l.plan = plan_load(c->plan_path, &e)) || suggest_into_sheet(&l, &sg, &e) < 0) {
            rc = -1;
        } else {
            char *path = plan_path(l.plan, l.plan->mapping);
            printf("wrote %s: %zu draft rows to review\n", path, sg.added);
            free(path);
            map_suggestion_free(&sg);
        }
        loaded_free(&l);
        return rc ? fail(&e) : 0;
    }
    pair_free(&pp);
    cat_free(cats[0]);
    cat_free(cats[1]);
    free(masked[0]);
    free(masked[1]);
    return fail(&e);
}

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
static int open_sheet(const struct plan *p, struct sheet *s, struct err *e)
{
    char *path = plan_path(p, p->mapping);
    int rc = sheet_open(path, s, e);

    free(path);
    return rc;
}

static void audit(const struct plan *p, const char *action, const char *object,
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
static int suggest_into_sheet(struct loaded *l, struct map_suggestion *sg, struct err *e)
{
    struct sheet s;
    char note[64];

    if (open_sheet(l->plan, &s, e) < 0)
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
        audit(l->plan, "map suggest", s.path, note);
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

    if (load_plan_and_catalogs(c->plan_path, &counts_none, &l, &e) < 0)
        return fail(&e);
    if (suggest_into_sheet(&l, &sg, &e) < 0) {
        loaded_free(&l);
        return fail(&e);
    }
    path = plan_path(l.plan, l.plan->mapping);
    if (json)
        print_json(map_suggestion_json(&sg));
    else
        map_suggestion_print(stdout, &sg, path);
    free(path);
    map_suggestion_free(&sg);
    loaded_free(&l);
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
        return fail(&e);
    if (open_sheet(p, &s, &e) < 0) {
        plan_free(p);
        return fail(&e);
    }
    if (to_file) {  /* export: the same bytes, somewhere else */
        struct sheet_stats st;

        free(s.path);
        s.path = xstrdup(to_file);
        rc = sheet_save(&s, &e) < 0 ? fail(&e) : 0;
        sheet_count(&s, &st);
        if (!rc && !json)
            printf("wrote %s: %ld rows\n", to_file, st.rows);
        if (!rc && json)
            print_json(json_pack("{s:s, s:I}", "exported", to_file, "rows", (json_int_t)st.rows));
        sheet_free(&s);
        plan_free(p);
        return rc;
    }
    if (sheet_load(from_file, &in, &e) < 0) {
        sheet_free(&s);
        plan_free(p);
        return fail(&e);
    }
    map_import(&s, &in, &r);
    if ((r.added || r.updated) && sheet_save(&s, &e) < 0)
        rc = fail(&e);
    if (!rc && (r.added || r.updated)) {
        snprintf(note, sizeof note, "%zu added, %zu updated, %zu conflicts", r.added, r.updated,
                 r.nconflicts);
        audit(p, "map import", from_file, note);
    }
    if (!rc && json) {
        json_t *cf = json_array();
        for (size_t i = 0; i < r.nconflicts; i++)
            json_array_append_new(cf, json_string(r.conflicts[i]));
        print_json(json_pack("{s:I, s:I, s:I, s:o}", "added", (json_int_t)r.added, "updated",
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

    if (load_plan_and_catalogs(c->plan_path, &counts_none, &l, &e) < 0)
        return fail(&e);
    {
        char *path = plan_path(l.plan, l.plan->mapping);
        rc = sheet_load(path, &s, &e);
        free(path);
    }
    if (rc < 0) {
        loaded_free(&l);
        return fail(&e);
    }
    lint_static(&s, &l.pp, l.cats[0], l.cats[1], &r);
    if (lint_data_wait(l.plan->source.url, l.plan->dir, &s, &l.pp, l.cats[1], &r, &e) < 0) {
        rc = fail(&e);
    } else {
        if (json)
            print_json(lint_json(&r, s.path));
        else
            lint_print(stdout, &r, s.path);
        rc = lint_exit(&r);
    }
    lint_free(&r);
    sheet_free(&s);
    loaded_free(&l);
    return rc;
}

static int cmd_map(struct cli *c, int argc, char **argv)
{
    static const struct option lo[] = {
        { "json", no_argument, NULL, OPT_JSON }, { "help", no_argument, NULL, OPT_HELP }, { 0 } };
    struct map_opts o = { 0 };
    const char *sub;
    int rc = parse_opts("map", argc, argv, lo, map_opt, &o);

    if (rc)
        return rc < 0 ? cmd_help(find_cmd("map")) : rc;
    if (optind >= argc)
        return bad_usage("map", "%s", "which one: suggest, lint, import FILE or export FILE?");
    sub = argv[optind++];
    if (strcmp(sub, "suggest") && strcmp(sub, "lint") && strcmp(sub, "import") &&
        strcmp(sub, "export"))
        return bad_usage("map", "'%s': expected suggest, lint, import FILE or export FILE", sub);
    if ((sub[0] == 'i' || sub[0] == 'e') && optind == argc)
        return bad_usage("map", "%s: FILE is needed", sub);
    if (optind + (sub[0] == 'i' || sub[0] == 'e') < argc)
        return bad_usage("map", "%s: unexpected argument '%s'", sub,
                         argv[optind + (sub[0] == 'i' || sub[0] == 'e')]);
    if (strcmp(sub, "suggest") == 0)
        return map_suggest_cmd(c, o.json);
    if (strcmp(sub, "lint") == 0)
        return map_lint_cmd(c, o.json);
    return sub[0] == 'i' ? map_copy(c, argv[optind], NULL, o.json)
                         : map_copy(c, NULL, argv[optind], o.json);
}

/* --- diff and runs ----------------------------------------------------------- */

struct diff_cli {
    const char **tables;
    size_t ntables;
    int json, ndjson;
    long sample;
};

static int diff_opt(int opt, const char *arg, void *ctx)
{
    struct diff_cli *o = ctx;
    char *end;

    switch (opt) {
    case OPT_JSON: o->json = 1; break;
    case OPT_NDJSON: o->ndjson = 1; break;
    case OPT_TABLE:
        o->tables = xrealloc(o->tables, (o->ntables + 1) * sizeof *o->tables);
        o->tables[o->ntables++] = arg;
        break;
    case OPT_SAMPLE:
        o->sample = strtol(arg, &end, 10);
        if (*end || o->sample < 0)
            return bad_usage("diff", "--sample '%s': expected a number of rows", arg);
        break;
    }
    return 0;
}

struct diff_run {
    struct diff_cli o;
    db_t *db[2];
    struct reh *reh;
    uv_signal_t sig[3];         /* SIGINT, SIGTERM, SIGHUP: cancel the run */
    FILE *listed;               /* the discrepancies to list (--json: indented as the
                                 * document wants them; text: a line each) in an unlinked
                                 * temporary file: memory stays flat however many */
    char table[256];            /* the table the per-table count is for */
    long in_table;
    long table_at;              /* where its discrepancies begin in `listed` */
    int tty;
};

static void on_disc(void *arg, const struct diff_disc *d, json_t *o, int accepted)
{
    struct diff_run *r = arg;
    long limit = r->o.sample >= 0 ? r->o.sample : (r->o.json || r->o.ndjson ? LONG_MAX : 10);

    (void)accepted;
    if (strcmp(r->table, d->table) != 0) {
        snprintf(r->table, sizeof r->table, "%s", d->table);
        r->in_table = 0;
        r->table_at = r->listed ? ftell(r->listed) : 0;
    }
    if (r->in_table++ >= limit)
        return;
    jsonx_dumpf(o, r->o.ndjson ? stdout : r->listed,
               r->o.json ? JSON_INDENT(2) : JSON_COMPACT);
    fputc('\n', r->o.ndjson ? stdout : r->listed);
}

/* --json: the summary with its "discrepancies" array copied from the spool,
 * four spaces deeper, as json_dumpf would write it. A line starting with
 * '{' begins a discrepancy (nested braces are indented). */
static void print_json_listed(json_t *summary, FILE *listed)
{
    char *head = jsonx_dumps(summary, JSON_INDENT(2)), *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int first = 1;

    fwrite(head, 1, strlen(head) - 2, stdout);  /* all but the closing "\n}" */
    fputs(",\n  \"discrepancies\": [", stdout);
    rewind(listed);
    while ((n = getline(&line, &cap, listed)) > 0) {
        fputs(line[0] != '{' ? "\n    " : first ? "\n    " : ",\n    ", stdout);
        fwrite(line, 1, (size_t)n - (line[n - 1] == '\n'), stdout);
        first = 0;
    }
    fputs(first ? "]\n}\n" : "\n  ]\n}\n", stdout);
    free(line);
    free(head);
}

/* A table that failed, or that the run stopped in: what it listed is void
 * (NDJSON has printed it; its summary says the table failed or the run did). */
static void unlist_table(struct diff_run *r)
{
    if (r->table[0] && r->listed && r->table_at >= 0 && fflush(r->listed) == 0 &&
        ftruncate(fileno(r->listed), r->table_at) == 0)
        fseek(r->listed, r->table_at, SEEK_SET);
    r->table[0] = '\0';
}

static void on_table_done(void *arg, const struct diff_table *t)
{
    struct diff_run *r = arg;

    if (t->error && !strcmp(r->table, t->table))
        unlist_table(r);
    r->table[0] = '\0';
}

static void on_progress(void *arg, const struct diff_table *t)
{
    struct diff_run *r = arg;
    char buf[256];

    if (r->tty)
        fprintf(stderr, "\r%-76s", reh_progress(t, buf, sizeof buf));
}

static void close_dbs(struct diff_run *r)
{
    reh_disconnect(r->db);
    for (int i = 0; i < 3; i++)
        uv_close((uv_handle_t *)&r->sig[i], NULL);
}

static void on_run_done(void *arg, struct reh *reh)
{
    struct diff_run *r = arg;

    (void)reh;
    unlist_table(r);  /* listed for a table the run did not finish */
    if (r->tty)
        fprintf(stderr, "\r%-76s\r", "");
    close_dbs(r);
}

/* The signals that end diff and watch cleanly: Ctrl-C, a CI job's timeout
 * or systemd (SIGTERM), a lost terminal (SIGHUP). */

/* A stop signal cancels the run, recorded so. */
static void on_signal(uv_signal_t *h, int signum)
{
    struct diff_run *r = h->data;

    fprintf(stderr, "\ncutover: %s: cancelling the run…\n", signal_name(signum));
    reh_cancel(r->reh);
}

static void print_summary(json_t *s, FILE *listed)
{
    json_t *v, *prev = json_object_get(s, "previous");
    size_t i, cap = 0;
    char d1[32], d2[32], totals[256], *line = NULL;
    ssize_t n;

    printf("run %lld: %s in %s\n\n", jint(s, "run"), jstr(s, "status"),
           dur_format(jint(s, "duration_ms"), d1, sizeof d1));
    if (!json_array_size(json_object_get(s, "tables")))
        printf("no table was compared to its end\n");  /* a run that stopped in its first */
    else
        printf("%-24s %-24s %10s %10s %8s %8s %8s  %s\n", "SOURCE", "TARGET", "SRC ROWS",
               "TGT ROWS", "MISSING", "EXTRA", "CHANGED", "STATUS");
    json_array_foreach(json_object_get(s, "tables"), i, v) {
        char invalid[40] = "", rows[2][24];
        if (jint(v, "invalid"))
            snprintf(invalid, sizeof invalid, " (%lld invalid)", jint(v, "invalid"));
        else if (jint(v, "findings"))
            snprintf(invalid, sizeof invalid, " (%lld table finding%s)", jint(v, "findings"),
                     jint(v, "findings") > 1 ? "s" : "");
        for (int w = 0; w < 2; w++) {  /* null: not read (a table not validated) */
            json_t *count = json_object_get(v, w ? "target_rows" : "source_rows");
            snprintf(rows[w], sizeof rows[w], json_is_integer(count) ? "%lld" : "-",
                     (long long)json_integer_value(count));
        }
        printf("%-24s %-24s %10s %10s %8lld %8lld %8lld  %s%s%s%s\n", jstr(v, "table"),
               jstr(v, "target_table"), rows[0], rows[1],
               jint(v, "missing"), jint(v, "extra"), jint(v, "changed"), jstr(v, "status"),
               invalid, jstr(v, "error") ? ": " : "", jtext(v, "error"));
    }
    json_array_foreach(json_object_get(s, "checks"), i, v) {
        char *a = jsonx_dumps(json_object_get(v, "source"), JSON_ENCODE_ANY);
        char *b = jsonx_dumps(json_object_get(v, "target"), JSON_ENCODE_ANY);
        printf("check %-20s source %s, target %s: %s%s%s\n", jstr(v, "name"), a, b,
               jstr(v, "status"), jstr(v, "error") ? ": " : "", jtext(v, "error"));
        free(a);
        free(b);
    }
    printf("\n%s", reh_totals(s, totals, sizeof totals));
    if (jint(s, "accepted"))
        printf(" (%lld accepted variances)", jint(s, "accepted"));
    printf("\n");
    if (prev && json_array_size(json_object_get(s, "tables")))
        printf("vs run %lld: %lld new, %lld fixed, %lld still open; %s -> %s\n",
               jint(prev, "run"), jint(prev, "new"), jint(prev, "fixed"),
               jint(prev, "still_open"), dur_format(jint(prev, "duration_ms"), d1, sizeof d1),
               dur_format(jint(s, "duration_ms"), d2, sizeof d2));
    rewind(listed);
    for (i = 0; (n = getline(&line, &cap, listed)) > 0; i++)
        printf("%s%.*s", i ? "" : "\n", (int)n, line);
    free(line);
}

static int cmd_diff(struct cli *c, int argc, char **argv)
{
    static const struct option lo[] = {
        { "json", no_argument, NULL, OPT_JSON }, { "ndjson", no_argument, NULL, OPT_NDJSON },
        { "table", required_argument, NULL, OPT_TABLE },
        { "sample", required_argument, NULL, OPT_SAMPLE },
        { "help", no_argument, NULL, OPT_HELP }, { 0 } };
    struct diff_run r = { .o = { .sample = -1 } };
    struct reh_events ev = { .discrepancy = on_disc, .progress = on_progress,
                             .table_done = on_table_done, .done = on_run_done, .arg = &r };
    struct err e = { 0 };
    struct loaded l;
    uv_loop_t loop;
    ws_t *ws = NULL;
    json_t *summary;
    const char *msg;
    char *wspath;
    int rc = parse_opts("diff", argc, argv, lo, diff_opt, &r.o);

    /* libuv's pool, before its first job: a SQLite side runs one job at a time,
     * so two threads serve the two sides; the default four hand each side's
     * batches from thread to thread, which slows a SQLite pair measurably
     * (make bench). A value the user set stands. */
    setenv("UV_THREADPOOL_SIZE", "2", 0);
    if (rc || optind < argc || (r.o.json && r.o.ndjson)) {
        free(r.o.tables);
        return rc < 0 ? cmd_help(find_cmd("diff")) : rc ? rc
             : optind < argc ? bad_usage("diff", "unexpected argument '%s'", argv[optind])
             : bad_usage("diff", "--json and --ndjson: choose one");
    }
    if (load_plan_and_catalogs(c->plan_path, &counts_cheap, &l, &e) < 0) {
        free(r.o.tables);
        return fail(&e);
    }
    wspath = plan_path(l.plan, l.plan->workspace);
    ws = ws_open(wspath, &e);
    free(wspath);
    if (!r.o.ndjson && !(r.listed = tmpfile())) {
        err_set(&e, ERR_INPUT, "cannot create a temporary file for the discrepancies (in "
                "$TMPDIR or /tmp): %s", strerror(errno));
        rc = fail(&e);
        goto out;
    }
    uv_loop_init(&loop);
    r.tty = isatty(STDERR_FILENO);
    catch_stop_signals(&loop, r.sig, on_signal, &r);
    if (!ws || reh_connect(&loop, l.plan, r.db, &e) < 0 ||
        !(r.reh = reh_start(ws, r.db[0], r.db[1], l.plan, &l.pp, l.masked[0], l.masked[1],
                            &(struct diff_opts){ .tables = r.o.tables, .ntables = r.o.ntables }, &ev, &e))) {
        close_dbs(&r);
        uv_run(&loop, UV_RUN_DEFAULT);
        uv_loop_close(&loop);
        rc = fail(&e);
        goto out;
    }
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    summary = reh_summary(r.reh);
    if (r.o.ndjson) {
        jsonx_dumpf(summary, stdout, JSON_COMPACT);
        fputc('\n', stdout);
    } else if (r.o.json) {
        print_json_listed(summary, r.listed);
    } else {
        print_summary(summary, r.listed);
    }
    if (r.listed && ferror(r.listed))  /* the counts are right; the list is short */
        fprintf(stderr, "cutover: warning: some discrepancies could not be listed: the "
                "temporary file (in $TMPDIR or /tmp) could not be written\n");
    json_decref(summary);
    rc = reh_exit(r.reh, &msg);
    if (*msg) {  /* the run failed */
        err_set(&e, ERR_DB, "%s", msg);
        fail(&e);
    } else if (rc == ERR_INPUT || rc == ERR_DB) {
        fprintf(stderr, "cutover: %s: %s\n", rc == ERR_DB ? "a database refused a table's or a "
                "check's query" : "a table or check could not be compared as the plan and sheet "
                "say", "its error is in the output");
    }
    if (reh_unrecorded(r.reh)) {  /* the output is whole; the workspace's record is not */
        fprintf(stderr, "cutover: run %ld is recorded incomplete: %s\n", reh_run(r.reh),
                reh_unrecorded(r.reh));
        if (rc != ERR_DB)
            rc = ERR_INPUT;
    }
out:
    if (r.listed)
        fclose(r.listed);
    reh_free(r.reh);
    ws_close(ws);
    loaded_free(&l);
    free(r.o.tables);
    return rc;
}

/* The plan's workspace, for the commands that only read it. */
static ws_t *plan_workspace(struct cli *c, struct err *e)
{
    struct plan *p = plan_load(c->plan_path, e);
    char *path;
    ws_t *ws;

    if (!p)
        return NULL;
    path = plan_path(p, p->workspace);
    ws = ws_open(path, e);
    free(path);
    plan_free(p);
    return ws;
}

static int cmd_runs(struct cli *c, int argc, char **argv)
{
    static const struct option lo[] = {
        { "json", no_argument, NULL, OPT_JSON }, { "help", no_argument, NULL, OPT_HELP }, { 0 } };
    struct inv_opts o = { 0 };
    struct err e = { 0 };
    ws_t *ws;
    json_t *runs;
    int rc = parse_opts("runs", argc, argv, lo, inv_opt, &o);

    if (rc || optind < argc)
        return rc < 0 ? cmd_help(find_cmd("runs")) : rc ? rc
             : bad_usage("runs", "unexpected argument '%s'", argv[optind]);
    if (!(ws = plan_workspace(c, &e)))
        return fail(&e);
    runs = ws_runs_json(ws);
    if (o.json) {
        print_json(runs);
    } else {
        size_t i;
        json_t *v;
        char d[32];
        char checks[48];
        printf("%-5s %-10s %-11s %-24s %10s %8s %8s %8s %8s %7s  %-14s %s\n", "RUN", "KIND",
               "STATUS", "STARTED", "DURATION", "MISSING", "EXTRA", "CHANGED", "OPEN", "ERRORS",
               "CHECKS", "RESULT");
        json_array_foreach(runs, i, v) {
            if (!jint(v, "checks"))
                snprintf(checks, sizeof checks, "-");
            else if (jint(v, "failed_checks"))
                snprintf(checks, sizeof checks, "%lld of %lld failed", jint(v, "failed_checks"),
                         jint(v, "checks"));
            else
                snprintf(checks, sizeof checks, "%lld passed", jint(v, "checks"));
            printf("%-5lld %-10s %-11s %-24s %10s %8lld %8lld %8lld %8lld %7lld  %-14s %s%s%s\n",
                   jint(v, "run"), jstr(v, "kind"), jstr(v, "status"), jstr(v, "started_at"),
                   dur_format(jint(v, "duration_ms"), d, sizeof d), jint(v, "missing"),
                   jint(v, "extra"), jint(v, "changed"), jint(v, "open"), jint(v, "errors"),
                   checks, jstr(v, "result") ? jstr(v, "result") : "-",
                   jstr(v, "note") ? "  " : "", jtext(v, "note"));
        }
        json_decref(runs);
    }
    ws_close(ws);
    return 0;
}

/* --- timeline ---------------------------------------------------------------- */

static int cmd_timeline(struct cli *c, int argc, char **argv)
{
    static const struct option lo[] = {
        { "json", no_argument, NULL, OPT_JSON }, { "help", no_argument, NULL, OPT_HELP }, { 0 } };
    struct inv_opts o = { 0 };
    struct err e = { 0 };
    ws_t *ws;
    json_t *events, *v;
    size_t i;
    int rc = parse_opts("timeline", argc, argv, lo, inv_opt, &o);

    if (rc || optind < argc)
        return rc < 0 ? cmd_help(find_cmd("timeline")) : rc ? rc
             : bad_usage("timeline", "unexpected argument '%s'", argv[optind]);
    if (!(ws = plan_workspace(c, &e)))
        return fail(&e);
    events = ws_runbook_json(ws, 0, 0);
    if (o.json) {
        print_json(events);
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
        bad_usage("report", "--format %s: the formats are md, html and json", arg);
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

    if (load_plan_and_catalogs(c->plan_path, &counts_exact, &l, e) < 0)
        return NULL;
    if (open_sheet(l.plan, &sheet, e) < 0) {
        loaded_free(&l);
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
    loaded_free(&l);
    if (keep_ws)
        *keep_ws = ws;
    else
        ws_close(ws);
    return report;
}

static int cmd_report(struct cli *c, int argc, char **argv)
{
    static const struct option lo[] = {
        { "format", required_argument, NULL, OPT_FORMAT },
        { "output", required_argument, NULL, OPT_OUTPUT },
        { "help", no_argument, NULL, OPT_HELP }, { 0 } };
    struct report_opts o = { 0 };
    struct err e = { 0 };
    json_t *report;
    char *text;
    int rc = parse_opts("report", argc, argv, lo, report_opt, &o);

    if (rc || optind < argc)
        return rc < 0 ? cmd_help(find_cmd("report")) : rc ? rc
             : bad_usage("report", "unexpected argument '%s'", argv[optind]);
    if (!(report = gather_report(c, NULL, &e)))
        return fail(&e);
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
        rc = fail(&e);
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
    int rc = parse_opts(cmd, argc, argv, lo, sign_opt, &o);

    if (rc || (argc - optind != 0 && argc - optind != 2))
        return rc < 0 ? cmd_help(find_cmd(cmd)) : rc ? rc
             : bad_usage(cmd, "expected %s and a status, or nothing to list them",
                         area ? "an area" : "an item");
    if (!(report = gather_report(c, argc - optind ? &ws : NULL, &e)))
        return fail(&e);
    if (argc - optind) {
        rc = acc_sign(ws, report, kind, argv[optind], argv[optind + 1], o.note, &e);
        if (rc == 0)  /* as it stands now: the databases need not be read again */
            json_object_set_new(report, "acceptance", acc_build(report, ws));
        ws_close(ws);
        if (rc < 0) {
            json_decref(report);
            return fail(&e);
        }
    }
    acc = json_object_get(report, "acceptance");
    items = json_object_get(acc, area ? "areas" : "decommission");
    if (o.json) {
        print_json(json_incref(area ? items : acc));
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
        json_array_foreach(area ? NULL : json_object_get(acc, "keep"), i, v)
            printf("%s%s (%s): keep until %s\n", i ? "" : "\nPilot data to keep:\n",
                   jstr(v, "table"), jstr(v, "decision"), jstr(v, "until"));
    }
    json_decref(report);
    return 0;
}

static int cmd_accept(struct cli *c, int argc, char **argv)
{
    return signoff(c, argc, argv, "accept", "acceptance");
}

static int cmd_decommission(struct cli *c, int argc, char **argv)
{
    return signoff(c, argc, argv, "decommission", "decommission");
}

/* --- watch ------------------------------------------------------------------- */

struct watch {
    int headless;
    int64_t for_ms, interval_ms;
    db_t *db[2];
    mon_t *mon;
    ws_t *ws;
    int was_down[2];
    long last_event;            /* the runbook log's, for step events */
    struct ws_session hs;       /* the hypercare session this run belongs to */
    int completes;              /* this run reaches the session's end */
    int64_t until_ms;           /* when this run stops, on cutover's clock */
    uv_timer_t stop_timer, step_timer;
    uv_signal_t sig[3];         /* SIGINT, SIGTERM, SIGHUP: stop, the session interrupted */
    long long polls, failed;    /* at the stop */
    const char *stop_reason, *authority;
};

static int watch_opt(int opt, const char *arg, void *ctx)
{
    struct watch *w = ctx;
    int64_t *dst = opt == OPT_FOR ? &w->for_ms : &w->interval_ms;

    if (opt == OPT_HEADLESS) {
        w->headless = 1;
        return 0;
    }
    if ((*dst = dur_parse_ms(arg)) <= 0) {
        bad_usage("watch", "'%s' is not a duration (try 30s, 15m, 72h)", arg);
        return 1;
    }
    return 0;
}

/* An event's value in its unit, as people read it: 1234567, 30m20s, 2.5%. */
static const char *ev_value(const json_t *ev, const char *key, char *buf, size_t n)
{
    return plan_value_text(jnum(ev, key), plan_unit_of(jtext(ev, "unit")), buf, n);
}

/* One event: NDJSON headless, else a line for a person. Takes `ev`. */
static void watch_emit(struct watch *w, json_t *ev)
{
    char ts[32], v[32], l[32];
    time_t now = (time_t)(wall_ms() / 1000);

    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    json_object_set_new(ev, "time", json_string(ts));
    if (w->headless) {
        jsonx_dumpf(ev, stdout, JSON_COMPACT);
        fputc('\n', stdout);
    } else {
        const char *type = jstr(ev, "type");
        printf("%s %-10s", ts, type);
        if (!strcmp(type, "poll") && json_is_true(json_object_get(ev, "skipped")))
            printf(" %s %s: skipped, the previous poll still runs", jstr(ev, "table"),
                   jstr(ev, "side"));
        else if (!strcmp(type, "poll") && jstr(ev, "error"))
            printf(" %s %s: %s", jstr(ev, "table"), jstr(ev, "side"), jstr(ev, "error"));
        else if (!strcmp(type, "poll"))
        {
            printf(" %s %s: %s%lld rows in %lld ms", jstr(ev, "table"), jstr(ev, "side"),
                   json_is_true(json_object_get(ev, "estimated")) ? "~" : "", jint(ev, "rows"),
                   jint(ev, "latency_ms"));
            if (jstr(ev, "watermark"))
                printf(", watermark %s", jstr(ev, "watermark"));
            if (json_is_integer(json_object_get(ev, "changed")))
                printf(", %lld changed since the last poll", jint(ev, "changed"));
            if (json_is_integer(json_object_get(ev, "missing")))
                printf(", %lld missing", jint(ev, "missing"));
            if (json_is_integer(json_object_get(ev, "lag_ms")))
                printf(", lag %lld ms", jint(ev, "lag_ms"));
        }
        else if (!strcmp(type, "trigger"))
            printf(" %s %s: %s (limit %s)%s%s", jstr(ev, "trigger"), jstr(ev, "state"),
                   ev_value(ev, "value", v, sizeof v), ev_value(ev, "limit", l, sizeof l),
                   jstr(ev, "advice") ? ", ROLLBACK ADVISED, authority " : "",
                   jstr(ev, "advice") ? (jstr(ev, "authority") ? jstr(ev, "authority") : "not named") : "");
        else if (!strcmp(type, "window") && jstr(ev, "error"))
            printf(" %s (%s, %s]: not checked: %s", jstr(ev, "table"), jstr(ev, "from"),
                   jstr(ev, "to"), jstr(ev, "error"));
        else if (!strcmp(type, "window"))
            printf(" %s (%s, %s]: %lld rows checked, %lld missing, %lld stale, %lld duplicate%s",
                   jstr(ev, "table"), jstr(ev, "from"), jstr(ev, "to"), jint(ev, "rows"),
                   jint(ev, "missing"), jint(ev, "stale"), jint(ev, "duplicate"),
                   jint(ev, "unchecked") ? ", more rows than checked" : "");
        else if (!strcmp(type, "discrepancy")) {
            char *key = jsonx_dumps(json_object_get(ev, "key"), JSON_COMPACT);
            printf(" %s %s %s", jstr(ev, "table"), jstr(ev, "kind"), key);
            free(key);
        }
        else if (!strcmp(type, "alert"))
            printf(" %s %s %s: %s (level %s)", jstr(ev, "metric"), jstr(ev, "level"),
                   jstr(ev, "state"), ev_value(ev, "value", v, sizeof v),
                   ev_value(ev, "threshold", l, sizeof l));
        else if (!strcmp(type, "step"))
            printf(" %s %s%s%s", jstr(ev, "step"), jstr(ev, "event"),
                   jstr(ev, "detail") ? ": " : "", jstr(ev, "detail") ? jstr(ev, "detail") : "");
        else if (!strcmp(type, "start")) {
            char every[32], span[32];
            printf(" hypercare session %lld %s: %lld tables every %s, for %s from %s",
                   jint(ev, "session"), json_is_true(json_object_get(ev, "resumed")) ? "resumed"
                   : "started", jint(ev, "tables"),
                   dur_format(jint(ev, "interval_ms"), every, sizeof every),
                   dur_format(jint(ev, "duration_ms"), span, sizeof span), jstr(ev, "started_at"));
        }
        else if (!strcmp(type, "summary"))
            printf(" hypercare session %lld complete: %lld polls, %lld failed; the summary is in "
                   "the workspace", jint(ev, "session"), jint(ev, "polls"), jint(ev, "failed"));
        else if (!strcmp(type, "connection"))
            printf(" %s %s%s%s", jstr(ev, "side"), jstr(ev, "state"), jstr(ev, "error") ? ": " : "",
                   jstr(ev, "error") ? jstr(ev, "error") : "");
        else
            printf(" %s", jstr(ev, "reason") ? jstr(ev, "reason") : "");
        putchar('\n');
    }
    fflush(stdout);  /* a pipe must see each event as it happens */
    json_decref(ev);
}

static const char *side_name(int side) { return side ? "target" : "source"; }

static void watch_sample(const struct live_sample *s, void *arg)
{
    struct watch *w = arg;
    json_t *ev = json_pack("{s:s, s:I, s:s, s:s, s:s}", "type", "poll", "tick", (json_int_t)s->tick,
                           "table", s->table, "target_table", s->target_table, "side",
                           side_name(s->side));

    if (s->skipped) {
        json_object_set_new(ev, "skipped", json_true());
        watch_emit(w, ev);
        return;
    }
    if (s->error) {
        json_object_set_new(ev, "error", json_string(s->error));
    } else {
        json_object_set_new(ev, "rows", json_integer(s->rows));
        if (s->estimated)
            json_object_set_new(ev, "estimated", json_true());
        json_object_set_new(ev, "watermark", s->watermark ? json_string(s->watermark) : json_null());
        json_object_set_new(ev, "changed", s->changed >= 0 ? json_integer(s->changed) : json_null());
        json_object_set_new(ev, "latency_ms", json_integer(s->latency_ms));
    }
    json_object_set_new(ev, "missing", s->missing != -1 ? json_integer(s->missing) : json_null());
    if (s->missing_estimated)
        json_object_set_new(ev, "missing_estimated", json_true());
    json_object_set_new(ev, "lag_ms", s->has_lag ? json_integer(s->lag_ms) : json_null());
    watch_emit(w, ev);
}

static void watch_trigger(const struct live_trigger *t, void *arg)
{
    struct watch *w = arg;
    const struct plan_limit *l = t->limit;
    json_t *ev = json_pack("{s:s, s:s, s:s, s:f, s:f, s:s}", "type", "trigger", "trigger", l->name,
                           "state", t->breached ? "breached" : "cleared", "value", t->value,
                           "limit", l->value, "unit", plan_unit_name(l->unit));

    if (t->breached)
        json_object_set_new(ev, "advice", json_string("ROLLBACK ADVISED"));
    json_object_set_new(ev, "authority", w->authority ? json_string(w->authority) : json_null());
    watch_emit(w, ev);
}

static void watch_finding(long long tick, const struct win_result *r, const struct diff_disc *d,
                          void *arg)
{
    json_t *ev = reh_discrepancy_json(d);

    (void)r;
    json_object_set_new(ev, "tick", json_integer(tick));
    watch_emit(arg, ev);
}

static void watch_window(long long tick, const struct win_result *r, void *arg)
{
    json_t *ev = json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I}", "type",
                           "window", "tick", (json_int_t)tick, "table", r->table, "target_table",
                           r->target_table, "from", r->lo, "to", r->hi, "rows", (json_int_t)r->keys,
                           "missing", (json_int_t)r->missing, "stale", (json_int_t)r->stale,
                           "duplicate", (json_int_t)r->duplicates, "unchecked",
                           (json_int_t)r->unchecked);

    json_object_set_new(ev, "error", r->error ? json_string(r->error) : json_null());
    watch_emit(arg, ev);
}

static void watch_warn(const char *msg, void *arg)
{
    (void)arg;
    fprintf(stderr, "cutover: warning: %s\n", msg);
}

static void watch_alert(json_t *alert, void *arg)
{
    watch_emit(arg, json_deep_copy(alert));
}

static void watch_state(db_t *db, enum db_state st, void *arg)
{
    struct watch *w = arg;
    int side = db == w->db[1];
    json_t *ev;

    if (st == DB_CONNECTING)
        return;
    if (w->ws && (st == DB_DOWN) != w->was_down[side])  /* a change: onto the timeline */
        ws_connection_event(w->ws, side_name(side), st == DB_UP, db_errmsg(db), &(struct err){ 0 });
    w->was_down[side] = st == DB_DOWN;
    ev = json_pack("{s:s, s:s, s:s}", "type", "connection", "side", side_name(side), "state",
                   st == DB_UP ? "up" : "down");
    if (st == DB_DOWN)
        json_object_set_new(ev, "error", json_string(db_errmsg(db)));
    watch_emit(w, ev);
}

/* Runbook events recorded since the last look (by the dashboard that runs
 * the steps): step starts, gate decisions, exits, rollback. The events
 * watch makes itself (triggers, connections, alerts, the session) are left
 * out. */
static void watch_steps(uv_timer_t *h)
{
    struct watch *w = h->data;
    json_t *events = ws_runbook_json(w->ws, 0, w->last_event), *v;
    size_t i;

    json_array_foreach(events, i, v) {
        const char *step = jstr(v, "step");
        w->last_event = (long)jint(v, "id");
        if (!strcmp(step, "trigger") || !strcmp(step, "source") || !strcmp(step, "target") ||
            !strcmp(step, "alert") || !strcmp(step, "hypercare"))
            continue;
        watch_emit(w, json_pack("{s:s, s:s, s:s, s:O, s:O, s:O, s:O, s:O}", "type", "step",
                                "step", step, "event", jstr(v, "event"), "at",
                                json_object_get(v, "at"), "user", json_object_get(v, "user"),
                                "exit_status", json_object_get(v, "exit_status"), "duration_ms",
                                json_object_get(v, "duration_ms"), "detail",
                                json_object_get(v, "output")));
    }
    json_decref(events);
}

static void hypercare_event(struct watch *w, const char *event, const char *detail)
{
    struct err e = { 0 };

    if (w->ws && ws_runbook_event(w->ws, "hypercare", event, user_name(), 0, 0, detail, &e) < 0)
        fprintf(stderr, "cutover: warning: %s\n", e.msg);
}

static void watch_stop(struct watch *w, const char *reason)
{
    int complete = w->completes && !strcmp(reason, "duration");
    char at[64], *text = NULL;
    json_t *sum = NULL;

    if (w->stop_reason)
        return;
    w->stop_reason = reason;
    mon_counts(w->mon, &w->polls, &w->failed);
    ws_session_clock(&w->hs, at, sizeof at);
    ws_settle(w->ws);  /* the summary is of what the workspace holds */
    if (complete && w->ws) {  /* from what the whole session recorded, restarts included */
        sum = ws_session_summary(w->ws, mon_session(w->mon));
        json_object_set_new(sum, "session", json_integer(mon_session(w->mon)));
        json_object_set_new(sum, "started_at", json_string(w->hs.started_at));
        json_object_set_new(sum, "duration_ms", json_integer(w->hs.duration_ms));
        text = jsonx_dumps(sum, JSON_COMPACT);
    }
    mon_stop(w->mon, complete ? "completed" : "interrupted", text);
    if (complete) {
        long long found = 0;
        size_t i;
        json_t *f;
        char *detail;
        json_array_foreach(sum ? json_object_get(sum, "findings") : NULL, i, f)
            found += jint(f, "n");
        detail = xasprintf("%s: %lld polls, %lld failed, %lld findings", at,
                           sum ? jint(sum, "polls") : w->polls,
                           sum ? jint(sum, "failed") : w->failed, found);
        hypercare_event(w, "completed", detail);
        free(detail);
        if (sum) {
            json_object_set_new(sum, "type", json_string("summary"));
            watch_emit(w, sum);
        }
    } else {
        char *detail = xasprintf("%s at %s; cutover watch resumes it", reason, at);
        hypercare_event(w, "interrupted", detail);
        free(detail);
        json_decref(sum);
    }
    free(text);
    w->mon = NULL;
    uv_close((uv_handle_t *)&w->stop_timer, NULL);
    uv_close((uv_handle_t *)&w->step_timer, NULL);
    for (int i = 0; i < 3; i++)
        uv_close((uv_handle_t *)&w->sig[i], NULL);
    db_close(w->db[0]);
    db_close(w->db[1]);
}

static void watch_on_signal(uv_signal_t *h, int signum)
{
    watch_stop(h->data, signal_name(signum));
}

static void watch_on_timer(uv_timer_t *h)
{
    watch_stop(h->data, "duration");
}

static void watch_probe(const struct probe_sample *p, void *arg)
{
    json_t *ev = json_pack("{s:s, s:I, s:s, s:s, s:s, s:I}", "type", "probe", "tick",
                           (json_int_t)p->tick, "name", p->name, "side", p->side, "unit",
                           plan_unit_name(p->unit), "latency_ms", (json_int_t)p->latency_ms);

    json_object_set_new(ev, "value", p->error ? json_null() : json_real(p->value));
    json_object_set_new(ev, "error", p->error ? json_string(p->error) : json_null());
    if (p->note)
        json_object_set_new(ev, "note", json_string(p->note));
    watch_emit(arg, ev);
}

/* On the simulated clock (tests only) the session ends by that clock. */
static void watch_round(long long tick, void *arg)
{
    struct watch *w = arg;
    (void)tick;

    if (wall_ms() >= w->until_ms)
        watch_stop(w, "duration");
}

static int cmd_watch(struct cli *c, int argc, char **argv)
{
    static const struct option lo[] = {
        { "headless", no_argument, NULL, OPT_HEADLESS },
        { "for", required_argument, NULL, OPT_FOR },
        { "interval", required_argument, NULL, OPT_INTERVAL },
        { "help", no_argument, NULL, OPT_HELP }, { 0 } };
    struct watch w = { 0 };
    struct db_opts dbo = { .reconnect = 1, .on_state = watch_state, .arg = &w };
    struct live_events ev = { .on_sample = watch_sample, .on_trigger = watch_trigger,
                              .on_finding = watch_finding, .on_window = watch_window,
                              .on_round = watch_round, .on_probe = watch_probe, .arg = &w };
    struct mon_events mev = { .warn = watch_warn, .forward = &ev };
    struct mon_opts mo = { .kind = "hypercare", .on_alert = watch_alert, .alert_arg = &w };
    struct err e = { 0 };
    struct loaded l;
    uv_loop_t loop;
    int64_t run_ms;
    int lock = -1, rc = parse_opts("watch", argc, argv, lo, watch_opt, &w);

    if (rc || optind < argc)
        return rc < 0 ? cmd_help(find_cmd("watch")) : rc ? rc
             : bad_usage("watch", "unexpected argument '%s'", argv[optind]);
    if (load_plan_and_catalogs(c->plan_path, &counts_none, &l, &e) < 0)
        return fail(&e);
    {
        char *path = plan_path(l.plan, l.plan->workspace);
        if (!(w.ws = ws_open(path, &e)))
            fprintf(stderr, "cutover: warning: nothing will be recorded: %s\n", e.msg);
        else if ((lock = ws_take_lock(w.ws, "watch")) < 0)  /* one session, one watcher */
            err_set(&e, ERR_INPUT, lock == -1 ? "%s: another cutover watch records hypercare "
                    "on this workspace; one at a time: stop that one first (the dashboard "
                    "shows what it records)" : "%s.watch-lock: cannot open it: %s", path,
                    strerror(errno));
        free(path);
        if (w.ws && lock < 0) {
            ws_close(w.ws);
            loaded_free(&l);
            return fail(&e);
        }
        e = (struct err){ 0 };
    }
    w.authority = l.plan->authority;
    if (!w.interval_ms)
        w.interval_ms = l.plan->hc_interval_ms > 0 ? l.plan->hc_interval_ms : 30000;
    /* the hypercare session: the open one goes on, else a new one begins */
    mo.interval_ms = w.interval_ms;
    mo.ws = w.ws;
    if (w.ws && ws_session_open(w.ws, "hypercare", &w.hs) == 1) {
        int64_t left = w.hs.started_ms + w.hs.duration_ms - w.hs.now_ms;
        mo.resume = w.hs.id;
        run_ms = w.for_ms && w.for_ms < left ? w.for_ms : left;
        w.completes = run_ms == left;
    } else {
        w.hs = (struct ws_session){ .started_ms = wall_ms(),
                                    .duration_ms = w.for_ms ? w.for_ms : l.plan->hc_duration_ms };
        clock_iso(w.hs.started_at, sizeof w.hs.started_at);
        run_ms = mo.duration_ms = w.hs.duration_ms;
        w.completes = 1;
    }
    uv_loop_init(&loop);
    if (plan_connect(&loop, l.plan, &dbo, w.db, &e) < 0 ||
        !(w.mon = mon_start(&loop, w.db[0], w.db[1], l.plan, &l.pp, &mo, &mev, &e))) {
        db_close(w.db[0]);
        db_close(w.db[1]);
        uv_run(&loop, UV_RUN_DEFAULT);
        uv_loop_close(&loop);
        ws_close(w.ws);
        if (lock >= 0)
            close(lock);
        loaded_free(&l);
        return fail(&e);
    }
    {
        char clock[64], detail[160], gap[32];
        int64_t now = wall_ms();
        int64_t last = w.hs.last_sample_ms ? w.hs.last_sample_ms : w.hs.started_ms;
        json_t *start = json_pack("{s:s, s:I, s:b, s:s, s:I, s:I, s:I, s:I}", "type", "start",
                               "session", (json_int_t)mon_session(w.mon), "resumed", mo.resume > 0,
                               "started_at", w.hs.started_at, "duration_ms",
                               (json_int_t)w.hs.duration_ms, "elapsed_ms",
                               (json_int_t)(now - w.hs.started_ms), "tables",
                               (json_int_t)mon_ntables(w.mon), "interval_ms",
                               (json_int_t)w.interval_ms);
        ws_session_clock(&w.hs, clock, sizeof clock);
        if (mo.resume > 0) {  /* the gap: nothing was sampled since the last sample */
            json_object_set_new(start, "gap_ms", json_integer(now - last));
            snprintf(detail, sizeof detail, "%s, after a gap of %s with no samples", clock,
                     dur_human(now - last, gap, sizeof gap));
            hypercare_event(&w, "resumed", detail);
        } else {
            snprintf(detail, sizeof detail, "%s, every %s", clock,
                     dur_format(w.interval_ms, gap, sizeof gap));
            hypercare_event(&w, "started", detail);
        }
        watch_emit(&w, start);
    }
    uv_timer_init(&loop, &w.stop_timer);
    w.stop_timer.data = &w;
    uv_timer_init(&loop, &w.step_timer);
    w.step_timer.data = &w;
    if (w.ws) {  /* from now on: the history is `cutover timeline`'s */
        w.last_event = ws_runbook_last(w.ws);
        uv_timer_start(&w.step_timer, watch_steps, 1000, 1000);
    }
    w.until_ms = wall_ms() + (run_ms > 0 ? run_ms : 0);
    if (!clock_simulated())
        uv_timer_start(&w.stop_timer, watch_on_timer, (uint64_t)(run_ms > 0 ? run_ms : 0), 0);
    catch_stop_signals(&loop, w.sig, watch_on_signal, &w);
    uv_run(&loop, UV_RUN_DEFAULT);
    watch_emit(&w, json_pack("{s:s, s:s, s:I, s:I}", "type", "stop", "reason", w.stop_reason,
                             "polls", (json_int_t)w.polls, "failed", (json_int_t)w.failed));
    uv_loop_close(&loop);
    ws_close(w.ws);
    if (lock >= 0)
        close(lock);
    loaded_free(&l);
    return 0;
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
        return rc < 0 ? cmd_help(find_cmd("demo")) : rc;
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

static int cmd_doctor(struct cli *c, int argc, char **argv)
{
    static const struct option lo[] = {
        { "json", no_argument, NULL, OPT_JSON }, { "help", no_argument, NULL, OPT_HELP }, { 0 } };
    struct inv_opts o = { 0 };
    struct doctor_report r;
    struct err e = { 0 };
    struct plan *p;
    int rc = parse_opts("doctor", argc, argv, lo, inv_opt, &o);

    if (rc || optind < argc)
        return rc < 0 ? cmd_help(find_cmd("doctor")) : rc ? rc
             : bad_usage("doctor", "unexpected argument '%s'", argv[optind]);
    if (!(p = plan_load(c->plan_path, &e)))
        return fail(&e);
    doctor_run(p, &r);
    if (o.json)
        print_json(doctor_json(&r));
    else
        doctor_print(stdout, &r);
    rc = doctor_exit(&r);
    doctor_free(&r);
    plan_free(p);
    return rc;
}

static int cmd_tui(struct cli *c, int argc, char **argv)
{
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
        return cmd_help(find_cmd("tui"));
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
            if (i + 1 < argc) {
                fprintf(stderr, "cutover: --version: unexpected argument '%s'\n", argv[i + 1]);
                return ERR_INPUT;
            }
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
        } else if (strcmp(argv[i], "--plan") == 0 || strcmp(argv[i], "--theme") == 0) {
            fprintf(stderr, "cutover: %s needs a %s\n", argv[i], argv[i][2] == 'p' ? "FILE"
                    : "NAME");
            return ERR_INPUT;
        } else {
            fprintf(stderr, "cutover: unknown option '%s'\n\n", argv[i]);
            usage(stderr);
            return ERR_INPUT;
        }
    }
    if (i == argc)
        return cmd_tui(&c, 1, (char *[]){ "tui", NULL });
    for (size_t k = 0; k < NCMDS; k++) {
        if (strcmp(argv[i], cmds[k].name) != 0)
            continue;
        if (c.theme && cmds[k].run != cmd_tui && cmds[k].run != cmd_demo) {
            fprintf(stderr, "cutover: --theme is for the dashboard (tui, demo), not for '%s'\n",
                    argv[i]);
            return ERR_INPUT;
        }
        return cmds[k].run(&c, argc - i, argv + i);
    }
    fprintf(stderr, "cutover: unknown command '%s' (see 'cutover --help')\n", argv[i]);
    return ERR_INPUT;
}
