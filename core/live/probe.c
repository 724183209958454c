#include "config.h"
#include "probe.h"
#include "diff.h"
#include "util.h"
#include "value.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { PJ_PROBE, PJ_HEALTH, PJ_CHECK };


/* Connections count cutover's own; lock waits and the longest query are the
 * application's: cutover's reads (a diff's, a poll behind a lock) show as
 * their latency, not as the database's health. */
static const char health_sql[] =
    "SELECT count(*) FILTER (WHERE backend_type = 'client backend'), "
    "count(*) FILTER (WHERE wait_event_type = 'Lock' AND application_name <> 'cutover'), "
    "coalesce(round(max(extract(epoch FROM clock_timestamp() - query_start) * 1000) "
    "FILTER (WHERE state = 'active' AND backend_type = 'client backend' "
    "AND application_name <> 'cutover')), 0) FROM pg_stat_activity";  /* as HEALTH_* */

struct pjob {
    probes_t *ps;
    int kind, side;
    size_t index;               /* the plan's probe or check */
    const char *sql;
    db_query_t *q;
    char *val[NHEALTH];         /* the first row's cells */
    char *error;                /* why the query failed */
    int got_row;
};

struct probes {
    db_t *db[2];
    const struct plan *plan;
    struct pjob *jobs;
    size_t njobs;
    long long tick, checks_every;
    int checks_left;            /* check queries of the current checks round still running */
    int running, stopping;
    struct probe_events ev;
};

static void add_job(probes_t *ps, int kind, int side, size_t index, const char *sql)
{
    ps->jobs[ps->njobs++] = (struct pjob){ .ps = ps, .kind = kind, .side = side, .index = index,
                                           .sql = sql };
}

probes_t *probe_new(db_t *src, db_t *tgt, const struct plan *p, const struct probe_events *ev)
{
    probes_t *ps = xcalloc(1, sizeof *ps);

    ps->db[0] = src;
    ps->db[1] = tgt;
    ps->plan = p;
    ps->ev = *ev;
    ps->checks_every = p->hc_checks_every > 0 ? p->hc_checks_every : 10;
    ps->jobs = xcalloc(p->nprobes + 2 + 2 * p->nchecks + 1, sizeof *ps->jobs);
    for (size_t i = 0; i < p->nprobes; i++)
        add_job(ps, PJ_PROBE, p->probes[i].side, i, p->probes[i].sql);
    for (int side = 0; side < 2; side++)
        if (db_kind(ps->db[side]) == URL_PG)
            add_job(ps, PJ_HEALTH, side, 0, health_sql);
    for (size_t i = 0; i < p->nchecks; i++) {
        add_job(ps, PJ_CHECK, 0, i, p->checks[i].source);
        add_job(ps, PJ_CHECK, 1, i, p->checks[i].target);
    }
    return ps;
}

static void clear(struct pjob *j)
{
    for (int c = 0; c < NHEALTH; c++) {
        free(j->val[c]);
        j->val[c] = NULL;
    }
    free(j->error);
    j->error = NULL;
    j->got_row = 0;
}

static void free_all(probes_t *ps)
{
    for (size_t i = 0; i < ps->njobs; i++)
        clear(&ps->jobs[i]);
    free(ps->jobs);
    free(ps);
}

static int on_rows(db_query_t *q, const struct db_batch *b, void *arg)
{
    struct pjob *j = arg;
    (void)q;

    if (b->nrows < 1 || j->got_row)
        return DB_CONTINUE;
    j->got_row = 1;
    for (int c = 0; c < b->ncols && c < NHEALTH; c++)
        j->val[c] = db_cell(b, 0, c)->p ? xstrndup(db_cell(b, 0, c)->p, db_cell(b, 0, c)->len)
                                        : xstrdup(DIFF_NULL);
    return DB_CONTINUE;
}

static void emit(probes_t *ps, const char *name, const char *side, enum plan_unit unit,
                 double value, const char *error, const char *note, int64_t latency_ms)
{
    struct probe_sample s = { ps->tick, name, side, unit, value, error, note, latency_ms };

    if (ps->ev.on_sample)
        ps->ev.on_sample(&s, ps->ev.arg);
}

