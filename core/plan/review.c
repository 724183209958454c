#include "config.h"
#include "review.h"
#include "review_int.h"
#include "diff.h"
#include "rule.h"
#include "util.h"
#include "value.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void review__changed(struct review *r)
{
    if (r->on_change)
        r->on_change(r, r->arg);
}

static void say(struct review *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct review *r, const char *fmt, ...)
{
    char msg[1500];
    va_list ap;

    if (!r->on_say)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    r->on_say(msg, r->arg);
}

static void on_state(db_t *db, enum db_state st, void *arg);

/* Its own connection to a side, opened at the first need (none without a
 * loop: the command line approves and rejects without connecting). */
static db_t *side_db(struct review *r, int side)
{
    /* an hour per statement: a preview reads by key, but a lint counts tables */
    struct db_opts o = { .reconnect = 1, .on_state = on_state, .arg = r,
                         .statement_timeout_ms = 3600 * 1000 };
    struct err e = { 0 };

    if (!r->db[side] && r->loop && !r->closed && !r->stopping &&
        db_open(r->loop, r->url[side], r->dir, &o, &r->db[side], &e) < 0)
        say(r, "%s: %s", plan_side_name(side), e.msg);
    return r->db[side];
}

int review__up(struct review *r, int side)
{
    db_t *db = side_db(r, side);

    return db && db_state(db) == DB_UP;
}

int review__usable(struct review *r, int side)
{
    db_t *db = side_db(r, side);

    return db && db_state(db) != DB_DOWN;  /* connecting: queries wait for it */
}

static void lint_stat(struct review *r);

/* A copy of the sheet in use, for a lint to own: read again from the file,
 * which holds every change the review made (each is written through). */
static int load_copy(struct review *r, struct sheet *out)
{
    struct err e = { 0 };
    int rc = sheet_open(r->path, out, &e);

    if (rc < 0)
        say(r, "lint: %s", e.msg);
    return rc;
}

/* The sheet as the file holds it now (a missing file: an empty sheet). */
static int load(struct review *r, const char *path, struct err *e)
{
    r->disk = file_stamp(path);
    r->have_sheet = sheet_open(path, &r->sheet, e) == 0;
    return r->have_sheet ? 0 : -1;
}

static int ready(const struct review *r);

/* The source connected (again): the first lint of the data waited for it. */
static void on_state(db_t *db, enum db_state st, void *arg)
{
    struct review *r = arg;

    if (r->closed || r->stopping)
        return;
    if (db == r->db[0] && st == DB_UP && !r->lint_ran && !r->lint_job && ready(r))
        review_lint(r);
    else
        review__changed(r);
}

int review_open(struct review *r, uv_loop_t *loop, ws_t *ws, const struct plan *p,
                struct err *e)
{
    char *path = plan_path(p, p->mapping);
    int rc = 0;

    memset(r, 0, sizeof *r);
    r->loop = loop;
    r->ws = ws;
    r->url[0] = xstrdup(p->source.url);
    r->url[1] = xstrdup(p->target.url);
    r->dir = xstrdup(p->dir);
    r->path = path;
    rc = load(r, path, e);
    return rc;
}

/* The sheet read again from its file, in place of the one held. */
static int reload(struct review *r, struct err *e)
{
    int rc;

    sheet_free(&r->sheet);
    rc = load(r, r->path, e);
    lint_stat(r);
    review__changed(r);
    return rc;
}

/* Reads the sheet again if something else rewrote the file since it was
 * read, so that a change made here keeps theirs; `row` (may be NULL) is
 * followed to where its pair is now. 1: read again; 0: unchanged; -1 with
 * `e`: it cannot be read, or no longer has the row. */
