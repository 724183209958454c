/* rehearsal_row: a discrepancy's detail in the rehearsal panel — the rule of
 * each field from the mapping sheet, and both rows read again, by key, on
 * the dashboard's connections (core's diff_fetch_rows), on demand. */
#include "config.h"
#include "jsonx.h"
#include "rehearsal_int.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The rule a field is compared with, from the mapping sheet. */
const char *rehp_rule_of(struct reh_panel *rp, const struct ws_disc_rec *d,
                         const struct ws_disc_field *field)
{
    char *src, *tgt;
    long row;

    if (!rp->have_sheet)
        return "?";
    src = xasprintf("%s.%s", d->table, field->source);
    tgt = xasprintf("%s.%s", d->target_table, field->target);
    row = sheet_find(&rp->sheet, src, tgt);
    free(src);
    free(tgt);
    return row < 0 ? "?" : *sheet_get(&rp->sheet, (size_t)row, SC_RULE)
                           ? sheet_get(&rp->sheet, (size_t)row, SC_RULE) : "equal";
}

void rehp_read_sheet(struct reh_panel *rp)
{
    char *path = plan_path(dash_plan(rp->p->dash), dash_plan(rp->p->dash)->mapping);
    struct err e = { 0 };

    if (rp->have_sheet)
        sheet_free(&rp->sheet);
    rp->have_sheet = sheet_load(path, &rp->sheet, &e) == 0;
    free(path);
}

/* --- both rows of a discrepancy ------------------------------------------------------- */

struct ticket {
    struct reh_panel *rp;       /* NULL once the panel or the detail went away */
};

void rehp_free_row(struct reh_panel *rp)
{
    for (int i = 0; i < rp->nrow; i++) {
        free(rp->row[i].source), free(rp->row[i].target), free(rp->row[i].rule);
        free(rp->row[i].source_value), free(rp->row[i].target_value);
    }
    free(rp->row);
    rp->row = NULL;
    rp->nrow = 0;
    rp->row_state = 0;
    if (rp->fetching)
        rp->fetching->rp = NULL;
    rp->fetching = NULL;
}

static char *dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

static void rows_came(void *arg, struct diff_rows *rows, int status, const char *msg)
{
    struct ticket *t = arg;
    struct reh_panel *rp = t->rp;

    free(t);
    if (!rp)
        return;
    rp->fetching = NULL;
    if (status) {
        rp->row_state = 3;
        snprintf(rp->row_msg, sizeof rp->row_msg, "%s", msg ? msg : "");
        tui_dirty();
        return;
    }
    rp->row = xcalloc((size_t)rows->nfields + 1, sizeof *rp->row);
    for (int i = 0; i < rows->nfields; i++) {
        const struct diff_row_field *f = &rows->fields[i];
        rp->row[i] = (struct diff_row_field){ xstrdup(f->source), xstrdup(f->target),
                                              xstrdup(f->rule), dup_or_null(f->source_value),
                                              dup_or_null(f->target_value), f->differs };
    }
    rp->nrow = rows->nfields;
    rp->src_found = rows->source_found;
    rp->tgt_found = rows->target_found;
    rp->row_state = 2;
    tui_dirty();
}

void rehp_fetch_row(struct reh_panel *rp, const struct ws_disc_rec *d)
{
    struct ticket *t;
    struct err e = { 0 };
    int rc;

    rehp_free_row(rp);
    if (!d || !rp->have_sheet || d->row_hash || d->message)
        return;  /* only what the run recorded can be shown */
    t = xcalloc(1, sizeof *t);
    t->rp = rp;
    rc = dash_fetch_rows(rp->p->dash, d, &rp->sheet, rows_came, t, &e);
    if (rc != 0) {  /* 1: not now (update() asks again when the catalogs or a side come) */
        free(t);
        if (rc < 0)
            rp->row_state = 3;
        snprintf(rp->row_msg, sizeof rp->row_msg, "%s", rc < 0 ? e.msg : "");
    } else {
        rp->fetching = t;
        rp->row_state = 1;
    }
}
