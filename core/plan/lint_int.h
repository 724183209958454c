/* lint_int: what lint.c (findings, static checks, output) and lint_data.c (the
 * checks measured on the source's data) share; not for outside them. */
#ifndef CUTOVER_LINT_INT_H
#define CUTOVER_LINT_INT_H

#include "lint.h"

struct ref {
    const struct cat_table *t;
    const struct cat_column *c;
};

__attribute__((format(printf, 7, 8)))
struct lint_finding *lint__add(struct lint_report *r, enum lint_sev sev, const char *code,
                               const char *source, const char *target, int line, const char *fmt,
                               ...);
void lint__examples(struct lint_finding *f, char **ex, int n);
void lint__hint(struct lint_finding *f, const char *fmt, ...);
void lint__keep(char **slot, const char *v, size_t len);
int lint__resolve(const struct catalog *cat, const char *ref, struct ref *out);

#endif