static int reread(struct review *r, size_t *row, struct err *e)
{
    char *src = NULL, *tgt = NULL;
    long at;
    int rc;

    if (file_stamp_same(r->disk, file_stamp(r->path)))
        return 0;
    if (row && *row < r->sheet.n && r->sheet.rows[*row].f) {
        src = xstrdup(sheet_get(&r->sheet, *row, SC_SOURCE));
        tgt = xstrdup(sheet_get(&r->sheet, *row, SC_TARGET));
    }
    rc = reload(r, e) < 0 ? -1 : 1;
    if (rc > 0 && src && (at = sheet_find(&r->sheet, src, tgt)) >= 0)
        *row = (size_t)at;
    else if (rc > 0 && src)
        rc = err_set(e, ERR_INPUT, "%s was changed by something else and no longer has %s -> "
                     "%s; nothing was changed", r->path, src,
                     *tgt ? tgt : "(not migrated)");
    free(src), free(tgt);
    return rc;
}

static void change_free(struct review_change *c)
{
    free(c->source), free(c->target), free(c->what);
    for (int i = 0; i < SC_NKNOWN; i++)
        free(c->old[i]);
}

void review__preview_clear(struct preview *p)
{
    for (int i = 0; i < p->n; i++) {
        free(p->rows[i].key), free(p->rows[i].before), free(p->rows[i].after);
        free(p->rows[i].target);
    }
    free(p->target_note);
    memset(p, 0, sizeof *p);
}

static void lint_detach(void *job);

void review_close(struct review *r)
{
    r->closed = 1;  /* callbacks still to come (canceled) find nothing to do */
    if (r->lint_job) {  /* it ends on its own, when the source's queries end */
        lint_detach(r->lint_job);
        r->lint_job = NULL;
    }
    if (r->preview_q)
        db_query_cancel(r->preview_q);
    if (r->compile_q)
        db_query_cancel(r->compile_q);
    review__preview_clear(&r->preview);
    for (size_t i = 0; i < r->nundo; i++)
        change_free(&r->undo[i]);
    free(r->undo);
    r->undo = NULL;
    r->nundo = 0;
    lint_free(&r->stat);
    lint_free(&r->data);
    sheet_free(&r->sheet);
    r->have_sheet = 0;
    snap_unref(r->snap);
    r->snap = NULL;
    for (int w = 0; w < 2; w++) {
        db_close(r->db[w]);  /* a preview or compile under way ends cancelled */
        r->db[w] = NULL;
        free(r->url[w]);
        r->url[w] = NULL;
    }
    free(r->dir);
    r->dir = NULL;
    free(r->path);
    r->path = NULL;
}

/* --- lint ---------------------------------------------------------------------- */

static int ready(const struct review *r)
{
    return r->have_sheet && r->snap;
}

static void lint_stat(struct review *r)
{
    lint_free(&r->stat);
    if (ready(r))
        lint_static(&r->sheet, &r->snap->pairs, r->snap->cat[0], r->snap->cat[1], &r->stat);
}

/* A lint of the data owns what it reads: the snapshot it started with, a
 * sheet of its own (read from the file the review writes through) and a
 * connection to the source, so that the review may close while it runs
 * (review_close detaches it). */
struct lint_job {
    struct review *r;           /* NULL once detached */
    struct snap *snap;
    db_t *db;
    struct sheet sheet;
    struct lint_report rep;
};

/* The review closes: the lint's connection too, so that its queries end
 * cancelled now and it frees itself (lint_done), not a whole lint later. */
static void lint_detach(void *job)
{
    struct lint_job *j = job;

    j->r = NULL;
    db_close(j->db);
    j->db = NULL;
}

static void lint_job_free(struct lint_job *j)
{
    lint_free(&j->rep);
    sheet_free(&j->sheet);
    snap_unref(j->snap);
    db_close(j->db);  /* deferred: safe inside its own callback */
    free(j);
}

static void lint_done(void *arg, int status, const char *msg)
{
    struct lint_job *j = arg;
    struct review *r = j->r;

    if (!r) {  /* the review closed meanwhile */
        lint_job_free(j);
        return;
    }
    r->lint_job = NULL;
    if (status) {
        say(r, "lint stopped: %s", msg ? msg : "");
    } else {
        lint_free(&r->data);
        r->data = j->rep;
        memset(&j->rep, 0, sizeof j->rep);
        r->lint_ran = 1;
    }
    lint_job_free(j);
    review__changed(r);
    if (r->lint_again) {
        r->lint_again = 0;
        review_lint(r);
    }
}

