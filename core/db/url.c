#include "config.h"
#include "url.h"
#include "util.h"

#include <ctype.h>
#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int has_prefix(const char *s, const char *p)
{
    return strncmp(s, p, strlen(p)) == 0;
}

static int is_pg_uri(const char *s)
{
    return has_prefix(s, "postgresql://") || has_prefix(s, "postgres://");
}

/* A key whose value is a password, spelt right or not (password, passwd,
 * passwor, pwd, PGPASSWORD): its value is never shown. */
static int secret_key(const char *k, size_t n)
{
    return (n >= 4 && !strncasecmp(k, "pass", 4)) || (n == 3 && !strncasecmp(k, "pwd", 3)) ||
           (n >= 8 && !strncasecmp(k + n - 8, "password", 8));
}

/* A password becomes "***" (mask) or is left out (strip, repl == NULL). */

static void mask_query(struct sbuf *b, const char *q, const char *repl)
{
    int first = 1;

    while (*q) {
        const char *amp = strchr(q, '&'), *eq;
        size_t n = amp ? (size_t)(amp - q) : strlen(q);
        int pw = (eq = memchr(q, '=', n)) && secret_key(q, (size_t)(eq - q));

        if (!pw || repl) {
            if (!first)
                sbuf_puts(b, "&");
            if (pw) {
                sbuf_add(b, q, (size_t)(eq - q));
                sbuf_printf(b, "=%s", repl);
            } else {
                sbuf_add(b, q, n);
            }
            first = 0;
        }
        q += n;
        if (*q == '&')
            q++;
    }
}

/* At `q`, a URI's "://user:password@" (in a URL, or in free text up to a
 * blank or a quote): sets where the password starts and ends (the last '@'
 * before the host ends the user info). */
static int uri_password(const char *q, const char **from, const char **to)
{
    const char *auth = q + 3, *end, *at = NULL, *colon;

    if (strncmp(q, "://", 3))
        return 0;
    end = auth + strcspn(auth, "/? \t\r\n'\"");
    for (const char *c = auth; c < end; c++)
        if (*c == '@')
            at = c;
    if (!at || !(colon = memchr(auth, ':', (size_t)(at - auth))))
        return 0;
    *from = colon + 1;
    *to = at;
    return 1;
}

static char *mask_uri(const char *s, const char *repl)
{
    struct sbuf b = { 0 }, q2 = { 0 };
    const char *sep = strstr(s, "://"), *from, *to, *q;
    const char *end = sep + 3 + strcspn(sep + 3, "/?");

    if (uri_password(sep, &from, &to)) {
        sbuf_add(&b, s, (size_t)(from - 1 - s));  /* up to the ':' before it */
        if (repl)
            sbuf_printf(&b, ":%s", repl);
        sbuf_add(&b, to, (size_t)(end - to));
    } else {
        sbuf_add(&b, s, (size_t)(end - s));
    }
    q = strchr(end, '?');
    if (!q) {
        sbuf_puts(&b, end);
    } else {
        sbuf_add(&b, end, (size_t)(q - end));
        mask_query(&q2, q + 1, repl);
        if (q2.len)
            sbuf_printf(&b, "?%s", q2.s);
        sbuf_free(&q2);
    }
    return sbuf_take(&b);
}

/* conninfo: key = value pairs, values bare or single-quoted with \ escapes. */
static char *mask_conninfo(const char *s, const char *repl)
{
    struct sbuf b = { 0 };
    const char *p = s;

    while (*p) {
        const char *k = p, *v;
        size_t klen;

        while (*p && *p != '=' && !isspace((unsigned char)*p))
            p++;
        klen = (size_t)(p - k);
        while (isspace((unsigned char)*p))
            p++;
        if (*p != '=') {  /* not a pair: copy a character and go on */
            sbuf_add(&b, k, (size_t)(p - k) + (*p ? 1 : 0));
            if (*p)
                p++;
            continue;
        }
        p++;
        while (isspace((unsigned char)*p))
            p++;
        v = p;
        if (*p == '\'') {
            for (p++; *p && *p != '\''; p++)
                if (*p == '\\' && p[1])
                    p++;
            if (*p)
                p++;
        } else {
            while (*p && !isspace((unsigned char)*p))
                p++;
        }
        if (secret_key(k, klen)) {
            if (repl) {
                sbuf_add(&b, k, klen);
                sbuf_printf(&b, "=%s", repl);
            }
        } else {
            sbuf_add(&b, k, klen);
            sbuf_puts(&b, "=");
            sbuf_add(&b, v, (size_t)(p - v));
        }
        while (isspace((unsigned char)*p))
            p++;
        if (*p && b.len && b.s[b.len - 1] != ' ')
            sbuf_puts(&b, " ");
    }
    while (b.len && b.s[b.len - 1] == ' ')
        b.s[--b.len] = '\0';
    return sbuf_take(&b);
}

