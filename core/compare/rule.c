#include "config.h"
#include "rule.h"
#include "util.h"

#include <ctype.h>
#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct { const char *name; enum rule_kind kind; int arg; } names[] = {
    { "equal", R_EQUAL, 0 }, { "ignore", R_IGNORE, 0 }, { "ci", R_CI, 0 },
    { "trim", R_TRIM, 0 }, { "not_null", R_NOT_NULL, 0 }, { "unique", R_UNIQUE, 0 },
    { "null_rate", R_NULL_RATE, 1 },
    { "tolerance", R_TOLERANCE, 1 }, { "round", R_ROUND, 1 }, { "ts", R_TS, 1 },
    { "regex", R_REGEX, 1 },
};

static int add(struct rules *r, struct rule x)
{
    r->v = xrealloc(r->v, (r->n + 1) * sizeof *r->v);
    r->v[r->n++] = x;
    return 0;
}

__attribute__((format(printf, 3, 4)))
static int fail(char *err, size_t n, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(err, n, fmt, ap);
    va_end(ap);
    return -1;
}


static int one(struct rules *r, char *part, char *err, size_t n)
{
    char *colon = strchr(part, ':'), *arg = NULL, *end;
    struct rule x = { 0 };

    if (colon) {
        *colon = '\0';
        arg = str_trim(colon + 1);
    }
    part = str_trim(part);
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        if (strcmp(part, names[i].name) != 0)
            continue;
        if (names[i].arg != (arg != NULL))
            return fail(err, n, names[i].arg ? "rule '%s' needs a value ('tolerance:0.01', "
                        "'round:2', 'ts:s', 'regex:…')" : "rule '%s' takes no value", part);
        x.kind = names[i].kind;
        switch (x.kind) {
        case R_TOLERANCE:
            x.num = strtod(arg, &end);
            /* nan and infinity (1e999) would hide every difference */
            if (!*arg || *end || !isfinite(x.num) || x.num < 0)
                return fail(err, n, "tolerance '%s': expected a finite number >= 0", arg);
            break;
        case R_ROUND:
            x.num = strtol(arg, &end, 10);
            if (!*arg || *end || x.num < 0 || x.num > 30)
                return fail(err, n, "round '%s': expected digits 0 to 30", arg);
            break;
        case R_TS:
            if (strcmp(arg, "s") && strcmp(arg, "ms"))
                return fail(err, n, "ts '%s': expected ts:s or ts:ms", arg);
            x.num = strcmp(arg, "s") == 0 ? 1 : 1000;
            break;
        case R_NULL_RATE:
            if (share_parse(arg, &x.num) < 0)
                return fail(err, n, "null_rate '%s': expected percentage points from 0 to 100, "
                            "such as null_rate:0.5%%", arg);
            break;
        case R_REGEX:  /* rules_parse takes it whole, as the last rule */
            return fail(err, n, "regex: write it as regex:RE, after any other rule");
        default:
            break;
        }
        return add(r, x);
    }
    return fail(err, n, "unknown rule '%s' (equal, ignore, ci, trim, tolerance:X, round:N, "
                "ts:s, ts:ms, not_null, unique, null_rate:P%%, regex:RE)", part);
}

int rules_parse(const char *text, struct rules *out, char *err, size_t n)
{
    char *copy = xstrdup(text ? text : ""), *p = copy;
    int rc = 0;

    memset(out, 0, sizeof *out);
    while (rc == 0 && *str_trim(p)) {
        char *semi, *q = p;
        while (isspace((unsigned char)*q))
            q++;
        if (strncmp(q, "regex", 5) == 0 && q[5 + strspn(q + 5, " \t")] == ':') {
            /* the rest is the expression, ';' and all ("regex :^A" too) */
            const char *expr = q + 5 + strspn(q + 5, " \t") + 1;
            regex_t re;
            int rrc = regcomp(&re, expr, REG_EXTENDED | REG_NOSUB);
            if (rrc != 0) {
                char why[200];
                regerror(rrc, &re, why, sizeof why);
                snprintf(err, n, "regex '%s': %s", expr, why);
                rc = -1;
                break;
            }
            regfree(&re);
            add(out, (struct rule){ .kind = R_REGEX, .regex = xstrdup(expr) });
            break;
        }
        semi = strchr(p, ';');
        if (semi)
            *semi = '\0';
        rc = one(out, p, err, n);
        if (!semi)
            break;
        p = semi + 1;
    }
    free(copy);
    if (rc < 0)
        rules_free(out);
    else if (!out->n)
        add(out, (struct rule){ .kind = R_EQUAL });
    return rc;
}

void rules_free(struct rules *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->v[i].regex);
    free(r->v);
    memset(r, 0, sizeof *r);
}

int rules_have(const struct rules *r, enum rule_kind kind)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->v[i].kind == kind)
            return 1;
    return 0;
}

void rule_checks_of(const struct rules *r, struct rule_checks *c)
{
    memset(c, 0, sizeof *c);
    c->not_null = rules_have(r, R_NOT_NULL);
    c->unique = rules_have(r, R_UNIQUE);
    for (size_t i = 0; i < r->n && !c->re; i++)
        if (r->v[i].kind == R_REGEX) {  /* it parsed: it compiles */
            c->re = xmalloc(sizeof *c->re);
            regcomp(c->re, r->v[i].regex, REG_EXTENDED | REG_NOSUB);
            c->re_rule = xasprintf("regex:%s", r->v[i].regex);
        }
}

const char *rule_checks_refuse(const struct rule_checks *c, const char *text)
{
    if (!text)
        return c->not_null ? "not_null" : NULL;
    return c->re && regexec(c->re, text, 0, NULL, 0) ? c->re_rule : NULL;
}

void rule_checks_free(struct rule_checks *c)
{
    if (c->re)
        regfree(c->re);
    free(c->re);
    free(c->re_rule);
    memset(c, 0, sizeof *c);
}
