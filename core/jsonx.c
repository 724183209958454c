#include "config.h"
#include "jsonx.h"
#include "dtoa.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

static int key_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void newline(struct sbuf *b, size_t flags, int depth)
{
    int indent = (int)(flags & 0x1F);  /* JSON_INDENT(n) keeps n in the low bits */

    if (!indent)
        return;
    sbuf_printf(b, "\n%*s", indent * depth, "");
}

static void dump(const json_t *j, struct sbuf *b, size_t flags, int depth)
{
    const char *comma = (flags & JSON_COMPACT) || (flags & 0x1F) ? "," : ", ";
    const char *colon = flags & JSON_COMPACT ? ":" : ": ";

    switch (json_typeof(j)) {
    case JSON_OBJECT: {
        size_t n = json_object_size(j), i = 0;
        const char **keys = xcalloc(n + 1, sizeof *keys);
        const char *k;
        const json_t *v;
        json_object_foreach((json_t *)j, k, v)
            keys[i++] = k;
        if (flags & JSON_SORT_KEYS)
            qsort(keys, n, sizeof *keys, key_cmp);
        sbuf_puts(b, "{");
        for (i = 0; i < n; i++) {
            json_t *name = json_string(keys[i]);
            char *q = json_dumps(name, JSON_ENCODE_ANY);
            sbuf_puts(b, i ? comma : "");
            newline(b, flags, depth + 1);
            sbuf_printf(b, "%s%s", q, colon);
            dump(json_object_get(j, keys[i]), b, flags, depth + 1);
            free(q);
            json_decref(name);
        }
        if (n)
            newline(b, flags, depth);
        sbuf_puts(b, "}");
        free(keys);
        break;
    }
    case JSON_ARRAY:
        sbuf_puts(b, "[");
        for (size_t i = 0; i < json_array_size(j); i++) {
            sbuf_puts(b, i ? comma : "");
            newline(b, flags, depth + 1);
            dump(json_array_get(j, i), b, flags, depth + 1);
        }
        if (json_array_size(j))
            newline(b, flags, depth);
        sbuf_puts(b, "]");
        break;
    case JSON_REAL: {
        char num[DTOA_MAX];
        sbuf_add(b, num, (size_t)dtoa_shortest(num, json_real_value(j)));
        break;
    }
    default: {  /* strings, integers, true, false, null: as jansson writes them */
        char *s = json_dumps(j, JSON_ENCODE_ANY);
        sbuf_puts(b, s ? s : "null");
        free(s);
    }
    }
}

char *jsonx_dumps(const json_t *j, size_t flags)
{
    struct sbuf b = { 0 };

    if (!j)
        return NULL;
    dump(j, &b, flags, 0);
    return sbuf_take(&b);
}

int jsonx_dumpf(const json_t *j, FILE *f, size_t flags)
{
    char *s = jsonx_dumps(j, flags);
    int rc = s && fputs(s, f) >= 0 ? 0 : -1;

    free(s);
    return rc;
}
