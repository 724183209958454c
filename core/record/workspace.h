/* ws: the workspace, .cutover/state.db — SQLite in WAL mode, mode 0600,
 * versioned with PRAGMA user_version. It is cutover's own file, written
 * with one transaction per recorded event so it survives kill -9. Writes are
 * small local transactions done on the calling thread.
 *
 * Another process may hold it (a sqlite3 shell, a backup): a write waits
 * 5 s, then fails with a message saying so. A round begun with ws_begin
 * waits 250 ms, and so does, while writes are kept, any other that can be
 * kept but a run's end (it decides a command's exit status). After a
 * ws_begin that failed, the writes up to ws_commit fail at once rather than
 * each waiting. What a run or live monitoring records as it
 * goes (samples, findings, the timeline, run and session ends) is then kept
 * in memory, with the time it happened, and written before the next write,
 * after the next commit, or by ws_close, which waits up to 30 s for it: the
 * record ends up whole, only later. */
#ifndef CUTOVER_WORKSPACE_H
#define CUTOVER_WORKSPACE_H

#include <jansson.h>
#include <stdint.h>

#include "err.h"

typedef struct ws ws_t;

/* The schema version this build writes. */
#define WS_VERSION 9

/* Opens the workspace at `path`, creating it (and its directory, 0700) and
 * upgrading its schema as needed. Refuses a workspace written by a newer
 * cutover. Returns NULL with `e` filled (ERR_INPUT) on failure. */
ws_t *ws_open(const char *path, struct err *e);
void ws_close(ws_t *ws);

int ws_version(ws_t *ws);

/* Appends to the audit log: who (the current user), when (now, UTC), what
 * action on which object, old → new. Returns 0 or -1 with `e` filled. */
int ws_audit(ws_t *ws, const char *action, const char *object, const char *old_value,
             const char *new_value, struct err *e);

/* Number of rows in a workspace table (for tests and reports); -1 on error. */
long ws_count(ws_t *ws, const char *table);

/* One process at a time in a role (the runbook's driver, the hypercare
 * watcher): takes PATH.ROLE-lock (flock: it goes with the process however it
 * ends; close-on-exec, so a child does not keep it). The fd to keep (closing
 * it lets go), -1 when another process holds it, -2 when it cannot be opened
 * (errno says why). */
int ws_take_lock(ws_t *ws, const char *role);

/* Runs. One transaction per recorded event; a round of samples goes
 * between ws_begin() and ws_commit(). A run still "running" when the next one
 * begins is marked "interrupted" if the process that ran it is gone (kill -9,
 * power): a run under way holds a lock until it ends (PATH.runs-lock). */
int ws_begin(ws_t *ws);
int ws_commit(ws_t *ws);
/* Holds the workspace for a decision that reads, then writes (a wave's
 * move): no other process writes in between. ws_hold waits as a write does;
 * ws_release commits (commit = 1) or drops what was written; 0, or -1 with
 * `e` / when the commit failed. */
int ws_hold(ws_t *ws, struct err *e);
int ws_release(ws_t *ws, int commit);
long ws_run_begin(ws_t *ws, const char *kind, const char *source, const char *target,
                  struct err *e);
/* status: done, cancelled, failed (it could not end), or incomplete (it
 * ended, but some of what it found could not be written: note says why).
 * An end that cannot be written (-1, e says why) is kept (see above), `done`
 * then being `incomplete` with e's message for note; until it is written the
 * run stays `running`, held by this process. */
int ws_run_end(ws_t *ws, long run, const char *status, long duration_ms, const char *note,
               struct err *e);
/* Whether the last write failed for want of disk (full, an I/O error): one
 * that waiting will not mend, unlike a lock another process holds. */
int ws_cannot_write(const ws_t *ws);
/* Drops the discrepancies queued and not written yet (a run that stops
 * recording). */
void ws_forget_queue(ws_t *ws);
/* Takes back a run that could not start (a --table naming no table, a
 * malformed sheet): it recorded nothing, so it leaves no trace and never
 * becomes the current rehearsal. -1 with e when it cannot be deleted. */
int ws_run_discard(ws_t *ws, long run, struct err *e);
int ws_record_result(ws_t *ws, long run, const char *kind, const char *object,
                     const char *target_object, long source_rows, long target_rows, long missing,
                     long extra, long changed, const char *source_value,
                     const char *target_value, const char *status, const char *detail,
                     struct err *e);
/* Queues a discrepancy, carrying class, owner and decision over from the
 * latest earlier record of the same (table, kind, key). Returns 1 when that
 * class is accepted_variance, 0 otherwise, -1 on error. The queue is written
 * in one short transaction when it holds 1,000 of them or 1 MB, and by
 * ws_flush(): a run holds no lock on the workspace while it waits on its
 * databases, so other cutover processes write to it meanwhile. */
