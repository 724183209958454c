/* cjson: canonical JSON (cjson.h). A recursive descent over the bytes; an
 * object's members are canonicalised one by one, then sorted. */
#include "config.h"
#include "cjson.h"
#include "decimal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define DEPTH_MAX 512

struct parser {
    const char *p, *end;
    int depth;
};

static int value(struct parser *j, struct sbuf *out);

static void skip_ws(struct parser *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
        j->p++;
}

static int hex4(const char *p, unsigned *v)
{
    *v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        *v <<= 4;
        if (c >= '0' && c <= '9')
            *v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            *v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            *v |= (unsigned)(c - 'A' + 10);
        else
            return -1;
    }
    return 0;
}

static void put_utf8(struct sbuf *out, unsigned cp)
{
    char b[4];
    size_t n;

    if (cp < 0x80) {
        b[0] = (char)cp, n = 1;
    } else if (cp < 0x800) {
        b[0] = (char)(0xc0 | cp >> 6), b[1] = (char)(0x80 | (cp & 0x3f)), n = 2;
    } else if (cp < 0x10000) {
        b[0] = (char)(0xe0 | cp >> 12), b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        b[2] = (char)(0x80 | (cp & 0x3f)), n = 3;
    } else {
        b[0] = (char)(0xf0 | cp >> 18), b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        b[2] = (char)(0x80 | ((cp >> 6) & 0x3f)), b[3] = (char)(0x80 | (cp & 0x3f)), n = 4;
    }
    sbuf_add(out, b, n);
}

/* A string (at its opening quote) decoded to its bytes in `raw`. */
static int string(struct parser *j, struct sbuf *raw)
{
    j->p++;
    while (j->p < j->end && *j->p != '"') {
        unsigned char c = (unsigned char)*j->p;
        if (c < 0x20)
            return -1;
        if (c != '\\') {
            sbuf_add(raw, j->p++, 1);
            continue;
        }
        if (j->end - j->p < 2)
            return -1;
        switch (j->p[1]) {
        case '"': case '\\': case '/': sbuf_add(raw, j->p + 1, 1); break;
        case 'b': sbuf_add(raw, "\b", 1); break;
        case 'f': sbuf_add(raw, "\f", 1); break;
        case 'n': sbuf_add(raw, "\n", 1); break;
        case 'r': sbuf_add(raw, "\r", 1); break;
        case 't': sbuf_add(raw, "\t", 1); break;
        case 'u': {
            unsigned cp, lo;
            if (j->end - j->p < 6 || hex4(j->p + 2, &cp) < 0)
                return -1;
            if (cp >= 0xd800 && cp < 0xdc00) {  /* a surrogate pair */
                if (j->end - j->p < 12 || j->p[6] != '\\' || j->p[7] != 'u' ||
                    hex4(j->p + 8, &lo) < 0 || lo < 0xdc00 || lo >= 0xe000)
                    return -1;
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                j->p += 6;
            } else if (cp >= 0xdc00 && cp < 0xe000) {
                return -1;
            }
            put_utf8(raw, cp);
            j->p += 4;
            break;
        }
        default:
            return -1;
        }
        j->p += 2;
    }
    if (j->p >= j->end)
        return -1;
    j->p++;
    return 0;
}

/* Decoded bytes as a canonical JSON string. */
static void put_string(struct sbuf *out, const char *s, size_t n)
{
    static const char hexd[] = "0123456789abcdef";

    sbuf_add(out, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            sbuf_add(out, "\\", 1);
            sbuf_add(out, s + i, 1);
        } else if (c < 0x20) {
            char e[6] = { '\\', 'u', '0', '0', hexd[c >> 4], hexd[c & 15] };
            sbuf_add(out, e, 6);
        } else {
            sbuf_add(out, s + i, 1);
        }
    }
    sbuf_add(out, "\"", 1);
}

static int number(struct parser *j, struct sbuf *out)
{
    const char *s = j->p;
    char buf[1000];  /* every canonical number fits (decimal_canon's widest) */
    size_t n;

    if (j->p < j->end && *j->p == '-')
        j->p++;
    if (j->p >= j->end || *j->p < '0' || *j->p > '9')
        return -1;
    if (*j->p == '0')
        j->p++;
    else
        while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
            j->p++;
    if (j->p < j->end && *j->p == '.') {
        const char *d = ++j->p;
        while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
            j->p++;
        if (j->p == d)
            return -1;
    }
    if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
        const char *d;
        j->p++;
        if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
            j->p++;
        d = j->p;
        while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
            j->p++;
        if (j->p == d)
            return -1;
    }
    if ((n = (size_t)(j->p - s)) >= sizeof buf)
        return -1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    return decimal_canon(buf, out, -1);
}

