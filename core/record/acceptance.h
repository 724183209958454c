/* acc: formal acceptance before the old system is retired. The seed's five
 * acceptance areas, each with its evidence — measured from what cutover
 * recorded where it can, the signer's recorded statement (the note) where it
 * cannot — a status and a sign-off; and the decommission checklist, whose
 * items are checked off and recorded, with what the Pilot data decisions say
 * must be kept (retain, temporary) and until when. Sign-offs are appended to
 * the workspace (who, when, note); the latest per item counts. */
#ifndef CUTOVER_ACCEPTANCE_H
#define CUTOVER_ACCEPTANCE_H

#include <jansson.h>

#include "err.h"
#include "workspace.h"

struct acc_item {
    const char *name, *title, *asks;
};

#define ACC_NAREAS 5
#define ACC_NCHECKLIST 5
extern const struct acc_item acc_areas[ACC_NAREAS], acc_checklist[ACC_NCHECKLIST];

/* The last rehearsal run (of `cutover runs --json`) that ran to its end, or
 * NULL: the evidence of a report, never one cancelled, refused or failed. */
const json_t *acc_last_run(const json_t *runs);

/* The acceptance part of a report, from the report's other parts
 * (pilot_data, mapping, rehearsals, hypercare): {"areas": [{area, title,
 * asks, evidence: [text], evidence_ok, status, signed_by, signed_at, note}],
 * "accepted": n, "decommission": [{item, title, done, by, at, note}],
 * "keep": [{table, decision, owner, until}], "done": n}. */
json_t *acc_build(const json_t *report, ws_t *ws);

/* Records a sign-off: an area's status (accepted, rejected, pending) or a
 * checklist item's (done, open), by the current user, with a note; also in
 * the audit log and on the timeline. ERR_INPUT for an unknown area, item or
 * status; ERR_FOUND (a gate) for "shutdown done" while an area is not
 * accepted or an item before it is open (`report` gives the current state). */
int acc_sign(ws_t *ws, const json_t *report, const char *kind, const char *item,
             const char *status, const char *note, struct err *e);

#endif