void review_lint(struct review *r)
{
    static const struct db_opts o = { .statement_timeout_ms = 3600 * 1000 };
    struct lint_job *j;
    struct err e = { 0 };

    lint_stat(r);
    if (!ready(r) || !review__up(r, 0)) {
        review__changed(r);
        return;
    }
    if (r->lint_job) {
        r->lint_again = 1;
        return;
    }
    j = xcalloc(1, sizeof *j);
    if (load_copy(r, &j->sheet) < 0) {
        free(j);
        review__changed(r);
        return;
    }
    if (db_open(r->loop, r->url[0], r->dir, &o, &j->db, &e) < 0) {
        say(r, "lint: %s", e.msg);
        sheet_free(&j->sheet);
        free(j);
        review__changed(r);
        return;
    }
    j->r = r;
    j->snap = snap_ref(r->snap);
    r->lint_job = j;
    lint_data(j->db, &j->sheet, &j->snap->pairs, j->snap->cat[1], &j->rep, lint_done, j);
    review__changed(r);
}

void review_update(struct review *r, struct snap *s)
{
    struct err e = { 0 };

    if (s)
        snap_ref(s);
    snap_unref(r->snap);
    r->snap = s;
    if (reread(r, NULL, &e) > 0 || (!r->lint_ran && !r->lint_job && ready(r)))
        review_lint(r);  /* read again: what it says may have changed */
    else
        lint_stat(r);
}

static void worst(const struct lint_report *rep, int line, int *sev, int *n)
{
    for (size_t i = 0; line && i < rep->n; i++)
        if (rep->v[i].line == line) {
            (*n)++;
            if (*sev < 0 || (int)rep->v[i].sev < *sev)
                *sev = (int)rep->v[i].sev;
        }
}

int review_severity(const struct review *r, size_t row, int *n)
{
    int sev = -1, line = row < r->sheet.n ? r->sheet.rows[row].line : 0;

    *n = 0;
    worst(&r->stat, line, &sev, n);
    worst(&r->data, line, &sev, n);
    return sev;
}

/* --- changes ------------------------------------------------------------------- */

static void remember(struct review *r, size_t row, const char *what)
{
    struct review_change *c;

    r->undo = xrealloc(r->undo, (r->nundo + 1) * sizeof *r->undo);
    c = &r->undo[r->nundo++];
    memset(c, 0, sizeof *c);
    c->source = xstrdup(sheet_get(&r->sheet, row, SC_SOURCE));
    c->target = xstrdup(sheet_get(&r->sheet, row, SC_TARGET));
    c->what = xstrdup(what);
    for (int i = 0; i < SC_NKNOWN; i++)
        c->old[i] = xstrdup(sheet_get(&r->sheet, row, (enum sheet_col)i));
}

static char *row_name(const struct review *r, size_t row)
{
    const char *t = sheet_get(&r->sheet, row, SC_TARGET);

    return xasprintf("mapping %s -> %s", sheet_get(&r->sheet, row, SC_SOURCE),
                     *t ? t : "(not migrated)");
}

/* Saves the sheet, reads it back (lines may have moved) and records the change. */
static int commit(struct review *r, size_t row, const char *action, const char *old_value,
                  const char *new_value, struct err *e)
{
    char *object = row_name(r, row);
    int rc;

    if (!r->ws) {
        free(object);
        return err_set(e, ERR_INPUT, "the workspace could not be opened, so changes cannot be "
                       "recorded");
    }
    if (sheet_save(&r->sheet, e) < 0) {
        free(object);
        return -1;
    }
    rc = ws_audit(r->ws, action, object, old_value, new_value, e);
    free(object);
    reload(r, e);
    return rc < 0 || !r->have_sheet ? -1 : 0;
}

