/* structure: the catalogs' structural checks (structure.h). */
#include "config.h"
#include "structure.h"
#include "util.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

const char *st_mapped(const struct sheet *s, const char *table, const char *col,
                          const char *tgt)
{
    size_t tl = strlen(table), gl = strlen(tgt);

    for (size_t i = 0; i < s->n; i++) {
        const char *src = sheet_get(s, i, SC_SOURCE), *t = sheet_get(s, i, SC_TARGET);
        if (!s->rows[i].f || strncmp(src, table, tl) || src[tl] != '.' ||
            strcmp(src + tl + 1, col) || strncmp(t, tgt, gl) || t[gl] != '.')
            continue;
        return t + gl + 1;
    }
    return NULL;
}

/* Maps every column of `c` of source table `p` to its target's; 0 when one
 * is not mapped. `out` gets n borrowed names. */
static int map_all(const struct sheet *s, const struct pair *p, char *const *names, size_t n,
                   const char **out)
{
    for (size_t k = 0; k < n; k++)
        if (!(out[k] = st_mapped(s, p->src->name, names[k], p->tgt->name)))
            return 0;
    return 1;
}

static int in(const char *name, char *const *names, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (!strcmp(names[k], name))
            return 1;
    return 0;
}

/* `want` (n names) and `have` hold the same columns, in any order. */
static int same_set(const char *const *want, size_t n, char *const *have, size_t m)
{
    if (n != m)
        return 0;
    for (size_t k = 0; k < n; k++)
        if (!in(want[k], have, m))
            return 0;
    return 1;
}

/* An index's column list as the catalog writes it ("a, b"), split. */
static size_t split_cols(const char *text, char **out, size_t max)
{
    size_t n = 0;
    const char *p = text;

    while (*p && n < max) {
        size_t len = strcspn(p, ",");
        const char *a = p, *b = p + len;
        while (a < b && (*a == ' ' || *a == '"'))
            a++;
        while (b > a && (b[-1] == ' ' || b[-1] == '"'))
            b--;
        out[n++] = xstrndup(a, (size_t)(b - a));
        p += len + (p[len] == ',');
    }
    return n;
}

/* The target table has a primary key, unique key or unique index over
 * exactly these columns. */
static int target_unique(const struct cat_table *t, const char *const *cols, size_t n)
{
    if (same_set(cols, n, t->pk.names, t->pk.n))
        return 1;
    for (size_t u = 0; u < t->nuniques; u++)
        if (same_set(cols, n, t->uniques[u].names, t->uniques[u].n))
            return 1;
    for (size_t x = 0; x < t->nindexes; x++) {
        char *names[32];
        size_t m;
        int hit;
        if (!t->indexes[x].unique && !t->indexes[x].primary)
            continue;
        m = split_cols(t->indexes[x].columns, names, 32);
        hit = same_set(cols, n, names, m);
        for (size_t k = 0; k < m; k++)
            free(names[k]);
        if (hit)
            return 1;
    }
    return 0;
}

char *st_names_text(char *const *names, size_t n)
{
    struct sbuf b = { 0 };

    for (size_t k = 0; k < n; k++)
        sbuf_printf(&b, "%s%s", k ? ", " : "", names[k]);
    return sbuf_take(&b);
}

static void add(struct st_report *r, const char *check, const struct pair *p, const char *name,
                char *const *cols, const char *const *tcols, size_t n, char *message)
{
    struct st_finding *f;

    r->v = xrealloc(r->v, (r->n + 1) * sizeof *r->v);
    f = &r->v[r->n++];
    memset(f, 0, sizeof *f);
    f->check = check;
    f->table = xstrdup(p->src->name);
    f->target_table = xstrdup(p->tgt->name);
    f->constraint = xstrdup(name ? name : "");
    f->columns = xcalloc(n + 1, sizeof *f->columns);
    f->target_columns = xcalloc(n + 1, sizeof *f->target_columns);
    f->ncolumns = n;
    for (size_t k = 0; k < n; k++) {
        f->columns[k] = xstrdup(cols[k]);
        f->target_columns[k] = xstrdup(tcols[k]);
    }
    f->message = message;
}

