#include "config.h"
#include "inventory.h"
#include "util.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static const char *const flag_names[] = {
#define X(id, name, text) name,
    INV_FLAGS(X)
#undef X
};

static const char *const flag_texts[] = {
#define X(id, name, text) text,
    INV_FLAGS(X)
#undef X
};

const char *inv_flag_name(enum inv_flag_bit bit) { return flag_names[bit]; }
const char *inv_flag_text(enum inv_flag_bit bit) { return flag_texts[bit]; }

#define F(id) (1u << INV_BIT_##id)

static int has_rows(int64_t rows, enum cat_count c)
{
    return c != COUNT_UNKNOWN && rows > 0;
}

void inv_build(const struct pairing *pp, struct inventory *inv)
{
    inv->n = pp->n;
    inv->rows = xcalloc(pp->n + 1, sizeof *inv->rows);
    for (size_t i = 0; i < pp->n; i++) {
        const struct pair *pr = &pp->pairs[i];
        struct inv_row *r = &inv->rows[i];
        const struct plan_table *pt = pr->plan;

        r->pair = pr;
        r->source = pr->src ? pr->src->name : NULL;
        r->target = pr->tgt ? pr->tgt->name : NULL;
        r->decision = pt ? pt->decision : DEC_UNDECIDED;
        r->owner = pt ? pt->owner : NULL;
        r->expires = pt ? pt->expires : NULL;
        r->src_count = pr->src ? pr->src->count : COUNT_UNKNOWN;
        r->tgt_count = pr->tgt ? pr->tgt->count : COUNT_UNKNOWN;
        r->src_rows = pr->src ? pr->src->rows : 0;
        r->tgt_rows = pr->tgt ? pr->tgt->rows : 0;
        if (!pr->src) {
            r->flags |= F(TARGET_ONLY);
        } else {
            if (!pr->nkey)
                r->flags |= F(NO_KEY);
            if (r->decision == DEC_UNDECIDED)
                r->flags |= F(UNDECIDED);
            if (!pr->tgt && (r->decision == DEC_MIGRATE || r->decision == DEC_TEMPORARY ||
                             r->decision == DEC_UNDECIDED))
                r->flags |= F(SOURCE_ONLY);
            if (r->decision == DEC_TEMPORARY && !r->expires)
                r->flags |= F(TEMP_NO_EXPIRY);
        }
        if (pr->tgt && has_rows(r->tgt_rows, r->tgt_count)) {
            if (r->decision == DEC_DELETE && pr->src)
                r->flags |= F(DELETE_IN_TARGET);
            if (r->decision == DEC_RETAIN && pr->src)
                r->flags |= F(RETAIN_IN_TARGET);
        }
        if (r->src_count == COUNT_ESTIMATE || r->tgt_count == COUNT_ESTIMATE)
            r->flags |= F(ESTIMATED);
        if ((pr->src && r->src_count == COUNT_UNKNOWN) || (pr->tgt && r->tgt_count == COUNT_UNKNOWN))
            r->flags |= F(UNCOUNTED);
    }
}

void inv_free(struct inventory *inv)
{
    if (!inv)
        return;
    free(inv->rows);
    inv->rows = NULL;
    inv->n = 0;
}

static const char *count_name(enum cat_count c)
{
    return c == COUNT_EXACT ? "exact" : c == COUNT_ESTIMATE ? "estimate" : "unknown";
}

