/* live: polls both databases while the cutover runs and during hypercare.
 *
 * On every interval and for every migrated table that exists on both sides,
 * each database is asked for its row count, max(watermark) and the rows whose
 * watermark is newer than at the last poll (the write rate). The two sides
 * poll independently, so a slow or dead database delays only its own
 * figures; a table whose previous poll on that side is still running is
 * skipped, not queued. Results are events; the caller prints or draws them.
 *
 * Tables with a watermark and a key are also validated incrementally: at
 * each round, the source rows whose watermark moved since the last checked
 * window, up to the watermark the previous round saw (so a sync has had one
 * interval to copy them), are compared by key with the target (window.h).
 * Each round also runs the plan's probes, its business checks every
 * checks_every rounds and the PostgreSQL health queries (probe.h). */
#ifndef CUTOVER_LIVE_H
#define CUTOVER_LIVE_H

#include <stdint.h>
#include <uv.h>

#include "db.h"
#include "err.h"
#include "pairing.h"
#include "probe.h"
#include "snap.h"
#include "stray.h"
#include "window.h"

typedef struct live live_t;

struct live_sample {
    long long tick;             /* the poll round, from 1 */
    const char *table, *target_table;
    int side;                   /* 0 source, 1 target */
    int skipped;                /* the previous poll of this side still ran; nothing else is set */
    const char *error;          /* NULL, or why this side's poll failed */
    long long rows;             /* count(*), or the planner's estimate */
    int estimated;              /* rows is PostgreSQL's estimate (a table above exact_rows) */
    const char *watermark;      /* max(watermark); NULL without one or on an empty table */
    long long changed;          /* rows newer than the last poll's watermark; -1 on the first */
    int64_t latency_ms;         /* from sending the query to its last row */
    /* across both sides, from the latest figures of each (-1 / INT64_MIN: not known) */
    long long missing;          /* source rows − target rows, when both are known */
    int missing_estimated;      /* … from an estimate on either side */
    int64_t lag_ms;             /* source watermark − target watermark, both timestamps */
    int has_lag;
    int round_done;             /* both sides of this table have answered the same round */
};

/* A [rollback] trigger measured live crossing its limit, either way. */
struct live_trigger {
    const struct plan_limit *limit;
    double value;               /* in the limit's unit: rows, ms or percent */
    int breached;               /* 1: breached now; 0: back within the limit */
    const char *wave;           /* a [wave]'s trigger: rolling back that wave alone is
                                 * advised; NULL: the plan's [rollback] */
};

struct live_events {
    void (*on_sample)(const struct live_sample *s, void *arg);
    void (*on_trigger)(const struct live_trigger *t, void *arg);  /* may be NULL */
    /* the triggers were judged on a settled round (may be NULL) */
    void (*on_judged)(void *arg);
    /* incremental validation (may be NULL): findings as they are found, then
     * the window's totals; `tick` is the round the window was started in */
    void (*on_finding)(long long tick, const struct win_result *w, const struct diff_disc *d,
                       void *arg);
    void (*on_window)(long long tick, const struct win_result *r, void *arg);
    /* on the simulated clock only (see wall_ms; may be NULL): round `tick`
     * has ended and the clock has moved one interval; the next round starts
     * unless live_stop is called here */
    void (*on_round)(long long tick, void *arg);
    /* the round's probes, checks and server health (probe.h; may be NULL) */
    void (*on_probe)(const struct probe_sample *s, void *arg);
    /* a phased migration (stray.h; may be NULL): where each wave stands,
     * asked at every round; its stray writes and drift; a table of a moved
     * wave that cannot be watched, or is again (why NULL) */
    stray_moved_cb wave_moved;
    void (*on_stray)(const struct stray_finding *f, void *arg);
    void (*on_stray_problem)(const char *wave, const char *table, const char *why, void *arg);
    void *arg;
};

struct live_opts {
    int64_t interval_ms;        /* 0: 30 s */
    struct sheet *sheet;        /* the mapping, the monitor's from here (it frees it); NULL:
                                 * no incremental validation */
    struct snap *keep;          /* the snapshot `p` and `pp` belong to, referenced while the
                                 * monitor or its windows use them; NULL: the caller keeps
                                 * them until the monitor is freed */
    const live_t *adopt;        /* a monitor being replaced: its tables' state
                                 * (watermarks, checked windows, triggers) goes on */
};

/* Starts polling now and every interval. The tables are the pairs whose plan
 * decision is migrate; the target's watermark column is the source's by name
 * (case and separators aside). ERR_INPUT when there is none.
 * After every sample that settles a round (see live_settled) the plan's
 * triggers that live figures measure are evaluated: missing_rows (Σ source −
 * target rows, over exactly counted tables), lag and latency (the largest),
 * error_rate (failed polls of all polls, percent). A PostgreSQL table found
 * larger than the plan's exact_rows is counted exactly once, then from the
 * planner's estimate (pg_class.reltuples) and its new rows by the
 * watermark's index only. `p` and `pp` are opts.keep's, or borrowed. */
live_t *live_start(uv_loop_t *loop, db_t *src, db_t *tgt, const struct plan *p,
                   const struct pairing *pp, const struct live_opts *o,
                   const struct live_events *ev, struct err *e);
/* The same plan's pairing was rebuilt (the catalogs were read again): the
 * tables follow `s`'s pairing by name, at once or, while a window reads the
 * old one, as soon as none does. */
void live_repoint(live_t *lv, struct snap *s);
/* Polls every `ms` from now on (the next round after one interval). */
void live_set_interval(live_t *lv, int64_t ms);
/* Stops the timer and cancels running polls; frees once they have ended. */
void live_stop(live_t *lv);
/* Tables polled; polls finished so far and how many of them failed. */
size_t live_ntables(const live_t *lv);
/* Every table's two sides have answered the round under way (or skip it,
 * still busy with an older one), so figures that combine them agree.
 * Triggers are evaluated only then. */
int live_settled(const live_t *lv);
/* The round last begun; the latest round every table's sides have both
 * answered (0: none yet). */
long long live_tick(const live_t *lv);
long long live_answered(const live_t *lv);
/* The figure a trigger or alert names from the latest polls: missing_rows
 * and drift_rows (rows; Σ of source − target, of its absolute value), lag
 * and latency (ms), error_rate (%), stray_writes and drift_keys (rows, the
 * waves' findings so far, stray.h); from the latest probes: failed_checks,
 * connections, lock_waits, longest_query (the larger side); -1 for a metric
 * not measured yet or not measured live. */
double live_measure(const live_t *lv, const char *metric);
void live_counts(const live_t *lv, long long *polls, long long *failed);

#endif
