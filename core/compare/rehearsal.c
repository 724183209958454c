#include "config.h"
#include "rehearsal.h"
#include "jsonx.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct reh {
    ws_t *ws;
    long run;
    struct diff *diff;
    struct sheet sheet;
    struct reh_events ev;
    db_t *own[2];           /* its own connections when reh_open made them */
    long in_table, accepted, accepted_table, *accepted_by_table;
    size_t ntables;
    const struct diff_table *current;
    int status, done;
    long duration_ms;
    uint64_t started;
    char msg[1400];
    char unrecorded[1100];  /* the first workspace write lost, "" while none is */
    int not_recording;      /* the disk is full: nothing more is written for this run */
};

/* A workspace write failed (another process kept it locked, a full disk):
 * told now, through ev.warning or on stderr. `lost`: what it held is gone
 * (a flush mid-run keeps its queue for the next one), so the run is not
 * fully recorded, which its end says. */
static void tell(struct reh *r, const char *msg)
{
    if (r->ev.warning)
        r->ev.warning(r->ev.arg, msg);
    else
        fprintf(stderr, "cutover: %s\n", msg);
}

static void ws_trouble(struct reh *r, const struct err *e, int lost)
{
    if (r->not_recording)  /* said once already; nothing more is tried */
        return;
    if (lost && !r->unrecorded[0])
        snprintf(r->unrecorded, sizeof r->unrecorded, "%s", e->msg);
    if (ws_cannot_write(r->ws)) {
        /* a full disk: waiting will not mend it, and every retry would fail the
         * same (once thousands of times, a minute long): said once, the run goes
         * on unrecorded and ends incomplete */
        char msg[1300];
        r->not_recording = 1;
        ws_forget_queue(r->ws);
        if (!r->unrecorded[0])
            snprintf(r->unrecorded, sizeof r->unrecorded, "%s", e->msg);
        snprintf(msg, sizeof msg, "%s: run %ld stops recording: what it finds is still "
                 "shown, not kept", e->msg, r->run);
        tell(r, msg);
        return;
    }
    tell(r, e->msg);
}

char *reh_findings_words(long long table, long long structural, char *buf, size_t n)
{
    int at = 0;

    buf[0] = '\0';
    if (table)
        at = snprintf(buf, n, "%lld table finding%s", table, table > 1 ? "s" : "");
    if (structural && at >= 0 && (size_t)at < n)
        snprintf(buf + at, n - (size_t)at, "%s%lld structural finding%s", at ? ", " : "",
                 structural, structural > 1 ? "s" : "");
    return buf;
}

char *reh_bytes(uint64_t v, char *buf, size_t n)
{
    if (v >= 1000000)
        snprintf(buf, n, "%.1f MB", (double)v / 1e6);
    else if (v >= 1000)
        snprintf(buf, n, "%.1f kB", (double)v / 1e3);
    else
        snprintf(buf, n, "%llu B", (unsigned long long)v);
    return buf;
}

char *reh_progress(const struct diff_table *t, char *buf, size_t n)
{
    long done = t->source_rows > t->target_rows ? t->source_rows : t->target_rows;
    long total = t->source_total > t->target_total ? t->source_total : t->target_total;
    double rate = t->seconds > 0 ? (double)done / t->seconds : 0;
    char left[32], rx[2][24];
    size_t at;

    if (total > done && rate > 0)
        dur_format((int64_t)((double)(total - done) / rate * 1000), left, sizeof left);
    else
        snprintf(left, sizeof left, "?");
    if (total > 0)
        snprintf(buf, n, "%s %ld/%ld rows (%.0f%%), %.0f rows/s, %s left", t->table, done,
                 total, 100.0 * (double)(done < total ? done : total) / (double)total, rate,
                 left);
    else
        snprintf(buf, n, "%s %ld rows, %.0f rows/s", t->table, done, rate);
    if (t->strategy && (at = strlen(buf)) < n)  /* how, and what crossed the network */
        snprintf(buf + at, n - at, "; %s, %s and %s received", t->strategy,
                 reh_bytes(t->received[0], rx[0], sizeof rx[0]),
                 reh_bytes(t->received[1], rx[1], sizeof rx[1]));
    return buf;
}