char *st_fk_name(const struct cat_table *t, const struct cat_fk *fk)
{
    char *src, *dst, *name;

    if (fk->name && *fk->name && !isdigit((unsigned char)fk->name[0]))
        return xstrdup(fk->name);
    /* SQLite numbers its foreign keys: one is named by what it joins then */
    src = st_names_text(fk->cols.names, fk->cols.n);
    dst = st_names_text(fk->ref_cols.names, fk->ref_cols.n);
    name = xasprintf("%s(%s) -> %s(%s)", t->name, src, fk->ref_table, dst);
    free(src), free(dst);
    return name;
}

static void check_fks(const struct pairing *pp, const struct sheet *s, const struct pair *p,
                      struct st_report *r)
{
    for (size_t i = 0; i < p->src->nfks; i++) {
        const struct cat_fk *fk = &p->src->fks[i];
        const struct pair *ref = pair_by_source(pp, fk->ref_table);
        const char *cols[32], *refs[32];
        size_t n = fk->cols.n;
        int found = 0;
        char *c;

        if (n > 32 || n != fk->ref_cols.n || !ref || !ref->tgt || !pair_moves(ref) ||
            !map_all(s, p, fk->cols.names, n, cols) || !map_all(s, ref, fk->ref_cols.names, n, refs))
            continue;  /* not all of it moves or is mapped: nothing to hold the target to */
        for (size_t j = 0; j < p->tgt->nfks && !found; j++) {
            const struct cat_fk *t = &p->tgt->fks[j];
            found = !strcmp(t->ref_table, ref->tgt->name) && t->cols.n == n;
            for (size_t k = 0; found && k < n; k++) {  /* each column to its referenced one */
                size_t at = 0;
                while (at < n && strcmp(t->cols.names[at], cols[k]))
                    at++;
                found = at < n && !strcmp(t->ref_cols.names[at], refs[k]);
            }
        }
        if (found)
            continue;
        c = st_names_text((char *const *)cols, n);
        {
            char *name = st_fk_name(p->src, fk);
            add(r, "fk_missing", p, name, fk->cols.names, cols, n,
                xasprintf("%s holds in the source; the target's %s has no foreign key from "
                          "(%s) to %s", name, p->tgt->name, c, ref->tgt->name));
            r->v[r->n - 1].ref_table = xstrdup(ref->tgt->name);
            r->v[r->n - 1].ref_columns = xcalloc(n + 1, sizeof(char *));
            for (size_t k = 0; k < n; k++)
                r->v[r->n - 1].ref_columns[k] = xstrdup(refs[k]);
            free(name);
        }
        free(c);
    }
}

static void check_unique(const struct sheet *s, const struct pair *p, const struct cat_cols *u,
                         const char *what, struct st_report *r)
{
    const char *cols[32];
    char *c;

    if (!u->n || u->n > 32 || !map_all(s, p, u->names, u->n, cols) ||
        target_unique(p->tgt, cols, u->n))
        return;
    c = st_names_text((char *const *)cols, u->n);
    {
        char *src = st_names_text(u->names, u->n);
        add(r, "unique_missing", p, u->name ? u->name : what, u->names, cols, u->n,
            xasprintf("(%s) is unique in the source (%s); nothing keeps %s's (%s) unique: "
                      "duplicates can come in", src, u->name ? u->name : what, p->tgt->name, c));
        free(src);
    }
    free(c);
}

static void check_uniques(const struct sheet *s, const struct pair *p, struct st_report *r)
{
    check_unique(s, p, &p->src->pk, "primary key", r);
    for (size_t u = 0; u < p->src->nuniques; u++)
        check_unique(s, p, &p->src->uniques[u], "unique key", r);
    for (size_t x = 0; x < p->src->nindexes; x++) {
        const struct cat_index *ix = &p->src->indexes[x];
        char *names[32];
        struct cat_cols cols;
        int dup = 0;
        if (!ix->unique || ix->primary)
            continue;
        cols = (struct cat_cols){ ix->name, names, split_cols(ix->columns, names, 32) };
        dup = same_set((const char *const *)names, cols.n, p->src->pk.names, p->src->pk.n);
        for (size_t u = 0; !dup && u < p->src->nuniques; u++)  /* said once, by its key */
            dup = same_set((const char *const *)names, cols.n, p->src->uniques[u].names,
                           p->src->uniques[u].n);
        if (!dup)
            check_unique(s, p, &cols, "unique index", r);
        for (size_t k = 0; k < cols.n; k++)
            free(names[k]);
    }
}

