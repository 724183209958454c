/* ws_runs: runs, their results and their discrepancies (queued, classified,
 * compared run against run), and the runs as JSON. */
#include "config.h"
#include "workspace.h"
#include "ws_int.h"
#include "util.h"

#include <errno.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

static int runs_lock(int fd, int cmd, short type, long run);

/* Makes the kept writes, oldest first, in one transaction. One the
 * workspace refuses for good (not for a lock, a full disk or an I/O error) is
 * dropped rather than holding back the rest. */
int ws__replay(ws_t *ws, struct err *e, const char *what)
{
    size_t done = 0;
    int rc = 0;

    if (ws->replaying || !ws->nkept || !sqlite3_get_autocommit(ws->db))
        return 0;
    if (ws__begin_immediate(ws, e, what) < 0)
        return -1;
    ws->replaying = 1;
    for (; done < ws->nkept; done++) {
        struct kept *k = &ws->kept[done];
        ws->now = k->at;
        rc = ws__run_sql(ws, e, NULL, what, k->sql, k->args, k->nargs);
        ws->now = NULL;
        if (rc < 0) {
            int code = sqlite3_errcode(ws->db);
            if (code == SQLITE_BUSY || code == SQLITE_FULL || code == SQLITE_IOERR)
                break;
            rc = 0;
        }
    }
    ws->replaying = 0;
    if (sqlite3_exec(ws->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        rc = ws__fail(ws, e, what);
        sqlite3_exec(ws->db, "ROLLBACK", NULL, NULL, NULL);
        return rc;
    }
    for (size_t i = 0; i < done; i++) {
        if (ws->kept[i].unlock_run && ws->runs_fd >= 0)
            runs_lock(ws->runs_fd, F_OFD_SETLK, F_UNLCK, ws->kept[i].unlock_run);
        ws__kept_free(&ws->kept[i]);
    }
    memmove(ws->kept, ws->kept + done, (ws->nkept - done) * sizeof *ws->kept);
    ws->nkept -= done;
    return rc;
}

size_t ws_kept(const ws_t *ws)
{
    return ws->nkept;
}

void ws_settle(ws_t *ws)
{
    struct err e = { 0 };

    if (!ws || !ws->nkept)
        return;
    fprintf(stderr, "cutover: waiting up to %d s for the workspace to take the %zu writes kept\n",
            CLOSE_BUSY_MS / 1000, ws->nkept);
    ws->skip = 0;
    ws__set_busy(ws, CLOSE_BUSY_MS);
    if (ws__replay(ws, &e, "cannot record") < 0)
        fprintf(stderr, "cutover: warning: %s\n", e.msg);
    ws__set_busy(ws, BUSY_MS);
}

/* A run under way holds a lock on its byte of PATH.runs-lock: an open file
 * description lock, so it goes with the process however it ends, and two
 * runs of one process (the dashboard's rehearsal and a runbook gate) are each
 * seen by the other. The next run tells a run still going from one a crash
 * left `running` by it. */
static int runs_lock(int fd, int cmd, short type, long run)
{
    struct flock l = { .l_type = type, .l_whence = SEEK_SET, .l_start = run, .l_len = 1 };

    if (fcntl(fd, cmd, &l) < 0)
        return -1;
    return cmd == F_OFD_GETLK ? l.l_type != F_UNLCK : 0;
}

/* Marks the runs left `running` by a process that is gone `interrupted`; a
 * fresh description asks, so this process's own runs count as held too. */
static int mark_interrupted(ws_t *ws)
{
    int fd = ws__open_lock(ws, "runs"), rc = 0;
    long *ids = NULL;
    size_t n = 0, cap = 0;
    sqlite3_stmt *st;

    if (sqlite3_prepare_v2(ws->db, "SELECT id FROM runs WHERE status = 'running'", -1, &st,
                           NULL) != SQLITE_OK)
        rc = -1;
    while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
        ids = xgrow(ids, &cap, n + 1, sizeof *ids);
        ids[n++] = (long)sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    for (size_t i = 0; i < n && rc == 0; i++)
        if (fd < 0 || runs_lock(fd, F_OFD_GETLK, F_WRLCK, ids[i]) == 0)
            rc = ws__exec_bind(ws, &(struct err){ 0 }, "UPDATE runs SET status = 'interrupted' "
                           "WHERE id = ?", "i", ids[i]);
    free(ids);
    if (fd >= 0)
        close(fd);
    return rc;
}

long ws_run_begin(ws_t *ws, const char *kind, const char *source, const char *target,
                  struct err *e)
{
    long run;

    if (ws->runs_fd < 0 && (ws->runs_fd = ws__open_lock(ws, "runs")) < 0) {
        err_set(e, ERR_INPUT, "%s.runs-lock: cannot open it: %s", ws->path, strerror(errno));
        return -1;
    }
    /* one transaction: another process's run begins before or after, held */
    if (ws__begin_immediate(ws, e, "cannot record the run") < 0)
        return -1;
    if (mark_interrupted(ws) < 0) {
        ws__fail(ws, e, "cannot record the run");
        goto bad;
    }
    if (ws__exec_bind(ws, e, "INSERT INTO runs (kind, status, started_at, source_url, target_url, "
                  "user) VALUES (?, 'running', cutover_now(), ?, ?, ?)",
                  "tttt", kind, source, target, user_name()) < 0)
        goto bad;
    run = (long)sqlite3_last_insert_rowid(ws->db);
    if (runs_lock(ws->runs_fd, F_OFD_SETLK, F_WRLCK, run) < 0) {
        err_set(e, ERR_INPUT, "%s.runs-lock: cannot lock run %ld's byte: %s", ws->path, run,
                strerror(errno));
        goto bad;
    }
    if (ws_commit(ws) < 0) {
        ws__fail(ws, e, "cannot record the run");
        runs_lock(ws->runs_fd, F_OFD_SETLK, F_UNLCK, run);
        goto bad;
    }
    return run;
bad:
    sqlite3_exec(ws->db, "ROLLBACK", NULL, NULL, NULL);
    return -1;
}

int ws_drop_discrepancies(ws_t *ws, long run, const char *table, struct err *e)
{
    size_t kept = 0;

    for (size_t i = 0; i < ws->nqueued; i++) {
        struct queued *q = &ws->queue[i];
        if (q->run == run && !strcmp(q->v[0], table))
            ws->qbytes -= ws__unqueue(q);
        else
            ws->queue[kept++] = *q;
    }
    ws->nqueued = kept;
    return ws__exec_bind(ws, e, "DELETE FROM discrepancies WHERE run_id = ? AND tbl = ?", "it", run,
                     table);
}

#define RUN_END "UPDATE runs SET status = ?, duration_ms = ?, note = ?, finished_at = " \
    "cutover_now() WHERE id = ?"

int ws_run_end(ws_t *ws, long run, const char *status, long duration_ms, const char *note,
               struct err *e)
{
    struct arg a[] = { { 't', .t = status }, { 'i', .i = duration_ms }, { 't', .t = note },
                       { 'i', .i = run } };
    char at[32];

    clock_iso(at, sizeof at);
    if (ws__exec_args(ws, e, NULL, "cannot record", RUN_END, a, 4) == 0) {
        if (ws->runs_fd >= 0)  /* not before: a run still `running` stays held */
            runs_lock(ws->runs_fd, F_OFD_SETLK, F_UNLCK, run);
        return 0;
    }
    /* a run done is recorded incomplete: its record was not whole when it ended */
    a[0].t = strcmp(status, "done") ? status : "incomplete";
    a[2].t = note ? note : e->msg;
    ws__keep(ws, e, at, RUN_END, a, 4, run);
    return -1;
}

int ws_run_discard(ws_t *ws, long run, struct err *e)
{
    if (ws__exec_bind(ws, e, "DELETE FROM runs WHERE id = ? AND status = 'running' AND NOT EXISTS "
                  "(SELECT 1 FROM results WHERE run_id = runs.id) AND NOT EXISTS "
                  "(SELECT 1 FROM discrepancies WHERE run_id = runs.id)", "i", run) < 0)
        return -1;
    if (ws->runs_fd >= 0)
        runs_lock(ws->runs_fd, F_OFD_SETLK, F_UNLCK, run);
    return 0;
}

int ws_record_result(ws_t *ws, long run, const char *kind, const char *object,
                     const char *target_object, long source_rows, long target_rows, long missing,
                     long extra, long changed, const char *source_value,
                     const char *target_value, const char *status, const char *detail,
                     struct err *e)
{
    return ws__exec_bind(ws, e, "INSERT INTO results (run_id, object, target_object, kind, "
                     "source_rows, target_rows, missing, extra, changed, source_value, "
                     "target_value, status, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     "itttiiiiitttt", run, object, target_object, kind, source_rows,
                     target_rows, missing, extra, changed, source_value, target_value, status,
                     detail);
}

#define NAME_(e, name) [e] = name,
const char *const ws_class_names[WS_NCLASSES] = { WS_CLASSES(NAME_) };
#undef NAME_

int ws_class_valid(const char *klass)
{
    for (size_t i = 0; i < WS_NCLASSES; i++)
        if (!strcmp(klass, ws_class_names[i]))
            return 1;
    return 0;
}

int ws_queue_discrepancy(ws_t *ws, long run, const char *table, const char *target_table,
                         const char *kind, const char *key_json, const char *target_key_json,
                         const char *fields_json, struct err *e)
{
    const char *in[6] = { table, target_table, kind, key_json, target_key_json, fields_json };
    struct queued *q;
    sqlite3_stmt *st;
    int accepted;

    if (!ws->carry &&
        sqlite3_prepare_v3(ws->db, "SELECT class, owner, decision FROM discrepancies WHERE "
                           "tbl = ? AND kind = ? AND key_json = ? AND (class IS NOT NULL OR "
                           "owner IS NOT NULL OR decision IS NOT NULL) ORDER BY run_id DESC "
                           "LIMIT 1", -1, SQLITE_PREPARE_PERSISTENT, &ws->carry, NULL) !=
            SQLITE_OK)
        return ws__fail(ws, e, "cannot read earlier discrepancies");
    ws->queue = xgrow(ws->queue, &ws->qcap, ws->nqueued + 1, sizeof *ws->queue);
    q = &ws->queue[ws->nqueued++];
    q->run = run;
    for (int i = 0; i < 6; i++) {
        q->v[i] = in[i] ? xstrdup(in[i]) : NULL;
        ws->qbytes += in[i] ? strlen(in[i]) : 0;
    }
    q->v[6] = q->v[7] = q->v[8] = NULL;
    st = ws->carry;
    sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, key_json, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        for (int i = 0; i < 3; i++) {
            const char *v = (const char *)sqlite3_column_text(st, i);
            q->v[6 + i] = v ? xstrdup(v) : NULL;
        }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);  /* they pointed at the caller's strings */
    accepted = q->v[6] && !strcmp(q->v[6], WS_ACCEPTED);
    if (ws->nqueued >= QUEUE_ROWS || ws->qbytes >= QUEUE_BYTES)
        return ws_flush(ws, e) < 0 ? -1 : accepted;
    return accepted;
}

