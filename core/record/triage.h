/* triage: a recorded discrepancy's class, owner or decision note changed as
 * a person asks — from the Rehearsal panel (one, or the marked ones) or
 * `cutover discrepancies` (a selection) — written to the workspace and its
 * audit log alike from both. */
#ifndef CUTOVER_TRIAGE_H
#define CUTOVER_TRIAGE_H

#include "workspace.h"

/* What to set; NULL leaves it as it is. */
struct triage_set {
    const char *klass, *owner, *note;
};

/* Sets `d` of run `run` (and so every later run's with its key) and audits
 * it; `what` gets the change in words ("class accepted_variance"), caller
 * frees, also on failure. -1 with `e` (a class that is not one). */
int triage_apply(ws_t *ws, long run, const struct ws_disc_rec *d, const struct triage_set *set,
                 char **what, struct err *e);

/* Which discrepancies a command names: all of these that are given must
 * hold (tables: any of them). */
struct triage_sel {
    const char *const *tables;
    int ntables;
    const char *kind;           /* missing, extra, changed… */
    const char *field;          /* a changed row's field, by source or target column */
    const char *key;            /* the key in words, as printed: id=42 */
};
int triage_selected(const struct ws_disc_rec *d, const struct triage_sel *s);

#endif
