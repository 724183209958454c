/* ws_recs: the runs, their results and discrepancies, and hypercare's
 * alerts, read as typed records (workspace.h), what the screen shows; their JSON is made from them or
 * beside them, at the edges. */
#include "config.h"
#include "workspace.h"
#include "ws_int.h"
#include "util.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static char *text_or(sqlite3_stmt *st, int c, const char *none)
{
    return sqlite3_column_type(st, c) == SQLITE_NULL ? (none ? xstrdup(none) : NULL)
                                                     : xstrdup((const char *)sqlite3_column_text(st, c));
}

static void copy_text(char *buf, size_t n, sqlite3_stmt *st, int c)
{
    const unsigned char *t = sqlite3_column_text(st, c);

    snprintf(buf, n, "%s", t ? (const char *)t : "");
}

long ws_runs_read(ws_t *ws, const char *since, struct ws_run_rec **out)
{
    struct ws_run_rec *v = NULL;
    size_t n = 0, cap = 0;
    sqlite3_stmt *st;

    *out = NULL;
    if (sqlite3_prepare_v2(ws->db,
            "SELECT r.id, r.kind, r.status, r.started_at, coalesce(r.duration_ms, 0),"
            " (SELECT coalesce(sum(missing), 0) FROM results WHERE run_id = r.id AND kind = 'table'),"
            " (SELECT coalesce(sum(extra), 0) FROM results WHERE run_id = r.id AND kind = 'table'),"
            " (SELECT coalesce(sum(changed), 0) FROM results WHERE run_id = r.id AND kind = 'table'),"
            " (SELECT count(*) FROM discrepancies WHERE run_id = r.id AND"
            "   coalesce(class, '') <> 'accepted_variance'),"
            " (SELECT count(*) FROM results WHERE run_id = r.id AND kind = 'table'), "
            PREVIOUS_RUN("r.id") ", " COMPARED("r") ","
            " (SELECT count(*) FROM results WHERE run_id = r.id AND kind = 'table' AND"
            "   status = 'error'),"
            " (SELECT count(*) FROM results WHERE run_id = r.id AND kind = 'check'),"
            " (SELECT count(*) FROM results WHERE run_id = r.id AND kind = 'check' AND"
            "   status <> 'pass'), r.note"
            " FROM runs r WHERE ?1 IS NULL OR r.id = (SELECT max(id) FROM runs WHERE"
            "   status = 'done' AND started_at >= ?1)"
            " ORDER BY r.id", -1, &st, NULL) != SQLITE_OK)
        return -1;
    if (since)
        sqlite3_bind_text(st, 1, since, -1, SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW) {
        struct ws_run_rec *r;
        if (n == cap)
            v = xrealloc(v, (cap = cap ? cap * 2 : 16) * sizeof *v);
        r = &v[n++];
        memset(r, 0, sizeof *r);
        r->run = (long)sqlite3_column_int64(st, 0);
        copy_text(r->kind, sizeof r->kind, st, 1);
        copy_text(r->status, sizeof r->status, st, 2);
        copy_text(r->started_at, sizeof r->started_at, st, 3);
        r->duration_ms = sqlite3_column_int64(st, 4);
        r->missing = sqlite3_column_int64(st, 5);
        r->extra = sqlite3_column_int64(st, 6);
        r->changed = sqlite3_column_int64(st, 7);
        r->open = sqlite3_column_int64(st, 8);
        r->tables = sqlite3_column_int64(st, 9);
        r->previous = (long)sqlite3_column_int64(st, 10);
        r->compared = sqlite3_column_int(st, 11);
        r->errors = sqlite3_column_int64(st, 12);
        r->checks = sqlite3_column_int64(st, 13);
        r->failed_checks = sqlite3_column_int64(st, 14);
        /* a run that ended passes with nothing open (its discrepancies as
         * classified since), no table in error and every check passed */
        if (!strcmp(r->status, "done"))
            r->result = !r->open && !r->errors && !r->failed_checks ? "pass" : "fail";
        r->note = text_or(st, 15, NULL);
    }
    sqlite3_finalize(st);
    *out = v;
    return (long)n;
}

void ws_runs_free(struct ws_run_rec *v, long n)
{
    for (long i = 0; i < n; i++)
        free(v[i].note);
    free(v);
}

