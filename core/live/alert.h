/* alert: hypercare alerts. The plan's [hypercare] alert.METRIC levels
 * (critical, or "warning, critical") are checked on every measurement with
 * hysteresis: an alert opens when its value reaches a level, escalates to
 * critical, and closes only once the value is back under 90 % of its lowest
 * level (back to 0 for a level of 0) — never once per sample. An alert still
 * open when a session resumes goes on, it is not opened again. Every change
 * is recorded in the workspace (alerts, and the timeline) and handed to the
 * plan's on_alert command as one JSON object on its stdin, run through
 * uv_spawn with /bin/sh -c in the plan's folder, one at a time in the order
 * the alerts came; nothing waits for it. */
#ifndef CUTOVER_ALERT_H
#define CUTOVER_ALERT_H

#include <jansson.h>
#include <uv.h>

#include "plan.h"
#include "workspace.h"

typedef struct alerter alerter_t;

/* `alert` is {"type":"alert","id","state":opened|escalated|closed,"metric",
 * "level","value","threshold","unit","session"}; borrowed for the call. */
typedef void (*alert_cb)(json_t *alert, void *arg);

alerter_t *alert_new(uv_loop_t *loop, const struct plan *p, ws_t *ws, long session, alert_cb cb,
                     void *arg);
/* A metric's value now (in its unit: rows, ms or %). */
void alert_measure(alerter_t *a, const char *metric, double value);
/* Open alerts, for the status line. */
int alert_open_count(const alerter_t *a);
/* Frees it; on_alert commands queued or running still run, in order. */
void alert_free(alerter_t *a);

#endif
