/* decision: decisions and owners written to the plan and audited (decision.h). */
#include "config.h"
#include "decision.h"
#include "plan_edit.h"
#include "util.h"

#include <stdlib.h>

static int change(const char *path, ws_t *ws, const char *table,
                  const struct plan_kv *kvs, size_t n, const char *action,
                  struct decision_said *said, struct err *e)
{
    char *object;
    int rc;

    if (!ws)
        return err_set(e, ERR_INPUT, "the workspace could not be opened, so changes cannot be "
                       "recorded");
    if (plan_edit_table(path, table, kvs, n, e) < 0)
        return -1;
    object = xasprintf("table %s", table);
    rc = ws_audit(ws, action, object, said->old_value, said->new_value, e);
    free(object);
    return rc;
}

int decision_decide(const char *path, const struct plan *p, ws_t *ws, const char *table,
                    enum plan_decision dec, const char *expires, struct decision_said *said,
                    struct err *e)
{
    const struct plan_table *pt = plan_table_find(p, table);
    const char *old = plan_decision_name(pt ? pt->decision : DEC_UNDECIDED);
    struct plan_kv kvs[2] = { { "decision", plan_decision_name(dec) },
                              { "expires", dec == DEC_TEMPORARY ? expires : NULL } };

    if (dec == DEC_TEMPORARY && (!expires || !*expires))
        return err_set(e, ERR_INPUT, "a temporary decision needs the date it expires "
                       "(--expires YYYY-MM-DD)");
    said->old_value = pt && pt->expires ? xasprintf("%s (expires %s)", old, pt->expires)
                                        : xstrdup(old);
    said->new_value = dec == DEC_TEMPORARY ? xasprintf("temporary (expires %s)", expires)
                                           : xstrdup(plan_decision_name(dec));
    return change(path, ws, table, kvs, 2, "decide", said, e);
}

int decision_owner(const char *path, const struct plan *p, ws_t *ws, const char *table,
                   const char *owner, struct decision_said *said, struct err *e)
{
    const struct plan_table *pt = plan_table_find(p, table);
    struct plan_kv kv = { "owner", *owner ? owner : NULL };

    said->old_value = xstrdup(pt && pt->owner ? pt->owner : "");
    said->new_value = xstrdup(owner);
    return change(path, ws, table, &kv, 1, "owner", said, e);
}

void decision_said_free(struct decision_said *said)
{
    free(said->old_value);
    free(said->new_value);
    said->old_value = said->new_value = NULL;
}
