/* pgbin: PostgreSQL binary values as PostgreSQL's text; the rules are those
 * of numeric.c's get_str_from_var and datetime.c's EncodeDateTime with
 * DateStyle ISO (see pgbin.h). */
#include "config.h"
#include "pgbin.h"

#include <string.h>

#define NUMERIC_POS 0x0000
#define NUMERIC_NEG 0x4000
#define NUMERIC_NAN 0xC000
#define NUMERIC_PINF 0xD000
#define NUMERIC_NINF 0xF000
#define USECS_PER_DAY INT64_C(86400000000)
#define DAYS_2000_FROM_1970 10957

long pgbin_numeric_room(const void *p, size_t len)
{
    const unsigned char *b = p;
    unsigned ndigits, sign, dscale;
    int weight;

    if (len < 8)
        return -1;
    ndigits = pgbin_u16(b);
    weight = (int16_t)pgbin_u16(b + 2);
    sign = pgbin_u16(b + 4);
    dscale = pgbin_u16(b + 6);
    if (len != 8 + 2 * (size_t)ndigits)
        return -1;
    if (sign == NUMERIC_NAN || sign == NUMERIC_PINF || sign == NUMERIC_NINF)
        return (long)strlen("-Infinity");
    if ((sign != NUMERIC_POS && sign != NUMERIC_NEG) || dscale > 0x3FFF)
        return -1;
    /* the digits are not checked: one above 9999 writes a wrong character,
     * never more of them */
    return 1 + (weight >= 0 ? 4L * (weight + 1) : 1) + (dscale ? 1 + (long)dscale + 3 : 0);
}

size_t pgbin_numeric_text(const void *p, size_t len, char *buf)
{
    const unsigned char *b = p;
    int ndigits = pgbin_u16(b), weight = (int16_t)pgbin_u16(b + 2), dscale = pgbin_u16(b + 6);
    unsigned sign = pgbin_u16(b + 4);
    const char *special = sign == NUMERIC_NAN ? "NaN" : sign == NUMERIC_PINF ? "Infinity" :
                          sign == NUMERIC_NINF ? "-Infinity" : NULL;
    char *cp = buf;
    int d;

    (void)len;
    if (special) {
        strcpy(buf, special);
        return strlen(special);
    }
    if (sign == NUMERIC_NEG)
        *cp++ = '-';
    if (weight < 0) {
        d = weight + 1;
        *cp++ = '0';
    } else {
        for (d = 0; d <= weight; d++) {  /* the first group without its leading zeros */
            unsigned dig = d < ndigits ? pgbin_u16(b + 8 + 2 * d) : 0;
            int put = d > 0;
            for (unsigned div = 1000; div; div /= 10) {
                unsigned q = dig / div;
                dig -= q * div;
                put |= q > 0 || div == 1;
                if (put)
                    *cp++ = (char)('0' + q);
            }
        }
    }
    if (dscale > 0) {  /* whole groups, then cut to the scale */
        char *end;
        *cp++ = '.';
        end = cp + dscale;
        for (int i = 0; i < dscale; d++, i += 4) {
            unsigned dig = d >= 0 && d < ndigits ? pgbin_u16(b + 8 + 2 * d) : 0;
            for (unsigned div = 1000; div; div /= 10) {
                *cp++ = (char)('0' + dig / div);
                dig %= div;
            }
        }
        cp = end;
    }
    *cp = '\0';
    return (size_t)(cp - buf);
}

/* v in decimal, at least `width` digits. */
static char *put_num(char *cp, uint64_t v, int width)
{
    char tmp[24];
    int n = 0;

    do
        tmp[n++] = (char)('0' + v % 10);
    while ((v /= 10));
    while (n < width)
        tmp[n++] = '0';
    while (n)
        *cp++ = tmp[--n];
    return cp;
}

/* Days since 1970-01-01 → proleptic Gregorian year (0 is 1 BC), month, day
 * (H. Hinnant, "chrono-compatible low-level date algorithms"). */
static void civil(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    int64_t era;
    unsigned doe, yoe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = (unsigned)(z - era * 146097);
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* "YYYY-MM-DD"; returns where it ends, *bc when the year is before 1 AD. */
static char *put_date(char *cp, int64_t days2000, int *bc)
{
    int64_t y;
    unsigned m, d;

    civil(days2000 + DAYS_2000_FROM_1970, &y, &m, &d);
    *bc = y <= 0;
    cp = put_num(cp, (uint64_t)(y > 0 ? y : 1 - y), 4);
    *cp++ = '-';
    cp = put_num(cp, m, 2);
    *cp++ = '-';
    return put_num(cp, d, 2);
}

/* "HH:MM:SS" and the fraction, trailing zeros dropped. */
static char *put_time(char *cp, int64_t us)
{
    int64_t s = us / 1000000;
    uint64_t frac = (uint64_t)(us % 1000000);

    cp = put_num(cp, (uint64_t)(s / 3600), 2);
    *cp++ = ':';
    cp = put_num(cp, (uint64_t)(s / 60 % 60), 2);
    *cp++ = ':';
    cp = put_num(cp, (uint64_t)(s % 60), 2);
    if (frac) {
        int width = 6;
        while (frac % 10 == 0)
            frac /= 10, width--;
        *cp++ = '.';
        cp = put_num(cp, frac, width);
    }
    return cp;
}

static size_t finish(char *buf, char *cp, int bc)
{
    if (bc) {
        memcpy(cp, " BC", 3);
        cp += 3;
    }
    *cp = '\0';
    return (size_t)(cp - buf);
}

size_t pgbin_timestamp_text(int64_t us, int utc, char *buf)
{
    int64_t days, t;
    char *cp;
    int bc;

    if (us == INT64_MIN || us == INT64_MAX) {
        strcpy(buf, us == INT64_MIN ? "-infinity" : "infinity");
        return strlen(buf);
    }
    days = us / USECS_PER_DAY;
    t = us % USECS_PER_DAY;
    if (t < 0)
        t += USECS_PER_DAY, days--;
    cp = put_date(buf, days, &bc);
    *cp++ = ' ';
    cp = put_time(cp, t);
    if (utc) {
        memcpy(cp, "+00", 3);
        cp += 3;
    }
    return finish(buf, cp, bc);
}

size_t pgbin_date_text(int64_t days, char *buf)
{
    int bc;
    char *cp;

    if (days == INT32_MIN || days == INT32_MAX) {
        strcpy(buf, days == INT32_MIN ? "-infinity" : "infinity");
        return strlen(buf);
    }
    cp = put_date(buf, days, &bc);
    return finish(buf, cp, bc);
}

size_t pgbin_time_text(int64_t us, char *buf)
{
    return finish(buf, put_time(buf, us), 0);
}

void pgbin_uuid_text(const void *p, char *buf)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *b = p;

    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            *buf++ = '-';
        *buf++ = hex[b[i] >> 4];
        *buf++ = hex[b[i] & 15];
    }
    *buf = '\0';
}
