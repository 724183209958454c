
#include "config.h"
#include "diff.h"
#include "diff_int.h"
#include <string.h>
#define XXH_STATIC_LINKING_ONLY  /* XXH3_state_t on the stack */

/* --- running --------------------------------------------------------------------------- */

void diff__begin(db_query_t *q, int status, const char *msg, void *arg);
static int wal_rows(db_query_t *q, const struct db_batch *b, void *arg);
static void wal_done(db_query_t *q, int status, const char *msg, void *arg);

static void report_done(struct diff *d)
{
    if (d->ev.done)
        d->ev.done(d->ev.arg, d->end_status, d->end_msg);
}

static void end_done(db_query_t *q, int status, const char *msg, void *arg)
{
    struct diff *d = arg;

    (void)q, (void)status, (void)msg;
    if (--d->ending == 0)
        report_done(d);
}

/* Ends the snapshots, then says the run is done: the owner closes the
 * connections then, after the server has answered (closing while it
 * answers leaves "connection to client lost" in the server's log). */
void diff__finish(struct diff *d, int status, const char *msg)
{
    if (d->finished)
        return;
    d->finished = 1;
    d->end_status = status;
    d->end_msg = msg;
    d->ending = 1;  /* until both are asked */
    for (int w = 0; w < 2; w++)  /* a reader's transaction: never committed */
        if ((d->txn[w] || d->table_txn[w]) &&
            db_query(d->db[w], "ROLLBACK", 0, NULL, &control, NULL, end_done, d))
            d->ending++;
    if (--d->ending == 0)
        report_done(d);
}

/* A probe and the reads that verify it see one state of the data: a SQLite
 * side without the run's snapshot (rollback-journal mode) reads the table
 * in a transaction of its own, as long as one full read would hold its lock. */
void diff__table_snapshot(struct diff *d, int diff__begin)
{
    for (int w = 0; w < 2; w++) {
        if (db_kind(d->db[w]) != URL_SQLITE || d->txn[w] || d->table_txn[w] == diff__begin)
            continue;
        /* a COMMIT that cannot be queued leaves nothing open: the connection is closing */
        if (db_query(d->db[w], diff__begin ? "BEGIN" : "ROLLBACK", 0, NULL, &control, NULL,
                     diff__ignore_done, NULL) || !diff__begin)
            d->table_txn[w] = diff__begin;
    }
}

/* How a table's rows are read: a pair of one engine compares values as
 * stored, nothing to format unless they differ (across engines the text
 * forms are the ones that agree). */
struct db_query_opts diff__read_opts(const struct diff *d)
{
    return (struct db_query_opts){ .batch_rows = BATCH, .copy = 1,
                                   .binary = db_kind(d->db[0]) == db_kind(d->db[1]) };
}

void diff__next_table(struct diff *d)
{
    struct job *j;

    if (d->cancelled || d->failed) {
        diff__finish(d, d->cancelled ? DB_ECANCELED : d->failed, d->msg);
        return;
    }
    if (d->at >= d->njobs) {
        diff__run_checks(d);
        return;
    }
    j = &d->jobs[d->at];
    if (j->what == JOB_NO_TARGET)
        diff__emit(d, j, "no_target", NULL, json_object(), NULL, NULL, 0);
    for (int i = 0; !j->result.error && i < j->nunmapped; i++)
        diff__emit(d, j, "unmapped", NULL, json_pack("{s:s}", "column", j->unmapped[i]), NULL,
                   NULL, 0);
    j->result.findings = (j->what == JOB_NO_TARGET) + (j->result.error ? 0 : j->nunmapped);
    if (j->result.error || j->what != JOB_COMPARE) {  /* reported, not read */
        d->tables[d->at] = j->result;
        if (d->ev.table_done)
            d->ev.table_done(d->ev.arg, &j->result);
        d->at++;
        diff__next_table(d);
        return;
    }
    j->result.started = uv_hrtime();
    if (!j->result.strategy)
        j->result.strategy = "full";
    for (int w = 0; w < 2; w++)  /* what reading it brings in: see diff__progress */
        j->rx0[w] = db_received(d->db[w]);
    if (d->structure_only) {  /* no rows: straight to the structural checks */
        j->result.structure_only = 1;
        j->uniq_at = j->nfields;
        diff__table_finished(d);
        return;
    }
    {   /* room for one row's values */
        size_t nv = (size_t)(j->nkey + j->nfields);
        d->off = xrealloc(d->off, nv * sizeof *d->off);
        d->len = xrealloc(d->len, nv * sizeof *d->len);
        d->type = xrealloc(d->type, nv);
    }
    if (j->phase == PH_PROBE) {
        diff__table_snapshot(d, 1);
        if (j->bisect)
            diff__bisect_start(d, j);
        else
            diff__read_both(d, j->probe_sql[0], j->probe_sql[1]);
    } else if (j->ksum_sql[0]) {
        diff__table_snapshot(d, 1);
        diff__sums_start(d, j);
    } else
        diff__read_both(d, j->src_sql, j->tgt_sql);
    if (d->finished)
        return;
    d->last_progress = 0;  /* say which table is being read before its first rows come */
    diff__progress(d, j);
}

