/* plan: the migration plan, cutover.ini (DESIGN.md), parsed with inih.
 * Every value remembers its line so later checks can name file:line. */
#ifndef CUTOVER_PLAN_H
#define CUTOVER_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Name tables live here once, as X-macros: each enum and its names (as the
 * plan, the workspace and the screen write them) come from one list. */

/* What happens to a table's Pilot data; undecided first (a zeroed table). */
#define PLAN_DECISIONS(X)                                                          \
    X(DEC_UNDECIDED, "undecided") X(DEC_MIGRATE, "migrate") X(DEC_DELETE, "delete") \
    X(DEC_RETAIN, "retain") X(DEC_TEMPORARY, "temporary")
/* What must hold before a runbook step may go. */
#define PLAN_GATES(X) \
    X(GATE_NONE, "none") X(GATE_CHECKS, "checks") X(GATE_DIFF, "diff") X(GATE_MANUAL, "manual")

/* The two databases, as the plan's sections and every record name them. */
#define PLAN_SIDES(X) X(SIDE_SOURCE, "source") X(SIDE_TARGET, "target")

#define PLAN_ENUM_(e, name) e,
#define PLAN_COUNT_(e, name) +1
enum plan_decision { PLAN_DECISIONS(PLAN_ENUM_) };
enum plan_gate { PLAN_GATES(PLAN_ENUM_) };
enum plan_side { PLAN_SIDES(PLAN_ENUM_) };
enum { PLAN_NDECISIONS = 0 PLAN_DECISIONS(PLAN_COUNT_), PLAN_NGATES = 0 PLAN_GATES(PLAN_COUNT_) };
enum plan_unit { UNIT_COUNT, UNIT_PERCENT, UNIT_MS };

/* The signals the hypercare probes measure that a trigger or an alert may
 * name, beside the plan's own probes: the business checks failing, then
 * PostgreSQL's health on either side (as read from pg_stat_activity). */
#define PLAN_FAILED_CHECKS "failed_checks"
enum plan_health { HEALTH_CONNECTIONS, HEALTH_LOCK_WAITS, HEALTH_LONGEST_QUERY, NHEALTH };
struct plan_metric {
    const char *name;
    enum plan_unit unit;
};
extern const struct plan_metric plan_health[NHEALTH];

/* A threshold such as "0", "1%" or "60s". */
struct plan_limit {
    char *name;         /* missing_rows, error_rate, lag … */
    double value;       /* the limit; for an alert its critical level */
    double warn;        /* an alert's warning level (alert.lag = 30s, 60s); -1: none */
    enum plan_unit unit;
    int line;
};

struct plan_table {
    char *name;         /* the source table, as in [table NAME] */
    int line;
    char *target;       /* NULL: paired by name */
    char **key;         /* NULL: the primary key */
    size_t nkey;
    enum plan_decision decision;
    char *owner, *watermark, *where, *expires;
    int target_line, key_line, expires_line, where_line;
    char *tenant;       /* the tenant column, beside [migration] tenant (NULL: that one) */
    char **expect_index;    /* indexes the target is to have, each "a, b" (its columns) */
    size_t nexpect_index;
    int expect_index_line;
};

struct plan_check {
    char *name;
    int line;
    char *source, *target, *owner;
    double tolerance;
    int tolerance_pct;  /* tolerance is a percentage of the source value */
};

struct plan_step {
    char *name;
    int line;
    char *title, *owner, *run, *rollback;
    char *wave;         /* the wave it belongs to (NULL: none) */
    int wave_line;
    int64_t expect_ms;
    enum plan_gate gate;
};

/* A hypercare probe: any read-only query returning one number (failed jobs,
 * error rows …), polled every round on one side; its alert, if any, is in
 * the plan's alerts under the probe's name. */
struct plan_probe {
    char *name;
    int line;
    char *sql;
    int side;           /* 0 source, 1 target (the default) */
};

struct plan_endpoint {
    char *url, *label;
    int line;
};

/* Where a moved wave's truth lives (DESIGN.md, "Waves"): Production, or
 * both while dual writes run. Before it has moved: the Pilot. */
#define PLAN_TRUTHS(X) X(TRUTH_PRODUCTION, "production") X(TRUTH_BOTH, "both")
enum plan_truth { PLAN_TRUTHS(PLAN_ENUM_) };

