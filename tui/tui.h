/* tui: the screen. draw.c draws cells (styles from the theme, text clipped to
 * display width, boxes in UTF-8 or ASCII); widgets.c holds the table and text
 * view every panel uses; dialog.c the message line and modal dialogs; keys.c
 * the key tables' lookup. app.c owns ncurses, the libuv loop and input, and
 * chrome.c draws around the panels. Panels (panels/) draw through these and
 * never call app.c: what a key changed is the handler's return value. */
#ifndef CUTOVER_TUI_H
#define CUTOVER_TUI_H

#define NCURSES_WIDECHAR 1
#include <ncursesw/curses.h>
#include <stddef.h>

#include "dash.h"
#include "theme.h"

struct rect {
    int y, x, h, w;
};

/* Keys: characters are their Unicode value; curses function keys are
 * offset past Unicode so the two never collide. */
#define TUI_FN(k) (0x200000 + (k))
#define TUI_ESC 27
#define TUI_CTRL(c) ((c) & 0x1f)

/* One entry of a key table: what dispatches a key is what help shows. */
struct tui_key {
    int key, key2;
    const char *label;      /* as written in the footer and help: "d", "Enter"; NULL: hidden */
    const char *word;       /* the footer's word for it; NULL: not in the footer */
    const char *help;
    int action;
};

/* The action a key has in a table ending with { 0 }, or 0 (keys.c). */
int tui_key_action(const struct tui_key *keys, int key);

/* What a key handler did, as htop's HandlerResult: the loop acts on it and
 * decides what to draw. A handler returns TUI_IGNORED (the next handler is
 * asked) or TUI_HANDLED, with TUI_REDRAW when the screen changed. */
enum { TUI_IGNORED = 0, TUI_HANDLED = 1, TUI_REDRAW = 2 };

/* --- draw.c ------------------------------------------------------------------ */

struct tui_glyphs {
    const char *h, *v, *tl, *tr, *bl, *br;
    const char *fh, *fv, *ftl, *ftr, *fbl, *fbr;   /* the focused box: heavier */
    const char *up, *connecting, *down, *warn, *ok, *fail, *arrow, *sort_up, *sort_down,
        *ellipsis, *dot;
    const char *spark[8];                           /* sparkline levels, low to high */
};

extern const struct tui_glyphs *tui_g;

/* Chooses glyphs (UTF-8 or ASCII) and colours; call after initscr(). */
void draw_init(const struct theme *t, int utf8, int color);
attr_t draw_attr(enum theme_role r);
/* Draws UTF-8 text at y, x clipped to w columns; returns the columns used. */
int draw_text(int y, int x, int w, enum theme_role r, const char *s);
/* As draw_text, but text cut short ends in the ellipsis glyph: a value, a
 * name or a URL is never shown cut without a sign of it. */