json_t *reh_discrepancy_json(const struct diff_disc *d)
{
    json_t *o;

    if (d->detail) {  /* DESIGN.md: {"type":"structure","check":…,"table":…, its key, detail} */
        o = json_pack("{s:s, s:s, s:s, s:s}", "type", "structure", "check", d->kind, "table",
                      d->table, "target_table", d->target_table);
        json_object_update(o, d->key);
        json_object_update(o, d->detail);
        json_object_set(o, "key", d->key);
        return o;
    }
    o = json_pack("{s:s, s:s, s:s, s:s, s:O}", "type", "discrepancy", "table", d->table,
                          "target_table", d->target_table, "kind", d->kind, "key", d->key);

    if (d->side)
        json_object_set_new(o, "side", json_string(d->side));
    if (d->nfields)
        json_object_set_new(o, "fields", diff_fields_json(d));
    return o;
}

static void on_disc(void *arg, const struct diff_disc *d)
{
    struct reh *r = arg;
    json_t *o = reh_discrepancy_json(d);
    struct err e = { 0 };
    int acc = 0;

    if (r->in_table < REH_CAP && !r->not_recording) {
        char *key = json_dumps(d->key, JSON_COMPACT | JSON_SORT_KEYS);
        char *tkey = d->target_key ? json_dumps(d->target_key, JSON_COMPACT | JSON_SORT_KEYS)
                                   : NULL;
        /* a structural finding keeps what it says where a row keeps its fields */
        char *fields = d->detail ? jsonx_dumps(d->detail, JSON_COMPACT | JSON_SORT_KEYS)
                     : d->nfields ? json_dumps(json_object_get(o, "fields"), JSON_COMPACT) : NULL;
        acc = ws_queue_discrepancy(r->ws, r->run, d->table, d->target_table, d->kind, key, tkey,
                                   fields, &e);
        if (acc < 0) {
            ws_trouble(r, &e, 0);  /* still queued */
            acc = 0;
        }
        if (acc) {
            r->accepted++;
            r->accepted_table++;
            json_object_set_new(o, "class", json_string(WS_ACCEPTED));
        }
        free(key);
        free(tkey);
        free(fields);
    }
    r->in_table++;
    if (r->ev.discrepancy)
        r->ev.discrepancy(r->ev.arg, d, o, acc);
    json_decref(o);
}

static void on_progress(void *arg, const struct diff_table *t)
{
    struct reh *r = arg;

    r->current = t;
    if (r->ev.progress)
        r->ev.progress(r->ev.arg, t);
}

static const char *table_status(const struct diff_table *t, long accepted)
{
    if (t->error)
        return "error";
    if (t->not_validated)
        return "not_validated";
    return t->missing + t->extra + t->changed + t->duplicates + t->invalid + t->findings +
           t->structure - accepted > 0 ? "fail" : "pass";
}

/* Writes the queued discrepancies; those of a failed flush stay queued for
 * the next, unless this is the run's last. */
static void flush(struct reh *r, int last)
{
    struct err e = { 0 };

    if (!r->not_recording && ws_flush(r->ws, &e) < 0)
        ws_trouble(r, &e, last);
}

/* The run's verdict: cancelled, failed (it could not end), or fail when a
 * table does not pass (its findings beyond its accepted variances, or an
 * error) or a check does not, else pass. */
static const char *run_status(const struct reh *r)
{
    size_t nt, nc;
    const struct diff_table *t = diff_tables(r->diff, &nt);
    const struct diff_check *c = diff_checks(r->diff, &nc);

    if (r->status)
        return r->status == DB_ECANCELED ? "cancelled" : "failed";
    for (size_t i = 0; i < nt; i++)
        if (!t[i].not_validated &&
            strcmp(table_status(&t[i], i < r->ntables ? r->accepted_by_table[i] : 0), "pass"))
            return "fail";
    for (size_t i = 0; i < nc; i++)
        if (!c[i].pass)
            return "fail";
    return "pass";
}

