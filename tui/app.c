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

struct app tui__app;

static struct tui_table *focused_table(void)
{
    return app_panel_table(app_focused(&tui__app));
}

static void search_change(void *ctx, const char *s)
{
    struct tui_table *t = ctx;

    snprintf(t->search, sizeof t->search, "%s", s);
    t->sel = tui__app.saved_sel;
    if (*s && !table_find(t, s, 1, 1))
        tui_message(1, "no row matches '%s'", s);
    else
        tui__ui.msg[0] = '\0';
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

static const char *const hypercare_choices[] = {
    "Keep the session open: cutover watch, or a dashboard's H, resumes it",
    "End the session now: completed, summed up in the report",
    "Stay",
};

static void quit_hypercare(void *ctx, int choice)
{
    (void)ctx;
    if (choice < 0 || choice == 2) {
        tui_message(0, "still here, recording hypercare");
        return;
    }
    dash_hypercare_stop(tui__app.dash, choice == 1);
    quit_confirmed(NULL, 1);
}

/* A step's command running was asked about: then the hypercare session this
 * dashboard records, last, so that a no to either leaves both as they were. */
static void quit_then_hypercare(void *ctx, int yes)
{
    if (yes && dash_hypercare_here(tui__app.dash)) {
        tui_menu("Quit: this dashboard records the hypercare session", hypercare_choices, 3, 0,
                 quit_hypercare, NULL);
        return;
    }
    quit_confirmed(ctx, yes);
}

/* q: at once, unless it would stop what a panel cannot start again as it was,
 * or the hypercare session this dashboard records: then asked first. */
static void quit(void)
{
    char what[160];

    if (busy(what, sizeof what)) {
        char q[200];
        snprintf(q, sizeof q, "Quit? It stops %s, which is running.", what);
        tui_confirm(q, quit_then_hypercare, NULL);
        return;
    }
    quit_then_hypercare(NULL, 1);
}

/* The loop ends: the dashboard closes. With its terminal lost (SIGHUP, input
 * gone) a step's command under way is let run to its end (keep_commands). */
static void close_dashboard(int terminal_lost)
{
    if (!tui__app.quit && terminal_lost)
        dash_set_keep_commands(tui__app.dash, 1);
    tui__app.quit = 1;
    uv_stop(tui__app.loop);
}


static int global_key(int key)
{
    struct panel *p = app_focused(&tui__app);
    struct tui_table *t = focused_table();
    struct dash *d = tui__app.dash;
    char buf[16];

    switch (tui_key_action(tui_global_keys, key)) {
    case A_HELP: dialog_help(); break;
    case A_QUIT: quit(); break;
    case A_NEXT: focus((tui__app.focus + 1) % PANEL_COUNT); break;
    case A_PREV: focus((tui__app.focus + PANEL_COUNT - 1) % PANEL_COUNT); break;
    case A_P1: case A_P2: case A_P3: case A_P4: focus(key - '1'); break;
    case A_ZOOM: tui_zoom(-1); break;
    case A_SEARCH:
    case A_FILTER:
        if (!t) {
            tui_message(0, "%s has no table to %s", p->ops->name,
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
        if (p->ops->back && p->ops->back(p))
            break;
        if (p->detail)
            panel_detail_close(p);
        else if (tui__ui.zoom)
            tui_zoom(0);
        else
            tui__ui.msg[0] = '\0';
        break;
    case A_PAUSE:
        dash_pause(d, !dash_paused(d));
        tui_message(0, dash_paused(d) ? "polling paused: Space resumes" : "polling resumed");
        break;
    case A_FASTER:
    case A_SLOWER:
        dash_set_interval(d, key == '-' ? dash_interval(d) * 2 : dash_interval(d) / 2);
        tui_message(0, "polling every %s", dur_format(dash_interval(d), buf, sizeof buf));
        break;
    case A_REFRESH:  /* what reading the plan again says comes after */
        tui_message(0, "refreshing both databases");
        dash_refresh(d);
        break;
    case A_MATCH_NEXT:
    case A_MATCH_PREV:
        if (!t)
            return TUI_IGNORED;
        if (!t->search[0])
            tui_message(0, "no search yet: press / to search");
        else if (!table_find(t, t->search, key == 'n' ? 1 : -1, 0))
            tui_message(1, "no row matches '%s'", t->search);
        break;
    case A_REDRAW:
        clearok(curscr, TRUE);
        break;
    default:
        return TUI_IGNORED;
    }
    return TUI_HANDLED | TUI_REDRAW;
}

static void mouse(void)
{
    MEVENT ev;
    struct tui_table *t;

    if (getmouse(&ev) != OK || tui__ui.m.kind != M_NONE)
        return;
    if (ev.bstate & (BUTTON4_PRESSED | BUTTON5_PRESSED)) {
        if ((t = focused_table()))
            table_key(t, ev.bstate & BUTTON4_PRESSED ? TUI_FN(KEY_UP) : TUI_FN(KEY_DOWN));
        tui_dirty();
        return;
    }
    if (chrome_grid_fits() || tui__ui.zoom) {
        for (int i = 0; i < PANEL_COUNT; i++) {
            struct rect r = tui__app.rects[i];
            if (r.h && ev.y >= r.y && ev.y < r.y + r.h && ev.x >= r.x && ev.x < r.x + r.w) {
                focus(i);
                if ((t = focused_table()))
                    table_click(t, ev.y, ev.x);
                tui_dirty();
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
    struct panel *p = app_focused(&tui__app);
    struct tui_table *t;
    int r = TUI_IGNORED;

    if (key == TUI_FN(KEY_RESIZE)) {
        tui_dirty();
        return;
    }
    if (key == TUI_FN(KEY_MOUSE)) {
        mouse();
        return;
    }
    if (tui__ui.m.kind != M_NONE) {
        dialog_key(key);
        return;
    }
    if (tui__ui.msg_error && key != TUI_ESC)  /* an error stays until the next key */
        tui__ui.msg[0] = '\0', tui__ui.msg_error = 0, tui_dirty();
    /* the panel first, then the dashboard's keys, then the focused table */
    if (p->ops->key)
        r = p->ops->key(p, key);
    if (!r)
        r = global_key(key);
    if (!r && (t = focused_table()))
        r = table_key(t, key);
    if (r & TUI_REDRAW)
        tui_dirty();
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
        if (tui__ui.m.kind == M_NONE)
            quit();
        else
            tui_message(1, "Ctrl-C: %s is running; answer the question first, then q quits "
                        "(asking first)", what);
        return;
    }
    if (tui__app.quit && dash_keep_commands(tui__app.dash) && signum != SIGHUP) {
        dash_set_keep_commands(tui__app.dash, 0);
        dash_stop(tui__app.dash);  /* the command kept is stopped now */
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
        snprintf(tui__ui.msg, sizeof tui__ui.msg, "%s", dash_message(d));
        tui__ui.msg_error = dash_message_error(d);
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

/* The loop is about to wait: the screen is drawn if anything asked for it. */
static void redraw_cb(uv_prepare_t *h)
{
    (void)h;
    if (!tui__ui.dirty)
        return;
    tui__ui.dirty = 0;
    chrome_draw(&tui__app);
    wnoutrefresh(stdscr);
    doupdate();
}

static void close_walk(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

/* Handles besides the clock still working or closing: what a module closes
 * on its own (a connection's last callbacks, a timer's close). */
static void count_busy(uv_handle_t *h, void *arg)
{
    if (h != (uv_handle_t *)&tui__app.clock && (uv_is_active(h) || uv_is_closing(h)))
        (*(int *)arg)++;
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
    if (dash_message(tui__app.dash)[0])
        snprintf(tui__ui.msg, sizeof tui__ui.msg, "%s", dash_message(tui__app.dash)),
            tui__ui.msg_error = 1;
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
    uv_prepare_start(&tui__app.redraw, redraw_cb);
    resize();
    dash_refresh(tui__app.dash);
    uv_run(&loop, UV_RUN_DEFAULT);

    /* tear down: the terminal first, so nothing below can leave it raw */
    endwin();
    uv_prepare_stop(&tui__app.redraw);
    uv_poll_stop(&tui__app.input);
    /* work under way is cancelled and let end on the loop, so that a run is
     * recorded cancelled and every callback still finds what it uses (10 s at
     * most; a step's command kept after SIGHUP, to its end). A lint of the
     * data is not waited for: it owns what it reads and ends on its own. */
    dash_stop(tui__app.dash);  /* the jobs are the model's: panels run none */
    for (uint64_t until = uv_now(&loop) + 10000; (dash_working(tui__app.dash) || db_closing()) &&
         (uv_now(&loop) < until || (dash_keep_commands(tui__app.dash) && busy(NULL, 0)));)
        uv_run(&loop, UV_RUN_ONCE);  /* the clock's timer wakes it every second */
    if (dash_working(tui__app.dash)) {  /* a cancel never answered: its memory left to the OS */
        fprintf(stderr, "cutover: work cancelled 10 s ago has not ended; leaving without it\n");
        return 0;
    }
    for (int i = 0; i < PANEL_COUNT; i++)
        if (tui__app.panels[i].ops->done)
            tui__app.panels[i].ops->done(&tui__app.panels[i]);
    dash_close(tui__app.dash);
    /* the dashboard's own handles go, then what the modules close ends on
     * the loop, each by its own callbacks (a handle closed twice aborts),
     * connections released: 2 s at most, the clock waking it; what is left
     * then (a lint of the data still reading) is closed as it is */
    uv_close((uv_handle_t *)&tui__app.input, NULL);
    uv_close((uv_handle_t *)&tui__app.redraw, NULL);
    uv_close((uv_handle_t *)&tui__app.winch, NULL);
    uv_close((uv_handle_t *)&tui__app.term, NULL);
    uv_close((uv_handle_t *)&tui__app.hup, NULL);
    uv_close((uv_handle_t *)&tui__app.intr, NULL);
    for (uint64_t until = uv_now(&loop) + 2000; uv_now(&loop) < until;) {
        int busy_handles = 0;
        uv_walk(&loop, count_busy, &busy_handles);
        if (!busy_handles && !db_closing())  /* a connection's work in a thread is no handle */
            break;
        uv_run(&loop, UV_RUN_ONCE);
    }
    uv_walk(&loop, close_walk, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    return 0;
}
