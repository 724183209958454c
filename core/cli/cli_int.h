/* cli_int: what the command files of core/cli/ share (not for outside core/cli/):
 * the parsed global options, the options' codes, the plan and catalogs most
 * commands start from, and the helpers every command calls. */
#ifndef CUTOVER_CLI_INT_H
#define CUTOVER_CLI_INT_H

#include <getopt.h>
#include <stdio.h>
#include <uv.h>

#include "catalog.h"
#include "cli.h"
#include "err.h"
#include "jsonx.h"
#include "mapping.h"
#include "pairing.h"
#include "plan.h"
#include "sheet.h"
#include "workspace.h"

struct cli {
    const char *plan_path;
    const char *theme;
    cli_tui_fn tui;
};

/* Options shared by every command's getopt loop. */
/* Options whose value is a letter have that short form too (-h, -o FILE). */
enum { OPT_HELP = 'h', OPT_OUTPUT = 'o', OPT_JSON = 0x100, OPT_FORCE, OPT_SOURCE, OPT_TARGET,
       OPT_NDJSON, OPT_TABLE, OPT_SAMPLE, OPT_HEADLESS, OPT_FOR, OPT_INTERVAL, OPT_FORMAT,
       OPT_NOTE, OPT_OWNER, OPT_EXPIRES, OPT_ROW, OPT_ALL, OPT_RUN, OPT_KIND, OPT_FIELD,
       OPT_KEY, OPT_STRUCTURE_ONLY, OPT_WAVE, OPT_STRATEGY };

struct cli_json_opts {
    int json;
};

/* The plan, both catalogs and the table pairs: what most commands start from. */
struct loaded {
    struct plan *plan;
    struct catalog *cats[2];
    struct pairing pp;
    char *masked[2];
};

/* What the commands need of the row counts: exact ones (inventory, report,
 * init), an estimate where the engine keeps one (the diff's progress: no
 * count(*) pass over every table before reading them), none. */
extern const struct cat_opts cli_counts_exact;
extern const struct cat_opts cli_counts_cheap;
extern const struct cat_opts cli_counts_none;

/* Prints `e` as "cutover: MSG"; returns its exit code. */
int cli_fail(const struct err *e);
/* Prints "cutover CMD: …" and where to read its help; returns ERR_INPUT. */
__attribute__((format(printf, 2, 3)))
int cli_usage(const char *cmd, const char *fmt, ...);
/* The help of the command `name`; returns 0. */
int cli_help(const char *name);
/* Runs getopt_long over argv with `on_opt` for each option: 0, -1 for --help,
 * or an exit code (bad usage, said). optind is where the arguments begin. */
int cli_parse_opts(const char *name, int argc, char **argv, const struct option *longopts,
                   int (*on_opt)(int opt, const char *arg, void *ctx), void *ctx);
/* `list` (n values) with `arg` appended: a repeated option's values, in
 * order (--table T…). The caller counts it and frees the list. */
const char **cli_append(const char **list, size_t n, const char *arg);
/* --json, for commands with no other option. */
struct cli_json_opts;
int cli_json_opt(int opt, const char *arg, void *ctx);

/* SIGINT, SIGTERM and SIGHUP on `loop` call `cb` (handles closed by
 * cli_release_signals). */
void cli_catch_signals(uv_loop_t *loop, uv_signal_t sig[3], uv_signal_cb cb, void *data);
void cli_release_signals(uv_signal_t sig[3]);
const char *cli_signal_name(int signum);

/* Both catalogs, read at once on a loop of their own; -1 with `e` (a bad URL
 * names the plan's line when `plan_path` is given). */
int cli_load_catalogs(const char *urls[2], const char *base_dir, const int lines[2],
                      const char *plan_path, const struct cat_opts *co, struct catalog *out[2],
                      struct err *e);
/* The plan at `path`, both catalogs and the pairs; cli_loaded_free() after. */
int cli_load(const char *path, const struct cat_opts *co, struct loaded *l, struct err *e);
void cli_loaded_free(struct loaded *l);
/* Prints `doc` indented, then frees it. */
void cli_print_json(json_t *doc);
/* The plan's workspace, opened; NULL with `e`. */
ws_t *cli_workspace(struct cli *c, struct err *e);
/* The plan's sheet (an empty one when there is none yet). */
int cli_open_sheet(const struct plan *p, struct sheet *s, struct err *e);
/* One audit entry in the plan's workspace (an action from the command line). */
void cli_audit(const struct plan *p, const char *action, const char *object, const char *note);
/* map suggest into the plan's sheet, saved; 0 or -1 with `e`. */
int cli_suggest_into_sheet(struct loaded *l, struct map_suggestion *sg, struct err *e);

/* Prints the inventory of the plan at `path` (JSON or text); an exit code. */
int cli_show_inventory(const char *path, int json);

/* The commands (cli.c's table). */
int cli_cmd_tui(struct cli *c, int argc, char **argv);
int cli_cmd_init(struct cli *c, int argc, char **argv);
int cli_cmd_doctor(struct cli *c, int argc, char **argv);
int cli_cmd_inventory(struct cli *c, int argc, char **argv);
int cli_cmd_map(struct cli *c, int argc, char **argv);
int cli_cmd_diff(struct cli *c, int argc, char **argv);
int cli_cmd_runs(struct cli *c, int argc, char **argv);
int cli_cmd_discrepancies(struct cli *c, int argc, char **argv);
int cli_cmd_timeline(struct cli *c, int argc, char **argv);
int cli_cmd_report(struct cli *c, int argc, char **argv);
int cli_cmd_watch(struct cli *c, int argc, char **argv);
int cli_cmd_accept(struct cli *c, int argc, char **argv);
int cli_cmd_decide(struct cli *c, int argc, char **argv);
int cli_cmd_decommission(struct cli *c, int argc, char **argv);
int cli_cmd_demo(struct cli *c, int argc, char **argv);
int cli_cmd_waves(struct cli *c, int argc, char **argv);
int cli_cmd_wave(struct cli *c, int argc, char **argv);

#endif
