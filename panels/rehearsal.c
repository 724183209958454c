/* The rehearsal panel: the runs with a trend of open discrepancies, the
 * tables of a run against the run before, and its discrepancies with their
 * class, owner and note. r starts a run on the dashboard's connections with
 * live progress (Esc cancels it); c, o and n classify, assign and annotate a
 * discrepancy, recorded in the workspace and its audit log. */
#include "config.h"
#include "jsonx.h"
#include "panel.h"
#include "rehearsal.h"
#include "rehearsal_int.h"
#include "triage.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { K_OPEN = 1, K_RUN, K_VIEW, K_CLASS, K_OWNER, K_NOTE, K_MARK, K_MARK_ALL };

static const struct tui_key keys[] = {
    { '\r', TUI_FN(KEY_ENTER), "Enter", "open", "runs → the run's tables → their discrepancies "
      "→ one of them", K_OPEN },
    { 'r', 0, "r", "run", "start a rehearsal run now (Esc cancels it)", K_RUN },
    { 'v', 0, "v", "view", "switch between runs, tables and discrepancies", K_VIEW },
    { 'c', 0, "c", "classify", "classify the discrepancy (carried to later runs)", K_CLASS },
    { 'o', 0, "o", NULL, "set the discrepancy's owner", K_OWNER },
    { 'e', 0, "e", NULL, "edit the discrepancy's decision note", K_NOTE },
    { 'm', 0, "m", "mark", "mark or unmark the discrepancy: c, o and e then change every "
      "marked one", K_MARK },
    { 'M', 0, "M", NULL, "mark every discrepancy shown (filter by a field with f first), or "
      "unmark them all", K_MARK_ALL },
    { 0 },
};

static const struct tui_col run_cols[] = {
    { "RUN", 5, 1, 1 }, { "STATUS", 12, 0, 1 }, { "STARTED", 21, 0, 0 }, { "TIME", 8, 1, 0 },
    { "MISSING", 8, 1, 0 }, { "EXTRA", 7, 1, 0 }, { "CHANGED", 8, 1, 0 }, { "OPEN", 6, 1, 1 },
};
static const struct tui_col table_cols[] = {
    { "SOURCE", 16, 0, 1 }, { "TARGET", 16, 0, 1 }, { "MISSING", 11, 1, 0 }, { "EXTRA", 10, 1, 0 },
    { "CHANGED", 11, 1, 0 }, { "SRC ROWS", 9, 1, 0 }, { "TGT ROWS", 9, 1, 0 }, { "STATUS", 0, 0, 1 },
};
static const struct tui_col disc_cols[] = {
    { "TABLE", 14, 0, 1 }, { "KIND", 9, 0, 1 }, { "KEY", 16, 0, 1 }, { "FIELDS", 18, 0, 0 },
    { "CLASS", 19, 0, 0 }, { "OWNER", 8, 0, 0 }, { "NOTE", 0, 0, 0 },
};



/* --- data ----------------------------------------------------------------------- */

static void forget(struct reh_panel *rp)
{
    ws_runs_free(rp->runs, rp->nruns);
    ws_results_free(rp->results, rp->nresults);
    ws_results_free(rp->prev, rp->nprev);
    ws_discs_free(rp->discs, rp->ndiscs);
    rp->runs = NULL, rp->results = rp->prev = NULL, rp->discs = NULL;
    rp->nruns = rp->nresults = rp->nprev = rp->ndiscs = 0;
}

static const struct ws_run_rec *run_at(const struct reh_panel *rp, long i)
{
    return i >= 0 && i < rp->nruns ? &rp->runs[i] : NULL;
}

static const struct ws_result_rec *result_at(const struct reh_panel *rp, long i)
{
    return i >= 0 && i < rp->nresults ? &rp->results[i] : NULL;
}

static const struct ws_disc_rec *disc_at(const struct reh_panel *rp, long i)
{
    return i >= 0 && i < rp->ndiscs ? &rp->discs[i] : NULL;
}

static long nonneg(long n)
{
    return n < 0 ? 0 : n;
}

