#include "config.h"
#include "theme.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const role_names[] = {
#define X(id, name) name,
    THEME_ROLES(X)
#undef X
};

static const char *const color_names[] = { "black", "red", "green", "yellow", "blue",
                                            "magenta", "cyan", "white" };

static const struct { const char *name; unsigned bit; } attr_names[] = {
    { "bold", ATTR_BOLD }, { "dim", ATTR_DIM }, { "underline", ATTR_UNDERLINE },
    { "reverse", ATTR_REVERSE }, { "italic", ATTR_ITALIC },
};

const char *theme_role_name(enum theme_role r)
{
    return role_names[r];
}

void theme_default(struct theme *t)
{
    memset(t, 0, sizeof *t);
    snprintf(t->name, sizeof t->name, "built-in");
    for (int i = 0; i < THEME_NROLES; i++)
        t->roles[i] = (struct theme_style){ COLOR_DEFAULT, COLOR_DEFAULT, 0 };
    t->roles[ROLE_HEADER].attrs = ATTR_REVERSE | ATTR_BOLD;
    t->roles[ROLE_TITLE].attrs = ATTR_BOLD;
    t->roles[ROLE_BORDER_FOCUS].attrs = ATTR_BOLD;
    t->roles[ROLE_SELECTION].attrs = ATTR_REVERSE;
    t->roles[ROLE_MUTED].attrs = ATTR_DIM;
    t->roles[ROLE_OK].attrs = ATTR_BOLD;
    t->roles[ROLE_WARN].attrs = ATTR_BOLD;
    t->roles[ROLE_FAIL].attrs = ATTR_BOLD | ATTR_UNDERLINE;
    t->roles[ROLE_FOOTER].attrs = ATTR_REVERSE;
    t->roles[ROLE_FOOTER_KEY].attrs = ATTR_BOLD;
    t->roles[ROLE_BANNER].attrs = ATTR_REVERSE | ATTR_BOLD;
    t->roles[ROLE_SEARCH].attrs = ATTR_UNDERLINE;
    t->roles[ROLE_DIALOG].attrs = ATTR_REVERSE;
}

/* "default", a colour name, "bright-NAME" or 0-255; -2 if none of these. */
static int parse_color(const char *s)
{
    char *end;
    long v;

    if (strcmp(s, "default") == 0)
        return COLOR_DEFAULT;
    for (int i = 0; i < 8; i++) {
        if (strcmp(s, color_names[i]) == 0)
            return i;
        if (strncmp(s, "bright-", 7) == 0 && strcmp(s + 7, color_names[i]) == 0)
            return 8 + i;
    }
    if (!isdigit((unsigned char)*s))
        return -2;
    v = strtol(s, &end, 10);
    return *end || v > 255 ? -2 : (int)v;
}

struct tstate {
    struct theme *t;
    const char *path;
    FILE *f;
    struct err *e;
    int line, failed;
    unsigned seen;
};

__attribute__((format(printf, 2, 3)))
static int tfail(struct tstate *st, const char *fmt, ...)
{
    char msg[600];
    va_list ap;

    if (st->failed)
        return 0;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    err_set(st->e, ERR_INPUT, "%s:%d: %s", st->path, st->line, msg);
    st->failed = 1;
    return 0;
}

static int parse_attr(const char *tok, unsigned *attrs)
{
    for (size_t a = 0; a < sizeof attr_names / sizeof *attr_names; a++)
        if (strcmp(tok, attr_names[a].name) == 0) {
            *attrs |= attr_names[a].bit;
            return 0;
        }
    return -1;
}

