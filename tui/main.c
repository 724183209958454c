/* main: the cutover binary. The dashboard (issue #3) will be handed to
 * cli_main() from here; until then every command is headless. */
#include "config.h"

#include <locale.h>

#include "cli.h"

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    return cli_main(argc, argv, NULL);
}
