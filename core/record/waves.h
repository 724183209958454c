/* waves: a phased migration's waves as they stand (DESIGN.md, "Waves"):
 * each wave of the plan with its state from the workspace, where its truth
 * lives now and its latest validation; what cutover waves, cutover wave and
 * the report show. */
#ifndef CUTOVER_WAVES_H
#define CUTOVER_WAVES_H

#include <jansson.h>

#include "plan.h"
#include "workspace.h"

/* Each wave in file order: {wave, tables, where, target_where, truth,
 * truth_now, state, owner, gate, since {at, user, note}, validation {run,
 * result, open} or null, log (ws_wave_log_json), strays (its stray writes
 * and drift, ws_wave_findings_json), advice (its own triggers breached:
 * rolling it back is advised, ["stray_writes 3 (limit 1)"…])}; then, when the plan has waves and some moving
 * tables are in none, {wave: "(rest)", tables, implicit: true}. */
json_t *waves_json(const struct plan *p, ws_t *ws);
/* The implicit final wave: the tables no [wave] names (and not deleted or
 * retained), in plan order; `out` is an array of borrowed names, freed by
 * the caller. Validated with cutover diff --wave "(rest)". */
#define WAVES_REST "(rest)"
size_t waves_rest(const struct plan *p, const char ***out);
/* The wave's latest validation among `runs` (ws_runs_read): its newest run
 * of kind "wave NAME" (every table of the wave) that ran to its end, or NULL. */
const struct ws_run_rec *waves_last_run(const struct ws_run_rec *runs, long n, const char *wave);
/* Where the slice's truth lives in `state`: "pilot" until it has moved. */
const char *waves_truth_now(const struct plan_wave *w, const char *state);

/* The waves (waves_json) that move `table`: [{wave, where, state,
 * truth_now}], the implicit rest's included; [] for a table no wave moves. */
json_t *waves_of_table(const json_t *waves, const char *table);

/* The state `verb` (start, moved, rollback) moves a wave to; NULL: none. */
const char *waves_move_to(const char *verb);
/* Moves wave `w` by `verb` as the current user, with `note` (may be NULL),
 * if its state allows it and, for moved, its gate holds: a diff or checks
 * gate needs the wave's latest validation (a run of every table of it,
 * begun since it started moving) to pass, a manual one its owner. The
 * state is read and the move written in one transaction, so two moves of
 * one wave never both pass. 0, with `from` the state it left; -1 with `e`:
 * ERR_INPUT (the state does not allow it), ERR_FOUND (the gate says no-go),
 * or the workspace's error. */
int waves_move(ws_t *ws, const struct plan_wave *w, const char *verb, const char *note,
               char from[16], struct err *e);

/* What stands against GO in each wave of `waves` (waves_json), appended to
 * `why` in words: not moved, its latest validation failed, its triggers
 * advise rolling it back, stray writes, drift. */
void waves_verdict(const json_t *waves, json_t *why);
/* The report's rows: a wave each (tables with the slice, state, since,
 * truth now, gate, validation, stray writes and drift), and every wave's
 * moves in time order (at, wave, state, user, note). */
json_t *waves_report_rows(const json_t *waves);
json_t *waves_log_rows(const json_t *waves);
/* … and each wave's first stray writes and drift (10 a wave): wave, kind,
 * table, key (as text), side, at. */
json_t *waves_stray_rows(const json_t *waves);

#endif
