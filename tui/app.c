/* app: ncurses on the libuv loop. Keys arrive through a uv_poll_t on stdin
 * (all pending keys are drained), SIGWINCH through a uv_signal_t; every
 * change only marks the screen dirty, and a prepare handle redraws once per
 * loop turn, just before the loop waits. */
#include "config.h"
#include "panel.h"
#include "tui.h"
#include "util.h"

#include <langinfo.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

enum { MIN_W = 20, MIN_H = 6, GRID_W = 80, GRID_H = 24 };

enum action {
    A_HELP = 1, A_SEARCH, A_FILTER, A_NEXT, A_PREV, A_P1, A_P2, A_P3, A_P4, A_ZOOM, A_BACK,
    A_PAUSE, A_FASTER, A_SLOWER, A_REFRESH, A_REDRAW, A_QUIT,
};

static const struct tui_key global_keys[] = {
    { '?', TUI_FN(KEY_F(1)), "F1/?", "help", "this help", A_HELP },
    { '/', 0, "/", "search", "search the focused table (n/N: next/previous match)", A_SEARCH },
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

static struct app {
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
} A;

void tui_bell(void)
{
    beep();
}

void tui_dirty(void)
{
    A.dirty = 1;
}

void tui_message(int error, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(A.msg, sizeof A.msg, fmt, ap);
    va_end(ap);
    A.msg_error = error;
    tui_dirty();
}

void tui_confirm(const char *question, void (*done)(void *ctx, int yes), void *ctx)
{
    memset(&A.m, 0, sizeof A.m);
    A.m.kind = M_CONFIRM;
    snprintf(A.m.title, sizeof A.m.title, "%s", question);
    A.m.done_int = done;
    A.m.ctx = ctx;
    tui_dirty();
}

void tui_menu(const char *title, const char *const *items, int n, int sel,
              void (*done)(void *ctx, int choice), void *ctx)
{
    memset(&A.m, 0, sizeof A.m);
    A.m.kind = M_MENU;
    snprintf(A.m.title, sizeof A.m.title, "%s", title);
    A.m.items = items;
    A.m.n = n;
    A.m.sel = sel >= 0 && sel < n ? sel : 0;
    A.m.done_int = done;
    A.m.ctx = ctx;
    tui_dirty();
}

void tui_prompt(const char *label, const char *initial, void (*change)(void *ctx, const char *s),
                void (*done)(void *ctx, const char *s), void *ctx)
{
    memset(&A.m, 0, sizeof A.m);
    A.m.kind = M_PROMPT;
    snprintf(A.m.title, sizeof A.m.title, "%s", label);
    A.m.len = (int)mbstowcs(A.m.buf, initial ? initial : "", 255);
    if (A.m.len < 0)
        A.m.len = 0;
    A.m.buf[A.m.len] = L'\0';
    A.m.cur = A.m.len;
    A.m.change = change;
    A.m.done_str = done;
    A.m.ctx = ctx;
    tui_dirty();
}

void tui_prompt_status(int error, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(A.m.status, sizeof A.m.status, fmt, ap);
    va_end(ap);
    A.m.status_error = error;
    tui_dirty();
}

void tui_zoom(int on)
{
    A.zoom = on < 0 ? !A.zoom : on;
    tui_dirty();
}

static struct panel *focused(void)
{
    return &A.panels[A.focus];
}

/* The panel's table, unless it has none or its detail view hides it. */
static struct tui_table *panel_table(struct panel *p)
{
    return !p->detail && p->ops->table ? p->ops->table(p) : NULL;
}

/* --- layout and drawing ------------------------------------------------------ */

static int grid_fits(void)
{
    return COLS >= GRID_W && LINES >= GRID_H;
}

static void layout(void)
{
    struct rect body = { 1, 0, LINES - 3, COLS };

    memset(A.rects, 0, sizeof A.rects);
    if (A.zoom || !grid_fits()) {
        if (!grid_fits() && !A.zoom) {  /* a tab strip takes the first line */
            body.y++;
            body.h--;
        }
        A.rects[A.focus] = body;
        return;
    }
    {
        int h1 = body.h / 2, w1 = body.w / 2;
        A.rects[0] = (struct rect){ body.y, 0, h1, w1 };
        A.rects[1] = (struct rect){ body.y, w1, h1, body.w - w1 };
        A.rects[2] = (struct rect){ body.y + h1, 0, body.h - h1, w1 };
        A.rects[3] = (struct rect){ body.y + h1, w1, body.h - h1, body.w - w1 };
    }
}

static const char *side_glyph(const struct dash_side *s, enum theme_role *role)
{
    if (s->state == DB_DOWN) {
        *role = ROLE_FAIL;
        return tui_g->down;
    }
    if (s->state == DB_CONNECTING || s->loading) {
        *role = ROLE_WARN;
        return tui_g->connecting;
    }
    *role = ROLE_OK;
    return tui_g->up;
}

static void draw_header(void)
{
    struct dash *d = A.dash;
    char right[200], phase[64], clock[16], every[16];
    time_t now = time(NULL);
    enum theme_role r0, r1;
    const char *g0 = side_glyph(&d->side[0], &r0), *g1 = side_glyph(&d->side[1], &r1);
    int rw, x;

    draw_fill((struct rect){ 0, 0, 1, COLS }, ROLE_HEADER);
    strftime(clock, sizeof clock, "%H:%M:%S", localtime(&now));
    if (d->hypercare) {
        char at[64];
        snprintf(phase, sizeof phase, "HYPERCARE %s", ws_session_clock(&d->hc, at, sizeof at));
    } else if (d->runbook_begun)
        snprintf(phase, sizeof phase, "CUTOVER");
    else if (d->runs)
        snprintf(phase, sizeof phase, "REHEARSAL %ld", d->runs);
    else
        snprintf(phase, sizeof phase, "PLANNING");
    dur_format(d->interval_ms, every, sizeof every);
    snprintf(right, sizeof right, "%s%s  every %s  src %s tgt %s  %s ", d->paused ? "PAUSED  " : "",
             phase, every, g0, g1, clock);
    rw = draw_width(right);
    x = COLS - rw > 0 ? COLS - rw : 0;
    {
        char left[1024];
        snprintf(left, sizeof left, " cutover %s %s %s %s %s %s", tui_g->dot, d->plan->name,
                 tui_g->dot, d->masked[0], tui_g->arrow, d->masked[1]);
        draw_clip(0, 0, x - 1, ROLE_HEADER, left);
    }
    /* pieces of the right side in their own styles */
    if (d->paused)
        x += draw_text(0, x, COLS - x, ROLE_BANNER, "PAUSED") + 2;
    x += draw_textf(0, x, COLS - x, ROLE_HEADER, "%s  every %s  src ", phase, every);
    x += draw_text(0, x, COLS - x, r0, g0);
    x += draw_text(0, x, COLS - x, ROLE_HEADER, " tgt ");
    x += draw_text(0, x, COLS - x, r1, g1);
    draw_textf(0, x, COLS - x, ROLE_HEADER, "  %s ", clock);
}

static void panel_title(int i, char *buf, size_t n)
{
    char t[200];

    A.panels[i].ops->title(&A.panels[i], t, sizeof t);
    snprintf(buf, n, "%d %s", i + 1, t);
}

static void draw_tabs(void)
{
    int x = 0;

    draw_fill((struct rect){ 1, 0, 1, COLS }, ROLE_TEXT);
    for (int i = 0; i < PANEL_COUNT && x < COLS; i++) {
        char t[64];
        snprintf(t, sizeof t, " %d %s ", i + 1, A.panels[i].ops->name);
        x += draw_text(1, x, COLS - x, i == A.focus ? ROLE_SELECTION : ROLE_MUTED, t);
    }
}

static int footer_item(int x, int limit, const struct tui_key *k)
{
    x += draw_text(LINES - 1, x, limit - x, ROLE_FOOTER, " ");
    x += draw_text(LINES - 1, x, limit - x, ROLE_FOOTER_KEY, k->label);
    return x + draw_textf(LINES - 1, x, limit - x, ROLE_FOOTER, " %s ", k->word);
}

static void draw_footer(void)
{
    const struct tui_key *sets[2] = { focused()->ops->keys, global_keys };
    const struct tui_key *quit = NULL;
    int x = 0, limit;

    draw_fill((struct rect){ LINES - 1, 0, 1, COLS }, ROLE_FOOTER);
    for (const struct tui_key *k = global_keys; k->action; k++)
        if (k->action == A_QUIT)
            quit = k;
    /* quit keeps its place at the right end, whatever else must go */
    limit = COLS - draw_width(quit->label) - draw_width(quit->word) - 3;
    footer_item(limit > 0 ? limit : 0, COLS, quit);
    for (int s = 0; s < 2; s++)
        for (const struct tui_key *k = sets[s]; k->action && x < limit; k++)
            if (k->word && k != quit) {
                int w = draw_width(k->label) + draw_width(k->word) + 3;
                if (x + w > limit)
                    return;
                x = footer_item(x, limit, k);
            }
}

static void draw_message(void)
{
    int y = LINES - 2;
    char line[300];

    draw_fill((struct rect){ y, 0, 1, COLS }, ROLE_TEXT);
    if (A.m.kind == M_PROMPT) {
        int x = draw_textf(y, 0, COLS, ROLE_TEXT, "%s", A.m.title);
        wcstombs(line, A.m.buf, sizeof line - 1);
        line[sizeof line - 1] = '\0';
        {
            int w = draw_text(y, x, COLS - x, ROLE_SEARCH, line);
            if (A.m.status[0])
                draw_textf(y, x + w + 2, COLS - x - w - 2,
                           A.m.status_error ? ROLE_FAIL : ROLE_OK, "%s %s",
                           A.m.status_error ? tui_g->fail : tui_g->ok, A.m.status);
        }
        {   /* the cursor sits after the text before it */
            char pre[300];
            wchar_t save = A.m.buf[A.m.cur];
            A.m.buf[A.m.cur] = L'\0';
            wcstombs(pre, A.m.buf, sizeof pre - 1);
            pre[sizeof pre - 1] = '\0';
            A.m.buf[A.m.cur] = save;
            move(y, x + draw_width(pre) < COLS ? x + draw_width(pre) : COLS - 1);
        }
        return;
    }
    if (A.msg[0])
        draw_textf(y, 0, COLS, A.msg_error ? ROLE_FAIL : ROLE_MUTED, "%s%s%s",
                   A.msg_error ? tui_g->fail : "", A.msg_error ? " " : "", A.msg);
    else if (!grid_fits())
        draw_textf(y, 0, COLS, ROLE_MUTED, "%dx%d: a terminal of %dx%d shows all four panels",
                   COLS, LINES, GRID_W, GRID_H);
}

static struct rect centered(int h, int w)
{
    if (w > COLS - 2)
        w = COLS - 2;
    if (h > LINES - 2)
        h = LINES - 2;
    return (struct rect){ (LINES - h) / 2, (COLS - w) / 2, h, w };
}

static int help_line(int y, struct rect in, const struct tui_key *k)
{
    if (!k->label || y >= in.y + in.h)
        return y;
    draw_text(y, in.x, 12, ROLE_FOOTER_KEY, k->label);
    draw_text(y, in.x + 13, in.w - 13, ROLE_DIALOG, k->help);
    return y + 1;
}

static void draw_help(void)
{
    struct panel *p = focused();
    struct rect r = centered(40, 76), in;
    int y;

    draw_fill(r, ROLE_DIALOG);
    in = draw_box(r, "Help: Esc closes", 1);
    y = in.y;
    draw_textf(y++, in.x, in.w, ROLE_TITLE, "%s panel", p->ops->name);
    for (const struct tui_key *k = p->ops->keys; k->action; k++)
        y = help_line(y, in, k);
    if (panel_table(p)) {
        for (const struct tui_key *k = tui_table_keys; k->action; k++)
            y = help_line(y, in, k);
    }
    if (y < in.y + in.h)
        draw_text(y++, in.x, in.w, ROLE_TITLE, "Everywhere");
    for (const struct tui_key *k = global_keys; k->action; k++)
        y = help_line(y, in, k);
}

static void draw_modal(void)
{
    struct rect r, in;
    int w;

    switch (A.m.kind) {
    case M_HELP:
        draw_help();
        break;
    case M_CONFIRM:
        w = draw_width(A.m.title) + 6;
        r = centered(5, w < 30 ? 30 : w);
        draw_fill(r, ROLE_DIALOG);
        in = draw_box(r, "Confirm", 1);
        draw_text(in.y, in.x + 1, in.w - 2, ROLE_DIALOG, A.m.title);
        draw_text(in.y + 2, in.x + 1, in.w - 2, ROLE_DIALOG, "y: yes   n, Esc: no");
        break;
    case M_MENU:
        w = draw_width(A.m.title) + 6;
        for (int i = 0; i < A.m.n; i++)
            if (draw_width(A.m.items[i]) + 8 > w)
                w = draw_width(A.m.items[i]) + 8;
        r = centered(A.m.n + 2, w);
        draw_fill(r, ROLE_DIALOG);
        in = draw_box(r, A.m.title, 1);
        for (int i = 0; i < A.m.n && i < in.h; i++)
            draw_textf(in.y + i, in.x, in.w, i == A.m.sel ? ROLE_SELECTION : ROLE_DIALOG,
                       " %d %s ", i + 1, A.m.items[i]);
        break;
    default:
        break;
    }
}

static void draw(void)
{
    erase();
    curs_set(0);
    if (COLS < MIN_W || LINES < MIN_H) {
        draw_textf(0, 0, COLS, ROLE_WARN, "cutover needs %dx%d", MIN_W, MIN_H);
        draw_textf(1, 0, COLS, ROLE_TEXT, "(now %dx%d)", COLS, LINES);
        return;
    }
    layout();
    draw_header();
    if (!grid_fits() && !A.zoom)
        draw_tabs();
    for (int i = 0; i < PANEL_COUNT; i++) {
        char title[256];
        struct rect in;
        if (!A.rects[i].h)
            continue;
        panel_title(i, title, sizeof title);
        in = draw_box(A.rects[i], title, i == A.focus);
        if (in.h > 0 && in.w > 0)
            A.panels[i].ops->draw(&A.panels[i], in, i == A.focus);
    }
    draw_message();
    draw_footer();
    draw_modal();
    if (A.m.kind == M_PROMPT)
        curs_set(1), draw_message();  /* leaves the cursor in the prompt */
}

static void redraw_cb(uv_prepare_t *h)
{
    (void)h;
    if (!A.dirty)
        return;
    A.dirty = 0;
    draw();
    wnoutrefresh(stdscr);
    doupdate();
}

/* --- input ------------------------------------------------------------------- */

static void finish_modal_int(int v)
{
    struct modal m = A.m;

    A.m.kind = M_NONE;
    tui_dirty();
    if (m.done_int)
        m.done_int(m.ctx, v);
}

static void prompt_text(char *out, size_t n)
{
    size_t r = wcstombs(out, A.m.buf, n - 1);

    out[r == (size_t)-1 ? 0 : r] = '\0';
}

static void prompt_key(int key)
{
    char text[1024];
    struct modal m;

    switch (key) {
    case '\r': case '\n': case TUI_FN(KEY_ENTER):
    case TUI_ESC:
        m = A.m;
        prompt_text(text, sizeof text);
        A.m.kind = M_NONE;
        tui_dirty();
        m.done_str(m.ctx, key == TUI_ESC ? NULL : text);
        return;
    case TUI_FN(KEY_BACKSPACE): case 127: case 8:
        if (A.m.cur > 0) {
            wmemmove(A.m.buf + A.m.cur - 1, A.m.buf + A.m.cur, (size_t)(A.m.len - A.m.cur + 1));
            A.m.cur--;
            A.m.len--;
        }
        break;
    case TUI_FN(KEY_DC):
        if (A.m.cur < A.m.len) {
            wmemmove(A.m.buf + A.m.cur, A.m.buf + A.m.cur + 1, (size_t)(A.m.len - A.m.cur));
            A.m.len--;
        }
        break;
    case TUI_FN(KEY_LEFT): if (A.m.cur > 0) A.m.cur--; break;
    case TUI_FN(KEY_RIGHT): if (A.m.cur < A.m.len) A.m.cur++; break;
    case TUI_FN(KEY_HOME): case TUI_CTRL('a'): A.m.cur = 0; break;
    case TUI_FN(KEY_END): case TUI_CTRL('e'): A.m.cur = A.m.len; break;
    case TUI_CTRL('u'): A.m.len = A.m.cur = 0; A.m.buf[0] = L'\0'; break;
    default:
        if (key < ' ' || key >= TUI_FN(0) || A.m.len >= 254)
            return;
        wmemmove(A.m.buf + A.m.cur + 1, A.m.buf + A.m.cur, (size_t)(A.m.len - A.m.cur + 1));
        A.m.buf[A.m.cur++] = (wchar_t)key;
        A.m.len++;
        break;
    }
    tui_dirty();
    if (A.m.change) {
        prompt_text(text, sizeof text);
        A.m.change(A.m.ctx, text);
    }
}

static void modal_key(int key)
{
    switch (A.m.kind) {
    case M_HELP:
        if (key == TUI_ESC || key == 'q' || key == '?' || key == '\r' || key == TUI_FN(KEY_F(1)))
            A.m.kind = M_NONE, tui_dirty();
        return;
    case M_CONFIRM:
        if (key == 'y' || key == 'Y')
            finish_modal_int(1);
        else if (key == 'n' || key == 'N' || key == TUI_ESC || key == '\r' || key == 'q')
            finish_modal_int(0);
        return;
    case M_MENU:
        if (key == TUI_FN(KEY_DOWN) || key == 'j')
            A.m.sel = (A.m.sel + 1) % A.m.n;
        else if (key == TUI_FN(KEY_UP) || key == 'k')
            A.m.sel = (A.m.sel + A.m.n - 1) % A.m.n;
        else if (key >= '1' && key < '1' + A.m.n)
            finish_modal_int(key - '1');
        else if (key == '\r' || key == '\n' || key == TUI_FN(KEY_ENTER))
            finish_modal_int(A.m.sel);
        else if (key == TUI_ESC || key == 'q')
            finish_modal_int(-1);
        tui_dirty();
        return;
    case M_PROMPT:
        prompt_key(key);
        return;
    default:
        return;
    }
}

static struct tui_table *focused_table(void)
{
    return panel_table(focused());
}

static void search_change(void *ctx, const char *s)
{
    struct tui_table *t = ctx;

    snprintf(t->search, sizeof t->search, "%s", s);
    t->sel = A.saved_sel;
    if (*s && !table_find(t, s, 1, 1))
        tui_message(1, "no row matches '%s'", s);
    else
        A.msg[0] = '\0';
}

static void search_done(void *ctx, const char *s)
{
    struct tui_table *t = ctx;

    if (!s) {  /* Esc: back where the search started */
        snprintf(t->search, sizeof t->search, "%s", A.saved);
        t->sel = A.saved_sel;
        table_reload(t);
    }
    tui_dirty();
}

static void filter_change(void *ctx, const char *s)
{
    struct tui_table *t = ctx;

    snprintf(t->filter, sizeof t->filter, "%s", s);
    table_reload(t);
}

static void filter_done(void *ctx, const char *s)
{
    struct tui_table *t = ctx;

    snprintf(t->filter, sizeof t->filter, "%s", s ? s : A.saved);
    table_reload(t);
    if (t->filter[0])
        tui_message(0, "filter '%s': %d rows (f, then an empty filter, shows all)", t->filter,
                    t->norder);
    tui_dirty();
}

static void focus(int i)
{
    if (i == A.focus)
        return;
    A.focus = i;
    tui_dirty();
}

static void quit_confirmed(void *ctx, int yes)
{
    (void)ctx;
    if (!yes) {
        tui_message(0, "still here");
        return;
    }
    A.quit = 1;
    uv_stop(A.loop);
}

/* Whether a panel runs what it cannot start again as it was (a runbook
 * step's command); `what` says what. */
static int busy(char *what, size_t n)
{
    for (int i = 0; i < PANEL_COUNT; i++)
        if (A.panels[i].ops->busy && A.panels[i].ops->busy(&A.panels[i], what, n))
            return 1;
    return 0;
}

/* q: at once, unless it would stop what a panel cannot start again as it was:
 * then asked first. */
static void quit(void)
{
    char what[160];

    if (busy(what, sizeof what)) {
        char q[200];
        snprintf(q, sizeof q, "Quit? It stops %s, which is running.", what);
        tui_confirm(q, quit_confirmed, NULL);
        return;
    }
    quit_confirmed(NULL, 1);
}

/* The loop ends: the dashboard closes. With its terminal lost (SIGHUP, input
 * gone) a step's command under way is let run to its end (keep_commands). */
static void close_dashboard(int terminal_lost)
{
    if (!A.quit && terminal_lost)
        A.dash->keep_commands = 1;
    A.quit = 1;
    uv_stop(A.loop);
}

/* The panels stop their work (the dashboard closes); a step's command is let
 * run on while dash->keep_commands says so. */
static void stop_panels(void)
{
    for (int i = 0; i < PANEL_COUNT; i++)
        if (A.panels[i].ops->stop)
            A.panels[i].ops->stop(&A.panels[i]);
}

static int global_key(int key)
{
    struct tui_table *t = focused_table();
    struct dash *d = A.dash;
    char buf[16];

    switch (tui_key_action(global_keys, key)) {
    case A_HELP: memset(&A.m, 0, sizeof A.m); A.m.kind = M_HELP; break;
    case A_QUIT: quit(); break;
    case A_NEXT: focus((A.focus + 1) % PANEL_COUNT); break;
    case A_PREV: focus((A.focus + PANEL_COUNT - 1) % PANEL_COUNT); break;
    case A_P1: case A_P2: case A_P3: case A_P4: focus(key - '1'); break;
    case A_ZOOM: tui_zoom(-1); break;
    case A_SEARCH:
    case A_FILTER:
        if (!t) {
            tui_message(0, "%s has no table to %s", focused()->ops->name,
                        key == '/' ? "search" : "filter");
            break;
        }
        snprintf(A.saved, sizeof A.saved, "%s", key == '/' ? t->search : t->filter);
        A.saved_sel = t->sel;
        if (key == '/')
            tui_prompt("/", "", search_change, search_done, t);
        else
            tui_prompt("filter: ", t->filter, filter_change, filter_done, t);
        break;
    case A_BACK:
        if (focused()->ops->back && focused()->ops->back(focused()))
            break;
        if (focused()->detail)
            panel_detail_close(focused());
        else if (A.zoom)
            tui_zoom(0);
        else
            A.msg[0] = '\0';
        break;
    case A_PAUSE:
        dash_pause(d, !d->paused);
        tui_message(0, d->paused ? "polling paused: Space resumes" : "polling resumed");
        break;
    case A_FASTER:
    case A_SLOWER:
        dash_set_interval(d, key == '-' ? d->interval_ms * 2 : d->interval_ms / 2);
        tui_message(0, "polling every %s", dur_format(d->interval_ms, buf, sizeof buf));
        break;
    case A_REFRESH:  /* what reading the plan again says comes after */
        tui_message(0, "refreshing both databases");
        dash_refresh(d);
        break;
    case A_REDRAW:
        clearok(curscr, TRUE);
        break;
    default:
        return 0;
    }
    tui_dirty();
    return 1;
}

static void mouse(void)
{
    MEVENT ev;
    struct tui_table *t;

    if (getmouse(&ev) != OK || A.m.kind != M_NONE)
        return;
    if (ev.bstate & (BUTTON4_PRESSED | BUTTON5_PRESSED)) {
        if ((t = focused_table()))
            table_key(t, ev.bstate & BUTTON4_PRESSED ? TUI_FN(KEY_UP) : TUI_FN(KEY_DOWN));
        return;
    }
    if (grid_fits() || A.zoom) {
        for (int i = 0; i < PANEL_COUNT; i++) {
            struct rect r = A.rects[i];
            if (r.h && ev.y >= r.y && ev.y < r.y + r.h && ev.x >= r.x && ev.x < r.x + r.w) {
                focus(i);
                if ((t = focused_table()))
                    table_click(t, ev.y, ev.x);
            }
        }
    } else if (ev.y == 1) {  /* the tab strip: each tab is its name and padding */
        int x = 0;
        for (int i = 0; i < PANEL_COUNT; i++) {
            int w = draw_width(A.panels[i].ops->name) + 4;
            if (ev.x >= x && ev.x < x + w)
                focus(i);
            x += w;
        }
    }
}

static void handle_key(int key)
{
    struct panel *p = focused();
    struct tui_table *t;

    if (key == TUI_FN(KEY_RESIZE)) {
        tui_dirty();
        return;
    }
    if (key == TUI_FN(KEY_MOUSE)) {
        mouse();
        return;
    }
    if (A.m.kind != M_NONE) {
        modal_key(key);
        return;
    }
    if (A.msg_error && key != TUI_ESC)
        A.msg[0] = '\0', A.msg_error = 0;  /* an error stays until the next key */
    if (p->ops->key && p->ops->key(p, key))
        return;
    if (global_key(key))
        return;
    if ((t = focused_table()) && table_key(t, key))
        return;
}

static void input_cb(uv_poll_t *h, int status, int events)
{
    wint_t wc;
    int rc;

    (void)h, (void)events;
    if (status < 0) {  /* the terminal is gone, as with SIGHUP */
        close_dashboard(1);
        return;
    }
    /* drain every key that is waiting, then let the loop redraw once */
    while (!A.quit && (rc = wget_wch(stdscr, &wc)) != ERR)
        handle_key(rc == KEY_CODE_YES ? TUI_FN((int)wc) : (int)wc);
}

static void resize(void)
{
    struct winsize ws;

    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col)
        resizeterm(ws.ws_row, ws.ws_col);
    tui_dirty();
}