static void load(struct reh_panel *rp)
{
    ws_t *ws = dash_ws(rp->p->dash);
    long prev = 0;

    forget(rp);
    if (ws)
        rp->nruns = nonneg(ws_runs_read(ws, NULL, &rp->runs));
    if (!rp->run && rp->nruns)
        rp->run = rp->runs[rp->nruns - 1].run;
    for (long i = 0; i < rp->nruns; i++)  /* the run the selected one is compared with */
        if (rp->runs[i].run == rp->run)
            prev = rp->runs[i].previous;
    if (ws && rp->run) {  /* its tables, then its checks; its discrepancies */
        rp->nresults = nonneg(ws_results_read(ws, rp->run, &rp->results));
        rp->ndiscs = nonneg(ws_discs_read(ws, rp->run, rp->table[0] ? rp->table : NULL, 100000,
                                          &rp->discs));
    }
    if (ws && prev)
        rp->nprev = nonneg(ws_results_read(ws, prev, &rp->prev));
    for (int k = 0; k < 3; k++)
        table_reload(&rp->t[k]);
    tui_dirty();
}

/* --- cells ------------------------------------------------------------------------- */

static int n_runs(void *ctx) { return (int)((struct reh_panel *)ctx)->nruns; }
static int n_tables(void *ctx) { return (int)((struct reh_panel *)ctx)->nresults; }
static int n_discs(void *ctx) { return (int)((struct reh_panel *)ctx)->ndiscs; }

static void run_cell(void *ctx, int i, int col, char *buf, size_t n)
{
    const struct ws_run_rec *r = run_at(ctx, i);
    char d[32];

    switch (col) {
    case 0: snprintf(buf, n, "%ld", r->run); break;
    case 1:  /* no result: it did not end */
        snprintf(buf, n, "%s %s", !r->result ? tui_g->warn : !strcmp(r->result, "pass")
                 ? tui_g->ok : tui_g->fail, r->result ? r->result : r->status);
        break;
    case 2: snprintf(buf, n, "%.19s", r->started_at); break;
    case 3: snprintf(buf, n, "%s", dur_format(r->duration_ms, d, sizeof d)); break;
    case 4: snprintf(buf, n, "%lld", r->missing); break;
    case 5: snprintf(buf, n, "%lld", r->extra); break;
    case 6: snprintf(buf, n, "%lld", r->changed); break;
    default: snprintf(buf, n, "%lld", r->open); break;
    }
}

static const struct ws_result_rec *prev_of(const struct reh_panel *rp, const char *table)
{
    for (long i = 0; i < rp->nprev; i++)
        if (!rp->prev[i].check && !strcmp(rp->prev[i].object, table))
            return &rp->prev[i];
    return NULL;
}

/* A check's line: its name, both values and its verdict. */
static void check_cell(const struct ws_result_rec *c, int col, char *buf, size_t n)
{
    switch (col) {
    case 0: snprintf(buf, n, "check %s", c->object); break;
    case 7:
        snprintf(buf, n, "%s %s: source %s, target %s%s%s",
                 !strcmp(c->status, "pass") ? tui_g->ok : tui_g->fail, c->status,
                 c->source_value ? c->source_value : "(no row)",
                 c->target_value ? c->target_value : "(no row)", *c->detail ? "; " : "",
                 c->detail);
        break;
    default: buf[0] = '\0'; break;
    }
}

/* "12 (-3)": this run's count and its change from the run before */
static void delta(char *buf, size_t n, long long now, const struct ws_result_rec *before,
                  long long then)
{
    if (!before || then == now)
        snprintf(buf, n, "%lld", now);
    else
        snprintf(buf, n, "%lld (%+lld)", now, now - then);
}

static void table_cell(void *ctx, int i, int col, char *buf, size_t n)
{
    const struct ws_result_rec *t = result_at(ctx, i), *b = prev_of(ctx, t->object);

    if (t->check) {
        check_cell(t, col, buf, n);
        return;
    }
    switch (col) {
    case 0: snprintf(buf, n, "%s", t->object); break;
    case 1: snprintf(buf, n, "%s", t->target_object); break;
    case 2: delta(buf, n, t->missing, b, b ? b->missing : 0); break;
    case 3: delta(buf, n, t->extra, b, b ? b->extra : 0); break;
    case 4: delta(buf, n, t->changed, b, b ? b->changed : 0); break;
    case 5: snprintf(buf, n, "%lld", t->source_rows); break;
    case 6: snprintf(buf, n, "%lld", t->target_rows); break;
    default:
        if (!strcmp(t->status, "not_validated"))  /* undecided, no target table */
            snprintf(buf, n, "%s not validated (undecided)", tui_g->dot);
        else
            snprintf(buf, n, "%s %s%s%s", !strcmp(t->status, "pass") ? tui_g->ok : tui_g->fail,
                     t->status, *t->detail ? ": " : "", t->detail);
        break;
    }
}

