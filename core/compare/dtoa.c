/* dtoa: shortest round-trip decimal of a double.
 *
 * In the window [1e-4, 1e15) a double is v = m * 2^e with -66 <= e <= -3. The
 * doubles that read back as v are those of the interval around it reaching
 * halfway to its neighbours (ends included when m is even, as reading rounds
 * half to even). Scaled by 4 the interval's ends and v are integers X over
 * 2^S; multiplied by 10^q, with q chosen for 17 or 18 significant digits,
 * they stay exact in 128 bits (X < 2^55, 10^q <= 10^20). From there digits are
 * dropped while a number with fewer digits still lies in the interval
 * (Steele & White's and Ryu's idea); the one closest to v is kept. */
#include "config.h"
#include "dtoa.h"
#include "util.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* printf's form, outside the window: the fewest digits that round-trip
 * (5e-324, not 4.94065645841247e-324). More digits of a correctly rounded
 * %g only come closer, so the least precision is found by bisection. */
static int slow(char *buf, double v)
{
    int lo = 1, hi = 17;

    while (lo < hi) {
        int mid = (lo + hi) / 2;
        snprintf(buf, DTOA_MAX, "%.*g", mid, v);
        if (strtod(buf, NULL) == v)
            hi = mid;
        else
            lo = mid + 1;
    }
    return snprintf(buf, DTOA_MAX, "%.*g", lo, v);
}

#ifdef __SIZEOF_INT128__
typedef unsigned __int128 u128;

#define P10(n) ((u128)UINT64_C(n))
static const u128 pow10u[] = {
    P10(1), P10(10), P10(100), P10(1000), P10(10000), P10(100000), P10(1000000),
    P10(10000000), P10(100000000), P10(1000000000), P10(10000000000), P10(100000000000),
    P10(1000000000000), P10(10000000000000), P10(100000000000000), P10(1000000000000000),
    P10(10000000000000000), P10(100000000000000000), P10(1000000000000000000),
    P10(10000000000000000000), P10(10000000000000000000) * 10,
};

/* c with q digits after the point (q < 0: -q zeros before it). */
static int place(char *buf, int neg, uint64_t c, int q)
{
    char d[24];
    int n = int_format(d, (int64_t)c), len = 0;  /* c < 10^18 */

    if (neg)
        buf[len++] = '-';
    if (q >= n) {  /* 0.000ddd */
        buf[len++] = '0';
        buf[len++] = '.';
        memset(buf + len, '0', (size_t)(q - n));
        len += q - n;
        memcpy(buf + len, d, (size_t)n);
        len += n;
    } else if (q <= 0) {  /* ddd000 */
        memcpy(buf + len, d, (size_t)n);
        len += n;
        memset(buf + len, '0', (size_t)-q);
        len -= q;
    } else {  /* ddd.ddd */
        memcpy(buf + len, d, (size_t)(n - q));
        len += n - q;
        buf[len++] = '.';
        memcpy(buf + len, d + n - q, (size_t)q);
        len += q;
    }
    buf[len] = '\0';
    return len;
}

int dtoa_shortest(char *buf, double v)
{
    uint64_t bits, m, hi, lo, mid, p10 = 1;
    int neg, be, S, q, k10, even, hi_exact, lo_exact, drop = 0;
    u128 P, Nv, Nh, Nl, mask, rem;

    if (v == 0) {
        memcpy(buf, "0", 2);
        return 1;
    }
    if (!(fabs(v) >= 1e-4 && fabs(v) < 1e15))
        return slow(buf, v);
    memcpy(&bits, &v, sizeof bits);
    neg = (int)(bits >> 63);
    be = (int)(bits >> 52) & 0x7ff;
    m = (bits & ((UINT64_C(1) << 52) - 1)) | (UINT64_C(1) << 52);
    even = !(m & 1);
    S = 1077 - be;  /* v = 4m / 2^S */
    /* 10^k10 <= 2^(be - 1023) <= |v|: floor((be - 1023) * log10(2)), at most
     * one below the true exponent; then 17 or 18 digits at q places */
    k10 = ((be - 1023) * 78913) >> 18;
    if (k10 < -4)
        k10 = -4;  /* |v| >= 1e-4 anyway; keeps 4m * 10^q within 128 bits */
    q = 16 - k10;
    P = pow10u[q];
    Nv = (u128)(m << 2) * P;
    Nh = Nv + 2 * P;
    Nl = Nv - ((bits & ((UINT64_C(1) << 52) - 1)) == 0 ? P : 2 * P);  /* 2^n: closer below */
    mask = ((u128)1 << S) - 1;
    hi = (uint64_t)(Nh >> S);
    hi_exact = (Nh & mask) == 0;
    lo = (uint64_t)(Nl >> S);
    lo_exact = (Nl & mask) == 0;
    lo += !lo_exact;  /* the ceiling */
    mid = (uint64_t)(Nv >> S);
    rem = Nv & mask;  /* what v has beyond mid, over 2^S */
    /* drop digits while some number with that many fewer is still inside:
     * 16, 8, 4, 2, 1 at a time (whether k can go is monotone in k); the
     * divisors are constants, so they compile to multiplications */
#define DROP(k, p)                                                                   \
    do {                                                                             \
        uint64_t h = hi / (p), l = lo / (p) + (lo % (p) != 0);                       \
        int he = hi_exact && hi % (p) == 0, le = lo_exact && lo % (p) == 0;          \
        if (l + (le && !even) + (he && !even) <= h) {                                \
            hi = h, lo = l, hi_exact = he, lo_exact = le;                            \
            p10 *= (p);                                                              \
            drop += (k);                                                             \
        }                                                                            \
    } while (0)
    DROP(16, UINT64_C(10000000000000000));
    DROP(8, UINT64_C(100000000));
    DROP(4, UINT64_C(10000));
    DROP(2, UINT64_C(100));
    DROP(1, UINT64_C(10));
#undef DROP
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
#else
/* No 128-bit integers (32-bit targets): printf's form everywhere. */
int dtoa_shortest(char *buf, double v)
{
    if (v == 0) {
        memcpy(buf, "0", 2);
        return 1;
    }
    return slow(buf, v);
}
#endif
