/* The mapping panel: the sheet's rows grouped by table with their review
 * status and lint severity. Enter opens a row (both columns, its findings
 * and a live preview); a approves, x rejects with a note, e edits transform,
 * rule, owner or note (validated as typed), u undoes, L lints again. The
 * review module in core does the work and keeps mapping.csv and the audit
 * log; this file only draws and asks. */
#include "config.h"
#include "panel.h"
#include "review.h"
#include "rule.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { K_OPEN = 1, K_APPROVE, K_REJECT, K_EDIT, K_UNDO, K_LINT, K_MARK, K_MARK_ALL };

static const struct tui_key keys[] = {
    { '\r', TUI_FN(KEY_ENTER), "Enter", "open", "the row: both columns, its lint findings and a "
      "live preview of 20 source rows", K_OPEN },
    { 'a', 0, "a", "approve", "approve the row, or the marked rows (one note for all)",
      K_APPROVE },
    { 'x', 0, "x", "reject", "reject the row, or the marked rows (a note says why)", K_REJECT },
    { 'm', 0, "m", "mark", "mark or unmark the row, to review several at once", K_MARK },
    { 'M', 0, "M", NULL, "mark every row shown (the filter's), or unmark them all", K_MARK_ALL },
    { 'e', 0, "e", "edit", "edit transform, rule, owner or note", K_EDIT },
    { 'u', 0, "u", "undo", "undo the last change", K_UNDO },
    { 'L', 0, "L", NULL, "lint again, the source data included", K_LINT },
    { 0 },
};

static const struct tui_col cols[] = {
    { "STATUS", 11, 0, 1 }, { "SOURCE", 22, 0, 1 }, { "TARGET", 24, 0, 1 }, { "LINT", 10, 0, 0 },
    { "TRANSFORM", 22, 0, 0 }, { "RULE", 10, 0, 0 }, { "OWNER", 0, 0, 0 },
};

static const char *const fields[] = { "transform", "rule", "owner", "note" };
static const enum sheet_col field_cols[] = { SC_TRANSFORM, SC_RULE, SC_OWNER, SC_NOTE };

struct map_panel {
    struct panel *p;
    struct tui_table table;
    size_t *rows;               /* table row → sheet row (blank lines skipped) */
    size_t nrows;
    struct tui_view view;
    /* the change being asked for */
    size_t row;
    enum sheet_col col;
    char *value;
    int typing;                 /* the edit prompt is open */
    int waiting;                /* Enter pressed while the transform still compiled */
    /* rows marked for a review of several at once, by sheet row */
    unsigned char *marked;
    size_t nmarked, marked_for;  /* how many; the sheet's row count they were made for */
    int bulk_approve;            /* the note asked for is for approving them (else rejecting) */
};

#define PRIV(p) ((struct map_panel *)(p)->priv)
#define RV(mp) dash_review((mp)->p->dash)  /* the review the dashboard runs */

/* Marks are by sheet row: a sheet that grew or shrank (edited elsewhere)
 * drops them. */
static void marks_fit(struct map_panel *mp)
{
    if (mp->marked_for == RV(mp)->sheet.n && mp->marked)
        return;
    free(mp->marked);
    mp->marked = xcalloc(RV(mp)->sheet.n + 1, 1);
    mp->marked_for = RV(mp)->sheet.n;
    mp->nmarked = 0;
}

static void mark(struct map_panel *mp, size_t row, int on)
{
    marks_fit(mp);
    if (row < mp->marked_for && mp->marked[row] != on) {
        mp->marked[row] = (unsigned char)on;
        mp->nmarked += on ? 1 : (size_t)-1;
    }
}

static int marked(struct map_panel *mp, size_t row)
{
    marks_fit(mp);
    return row < mp->marked_for && mp->marked[row];
}

static void index_rows(struct map_panel *mp)
{
    mp->nrows = 0;
    mp->rows = xrealloc(mp->rows, (RV(mp)->sheet.n + 1) * sizeof *mp->rows);
    for (size_t i = 0; RV(mp)->have_sheet && i < RV(mp)->sheet.n; i++)
        if (RV(mp)->sheet.rows[i].f)
            mp->rows[mp->nrows++] = i;
}

static int nrows(void *ctx)
{
    return (int)((struct map_panel *)ctx)->nrows;
}