static void now_iso(char *buf, size_t n)
{
    time_t t = time(NULL);

    strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
}

static int review_set(struct review *r, size_t row, const char *status, const char *note,
                      struct err *e)
{
    char when[32], *old, *new;
    int rc;

    if (reread(r, &row, e) < 0)
        return -1;
    if (row >= r->sheet.n || !r->sheet.rows[row].f)
        return err_set(e, ERR_INPUT, "no such row");
    old = xasprintf("%s", *sheet_get(&r->sheet, row, SC_STATUS) ? sheet_get(&r->sheet, row,
                                                                             SC_STATUS)
                                                                : "draft");
    new = note ? xasprintf("%s: %s", status, note) : xstrdup(status);
    remember(r, row, new);
    now_iso(when, sizeof when);
    sheet_set(&r->sheet, row, SC_STATUS, status);
    sheet_set(&r->sheet, row, SC_REVIEWER, user_name());
    sheet_set(&r->sheet, row, SC_REVIEWED_AT, when);
    if (note)
        sheet_set(&r->sheet, row, SC_NOTE, note);
    rc = commit(r, row, strcmp(status, "approved") == 0 ? "approve" : "reject", old, new, e);
    free(old);
    free(new);
    return rc;
}

int review_approve(struct review *r, size_t row, struct err *e)
{
    return review_set(r, row, "approved", NULL, e);
}

int review_reject(struct review *r, size_t row, const char *note, struct err *e)
{
    char *n = xstrdup(note ? note : "");
    int rc;

    if (!*str_trim(n)) {
        free(n);
        return err_set(e, ERR_INPUT, "a rejection needs a note saying why");
    }
    rc = review_set(r, row, "rejected", n, e);
    free(n);
    return rc;
}

int review_set_rows(struct review *r, const size_t *rows, size_t n, int approve,
                    const char *note, size_t *done, struct err *e)
{
    char *copy = xstrdup(note ? note : ""), *text = str_trim(copy);
    int rc = 0;

    *done = 0;
    if (!approve && !*text) {
        free(copy);
        return err_set(e, ERR_INPUT, "a rejection needs a note saying why");
    }
    for (size_t i = 0; i < n && rc == 0; i++)  /* each as it would be alone: its write, its audit */
        if ((rc = review_set(r, rows[i], approve ? "approved" : "rejected", *text ? text : NULL,
                             e)) == 0)
            (*done)++;
    free(copy);
    return rc;
}

int review_edit(struct review *r, size_t row, enum sheet_col c, const char *value,
                struct err *e)
{
    char why[300], *old, *what;
    struct rules rules;
    int rc, back_to_draft;

    if (reread(r, &row, e) < 0)
        return -1;
    if (row >= r->sheet.n || !r->sheet.rows[row].f)
        return err_set(e, ERR_INPUT, "no such row");
    if (c == SC_RULE) {
        if (rules_parse(value, &rules, why, sizeof why) < 0)
            return err_set(e, ERR_INPUT, "rule '%s': %s", value, why);
        rules_free(&rules);
    }
    if (strcmp(sheet_get(&r->sheet, row, c), value) == 0)
        return 0;
    old = xasprintf("%s %s", sheet_col_name(c), sheet_get(&r->sheet, row, c));
    what = xasprintf("%s %s", sheet_col_name(c), value);
    remember(r, row, what);
    back_to_draft = (c == SC_TRANSFORM || c == SC_RULE) &&
                    strcmp(sheet_get(&r->sheet, row, SC_STATUS), "approved") == 0;
    sheet_set(&r->sheet, row, c, value);
    if (back_to_draft)  /* the approval was for what it was before */
        sheet_set(&r->sheet, row, SC_STATUS, "draft");
    rc = commit(r, row, "edit", old, what, e);
    free(old);
    free(what);
    if (rc == 0 && (c == SC_TRANSFORM || c == SC_RULE))
        review_lint(r);
    return rc;
}