static char *rewrite(const char *s, const char *repl)
{
    if (is_pg_uri(s))
        return mask_uri(s, repl);
    if (has_prefix(s, "sqlite:"))
        return xstrdup(s);
    return mask_conninfo(s, repl);
}

char *url_mask(const char *s)
{
    return rewrite(s, "***");
}

char *url_strip_password(const char *s)
{
    return rewrite(s, NULL);
}

/* The end of a value in free text: quoted ('…' or "…", with \ escapes), or
 * up to a blank, '&', ';' or a quote. */
static const char *value_end(const char *v)
{
    if (*v == '\'' || *v == '"') {
        const char *q = v + 1;
        while (*q && *q != *v)
            q += q[0] == '\\' && q[1] ? 2 : 1;
        return *q ? q + 1 : q;
    }
    return v + strcspn(v, " \t\r\n&;'\"");
}

/* At `q`, NAME=VALUE with NAME ending in "password" (blanks around '=' as
 * conninfo allows): where its value starts, or NULL. */
static const char *password_value(const char *q)
{
    if (strncasecmp(q, "password", 8))
        return NULL;
    q += 8;
    q += strspn(q, " \t");
    if (*q != '=')
        return NULL;
    q++;
    return q + strspn(q, " \t");
}

char *url_mask_text(const char *s)
{
    struct sbuf b = { 0 };
    const char *p = s;

    while (*p) {
        const char *from = NULL, *to = NULL;

        for (const char *q = p; *q && !from; q++)
            if ((from = password_value(q)))
                to = value_end(from);
            else
                uri_password(q, &from, &to);
        if (!from) {
            sbuf_puts(&b, p);
            break;
        }
        sbuf_add(&b, p, (size_t)(from - p));
        if (to > from)
            sbuf_puts(&b, "***");
        p = to;
    }
    return b.s ? sbuf_take(&b) : xstrdup("");
}

/* The options libpq checks only when it connects, whose values are one of
 * a list: a value not on it is a bad URL (exit 2), said before any
 * connection is tried, not a database that refused. -1 with `e`. */
static int bad_choice(const PQconninfoOption *opts, struct err *e)
{
    static const struct { const char *key, *values; } choices[] = {
        { "sslmode", "disable allow prefer require verify-ca verify-full" },
        { "gssencmode", "disable prefer require" },
        { "channel_binding", "disable prefer require" },
        { "target_session_attrs", "any read-write read-only primary standby prefer-standby" },
    };

    for (const PQconninfoOption *o = opts; o->keyword; o++)
        for (size_t k = 0; o->val && k < sizeof choices / sizeof *choices; k++) {
            size_t n = strlen(o->val);
            int ok = 0;
            if (strcmp(o->keyword, choices[k].key))
                continue;
            for (const char *w = choices[k].values; *w && !ok;) {  /* word by word */
                size_t len = strcspn(w, " ");
                ok = len == n && !strncmp(w, o->val, n);
                w += len + (w[len] == ' ');
            }
            if (!ok)
                return err_set(e, ERR_INPUT, "%s '%s' is not one of: %s", o->keyword, o->val,
                               choices[k].values);
        }
    return 0;
}