static const char *status_text(const char *st)
{
    return !strcmp(st, "approved") ? "approved" : !strcmp(st, "rejected") ? "rejected"
         : !*st || !strcmp(st, "draft") ? "draft" : st;
}

static const char *status_glyph(const char *st)
{
    return !strcmp(st, "approved") ? tui_g->ok : !strcmp(st, "rejected") ? tui_g->fail
                                                                          : tui_g->dot;
}

static void cell(void *ctx, int i, int col, char *buf, size_t n)
{
    struct map_panel *mp = ctx;
    size_t row = mp->rows[i];
    const struct sheet *s = &RV(mp)->sheet;
    const char *st = sheet_get(s, row, SC_STATUS), *v;
    int count, sev;

    switch (col) {
    case 0:
        snprintf(buf, n, "%s%s %s", marked(mp, row) ? "*" : "", status_glyph(st), status_text(st));
        break;
    case 1: snprintf(buf, n, "%s", sheet_get(s, row, SC_SOURCE)); break;
    case 2:
        v = sheet_get(s, row, SC_TARGET);
        snprintf(buf, n, "%s", *v ? v : "(not migrated)");
        break;
    case 3:
        sev = review_severity(RV(mp), row, &count);
        if (sev < 0)
            snprintf(buf, n, "-");
        else
            snprintf(buf, n, "%s %s %d", sev == LINT_ERROR ? tui_g->fail : tui_g->warn,
                     sev == LINT_ERROR ? "error" : "warning", count);
        break;
    case 4: snprintf(buf, n, "%s", sheet_get(s, row, SC_TRANSFORM)); break;
    case 5: snprintf(buf, n, "%s", sheet_get(s, row, SC_RULE)); break;
    default: snprintf(buf, n, "%s", sheet_get(s, row, SC_OWNER)); break;
    }
}

static void row_key(void *ctx, int i, char *buf, size_t n)
{
    struct map_panel *mp = ctx;
    size_t row = mp->rows[i];

    snprintf(buf, n, "%s\t%s", sheet_get(&RV(mp)->sheet, row, SC_SOURCE),
             sheet_get(&RV(mp)->sheet, row, SC_TARGET));
}

static enum theme_role role(void *ctx, int i)
{
    struct map_panel *mp = ctx;
    int count, sev = review_severity(RV(mp), mp->rows[i], &count);
    const char *st = sheet_get(&RV(mp)->sheet, mp->rows[i], SC_STATUS);

    if (sev == LINT_ERROR || !strcmp(st, "rejected"))
        return ROLE_FAIL;
    if (sev == LINT_WARNING)
        return ROLE_WARN;
    return !strcmp(st, "approved") ? ROLE_OK : ROLE_TEXT;
}

static void init(struct panel *p)
{
    struct map_panel *mp = xcalloc(1, sizeof *mp);

    mp->p = p;
    /* sorted by source: the rows of a table pair stay together */
    mp->table = (struct tui_table){ .cols = cols, .ncols = 7, .nrows = nrows, .cell = cell,
                                    .role = role, .key = row_key, .ctx = mp, .sort_col = 1 };
    p->priv = mp;
    index_rows(mp);
    table_reload(&mp->table);
}

static void done(struct panel *p)
{
    struct map_panel *mp = PRIV(p);

    table_free(&mp->table);
    view_clear(&mp->view);
    free(mp->rows);
    free(mp->value);
    free(mp->marked);
    free(mp);
}

static void title(struct panel *p, char *buf, size_t n)
{
    struct sheet_stats st;
    int at;

    sheet_count(&RV(PRIV(p))->sheet, &st);
    marks_fit(PRIV(p));
    at = snprintf(buf, n, "Mapping %ld/%ld approved%s", st.approved, st.rows,
                  RV(PRIV(p))->lint_job ? ", linting…" : "");
    if (PRIV(p)->nmarked && at >= 0 && (size_t)at < n)
        snprintf(buf + at, n - (size_t)at, ", %zu marked", PRIV(p)->nmarked);
}

static const char *or_dash(const char *s)
{
    return s && *s ? s : "-";
}

