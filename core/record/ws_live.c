/* ws_live: the runbook's log, hypercare sessions and their samples and
 * history, findings, connection events, alerts, sign-offs. */
#include "config.h"
#include "workspace.h"
#include "ws_int.h"
#include "util.h"

#include <string.h>

int ws_runbook_event(ws_t *ws, const char *step, const char *event, const char *user,
                     long exit_status, long duration_ms, const char *output, struct err *e)
{
    return ws__exec_keep(ws, e, "INSERT INTO runbook_log (at, step, event, user, exit_status, "
                     "duration_ms, output) VALUES (cutover_now(), ?, ?, "
                     "?, ?, ?, ?)", "tttiit", step, event, user, exit_status, duration_ms, output);
}

long ws_session_begin(ws_t *ws, const char *kind, long interval_ms, long duration_ms,
                      struct err *e)
{
    if (ws__exec_bind(ws, e, "INSERT INTO sessions (kind, status, started_at, interval_ms, "
                  "duration_ms, user) VALUES (?, 'running', cutover_now(), ?, ?, ?)", "tiit", kind, interval_ms, duration_ms, user_name()) < 0)
        return -1;
    return (long)sqlite3_last_insert_rowid(ws->db);
}

int ws_session_resume(ws_t *ws, long session, struct err *e)
{
    return ws__exec_keep(ws, e, "UPDATE sessions SET status = 'running', ended_at = NULL "
                     "WHERE id = ?", "i", session);
}

int ws_session_end(ws_t *ws, long session, const char *status, const char *summary,
                   struct err *e)
{
    return ws__exec_keep(ws, e, "UPDATE sessions SET status = ?, summary = ?, ended_at = "
                     "cutover_now() WHERE id = ?", "tti", status, summary, session);
}

#define EPOCH_MS(col) "CAST(round((julianday(" col ") - 2440587.5) * 86400000) AS INTEGER)"

int ws_session_open(ws_t *ws, const char *kind, struct ws_session *out)
{
    sqlite3_stmt *st;
    int rc = 0;

    memset(out, 0, sizeof *out);
    if (sqlite3_prepare_v2(ws->db,
            "SELECT id, started_at, " EPOCH_MS("started_at") ", duration_ms, "
            "(SELECT " EPOCH_MS("max(at)") " FROM samples WHERE session = sessions.id), "
            EPOCH_MS("cutover_now()") " FROM sessions WHERE kind = ? AND status <> 'completed' "
            "AND duration_ms > 0 ORDER BY id DESC LIMIT 1", -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, kind, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) == SQLITE_ROW) {
        out->id = sqlite3_column_int64(st, 0);
        snprintf(out->started_at, sizeof out->started_at, "%s", sqlite3_column_text(st, 1));
        out->started_ms = sqlite3_column_int64(st, 2);
        out->duration_ms = sqlite3_column_int64(st, 3);
        out->last_sample_ms = sqlite3_column_int64(st, 4);
        out->now_ms = sqlite3_column_int64(st, 5);
        rc = out->started_ms + out->duration_ms > out->now_ms;  /* not over yet */
    }
    sqlite3_finalize(st);
    return rc;
}

json_t *ws_sessions_json(ws_t *ws)
{
    return ws__rows_json(ws, "SELECT id AS session, kind, status, started_at, ended_at, interval_ms,"
                     " duration_ms, user, summary FROM sessions WHERE kind <> 'dashboard'"
                     " AND ?1 = ?1 AND ?2 = ?2 ORDER BY id", 0, 0);
}

/* A session's samples, those folded into buckets included, as (side, metric,
 * object, first_at, last_at, n, min, max, sum, folded). */
#define ALL_SAMPLES \
    "(SELECT side, metric, object, at AS first_at, at AS last_at, 1 AS n, value AS min, " \
    "value AS max, value AS sum, 0 AS folded FROM samples WHERE session = ?1 UNION ALL " \
    "SELECT side, metric, object, first_at, last_at, n, min, max, sum, 1 FROM sample_buckets " \
    "WHERE session = ?1)"

char *ws_session_clock(const struct ws_session *s, char *buf, size_t n)
{
    char t[32], d[32];

    snprintf(buf, n, "T+%s of %s", dur_clock(wall_ms() - s->started_ms, t, sizeof t),
             dur_format(s->duration_ms, d, sizeof d));
    return buf;
}

