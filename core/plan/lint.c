
#include "config.h"
#include "lint.h"
#include "lint_int.h"
#include "canon.h"
#include "rule.h"
#include "util.h"
#include "value.h"

#include <ctype.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* --- findings ------------------------------------------------------------- */

__attribute__((format(printf, 7, 8)))
struct lint_finding *lint__add(struct lint_report *r, enum lint_sev sev, const char *code,
                                const char *source, const char *target, int line,
                                const char *fmt, ...)
{
    struct lint_finding *f;
    va_list ap;

    r->v = xrealloc(r->v, (r->n + 1) * sizeof *r->v);
    f = &r->v[r->n++];
    memset(f, 0, sizeof *f);
    f->sev = sev;
    f->code = code;
    f->source = source && *source ? xstrdup(source) : NULL;
    f->target = target && *target ? xstrdup(target) : NULL;
    f->line = line;
    f->count = -1;
    va_start(ap, fmt);
    if (vasprintf(&f->message, fmt, ap) < 0)
        f->message = xstrdup(code);
    va_end(ap);
    if (sev == LINT_ERROR)
        r->errors++;
    else
        r->warnings++;
    return f;
}

void lint__hint(struct lint_finding *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void lint__hint(struct lint_finding *f, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    if (vasprintf(&f->hint, fmt, ap) < 0)
        f->hint = NULL;
    va_end(ap);
}

void lint_free(struct lint_report *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->v[i].source), free(r->v[i].target), free(r->v[i].message), free(r->v[i].hint);
        for (int k = 0; k < r->v[i].nexamples; k++)
            free(r->v[i].examples[k]);
    }
    free(r->v);
    memset(r, 0, sizeof *r);
}

/* --- resolving table.column ------------------------------------------------ */

/* "t.c" (the table may itself be "schema.t") → its table and column. */
int lint__resolve(const struct catalog *cat, const char *ref, struct ref *out)
{
    const char *dot = strrchr(ref, '.');
    char *table;

    memset(out, 0, sizeof *out);
    if (!dot)
        return -1;
    table = xstrndup(ref, (size_t)(dot - ref));
    out->t = cat_find(cat, table);
    free(table);
    if (out->t)
        out->c = cat_column(out->t, dot + 1);
    return out->t && out->c ? 0 : -1;
}

static int moves(const struct pair *p)
{
    return pair_moves(p) && p->tgt;
}

static int is_status(const char *s)
{
    return !*s || !strcmp(s, "draft") || !strcmp(s, "approved") || !strcmp(s, "rejected");
}

/* Errors that make the sheet malformed (bad usage, plan or sheet: exit 2, as
 * diff says of the same sheet); the other errors are findings (exit 1). */
static int malformed(const char *code)
{
    static const char *const codes[] = { "empty_row", "bad_status", "bad_rule", "bad_reviewed_at",
                                         "bad_transform", "unknown_column" };

    for (size_t i = 0; i < sizeof codes / sizeof *codes; i++)
        if (!strcmp(code, codes[i]))
            return 1;
    return 0;
}

int lint_exit(const struct lint_report *r)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->v[i].sev == LINT_ERROR && malformed(r->v[i].code))
            return ERR_INPUT;
    return r->errors ? ERR_FOUND : 0;
}

/* --- static checks ----------------------------------------------------------- */

/* Rows without an owner: one warning a table (its rows named by their
 * source, or target, table), at the line of its first such row. */
static void owners(const struct sheet *s, struct lint_report *r)
{
    char *done = xcalloc(s->n + 1, 1);

    for (size_t i = 0; i < s->n; i++) {
        const char *ref = *sheet_get(s, i, SC_SOURCE) ? sheet_get(s, i, SC_SOURCE)
                                                       : sheet_get(s, i, SC_TARGET);
        const char *dot = strrchr(ref, '.');
        size_t tl = dot ? (size_t)(dot - ref) : strlen(ref);
        struct lint_finding *f;
        long n = 0;
        if (done[i] || !s->rows[i].f || !*ref || *sheet_get(s, i, SC_OWNER))
            continue;
        for (size_t k = i; k < s->n; k++) {
            const char *o = *sheet_get(s, k, SC_SOURCE) ? sheet_get(s, k, SC_SOURCE)
                                                         : sheet_get(s, k, SC_TARGET);
            if (!done[k] && s->rows[k].f && !*sheet_get(s, k, SC_OWNER) &&
                !strncmp(o, ref, tl) && (o[tl] == '.' || !o[tl]))
                done[k] = 1, n++;
        }
        f = lint__add(r, LINT_WARNING, "no_owner", NULL, NULL, s->rows[i].line,
                      "%ld row%s of %.*s %s no owner: nobody answers for %s mapping", n,
                      n > 1 ? "s" : "", (int)tl, ref, n > 1 ? "have" : "has",
                      n > 1 ? "their" : "its");
        f->count = n;
        lint__hint(f,
                   "name one in the owner column (the Mapping panel's e), or give the table an "
                   "owner in cutover.ini, which map suggest and init copy into new rows");
    }
    free(done);
}

