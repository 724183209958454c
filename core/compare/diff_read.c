/* diff_read: both sides read at once, batch by batch, canonicalised on arrival,
 * and a table's phases (probe, verify, rescan); the business checks. */
#include "config.h"
#include "diff.h"
#include "diff_int.h"
#include "value.h"
#include <string.h>
#define XXH_STATIC_LINKING_ONLY  /* XXH3_state_t on the stack */
#include <xxhash.h>

/* --- reading the sides --------------------------------------------------------------- */

void diff__progress(struct diff *d, struct job *j)
{
    uint64_t now = uv_hrtime();

    j->result.seconds = (double)(now - j->result.started) / 1e9;
    for (int w = 0; w < 2; w++)  /* the bytes received so far */
        j->result.received[w] = db_received(d->db[w]) - j->rx0[w];
    if (d->ev.progress && now - d->last_progress > 250000000u) {
        d->last_progress = now;
        d->ev.progress(d->ev.arg, &j->result);
    }
}

/* Appends value i of the row being read to d->scratch in canonical form. */
static void put_canon(struct diff *d, int i, const struct canon_spec *sp,
                      const struct db_cell *c)
{
    int null;

    d->off[i] = (uint32_t)d->scratch.len;
    canon_value(sp, c, &d->scratch, &null);
    d->type[i] = null ? DB_NULL : DB_TEXT;
    d->len[i] = (uint32_t)(d->scratch.len - d->off[i]);
}

/* Appends key value i of the row being read: an integer key read in binary
 * as its 8 bytes (DB_INT64; compared as a number, written out only when it
 * is reported or kept to be verified), any other in canonical form. */
void diff__put_key(struct diff *d, int i, const struct canon_spec *sp, const struct db_cell *c)
{
    if (sp->kind != CK_INT || !c->p || c->type != DB_INT64) {
        put_canon(d, i, sp, c);
        return;
    }
    d->off[i] = (uint32_t)d->scratch.len;
    sbuf_add(&d->scratch, c->p, sizeof(int64_t));
    d->type[i] = DB_INT64;
    d->len[i] = sizeof(int64_t);
}

/* A row of a table without key: the hash of its canonical fields, lengths and
 * NULLs included. */
uint64_t diff__row_hash(const struct diff *d, const struct job *j)
{
    XXH3_state_t h;

    XXH3_INITSTATE(&h);
    XXH3_64bits_reset(&h);
    for (int i = j->nkey; i < j->nkey + j->nfields; i++) {
        uint32_t len = d->type[i] == DB_NULL ? UINT32_MAX : d->len[i];
        XXH3_64bits_update(&h, &len, sizeof len);
        if (d->type[i] != DB_NULL)
            XXH3_64bits_update(&h, d->scratch.s + d->off[i], d->len[i]);
    }
    return XXH3_64bits_digest(&h);
}

static int on_rows(struct diff *d, int which, const struct db_batch *b)
{
    struct job *j = &d->jobs[d->at];
    struct side *s = &d->side[which];

    if (j->result.error)
        return DB_CONTINUE;  /* being stopped: drain */
    for (size_t r = 0; r < b->nrows; r++) {
        d->scratch.len = 0;
        for (int i = 0; i < j->nkey; i++)
            diff__put_key(d, i, &j->key_spec[i], db_cell(b, r, i));
        for (int i = 0; j->result.no_key && i < j->nfields; i++)  /* hashed: canonical */
            put_canon(d, j->nkey + i, &j->fields[i].spec, db_cell(b, r, j->fields[i].col));
        if (j->phase < PH_VERIFY && which == 0)  /* a row read again: counted by its probe */
            j->result.source_rows++;
        else if (j->phase < PH_VERIFY)
            j->result.target_rows++;
        if (j->result.no_key) {
            s->hashes = xgrow(s->hashes, &s->hcap, s->nhashes + 1, sizeof *s->hashes);
            s->hashes[s->nhashes++] = diff__row_hash(d, j);
        } else {
            diff__push(s, diff__row_new(d, s, j, b, r));
            if (which == 1 && j->validates)
                diff__validate(d, j, s->v[s->n - 1]);
        }
    }
    if (!j->result.no_key)
        diff__merge(d);
    diff__progress(d, j);
    if (!j->result.no_key && diff__side_full(s) && !d->side[!which].done) {
        s->paused = 1;  /* backpressure: wait for the other side to catch up */
        return DB_PAUSE;
    }
    return DB_CONTINUE;
}