static void disc_cell(void *ctx, int i, int col, char *buf, size_t n)
{
    const struct ws_disc_rec *d = disc_at(ctx, i);
    size_t at = 0;

    switch (col) {
    case 0: snprintf(buf, n, "%s%s", rehp_marked(ctx, d) ? "*" : "", d->table); break;
    case 1: snprintf(buf, n, "%s", d->kind); break;
    case 2: snprintf(buf, n, "%s", d->key_text); break;
    case 3:
        buf[0] = '\0';
        if (d->message)  /* a structural finding: what it says */
            snprintf(buf, n, "%s", d->message);
        for (size_t k = 0; k < d->nfields; k++)
            at += (size_t)snprintf(buf + at, at < n ? n - at : 0, "%s%s", at ? "," : "",
                                   d->fields[k].source);
        break;
    case 4: snprintf(buf, n, "%s", *d->klass ? d->klass : "-"); break;
    case 5: snprintf(buf, n, "%s", *d->owner ? d->owner : "-"); break;
    default: snprintf(buf, n, "%s", d->note); break;
    }
}

static void disc_key(void *ctx, int i, char *buf, size_t n)
{
    const struct ws_disc_rec *d = disc_at(ctx, i);

    snprintf(buf, n, "%s|%s|%s", d->table, d->kind, d->key_json);
}

static enum theme_role run_role(void *ctx, int i)
{
    const struct ws_run_rec *r = run_at(ctx, i);

    return !r->result ? ROLE_WARN : strcmp(r->result, "pass") ? ROLE_FAIL : ROLE_OK;
}

static enum theme_role table_role(void *ctx, int i)
{
    const char *st = result_at(ctx, i)->status;

    return !strcmp(st, "pass") ? ROLE_OK : !strcmp(st, "not_validated") ? ROLE_MUTED : ROLE_FAIL;
}

static enum theme_role disc_role(void *ctx, int i)
{
    return !strcmp(disc_at(ctx, i)->klass, WS_ACCEPTED) ? ROLE_MUTED : ROLE_TEXT;
}

/* A run's checks after its tables, however the tables are sorted. */
static int table_group(void *ctx, int i)
{
    return result_at(ctx, i)->check;
}

static void init(struct panel *p)
{
    struct reh_panel *rp = xcalloc(1, sizeof *rp);

    rp->p = p;
    rp->t[V_RUNS] = (struct tui_table){ .cols = run_cols, .ncols = 8, .nrows = n_runs,
                                        .cell = run_cell, .role = run_role, .ctx = rp,
                                        .sort_desc = 1 };
    rp->t[V_TABLES] = (struct tui_table){ .cols = table_cols, .ncols = 8, .nrows = n_tables,
                                          .cell = table_cell, .role = table_role,
                                          .group = table_group, .ctx = rp };
    rp->t[V_DISCS] = (struct tui_table){ .cols = disc_cols, .ncols = 7, .nrows = n_discs,
                                         .cell = disc_cell, .role = disc_role, .key = disc_key,
                                         .ctx = rp };
    rp->view = V_TABLES;
    p->priv = rp;
    load(rp);
}

static void done(struct panel *p)
{
    struct reh_panel *rp = PRIV(p);

    rehp_unmark_all(rp);
    for (int k = 0; k < 3; k++)
        free(rp->pending[k]);
    for (int k = 0; k < 3; k++)
        table_free(&rp->t[k]);
    forget(rp);
    view_clear(&rp->dview);
    rehp_free_row(rp);
    if (rp->have_sheet)
        sheet_free(&rp->sheet);
    free(rp->klass);
    free(rp);
}

