/* map: the mapping sheet against the catalogs — column suggestion for each
 * table pair, and merging a sheet imported from a spreadsheet. */
#ifndef CUTOVER_MAPPING_H
#define CUTOVER_MAPPING_H

#include <jansson.h>

#include "pairing.h"
#include "sheet.h"

enum map_how { HOW_EXACT, HOW_NAME, HOW_KEY, HOW_CONTAINS, HOW_TYPE };

struct map_col_pair {
    const struct cat_column *src, *tgt;
    enum map_how how;
    int in_sheet;               /* the sheet already maps this source column */
};

struct map_table {
    const struct pair *pair;
    struct map_col_pair *cols;
    size_t n;
    const struct cat_column **src_left, **tgt_left;   /* what could not be paired */
    size_t nsrc_left, ntgt_left;
};

struct map_suggestion {
    struct map_table *tables;
    size_t n;
    size_t added;
};

/* Pairs the columns of every table pair whose data moves (not delete or
 * retain). Borrowed pointers: keep the pairing and catalogs alive. */
void map_suggest(const struct pairing *pp, struct map_suggestion *out);
/* Adds a draft row for each suggested pair whose source column the sheet
 * does not map yet; reviewed and existing rows are never touched. */
void map_apply(struct map_suggestion *sg, struct sheet *s);
void map_suggestion_free(struct map_suggestion *sg);
json_t *map_suggestion_json(const struct map_suggestion *sg);
void map_suggestion_print(FILE *f, const struct map_suggestion *sg, const char *sheet_path);
const char *map_how_name(enum map_how h);

/* "table.column" of a catalog column (qualified table names keep their schema). */
char *map_ref(const struct cat_table *t, const struct cat_column *c);

struct map_import_report {
    size_t added, updated, unchanged;
    char **conflicts;           /* one message per conflict, "FILE:LINE: …" */
    size_t nconflicts;
};

/* Merges `in` into `s` by (source, target): new rows are added, draft rows
 * take the imported values, reviewed rows (approved, rejected) that differ
 * are reported as conflicts and left as they are. */
void map_import(struct sheet *s, const struct sheet *in, struct map_import_report *r);
void map_import_report_free(struct map_import_report *r);

#endif