void lint_static(const struct sheet *s, const struct pairing *pp, const struct catalog *src,
                 const struct catalog *tgt, struct lint_report *r)
{
    owners(s, r);
    for (size_t i = 0; i < s->n; i++) {
        const char *sr = sheet_get(s, i, SC_SOURCE), *tr = sheet_get(s, i, SC_TARGET);
        const char *st = sheet_get(s, i, SC_STATUS);
        int line = s->rows[i].line;
        struct ref ref;
        struct rules rules;
        char why[300];

        if (!s->rows[i].f)
            continue;
        if (!*sr && !*tr)
            lint__hint(lint__add(r, LINT_ERROR, "empty_row", NULL, NULL, line,
                     "the row names neither a source nor a target column"),
                 "fill source and/or target, or delete the row");
        if (*sheet_get(s, i, SC_REVIEWED_AT) &&
            !val_timestamp(sheet_get(s, i, SC_REVIEWED_AT), &(int){ 0 }))
            lint__hint(lint__add(r, LINT_ERROR, "bad_reviewed_at", sr, tr, line,
                     "reviewed_at '%s' is not "
                     "an ISO 8601 time", sheet_get(s, i, SC_REVIEWED_AT)),
                 "write it as 2026-11-02T09:15:00Z, or review the row in the Mapping panel");
        if (!is_status(st))
            lint__hint(lint__add(r, LINT_ERROR, "bad_status", sr, tr, line,
                     "status '%s' is not draft, "
                     "approved or rejected", st), "set status to draft, approved or rejected");
        else if (sheet_row_malformed(s, i, why, sizeof why))
            lint__hint(lint__add(r, LINT_ERROR, "bad_transform", sr, tr, line, "%s", why),
                 "write the transform as one SQL expression over the source row's columns");
        else if (!strcmp(st, "approved") && !*sheet_get(s, i, SC_REVIEWER))
            lint__hint(lint__add(r, LINT_WARNING, "unsigned_approval", sr, tr, line,
                     "approved, but no "
                     "reviewer is named: who approved it is not on record"),
                 "approve it in the dashboard's Mapping panel (a), which records you and the "
                 "time, or fill reviewer and reviewed_at");
        if (rules_parse(sheet_get(s, i, SC_RULE), &rules, why, sizeof why) < 0)
            lint__hint(lint__add(r, LINT_ERROR, "bad_rule", sr, tr, line, "rule '%s': %s",
                     sheet_get(s, i, SC_RULE), why), "fix the rule (see README: rules)");
        else
            rules_free(&rules);
        if (*sr && lint__resolve(src, sr, &ref) < 0)
            lint__hint(lint__add(r, LINT_ERROR, "unknown_column", sr, tr, line,
                     "%s: no such %s in the "
                     "source", sr, ref.t ? "column" : "table"),
                 "check the spelling against 'cutover inventory' (source names are "
                 "case-sensitive)");
        if (*tr && lint__resolve(tgt, tr, &ref) < 0)
            lint__hint(lint__add(r, LINT_ERROR, "unknown_column", sr, tr, line,
                     "%s: no such %s in the "
                     "target", tr, ref.t ? "column" : "table"),
                 "check the spelling against the target's catalog");
        /* the same target column filled twice */
        for (size_t j = 0; *tr && j < i; j++)
            if (s->rows[j].f && strcmp(sheet_get(s, j, SC_TARGET), tr) == 0 &&
                strcmp(sheet_get(s, j, SC_STATUS), "rejected") != 0 &&
                strcmp(st, "rejected") != 0) {
                lint__hint(lint__add(r, LINT_ERROR, "mapped_twice", sr, tr, line,
                         "%s is also filled by "
                         "line %d (%s)", tr, s->rows[j].line, sheet_get(s, j, SC_SOURCE)),
                     "keep one row for the target column, or reject the other");
                break;
            }
    }
    /* every source column of a table whose data moves needs a row */
    for (size_t p = 0; p < pp->n; p++) {
        const struct pair *pr = &pp->pairs[p];
        if (pair_must_move(pr) && !pr->tgt) {
            lint__hint(lint__add(r, LINT_ERROR, "no_target_table", pr->src->name, NULL, 0,
                     "%s is decided %s, but the target has no table %s", pr->src->name,
                     plan_decision_name(pr->plan->decision),
                     pr->plan->target ? pr->plan->target : pr->src->name),
                 "create the table in the target, or name it with target = in the plan");
            continue;
        }
        if (!moves(pr))
            continue;
        for (size_t c = 0; c < pr->src->ncols; c++) {
            char *ref = xasprintf("%s.%s", pr->src->name, pr->src->cols[c].name);
            size_t row = 0;
            enum sheet_cover cover = sheet_cover(s, ref, &row);
            if (cover == SHEET_UNCOVERED)
                lint__hint(lint__add(r, LINT_ERROR, "unmapped_source", ref, NULL, 0,
                         "%s is not mapped",
                         ref), "add a row for it, or one with an empty target (approved) to "
                     "leave it out on purpose");
            else if (cover == SHEET_LEFT_OUT && strcmp(sheet_get(s, row, SC_STATUS), "approved"))
                lint__hint(lint__add(r, LINT_WARNING, "unmapped_source", ref, NULL,
                         s->rows[row].line,
                         "%s is left out, but that is not approved yet", ref),
                     "approve the row that leaves it out, or map it");
            free(ref);
        }
        /* NOT NULL target columns that no row fills and no default covers */
        for (size_t c = 0; c < pr->tgt->ncols; c++) {
            const struct cat_column *tc = &pr->tgt->cols[c];
            char *ref;
            int filled = 0;
            if (!tc->notnull || tc->dflt)
                continue;
            ref = xasprintf("%s.%s", pr->tgt->name, tc->name);
            for (size_t i = 0; i < s->n && !filled; i++)
                filled = s->rows[i].f && strcmp(sheet_get(s, i, SC_TARGET), ref) == 0 &&
                         *sheet_get(s, i, SC_SOURCE);
            if (!filled)
                lint__hint(lint__add(r, LINT_ERROR, "not_null_unfilled", NULL, ref, 0,
                         "%s is NOT NULL "
                         "without a default, and no row fills it", ref),
                     "map a source column to it, or give it a default in the target");
            free(ref);
        }
    }
}

