/* dialog: the state behind tui.h's dialog functions (dialog.c), read by
 * app.c and chrome.c. Not for outside tui/. */
#ifndef CUTOVER_DIALOG_H
#define CUTOVER_DIALOG_H

#include <wchar.h>

#include "tui.h"

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

/* What dialog.c keeps: one screen per process. */
struct ui {
    struct modal m;
    char msg[1600];
    int msg_error;
    int dirty;          /* redraw before the loop next waits */
    int zoom;           /* the focused panel takes the screen */
    struct tui_view help;   /* the help's lines, made again at each draw (its width) */
    int help_page;          /* lines the help showed at its last draw */
};
extern struct ui tui__ui;

/* A key while a dialog is open (tui__ui.m.kind != M_NONE). */
void dialog_key(int key);
void dialog_help(void);

#endif
