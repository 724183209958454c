/* jsonx: reading one member of a jansson object, the three ways every
 * module needs it. A missing member, or a NULL object, reads as NULL, ""
 * and 0. */
#ifndef CUTOVER_JSONX_H
#define CUTOVER_JSONX_H

#include <jansson.h>

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

#endif