int ws_queue_discrepancy(ws_t *ws, long run, const char *table, const char *target_table,
                         const char *kind, const char *key_json, const char *target_key_json,
                         const char *fields_json, struct err *e);
/* Writes the queued discrepancies. On error (another process holding the
 * workspace too long) they stay queued for the next flush; ws_close() flushes. */
int ws_flush(ws_t *ws, struct err *e);
/* How many writes are kept, waiting for the workspace (see above). */
size_t ws_kept(const ws_t *ws);
/* A process about to end (before it sums up what it recorded): writes them,
 * waiting up to 30 s for the workspace, saying so on stderr, and why if it
 * could not. NULL or nothing kept: a no-op. */
void ws_settle(ws_t *ws);
/* Forgets a run's discrepancies of one table (one that could not be
 * compared to the end). */
int ws_drop_discrepancies(ws_t *ws, long run, const char *table, struct err *e);
/* Classifies a discrepancy of a run (and so every later one with its key). */
int ws_classify(ws_t *ws, long run, const char *table, const char *kind, const char *key_json,
                const char *klass, const char *owner, const char *decision, struct err *e);
int ws_class_valid(const char *klass);
/* A discrepancy's classes, as the workspace stores them (one list, an
 * X-macro: the names below and the screen's menu come from it). */
#define WS_CLASSES(X)                                                              \
    X(CLASS_MAPPING_DEFECT, "mapping_defect") X(CLASS_TRANSFORMATION_BUG, "transformation_bug") \
    X(CLASS_SOURCE_DATA, "source_data_problem") X(CLASS_SYNC_LAG, "sync_lag")       \
    X(CLASS_HARNESS, "test_harness_error") X(CLASS_ACCEPTED, "accepted_variance")
#define WS_ENUM_(e, name) e,
#define WS_COUNT_(e, name) +1
enum ws_class { WS_CLASSES(WS_ENUM_) };
enum { WS_NCLASSES = 0 WS_CLASSES(WS_COUNT_) };
extern const char *const ws_class_names[WS_NCLASSES];
/* The class that closes a discrepancy without a fix: carried to later runs. */
#define WS_ACCEPTED "accepted_variance"

struct ws_comparison {
    long previous;              /* the previous run's number; 0 when this is the first */
    long fresh, fixed, still_open;
    long duration_ms, previous_duration_ms;
};
/* Compares a run's discrepancies with the previous run's, by (table, kind, key). */
int ws_compare(ws_t *ws, long run, struct ws_comparison *c);
/* Every run, newest last: number, kind, status, started_at, duration_ms, the
 * missing/extra/changed totals of its tables, its open discrepancies (not
 * accepted variances), its tables in error, its checks and those that did not
 * pass, and for a run that ended its result: pass or fail. Caller decrefs. */
json_t *ws_runs_json(ws_t *ws);
/* The newest run that is done and began at `since` or later (times as the
 * workspace writes them), as one of ws_runs_json's, or NULL. */
json_t *ws_last_done_run_json(ws_t *ws, const char *since);
/* A run's table and check results: kind, object, target_object, source_rows,
 * target_rows, missing, extra, changed, source_value, target_value, status,
 * detail. Caller decrefs. */
json_t *ws_results_json(ws_t *ws, long run);
/* A run's recorded discrepancies (at most `limit`, structural findings
 * first): tbl, target_tbl, kind, key (the JSON text), fields (JSON text or
 * null: a row's fields, or a structural finding's detail, an object), class,
 * owner, decision. */
json_t *ws_discrepancies_json(ws_t *ws, long run, long limit);
/* --- the runs as typed records, for the screen (JSON is made at the edges:
 * the command line, reports) ---------------------------------------------- */

/* One run, as ws_runs_json tells it. */
struct ws_run_rec {
    long run, previous;         /* previous: the run it is compared with, 0 none */
    char kind[80], status[16], started_at[40];
    long long duration_ms, missing, extra, changed, open, tables, errors, checks, failed_checks;
    int compared;               /* its tables were compared (not cancelled, not refused) */
    const char *result;         /* "pass" or "fail" once it ended, else NULL (static) */
    char *note;                 /* why it failed or was refused, or NULL */
};
/* Every run, newest last (or only the newest done since `since`, as
 * ws_last_done_run_json). The count, or -1. */
long ws_runs_read(ws_t *ws, const char *since, struct ws_run_rec **out);
void ws_runs_free(struct ws_run_rec *v, long n);

/* One table's or check's result in a run. Strings are "" when not set. */
struct ws_result_rec {
    int check;                  /* a business check; else a table pair */
    char *object, *target_object, *status, *detail;
    char *source_value, *target_value;  /* a check's values; NULL: no row */
    long long source_rows, target_rows, missing, extra, changed;
};
/* A run's results, its tables then its checks. The count, or -1. */
long ws_results_read(ws_t *ws, long run, struct ws_result_rec **out);
void ws_results_free(struct ws_result_rec *v, long n);