static void title(struct panel *p, char *buf, size_t n)
{
    struct reh_panel *rp = PRIV(p);
    const struct ws_run_rec *last = run_at(rp, rp->nruns - 1);

    if (dash_rehearsing(p->dash)) {
        snprintf(buf, n, "Rehearsal diff: running");
    } else if (last) {
        long long errors = last->errors, failed = last->failed_checks;
        int at = snprintf(buf, n, "Rehearsal diff run %ld: %lld open", last->run, last->open);
        if (errors && at >= 0 && (size_t)at < n)
            at += snprintf(buf + at, n - (size_t)at, ", %lld in error", errors);
        if (failed && at >= 0 && (size_t)at < n)
            snprintf(buf + at, n - (size_t)at, ", %lld check%s failed", failed,
                     failed > 1 ? "s" : "");
    } else {
        snprintf(buf, n, "Rehearsal diff");
    }
}

/* --- drawing ----------------------------------------------------------------------- */

static void trend(struct reh_panel *rp, int y, int x, int w)
{
    double open[30] = { 0 };
    const struct ws_run_rec *a = NULL, *b = NULL;
    char line[512], d1[32], d2[32];
    int at, n = 0;

    for (long i = rp->nruns - 1; i >= 0 && n < 30; i--) {
        const struct ws_run_rec *r = &rp->runs[i];
        if (!r->compared)
            continue;  /* cancelled, or refused at the start: no trend, no comparison */
        if (!b)
            b = r;
        else if (!a && r->run == b->previous)
            a = r;
        open[n++] = (double)r->open;
    }
    for (int i = 0; i < n / 2; i++) {  /* oldest first */
        double t = open[i];
        open[i] = open[n - 1 - i];
        open[n - 1 - i] = t;
    }
    draw_spark(line, sizeof line, open, n);
    at = draw_textf(y, x, w, ROLE_MUTED, "open per run ");
    at += draw_text(y, x + at, w - at, ROLE_SPARKLINE, line);
    if (a && b) {
        draw_textf(y, x + at, w - at, ROLE_TEXT, "  run %ld vs %ld: %lld %s %lld open, %s %s %s",
                   b->run, a->run, a->open, tui_g->arrow, b->open,
                   dur_format(a->duration_ms, d1, sizeof d1), tui_g->arrow,
                   dur_format(b->duration_ms, d2, sizeof d2));
    }
}

static void build_detail(struct reh_panel *rp)
{
    const struct ws_disc_rec *d = disc_at(rp, table_selected(&rp->t[V_DISCS]));

    view_clear(&rp->dview);
    if (!d) {
        view_add(&rp->dview, ROLE_MUTED, "no discrepancy selected");
        return;
    }
    view_add(&rp->dview, ROLE_TITLE, "%s %s %s %s: %s", d->table, tui_g->arrow, d->target_table,
             d->key_text, d->kind);
    view_add(&rp->dview, ROLE_TEXT, "class %s, owner %s, note %s", *d->klass ? d->klass : "-",
             *d->owner ? d->owner : "-", *d->note ? d->note : "-");
    if (!strcmp(d->kind, "missing"))
        view_add(&rp->dview, ROLE_FAIL, "%s the source has this key, the target does not",
                 tui_g->fail);
    else if (!strcmp(d->kind, "extra"))
        view_add(&rp->dview, ROLE_FAIL, "%s the target has this key, the source does not",
                 tui_g->fail);
    if (d->message) {  /* a structural finding: no one row to read */
        view_add(&rp->dview, ROLE_FAIL, "%s %s", tui_g->fail, d->message);
        if (*d->sample)
            view_add(&rp->dview, ROLE_TEXT, "sample: %s", d->sample);
        return;
    }
    if (rp->row_state == 1)
        view_add(&rp->dview, ROLE_MUTED, "reading the row from both databases…");
    else if (rp->row_state == 3)
        view_add(&rp->dview, ROLE_MUTED, "the rows could not be read now (%s): the fields "
                 "recorded by the run follow", rp->row_msg);
    if (rp->row_state == 2) {
        char a[256], b[256], c[256];
        view_add(&rp->dview, ROLE_TITLE, "the row now, field by field:");
        view_add(&rp->dview, ROLE_TITLE, "  %s %s %s %s", draw_fit(a, sizeof a, "FIELD", 28),
                 draw_fit(b, sizeof b, "RULE", 16), draw_fit(c, sizeof c, "SOURCE", 30),
                 "TARGET");
        for (int k = 0; k < rp->nrow; k++) {
            const struct diff_row_field *rf = &rp->row[k];
            char *field = xasprintf("%s %s %s", rf->source, tui_g->arrow, rf->target);
            view_add(&rp->dview, rf->differs ? ROLE_FAIL : ROLE_TEXT, "%s %s %s %s %s",
                     rf->differs ? "≠" : " ", draw_fit(a, sizeof a, field, 28),
                     draw_fit(b, sizeof b, rf->rule, 16),
                     draw_fit(c, sizeof c, !rp->src_found ? "(no row)" : rf->source_value
                              ? rf->source_value : "NULL", 30),
                     !rp->tgt_found ? "(no row)" : rf->target_value ? rf->target_value : "NULL");
            free(field);
        }
        return;
    }
    if (d->nfields) {
        char a[256], b[256];
        char c[256];
        view_add(&rp->dview, ROLE_TITLE, "  %s %s %s %s", draw_fit(a, sizeof a, "FIELD", 28),
                 draw_fit(b, sizeof b, "RULE FAILED", 16), draw_fit(c, sizeof c, "SOURCE", 30),
                 "TARGET");
    }
    for (size_t i = 0; i < d->nfields; i++) {
        const struct ws_disc_field *v = &d->fields[i];
        char *field = xasprintf("%s %s %s", v->source, tui_g->arrow, v->target);
        char a[256], b[256], c[256];
        view_add(&rp->dview, ROLE_FAIL, "≠ %s %s %s %s", draw_fit(a, sizeof a, field, 28),
                 draw_fit(b, sizeof b, rehp_rule_of(rp, d, v), 16),
                 draw_fit(c, sizeof c, v->source_value, 30), v->target_value);
        free(field);
    }
}

