/* Canonical values: every type pair of the design, with the traps that make
 * naive comparisons report false differences (or miss true ones). */
#include "config.h"
#include "testutil.h"

#include <locale.h>

#include "canon.h"
#include "value.h"

static struct db_cell cell(const char *s, enum db_type t)
{
    return (struct db_cell){ s, s ? strlen(s) : 0, t };
}

/* Whether a and b are the same value under the spec. */
static int same_as(const struct canon_spec *sp, const char *a, enum db_type ta, const char *b,
                   enum db_type tb)
{
    struct sbuf x = { 0 }, y = { 0 };
    int nx, ny, eq;

    canon_value(sp, &(struct db_cell){ cell(a, ta).p, cell(a, ta).len, ta }, &x, &nx);
    canon_value(sp, &(struct db_cell){ cell(b, tb).p, cell(b, tb).len, tb }, &y, &ny);
    eq = canon_equal(sp, x.s ? x.s : "", x.len, nx, y.s ? y.s : "", y.len, ny);
    sbuf_free(&x);
    sbuf_free(&y);
    return eq;
}

/* Whether a and b are the same value for a column of `kind` with `rules`. */
static int same(enum canon_kind kind, const char *rules_text, const char *a, enum db_type ta,
                const char *b, enum db_type tb)
{
    struct canon_spec sp;
    struct rules rules;
    char err[200];

    canon_spec_kind(&sp, kind);
    assert_int_equal(rules_parse(rules_text, &rules, err, sizeof err), 0);
    {
        struct canon_spec ruled;
        canon_spec_for(&ruled, NULL, &rules);
        sp.ci = ruled.ci, sp.trim = ruled.trim, sp.round = ruled.round;
        sp.tolerance = ruled.tolerance, sp.ts_unit = ruled.ts_unit;
    }
    rules_free(&rules);
    return same_as(&sp, a, ta, b, tb);
}

#define EQ(k, r, a, ta, b, tb) assert_true(same(k, r, a, ta, b, tb))
#define NE(k, r, a, ta, b, tb) assert_false(same(k, r, a, ta, b, tb))
/* numeric[] arrays */
#define EQA(a, b) assert_true(same_array(a, b))
#define NEA(a, b) assert_false(same_array(a, b))

static int same_array(const char *a, const char *b)
{
    struct canon_spec sp;

    canon_spec_kind(&sp, CK_ARRAY);
    sp.elem = CK_NUM;
    return same_as(&sp, a, DB_TEXT, b, DB_TEXT);
}

static void test_numbers(void **state)
{
    (void)state;
    EQ(CK_NUM, "", "1.10", DB_NUMERIC, "1.1", DB_NUMERIC);
    EQ(CK_NUM, "", "0.99", DB_FLOAT, "0.990", DB_NUMERIC);   /* SQLite REAL vs numeric(10,3) */
    EQ(CK_NUM, "", "-0.0", DB_FLOAT, "0", DB_INT);
    EQ(CK_NUM, "", "1e3", DB_FLOAT, "1000.00", DB_NUMERIC);
    EQ(CK_NUM, "", "007.50", DB_TEXT, "7.5", DB_NUMERIC);
    EQ(CK_NUM, "", "0.001", DB_NUMERIC, "1e-3", DB_FLOAT);
    NE(CK_NUM, "", "1.1", DB_NUMERIC, "1.10001", DB_NUMERIC);
    NE(CK_NUM, "", "-1", DB_NUMERIC, "1", DB_NUMERIC);
    EQ(CK_NUM, "round:2", "9.995", DB_FLOAT, "10.00", DB_NUMERIC);  /* half away from zero */
    EQ(CK_NUM, "round:2", "-1.005", DB_NUMERIC, "-1.01", DB_NUMERIC);
    NE(CK_NUM, "round:2", "9.994", DB_FLOAT, "10.00", DB_NUMERIC);
    EQ(CK_NUM, "tolerance:0.01", "1.00", DB_NUMERIC, "1.009", DB_NUMERIC);
    EQ(CK_NUM, "tolerance:0.01", "1.00", DB_NUMERIC, "1.01", DB_NUMERIC);
    NE(CK_NUM, "tolerance:0.01", "1.00", DB_NUMERIC, "1.02", DB_NUMERIC);
    EQ(CK_FLOAT, "", "NaN", DB_FLOAT, "nan", DB_TEXT);        /* NaN: equal to NaN, by decision */
    NE(CK_FLOAT, "", "NaN", DB_FLOAT, "0", DB_FLOAT);
    EQ(CK_FLOAT, "", "-Infinity", DB_FLOAT, "-inf", DB_TEXT);
    EQ(CK_INT, "", "12", DB_INT, "12.0", DB_FLOAT);
    EQ(CK_INT, "", "+12", DB_TEXT, "12", DB_INT);
    NE(CK_INT, "", "12.5", DB_FLOAT, "12", DB_INT);
    NE(CK_INT, "", "12.5", DB_FLOAT, "13", DB_INT);
    EQ(CK_INT, "", "9223372036854775807", DB_INT, "9223372036854775807", DB_INT);
}

/* Whether a and b are equal in a column of PostgreSQL's numeric(p,`scale`)
 * (scale -1: plain numeric) or, with `single`, of its real. */
static int same_target(int scale, int single, const char *a, enum db_type ta, const char *b,
                       enum db_type tb)
{
    struct canon_spec sp;

    canon_spec_kind(&sp, single ? CK_FLOAT : CK_NUM);
    sp.scale = scale;
    sp.single = single;
    return same_as(&sp, a, ta, b, tb);
}

/* A float into numeric(10,2) is rounded to 2 places by the target, half away
 * from zero from its shortest form; into real, to single precision. An exact
 * decimal is not: 0.305 in a numeric(10,2) column was not copied as it is. */
