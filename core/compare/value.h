/* val: what a value's text says it is — integers, decimals, booleans, dates
 * and ISO 8601 timestamps as SQLite and PostgreSQL write them. */
#ifndef CUTOVER_VALUE_H
#define CUTOVER_VALUE_H

#include <stddef.h>
#include <stdint.h>

/* An integer ("-12", "+7"); its value in *v. */
int val_int(const char *s, int64_t *v);
/* A decimal number ("0.990", "-1e3" too); digits before and after the point
 * (exponent applied) in *ints and *frac. */
int val_decimal(const char *s, int *ints, int *frac);
/* t/f, true/false, 1/0, yes/no, on/off, y/n in any case. */
int val_bool(const char *s);
/* YYYY-MM-DD. */
int val_date(const char *s);
/* YYYY-MM-DD[( |T)HH:MM[:SS[.fff]]][Z|±HH[:MM]]; *offset says whether a zone
 * other than UTC was given. */
int val_timestamp(const char *s, int *offset);
/* HH:MM[:SS[.fff]][Z|±HH[:MM]] (24:00:00 the end of a day); *offset as above. */
int val_time(const char *s, int *offset);
/* PostgreSQL's money as it prints under lc_monetary C, which cutover's
 * sessions set ("$1,234.50", "-$0.05"), as a plain number ("1234.50",
 * "-0.05") in buf; NULL when `s` is not one. */
char *val_money(const char *s, char *buf, size_t n);
/* Characters in UTF-8 text. */
size_t val_chars(const char *s, size_t len);

#endif