static void check_not_null(const struct sheet *s, const struct pair *p, struct st_report *r)
{
    for (size_t i = 0; i < p->src->ncols; i++) {
        const struct cat_column *c = &p->src->cols[i];
        const char *t = c->notnull ? st_mapped(s, p->src->name, c->name, p->tgt->name) : NULL;
        const struct cat_column *tc = t ? cat_column(p->tgt, t) : NULL;
        char *names[1] = { c->name };
        if (!tc || tc->notnull || tc->pk)
            continue;
        add(r, "not_null_missing", p, c->name, names, &t, 1,
            xasprintf("%s is NOT NULL in the source; %s.%s allows NULL", c->name, p->tgt->name,
                      t));
    }
}

/* The target has an index (its primary key, a unique key, any index) whose
 * leading columns are `want`, in that order. */
static int target_indexed(const struct cat_table *t, char *const *want, size_t n)
{
    const struct cat_cols *keys[64];
    size_t nk = 0;

    keys[nk++] = &t->pk;
    for (size_t u = 0; u < t->nuniques && nk < 64; u++)
        keys[nk++] = &t->uniques[u];
    for (size_t k = 0; k < nk; k++) {
        size_t m = 0;
        while (m < n && m < keys[k]->n && !strcmp(keys[k]->names[m], want[m]))
            m++;
        if (m == n)
            return 1;
    }
    for (size_t x = 0; x < t->nindexes; x++) {
        char *names[32];
        size_t got = split_cols(t->indexes[x].columns, names, 32), m = 0;
        while (m < n && m < got && !strcmp(names[m], want[m]))
            m++;
        for (size_t k = 0; k < got; k++)
            free(names[k]);
        if (m == n)
            return 1;
    }
    return 0;
}

static void check_indexes(const struct plan *pl, const struct pair *p, struct st_report *r)
{
    for (size_t i = 0; p->plan && i < p->plan->nexpect_index; i++) {
        char *names[32];
        size_t n = split_cols(p->plan->expect_index[i], names, 32);
        if (n && !target_indexed(p->tgt, names, n))
            add(r, "index_missing", p, p->plan->expect_index[i], names,
                (const char *const *)names, n,
                xasprintf("the plan expects an index on %s(%s) (%s:%d); the target has none "
                          "that begins with those columns", p->tgt->name,
                          p->plan->expect_index[i], pl ? pl->path : "the plan",
                          p->plan->expect_index_line));
        for (size_t k = 0; k < n; k++)
            free(names[k]);
    }
}

void st_catalog(const struct plan *pl, const struct pairing *pp, const struct sheet *s,
                struct st_report *r)
{
    memset(r, 0, sizeof *r);
    for (size_t i = 0; i < pp->n; i++) {
        const struct pair *p = &pp->pairs[i];
        if (!p->src || !p->tgt || !pair_moves(p))
            continue;
        check_fks(pp, s, p, r);
        check_uniques(s, p, r);
        check_not_null(s, p, r);
        check_indexes(pl, p, r);
    }
}

void st_free(struct st_report *r)
{
    for (size_t i = 0; i < r->n; i++) {
        struct st_finding *f = &r->v[i];
        for (size_t k = 0; k < f->ncolumns; k++)
            free(f->columns[k]), free(f->target_columns[k]);
        for (size_t k = 0; f->ref_columns && k < f->ncolumns; k++)
            free(f->ref_columns[k]);
        free(f->columns), free(f->target_columns), free(f->ref_columns), free(f->ref_table);
        free(f->table), free(f->target_table), free(f->constraint), free(f->message);
    }
    free(r->v);
    memset(r, 0, sizeof *r);
}
