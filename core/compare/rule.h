/* rule: the comparison rules of a mapping row (DESIGN.md): equal, ignore, ci,
 * trim, tolerance:X, round:N, ts:s, ts:ms, not_null, unique, null_rate:P%
 * (how far the column's share of NULLs may move: a structural check), regex:RE, joined
 * with ';'. A regex takes the rest of the text, ';' included. */
#ifndef CUTOVER_RULE_H
#define CUTOVER_RULE_H

#include <regex.h>
#include <stddef.h>

enum rule_kind { R_EQUAL, R_IGNORE, R_CI, R_TRIM, R_TOLERANCE, R_ROUND, R_TS, R_NOT_NULL,
                 R_UNIQUE, R_NULL_RATE, R_REGEX };

struct rule {
    enum rule_kind kind;
    double num;         /* tolerance; round's digits; ts: 1 (s) or 1000 (ms); null_rate
                         * as a fraction (0.5% is 0.005) */
    char *regex;        /* POSIX extended, checked with regcomp */
};

struct rules {
    struct rule *v;
    size_t n;
};

/* Parses `text` ("" is equal). Returns 0, or -1 with a message in `err`
 * naming the part that does not parse. */
int rules_parse(const char *text, struct rules *out, char *err, size_t errlen);
void rules_free(struct rules *r);
/* Whether the rules have one of this kind. */
int rules_have(const struct rules *r, enum rule_kind kind);

/* The validation rules among them (not_null, unique, regex:RE), ready to
 * judge values: the diff judges the target's, lint the source's as they will
 * go. */
struct rule_checks {
    int not_null, unique;
    regex_t *re;
    char *re_rule;      /* "regex:RE", as the sheet says it */
};
void rule_checks_of(const struct rules *r, struct rule_checks *c);
/* The rule a value breaks ("not_null", or re_rule), or NULL; `text` NULL is
 * SQL NULL (unique is judged over a whole column, not here). */
const char *rule_checks_refuse(const struct rule_checks *c, const char *text);
void rule_checks_free(struct rule_checks *c);

#endif