static int src_rows(db_query_t *q, const struct db_batch *b, void *arg)
{
    (void)q;
    return on_rows(arg, 0, b);
}

static int tgt_rows(db_query_t *q, const struct db_batch *b, void *arg)
{
    (void)q;
    return on_rows(arg, 1, b);
}

void diff__finish(struct diff *d, int status, const char *msg);
char *diff__verify_sql(const struct job *j, int target, enum url_kind engine,
                        char *const *keys, size_t nkeys);
static void src_done(db_query_t *q, int status, const char *msg, void *arg);
static void tgt_done(db_query_t *q, int status, const char *msg, void *arg);

void diff__table_snapshot(struct diff *d, int diff__begin);
struct db_query_opts diff__read_opts(const struct diff *d);

/* A database went away or stopped answering: the run fails for the first
 * such reason, which says where it stood ("while comparing t"). */
static void fail_run(struct diff *d, int status, const char *msg, const char *doing,
                     const char *what)
{
    if (d->failed)
        return;
    d->failed = status;
    snprintf(d->msg, sizeof d->msg, "%s (while %s %s)", msg ? msg : "", doing, what);
}

/* Rows of the target whose value of a `unique` field another row holds too. */
static int uniq_rows(db_query_t *q, const struct db_batch *b, void *arg)
{
    struct diff *d = arg;
    struct job *j = &d->jobs[d->at];
    const struct field *fl = &j->fields[j->uniq_at];

    (void)q;
    for (size_t r = 0; r < b->nrows; r++) {
        struct diff_field f = { fl->source, fl->target, NULL, NULL, 0, 0, "unique", 0 };
        struct row *t;
        d->scratch.len = 0;
        for (int i = 0; i < j->nkey; i++)
            diff__put_key(d, i, &j->key_spec[i], db_cell(b, r, i));
        t = diff__row_new(d, &d->side[1], j, b, r);
        f.target_value = diff__report_value(diff__value_json(&fl->spec, t, j->nkey + j->uniq_at), 0,
                                      &f.target_length);
        j->result.invalid++;
        diff__emit(d, j, "not_unique", NULL, diff__key_json(j, t), NULL, &f, 1);
        json_decref(f.target_value);
        diff__row_free(&d->side[1], t);
    }
    return DB_CONTINUE;
}

static void uniq_done(db_query_t *q, int status, const char *msg, void *arg)
{
    struct diff *d = arg;
    struct job *j = &d->jobs[d->at];

    (void)q;
    d->side[1].q = NULL;
    if (status && !d->cancelled && (status == DB_ELOST || status == DB_ECANCELED)) {
        fail_run(d, status, msg, "comparing", j->result.table);
    } else if (status && !d->cancelled) {  /* the table fails; the run goes on */
        diff__savepoint(d, 1, 1);
        j->result.error_code = ERR_DB;
        j->result.error = xasprintf("the target's query for the unique rule of %s (%s:%d): %s",
                                    j->fields[j->uniq_at].target, d->sheet->path,
                                    j->fields[j->uniq_at].line, msg ? msg : "");
    }
    if (d->cancelled || d->failed) {  /* cut short, as a table is */
        diff__finish(d, d->cancelled ? DB_ECANCELED : d->failed, d->msg);
        return;
    }
    j->uniq_at++;
    diff__table_finished(d);
}

