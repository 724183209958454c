#include "config.h"
#include "mapping.h"
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const how_names[] = { "exact", "name", "key", "contains", "type" };

const char *map_how_name(enum map_how h)
{
    return how_names[h];
}

char *map_ref(const struct cat_table *t, const struct cat_column *c)
{
    return xasprintf("%s.%s", t->name, c->name);
}

/* Text can carry any value (SQLite keeps timestamps as text: lint measures
 * whether they parse); numbers go with numbers, and with dates and times (Unix
 * times, Julian days: lint says how to convert them); a uuid with 16 bytes;
 * the rest with their own kind. */
static int compatible(enum cat_class a, enum cat_class b)
{
    static const unsigned numbers_and_times = 1u << TC_INT | 1u << TC_FLOAT | 1u << TC_NUMERIC |
        1u << TC_BOOL | 1u << TC_DATE | 1u << TC_TIMESTAMP | 1u << TC_TIMESTAMPTZ;
    unsigned both = 1u << a | 1u << b;

    return a == b || a == TC_OTHER || b == TC_OTHER || a == TC_TEXT || b == TC_TEXT ||
           !(both & ~numbers_and_times) || both == (1u << TC_BLOB | 1u << TC_UUID);
}

/* "subscriptions" → "subscription", "api_keys" → "apikey" (normalised). */
static char *singular(const char *table)
{
    const char *dot = strrchr(table, '.');
    char *n = name_normalize(dot ? dot + 1 : table);
    size_t len = strlen(n);

    if (len > 1 && n[len - 1] == 's')
        n[len - 1] = '\0';
    return n;
}

struct cand {
    const struct cat_column *c;
    int taken;
};

static void add_pair(struct map_table *mt, const struct cat_column *s, const struct cat_column *t,
                     enum map_how how)
{
    mt->cols = xrealloc(mt->cols, (mt->n + 1) * sizeof *mt->cols);
    mt->cols[mt->n++] = (struct map_col_pair){ s, t, how, 0 };
}

/* One pass over the columns still free on both sides; `match` says whether a
 * source and a target column go together. A pass pairs only unambiguous
 * matches: one candidate on each side. */
static void pass(struct map_table *mt, struct cand *sc, size_t ns, struct cand *tc, size_t nt,
                 enum map_how how, int (*match)(const struct map_table *, const struct cat_column *,
                                                const struct cat_column *))
{
    for (size_t i = 0; i < ns; i++) {
        size_t hit = 0, hits = 0;
        if (sc[i].taken)
            continue;
        for (size_t j = 0; j < nt; j++)
            if (!tc[j].taken && match(mt, sc[i].c, tc[j].c) &&
                compatible(sc[i].c->tclass, tc[j].c->tclass)) {
                hit = j;
                hits++;
            }
        if (hits != 1)
            continue;
        for (size_t k = 0; k < ns; k++)  /* the target must not fit another source too */
            if (k != i && !sc[k].taken && match(mt, sc[k].c, tc[hit].c) &&
                compatible(sc[k].c->tclass, tc[hit].c->tclass))
                hits++;
        if (hits != 1)
            continue;
        sc[i].taken = tc[hit].taken = 1;
        add_pair(mt, sc[i].c, tc[hit].c, how);
    }
}

static int m_exact(const struct map_table *mt, const struct cat_column *s,
                   const struct cat_column *t)
{
    (void)mt;
    return strcmp(s->name, t->name) == 0;
}

static int m_name(const struct map_table *mt, const struct cat_column *s,
                  const struct cat_column *t)
{
    char *a = name_normalize(s->name), *b = name_normalize(t->name);
    int eq = strcmp(a, b) == 0;

    (void)mt;
    free(a);
    free(b);
    return eq;
}

/* id → user_id: a table's key renamed after the table. */
static int m_key(const struct map_table *mt, const struct cat_column *s,
                 const struct cat_column *t)
{
    char *want[2], *have;
    int eq = 0;

    if (strcmp(s->name, "id") != 0 && strcmp(s->name, "ID") != 0 && strcmp(s->name, "Id") != 0)
        return 0;
    want[0] = singular(mt->pair->src->name);
    want[1] = singular(mt->pair->tgt->name);
    have = name_normalize(t->name);
    for (int i = 0; i < 2; i++) {
        char *w = xasprintf("%sid", want[i]);
        eq |= strcmp(w, have) == 0;
        free(w);
        free(want[i]);
    }
    free(have);
    return eq;
}

/* number → invoice_number, at → occurred_at: one name inside the other. */
static int m_contains(const struct map_table *mt, const struct cat_column *s,
                      const struct cat_column *t)
{
    char *a = name_normalize(s->name), *b = name_normalize(t->name);
    int in = (strlen(a) >= 2 && strstr(b, a)) || (strlen(b) >= 2 && strstr(a, b));

    (void)mt;
    free(a);
    free(b);
    return in;
}

