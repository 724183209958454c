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
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { K_OPEN = 1, K_RUN, K_VIEW, K_CLASS, K_OWNER, K_NOTE };

static const struct tui_key keys[] = {
    { '\r', TUI_FN(KEY_ENTER), "Enter", "open", "runs → the run's tables → their discrepancies "
      "→ one of them", K_OPEN },
    { 'r', 0, "r", "run", "start a rehearsal run now (Esc cancels it)", K_RUN },
    { 'v', 0, "v", "view", "switch between runs, tables and discrepancies", K_VIEW },
    { 'c', 0, "c", "classify", "classify the discrepancy (carried to later runs)", K_CLASS },
    { 'o', 0, "o", NULL, "set the discrepancy's owner", K_OWNER },
    { 'e', 0, "e", NULL, "edit the discrepancy's decision note", K_NOTE },
    { 0 },
};

static const char *const classes[] = { "mapping_defect", "transformation_bug",
                                       "source_data_problem", "sync_lag", "test_harness_error",
                                       "accepted_variance" };

static const struct tui_col run_cols[] = {
    { "RUN", 5, 1 }, { "STATUS", 12, 0 }, { "STARTED", 21, 0 }, { "TIME", 8, 1 },
    { "MISSING", 8, 1 }, { "EXTRA", 7, 1 }, { "CHANGED", 8, 1 }, { "OPEN", 6, 1 },
};
static const struct tui_col table_cols[] = {
    { "SOURCE", 16, 0 }, { "TARGET", 16, 0 }, { "MISSING", 11, 1 }, { "EXTRA", 10, 1 },
    { "CHANGED", 11, 1 }, { "SRC ROWS", 9, 1 }, { "TGT ROWS", 9, 1 }, { "STATUS", 0, 0 },
};
static const struct tui_col disc_cols[] = {
    { "TABLE", 14, 0 }, { "KIND", 9, 0 }, { "KEY", 16, 0 }, { "FIELDS", 18, 0 },
    { "CLASS", 19, 0 }, { "OWNER", 8, 0 }, { "NOTE", 0, 0 },
};



static json_t *item(json_t *arr, int i)
{
    return json_array_get(arr, (size_t)i);
}

/* --- data ----------------------------------------------------------------------- */

static int is_check(json_t *result)
{
    return !strcmp(jtext(result, "kind"), "check");
}

static void load(struct reh_panel *rp)
{
    ws_t *ws = rp->p->dash->ws;
    json_t *v;
    size_t i;
    long prev = 0;

    json_decref(rp->runs), json_decref(rp->results), json_decref(rp->prev);
    json_decref(rp->discs);
    rp->runs = ws ? ws_runs_json(ws) : json_array();
    if (!rp->run && json_array_size(rp->runs))
        rp->run = jint(item(rp->runs, (int)json_array_size(rp->runs) - 1), "run");
    json_array_foreach(rp->runs, i, v)  /* the run the selected one is compared with */
        if (jint(v, "run") == rp->run)
            prev = jint(v, "previous");
    /* its tables, then its checks */
    rp->results = ws && rp->run ? ws_results_json(ws, rp->run) : json_array();
    rp->prev = ws && prev ? ws_results_json(ws, prev) : json_array();
    rp->discs = json_array();
    if (ws && rp->run) {
        json_t *d = ws_discrepancies_json(ws, rp->run, 100000);
        json_array_foreach(d, i, v)
            if (!rp->table[0] || !strcmp(jtext(v, "tbl"), rp->table))
                json_array_append(rp->discs, v);
        json_decref(d);
    }
    for (int k = 0; k < 3; k++)
        table_reload(&rp->t[k]);
    tui_dirty();
}

/* --- cells ------------------------------------------------------------------------- */

static int n_runs(void *ctx) { return (int)json_array_size(((struct reh_panel *)ctx)->runs); }
static int n_tables(void *ctx) { return (int)json_array_size(((struct reh_panel *)ctx)->results); }
static int n_discs(void *ctx) { return (int)json_array_size(((struct reh_panel *)ctx)->discs); }

