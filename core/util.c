#include "config.h"
#include "util.h"
#include "err.h"

#include <ctype.h>
#include <math.h>
#include <errno.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void oom(void)
{
    fputs("cutover: out of memory\n", stderr);
    abort();
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom();
    return p;
}

void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        oom();
    return p;
}

void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p)
        oom();
    return p;
}

char *xstrdup(const char *s)
{
    return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
    char *d = xmalloc(n + 1);
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

__attribute__((format(printf, 1, 0)))
static char *xvasprintf(const char *fmt, va_list ap, int *len)
{
    char *s;
    int n = vasprintf(&s, fmt, ap);

    if (n < 0)
        oom();
    if (len)
        *len = n;
    return s;
}

char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    char *s;

    va_start(ap, fmt);
    s = xvasprintf(fmt, ap, NULL);
    va_end(ap);
    return s;
}

void *xgrow(void *p, size_t *cap, size_t need, size_t size)
{
    size_t c = *cap;

    if (need <= c)
        return p;
    if (c < 8)
        c = 8;
    while (c < need)
        c *= 2;
    *cap = c;
    return xrealloc(p, c * size);
}

void sbuf_grow(struct sbuf *b, size_t n)
{
    b->s = xgrow(b->s, &b->cap, b->len + n + 1, 1);
}

void sbuf_puts(struct sbuf *b, const char *s)
{
    sbuf_add(b, s, strlen(s));
}

void sbuf_printf(struct sbuf *b, const char *fmt, ...)
{
    va_list ap;
    char *s;
    int n;

    va_start(ap, fmt);
    s = xvasprintf(fmt, ap, &n);
    va_end(ap);
    sbuf_add(b, s, (size_t)n);
    free(s);
}

char *sbuf_take(struct sbuf *b)
{
    char *s = b->s ? b->s : xstrdup("");

    b->s = NULL;
    b->len = b->cap = 0;
    return s;
}

void sbuf_free(struct sbuf *b)
{
    free(b->s);
    b->s = NULL;
    b->len = b->cap = 0;
}

int int_format(char *buf, int64_t v)
{
    static const char pairs[] =
        "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
        "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
        "8081828384858687888990919293949596979899";
    static const uint64_t pow10[] = {
        1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000,
        10000000000ULL, 100000000000ULL, 1000000000000ULL, 10000000000000ULL,
        100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL,
        100000000000000000ULL, 1000000000000000000ULL, 10000000000000000000ULL,
    };
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    int neg = v < 0, bits = 64 - __builtin_clzll(u | 1);
    int n = (bits * 1233) >> 12;  /* log10(2^bits), then exact by one comparison */
    char *p;

    n += n < 20 && u >= pow10[n];
    n += !n;
    buf[0] = '-';
    p = buf + neg + n;
    *p = '\0';
    while (u >= 100) {  /* two digits a step, written from the end */
        unsigned d = (unsigned)(u % 100) * 2;
        u /= 100;
        *--p = pairs[d + 1];
        *--p = pairs[d];
    }
    if (u >= 10) {
        *--p = pairs[u * 2 + 1];
        *--p = pairs[u * 2];
    } else {
        *--p = (char)('0' + u);
    }
    return neg + n;
}

int share_parse(const char *s, double *fraction)
{
    char *end;
    double x = strtod(s, &end);

    if (*end == '%')
        end++;
    if (end == s || end[strspn(end, " \t")] || !isfinite(x) || x < 0 || x > 100)
        return -1;
    *fraction = x / 100.0;
    return 0;
}

