/* jsonx: reading one member of a jansson object, the three ways every
 * module needs it, and numbers (a missing member, or a NULL object, reads
 * as NULL, "" and 0); and writing JSON as jansson does, but with each real in the
 * fewest digits that read back as it (2.68, not jansson's %.17g
 * 2.6800000000000002). */
#ifndef CUTOVER_JSONX_H
#define CUTOVER_JSONX_H

#include <jansson.h>
#include <stdio.h>

/* The member's string, or NULL. */
static inline const char *jstr(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

/* The member's string, or "" (for printing). */
static inline const char *jtext(const json_t *o, const char *k)
{
    const char *s = jstr(o, k);
    return s ? s : "";
}

static inline long long jint(const json_t *o, const char *k)
{
    return (long long)json_integer_value(json_object_get(o, k));
}

/* The member's number, integer or real; 0 when it is none. */
static inline double jnum(const json_t *o, const char *k)
{
    return json_number_value(json_object_get(o, k));
}

/* As json_dumps and json_dumpf, for JSON_COMPACT, JSON_INDENT(n) and
 * JSON_SORT_KEYS; any value may be at the top (JSON_ENCODE_ANY). */
char *jsonx_dumps(const json_t *j, size_t flags);
int jsonx_dumpf(const json_t *j, FILE *f, size_t flags);

#endif
