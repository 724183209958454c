#include "config.h"
#include "review.h"
#include "diff.h"
#include "rule.h"
#include "util.h"
#include "value.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void changed(struct review *r)
{
    if (r->on_change)
        r->on_change(r, r->arg);
}

static char *sheet_file(const struct dash *d)
{
    return plan_path(dash_plan(d), dash_plan(d)->mapping);
}

static void lint_stat(struct review *r);

/* A copy of the sheet in use, for a lint to own: read again from the file,
 * which holds every change the review made (each is written through). */
static int load_copy(struct review *r, struct sheet *out)
{
    char *path = sheet_file(r->d);
    struct err e = { 0 };
    int rc = 0;

    if (!file_stamp(path).exists)
        sheet_init(out, path);
    else if ((rc = sheet_load(path, out, &e)) < 0)
        dash_say(r->d, 1, "lint: %s", e.msg);
    free(path);
    return rc;
}

/* The sheet as the file holds it now (a missing file: an empty sheet). */
static int load(struct review *r, const char *path, struct err *e)
{
    int rc = 0;

    r->disk = file_stamp(path);
    if (!r->disk.exists)
        sheet_init(&r->sheet, path);
    else
        rc = sheet_load(path, &r->sheet, e);
    r->have_sheet = rc == 0;
    return rc;
}

int review_open(struct review *r, struct dash *d, struct err *e)
{
    char *path = sheet_file(d);
    int rc = 0;

    memset(r, 0, sizeof *r);
    r->d = d;
    rc = load(r, path, e);
    free(path);
    return rc;
}

/* The sheet read again from its file, in place of the one held. */
static int reload(struct review *r, struct err *e)
{
    char *path = xstrdup(r->sheet.path);
    int rc;

    sheet_free(&r->sheet);
    rc = load(r, path, e);
    free(path);
    lint_stat(r);
    changed(r);
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

    if (file_stamp_same(r->disk, file_stamp(r->sheet.path)))
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
                     "%s; nothing was changed", r->sheet.path, src,
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

static void preview_clear(struct preview *p)
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
    preview_clear(&r->preview);
    for (size_t i = 0; i < r->nundo; i++)
        change_free(&r->undo[i]);
    free(r->undo);
    r->undo = NULL;
    r->nundo = 0;
    lint_free(&r->stat);
    lint_free(&r->data);
    sheet_free(&r->sheet);
    r->have_sheet = 0;
}

/* --- lint ---------------------------------------------------------------------- */

static int ready(const struct review *r)
{
    const struct dash *d = r->d;

    return r->have_sheet && (dash_inventory(d) != NULL) && dash_view(d);
}

static void lint_stat(struct review *r)
{
    lint_free(&r->stat);
    if (ready(r))
        lint_static(&r->sheet, &dash_view(r->d)->pairs, dash_view(r->d)->cat[0], dash_view(r->d)->cat[1],
                    &r->stat);
}

/* A lint of the data owns what it reads: the snapshot it started with and a
 * sheet of its own (read from the file the review writes through), so that
 * the review may close while it runs (review_close detaches it). */
struct lint_job {
    struct review *r;           /* NULL once detached */
    struct snap *snap;
    struct sheet sheet;
    struct lint_report rep;
};

static void lint_detach(void *job)
{
    ((struct lint_job *)job)->r = NULL;
}

static void lint_job_free(struct lint_job *j)
{
    lint_free(&j->rep);
    sheet_free(&j->sheet);
    snap_unref(j->snap);
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
        dash_say(r->d, 1, "lint stopped: %s", msg ? msg : "");
    } else {
        lint_free(&r->data);
        r->data = j->rep;
        memset(&j->rep, 0, sizeof j->rep);
        r->lint_ran = 1;
    }
    lint_job_free(j);
    changed(r);
    if (r->lint_again) {
        r->lint_again = 0;
        review_lint(r);
    }
}

void review_lint(struct review *r)
{
    struct lint_job *j;

    lint_stat(r);
    if (!ready(r) || dash_side(r->d, 0)->state != DB_UP) {
        changed(r);
        return;
    }
    if (r->lint_job) {
        r->lint_again = 1;
        return;
    }
    j = xcalloc(1, sizeof *j);
    if (load_copy(r, &j->sheet) < 0) {
        free(j);
        changed(r);
        return;
    }
    j->r = r;
    j->snap = dash_snap(r->d);
    r->lint_job = j;
    lint_data(dash_side(r->d, 0)->db, &j->sheet, &j->snap->pairs, j->snap->cat[1], &j->rep, lint_done,
              j);
    changed(r);
}

