/* pair: which source table goes to which target table. The plan decides
 * first ([table X] target = Y); the rest pair by exact name, then by name
 * compared case- and separator-insensitively (InvoiceLine ⇄ invoice_line). */
#ifndef CUTOVER_PAIRING_H
#define CUTOVER_PAIRING_H

#include "catalog.h"
#include "plan.h"

enum pair_how { PAIR_NONE, PAIR_PLAN, PAIR_EXACT, PAIR_NORMALIZED };

struct pair {
    const struct cat_table *src, *tgt;  /* NULL on the side where it does not exist */
    const struct plan_table *plan;      /* NULL when the plan does not name it */
    enum pair_how how;
    char **key;                         /* key columns on the source side (borrowed) */
    size_t nkey;
};

struct pairing {
    struct pair *pairs;                 /* source tables by name, then target-only ones */
    size_t n;
};

/* Pairs the tables (views are not paired). `p` may be NULL (cutover init).
 * A plan naming a table or key column that does not exist is an error
 * (ERR_INPUT, "PLAN:LINE: …"); returns -1 then. */
int pair_tables(const struct plan *p, const struct catalog *src, const struct catalog *tgt,
                const char *src_url, const char *tgt_url, struct pairing *out, struct err *e);
void pair_free(struct pairing *pp);

/* The pair of source table `name`, or of target table `name`; NULL if none. */
const struct pair *pair_by_source(const struct pairing *pp, const char *name);
const struct pair *pair_by_target(const struct pairing *pp, const char *name);

/* The pair's Pilot data moves, so it is validated: a source table not decided
 * delete or retain (undecided ones are compared where they can be). */
int pair_moves(const struct pair *p);
/* … and the plan says so (migrate or temporary): without a target table
 * that is a finding, not a table left out. */
int pair_must_move(const struct pair *p);

#endif
