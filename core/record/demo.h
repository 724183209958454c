/* demo: builds a realistic demo migration — a Pilot SQLite database of a
 * small SaaS product with the usual mess, a reshaped Production copy with
 * imperfections (SQLite, or PostgreSQL when a target URL is given), a
 * cutover.ini with decisions of every kind and a mapping.csv. The demo is,
 * with the test fixtures, the only code that writes to databases. */
#ifndef CUTOVER_DEMO_H
#define CUTOVER_DEMO_H

#include "err.h"

/* Builds the demo in `dir` (created if needed; the demo's own files in it are
 * replaced). `target_url` NULL: Production is dir/production.db. Returns 0,
 * or -1 with `e` filled (ERR_INPUT for files, ERR_DB for the target). */
int demo_build(const char *dir, const char *target_url, struct err *e);

#endif
