/* triage: changing recorded discrepancies (triage.h). */
#include "config.h"
#include "triage.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

int triage_apply(ws_t *ws, long run, const struct ws_disc_rec *d, const struct triage_set *set,
                 char **what, struct err *e)
{
    char *object = xasprintf("discrepancy %s %s %s (run %ld)", d->table, d->kind, d->key_text,
                             run);
    int rc;

    *what = xasprintf("%s%s%s%s%s%s", set->klass ? "class " : "", set->klass ? set->klass : "",
                      set->owner ? "owner " : "", set->owner ? set->owner : "",
                      set->note ? "note " : "", set->note ? set->note : "");
    rc = ws_classify(ws, run, d->table, d->kind, d->key_json, set->klass, set->owner, set->note,
                     e) < 0 ||
         ws_audit(ws, "discrepancy", object, NULL, *what, e) < 0 ? -1 : 0;
    free(object);
    return rc;
}

int triage_selected(const struct ws_disc_rec *d, const struct triage_sel *s)
{
    int table = !s->ntables, field = !s->field;

    for (int i = 0; i < s->ntables; i++)
        table |= !strcmp(d->table, s->tables[i]);
    for (size_t i = 0; !field && i < d->nfields; i++)
        field = !strcmp(d->fields[i].source, s->field) || !strcmp(d->fields[i].target, s->field);
    return table && field && (!s->kind || !strcmp(d->kind, s->kind)) &&
           (!s->key || !strcmp(d->key_text, s->key));
}