static void test_target_precision(void **state)
{
    double sum = 0.1 + 0.2;

    (void)state;
    assert_true(same_target(2, 0, "0.30000000000000004", DB_FLOAT, "0.30", DB_NUMERIC));
    assert_true(same_target(2, 0, "2.675", DB_FLOAT, "2.68", DB_NUMERIC));
    assert_true(same_target(2, 0, "-2.675", DB_FLOAT, "-2.68", DB_NUMERIC));
    assert_false(same_target(2, 0, "0.30000000000000004", DB_FLOAT, "0.31", DB_NUMERIC));
    assert_false(same_target(2, 0, "0.305", DB_TEXT, "0.31", DB_NUMERIC));
    assert_false(same_target(2, 0, "0.305", DB_NUMERIC, "0.31", DB_NUMERIC));
    assert_false(same_target(-1, 0, "0.30000000000000004", DB_FLOAT, "0.30", DB_NUMERIC));
    assert_true(same_target(-1, 1, "3.14159265358979", DB_FLOAT, "3.1415927", DB_FLOAT));
    assert_true(same_target(-1, 1, "0.1", DB_TEXT, "0.1", DB_FLOAT));
    assert_true(same_target(-1, 1, "16777217", DB_FLOAT, "1.6777216e+07", DB_FLOAT));
    assert_false(same_target(-1, 1, "3.14", DB_FLOAT, "3.1415927", DB_FLOAT));
    assert_false(same_target(-1, 0, "3.14159265358979", DB_FLOAT, "3.1415927", DB_FLOAT));
    {   /* a SQLite pair's REAL, read as its 8 bytes */
        struct canon_spec sp;
        struct sbuf x = { 0 };
        int null;
        canon_spec_kind(&sp, CK_NUM);
        sp.scale = 2;
        canon_value(&sp, &(struct db_cell){ (const char *)&sum, sizeof sum, DB_REAL64 }, &x, &null);
        assert_string_equal(x.s, "0.3");
        sbuf_free(&x);
    }
}

static void test_booleans_and_text(void **state)
{
    (void)state;
    EQ(CK_BOOL, "", "t", DB_BOOL, "1", DB_INT);
    EQ(CK_BOOL, "", "true", DB_TEXT, "T", DB_TEXT);
    EQ(CK_BOOL, "", "f", DB_BOOL, "0", DB_INT);
    EQ(CK_BOOL, "", "no", DB_TEXT, "false", DB_TEXT);
    NE(CK_BOOL, "", "t", DB_BOOL, "0", DB_INT);
    NE(CK_BOOL, "", "maybe", DB_TEXT, "1", DB_INT);
    NE(CK_TEXT, "", "Edinburgh ", DB_TEXT, "Edinburgh", DB_TEXT);  /* text is its bytes */
    EQ(CK_TEXT, "trim", "Edinburgh ", DB_TEXT, "Edinburgh", DB_TEXT);
    NE(CK_TEXT, "", "A@x.io", DB_TEXT, "a@x.io", DB_TEXT);
    EQ(CK_TEXT, "ci", "A@x.io", DB_TEXT, "a@x.io", DB_TEXT);
    EQ(CK_TEXT, "ci", "ÉCOLE Ørsted", DB_TEXT, "école ørsted", DB_TEXT);
    NE(CK_TEXT, "", "e\xcc\x81", DB_TEXT, "\xc3\xa9", DB_TEXT);  /* NFD é is not NFC é */
    EQ(CK_TEXT, "", "Zoë “quoted”", DB_TEXT, "Zoë “quoted”", DB_TEXT);
    NE(CK_TEXT, "", NULL, DB_NULL, "", DB_TEXT);                  /* NULL is not empty */
    EQ(CK_TEXT, "", NULL, DB_NULL, NULL, DB_NULL);                /* NULL equals only NULL */
    NE(CK_INT, "", NULL, DB_NULL, "0", DB_INT);
}

static void test_times(void **state)
{
    (void)state;
    EQ(CK_TS, "", "2021-01-01T00:00:00Z", DB_TEXT, "2021-01-01 00:00:00", DB_TEXT);
    EQ(CK_TS, "", "2021-01-01 00:00:00.000", DB_TEXT, "2021-01-01 00:00:00", DB_TEXT);
    EQ(CK_TS, "", "2024-01-01 10:00:00+02", DB_TEXT, "2024-01-01 08:00:00", DB_TEXT);
    EQ(CK_TS, "", "2024-01-01T10:00:00+05:30", DB_TEXT, "2024-01-01 04:30:00+00", DB_TEXT);
    EQ(CK_TS, "", "2021-01-01", DB_TEXT, "2021-01-01 00:00:00", DB_TEXT);
    NE(CK_TS, "", "2021-01-01 00:00:01", DB_TEXT, "2021-01-01 00:00:00", DB_TEXT);
    NE(CK_TS, "", "2021-01-01 00:00:00.400", DB_TEXT, "2021-01-01 00:00:00", DB_TEXT);
    EQ(CK_TS, "ts:s", "2021-01-01 00:00:00.400", DB_TEXT, "2021-01-01 00:00:00", DB_TEXT);
    NE(CK_TS, "ts:ms", "2021-01-01 00:00:00.400", DB_TEXT, "2021-01-01 00:00:00", DB_TEXT);
    EQ(CK_TS, "ts:ms", "2021-01-01 00:00:00.4001", DB_TEXT, "2021-01-01 00:00:00.400", DB_TEXT);
    EQ(CK_TS, "", "1969-12-31 23:59:59.5", DB_TEXT, "1969-12-31T23:59:59.500Z", DB_TEXT);
    EQ(CK_TS, "ts:s", "1969-12-31 23:59:59.5", DB_TEXT, "1969-12-31 23:59:59", DB_TEXT);
    EQ(CK_DATE, "", "2021-03-04", DB_TEXT, "2021-03-04 00:00:00", DB_TEXT);
    NE(CK_DATE, "", "2021-03-04", DB_TEXT, "2021-03-05", DB_TEXT);
    NE(CK_TS, "", "yesterday", DB_TEXT, "2021-01-01", DB_TEXT);
    EQ(CK_TS, "", "yesterday", DB_TEXT, "yesterday", DB_TEXT);  /* unreadable: its bytes */
    NE(CK_TS, "", "2021-01-01 25:00:00", DB_TEXT, "2021-01-02 01:00:00", DB_TEXT);  /* no hour 25 */
    /* times of day: SQLite's text in its forms against PostgreSQL's time and timetz */
    EQ(CK_TIME, "", "10:00", DB_TEXT, "10:00:00", DB_TEXT);
    EQ(CK_TIME, "", "10:00:00.500", DB_TEXT, "10:00:00.5", DB_TEXT);
    EQ(CK_TIME, "", "10:00:00Z", DB_TEXT, "10:00:00+00", DB_TEXT);
    EQ(CK_TIME, "", "10:00:00", DB_TEXT, "10:00:00+00:00", DB_TEXT);   /* no zone is UTC */
    EQ(CK_TIME, "", "12:30:00+05:30", DB_TEXT, "12:30:00+0530", DB_TEXT);
    EQ(CK_TIME, "", "24:00:00", DB_TEXT, "24:00", DB_TEXT);
    NE(CK_TIME, "", "12:00:00+02", DB_TEXT, "10:00:00", DB_TEXT);   /* as timetz: not equal */
    NE(CK_TIME, "", "10:00:00.5", DB_TEXT, "10:00:00", DB_TEXT);
    NE(CK_TIME, "", "10:00:00", DB_TEXT, "10:00:01", DB_TEXT);
    EQ(CK_TIME, "ts:s", "10:00:00.999", DB_TEXT, "10:00:00", DB_TEXT);
    NE(CK_TIME, "ts:ms", "10:00:00.001", DB_TEXT, "10:00:00", DB_TEXT);
    NE(CK_TIME, "", "24:00:01", DB_TEXT, "00:00:01", DB_TEXT);
    NE(CK_TIME, "", "9:00", DB_TEXT, "09:00", DB_TEXT);  /* no time: its bytes */
}