int ws_flush(ws_t *ws, struct err *e)
{
    size_t i;

    if (!ws->nqueued)
        return 0;
    if (ws__begin_immediate(ws, e, "cannot record the discrepancies") < 0)
        return -1;
    for (i = 0; i < ws->nqueued; i++) {
        struct queued *q = &ws->queue[i];
        if (ws__exec_kept(ws, e, &ws->put_disc, "INSERT INTO discrepancies (run_id, tbl, "
                      "target_tbl, kind, key_json, target_key_json, fields_json, class, owner, "
                      "decision) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", "ittttttttt", q->run,
                      q->v[0], q->v[1], q->v[2], q->v[3], q->v[4], q->v[5], q->v[6], q->v[7],
                      q->v[8]) < 0)
            break;
    }
    if (i < ws->nqueued || ws_commit(ws) < 0) {
        if (i == ws->nqueued)
            ws__fail(ws, e, "cannot record the discrepancies");
        sqlite3_exec(ws->db, "ROLLBACK", NULL, NULL, NULL);
        return -1;  /* kept queued: the next flush tries again */
    }
    for (i = 0; i < ws->nqueued; i++)
        ws__unqueue(&ws->queue[i]);
    ws->nqueued = ws->qbytes = 0;
    return 0;
}

int ws_classify(ws_t *ws, long run, const char *table, const char *kind, const char *key_json,
                const char *klass, const char *owner, const char *decision, struct err *e)
{
    if (klass && !ws_class_valid(klass))
        return err_set(e, ERR_INPUT, "class '%s': expected mapping_defect, transformation_bug, "
                       "source_data_problem, sync_lag, test_harness_error or accepted_variance",
                       klass);
    return ws__exec_bind(ws, e, "UPDATE discrepancies SET class = coalesce(?, class), owner = "
                     "coalesce(?, owner), decision = coalesce(?, decision) WHERE run_id = ? AND "
                     "tbl = ? AND kind = ? AND key_json = ?", "tttittt", klass, owner, decision,
                     run, table, kind, key_json);
}

