/* canon_int: what canon.c, canon_time.c and canon_array.c share (not for
 * outside them). */
#ifndef CUTOVER_CANON_INT_H
#define CUTOVER_CANON_INT_H

#include "canon.h"

/* A value that does not read as its kind: its bytes behind a '?' (so it still
 * equals only the same bytes); returns -1. */
int canon__raw(struct sbuf *out, const char *p, size_t n);
/* The array's canonical form into out; -1 (out as it was, then raw) when `p`
 * is no array. */
int canon__array(const struct canon_spec *sp, const char *p, size_t n, struct sbuf *out);
/* A time of day in canonical form (see canon_time.c); -1 when `p` is none. */
int canon__time_form(const struct canon_spec *sp, const char *p, struct sbuf *out);
/* Microseconds since the epoch at the spec's precision. */
void canon__put_ts(const struct canon_spec *sp, int64_t us, struct sbuf *out);

#endif
