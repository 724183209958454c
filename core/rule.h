/* rule: the comparison rules of a mapping row (DESIGN.md): equal, ignore, ci,
 * trim, tolerance:X, round:N, ts:s, ts:ms, not_null, unique, regex:RE, joined
 * with ';'. A regex takes the rest of the text, ';' included. */
#ifndef CUTOVER_RULE_H
#define CUTOVER_RULE_H

#include <stddef.h>

enum rule_kind { R_EQUAL, R_IGNORE, R_CI, R_TRIM, R_TOLERANCE, R_ROUND, R_TS, R_NOT_NULL,
                 R_UNIQUE, R_REGEX };

struct rule {
    enum rule_kind kind;
    double num;         /* tolerance; round's digits; ts: 1 (s) or 1000 (ms) */
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

#endif
