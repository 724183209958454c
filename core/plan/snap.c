/* snap: shared snapshots of the plan, the catalogs and their pairing (snap.h). */
#include "config.h"
#include "snap.h"
#include "util.h"

#include <stdlib.h>

struct snap *snap_new(struct plan *p, struct catalog *src, struct catalog *tgt,
                      const char *src_url, const char *tgt_url, struct err *e)
{
    struct snap *s = xcalloc(1, sizeof *s);

    if (pair_tables(p, src, tgt, src_url, tgt_url, &s->pairs, e) < 0) {
        free(s);
        return NULL;
    }
    s->refs = 1;
    s->plan = plan_ref(p);
    s->cat[0] = cat_ref(src);
    s->cat[1] = cat_ref(tgt);
    s->url[0] = xstrdup(src_url);
    s->url[1] = xstrdup(tgt_url);
    return s;
}

struct snap *snap_ref(struct snap *s)
{
    s->refs++;
    return s;
}

void snap_unref(struct snap *s)
{
    if (!s || --s->refs > 0)
        return;
    pair_free(&s->pairs);  /* before what it points into */
    cat_free(s->cat[0]);
    cat_free(s->cat[1]);
    plan_free(s->plan);
    free(s->url[0]);
    free(s->url[1]);
    free(s);
}