static void draw(struct panel *p, struct rect r, int focused)
{
    struct reh_panel *rp = PRIV(p);
    static const char *const names[] = { "runs", "tables", "discrepancies" };

    if (p->detail) {
        build_detail(rp);
        view_draw(&rp->dview, r);
        return;
    }
    if (dash_rehearsing(p->dash)) {
        const char *progress = dash_rehearsing(p->dash);
        draw_textf(r.y, r.x, r.w, ROLE_BANNER, " %s ", *progress ? progress : "starting…");
    } else if (!rp->nruns) {
        draw_text(r.y, r.x, r.w, ROLE_MUTED, "No rehearsal recorded yet: press r to run one.");
        return;
    } else {
        trend(rp, r.y, r.x, r.w);
    }
    draw_textf(r.y + 1, r.x, r.w, ROLE_TITLE, "run %ld, %s%s%s  (v: runs, tables, discrepancies)",
               rp->run, names[rp->view], rp->view == V_DISCS && rp->table[0] ? " of " : "",
               rp->view == V_DISCS ? rp->table : "");
    table_draw(&rp->t[rp->view], (struct rect){ r.y + 2, r.x, r.h - 2, r.w }, focused);
}

/* --- running ----------------------------------------------------------------------- */

/* r: a run of the plan and tables as they are now, which the dashboard runs
 * (dash_rehearse); its progress and end come as DASH_RUN. */
static void start_run(struct reh_panel *rp)
{
    struct err e = { 0 };
    long run = dash_rehearse(rp->p->dash, &e);

    if (run < 0) {
        tui_message(1, "%s", e.msg);
        return;
    }
    rp->run = 0;
    tui_message(0, "rehearsal run %ld started", run);
}

/* --- changing a discrepancy ---------------------------------------------------------- */

/* One discrepancy's class, owner or note, in the workspace and its audit
 * log (triage_apply); `what` gets the change in words (caller frees). */
static int record(struct reh_panel *rp, const struct ws_disc_rec *d, char *const set[3],
                  char **what, struct err *e)
{
    struct triage_set ts = { set[0], set[1], set[2] };
    int rc = triage_apply(dash_ws(rp->p->dash), rp->run, d, &ts, what, e);

    if (rc == 0 && !rp->nmarks)
        tui_message(0, "discrepancy %s %s %s (run %ld): %s, recorded", d->table, d->kind,
                    d->key_text, rp->run, *what);
    return rc;
}

