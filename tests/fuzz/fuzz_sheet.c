/* The sheet parser and writer: load → save → load gives the same rows, and
 * saving what was loaded writes the same bytes (edits touch only their rows). */
#include "config.h"
#include "fuzz.h"
#include "sheet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_file("sheet.csv", data, size);
    struct sheet a, b;
    struct err e = { 0 };

    if (sheet_load(path, &a, &e) < 0) {
        if (e.kind != ERR_INPUT || !strstr(e.msg, path))
            abort();
        unlink(path);
        return 0;
    }
    for (size_t i = 0; i < a.n; i++)  /* an edit: a data row written anew, quoted */
        if (a.rows[i].f) {
            sheet_set(&a, i, SC_NOTE, "fuzz, \"edited\"\nline");
            break;
        }
    if (sheet_save(&a, &e) < 0 || sheet_load(path, &b, &e) < 0)
        abort();
    if (a.n != b.n || a.ncols != b.ncols)
        abort();
    for (size_t i = 0; i < a.n; i++)
        for (int c = 0; c < SC_NKNOWN; c++)
            if (strcmp(sheet_get(&a, i, (enum sheet_col)c), sheet_get(&b, i, (enum sheet_col)c)))
                abort();
    sheet_free(&a);
    sheet_free(&b);
    unlink(path);
    return 0;
}