static void column_line(struct tui_view *v, const char *side, const struct catalog *cat,
                        const char *ref)
{
    const char *dot = ref ? strrchr(ref, '.') : NULL;
    const struct cat_table *t = NULL;
    const struct cat_column *c = NULL;

    if (dot && cat) {
        char *table = xstrndup(ref, (size_t)(dot - ref));
        t = cat_find(cat, table);
        free(table);
        c = t ? cat_column(t, dot + 1) : NULL;
    }
    if (!ref || !*ref)
        view_add(v, ROLE_MUTED, "%s: none", side);
    else if (!c)
        view_add(v, ROLE_FAIL, "%s %s: %s is not in the catalog", tui_g->fail, side, ref);
    else
        view_add(v, ROLE_TEXT, "%s %s: %s, %s%s%s%s", side, ref, c->type,
                 c->notnull ? "NOT NULL" : "nullable", c->pk ? ", key" : "",
                 c->dflt ? ", default " : "", c->dflt ? c->dflt : "");
}

static void findings(struct tui_view *v, const struct lint_report *rep, int line)
{
    for (size_t i = 0; line && i < rep->n; i++)
        if (rep->v[i].line == line)
            view_add(v, rep->v[i].sev == LINT_ERROR ? ROLE_FAIL : ROLE_WARN, "%s %s: %s",
                     rep->v[i].sev == LINT_ERROR ? tui_g->fail : tui_g->warn, rep->v[i].code,
                     rep->v[i].message);
}

static void build_detail(struct map_panel *mp, int width)
{
    struct tui_view *v = &mp->view;
    const struct sheet *s = &RV(mp)->sheet;
    size_t row = mp->row;
    const struct preview *pv = &RV(mp)->preview;
    const char *st = sheet_get(s, row, SC_STATUS);
    int w = (width - 6) / 4 < 250 ? (width - 6) / 4 : 250, count;

    view_clear(v);
    if (row >= s->n || !s->rows[row].f) {
        view_add(v, ROLE_MUTED, "the row is no longer in the sheet");
        return;
    }
    view_add(v, ROLE_TITLE, "%s %s %s   %s %s%s%s%s%s", sheet_get(s, row, SC_SOURCE),
             tui_g->arrow, or_dash(sheet_get(s, row, SC_TARGET)), status_glyph(st),
             status_text(st), *sheet_get(s, row, SC_REVIEWER) ? " by " : "",
             sheet_get(s, row, SC_REVIEWER), *sheet_get(s, row, SC_REVIEWED_AT) ? " at " : "",
             sheet_get(s, row, SC_REVIEWED_AT));
    view_add(v, ROLE_TEXT, "transform: %s", or_dash(sheet_get(s, row, SC_TRANSFORM)));
    view_add(v, ROLE_TEXT, "rule: %s   owner: %s   line %d of %s",
             or_dash(sheet_get(s, row, SC_RULE)), or_dash(sheet_get(s, row, SC_OWNER)),
             s->rows[row].line, s->path);
    if (*sheet_get(s, row, SC_NOTE))
        view_add(v, ROLE_TEXT, "note: %s", sheet_get(s, row, SC_NOTE));
    column_line(v, "source", dash_side(mp->p->dash, 0)->cat, sheet_get(s, row, SC_SOURCE));
    column_line(v, "target", dash_side(mp->p->dash, 1)->cat, sheet_get(s, row, SC_TARGET));
    if (review_severity(RV(mp), row, &count) < 0)
        view_add(v, RV(mp)->lint_ran ? ROLE_OK : ROLE_MUTED, "%s",
                 RV(mp)->lint_ran ? "lint: no findings" : "lint: not run on the data yet");
    findings(v, &RV(mp)->stat, s->rows[row].line);
    findings(v, &RV(mp)->data, s->rows[row].line);
    switch (pv->state) {
    case PREVIEW_RUNNING:
        view_add(v, ROLE_MUTED, "preview: reading… (Esc cancels)");
        break;
    case PREVIEW_FAILED:
        view_add(v, ROLE_FAIL, "%s preview failed: %s", tui_g->fail, pv->message);
        break;
    case PREVIEW_CANCELLED:
        view_add(v, ROLE_MUTED, "preview: cancelled");
        break;
    default:
        break;
    }
    if (pv->n) {
        int differ = 0;
        for (int i = 0; i < pv->n; i++)
            differ += pv->rows[i].differs;
        view_add(v, ROLE_TITLE, "preview, %d source rows%s%s%s:", pv->n,
                 pv->target_note ? " (no target values: " : "",
                 pv->target_note ? pv->target_note : "", pv->target_note ? ")" : "");
        char c1[256], c2[256], c3[256], c4[256];
        view_add(v, ROLE_TITLE, "  %s %s %s %s", draw_fit(c1, sizeof c1, "KEY", w),
                 draw_fit(c2, sizeof c2, "BEFORE", w), draw_fit(c3, sizeof c3, "AFTER", w),
                 draw_fit(c4, sizeof c4, "TARGET", w));
        for (int i = 0; i < pv->n; i++) {
            const struct preview_row *r = &pv->rows[i];
            view_add(v, r->differs ? ROLE_FAIL : ROLE_TEXT, "%s %s %s %s %s",
                     r->differs ? "≠" : " ", draw_fit(c1, sizeof c1, r->key, w),
                     draw_fit(c2, sizeof c2, r->before ? r->before : "NULL", w),
                     draw_fit(c3, sizeof c3, r->after ? r->after : "NULL", w),
                     draw_fit(c4, sizeof c4, !r->found ? (pv->target_note ? "" : "(no row)")
                                             : r->target ? r->target : "NULL", w));
        }
        if (differ)
            view_add(v, ROLE_FAIL, "%s %d of %d rows differ from the target", tui_g->fail,
                     differ, pv->n);
    }
}

