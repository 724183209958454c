/* dialog: what panels and widgets ask of the screen, without knowing the
 * loop: the message line, modal dialogs (confirm, menu, prompt, help) and
 * their keys, zoom, and "redraw soon". app.c reads this state and the loop
 * redraws; nothing here calls back into app.c or the panels. */
#include "config.h"
#include "tui.h"
#include "dialog.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

struct ui tui__ui;

void tui_bell(void)
{
    beep();
}

void tui_dirty(void)
{
    tui__ui.dirty = 1;
}

void tui_message(int error, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(tui__ui.msg, sizeof tui__ui.msg, fmt, ap);
    va_end(ap);
    tui__ui.msg_error = error;
    tui_dirty();
}

void tui_confirm(const char *question, void (*done)(void *ctx, int yes), void *ctx)
{
    memset(&tui__ui.m, 0, sizeof tui__ui.m);
    tui__ui.m.kind = M_CONFIRM;
    snprintf(tui__ui.m.title, sizeof tui__ui.m.title, "%s", question);
    tui__ui.m.done_int = done;
    tui__ui.m.ctx = ctx;
    tui_dirty();
}

void tui_menu(const char *title, const char *const *items, int n, int sel,
              void (*done)(void *ctx, int choice), void *ctx)
{
    memset(&tui__ui.m, 0, sizeof tui__ui.m);
    tui__ui.m.kind = M_MENU;
    snprintf(tui__ui.m.title, sizeof tui__ui.m.title, "%s", title);
    tui__ui.m.items = items;
    tui__ui.m.n = n;
    tui__ui.m.sel = sel >= 0 && sel < n ? sel : 0;
    tui__ui.m.done_int = done;
    tui__ui.m.ctx = ctx;
    tui_dirty();
}

void tui_prompt(const char *label, const char *initial, void (*change)(void *ctx, const char *s),
                void (*done)(void *ctx, const char *s), void *ctx)
{
    memset(&tui__ui.m, 0, sizeof tui__ui.m);
    tui__ui.m.kind = M_PROMPT;
    snprintf(tui__ui.m.title, sizeof tui__ui.m.title, "%s", label);
    tui__ui.m.len = (int)mbstowcs(tui__ui.m.buf, initial ? initial : "", 255);
    if (tui__ui.m.len < 0)
        tui__ui.m.len = 0;
    tui__ui.m.buf[tui__ui.m.len] = L'\0';
    tui__ui.m.cur = tui__ui.m.len;
    tui__ui.m.change = change;
    tui__ui.m.done_str = done;
    tui__ui.m.ctx = ctx;
    tui_dirty();
}

void tui_prompt_status(int error, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(tui__ui.m.status, sizeof tui__ui.m.status, fmt, ap);
    va_end(ap);
    tui__ui.m.status_error = error;
    tui_dirty();
}

void tui_zoom(int on)
{
    tui__ui.zoom = on < 0 ? !tui__ui.zoom : on;
    tui_dirty();
}

/* --- keys while a dialog is open ---------------------------------------------- */

static void finish_modal_int(int v)
{
    struct modal m = tui__ui.m;

    tui__ui.m.kind = M_NONE;
    tui_dirty();
    if (m.done_int)
        m.done_int(m.ctx, v);
}

static void prompt_text(char *out, size_t n)
{
    size_t r = wcstombs(out, tui__ui.m.buf, n - 1);

    out[r == (size_t)-1 ? 0 : r] = '\0';
}

static void prompt_key(int key)
{
    char text[1024];
    struct modal m;

    switch (key) {
    case '\r': case '\n': case TUI_FN(KEY_ENTER):
    case TUI_ESC:
        m = tui__ui.m;
        prompt_text(text, sizeof text);
        tui__ui.m.kind = M_NONE;
        tui_dirty();
        m.done_str(m.ctx, key == TUI_ESC ? NULL : text);
        return;
    case TUI_FN(KEY_BACKSPACE): case 127: case 8:
        if (tui__ui.m.cur > 0) {
            wmemmove(tui__ui.m.buf + tui__ui.m.cur - 1, tui__ui.m.buf + tui__ui.m.cur,
                (size_t)(tui__ui.m.len - tui__ui.m.cur + 1));
            tui__ui.m.cur--;
            tui__ui.m.len--;
        }
        break;
    case TUI_FN(KEY_DC):
        if (tui__ui.m.cur < tui__ui.m.len) {
            wmemmove(tui__ui.m.buf + tui__ui.m.cur, tui__ui.m.buf + tui__ui.m.cur + 1,
                (size_t)(tui__ui.m.len - tui__ui.m.cur));
            tui__ui.m.len--;
        }
        break;
    case TUI_FN(KEY_LEFT): if (tui__ui.m.cur > 0) tui__ui.m.cur--; break;
    case TUI_FN(KEY_RIGHT): if (tui__ui.m.cur < tui__ui.m.len) tui__ui.m.cur++; break;
    case TUI_FN(KEY_HOME): case TUI_CTRL('a'): tui__ui.m.cur = 0; break;
    case TUI_FN(KEY_END): case TUI_CTRL('e'): tui__ui.m.cur = tui__ui.m.len; break;
    case TUI_CTRL('u'): tui__ui.m.len = tui__ui.m.cur = 0; tui__ui.m.buf[0] = L'\0'; break;
    default:
        if (key < ' ' || key >= TUI_FN(0) || tui__ui.m.len >= 254)
            return;
        wmemmove(tui__ui.m.buf + tui__ui.m.cur + 1, tui__ui.m.buf + tui__ui.m.cur,
            (size_t)(tui__ui.m.len - tui__ui.m.cur + 1));
        tui__ui.m.buf[tui__ui.m.cur++] = (wchar_t)key;
        tui__ui.m.len++;
        break;
    }
    tui_dirty();
    if (tui__ui.m.change) {
        prompt_text(text, sizeof text);
        tui__ui.m.change(tui__ui.m.ctx, text);
    }
}

void dialog_key(int key)
{
    switch (tui__ui.m.kind) {
    case M_HELP:
        if (key == TUI_ESC || key == 'q' || key == '?' || key == '\r' || key == TUI_FN(KEY_F(1)))
            tui__ui.m.kind = M_NONE, tui_dirty();
        else if (view_key(&tui__ui.help, key == ' ' ? TUI_FN(KEY_NPAGE) : key,
                          tui__ui.help_page > 1 ? tui__ui.help_page - 1 : 1) & TUI_REDRAW)
            tui_dirty();
        return;
    case M_CONFIRM:
        if (key == 'y' || key == 'Y')
            finish_modal_int(1);
        else if (key == 'n' || key == 'N' || key == TUI_ESC || key == '\r' || key == 'q')
            finish_modal_int(0);
        return;
    case M_MENU:
        if (key == TUI_FN(KEY_DOWN) || key == 'j')
            tui__ui.m.sel = (tui__ui.m.sel + 1) % tui__ui.m.n;
        else if (key == TUI_FN(KEY_UP) || key == 'k')
            tui__ui.m.sel = (tui__ui.m.sel + tui__ui.m.n - 1) % tui__ui.m.n;
        else if (key >= '1' && key < '1' + tui__ui.m.n)
            finish_modal_int(key - '1');
        else if (key == '\r' || key == '\n' || key == TUI_FN(KEY_ENTER))
            finish_modal_int(tui__ui.m.sel);
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


void dialog_help(void)
{
    memset(&tui__ui.m, 0, sizeof tui__ui.m);
    tui__ui.m.kind = M_HELP;
    tui__ui.help.top = 0;
    tui_dirty();
}
