#include "config.h"
#include "canon.h"
#include "canon_int.h"
#include "cjson.h"
#include "decimal.h"
#include "dtoa.h"
#include "pgbin.h"
#include "value.h"

#include <ctype.h>
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unicode/uchar.h>
#include <unicode/ustring.h>

void canon_spec_kind(struct canon_spec *sp, enum canon_kind kind)
{
    memset(sp, 0, sizeof *sp);
    sp->kind = kind;
    sp->round = -1;
    sp->scale = -1;
    sp->ts_digits = -1;
    sp->tolerance = -1;
}

/* timestamp(p), time(p): p, the fractional digits the column keeps; else -1. */
static int time_precision(const struct cat_column *c)
{
    const char *paren = strchr(c->type, '(');

    if ((c->tclass != TC_TIMESTAMP && c->tclass != TC_TIMESTAMPTZ) || !paren ||
        paren[1] < '0' || paren[1] > '6' || paren[2] != ')')
        return -1;
    return paren[1] - '0';
}

/* char(n) (bpchar): its trailing spaces do not count. */
static int blank_padded(const struct cat_column *c)
{
    char low[64];
    size_t i;

    for (i = 0; c->type[i] && i < sizeof low - 1; i++)
        low[i] = (char)tolower((unsigned char)c->type[i]);
    low[i] = '\0';
    return (strncmp(low, "char", 4) == 0 || strncmp(low, "character(", 10) == 0 ||
            strcmp(low, "character") == 0 || strncmp(low, "bpchar", 6) == 0) &&
           !strstr(low, "varying");
}

/* A SQLite column declared only with an affinity (TEXT, INTEGER, NUMERIC,
 * REAL, BLOB or nothing), as ORMs declare them: it says little of what its
 * values are. */
static int loose(const struct cat_column *c, int sqlite)
{
    return sqlite && (c->tclass == TC_OTHER || c->tclass == TC_TEXT || c->tclass == TC_INT ||
                      c->tclass == TC_NUMERIC || c->tclass == TC_FLOAT || c->tclass == TC_BLOB);
}

/* A type that says what a value is beyond an affinity. */
static int typed(const struct cat_column *c, int sqlite)
{
    switch (c->tclass) {
    case TC_BOOL: case TC_UUID: case TC_TIMESTAMP: case TC_TIMESTAMPTZ: case TC_DATE:
    case TC_TIME: case TC_JSON:
        return 1;
    case TC_NUMERIC: case TC_FLOAT:
        return !sqlite;
    default:
        return 0;
    }
}

void canon_spec_for_pair(struct canon_spec *sp, const struct cat_column *source, int source_sqlite,
                         const struct cat_column *target, int target_sqlite,
                         const struct rules *rules)
{
    int by_source = source && target && loose(target, target_sqlite) &&
                    typed(source, source_sqlite);

    canon_spec_for(sp, by_source ? source : target, rules);
    if (!source || !target)
        return;
    if (!sp->pad && source->tclass == TC_TEXT && target->tclass == TC_TEXT)
        sp->pad = blank_padded(source);  /* char(n) against text: as PostgreSQL casts it */
    /* precision is the coarser side's: a real against a double is a real */
    if (source->single && (target->tclass == TC_FLOAT || target->tclass == TC_NUMERIC))
        sp->single = 1;
    if (sp->kind == CK_TS && (sp->ts_digits < 0 || (time_precision(source) >= 0 &&
                                                    time_precision(source) < sp->ts_digits)))
        sp->ts_digits = time_precision(source);
}