/* A column of the catalog, for the pair tests: its declared type and class. */
static struct cat_column col(const char *type, enum cat_class tclass)
{
    return (struct cat_column){ .name = (char *)"c", .type = (char *)type, .tclass = tclass,
                                .scale = -1 };
}

/* Whether a (the source's) and b (the target's) are the same value for the
 * pair of columns, each side SQLite or not, under `rules_text`. */
static int same_pair(struct cat_column s, int s_sqlite, struct cat_column t, int t_sqlite,
                     const char *rules_text, const char *a, enum db_type ta, const char *b,
                     enum db_type tb)
{
    struct canon_spec sp;
    struct rules rules;
    char err[200];
    int eq;

    assert_int_equal(rules_parse(rules_text, &rules, err, sizeof err), 0);
    canon_spec_for_pair(&sp, &s, s_sqlite, &t, t_sqlite, &rules);
    rules_free(&rules);
    eq = same_as(&sp, a, ta, b, tb);
    return eq;
}

#define PG 0
#define LITE 1

/* #30 §2: the typed side says what a value is, in both directions. */
static void test_typed_side(void **state)
{
    struct cat_column pgbool = col("boolean", TC_BOOL), pgnum = col("numeric(10,2)", TC_NUMERIC),
                      pguuid = col("uuid", TC_UUID), pgts = col("timestamp without time zone",
                                                                 TC_TIMESTAMP),
                      pgtz = col("timestamp with time zone", TC_TIMESTAMPTZ),
                      pgdate = col("date", TC_DATE), pgjson = col("jsonb", TC_JSON),
                      pgchar = col("character(8)", TC_TEXT), pgtext = col("text", TC_TEXT),
                      pgreal = col("real", TC_FLOAT), pgdouble = col("double precision", TC_FLOAT),
                      lint = col("INTEGER", TC_INT), ltext = col("TEXT", TC_TEXT),
                      lblob = col("BLOB", TC_BLOB), lnone = col("", TC_OTHER),
                      lnum = col("NUMERIC", TC_NUMERIC), lreal = col("REAL", TC_FLOAT);
    static const unsigned char ubytes[16] = { 0xc4, 0xca, 0x42, 0x38, 0xa0, 0xb9, 0x23, 0x82,
                                              0x0d, 0xcc, 0x50, 0x9a, 0x6f, 0x75, 0x84, 0x9b };
    struct canon_spec sp;
    struct sbuf x = { 0 }, y = { 0 };
    int nx, ny;

    (void)state;
    pgreal.single = 1;
    /* PostgreSQL → SQLite declared loosely */
    assert_true(same_pair(pgbool, PG, lint, LITE, "", "t", DB_BOOL, "1", DB_INT));
    assert_true(same_pair(pgbool, PG, lint, LITE, "", "f", DB_BOOL, "0", DB_INT));
    assert_false(same_pair(pgbool, PG, lint, LITE, "", "t", DB_BOOL, "0", DB_INT));
    assert_true(same_pair(pgnum, PG, ltext, LITE, "", "12.50", DB_NUMERIC, "12.5", DB_TEXT));
    assert_true(same_pair(pgnum, PG, lnum, LITE, "", "12.50", DB_NUMERIC, "12.5", DB_FLOAT));
    assert_false(same_pair(pgnum, PG, ltext, LITE, "", "12.50", DB_NUMERIC, "12.51", DB_TEXT));
    assert_true(same_pair(pguuid, PG, ltext, LITE, "", "c4ca4238-a0b9-2382-0dcc-509a6f75849b",
                          DB_TEXT, "C4CA4238-A0B9-2382-0DCC-509A6F75849B", DB_TEXT));
    assert_true(same_pair(pgts, PG, ltext, LITE, "", "2024-05-01 10:00:00", DB_TEXT,
                          "2024-05-01T10:00:00Z", DB_TEXT));
    assert_true(same_pair(pgtz, PG, lnone, LITE, "", "2024-05-01 10:00:00+00", DB_TEXT,
                          "2024-05-01T12:00:00+02:00", DB_TEXT));
    assert_true(same_pair(pgdate, PG, ltext, LITE, "", "2024-05-01", DB_TEXT, "2024-05-01", DB_TEXT));
    assert_true(same_pair(pgjson, PG, ltext, LITE, "", "{\"a\": 1, \"b\": [1.50]}", DB_TEXT,
                          "{\"b\":[1.5],\"a\":1.0}", DB_TEXT));
    assert_true(same_pair(pgreal, PG, lreal, LITE, "", "9.8", DB_FLOAT, "9.800000190734863",
                          DB_FLOAT));
    /* … and the other way: the typed side is the target */
    assert_true(same_pair(lint, LITE, pgbool, PG, "", "1", DB_INT, "t", DB_BOOL));
    assert_true(same_pair(ltext, LITE, pguuid, PG, "", "C4CA4238-A0B9-2382-0DCC-509A6F75849B",
                          DB_TEXT, "c4ca4238-a0b9-2382-0dcc-509a6f75849b", DB_TEXT));
    assert_true(same_pair(ltext, LITE, pgts, PG, "", "2024-05-01T10:00:00.000Z", DB_TEXT,
                          "2024-05-01 10:00:00", DB_TEXT));
    /* a uuid equals its 16 bytes in a BLOB, both ways */
    canon_spec_for_pair(&sp, &pguuid, PG, &lblob, LITE, NULL);
    canon_value(&sp, &(struct db_cell){ "c4ca4238-a0b9-2382-0dcc-509a6f75849b", 36, DB_TEXT }, &x, &nx);
    canon_value(&sp, &(struct db_cell){ (const char *)ubytes, 16, DB_BLOB }, &y, &ny);
    assert_true(canon_equal(&sp, x.s, x.len, nx, y.s, y.len, ny));
    sbuf_free(&x), sbuf_free(&y);
    canon_spec_for_pair(&sp, &lblob, LITE, &pguuid, PG, NULL);
    canon_value(&sp, &(struct db_cell){ (const char *)ubytes, 16, DB_BLOB }, &x, &nx);
    canon_value(&sp, &(struct db_cell){ "C4CA4238A0B923820DCC509A6F75849B", 32, DB_TEXT }, &y, &ny);
    assert_true(canon_equal(&sp, x.s, x.len, nx, y.s, y.len, ny));
    sbuf_free(&x), sbuf_free(&y);
    /* char(n) without its padding against text and varchar, either side */
    assert_true(same_pair(pgchar, PG, pgtext, PG, "", "ab      ", DB_TEXT, "ab", DB_TEXT));
    assert_true(same_pair(pgtext, PG, pgchar, PG, "", "ab", DB_TEXT, "ab      ", DB_TEXT));
    assert_true(same_pair(pgchar, PG, ltext, LITE, "", "ab      ", DB_TEXT, "ab", DB_TEXT));
    assert_false(same_pair(pgtext, PG, pgtext, PG, "", "ab ", DB_TEXT, "ab", DB_TEXT));
    /* a real against a double holding it widened: the coarser side's precision */
    assert_true(same_pair(pgreal, PG, pgdouble, PG, "", "9.8", DB_FLOAT, "9.800000190734863",
                          DB_FLOAT));
    assert_false(same_pair(pgreal, PG, pgdouble, PG, "", "9.8", DB_FLOAT, "9.81", DB_FLOAT));
    /* a SQLite TEXT against a SQLite INTEGER: no side is typed, the target decides */
    assert_false(same_pair(ltext, LITE, lint, LITE, "", "t", DB_TEXT, "1", DB_INT));
}