long ws_results_read(ws_t *ws, long run, struct ws_result_rec **out)
{
    struct ws_result_rec *v = NULL;
    size_t n = 0, cap = 0;
    sqlite3_stmt *st;

    *out = NULL;
    if (sqlite3_prepare_v2(ws->db, "SELECT kind, object, target_object, status, detail,"
            " source_value, target_value, source_rows, target_rows, missing, extra, changed"
            " FROM results WHERE run_id = ?1 ORDER BY kind DESC, rowid", -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_int64(st, 1, run);
    while (sqlite3_step(st) == SQLITE_ROW) {
        struct ws_result_rec *r;
        if (n == cap)
            v = xrealloc(v, (cap = cap ? cap * 2 : 16) * sizeof *v);
        r = &v[n++];
        r->check = !strcmp((const char *)sqlite3_column_text(st, 0), "check");
        r->object = text_or(st, 1, "");
        r->target_object = text_or(st, 2, "");
        r->status = text_or(st, 3, "");
        r->detail = text_or(st, 4, "");
        r->source_value = text_or(st, 5, NULL);
        r->target_value = text_or(st, 6, NULL);
        r->source_rows = sqlite3_column_int64(st, 7);
        r->target_rows = sqlite3_column_int64(st, 8);
        r->missing = sqlite3_column_int64(st, 9);
        r->extra = sqlite3_column_int64(st, 10);
        r->changed = sqlite3_column_int64(st, 11);
    }
    sqlite3_finalize(st);
    *out = v;
    return (long)n;
}

void ws_results_free(struct ws_result_rec *v, long n)
{
    for (long i = 0; i < n; i++) {
        free(v[i].object), free(v[i].target_object), free(v[i].status), free(v[i].detail);
        free(v[i].source_value), free(v[i].target_value);
    }
    free(v);
}

/* A JSON value as its text, "null" for none. */
static char *value_text(json_t *v)
{
    char *s = v ? json_dumps(v, JSON_ENCODE_ANY) : NULL;
    char *t = xstrdup(s ? s : "null");

    free(s);
    return t;
}

/* The recorded key (a JSON object) for people — a structural finding's by its
 * constraint — and whether it is a row's hash. */
static void read_key(struct ws_disc_rec *d)
{
    json_t *k = json_loads(d->key_json, 0, NULL), *v;
    struct sbuf b = { 0 };
    const char *name;

    if (json_is_string(json_object_get(k, "constraint")))  /* a structural finding's */
        sbuf_puts(&b, json_string_value(json_object_get(k, "constraint")));
    else
        json_object_foreach(k, name, v) {
            char *s = value_text(v);
            sbuf_printf(&b, "%s%s=%s", b.len ? "," : "", name, s);
            free(s);
        }
    d->row_hash = json_object_get(k, "row_hash") != NULL;
    d->key_text = sbuf_take(&b);
    json_decref(k);
}

static void read_fields(struct ws_disc_rec *d, const char *fields_json)
{
    json_t *f = fields_json ? json_loads(fields_json, 0, NULL) : NULL, *v;
    size_t i;

    if (json_is_object(f)) {  /* a structural finding's detail */
        struct sbuf b = { 0 };
        json_t *o;
        const char *k;
        d->message = xstrdup(json_string_value(json_object_get(f, "message")) ?
                             json_string_value(json_object_get(f, "message")) : "");
        json_array_foreach(json_object_get(f, "sample"), i, o) {
            int at = 0;
            sbuf_puts(&b, i ? ", " : "");
            json_object_foreach(o, k, v) {
                char *t = value_text(v);
                sbuf_printf(&b, "%s%s=%s", at++ ? "," : "", k, t);
                free(t);
            }
        }
        d->sample = b.s ? sbuf_take(&b) : xstrdup("");
    }
    d->fields = xcalloc(json_array_size(f) + 1, sizeof *d->fields);
    json_array_foreach(f, i, v) {
        struct ws_disc_field *x = &d->fields[d->nfields++];
        const char *src = json_string_value(json_object_get(v, "source"));
        const char *tgt = json_string_value(json_object_get(v, "target"));
        x->source = xstrdup(src ? src : "");
        x->target = xstrdup(tgt ? tgt : "");
        x->source_value = value_text(json_object_get(v, "source_value"));
        x->target_value = value_text(json_object_get(v, "target_value"));
    }
    json_decref(f);
}

long ws_discs_read(ws_t *ws, long run, const char *table, long limit, struct ws_disc_rec **out)
{
    struct ws_disc_rec *v = NULL;
    size_t n = 0, cap = 0;
    sqlite3_stmt *st;

    *out = NULL;
    if (sqlite3_prepare_v2(ws->db, "SELECT tbl, target_tbl, kind, key_json, target_key_json,"
            " fields_json, class, owner, decision FROM discrepancies"
            " WHERE run_id = ?1 AND (?2 IS NULL OR tbl = ?2) ORDER BY id LIMIT ?3", -1, &st,
            NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_int64(st, 1, run);
    if (table)
        sqlite3_bind_text(st, 2, table, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, limit);
    while (sqlite3_step(st) == SQLITE_ROW) {
        struct ws_disc_rec *d;
        if (n == cap)
            v = xrealloc(v, (cap = cap ? cap * 2 : 64) * sizeof *v);
        d = &v[n++];
        memset(d, 0, sizeof *d);
        d->table = text_or(st, 0, "");
        d->target_table = text_or(st, 1, "");
        d->kind = text_or(st, 2, "");
        d->key_json = text_or(st, 3, "{}");
        d->target_key_json = text_or(st, 4, "");
        d->klass = text_or(st, 6, "");
        d->owner = text_or(st, 7, "");
        d->note = text_or(st, 8, "");
        read_key(d);
        read_fields(d, (const char *)sqlite3_column_text(st, 5));
    }
    sqlite3_finalize(st);
    *out = v;
    return (long)n;
}

void ws_discs_free(struct ws_disc_rec *v, long n)
{
    for (long i = 0; i < n; i++) {
        struct ws_disc_rec *d = &v[i];
        free(d->table), free(d->target_table), free(d->kind), free(d->key_json);
        free(d->target_key_json), free(d->key_text), free(d->klass), free(d->owner), free(d->note);
        free(d->message), free(d->sample);
        for (size_t k = 0; k < d->nfields; k++)
            free(d->fields[k].source), free(d->fields[k].target), free(d->fields[k].source_value),
                free(d->fields[k].target_value);
        free(d->fields);
    }
    free(v);
}

long ws_alerts_read(ws_t *ws, long session, int open_only, struct ws_alert_rec **out)
{
    struct ws_alert_rec *v = NULL;
    size_t n = 0, cap = 0;
    sqlite3_stmt *st;

    *out = NULL;
    if (sqlite3_prepare_v2(ws->db, "SELECT id, session, at, metric, level, value, threshold,"
            " message, closed_at, acknowledged_by, acknowledged_at, note FROM alerts"
            " WHERE (?1 = 0 OR session = ?1) AND (?2 = 0 OR closed_at IS NULL) ORDER BY id",
            -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_int64(st, 1, session);
    sqlite3_bind_int(st, 2, open_only);
    while (sqlite3_step(st) == SQLITE_ROW) {
        struct ws_alert_rec *a;
        if (n == cap)
            v = xrealloc(v, (cap = cap ? cap * 2 : 16) * sizeof *v);
        a = &v[n++];
        a->id = (long)sqlite3_column_int64(st, 0);
        a->session = (long)sqlite3_column_int64(st, 1);
        a->at = text_or(st, 2, "");
        a->metric = text_or(st, 3, "");
        a->level = text_or(st, 4, "");
        a->value = sqlite3_column_double(st, 5);
        a->threshold = sqlite3_column_double(st, 6);
        a->message = text_or(st, 7, "");
        a->closed_at = text_or(st, 8, "");
        a->acknowledged_by = text_or(st, 9, NULL);
        a->acknowledged_at = text_or(st, 10, NULL);
        a->note = text_or(st, 11, NULL);
    }
    sqlite3_finalize(st);
    *out = v;
    return (long)n;
}

void ws_alerts_free(struct ws_alert_rec *v, long n)
{
    for (long i = 0; i < n; i++) {
        free(v[i].at), free(v[i].metric), free(v[i].level), free(v[i].message);
        free(v[i].closed_at), free(v[i].acknowledged_by), free(v[i].acknowledged_at);
        free(v[i].note);
    }
    free(v);
}