void diff_cancel(struct diff *d)
{
    if (d->cancelled || d->finished)
        return;
    d->cancelled = 1;
    for (int w = 0; w < 2; w++)
        if (d->side[w].q)
            db_query_cancel(d->side[w].q);
}

struct diff *diff_start(db_t *src, db_t *tgt, const struct plan *p, const struct pairing *pp,
                        const struct sheet *s, const struct diff_opts *o,
                        const struct diff_events *ev, struct err *e)
{
    struct diff *d = xcalloc(1, sizeof *d);
    int rc;

    d->db[0] = src;
    d->db[1] = tgt;
    d->plan = p;
    d->sheet = s;
    d->pairing = pp;
    d->ev = *ev;
    for (size_t i = 0; o && i < o->ntables; i++) {
        size_t k;
        for (k = 0; k < pp->n; k++)
            if (pp->pairs[k].src && !strcmp(pp->pairs[k].src->name, o->tables[i]))
                break;
        if (k == pp->n || (!pp->pairs[k].tgt && !pair_must_move(&pp->pairs[k]))) {
            const char *like = k == pp->n ? diff__source_named_like(pp, o->tables[i]) : NULL;
            err_set(e, ERR_INPUT, "--table %s: %s%s%s%s", o->tables[i], k == pp->n
                    ? "no such table in the source" : "it has no table in the target",
                    like ? " (--table takes the source's name: " : "", like ? like : "",
                    like ? "?)" : "");
            diff_free(d);
            return NULL;
        }
    }
    for (size_t i = 0; i < pp->n; i++) {
        struct err je = { 0 };
        int what = diff__wanted(&pp->pairs[i], o);
        if (what < 0)
            continue;
        d->jobs = xrealloc(d->jobs, (d->njobs + 1) * sizeof *d->jobs);
        if (what != JOB_COMPARE) {
            struct job *j = &d->jobs[d->njobs++];
            const struct pair *pr = &pp->pairs[i];
            memset(j, 0, sizeof *j);
            j->pair = pr;
            j->what = what;
            j->result.table = xstrdup(pr->src->name);
            j->result.target_table = xstrdup(pr->plan && pr->plan->target ? pr->plan->target
                                                                          : pr->src->name);
            j->result.source_rows = j->result.source_total =
                pr->src->count == COUNT_EXACT ? pr->src->rows : -1;
            j->result.target_total = -1;
            j->result.not_validated = what == JOB_LISTED;
            continue;
        }
        rc = diff__plan_job(&d->jobs[d->njobs], &pp->pairs[i], s, o, db_kind(src), db_kind(tgt),
                            &je);
        if (rc < 0) {
            d->jobs[d->njobs].result.error = xstrdup(je.msg);
            d->jobs[d->njobs].result.error_code = je.kind == ERR_DB ? ERR_DB : ERR_INPUT;
        }
        d->njobs++;
        if (rc == -2) {  /* a malformed sheet: no run */
            *e = je;
            diff_free(d);
            return NULL;
        }
    }
    d->tables = xcalloc(d->njobs + 1, sizeof *d->tables);
    /* the structural checks: with a run's rows (live validation reads windows) */
    d->structure = !(o && (o->live || o->checks_only));
    d->structure_only = o && o->structure_only;
    d->wave = o ? o->wave : NULL;
    if (d->structure)
        st_catalog(p, pp, s, &d->st_cat);
    d->nchecks = o && (o->live || o->structure_only) ? 0 : p->nchecks;
    d->checks = xcalloc(d->nchecks + 1, sizeof *d->checks);
    /* one snapshot per PostgreSQL side for the whole run (live validation
     * shares its connections with polls, which must see the present) */
    for (int w = 0; w < 2; w++)
        if (db_kind(d->db[w]) == URL_PG && !(o && o->live) &&
            db_query(d->db[w], "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, NULL, &control,
                     NULL, diff__ignore_done, NULL))
            d->txn[w] = 1;
    /* … and per SQLite side in WAL mode, where a read transaction holds one
     * snapshot without keeping the pilot's writers out (in rollback-journal
     * mode it would, for the whole run: each table is its own read there) */
    for (int w = 0; w < 2; w++) {
        d->snap[w] = (struct snap){ d, w, 0 };
        if (db_kind(d->db[w]) == URL_SQLITE && !(o && o->live) &&
            db_query(d->db[w], "PRAGMA journal_mode", 0, NULL, NULL, wal_rows, wal_done,
                     &d->snap[w]))
            d->setup++;
    }
    /* begin from the loop, never inside this call: a run with nothing to do
     * would otherwise end (and be freed by its owner) before we return it */
    if (!db_query(d->db[0], "SELECT 1", 0, NULL, NULL, NULL, diff__begin, d)) {
        err_set(e, ERR_DB, "the source connection is closing");
        diff_free(d);
        return NULL;
    }
    return d;
}

