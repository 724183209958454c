/* cjson: JSON in one canonical form, so that two documents compare as
 * PostgreSQL's jsonb compares them: whitespace and key order do not count, a
 * key given twice counts once (the last), strings compare as their decoded
 * characters, numbers as exact decimals (1.0 = 1 = 1e0; 0.1 is not
 * 0.10000000000000001; 12345678901234567890 stays exact, never a double). */
#ifndef CUTOVER_CJSON_H
#define CUTOVER_CJSON_H

#include <stddef.h>

#include "util.h"

/* Appends the canonical form of the JSON text `p` (`n` bytes; one value, any
 * kind) to `out`: compact, object keys sorted by their bytes, strings with
 * only '"', '\\' and control characters escaped, numbers as decimal_canon()
 * writes them. Returns 0, or -1 when `p` is not JSON (or nests deeper than
 * 512, or holds a number of more than 400 digits or exponent): `out` is then
 * as it was. */
int cjson_canon(const char *p, size_t n, struct sbuf *out);

#endif
