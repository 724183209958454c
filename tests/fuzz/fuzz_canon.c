/* Canonical values: any bytes as any kind give a form, equal to itself, and
 * the same form again when read back (a canonical form is a fixed point for
 * the kinds whose form is their own input: numbers, JSON, text). */
#include "config.h"
#include "fuzz.h"
#include "canon.h"
#include "cjson.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const enum canon_kind kinds[] = { CK_TEXT, CK_INT, CK_NUM, CK_FLOAT, CK_BOOL, CK_DATE,
                                             CK_TS, CK_TIME, CK_UUID, CK_JSON, CK_BYTES,
                                             CK_ARRAY };
    char *s;
    struct canon_spec sp;

    if (size < 2)
        return 0;
    s = fuzz_string(data + 2, size - 2);
    canon_spec_kind(&sp, kinds[data[0] % (sizeof kinds / sizeof *kinds)]);
    sp.elem = kinds[data[1] % (sizeof kinds / sizeof *kinds)] == CK_ARRAY ? CK_TEXT
              : kinds[data[1] % (sizeof kinds / sizeof *kinds)];
    sp.ci = data[1] & 0x10, sp.trim = data[1] & 0x20, sp.pad = data[1] & 0x40;
    sp.ts_unit = data[1] & 0x80 ? 1000 : 0;
    sp.ts_digits = data[0] & 0x80 ? data[0] % 7 : -1;
    {
        struct db_cell c = { s, size - 2, data[0] & 0x40 ? DB_BLOB : DB_TEXT };
        struct sbuf x = { 0 }, y = { 0 };
        int null, rc = canon_value(&sp, &c, &x, &null);
        if (!canon_equal(&sp, x.s ? x.s : "", x.len, 0, x.s ? x.s : "", x.len, 0))
            abort();
        if (rc == 0 && (sp.kind == CK_NUM || sp.kind == CK_JSON) && !sp.ci && x.s &&
            !memchr(x.s, '\0', x.len)) {
            struct db_cell again = { x.s, x.len, DB_TEXT };
            if (canon_value(&sp, &again, &y, &null) != 0 || y.len != x.len ||
                memcmp(x.s, y.s, x.len))
                abort();
        }
        sbuf_free(&x);
        sbuf_free(&y);
    }
    {
        struct sbuf j = { 0 }, k = { 0 };
        if (cjson_canon(s, size - 2, &j) == 0 &&
            (cjson_canon(j.s, j.len, &k) != 0 || j.len != k.len || memcmp(j.s, k.s, j.len)))
            abort();  /* canonical JSON is its own canonical form */
        sbuf_free(&j);
        sbuf_free(&k);
    }
    free(s);
    return 0;
}
