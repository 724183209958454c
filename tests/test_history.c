/* hist: every value of the last hour, the whole session in buckets that
 * widen, and memory that does not grow with the session. */
#include "config.h"
#include "testutil.h"

#include "history.h"

#define T0 1767225600000LL  /* 2026-01-01T00:00:00Z, a multiple of every bucket width */
#define S30 30000

static void test_recent(void **state)
{
    static struct hist h;
    double v[16];
    (void)state;

    assert_int_equal(hist_last(&h, 0, v, 16), 0);
    for (int i = 0; i < 10; i++)
        hist_add(&h, T0 + i * S30, i);
    assert_int_equal(hist_last(&h, 0, v, 4), 4);  /* the latest four, oldest first */
    assert_true(v[0] == 6 && v[1] == 7 && v[2] == 8 && v[3] == 9);
    assert_int_equal(hist_last(&h, T0 + 8 * S30, v, 16), 2);  /* since a time */
    assert_true(v[0] == 8 && v[1] == 9);
    /* ten values of 30 s: the first two 5-minute buckets */
    assert_int_equal(h.nb, 1);
    assert_int_equal(h.b[0].n, 10);
    assert_true(h.b[0].min == 0 && h.b[0].max == 9 && h.b[0].sum == 45);
}

/* 72 hours at 30 s: 8,640 values; the last hour is all there, the session
 * is 216 buckets of 20 minutes (5 → 10 → 20 when 240 filled up). */
static void test_72_hours(void **state)
{
    static struct hist h;
    double v[HIST_RECENT], cells[12];
    int64_t last = T0 + 8639LL * S30;
    (void)state;

    for (int i = 0; i < 8640; i++)
        hist_add(&h, T0 + (int64_t)i * S30, i % 1000 == 550 ? 500 : 1);  /* 9 spikes */
    assert_int_equal(hist_last(&h, last - HIST_HOUR_MS + S30, v, HIST_RECENT), 120);
    assert_true(v[0] == 1 && v[29] == 1 && v[30] == 500 && v[119] == 1);  /* i = 8550 */
    assert_int_equal(h.width_ms, 4 * HIST_BUCKET_MS);
    assert_int_equal(h.nb, 216);
    for (int i = 0; i < h.nb; i++) {
        assert_int_equal(h.b[i].start_ms, T0 + (int64_t)i * 4 * HIST_BUCKET_MS);
        assert_int_equal(h.b[i].n, 40);
    }
    /* the spikes survive downsampling: the worst of each cell */
    assert_int_equal(hist_session(&h, cells, 12), 12);
    for (int c = 0, spikes = 0; c < 12; c++) {
        assert_true(cells[c] == 1 || cells[c] == 500);
        spikes += cells[c] == 500;
        if (c == 11)
            assert_int_equal(spikes, 9);
    }
    /* a year on, the same memory: 240 buckets at most, each wider */
    for (int64_t i = 8640; i < 8640 + 365LL * 2880; i++)
        hist_add(&h, T0 + i * S30, 2);
    assert_true(h.nb <= HIST_BUCKETS && h.nb > HIST_BUCKETS / 2);
    assert_int_equal(h.nrecent, HIST_RECENT);
}

/* Buckets added whole (nothing feeds them from the workspace yet), then
 * live values. */
static void test_buckets(void **state)
{
    static struct hist h;
    double cells[4];
    (void)state;

    hist_add_bucket(&h, T0, 1, 4, 10, 4);
    hist_add_bucket(&h, T0 + HIST_BUCKET_MS, 0, 7, 7, 3);
    hist_add(&h, T0 + HIST_BUCKET_MS + 1000, 9);
    assert_int_equal(h.nb, 2);
    assert_true(h.b[1].max == 9 && h.b[1].min == 0 && h.b[1].n == 4);
    assert_int_equal(hist_session(&h, cells, 4), 2);
    assert_true(cells[0] == 4 && cells[1] == 9);
}

/* The last hour in cells: the largest of each cell's values. */
static void test_recent_cells(void **state)
{
    static struct hist h;
    double cells[12];
    (void)state;

    for (int i = 0; i < 5; i++)
        hist_add(&h, T0 + i * S30, i);
    assert_int_equal(hist_recent(&h, T0, cells, 12), 5);  /* fewer values than cells */
    assert_true(cells[0] == 0 && cells[4] == 4);
    for (int i = 5; i < 24; i++)
        hist_add(&h, T0 + i * S30, i % 2 ? 100 - i : i);
    assert_int_equal(hist_recent(&h, T0, cells, 12), 12);  /* 24 values, two a cell */
    assert_true(cells[0] == 1 && cells[2] == 95 && cells[11] == 77);
    assert_int_equal(hist_recent(&h, T0 + 20 * S30, cells, 12), 4);  /* since a time */
    assert_true(cells[0] == 20 && cells[1] == 79);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_recent),
        cmocka_unit_test(test_72_hours),
        cmocka_unit_test(test_buckets),
        cmocka_unit_test(test_recent_cells),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