static void run_cell(void *ctx, int i, int col, char *buf, size_t n)
{
    json_t *r = item(((struct reh_panel *)ctx)->runs, i);
    const char *result = jstr(r, "result");  /* NULL: it did not end */
    char d[32];

    switch (col) {
    case 0: snprintf(buf, n, "%lld", jint(r, "run")); break;
    case 1:
        snprintf(buf, n, "%s %s", !result ? tui_g->warn : !strcmp(result, "pass") ? tui_g->ok
                 : tui_g->fail, result ? result : jtext(r, "status"));
        break;
    case 2: snprintf(buf, n, "%.19s", jtext(r, "started_at")); break;
    case 3: snprintf(buf, n, "%s", dur_format(jint(r, "duration_ms"), d, sizeof d)); break;
    case 4: snprintf(buf, n, "%lld", jint(r, "missing")); break;
    case 5: snprintf(buf, n, "%lld", jint(r, "extra")); break;
    case 6: snprintf(buf, n, "%lld", jint(r, "changed")); break;
    default: snprintf(buf, n, "%lld", jint(r, "open")); break;
    }
}

static json_t *prev_of(struct reh_panel *rp, const char *table)
{
    json_t *v;
    size_t i;

    json_array_foreach(rp->prev, i, v)
        if (!is_check(v) && !strcmp(jtext(v, "object"), table))
            return v;
    return NULL;
}

/* A check's line: its name, both values and its verdict. */
static void check_cell(json_t *c, int col, char *buf, size_t n)
{
    const char *st = jtext(c, "status");

    switch (col) {
    case 0: snprintf(buf, n, "check %s", jtext(c, "object")); break;
    case 7:
        snprintf(buf, n, "%s %s: source %s, target %s%s%s",
                 !strcmp(st, "pass") ? tui_g->ok : tui_g->fail, st,
                 jstr(c, "source_value") ? jstr(c, "source_value") : "(no row)",
                 jstr(c, "target_value") ? jstr(c, "target_value") : "(no row)",
                 *jtext(c, "detail") ? "; " : "", jtext(c, "detail"));
        break;
    default: buf[0] = '\0'; break;
    }
}

/* "12 (-3)": this run's count and its change from the run before */
static void delta(char *buf, size_t n, long long now, json_t *before, const char *k)
{
    if (!before || jint(before, k) == now)
        snprintf(buf, n, "%lld", now);
    else
        snprintf(buf, n, "%lld (%+lld)", now, now - jint(before, k));
}

static void table_cell(void *ctx, int i, int col, char *buf, size_t n)
{
    struct reh_panel *rp = ctx;
    json_t *t = item(rp->results, i), *b = prev_of(rp, jtext(t, "object"));
    static const char *const counts[] = { "missing", "extra", "changed" };

    if (is_check(t)) {
        check_cell(t, col, buf, n);
        return;
    }
    switch (col) {
    case 0: snprintf(buf, n, "%s", jtext(t, "object")); break;
    case 1: snprintf(buf, n, "%s", jtext(t, "target_object")); break;
    case 2: case 3: case 4: delta(buf, n, jint(t, counts[col - 2]), b, counts[col - 2]); break;
    case 5: snprintf(buf, n, "%lld", jint(t, "source_rows")); break;
    case 6: snprintf(buf, n, "%lld", jint(t, "target_rows")); break;
    default:
        if (!strcmp(jtext(t, "status"), "not_validated"))  /* undecided, no target table */
            snprintf(buf, n, "%s not validated (undecided)", tui_g->dot);
        else
            snprintf(buf, n, "%s %s%s%s", !strcmp(jtext(t, "status"), "pass") ? tui_g->ok
                     : tui_g->fail, jtext(t, "status"), *jtext(t, "detail") ? ": " : "",
                     jtext(t, "detail"));
        break;
    }
}

static void key_text(json_t *d, char *buf, size_t n)
{
    json_t *k = json_loads(jtext(d, "key"), 0, NULL), *v;
    const char *name;
    size_t at = 0;

    buf[0] = '\0';
    json_object_foreach(k, name, v) {
        char *s = json_dumps(v, JSON_ENCODE_ANY);
        at += (size_t)snprintf(buf + at, at < n ? n - at : 0, "%s%s=%s", at ? "," : "", name, s);
        free(s);
    }
    json_decref(k);
}

