/* cli: the command line of DESIGN.md: the commands' table, help, exit codes and
 * the options every command parses; the commands themselves live beside it, a
 * file a group (init.c, map.c, rehearse.c, record.c, watch.c). */
#include "config.h"
#include "cli.h"
#include "cli_int.h"
#include "doctor.h"
#include "demo.h"
#include "util.h"

#include <string.h>

struct cmd {
    const char *name;
    int (*run)(struct cli *c, int argc, char **argv);
    const char *args;
    const char *summary;
    const char *help;       /* options, one per line */
};


static const struct cmd cmds[] = {
    { "tui", cli_cmd_tui, "[--theme NAME]", "open the dashboard (the default command)",
      "  --theme NAME   default, light, high-contrast, monochrome or a theme of your own\n"
      "                 (also $CUTOVER_THEME, or theme = NAME in\n"
      "                 $XDG_CONFIG_HOME/cutover/config.ini); NO_COLOR=1 turns colour off\n" },
    { "init", cli_cmd_init, "--source URL --target URL [--force]",
      "write cutover.ini from both catalogs",
      "  --source URL   the database the data comes from (sqlite:FILE, postgresql://…)\n"
      "  --target URL   the database it goes to\n"
      "                 (no password in a URL: give it with PGPASSWORD, ~/.pgpass or a\n"
      "                 service file; one given here is left out of the plan)\n"
      "  --force        overwrite an existing plan\n" },
    { "doctor", cli_cmd_doctor, "[--json]",
      "check both sides before a cutover: reached, version, pinned settings, a role that "
      "could write, clock skew, latency, the workspace",
      "  --json         print the checks as JSON\n"
      "                 exit 0 all good, 1 warnings, 3 a side not reached\n" },
    { "inventory", cli_cmd_inventory, "[--json]",
      "tables on both sides: rows, keys, decision, owner, flags",
      "  --json         print the inventory as JSON (format in docs/inventory.md)\n" },
    { "map", cli_cmd_map, "suggest|lint|import FILE|export FILE [--json]\n"
      "       cutover map approve|reject [--table T]... [--row N]... [--all] [--note TEXT]",
      "the mapping sheet: suggest pairs, lint against the data, spreadsheet round trips, review",
      "  suggest        pair the columns of every table pair and add new pairs to the\n"
      "                 sheet as draft rows (reviewed rows are never touched)\n"
      "  lint           check the sheet against both catalogs and the source data;\n"
      "                 exit 1 when there are errors\n"
      "  export FILE    write the sheet to FILE\n"
      "  import FILE    merge FILE by (source, target): new rows are added, draft rows\n"
      "                 updated; reviewed rows that differ are reported (exit 1)\n"
      "  approve, reject  review rows in bulk, each written and audited as the\n"
      "                 dashboard's a and x do\n"
      "  --table T      the rows of source table T (repeatable)\n"
      "  --row N        the row on line N of the sheet, as map lint names it (repeatable)\n"
      "  --all          every row\n"
      "  --note TEXT    why (required to reject)\n"
      "  --json         print the result as JSON (suggest, lint, import, export)\n" },
    { "diff", cli_cmd_diff, "[--table T]... [--wave NAME] [--json|--ndjson] [--sample N]\n"
      "       [--structure-only] [--strategy auto|full|probe|bisect]",
      "validate now: compare the tables and run the checks; recorded as a rehearsal",
      "  --table T      only this source table (repeatable)\n"
      "  --json         print the summary and the discrepancies as one JSON document\n"
      "  --ndjson       print one JSON object per discrepancy, then the summary\n"
      "  --sample N     list at most N discrepancies per table (counts stay exact;\n"
      "                 default 10 in text, all in JSON; structural findings all)\n"
      "  --wave NAME    that wave's tables within its slice, recorded as a run of the wave\n"
      "                 (compared with the wave's runs)\n"
      "  --structure-only  the structural checks alone (orphans, lost constraints,\n"
      "                 NULL shares, duplicates, tenants), no rows compared\n"
      "  --strategy S   how rows are compared: full (every row read), probe (keys and\n"
      "                 row hashes read), bisect (key ranges compared by checksum on the\n"
      "                 servers first); auto (default) bisects a table of 2M rows or more\n"
      "exit 1 when a discrepancy is not an accepted variance, a check or a table failed;\n"
      "exit 2 when --table names no table or a rule in the sheet does not parse\n" },
    { "waves", cli_cmd_waves, "[--json]",
      "the waves of a phased migration: tables, slice, state, truth now, owner, gate, latest "
      "validation",
      "  --json         print them as JSON\n" },
    { "wave", cli_cmd_wave, "NAME start|moved|rollback [--note TEXT]",
      "record a wave's move: planned -> moving -> moved, or rolled back",
      "  --note TEXT    why, kept with the state\n"
      "moved is refused (exit 1) while the wave's gate says no-go: diff and checks need its\n"
      "latest 'cutover diff --wave NAME' to pass, manual its owner; exit 2 for a move its\n"
      "state does not allow\n" },
    { "runs", cli_cmd_runs, "[--json]", "recorded runs with their totals and durations",
      "  --json         print them as JSON\n" },
    { "discrepancies", cli_cmd_discrepancies,
      "classify CLASS|assign OWNER|decide NOTE [--run N] [--table T]... [--kind K] [--field F]\n"
      "       [--key KEY] [--all]",
      "classify, assign or decide a run's discrepancies in bulk, each audited",
      "  classify CLASS mapping_defect, transformation_bug, source_data_problem, sync_lag,\n"
      "                 test_harness_error or accepted_variance (a variance stops failing\n"
      "                 later runs)\n"
      "  assign OWNER   who fixes them\n"
      "  decide NOTE    what was decided about them\n"
      "  --run N        that run's (default the latest)\n"
      "  --table T      of source table T (repeatable)\n"
      "  --kind K       missing, extra, changed, duplicate…\n"
      "  --field F      changed rows whose field F differs (source or target column),\n"
      "                 and structural findings about that column\n"
      "  --key KEY      the one with this key, as diff prints it (id=42)\n"
      "  --all          every one of the run (when no other option selects)\n"
      "each is set for its key in later runs too, as the dashboard's c, o and e do\n" },
    { "timeline", cli_cmd_timeline, "[--json]",
      "the cutover's timeline: steps, gates, rollback, triggers, connections lost and back",
      "  --json         print it as JSON (at, step, event, user, exit_status, duration_ms,\n"
      "                 output)\n" },
    { "watch", cli_cmd_watch, "[--headless] [--for DURATION] [--interval DURATION]",
      "poll both databases live: counts, watermark lag, write rate, latency",
      "  --headless     print one JSON object per event (NDJSON) instead of lines\n"
      "  --for D        a new hypercare session lasts D (30s, 15m, 72h; default\n"
      "                 [hypercare] duration); resuming one, this run stops after D\n"
      "  --interval D   time between polls (default [hypercare] interval, else 30s)\n"
      "a database that goes away is reported down and reconnected with backoff;\n"
      "an open hypercare session (interrupted, or killed) is resumed, not restarted\n" },
    { "report", cli_cmd_report, "[--format md|html|json] [-o FILE]",
      "the acceptance report: Pilot data, mapping review, rehearsals, timeline, hypercare",
      "  --format F     md (Markdown, the default), html (one self-contained page with\n"
      "                 the hypercare charts) or json\n"
      "  -o, --output FILE  write it to FILE (atomically) instead of standard output\n"
      "the databases are read for the Pilot data's counts; passwords never appear\n" },
    { "decide", cli_cmd_decide,
      "TABLE... migrate|delete|retain|temporary|undecided [--expires DATE] [--owner NAME]",
      "set what happens to tables' Pilot data, written to cutover.ini and the audit log",
      "  TABLE...       source tables, as cutover.ini names them\n"
      "  --expires DATE when temporary Pilot data goes (YYYY-MM-DD; required for temporary)\n"
      "  --owner NAME   set the tables' owner too\n" },
    { "accept", cli_cmd_accept, "[AREA accepted|rejected|pending] [--note TEXT] [--json]",
      "the acceptance areas: measured evidence, status, sign-off",
      "  AREA STATUS    sign an area off (completeness, stability, performance, support,\n"
      "                 compliance) as the current user; without them, list the areas\n"
      "  --note TEXT    the signer's statement: evidence cutover cannot measure\n"
      "  --json         print the areas as JSON\n" },
    { "decommission", cli_cmd_decommission, "[ITEM done|open] [--note TEXT] [--json]",
      "the decommission checklist and the Pilot data to keep",
      "  ITEM STATUS    check an item off (archive, code_paths, lock_writes, document,\n"
      "                 shutdown) as the current user; without them, list the checklist\n"
      "  --note TEXT    what was done, where it is recorded\n"
      "  --json         print the checklist and what to keep as JSON\n"
      "exit 1 for shutdown while an area is not accepted or an item is open\n" },
    { "demo", cli_cmd_demo, "[DIR] [--target URL]",
      "build a demo migration in DIR and open the dashboard on it",
      "  DIR            where to build it (default ./cutover-demo); on a terminal the\n"
      "                 dashboard opens, otherwise the inventory is printed\n"
      "  --target URL   put the Production side in this PostgreSQL database instead of\n"
      "                 a SQLite file (it must be empty: the demo creates its tables)\n" },
};