struct member {
    struct sbuf key, val;
    size_t order;
};

static int member_cmp(const void *a, const void *b)
{
    const struct member *x = a, *y = b;
    size_t n = x->key.len < y->key.len ? x->key.len : y->key.len;
    int c = n ? memcmp(x->key.s, y->key.s, n) : 0;

    if (c)
        return c;
    if (x->key.len != y->key.len)
        return x->key.len < y->key.len ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

static int object(struct parser *j, struct sbuf *out)
{
    struct member *m = NULL;
    size_t n = 0, cap = 0;
    int rc = -1;

    j->p++;
    skip_ws(j);
    if (j->p < j->end && *j->p == '}') {
        j->p++;
        sbuf_add(out, "{}", 2);
        return 0;
    }
    for (;;) {
        skip_ws(j);
        if (j->p >= j->end || *j->p != '"')
            goto done;
        m = xgrow(m, &cap, n + 1, sizeof *m);
        memset(&m[n], 0, sizeof *m);
        m[n].order = n;
        n++;
        if (string(j, &m[n - 1].key) < 0)
            goto done;
        skip_ws(j);
        if (j->p >= j->end || *j->p != ':')
            goto done;
        j->p++;
        if (value(j, &m[n - 1].val) < 0)
            goto done;
        skip_ws(j);
        if (j->p < j->end && *j->p == ',') {
            j->p++;
            continue;
        }
        if (j->p < j->end && *j->p == '}') {
            j->p++;
            break;
        }
        goto done;
    }
    qsort(m, n, sizeof *m, member_cmp);
    sbuf_add(out, "{", 1);
    for (size_t i = 0, first = 1; i < n; i++) {
        if (i + 1 < n && !member_cmp(&(struct member){ m[i].key, { 0 }, 0 },
                                     &(struct member){ m[i + 1].key, { 0 }, 0 }))
            continue;  /* a key given again: the last one counts, as in jsonb */
        if (!first)
            sbuf_add(out, ",", 1);
        first = 0;
        put_string(out, m[i].key.s ? m[i].key.s : "", m[i].key.len);
        sbuf_add(out, ":", 1);
        sbuf_add(out, m[i].val.s ? m[i].val.s : "", m[i].val.len);
    }
    sbuf_add(out, "}", 1);
    rc = 0;
done:
    for (size_t i = 0; i < n; i++) {
        sbuf_free(&m[i].key);
        sbuf_free(&m[i].val);
    }
    free(m);
    return rc;
}

static int array(struct parser *j, struct sbuf *out)
{
    j->p++;
    sbuf_add(out, "[", 1);
    skip_ws(j);
    if (j->p < j->end && *j->p == ']') {
        j->p++;
        sbuf_add(out, "]", 1);
        return 0;
    }
    for (int first = 1;; first = 0) {
        if (!first)
            sbuf_add(out, ",", 1);
        if (value(j, out) < 0)
            return -1;
        skip_ws(j);
        if (j->p < j->end && *j->p == ',') {
            j->p++;
            continue;
        }
        if (j->p < j->end && *j->p == ']') {
            j->p++;
            sbuf_add(out, "]", 1);
            return 0;
        }
        return -1;
    }
}

static int literal(struct parser *j, const char *word, struct sbuf *out)
{
    size_t n = strlen(word);

    if ((size_t)(j->end - j->p) < n || memcmp(j->p, word, n))
        return -1;
    j->p += n;
    sbuf_add(out, word, n);
    return 0;
}

static int value(struct parser *j, struct sbuf *out)
{
    int rc;

    skip_ws(j);
    if (j->p >= j->end || ++j->depth > DEPTH_MAX)
        return -1;
    switch (*j->p) {
    case '{': rc = object(j, out); break;
    case '[': rc = array(j, out); break;
    case '"': {
        struct sbuf raw = { 0 };
        if ((rc = string(j, &raw)) == 0)
            put_string(out, raw.s ? raw.s : "", raw.len);
        sbuf_free(&raw);
        break;
    }
    case 't': rc = literal(j, "true", out); break;
    case 'f': rc = literal(j, "false", out); break;
    case 'n': rc = literal(j, "null", out); break;
    default: rc = number(j, out); break;
    }
    j->depth--;
    return rc;
}

int cjson_canon(const char *p, size_t n, struct sbuf *out)
{
    struct parser j = { p, p + n, 0 };
    size_t start = out->len;

    if (value(&j, out) == 0) {
        skip_ws(&j);
        if (j.p == j.end)
            return 0;
    }
    out->len = start;  /* not JSON: as it was */
    if (out->s)
        out->s[start] = '\0';
    return -1;
}