static void draw(struct panel *p, struct rect r, int focused)
{
    struct map_panel *mp = PRIV(p);

    if (p->detail) {
        int top = mp->view.top;
        build_detail(mp, r.w);
        mp->view.top = top;
        view_draw(&mp->view, r);
        return;
    }
    if (!RV(mp)->have_sheet) {
        draw_text(r.y, r.x, r.w, ROLE_FAIL, "the mapping sheet could not be read (see above)");
        return;
    }
    if (!mp->nrows) {
        draw_textf(r.y, r.x, r.w, ROLE_MUTED, "%s has no rows: run 'cutover map suggest'",
                   dash_plan(p->dash)->mapping);
        return;
    }
    table_draw(&mp->table, r, focused);
}

static void ask_edit(struct map_panel *mp);

/* The review moved (DASH_REVIEW): a change, a lint, a preview, a compile. */
static void on_review(struct map_panel *mp)
{
    const struct review *r = RV(mp);

    index_rows(mp);
    table_reload(&mp->table);
    if (mp->typing && mp->col == SC_TRANSFORM && r->compile_state)
        tui_prompt_status(r->compile_state == 3, "%s", r->compile_msg);
    if (mp->waiting && r->compile_state >= 2) {
        mp->waiting = 0;
        ask_edit(mp);
    }
    tui_dirty();
}

static size_t selected_row(struct map_panel *mp, int *ok)
{
    int i = table_selected(&mp->table);

    *ok = i >= 0;
    return i >= 0 ? mp->rows[i] : 0;
}

static char *describe(struct map_panel *mp, size_t row)
{
    const char *t = sheet_get(&RV(mp)->sheet, row, SC_TARGET);

    return xasprintf("%s %s %s", sheet_get(&RV(mp)->sheet, row, SC_SOURCE), tui_g->arrow,
                     *t ? t : "(not migrated)");
}

static void report(int rc, const struct err *e, const char *done_what)
{
    if (rc < 0)
        tui_message(1, "%s", e->msg);
    else
        tui_message(0, "%s, written to the sheet and the audit log", done_what);
}

static void confirmed_approve(void *ctx, int yes)
{
    struct map_panel *mp = ctx;
    struct err e = { 0 };
    char *what = describe(mp, mp->row);

    if (yes) {
        int rc = review_approve(RV(mp), mp->row, &e);
        char *msg = xasprintf("%s approved", what);
        report(rc, &e, msg);
        free(msg);
    }
    free(what);
}

static void confirmed_reject(void *ctx, int yes)
{
    struct map_panel *mp = ctx;
    struct err e = { 0 };
    char *what = describe(mp, mp->row);

    if (yes) {
        int rc = review_reject(RV(mp), mp->row, mp->value, &e);
        char *msg = xasprintf("%s rejected", what);
        report(rc, &e, msg);
        free(msg);
    }
    free(what);
}

static void got_note(void *ctx, const char *s)
{
    struct map_panel *mp = ctx;
    char *what, *q;

    if (!s)
        return;
    free(mp->value);
    mp->value = xstrdup(s);
    if (!*str_trim(mp->value)) {
        tui_message(1, "a rejection needs a note saying why: not rejected");
        return;
    }
    what = describe(mp, mp->row);
    q = xasprintf("Reject %s?", what);
    tui_confirm(q, confirmed_reject, mp);
    free(q);
    free(what);
}