#define NCMDS (sizeof cmds / sizeof *cmds)

/* Edits between two words: insertions, deletions, substitutions and
 * swaps of neighbours (optimal string alignment), for words up to 31 bytes. */
static int distance(const char *a, const char *b)
{
    int la = (int)strlen(a), lb = (int)strlen(b), d[32][32];

    if (la > 31 || lb > 31)
        return 99;
    for (int x = 0; x <= la; x++)
        d[x][0] = x;
    for (int y = 0; y <= lb; y++)
        d[0][y] = y;
    for (int x = 1; x <= la; x++)
        for (int y = 1; y <= lb; y++) {
            int sub = d[x - 1][y - 1] + (a[x - 1] != b[y - 1]), v = d[x - 1][y] + 1;
            if (d[x][y - 1] + 1 < v)
                v = d[x][y - 1] + 1;
            if (sub < v)
                v = sub;
            if (x > 1 && y > 1 && a[x - 1] == b[y - 2] && a[x - 2] == b[y - 1] &&
                d[x - 2][y - 2] + 1 < v)
                v = d[x - 2][y - 2] + 1;
            d[x][y] = v;
        }
    return d[la][lb];
}

/* The command a mistyped one most likely meant (two edits at most, and
 * fewer than half its letters), or NULL. */
