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

/* Where `id` is in the sorted marks, or would go: *found says which. */
static size_t place(const struct reh_panel *rp, const char *id, int *found)
{
    size_t lo = 0, hi = rp->nmarks;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(rp->marks[mid], id);
        if (c == 0) {
            *found = 1;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = 0;
    return lo;
}

int rehp_marked(const struct reh_panel *rp, const struct ws_disc_rec *d)
{
    char *id = identity(d);
    int found;

    place(rp, id, &found);
    free(id);
    return found;
}

/* Kept sorted by inserting in place: M over thousands of discrepancies is
 * one pass, not a sort a mark. */
void rehp_mark(struct reh_panel *rp, const struct ws_disc_rec *d, int on)
{
    char *id = identity(d);
    int found;
    size_t at = place(rp, id, &found);

    if (on && !found) {
        rp->marks = xrealloc(rp->marks, (rp->nmarks + 1) * sizeof *rp->marks);
        memmove(rp->marks + at + 1, rp->marks + at, (rp->nmarks - at) * sizeof *rp->marks);
        rp->marks[at] = id;
        rp->nmarks++;
        return;
    }
    if (!on && found) {
        free(rp->marks[at]);
        memmove(rp->marks + at, rp->marks + at + 1, (rp->nmarks - at - 1) * sizeof *rp->marks);
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