int ws_session_history(ws_t *ws, long session, const char *side, const char *object,
                       const char *metric, void (*cb)(const struct ws_history *h, void *arg),
                       void *arg)
{
    sqlite3_stmt *st;
    int n = 0;

    if (sqlite3_prepare_v2(ws->db, "SELECT " EPOCH_MS("first_at") ", n, min, max, sum, folded "
                           "FROM " ALL_SAMPLES " WHERE side = ?2 AND object = ?3 AND "
                           "metric = ?4 ORDER BY first_at, folded DESC", -1, &st, NULL) !=
            SQLITE_OK)
        return -1;
    sqlite3_bind_int64(st, 1, session);
    sqlite3_bind_text(st, 2, side, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, object, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, metric, -1, SQLITE_TRANSIENT);
    for (; sqlite3_step(st) == SQLITE_ROW; n++)
        cb(&(struct ws_history){ sqlite3_column_int64(st, 0), (long)sqlite3_column_int64(st, 1),
                                 sqlite3_column_double(st, 2), sqlite3_column_double(st, 3),
                                 sqlite3_column_double(st, 4), sqlite3_column_int(st, 5) }, arg);
    sqlite3_finalize(st);
    return n;
}

json_t *ws_session_final(ws_t *ws, const struct ws_session *s)
{
    json_t *sum = ws_session_summary(ws, s->id);

    json_object_set_new(sum, "session", json_integer(s->id));
    json_object_set_new(sum, "started_at", json_string(s->started_at));
    json_object_set_new(sum, "duration_ms", json_integer(s->duration_ms));
    return sum;
}

json_t *ws_session_summary(ws_t *ws, long session)
{
    json_t *sum = json_object(), *totals, *findings;

    totals = ws__rows_json(ws, "SELECT coalesce(sum(n) FILTER (WHERE metric IN ('rows', 'error')), 0)"
                       " AS polls, coalesce(sum(n) FILTER (WHERE metric = 'error'), 0) AS failed,"
                       " count(DISTINCT object) FILTER (WHERE metric = 'rows') AS tables,"
                       " min(first_at) AS first_sample, max(last_at) AS last_sample FROM "
                       ALL_SAMPLES " WHERE ?2 = ?2", session, 0);
    findings = ws__rows_json(ws, "SELECT tbl, kind, count(*) AS n FROM live_findings "
                         "WHERE session = ?1 AND ?2 = ?2 GROUP BY tbl, kind ORDER BY tbl, kind",
                         session, 0);
    json_object_update(sum, json_array_get(totals, 0));
    json_object_set_new(sum, "findings", findings);
    json_decref(totals);
    return sum;
}

#define SAMPLE "INSERT INTO samples (at, session, side, object, metric, value, estimated) " \
    "VALUES (cutover_now(), ?, ?, ?, ?, ?, ?)"

int ws_sample(ws_t *ws, long session, const char *side, const char *object, const char *metric,
              double value, int estimated, struct err *e)
{
    struct arg a[] = { { 'i', .i = session }, { 't', .t = side }, { 't', .t = object },
                       { 't', .t = metric }, { 'r', .r = value }, { 'i', .i = estimated } };

    return ws__exec_or_keep(ws, e, &ws->put_sample, SAMPLE, a, 6);
}

int ws_signoff(ws_t *ws, const char *kind, const char *item, const char *status,
               const char *note, struct err *e)
{
    return ws__exec_bind(ws, e, "INSERT INTO signoffs (at, kind, item, status, user, note) VALUES "
                     "(cutover_now(), ?, ?, ?, ?, ?)", "ttttt", kind, item, status, user_name(),
                     note);
}

json_t *ws_signoffs_json(ws_t *ws)
{
    return ws__rows_json(ws, "SELECT at, kind, item, status, user, note FROM signoffs "
                     "WHERE ?1 = ?1 AND ?2 = ?2 ORDER BY id", 0, 0);
}

/* Sample times are cutover_now()'s text, so they compare as text. */
#define BUCKET_OF(col) "strftime('%Y-%m-%dT%H:%M:%fZ', " \
    "(CAST(strftime('%s', " col ") AS INTEGER) / 300) * 300, 'unixepoch')"

