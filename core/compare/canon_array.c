/* canon_array: arrays in canonical form: PostgreSQL's literal ({1,"a b",NULL},
 * with its bounds) or a JSON array, each element in the elements' kind. */
#include "config.h"
#include "canon.h"
#include "canon_int.h"
#include "dtoa.h"

#include <ctype.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

struct array {
    const struct canon_spec *el;    /* the elements' spec */
    const char *p, *end;
    struct sbuf *out;
    struct sbuf text, val;          /* the element being read; its canonical form */
    int depth, bad;                 /* bad: an element did not read as its kind */
};

/* `s` as a JSON string: what is not printable ASCII stays as it is (bytes
 * that are not UTF-8 too: the form is compared, not parsed). */
static void json_str(struct sbuf *out, const char *s, size_t n)
{
    sbuf_add(out, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '"' || ch == '\\')
            sbuf_add(out, (char[]){ '\\', (char)ch }, 2);
        else if (ch < 0x20)
            sbuf_printf(out, "\\u%04x", ch);
        else
            sbuf_add(out, s + i, 1);
    }
    sbuf_add(out, "\"", 1);
}

static void element(struct array *a, const char *p, size_t n)
{
    int null;

    a->val.len = 0;
    if (canon_value(a->el, &(struct db_cell){ p, n, DB_TEXT }, &a->val, &null) < 0)
        a->bad = 1;
    json_str(a->out, a->val.s ? a->val.s : "", a->val.len);
}

static void skip_space(struct array *a)
{
    while (a->p < a->end && isspace((unsigned char)*a->p))
        a->p++;
}

/* One unquoted or quoted element of a PostgreSQL array literal into a->text;
 * returns 1 when it is NULL, -1 when it is malformed. */
static int pg_element(struct array *a)
{
    size_t keep = 0;    /* unquoted: up to its last character that is not a space */
    int quoted = *a->p == '"', escaped = 0;

    a->text.len = 0;
    sbuf_add(&a->text, "", 0);
    for (a->p += quoted; a->p < a->end; a->p++) {
        if (quoted ? *a->p == '"' : (*a->p == ',' || *a->p == '}'))
            break;
        if (!quoted && (*a->p == '"' || *a->p == '{'))
            return -1;
        if (*a->p == '\\') {
            if (++a->p == a->end)
                return -1;
            escaped = 1;
        } else if (!quoted && isspace((unsigned char)*a->p)) {
            sbuf_add(&a->text, a->p, 1);
            continue;
        }
        sbuf_add(&a->text, a->p, 1);
        keep = a->text.len;
    }
    if (quoted) {
        if (a->p == a->end)
            return -1;
        a->p++;
        return 0;
    }
    a->text.len = keep;
    a->text.s[keep] = '\0';
    if (!keep)
        return -1;
    return !escaped && keep == 4 && !strcasecmp(a->text.s, "NULL");
}

/* {…}, nested to PostgreSQL's 6 dimensions at most */
static int from_literal(struct array *a)
{
    if (a->p == a->end || *a->p != '{' || ++a->depth > 6)
        return -1;
    a->p++;
    sbuf_add(a->out, "[", 1);
    skip_space(a);
    for (int first = 1; a->p < a->end && *a->p != '}'; first = 0) {
        int null = 0;
        if (!first && *a->p++ != ',')
            return -1;
        skip_space(a);
        if (a->p == a->end)
            return -1;
        if (!first)
            sbuf_add(a->out, ",", 1);
        if (*a->p == '{') {
            if (from_literal(a) < 0)
                return -1;
        } else if ((null = pg_element(a)) < 0) {
            return -1;
        } else if (null) {
            sbuf_puts(a->out, "null");
        } else {
            element(a, a->text.s, a->text.len);
        }
        skip_space(a);
    }
    if (a->p == a->end)
        return -1;
    a->p++;
    a->depth--;
    sbuf_add(a->out, "]", 1);
    return 0;
}

static void from_json(struct array *a, const json_t *j)
{
    size_t i;
    const json_t *v;

    sbuf_add(a->out, "[", 1);
    json_array_foreach(j, i, v) {
        char num[DTOA_MAX];
        if (i)
            sbuf_add(a->out, ",", 1);
        switch (json_typeof(v)) {
        case JSON_NULL: sbuf_puts(a->out, "null"); break;
        case JSON_ARRAY: from_json(a, v); break;
        case JSON_STRING: element(a, json_string_value(v), json_string_length(v)); break;
        case JSON_INTEGER:
            element(a, num, (size_t)int_format(num, json_integer_value(v)));
            break;
        case JSON_REAL: element(a, num, (size_t)dtoa_shortest(num, json_real_value(v))); break;
        case JSON_TRUE: element(a, "true", 4); break;
        case JSON_FALSE: element(a, "false", 5); break;
        default: {  /* an object: a json[] element */
            char *dump = json_dumps(v, JSON_COMPACT);
            element(a, dump, strlen(dump));
            free(dump);
        }
        }
    }
    sbuf_add(a->out, "]", 1);
}

/* The array's canonical form into out; -1 (out as it was) when `p` is no array. */
int canon__array(const struct canon_spec *sp, const char *p, size_t n, struct sbuf *out)
{
    struct canon_spec el = *sp;
    struct array a = { &el, p, p + n, out, { 0 }, { 0 }, 0, 0 };
    size_t start = out->len;
    int rc;

    el.kind = sp->elem;
    skip_space(&a);
    if (a.p < a.end && *a.p == '[') {
        /* PostgreSQL's bounds, [0:1]={…} or [1:2][1:1]={…}: part of the value */
        const char *eq = memchr(a.p, '=', (size_t)(a.end - a.p));
        if (eq && strspn(a.p, "[]:-0123456789") == (size_t)(eq - a.p)) {
            sbuf_add(out, a.p, (size_t)(eq - a.p + 1));
            a.p = eq + 1;
            skip_space(&a);
            if (a.p == a.end || *a.p != '{')
                goto not_array;
        }
    }
    if (a.p < a.end && *a.p == '[') {
        json_error_t je;
        json_t *j = json_loadb(a.p, (size_t)(a.end - a.p), 0, &je);
        rc = json_is_array(j) ? 0 : -1;
        if (rc == 0)
            from_json(&a, j);
        json_decref(j);
    } else {
        rc = from_literal(&a);
        skip_space(&a);
        rc = rc < 0 || a.p != a.end ? -1 : 0;
    }
    sbuf_free(&a.text);
    sbuf_free(&a.val);
    if (rc == 0)
        return a.bad ? -1 : 0;
not_array:
    out->len = start;
    if (out->s)
        out->s[start] = '\0';
    return canon__raw(out, p, n);
}

