/* panel: the interface every dashboard panel implements, as htop's Panel
 * class and tig's view ops: a const table of functions. Panels ask core
 * (struct dash) and draw with tui/; they never talk to a database. A new
 * panel is one file and one line in panels/registry.c. */
#ifndef CUTOVER_PANEL_H
#define CUTOVER_PANEL_H

#include "tui.h"

struct panel;

struct panel_ops {
    const char *name;                                   /* "Inventory" */
    void (*init)(struct panel *p);
    void (*done)(struct panel *p);
    /* The title, with progress: "Inventory 9/11 decided". */
    void (*title)(struct panel *p, char *buf, size_t n);
    void (*draw)(struct panel *p, struct rect r, int focused);
    /* A key for this panel: TUI_IGNORED, or TUI_HANDLED with TUI_REDRAW
     * when the screen changed. */
    int (*key)(struct panel *p, int key);
    /* Esc, before the dashboard closes an open detail view: TUI_* flags as
     * key, handled if the panel stopped a preview, left a sub-list … May be NULL. */
    int (*back)(struct panel *p);
    /* The model changed (DASH_* bits). */
    void (*update)(struct panel *p, unsigned what);
    /* What quitting would stop that cannot be had back by starting it again
     * (a runbook step's command), in words for the question: 1, or 0 when
     * nothing is. May be NULL. */
    int (*busy)(struct panel *p, char *what, size_t n);
    /* Its table, for search, filter and sort; NULL if it has none. Not
     * asked while a detail view is open. */
    struct tui_table *(*table)(struct panel *p);
    const struct tui_key *keys;                          /* ends with { 0 } */
};

struct panel {
    const struct panel_ops *ops;
    struct dash *dash;
    void *priv;
    int detail;         /* a detail view is open: it takes the screen, the table hides */
};

/* Opens and closes the panel's detail view (zooming the panel with it). */
void panel_detail_open(struct panel *p);
void panel_detail_close(struct panel *p);

#define PANEL_COUNT 4
extern const struct panel_ops *const panel_registry[PANEL_COUNT];

#endif
