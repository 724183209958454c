/* probe: the hypercare signals beyond the tables, polled by live at every
 * round: the plan's [probe NAME] queries (one number each), the business
 * checks every [hypercare] checks_every rounds (both queries, compared with
 * the check's tolerance: the signal failed_checks), and on each PostgreSQL
 * side the server's health from pg_stat_activity: connections (client
 * backends, cutover's own included), lock_waits (queries waiting on a lock)
 * and longest_query (ms, the longest running active query). Like table
 * polls, a query whose previous run still runs is skipped, not queued. */
#ifndef CUTOVER_PROBE_H
#define CUTOVER_PROBE_H

#include <stdint.h>

#include "db.h"
#include "plan.h"

typedef struct probes probes_t;

struct probe_sample {
    long long tick;
    const char *name;           /* a probe's, or connections, lock_waits, longest_query,
                                 * failed_checks */
    const char *side;           /* source, target, or both (failed_checks) */
    enum plan_unit unit;
    double value;               /* when error is NULL */
    const char *error;          /* why it could not be measured */
    const char *note;           /* failed_checks: why a check could not run */
    int64_t latency_ms;
};

struct probe_events {
    void (*on_sample)(const struct probe_sample *s, void *arg);
    void (*on_end)(void *arg);  /* one query started by probe_round has ended */
    void *arg;
};

probes_t *probe_new(db_t *src, db_t *tgt, const struct plan *p, const struct probe_events *ev);
/* Starts round `tick`'s queries; returns how many (each ends with on_end). */
int probe_round(probes_t *ps, long long tick);
/* Cancels what runs (on_end still comes for each) and frees once it has ended. */
void probe_stop(probes_t *ps);

#endif
