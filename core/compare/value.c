#include "config.h"
#include "value.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int val_int(const char *s, int64_t *v)
{
    char *end;

    if (!*s || isspace((unsigned char)*s))
        return 0;
    errno = 0;
    *v = strtoll(s, &end, 10);
    return *end == '\0' && errno == 0;
}

int val_decimal(const char *s, int *ints, int *frac)
{
    const char *p = s;
    int i = 0, f = 0, exp = 0, any = 0;

    if (*p == '-' || *p == '+')
        p++;
    while (*p == '0' && isdigit((unsigned char)p[1]))
        p++;  /* leading zeros are no digits of precision */
    for (; isdigit((unsigned char)*p); p++, any = 1)
        i++;
    if (*p == '.')
        for (p++; isdigit((unsigned char)*p); p++, any = 1)
            f++;
    if (!any)
        return 0;
    if (*p == 'e' || *p == 'E') {
        char *end;
        exp = (int)strtol(p + 1, &end, 10);
        if (end == p + 1)
            return 0;
        p = end;
    }
    if (*p)
        return 0;
    if (i == 1 && s[strspn(s, "+-")] == '0')
        i = 0;  /* "0.5" has no integer digits */
    i += exp;
    f -= exp;
    *ints = i < 0 ? 0 : i;
    *frac = f < 0 ? 0 : f;
    return 1;
}

int val_bool(const char *s)
{
    static const char *const words[] = { "t", "f", "true", "false", "1", "0", "yes", "no",
                                         "on", "off", "y", "n" };

    for (size_t i = 0; i < sizeof words / sizeof *words; i++)
        if (strcasecmp(s, words[i]) == 0)
            return 1;
    return 0;
}

static int digits(const char *s, int n)
{
    for (int i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return 0;
    return 1;
}

static int date_at(const char *s)
{
    int m, d;

    if (!digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) || s[7] != '-' || !digits(s + 8, 2))
        return 0;
    m = (s[5] - '0') * 10 + s[6] - '0';
    d = (s[8] - '0') * 10 + s[9] - '0';
    return m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

int val_date(const char *s)
{
    return strlen(s) == 10 && date_at(s);
}

/* HH:MM[:SS[.fff]][Z|±HH[:MM]] at p, to the end of the string (24:00:00 is
 * the end of a day, as PostgreSQL writes it). */
static int time_at(const char *p, int *offset)
{
    int h, m, sec = 0, frac = 0;

    if (!digits(p, 2) || p[2] != ':' || !digits(p + 3, 2))
        return 0;
    h = (p[0] - '0') * 10 + p[1] - '0';
    m = (p[3] - '0') * 10 + p[4] - '0';
    p += 5;
    if (*p == ':') {
        if (!digits(p + 1, 2))
            return 0;
        sec = (p[1] - '0') * 10 + p[2] - '0';
        p += 3;
        if (*p == '.') {
            if (!isdigit((unsigned char)p[1]))
                return 0;
            for (p++; isdigit((unsigned char)*p); p++)
                frac |= *p != '0';
        }
    }
    if (h > 24 || m > 59 || sec > 60 || (h == 24 && (m || sec || frac)))
        return 0;
    if (*p == 'Z')
        return p[1] == '\0';
    if (*p == '+' || *p == '-') {
        const char *z = p + 1;
        if (!digits(z, 2))
            return 0;
        z += 2;
        if (*z == ':')
            z++;
        if (*z && (!digits(z, 2) || z[2]))
            return 0;
        *offset = strncmp(p + 1, "00", 2) != 0 || (*z && strncmp(z, "00", 2) != 0);
        return 1;
    }
    return *p == '\0';
}

int val_timestamp(const char *s, int *offset)
{
    const char *p = s + 10;

    *offset = 0;
    if (!date_at(s))  /* stops at the first character that does not fit */
        return 0;
    if (!*p)
        return 1;
    return (*p == ' ' || *p == 'T') && time_at(p + 1, offset);
}

int val_time(const char *s, int *offset)
{
    *offset = 0;
    return time_at(s, offset);
}

char *val_money(const char *s, char *buf, size_t n)
{
    size_t o = 0;

    if (*s == '-' && o + 1 < n)
        buf[o++] = *s++;
    if (*s++ != '$' || !isdigit((unsigned char)*s))
        return NULL;
    for (; *s && o + 1 < n; s++)
        if (isdigit((unsigned char)*s) || *s == '.')
            buf[o++] = *s;
        else if (*s != ',')
            return NULL;
    if (*s)
        return NULL;
    buf[o] = '\0';
    return buf;
}

size_t val_chars(const char *s, size_t len)
{
    size_t n = 0;

    for (size_t i = 0; i < len; i++)
        n += ((unsigned char)s[i] & 0xC0) != 0x80;
    return n;
}