void canon_spec_for(struct canon_spec *sp, const struct cat_column *target,
                    const struct rules *rules)
{
    static const enum canon_kind by_class[] = {
        [TC_OTHER] = CK_TEXT, [TC_INT] = CK_INT, [TC_FLOAT] = CK_FLOAT, [TC_NUMERIC] = CK_NUM,
        [TC_BOOL] = CK_BOOL, [TC_TEXT] = CK_TEXT, [TC_BLOB] = CK_BYTES, [TC_DATE] = CK_DATE,
        [TC_TIME] = CK_TIME, [TC_TIMESTAMP] = CK_TS, [TC_TIMESTAMPTZ] = CK_TS,
        [TC_UUID] = CK_UUID, [TC_JSON] = CK_JSON, [TC_ARRAY] = CK_ARRAY,
    };

    canon_spec_kind(sp, target ? by_class[target->tclass] : CK_TEXT);
    if (target && target->tclass == TC_ARRAY)
        sp->elem = by_class[target->elem];
    if (target) {
        sp->scale = target->scale;
        sp->single = target->single;
        sp->pad = blank_padded(target);
        sp->ts_digits = time_precision(target);
    }
    for (size_t k = 0; rules && k < rules->n; k++) {
        const struct rule *r = &rules->v[k];
        switch (r->kind) {
        case R_IGNORE: sp->ignore = 1; break;
        case R_CI: sp->ci = 1; break;
        case R_TRIM: sp->trim = 1; break;
        case R_ROUND: sp->round = (int)r->num; break;
        case R_TOLERANCE: sp->tolerance = r->num; break;
        case R_TS: sp->ts_unit = (int)r->num; break;
        default: break;
        }
    }
}

/* "0", "42", "-7": digits without a leading zero, as canonical integers are. */
static int canonical_int(const char *p, size_t n)
{
    size_t i = n && p[0] == '-';

    if (i == n || n > 19 || (p[i] == '0' && n - i > 1) || (i && p[i] == '0'))
        return 0;
    for (; i < n; i++)
        if (p[i] < '0' || p[i] > '9')
            return 0;
    return 1;
}

int canon__raw(struct sbuf *out, const char *p, size_t n)
{
    sbuf_puts(out, "?");
    sbuf_add(out, p, n);
    return -1;
}

/* What `trim` takes off both ends, in every locale: ASCII's white space
 * (space, tab, LF, VT, FF, CR). Unicode's other spaces (U+00A0 …) are data. */
