/* keys: the dashboard's own keys (the panels' are in their files, the
 * table's in widgets.c), and the lookup every key table uses. What
 * dispatches a key is what the footer and help show. */
#include "config.h"
#include "tui.h"
#include "keys.h"

const struct tui_key tui_global_keys[] = {
    { '?', TUI_FN(KEY_F(1)), "F1/?", "help", "this help", A_HELP },
    { '/', 0, "/", "search", "search the focused table", A_SEARCH },
    { 'n', 0, "n/N", NULL, "next / previous match of the search", A_MATCH_NEXT },
    { 'N', 0, NULL, NULL, NULL, A_MATCH_PREV },
    { 'f', 0, "f", "filter", "show only rows of the focused table that contain a text", A_FILTER },
    { '\t', 0, "Tab", "panel", "next panel", A_NEXT },
    { TUI_FN(KEY_BTAB), 0, "S-Tab", NULL, "previous panel", A_PREV },
    { '1', 0, "1-4", "jump", "focus panel 1, 2, 3 or 4 (or click it)", A_P1 },
    { '2', 0, NULL, NULL, NULL, A_P2 },
    { '3', 0, NULL, NULL, NULL, A_P3 },
    { '4', 0, NULL, NULL, NULL, A_P4 },
    { 'z', 0, "z", "zoom", "zoom the focused panel to the full screen, and back", A_ZOOM },
    { TUI_ESC, 0, "Esc", "back", "close a detail view or a dialog", A_BACK },
    { ' ', 0, "Space", "pause", "pause or resume polling the databases", A_PAUSE },
    { '+', '=', "+/-", NULL, "poll more often / less often", A_FASTER },
    { '-', 0, NULL, NULL, NULL, A_SLOWER },
    { 'R', 0, "R", NULL, "refresh now", A_REFRESH },
    { TUI_CTRL('l'), 0, "^L", NULL, "redraw the screen", A_REDRAW },
    { 'q', 0, "q", "quit", "quit", A_QUIT },
    { 0 },
};

int tui_key_action(const struct tui_key *keys, int key)
{
    for (; keys->action; keys++)
        if (key && (keys->key == key || keys->key2 == key))
            return keys->action;
    return 0;
}