/* #30 §3: precision is the coarser side's, rounded as that side rounds. */
static void test_precision(void **state)
{
    struct cat_column ts0 = col("timestamp(0) without time zone", TC_TIMESTAMP),
                      ts3 = col("timestamp(3) with time zone", TC_TIMESTAMPTZ),
                      ts = col("timestamp without time zone", TC_TIMESTAMP),
                      ltext = col("TEXT", TC_TEXT);
    char big[400], tiny[400];

    (void)state;
    /* 7 to 9 digits of a second, rounded to the microsecond as PostgreSQL stores them */
    EQ(CK_TS, "", "2024-05-01 10:00:00.1234567", DB_TEXT, "2024-05-01 10:00:00.123457", DB_TEXT);
    EQ(CK_TS, "", "2024-05-01T10:00:00.123456789Z", DB_TEXT, "2024-05-01 10:00:00.123457", DB_TEXT);
    EQ(CK_TS, "", "2024-05-01 10:00:00.1234564", DB_TEXT, "2024-05-01 10:00:00.123456", DB_TEXT);
    EQ(CK_TS, "", "2024-05-01 10:00:00.1234565", DB_TEXT, "2024-05-01 10:00:00.123456", DB_TEXT);
    NE(CK_TS, "", "2024-05-01 10:00:00.1234567", DB_TEXT, "2024-05-01 10:00:00.123456", DB_TEXT);
    EQ(CK_TS, "", "2024-12-31 23:59:59.9999996", DB_TEXT, "2025-01-01 00:00:00", DB_TEXT);
    /* ts:s and ts:ms: rounded or truncated to the unit is equal; a whole unit apart is not */
    EQ(CK_TS, "ts:s", "2024-05-01 10:00:05.5", DB_TEXT, "2024-05-01 10:00:06", DB_TEXT);
    EQ(CK_TS, "ts:s", "2024-05-01 10:00:05.5", DB_TEXT, "2024-05-01 10:00:05", DB_TEXT);
    NE(CK_TS, "ts:s", "2024-05-01 10:00:05", DB_TEXT, "2024-05-01 10:00:06", DB_TEXT);
    NE(CK_TS, "ts:s", "2024-05-01 10:00:04.5", DB_TEXT, "2024-05-01 10:00:06", DB_TEXT);
    EQ(CK_TS, "ts:ms", "2024-05-01 10:00:05.0005", DB_TEXT, "2024-05-01 10:00:05.001", DB_TEXT);
    EQ(CK_TS, "ts:ms", "2024-05-01 10:00:05.0005", DB_TEXT, "2024-05-01 10:00:05", DB_TEXT);
    NE(CK_TS, "ts:ms", "2024-05-01 10:00:05.000", DB_TEXT, "2024-05-01 10:00:05.001", DB_TEXT);
    /* a timestamp(p) column rounds what is copied into it, half away from zero */
    assert_true(same_pair(ts, PG, ts0, PG, "", "2024-05-01 10:00:05.5", DB_TEXT,
                          "2024-05-01 10:00:06", DB_TEXT));
    assert_false(same_pair(ts, PG, ts0, PG, "", "2024-05-01 10:00:05.4", DB_TEXT,
                           "2024-05-01 10:00:06", DB_TEXT));
    assert_true(same_pair(ltext, LITE, ts3, PG, "", "2024-05-01T10:00:05.1234Z", DB_TEXT,
                          "2024-05-01 10:00:05.123+00", DB_TEXT));
    assert_true(same_pair(ts0, PG, ts, PG, "", "1999-12-31 23:59:58", DB_TEXT,
                          "1999-12-31 23:59:58.5", DB_TEXT));  /* before 2000: away from it */
    assert_false(same_pair(ts0, PG, ts, PG, "", "1999-12-31 23:59:59", DB_TEXT,
                           "1999-12-31 23:59:58.5", DB_TEXT));
    /* doubles at their extremes, also against a numeric holding their digits */
    snprintf(big, sizeof big, "17976931348623157%0292d", 0);
    snprintf(tiny, sizeof tiny, "0.%0323d5", 0);
    EQ(CK_NUM, "", "1.7976931348623157e+308", DB_FLOAT, big, DB_NUMERIC);
    EQ(CK_NUM, "", "5e-324", DB_FLOAT, tiny, DB_NUMERIC);
    EQ(CK_FLOAT, "", "4.94065645841247e-324", DB_FLOAT, "5e-324", DB_FLOAT);
    EQ(CK_FLOAT, "", "1e-310", DB_FLOAT, "1.00000000000000e-310", DB_FLOAT);
    NE(CK_NUM, "", "1.7976931348623157e+308", DB_FLOAT, "1.7976931348623155e+308", DB_FLOAT);
}

