/* inv: the inventory — per table pair, rows on both sides, the decision
 * for the Pilot data, its owner, and flags for what needs attention. */
#ifndef CUTOVER_INVENTORY_H
#define CUTOVER_INVENTORY_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#include "pairing.h"

/* X-macro: flag, its name in JSON and text, what it means. */
#define INV_FLAGS(X) \
    X(NO_KEY, "no_key", "no primary key and no key in the plan") \
    X(SOURCE_ONLY, "source_only", "no table in the target for data that moves") \
    X(TARGET_ONLY, "target_only", "in the target only") \
    X(UNDECIDED, "undecided", "no decision yet") \
    X(DELETE_IN_TARGET, "delete_in_target", "decision delete, but the target has rows") \
    X(TEMP_NO_EXPIRY, "temporary_no_expiry", "decision temporary without expires") \
    X(RETAIN_IN_TARGET, "retain_in_target", "decision retain, but the target has rows") \
    X(ESTIMATED, "estimated", "a row count is the planner's estimate") \
    X(UNCOUNTED, "uncounted", "a row count could not be taken")

enum inv_flag_bit {
#define X(id, name, text) INV_BIT_##id,
    INV_FLAGS(X)
#undef X
    INV_NFLAGS
};

struct inv_row {
    const struct pair *pair;
    const char *source, *target;    /* NULL where the side has no table */
    enum plan_decision decision;
    const char *owner, *expires;
    int64_t src_rows, tgt_rows;
    enum cat_count src_count, tgt_count;
    unsigned flags;                 /* 1u << INV_BIT_… */
};

struct inventory {
    struct inv_row *rows;
    size_t n;
};

/* Builds rows from a pairing (borrowed: keep it and the catalogs alive). */
void inv_build(const struct pairing *pp, struct inventory *inv);
void inv_free(struct inventory *inv);

const char *inv_flag_name(enum inv_flag_bit bit);
const char *inv_flag_text(enum inv_flag_bit bit);

/* The JSON document of `cutover inventory --json` (see README); caller decrefs. */
json_t *inv_to_json(const struct inventory *inv, const struct plan *p, const char *src_url,
                    const char *tgt_url);
/* A row count as shown: "1500", "~1500" (an estimate), "?" (unknown), "-" (no table). */
void inv_format_rows(char *buf, size_t n, int present, int64_t rows, enum cat_count c);
/* The aligned text table of `cutover inventory`. */
void inv_print(FILE *f, const struct inventory *inv, const struct plan *p, const char *src_url,
               const char *tgt_url);

#endif
