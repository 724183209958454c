#include "config.h"
#include "plan_edit.h"
#include "plan.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct lines {
    char **v;           /* each with its own line end, if it had one */
    size_t n, cap;
};

static void lines_insert(struct lines *L, size_t at, char *line)
{
    L->v = xgrow(L->v, &L->cap, L->n + 1, sizeof *L->v);
    memmove(L->v + at + 1, L->v + at, (L->n - at) * sizeof *L->v);
    L->v[at] = line;
    L->n++;
}

static void lines_remove(struct lines *L, size_t at)
{
    free(L->v[at]);
    memmove(L->v + at, L->v + at + 1, (L->n - at - 1) * sizeof *L->v);
    L->n--;
}

static int read_lines(const char *path, struct lines *L, struct err *e)
{
    FILE *f = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;

    if (!f)
        return err_set(e, ERR_INPUT, "%s: cannot read the plan: %s", path, strerror(errno));
    while ((n = getline(&line, &cap, f)) > 0)
        lines_insert(L, L->n, xstrndup(line, (size_t)n));
    free(line);
    fclose(f);
    return 0;
}

static const char *skip_blank(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return s;
}

/* "[table users] ; x" → 1 if it opens [kind name]; -1 if another section. */
static int section_is(const char *line, const char *kind, const char *name)
{
    const char *p = skip_blank(line), *close;
    char *inner, *arg;
    int match;

    if (*p != '[' || !(close = strchr(p, ']')))
        return 0;
    inner = xstrndup(p + 1, (size_t)(close - p - 1));
    arg = inner + strcspn(inner, " \t");
    if (*arg)
        *arg++ = '\0';
    match = strcmp(str_trim(inner), kind) == 0 && strcmp(str_trim(arg), name) == 0;
    free(inner);
    return match ? 1 : -1;
}

/* The key a "key = value" line sets (into buf), or NULL for other lines. */
static const char *key_of(const char *line, char *buf, size_t n)
{
    const char *p = skip_blank(line), *eq;
    size_t len;

    if (p != line || !*p || strchr(";#[\r\n", *p) || !(eq = strchr(p, '=')))
        return NULL;
    len = (size_t)(eq - p);
    while (len && isspace((unsigned char)p[len - 1]))
        len--;
    snprintf(buf, n, "%.*s", (int)len, p);
    return buf;
}

static int is_continuation(const char *line)
{
    const char *p = skip_blank(line);

    return p > line && *p && !strchr(";#\r\n", *p);
}

/* Rewrites "key   = old   ; note" with the new value, keeping the column of
 * the value and, where it fits, of the comment. */
static char *replace_value(const char *line, const char *value)
{
    const char *eq = strchr(line, '='), *v = skip_blank(eq + 1), *comment = NULL;
    const char *eol = line + strcspn(line, "\r\n");
    struct sbuf b = { 0 };

    for (const char *p = v; p < eol; p++)
        if (*p == ';' && p > v && (p[-1] == ' ' || p[-1] == '\t')) {
            comment = p;
            break;
        }
    sbuf_add(&b, line, (size_t)(v - line));
    sbuf_puts(&b, value);
    if (comment) {
        long pad = (long)(comment - v) - (long)strlen(value);
        sbuf_printf(&b, "%*s", (int)(pad > 1 ? pad : 1), "");
        sbuf_add(&b, comment, (size_t)(eol - comment));
    }
    sbuf_puts(&b, *eol ? eol : "\n");
    return sbuf_take(&b);
}

/* A new line aligned like `like` ("key   = v"), or plain "key = value". */
static char *new_line(const char *like, const char *key, const char *value)
{
    int width = (int)strlen(key) + 1;

    if (like) {
        int eq = (int)(strchr(like, '=') - like);
        if (eq > width)
            width = eq;
    }
    return xasprintf("%-*s= %s\n", width, key, value);
}

static void apply(struct lines *L, const char *table, const struct plan_kv *kv)
{
    size_t start = L->n, end, last_key = 0, i;
    char buf[128];
    const char *like = NULL;

    for (i = 0; i < L->n; i++)
        if (section_is(L->v[i], "table", table) == 1) {
            start = i;
            break;
        }
    if (start == L->n) {
        if (!kv->value)
            return;
        if (L->n && L->v[L->n - 1][strlen(L->v[L->n - 1]) - 1] != '\n') {
            char *s = xasprintf("%s\n", L->v[L->n - 1]);
            free(L->v[L->n - 1]);
            L->v[L->n - 1] = s;
        }
        lines_insert(L, L->n, xstrdup("\n"));
        lines_insert(L, L->n, xasprintf("[table %s]\n", table));
        lines_insert(L, L->n, new_line(NULL, kv->key, kv->value));
        return;
    }
    for (end = start + 1; end < L->n && section_is(L->v[end], "", "") == 0; end++)
        ;
    last_key = start;
    for (i = start + 1; i < end; i++) {
        const char *k = key_of(L->v[i], buf, sizeof buf);
        if (!k)
            continue;
        last_key = i;
        like = L->v[i];
        if (strcmp(k, kv->key) != 0)
            continue;
        if (!kv->value) {
            lines_remove(L, i);
            while (i < L->n && is_continuation(L->v[i]))
                lines_remove(L, i);
        } else {
            char *s = replace_value(L->v[i], kv->value);
            free(L->v[i]);
            L->v[i] = s;
            while (i + 1 < L->n && is_continuation(L->v[i + 1]))
                lines_remove(L, i + 1);  /* the new value is one line */
        }
        return;
    }
    if (!kv->value)
        return;
    while (last_key + 1 < end && is_continuation(L->v[last_key + 1]))
        last_key++;
    lines_insert(L, last_key + 1, new_line(like, kv->key, kv->value));
}

int plan_edit_table(const char *path, const char *table, const struct plan_kv *kvs, size_t n,
                    struct err *e)
{
    struct lines L = { 0 };
    char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
    struct plan *check;
    struct stat st;
    FILE *f;
    int rc = -1;

    if (read_lines(path, &L, e) < 0)
        goto out;
    for (size_t i = 0; i < n; i++)
        apply(&L, table, &kvs[i]);
    if (!(f = fopen(tmp, "w"))) {
        err_set(e, ERR_INPUT, "%s: cannot write: %s", tmp, strerror(errno));
        goto out;
    }
    for (size_t i = 0; i < L.n; i++)
        fputs(L.v[i], f);
    if (stat(path, &st) == 0)
        fchmod(fileno(f), st.st_mode & 07777);
    if (fflush(f) != 0 || fsync(fileno(f)) != 0 || fclose(f) != 0) {
        err_set(e, ERR_INPUT, "%s: cannot write: %s", tmp, strerror(errno));
        unlink(tmp);
        goto out;
    }
    /* The edit must leave a plan that loads; messages name the real file. */
    if (!(check = plan_load(tmp, e))) {
        char *at = strstr(e->msg, tmp);
        if (at) {
            char rest[sizeof e->msg];
            snprintf(rest, sizeof rest, "%s", at + strlen(tmp));
            snprintf(e->msg, sizeof e->msg, "%s%s", path, rest);
        }
        unlink(tmp);
        goto out;
    }
    plan_free(check);
    if (rename(tmp, path) != 0) {
        err_set(e, ERR_INPUT, "%s: cannot replace: %s", path, strerror(errno));
        unlink(tmp);
        goto out;
    }
    rc = 0;
out:
    for (size_t i = 0; i < L.n; i++)
        free(L.v[i]);
    free(L.v);
    free(tmp);
    return rc;
}
