/* Every panel of the dashboard, in the order of their numbers. */
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
