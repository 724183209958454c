/* app_int: what app.c (the loop, input, dialogs) and chrome.c (layout, header,
 * tabs, footer, message line, help and dialogs drawn) share: the dashboard's
 * state. Not for outside tui/. */
#ifndef CUTOVER_APP_INT_H
#define CUTOVER_APP_INT_H

#include <uv.h>
#include <wchar.h>

#include "panel.h"
#include "tui.h"

enum { MIN_W = 20, MIN_H = 6, GRID_W = 80, GRID_H = 24 };

enum action {
    A_HELP = 1, A_SEARCH, A_FILTER, A_NEXT, A_PREV, A_P1, A_P2, A_P3, A_P4, A_ZOOM, A_BACK,
    A_PAUSE, A_FASTER, A_SLOWER, A_REFRESH, A_REDRAW, A_QUIT,
};

extern const struct tui_key tui__global_keys[];

enum modal_kind { M_NONE, M_HELP, M_CONFIRM, M_MENU, M_PROMPT };

struct modal {
    enum modal_kind kind;
    char title[256];
    const char *const *items;
    int n, sel;
    wchar_t buf[256];
    int len, cur;
    char status[600];
    int status_error;
    void (*done_int)(void *ctx, int v);
    void (*done_str)(void *ctx, const char *s);
    void (*change)(void *ctx, const char *s);
    void *ctx;
};

struct app {
    uv_loop_t *loop;
    uv_poll_t input;
    uv_signal_t winch, term, hup, intr;
    uv_timer_t clock;
    uv_prepare_t redraw;
    struct dash *dash;
    struct panel panels[PANEL_COUNT];
    int focus, zoom, dirty, quit, utf8;
    struct modal m;
    char msg[1600];
    int msg_error;
    struct rect rects[PANEL_COUNT];
    /* search and filter edit the focused table; this restores on Esc */
    char saved[128];
    int saved_sel;
};
extern struct app tui__app;  /* the dashboard: one per process */

struct panel *tui__focused(void);
int tui__grid_fits(void);
struct tui_table *tui__panel_table(struct panel *p);
void tui__quit(void);
void tui__redraw_cb(uv_prepare_t *h);

#endif