/* SIGTERM closes the dashboard as q does, without asking; so does SIGINT,
 * unless a step's command runs: Ctrl-C is a reflex, and the command may be
 * Production's load, so it is q then, asking first (with a question already
 * open, it only says so). SIGHUP (the terminal is gone: a dropped SSH
 * session) closes the dashboard too, but a step's command under way runs on
 * to its end, recorded as usual, before cutover exits: a lost connection must
 * not kill a load half done. A SIGTERM or SIGINT while it waits stops the
 * command. */
static void signal_cb(uv_signal_t *h, int signum)
{
    char what[160];

    (void)h;
    if (signum == SIGWINCH) {
        if (!A.quit)
            resize();
        return;
    }
    if (signum == SIGINT && !A.quit && busy(what, sizeof what)) {
        if (A.m.kind == M_NONE)
            quit();
        else
            tui_message(1, "Ctrl-C: %s is running; answer the question first, then q quits "
                        "(asking first)", what);
        return;
    }
    if (A.quit && A.dash->keep_commands && signum != SIGHUP) {
        A.dash->keep_commands = 0;
        stop_panels();
        return;
    }
    close_dashboard(signum == SIGHUP);
}

static void clock_cb(uv_timer_t *h)
{
    (void)h;
    tui_dirty();  /* the header's clock moved on */
}