int draw_clip(int y, int x, int w, enum theme_role r, const char *s);
/* draw_clip of a formatted line (a message, a title, a status). */
int draw_textf(int y, int x, int w, enum theme_role r, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Display width of UTF-8 text (invalid bytes count as one column). */
int draw_width(const char *s);
/* Copies `s` into buf cut or padded with spaces to exactly `w` display
 * columns (so UTF-8 text lines up); returns buf. */
char *draw_fit(char *buf, size_t n, const char *s, int w);
/* Draws text wrapped at spaces over at most `lines` lines; returns the lines used. */
int draw_wrapped(int y, int x, int w, int lines, enum theme_role r, const char *s);
void draw_fill(struct rect r, enum theme_role role);
/* A sparkline of `n` values into buf, one glyph each, scaled from
 * min(0, lowest) to the highest; returns buf. */
char *draw_spark(char *buf, size_t size, const double *v, int n);
/* A box with a title in its top border; its inside is returned. */
struct rect draw_box(struct rect r, const char *title, int focused);

/* --- widgets.c --------------------------------------------------------------- */

struct tui_col {
    const char *title;
    int width;              /* columns; the last column takes what is left */
    int right;              /* right-aligned (numbers) */
    int key;                /* what a row is: kept in a narrow panel, before the others */
};

#define TUI_MAXCOLS 16

/* A table of rows from its source. A column gets its declared width; room
 * left over goes to the columns whose content that width cuts, up to what
 * they hold, then to the last column; a column that does not fit is left
 * out whole, from the right (z zooms the panel). A panel too narrow for its
 * key columns shows them first, as wide as their content or cut, then the
 * others that still fit. */
struct tui_table {
    const struct tui_col *cols;
    int ncols;
    int (*nrows)(void *ctx);
    void (*cell)(void *ctx, int row, int col, char *buf, size_t n);
    enum theme_role (*role)(void *ctx, int row);   /* NULL: ROLE_TEXT */
    /* a row's identity, kept by the selection across reloads; NULL: column 0 */
    void (*key)(void *ctx, int row, char *buf, size_t n);
    /* rows of a lower group come first whatever the sort (a run's tables
     * before its checks); NULL: one group */
    int (*group)(void *ctx, int row);
    void *ctx;
    /* state */
    int *order, norder;             /* visible rows (filtered, sorted) */
    size_t cap;
    int sel, top, sort_col, sort_desc;
    char sel_key[256];              /* the selected row's identity, kept across reloads */
    char search[128], filter[128];
    struct rect last;               /* where it was drawn, for the mouse */
    int fit[TUI_MAXCOLS];           /* each column's widest title or cell and its gap, at
                                     * the last reload (of its first 2,000 rows) */
    int width[TUI_MAXCOLS];         /* as last drawn; 0: left out */
};

void table_reload(struct tui_table *t);
void table_draw(struct tui_table *t, struct rect r, int focused);
/* The columns' widths in a w-column table (t->width, 0 for a column left
 * out), as table_draw lays them out; returns how many show. */
int table_layout(struct tui_table *t, int w);
/* Navigation and sort, by tui_table_keys: TUI_* flags. */
int table_key(struct tui_table *t, int key);
extern const struct tui_key tui_table_keys[];
/* Selects the next row (dir 1) or previous (-1) from the selection whose
 * cells contain `text` (case-insensitive); `here` includes the selection. */
int table_find(struct tui_table *t, const char *text, int dir, int here);
/* Selects a row by the source's number (if it is shown). */
void table_select(struct tui_table *t, int row);
/* The selected row as the source numbers it, or -1. */
int table_selected(const struct tui_table *t);
int table_click(struct tui_table *t, int y, int x);
void table_free(struct tui_table *t);

struct tui_view {               /* scrolling lines of text */
    char **lines;
    enum theme_role *roles;
    size_t n, cap;
    int top;
};

void view_clear(struct tui_view *v);
void view_add(struct tui_view *v, enum theme_role role, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void view_draw(struct tui_view *v, struct rect r);
/* Scrolling, by tui_view_keys: TUI_* flags. */
int view_key(struct tui_view *v, int key, int page);
extern const struct tui_key tui_view_keys[];

/* --- dialog.c ---------------------------------------------------------------- */

/* The screen is drawn again before the loop next waits (for changes that
 * come from the loop: a job's progress, a reply). */
void tui_dirty(void);
void tui_bell(void);
void tui_message(int error, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Modal dialogs. Their callbacks may open the next dialog. */
void tui_confirm(const char *question, void (*done)(void *ctx, int yes), void *ctx);
void tui_menu(const char *title, const char *const *items, int n, int sel,
              void (*done)(void *ctx, int choice), void *ctx);
/* A one-line prompt; `change` (optional) sees every edit, `done` gets the
 * text or NULL when cancelled. */
void tui_prompt(const char *label, const char *initial, void (*change)(void *ctx, const char *s),
                void (*done)(void *ctx, const char *s), void *ctx);
/* What the prompt's text amounts to so far ("✓ compiles", an error …),
 * shown beside it; error selects the style. */
void tui_prompt_status(int error, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Zooms the focused panel (on = 1) or restores the grid (0); -1 toggles. */
void tui_zoom(int on);

/* --- app.c ------------------------------------------------------------------- */

/* Opens the dashboard on a plan: cutover's cli_tui_fn. */
int tui_run(const char *plan_path, const char *theme, int argc, char **argv);

#endif