/* #30 §3: rules never depend on the process's locale. */
static void test_locale_free(void **state)
{
    (void)state;
    setlocale(LC_ALL, "C");
    EQ(CK_TEXT, "ci", "ÉCOLE", DB_TEXT, "école", DB_TEXT);
    EQ(CK_TEXT, "ci", "ПРИВЕТ Мир", DB_TEXT, "привет мир", DB_TEXT);
    EQ(CK_TEXT, "ci", "ΣΊΣΥΦΟΣ", DB_TEXT, "σίσυφος", DB_TEXT);
    EQ(CK_TEXT, "ci", "Straße", DB_TEXT, "STRASSE", DB_TEXT);
    NE(CK_TEXT, "ci", "école", DB_TEXT, "ecole", DB_TEXT);
    EQ(CK_TEXT, "ci", "\xff\xfe" "AB", DB_TEXT, "\xff\xfe" "AB", DB_TEXT);  /* not UTF-8: bytes */
    NE(CK_TEXT, "ci", "\xff\xfe" "AB", DB_TEXT, "\xff\xfe" "ab", DB_TEXT);
    /* trim: ASCII's white space at both ends, in every locale; other spaces are data */
    EQ(CK_TEXT, "trim", " \t\r\n\v\fa b \t", DB_TEXT, "a b", DB_TEXT);
    NE(CK_TEXT, "trim", "\xc2\xa0" "a", DB_TEXT, "a", DB_TEXT);
    setlocale(LC_ALL, "C.UTF-8");
}

/* #30 §3: what stays different, deliberately. */
static void test_still_different(void **state)
{
    (void)state;
    NE(CK_TS, "", "2024-05-01 10:00:00.000001", DB_TEXT, "2024-05-01 10:00:00", DB_TEXT);
    NE(CK_NUM, "", "12.3456", DB_NUMERIC, "12.3457", DB_NUMERIC);
    NE(CK_TEXT, "", NULL, DB_NULL, "", DB_TEXT);
    NE(CK_TEXT, "", "a ", DB_TEXT, "a", DB_TEXT);
    NE(CK_TEXT, "ci", "\xc3\xa9", DB_TEXT, "e\xcc\x81", DB_TEXT);  /* composed, decomposed é */
    NE(CK_BYTES, "", "\\x00ff", DB_TEXT, "\\x00fe", DB_TEXT);
    EQ(CK_TEXT, "", NULL, DB_NULL, NULL, DB_NULL);
}

/* #30 §2: JSON as jsonb compares it; numbers as exact decimals. */
static void test_json_exact(void **state)
{
    (void)state;
    NE(CK_JSON, "", "0.1", DB_TEXT, "0.10000000000000001", DB_TEXT);
    EQ(CK_JSON, "", "12345678901234567890", DB_TEXT, "12345678901234567890.0", DB_TEXT);
    NE(CK_JSON, "", "12345678901234567890", DB_TEXT, "12345678901234567891", DB_TEXT);
    EQ(CK_JSON, "", "{\"n\": 1e400}", DB_TEXT, "{\"n\": 1e400}", DB_TEXT);  /* unread: bytes */
    EQ(CK_JSON, "", " { \"a\" : [ 1 , {\"y\":2,\"x\":1} ] } ", DB_TEXT,
       "{\"a\":[1,{\"x\":1,\"y\":2}]}", DB_TEXT);
    EQ(CK_JSON, "", "{\"a\": 1, \"a\": 2}", DB_TEXT, "{\"a\": 2}", DB_TEXT);  /* the last key */
    EQ(CK_JSON, "", "\"\\u00e9\\n\\/\"", DB_TEXT, "\"é\\u000a/\"", DB_TEXT);
    EQ(CK_JSON, "", "\"\\ud83d\\ude00\"", DB_TEXT, "\"\xf0\x9f\x98\x80\"", DB_TEXT);
    NE(CK_JSON, "", "\"\\u00e9\"", DB_TEXT, "\"e\\u0301\"", DB_TEXT);
    NE(CK_JSON, "", "[1, 2]", DB_TEXT, "[2, 1]", DB_TEXT);
    NE(CK_JSON, "", "{\"a\": null}", DB_TEXT, "{}", DB_TEXT);
    NE(CK_JSON, "", "{\"a\": 1", DB_TEXT, "{\"a\": 1}", DB_TEXT);  /* not JSON */
    EQ(CK_JSON, "", "-0.0", DB_TEXT, "0", DB_TEXT);
    {   /* a canonical form reads back as itself, 400 places deep too (found by
         * fuzz_canon: 5e-400's 399 leading zeros overflowed the digits kept) */
        struct canon_spec sp;
        struct sbuf x = { 0 }, y = { 0 };
        int null;
        canon_spec_kind(&sp, CK_JSON);
        static const struct { const char *in; int len; } deep[] = {
            { " 5e-400", 402 }, { " 5e0400", 401 }, { "1.5e400", 401 }, { "-25e-399", 402 },
        };
        for (size_t i = 0; i < sizeof deep / sizeof *deep; i++) {
            assert_int_equal(canon_value(&sp, &(struct db_cell){ deep[i].in, strlen(deep[i].in),
                                                                 DB_TEXT }, &x, &null), 0);
            assert_int_equal((int)x.len, deep[i].len);
            assert_int_equal(canon_value(&sp, &(struct db_cell){ x.s, x.len, DB_TEXT }, &y, &null),
                             0);
            assert_string_equal(x.s, y.s);
            sbuf_free(&x);
            sbuf_free(&y);
        }
    }
    EQ(CK_NUM, "", "0.000000000000000000000000000000000000000000000000012", DB_TEXT, "1.2e-50",
       DB_FLOAT);
    EQ(CK_NUM, "", "000000.000", DB_TEXT, "-0", DB_TEXT);
}

