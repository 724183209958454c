/* The Cutover panel's live part (cutover_live.c) beside its runbook
 * (cutover.c): what both share. */
#ifndef CUTOVER_PANEL_CUTOVER_INT_H
#define CUTOVER_PANEL_CUTOVER_INT_H

#include "panel.h"
#include "runbook.h"

struct cut_panel {
    struct panel *p;
    struct tui_table table;
    struct tui_view view;
    size_t step;
    int action;                 /* the action being confirmed */
    char name[128];             /* typed for a manual gate */
    long last_alert;            /* the newest alert seen, for the bell */
    long ack_id;                /* the alert being acknowledged */
    char wave[64], verb[16];    /* the wave move being confirmed */
    int trend;                  /* the span of the delta trend: see trends[] */
};

extern const char *const cut__trends[];

#define PRIV(p) ((struct cut_panel *)(p)->priv)
/* what the dashboard runs (dash_jobs.c), shown here */
#define RB(cp) dash_runbook((cp)->p->dash)
#define MON(cp) dash_monitor((cp)->p->dash)

/* The rollback advice under the runbook: from the triggers, live or the
 * latest rehearsal's. */
void cut__advice_line(struct cut_panel *cp, int y, int x, int w);
/* Every migrated table's live figures, the probes, triggers and alerts. */
void cut__live_lines(struct cut_panel *cp, struct tui_view *v, int advice_above);
/* The runbook has been rolled back (a step rolled back, none pending). */
int cut__rolled_back(const struct runbook *rb);

#endif