/* A table that failed, or that the run stopped in: what it found so far is void. */
static void drop_table(struct reh *r, const char *table)
{
    struct err e = { 0 };

    if (!r->in_table)
        return;
    if (!r->not_recording && ws_drop_discrepancies(r->ws, r->run, table, &e) < 0)
        ws_trouble(r, &e, 1);
    r->accepted -= r->accepted_table;
    r->accepted_table = 0;
    r->in_table = 0;
}

static void on_table(void *arg, const struct diff_table *t)
{
    struct reh *r = arg;
    struct err e = { 0 };
    char detail[200] = "", rx[2][24];
    size_t at;

    if (t->error)
        drop_table(r, t->table);
    else
        flush(r, 0);
    r->accepted_by_table = xrealloc(r->accepted_by_table,
                                    (r->ntables + 1) * sizeof *r->accepted_by_table);
    r->accepted_by_table[r->ntables++] = r->accepted_table;
    if (!t->error && t->invalid)  /* the counts the results have no column for */
        snprintf(detail, sizeof detail, "%ld invalid", t->invalid);
    else if (!t->error)
        reh_findings_words(t->findings, t->structure, detail, sizeof detail);
    if (!t->error && t->strategy && !strcmp(t->strategy, "bisect") &&
        (at = strlen(detail)) < sizeof detail)  /* the panel says what bisection spared */
        snprintf(detail + at, sizeof detail - at, "%sbisected: %ld ranges, %s and %s received",
                 at ? "; " : "", t->ranges, reh_bytes(t->received[0], rx[0], sizeof rx[0]),
                 reh_bytes(t->received[1], rx[1], sizeof rx[1]));
    if (!r->not_recording &&
        ws_record_result(r->ws, r->run, "table", t->table, t->target_table, t->source_rows,
                         t->target_rows, t->missing, t->extra, t->changed, NULL, NULL,
                         table_status(t, r->accepted_table), t->error ? t->error : detail[0]
                         ? detail : NULL, &e) < 0)
        ws_trouble(r, &e, 1);
    r->in_table = 0;
    r->accepted_table = 0;
    r->current = NULL;
    if (r->ev.table_done)
        r->ev.table_done(r->ev.arg, t);
}

static void on_done(void *arg, int status, const char *msg)
{
    struct reh *r = arg;
    struct err e = { 0 };
    const struct diff_check *checks;
    size_t nc;

    if (r->current)  /* cancelled or failed in the middle of a table */
        drop_table(r, r->current->table);
    flush(r, 1);
    r->status = status;
    snprintf(r->msg, sizeof r->msg, "%s", msg ? msg : "");
    checks = diff_checks(r->diff, &nc);
    for (size_t i = 0; i < nc; i++)
        if (!r->not_recording &&
            ws_record_result(r->ws, r->run, "check", checks[i].name, NULL, 0, 0, 0, 0, 0,
                             checks[i].source_value, checks[i].target_value,
                             checks[i].error ? "error" : checks[i].pass ? "pass" : "fail",
                             checks[i].error, &e) < 0)
            ws_trouble(r, &e, 1);
    r->duration_ms = (long)((uv_hrtime() - r->started) / 1000000u);
    /* incomplete: no baseline for the next run, whatever it found */
    if (ws_run_end(r->ws, r->run, status == DB_ECANCELED ? "cancelled" : status ? "failed"
                   : r->unrecorded[0] ? "incomplete" : "done", r->duration_ms,
                   r->unrecorded[0] ? r->unrecorded : NULL, &e) < 0)
        ws_trouble(r, &e, 1);
    r->done = 1;
    reh_disconnect(r->own);  /* nothing more is read */
    if (r->ev.done)
        r->ev.done(r->ev.arg, r);
}

int reh_connect(uv_loop_t *loop, const struct plan *p, db_t *db[2], struct err *e)
{
    static const struct db_opts o = { .statement_timeout_ms = 24 * 3600 * 1000 };

    return plan_connect(loop, p, &o, db, e);
}

