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
 * and drift, ws_wave_findings_json)}; then, when the plan has waves and some moving
 * tables are in none, {wave: "(rest)", tables, implicit: true}. */
json_t *waves_json(const struct plan *p, ws_t *ws);
/* The wave's latest validation among `runs` (ws_runs_read): its newest run
 * of kind "wave NAME" (every table of the wave) that ran to its end, or NULL. */
const struct ws_run_rec *waves_last_run(const struct ws_run_rec *runs, long n, const char *wave);
/* Where the slice's truth lives in `state`: "pilot" until it has moved. */
const char *waves_truth_now(const struct plan_wave *w, const char *state);

/* The waves (waves_json) that move `table`: [{wave, where, state,
 * truth_now}], the implicit rest's included; [] for a table no wave moves. */
json_t *waves_of_table(const json_t *waves, const char *table);

#endif
