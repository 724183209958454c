/* app: ncurses on the libuv loop. Keys arrive through a uv_poll_t on stdin
 * (all pending keys are drained), SIGWINCH through a uv_signal_t; every
 * change only marks the screen dirty, and a prepare handle redraws once per
 * loop turn, just before the loop waits. */
#include "config.h"
#include "panel.h"
#include "tui.h"
#include "app_int.h"
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

const struct tui_key tui__global_keys[] = {
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

struct app tui__app;

void tui_bell(void)
{
    beep();
}

void tui_dirty(void)
{
    tui__app.dirty = 1;
}

void tui_message(int error, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(tui__app.msg, sizeof tui__app.msg, fmt, ap);
    va_end(ap);
    tui__app.msg_error = error;
    tui_dirty();
}

void tui_confirm(const char *question, void (*done)(void *ctx, int yes), void *ctx)
{
    memset(&tui__app.m, 0, sizeof tui__app.m);
    tui__app.m.kind = M_CONFIRM;
    snprintf(tui__app.m.title, sizeof tui__app.m.title, "%s", question);
    tui__app.m.done_int = done;
    tui__app.m.ctx = ctx;
    tui_dirty();
}

void tui_menu(const char *title, const char *const *items, int n, int sel,
              void (*done)(void *ctx, int choice), void *ctx)
{
    memset(&tui__app.m, 0, sizeof tui__app.m);
    tui__app.m.kind = M_MENU;
    snprintf(tui__app.m.title, sizeof tui__app.m.title, "%s", title);
    tui__app.m.items = items;
    tui__app.m.n = n;
    tui__app.m.sel = sel >= 0 && sel < n ? sel : 0;
    tui__app.m.done_int = done;
    tui__app.m.ctx = ctx;
    tui_dirty();
}

void tui_prompt(const char *label, const char *initial, void (*change)(void *ctx, const char *s),
                void (*done)(void *ctx, const char *s), void *ctx)
{
    memset(&tui__app.m, 0, sizeof tui__app.m);
    tui__app.m.kind = M_PROMPT;
    snprintf(tui__app.m.title, sizeof tui__app.m.title, "%s", label);
    tui__app.m.len = (int)mbstowcs(tui__app.m.buf, initial ? initial : "", 255);
    if (tui__app.m.len < 0)
        tui__app.m.len = 0;
    tui__app.m.buf[tui__app.m.len] = L'\0';
    tui__app.m.cur = tui__app.m.len;
    tui__app.m.change = change;
    tui__app.m.done_str = done;
    tui__app.m.ctx = ctx;
    tui_dirty();
}

void tui_prompt_status(int error, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(tui__app.m.status, sizeof tui__app.m.status, fmt, ap);
    va_end(ap);
    tui__app.m.status_error = error;
    tui_dirty();
}

void tui_zoom(int on)
{
    tui__app.zoom = on < 0 ? !tui__app.zoom : on;
    tui_dirty();
}

struct panel *tui__focused(void)
{
    return &tui__app.panels[tui__app.focus];
}

/* The panel's table, unless it has none or its detail view hides it. */
struct tui_table *tui__panel_table(struct panel *p)
{
    return !p->detail && p->ops->table ? p->ops->table(p) : NULL;
}

/* --- input ------------------------------------------------------------------- */

static void finish_modal_int(int v)
{
    struct modal m = tui__app.m;

    tui__app.m.kind = M_NONE;
    tui_dirty();
    if (m.done_int)
        m.done_int(m.ctx, v);
}

static void prompt_text(char *out, size_t n)
{
    size_t r = wcstombs(out, tui__app.m.buf, n - 1);

    out[r == (size_t)-1 ? 0 : r] = '\0';
}

static void prompt_key(int key)
{
    char text[1024];
    struct modal m;

    switch (key) {
    case '\r': case '\n': case TUI_FN(KEY_ENTER):
    case TUI_ESC:
        m = tui__app.m;
        prompt_text(text, sizeof text);
        tui__app.m.kind = M_NONE;
        tui_dirty();
        m.done_str(m.ctx, key == TUI_ESC ? NULL : text);
        return;
    case TUI_FN(KEY_BACKSPACE): case 127: case 8:
        if (tui__app.m.cur > 0) {
            wmemmove(tui__app.m.buf + tui__app.m.cur - 1, tui__app.m.buf + tui__app.m.cur,
                (size_t)(tui__app.m.len - tui__app.m.cur + 1));
            tui__app.m.cur--;
            tui__app.m.len--;
        }
        break;
    case TUI_FN(KEY_DC):
        if (tui__app.m.cur < tui__app.m.len) {
            wmemmove(tui__app.m.buf + tui__app.m.cur, tui__app.m.buf + tui__app.m.cur + 1,
                (size_t)(tui__app.m.len - tui__app.m.cur));
            tui__app.m.len--;
        }
        break;
    case TUI_FN(KEY_LEFT): if (tui__app.m.cur > 0) tui__app.m.cur--; break;
    case TUI_FN(KEY_RIGHT): if (tui__app.m.cur < tui__app.m.len) tui__app.m.cur++; break;
    case TUI_FN(KEY_HOME): case TUI_CTRL('a'): tui__app.m.cur = 0; break;
    case TUI_FN(KEY_END): case TUI_CTRL('e'): tui__app.m.cur = tui__app.m.len; break;
    case TUI_CTRL('u'): tui__app.m.len = tui__app.m.cur = 0; tui__app.m.buf[0] = L'\0'; break;
    default:
        if (key < ' ' || key >= TUI_FN(0) || tui__app.m.len >= 254)
            return;
        wmemmove(tui__app.m.buf + tui__app.m.cur + 1, tui__app.m.buf + tui__app.m.cur,
            (size_t)(tui__app.m.len - tui__app.m.cur + 1));
        tui__app.m.buf[tui__app.m.cur++] = (wchar_t)key;
        tui__app.m.len++;
        break;
    }
    tui_dirty();
    if (tui__app.m.change) {
        prompt_text(text, sizeof text);
        tui__app.m.change(tui__app.m.ctx, text);
    }
}

static void modal_key(int key)
{
    switch (tui__app.m.kind) {
    case M_HELP:
        if (key == TUI_ESC || key == 'q' || key == '?' || key == '\r' || key == TUI_FN(KEY_F(1)))
            tui__app.m.kind = M_NONE, tui_dirty();
        return;
    case M_CONFIRM:
        if (key == 'y' || key == 'Y')
            finish_modal_int(1);
        else if (key == 'n' || key == 'N' || key == TUI_ESC || key == '\r' || key == 'q')
            finish_modal_int(0);
        return;
    case M_MENU:
        if (key == TUI_FN(KEY_DOWN) || key == 'j')
            tui__app.m.sel = (tui__app.m.sel + 1) % tui__app.m.n;
        else if (key == TUI_FN(KEY_UP) || key == 'k')
            tui__app.m.sel = (tui__app.m.sel + tui__app.m.n - 1) % tui__app.m.n;
        else if (key >= '1' && key < '1' + tui__app.m.n)
            finish_modal_int(key - '1');
        else if (key == '\r' || key == '\n' || key == TUI_FN(KEY_ENTER))
            finish_modal_int(tui__app.m.sel);
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
    return tui__panel_table(tui__focused());
}

static void search_change(void *ctx, const char *s)
{
    struct tui_table *t = ctx;

    snprintf(t->search, sizeof t->search, "%s", s);
    t->sel = tui__app.saved_sel;
    if (*s && !table_find(t, s, 1, 1))
        tui_message(1, "no row matches '%s'", s);
    else
        tui__app.msg[0] = '\0';
}

static void search_done(void *ctx, const char *s)
{
    struct tui_table *t = ctx;

    if (!s) {  /* Esc: back where the search started */
        snprintf(t->search, sizeof t->search, "%s", tui__app.saved);
        t->sel = tui__app.saved_sel;
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

    snprintf(t->filter, sizeof t->filter, "%s", s ? s : tui__app.saved);
    table_reload(t);
    if (t->filter[0])
        tui_message(0, "filter '%s': %d rows (f, then an empty filter, shows all)", t->filter,
                    t->norder);
    tui_dirty();
}

static void focus(int i)
{
    if (i == tui__app.focus)
        return;
    tui__app.focus = i;
    tui_dirty();
}

static void quit_confirmed(void *ctx, int yes)
{
    (void)ctx;
    if (!yes) {
        tui_message(0, "still here");
        return;
    }
    tui__app.quit = 1;
    uv_stop(tui__app.loop);
}

/* Whether a panel runs what it cannot start again as it was (a runbook
 * step's command); `what` says what. */
static int busy(char *what, size_t n)
{
    for (int i = 0; i < PANEL_COUNT; i++)
        if (tui__app.panels[i].ops->busy && tui__app.panels[i].ops->busy(&tui__app.panels[i],
            what, n))
            return 1;
    return 0;
}

/* q: at once, unless it would stop what a panel cannot start again as it was:
 * then asked first. */
void tui__quit(void)
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
    if (!tui__app.quit && terminal_lost)
        tui__app.dash->keep_commands = 1;
    tui__app.quit = 1;
    uv_stop(tui__app.loop);
}

/* The panels stop their work (the dashboard closes); a step's command is let
 * run on while dash->keep_commands says so. */
static void stop_panels(void)
{
    for (int i = 0; i < PANEL_COUNT; i++)
        if (tui__app.panels[i].ops->stop)
            tui__app.panels[i].ops->stop(&tui__app.panels[i]);
}

static int global_key(int key)
{
    struct tui_table *t = focused_table();
    struct dash *d = tui__app.dash;
    char buf[16];

    switch (tui_key_action(tui__global_keys, key)) {
    case A_HELP: memset(&tui__app.m, 0, sizeof tui__app.m); tui__app.m.kind = M_HELP; break;
    case A_QUIT: tui__quit(); break;
    case A_NEXT: focus((tui__app.focus + 1) % PANEL_COUNT); break;
    case A_PREV: focus((tui__app.focus + PANEL_COUNT - 1) % PANEL_COUNT); break;
    case A_P1: case A_P2: case A_P3: case A_P4: focus(key - '1'); break;
    case A_ZOOM: tui_zoom(-1); break;
    case A_SEARCH:
    case A_FILTER:
        if (!t) {
            tui_message(0, "%s has no table to %s", tui__focused()->ops->name,
                        key == '/' ? "search" : "filter");
            break;
        }
        snprintf(tui__app.saved, sizeof tui__app.saved, "%s", key == '/' ? t->search : t->filter);
        tui__app.saved_sel = t->sel;
        if (key == '/')
            tui_prompt("/", "", search_change, search_done, t);
        else
            tui_prompt("filter: ", t->filter, filter_change, filter_done, t);
        break;
    case A_BACK:
        if (tui__focused()->ops->back && tui__focused()->ops->back(tui__focused()))
            break;
        if (tui__focused()->detail)
            panel_detail_close(tui__focused());
        else if (tui__app.zoom)
            tui_zoom(0);
        else
            tui__app.msg[0] = '\0';
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

    if (getmouse(&ev) != OK || tui__app.m.kind != M_NONE)
        return;
    if (ev.bstate & (BUTTON4_PRESSED | BUTTON5_PRESSED)) {
        if ((t = focused_table()))
            table_key(t, ev.bstate & BUTTON4_PRESSED ? TUI_FN(KEY_UP) : TUI_FN(KEY_DOWN));
        return;
    }
    if (tui__grid_fits() || tui__app.zoom) {
        for (int i = 0; i < PANEL_COUNT; i++) {
            struct rect r = tui__app.rects[i];
            if (r.h && ev.y >= r.y && ev.y < r.y + r.h && ev.x >= r.x && ev.x < r.x + r.w) {
                focus(i);
                if ((t = focused_table()))
                    table_click(t, ev.y, ev.x);
            }
        }
    } else if (ev.y == 1) {  /* the tab strip: each tab is its name and padding */
        int x = 0;
        for (int i = 0; i < PANEL_COUNT; i++) {
            int w = draw_width(tui__app.panels[i].ops->name) + 4;
            if (ev.x >= x && ev.x < x + w)
                focus(i);
            x += w;
        }
    }
}

static void handle_key(int key)
{
    struct panel *p = tui__focused();
    struct tui_table *t;

    if (key == TUI_FN(KEY_RESIZE)) {
        tui_dirty();
        return;
    }
    if (key == TUI_FN(KEY_MOUSE)) {
        mouse();
        return;
    }
    if (tui__app.m.kind != M_NONE) {
        modal_key(key);
        return;
    }
    if (tui__app.msg_error && key != TUI_ESC)
        tui__app.msg[0] = '\0', tui__app.msg_error = 0;  /* an error stays until the next key */
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
    while (!tui__app.quit && (rc = wget_wch(stdscr, &wc)) != ERR)
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
        if (!tui__app.quit)
            resize();
        return;
    }
    if (signum == SIGINT && !tui__app.quit && busy(what, sizeof what)) {
        if (tui__app.m.kind == M_NONE)
            tui__quit();
        else
            tui_message(1, "Ctrl-C: %s is running; answer the question first, then q quits "
                        "(asking first)", what);
        return;
    }
    if (tui__app.quit && tui__app.dash->keep_commands && signum != SIGHUP) {
        tui__app.dash->keep_commands = 0;
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
        snprintf(tui__app.msg, sizeof tui__app.msg, "%s", d->message);
        tui__app.msg_error = d->message_error;
    }
    for (int i = 0; i < PANEL_COUNT; i++)
        if (tui__app.panels[i].ops->update)
            tui__app.panels[i].ops->update(&tui__app.panels[i], what);
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
    memset(&tui__app, 0, sizeof tui__app);
    uv_loop_init(&loop);
    tui__app.loop = &loop;
    if (!(tui__app.dash = dash_open(&loop, plan_path, on_dash, NULL, &e))) {
        uv_loop_close(&loop);
        fprintf(stderr, "cutover: %s\n", e.msg);
        return e.kind ? (int)e.kind : ERR_INPUT;
    }
    if (tui__app.dash->message[0])
        snprintf(tui__app.msg, sizeof tui__app.msg, "%s", tui__app.dash->message),
            tui__app.msg_error = 1;
    tui__app.utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
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
    draw_init(&theme, tui__app.utf8, color && has_colors());
    for (int i = 0; i < PANEL_COUNT; i++) {
        tui__app.panels[i].ops = panel_registry[i];
        tui__app.panels[i].dash = tui__app.dash;
        tui__app.panels[i].ops->init(&tui__app.panels[i]);
    }
    uv_poll_init(&loop, &tui__app.input, STDIN_FILENO);
    uv_poll_start(&tui__app.input, UV_READABLE, input_cb);
    uv_signal_init(&loop, &tui__app.winch);
    uv_signal_start(&tui__app.winch, signal_cb, SIGWINCH);
    uv_signal_init(&loop, &tui__app.term);
    uv_signal_start(&tui__app.term, signal_cb, SIGTERM);
    uv_signal_init(&loop, &tui__app.hup);
    uv_signal_start(&tui__app.hup, signal_cb, SIGHUP);
    uv_signal_init(&loop, &tui__app.intr);
    uv_signal_start(&tui__app.intr, signal_cb, SIGINT);
    uv_timer_init(&loop, &tui__app.clock);
    uv_timer_start(&tui__app.clock, clock_cb, 1000, 1000);
    uv_prepare_init(&loop, &tui__app.redraw);
    uv_prepare_start(&tui__app.redraw, tui__redraw_cb);
    resize();
    dash_refresh(tui__app.dash);
    uv_run(&loop, UV_RUN_DEFAULT);

    /* tear down: the terminal first, so nothing below can leave it raw */
    endwin();
    uv_prepare_stop(&tui__app.redraw);
    uv_poll_stop(&tui__app.input);
    /* work under way is cancelled and let end on the loop, so that a run is
     * recorded cancelled and every callback still finds what it uses (10 s at
     * most; a lint is let finish) */
    dash_stop(tui__app.dash);
    stop_panels();
    for (uint64_t until = uv_now(&loop) + 10000; tui__app.dash->hold > 0 &&
         (uv_now(&loop) < until || (tui__app.dash->keep_commands && busy(NULL, 0)));)
        uv_run(&loop, UV_RUN_ONCE);  /* the clock's timer wakes it every second */
    if (tui__app.dash->hold > 0)  /* still reading (a lint): end here, not free what it uses */
        _exit(0);          /* (the workspace's transactions are SQLite's: nothing is torn) */
    for (int i = 0; i < PANEL_COUNT; i++)
        if (tui__app.panels[i].ops->done)
            tui__app.panels[i].ops->done(&tui__app.panels[i]);
    dash_close(tui__app.dash);
    uv_walk(&loop, close_walk, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    return 0;
}
