/* decimal: exact decimals in canonical form (decimal.h). Digits are moved,
 * never converted to binary: 0.1 stays 0.1 and 1e-400 stays out. */
#include "config.h"
#include "decimal.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* Decimal text → sign, integer digits, fraction digits, without the zeros
 * that do not count: "-0012.3400" → "-12.34", "1e3" → "1000", "-0.0" → "0". */
static int decimal(const char *s, struct sbuf *out, int round)
{
    char digits[400];
    int nd = 0, point = -1, neg = 0, exp = 0, any = 0, shift = 0, pend = 0;
    const char *p = s;

    while (isspace((unsigned char)*p))
        p++;
    if (*p == '+' || *p == '-')
        neg = *p++ == '-';
    for (; *p; p++) {
        if (isdigit((unsigned char)*p)) {
            any = 1;
            if (!nd && *p == '0') {  /* a leading zero counts for nothing, but after the */
                shift += point >= 0; /* point it moves the point (0.000123: 123, 3 left) */
                continue;
            }
            if (*p == '0') {  /* kept only if a digit other than 0 follows (5e400: 5) */
                pend++;
                continue;
            }
            if (nd + pend >= (int)sizeof digits - 2)
                return -1;
            memset(digits + nd, '0', (size_t)pend);
            nd += pend;
            pend = 0;
            digits[nd++] = *p;
        } else if (*p == '.' && point < 0) {
            point = nd + pend;
        } else {
            break;
        }
    }
    if (!any)
        return -1;
    if (*p == 'e' || *p == 'E') {
        char *end;
        exp = (int)strtol(p + 1, &end, 10);
        p = end;
    }
    while (isspace((unsigned char)*p))
        p++;
    /* ±400 holds every double (1.7976931348623157e308, 5e-324) and keeps
     * the digits within buf below */
    if (*p || exp > 400 || exp < -400)
        return -1;
    if (!nd) {  /* zeros only: 0, whatever its sign, places or exponent */
        sbuf_puts(out, "0");
        return 0;
    }
    if (point < 0)
        point = nd + pend;  /* the zeros not kept end the integer part */
    point += exp - shift;
    if (point > 900 || (point < 0 && nd - point > 900))
        return -1;  /* past what buf below holds (far beyond any double) */
    /* digits[] with the point at `point` (may lie outside [0, nd]) */
    {
        char buf[1000];
        int len = 0, ip = point, start;
        /* integer part */
        if (ip <= 0)
            buf[len++] = '0';
        for (int i = 0; i < ip; i++)
            buf[len++] = i < nd ? digits[i] : '0';
        start = len;
        buf[len++] = '.';
        for (int i = ip; i < nd; i++)
            buf[len++] = i < 0 ? '0' : digits[i];
        buf[len] = '\0';
        if (round >= 0) {  /* half away from zero on the digits */
            int frac = len - start - 1;
            if (frac > round) {
                int cut = start + 1 + round, carry = buf[cut] >= '5';
                len = cut;
                for (int i = len - 1; carry && i >= 0; i--) {
                    if (buf[i] == '.')
                        continue;
                    if (buf[i] == '9') {
                        buf[i] = '0';
                    } else {
                        buf[i]++;
                        carry = 0;
                    }
                }
                if (carry) {
                    memmove(buf + 1, buf, (size_t)len);
                    buf[0] = '1';
                    len++;
                    start++;
                }
                buf[len] = '\0';
            }
        }
        /* strip leading zeros of the integer part and trailing ones of the fraction */
        {
            char *q = buf;
            while (q[0] == '0' && q[1] && q[1] != '.')
                q++;
            len = (int)strlen(q);
            while (len && q[len - 1] == '0' && strchr(q, '.'))
                q[--len] = '\0';
            if (len && q[len - 1] == '.')
                q[--len] = '\0';
            if (strcmp(q, "0") == 0)
                neg = 0;  /* -0 is 0 */
            if (neg)
                sbuf_puts(out, "-");
            sbuf_puts(out, q);
        }
    }
    return 0;
}

int decimal_canon(const char *s, struct sbuf *out, int round)
{
    return decimal(s, out, round);
}

