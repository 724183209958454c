/* The progress of a rehearsal run as shown in the dashboard and on a
 * terminal: rows, percent of the catalog's count, rate, time left. */
#include "config.h"
#include "testutil.h"

#include "rehearsal.h"

static void test_progress(void **state)
{
    struct diff_table t = { .table = "users", .source_rows = 800, .target_rows = 790,
                            .source_total = 1600, .target_total = 1500, .seconds = 2.0 };
    char buf[200];

    (void)state;
    assert_string_equal(reh_progress(&t, buf, sizeof buf),
                        "users 800/1600 rows (50%), 400 rows/s, 2s left");
    t.source_total = t.target_total = -1;  /* not counted: no percent, no estimate */
    assert_string_equal(reh_progress(&t, buf, sizeof buf), "users 800 rows, 400 rows/s");
    t.source_total = 700;  /* more rows than counted: 100 %, nothing left to estimate */
    assert_string_equal(reh_progress(&t, buf, sizeof buf),
                        "users 800/700 rows (100%), 400 rows/s, ? left");
    t.seconds = 0;
    t.source_total = 1600;
    assert_string_equal(reh_progress(&t, buf, sizeof buf),
                        "users 800/1600 rows (50%), 0 rows/s, ? left");
    t.strategy = "bisect";  /* how it is compared, and the bytes each side sent so far */
    t.received[0] = 1186113;
    t.received[1] = 812;
    assert_string_equal(reh_progress(&t, buf, sizeof buf),
                        "users 800/1600 rows (50%), 0 rows/s, ? left; bisect, 1.2 MB and 812 B "
                        "received");
    t.received[1] = 4500;
    assert_string_equal(reh_bytes(t.received[1], buf, sizeof buf), "4.5 kB");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_progress),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