void diff__begin(db_query_t *q, int status, const char *msg, void *arg)
{
    struct diff *d = arg;

    (void)q;
    if (status && status != DB_EQUERY) {
        d->failed = status;
        snprintf(d->msg, sizeof d->msg, "%s", msg ? msg : "");
    }
    d->began = 1;
    if (!d->setup)
        diff__next_table(d);
}

static int wal_rows(db_query_t *q, const struct db_batch *b, void *arg)
{
    struct snap *s = arg;

    (void)q;
    s->wal = b->nrows && b->ncols && db_cell(b, 0, 0)->p &&
             !strcasecmp(db_cell(b, 0, 0)->p, "wal");
    return DB_CONTINUE;
}

static void wal_done(db_query_t *q, int status, const char *msg, void *arg)
{
    struct snap *s = arg;
    struct diff *d = s->d;

    (void)q, (void)msg;
    /* queued before any table's query: the snapshot is taken by its first read */
    if (!status && s->wal &&
        db_query(d->db[s->w], "BEGIN", 0, NULL, &control, NULL, diff__ignore_done, NULL) &&
        db_query(d->db[s->w], "SELECT count(*) FROM sqlite_schema", 0, NULL, NULL, NULL,
                 diff__ignore_done, NULL))
        d->txn[s->w] = 1;
    if (--d->setup == 0 && d->began)
        diff__next_table(d);
}

const struct diff_table *diff_tables(const struct diff *d, size_t *n)
{
    *n = d->at < d->njobs ? d->at : d->njobs;
    return d->tables;
}

const struct diff_check *diff_checks(const struct diff *d, size_t *n)
{
    *n = d->check_at;
    return d->checks;
}

void diff_free(struct diff *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->njobs; i++) {
        if (i >= d->at) {  /* not handed over to tables[] */
            free(d->jobs[i].result.table);
            free(d->jobs[i].result.target_table);
            free(d->jobs[i].result.error);
        }
        diff__job_free(&d->jobs[i]);
    }
    for (size_t i = 0; i < d->at && i < d->njobs; i++) {
        free(d->tables[i].table);
        free(d->tables[i].target_table);
        free(d->tables[i].error);
    }
    for (size_t i = 0; i < d->nchecks; i++) {
        free(d->checks[i].name), free(d->checks[i].source_value);
        free(d->checks[i].target_value), free(d->checks[i].error);
    }
    diff__side_reset(&d->side[0]);
    diff__side_reset(&d->side[1]);
    st_free(&d->st_cat);
    st_rows_reset(&d->st_rows[0]), st_rows_reset(&d->st_rows[1]);
    free(d->jobs);
    sbuf_free(&d->scratch);
    sbuf_free(&d->canon[0]), sbuf_free(&d->canon[1]);
    free(d->off), free(d->len), free(d->type);
    free(d->tables);
    free(d->checks);
    free(d);
}
