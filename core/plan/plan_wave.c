/* plan_wave: the plan's [wave NAME] sections (plan.h, DESIGN.md "Waves"). */
#include "config.h"
#include "plan_int.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

#define NAME_(e, name) [e] = name,
static const char *const truth_names[] = { PLAN_TRUTHS(NAME_) };
#undef NAME_

const char *plan_truth_name(enum plan_truth t)
{
    return truth_names[t];
}

const struct plan_wave *plan_wave_find(const struct plan *p, const char *name)
{
    for (size_t i = 0; i < p->nwaves; i++)
        if (!strcmp(p->waves[i].name, name))
            return &p->waves[i];
    return NULL;
}

static int set_tables(struct pstate *st, struct plan_wave *w, const char *v)
{
    char *copy = xstrdup(v), *save = NULL;

    w->tables_line = st->line;
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        t = str_trim(t);
        if (!*t)
            continue;
        for (size_t i = 0; i < w->ntables; i++)
            if (!strcmp(w->tables[i], t)) {
                FAIL(st, "tables: %s is named twice", t);
                free(copy);
                return 0;
            }
        w->tables = xrealloc(w->tables, (w->ntables + 1) * sizeof *w->tables);
        w->tables[w->ntables++] = xstrdup(t);
    }
    free(copy);
    if (!w->ntables)
        return FAIL(st, "tables '%s': expected source tables separated by commas", v);
    return 1;
}

int plan__add_wave_trigger(struct pstate *st, struct plan_wave *w, const char *metric,
                           const char *v)
{
    static const char *const own[] = { "stray_writes", "drift_keys", "missing_rows",
                                       "extra_rows", "changed_rows" };

    for (size_t i = 0; i < sizeof own / sizeof *own; i++)
        if (!strcmp(metric, own[i]))
            return plan__add_limit(st, &w->triggers, &w->ntriggers, "trigger.", metric, v, 0);
    return FAIL(st, "trigger.%s: a wave's trigger measures its own slice: expected "
                "trigger.stray_writes, drift_keys, missing_rows, extra_rows or changed_rows "
                "(the plan's others go in [rollback])", metric);
}

int plan__set_wave(struct pstate *st, struct plan_wave *w, int k, const char *v)
{
    switch (k) {
    case 0: return set_tables(st, w, v);
    case 1: w->where_line = st->line; return plan__set_str(st, &w->where, v);
    case 2: return plan__set_str(st, &w->target_where, v);
    case 3:
        for (size_t i = 0; i < sizeof truth_names / sizeof *truth_names; i++)
            if (!strcmp(v, truth_names[i])) {
                w->truth = (enum plan_truth)i;
                return 1;
            }
        return FAIL(st, "truth '%s': expected production or both (where the truth lives once "
                    "the wave has moved)", v);
    case 4: return plan__set_str(st, &w->owner, v);
    default:
        if (plan__gate_parse(v, &w->gate) < 0)
            return FAIL(st, "gate '%s': expected none, checks, diff or manual", v);
        return 1;
    }
}

int plan__validate_waves(struct pstate *st)
{
    struct plan *p = st->p;

    for (size_t i = 0; i < p->nwaves; i++) {
        const struct plan_wave *w = &p->waves[i];
        if (!w->ntables)
            return plan__fail_at(st, w->line, "[wave %s] needs 'tables': the source tables it "
                                 "moves", w->name);
        if (w->target_where && !w->where)
            return plan__fail_at(st, w->line, "[wave %s]: target_where without where: the "
                                 "slice is said on the source first", w->name);
        /* a table in two waves: both must slice it (the data says if they overlap) */
        for (size_t j = 0; j < i; j++)
            for (size_t a = 0; a < w->ntables; a++)
                for (size_t b = 0; b < p->waves[j].ntables; b++)
                    if (!strcmp(w->tables[a], p->waves[j].tables[b]) &&
                        (!w->where || !p->waves[j].where))
                        return plan__fail_at(st, w->tables_line, "[wave %s]: table %s is in "
                                             "[wave %s] (line %d) too, and %s no where: their "
                                             "slices overlap", w->name, w->tables[a],
                                             p->waves[j].name, p->waves[j].line,
                                             !w->where && !p->waves[j].where ? "neither has"
                                             : !w->where ? "this one has" : "that one has");
    }
    for (size_t i = 0; i < p->nsteps; i++)
        if (p->steps[i].wave && !plan_wave_find(p, p->steps[i].wave))
            return plan__fail_at(st, p->steps[i].wave_line, "[step %s]: wave = %s: no [wave %s] "
                                 "in the plan", p->steps[i].name, p->steps[i].wave,
                                 p->steps[i].wave);
    return 1;
}

void plan__waves_free(struct plan *p)
{
    for (size_t i = 0; i < p->nwaves; i++) {
        struct plan_wave *w = &p->waves[i];
        for (size_t k = 0; k < w->ntables; k++)
            free(w->tables[k]);
        free(w->tables), free(w->name), free(w->where), free(w->target_where), free(w->owner);
        plan__free_limits(w->triggers, w->ntriggers);
    }
    free(p->waves);
}
