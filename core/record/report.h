/* report: the acceptance report. What happens to the Pilot data of every
 * table and whether the target agrees, the mapping review, the rehearsal
 * history, the discrepancy log of the latest run with classes and decisions,
 * the cutover timeline, the hypercare sessions and alerts — gathered as one
 * JSON document from the plan, the inventory, the sheet and the workspace,
 * and rendered as Markdown or HTML. URLs are the masked ones: no password
 * in it. */
#ifndef CUTOVER_REPORT_H
#define CUTOVER_REPORT_H

#include <jansson.h>

#include "inventory.h"
#include "sheet.h"
#include "workspace.h"

/* Everything borrowed; `ws` may be NULL (nothing recorded yet). */
json_t *report_build(const struct plan *p, const struct inventory *inv, const struct sheet *s,
                     ws_t *ws, const char *src_url, const char *tgt_url);
/* The report as Markdown, or as one self-contained HTML page (inline CSS,
 * the hypercare charts as inline SVG, no external asset); caller frees. */
char *report_markdown(const json_t *r);
char *report_html(const json_t *r);

#endif