static json_t *rows_json(int present, int64_t rows, enum cat_count c)
{
    return present && c != COUNT_UNKNOWN ? json_integer(rows) : json_null();
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

json_t *inv_to_json(const struct inventory *inv, const struct plan *p, const char *src_url,
                    const char *tgt_url)
{
    json_t *tables = json_array(), *totals = json_object(), *flagcount = json_object();
    int64_t src_total = 0, tgt_total = 0;

    for (size_t i = 0; i < inv->n; i++) {
        const struct inv_row *r = &inv->rows[i];
        json_t *flags = json_array(), *key = json_array();
        int both = r->source && r->target && r->src_count != COUNT_UNKNOWN &&
                   r->tgt_count != COUNT_UNKNOWN;

        for (int b = 0; b < INV_NFLAGS; b++)
            if (r->flags & (1u << b)) {
                json_t *n = json_object_get(flagcount, flag_names[b]);
                json_array_append_new(flags, json_string(flag_names[b]));
                json_object_set_new(flagcount, flag_names[b],
                                    json_integer(n ? json_integer_value(n) + 1 : 1));
            }
        for (size_t k = 0; k < r->pair->nkey; k++)
            json_array_append_new(key, json_string(r->pair->key[k]));
        if (r->source)
            src_total += r->src_rows;
        if (r->target)
            tgt_total += r->tgt_rows;
        json_array_append_new(tables, json_pack(
            "{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:s, s:s, s:o, s:o, s:o}",
            "source_table", str_or_null(r->source), "target_table", str_or_null(r->target),
            "decision", r->source ? json_string(plan_decision_name(r->decision)) : json_null(),
            "owner", str_or_null(r->owner), "expires", str_or_null(r->expires),
            "source_rows", rows_json(!!r->source, r->src_rows, r->src_count),
            "target_rows", rows_json(!!r->target, r->tgt_rows, r->tgt_count),
            "source_count", r->source ? count_name(r->src_count) : "none",
            "target_count", r->target ? count_name(r->tgt_count) : "none",
            "delta", both ? json_integer(r->tgt_rows - r->src_rows) : json_null(),
            "key", key, "flags", flags));
        for (int side = 0; side < 2; side++) {  /* why a count is an estimate or missing */
            const struct cat_table *t = side ? r->pair->tgt : r->pair->src;
            if (t && t->count_error)
                json_object_set_new(json_array_get(tables, json_array_size(tables) - 1),
                                    side ? "target_count_error" : "source_count_error",
                                    json_string(t->count_error));
        }
    }
    json_object_set_new(totals, "tables", json_integer((json_int_t)inv->n));
    json_object_set_new(totals, "source_rows", json_integer(src_total));
    json_object_set_new(totals, "target_rows", json_integer(tgt_total));
    json_object_set_new(totals, "flags", flagcount);
    return json_pack("{s:s, s:{s:s, s:s}, s:{s:s, s:s}, s:o, s:o}",
                     "migration", p->name,
                     "source", "url", src_url, "label", p->source.label,
                     "target", "url", tgt_url, "label", p->target.label,
                     "tables", tables, "totals", totals);
}

void inv_format_rows(char *buf, size_t n, int present, int64_t rows, enum cat_count c)
{
    if (!present)
        snprintf(buf, n, "-");
    else if (c == COUNT_UNKNOWN)
        snprintf(buf, n, "?");
    else
        snprintf(buf, n, "%s%" PRId64, c == COUNT_ESTIMATE ? "~" : "", rows);
}

void inv_print(FILE *f, const struct inventory *inv, const struct plan *p, const char *src_url,
               const char *tgt_url)
{
    enum { NCOL = 8 };
    static const char *const head[NCOL] = { "SOURCE", "TARGET", "DECISION", "OWNER",
                                            "SRC ROWS", "TGT ROWS", "DELTA", "FLAGS" };
    static const int right[NCOL] = { 0, 0, 0, 0, 1, 1, 1, 0 };
    char ***cells = xcalloc(inv->n + 1, sizeof *cells);
    int w[NCOL];
    unsigned seen = 0;

    for (int c = 0; c < NCOL; c++)
        w[c] = (int)strlen(head[c]);
    for (size_t i = 0; i < inv->n; i++) {
        const struct inv_row *r = &inv->rows[i];
        char buf[64];
        struct sbuf flags = { 0 };

        cells[i] = xcalloc(NCOL, sizeof **cells);
        cells[i][0] = xstrdup(r->source ? r->source : "-");
        cells[i][1] = xstrdup(r->target ? r->target : "-");
        cells[i][2] = xstrdup(r->source ? plan_decision_name(r->decision) : "-");
        cells[i][3] = xstrdup(r->owner ? r->owner : "-");
        inv_format_rows(buf, sizeof buf, !!r->source, r->src_rows, r->src_count);
        cells[i][4] = xstrdup(buf);
        inv_format_rows(buf, sizeof buf, !!r->target, r->tgt_rows, r->tgt_count);
        cells[i][5] = xstrdup(buf);
        if (r->source && r->target && r->src_count != COUNT_UNKNOWN &&
            r->tgt_count != COUNT_UNKNOWN)
            snprintf(buf, sizeof buf, "%+" PRId64, r->tgt_rows - r->src_rows);
        else
            snprintf(buf, sizeof buf, "-");
        cells[i][6] = xstrdup(buf);
        for (int b = 0; b < INV_NFLAGS; b++)
            if (r->flags & (1u << b)) {
                sbuf_printf(&flags, "%s%s", flags.len ? "," : "", flag_names[b]);
                seen |= 1u << b;
            }
        cells[i][7] = flags.len ? sbuf_take(&flags) : xstrdup("-");
        for (int c = 0; c < NCOL; c++)
            if ((int)strlen(cells[i][c]) > w[c])
                w[c] = (int)strlen(cells[i][c]);
    }
    fprintf(f, "%s: %s (%s) -> %s (%s)\n\n", p->name, p->source.label, src_url, p->target.label,
            tgt_url);
    for (int c = 0; c < NCOL; c++)
        fprintf(f, "%s%*s", c ? "  " : "", c == NCOL - 1 ? 0 : right[c] ? w[c] : -w[c], head[c]);
    fputc('\n', f);
    for (size_t i = 0; i < inv->n; i++) {
        for (int c = 0; c < NCOL; c++) {
            /* the last column is not padded: no trailing blanks */
            if (c == NCOL - 1)
                fprintf(f, "  %s", cells[i][c]);
            else
                fprintf(f, "%s%*s", c ? "  " : "", right[c] ? w[c] : -w[c], cells[i][c]);
            free(cells[i][c]);
        }
        fputc('\n', f);
        free(cells[i]);
    }
    free(cells);
    fprintf(f, "\n%zu table pairs", inv->n);
    if (seen) {
        fputs("; flags:", f);
        for (int b = 0; b < INV_NFLAGS; b++)
            if (seen & (1u << b))
                fprintf(f, "\n  %-20s %s", flag_names[b], flag_texts[b]);
    }
    fputc('\n', f);
    for (size_t i = 0, n = 0; i < inv->n; i++)
        for (int side = 0; side < 2; side++) {
            const struct cat_table *t = side ? inv->rows[i].pair->tgt : inv->rows[i].pair->src;
            if (t && t->count_error)
                fprintf(f, "%s  %s (%s): %s\n", n++ ? "" : "counts that failed:\n", t->name,
                        plan_side_name(side), t->count_error);
        }
}
