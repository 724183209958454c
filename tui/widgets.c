/* widgets: the table (columns, sort, search, filter, scrolling, a selection
 * that survives reloads) and the scrolling text view. */
#include "config.h"
#include "tui.h"
#include "util.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void cell_of(struct tui_table *t, int row, int col, char *buf, size_t n)
{
    buf[0] = '\0';
    t->cell(t->ctx, row, col, buf, n);
}

/* A number, ignoring a leading '+' or '~' (estimates) and what follows it
 * after a space ("12 (+3)": 12); 0 if not a number. */
static int as_number(const char *s, double *v)
{
    char *end;

    if (*s == '+' || *s == '~')
        s++;
    if (!*s || (!isdigit((unsigned char)*s) && *s != '-'))
        return 0;
    *v = strtod(s, &end);
    return end != s && (*end == '\0' || *end == ' ');
}

/* A cell that says nothing is known: it sorts last whichever the direction. */
static int unknown(const char *s)
{
    return !*s || !strcmp(s, "-");
}

static struct tui_table *sorting;

static int compare(const void *pa, const void *pb)
{
    struct tui_table *t = sorting;
    int a = *(const int *)pa, b = *(const int *)pb, c;
    char x[256], y[256];
    double dx, dy;

    if (t->group && (c = t->group(t->ctx, a) - t->group(t->ctx, b)))
        return c;
    cell_of(t, a, t->sort_col, x, sizeof x);
    cell_of(t, b, t->sort_col, y, sizeof y);
    if (unknown(x) != unknown(y))
        return unknown(x) ? 1 : -1;
    if (as_number(x, &dx) && as_number(y, &dy))
        c = dx < dy ? -1 : dx > dy;
    else
        c = strcasecmp(x, y);
    if (t->sort_desc)
        c = -c;
    return c ? c : (a > b) - (a < b);  /* stable: the source's order breaks ties */
}

static void key_of(struct tui_table *t, int row, char *buf, size_t n)
{
    if (t->key) {
        buf[0] = '\0';
        t->key(t->ctx, row, buf, n);
    } else {
        cell_of(t, row, 0, buf, n);
    }
}

static int row_matches(struct tui_table *t, int row, const char *text)
{
    char buf[256];

    if (!*text)
        return 1;
    for (int c = 0; c < t->ncols; c++) {
        cell_of(t, row, c, buf, sizeof buf);
        if (strcasestr(buf, text))
            return 1;
    }
    return 0;
}

/* The room over, `extra`, to the shown columns their width cuts, evenly,
 * each up to its widest content, then to the last column if it shows and
 * has no width of its own. */
static void spread(struct tui_table *t, int extra)
{
    int last = (t->ncols < TUI_MAXCOLS ? t->ncols : TUI_MAXCOLS) - 1;

    for (int grew = 1; extra > 0 && grew;) {  /* a column at a time, evenly */
        grew = 0;
        for (int c = 0; c <= last && extra > 0; c++)
            if (t->width[c] && t->fit[c] > t->width[c])
                t->width[c]++, extra--, grew = 1;
    }
    if (t->width[last] && !t->cols[last].width)
        t->width[last] += extra;
}

/* What a column asks first: its declared width; the last one, without a
 * width of its own, its title's (or less, its content being narrower). */
static int base_width(const struct tui_table *t, int c)
{
    int title = draw_width(t->cols[c].title) + 2;

    return t->cols[c].width ? t->cols[c].width : t->fit[c] < title ? t->fit[c] : title;
}

/* The columns' widths in a w-column table: declared widths first, left to
 * right, a column that does not fit left out with all right of it; the room
 * over goes to the cut columns evenly (spread). When that would leave a key
 * column out, the key columns come first, each as wide as its content (at
 * most its declared width), the widest cut first down to its title, then
 * the other columns that still fit, in order. Returns the columns shown. */