static void on_dash(struct dash *d, unsigned what, void *arg)
{
    (void)arg;
    if (what & DASH_MESSAGE) {
        snprintf(A.msg, sizeof A.msg, "%s", d->message);
        A.msg_error = d->message_error;
    }
    for (int i = 0; i < PANEL_COUNT; i++)
        if (A.panels[i].ops->update)
            A.panels[i].ops->update(&A.panels[i], what);
    tui_dirty();
}

static int load_theme(const char *cli_theme, struct theme *t)
{
    char buf[64], *path;
    const char *name = theme_choice(cli_theme, buf, sizeof buf);
    struct err e = { 0 };

    theme_default(t);
    if (!(path = theme_find(name, PKGDATADIR "/themes")) &&
        !(path = theme_find(name, SRCTHEMEDIR))) {
        if (strcmp(name, "default") == 0)
            return 0;  /* not installed: the built-in default will do */
        fprintf(stderr, "cutover: no theme '%s' (looked in $XDG_CONFIG_HOME/cutover/themes, "
                        "$CUTOVER_THEMES and %s/themes)\n", name, PKGDATADIR);
        return -1;
    }
    if (theme_load(path, t, &e) < 0) {
        fprintf(stderr, "cutover: %s\n", e.msg);
        free(path);
        return -1;
    }
    free(path);
    return 0;
}

