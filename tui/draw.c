/* draw: cells only — styles, clipped text, boxes. It knows nothing of
 * panels or input (tig's draw.c beside display.c). */
#include "config.h"
#include "tui.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

static const struct tui_glyphs utf8_glyphs = {
    "─", "│", "┌", "┐", "└", "┘", "━", "┃", "┏", "┓", "┗", "┛",
    "●", "◐", "✕", "▲", "✓", "✗", "→", "↑", "↓", "…", "·",
    { "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█" },
};
static const struct tui_glyphs ascii_glyphs = {
    "-", "|", "+", "+", "+", "+", "=", "#", "#", "#", "#", "#",
    "o", "~", "x", "!", "+", "X", "->", "^", "v", "~", ".",
    { "_", ".", ",", "-", "=", "+", "*", "#" },
};

const struct tui_glyphs *tui_g = &ascii_glyphs;
static attr_t role_attr[THEME_NROLES];

/* The nearest of 16 colours for a 256-colour index. */
static int to16(int c)
{
    if (c < 16)
        return c;
    if (c >= 232) {
        int level = c - 232;
        return level < 6 ? 0 : level < 12 ? 8 : level < 18 ? 7 : 15;
    }
    c -= 16;
    {
        int r = c / 36, g = c / 6 % 6, b = c % 6, max = r > g ? (r > b ? r : b) : (g > b ? g : b);
        int basic = (r >= 3) | (g >= 3) << 1 | (b >= 3) << 2;
        if (!basic && max >= 2)
            basic = (r >= max) | (g >= max) << 1 | (b >= max) << 2;
        return basic + (max >= 4 ? 8 : 0);
    }
}

static attr_t attrs_of(unsigned a)
{
    return (a & ATTR_BOLD ? A_BOLD : 0) | (a & ATTR_DIM ? A_DIM : 0) |
           (a & ATTR_UNDERLINE ? A_UNDERLINE : 0) | (a & ATTR_REVERSE ? A_REVERSE : 0) |
           (a & ATTR_ITALIC ? A_ITALIC : 0);
}

void draw_init(const struct theme *t, int utf8, int color)
{
    tui_g = utf8 ? &utf8_glyphs : &ascii_glyphs;
    if (color) {
        start_color();
        use_default_colors();
    }
    for (int r = 0; r < THEME_NROLES; r++) {
        const struct theme_style *s = &t->roles[r];
        attr_t a = attrs_of(s->attrs);
        int fg = s->fg, bg = s->bg;

        if (color) {
            /* 256 → 16 → 8: a bright foreground becomes bold on 8 colours */
            if (COLORS < 256) {
                fg = fg >= 0 ? to16(fg) : fg;
                bg = bg >= 0 ? to16(bg) : bg;
            }
            if (COLORS < 16) {
                if (fg >= 8) {
                    fg -= 8;
                    a |= A_BOLD;
                }
                if (bg >= 8)
                    bg -= 8;
            }
            init_pair((short)(r + 1), (short)fg, (short)bg);
            a |= COLOR_PAIR(r + 1);
        }
        role_attr[r] = a;
    }
}

attr_t draw_attr(enum theme_role r)
{
    return role_attr[r];
}

int draw_width(const char *s)
{
    mbstate_t st = { 0 };
    int cols = 0;

    while (*s) {
        wchar_t wc;
        size_t n = mbrtowc(&wc, s, MB_CUR_MAX, &st);
        int w;
        if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
            memset(&st, 0, sizeof st);
            n = 1;
            w = 1;
        } else {
            w = wcwidth(wc);
            w = w < 0 ? 1 : w;
        }
        cols += w;
        s += n;
    }
    return cols;
}

int draw_text(int y, int x, int w, enum theme_role r, const char *s)
{
    wchar_t buf[512];
    mbstate_t st = { 0 };
    int cols = 0, n = 0;

    if (y < 0 || y >= LINES || x < 0 || x >= COLS || w <= 0)
        return 0;
    if (w > COLS - x)
        w = COLS - x;
    while (*s && n < 511) {
        wchar_t wc;
        size_t len = mbrtowc(&wc, s, MB_CUR_MAX, &st);
        int cw;
        if (len == (size_t)-1 || len == (size_t)-2 || len == 0) {
            memset(&st, 0, sizeof st);
            wc = L'?';
            len = 1;
        }
        if (wc < L' ' || wc == 0x7f)
            wc = L' ';  /* tabs, newlines and controls would move the cursor */
        cw = wcwidth(wc);
        if (cw < 0) {
            wc = L'?';
            cw = 1;
        }
        if (cols + cw > w)
            break;
        buf[n++] = wc;
        cols += cw;
        s += len;
    }
    buf[n] = L'\0';
    attrset(draw_attr(r));
    mvaddnwstr(y, x, buf, n);
    attrset(A_NORMAL);
    return cols;
}