const char *review_undo_what(const struct review *r)
{
    return r->nundo ? r->undo[r->nundo - 1].what : NULL;
}

int review_undo(struct review *r, struct err *e)
{
    struct review_change *c;
    long row;
    char *what;
    int rc;

    if (!r->nundo)
        return err_set(e, ERR_INPUT, "nothing to undo");
    if (reread(r, NULL, e) < 0)
        return -1;
    c = &r->undo[r->nundo - 1];
    if ((row = sheet_find(&r->sheet, c->source, c->target)) < 0) {
        rc = err_set(e, ERR_INPUT, "%s -> %s is no longer in the sheet", c->source, c->target);
    } else {
        for (int i = 0; i < SC_NKNOWN; i++)
            if (r->sheet.col[i] >= 0 || *c->old[i])
                sheet_set(&r->sheet, (size_t)row, (enum sheet_col)i, c->old[i]);
        what = xasprintf("undo: %s", c->what);
        rc = commit(r, (size_t)row, "undo", c->what, what, e);
        free(what);
        review_lint(r);
    }
    change_free(c);
    r->nundo--;
    return rc;
}

/* --- the source table of a row -------------------------------------------------- */

const struct pair *review__pair_of(const struct review *r, const char *ref, const char **col)
{
    const char *dot = strrchr(ref, '.');

    if (!dot || !r->snap)
        return NULL;
    for (size_t i = 0; i < r->snap->pairs.n; i++) {
        const struct pair *p = &r->snap->pairs.pairs[i];
        if (p->src && strlen(p->src->name) == (size_t)(dot - ref) &&
            strncmp(p->src->name, ref, (size_t)(dot - ref)) == 0) {
            *col = dot + 1;
            return p;
        }
    }
    return NULL;
}

static void compiled(db_query_t *q, int status, const char *msg, void *arg)
{
    struct review *r = arg;

    if (r->closed || q != r->compile_q)
        return;  /* a newer compile replaced it */
    r->compile_q = NULL;
    r->compile_state = status ? 3 : 2;
    snprintf(r->compile_msg, sizeof r->compile_msg, "%s", status ? msg : "compiles");
    review__changed(r);
}

void review_compile(struct review *r, size_t row, const char *transform)
{
    const char *col;
    const struct pair *p = review__pair_of(r, sheet_get(&r->sheet, row, SC_SOURCE), &col);
    char *from, *sql;

    if (r->compile_q) {
        db_query_t *old = r->compile_q;
        r->compile_q = NULL;
        db_query_cancel(old);
    }
    if (!*transform) {
        r->compile_state = 2;
        snprintf(r->compile_msg, sizeof r->compile_msg, "no transform: the value as it is");
        review__changed(r);
        return;
    }
    if (!p || !review__usable(r, 0)) {
        r->compile_state = 3;
        snprintf(r->compile_msg, sizeof r->compile_msg, "the source is not available to "
                 "compile against");
        review__changed(r);
        return;
    }
    from = cat_sql_name(p->src);
    sql = xasprintf("SELECT (%s) FROM %s LIMIT 0", transform, from);
    r->compile_state = 1;
    snprintf(r->compile_msg, sizeof r->compile_msg, "compiling…");
    r->compile_q = db_query(r->db[0], sql, 0, NULL, NULL, NULL, compiled, r);
    free(sql);
    free(from);
    review__changed(r);
}

void review_preview_cancel(struct review *r)
{
    if (r->preview_q)
        db_query_cancel(r->preview_q);
}

void review_stop(struct review *r)
{
    review_preview_cancel(r);
    if (r->compile_q)
        db_query_cancel(r->compile_q);
    r->stopping = 1;  /* no connection opens again */
    for (int w = 0; w < 2; w++) {  /* their last callbacks come on the loop (db_closing) */
        db_close(r->db[w]);
        r->db[w] = NULL;
    }
}

int review_working(const struct review *r)
{
    return r->preview_q || r->compile_q;
}