static void test_other_types(void **state)
{
    (void)state;
    EQ(CK_UUID, "", "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11", DB_TEXT,
       "a0eebc999c0b4ef8bb6d6bb9bd380a11", DB_TEXT);
    NE(CK_UUID, "", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", DB_TEXT,
       "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12", DB_TEXT);
    {   /* SQLite keeping a uuid as its 16 bytes */
        static const char bytes[] = "\xa0\xee\xbc\x99\x9c\x0b\x4e\xf8\xbb\x6d\x6b\xb9\xbd\x38\x0a\x11";
        struct canon_spec sp;
        struct sbuf x = { 0 };
        int null;
        canon_spec_kind(&sp, CK_UUID);
        assert_int_equal(canon_value(&sp, &(struct db_cell){ bytes, 16, DB_BLOB }, &x, &null), 0);
        assert_string_equal(x.s, "a0eebc999c0b4ef8bb6d6bb9bd380a11");
        x.len = 0;
        assert_int_equal(canon_value(&sp, &(struct db_cell){ bytes, 15, DB_BLOB }, &x, &null), -1);
        sbuf_free(&x);
    }
    EQ(CK_JSON, "", "{\"b\": 1, \"a\": [1, 2]}", DB_TEXT, "{\"a\":[1,2],\"b\":1}", DB_TEXT);
    NE(CK_JSON, "", "{\"a\":[1,2]}", DB_TEXT, "{\"a\":[2,1]}", DB_TEXT);
    /* numbers by value, as jsonb compares them */
    EQ(CK_JSON, "", "{\"a\": 1.0, \"b\": [1e2, -0.0]}", DB_TEXT, "{\"b\":[100,0],\"a\":1}", DB_TEXT);
    EQ(CK_JSON, "", "{\"a\": 0.10}", DB_TEXT, "{\"a\": 0.1}", DB_TEXT);
    EQ(CK_JSON, "", "2.0", DB_TEXT, "2", DB_TEXT);
    NE(CK_JSON, "", "{\"a\": 1.5}", DB_TEXT, "{\"a\": 1}", DB_TEXT);
    NE(CK_JSON, "", "{\"a\": \"1\"}", DB_TEXT, "{\"a\": 1}", DB_TEXT);
    EQ(CK_BYTES, "", "\\x0aff", DB_TEXT,
       "\x0a\xff", DB_BLOB);  /* PostgreSQL bytea text vs SQLite BLOB */
    NE(CK_BYTES, "", "\\x0afe", DB_TEXT, "\x0a\xff", DB_BLOB);
}

/* The canonical form of a cell's text of `len` bytes in a column of `kind`
 * (its elements `elem`, an array) with the rules, and what canon_value said. */
static void form_rc(enum canon_kind kind, enum canon_kind elem, const char *rules_text,
                    const char *text, size_t len, const char *expect, size_t expect_len, int rc)
{
    struct canon_spec sp;
    struct rules rules;
    struct sbuf out = { 0 };
    char err[200];
    int null;

    assert_int_equal(rules_parse(rules_text, &rules, err, sizeof err), 0);
    canon_spec_for(&sp, NULL, &rules);
    rules_free(&rules);
    sp.kind = kind;
    sp.elem = elem;
    assert_int_equal(canon_value(&sp, &(struct db_cell){ text, len, DB_TEXT }, &out, &null), rc);
    assert_false(null);
    assert_int_equal(out.len, expect_len);
    assert_memory_equal(out.s, expect, expect_len);
    sbuf_free(&out);
}

static void form_is(enum canon_kind kind, const char *rules_text, const char *text, size_t len,
                    const char *expect, size_t expect_len)
{
    form_rc(kind, CK_TEXT, rules_text, text, len, expect, expect_len, expect[0] == '?' ? -1 : 0);
}

#define FORM(k, r, text, expect) form_is(k, r, text, strlen(text), expect, strlen(expect))

/* Values already in canonical form are taken as they are; the rest are
 * rewritten, never misread. */
static void test_forms(void **state)
{
    (void)state;
    FORM(CK_NUM, "", "12.5", "12.5");
    FORM(CK_NUM, "", "-0.25", "-0.25");
    FORM(CK_NUM, "", "0.50", "0.5");
    FORM(CK_NUM, "", "-0", "0");
    FORM(CK_NUM, "", "-0.000", "0");
    FORM(CK_NUM, "", "5.", "5");
    FORM(CK_NUM, "", ".5", "0.5");
    FORM(CK_NUM, "", "00.5", "0.5");
    FORM(CK_NUM, "", "1.5e2", "150");
    FORM(CK_NUM, "round:2", "1.23", "1.23");
    FORM(CK_NUM, "round:2", "1.235", "1.24");
    FORM(CK_NUM, "round:2", "-0.001", "0");
    FORM(CK_NUM, "", "1.2.3", "?1.2.3");
    FORM(CK_INT, "", "-7", "-7");
    FORM(CK_INT, "", "007", "7");
    FORM(CK_INT, "", "-0", "0");
    FORM(CK_BOOL, "", "t", "1");
    FORM(CK_BOOL, "", "0", "0");
    FORM(CK_BOOL, "", "Yes", "1");
    FORM(CK_BOOL, "", "x", "?x");
    FORM(CK_TS, "", "1970-01-01 00:00:01.5", "1500000");
    FORM(CK_TS, "", "1970-01-01T01:00:00+01:00", "0");
    FORM(CK_TS, "", "1970-01-01 00:00:00-0130", "5400000000");
    FORM(CK_TS, "", "2021", "?2021");                        /* too short: its bytes */
    FORM(CK_DATE, "", "2021-03-04 10:00", "2021-03-04");
    FORM(CK_TIME, "", "10:00", "36000000000");
    FORM(CK_TIME, "", "00:00:00.000001", "00000000001");
    FORM(CK_TIME, "", "24:00:00", "86400000000");
    FORM(CK_TIME, "", "10:00:00-05:30", "36000000000-0530");
    FORM(CK_TIME, "", "10:00:00+00", "36000000000");
    FORM(CK_TIME, "", "25:00", "?25:00");
    /* a NUL inside is no number, even when the bytes before it are one */
    form_is(CK_NUM, "", "12\0x", 4, "?12\0x", 5);
    form_is(CK_INT, "", "7\0", 2, "?7\0", 3);
}