/* --- several rows at once ---------------------------------------------------------- */

static size_t *marked_rows(struct map_panel *mp)
{
    size_t *rows = xcalloc(mp->nmarked + 1, sizeof *rows), k = 0;

    for (size_t i = 0; i < mp->marked_for; i++)
        if (mp->marked[i])
            rows[k++] = i;
    return rows;
}

static void confirmed_bulk(void *ctx, int yes)
{
    struct map_panel *mp = ctx;
    struct err e = { 0 };
    size_t n = mp->nmarked, done, *rows;
    int rc;

    if (!yes)
        return;
    rows = marked_rows(mp);
    rc = review_set_rows(RV(mp), rows, n, mp->bulk_approve, mp->value, &done, &e);
    free(rows);
    if (rc < 0) {
        tui_message(1, "%zu of %zu rows %s, then: %s", done, n,
                    mp->bulk_approve ? "approved" : "rejected", e.msg);
        return;
    }
    free(mp->marked);  /* done: the marks go */
    mp->marked = NULL;
    marks_fit(mp);
    tui_message(0, "%zu rows %s, each written to the sheet and the audit log", done,
                mp->bulk_approve ? "approved" : "rejected");
}

static void got_bulk_note(void *ctx, const char *s)
{
    struct map_panel *mp = ctx;
    char *q;

    if (!s)
        return;
    free(mp->value);
    mp->value = xstrdup(s);
    if (!mp->bulk_approve && !*str_trim(mp->value)) {
        tui_message(1, "a rejection needs a note saying why: not rejected");
        return;
    }
    q = xasprintf("%s the %zu marked rows?", mp->bulk_approve ? "Approve" : "Reject",
                  mp->nmarked);
    tui_confirm(q, confirmed_bulk, mp);
    free(q);
}

static void confirmed_edit(void *ctx, int yes)
{
    struct map_panel *mp = ctx;
    struct err e = { 0 };

    if (yes) {
        int rc = review_edit(RV(mp), mp->row, mp->col, mp->value, &e);
        char *msg = xasprintf("%s set", sheet_col_name(mp->col));
        report(rc, &e, msg);
        free(msg);
    }
}

/* After Enter in the edit prompt (and, for a transform, its compilation). */
static void ask_edit(struct map_panel *mp)
{
    struct rules rules;
    char why[300], *what, *q;

    if (mp->col == SC_RULE && rules_parse(mp->value, &rules, why, sizeof why) < 0) {
        tui_message(1, "rule refused: %s", why);
        return;
    }
    if (mp->col == SC_RULE)
        rules_free(&rules);
    if (mp->col == SC_TRANSFORM && RV(mp)->compile_state == 1) {
        mp->waiting = 1;  /* asked again when the compile ends */
        tui_message(0, "compiling the transform on the source…");
        return;
    }
    if (mp->col == SC_TRANSFORM && RV(mp)->compile_state == 3) {
        tui_message(1, "transform refused: %s", RV(mp)->compile_msg);
        return;
    }
    what = describe(mp, mp->row);
    q = xasprintf("%s: set %s to '%s'?", what, sheet_col_name(mp->col), mp->value);
    tui_confirm(q, confirmed_edit, mp);
    free(q);
    free(what);
}

static void edit_change(void *ctx, const char *s)
{
    struct map_panel *mp = ctx;
    struct rules rules;
    char why[300];

    if (mp->col == SC_RULE) {
        if (rules_parse(s, &rules, why, sizeof why) < 0) {
            tui_prompt_status(1, "%s", why);
        } else {
            rules_free(&rules);
            tui_prompt_status(0, "rule parses");
        }
    } else if (mp->col == SC_TRANSFORM) {
        review_compile(RV(mp), mp->row, s);
    }
}

static void edit_done(void *ctx, const char *s)
{
    struct map_panel *mp = ctx;

    mp->typing = 0;
    if (!s)
        return;
    free(mp->value);
    mp->value = xstrdup(s);
    if (mp->col == SC_TRANSFORM)
        review_compile(RV(mp), mp->row, s);  /* the text as entered, checked once more */
    ask_edit(mp);
}