static void confirmed_bulk(void *ctx, int yes)
{
    struct reh_panel *rp = ctx;
    struct err e = { 0 };
    char *what = NULL;
    long done = 0, of = 0;

    for (long i = 0; yes && i < rp->ndiscs; i++) {
        if (!rehp_marked(rp, &rp->discs[i]))
            continue;
        of++;
        free(what);
        if (record(rp, &rp->discs[i], rp->pending, &what, &e) < 0)
            break;
        done++;
    }
    if (yes && done < of) {
        tui_message(1, "%ld of %ld discrepancies changed, then: %s", done, of, e.msg);
    } else if (yes) {
        tui_message(0, "%ld discrepancies: %s, each recorded", done, what ? what : "");
        rehp_unmark_all(rp);
    }
    free(what);
    for (int k = 0; k < 3; k++)
        free(rp->pending[k]), rp->pending[k] = NULL;
    load(rp);
}

/* The change asked for: of the marked discrepancies (confirmed first), or
 * of the one selected. */
static int change(struct reh_panel *rp, const char *klass, const char *owner, const char *note)
{
    const struct ws_disc_rec *d = disc_at(rp, rp->disc);
    const char *set[3] = { klass, owner, note };
    struct err e = { 0 };
    char *what, *q;

    if (rp->nmarks) {
        for (int k = 0; k < 3; k++)
            rp->pending[k] = set[k] ? xstrdup(set[k]) : NULL;
        q = xasprintf("Set %s%s%s%s for the %zu marked discrepancies?",
                      klass ? "class " : owner ? "owner " : "note ", klass ? klass : "",
                      owner ? owner : "", note ? note : "", rp->nmarks);
        tui_confirm(q, confirmed_bulk, rp);
        free(q);
        return 0;
    }
    if (!d)
        return -1;
    if (record(rp, d, (char *const *)set, &what, &e) < 0)
        tui_message(1, "%s", e.msg);
    free(what);
    load(rp);
    return 0;
}

static void chose_class(void *ctx, int choice)
{
    if (choice >= 0)
        change(ctx, ws_class_names[choice], NULL, NULL);
}

static void got_owner(void *ctx, const char *s)
{
    if (s && *s)
        change(ctx, NULL, s, NULL);
}

static void got_note(void *ctx, const char *s)
{
    if (s && *s)
        change(ctx, NULL, NULL, s);
}

