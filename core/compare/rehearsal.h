/* reh: one rehearsal run — the diff of core/diff.c recorded in the workspace
 * as it goes (results, checks, discrepancies with their carried-over class,
 * owner and decision; 10,000 discrepancies per table, counts exact), and its
 * summary as the JSON of DESIGN.md. Used by `cutover diff` and the dashboard. */
#ifndef CUTOVER_REHEARSAL_H
#define CUTOVER_REHEARSAL_H

#include <jansson.h>

#include "diff.h"
#include "workspace.h"

#define REH_CAP 10000

struct reh;

struct reh_events {
    /* a discrepancy; accepted says its carried class is accepted_variance */
    void (*discrepancy)(void *arg, const struct diff_disc *d, json_t *json, int accepted);
    void (*progress)(void *arg, const struct diff_table *t);
    /* a table compared; one with an error voids the discrepancies told before */
    void (*table_done)(void *arg, const struct diff_table *t);
    void (*done)(void *arg, struct reh *r);
    /* a workspace write failed (the message names the workspace and why);
     * without this, the message goes to stderr */
    void (*warning)(void *arg, const char *msg);
    void *arg;
};

/* Opens the two connections a run reads on, its own: a day per statement
 * (one statement reads a whole table), no reconnect (a run that loses a side
 * fails), so a long run neither meets the one-hour limit of the dashboard's
 * connections nor holds up its polls. Connecting goes on in the background;
 * a failure fails the run's first query. -1 with `e` for a bad URL, and
 * nothing left open; reh_disconnect() closes both (and NULLs them). */
int reh_connect(uv_loop_t *loop, const struct plan *p, db_t *db[2], struct err *e);
void reh_disconnect(db_t *db[2]);

/* Starts a run on open connections (borrowed, with the plan and pairing,
 * until done); reads the mapping sheet itself. NULL with `e` on bad input. */
struct reh *reh_start(ws_t *ws, db_t *src, db_t *tgt, const struct plan *p,
                      const struct pairing *pp, const char *src_url, const char *tgt_url,
                      const struct diff_opts *o, const struct reh_events *ev, struct err *e);
/* reh_connect() then reh_start() on those connections, which the run owns:
 * closed when it is done (before ev->done) or freed. What a caller that has
 * no connections of its own to lend calls. */
struct reh *reh_open(uv_loop_t *loop, ws_t *ws, const struct plan *p, const struct pairing *pp,
                     const char *src_url, const char *tgt_url, const struct diff_opts *o,
                     const struct reh_events *ev, struct err *e);
void reh_cancel(struct reh *r);
void reh_free(struct reh *r);

long reh_run(const struct reh *r);
/* After done: why the workspace does not hold all of the run (its first lost
 * write; the run is recorded "incomplete"), or NULL when it does. */
const char *reh_unrecorded(const struct reh *r);
/* After done: the summary object ({"type":"summary", …}); caller decrefs. */
json_t *reh_summary(const struct reh *r);
/* A summary's totals in words: "17 missing, 1 extra, 35 changed", then what
 * else fails it when there is any (", 3 invalid, 2 duplicates, 1 table in
 * error, 1 of 2 checks failed"). Returns buf. */
char *reh_totals(const json_t *summary, char *buf, size_t n);
/* After done: 0 clean (or only accepted variances), 1 found; 3 the run
 * failed (msg says why; "" otherwise) or a database refused a table's or a
 * check's query; 2 a table or check could not be compared as the plan and
 * sheet say (an unknown column, keys that cannot be ordered, a check's value
 * that is no number). 3 before 2. */
int reh_exit(const struct reh *r, const char **msg);
/* While running: the table being compared, or NULL. */
const struct diff_table *reh_current(const struct reh *r);

json_t *reh_discrepancy_json(const struct diff_disc *d);
/* "1 table finding, 2 structural findings" ("" for none). Returns buf. */
char *reh_findings_words(long long table, long long structural, char *buf, size_t n);
/* "users 800/1425 rows (56%), 41000 rows/s, 0.0s left": a table's progress,
 * the rate and the time left estimated from the catalog's count. */
char *reh_progress(const struct diff_table *t, char *buf, size_t n);
/* A count of bytes as people read it: 812 B, 1.2 kB, 120.0 MB. */
char *reh_bytes(uint64_t v, char *buf, size_t n);

#endif