static int m_any(const struct map_table *mt, const struct cat_column *s,
                 const struct cat_column *t)
{
    (void)mt, (void)s, (void)t;
    return 1;
}

static void suggest_table(const struct pair *p, struct map_table *mt)
{
    struct cand *sc = xcalloc(p->src->ncols + 1, sizeof *sc);
    struct cand *tc = xcalloc(p->tgt->ncols + 1, sizeof *tc);
    size_t ns = p->src->ncols, nt = p->tgt->ncols;

    memset(mt, 0, sizeof *mt);
    mt->pair = p;
    for (size_t i = 0; i < ns; i++)  /* a name the sheet cannot hold is never paired */
        sc[i] = (struct cand){ .c = &p->src->cols[i],
                               .taken = !!plan_name_unwritable(p->src->cols[i].name) };
    for (size_t j = 0; j < nt; j++)
        tc[j] = (struct cand){ .c = &p->tgt->cols[j],
                               .taken = !!plan_name_unwritable(p->tgt->cols[j].name) };
    pass(mt, sc, ns, tc, nt, HOW_EXACT, m_exact);
    pass(mt, sc, ns, tc, nt, HOW_NAME, m_name);
    pass(mt, sc, ns, tc, nt, HOW_KEY, m_key);
    pass(mt, sc, ns, tc, nt, HOW_CONTAINS, m_contains);
    pass(mt, sc, ns, tc, nt, HOW_TYPE, m_any);  /* one left on each side, of fitting types */
    for (size_t i = 0; i < ns; i++)
        if (!sc[i].taken) {
            mt->src_left = xrealloc(mt->src_left, (mt->nsrc_left + 1) * sizeof *mt->src_left);
            mt->src_left[mt->nsrc_left++] = sc[i].c;
        }
    for (size_t j = 0; j < nt; j++)
        if (!tc[j].taken) {
            mt->tgt_left = xrealloc(mt->tgt_left, (mt->ntgt_left + 1) * sizeof *mt->tgt_left);
            mt->tgt_left[mt->ntgt_left++] = tc[j].c;
        }
    free(sc);
    free(tc);
}

void map_suggest(const struct pairing *pp, struct map_suggestion *out)
{
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < pp->n; i++) {
        const struct pair *p = &pp->pairs[i];
        if (!p->src || !p->tgt || (p->plan && (p->plan->decision == DEC_DELETE ||
                                               p->plan->decision == DEC_RETAIN)) ||
            plan_name_unwritable(p->src->relname) || plan_name_unwritable(p->tgt->relname))
            continue;  /* (a name the sheet cannot hold: cutover init says which) */
        out->tables = xrealloc(out->tables, (out->n + 1) * sizeof *out->tables);
        suggest_table(p, &out->tables[out->n++]);
    }
}

static int source_mapped(const struct sheet *s, const char *src)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->rows[i].f && strcmp(sheet_get(s, i, SC_SOURCE), src) == 0)
            return 1;
    return 0;
}

void map_apply(struct map_suggestion *sg, struct sheet *s)
{
    sg->added = 0;
    for (size_t t = 0; t < sg->n; t++) {
        struct map_table *mt = &sg->tables[t];
        const char *owner = mt->pair->plan && mt->pair->plan->owner ? mt->pair->plan->owner : "";
        for (size_t i = 0; i < mt->n; i++) {
            char *src = map_ref(mt->pair->src, mt->cols[i].src);
            char *tgt = map_ref(mt->pair->tgt, mt->cols[i].tgt);
            size_t row;
            if ((mt->cols[i].in_sheet = source_mapped(s, src))) {
                free(src), free(tgt);
                continue;
            }
            row = sheet_add(s);
            sheet_set(s, row, SC_SOURCE, src);
            sheet_set(s, row, SC_TARGET, tgt);
            sheet_set(s, row, SC_OWNER, owner);
            sheet_set(s, row, SC_STATUS, "draft");
            sg->added++;
            free(src), free(tgt);
        }
    }
}

void map_suggestion_free(struct map_suggestion *sg)
{
    for (size_t t = 0; t < sg->n; t++) {
        free(sg->tables[t].cols);
        free(sg->tables[t].src_left);
        free(sg->tables[t].tgt_left);
    }
    free(sg->tables);
    memset(sg, 0, sizeof *sg);
}

static json_t *ref_json(const struct cat_table *t, const struct cat_column *c)
{
    char *r = map_ref(t, c);
    json_t *j = json_string(r);

    free(r);
    return j;
}

static json_t *refs(const struct cat_table *t, const struct cat_column **c, size_t n)
{
    json_t *a = json_array();

    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, ref_json(t, c[i]));
    return a;
}