static void disc_cell(void *ctx, int i, int col, char *buf, size_t n)
{
    json_t *d = item(((struct reh_panel *)ctx)->discs, i);

    switch (col) {
    case 0: snprintf(buf, n, "%s", jtext(d, "tbl")); break;
    case 1: snprintf(buf, n, "%s", jtext(d, "kind")); break;
    case 2: key_text(d, buf, n); break;
    case 3: {
        json_t *f = json_loads(jtext(d, "fields"), 0, NULL), *v;
        size_t k, at = 0;
        buf[0] = '\0';
        json_array_foreach(f, k, v)
            at += (size_t)snprintf(buf + at, at < n ? n - at : 0, "%s%s", at ? "," : "",
                                   jtext(v, "source"));
        json_decref(f);
        break;
    }
    case 4: snprintf(buf, n, "%s", *jtext(d, "class") ? jtext(d, "class") : "-"); break;
    case 5: snprintf(buf, n, "%s", *jtext(d, "owner") ? jtext(d, "owner") : "-"); break;
    default: snprintf(buf, n, "%s", jtext(d, "decision")); break;
    }
}

static void disc_key(void *ctx, int i, char *buf, size_t n)
{
    json_t *d = item(((struct reh_panel *)ctx)->discs, i);

    snprintf(buf, n, "%s|%s|%s", jtext(d, "tbl"), jtext(d, "kind"), jtext(d, "key"));
}

static enum theme_role run_role(void *ctx, int i)
{
    json_t *r = item(((struct reh_panel *)ctx)->runs, i);

    return !jstr(r, "result") ? ROLE_WARN : strcmp(jstr(r, "result"), "pass") ? ROLE_FAIL
                                                                             : ROLE_OK;
}

static enum theme_role table_role(void *ctx, int i)
{
    const char *st = jtext(item(((struct reh_panel *)ctx)->results, i), "status");

    return !strcmp(st, "pass") ? ROLE_OK : !strcmp(st, "not_validated") ? ROLE_MUTED : ROLE_FAIL;
}

static enum theme_role disc_role(void *ctx, int i)
{
    return !strcmp(jtext(item(((struct reh_panel *)ctx)->discs, i), "class"), "accepted_variance")
           ? ROLE_MUTED : ROLE_TEXT;
}