/* [wave NAME]: a slice of the data that moves on its own, in file order. */
struct plan_wave {
    char *name;
    int line;
    char **tables;      /* source tables */
    size_t ntables;
    int tables_line;
    char *where;        /* the slice on the source (NULL: the whole tables) … */
    char *target_where; /* … and on the target (NULL: where) */
    int where_line;
    enum plan_truth truth;
    char *owner;
    enum plan_gate gate;
    /* trigger.METRIC: rolling back this wave only is advised (WAVE_METRICS) */
    struct plan_limit *triggers;
    size_t ntriggers;
};
/* The metrics a wave's trigger may name: its slice's own (plan_wave.c). */
#define WAVE_METRICS "stray_writes, drift_keys, missing_rows, extra_rows or changed_rows"

struct plan {
    int refs;           /* references besides the first (plan_ref): plan_free drops one */
    char *path;         /* as given, for messages */
    char *dir;          /* its directory: relative paths are resolved against it */
    char *name, *mapping, *workspace;
    char *tenant;                   /* the column that scopes rows to a tenant (NULL: none) */
    double null_rate_shift;         /* a column's NULL share may move this much (0.001) */
    int64_t structure_timeout_ms;   /* a structural check slower than this is not run */
    struct plan_endpoint source, target;
    struct plan_table *tables;
    size_t ntables;
    struct plan_check *checks;
    size_t nchecks;
    struct plan_step *steps;
    size_t nsteps;
    struct plan_limit *triggers;
    size_t ntriggers;
    char *authority;
    char *advise_after;             /* [rollback] after: live triggers advise once this step is
                                     * done (NULL: once the first step has gone) */
    int advise_after_line;
    int64_t hc_duration_ms, hc_interval_ms;
    long long hc_exact_rows;        /* PostgreSQL tables above it: counted once, then estimated */
    int hc_bell;                    /* ring the terminal's bell when an alert opens */
    long long hc_checks_every;      /* business checks every this many rounds (0: 10) */
    struct plan_limit *alerts;
    size_t nalerts;
    struct plan_probe *probes;
    size_t nprobes;
    struct plan_wave *waves;        /* in file order; none: one big-bang cutover */
    size_t nwaves;
    char *on_alert;
};

/* Reads and validates `path`. Returns NULL and fills `e` (ERR_INPUT, message
 * "PATH:LINE: …") on any error, including a missing file. */
struct plan *plan_load(const char *path, struct err *e);
/* Another reference to `p` (a snapshot's, see snap.h); each is dropped with
 * plan_free, the last one frees. */
struct plan *plan_ref(struct plan *p);
void plan_free(struct plan *p);

/* The [table] entry for a source table, or NULL. */
const struct plan_table *plan_table_find(const struct plan *p, const char *name);
/* Why a table's or a column's name cannot be written in cutover.ini or
 * mapping.csv and read back as it is (']' closes a section, ';' and '#'
 * start a comment, '.' splits a sheet's table.column, ',' a key list, a
 * quote, a line end, blanks at its ends); NULL when it can. */
const char *plan_name_unwritable(const char *name);
/* The [step] of that name, or NULL. */
const struct plan_step *plan_step_find(const struct plan *p, const char *name);
const struct plan_wave *plan_wave_find(const struct plan *p, const char *name);
const char *plan_truth_name(enum plan_truth t);
const char *plan_gate_name(enum plan_gate g);
/* The step once done the rollback triggers advise: [rollback] after, else
 * the first step; NULL without steps. */
const char *plan_advice_step(const struct plan *p);

/* Resolves a path from the plan (mapping, workspace) against its directory;
 * caller frees. */
char *plan_path(const struct plan *p, const char *rel);

/* Opens the plan's source (db[0]) and target (db[1]) with `o`; connecting
 * goes on in the background. -1 with `e` (cutover.ini:LINE: [source] url: …)
 * for a bad URL, and nothing left open. */
struct db;
struct db_opts;
struct uv_loop_s;
int plan_connect(struct uv_loop_s *loop, const struct plan *p, const struct db_opts *o,
                 struct db *db[2], struct err *e);

const char *plan_decision_name(enum plan_decision d);
/* "source" (0) or "target" (non-zero). */
const char *plan_side_name(int side);
/* A limit's unit as events name it: rows, ms or %. */
const char *plan_unit_name(enum plan_unit u);
/* plan_unit_name read back ("ms", "%", anything else: a count). */
enum plan_unit plan_unit_of(const char *name);
/* Whether a value reaches a limit: at or above it; a limit of 0, above 0. */
int plan_limit_reached(double value, double limit);
/* A value in its unit as a person reads it: 17, 2.5%, 30m20s. */
char *plan_value_text(double v, enum plan_unit u, char *buf, size_t n);
int plan_decision_parse(const char *s, enum plan_decision *d);

#endif
