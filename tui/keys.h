/* keys: the dashboard's own keys (keys.c), as app.c dispatches them and
 * chrome.c shows them. Not for outside tui/. */
#ifndef CUTOVER_KEYS_H
#define CUTOVER_KEYS_H

#include "tui.h"

enum action {
    A_HELP = 1, A_SEARCH, A_FILTER, A_NEXT, A_PREV, A_P1, A_P2, A_P3, A_P4, A_ZOOM, A_BACK,
    A_PAUSE, A_FASTER, A_SLOWER, A_REFRESH, A_REDRAW, A_QUIT, A_MATCH_NEXT, A_MATCH_PREV,
};

extern const struct tui_key tui_global_keys[];

#endif