int draw_clip(int y, int x, int w, enum theme_role r, const char *s)
{
    int ew = draw_width(tui_g->ellipsis), used;

    if (w > COLS - x)
        w = COLS - x;
    if (w <= ew || draw_width(s) <= w)
        return draw_text(y, x, w, r, s);
    used = draw_text(y, x, w - ew, r, s);
    return used + draw_text(y, x + used, ew, r, tui_g->ellipsis);
}

int draw_textf(int y, int x, int w, enum theme_role r, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return draw_clip(y, x, w, r, buf);
}

char *draw_fit(char *buf, size_t n, const char *s, int w)
{
    mbstate_t st = { 0 };
    size_t out = 0;
    int cols = 0;

    while (*s && out + MB_CUR_MAX < n) {
        wchar_t wc;
        size_t len = mbrtowc(&wc, s, MB_CUR_MAX, &st);
        int cw;
        if (len == (size_t)-1 || len == (size_t)-2 || len == 0) {
            memset(&st, 0, sizeof st);
            len = 1;
            cw = 1;
        } else {
            cw = wcwidth(wc) < 0 ? 1 : wcwidth(wc);
        }
        if (cols + cw > w)
            break;
        memcpy(buf + out, s, len);
        out += len;
        cols += cw;
        s += len;
    }
    while (cols < w && out + 1 < n) {
        buf[out++] = ' ';
        cols++;
    }
    buf[out] = '\0';
    return buf;
}

int draw_wrapped(int y, int x, int w, int lines, enum theme_role r, const char *s)
{
    int used = 0;

    while (*s && used < lines && w > 0) {
        char line[1024];
        size_t n = strlen(s), cut = n, last_space = 0;

        /* the longest prefix that fits, broken after a space where possible */
        for (size_t i = 1; i <= n && i < sizeof line; i++) {
            if ((s[i] & 0xC0) == 0x80)
                continue;  /* inside a UTF-8 character */
            memcpy(line, s, i);
            line[i] = '\0';
            if (draw_width(line) > w) {
                cut = last_space ? last_space : i - 1;
                break;
            }
            if (s[i - 1] == ' ')
                last_space = i;
        }
        if (cut == 0)
            cut = 1;
        if (cut >= sizeof line)
            cut = sizeof line - 1;
        memcpy(line, s, cut);
        line[cut] = '\0';
        draw_text(y + used++, x, w, r, line);
        s += cut;
    }
    return used;
}

void draw_fill(struct rect r, enum theme_role role)
{
    char line[1024];
    int w = r.w < (int)sizeof line - 1 ? r.w : (int)sizeof line - 1;

    if (w <= 0)
        return;
    memset(line, ' ', (size_t)w);
    line[w] = '\0';
    for (int y = r.y; y < r.y + r.h; y++)
        draw_text(y, r.x, w, role, line);
}

struct rect draw_box(struct rect r, const char *title, int focused)
{
    enum theme_role br = focused ? ROLE_BORDER_FOCUS : ROLE_BORDER;
    const struct tui_glyphs *g = tui_g;
    /* focus shows in the line's weight too, not in colour alone */
    const char *h = focused ? g->fh : g->h, *v = focused ? g->fv : g->v;

    if (r.h < 2 || r.w < 2)
        return (struct rect){ r.y, r.x, 0, 0 };
    for (int x = r.x + 1; x < r.x + r.w - 1; x++) {
        draw_text(r.y, x, 1, br, h);
        draw_text(r.y + r.h - 1, x, 1, br, h);
    }
    for (int y = r.y + 1; y < r.y + r.h - 1; y++) {
        draw_text(y, r.x, 1, br, v);
        draw_text(y, r.x + r.w - 1, 1, br, v);
    }
    draw_text(r.y, r.x, 1, br, focused ? g->ftl : g->tl);
    draw_text(r.y, r.x + r.w - 1, 1, br, focused ? g->ftr : g->tr);
    draw_text(r.y + r.h - 1, r.x, 1, br, focused ? g->fbl : g->bl);
    draw_text(r.y + r.h - 1, r.x + r.w - 1, 1, br, focused ? g->fbr : g->br);
    if (title && r.w > 4)
        draw_textf(r.y, r.x + 1, r.w - 2, focused ? ROLE_BORDER_FOCUS : ROLE_TITLE, " %s ", title);
    return (struct rect){ r.y + 1, r.x + 1, r.h - 2, r.w - 2 };
}

char *draw_spark(char *buf, size_t size, const double *v, int n)
{
    double lo = 0, hi = 0;
    size_t at = 0;

    for (int i = 0; i < n; i++) {
        lo = v[i] < lo ? v[i] : lo;
        hi = v[i] > hi ? v[i] : hi;
    }
    buf[0] = '\0';
    for (int i = 0; i < n; i++) {
        int level = hi > lo ? (int)((v[i] - lo) * 7 / (hi - lo) + 0.5) : 0;
        int w = snprintf(buf + at, size - at, "%s", tui_g->spark[level]);
        if (w < 0 || (size_t)w >= size - at)
            break;
        at += (size_t)w;
    }
    buf[at] = '\0';
    return buf;
}
