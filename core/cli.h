/* cli: the command line of DESIGN.md — global options, one function per
 * command, help texts, exit codes. main() lives in tui/ and hands in the
 * dashboard, so core stays free of ncurses. */
#ifndef CUTOVER_CLI_H
#define CUTOVER_CLI_H

/* Opens the dashboard on the plan at `plan_path` with the theme the user
 * named (NULL: the usual choice); `argv` holds the tui command's options.
 * Returns an exit code. */
typedef int (*cli_tui_fn)(const char *plan_path, const char *theme, int argc, char **argv);

/* Runs `cutover ARGS`; returns the process exit code (0, 1, 2 or 3). */
int cli_main(int argc, char **argv, cli_tui_fn tui);

#endif
