/* panel: what every panel shares (panel.h). */
#include "config.h"
#include "panel.h"

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