void review_update(struct review *r)
{
    struct err e = { 0 };

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

    if (!dash_ws(r->d)) {
        free(object);
        return err_set(e, ERR_INPUT, "the workspace could not be opened, so changes cannot be "
                       "recorded");
    }
    if (sheet_save(&r->sheet, e) < 0) {
        free(object);
        return -1;
    }
    rc = ws_audit(dash_ws(r->d), action, object, old_value, new_value, e);
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

static const struct pair *pair_of(const struct review *r, const char *ref, const char **col)
{
    const char *dot = strrchr(ref, '.');

    if (!dot || !(dash_inventory(r->d) != NULL))
        return NULL;
    for (size_t i = 0; i < dash_view(r->d)->pairs.n; i++) {
        const struct pair *p = &dash_view(r->d)->pairs.pairs[i];
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
    changed(r);
}

void review_compile(struct review *r, size_t row, const char *transform)
{
    const char *col;
    const struct pair *p = pair_of(r, sheet_get(&r->sheet, row, SC_SOURCE), &col);
    char *from, *sql;

    if (r->compile_q) {
        db_query_t *old = r->compile_q;
        r->compile_q = NULL;
        db_query_cancel(old);
    }
    if (!*transform) {
        r->compile_state = 2;
        snprintf(r->compile_msg, sizeof r->compile_msg, "no transform: the value as it is");
        changed(r);
        return;
    }
    if (!p || dash_side(r->d, 0)->state != DB_UP) {
        r->compile_state = 3;
        snprintf(r->compile_msg, sizeof r->compile_msg, "the source is not available to "
                 "compile against");
        changed(r);
        return;
    }
    from = cat_sql_name(p->src);
    sql = xasprintf("SELECT (%s) FROM %s LIMIT 0", transform, from);
    r->compile_state = 1;
    snprintf(r->compile_msg, sizeof r->compile_msg, "compiling…");
    r->compile_q = db_query(dash_side(r->d, 0)->db, sql, 0, NULL, NULL, NULL, compiled, r);
    free(sql);
    free(from);
    changed(r);
}

/* --- preview --------------------------------------------------------------------- */

struct preview_job {
    struct review *r;
    int nkey;
    char **tkeys;               /* the target's key columns, quoted; NULL: none known */
    char *tfrom, *tcol;         /* the target table and column, quoted */
    char **params;
    int nparams;
};

static void job_free(struct preview_job *j)
{
    for (int i = 0; i < j->nparams; i++)
        free(j->params[i]);
    free(j->params);
    for (int k = 0; j->tkeys && k < j->nkey; k++)
        free(j->tkeys[k]);
    free(j->tkeys);
    free(j->tfrom);
    free(j->tcol);
    free(j);
}

/* The same value, as far as a preview can tell: text, numbers and
 * timestamps in their usual spellings (the rehearsal diff compares exactly). */
static int same(const char *a, const char *b)
{
    int i1, f1, i2, f2, o1, o2;

    if (!a || !b)
        return a == b;
    if (strcmp(a, b) == 0)
        return 1;
    if (val_decimal(a, &i1, &f1) && val_decimal(b, &i2, &f2))
        return strtod(a, NULL) == strtod(b, NULL);
    if (val_timestamp(a, &o1) && val_timestamp(b, &o2) && !o1 && !o2) {
        char x[20], y[20];
        snprintf(x, sizeof x, "%.19s", a);
        snprintf(y, sizeof y, "%.19s", b);
        x[10] = y[10] = ' ';
        return strcmp(x, y) == 0;
    }
    return 0;
}

static char *joined_key(const struct db_batch *b, size_t row, int nkey)
{
    struct sbuf s = { 0 };

    for (int k = 0; k < nkey; k++) {
        const char *v = db_cell(b, row, k)->p;
        sbuf_printf(&s, "%s%s", k ? ", " : "", v ? v : "NULL");
    }
    return sbuf_take(&s);
}

static void finished(struct review *r, db_query_t *q, int status, const char *msg)
{
    if (r->closed || q != r->preview_q)
        return;
    r->preview_q = NULL;
    r->preview.state = status == DB_ECANCELED ? PREVIEW_CANCELLED
                     : status ? PREVIEW_FAILED : PREVIEW_DONE;
    if (status)
        snprintf(r->preview.message, sizeof r->preview.message, "%s", msg ? msg : "");
    changed(r);
}

static int target_rows(db_query_t *q, const struct db_batch *b, void *arg)
{
    struct preview_job *j = arg;
    struct review *r = j->r;

    if (r->closed || q != r->preview_q)
        return DB_CONTINUE;
    for (size_t i = 0; i < b->nrows; i++) {
        char *key = joined_key(b, i, j->nkey);
        const char *v = db_cell(b, i, j->nkey)->p;
        for (int k = 0; k < r->preview.n; k++)
            if (strcmp(r->preview.rows[k].key, key) == 0) {
                struct preview_row *pr = &r->preview.rows[k];
                pr->found = 1;
                free(pr->target);
                pr->target = v ? xstrdup(v) : NULL;
            }
        free(key);
    }
    return DB_CONTINUE;
}

static void target_done(db_query_t *q, int status, const char *msg, void *arg)
{
    struct preview_job *j = arg;
    struct review *r = j->r;

    if (!r->closed && q == r->preview_q)
        for (int k = 0; k < r->preview.n; k++) {
            struct preview_row *pr = &r->preview.rows[k];
            pr->differs = pr->found && !same(pr->after, pr->target);
        }
    finished(r, q, status, msg);
    job_free(j);
}

static int source_rows(db_query_t *q, const struct db_batch *b, void *arg)
{
    struct preview_job *j = arg;
    struct review *r = j->r;

    if (r->closed || q != r->preview_q)
        return DB_CONTINUE;
    for (size_t i = 0; i < b->nrows && r->preview.n < PREVIEW_ROWS; i++) {
        struct preview_row *pr = &r->preview.rows[r->preview.n++];
        const char *before = db_cell(b, i, j->nkey)->p, *after = db_cell(b, i, j->nkey + 1)->p;
        pr->key = joined_key(b, i, j->nkey);
        pr->before = before ? xstrdup(before) : NULL;
        pr->after = after ? xstrdup(after) : NULL;
        for (int k = 0; k < j->nkey; k++) {
            const char *v = db_cell(b, i, k)->p;
            j->params = xrealloc(j->params, (size_t)(j->nparams + 1) * sizeof *j->params);
            j->params[j->nparams++] = xstrdup(v ? v : "");
        }
    }
    changed(r);
    return DB_CONTINUE;
}

static void source_done(db_query_t *q, int status, const char *msg, void *arg)
{
    struct preview_job *j = arg;
    struct review *r = j->r;
    struct sbuf sql = { 0 };
    db_t *tdb = dash_side(r->d, 1)->db;
    int pg;

    if (r->closed || q != r->preview_q || status || !j->tkeys || !r->preview.n ||
        dash_side(r->d, 1)->state != DB_UP) {
        if (!r->closed && q == r->preview_q && !status && !r->preview.target_note)
            r->preview.target_note = xstrdup(!j->tkeys ? "the target's key is not mapped"
                                             : !r->preview.n ? "no source rows"
                                             : "the target is not connected");
        finished(r, q, status, msg);
        job_free(j);
        return;
    }
    /* the target's values for the same keys: (k1 = $1 AND k2 = $2) OR … */
    pg = db_kind(tdb) == URL_PG;
    sbuf_puts(&sql, "SELECT ");
    for (int k = 0; k < j->nkey; k++)
        sbuf_printf(&sql, "%s, ", j->tkeys[k]);
    sbuf_printf(&sql, "%s FROM %s WHERE ", j->tcol, j->tfrom);
    for (int i = 0; i < r->preview.n; i++) {
        sbuf_puts(&sql, i ? " OR (" : "(");
        for (int k = 0; k < j->nkey; k++)
            sbuf_printf(&sql, "%s%s = %s%d", k ? " AND " : "", j->tkeys[k], pg ? "$" : "?",
                        i * j->nkey + k + 1);
        sbuf_puts(&sql, ")");
    }
    r->preview_q = db_query(tdb, sql.s, j->nparams, (const char *const *)j->params, NULL,
                            target_rows, target_done, j);
    if (!r->preview_q) {
        r->preview.state = PREVIEW_FAILED;
        job_free(j);
    }
    sbuf_free(&sql);
    changed(r);
}

/* The target column that the sheet maps a source column to, or NULL. */
static const char *mapped_to(const struct review *r, const char *src_ref)
{
    for (size_t i = 0; i < r->sheet.n; i++)
        if (r->sheet.rows[i].f && strcmp(sheet_get(&r->sheet, i, SC_SOURCE), src_ref) == 0 &&
            *sheet_get(&r->sheet, i, SC_TARGET))
            return sheet_get(&r->sheet, i, SC_TARGET);
    return NULL;
}

void review_preview(struct review *r, size_t row)
{
    const char *col, *tref = sheet_get(&r->sheet, row, SC_TARGET);
    const char *tf = sheet_get(&r->sheet, row, SC_TRANSFORM);
    const struct pair *p = pair_of(r, sheet_get(&r->sheet, row, SC_SOURCE), &col);
    struct preview_job *j;
    struct sbuf sql = { 0 };
    struct err e = { 0 };
    char *from, *qc, *keys;

    review_preview_cancel(r);
    preview_clear(&r->preview);
    r->preview.row = (long)row;
    if (!p || !cat_column(p->src, col) || dash_side(r->d, 0)->state != DB_UP) {
        r->preview.state = PREVIEW_FAILED;
        snprintf(r->preview.message, sizeof r->preview.message, "%s",
                 !p || !cat_column(p->src, col) ? "the source column is not in the catalog"
                                                : "the source is not connected");
        changed(r);
        return;
    }
    j = xcalloc(1, sizeof *j);
    j->r = r;
    j->nkey = (int)p->nkey;
    from = cat_sql_name(p->src);
    qc = db_quote_ident(col);
    sbuf_puts(&sql, "SELECT ");
    /* the keys as the diff reads them (transformed, if the sheet says so),
     * which are the target's */
    keys = p->nkey ? diff_key_select(p, &r->sheet, db_kind(dash_side(r->d, 0)->db),
                                     db_kind(dash_side(r->d, 1)->db), &e) : NULL;
    if (keys)
        sbuf_printf(&sql, "%s, ", keys);
    for (size_t k = 0; !keys && k < p->nkey; k++) {
        char *qk = db_quote_ident(p->key[k]);
        sbuf_printf(&sql, "%s, ", qk);
        free(qk);
    }
    free(keys);
    sbuf_printf(&sql, "%s, %s%s%s FROM %s", qc, *tf ? "(" : "", *tf ? tf : qc, *tf ? ")" : "",
                from);
    if (p->plan && p->plan->where)
        sbuf_printf(&sql, " WHERE %s", p->plan->where);
    if (p->nkey) {
        sbuf_puts(&sql, " ORDER BY ");
        for (int k = 1; k <= j->nkey; k++)
            sbuf_printf(&sql, "%s%d", k > 1 ? ", " : "", k);
    }
    sbuf_printf(&sql, " LIMIT %d", PREVIEW_ROWS);
    /* the target's side, when the key's columns are mapped to it */
    if (*tref && p->nkey && strrchr(tref, '.')) {
        const char *tdot = strrchr(tref, '.');
        char *ttable = xstrndup(tref, (size_t)(tdot - tref));
        const struct cat_table *tt = dash_view(r->d) ? cat_find(dash_view(r->d)->cat[1], ttable) : NULL;
        int ok = tt != NULL;
        j->tkeys = xcalloc(p->nkey, sizeof *j->tkeys);
        for (size_t k = 0; ok && k < p->nkey; k++) {
            char *sref = xasprintf("%s.%s", p->src->name, p->key[k]);
            const char *to = mapped_to(r, sref), *dot = to ? strrchr(to, '.') : NULL;
            ok = dot && (size_t)(dot - to) == strlen(ttable) && strncmp(to, ttable, strlen(ttable)) == 0;
            if (ok)
                j->tkeys[k] = db_quote_ident(dot + 1);
            free(sref);
        }
        if (ok) {
            j->tfrom = cat_sql_name(tt);
            j->tcol = db_quote_ident(tdot + 1);
        } else {
            for (size_t k = 0; k < p->nkey; k++)
                free(j->tkeys[k]);
            free(j->tkeys);
            j->tkeys = NULL;
        }
        free(ttable);
    }
    if (!p->nkey)
        r->preview.target_note = xstrdup("the table has no key to find the target's rows by");
    r->preview.state = PREVIEW_RUNNING;
    r->preview_q = db_query(dash_side(r->d, 0)->db, sql.s, 0, NULL, NULL, source_rows, source_done, j);
    if (!r->preview_q) {
        r->preview.state = PREVIEW_FAILED;
        job_free(j);
    }
    sbuf_free(&sql);
    free(from);
    free(qc);
    changed(r);
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
}

int review_working(const struct review *r)
{
    return r->preview_q || r->compile_q;
}
