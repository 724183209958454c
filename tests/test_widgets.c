/* The table widget without a screen: sorting (numbers as numbers, unknown
 * "-" last in both directions, the source's order breaking ties), the
 * filter, a selection that follows its row across a re-sort, and column
 * widths fitted to their content. */
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

static const struct tui_col cols[] = { { "NAME", 6, 0, 0 }, { "DELTA", 8, 1, 0 } };

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

static const char *const wide[][3] = {
    { "a_long_table_name", "ok", "x" }, { "b", "fine", "a longer last cell" },
};

static int wide_rows(void *ctx) { (void)ctx; return 2; }

static void wide_cell(void *ctx, int row, int col, char *buf, size_t n)
{
    (void)ctx;
    snprintf(buf, n, "%s", wide[row][col]);
}

static char *widths(struct tui_table *t, int w)
{
    static char buf[64];
    int n = table_layout(t, w), at = 0, shown = 0;

    buf[0] = '\0';
    for (int c = 0; c < t->ncols; c++) {  /* 0: left out */
        at += snprintf(buf + at, sizeof buf - (size_t)at, "%s%d", c ? " " : "", t->width[c]);
        shown += t->width[c] > 0;
    }
    assert_int_equal(n, shown);
    return buf;
}

/* Declared widths first; the room over to the columns they cut, evenly, up
 * to their content; the rest to the last; a column that does not fit left
 * out whole. */
static void test_widths(void **state)
{
    static const struct tui_col wcols[] = { { "TABLE", 8, 0, 0 }, { "STATE", 10, 0, 0 },
                                            { "NOTE", 0, 0, 0 } };
    struct tui_table t = { .cols = wcols, .ncols = 3, .nrows = wide_rows, .cell = wide_cell };

    (void)state;
    table_reload(&t);
    assert_string_equal(widths(&t, 80), "18 10 52");  /* TABLE to its widest, NOTE the rest */
    assert_string_equal(widths(&t, 30), "11 10 9");   /* TABLE and NOTE share what is over */
    assert_string_equal(widths(&t, 24), "8 10 6");    /* NOTE: its title's width */
    assert_string_equal(widths(&t, 20), "10 10 0");   /* NOTE left out: the room to TABLE */
    assert_string_equal(widths(&t, 12), "12 0 0");
    table_free(&t);
}

/* Too narrow for its key columns: they come first, as wide as their content
 * or cut (the widest first, down to its title), then the others that fit. */
static void test_key_columns(void **state)
{
    static const struct tui_col kcols[] = { { "TABLE", 8, 0, 1 }, { "STATE", 10, 0, 0 },
                                            { "NOTE", 0, 0, 1 } };
    struct tui_table t = { .cols = kcols, .ncols = 3, .nrows = wide_rows, .cell = wide_cell };

    (void)state;
    table_reload(&t);
    assert_string_equal(widths(&t, 80), "18 10 52");  /* wide enough: as before */
    assert_string_equal(widths(&t, 20), "11 0 9");    /* STATE left out for NOTE, a key */
    assert_string_equal(widths(&t, 30), "11 10 9");   /* room for all: as without keys */
    assert_string_equal(widths(&t, 11), "6 0 5");     /* both cut down to their titles */
    table_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sort_and_filter),
        cmocka_unit_test(test_widths),
        cmocka_unit_test(test_key_columns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
