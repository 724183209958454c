/* theme: colour themes as data files (themes/NAME.theme): one line per
 * role, "role = fg bg [attr…]". Parsed here, without ncurses; tui applies. */
#ifndef CUTOVER_THEME_H
#define CUTOVER_THEME_H

#include <stddef.h>

#include "err.h"

/* X-macro: role id, its name in theme files. */
#define THEME_ROLES(X) \
    X(TEXT, "text") X(HEADER, "header") X(TITLE, "panel-title") X(BORDER, "border") \
    X(BORDER_FOCUS, "border-focus") X(SELECTION, "selection") X(MUTED, "muted") \
    X(OK, "ok") X(WARN, "warn") X(FAIL, "fail") X(SPARKLINE, "sparkline") \
    X(FOOTER, "footer") X(FOOTER_KEY, "footer-key") X(BANNER, "banner") \
    X(SEARCH, "search") X(DIALOG, "dialog")

enum theme_role {
#define X(id, name) ROLE_##id,
    THEME_ROLES(X)
#undef X
    THEME_NROLES
};

enum { COLOR_DEFAULT = -1 };

enum theme_attr { ATTR_BOLD = 1, ATTR_DIM = 2, ATTR_UNDERLINE = 4, ATTR_REVERSE = 8,
                  ATTR_ITALIC = 16 };

struct theme_style {
    int fg, bg;         /* COLOR_DEFAULT, 0-7 basic, 8-15 bright, 16-255 extended */
    unsigned attrs;     /* enum theme_attr bits */
};

struct theme {
    char name[64];
    struct theme_style roles[THEME_NROLES];
};

/* Reads a theme file; roles it does not name keep the built-in default.
 * Errors (unknown role, colour or attribute, bad line) fill `e` with
 * "PATH:LINE: …" (ERR_INPUT) and return -1. */
int theme_load(const char *path, struct theme *t, struct err *e);
/* The built-in default (used when no theme file can be read). */
void theme_default(struct theme *t);
/* Finds NAME.theme: $XDG_CONFIG_HOME/cutover/themes (or ~/.config/…),
 * $CUTOVER_THEMES, then `installed_dir`. Returns a new path or NULL. */
char *theme_find(const char *name, const char *installed_dir);
/* The theme a user chose: `cli` (--theme), else $CUTOVER_THEME, else the
 * "theme" key of $XDG_CONFIG_HOME/cutover/config.ini, else "default". */
const char *theme_choice(const char *cli, char *buf, size_t n);
const char *theme_role_name(enum theme_role r);

#endif
