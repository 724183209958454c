/* app_int: what app.c (the loop, input, focus, quitting) and chrome.c
 * (layout and drawing) share. Dependencies run one way: these two use
 * dialog.c, keys.c, widgets.c and the panels; the panels use dialog.c and
 * widgets.c, never these two (tests/layers.sh checks it). */
#ifndef CUTOVER_APP_INT_H
#define CUTOVER_APP_INT_H

#include <uv.h>
#include <wchar.h>

#include "dialog.h"
#include "keys.h"
#include "panel.h"
#include "tui.h"

enum { MIN_W = 20, MIN_H = 6, GRID_W = 80, GRID_H = 24 };

struct app {
    uv_loop_t *loop;
    uv_poll_t input;
    uv_signal_t winch, term, hup, intr;
    uv_timer_t clock;
    uv_prepare_t redraw;
    struct dash *dash;
    struct panel panels[PANEL_COUNT];
    int focus, quit, utf8;
    struct rect rects[PANEL_COUNT];
    /* search and filter edit the focused table; this restores on Esc */
    char saved[128];
    int saved_sel;
};

static inline struct panel *app_focused(struct app *a)
{
    return &a->panels[a->focus];
}

/* The panel's table, unless it has none or its detail view hides it. */
static inline struct tui_table *app_panel_table(struct panel *p)
{
    return !p->detail && p->ops->table ? p->ops->table(p) : NULL;
}

/* chrome.c: whether the four panels fit side by side, and the whole screen. */
int chrome_grid_fits(void);
void chrome_draw(struct app *a);

#endif