static int key(struct panel *p, int k)
{
    struct reh_panel *rp = PRIV(p);
    int action = tui_key_action(keys, k), i;
    const struct ws_result_rec *t;
    const struct ws_disc_rec *d;

    if (p->detail && !action)
        return view_key(&rp->dview, k, 10);
    switch (action) {
    case K_RUN:
        start_run(rp);
        return TUI_HANDLED | TUI_REDRAW;
    case K_VIEW:
        rp->view = (rp->view + 1) % 3;
        if (rp->view == V_DISCS && rp->table[0]) {
            rp->table[0] = '\0';
            load(rp);
        }
        return TUI_HANDLED | TUI_REDRAW;
    case K_OPEN:
        i = table_selected(&rp->t[rp->view]);
        if (i < 0)
            return TUI_HANDLED | TUI_REDRAW;
        if (rp->view == V_RUNS) {
            rp->run = rp->runs[i].run;
            rp->view = V_TABLES;
        } else if (rp->view == V_TABLES) {
            t = result_at(rp, i);
            if (t->check) {
                char line[512];
                check_cell(t, 7, line, sizeof line);
                tui_message(strcmp(t->status, "pass") != 0, "check %s: %s", t->object, line);
                return TUI_HANDLED | TUI_REDRAW;
            }
            snprintf(rp->table, sizeof rp->table, "%s", t->object);
            rp->view = V_DISCS;
        } else {
            rp->dview.top = 0;
            rehp_read_sheet(rp);
            rehp_fetch_row(rp, disc_at(rp, table_selected(&rp->t[V_DISCS])));
            panel_detail_open(p);
        }
        load(rp);
        return TUI_HANDLED | TUI_REDRAW;
    case K_MARK:
    case K_MARK_ALL:
        if (rp->view != V_DISCS || p->detail) {
            tui_message(0, "marks are for discrepancies (v or Enter to their list)");
            return TUI_HANDLED | TUI_REDRAW;
        }
        if (action == K_MARK) {
            if (!(d = disc_at(rp, table_selected(&rp->t[V_DISCS]))))
                return TUI_HANDLED | TUI_REDRAW;
            rehp_mark(rp, d, !rehp_marked(rp, d));
            table_key(&rp->t[V_DISCS], TUI_FN(KEY_DOWN));  /* on to the next */
        } else {
            const struct tui_table *shown = &rp->t[V_DISCS];
            int all = shown->norder > 0;
            for (int j = 0; j < shown->norder; j++)
                all = all && rehp_marked(rp, &rp->discs[shown->order[j]]);
            for (int j = 0; j < shown->norder; j++)
                rehp_mark(rp, &rp->discs[shown->order[j]], !all);
        }
        tui_message(0, "%zu discrepancies marked", rp->nmarks);
        return TUI_HANDLED | TUI_REDRAW;
    case K_CLASS:
    case K_OWNER:
    case K_NOTE:
        if (rp->nmarks && !p->detail) {  /* the marked ones, whichever is selected */
            if (action == K_CLASS)
                tui_menu("Class for the marked", ws_class_names, WS_NCLASSES, 0, chose_class, rp);
            else
                tui_prompt(action == K_OWNER ? "owner of the marked: " : "note for the marked: ",
                           "", NULL, action == K_OWNER ? got_owner : got_note, rp);
            return TUI_HANDLED | TUI_REDRAW;
        }
        if (rp->view != V_DISCS && !p->detail) {
            tui_message(0, "choose a discrepancy first (v or Enter to its list)");
            return TUI_HANDLED | TUI_REDRAW;
        }
        rp->disc = table_selected(&rp->t[V_DISCS]);
        if (!(d = disc_at(rp, rp->disc)))
            return TUI_HANDLED | TUI_REDRAW;
        if (action == K_CLASS)
            tui_menu("Class", ws_class_names, WS_NCLASSES, 0, chose_class, rp);
        else if (action == K_OWNER)
            tui_prompt("owner: ", d->owner, NULL, got_owner, rp);
        else
            tui_prompt("note: ", d->note, NULL, got_note, rp);
        return TUI_HANDLED | TUI_REDRAW;
    default:
        return 0;
    }
}

/* The catalogs came (or a database came back): a discrepancy opened before
 * them gets its rows now. */
static void update(struct panel *p, unsigned what)
{
    struct reh_panel *rp = PRIV(p);
    int running = dash_rehearsing(p->dash) != NULL;

    if (rp->running && !running) {  /* a run ended (DASH_RUN): shown */
        rp->run = dash_rehearsed(p->dash);
        load(rp);
    }
    rp->running = running;
    if (p->detail && (what & (DASH_INVENTORY | DASH_DB)) && !rp->row_state && dash_view(p->dash))
        rehp_fetch_row(rp, disc_at(rp, table_selected(&rp->t[V_DISCS])));
}

static int back(struct panel *p)
{
    struct reh_panel *rp = PRIV(p);

    if (dash_rehearsing(p->dash)) {
        dash_rehearse_cancel(p->dash);
        tui_message(0, "cancelling the run…");
        return TUI_HANDLED | TUI_REDRAW;
    }
    if (p->detail) {
        rehp_free_row(rp);
        panel_detail_close(p);
        return TUI_HANDLED | TUI_REDRAW;
    }
    if (rp->view != V_RUNS) {
        rp->view = rp->view == V_DISCS ? V_TABLES : V_RUNS;
        rp->table[0] = '\0';
        load(rp);
        return TUI_HANDLED | TUI_REDRAW;
    }
    return 0;
}

static struct tui_table *table(struct panel *p)
{
    return &PRIV(p)->t[PRIV(p)->view];
}

const struct panel_ops panel_rehearsal_ops = {
    .name = "Rehearsal diff",
    .init = init,
    .done = done,
    .title = title,
    .draw = draw,
    .key = key,
    .back = back,
    .update = update,
    .table = table,
    .keys = keys,
};
