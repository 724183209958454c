/* hist: the history of one signal, for sparklines, in memory that stays the
 * same however long a session runs: every value of the last hour (the
 * latest HIST_RECENT of them; at intervals under 5 s that is less than an
 * hour), and the whole session in at most HIST_BUCKETS buckets (min, max,
 * mean) whose width starts at 5 minutes and doubles whenever they fill up. */
#ifndef CUTOVER_HISTORY_H
#define CUTOVER_HISTORY_H

#include <stdint.h>

#define HIST_RECENT 720
#define HIST_BUCKETS 240
#define HIST_HOUR_MS 3600000
#define HIST_BUCKET_MS 300000   /* the first bucket width, and the workspace's */

struct hist_bucket {
    int64_t start_ms;
    float min, max;
    double sum;
    uint32_t n;
};

struct hist {
    struct { int64_t at_ms; float v; } recent[HIST_RECENT];  /* ring, oldest at `at` */
    int nrecent, at;
    struct hist_bucket b[HIST_BUCKETS];
    int nb;
    int64_t width_ms;           /* of every bucket; 0 before the first value */
};

/* A value at a time (times only ever grow). */
void hist_add(struct hist *h, int64_t at_ms, double v);
/* A bucket of values at once (hist_add adds a bucket of one). */
void hist_add_bucket(struct hist *h, int64_t start_ms, double min, double max, double sum,
                     long n);
/* The latest `max` values (oldest first) of those since `since_ms`. */
int hist_last(const struct hist *h, int64_t since_ms, double *out, int max);
/* The values since `since_ms` in `cells` values, the largest of each
 * cell's span; fewer while there are fewer values. */
int hist_recent(const struct hist *h, int64_t since_ms, double *out, int cells);
/* The whole session in `cells` values, the largest of each cell's span
 * (the worst, for the signals cutover watches); fewer while it is short. */
int hist_session(const struct hist *h, double *out, int cells);

#endif
