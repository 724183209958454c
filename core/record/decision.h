/* decision: a table's decision for its Pilot data, or its owner, changed
 * as a person asks — from the dashboard or `cutover decide` alike:
 * cutover.ini rewritten in place (comments, order and alignment kept), then
 * the change in the workspace's audit log with its old and new value. */
#ifndef CUTOVER_DECISION_H
#define CUTOVER_DECISION_H

#include "err.h"
#include "plan.h"
#include "workspace.h"

/* What was changed, in words: "undecided" → "temporary (expires
 * 2027-06-30)", or the owner's old and new name ("" none). Caller frees. */
struct decision_said {
    char *old_value, *new_value;
};

/* Sets `table`'s decision (with `expires` for temporary; other decisions
 * drop it) in the plan at `path`, `p` being that plan as read; a table it
 * does not name yet gets its [table] section. -1 with `e`: no workspace, a
 * file that cannot be written or would not load, an audit that cannot be
 * written. */
int decision_decide(const char *path, const struct plan *p, ws_t *ws, const char *table,
                    enum plan_decision dec, const char *expires, struct decision_said *said,
                    struct err *e);
/* Sets `table`'s owner ("" removes it); as decision_decide. */
int decision_owner(const char *path, const struct plan *p, ws_t *ws, const char *table,
                   const char *owner, struct decision_said *said, struct err *e);
void decision_said_free(struct decision_said *said);

#endif
