/* URLs and their masking: any text parses or is refused; a password that the
 * masked forms show is never the one the URL holds (checked for a URI's
 * user:password@ when the fuzzer writes one: after "://", before any '/' or
 * '?', which would begin the path or the query). */
#include "config.h"
#include "fuzz.h"
#include "url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_string(data, size), *m, *t, *x, *st;
    struct url u;
    struct err e = { 0 };

    if (url_parse(s, "/base", &u, &e) == 0)
        url_free(&u);
    m = url_mask(s);
    t = url_mask_text(s);
    x = url_mask_secrets(s, s);
    st = url_strip_password(s);
    {   /* "scheme://user:SECRET@host": SECRET (6+ bytes, up to the last '@' before
         * the path or the query) never shown */
        const char *sep = strstr(s, "://"), *stop, *at = NULL, *colon;
        if (sep && strlen(s) == size) {
            stop = sep + 3 + strcspn(sep + 3, "/?");
            for (const char *c = sep + 3; c < stop; c++)
                if (*c == '@')
                    at = c;
            colon = at ? memchr(sep + 3, ':', (size_t)(at - sep - 3)) : NULL;
            if (colon && at - colon > 6 && at - colon < 256) {
                char secret[256];
                memcpy(secret, colon + 1, (size_t)(at - colon - 1));
                secret[at - colon - 1] = '\0';
                /* (a secret that holds the mask itself, "rec:***", is not looked for:
                 * "app:***" shows that much of it by construction) */
                if (!strchr(secret, '*') && strstr(x, secret))
                    abort();
            }
        }
    }
    free(m), free(t), free(x), free(st), free(s);
    return 0;
}
