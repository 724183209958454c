/* snap: the plan in use with both catalogs and their pairing, as one
 * immutable snapshot shared by reference. The dashboard makes a new one when
 * the plan or a catalog changes; a job (a rehearsal run, a gate, a lint, a
 * live window) keeps the one it started with until it ends, so a refresh
 * never waits for a job and a job never sees its tables change under it. */
#ifndef CUTOVER_SNAP_H
#define CUTOVER_SNAP_H

#include "catalog.h"
#include "pairing.h"
#include "plan.h"

struct snap {
    int refs;
    struct plan *plan;          /* a reference of its own */
    struct catalog *cat[2];     /* source, target: references of their own */
    struct pairing pairs;       /* of these three */
    char *url[2];               /* both sides' URLs, passwords masked: what runs record */
};

/* A snapshot of `p` and both catalogs (each referenced, not copied), paired
 * as pair_tables does with the masked URLs; NULL with `e` when they do not
 * pair. One reference: the caller's. */
struct snap *snap_new(struct plan *p, struct catalog *src, struct catalog *tgt,
                      const char *src_url, const char *tgt_url, struct err *e);
struct snap *snap_ref(struct snap *s);
/* Drops a reference; the last frees the snapshot and what only it held. */
void snap_unref(struct snap *s);

#endif
