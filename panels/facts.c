/* The panel whose work lands with a later issue (live cutover). Until then
 * it shows only what core already knows as fact: the runbook, rollback and
 * hypercare settings of the plan. */
#include "config.h"
#include "panel.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct tui_key no_keys[] = { { 0 } };

struct facts {
    struct tui_view view;
};

static void init(struct panel *p)
{
    p->priv = xcalloc(1, sizeof(struct facts));
}

static void done(struct panel *p)
{
    view_clear(&((struct facts *)p->priv)->view);
    free(p->priv);
}

static int key(struct panel *p, int k)
{
    return view_key(&((struct facts *)p->priv)->view, k, 5);
}

static void cutover_title(struct panel *p, char *buf, size_t n)
{
    snprintf(buf, n, "Cutover / Hypercare %zu steps", p->dash->plan->nsteps);
}

static const char *const gates[] = { "none", "checks", "diff", "manual" };

static void limit_text(struct sbuf *b, const struct plan_limit *l, size_t n, const char *op)
{
    char d[32];

    for (size_t i = 0; i < n; i++) {
        if (l[i].unit == UNIT_MS)
            sbuf_printf(b, "%s%s %s %s", i ? ", " : "", l[i].name, op,
                        dur_format((int64_t)l[i].value, d, sizeof d));
        else
            sbuf_printf(b, "%s%s %s %g%s", i ? ", " : "", l[i].name, op, l[i].value,
                        l[i].unit == UNIT_PERCENT ? "%" : "");
    }
}

static void cutover_draw(struct panel *p, struct rect r, int focused)
{
    struct tui_view *v = &((struct facts *)p->priv)->view;
    const struct plan *pl = p->dash->plan;
    struct sbuf b = { 0 };
    char d[32], iv[32];

    (void)focused;
    view_clear(v);
    if (!pl->nsteps)
        view_add(v, ROLE_MUTED, "No runbook: add [step NAME] sections to the plan.");
    else
        view_add(v, ROLE_TITLE, "Runbook, %s: step, title, owner, expected, gate",
                 p->dash->runbook_events ? "started" : "not started");
    for (size_t i = 0; i < pl->nsteps; i++) {
        const struct plan_step *s = &pl->steps[i];
        view_add(v, ROLE_TEXT, "%2zu %-8.8s %-24.24s %-6.6s %4s %s", i + 1, s->name, s->title,
                 s->owner ? s->owner : "-", s->expect_ms ? dur_format(s->expect_ms, d, sizeof d)
                                                          : "-", gates[s->gate]);
    }
    limit_text(&b, pl->triggers, pl->ntriggers, ">=");
    view_add(v, ROLE_TEXT, "Rollback advised when %s", pl->ntriggers ? b.s : "(no triggers)");
    view_add(v, ROLE_TEXT, "  authority: %s", pl->authority ? pl->authority : "none named");
    sbuf_free(&b);
    limit_text(&b, pl->alerts, pl->nalerts, ">");
    view_add(v, ROLE_TEXT, "Hypercare: %s, polling every %s",
             dur_format(pl->hc_duration_ms, d, sizeof d),
             dur_format(pl->hc_interval_ms, iv, sizeof iv));
    view_add(v, ROLE_TEXT, "  alerts: %s", pl->nalerts ? b.s : "none");
    sbuf_free(&b);
    view_add(v, ROLE_MUTED, "Running the cutover is not in this build yet.");
    view_draw(v, r);
}

const struct panel_ops panel_cutover_ops = {
    .name = "Cutover / Hypercare", .init = init, .done = done, .title = cutover_title,
    .draw = cutover_draw, .key = key, .keys = no_keys,
};