/* One number from a query's cell, or why not. */
static void emit_cell(probes_t *ps, const char *name, const char *side, enum plan_unit unit,
                      const char *text, const char *error, int64_t latency_ms)
{
    char *end = NULL, *why = NULL, money[64];
    double v = text ? strtod(val_money(text, money, sizeof money) ? money : text, &end) : 0;

    if (!error && (!text || end == text || *end))
        error = why = xasprintf("the query must return one number (got %s)",
                                text ? text : "no row");
    emit(ps, name, side, unit, v, error, NULL, latency_ms);
    free(why);
}

/* Both queries of every check have answered: how many disagree beyond their
 * tolerance, as one signal; a check that could not run counts as failed,
 * and the first such reason goes with it. */
static void checks_done(probes_t *ps)
{
    long failed = 0;
    char *note = NULL;

    for (size_t i = 0; i < ps->njobs; i++) {
        struct pjob *j = &ps->jobs[i], *t = j + 1;
        const struct plan_check *c;
        char *why = NULL;
        if (j->kind != PJ_CHECK || j->side != 0)
            continue;
        c = &ps->plan->checks[j->index];
        if (j->error || t->error)
            why = xasprintf("%s", j->error ? j->error : t->error);
        if (why || !diff_check_pass(c, j->val[0], t->val[0], &why))
            failed++;
        if (why && !note)
            note = xasprintf("[check %s]: %s", c->name, why);
        free(why);
    }
    emit(ps, PLAN_FAILED_CHECKS, "both", UNIT_COUNT, (double)failed, NULL, note, 0);
    free(note);
}

static void on_done(db_query_t *q, int status, const char *msg, void *arg)
{
    struct pjob *j = arg;
    probes_t *ps = j->ps;
    int64_t ms = (int64_t)(db_query_runtime_ns(q) / 1000000);  /* not its wait in the queue */
    const char *side = plan_side_name(j->side);

    j->q = NULL;
    ps->running--;
    if (status)
        j->error = xstrdup(msg ? msg : "the query failed");
    if (!ps->stopping) {
        if (j->kind == PJ_PROBE) {
            emit_cell(ps, ps->plan->probes[j->index].name, side, UNIT_COUNT, j->val[0],
                      j->error, ms);
        } else if (j->kind == PJ_HEALTH) {
            for (int c = 0; c < NHEALTH; c++)  /* HEALTH_* in the query's order */
                emit_cell(ps, plan_health[c].name, side, plan_health[c].unit, j->val[c],
                          j->error, ms);
        } else if (--ps->checks_left == 0) {
            checks_done(ps);
        }
    }
    ps->running++;  /* held: on_end may stop us */
    if (ps->ev.on_end)
        ps->ev.on_end(ps->ev.arg);
    if (--ps->running == 0 && ps->stopping)
        free_all(ps);
}

static int start(probes_t *ps, struct pjob *j)
{
    clear(j);
    if (!(j->q = db_query(ps->db[j->side], j->sql, 0, NULL, NULL, on_rows, on_done, j)))
        return 0;
    ps->running++;
    return 1;
}

int probe_round(probes_t *ps, long long tick)
{
    int started = 0, checks = ps->checks_left == 0 && (tick - 1) % ps->checks_every == 0;

    ps->tick = tick;
    for (size_t i = 0; i < ps->njobs; i++) {
        struct pjob *j = &ps->jobs[i];
        if (j->q || (j->kind == PJ_CHECK && !checks))
            continue;  /* still running from an earlier round: skipped, not queued */
        if (start(ps, j)) {
            started++;
            ps->checks_left += j->kind == PJ_CHECK;
        }
    }
    return started;
}

void probe_stop(probes_t *ps)
{
    if (!ps)
        return;
    ps->stopping = 1;
    ps->running++;  /* held while cancelling: a query may end inside the call */
    for (size_t i = 0; i < ps->njobs; i++)
        if (ps->jobs[i].q)
            db_query_cancel(ps->jobs[i].q);
    if (--ps->running == 0)
        free_all(ps);
}
