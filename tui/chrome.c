/* chrome: the dashboard's layout and what surrounds the panels: the header,
 * the tabs, the footer's keys, the message line, the help and the dialogs. */
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

/* --- layout and drawing ------------------------------------------------------ */

static struct app *app;  /* the dashboard being drawn (chrome_draw) */

int chrome_grid_fits(void)
{
    return COLS >= GRID_W && LINES >= GRID_H;
}

static void layout(void)
{
    struct rect body = { 1, 0, LINES - 3, COLS };

    memset(app->rects, 0, sizeof app->rects);
    if (tui__ui.zoom || !chrome_grid_fits()) {
        if (!chrome_grid_fits() && !tui__ui.zoom) {  /* a tab strip takes the first line */
            body.y++;
            body.h--;
        }
        app->rects[app->focus] = body;
        return;
    }
    {
        int h1 = body.h / 2, w1 = body.w / 2;
        app->rects[0] = (struct rect){ body.y, 0, h1, w1 };
        app->rects[1] = (struct rect){ body.y, w1, h1, body.w - w1 };
        app->rects[2] = (struct rect){ body.y + h1, 0, body.h - h1, w1 };
        app->rects[3] = (struct rect){ body.y + h1, w1, body.h - h1, body.w - w1 };
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
    struct dash *d = app->dash;
    char right[200], phase[64], clock[16], every[16];
    time_t now = time(NULL);
    enum theme_role r0, r1;
    const char *g0 = side_glyph(dash_side(d, 0), &r0), *g1 = side_glyph(dash_side(d, 1), &r1);
    int rw, x;

    draw_fill((struct rect){ 0, 0, 1, COLS }, ROLE_HEADER);
    strftime(clock, sizeof clock, "%H:%M:%S", localtime(&now));
    if ((dash_hypercare(d) != NULL)) {
        char at[64];
        snprintf(phase, sizeof phase, "HYPERCARE %s", ws_session_clock(dash_hypercare(d), at, sizeof at));
    } else if (dash_runbook_begun(d))
        snprintf(phase, sizeof phase, "CUTOVER");
    else if (dash_runs(d))
        snprintf(phase, sizeof phase, "REHEARSAL %ld", dash_runs(d));
    else
        snprintf(phase, sizeof phase, "PLANNING");
    dur_format(dash_interval(d), every, sizeof every);
    snprintf(right, sizeof right, "%s%s  every %s  src %s tgt %s  %s ", dash_paused(d) ? "PAUSED  " : "",
             phase, every, g0, g1, clock);
    rw = draw_width(right);
    x = COLS - rw > 0 ? COLS - rw : 0;
    {
        char left[1024];
        snprintf(left, sizeof left, " cutover %s %s %s %s %s %s", tui_g->dot, dash_plan(d)->name,
                 tui_g->dot, dash_url(d, 0), tui_g->arrow, dash_url(d, 1));
        draw_clip(0, 0, x - 1, ROLE_HEADER, left);
    }
    /* pieces of the right side in their own styles */
    if (dash_paused(d))
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

    app->panels[i].ops->title(&app->panels[i], t, sizeof t);
    snprintf(buf, n, "%d %s", i + 1, t);
}

static void draw_tabs(void)
{
    int x = 0;

    draw_fill((struct rect){ 1, 0, 1, COLS }, ROLE_TEXT);
    for (int i = 0; i < PANEL_COUNT && x < COLS; i++) {
        char t[64];
        snprintf(t, sizeof t, " %d %s ", i + 1, app->panels[i].ops->name);
        x += draw_text(1, x, COLS - x, i == app->focus ? ROLE_SELECTION : ROLE_MUTED, t);
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
    const struct tui_key *sets[2] = { app_focused(app)->ops->keys, tui_global_keys };
    const struct tui_key *quit = NULL;
    int x = 0, limit;

    draw_fill((struct rect){ LINES - 1, 0, 1, COLS }, ROLE_FOOTER);
    for (const struct tui_key *k = tui_global_keys; k->action; k++)
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
    if (tui__ui.m.kind == M_PROMPT) {
        int x = draw_textf(y, 0, COLS, ROLE_TEXT, "%s", tui__ui.m.title);
        wcstombs(line, tui__ui.m.buf, sizeof line - 1);
        line[sizeof line - 1] = '\0';
        {
            int w = draw_text(y, x, COLS - x, ROLE_SEARCH, line);
            if (tui__ui.m.status[0])
                draw_textf(y, x + w + 2, COLS - x - w - 2,
                           tui__ui.m.status_error ? ROLE_FAIL : ROLE_OK, "%s %s",
                           tui__ui.m.status_error ? tui_g->fail : tui_g->ok, tui__ui.m.status);
        }
        {   /* the cursor sits after the text before it */
            char pre[300];
            wchar_t save = tui__ui.m.buf[tui__ui.m.cur];
            tui__ui.m.buf[tui__ui.m.cur] = L'\0';
            wcstombs(pre, tui__ui.m.buf, sizeof pre - 1);
            pre[sizeof pre - 1] = '\0';
            tui__ui.m.buf[tui__ui.m.cur] = save;
            move(y, x + draw_width(pre) < COLS ? x + draw_width(pre) : COLS - 1);
        }
        return;
    }
    if (tui__ui.msg[0])
        draw_textf(y, 0, COLS, tui__ui.msg_error ? ROLE_FAIL : ROLE_MUTED, "%s%s%s",
                   tui__ui.msg_error ? tui_g->fail : "", tui__ui.msg_error ? " " : "",
                       tui__ui.msg);
    else if (!chrome_grid_fits())
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

/* A key's line of the help: its label, then what it does, wrapped to `w`
 * columns under itself (the label column is 13 wide). */
static void help_key(struct tui_view *v, const struct tui_key *k, int w)
{
    char line[512], word[256];
    const char *p = k->help;
    int len = 0, cols = 0;

    if (!k->label)
        return;
    w = w > 33 ? w - 13 : 20;
    line[0] = '\0';
    while (*p) {
        size_t n = strcspn(p, " ");
        int ww;
        snprintf(word, sizeof word, "%.*s", (int)(n < sizeof word ? n : sizeof word - 1), p);
        ww = draw_width(word);
        if (cols && cols + 1 + ww > w) {  /* the line is full: out, and the word begins one */
            view_add(v, ROLE_DIALOG, "%-12s %s", len == -1 ? "" : k->label, line);
            len = -1;
            line[0] = '\0';
            cols = 0;
        }
        snprintf(line + strlen(line), sizeof line - strlen(line), "%s%s", cols ? " " : "", word);
        cols += (cols ? 1 : 0) + ww;
        p += n;
        p += strspn(p, " ");
    }
    view_add(v, ROLE_DIALOG, "%-12s %s", len == -1 ? "" : k->label, line);
}

/* Help: the whole screen, the focused panel's keys, the table's, then those
 * that work everywhere, wrapped to the width and scrolled (every key can be
 * read at 80x24). */
static void draw_help(void)
{
    struct panel *p = app_focused(app);
    struct tui_view *v = &tui__ui.help;
    struct rect r = { 0, 0, LINES, COLS }, in;
    char title[160];
    int top = v->top, h;

    view_clear(v);
    v->top = top;
    draw_fill(r, ROLE_DIALOG);
    view_add(v, ROLE_TITLE, "%s panel", p->ops->name);
    for (const struct tui_key *k = p->ops->keys; k->action; k++)
        help_key(v, k, COLS - 2);
    if (app_panel_table(p))
        for (const struct tui_key *k = tui_table_keys; k->action; k++)
            help_key(v, k, COLS - 2);
    view_add(v, ROLE_TITLE, "Everywhere");
    for (const struct tui_key *k = tui_global_keys; k->action; k++)
        help_key(v, k, COLS - 2);
    view_add(v, ROLE_TITLE, "In help");
    for (const struct tui_key *k = tui_view_keys; k->action; k++)
        help_key(v, k, COLS - 2);
    view_add(v, ROLE_DIALOG, "%-12s %s", "Space", "next page");
    view_add(v, ROLE_DIALOG, "%-12s %s", "Esc/q/?", "close the help");
    h = r.h - 2;  /* inside the box */
    if (v->top > (int)v->n - h)
        v->top = (int)v->n - h > 0 ? (int)v->n - h : 0;
    if ((int)v->n <= h)
        snprintf(title, sizeof title, "Help: Esc closes");
    else
        snprintf(title, sizeof title, "Help, lines %d-%d of %zu: Down, Up, PgDn, PgUp scroll; "
                 "Esc closes", v->top + 1, v->top + h, v->n);
    in = draw_box(r, title, 1);
    tui__ui.help_page = in.h;
    view_draw(v, in);
}

static void draw_modal(void)
{
    struct rect r, in;
    int w;

    switch (tui__ui.m.kind) {
    case M_HELP:
        draw_help();
        break;
    case M_CONFIRM:
        w = draw_width(tui__ui.m.title) + 6;
        r = centered(5, w < 30 ? 30 : w);
        draw_fill(r, ROLE_DIALOG);
        in = draw_box(r, "Confirm", 1);
        draw_text(in.y, in.x + 1, in.w - 2, ROLE_DIALOG, tui__ui.m.title);
        draw_text(in.y + 2, in.x + 1, in.w - 2, ROLE_DIALOG, "y: yes   n, Esc: no");
        break;
    case M_MENU:
        w = draw_width(tui__ui.m.title) + 6;
        for (int i = 0; i < tui__ui.m.n; i++)
            if (draw_width(tui__ui.m.items[i]) + 8 > w)
                w = draw_width(tui__ui.m.items[i]) + 8;
        r = centered(tui__ui.m.n + 2, w);
        draw_fill(r, ROLE_DIALOG);
        in = draw_box(r, tui__ui.m.title, 1);
        for (int i = 0; i < tui__ui.m.n && i < in.h; i++)
            draw_textf(in.y + i, in.x, in.w, i == tui__ui.m.sel ? ROLE_SELECTION : ROLE_DIALOG,
                       " %d %s ", i + 1, tui__ui.m.items[i]);
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
    if (!chrome_grid_fits() && !tui__ui.zoom)
        draw_tabs();
    for (int i = 0; i < PANEL_COUNT; i++) {
        char title[256];
        struct rect in;
        if (!app->rects[i].h)
            continue;
        panel_title(i, title, sizeof title);
        in = draw_box(app->rects[i], title, i == app->focus);
        if (in.h > 0 && in.w > 0)
            app->panels[i].ops->draw(&app->panels[i], in, i == app->focus);
    }
    draw_message();
    draw_footer();
    draw_modal();
    if (tui__ui.m.kind == M_PROMPT)
        curs_set(1), draw_message();  /* leaves the cursor in the prompt */
}

void chrome_draw(struct app *a)
{
    app = a;
    draw();
}