static void chose_field(void *ctx, int choice)
{
    struct map_panel *mp = ctx;
    char label[64];

    if (choice < 0)
        return;
    mp->col = field_cols[choice];
    mp->typing = 1;
    snprintf(label, sizeof label, "%s: ", fields[choice]);
    tui_prompt(label, sheet_get(&RV(mp)->sheet, mp->row, mp->col), edit_change, edit_done, mp);
    edit_change(mp, sheet_get(&RV(mp)->sheet, mp->row, mp->col));
}

static void confirmed_undo(void *ctx, int yes)
{
    struct map_panel *mp = ctx;
    struct err e = { 0 };

    if (yes)
        report(review_undo(RV(mp), &e), &e, "undone");
}

static int key(struct panel *p, int k)
{
    struct map_panel *mp = PRIV(p);
    int action = tui_key_action(keys, k), ok;
    size_t row;
    char *what, *q;

    if (p->detail && !action)
        return view_key(&mp->view, k, 10);
    if (!action)
        return 0;
    if (action == K_LINT) {
        review_lint(RV(mp));
        tui_message(0, "linting %s against both catalogs and the source data", dash_plan(p->dash)->mapping);
        return TUI_HANDLED | TUI_REDRAW;
    }
    if (action == K_UNDO) {
        const char *u = review_undo_what(RV(mp));
        if (!u) {
            tui_message(0, "nothing to undo");
            return TUI_HANDLED | TUI_REDRAW;
        }
        q = xasprintf("Undo '%s'?", u);
        tui_confirm(q, confirmed_undo, mp);
        free(q);
        return TUI_HANDLED | TUI_REDRAW;
    }
    marks_fit(mp);
    if (!p->detail && action == K_MARK_ALL) {
        int all = mp->table.norder > 0;
        for (int i = 0; i < mp->table.norder; i++)
            all = all && marked(mp, mp->rows[mp->table.order[i]]);
        for (int i = 0; i < mp->table.norder; i++)
            mark(mp, mp->rows[mp->table.order[i]], !all);
        tui_message(0, "%zu rows marked", mp->nmarked);
        return TUI_HANDLED | TUI_REDRAW;
    }
    if (!p->detail && mp->nmarked && (action == K_APPROVE || action == K_REJECT)) {
        mp->bulk_approve = action == K_APPROVE;
        tui_prompt(mp->bulk_approve ? "note for all of them (optional): "
                                    : "why, for all of them (required): ",
                   "", NULL, got_bulk_note, mp);
        return TUI_HANDLED | TUI_REDRAW;
    }
    row = p->detail ? mp->row : selected_row(mp, &ok);
    if (!p->detail && !ok) {
        tui_message(0, "no row selected");
        return TUI_HANDLED | TUI_REDRAW;
    }
    mp->row = row;
    what = describe(mp, row);
    switch (action) {
    case K_OPEN:
        if (!p->detail) {
            mp->view.top = 0;
            panel_detail_open(p);
            review_preview(RV(mp), row);
        }
        break;
    case K_APPROVE:
        q = xasprintf("Approve %s?", what);
        tui_confirm(q, confirmed_approve, mp);
        free(q);
        break;
    case K_REJECT:
        tui_prompt("why (required): ", sheet_get(&RV(mp)->sheet, row, SC_NOTE), NULL, got_note, mp);
        break;
    case K_EDIT:
        tui_menu("Edit", fields, 4, 0, chose_field, mp);
        break;
    case K_MARK:
        mark(mp, row, !marked(mp, row));
        if (!p->detail)
            table_key(&mp->table, TUI_FN(KEY_DOWN));  /* on to the next, as in a file manager */
        break;
    }
    free(what);
    return TUI_HANDLED | TUI_REDRAW;
}

static int back(struct panel *p)
{
    struct map_panel *mp = PRIV(p);

    if (!p->detail || RV(mp)->preview.state != PREVIEW_RUNNING)
        return 0;
    review_preview_cancel(RV(mp));
    return TUI_HANDLED | TUI_REDRAW;  /* a first Esc stops the preview, a second one leaves */
}

static void update(struct panel *p, unsigned what)
{
    struct map_panel *mp = PRIV(p);

    if (what & DASH_REVIEW)
        on_review(mp);
}

static struct tui_table *table(struct panel *p)
{
    return &PRIV(p)->table;
}

const struct panel_ops panel_mapping_ops = {
    .name = "Mapping",
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
