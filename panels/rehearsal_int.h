/* rehearsal panel internals, shared by rehearsal.c (views, keys, runs) and
 * rehearsal_row.c (a discrepancy's rule and both of its rows, read on demand
 * through core's diff_fetch_rows on the dashboard's connections). */
#ifndef CUTOVER_PANELS_REHEARSAL_INT_H
#define CUTOVER_PANELS_REHEARSAL_INT_H

#include "panel.h"
#include "rehearsal.h"

enum view { V_RUNS, V_TABLES, V_DISCS };

struct reh_panel {
    struct panel *p;
    enum view view;
    struct tui_table t[3];
    struct ws_run_rec *runs;    /* every run, newest last */
    struct ws_result_rec *results, *prev;   /* the run shown's, and its previous run's */
    struct ws_disc_rec *discs;  /* the run shown's (of `table` only, if set) */
    long nruns, nresults, nprev, ndiscs;
    long run;                   /* the run shown; 0: none yet */
    char table[256];            /* discrepancies of this table only ("" all) */
    int running;                /* a run was under way at the last DASH_RUN */
    struct tui_view dview;
    struct sheet sheet;         /* read when a discrepancy opens: its rules */
    int have_sheet;
    struct ticket *fetching;    /* both rows of the open discrepancy, on their way */
    struct diff_row_field *row; /* … and once they came */
    int nrow, row_state;        /* 0 none, 1 reading, 2 here, 3 failed */
    int src_found, tgt_found;
    char row_msg[1100];
    long disc;                  /* the discrepancy being changed */
    char *klass;
    /* discrepancies marked to be changed at once, by identity (table, kind,
     * key), sorted: they stay marked across reloads */
    char **marks;
    size_t nmarks;
    char *pending[3];           /* the change asked for them: class, owner, note */
};

#define PRIV(p) ((struct reh_panel *)(p)->priv)

/* The rule a field of discrepancy `d` is compared with, from the sheet ("?"
 * when unknown, "equal" when the sheet names none). */
const char *rehp_rule_of(struct reh_panel *rp, const struct ws_disc_rec *d,
                         const struct ws_disc_field *field);
/* (Re)reads the mapping sheet; have_sheet says whether it could. */
void rehp_read_sheet(struct reh_panel *rp);
/* Forgets the rows shown, and any still on their way. */
void rehp_free_row(struct reh_panel *rp);
/* Asks for both rows of discrepancy `d`; row_state tells how it goes. */
void rehp_fetch_row(struct reh_panel *rp, const struct ws_disc_rec *d);

/* rehearsal_mark.c: whether a discrepancy is marked; (un)marks it; none. */
int rehp_marked(const struct reh_panel *rp, const struct ws_disc_rec *d);
void rehp_mark(struct reh_panel *rp, const struct ws_disc_rec *d, int on);
void rehp_unmark_all(struct reh_panel *rp);

#endif