int table_layout(struct tui_table *t, int w)
{
    int used = 0, n = 0, cut_key = 0, ncols = t->ncols < TUI_MAXCOLS ? t->ncols : TUI_MAXCOLS;

    memset(t->width, 0, sizeof t->width);
    for (int c = 0; c < ncols; c++) {
        int want = base_width(t, c);
        if (want <= 0 || used + want > w) {
            for (int k = c; k < ncols; k++)
                cut_key |= t->cols[k].key;
            break;
        }
        t->width[c] = want;
        used += want;
        n++;
    }
    if (cut_key) {  /* too narrow: the key columns first */
        memset(t->width, 0, sizeof t->width);
        used = n = 0;
        for (int c = 0; c < ncols; c++)
            if (t->cols[c].key) {
                int want = base_width(t, c);
                t->width[c] = t->fit[c] < want ? t->fit[c] : want;
                used += t->width[c];
                n++;
            }
        while (used > w) {  /* the widest key column cut, one at a time */
            int widest = -1;
            for (int c = 0; c < ncols; c++)
                if (t->cols[c].key && t->width[c] > draw_width(t->cols[c].title) + 1 &&
                    (widest < 0 || t->width[c] > t->width[widest]))
                    widest = c;
            if (widest < 0)
                break;
            t->width[widest]--;
            used--;
        }
        for (int c = ncols - 1; used > w && c >= 0; c--)  /* still too wide: from the right */
            if (t->width[c])
                used -= t->width[c], t->width[c] = 0, n--;
        for (int c = 0; c < ncols; c++)
            if (!t->cols[c].key && used + base_width(t, c) <= w) {
                t->width[c] = base_width(t, c);
                used += t->width[c];
                n++;
            }
    }
    spread(t, w - used);
    return n;
}

/* Each column's widest title or cell, with its gap. */
static void measure(struct tui_table *t)
{
    char buf[256];

    for (int c = 0; c < t->ncols && c < TUI_MAXCOLS; c++)
        t->fit[c] = draw_width(t->cols[c].title) + 1;
    for (int i = 0; i < t->norder && i < 2000; i++)
        for (int c = 0; c < t->ncols && c < TUI_MAXCOLS; c++) {
            int w;
            cell_of(t, t->order[i], c, buf, sizeof buf);
            if ((w = draw_width(buf) + 1) > t->fit[c])
                t->fit[c] = w;
        }
}

void table_reload(struct tui_table *t)
{
    int n = t->nrows(t->ctx);
    char key[256];

    t->order = xgrow(t->order, &t->cap, (size_t)n + 1, sizeof *t->order);
    t->norder = 0;
    for (int i = 0; i < n; i++)
        if (row_matches(t, i, t->filter))
            t->order[t->norder++] = i;
    sorting = t;
    qsort(t->order, (size_t)t->norder, sizeof *t->order, compare);
    sorting = NULL;
    /* the selection follows its row, wherever sorting or new data put it */
    if (t->sel_key[0])
        for (int i = 0; i < t->norder; i++) {
            key_of(t, t->order[i], key, sizeof key);
            if (strcmp(key, t->sel_key) == 0) {
                t->sel = i;
                break;
            }
        }
    if (t->sel >= t->norder)
        t->sel = t->norder - 1;
    if (t->sel < 0)
        t->sel = 0;
    measure(t);
}

static void remember(struct tui_table *t)
{
    if (t->norder)
        key_of(t, t->order[t->sel], t->sel_key, sizeof t->sel_key);
}

int table_selected(const struct tui_table *t)
{
    return t->norder ? t->order[t->sel] : -1;
}

static void move_to(struct tui_table *t, int sel)
{
    if (sel >= t->norder)
        sel = t->norder - 1;
    if (sel < 0)
        sel = 0;
    t->sel = sel;
    remember(t);
}

void table_select(struct tui_table *t, int row)
{
    for (int i = 0; i < t->norder; i++)
        if (t->order[i] == row) {
            move_to(t, i);
            return;
        }
}

