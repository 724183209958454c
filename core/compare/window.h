/* window: incremental validation while live. The source rows of one table
 * whose watermark falls in (lo, hi] are compared by key with the target rows
 * of the same keys, exactly as the diff compares them (the same queries,
 * canonical values and rules): a key the target lacks is missing, one whose
 * mapped fields differ is stale (the target still holds an older version),
 * a key found twice is a duplicate. A key that left the window on the source
 * while it was checked is no finding: the next window has it.
 *
 * The window's keys are read from the source first (at most WIN_MAX_KEYS;
 * any more are counted as unchecked, never silently dropped), then diffed in
 * chunks of WIN_CHUNK keys on the same connections as the polls. */
#ifndef CUTOVER_WINDOW_H
#define CUTOVER_WINDOW_H

#include "diff.h"

#define WIN_MAX_KEYS 50000
#define WIN_CHUNK 500

typedef struct win win_t;

struct win_result {
    const char *table, *target_table;
    const char *lo, *hi;                /* the window: watermark > lo and <= hi */
    long keys;                          /* source rows in the window that were checked */
    long missing, stale, duplicates;
    long unchecked;                     /* in the window beyond WIN_MAX_KEYS */
    const char *error;                  /* NULL, or why the window could not be checked */
    int fatal;                          /* the table cannot be checked live at all */
};

struct win_events {
    /* kind is missing, stale or duplicate; the key and fields as the diff's;
     * `r` has the window's bounds and the totals so far */
    void (*finding)(void *arg, const struct win_result *r, const struct diff_disc *d);
    /* always called once, last; the window is freed after it returns */
    void (*done)(void *arg, const struct win_result *r);
    void *arg;
};

/* Checks `pair` (migrated, with a watermark on the source) over (lo, hi].
 * Everything passed is borrowed until `done`. NULL when neither connection
 * takes a query any more; `done` has then been called already. */
win_t *win_start(db_t *src, db_t *tgt, const struct plan *p, const struct pairing *pp,
                 const struct sheet *s, const struct pair *pair, const char *lo,
                 const char *hi, const struct win_events *ev);
/* Stops it; `done` still comes, with an error saying so. */
void win_cancel(win_t *w);

#endif