static int trim_space(char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

/* `ci`: Unicode's default case folding (ICU), never the process's locale:
 * ÉCOLE = école, ΣΊΣΥΦΟΣ = σίσυφος, Straße = STRASSE. Text that is not
 * UTF-8 is kept as its bytes. */
static void fold_case(const char *p, size_t n, struct sbuf *out)
{
    UChar stack[256], fstack[256 * 3], *u = stack, *f = fstack;
    int32_t ulen = 0, flen = 0, olen = 0;
    UErrorCode ue = U_ZERO_ERROR;

    if (n > INT32_MAX / 4) {
        sbuf_add(out, p, n);
        return;
    }
    u_strFromUTF8(u, 256, &ulen, p, (int32_t)n, &ue);
    if (ue == U_BUFFER_OVERFLOW_ERROR) {
        ue = U_ZERO_ERROR;
        u = xmalloc(((size_t)ulen + 1) * sizeof *u);
        u_strFromUTF8(u, ulen + 1, &ulen, p, (int32_t)n, &ue);
    }
    if (U_SUCCESS(ue)) {
        flen = u_strFoldCase(f, 256 * 3, u, ulen, U_FOLD_CASE_DEFAULT, &ue);
        if (ue == U_BUFFER_OVERFLOW_ERROR) {
            ue = U_ZERO_ERROR;
            f = xmalloc(((size_t)flen + 1) * sizeof *f);
            flen = u_strFoldCase(f, flen + 1, u, ulen, U_FOLD_CASE_DEFAULT, &ue);
        }
    }
    if (U_SUCCESS(ue)) {
        u_strToUTF8(NULL, 0, &olen, f, flen, &ue);  /* the length (overflow expected) */
        ue = U_ZERO_ERROR;
        sbuf_grow(out, (size_t)olen);
        u_strToUTF8(out->s + out->len, olen + 1, &olen, f, flen, &ue);
    }
    if (U_SUCCESS(ue))
        out->len += (size_t)olen;
    else
        sbuf_add(out, p, n);  /* not UTF-8: its bytes as they are */
    if (u != stack)
        free(u);
    if (f != fstack)
        free(f);
}

static void text(const struct canon_spec *sp, const char *p, size_t n, struct sbuf *out)
{
    size_t start = 0, end = n;

    if (sp->trim)
        while (start < end && trim_space(p[start]))
            start++;
    if (sp->trim || sp->pad)
        while (end > start && (p[end - 1] == ' ' || (sp->trim && trim_space(p[end - 1]))))
            end--;
    if (sp->ci)
        fold_case(p + start, end - start, out);
    else
        sbuf_add(out, p + start, end - start);
}

static void hex(struct sbuf *out, const unsigned char *p, size_t n)
{
    static const char digits[] = "0123456789abcdef";

    for (size_t i = 0; i < n; i++) {
        char two[2] = { digits[p[i] >> 4], digits[p[i] & 15] };
        sbuf_add(out, two, 2);
    }
}

/* "12.5", "-0.25", "7": a decimal already in canonical form (no sign on zero,
 * no leading or trailing zeros, no exponent), with at most `round` places
 * when rounding. The common case for numbers read from either engine. */
static int canonical_decimal(const char *p, size_t n, int round)
{
    size_t i = n && p[0] == '-', start, point = 0;

    if (i == n || (p[i] == '0' && i + 1 < n && p[i + 1] != '.'))
        return 0;
    for (start = i; i < n; i++) {
        if (p[i] == '.' && !point && i > start)
            point = i;
        else if (p[i] < '0' || p[i] > '9')
            return 0;
    }
    if (point)  /* a fraction ends in a non-zero digit, within the places kept */
        return p[n - 1] != '0' && point + 1 < n && (round < 0 || n - point - 1 <= (size_t)round);
    return !(p[start] == '0' && start);  /* "-0" is 0 */
}


/* The number `p` as PostgreSQL writes a real holding it: the fewest digits
 * that read back as the same float ("3.1415927" for 3.14159265358979), into
 * buf (DB_CELL_TEXT_MAX); 0 when `p` is no number. */
static int single_precision(const char *p, char *buf)
{
    char *end;
    double d = strtod(p, &end);
    float f = (float)d;

    if (end == p || *end || isnan(d) || isinf(f))
        return 0;
    for (int digits = 1; digits <= 9; digits++) {
        snprintf(buf, DB_CELL_TEXT_MAX, "%.*g", digits, (double)f);
        if (strtof(buf, NULL) == f)
            return 1;
    }
    return 1;
}

/* Whether a float's text may not be its double's shortest form: it has an
 * exponent or more than 15 significant digits (up to 15 a decimal is its
 * double's, DBL_DIG). */
static int past_double(const char *p, size_t n)
{
    int digits = 0, started = 0;

    for (size_t i = 0; i < n; i++) {
        if (p[i] == 'e' || p[i] == 'E')
            return 1;
        if (p[i] >= '1' && p[i] <= '9')
            started = 1;
        if (started && p[i] >= '0' && p[i] <= '9' && ++digits > 15)
            return 1;
    }
    return 0;
}

/* The double `p` reads as, in its shortest form, into buf (DB_CELL_TEXT_MAX);
 * 0 when `p` is no finite double. */
static int shortest_double(const char *p, char *buf)
{
    char *end;
    double d = strtod(p, &end);

    if (end == p || *end || !isfinite(d))
        return 0;
    dtoa_shortest(buf, d);
    return 1;
}

/* The microseconds since 2000 (PostgreSQL's epoch) where the years that
 * canon_timestamp_us() reads begin (0001) and end (after 9999). */
#define PG_YEAR1_US (INT64_C(-730119) * 86400 * 1000000)
#define PG_YEAR10000_US (INT64_C(2921940) * 86400 * 1000000)

int canon_value(const struct canon_spec *sp, const struct db_cell *cell, struct sbuf *out,
                 int *null)
{
    char num[DB_CELL_TEXT_MAX];
    struct db_cell as_text;
    const struct db_cell *c = &as_text;
    const char *p;
    size_t n;
    int64_t v;
    int bad = 0, round = sp->round;

    *null = !cell->p;
    if (!cell->p)
        return 0;
    if (sp->kind == CK_INT && cell->type == DB_INT64) {  /* a binary integer: written out */
        memcpy(&v, cell->p, sizeof v);
        sbuf_grow(out, 21);
        out->len += (size_t)int_format(out->s + out->len, v);
        return 0;
    }
    /* a PostgreSQL timestamp read in binary, in the years the text form reads */
    if (sp->kind == CK_TS && (cell->type == DB_PGTIMESTAMP || cell->type == DB_PGTIMESTAMPTZ)) {
        memcpy(&v, cell->p, sizeof v);
        if (v >= PG_YEAR1_US && v < PG_YEAR10000_US) {
            canon__put_ts(sp, v + PGBIN_EPOCH_S * INT64_C(1000000), out);
            return 0;
        }
    }
    as_text = db_cell_text(cell, num);
    p = c->p;
    n = c->len;
    if (c->type == DB_BLOB && sp->kind == CK_UUID && n == 16) {
        hex(out, (const unsigned char *)p, n);  /* a uuid kept as its 16 bytes (SQLite) */
        return 0;
    }
    if (c->type == DB_BLOB && sp->kind != CK_BYTES && sp->kind != CK_TEXT)
        return canon__raw(out, p, n);
    if (sp->kind == CK_NUM || sp->kind == CK_FLOAT) {
        /* a float has digits past what it holds (0.1 + 0.2): the target's
         * numeric(p,s) rounds it to its scale, and its real to single precision */
        if (sp->round < 0 && sp->scale >= 0 && (cell->type == DB_FLOAT || cell->type == DB_REAL64))
            round = sp->scale;
        if (sp->single && single_precision(p, num))
            p = num, n = strlen(num);
        else if (sp->kind == CK_FLOAT && past_double(p, n) && shortest_double(p, num))
            p = num, n = strlen(num);
    }
    /* the common cases: the value is already as we want it */
    if ((sp->kind == CK_INT && canonical_int(p, n)) ||
        ((sp->kind == CK_NUM || sp->kind == CK_FLOAT) && canonical_decimal(p, n, round)) ||
        (sp->kind == CK_TEXT && !sp->ci && !sp->trim && !sp->pad)) {
        sbuf_add(out, p, n);
        return 0;
    }
    /* the parsers below read C strings: text with a NUL inside is no number */
    if (sp->kind != CK_TEXT && sp->kind != CK_BYTES &&
        sp->kind != CK_JSON && memchr(p, '\0', n))
        return canon__raw(out, p, n);
    switch (sp->kind) {
    case CK_INT:
        if (val_int(p, &v)) {
            char b[24];
            sbuf_add(out, b, (size_t)int_format(b, v));
        } else {  /* 12.0 is an integer; 12.5 is not */
            struct sbuf d = { 0 };
            if (decimal_canon(p, &d, -1) == 0 && !strchr(d.s, '.'))
                sbuf_add(out, d.s, d.len);
            else
                bad = canon__raw(out, p, n);
            sbuf_free(&d);
        }
        break;
    case CK_NUM:
    case CK_FLOAT:
        if (isalpha((unsigned char)p[p[0] == '-']) &&
            (!strcasecmp(p, "nan") || !strcasecmp(p, "infinity") ||
             !strcasecmp(p, "-infinity") || !strcasecmp(p, "inf") || !strcasecmp(p, "-inf")))
            sbuf_puts(out, p[0] == 'N' || p[0] == 'n' ? "NaN"  /* NaN equals NaN here */
                           : p[0] == '-' ? "-Infinity" : "Infinity");
        else if (decimal_canon(p, out, round) < 0)
            bad = canon__raw(out, p, n);
        break;
    case CK_BOOL:
        if (n == 1 && strchr("tf10", p[0]))  /* as PostgreSQL and SQLite write them */
            sbuf_add(out, p[0] == 't' || p[0] == '1' ? "1" : "0", 1);
        else if (!val_bool(p))
            bad = canon__raw(out, p, n);
        else
            sbuf_puts(out, strchr("tTyY1", p[0]) || !strcasecmp(p, "on") ? "1" : "0");
        break;
    case CK_DATE:
    case CK_TS:
        if (canon_timestamp_us(p, &v) < 0) {
            bad = canon__raw(out, p, n);
        } else if (sp->kind == CK_DATE) {
            sbuf_add(out, p, 10);
        } else {
            canon__put_ts(sp, v, out);
        }
        break;
    case CK_UUID: {
        struct sbuf u = { 0 };
        for (size_t i = 0; i < n; i++)
            if (isxdigit((unsigned char)p[i]))
                sbuf_add(&u, (char[]){ (char)tolower((unsigned char)p[i]) }, 1);
        if (u.len == 32)
            sbuf_add(out, u.s, u.len);
        else
            bad = canon__raw(out, p, n);
        sbuf_free(&u);
        break;
    }
    case CK_JSON:
        if (cjson_canon(p, n, out) < 0)
            bad = canon__raw(out, p, n);
        break;
    case CK_BYTES:
        if (c->type != DB_BLOB && n >= 2 && p[0] == '\\' && p[1] == 'x') {
            for (size_t i = 2; i < n; i++)  /* PostgreSQL's bytea: already hex */
                sbuf_add(out, (char[]){ (char)tolower((unsigned char)p[i]) }, 1);
        } else {
            hex(out, (const unsigned char *)p, n);
        }
        break;
    case CK_ARRAY:
        bad = canon__array(sp, p, n, out);
        break;
    case CK_TIME:
        if (canon__time_form(sp, p, out) < 0)
            bad = canon__raw(out, p, n);
        break;
    case CK_TEXT:
    default:
        text(sp, p, n, out);
        break;
    }
    return bad;
}

int canon_equal(const struct canon_spec *sp, const char *a, size_t alen, int anull,
                const char *b, size_t blen, int bnull)
{
    if (anull || bnull)
        return anull && bnull;
    if (alen == blen && memcmp(a, b, alen) == 0)
        return 1;
    if (sp->kind == CK_TS && sp->ts_unit && alen && blen && a[0] != '?' && b[0] != '?') {
        /* ts:s, ts:ms: a copy rounded or truncated to the unit is equal; a whole
         * unit apart is not */
        int64_t x, y, unit = INT64_C(1000000) / sp->ts_unit;
        char tx[24], ty[24];
        snprintf(tx, sizeof tx, "%.*s", (int)(alen < 23 ? alen : 23), a);
        snprintf(ty, sizeof ty, "%.*s", (int)(blen < 23 ? blen : 23), b);
        x = strtoll(tx, NULL, 10), y = strtoll(ty, NULL, 10);
        return (x > y ? (uint64_t)x - (uint64_t)y : (uint64_t)y - (uint64_t)x) < (uint64_t)unit;
    }
    if (sp->tolerance >= 0 && (sp->kind == CK_NUM || sp->kind == CK_FLOAT || sp->kind == CK_INT) &&
        a[0] != '?' && b[0] != '?') {
        char x[128], y[128];
        snprintf(x, sizeof x, "%.*s", (int)(alen < 127 ? alen : 127), a);
        snprintf(y, sizeof y, "%.*s", (int)(blen < 127 ? blen : 127), b);
        return fabsl(strtold(x, NULL) - strtold(y, NULL)) <= (long double)sp->tolerance + 1e-12L;
    }
    return 0;
}

/* Compares two canonical decimals ("-12.5", "3", "0.25") exactly, as text:
 * sign, then the length of the integer part, then the digits. */
static int num_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
    int na = alen && a[0] == '-', nb = blen && b[0] == '-', sign, c;
    size_t ia, ib, ai, bi;
    const char *pa, *pb;

    if (na != nb)
        return na ? -1 : 1;
    sign = na ? -1 : 1;
    a += na, alen -= (size_t)na, b += nb, blen -= (size_t)nb;
    pa = memchr(a, '.', alen);
    pb = memchr(b, '.', blen);
    ia = pa ? (size_t)(pa - a) : alen;
    ib = pb ? (size_t)(pb - b) : blen;
    if (ia != ib)
        return ia < ib ? -sign : sign;
    if ((c = memcmp(a, b, ia)))
        return c < 0 ? -sign : sign;
    /* the fractions: the shorter one is padded with zeros */
    for (ai = ia + 1, bi = ib + 1; ai < alen || bi < blen; ai++, bi++) {
        char x = ai < alen ? a[ai] : '0', y = bi < blen ? b[bi] : '0';
        if (x != y)
            return x < y ? -sign : sign;
    }
    return 0;
}

int canon_compare(const struct canon_spec *sp, const char *a, size_t alen, const char *b,
                  size_t blen)
{
    int c, numeric = sp->kind == CK_INT || sp->kind == CK_NUM || sp->kind == CK_FLOAT ||
                     sp->kind == CK_TS;

    if (sp->kind == CK_INT && alen && blen && a[0] != '?' && b[0] != '?') {
        /* canonical integers: the sign, then the number of digits, then the digits */
        int na = a[0] == '-', nb = b[0] == '-';
        if (na != nb)
            return na ? -1 : 1;
        c = alen != blen ? (alen < blen ? -1 : 1) : memcmp(a, b, alen);
        return na ? -c : c;
    }
    if (numeric && alen && blen && a[0] != '?' && b[0] != '?')
        return num_cmp(a, alen, b, blen);
    c = memcmp(a, b, alen < blen ? alen : blen);
    return c ? c : (alen > blen) - (alen < blen);
}
