/* stray: a phased migration's drift while live (DESIGN.md, "Waves"), polled
 * by live at every round beside the tables.
 *
 * For each wave of the plan that has moved, and each of its tables with a
 * watermark and a key:
 * - truth = production: the Pilot's rows inside the wave's slice whose
 *   watermark is past the switch (the time `cutover wave NAME moved` was
 *   recorded) are stray writes, one finding per row written, naming its key
 *   and its watermark; the Pilot is no longer the source of truth for them.
 * - truth = both: every row changed past the switch on either side, within
 *   the slice, must be changed on the other side too, with a watermark
 *   within the lag allowance of it; a change still unmatched once the clock
 *   is past its watermark by the allowance is a drift finding.
 *
 * Each side is read from where the last read ended, at most STRAY_BATCH rows
 * a round, by time then key, so nothing is read twice and nothing is
 * skipped however many rows share a watermark; drift is judged once both
 * sides are read up to now. A wave rolled back stops being watched; moved
 * again, it is watched from its new switch. Deleted rows leave no
 * watermark: they are not seen. Like table polls, a read whose previous one still runs is skipped,
 * not queued. */
#ifndef CUTOVER_STRAY_H
#define CUTOVER_STRAY_H

#include <jansson.h>
#include <stdint.h>

#include "db.h"
#include "pairing.h"
#include "plan.h"
#include "sheet.h"

#define STRAY_BATCH 1000

typedef struct strays strays_t;

struct stray_finding {
    const char *kind;           /* stray_write or drift */
    const char *wave, *table, *target_table;
    int side;                   /* where the row was written: 0 the Pilot, 1 Production */
    json_t *key;                /* {"id": 42}, the source's key columns */
    const char *at;             /* its watermark, as the database wrote it */
    const char *since;          /* the wave's switch */
};

struct stray_events {
    void (*on_finding)(const struct stray_finding *f, void *arg);
    /* a table of a moved wave cannot be watched (no watermark, no key, a
     * watermark that is not a time, a failed read): once per new reason;
     * why NULL: it is watched again */
    void (*on_problem)(const char *wave, const char *table, const char *why, void *arg);
    void (*on_end)(void *arg);  /* one read started by stray_round has ended */
    void *arg;
};

/* Where a wave stands: 1 when it has moved, with `at` its switch (ISO). */
typedef int (*stray_moved_cb)(const char *wave, char at[40], void *arg);

/* `allowance_ms`: the lag a dual write may take (truth = both). Everything
 * passed is borrowed until stray_stop's reads have ended. */
strays_t *stray_new(db_t *src, db_t *tgt, const struct plan *p, const struct pairing *pp,
                    const struct sheet *s, int64_t allowance_ms, const struct stray_events *ev);
/* Starts the round's reads of the waves `moved` says have moved; returns how
 * many (each ends with on_end). */
int stray_round(strays_t *s, stray_moved_cb moved, void *arg);
/* Findings of a kind (stray_write, drift) since the watch began, of every
 * wave (wave NULL) or of one. */
long long stray_count(const strays_t *s, const char *wave, const char *kind);
/* The state of `old` (a replaced monitor's) goes on in `s`, table by table:
 * where each read ended, unmatched changes, counts. */
void stray_adopt(strays_t *s, strays_t *old);
/* Cancels what runs (on_end still comes for each) and frees once it has ended. */
void stray_stop(strays_t *s);

#endif