/* One field that differs, as the diff recorded it: the values as JSON text
 * ("\"a@x.io\"", "12", "null"). */
struct ws_disc_field {
    char *source, *target, *source_value, *target_value;
};
/* One discrepancy of a run. Strings are "" when not set. */
struct ws_disc_rec {
    char *table, *target_table, *kind;
    char *key_json, *target_key_json;   /* the key as recorded (target_key: "" if the same) */
    char *key_text;             /* the key for people: id=42,code="A" */
    int row_hash;               /* a table without a key: the key is the row's hash, so the
                                 * row cannot be read again by it */
    char *klass, *owner, *note;
    struct ws_disc_field *fields;
    size_t nfields;
    /* a structural finding (orphan, fk_missing …): what it says, its sampled
     * rows ("id=19, id=20"; "" if none); NULL for a row's discrepancy */
    char *message, *sample;
};
/* A run's discrepancies of `table` (NULL: all), at most `limit`, in the order
 * found. The count, or -1. */
long ws_discs_read(ws_t *ws, long run, const char *table, long limit, struct ws_disc_rec **out);
void ws_discs_free(struct ws_disc_rec *v, long n);

/* Appends to the runbook log, the cutover's timeline (one transaction; kept
 * when it cannot be written, as the writes below marked "kept"). */
int ws_runbook_event(ws_t *ws, const char *step, const char *event, const char *user,
                     long exit_status, long duration_ms, const char *output, struct err *e);
/* Live monitoring: a session (kind hypercare, from `cutover watch`, or
 * dashboard) with its samples (side source, target or both; one metric
 * each) and the findings of incremental validation, each in its own
 * transaction unless batched. A hypercare session lasts `duration_ms` from
 * its start, across restarts: it ends completed (with a summary) or is left
 * running (kill -9) or interrupted (a signal), and is then resumed. */
struct ws_session {
    long id;
    char started_at[40];
    int64_t started_ms, duration_ms;    /* epoch milliseconds; its planned length */
    int64_t last_sample_ms;             /* 0: none yet */
    int64_t now_ms;                     /* the workspace's clock when it was read */
};
long ws_session_begin(ws_t *ws, const char *kind, long interval_ms, long duration_ms,
                      struct err *e);
/* "T+13:22:05 of 72h": where the session is now. */
char *ws_session_clock(const struct ws_session *s, char *buf, size_t n);
/* The latest session of `kind` that has not completed nor run past its end:
 * 1 and `s` filled, 0 none, -1 on error. */
int ws_session_open(ws_t *ws, const char *kind, struct ws_session *s);
/* Both kept (see above). */
int ws_session_resume(ws_t *ws, long session, struct err *e);
int ws_session_end(ws_t *ws, long session, const char *status, const char *summary,
                   struct err *e);
/* The hypercare sessions, oldest first: session, kind, status, started_at,
 * ended_at, interval_ms, duration_ms, user, summary (JSON text or null). */
json_t *ws_sessions_json(ws_t *ws);
/* The recorded history of one signal (side, object, metric) of a session,
 * oldest first: the 5-minute buckets ws_compact folded (n values, their min,
 * max and sum), then the last hour's samples one by one (n 1, not folded).
 * Returns how many, -1 if the workspace cannot be read. */
struct ws_history {
    int64_t at_ms;
    long n;
    double min, max, sum;
    int folded;
};
int ws_session_history(ws_t *ws, long session, const char *side, const char *object,
                       const char *metric, void (*cb)(const struct ws_history *h, void *arg),
                       void *arg);
/* polls, failed, tables, first_sample, last_sample and findings (tbl, kind,
 * n) of a session, from what it recorded. Caller decrefs. */
json_t *ws_session_summary(ws_t *ws, long session);
/* … of session `s` as it completes: with its session, started_at and
 * duration_ms, the summary both cutover watch and the dashboard record. */
json_t *ws_session_final(ws_t *ws, const struct ws_session *s);
/* Kept (see above). */
int ws_sample(ws_t *ws, long session, const char *side, const char *object, const char *metric,
              double value, int estimated, struct err *e);
/* Acceptance and decommission sign-offs (acceptance.h), appended with the
 * current user; ws_signoffs_json lists them oldest first: at, kind, item,
 * status, user, note. */
/* A phased migration's waves (DESIGN.md, "Waves"): each state a wave takes
 * (moving, moved, rolled_back) with its time, user and note; a wave with
 * none is planned. ws_wave_state fills `out` with the latest (state
 * "planned" and empty strings when none); 0, or -1. */
struct ws_wave_rec {
    char state[16], at[40], user[64], note[512];
};
int ws_wave_event(ws_t *ws, const char *wave, const char *state, const char *note,
                  struct err *e);