/* A run's checks after its tables, however the tables are sorted. */
static int table_group(void *ctx, int i)
{
    return is_check(item(((struct reh_panel *)ctx)->results, i));
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

static void stop(struct panel *p)
{
    struct reh_panel *rp = PRIV(p);

    if (rp->reh)
        reh_cancel(rp->reh);  /* recorded cancelled; on_done still comes */
}

static void done(struct panel *p)
{
    struct reh_panel *rp = PRIV(p);

    reh_free(rp->finished);
    for (int k = 0; k < 3; k++)
        table_free(&rp->t[k]);
    json_decref(rp->runs), json_decref(rp->results), json_decref(rp->prev);
    json_decref(rp->discs);
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
    json_t *last = item(rp->runs, (int)json_array_size(rp->runs) - 1);

    if (rp->reh) {
        snprintf(buf, n, "Rehearsal diff: running");
    } else if (last) {
        long long errors = jint(last, "errors"), failed = jint(last, "failed_checks");
        int at = snprintf(buf, n, "Rehearsal diff run %lld: %lld open", jint(last, "run"),
                          jint(last, "open"));
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
    double open[30];
    json_t *a = NULL, *b = NULL;
    char line[512], d1[32], d2[32];
    int at, n = 0;

    for (int i = (int)json_array_size(rp->runs) - 1; i >= 0 && n < 30; i--) {
        json_t *r = item(rp->runs, i);
        if (!json_is_true(json_object_get(r, "compared")))
            continue;  /* cancelled, or refused at the start: no trend, no comparison */
        if (!b)
            b = r;
        else if (!a && jint(r, "run") == jint(b, "previous"))
            a = r;
        open[n++] = (double)jint(r, "open");
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
        draw_textf(y, x + at, w - at, ROLE_TEXT, "  run %lld vs %lld: %lld %s %lld open, %s %s %s",
                   jint(b, "run"), jint(a, "run"), jint(a, "open"), tui_g->arrow, jint(b, "open"),
                   dur_format(jint(a, "duration_ms"), d1, sizeof d1), tui_g->arrow,
                   dur_format(jint(b, "duration_ms"), d2, sizeof d2));
    }
}

static void build_detail(struct reh_panel *rp)
{
    json_t *d = item(rp->discs, table_selected(&rp->t[V_DISCS])), *f, *v;
    char key[512];
    size_t i;

    view_clear(&rp->dview);
    if (!d) {
        view_add(&rp->dview, ROLE_MUTED, "no discrepancy selected");
        return;
    }
    key_text(d, key, sizeof key);
    view_add(&rp->dview, ROLE_TITLE, "%s %s %s %s: %s", jtext(d, "tbl"), tui_g->arrow,
             jtext(d, "target_tbl"), key, jtext(d, "kind"));
    view_add(&rp->dview, ROLE_TEXT, "class %s, owner %s, note %s",
             *jtext(d, "class") ? jtext(d, "class") : "-", *jtext(d, "owner") ? jtext(d, "owner") : "-",
             *jtext(d, "decision") ? jtext(d, "decision") : "-");
    if (!strcmp(jtext(d, "kind"), "missing"))
        view_add(&rp->dview, ROLE_FAIL, "%s the source has this key, the target does not",
                 tui_g->fail);
    else if (!strcmp(jtext(d, "kind"), "extra"))
        view_add(&rp->dview, ROLE_FAIL, "%s the target has this key, the source does not",
                 tui_g->fail);
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
    f = json_loads(jtext(d, "fields"), 0, NULL);
    if (json_array_size(f)) {
        char a[256], b[256];
        char c[256];
        view_add(&rp->dview, ROLE_TITLE, "  %s %s %s %s", draw_fit(a, sizeof a, "FIELD", 28),
                 draw_fit(b, sizeof b, "RULE FAILED", 16), draw_fit(c, sizeof c, "SOURCE", 30),
                 "TARGET");
    }
    json_array_foreach(f, i, v) {
        char *s = json_dumps(json_object_get(v, "source_value"), JSON_ENCODE_ANY);
        char *t = json_dumps(json_object_get(v, "target_value"), JSON_ENCODE_ANY);
        char *field = xasprintf("%s %s %s", jtext(v, "source"), tui_g->arrow, jtext(v, "target"));
        char a[256], b[256], c[256];
        view_add(&rp->dview, ROLE_FAIL, "≠ %s %s %s %s", draw_fit(a, sizeof a, field, 28),
                 draw_fit(b, sizeof b, rehp_rule_of(rp, d, v), 16), draw_fit(c, sizeof c, s, 30), t);
        free(s), free(t), free(field);
    }
    json_decref(f);
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
    if (rp->reh) {
        draw_textf(r.y, r.x, r.w, ROLE_BANNER, " %s ", rp->progress[0] ? rp->progress
                                                                        : "starting…");
    } else if (!json_array_size(rp->runs)) {
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

static void on_progress(void *arg, const struct diff_table *t)
{
    struct reh_panel *rp = arg;
    char buf[200];

    snprintf(rp->progress, sizeof rp->progress, "running: %s — Esc cancels",
             reh_progress(t, buf, sizeof buf));
    tui_dirty();
}

static void on_done(void *arg, struct reh *r)
{
    struct reh_panel *rp = arg;
    json_t *s = reh_summary(r);
    char totals[256];

    rp->p->dash->hold--;
    if (reh_unrecorded(r))
        tui_message(1, "run %lld %s: %s — recorded incomplete: %s", jint(s, "run"),
                    jtext(s, "status"), reh_totals(s, totals, sizeof totals),
                    reh_unrecorded(r));
    else
        tui_message(strcmp(jtext(s, "status"), "pass") != 0, "run %lld %s: %s", jint(s, "run"),
                    jtext(s, "status"), reh_totals(s, totals, sizeof totals));
    json_decref(s);
    rp->run = reh_run(r);
    rp->finished = r;  /* freed later: we are inside its call chain */
    rp->reh = NULL;
    rp->progress[0] = '\0';
    dash_reread(rp->p->dash);
    load(rp);
}

static void on_warning(void *arg, const char *msg)
{
    struct reh_panel *rp = arg;

    tui_message(1, "run %ld: %s", rp->reh ? reh_run(rp->reh) : 0L, msg);
}

static void start_run(struct reh_panel *rp)
{
    struct dash *d = rp->p->dash;
    struct reh_events ev = { .progress = on_progress, .done = on_done, .warning = on_warning,
                             .arg = rp };
    struct err e = { 0 };

    if (rp->reh) {
        tui_message(0, "a run is already under way");
        return;
    }
    if (!d->ws || !d->have_inventory || d->side[0].state != DB_UP || d->side[1].state != DB_UP) {
        tui_message(1, "a run needs both databases up and the workspace open");
        return;
    }
    reh_free(rp->finished);
    rp->finished = NULL;
    d->hold++;  /* the catalogs stay as they are while the run reads them */
    if (!(rp->reh = reh_open(d->loop, d->ws, d->plan, &d->pairs, d->masked[0], d->masked[1],
                             NULL, &ev, &e))) {
        d->hold--;
        tui_message(1, "%s", e.msg);
        return;
    }
    rp->run = 0;
    tui_message(0, "rehearsal run %ld started", reh_run(rp->reh));
}

/* --- changing a discrepancy ---------------------------------------------------------- */

static int change(struct reh_panel *rp, const char *klass, const char *owner, const char *note)
{
    json_t *d = item(rp->discs, (int)rp->disc);
    struct err e = { 0 };
    char key[512], *object, *what;

    if (!d)
        return -1;
    key_text(d, key, sizeof key);
    object = xasprintf("discrepancy %s %s %s (run %ld)", jtext(d, "tbl"), jtext(d, "kind"), key,
                       rp->run);
    what = xasprintf("%s%s%s%s%s%s", klass ? "class " : "", klass ? klass : "",
                     owner ? "owner " : "", owner ? owner : "", note ? "note " : "",
                     note ? note : "");
    if (ws_classify(rp->p->dash->ws, rp->run, jtext(d, "tbl"), jtext(d, "kind"), jtext(d, "key"), klass,
                    owner, note, &e) < 0 ||
        ws_audit(rp->p->dash->ws, "discrepancy", object, NULL, what, &e) < 0)
        tui_message(1, "%s", e.msg);
    else
        tui_message(0, "%s: %s, recorded", object, what);
    free(object);
    free(what);
    load(rp);
    return 0;
}

static void chose_class(void *ctx, int choice)
{
    if (choice >= 0)
        change(ctx, classes[choice], NULL, NULL);
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
    json_t *d;

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
            rp->run = jint(item(rp->runs, i), "run");
            rp->view = V_TABLES;
        } else if (rp->view == V_TABLES) {
            if (is_check(item(rp->results, i))) {
                char line[512];
                check_cell(item(rp->results, i), 7, line, sizeof line);
                tui_message(strcmp(jtext(item(rp->results, i), "status"), "pass") != 0,
                            "check %s: %s", jtext(item(rp->results, i), "object"), line);
                return TUI_HANDLED | TUI_REDRAW;
            }
            snprintf(rp->table, sizeof rp->table, "%s", jtext(item(rp->results, i), "object"));
            rp->view = V_DISCS;
        } else {
            rp->dview.top = 0;
            rehp_read_sheet(rp);
            rehp_fetch_row(rp, item(rp->discs, table_selected(&rp->t[V_DISCS])));
            panel_detail_open(p);
        }
        load(rp);
        return TUI_HANDLED | TUI_REDRAW;
    case K_CLASS:
    case K_OWNER:
    case K_NOTE:
        if (rp->view != V_DISCS && !p->detail) {
            tui_message(0, "choose a discrepancy first (v or Enter to its list)");
            return TUI_HANDLED | TUI_REDRAW;
        }
        rp->disc = table_selected(&rp->t[V_DISCS]);
        if (!(d = item(rp->discs, (int)rp->disc)))
            return TUI_HANDLED | TUI_REDRAW;
        if (action == K_CLASS)
            tui_menu("Class", classes, 6, 0, chose_class, rp);
        else if (action == K_OWNER)
            tui_prompt("owner: ", jtext(d, "owner"), NULL, got_owner, rp);
        else
            tui_prompt("note: ", jtext(d, "decision"), NULL, got_note, rp);
        return TUI_HANDLED | TUI_REDRAW;
    default:
        return 0;
    }
}

static int back(struct panel *p)
{
    struct reh_panel *rp = PRIV(p);

    if (rp->reh) {
        reh_cancel(rp->reh);
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
    .stop = stop,
    .done = done,
    .title = title,
    .draw = draw,
    .key = key,
    .back = back,
    .table = table,
    .keys = keys,
};
