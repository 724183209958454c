/* dtoa: a double as the shortest decimal text that reads back as the same
 * double (as PostgreSQL prints float8), without printf's big-number
 * arithmetic for the values tables mostly hold. */
#ifndef CUTOVER_DTOA_H
#define CUTOVER_DTOA_H

#include <stddef.h>

/* Writes `v` to buf (at least DTOA_MAX bytes, NUL-terminated) and returns
 * the length: "0.1", "-12.5", "3", "0.3333333333333333". The digits are the
 * fewest that round-trip, the closest to `v` when several do. Plain notation
 * from 1e-4 up to 1e15 (computed exactly in 128-bit integers); outside that,
 * and for NaN and infinities, printf's %g form (1e+20, 1.5e-07); everywhere
 * printf's on targets without 128-bit integers. -0 is "0". */
#define DTOA_MAX 32
int dtoa_shortest(char *buf, double v);

#endif