void reh_disconnect(db_t *db[2])
{
    for (int w = 0; w < 2; w++) {
        db_close(db[w]);  /* deferred: safe inside the run's own callbacks */
        db[w] = NULL;
    }
}

struct reh *reh_start(ws_t *ws, db_t *src, db_t *tgt, const struct plan *p,
                      const struct pairing *pp, const char *src_url, const char *tgt_url,
                      const struct diff_opts *o, const struct reh_events *ev, struct err *e)
{
    struct reh *r = xcalloc(1, sizeof *r);
    struct diff_events dev = { on_disc, on_progress, on_table, on_done, r };
    char *path = plan_path(p, p->mapping);
    int rc = sheet_load(path, &r->sheet, e);

    free(path);
    if (rc < 0) {
        free(r);
        return NULL;
    }
    r->ws = ws;
    r->ev = *ev;
    r->started = uv_hrtime();
    /* the structural checks alone, or a wave's slice: a run of its own kind,
     * compared with its kind */
    char *kind = o && o->structure_only ? xstrdup("structure")
               : o && o->wave ? xasprintf(o->ntables_given ? "wave %s, some tables" : "wave %s",
                                          o->wave)
               : xstrdup("rehearsal");

    r->run = ws_run_begin(ws, kind, src_url, tgt_url, e);
    free(kind);
    if (r->run < 0) {
        sheet_free(&r->sheet);
        free(r);
        return NULL;
    }
    if (!(r->diff = diff_start(src, tgt, p, pp, &r->sheet, o, &dev, e))) {
        /* it could not start: nothing to record (ended failed if it cannot go) */
        if (ws_run_discard(ws, r->run, &(struct err){ 0 }) < 0)
            ws_run_end(ws, r->run, "failed", 0, NULL, &(struct err){ 0 });
        sheet_free(&r->sheet);
        free(r);
        return NULL;
    }
    return r;
}

struct reh *reh_open(uv_loop_t *loop, ws_t *ws, const struct plan *p, const struct pairing *pp,
                     const char *src_url, const char *tgt_url, const struct diff_opts *o,
                     const struct reh_events *ev, struct err *e)
{
    db_t *db[2] = { NULL, NULL };
    struct reh *r;

    if (reh_connect(loop, p, db, e) < 0)
        return NULL;
    if (!(r = reh_start(ws, db[0], db[1], p, pp, src_url, tgt_url, o, ev, e))) {
        reh_disconnect(db);
        return NULL;
    }
    r->own[0] = db[0], r->own[1] = db[1];
    return r;
}

void reh_cancel(struct reh *r)
{
    if (r && !r->done)
        diff_cancel(r->diff);
}

void reh_free(struct reh *r)
{
    if (!r)
        return;
    diff_free(r->diff);
    reh_disconnect(r->own);
    sheet_free(&r->sheet);
    free(r->accepted_by_table);
    free(r);
}

long reh_run(const struct reh *r)
{
    return r->run;
}

const char *reh_unrecorded(const struct reh *r)
{
    return r->unrecorded[0] ? r->unrecorded : NULL;
}

const struct diff_table *reh_current(const struct reh *r)
{
    return r->done ? NULL : r->current;
}

/* A check's value as JSON: an integer, another number, null (SQL NULL, or no
 * row: the error says which), or the text. */
static json_t *number_or_text(const char *v)
{
    char *end;
    long long i;
    double d;

    if (!v || !strcmp(v, DIFF_NULL))
        return json_null();
    if (!*v)
        return json_string(v);
    errno = 0;
    i = strtoll(v, &end, 10);
    if (!*end && !errno)
        return json_integer(i);
    d = strtod(v, &end);
    return !*end ? json_real(d) : json_string(v);
}

