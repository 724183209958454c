/* dtoa: shortest round-trip decimal of a double.
 *
 * In the window [1e-4, 1e15) a double is v = m * 2^e with -66 <= e <= -3. The
 * doubles that read back as v are those of the interval around it reaching
 * halfway to its neighbours (ends included when m is even, as reading rounds
 * half to even). Scaled by 4 the interval's ends and v are integers X over
 * 2^S; multiplied by 10^q, with q chosen for 17 to 19 significant digits,
 * they stay exact in 128 bits (X < 2^55, 10^q <= 10^21). From there digits are
 * dropped while a number with fewer digits still lies in the interval
 * (Steele & White's and Ryu's idea); the one closest to v is kept. */
#include "config.h"
#include "dtoa.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef unsigned __int128 u128;

static const double pow10d[] = { 1e-4, 1e-3, 1e-2, 1e-1, 1e0, 1e1, 1e2, 1e3, 1e4, 1e5,
                                 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14 };

static u128 pow10u(int q)
{
    u128 p = 1;

    while (q--)
        p *= 10;
    return p;
}

/* printf's form, outside the window: the first precision that round-trips. */
static int slow(char *buf, double v)
{
    int len = 0;

    for (int prec = 15; prec <= 17; prec++) {
        len = snprintf(buf, DTOA_MAX, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    return len;
}

/* c with q digits after the point (q < 0: -q zeros before it). */
static int place(char *buf, int neg, uint64_t c, int q)
{
    char d[24];
    int n = 0, len = 0;

    do
        d[n++] = (char)('0' + c % 10);
    while (c /= 10);
    if (neg)
        buf[len++] = '-';
    if (q >= n) {  /* 0.000ddd */
        buf[len++] = '0';
        buf[len++] = '.';
        for (int i = 0; i < q - n; i++)
            buf[len++] = '0';
        while (n)
            buf[len++] = d[--n];
    } else {
        while (n > (q > 0 ? q : 0))
            buf[len++] = d[--n];
        for (int i = 0; i < -q; i++)
            buf[len++] = '0';
        if (q > 0) {
            buf[len++] = '.';
            while (n)
                buf[len++] = d[--n];
        }
    }
    buf[len] = '\0';
    return len;
}

int dtoa_shortest(char *buf, double v)
{
    uint64_t bits, m, hi, lo, mid, p10 = 1;
    int neg, be, e, S, q, k10 = 0, even, hi_exact, lo_exact, drop = 0;
    u128 Xv, Xh, Xl, scale, mask, rem;

    if (v == 0) {
        memcpy(buf, "0", 2);
        return 1;
    }
    if (!(fabs(v) >= pow10d[0] && fabs(v) < 1e15))
        return slow(buf, v);
    memcpy(&bits, &v, sizeof bits);
    neg = (int)(bits >> 63);
    be = (int)(bits >> 52) & 0x7ff;
    m = (bits & ((UINT64_C(1) << 52) - 1)) | (UINT64_C(1) << 52);
    e = be - 1075;
    even = !(m & 1);
    S = 2 - e;
    Xv = (u128)m << 2;
    Xh = Xv + 2;
    Xl = Xv - ((bits & ((UINT64_C(1) << 52) - 1)) == 0 ? 1 : 2);  /* a power of two: closer below */
    for (int i = 1; i < (int)(sizeof pow10d / sizeof *pow10d) && fabs(v) >= pow10d[i]; i++)
        k10 = i;
    k10 -= 4;  /* 10^k10 <= |v|, give or take one */
    mask = ((u128)1 << S) - 1;
    for (q = 17 - k10;; q++) {  /* at least 17 significant digits */
        scale = pow10u(q);
        hi = (uint64_t)((Xh * scale) >> S);
        if (hi >= UINT64_C(10000000000000000))
            break;
    }
    hi_exact = ((Xh * scale) & mask) == 0;
    lo = (uint64_t)((Xl * scale) >> S);
    lo_exact = ((Xl * scale) & mask) == 0;
    lo += !lo_exact;  /* the ceiling */
    mid = (uint64_t)((Xv * scale) >> S);
    rem = (Xv * scale) & mask;  /* what v has beyond mid, over 2^S */
    /* drop digits while some number with one digit fewer is still inside */
    for (;;) {
        uint64_t h = hi / 10, l = (lo + 9) / 10;
        int he = hi_exact && hi % 10 == 0, le = lo_exact && lo % 10 == 0;
        if (l + (le && !even) + (he && !even) > h)
            break;
        hi = h, lo = l, hi_exact = he, lo_exact = le;
        p10 *= 10;
        drop++;
    }
    {   /* the candidate closest to v, half to even */
        uint64_t c = mid / p10, r = mid % p10, half = p10 / 2;
        u128 rhalf = (u128)1 << (S - 1);
        int up = drop ? r > half || (r == half && (rem || (c & 1)))
                      : rem > rhalf || (rem == rhalf && (c & 1));
        uint64_t top = hi - (hi_exact && !even), bottom = lo + (lo_exact && !even);
        c += (uint64_t)up;
        if (c < bottom)
            c = bottom;
        if (c > top)
            c = top;
        return place(buf, neg, c, q - drop);
    }
}
