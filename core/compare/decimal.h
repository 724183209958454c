/* decimal: exact decimal text in one canonical form, for numeric values and
 * JSON numbers alike (canon.c and cjson.c). */
#ifndef CUTOVER_DECIMAL_H
#define CUTOVER_DECIMAL_H

#include "util.h"

/* Appends the exact decimal `s` ("-0012.3400", "1e3", "5e-324") in canonical
 * form ("-12.34", "1000"; no exponent, no zeros that do not count, "0" for
 * -0), rounded half away from zero to `round` places (-1: none). Returns 0,
 * or -1 with nothing appended when `s` is no decimal (or its exponent is
 * beyond ±400). */
int decimal_canon(const char *s, struct sbuf *out, int round);

#endif
