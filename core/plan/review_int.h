/* review_int: what review.c and review_preview.c share. Not for outside
 * core/plan/. */
#ifndef CUTOVER_REVIEW_INT_H
#define CUTOVER_REVIEW_INT_H

#include "review.h"

/* The review changed: its on_change is told. */
void review__changed(struct review *r);
/* Its own connection to a side (0 source, 1 target) is up; it is opened
 * (up later) at the first call. */
int review__up(struct review *r, int side);
/* … or at least connecting (not down): a query queued waits for it. */
int review__usable(struct review *r, int side);
/* The pair of a sheet reference "table.column" in the snapshot in use, and
 * its column in `col`; NULL when the table is not paired (yet). */
const struct pair *review__pair_of(const struct review *r, const char *ref, const char **col);
/* Forgets a preview's rows. */
void review__preview_clear(struct preview *p);

#endif