static const char *nearest_command(const char *word)
{
    const char *best = NULL;
    int bestd = 3;

    for (size_t k = 0; k < NCMDS; k++) {
        int dd = distance(word, cmds[k].name);
        if (dd < bestd && dd * 2 < (int)strlen(cmds[k].name))
            best = cmds[k].name, bestd = dd;
    }
    return best;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: cutover [--plan FILE] [COMMAND] [OPTIONS]\n\n"
               "cutover is a migration control room: inventory, field mapping, rehearsal\n"
               "diffs, live cutover and hypercare, from Pilot to Production.\n\n"
               "commands:\n");
    int w = 0;

    for (size_t i = 0; i < NCMDS; i++)  /* one column for the summaries */
        w = strlen(cmds[i].name) > (size_t)w ? (int)strlen(cmds[i].name) : w;
    for (size_t i = 0; i < NCMDS; i++)
        fprintf(f, "  %-*s %s\n", w, cmds[i].name, cmds[i].summary);
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

int cli_help(const char *name)
{
    return cmd_help(find_cmd(name));
}

int cli_fail(const struct err *e)
{
    fprintf(stderr, "cutover: %s\n", e->msg);
    return e->kind ? (int)e->kind : ERR_INPUT;
}

__attribute__((format(printf, 2, 3)))
int cli_usage(const char *cmd, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "cutover %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n(see 'cutover %s --help')\n", cmd);
    return ERR_INPUT;
}