int ws_compact(ws_t *ws, long session, int64_t before_ms, struct err *e)
{
    char before[32];
    int rc;

    ms_iso(before_ms, before, sizeof before);
    if (ws__begin_immediate(ws, e, "cannot fold the samples") < 0)
        return -1;
    rc = ws__exec_bind(ws, e, "INSERT INTO sample_buckets (session, side, object, metric, bucket, "
                   "first_at, last_at, n, min, max, sum, estimated) SELECT session, side, object, "
                   "metric, " BUCKET_OF("at") ", min(at), max(at), count(*), min(value), "
                   "max(value), sum(value), max(estimated) FROM samples WHERE session = ?1 AND "
                   "at < ?2 GROUP BY side, object, metric, 5 ON CONFLICT DO UPDATE SET "
                   "first_at = min(first_at, excluded.first_at), last_at = max(last_at, "
                   "excluded.last_at), n = n + excluded.n, min = min(min, excluded.min), "
                   "max = max(max, excluded.max), sum = sum + excluded.sum, "
                   "estimated = max(estimated, excluded.estimated)", "it", session, before);
    if (rc == 0)
        rc = ws__exec_bind(ws, e, "DELETE FROM samples WHERE session = ? AND at < ?", "it", session,
                       before);
    if (rc == 0)
        ws_commit(ws);
    else
        sqlite3_exec(ws->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

json_t *ws_series_json(ws_t *ws, long session, const char *metric, const char *object)
{
    json_t *all = json_array();
    sqlite3_stmt *st;

    /* the last hour before the last sample as its rounds (the samples of one
     * round, milliseconds or seconds apart, in one slot of the session's
     * interval counted from its start, as its rounds are), the rest in
     * 5-minute buckets */
    if (sqlite3_prepare_v2(ws->db, "WITH s AS (SELECT * FROM " ALL_SAMPLES " WHERE metric = ?2 "
                           "AND (?3 IS NULL OR object = ?3)), cut AS (SELECT strftime("
                           "'%Y-%m-%dT%H:%M:%fZ', max(last_at), '-1 hour') AS c FROM s), "
                           "iv AS (SELECT max(coalesce(interval_ms, 0), 1000) AS ms, "
                           EPOCH_MS("started_at") " AS t0 FROM sessions WHERE id = ?1) "
                           "SELECT CASE WHEN folded OR first_at < (SELECT c FROM cut) THEN "
                           BUCKET_OF("first_at") " ELSE strftime('%Y-%m-%dT%H:%M:%fZ', ((SELECT "
                           "t0 FROM iv) + (" EPOCH_MS("first_at") " - (SELECT t0 FROM iv)) / "
                           "(SELECT ms FROM iv) * (SELECT ms FROM iv)) / 1000.0, 'unixepoch') "
                           "END AS b, min(min), max(max), "
                           "sum(sum) / sum(n) FROM s GROUP BY b ORDER BY b", -1, &st,
                           NULL) != SQLITE_OK)
        return all;
    sqlite3_bind_int64(st, 1, session);
    sqlite3_bind_text(st, 2, metric, -1, SQLITE_TRANSIENT);
    if (object)
        sqlite3_bind_text(st, 3, object, -1, SQLITE_TRANSIENT);
    while (sqlite3_step(st) == SQLITE_ROW)
        json_array_append_new(all, json_pack("{s:s, s:f, s:f, s:f}", "t",
                                             (const char *)sqlite3_column_text(st, 0), "min",
                                             sqlite3_column_double(st, 1), "max",
                                             sqlite3_column_double(st, 2), "avg",
                                             sqlite3_column_double(st, 3)));
    sqlite3_finalize(st);
    return all;
}

/* A live finding; `once`: unless the same one (table, kind, key, window) is
 * recorded already. */
static int finding(ws_t *ws, int once, long session, const char *table,
                   const char *target_table, const char *kind, const char *key_json,
                   const char *fields_json, const char *from, const char *to, struct err *e)
{
    return ws__exec_keep(ws, e, once
        ? "INSERT INTO live_findings (at, session, tbl, target_tbl, kind, key_json, fields_json, "
          "window_from, window_to) SELECT cutover_now(), ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8 WHERE "
          "NOT EXISTS (SELECT 1 FROM live_findings WHERE tbl = ?2 AND kind = ?4 AND "
          "key_json = ?5 AND window_from IS ?7 AND window_to IS ?8)"
        : "INSERT INTO live_findings (at, session, tbl, target_tbl, kind, key_json, fields_json, "
          "window_from, window_to) VALUES (cutover_now(), ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        "ittttttt", session, table, target_table, kind, key_json, fields_json, from, to);
}

int ws_finding(ws_t *ws, long session, const char *table, const char *target_table,
               const char *kind, const char *key_json, const char *fields_json,
               const char *window_from, const char *window_to, struct err *e)
{
    return finding(ws, 0, session, table, target_table, kind, key_json, fields_json,
                   window_from, window_to, e);
}

int ws_wave_finding(ws_t *ws, long session, const char *table, const char *target_table,
                    const char *kind, const char *key_json, const char *fields_json,
                    const char *since, const char *at, struct err *e)
{
    return finding(ws, 1, session, table, target_table, kind, key_json, fields_json, since, at,
                   e);
}

int ws_connection_event(ws_t *ws, const char *side, int up, const char *error, struct err *e)
{
    return ws_runbook_event(ws, side, up ? "connection up" : "connection down", NULL, 0, 0,
                            up ? NULL : error, e);
}

long ws_alert_open(ws_t *ws, long session, const char *metric, const char *level, double value,
                   double threshold, const char *message, struct err *e)
{
    if (ws__exec_bind(ws, e, "INSERT INTO alerts (at, session, metric, level, value, threshold, "
                  "message) VALUES (cutover_now(), ?, ?, ?, ?, ?, ?)",
                  "ittrrt", session, metric, level, value, threshold, message) < 0)
        return -1;
    return (long)sqlite3_last_insert_rowid(ws->db);
}

int ws_alert_change(ws_t *ws, long id, const char *level, double value, double threshold,
                    const char *message, int close, struct err *e)
{
    return ws__exec_bind(ws, e, close
                     ? "UPDATE alerts SET level = ?, value = ?, threshold = ?, message = ?, "
                       "closed_at = cutover_now() WHERE id = ?"
                     : "UPDATE alerts SET level = ?, value = ?, threshold = ?, message = ? "
                       "WHERE id = ?", "trrti", level, value, threshold, message, id);
}

int ws_alert_ack(ws_t *ws, long id, const char *note, struct err *e)
{
    return ws__exec_bind(ws, e, "UPDATE alerts SET acknowledged_by = ?, acknowledged_at = "
                     "cutover_now(), note = ? WHERE id = ?", "tti",
                     user_name(), note, id);
}

json_t *ws_alerts_json(ws_t *ws, long session, int open_only)
{
    return ws__rows_json(ws, open_only
                     ? "SELECT id, at, session, metric, level, value, threshold, message, closed_at,"
                       " acknowledged_by, acknowledged_at, note FROM alerts WHERE closed_at IS NULL"
                       " AND (?1 = 0 OR session = ?1) AND ?2 = ?2 ORDER BY id"
                     : "SELECT id, at, session, metric, level, value, threshold, message, closed_at,"
                       " acknowledged_by, acknowledged_at, note FROM alerts"
                       " WHERE (?1 = 0 OR session = ?1) AND ?2 = ?2 ORDER BY id", session, 0);
}

long ws_runbook_last(ws_t *ws)
{
    return ws__scalar(ws, "SELECT coalesce(max(id), 0) FROM runbook_log WHERE ?1 = ?1 AND ?2 = ?2",
                  0, 0);
}

/* The runbook log after event ?1 (?2: rows_json's second parameter, unused). */
static const char *runbook_sql(int with_output)
{
    return with_output
           ? "SELECT id, at, step, event, user, exit_status, duration_ms, output FROM "
             "runbook_log WHERE id > ?1 AND ?2 = ?2 ORDER BY id"
           : "SELECT id, at, step, event, user, exit_status, duration_ms, output FROM "
             "runbook_log WHERE event <> 'output' AND id > ?1 AND ?2 = ?2 ORDER BY id";
}

/* Each event `st` yields to fn, until fn returns non-zero; finalizes `st`. */
static int each_event(sqlite3_stmt *st, int (*fn)(void *arg, const struct ws_rb_event *ev),
                      void *arg)
{
    int rc = 0;

    while (!rc && sqlite3_step(st) == SQLITE_ROW) {
        const char *out = (const char *)sqlite3_column_text(st, 7);
        const char *user = (const char *)sqlite3_column_text(st, 4);
        struct ws_rb_event ev = {
            .id = (long)sqlite3_column_int64(st, 0),
            .at = (const char *)sqlite3_column_text(st, 1),
            .step = (const char *)sqlite3_column_text(st, 2),
            .event = (const char *)sqlite3_column_text(st, 3),
            .user = user ? user : "",
            .exit_status = (long)sqlite3_column_int64(st, 5),
            .duration_ms = (long)sqlite3_column_int64(st, 6),
            .output = out ? out : "",
        };
        rc = fn(arg, &ev);
    }
    sqlite3_finalize(st);
    return rc;
}

int ws_runbook_each(ws_t *ws, long after, int with_output,
                    int (*fn)(void *arg, const struct ws_rb_event *ev), void *arg)
{
    sqlite3_stmt *st;

    if (sqlite3_prepare_v2(ws->db, runbook_sql(with_output), -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_int64(st, 1, after);
    sqlite3_bind_int64(st, 2, 0);
    return each_event(st, fn, arg);
}

int ws_runbook_tail(ws_t *ws, long last, int (*fn)(void *arg, const struct ws_rb_event *ev),
                    void *arg)
{
    sqlite3_stmt *st;

    if (sqlite3_prepare_v2(ws->db,
            "SELECT * FROM (SELECT id, at, step, event, user, exit_status, duration_ms, output"
            " FROM runbook_log WHERE event <> 'output' ORDER BY id DESC LIMIT ?1) ORDER BY id",
            -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_int64(st, 1, last > 0 ? last : -1);
    return each_event(st, fn, arg);
}

json_t *ws_runbook_json(ws_t *ws, int with_output, long after)
{
    return ws__rows_json(ws, runbook_sql(with_output), after, 0);
}