json_t *reh_summary(const struct reh *r)
{
    size_t nt, nc;
    const struct diff_table *tables = diff_tables(r->diff, &nt);
    const struct diff_check *checks = diff_checks(r->diff, &nc);
    json_t *jt = json_array(), *jc = json_array(), *s;
    long missing = 0, extra = 0, changed = 0, duplicates = 0, invalid = 0, findings = 0;
    long not_validated = 0, structure = 0, not_run = 0, structure_only = 0;
    struct ws_comparison cmp;

    for (size_t i = 0; i < nt; i++) {
        const struct diff_table *t = &tables[i];
        long acc = i < r->ntables ? r->accepted_by_table[i] : 0;
        json_t *o = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:s}", "table", t->table,
                              "target_table", t->target_table, "source_rows",
                              (json_int_t)t->source_rows, "target_rows", (json_int_t)t->target_rows,
                              "missing", (json_int_t)t->missing, "extra", (json_int_t)t->extra,
                              "changed", (json_int_t)t->changed, "status", table_status(t, acc));
        if (!t->structure_only && !t->not_validated) {
            json_object_set_new(o, "strategy", json_string(t->strategy ? t->strategy : "full"));
            json_object_set_new(o, "received", json_pack("{s:I, s:I}", "source",
                                (json_int_t)t->received[0], "target",
                                (json_int_t)t->received[1]));
        }
        if (t->strategy && !strcmp(t->strategy, "bisect"))  /* ranges compared on the servers,
                                                              * rows left to the probe */
            json_object_set_new(o, "bisect", json_pack("{s:I, s:I, s:I}", "ranges",
                                (json_int_t)t->ranges, "source_rows_probed",
                                (json_int_t)t->narrowed[0], "target_rows_probed",
                                (json_int_t)t->narrowed[1]));
        if (t->duplicates)
            json_object_set_new(o, "duplicates", json_integer(t->duplicates));
        if (t->invalid)
            json_object_set_new(o, "invalid", json_integer(t->invalid));
        if (t->no_key)
            json_object_set_new(o, "no_key", json_true());
        if (t->findings)
            json_object_set_new(o, "findings", json_integer(t->findings));
        if (t->structure)
            json_object_set_new(o, "structure", json_integer(t->structure));
        if (t->not_run)
            json_object_set_new(o, "structure_not_run", json_integer(t->not_run));
        if (t->structure_only) {  /* not read */
            json_object_set_new(o, "source_rows", json_null());
            json_object_set_new(o, "target_rows", json_null());
        }
        if (t->not_validated) {  /* not read: what the catalog counted, and no target */
            json_object_set_new(o, "source_rows", t->source_total >= 0
                                ? json_integer(t->source_total) : json_null());
            json_object_set_new(o, "target_rows", json_null());
        }
        if (t->error)
            json_object_set_new(o, "error", json_string(t->error));
        json_array_append_new(jt, o);
        missing += t->missing, extra += t->extra, changed += t->changed;
        duplicates += t->duplicates, invalid += t->invalid, findings += t->findings;
        not_validated += t->not_validated, structure += t->structure, not_run += t->not_run;
        structure_only |= t->structure_only;
    }
    for (size_t i = 0; i < nc; i++) {
        const struct diff_check *k = &checks[i];
        json_t *o = json_pack("{s:s, s:o, s:o, s:s}", "name", k->name, "source",
                              number_or_text(k->source_value), "target",
                              number_or_text(k->target_value), "status",
                              k->error ? "error" : k->pass ? "pass" : "fail");
        if (k->error)
            json_object_set_new(o, "error", json_string(k->error));
        json_array_append_new(jc, o);
    }
    ws_compare(r->ws, r->run, &cmp);
    s = json_pack("{s:s, s:I, s:s, s:I, s:o, s:o, s:I, s:I, s:I}", "type", "summary", "run",
                  (json_int_t)r->run, "status", run_status(r), "duration_ms",
                  (json_int_t)r->duration_ms, "tables", jt, "checks", jc,
                  "missing", (json_int_t)missing, "extra", (json_int_t)extra, "changed",
                  (json_int_t)changed);
    if (duplicates)
        json_object_set_new(s, "duplicates", json_integer(duplicates));
    if (invalid)
        json_object_set_new(s, "invalid", json_integer(invalid));
    if (findings)
        json_object_set_new(s, "findings", json_integer(findings));
    if (not_validated)
        json_object_set_new(s, "not_validated", json_integer(not_validated));
    if (structure)
        json_object_set_new(s, "structure", json_integer(structure));
    if (not_run)
        json_object_set_new(s, "structure_not_run", json_integer(not_run));
    if (structure_only)
        json_object_set_new(s, "structure_only", json_true());
    json_object_set_new(s, "accepted", json_integer(r->accepted));
    if (cmp.previous)
        json_object_set_new(s, "previous", json_pack("{s:I, s:I, s:I, s:I, s:I}",
            "run", (json_int_t)cmp.previous, "new", (json_int_t)cmp.fresh, "fixed",
            (json_int_t)cmp.fixed, "still_open", (json_int_t)cmp.still_open,
            "duration_ms", (json_int_t)cmp.previous_duration_ms));
    if (r->status)
        json_object_set_new(s, "error", json_string(r->msg));
    if (r->unrecorded[0])
        json_object_set_new(s, "unrecorded", json_string(r->unrecorded));
    return s;
}

