/* rehearsal_mark: the discrepancies marked in the rehearsal panel, to be
 * classified, assigned or annotated at once; kept by identity (table, kind,
 * key) in a sorted array, so they survive the panel's reloads. */
#include "config.h"
#include "rehearsal_int.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *identity(const struct ws_disc_rec *d)
{
    return xasprintf("%s\x1f%s\x1f%s", d->table, d->kind, d->key_json);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int rehp_marked(const struct reh_panel *rp, const struct ws_disc_rec *d)
{
    char *id = identity(d);
    int found = rp->nmarks && bsearch(&id, rp->marks, rp->nmarks, sizeof *rp->marks, cmp_str);

    free(id);
    return found;
}

void rehp_mark(struct reh_panel *rp, const struct ws_disc_rec *d, int on)
{
    char *id = identity(d), **at;

    at = rp->nmarks ? bsearch(&id, rp->marks, rp->nmarks, sizeof *rp->marks, cmp_str) : NULL;
    if (on && !at) {
        rp->marks = xrealloc(rp->marks, (rp->nmarks + 1) * sizeof *rp->marks);
        rp->marks[rp->nmarks++] = id;
        qsort(rp->marks, rp->nmarks, sizeof *rp->marks, cmp_str);
        return;
    }
    if (!on && at) {
        free(*at);
        memmove(at, at + 1, (size_t)(rp->marks + rp->nmarks - at - 1) * sizeof *at);
        rp->nmarks--;
    }
    free(id);
}

void rehp_unmark_all(struct reh_panel *rp)
{
    for (size_t i = 0; i < rp->nmarks; i++)
        free(rp->marks[i]);
    free(rp->marks);
    rp->marks = NULL;
    rp->nmarks = 0;
}
