/* plan_limit: the metrics a rollback trigger, a hypercare alert or a probe's
 * alert may name, their units, and the limits the plan sets on them. */
#include "config.h"
#include "plan_int.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct plan_metric plan_health[NHEALTH] = {
    [HEALTH_CONNECTIONS] = { "connections", UNIT_COUNT },
    [HEALTH_LOCK_WAITS] = { "lock_waits", UNIT_COUNT },
    [HEALTH_LONGEST_QUERY] = { "longest_query", UNIT_MS },
};

/* Metrics a rollback trigger or a hypercare alert may name, with their
 * unit; PostgreSQL's health (plan_health) too. */
static const struct plan_metric metrics[] = {
    { "missing_rows", UNIT_COUNT }, { "extra_rows", UNIT_COUNT },
    { "changed_rows", UNIT_COUNT }, { "drift_rows", UNIT_COUNT },
    { PLAN_FAILED_CHECKS, UNIT_COUNT }, { "error_rate", UNIT_PERCENT },
    { "lag", UNIT_MS }, { "latency", UNIT_MS },
    { "stray_writes", UNIT_COUNT }, { "drift_keys", UNIT_COUNT },
};

int plan_limit_reached(double value, double limit)
{
    return limit > 0 ? value >= limit : value > 0;
}

const char *plan_unit_name(enum plan_unit u)
{
    return u == UNIT_MS ? "ms" : u == UNIT_PERCENT ? "%" : "rows";
}

enum plan_unit plan_unit_of(const char *name)
{
    return !strcmp(name, "ms") ? UNIT_MS : !strcmp(name, "%") ? UNIT_PERCENT : UNIT_COUNT;
}

char *plan_value_text(double v, enum plan_unit u, char *buf, size_t n)
{
    if (u == UNIT_MS)
        return dur_human((int64_t)v, buf, n);
    snprintf(buf, n, u == UNIT_PERCENT ? "%g%%" : "%.15g", v);  /* 1234567 rows, not 1.23457e+06 */
    return buf;
}

int plan__parse_limit(const char *v, double *out, enum plan_unit *unit)
{
    char *end;
    int64_t ms;

    if (!isdigit((unsigned char)*v) && *v != '.')
        return -1;
    errno = 0;
    *out = strtod(v, &end);
    if (errno)
        return -1;
    if (*end == '\0') {
        *unit = UNIT_COUNT;
        return 0;
    }
    if (strcmp(end, "%") == 0) {
        *unit = UNIT_PERCENT;
        return 0;
    }
    if ((ms = dur_parse_ms(v)) < 0)
        return -1;
    *out = (double)ms;
    *unit = UNIT_MS;
    return 0;
}

static const char *unit_example(enum plan_unit u)
{
    return u == UNIT_COUNT ? "a number such as 0 or 10"
         : u == UNIT_PERCENT ? "a percentage such as 1%" : "a duration such as 60s";
}

const struct plan_metric *plan__metric_find(const char *name)
{
    for (size_t m = 0; m < sizeof metrics / sizeof *metrics; m++)
        if (strcmp(metrics[m].name, name) == 0)
            return &metrics[m];
    for (int h = 0; h < NHEALTH; h++)
        if (strcmp(plan_health[h].name, name) == 0)
            return &plan_health[h];
    return NULL;
}

int plan__add_limit(struct pstate *st, struct plan_limit **arr, size_t *n, const char *prefix,
                    const char *metric, const char *v, int probe)
{
    struct plan_limit l = { .warn = -1 };
    const char *comma = strchr(v, ',');
    int two = comma && !strcmp(prefix, "alert.");
    enum plan_unit wu, unit = UNIT_COUNT;
    const struct plan_metric *m = plan__metric_find(metric);

    if (!m && !probe)
        return FAIL(st, "unknown metric '%s%s' (known: missing_rows, extra_rows, changed_rows, "
                    "drift_rows, failed_checks, error_rate, lag, latency, stray_writes, drift_keys, "
                    "connections, lock_waits, longest_query; a [probe NAME]'s alert goes in its own section "
                    "as alert = LEVEL)", prefix, metric);
    if (!probe)
        unit = m->unit;
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*arr)[i].name, metric) == 0)
            return FAIL(st, "duplicate key '%s%s'", prefix, metric);
    if (two) {  /* an alert's warning level, then its critical one */
        char *warn = xstrndup(v, (size_t)(comma - v));
        int bad = plan__parse_limit(str_trim(warn), &l.warn, &wu) < 0;
        free(warn);
        v = comma + 1;
        while (*v == ' ')
            v++;
        if (bad || plan__parse_limit(v, &l.value, &l.unit) < 0 || wu != l.unit || l.warn > l.value)
            return FAIL(st, "'%s%s': expected a warning and a critical level, the warning "
                        "lower, each %s", prefix, metric, unit_example(unit));
    }
    if ((!two && plan__parse_limit(v, &l.value, &l.unit) < 0) ||
        (l.unit != unit && !(l.unit == UNIT_COUNT && unit == UNIT_PERCENT)))
        return FAIL(st, "'%s%s = %s': expected %s", prefix, metric, v, unit_example(unit));
    if (l.unit == UNIT_COUNT && unit == UNIT_PERCENT)
        l.unit = UNIT_PERCENT;
    l.name = xstrdup(metric);
    l.line = st->line;
    *arr = xrealloc(*arr, (*n + 1) * sizeof **arr);
    (*arr)[(*n)++] = l;
    return 1;
}

void plan__free_limits(struct plan_limit *l, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(l[i].name);
    free(l);
}