char *reh_totals(const json_t *s, char *buf, size_t n)
{
    long long errors = 0, failed = 0;
    size_t i, at;
    json_t *v;

    json_array_foreach(json_object_get(s, "tables"), i, v)
        errors += jstr(v, "error") != NULL;
    json_array_foreach(json_object_get(s, "checks"), i, v)
        failed += strcmp(jtext(v, "status"), "pass") != 0;
    snprintf(buf, n, "%lld missing, %lld extra, %lld changed", jint(s, "missing"),
             jint(s, "extra"), jint(s, "changed"));
    if (jint(s, "invalid") && (at = strlen(buf)) < n)
        snprintf(buf + at, n - at, ", %lld invalid", jint(s, "invalid"));
    if (jint(s, "duplicates") && (at = strlen(buf)) < n)
        snprintf(buf + at, n - at, ", %lld duplicates", jint(s, "duplicates"));
    if (jint(s, "findings") && (at = strlen(buf)) < n)
        snprintf(buf + at, n - at, ", %lld table finding%s", jint(s, "findings"),
                 jint(s, "findings") > 1 ? "s" : "");
    if (jint(s, "structure") && (at = strlen(buf)) < n)
        snprintf(buf + at, n - at, ", %lld structural finding%s%s", jint(s, "structure"),
                 jint(s, "structure") > 1 ? "s" : "", jint(s, "structure_not_run")
                 ? " (some checks not run)" : "");
    if (jint(s, "not_validated") && (at = strlen(buf)) < n)
        snprintf(buf + at, n - at, ", %lld not validated", jint(s, "not_validated"));
    if (errors && (at = strlen(buf)) < n)
        snprintf(buf + at, n - at, ", %lld table%s in error", errors, errors > 1 ? "s" : "");
    if (failed && (at = strlen(buf)) < n)
        snprintf(buf + at, n - at, ", %lld of %zu checks failed", failed,
                 json_array_size(json_object_get(s, "checks")));
    return buf;
}

int reh_exit(const struct reh *r, const char **msg)
{
    size_t nt, nc;
    const struct diff_table *t = diff_tables(r->diff, &nt);
    const struct diff_check *c = diff_checks(r->diff, &nc);
    int worst = 0;

    *msg = "";
    if (r->status && r->status != DB_ECANCELED) {
        *msg = r->msg;
        return ERR_DB;
    }
    /* a table or check that could not be compared: not a finding but the
     * validation's own failure, for a script to tell apart */
    for (size_t i = 0; i < nt; i++)
        if (t[i].error && t[i].error_code > worst)
            worst = t[i].error_code;
    for (size_t i = 0; i < nc; i++)
        if (c[i].error && c[i].error_code > worst)
            worst = c[i].error_code;
    if (worst && r->status != DB_ECANCELED)
        return worst;
    return strcmp(run_status(r), "pass") ? ERR_FOUND : 0;
}