int cli_parse_opts(const char *name, int argc, char **argv, const struct option *longopts,
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
            return cli_usage(name, "unknown option or missing value '%s'", argv[optind - 1]);
        if (opt == OPT_HELP)
            return -1;
        if (on_opt(opt, optarg, ctx))
            return ERR_INPUT;
    }
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

int cli_cmd_demo(struct cli *c, int argc, char **argv)
{
    static const struct option lo[] = {
        { "target", required_argument, NULL, OPT_TARGET },
        { "help", no_argument, NULL, OPT_HELP }, { 0 } };
    struct demo_opts o = { 0 };
    struct err e = { 0 };
    const char *dir;
    char *plan;
    int rc = cli_parse_opts("demo", argc, argv, lo, demo_opt, &o);

    if (rc)
        return rc < 0 ? cli_help("demo") : rc;
    dir = optind < argc ? argv[optind++] : "cutover-demo";
    if (optind < argc)
        return cli_usage("demo", "unexpected argument '%s'", argv[optind]);
    if (demo_build(dir, o.target, &e) < 0)
        return cli_fail(&e);
    plan = xasprintf("%s/cutover.ini", dir);
    if (isatty(STDIN_FILENO) && isatty(STDOUT_FILENO)) {
        rc = c->tui(plan, c->theme, 1, (char *[]){ "tui", NULL });
        free(plan);
        return rc;
    }
    printf("demo migration built in %s/ (plan %s; phased.ini beside it moves the same in "
           "waves)\n\n", dir, plan);
    fflush(stdout);
    rc = cli_show_inventory(plan, 0);
    free(plan);
    return rc;
}

int cli_cmd_doctor(struct cli *c, int argc, char **argv)
{
    static const struct option lo[] = {
        { "json", no_argument, NULL, OPT_JSON }, { "help", no_argument, NULL, OPT_HELP }, { 0 } };
    struct cli_json_opts o = { 0 };
    struct doctor_report r;
    struct err e = { 0 };
    struct plan *p;
    int rc = cli_parse_opts("doctor", argc, argv, lo, cli_json_opt, &o);

    if (rc || optind < argc)
        return rc < 0 ? cli_help("doctor") : rc ? rc
             : cli_usage("doctor", "unexpected argument '%s'", argv[optind]);
    if (!(p = plan_load(c->plan_path, &e)))
        return cli_fail(&e);
    doctor_run(p, &r);
    if (o.json)
        cli_print_json(doctor_json(&r));
    else
        doctor_print(stdout, &r);
    rc = doctor_exit(&r);
    doctor_free(&r);
    plan_free(p);
    return rc;
}

int cli_cmd_tui(struct cli *c, int argc, char **argv)
{
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
        return cli_help("tui");
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
        return cli_cmd_tui(&c, 1, (char *[]){ "tui", NULL });
    for (size_t k = 0; k < NCMDS; k++) {
        if (strcmp(argv[i], cmds[k].name) != 0)
            continue;
        if (c.theme && cmds[k].run != cli_cmd_tui && cmds[k].run != cli_cmd_demo) {
            fprintf(stderr, "cutover: --theme is for the dashboard (tui, demo), not for '%s'\n",
                    argv[i]);
            return ERR_INPUT;
        }
        return cmds[k].run(&c, argc - i, argv + i);
    }
    {
        const char *near = nearest_command(argv[i]);
        if (near)
            fprintf(stderr, "cutover: unknown command '%s': did you mean '%s'? (see 'cutover "
                    "--help')\n", argv[i], near);
        else
            fprintf(stderr, "cutover: unknown command '%s' (see 'cutover --help')\n", argv[i]);
    }
    return ERR_INPUT;
}
