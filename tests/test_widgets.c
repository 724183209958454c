/* The table widget without a screen: sorting (numbers as numbers, unknown
 * "-" last in both directions, the source's order breaking ties), the
 * filter, and a selection that follows its row across a re-sort. */
#include "config.h"
#include "testutil.h"

#include "tui.h"

static const char *const cells[][2] = {
    { "a", "5" }, { "b", "-" }, { "c", "-10" }, { "d", "+0" }, { "e", "12 (+3)" },
    { "f", "~7" }, { "g", "5" },
};
enum { NROWS = sizeof cells / sizeof *cells };

static int nrows(void *ctx) { (void)ctx; return NROWS; }

static void cell(void *ctx, int row, int col, char *buf, size_t n)
{
    (void)ctx;
    snprintf(buf, n, "%s", cells[row][col]);
}

static const struct tui_col cols[] = { { "NAME", 6, 0 }, { "DELTA", 8, 1 } };

/* The visible rows' names, in order. */
static const char *order(struct tui_table *t)
{
    static char buf[64];

    buf[0] = '\0';
    for (int i = 0; i < t->norder; i++)
        strncat(buf, cells[t->order[i]][0], sizeof buf - strlen(buf) - 1);
    return buf;
}

static void test_sort_and_filter(void **state)
{
    struct tui_table t = { .cols = cols, .ncols = 2, .nrows = nrows, .cell = cell,
                           .sort_col = 1 };

    (void)state;
    table_reload(&t);
    assert_string_equal(order(&t), "cdagfeb");   /* -10 +0 5 5 ~7 12 (+3), then - */
    t.sort_desc = 1;
    table_reload(&t);
    assert_string_equal(order(&t), "efagdcb");   /* unknown still last; ties keep order */
    t.sort_col = 0;
    t.sort_desc = 0;
    table_select(&t, 4);                          /* e */
    table_reload(&t);
    assert_string_equal(order(&t), "abcdefg");
    assert_int_equal(table_selected(&t), 4);      /* the selection followed e */
    snprintf(t.filter, sizeof t.filter, "5");
    table_reload(&t);
    assert_string_equal(order(&t), "ag");
    table_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sort_and_filter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