static void close_walk(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

int tui_run(const char *plan_path, const char *cli_theme, int argc, char **argv)
{
    struct err e = { 0 };
    struct theme theme;
    uv_loop_t loop;
    int color;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--theme") == 0 && i + 1 < argc)
            cli_theme = argv[++i];
        else if (strncmp(argv[i], "--theme=", 8) == 0)
            cli_theme = argv[i] + 8;
        else {
            fprintf(stderr, "cutover tui: unknown option '%s' (see 'cutover tui --help')\n",
                    argv[i]);
            return ERR_INPUT;
        }
    }
    /* a broken theme is reported even where colour is off, before anything starts */
    color = !(getenv("NO_COLOR") && *getenv("NO_COLOR"));
    if (load_theme(cli_theme, &theme) < 0)
        return ERR_INPUT;
    if (!color)
        theme_default(&theme);  /* NO_COLOR: attributes only */
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        fprintf(stderr, "cutover: the dashboard needs a terminal; in scripts use the commands "
                        "(cutover inventory --json …)\n");
        return ERR_INPUT;
    }
    memset(&A, 0, sizeof A);
    uv_loop_init(&loop);
    A.loop = &loop;
    if (!(A.dash = dash_open(&loop, plan_path, on_dash, NULL, &e))) {
        uv_loop_close(&loop);
        fprintf(stderr, "cutover: %s\n", e.msg);
        return e.kind ? (int)e.kind : ERR_INPUT;
    }
    if (A.dash->message[0])
        snprintf(A.msg, sizeof A.msg, "%s", A.dash->message), A.msg_error = 1;
    A.utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
    set_escdelay(25);
    initscr();
    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    mousemask(BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
    mouseinterval(0);
    curs_set(0);
    draw_init(&theme, A.utf8, color && has_colors());
    for (int i = 0; i < PANEL_COUNT; i++) {
        A.panels[i].ops = panel_registry[i];
        A.panels[i].dash = A.dash;
        A.panels[i].ops->init(&A.panels[i]);
    }
    uv_poll_init(&loop, &A.input, STDIN_FILENO);
    uv_poll_start(&A.input, UV_READABLE, input_cb);
    uv_signal_init(&loop, &A.winch);
    uv_signal_start(&A.winch, signal_cb, SIGWINCH);
    uv_signal_init(&loop, &A.term);
    uv_signal_start(&A.term, signal_cb, SIGTERM);
    uv_signal_init(&loop, &A.hup);
    uv_signal_start(&A.hup, signal_cb, SIGHUP);
    uv_signal_init(&loop, &A.intr);
    uv_signal_start(&A.intr, signal_cb, SIGINT);
    uv_timer_init(&loop, &A.clock);
    uv_timer_start(&A.clock, clock_cb, 1000, 1000);
    uv_prepare_init(&loop, &A.redraw);
    uv_prepare_start(&A.redraw, redraw_cb);
    resize();
    dash_refresh(A.dash);
    uv_run(&loop, UV_RUN_DEFAULT);

    /* tear down: the terminal first, so nothing below can leave it raw */
    endwin();
    uv_prepare_stop(&A.redraw);
    uv_poll_stop(&A.input);
    /* work under way is cancelled and let end on the loop, so that a run is
     * recorded cancelled and every callback still finds what it uses (10 s at
     * most; a lint is let finish) */
    dash_stop(A.dash);
    stop_panels();
    for (uint64_t until = uv_now(&loop) + 10000; A.dash->hold > 0 &&
         (uv_now(&loop) < until || (A.dash->keep_commands && busy(NULL, 0)));)
        uv_run(&loop, UV_RUN_ONCE);  /* the clock's timer wakes it every second */
    if (A.dash->hold > 0)  /* still reading (a lint): end here, not free what it uses */
        _exit(0);          /* (the workspace's transactions are SQLite's: nothing is torn) */
    for (int i = 0; i < PANEL_COUNT; i++)
        if (A.panels[i].ops->done)
            A.panels[i].ops->done(&A.panels[i]);
    dash_close(A.dash);
    uv_walk(&loop, close_walk, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    return 0;
}