int table_find(struct tui_table *t, const char *text, int dir, int here)
{
    if (!*text || !t->norder)
        return 0;
    for (int k = here ? 0 : 1; k <= t->norder; k++) {
        int i = ((t->sel + dir * k) % t->norder + t->norder) % t->norder;
        if (row_matches(t, t->order[i], text)) {
            move_to(t, i);
            return 1;
        }
    }
    return 0;
}

enum { T_DOWN = 1, T_UP, T_PGDN, T_PGUP, T_HOME, T_END, T_SORT_NEXT, T_SORT_PREV, T_INVERT };

const struct tui_key tui_table_keys[] = {
    { TUI_FN(KEY_DOWN), 'j', "Down/j", NULL, "next row", T_DOWN },
    { TUI_FN(KEY_UP), 'k', "Up/k", NULL, "previous row", T_UP },
    { TUI_FN(KEY_NPAGE), 0, "PgDn", NULL, "next page", T_PGDN },
    { TUI_FN(KEY_PPAGE), 0, "PgUp", NULL, "previous page", T_PGUP },
    { TUI_FN(KEY_HOME), 'g', "Home/g", NULL, "first row", T_HOME },
    { TUI_FN(KEY_END), 'G', "End/G", NULL, "last row", T_END },
    { '>', 0, ">", NULL, "sort by the next column", T_SORT_NEXT },
    { '<', 0, "<", NULL, "sort by the previous column", T_SORT_PREV },
    { 'I', 0, "I", NULL, "invert the sort order", T_INVERT },
    { 0 },
};

const struct tui_key tui_view_keys[] = {
    { TUI_FN(KEY_DOWN), 'j', "Down/j", NULL, "scroll down", T_DOWN },
    { TUI_FN(KEY_UP), 'k', "Up/k", NULL, "scroll up", T_UP },
    { TUI_FN(KEY_NPAGE), 0, "PgDn", NULL, "next page", T_PGDN },
    { TUI_FN(KEY_PPAGE), 0, "PgUp", NULL, "previous page", T_PGUP },
    { TUI_FN(KEY_HOME), 'g', "Home/g", NULL, "top", T_HOME },
    { TUI_FN(KEY_END), 'G', "End/G", NULL, "bottom", T_END },
    { 0 },
};

int table_key(struct tui_table *t, int key)
{
    int page = t->last.h > 2 ? t->last.h - 2 : 1;

    switch (tui_key_action(tui_table_keys, key)) {
    case T_DOWN: move_to(t, t->sel + 1); break;
    case T_UP: move_to(t, t->sel - 1); break;
    case T_PGDN: move_to(t, t->sel + page); break;
    case T_PGUP: move_to(t, t->sel - page); break;
    case T_HOME: move_to(t, 0); break;
    case T_END: move_to(t, t->norder - 1); break;
    case T_SORT_NEXT:
    case T_SORT_PREV:
        t->sort_col = (t->sort_col + (key == '>' ? 1 : t->ncols - 1)) % t->ncols;
        table_reload(t);
        break;
    case T_INVERT:
        t->sort_desc = !t->sort_desc;
        table_reload(t);
        break;
    default:
        return TUI_IGNORED;
    }
    return TUI_HANDLED | TUI_REDRAW;
}

int table_click(struct tui_table *t, int y, int x)
{
    struct rect r = t->last;

    if (y <= r.y || y >= r.y + r.h || x < r.x || x >= r.x + r.w)
        return 0;
    move_to(t, t->top + (y - r.y - 1));
    return 1;
}