/* An array's form: a JSON array of its elements' forms, whether it came as
 * PostgreSQL's literal or as JSON text; what is no array keeps its bytes. */
static void array_is(enum canon_kind elem, const char *rules_text, const char *text,
                     const char *expect, int rc)
{
    form_rc(CK_ARRAY, elem, rules_text, text, strlen(text), expect, strlen(expect), rc);
}

static void test_arrays(void **state)
{
    (void)state;
    array_is(CK_NUM, "", "{1.10,2,NULL}", "[\"1.1\",\"2\",null]", 0);
    array_is(CK_NUM, "", "[1.1, 2, null]", "[\"1.1\",\"2\",null]", 0);
    array_is(CK_NUM, "", "{}", "[]", 0);
    array_is(CK_NUM, "", " [ ] ", "[]", 0);
    array_is(CK_INT, "", "{{1,2},{3,4}}", "[[\"1\",\"2\"],[\"3\",\"4\"]]", 0);
    array_is(CK_INT, "", "[0:1]={1,2}", "[0:1]=[\"1\",\"2\"]", 0);  /* bounds count */
    /* quoted elements, escapes, spaces, and "NULL" the text beside NULL the value */
    array_is(CK_TEXT, "", "{\"a b\",\"c,d\",\"e\\\"f\",\" g \", h i ,\"NULL\",NULL,n\\ULL}",
             "[\"a b\",\"c,d\",\"e\\\"f\",\" g \",\"h i\",\"NULL\",null,\"nULL\"]", 0);
    array_is(CK_TEXT, "", "[\"a b\", \"c,d\", \"x=[1:2]\"]", "[\"a b\",\"c,d\",\"x=[1:2]\"]", 0);
    array_is(CK_TEXT, "ci", "{ABC,Déjà}", "[\"abc\",\"déjà\"]", 0);  /* rules apply to each */
    array_is(CK_TS, "", "{\"2021-01-01 00:00:00+00\",\"2021-01-01T02:00:00+02:00\"}",
             "[\"1609459200000000\",\"1609459200000000\"]", 0);
    array_is(CK_BOOL, "", "[true,false]", "[\"1\",\"0\"]", 0);
    array_is(CK_BOOL, "", "{t,f}", "[\"1\",\"0\"]", 0);
    /* an element that does not read as its kind: kept, and said */
    array_is(CK_INT, "", "{1,x}", "[\"1\",\"?x\"]", -1);
    /* no array at all: its bytes */
    array_is(CK_INT, "", "1,2", "?1,2", -1);
    array_is(CK_INT, "", "{1,2", "?{1,2", -1);
    array_is(CK_INT, "", "{1,,2}", "?{1,,2}", -1);
    array_is(CK_INT, "", "{1,2}x", "?{1,2}x", -1);
    array_is(CK_INT, "", "[1,2", "?[1,2", -1);
    array_is(CK_INT, "", "{\"1}", "?{\"1}", -1);
    array_is(CK_INT, "", "{{{{{{{1}}}}}}}", "?{{{{{{{1}}}}}}}", -1);  /* 7 dimensions */
    array_is(CK_INT, "", "[a:1]={1}", "?[a:1]={1}", -1);
    array_is(CK_INT, "", "[0:1]=[1,2]", "?[0:1]=[1,2]", -1);
    /* the same values, the forms of two engines; no element runs into another */
    EQA("{1.10,2}", "[1.1,2.0]");
    NEA("{1.1,2}", "{1.12}");
    NEA("{\"1,2\"}", "{1,2}");
    NEA("{NULL}", "{\"NULL\"}");
    NEA("{1,2}", "{2,1}");
}

/* PostgreSQL's money as lc_monetary C writes it, read as a number by the
 * business checks and probes. */
static void test_money_text(void **state)
{
    char buf[64];

    (void)state;
    assert_string_equal(val_money("$1,234.50", buf, sizeof buf), "1234.50");
    assert_string_equal(val_money("-$0.05", buf, sizeof buf), "-0.05");
    assert_string_equal(val_money("$1,000,000.00", buf, sizeof buf), "1000000.00");
    assert_null(val_money("1234.50", buf, sizeof buf));
    assert_null(val_money("$", buf, sizeof buf));
    assert_null(val_money("$1,234.50 ", buf, sizeof buf));
    assert_null(val_money("€1.234,50", buf, sizeof buf));
}

/* Canonical integers, as int_format writes them (SQLite's integers too). */
static void test_int_format(void **state)
{
    static const struct { int64_t v; const char *text; } cases[] = {
        { 0, "0" }, { 7, "7" }, { 10, "10" }, { 99, "99" }, { 100, "100" }, { 101, "101" },
        { -1, "-1" }, { -10, "-10" }, { 1234567890123, "1234567890123" }, { 9, "9" },
        { 1023, "1023" }, { 1024, "1024" }, { 999999999999999999, "999999999999999999" },
        { 1000000000000000000, "1000000000000000000" }, { -99999, "-99999" },
        { INT64_MAX, "9223372036854775807" }, { INT64_MIN, "-9223372036854775808" },
    };
    char buf[24];
    (void)state;

    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        assert_int_equal(int_format(buf, cases[i].v), (int)strlen(cases[i].text));
        assert_string_equal(buf, cases[i].text);
    }
}

/* A SQLite pair's numbers come as their 8 stored bytes (db_query_opts.binary):
 * written out as the text query would give them, and canonical the same way. */