static int on_pair(void *user, const char *section, const char *name, const char *value)
{
    struct tstate *st = user;
    struct theme_style s = { COLOR_DEFAULT, COLOR_DEFAULT, 0 };
    char *copy, *tok, *save = NULL;
    int role = -1, n = 0;

    if (st->failed)
        return 0;
    if (*section)
        return tfail(st, "sections are not used in themes ([%s])", section);
    for (int i = 0; i < THEME_NROLES; i++)
        if (strcmp(role_names[i], name) == 0)
            role = i;
    if (role < 0)
        return tfail(st, "unknown role '%s' (see themes/default.theme for the roles)", name);
    if (st->seen & (1u << role))
        return tfail(st, "role '%s' is set twice", name);
    st->seen |= 1u << role;
    copy = xstrdup(value);
    for (tok = strtok_r(copy, " \t", &save); tok && !st->failed;
         tok = strtok_r(NULL, " \t", &save), n++) {
        int c;
        if (n >= 2) {
            if (parse_attr(tok, &s.attrs) < 0)
                tfail(st, "unknown attribute '%s' for role '%s' (bold, dim, underline, "
                      "reverse, italic)", tok, name);
        } else if ((c = parse_color(tok)) == -2) {
            tfail(st, "'%s' is not a colour (default, black … white, bright-NAME or 0-255) "
                  "for role '%s'", tok, name);
        } else {
            *(n == 0 ? &s.fg : &s.bg) = c;
        }
    }
    free(copy);
    if (!st->failed && n < 2)
        return tfail(st, "role '%s' needs a foreground and a background colour", name);
    st->t->roles[role] = s;
    return !st->failed;
}

/* Counts lines for messages, as plan.c does. */
static char *reader(char *str, int num, void *stream)
{
    struct tstate *st = stream;

    if (st->failed || !fgets(str, num, st->f))
        return NULL;
    st->line++;
    return str;
}

int theme_load(const char *path, struct theme *t, struct err *e)
{
    struct tstate st = { .t = t, .path = path, .e = e };
    const char *base = strrchr(path, '/');
    int rc;

    if (!(st.f = fopen(path, "r")))
        return err_set(e, ERR_INPUT, "%s: cannot read the theme: %s", path, strerror(errno));
    theme_default(t);
    base = base ? base + 1 : path;
    snprintf(t->name, sizeof t->name, "%.*s", (int)strcspn(base, "."), base);
    rc = ini_parse_stream(reader, &st, on_pair, &st);
    fclose(st.f);
    if (!st.failed && rc > 0) {
        st.line = rc;
        tfail(&st, "syntax error: expected 'role = foreground background [attributes]'");
    }
    return st.failed ? -1 : 0;
}

static char *config_dir(void)
{
    const char *x = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");

    if (x && *x)
        return xasprintf("%s/cutover", x);
    return home ? xasprintf("%s/.config/cutover", home) : NULL;
}

char *theme_find(const char *name, const char *installed_dir)
{
    char *cfg = config_dir();
    const char *dirs[3] = { NULL, getenv("CUTOVER_THEMES"), installed_dir };
    char *user = cfg ? xasprintf("%s/themes", cfg) : NULL;

    dirs[0] = user;
    free(cfg);
    if (strchr(name, '/')) {  /* a path given as is */
        free(user);
        return access(name, R_OK) == 0 ? xstrdup(name) : NULL;
    }
    for (int i = 0; i < 3; i++) {
        char *p;
        if (!dirs[i])
            continue;
        p = xasprintf("%s/%s.theme", dirs[i], name);
        if (access(p, R_OK) == 0) {
            free(user);
            return p;
        }
        free(p);
    }
    free(user);
    return NULL;
}

static int on_config(void *user, const char *section, const char *name, const char *value)
{
    char *buf = user;

    if ((!*section || strcmp(section, "ui") == 0) && strcmp(name, "theme") == 0)
        snprintf(buf, 64, "%s", value);
    return 1;
}

const char *theme_choice(const char *cli, char *buf, size_t n)
{
    const char *env = getenv("CUTOVER_THEME");
    char *cfg, *path, name[64] = "";

    if (cli && *cli)
        return cli;
    if (env && *env)
        return env;
    if ((cfg = config_dir())) {
        path = xasprintf("%s/config.ini", cfg);
        ini_parse(path, on_config, name);
        free(path);
        free(cfg);
    }
    snprintf(buf, n, "%s", *name ? name : "default");
    return buf;
}