int64_t dur_parse_ms(const char *s)
{
    static const struct { const char *unit; int64_t ms; } units[] = {
        { "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 }, { "d", 86400000 },
    };
    char *end;
    double v;

    if (!s || !isdigit((unsigned char)*s))
        return -1;
    v = strtod(s, &end);
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (strcmp(end, units[i].unit) == 0) {
            double ms = v * (double)units[i].ms + 0.5;
            /* a century at most: past int64's range the cast is undefined */
            return isfinite(ms) && ms < 100.0 * 366 * 86400000 ? (int64_t)ms : -1;
        }
    return -1;
}

char *dur_format(int64_t ms, char *buf, size_t n)
{
    static const struct { int64_t ms; const char *unit; } whole[] = {
        { 3600000, "h" }, { 60000, "m" }, { 1000, "s" },
    };
    int64_t s = ms / 1000;

    /* a whole number of one unit reads as a plan writes it: 30s, 5m, 72h */
    for (size_t i = 0; i < sizeof whole / sizeof *whole; i++)
        if (ms >= whole[i].ms && ms % whole[i].ms == 0) {
            snprintf(buf, n, "%lld%s", (long long)(ms / whole[i].ms), whole[i].unit);
            return buf;
        }
    if (ms < 1000)
        snprintf(buf, n, "%lldms", (long long)ms);
    else if (s < 60)
        snprintf(buf, n, "%lld.%llds", (long long)s, (long long)(ms % 1000 / 100));
    else if (s < 3600)
        snprintf(buf, n, "%lldm%02llds", (long long)(s / 60), (long long)(s % 60));
    else
        snprintf(buf, n, "%lldh%02lldm%02llds", (long long)(s / 3600),
                 (long long)(s / 60 % 60), (long long)(s % 60));
    return buf;
}

char *dur_human(int64_t ms, char *buf, size_t n)
{
    const char *sign = ms < 0 ? "-" : "";
    long long a = ms < 0 ? -(long long)ms : (long long)ms, s = a / 1000;

    if (a == 0)
        snprintf(buf, n, "0s");
    else if (a < 1000)
        snprintf(buf, n, "%s%lldms", sign, a);
    else if (s < 60)
        snprintf(buf, n, "%s%llds", sign, s);
    else if (s < 3600)
        snprintf(buf, n, "%s%lldm%02llds", sign, s / 60, s % 60);
    else if (s < 86400)
        snprintf(buf, n, "%s%lldh%02lldm", sign, s / 3600, s / 60 % 60);
    else
        snprintf(buf, n, "%s%lldd%02lldh", sign, s / 86400, s / 3600 % 24);
    return buf;
}

int file_write_atomic(const char *path, const char *text, size_t len, struct err *e)
{
    char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    int ok = f && fwrite(text, 1, len, f) == len;

    if (f && fclose(f) != 0)
        ok = 0;
    if (ok && rename(tmp, path) == 0) {
        free(tmp);
        return 0;
    }
    err_set(e, ERR_INPUT, "%s: cannot write: %s", path, strerror(errno));
    unlink(tmp);
    free(tmp);
    return -1;
}

struct file_stamp file_stamp(const char *path)
{
    struct stat st;
    struct file_stamp f = { 0 };

    if (stat(path, &st) == 0)
        f = (struct file_stamp){ st.st_size, st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec,
                                 st.st_ino, 1 };
    return f;
}

int file_stamp_same(struct file_stamp a, struct file_stamp b)
{
    return a.exists == b.exists && a.size == b.size && a.mtime_ns == b.mtime_ns && a.ino == b.ino;
}

static int64_t sim_ms = -1;  /* -1: not looked up yet; 0: the wall clock */

int clock_simulated(void)
{
    if (sim_ms < 0) {
        const char *env = getenv("CUTOVER_SIMULATED_CLOCK");
        struct tm tm = { 0 };
        const char *end = env && *env ? strptime(env, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;

        if (env && *env && (!end || (*end && strcmp(end, "Z")))) {
            fprintf(stderr, "cutover: CUTOVER_SIMULATED_CLOCK=%s: not a time like "
                    "2026-01-01T00:00:00Z\n", env);
            exit(2);
        }
        sim_ms = end ? (int64_t)timegm(&tm) * 1000 : 0;
    }
    return sim_ms > 0;
}

void clock_advance(int64_t ms)
{
    if (clock_simulated())
        sim_ms += ms;
}

int64_t wall_ms(void)
{
    struct timespec ts;

    if (clock_simulated())
        return sim_ms;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

char *clock_iso(char *buf, size_t n)
{
    return ms_iso(wall_ms(), buf, n);
}

char *ms_iso(int64_t ms, char *buf, size_t n)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    char s[24];

    gmtime_r(&t, &tm);
    strftime(s, sizeof s, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf, n, "%s.%03dZ", s, (int)(ms % 1000));
    return buf;
}

int64_t iso_ms(const char *iso)
{
    struct tm tm = { 0 };
    const char *end = iso ? strptime(iso, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
    int frac = 0, digits = 0;

    if (!end)
        return -1;
    if (*end == '.')
        for (end++; isdigit((unsigned char)*end); end++, digits++)
            if (digits < 3)
                frac = frac * 10 + (*end - '0');
    for (; digits > 0 && digits < 3; digits++)
        frac *= 10;
    if (strcmp(end, "Z"))
        return -1;
    return (int64_t)timegm(&tm) * 1000 + frac;
}

char *dur_clock(int64_t ms, char *buf, size_t n)
{
    long long s = ms > 0 ? (long long)ms / 1000 : 0;

    snprintf(buf, n, "%02lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
    return buf;
}

char *name_normalize(const char *s)
{
    char *d = xmalloc(strlen(s) + 1), *p = d;

    for (; *s; s++)
        if (!strchr("_- ", *s))
            *p++ = (char)tolower((unsigned char)*s);
    *p = '\0';
    return d;
}

char *str_trim(char *s)
{
    size_t n;

    while (isspace((unsigned char)*s))
        s++;
    n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

const char *user_name(void)
{
    const char *u = getenv("USER");
    struct passwd *pw;

    if (u && *u)
        return u;
    pw = getpwuid(getuid());
    return pw ? pw->pw_name : "unknown";
}

size_t utf8_check(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;

    while (i < n) {
        unsigned c = p[i], cp;
        size_t len;
        if (c < 0x80) {
            i++;
            continue;
        }
        len = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? (c < 0xf0 ? 3 : 0) : c >= 0xc2 ? 2 : 0;
        if (!len || i + len > n)
            return i;
        cp = c & (0x7f >> len);
        for (size_t k = 1; k < len; k++) {
            if ((p[i + k] & 0xc0) != 0x80)
                return i;
            cp = cp << 6 | (p[i + k] & 0x3f);
        }
        if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp < 0xe000))) ||
            (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
            return i;
        i += len;
    }
    return n;
}
