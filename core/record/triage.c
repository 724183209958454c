/* triage: changing recorded discrepancies (triage.h). */
#include "config.h"
#include "triage.h"
#include "util.h"

#include <jansson.h>
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

/* A structural finding about column `name` of the target: keyed {"column"},
 * or {"columns": […]} holding it. */
static int about_column(const struct ws_disc_rec *d, const char *name)
{
    json_t *k = d->message ? json_loads(d->key_json, 0, NULL) : NULL, *v;
    int hit = k && json_string_value(json_object_get(k, "column")) &&
              !strcmp(json_string_value(json_object_get(k, "column")), name);
    size_t i;

    json_array_foreach(json_object_get(k, "columns"), i, v)
        hit |= json_string_value(v) && !strcmp(json_string_value(v), name);
    json_decref(k);
    return hit;
}

int triage_selected(const struct ws_disc_rec *d, const struct triage_sel *s)
{
    int table = !s->ntables, field = !s->field;

    for (int i = 0; i < s->ntables; i++)
        table |= !strcmp(d->table, s->tables[i]);
    for (size_t i = 0; !field && i < d->nfields; i++)
        field = !strcmp(d->fields[i].source, s->field) || !strcmp(d->fields[i].target, s->field);
    if (!field)
        field = about_column(d, s->field);
    return table && field && (!s->kind || !strcmp(d->kind, s->kind)) &&
           (!s->key || !strcmp(d->key_text, s->key));
}
