/* diff_structure: a table's structural checks (structure.h), run once its
 * rows are compared, in the run's snapshot: what the catalogs say first,
 * then one check at a time, its query on each side it asks at once, each
 * behind a savepoint and within [migration] structure_timeout. A check that
 * cannot finish is reported as not run, never left out. */
#include "config.h"
#include "diff.h"
#include "diff_int.h"
#include "jsonx.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

static void emit(void *arg, const char *check, json_t *key, json_t *detail, char *message)
{
    struct diff *d = arg;
    struct job *j = &d->jobs[d->at];
    struct diff_disc disc = { j->result.table, j->result.target_table, check, NULL, key, NULL,
                              NULL, 0, detail };

    json_object_set_new(detail, "message", json_string(message));
    j->result.structure++;
    if (d->ev.discrepancy)
        d->ev.discrepancy(d->ev.arg, &disc);
    json_decref(key);
    json_decref(detail);
    free(message);
}

static int st_rows_cb(db_query_t *q, const struct db_batch *b, void *arg)
{
    const struct st_side *sd = arg;
    struct st_rows *r = &sd->d->st_rows[sd->w];

    (void)q;
    if (!b->nrows)
        return DB_CONTINUE;
    r->ncols = (size_t)b->ncols;
    r->cell = xrealloc(r->cell, (r->nrows + b->nrows) * r->ncols * sizeof *r->cell);
    for (size_t i = 0; i < b->nrows; i++)
        for (size_t c = 0; c < r->ncols; c++) {
            char buf[64];
            struct db_cell v = db_cell_text(db_cell(b, i, (int)c), buf);
            r->cell[(r->nrows + i) * r->ncols + c] = v.p ? xstrndup(v.p, v.len) : NULL;
        }
    r->nrows += b->nrows;
    return DB_CONTINUE;
}

/* A check that could not finish: a finding that says so, keyed as its
 * findings would be, so that a later run that finishes it closes it. */
static void not_run(struct diff *d, struct job *j, const struct st_query *q, const char *why)
{
    json_t *key = !strcmp(q->check, "null_rate")
        ? json_pack("{s:s}", "column", "*")
        : json_pack("{s:s, s:o}", "constraint", q->constraint, "columns", json_array());
    json_t *detail = json_pack("{s:b}", "not_run", 1);

    for (size_t k = 0; k < q->ncolumns && json_object_get(key, "columns"); k++)
        json_array_append_new(json_object_get(key, "columns"), json_string(q->columns[k]));
    emit(d, q->check, key, detail,
         xasprintf("not run: the %s check of %s%s%s%s %s", q->check, j->result.target_table,
                   *q->constraint ? " (" : "", *q->constraint ? q->constraint : "",
                   *q->constraint ? ")" : "", why));
    j->result.not_run++;
}

static void st_done(db_query_t *q, int status, const char *msg, void *arg);

/* The next query of the table's checks, from where it is, on each side it
 * asks at once; 0 when none is left. */
static int next_query(struct diff *d, struct job *j)
{
    while (j->st_at < j->st.n) {
        const struct st_query *q = &j->st.v[j->st_at];
        struct db_query_opts o = { .batch_rows = 64,  /* a limit past 24 days is none */
                                   .timeout_ms = d->plan->structure_timeout_ms > INT_MAX ? 0
                                               : (int)d->plan->structure_timeout_ms };
        if (!d->st_asked) {
            d->st_asked = 1;
            d->st_status = 0;
            for (int w = 0; w < 2; w++) {
                if (!q->sql[w])
                    continue;
                d->st_sides[w] = (struct st_side){ d, w };
                diff__savepoint(d, w, 0);
                if (!(d->side[w].q = db_query(d->db[w], q->sql[w], 0, NULL, &o, st_rows_cb,
                                              st_done, &d->st_sides[w]))) {
                    diff__finish(d, DB_ECANCELED, "the connections are closing");
                    return 1;
                }
                d->st_pending++;
            }
            if (d->st_pending)
                return 1;
        }
        if (!d->st_status)  /* answered on each side: judged */
            st_judge(q, j->pair, d->st_rows, j->result.missing + j->result.extra, emit, d);
        else
            not_run(d, j, q, d->st_why);
        st_rows_reset(&d->st_rows[0]), st_rows_reset(&d->st_rows[1]);
        d->st_asked = 0;
        j->st_at++;
    }
    return 0;
}

static void st_done(db_query_t *qq, int status, const char *msg, void *arg)
{
    const struct st_side *sd = arg;
    struct diff *d = sd->d;
    struct job *j = &d->jobs[d->at];
    int w = sd->w;

    (void)qq;
    d->side[w].q = NULL;
    d->st_pending--;
    if (d->finished) {  /* the run ended (a connection closing): nothing more is asked */
        if (!d->st_pending)
            st_rows_reset(&d->st_rows[0]), st_rows_reset(&d->st_rows[1]);
        return;
    }
    if (status && !d->cancelled && (status == DB_ELOST || status == DB_ECANCELED)) {
        if (!d->failed) {  /* as a table's read says it */
            d->failed = status;
            snprintf(d->msg, sizeof d->msg, "%s (while checking the structure of %s)",
                     msg ? msg : "", j->result.table);
        }
        if (d->side[!w].q)  /* the other side's answer is of no use now */
            db_query_cancel(d->side[!w].q);
    } else if (status && !d->cancelled) {  /* this check: not run; the others go on */
        char limit[32];
        diff__savepoint(d, w, 1);
        if (!d->st_status && status == DB_ETIMEDOUT)  /* the first side's failure says why */
            snprintf(d->st_why, sizeof d->st_why, "took longer than [migration] "
                     "structure_timeout (%s)",
                     dur_format(d->plan->structure_timeout_ms, limit, sizeof limit));
        else if (!d->st_status)
            snprintf(d->st_why, sizeof d->st_why, "failed on the %s: %s",
                     w ? "target" : "source", msg ? msg : "");
        d->st_status = status;
    }
    if (d->st_pending)  /* the other side still answers */
        return;
    if (d->cancelled || d->failed) {
        st_rows_reset(&d->st_rows[0]), st_rows_reset(&d->st_rows[1]);
        diff__finish(d, d->cancelled ? DB_ECANCELED : d->failed, d->msg);
        return;
    }
    diff__table_finished(d);
}

int diff__structure(struct diff *d, struct job *j)
{
    if (!d->structure || j->result.error)
        return 0;
    if (!j->st_begun) {  /* what the catalogs say, then the queries */
        j->st_begun = 1;
        for (size_t i = 0; i < d->st_cat.n; i++)
            if (!strcmp(d->st_cat.v[i].table, j->result.table))
                st_finding_emit(&d->st_cat.v[i], emit, d);
        st_queries(d->plan, d->pairing, d->sheet, j->pair, &d->st_cat, db_kind(d->db[1]),
                   (const char *const *)j->cond, &j->st);
        if (d->wave)
            st_overlap_queries(d->plan, j->pair, d->wave, &j->st);
        d->st_asked = 0;
    }
    return next_query(d, j);
}