static void test_binary_numbers(void **state)
{
    static const int64_t ints[] = { 0, -5, INT64_MAX, INT64_MIN };
    static const char *const int_text[] = { "0", "-5", "9223372036854775807",
                                            "-9223372036854775808" };
    static const double reals[] = { 0.1, -0.0, 1e300, 0.30000000000000004, 2.5e-7 };
    static const char *const real_text[] = { "0.1", "0", "1e+300", "0.30000000000000004",
                                             "2.5e-07" };
    char buf[DB_CELL_TEXT_MAX];
    struct canon_spec sp;
    (void)state;

    for (size_t i = 0; i < sizeof ints / sizeof *ints; i++) {
        struct db_cell c = { (const char *)&ints[i], 8, DB_INT64 }, t = db_cell_text(&c, buf);
        struct sbuf x = { 0 }, y = { 0 };
        int nx, ny;
        assert_int_equal(t.type, DB_INT);
        assert_int_equal(t.len, strlen(int_text[i]));
        assert_string_equal(t.p, int_text[i]);
        canon_spec_kind(&sp, CK_INT);
        canon_value(&sp, &c, &x, &nx);
        canon_value(&sp, &(struct db_cell){ int_text[i], strlen(int_text[i]), DB_INT }, &y, &ny);
        assert_true(canon_equal(&sp, x.s, x.len, nx, y.s, y.len, ny));
        sbuf_free(&x);
        sbuf_free(&y);
    }
    for (size_t i = 0; i < sizeof reals / sizeof *reals; i++) {
        struct db_cell c = { (const char *)&reals[i], 8, DB_REAL64 }, t = db_cell_text(&c, buf);
        assert_int_equal(t.type, DB_FLOAT);
        assert_string_equal(t.p, real_text[i]);
    }
    {   /* binary -0.0 (other bytes than 0.0) is the number 0; 0.1 is not 0.10000001 */
        double z = -0.0, a = 0.1;
        int64_t five = 5;
        struct sbuf x = { 0 }, y = { 0 };
        int nx, ny;
        canon_spec_kind(&sp, CK_NUM);
        canon_value(&sp, &(struct db_cell){ (const char *)&z, 8, DB_REAL64 }, &x, &nx);
        canon_value(&sp, &(struct db_cell){ "0", 1, DB_TEXT }, &y, &ny);
        assert_true(canon_equal(&sp, x.s, x.len, nx, y.s, y.len, ny));
        x.len = y.len = 0;
        canon_value(&sp, &(struct db_cell){ (const char *)&a, 8, DB_REAL64 }, &x, &nx);
        canon_value(&sp, &(struct db_cell){ "0.10000001", 10, DB_TEXT }, &y, &ny);
        assert_false(canon_equal(&sp, x.s, x.len, nx, y.s, y.len, ny));
        x.len = y.len = 0;
        canon_value(&sp, &(struct db_cell){ (const char *)&five, 8, DB_INT64 }, &x, &nx);
        canon_value(&sp, &(struct db_cell){ "5.00", 4, DB_NUMERIC }, &y, &ny);
        assert_true(canon_equal(&sp, x.s, x.len, nx, y.s, y.len, ny));
        sbuf_free(&x);
        sbuf_free(&y);
    }
    {   /* text passes through untouched, NULL stays NULL */
        struct db_cell c = { "abc", 3, DB_TEXT }, n = { NULL, 0, DB_INT64 };
        assert_ptr_equal(db_cell_text(&c, buf).p, c.p);
        assert_null(db_cell_text(&n, buf).p);
    }
}

/* Keys are ordered as the databases order them. */
static void test_key_order(void **state)
{
    struct canon_spec i, t;

    (void)state;
    canon_spec_kind(&i, CK_INT);
    canon_spec_kind(&t, CK_TEXT);
    assert_true(canon_compare(&i, "9", 1, "10", 2) < 0);       /* numbers by value */
    assert_true(canon_compare(&i, "-10", 3, "-9", 2) < 0);
    assert_true(canon_compare(&t, "B", 1, "a", 1) < 0);        /* text by bytes: COLLATE "C" */
    assert_true(canon_compare(&t, "z", 1, "\xc3\xa9", 2) < 0); /* é after z */
    assert_true(canon_compare(&t, "ab", 2, "abc", 3) < 0);
    assert_int_equal(canon_compare(&t, "ab", 2, "ab", 2), 0);
    {   /* times: in 11 digits, their bytes sort as they do */
        struct canon_spec tm;
        struct sbuf a = { 0 }, b = { 0 };
        int na, nb;
        canon_spec_kind(&tm, CK_TIME);
        canon_value(&tm, &(struct db_cell){ "09:59:59.9", 10, DB_TEXT }, &a, &na);
        canon_value(&tm, &(struct db_cell){ "10:00", 5, DB_TEXT }, &b, &nb);
        assert_true(canon_compare(&tm, a.s, a.len, b.s, b.len) < 0);
        sbuf_free(&a);
        sbuf_free(&b);
    }
    {   /* every numeric kind by value, in its canonical form */
        static const enum canon_kind kinds[] = { CK_NUM, CK_FLOAT };
        for (size_t k = 0; k < 2; k++) {
            struct canon_spec n;
            canon_spec_kind(&n, kinds[k]);
            assert_true(canon_compare(&n, "2", 1, "10.25", 5) < 0);
            assert_true(canon_compare(&n, "-3", 2, "-0.5", 4) < 0);
            assert_true(canon_compare(&n, "0.1", 3, "1.5", 3) < 0);
            assert_true(canon_compare(&n, "1.5", 3, "1.25", 4) > 0);
            assert_int_equal(canon_compare(&n, "1.5", 3, "1.5", 3), 0);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_booleans_and_text),
        cmocka_unit_test(test_times),
        cmocka_unit_test(test_other_types),
        cmocka_unit_test(test_forms),
        cmocka_unit_test(test_target_precision),
        cmocka_unit_test(test_arrays),
        cmocka_unit_test(test_money_text),
        cmocka_unit_test(test_int_format),
        cmocka_unit_test(test_binary_numbers),
        cmocka_unit_test(test_key_order),
        cmocka_unit_test(test_typed_side),
        cmocka_unit_test(test_precision),
        cmocka_unit_test(test_locale_free),
        cmocka_unit_test(test_still_different),
        cmocka_unit_test(test_json_exact),
    };
    setlocale(LC_ALL, "C.UTF-8");  /* case folding of non-ASCII text needs UTF-8 */
    return cmocka_run_group_tests(tests, NULL, NULL);
}