/* Reads rows of the table from both sides, each behind a savepoint. */
void diff__read_both(struct diff *d, const char *src_sql, const char *tgt_sql)
{
    struct db_query_opts o = diff__read_opts(d);

    diff__savepoint(d, 0, 0);
    diff__savepoint(d, 1, 0);
    d->side[0].q = db_query(d->db[0], src_sql, 0, NULL, &o, src_rows, src_done, d);
    d->side[1].q = db_query(d->db[1], tgt_sql, 0, NULL, &o, tgt_rows, tgt_done, d);
    if (!d->side[0].q || !d->side[1].q)
        diff__finish(d, DB_ECANCELED, "the connections are closing");
}

/* After a probe: the keys whose hashes differ read in full, a batch at a
 * time, or the whole table again if they were too many. Returns 1 while
 * rows are being read. */
static int next_phase(struct diff *d, struct job *j)
{
    size_t n;
    char *sql[2];

    if (j->result.error || j->phase == PH_FULL || j->phase == PH_RESCAN)
        return 0;
    if (j->phase == PH_VERIFY && j->verified >= j->ncand) {
        diff__cand_free(j);
        return 0;
    }
    diff__side_reset(&d->side[0]);
    diff__side_reset(&d->side[1]);
    if (j->phase == PH_PROBE && j->overflow) {
        j->phase = PH_RESCAN;
        diff__read_both(d, j->src_sql, j->tgt_sql);
        return 1;
    }
    j->phase = PH_VERIFY;
    if (!j->ncand)
        return 0;
    n = j->ncand - j->verified < VERIFY_BATCH ? j->ncand - j->verified : VERIFY_BATCH;
    for (int w = 0; w < 2; w++)
        sql[w] = diff__verify_sql(j, w, db_kind(d->db[w]), j->cand + j->verified * (size_t)j->nkey,
                            n);
    j->verified += n;
    diff__read_both(d, sql[0], sql[1]);
    free(sql[0]);
    free(sql[1]);
    return 1;
}

/* Its unique rules judged, one query each, then its structural checks, the
 * table is done. */
void diff__table_finished(struct diff *d)
{
    struct job *j = &d->jobs[d->at];

    if (next_phase(d, j))
        return;
    if (j->bisected) {  /* the probe read only the ranges that differ */
        j->result.source_rows = (long)j->bis_total[0];
        j->result.target_rows = (long)j->bis_total[1];
    }
    diff__table_snapshot(d, 0);
    while (!j->result.error && j->uniq_at < j->nfields && !j->fields[j->uniq_at].uniq_sql)
        j->uniq_at++;
    if (!j->result.error && j->uniq_at < j->nfields) {
        struct db_query_opts o = diff__read_opts(d);
        diff__savepoint(d, 1, 0);
        d->side[1].q = db_query(d->db[1], j->fields[j->uniq_at].uniq_sql, 0, NULL, &o,
                                uniq_rows, uniq_done, d);
        if (d->side[1].q)
            return;
        diff__finish(d, DB_ECANCELED, "the connections are closing");
        return;
    }
    if (j->result.no_key && !j->result.error && !d->structure_only && !j->hashes_merged) {
        j->hashes_merged = 1;  /* its missing and extra rows, before the NULL shares weigh them */
        diff__merge_hashes(d, j);
    }
    if (diff__structure(d, j))
        return;
    if (j->result.error)  /* what was found before it stopped is not to be trusted */
        j->result.missing = j->result.extra = j->result.changed = j->result.duplicates =
            j->result.invalid = 0;
    j->result.seconds = (double)(uv_hrtime() - j->result.started) / 1e9;
    for (int w = 0; w < 2; w++)
        j->result.received[w] = db_received(d->db[w]) - j->rx0[w];
    j->result.done = 1;
    d->tables[d->at] = j->result;
    if (d->ev.table_done)
        d->ev.table_done(d->ev.arg, &j->result);
    diff__side_reset(&d->side[0]);
    diff__side_reset(&d->side[1]);
    d->at++;
    diff__next_table(d);
}

void diff__ignore_done(db_query_t *q, int status, const char *msg, void *arg)
{
    (void)q, (void)status, (void)msg, (void)arg;
}


/* A PostgreSQL side's snapshot outlives a table or check whose query fails
 * or is cancelled: each runs behind a savepoint, rolled back to after an
 * error (an aborted transaction refuses every query after it). */