void table_draw(struct tui_table *t, struct rect r, int focused)
{
    char buf[256];
    int rows = r.h - 1;

    t->last = r;
    if (r.h <= 0 || r.w <= 0)
        return;
    table_layout(t, r.w);
    /* the header names the sort column and its direction */
    for (int c = 0, x = r.x; c < t->ncols && c < TUI_MAXCOLS; c++) {
        int w = t->width[c];

        if (!w)
            continue;
        snprintf(buf, sizeof buf, "%s%s", t->cols[c].title,
                 c == t->sort_col ? (t->sort_desc ? tui_g->sort_down : tui_g->sort_up) : "");
        if (t->cols[c].right && c != t->ncols - 1 && draw_width(buf) < w)  /* never left of x */
            draw_text(r.y, x + w - 1 - draw_width(buf), draw_width(buf), ROLE_TITLE, buf);
        else
            draw_text(r.y, x, w - 1, ROLE_TITLE, buf);
        x += w;
    }
    if (t->sel < t->top)
        t->top = t->sel;
    if (rows > 0 && t->sel >= t->top + rows)
        t->top = t->sel - rows + 1;
    if (t->top > 0 && t->top > t->norder - rows)
        t->top = t->norder - rows > 0 ? t->norder - rows : 0;
    for (int i = 0; i < rows && t->top + i < t->norder; i++) {
        int row = t->order[t->top + i], y = r.y + 1 + i, x = r.x;
        int selected = t->top + i == t->sel;
        enum theme_role role = selected && focused ? ROLE_SELECTION
                             : t->role ? t->role(t->ctx, row) : ROLE_TEXT;

        if (selected && focused)
            draw_fill((struct rect){ y, r.x, 1, r.w }, ROLE_SELECTION);
        for (int c = 0; c < t->ncols && c < TUI_MAXCOLS; c++) {
            int w = t->width[c];

            if (!w)
                continue;
            cell_of(t, row, c, buf, sizeof buf);
            if (t->cols[c].right) {
                int bw = draw_width(buf);
                draw_clip(y, x + (bw < w - 1 ? w - 1 - bw : 0), w - 1, role, buf);
            } else {
                draw_clip(y, x, w - 1, role, buf);
            }
            x += w;
        }
    }
    if (!t->norder)
        draw_text(r.y + 1, r.x, r.w, ROLE_MUTED,
                  t->filter[0] ? "(no row matches the filter)" : "(nothing yet)");
}

void table_free(struct tui_table *t)
{
    free(t->order);
    t->order = NULL;
    t->norder = t->cap = 0;
}

void view_clear(struct tui_view *v)
{
    for (size_t i = 0; i < v->n; i++)
        free(v->lines[i]);
    free(v->lines);
    free(v->roles);
    memset(v, 0, sizeof *v);
}

void view_add(struct tui_view *v, enum theme_role role, const char *fmt, ...)
{
    va_list ap;
    char *s;
    size_t old = v->cap;

    va_start(ap, fmt);
    if (vasprintf(&s, fmt, ap) < 0)
        s = xstrdup("");
    va_end(ap);
    v->lines = xgrow(v->lines, &v->cap, v->n + 1, sizeof *v->lines);
    if (v->cap != old)
        v->roles = xrealloc(v->roles, v->cap * sizeof *v->roles);
    v->lines[v->n] = s;
    v->roles[v->n++] = role;
}

void view_draw(struct tui_view *v, struct rect r)
{
    if (v->top > (int)v->n - r.h)
        v->top = (int)v->n - r.h > 0 ? (int)v->n - r.h : 0;
    for (int i = 0; i < r.h && v->top + i < (int)v->n; i++)
        draw_clip(r.y + i, r.x, r.w, v->roles[v->top + i], v->lines[v->top + i]);
}

int view_key(struct tui_view *v, int key, int page)
{
    int top = v->top;

    switch (tui_key_action(tui_view_keys, key)) {
    case T_DOWN: top++; break;
    case T_UP: top--; break;
    case T_PGDN: top += page; break;
    case T_PGUP: top -= page; break;
    case T_HOME: top = 0; break;
    case T_END: top = (int)v->n; break;
    default: return TUI_IGNORED;
    }
    v->top = top < 0 ? 0 : top;
    return TUI_HANDLED | TUI_REDRAW;
}