/* --- output ---------------------------------------------------------------- */

json_t *lint_json(const struct lint_report *r, const char *sheet_path)
{
    json_t *all = json_array();

    for (size_t i = 0; i < r->n; i++) {
        const struct lint_finding *f = &r->v[i];
        json_t *ex = json_array();
        for (int k = 0; k < f->nexamples; k++)
            json_array_append_new(ex, json_string(f->examples[k]));
        json_array_append_new(all, json_pack("{s:s, s:s, s:o, s:o, s:o, s:s, s:o, s:o, s:o}",
            "severity", f->sev == LINT_ERROR ? "error" : "warning", "code", f->code,
            "source", f->source ? json_string(f->source) : json_null(),
            "target", f->target ? json_string(f->target) : json_null(),
            "line", f->line ? json_integer(f->line) : json_null(), "message", f->message,
            "count", f->count >= 0 ? json_integer(f->count) : json_null(),
            "examples", ex, "hint", f->hint ? json_string(f->hint) : json_null()));
    }
    return json_pack("{s:s, s:I, s:I, s:o}", "sheet", sheet_path, "errors",
                     (json_int_t)r->errors, "warnings", (json_int_t)r->warnings, "findings", all);
}

void lint_print(FILE *f, const struct lint_report *r, const char *sheet_path)
{
    fprintf(f, "%s: %zu errors, %zu warnings\n", sheet_path, r->errors, r->warnings);
    for (size_t i = 0; i < r->n; i++) {
        const struct lint_finding *x = &r->v[i];
        fprintf(f, "%s %s", x->sev == LINT_ERROR ? "error  " : "warning", x->code);
        if (x->line)
            fprintf(f, " (line %d)", x->line);
        fprintf(f, ": %s\n", x->message);
        for (int k = 0; k < x->nexamples; k++)
            fprintf(f, "    e.g. '%s'\n", x->examples[k]);
        if (x->hint)
            fprintf(f, "    fix: %s\n", x->hint);
    }
}

struct lint_wait {
    db_t *db;
    int status;
    char msg[1400];
};

static void lint_waited(void *arg, int status, const char *msg)
{
    struct lint_wait *w = arg;

    w->status = status;
    snprintf(w->msg, sizeof w->msg, "%s", msg ? msg : "");
    db_close(w->db);
}

int lint_data_wait(const char *src_url, const char *dir, const struct sheet *s,
                   const struct pairing *pp, const struct catalog *tgt, struct lint_report *r,
                   struct err *e)
{
    struct lint_wait w = { 0 };
    uv_loop_t loop;
    int rc = 0;

    uv_loop_init(&loop);
    if (db_open(&loop, src_url, dir, NULL, &w.db, e) < 0) {
        rc = -1;
    } else {
        lint_data(w.db, s, pp, tgt, r, lint_waited, &w);
        uv_run(&loop, UV_RUN_DEFAULT);
        if (w.status)
            rc = err_set(e, ERR_DB, "%s", w.msg);
    }
    uv_loop_close(&loop);
    return rc;
}