void diff__savepoint(struct diff *d, int w, int rollback)
{
    if (d->txn[w])
        db_query(d->db[w], rollback ? "ROLLBACK TO SAVEPOINT cutover" : "SAVEPOINT cutover", 0,
                 NULL, &control, NULL, diff__ignore_done, NULL);
}

/* The source refused a table's query: what of the user's went into it (the
 * plan's where, the sheet's transforms) is named beside the database's word. */
static char *source_error(const struct diff *d, const struct job *j, const char *msg)
{
    const struct plan_table *pt = j->pair->plan;
    struct sbuf b = { 0 }, lines = { 0 };
    int nxf = 0;

    for (int i = 0; i < j->nfields; i++)
        if (j->fields[i].xf)
            sbuf_printf(&lines, "%s%d", nxf++ ? ", " : "", j->fields[i].line);
    sbuf_puts(&b, msg);
    if (j->key_cast && strstr(msg, "(SQLSTATE 22P02)"))  /* invalid_text_representation */
        sbuf_printf(&b, " (%s's key %s is read as a number, the target's key type: it holds "
                    "text that is not one; cutover map lint names such values, and a transform "
                    "of the key can convert them)", j->result.table, j->key_cast);
    if ((pt && pt->where) || nxf) {
        sbuf_printf(&b, " (in the source's query for %s: ", j->result.table);
        if (pt && pt->where)
            sbuf_printf(&b, "its where, %s:%d%s", d->plan->path, pt->where_line, nxf ? "; " : "");
        if (nxf)
            sbuf_printf(&b, "%s, %s line%s %s", nxf > 1 ? "its transforms" : "its transform",
                        d->sheet->path, nxf > 1 ? "s" : "", lines.s);
        sbuf_puts(&b, ")");
    }
    sbuf_free(&lines);
    return sbuf_take(&b);
}

static void side_done(struct diff *d, int which, int status, const char *msg)
{
    struct side *s = &d->side[which], *other = &d->side[!which];
    struct job *j = &d->jobs[d->at];

    s->q = NULL;
    s->done = 1;
    if (status && !d->cancelled && !d->failed && status != DB_ELOST)
        diff__savepoint(d, which, 1);
    if (status == DB_ECANCELED && j->result.error && !d->cancelled)
        status = 0;  /* stopped by fail_table() */
    if (status && !d->cancelled) {
        s->status = status;
        snprintf(s->msg, sizeof s->msg, "%s", msg ? msg : "");
        if (status == DB_ELOST || status == DB_ECANCELED)  /* the other side is cancelled */
            fail_run(d, status, s->msg, "comparing", j->result.table);
        else if (!j->result.error) {  /* the table fails; the run goes on */
            j->result.error = which == 0 && status == DB_EQUERY ? source_error(d, j, s->msg)
                                                                : xstrdup(s->msg);
            j->result.error_code = ERR_DB;
        }
        if (other->q)
            db_query_cancel(other->q);
    }
    if (!j->result.no_key && !j->result.error && !d->failed)
        diff__merge(d);
    if (other->paused && other->q) {  /* nothing more comes from here: let it finish */
        other->paused = 0;
        db_query_resume(other->q);
    }
    if (!other->done)
        return;
    if (d->cancelled || d->failed) {
        diff__finish(d, d->cancelled ? DB_ECANCELED : d->failed, d->msg);
        return;
    }
    diff__table_finished(d);
}

static void src_done(db_query_t *q, int status, const char *msg, void *arg)
{
    (void)q;
    side_done(arg, 0, status, msg);
}

static void tgt_done(db_query_t *q, int status, const char *msg, void *arg)
{
    (void)q;
    side_done(arg, 1, status, msg);
}

/* --- checks --------------------------------------------------------------------------- */

