/* Every panel of the dashboard, in the order of their numbers, and what they share. */
#include "config.h"
#include "panel.h"

extern const struct panel_ops panel_inventory_ops, panel_mapping_ops, panel_rehearsal_ops,
    panel_cutover_ops;

const struct panel_ops *const panel_registry[PANEL_COUNT] = {
    &panel_inventory_ops,
    &panel_mapping_ops,
    &panel_rehearsal_ops,
    &panel_cutover_ops,
};

void panel_detail_open(struct panel *p)
{
    p->detail = 1;
    tui_zoom(1);
}

void panel_detail_close(struct panel *p)
{
    p->detail = 0;
    tui_zoom(0);
}
