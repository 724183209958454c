#include "config.h"
#include "pairing.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

static void add(struct pairing *pp, const struct cat_table *s, const struct cat_table *t,
                const struct plan_table *plan, enum pair_how how)
{
    struct pair *p;

    pp->pairs = xrealloc(pp->pairs, (pp->n + 1) * sizeof *pp->pairs);
    p = &pp->pairs[pp->n++];
    memset(p, 0, sizeof *p);
    p->src = s;
    p->tgt = t;
    p->plan = plan;
    p->how = how;
    if (plan && plan->nkey) {
        p->key = plan->key;
        p->nkey = plan->nkey;
    } else if (s && s->pk.n) {
        p->key = s->pk.names;
        p->nkey = s->pk.n;
    }
}

/* The one free target table whose normalised name matches, or NULL when
 * none or several do; with `bare`, its name without the schema (a SQLite
 * pilot's users against production's app.users). */
static const struct cat_table *by_normal_name(const struct catalog *tgt,
                                              const struct cat_table *s, const char *taken,
                                              int bare)
{
    char *want = name_normalize(bare ? s->relname : s->name);
    const struct cat_table *hit = NULL;
    int hits = 0;

    for (size_t i = 0; i < tgt->ntables; i++) {
        char *have;
        if (taken[i] || tgt->tables[i].is_view)
            continue;
        have = name_normalize(bare ? tgt->tables[i].relname : tgt->tables[i].name);
        if (strcmp(have, want) == 0) {
            hit = &tgt->tables[i];
            hits++;
        }
        free(have);
    }
    free(want);
    return hits == 1 ? hit : NULL;
}

static size_t index_of(const struct catalog *c, const struct cat_table *t)
{
    return (size_t)(t - c->tables);
}

int pair_tables(const struct plan *p, const struct catalog *src, const struct catalog *tgt,
                const char *src_url, const char *tgt_url, struct pairing *out, struct err *e)
{
    char *taken = xcalloc(tgt->ntables + 1, 1);
    const struct cat_table **match = xcalloc(src->ntables + 1, sizeof *match);
    enum pair_how *how = xcalloc(src->ntables + 1, sizeof *how);
    int rc = -1;

    memset(out, 0, sizeof *out);
    for (size_t i = 0; p && i < p->nwaves; i++)  /* a wave moves tables the source has */
        for (size_t k = 0; k < p->waves[i].ntables; k++) {
            const struct cat_table *s = cat_find(src, p->waves[i].tables[k]);
            if (!s || s->is_view) {
                err_set(e, ERR_INPUT, "%s:%d: [wave %s]: no table '%s' in the source (%s)",
                        p->path, p->waves[i].tables_line, p->waves[i].name,
                        p->waves[i].tables[k], src_url);
                goto out;
            }
        }
    /* The plan first: it may claim a target another table's name would match. */
    for (size_t i = 0; p && i < p->ntables; i++) {
        const struct plan_table *pt = &p->tables[i];
        const struct cat_table *s = cat_find(src, pt->name), *t;

        if (!s || s->is_view) {
            err_set(e, ERR_INPUT, "%s:%d: [table %s]: no table '%s' in the source (%s)", p->path,
                    pt->line, pt->name, pt->name, src_url);
            goto out;
        }
        for (size_t k = 0; k < pt->nkey; k++)
            if (!cat_column(s, pt->key[k])) {
                err_set(e, ERR_INPUT, "%s:%d: [table %s]: key column '%s' is not a column of "
                        "%s in the source", p->path, pt->key_line, pt->name, pt->key[k], pt->name);
                goto out;
            }
        if (!pt->target)
            continue;
        if (!(t = cat_find(tgt, pt->target))) {
            err_set(e, ERR_INPUT, "%s:%d: [table %s]: no table '%s' in the target (%s)", p->path,
                    pt->target_line, pt->name, pt->target, tgt_url);
            goto out;
        }
        match[index_of(src, s)] = t;
        how[index_of(src, s)] = PAIR_PLAN;
        taken[index_of(tgt, t)] = 1;
    }
    /* Exact names, then normalised names, then normalised names without their
     * schemas, each over all tables, so an exact match is never taken by
     * another table's normalised one. */
    for (int pass = 0; pass < 3; pass++)
        for (size_t i = 0; i < src->ntables; i++) {
            const struct cat_table *s = &src->tables[i], *t;
            const struct plan_table *pt = p ? plan_table_find(p, s->name) : NULL;

            if (s->is_view || match[i] || (pt && pt->target))
                continue;
            t = pass == 0 ? cat_find(tgt, s->name) : by_normal_name(tgt, s, taken, pass == 2);
            if (t && !t->is_view && !taken[index_of(tgt, t)]) {
                match[i] = t;
                how[i] = pass == 0 ? PAIR_EXACT : PAIR_NORMALIZED;
                taken[index_of(tgt, t)] = 1;
            }
        }
    for (size_t i = 0; i < src->ntables; i++)
        if (!src->tables[i].is_view)
            add(out, &src->tables[i], match[i],
                p ? plan_table_find(p, src->tables[i].name) : NULL, how[i]);
    for (size_t i = 0; i < tgt->ntables; i++)
        if (!taken[i] && !tgt->tables[i].is_view)
            add(out, NULL, &tgt->tables[i], NULL, PAIR_NONE);
    rc = 0;
out:
    if (rc < 0)
        pair_free(out);
    free(taken);
    free(match);
    free(how);
    return rc;
}

void pair_free(struct pairing *pp)
{
    if (!pp)
        return;
    free(pp->pairs);
    pp->pairs = NULL;
    pp->n = 0;
}

const struct pair *pair_by_source(const struct pairing *pp, const char *name)
{
    for (size_t i = 0; i < pp->n; i++)
        if (pp->pairs[i].src && !strcmp(pp->pairs[i].src->name, name))
            return &pp->pairs[i];
    return NULL;
}

const struct pair *pair_by_target(const struct pairing *pp, const char *name)
{
    for (size_t i = 0; i < pp->n; i++)
        if (pp->pairs[i].tgt && !strcmp(pp->pairs[i].tgt->name, name))
            return &pp->pairs[i];
    return NULL;
}

int pair_moves(const struct pair *p)
{
    return p && p->src &&
           !(p->plan && (p->plan->decision == DEC_DELETE || p->plan->decision == DEC_RETAIN));
}

int pair_must_move(const struct pair *p)
{
    return pair_moves(p) && p->plan &&
           (p->plan->decision == DEC_MIGRATE || p->plan->decision == DEC_TEMPORARY);
}
