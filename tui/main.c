/* main: the cutover binary: the command line, with the dashboard handed in
 * so core stays free of ncurses. */
#include "config.h"

#include <locale.h>

#include "cli.h"
#include "tui.h"

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    return cli_main(argc, argv, tui_run);
}
