/* sheet: the field mapping sheet (mapping.csv). For now its statistics —
 * what the dashboard can state as fact before the mapping review lands. */
#ifndef CUTOVER_SHEET_H
#define CUTOVER_SHEET_H

#include "err.h"

struct sheet_stats {
    int exists;
    long rows, draft, approved, rejected, other;
};

/* Counts the data rows of the sheet and their review status. A missing file
 * is not an error (exists = 0). Malformed CSV: -1 with `e` (ERR_INPUT). */
int sheet_stats(const char *path, struct sheet_stats *st, struct err *e);

#endif