int url_parse(const char *s, const char *base_dir, struct url *u, struct err *e)
{
    memset(u, 0, sizeof *u);
    if (!s || !*s)
        return err_set(e, ERR_INPUT, "empty database URL");
    if (has_prefix(s, "sqlite:")) {
        const char *p = s + 7;

        if (has_prefix(p, "//"))
            p += 2;  /* sqlite:///abs/path → /abs/path */
        if (!*p)
            return err_set(e, ERR_INPUT, "'%s': no file after 'sqlite:'", s);
        u->kind = URL_SQLITE;
        if (strcmp(p, ":memory:") == 0 || p[0] == '/' || !base_dir || !*base_dir ||
            strcmp(base_dir, ".") == 0)
            u->path = xstrdup(p);
        else
            u->path = xasprintf("%s/%s", base_dir, p);
    } else if (is_pg_uri(s) || strchr(s, '=')) {
        /* what libpq cannot parse is a bad URL (exit 2), not a database down */
        char *why = NULL;
        PQconninfoOption *opts = PQconninfoParse(s, &why);
        if (!opts) {
            char *line = url_mask_secrets(s, why ? why : "out of memory"), *nl;
            while ((nl = strchr(line, '\n')))
                *nl = nl[1] ? ' ' : '\0';
            err_set(e, ERR_INPUT, "%s", line);
            free(line);
            PQfreemem(why);
            return -1;
        }
        if (bad_choice(opts, e) < 0) {
            PQconninfoFree(opts);
            return -1;
        }
        PQconninfoFree(opts);
        u->kind = URL_PG;
        u->conninfo = xstrdup(s);
    } else {
        char *shown = url_mask_text(s);
        err_set(e, ERR_INPUT, "'%s': unknown database URL (use sqlite:FILE, postgresql://… or "
                "a libpq 'key=value' string)", shown);
        free(shown);
        return -1;
    }
    u->masked = url_mask(s);
    return 0;
}

void url_free(struct url *u)
{
    if (!u)
        return;
    free(u->path);
    free(u->conninfo);
    free(u->masked);
    memset(u, 0, sizeof *u);
}

/* Adds the secret [from, to) to the list (quotes around it left out). */
static void add_secret(char ***v, size_t *n, const char *from, const char *to)
{
    if (to > from && (*from == '\'' || *from == '"') && to[-1] == *from && to - from >= 2)
        from++, to--;
    if (to <= from)
        return;
    *v = xrealloc(*v, (*n + 1) * sizeof **v);
    (*v)[(*n)++] = xstrndup(from, (size_t)(to - from));
}

char *url_mask_secrets(const char *url, const char *text)
{
    char **secrets = NULL, *masked = url_mask(url), *out;
    size_t n = 0;
    struct sbuf b = { 0 };
    const char *p;

    /* the secrets the URL holds, however malformed it is: a URI's user info read
     * loosely (blanks and quotes in it, where a well-formed one has none) … */
    {
        const char *sep = strstr(url, "://"), *end, *at = NULL, *colon;
        if (sep) {
            end = sep + 3 + strcspn(sep + 3, "/?");
            for (const char *c = sep + 3; c < end; c++)
                if (*c == '@')
                    at = c;
            if (at && (colon = memchr(sep + 3, ':', (size_t)(at - sep - 3))))
                add_secret(&secrets, &n, colon + 1, at);
        }
    }
    /* … and as the masking of text finds them */
    for (const char *q = url; *q; q++) {
        const char *from, *to;
        if (uri_password(q, &from, &to)) {
            add_secret(&secrets, &n, from, to);
        } else if ((q == url || strchr(" \t&?;", q[-1])) && isalpha((unsigned char)*q)) {
            size_t k = strcspn(q, "= \t&");
            const char *v = q + k;
            v += strspn(v, " \t");
            if (*v == '=' && secret_key(q, k)) {
                v++;
                v += strspn(v, " \t");
                add_secret(&secrets, &n, v, value_end(v));
            }
        }
    }
    /* the URL itself, as libpq may quote it, then each secret anywhere */
    for (p = text; *p;) {
        const char *hit = strstr(p, url);
        if (!hit || !*url) {
            sbuf_puts(&b, p);
            break;
        }
        sbuf_add(&b, p, (size_t)(hit - p));
        sbuf_puts(&b, masked);
        p = hit + strlen(url);
    }
    out = b.s ? sbuf_take(&b) : xstrdup("");
    if (n) {  /* one pass, the longest secret at each place: a mask is never masked again */
        struct sbuf r = { 0 };
        for (p = out; *p;) {
            size_t best = 0;
            for (size_t i = 0; i < n; i++) {
                size_t len = strlen(secrets[i]);
                if (len > best && !strncmp(p, secrets[i], len))
                    best = len;
            }
            if (best) {
                sbuf_puts(&r, "***");
                p += best;
            } else {
                sbuf_add(&r, p++, 1);
            }
        }
        free(out);
        out = r.s ? sbuf_take(&r) : xstrdup("");
    }
    for (size_t i = 0; i < n; i++)
        free(secrets[i]);
    free(secrets);
    free(masked);
    return out;
}