long ws__scalar(ws_t *ws, const char *sql, long a, long b)
{
    sqlite3_stmt *st;
    long v = 0;

    if (sqlite3_prepare_v2(ws->db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_int64(st, 1, a);
    sqlite3_bind_int64(st, 2, b);
    if (sqlite3_step(st) == SQLITE_ROW)
        v = (long)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* run ?1's discrepancies that run ?2 does not have */
#define IN_NOT_IN \
    "SELECT count(*) FROM discrepancies a WHERE a.run_id = ?1 AND NOT EXISTS (SELECT 1 FROM " \
    "discrepancies b WHERE b.run_id = ?2 AND b.tbl = a.tbl AND b.kind = a.kind AND " \
    "b.key_json = a.key_json)"

/* a.tbl is a table runs `x` and `y` both compared to the end */
#define TABLE_COMPARED(run) \
    "EXISTS (SELECT 1 FROM results r WHERE r.run_id = " run " AND r.kind = 'table' AND " \
    "r.object = a.tbl AND r.status NOT IN ('error', 'not_validated'))"
#define BOTH_COMPARED(x, y) TABLE_COMPARED(x) " AND " TABLE_COMPARED(y)

int ws_compare(ws_t *ws, long run, struct ws_comparison *c)
{
    memset(c, 0, sizeof *c);
    c->previous = ws__scalar(ws, "SELECT " PREVIOUS_RUN("?1") " WHERE ?2 = ?2", run, 0);
    c->duration_ms = ws__scalar(ws, "SELECT coalesce(duration_ms, 0) FROM runs WHERE id = ?1 AND "
                            "?2 = ?2", run, 0);
    if (c->previous <= 0)
        return 0;
    c->previous_duration_ms = ws__scalar(ws, "SELECT coalesce(duration_ms, 0) FROM runs WHERE id = "
                                     "?1 AND ?2 = ?2", c->previous, 0);
    /* only the tables both runs compared to the end count (not one left out
     * with --table, nor one that failed): new in them, fixed in them … */
    c->fresh = ws__scalar(ws, IN_NOT_IN " AND " BOTH_COMPARED("?2", "?1"), run, c->previous);
    c->fixed = ws__scalar(ws, IN_NOT_IN " AND " BOTH_COMPARED("?2", "?1"), c->previous, run);
    /* … and still open: in both */
    c->still_open = ws__scalar(ws, "SELECT count(*) FROM discrepancies a WHERE a.run_id = ?1 AND "
                           "EXISTS (SELECT 1 FROM discrepancies b WHERE b.run_id = ?2 AND "
                           "b.tbl = a.tbl AND b.kind = a.kind AND b.key_json = a.key_json)",
                           run, c->previous);
    return 0;
}

/* Every run, oldest first; with `since`, only the newest that is done and
 * began since then. */
static json_t *runs_json(ws_t *ws, const char *since)
{
    json_t *runs = json_array();
    struct ws_run_rec *v;
    long n = ws_runs_read(ws, since, &v);

    for (long i = 0; i < n; i++)
        json_array_append_new(runs, json_pack("{s:I, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I,"
                                              " s:o, s:b, s:I, s:I, s:I, s:o, s:o}",
            "run", (json_int_t)v[i].run, "kind", v[i].kind, "status", v[i].status,
            "started_at", v[i].started_at, "duration_ms", (json_int_t)v[i].duration_ms,
            "missing", (json_int_t)v[i].missing, "extra", (json_int_t)v[i].extra,
            "changed", (json_int_t)v[i].changed, "open", (json_int_t)v[i].open,
            "tables", (json_int_t)v[i].tables,
            "previous", v[i].previous ? json_integer(v[i].previous) : json_null(),
            "compared", v[i].compared, "errors", (json_int_t)v[i].errors,
            "checks", (json_int_t)v[i].checks, "failed_checks", (json_int_t)v[i].failed_checks,
            "result", v[i].result ? json_string(v[i].result) : json_null(),
            "note", v[i].note ? json_string(v[i].note) : json_null()));
    ws_runs_free(v, n);
    return runs;
}

json_t *ws_runs_json(ws_t *ws)
{
    return runs_json(ws, NULL);
}

json_t *ws_last_done_run_json(ws_t *ws, const char *since)
{
    json_t *runs = runs_json(ws, since), *last = json_incref(json_array_get(runs, 0));

    json_decref(runs);
    return last;
}

/* Rows of a query as JSON objects named by its columns (integers stay numbers). */
json_t *ws__rows_json(ws_t *ws, const char *sql, long a, long b)
{
    json_t *all = json_array();
    sqlite3_stmt *st;

    if (sqlite3_prepare_v2(ws->db, sql, -1, &st, NULL) != SQLITE_OK)
        return all;
    sqlite3_bind_int64(st, 1, a);
    sqlite3_bind_int64(st, 2, b);
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_t *o = json_object();
        for (int c = 0; c < sqlite3_column_count(st); c++) {
            const char *name = sqlite3_column_name(st, c);
            switch (sqlite3_column_type(st, c)) {
            case SQLITE_NULL: json_object_set_new(o, name, json_null()); break;
            case SQLITE_INTEGER:
                json_object_set_new(o, name, json_integer(sqlite3_column_int64(st, c)));
                break;
            case SQLITE_FLOAT:
                json_object_set_new(o, name, json_real(sqlite3_column_double(st, c)));
                break;
            default:
                json_object_set_new(o, name, json_string((const char *)sqlite3_column_text(st, c)));
                break;
            }
        }
        json_array_append_new(all, o);
    }
    sqlite3_finalize(st);
    return all;
}

json_t *ws_results_json(ws_t *ws, long run)
{
    return ws__rows_json(ws, "SELECT kind, object, target_object, source_rows, target_rows, missing,"
                     " extra, changed, source_value, target_value, status, detail FROM results"
                     " WHERE run_id = ?1 AND ?2 = ?2 ORDER BY kind DESC, rowid", run, 0);
}

json_t *ws_discrepancies_json(ws_t *ws, long run, long limit)
{
    return ws__rows_json(ws, "SELECT tbl, target_tbl, kind, key_json AS key,"
                     " target_key_json AS target_key, fields_json AS fields,"
                     " class, owner, decision FROM discrepancies WHERE run_id = ?1"
                     /* structural findings first: one per constraint, never cut off */
                     " ORDER BY coalesce(fields_json LIKE '{%', 0) DESC, id LIMIT ?2", run, limit);
}
