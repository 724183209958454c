/* structure: the structural checks of a rehearsal that the two catalogs
 * answer alone (DESIGN.md, "Structural checks"): a constraint the source
 * has, on tables and columns the sheet maps, that the target lost —
 * fk_missing, unique_missing, not_null_missing. The checks on the data
 * (orphan, duplicate, null_rate, index_missing, tenant_leak) are queries on
 * the servers, not made here yet. */
#ifndef CUTOVER_STRUCTURE_H
#define CUTOVER_STRUCTURE_H

#include <jansson.h>

#include "pairing.h"
#include "sheet.h"

struct st_finding {
    const char *check;          /* fk_missing, unique_missing, not_null_missing (static) */
    char *table, *target_table; /* the source table and its target */
    char *constraint;           /* the source's constraint, or its column for not_null */
    char **columns;             /* the source's columns … */
    char **target_columns;      /* … and the target's the sheet maps them to */
    size_t ncolumns;
    char *message;              /* in words: what the target lacks */
};

struct st_report {
    struct st_finding *v;
    size_t n;
};

/* The source's foreign keys, unique keys and indexes (its primary key too)
 * and NOT NULL columns, on the tables whose data moves, each compared with
 * the target's through the sheet's mapping; what the target lacks is a
 * finding, in the order of the pairs. A constraint over a column the sheet
 * does not map, or referencing a table that does not move, is not checked
 * (lint names unmapped columns). */
void st_catalog(const struct pairing *pp, const struct sheet *s, struct st_report *r);
void st_free(struct st_report *r);
/* As NDJSON has it: {"type":"structure","check":…,"table":…,…}. */
json_t *st_finding_json(const struct st_finding *f);

#endif
