/* dtoa: the shortest text that reads back as the same double, checked on
 * chosen values and against printf's correctly rounded digits (the fewest of
 * %.1e … %.17e that round-trip) for a million more. */
#include "config.h"
#include "testutil.h"

#include <math.h>
#include <stdint.h>

#include "dtoa.h"

static void test_values(void **state)
{
    static const struct { double v; const char *text; } cases[] = {
        { 0.0, "0" }, { -0.0, "0" }, { 1, "1" }, { -2.5, "-2.5" }, { 0.1, "0.1" },
        { 0.3, "0.3" }, { 1.0 / 3, "0.3333333333333333" }, { 2.0 / 3, "0.6666666666666666" },
        { 2.675, "2.675" }, { 0.99, "0.99" }, { 100, "100" }, { 1e14, "100000000000000" },
        { 123456789012345.6, "123456789012345.6" }, { 999999999999999.9, "999999999999999.9" },
        { 1e-4, "0.0001" }, { 0.00012345, "0.00012345" }, { 4503599627370497.0 / 8, "562949953421312.1" },
        /* outside the window: printf's form, with the fewest digits that round-trip */
        { 1e15, "1e+15" }, { 1e20, "1e+20" }, { 1.5e-7, "1.5e-07" }, { 1e-5, "1e-05" },
        { 1.7976931348623157e308, "1.7976931348623157e+308" }, { 5e-324, "5e-324" },
        { 1e-310, "1e-310" }, { 2.2250738585072014e-308, "2.2250738585072014e-308" },
        { 1e23, "1e+23" }, { 9007199254740993.0, "9007199254740992" }, { 1e300, "1e+300" },
    };
    char buf[DTOA_MAX];
    (void)state;

    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        int n = dtoa_shortest(buf, cases[i].v);
        assert_string_equal(buf, cases[i].text);
        assert_int_equal(n, (int)strlen(cases[i].text));
    }
    dtoa_shortest(buf, NAN);
    assert_string_equal(buf, "nan");
    dtoa_shortest(buf, -INFINITY);
    assert_string_equal(buf, "-inf");
}

/* The significant digits of a decimal text, without leading or trailing zeros. */
static void digits(const char *s, char *out)
{
    int n = 0, started = 0;

    for (; *s && *s != 'e'; s++)
        if (*s >= '0' && *s <= '9' && (*s != '0' || started)) {
            started = 1;
            out[n++] = *s;
        }
    while (n && out[n - 1] == '0')
        n--;
    out[n] = '\0';
}

/* Against printf: the same digits as the first %.Ne that round-trips. */
static void check(double v)
{
    char mine[DTOA_MAX], ref[40], a[40], b[40];
    int n;

    dtoa_shortest(mine, v);
    if (strtod(mine, NULL) != v)
        fail_msg("%.17g printed as %s, which reads back as %.17g", v, mine, strtod(mine, NULL));
    for (n = 1; n <= 17; n++) {
        snprintf(ref, sizeof ref, "%.*e", n - 1, v);
        if (strtod(ref, NULL) == v)
            break;
    }
    digits(mine, a);
    digits(ref, b);
    if (strcmp(a, b) != 0)
        fail_msg("%.17g printed as %s; printf's shortest is %s", v, mine, ref);
}

static void test_against_printf(void **state)
{
    uint64_t x = UINT64_C(88172645463325252);
    (void)state;

    for (long i = 0; i < 1000000; i++) {
        double v;
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;  /* xorshift */
        switch (i % 4) {
        case 0: {  /* any bits with an exponent in and around the window */
            uint64_t bits = (x & UINT64_C(0x800fffffffffffff)) | ((1005 + (x >> 52) % 70) << 52);
            memcpy(&v, &bits, sizeof v);
            break;
        }
        case 1: v = (double)(i / 4) / 3.0; break;
        case 2: v = (double)(int64_t)(x % 100000000) / pow(10, (double)((x >> 60) % 8)); break;
        default: {  /* the doubles beside powers of two and of ten */
            double p = i % 8 == 3 ? ldexp(1, (int)(x % 64) - 14) : pow(10, (double)(x % 20) - 4);
            for (uint64_t k = (x >> 32) % 4; k--;)
                p = nextafter(p, (x >> 40) & 1 ? 0 : INFINITY);
            v = p;
        }
        }
        check(v);
    }
    /* every exponent, subnormals included: outside the window */
    for (long i = 0; i < 200000; i++) {
        uint64_t bits;
        double v;
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        bits = x & UINT64_C(0x7fffffffffffffff);
        if (i % 2)
            bits &= UINT64_C(0x000fffffffffffff);  /* a subnormal */
        memcpy(&v, &bits, sizeof v);
        if (isfinite(v))
            check(v);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_against_printf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
