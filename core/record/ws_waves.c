/* ws_waves: the states of a phased migration's waves (workspace.h). */
#include "config.h"
#include "workspace.h"
#include "ws_int.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

int ws_wave_event(ws_t *ws, const char *wave, const char *state, const char *note,
                  struct err *e)
{
    char *object = xasprintf("wave %s", wave);
    int rc = ws__exec_bind(ws, e, "INSERT INTO wave_log (at, wave, state, user, note) VALUES "
                           "(cutover_now(), ?, ?, ?, ?)", "tttt", wave, state, user_name(),
                           note) < 0 ||
             ws_audit(ws, "wave", object, NULL, state, e) < 0 ? -1 : 0;

    free(object);
    return rc;
}

int ws_wave_state(ws_t *ws, const char *wave, struct ws_wave_rec *out)
{
    sqlite3_stmt *st;
    int rc;

    memset(out, 0, sizeof *out);
    snprintf(out->state, sizeof out->state, "planned");
    if (sqlite3_prepare_v2(ws->db, "SELECT state, at, user, note FROM wave_log WHERE wave = ?1 "
                           "ORDER BY id DESC LIMIT 1", -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, wave, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const char *v[4];
        for (int i = 0; i < 4; i++)
            v[i] = (const char *)sqlite3_column_text(st, i);
        snprintf(out->state, sizeof out->state, "%s", v[0] ? v[0] : "");
        snprintf(out->at, sizeof out->at, "%s", v[1] ? v[1] : "");
        snprintf(out->user, sizeof out->user, "%s", v[2] ? v[2] : "");
        snprintf(out->note, sizeof out->note, "%s", v[3] ? v[3] : "");
    }
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

json_t *ws_wave_log_json(ws_t *ws, const char *wave)
{
    json_t *all = json_array();
    sqlite3_stmt *st;

    if (sqlite3_prepare_v2(ws->db, "SELECT at, state, user, note FROM wave_log WHERE wave = ?1 "
                           "ORDER BY id", -1, &st, NULL) != SQLITE_OK)
        return all;
    sqlite3_bind_text(st, 1, wave, -1, SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *note = (const char *)sqlite3_column_text(st, 3);
        json_array_append_new(all, json_pack("{s:s, s:s, s:s, s:o}",
            "at", (const char *)sqlite3_column_text(st, 0),
            "state", (const char *)sqlite3_column_text(st, 1),
            "user", (const char *)sqlite3_column_text(st, 2),
            "note", note ? json_string(note) : json_null()));
    }
    sqlite3_finalize(st);
    return all;
}


json_t *ws_wave_findings_json(ws_t *ws, const char *wave)
{
    json_t *o = json_pack("{s:i, s:i, s:[]}", "stray_write", 0, "drift", 0, "sample");
    sqlite3_stmt *st;

    if (sqlite3_prepare_v2(ws->db, "SELECT kind, tbl, key_json, json_extract(fields_json, "
                           "'$.side'), window_to, count(*) OVER (PARTITION BY kind) FROM "
                           "live_findings WHERE kind IN ('stray_write', 'drift') AND "
                           "json_valid(fields_json) AND json_extract(fields_json, '$.wave') = ?1 "
                           "ORDER BY id", -1, &st, NULL) != SQLITE_OK)
        return o;
    sqlite3_bind_text(st, 1, wave, -1, SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *kind = (const char *)sqlite3_column_text(st, 0);
        json_t *sample = json_object_get(o, "sample"), *key;
        json_object_set_new(o, kind, json_integer(sqlite3_column_int64(st, 5)));
        if (json_array_size(sample) >= 10)
            continue;
        key = json_loads((const char *)sqlite3_column_text(st, 2), 0, NULL);
        json_array_append_new(sample, json_pack("{s:s, s:s, s:o, s:s?, s:s?}", "kind", kind,
                "table", (const char *)sqlite3_column_text(st, 1), "key", key ? key : json_null(),
                "side", (const char *)sqlite3_column_text(st, 3),
                "at", (const char *)sqlite3_column_text(st, 4)));
    }
    sqlite3_finalize(st);
    return o;
}