int ws_wave_state(ws_t *ws, const char *wave, struct ws_wave_rec *out);
/* The wave's log, oldest first: at, state, user, note. */
json_t *ws_wave_log_json(ws_t *ws, const char *wave);
/* A stray write or drift (stray.h) as a live finding (ws_finding), its
 * fields {wave, side, at}; one already recorded (a session resumed reads
 * from the switch again) is not recorded twice. */
int ws_wave_finding(ws_t *ws, long session, const char *table, const char *target_table,
                    const char *kind, const char *key_json, const char *fields_json,
                    const char *since, const char *at, struct err *e);
/* The wave's stray writes and drift over every session: {stray_write,
 * drift, sample: [{kind, table, key, side, at}] (the first 10)}. */
json_t *ws_wave_findings_json(ws_t *ws, const char *wave);

int ws_signoff(ws_t *ws, const char *kind, const char *item, const char *status,
               const char *note, struct err *e);
json_t *ws_signoffs_json(ws_t *ws);
/* Folds a session's samples from before `before_ms` (a multiple of 5
 * minutes) into 5-minute buckets (n, min, max, sum, first and last time):
 * the workspace keeps the last hour at full resolution and grows by a few
 * rows per signal per 5 minutes, however often it is polled. */
int ws_compact(ws_t *ws, long session, int64_t before_ms, struct err *e);
/* One signal of a session over its whole length, oldest first: its last
 * hour (before its last sample) round by round, the rest in 5-minute
 * buckets; t (the round's time, or the bucket's start), min, max, avg,
 * across its objects (object NULL) or of one. Caller decrefs. */
json_t *ws_series_json(ws_t *ws, long session, const char *metric, const char *object);
/* Kept (see above). */
int ws_finding(ws_t *ws, long session, const char *table, const char *target_table,
               const char *kind, const char *key_json, const char *fields_json,
               const char *window_from, const char *window_to, struct err *e);
/* A database went down (with why) or came back: onto the timeline. */
int ws_connection_event(ws_t *ws, const char *side, int up, const char *error, struct err *e);
/* Hypercare alerts: opened with a level (warning, critical), changed
 * (escalated, or closed with close = 1), acknowledged by the current user
 * with a note. ws_alerts_json lists a session's (0: every session's), or
 * only those still open, oldest first: id, at, session, metric, level, value,
 * threshold, message, closed_at, acknowledged_by, acknowledged_at, note. */
long ws_alert_open(ws_t *ws, long session, const char *metric, const char *level, double value,
                   double threshold, const char *message, struct err *e);
int ws_alert_change(ws_t *ws, long id, const char *level, double value, double threshold,
                    const char *message, int close, struct err *e);
int ws_alert_ack(ws_t *ws, long id, const char *note, struct err *e);
json_t *ws_alerts_json(ws_t *ws, long session, int open_only);
/* One alert, as ws_alerts_json tells it. Strings are "" when not set, but
 * acknowledged_by, acknowledged_at and note are NULL until acknowledged. */
struct ws_alert_rec {
    long id, session;
    char *at, *metric, *level, *message, *closed_at;
    double value, threshold;
    char *acknowledged_by, *acknowledged_at, *note;
};
/* The alerts ws_alerts_json lists, as records. The count, or -1. */
long ws_alerts_read(ws_t *ws, long session, int open_only, struct ws_alert_rec **out);
void ws_alerts_free(struct ws_alert_rec *v, long n);
/* The id of the runbook log's newest event (0: none). */
long ws_runbook_last(ws_t *ws);
/* One event of the runbook log, as ws_runbook_each gives it (valid during the call). */
struct ws_rb_event {
    long id;
    const char *at, *step, *event, *user, *output;    /* user, output: "" when none */
    long exit_status, duration_ms;
};
/* The runbook log after event `after`, oldest first, each event to fn until
 * fn returns non-zero; `with_output` includes the events that carry command
 * output. Returns what fn last returned (0: all were read), -1 if the log
 * cannot be read. Memory: one event at a time, whatever the log's size. */
int ws_runbook_each(ws_t *ws, long after, int with_output,
                    int (*fn)(void *arg, const struct ws_rb_event *ev), void *arg);
/* The runbook log's last `last` events (0: all) without command output,
 * oldest first, as ws_runbook_each gives them: the timeline. */
int ws_runbook_tail(ws_t *ws, long last, int (*fn)(void *arg, const struct ws_rb_event *ev),
                    void *arg);
/* The runbook log after event `after` (0: all), oldest first: id, at, step,
 * event, user, exit_status, duration_ms, output; `with_output` includes the
 * events that carry command output. Caller decrefs. */
json_t *ws_runbook_json(ws_t *ws, int with_output, long after);

#endif
