/* plan_int: what the plan's reader shares with its files (not for outside
 * them): plan.c reads the file and its sections; plan_limit.c the metrics
 * and their limits; plan_wave.c the waves. */
#ifndef CUTOVER_PLAN_INT_H
#define CUTOVER_PLAN_INT_H

#include <stdio.h>

#include "plan.h"

enum sect { S_NONE, S_MIGRATION, S_SOURCE, S_TARGET, S_TABLE, S_CHECK, S_STEP, S_ROLLBACK,
            S_HYPERCARE, S_PROBE, S_WAVE };


struct pstate {
    struct plan *p;
    FILE *f;
    struct err *e;
    int line;           /* the line inih is handling (the reader counts them) */
    int cont;           /* that line is an indented continuation */
    int failed;
    enum sect sect;
    int sect_line;
    char sect_text[160]; /* "step freeze", for messages */
    unsigned seen;      /* keys set in the current section */
    int last_key;       /* index of the key set last, for continuations */
    int have_key;       /* a key was set since the section began */
    unsigned sects_seen;
    int side_line[2];   /* where [source] and [target] begin; 0: nowhere */
};

#define FAIL(st, ...) plan__fail_at(st, st->line, __VA_ARGS__)

/* Fails the reading at `line` with "PATH:LINE: …" (the first failure stays); 0. */
__attribute__((format(printf, 3, 4)))
int plan__fail_at(struct pstate *st, int line, const char *fmt, ...);
/* Sets a string key (an indented line continues it); 1. */
int plan__set_str(struct pstate *st, char **dst, const char *v);
/* A gate's name; -1 when it is none of them. */
int plan__gate_parse(const char *v, enum plan_gate *g);

/* The limits (plan_limit.c): a trigger or alert on a metric, `probe` on a
 * [probe]'s value; 1, or 0 having failed. */
int plan__add_limit(struct pstate *st, struct plan_limit **arr, size_t *n, const char *prefix,
                    const char *metric, const char *v, int probe);
const struct plan_metric *plan__metric_find(const char *name);
/* "12", "0.5", "1%", "60s" → value and unit; -1 when it is none of these. */
int plan__parse_limit(const char *v, double *out, enum plan_unit *unit);
void plan__free_limits(struct plan_limit *l, size_t n);

/* [wave NAME]: key k of S_WAVE's keys set to v; 1, or 0 having failed. */
/* A [wave]'s trigger.METRIC: one of the metrics of its own slice. */
int plan__add_wave_trigger(struct pstate *st, struct plan_wave *w, const char *metric,
                           const char *v);
int plan__set_wave(struct pstate *st, struct plan_wave *w, int k, const char *v);
/* What the waves cannot say key by key: tables given, a table not in two
 * waves unless both slice it, a step's wave known. 1, or 0 having failed. */
int plan__validate_waves(struct pstate *st);
void plan__waves_free(struct plan *p);

#endif