json_t *map_suggestion_json(const struct map_suggestion *sg)
{
    json_t *tables = json_array();

    for (size_t t = 0; t < sg->n; t++) {
        const struct map_table *mt = &sg->tables[t];
        json_t *pairs = json_array();
        for (size_t i = 0; i < mt->n; i++)
            json_array_append_new(pairs, json_pack("{s:o, s:o, s:s, s:b}",
                "source", ref_json(mt->pair->src, mt->cols[i].src),
                "target", ref_json(mt->pair->tgt, mt->cols[i].tgt),
                "how", how_names[mt->cols[i].how], "new", !mt->cols[i].in_sheet));
        json_array_append_new(tables, json_pack("{s:s, s:s, s:o, s:o, s:o}",
            "source_table", mt->pair->src->name, "target_table", mt->pair->tgt->name,
            "pairs", pairs, "unpaired_source", refs(mt->pair->src, mt->src_left, mt->nsrc_left),
            "unpaired_target", refs(mt->pair->tgt, mt->tgt_left, mt->ntgt_left)));
    }
    return json_pack("{s:I, s:o}", "added", (json_int_t)sg->added, "tables", tables);
}

void map_suggestion_print(FILE *f, const struct map_suggestion *sg, const char *sheet_path)
{
    size_t paired = 0;

    for (size_t t = 0; t < sg->n; t++)
        paired += sg->tables[t].n;
    fprintf(f, "%s: %zu new draft rows; %zu column pairs found in %zu table pairs\n", sheet_path,
            sg->added, paired, sg->n);
    for (size_t t = 0; t < sg->n; t++) {
        const struct map_table *mt = &sg->tables[t];
        fprintf(f, "\n%s -> %s: %zu paired\n", mt->pair->src->name, mt->pair->tgt->name, mt->n);
        for (size_t i = 0; i < mt->n; i++)
            fprintf(f, "  %-24s -> %-24s %-8s %s\n", mt->cols[i].src->name, mt->cols[i].tgt->name,
                    how_names[mt->cols[i].how], mt->cols[i].in_sheet ? "(in the sheet)" : "new");
        for (size_t i = 0; i < mt->nsrc_left; i++)
            fprintf(f, "  not paired: source %s.%s\n", mt->pair->src->name, mt->src_left[i]->name);
        for (size_t i = 0; i < mt->ntgt_left; i++)
            fprintf(f, "  not paired: target %s.%s\n", mt->pair->tgt->name, mt->tgt_left[i]->name);
    }
}

static int reviewed(const struct sheet *s, size_t row)
{
    const char *st = sheet_get(s, row, SC_STATUS);

    return strcmp(st, "approved") == 0 || strcmp(st, "rejected") == 0;
}

static void conflict(struct map_import_report *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void conflict(struct map_import_report *r, const char *fmt, ...)
{
    va_list ap;
    char *m;

    va_start(ap, fmt);
    if (vasprintf(&m, fmt, ap) < 0)
        m = xstrdup("conflict");
    va_end(ap);
    r->conflicts = xrealloc(r->conflicts, (r->nconflicts + 1) * sizeof *r->conflicts);
    r->conflicts[r->nconflicts++] = m;
}

void map_import(struct sheet *s, const struct sheet *in, struct map_import_report *r)
{
    memset(r, 0, sizeof *r);
    for (size_t i = 0; i < in->n; i++) {
        const char *src, *tgt;
        long at;
        int differs = 0;

        if (!in->rows[i].f)
            continue;
        src = sheet_get(in, i, SC_SOURCE);
        tgt = sheet_get(in, i, SC_TARGET);
        if ((at = sheet_find(s, src, tgt)) < 0) {
            size_t row = sheet_add(s);
            for (int c = 0; c < SC_NKNOWN; c++)
                if (in->col[c] >= 0)
                    sheet_set(s, row, (enum sheet_col)c, sheet_get(in, i, (enum sheet_col)c));
            r->added++;
            continue;
        }
        for (int c = 0; c < SC_NKNOWN; c++)
            if (in->col[c] >= 0 &&
                strcmp(sheet_get(s, (size_t)at, (enum sheet_col)c),
                       sheet_get(in, i, (enum sheet_col)c)) != 0)
                differs = 1;
        if (!differs) {
            r->unchanged++;
        } else if (reviewed(s, (size_t)at)) {
            conflict(r, "%s:%d: %s -> %s is %s in %s (line %d); the import differs and was not "
                     "applied", in->path, in->rows[i].line, src, *tgt ? tgt : "(not migrated)",
                     sheet_get(s, (size_t)at, SC_STATUS), s->path, s->rows[at].line);
        } else {
            for (int c = 0; c < SC_NKNOWN; c++)
                if (in->col[c] >= 0)
                    sheet_set(s, (size_t)at, (enum sheet_col)c, sheet_get(in, i, (enum sheet_col)c));
            r->updated++;
        }
    }
}

void map_import_report_free(struct map_import_report *r)
{
    for (size_t i = 0; i < r->nconflicts; i++)
        free(r->conflicts[i]);
    free(r->conflicts);
    memset(r, 0, sizeof *r);
}
