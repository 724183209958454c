/* canon_time: dates, times and timestamps read as ISO 8601 and written in
 * canonical form: microseconds since the epoch, UTC, at the column's precision. */
#include "config.h"
#include "canon.h"
#include "canon_int.h"
#include "pgbin.h"
#include "value.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    {
        int64_t era = (y >= 0 ? y : y - 399) / 400;
        int64_t yoe = y - era * 400;
        int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
        int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146097 + doe - 719468;
    }
}

/* n digits at s as a number (the caller has checked they are digits). */
static int digits_at(const char *s, int n)
{
    int v = 0;

    while (n--)
        v = v * 10 + (*s++ - '0');
    return v;
}

/* HH:MM[:SS[.ffffff]] at p (checked by val_time or val_timestamp): the
 * microseconds since midnight (7 to 9 digits of a second rounded to 6, as
 * PostgreSQL stores them); *end points after it. */
static int64_t time_us(const char *p, const char **end)
{
    int64_t frac = 0;
    int h = digits_at(p, 2), mi = digits_at(p + 3, 2), sec = 0;

    p += 5;
    if (*p == ':') {
        sec = digits_at(p + 1, 2);
        p += 3;
        if (*p == '.') {
            const char *dot = p;
            int n = 0;
            for (p++; isdigit((unsigned char)*p); p++, n++)
                if (n < 6)
                    frac = frac * 10 + (*p - '0');
            if (n > 6)  /* to the microsecond as PostgreSQL rounds (ParseFractionalSecond) */
                frac = (int64_t)rint(strtod(dot, NULL) * 1000000);
            for (; n < 6; n++)
                frac *= 10;
        }
    }
    *end = p;
    return (h * INT64_C(3600) + mi * 60 + sec) * INT64_C(1000000) + frac;
}

/* The zone at p (checked): Z, ±HH[[:]MM] or nothing, in minutes east of UTC. */
static int zone_minutes(const char *p)
{
    const char *z = p + 3;

    if (*p != '+' && *p != '-')
        return 0;
    if (*z == ':')
        z++;
    return (*p == '-' ? -1 : 1) * (digits_at(p + 1, 2) * 60 + (*z ? digits_at(z, 2) : 0));
}

/* ISO 8601 → microseconds since the epoch, UTC (no zone: UTC); canon.h. */
int canon_timestamp_us(const char *s, int64_t *out)
{
    int64_t us = 0;
    const char *p = s + 10;
    int offset;

    if (!val_timestamp(s, &offset))
        return -1;
    if (*p == ' ' || *p == 'T')
        us = time_us(p + 1, &p);
    *out = (days_from_civil(digits_at(s, 4), digits_at(s + 5, 2), digits_at(s + 8, 2)) * 86400 -
            zone_minutes(p) * 60) * INT64_C(1000000) + us;
    return 0;
}

/* A time of day: its microseconds since midnight in 11 digits (so that the
 * bytes sort as the times), in the spec's unit, then its zone when it has
 * one other than UTC (+0200): 10:00 = 10:00:00.000 = 10:00:00Z; 12:00+02 is
 * not 10:00, as PostgreSQL's timetz says. */
int canon__time_form(const struct canon_spec *sp, const char *p, struct sbuf *out)
{
    int64_t unit = sp->ts_unit ? INT64_C(1000000) / sp->ts_unit : 1, us;
    int offset, z;

    if (!val_time(p, &offset))
        return -1;
    us = time_us(p, &p);
    sbuf_printf(out, "%011lld", (long long)(us - us % unit));
    if ((z = zone_minutes(p)))
        sbuf_printf(out, "%c%02d%02d", z < 0 ? '-' : '+', abs(z) / 60, abs(z) % 60);
    return 0;
}


/* Microseconds since the epoch, rounded to the column's precision as
 * PostgreSQL rounds a timestamp(p): half away from zero from its epoch, 2000
 * (AdjustTimestampForTypmod). The `ts` rule is a tolerance (canon_equal). */
void canon__put_ts(const struct canon_spec *sp, int64_t us, struct sbuf *out)
{
    char b[24];

    if (sp->ts_digits >= 0 && sp->ts_digits < 6) {
        static const int64_t scale[] = { 1000000, 100000, 10000, 1000, 100, 10 };
        int64_t unit = scale[sp->ts_digits], half = unit / 2;
        int64_t t = us - PGBIN_EPOCH_S * INT64_C(1000000);
        t = t >= 0 ? (t + half) / unit * unit : -((-t + half) / unit * unit);
        us = t + PGBIN_EPOCH_S * INT64_C(1000000);
    }
    sbuf_add(out, b, (size_t)int_format(b, us));
}
