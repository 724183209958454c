/* plan_edit: changes keys of one [table NAME] section of cutover.ini in
 * place. Comments, order and formatting of everything else are kept; a
 * changed value keeps its line's alignment and trailing comment; a new key
 * is aligned like its neighbours; a missing section is appended. The result
 * must load as a plan before it replaces the file (temp file + rename). */
#ifndef CUTOVER_PLAN_EDIT_H
#define CUTOVER_PLAN_EDIT_H

#include <stddef.h>

#include "err.h"

struct plan_kv {
    const char *key;
    const char *value;      /* NULL removes the key */
};

/* Applies `kvs` to [table `table`] of the plan at `path`. Returns 0, or -1
 * with `e` filled: ERR_INPUT for a file that cannot be written or a result
 * that would not load (the file is then left as it was). */
int plan_edit_table(const char *path, const char *table, const struct plan_kv *kvs, size_t n,
                    struct err *e);

#endif