int diff_check_pass(const struct plan_check *pc, const char *source, const char *target,
                    char **error)
{
    char *e1, *e2, m1[64], m2[64];
    const char *sv = source && val_money(source, m1, sizeof m1) ? m1 : source;
    const char *tv = target && val_money(target, m2, sizeof m2) ? m2 : target;
    long double s = sv ? strtold(sv, &e1) : 0;
    long double t = tv ? strtold(tv, &e2) : 0;
    long double tol = pc->tolerance_pct ? (s < 0 ? -s : s) * pc->tolerance / 100 : pc->tolerance;
    int sn = source && !strcmp(source, DIFF_NULL), tn = target && !strcmp(target, DIFF_NULL);

    if ((sn || tn) && source && target)  /* NULL equals only NULL: sum() of no rows on both */
        return sn && tn;
    if (!source || !target || *e1 || *e2) {
        *error = xasprintf("each query must return one number (got %s and %s)",
                           source ? source : "no row", target ? target : "no row");
        return 0;
    }
    return (s > t ? s - t : t - s) <= tol + 1e-12L;
}

struct check_job {
    struct diff *d;
    size_t i;
    int which;
    size_t rows;
    int cols;
};

static int check_rows(db_query_t *q, const struct db_batch *b, void *arg)
{
    struct check_job *c = arg;
    struct diff_check *k = &c->d->checks[c->i];
    char **v = c->which ? &k->target_value : &k->source_value;

    (void)q;
    c->rows += b->nrows;
    c->cols = b->ncols;
    if (b->nrows && !*v && b->ncols)
        *v = xstrdup(db_cell(b, 0, 0)->p ? db_cell(b, 0, 0)->p : DIFF_NULL);
    return DB_CONTINUE;
}

void diff__run_checks(struct diff *d);

static void check_done(db_query_t *q, int status, const char *msg, void *arg)
{
    struct check_job *c = arg;
    struct diff *d = c->d;
    struct diff_check *k = &d->checks[c->i];

    (void)q;
    if (status && !k->error) {
        k->error = xasprintf("%s query (%s:%d): %s", plan_side_name(c->which),
                             d->plan->path, d->plan->checks[c->i].line, msg);
        k->error_code = ERR_DB;
    } else if (!status && !k->error && (c->rows > 1 || (c->rows && c->cols != 1))) {
        /* one number: never the first of several, taken in silence */
        k->error = xasprintf("%s query (%s:%d): must return one number, got %zu row%s of %d "
                             "column%s", plan_side_name(c->which), d->plan->path,
                             d->plan->checks[c->i].line, c->rows, c->rows > 1 ? "s" : "",
                             c->cols, c->cols > 1 ? "s" : "");
        k->error_code = ERR_INPUT;
    }
    if (status == DB_ELOST)  /* no later check can run on it */
        fail_run(d, status, msg, "running check", d->plan->checks[c->i].name);
    if (status && !d->cancelled && !d->failed && status != DB_ELOST)
        diff__savepoint(d, c->which, 1);
    free(c);
    if (--d->check_pending)
        return;
    if (!k->error) {
        k->pass = diff_check_pass(&d->plan->checks[d->check_at], k->source_value,
                                  k->target_value, &k->error);
        if (k->error)
            k->error_code = ERR_INPUT;
    }
    d->check_at++;
    if (d->cancelled || d->failed)
        diff__finish(d, d->cancelled ? DB_ECANCELED : d->failed, d->msg);
    else
        diff__run_checks(d);
}

void diff__run_checks(struct diff *d)
{
    const struct plan_check *pc;

    if (d->check_at >= d->nchecks) {
        diff__finish(d, 0, NULL);
        return;
    }
    pc = &d->plan->checks[d->check_at];
    d->checks[d->check_at].name = xstrdup(pc->name);
    d->check_pending = 2;
    for (int w = 0; w < 2; w++) {
        struct check_job *c = xmalloc(sizeof *c);
        *c = (struct check_job){ d, d->check_at, w, 0, 0 };
        diff__savepoint(d, w, 0);
        if (!db_query(d->db[w], w ? pc->target : pc->source, 0, NULL, NULL, check_rows,
                      check_done, c)) {
            free(c);
            d->check_pending--;
        }
    }
}
