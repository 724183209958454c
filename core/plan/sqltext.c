/* sqltext: a lexical pass over user SQL (sqltext.h). */
#include "config.h"
#include "sqltext.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

/* Past a quote, comment or dollar-quoted string at p (in the text that
 * begins at `start`), or p itself when none starts there; NULL when it is
 * not closed. */
static const char *skip_quoted(const char *start, const char *p)
{
    if (*p == '\'' || *p == '"') {
        int esc = *p == '\'' && p > start && (p[-1] == 'E' || p[-1] == 'e') &&
                  (p - 1 == start || !(isalnum((unsigned char)p[-2]) || p[-2] == '_'));
        char q = *p++;
        for (; *p; p++) {
            if (esc && *p == '\\' && p[1])
                p++;
            else if (*p == q && p[1] == q)
                p++;
            else if (*p == q)
                return p + 1;
        }
        return NULL;
    }
    if (p[0] == '-' && p[1] == '-')
        return p + strcspn(p, "\n");
    if (p[0] == '/' && p[1] == '*') {  /* PostgreSQL's nest */
        int depth = 1;
        for (p += 2; *p && depth; p++) {
            if (p[0] == '/' && p[1] == '*')
                depth++, p++;
            else if (p[0] == '*' && p[1] == '/')
                depth--, p++;
        }
        return depth ? NULL : p;
    }
    if (*p == '$') {  /* $$…$$ or $tag$…$tag$ */
        const char *t = p + 1, *end;
        size_t n;
        while (isalnum((unsigned char)*t) || *t == '_')
            t++;
        if (*t != '$' || (t > p + 1 && isdigit((unsigned char)p[1])))
            return p;
        n = (size_t)(t - p + 1);
        for (end = t + 1; (end = strchr(end, '$')); end++)
            if (!strncmp(end, p, n))
                return end + n;
        return NULL;
    }
    return p;
}

/* Counts the statements: ';' outside quotes and comments, a last one without
 * it. -1 when something is not closed. */
static int statements(const char *sql, int *semicolons)
{
    int n = 0, text = 0;

    *semicolons = 0;
    for (const char *p = sql; *p;) {
        const char *q = skip_quoted(sql, p);
        if (!q)
            return -1;
        if (q != p) {
            if (*p != '-' && *p != '/')
                text = 1;  /* a string is part of a statement; a comment is not */
            p = q;
            continue;
        }
        if (*p == ';') {
            (*semicolons)++;
            n += text;
            text = 0;
        } else if (!isspace((unsigned char)*p)) {
            text = 1;
        }
        p++;
    }
    return n + text;
}

const char *sqltext_one(const char *sql)
{
    int semi, n = statements(sql, &semi);

    if (n < 0)
        return "a quote or comment is not closed";
    if (n == 0)
        return "no statement";
    return n > 1 ? "more than one statement (cutover runs one: a second one is refused)" : NULL;
}

const char *sqltext_expression(const char *expr)
{
    int semi, n = statements(expr, &semi);

    if (n < 0)
        return "a quote or comment is not closed";
    return semi ? "a ';' ends the statement it goes into (one expression is expected)" : NULL;
}

int sqltext_is_query(const char *sql)
{
    static const char *const words[] = { "SELECT", "WITH", "VALUES", "TABLE" };
    const char *p = sql;

    for (;;) {
        const char *q;
        while (isspace((unsigned char)*p) || *p == '(')
            p++;
        q = skip_quoted(sql, p);
        if (!q || q == p || (*p != '-' && *p != '/'))
            break;
        p = q;
    }
    for (size_t i = 0; i < sizeof words / sizeof *words; i++) {
        size_t n = strlen(words[i]);
        if (!strncasecmp(p, words[i], n) && !isalnum((unsigned char)p[n]) && p[n] != '_')
            return 1;
    }
    return 0;
}
