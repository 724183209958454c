/* The database layer against real SQLite files and a real PostgreSQL server
 * (tests/harness.sh): streaming, parameters, backpressure, cancel, timeouts,
 * read-only sessions, refused and lost connections, and a loop that never
 * blocks. Every test ends with uv_loop_close() == 0. */
#include "config.h"
#include "testutil.h"

#include <uv.h>

#include "db.h"
#include "util.h"

struct run {
    uv_loop_t *loop;
    db_t *db;
    size_t rows, batches, max_batch;
    int done, status;
    char msg[1200];
    char first[3][128];
    enum db_type first_type[3];
    int pause_after_first;
    db_query_t *q;
    int order[8], norder;  /* completion order, for the blocking test */
    int tag;
    struct sbuf all;       /* every cell, when collecting (collect_rows, collect_text) */
    unsigned types;        /* collect_text: the cell types seen (not NULL), a bit each */
    int all_text, names;   /* every cell DB_TEXT or NULL; batches came with column names */
};

static int on_rows(db_query_t *q, const struct db_batch *b, void *arg)
{
    struct run *r = arg;

    if (r->rows == 0 && b->nrows)
        for (int c = 0; c < b->ncols && c < 3; c++) {
            const struct db_cell *cell = db_cell(b, 0, c);
            snprintf(r->first[c], sizeof r->first[c], "%s", cell->p ? cell->p : "(null)");
            r->first_type[c] = cell->type;
        }
    r->rows += b->nrows;
    r->batches++;
    if (b->nrows > r->max_batch)
        r->max_batch = b->nrows;
    r->q = q;
    if (r->pause_after_first && r->batches == 1)
        return DB_PAUSE;
    return DB_CONTINUE;
}

static void on_done(db_query_t *q, int status, const char *msg, void *arg)
{
    struct run *r = arg;

    (void)q;
    r->done = 1;
    r->status = status;
    snprintf(r->msg, sizeof r->msg, "%s", msg ? msg : "");
}

/* Every cell as "len:bytes|" or "NULL|", rows ending in a newline. */
static int collect_rows(db_query_t *q, const struct db_batch *b, void *arg)
{
    struct run *r = arg;

    for (size_t i = 0; i < b->nrows; i++) {
        for (int c = 0; c < b->ncols; c++) {
            const struct db_cell *cell = db_cell(b, i, c);
            if (!cell->p) {
                sbuf_puts(&r->all, "NULL|");
                continue;
            }
            sbuf_printf(&r->all, "%zu:", cell->len);
            sbuf_add(&r->all, cell->p, cell->len);
            sbuf_puts(&r->all, "|");
            r->all_text &= cell->type == DB_TEXT && cell->p[cell->len] == '\0';
        }
        sbuf_puts(&r->all, "\n");
    }
    r->names = b->colnames != NULL;
    return on_rows(q, b, arg);
}

static db_t *open_db(uv_loop_t *loop, const char *url, const struct db_opts *o)
{
    struct err e = { 0 };
    db_t *db = NULL;

    assert_int_equal(db_open(loop, url, NULL, o, &db, &e), 0);
    return db;
}

enum read { READ_PLAIN, READ_COPY, READ_BINARY };   /* db_query_opts.copy, and .binary */
enum keep { KEEP_NONE, KEEP_RAW, KEEP_TEXT };       /* r->all: collect_rows, collect_text */

static int collect_text(db_query_t *q, const struct db_batch *b, void *arg);

/* Runs one query to completion and closes the db. */
static void run_query_with(const char *url, const char *sql, int np, const char *const *params,
                           size_t batch, enum read read, enum keep keep, struct run *r)
{
    uv_loop_t loop;
    struct db_query_opts qo = { .batch_rows = batch, .copy = read != READ_PLAIN,
                                .binary = read == READ_BINARY };

    uv_loop_init(&loop);
    *r = (struct run){ .all_text = 1 };
    r->db = open_db(&loop, url, NULL);
    assert_non_null(db_query(r->db, sql, np, params, &qo, keep == KEEP_RAW ? collect_rows :
                             keep == KEEP_TEXT ? collect_text : on_rows, on_done, r));
    while (!r->done)
        uv_run(&loop, UV_RUN_ONCE);
    db_close(r->db);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
}

static void run_query(const char *url, const char *sql, int np, const char *const *params,
                      size_t batch, struct run *r)
{
    run_query_with(url, sql, np, params, batch, READ_PLAIN, KEEP_NONE, r);
}

static char *sqlite_url(void)
{
    static char url[600];

    snprintf(url, sizeof url, "sqlite:%s", chinook_sqlite());
    return url;
}

static void test_sqlite_streams_in_batches(void **state)
{
    struct run r;

    (void)state;
    run_query(sqlite_url(), "SELECT TrackId, Name, UnitPrice FROM Track ORDER BY TrackId",
              0, NULL, 100, &r);
    assert_int_equal(r.status, DB_OK);
    assert_int_equal(r.rows, 3503);
    assert_int_equal(r.batches, 36);
    assert_int_equal(r.max_batch, 100);
    assert_string_equal(r.first[0], "1");
    assert_int_equal(r.first_type[0], DB_INT);
    assert_string_equal(r.first[1], "For Those About To Rock (We Salute You)");
    assert_int_equal(r.first_type[1], DB_TEXT);
    assert_string_equal(r.first[2], "0.99");
    assert_int_equal(r.first_type[2], DB_FLOAT);
}

/* With db_query_opts.binary, SQLite's INTEGER and REAL values come as their 8
 * bytes; text, blobs and NULL as always. PostgreSQL ignores the option. */
struct first_row {
    int done, status;
    size_t ncells;
    struct db_cell cells[6];
    char bytes[6][32];
};

static int keep_first_row(db_query_t *q, const struct db_batch *b, void *arg)
{
    struct first_row *f = arg;

    (void)q;
    for (int c = 0; !f->ncells && b->nrows && c < b->ncols && c < 6; c++) {
        const struct db_cell *cell = db_cell(b, 0, c);
        f->cells[c] = *cell;
        if (cell->p)
            memcpy(f->bytes[c], cell->p, cell->len < 32 ? cell->len : 32);
        f->cells[c].p = cell->p ? f->bytes[c] : NULL;
        if (c == b->ncols - 1 || c == 5)
            f->ncells = (size_t)c + 1;
    }
    return DB_CONTINUE;
}

static void first_row_done(db_query_t *q, int status, const char *msg, void *arg)
{
    struct first_row *f = arg;

    (void)q, (void)msg;
    f->done = 1;
    f->status = status;
}

static void binary_first_row(const char *url, const char *sql, struct first_row *f)
{
    uv_loop_t loop;
    struct db_query_opts qo = { .binary = 1 };
    db_t *db;

    uv_loop_init(&loop);
    *f = (struct first_row){ 0 };
    db = open_db(&loop, url, NULL);
    assert_non_null(db_query(db, sql, 0, NULL, &qo, keep_first_row, first_row_done, f));
    while (!f->done)
        uv_run(&loop, UV_RUN_ONCE);
    db_close(db);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
    assert_int_equal(f->status, DB_OK);
}

static void test_sqlite_binary_numbers(void **state)
{
    struct first_row f;
    int64_t i;
    double r;

    (void)state;
    binary_first_row(sqlite_url(), "SELECT TrackId, UnitPrice, Name, NULL, x'00ff', "
                     "-9223372036854775808 FROM Track WHERE TrackId = 2", &f);
    assert_int_equal(f.ncells, 6);
    assert_int_equal(f.cells[0].type, DB_INT64);
    assert_int_equal(f.cells[0].len, 8);
    memcpy(&i, f.cells[0].p, 8);
    assert_int_equal(i, 2);
    assert_int_equal(f.cells[1].type, DB_REAL64);
    assert_int_equal(f.cells[1].len, 8);
    memcpy(&r, f.cells[1].p, 8);
    assert_true(r == 0.99);
    assert_int_equal(f.cells[2].type, DB_TEXT);
    assert_int_equal(f.cells[2].len, strlen("Balls to the Wall"));
    assert_memory_equal(f.cells[2].p, "Balls to the Wall", f.cells[2].len);
    assert_null(f.cells[3].p);
    assert_int_equal(f.cells[4].type, DB_BLOB);
    assert_int_equal(f.cells[4].len, 2);
    assert_memory_equal(f.cells[4].p, "\x00\xff", 2);
    memcpy(&i, f.cells[5].p, 8);
    assert_true(i == INT64_MIN);
    /* PostgreSQL ignores it: text, as ever */
    binary_first_row(chinook_pg(), "SELECT track_id, unit_price FROM track "
                     "WHERE track_id = 2", &f);
    assert_int_equal(f.cells[0].type, DB_INT);
    assert_int_equal(f.cells[0].len, 1);
    assert_memory_equal(f.cells[0].p, "2", 1);
    assert_int_equal(f.cells[1].type, DB_NUMERIC);
    assert_memory_equal(f.cells[1].p, "0.99", 4);
}

/* Every cell as db_cell_text() writes it, BLOBs as PostgreSQL's \x hex, one
 * line a row; the types seen in r->types. */
static int collect_text(db_query_t *q, const struct db_batch *b, void *arg)
{
    struct run *r = arg;
    for (size_t i = 0; i < b->nrows; i++) {
        for (int c = 0; c < b->ncols; c++) {
            char buf[DB_CELL_TEXT_MAX];
            const struct db_cell *cell = db_cell(b, i, c);
            struct db_cell t = db_cell_text(cell, buf);
            if (!cell->p) {
                sbuf_puts(&r->all, "NULL|");
                continue;
            }
            r->types |= 1u << cell->type;
            assert_int_equal(cell->p[cell->len], '\0');
            if (cell->type == DB_BLOB) {
                sbuf_puts(&r->all, "\\x");
                for (size_t k = 0; k < t.len; k++)
                    sbuf_printf(&r->all, "%02x", (unsigned char)t.p[k]);
            } else {
                sbuf_add(&r->all, t.p, t.len);
            }
            sbuf_puts(&r->all, "|");
        }
        sbuf_puts(&r->all, "\n");
    }
    return on_rows(q, b, arg);
}

/* A COPY query, in binary if asked and possible, in batches of three. */
static void run_text(const char *sql, int binary, struct run *r)
{
    run_query_with(chinook_pg(), sql, 0, NULL, 3, binary ? READ_BINARY : READ_COPY, KEEP_TEXT, r);
}

/* With db_query_opts.binary, a COPY of PostgreSQL's common types comes in
 * binary and reads, through db_cell_text(), exactly as the server's own text:
 * edge values of each type, NULLs among them, over several batches. */
static void test_pg_binary_copy(void **state)
{
    static const struct { const char *type, *values; unsigned types; } cases[] = {
        { "int2", "'-32768', '32767', '0', NULL, '-1'", 1u << DB_INT },
        { "int4", "'-2147483648', '2147483647', '0', NULL", 1u << DB_INT64 },
        { "int8", "'-9223372036854775808', '9223372036854775807', '42', NULL", 1u << DB_INT64 },
        { "oid", "'4294967295', '0', '1', NULL", 1u << DB_INT64 },
        { "float8", "'0.1', '1e300', '-2.5e-7', '0.30000000000000004', 'NaN', 'Infinity', "
                    "'-Infinity', '123456789012345680', NULL", 1u << DB_REAL64 },
        { "numeric", "'0', '1.50', '-1.50', '0.0001', '-0.000001', '10000', '99990000', "
                     "'100000000.00000001', '123456789012345678901234567890.123456789', "
                     "'0.00000000000000000001', 'NaN', 'Infinity', '-Infinity', NULL, "
                     "'1' || repeat('0', 80) || '.5'",
          1u << DB_PGNUMERIC | 1u << DB_NUMERIC },  /* the last one's text is too long */
        { "numeric(12,2)", "'7', '0.1', '-3.999', '-0.001'", 1u << DB_PGNUMERIC },
        { "bool", "'t', 'f', NULL, 'f'", 1u << DB_BOOL },
        { "text", "E'tab\\there', E'back\\\\slash', E'line\\nend', '', 'Grüße €', NULL",
          1u << DB_TEXT },
        { "varchar(20)", "'abc', '', NULL, 'x'", 1u << DB_TEXT },
        { "char(5)", "'ab', 'abcde', NULL, ''", 1u << DB_TEXT },
        { "name", "'pg_class', '', NULL, 'x y'", 1u << DB_TEXT },
        { "json", "'{\"b\": 1, \"a\": [1, 2]}', '\"x\"', NULL, '[]'", 1u << DB_TEXT },
        { "jsonb", "'{\"b\": 1, \"a\": [1, 2]}', 'null', '3.50', '[{}]'", 1u << DB_TEXT },
        { "bytea", "'\\x00ff5c0a', '\\x', NULL, '\\x5c'", 1u << DB_BLOB },
        { "uuid", "'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', '00000000-0000-0000-0000-000000000000',"
                  " 'ffffffff-ffff-ffff-ffff-ffffffffffff', NULL, "
                  "'12345678-1234-1234-1234-123456789abc'", 1u << DB_TEXT },
        { "timestamp", "'2000-01-01 00:00:00', '1999-12-31 23:59:59.999999', "
                       "'2021-03-04 05:06:07.5', '0044-03-15 12:00:00 BC', '1900-02-28 12:00', "
                       "'2400-02-29 00:00:00.000001', '294276-12-31 23:59:59', "
                       "'4713-11-24 00:00:00 BC', 'infinity', '-infinity', NULL",
          1u << DB_PGTIMESTAMP },
        { "timestamptz", "'2021-03-04 05:06:07.25+02', '1969-12-31 23:59:59+00', "
                         "'0001-01-01 00:00:00+00 BC', 'infinity'", 1u << DB_PGTIMESTAMPTZ },
        { "date", "'2000-01-01', '1999-12-31', '0001-01-01', '0001-12-31 BC', '2024-02-29', "
                  "'5874897-12-31', '4713-01-01 BC', 'infinity', '-infinity'", 1u << DB_PGDATE },
        { "time", "'00:00', '23:59:59.999999', '24:00:00', '12:34:56.5', NULL", 1u << DB_PGTIME },
    };
    struct run bin, txt;

    (void)state;
    setenv("PGTZ", "UTC", 1);  /* timestamptz in binary is written in UTC */
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *sql = xasprintf("SELECT v::%s, i FROM unnest(ARRAY[%s]::text[]) "
                              "WITH ORDINALITY AS u(v, i) ORDER BY i", cases[i].type,
                              cases[i].values);
        run_text(sql, 1, &bin);
        run_text(sql, 0, &txt);
        print_message("%s\n", cases[i].type);
        assert_int_equal(bin.status, DB_OK);
        assert_int_equal(txt.status, DB_OK);
        assert_int_equal(bin.types, cases[i].types | 1u << DB_INT64);  /* i is int8 */
        assert_int_equal(txt.types, 1u << DB_TEXT);
        assert_string_equal(bin.all.s, txt.all.s);
        assert_true(bin.batches >= 2);
        sbuf_free(&bin.all);
        sbuf_free(&txt.all);
        free(sql);
    }
    /* a type not read in binary: the whole query as text */
    run_text("SELECT 7::int4, '1 day 02:00'::interval, ARRAY[1, 2]", 1, &bin);
    assert_int_equal(bin.status, DB_OK);
    assert_int_equal(bin.types, 1u << DB_TEXT);
    assert_string_equal(bin.all.s, "7|1 day 02:00:00|{1,2}|\n");
    sbuf_free(&bin.all);
    /* no rows: the header and the trailer in one message */
    run_text("SELECT 1::int4, now() WHERE false", 1, &bin);
    assert_int_equal(bin.status, DB_OK);
    assert_int_equal(bin.batches, 0);
    assert_null(bin.all.s);
    /* a query the server refuses: refused as without binary */
    run_text("SELECT nosuch FROM track", 1, &bin);
    assert_int_equal(bin.status, DB_EQUERY);
    assert_non_null(strstr(bin.msg, "column \"nosuch\" does not exist"));
    assert_string_equal(bin.all.s ? bin.all.s : "", "");
    sbuf_free(&bin.all);
    unsetenv("PGTZ");
}

static void test_pg_streams_in_batches(void **state)
{
    struct run r;

    (void)state;
    run_query(chinook_pg(), "SELECT track_id, name, unit_price FROM track ORDER BY track_id",
              0, NULL, 100, &r);
    assert_int_equal(r.status, DB_OK);
    assert_int_equal(r.rows, 3503);
    assert_true(r.batches >= 36);
    assert_int_equal(r.max_batch, 100);
    assert_string_equal(r.first[0], "1");
    assert_int_equal(r.first_type[0], DB_INT);
    assert_string_equal(r.first[1], "For Those About To Rock (We Salute You)");
    assert_string_equal(r.first[2], "0.99");
    assert_int_equal(r.first_type[2], DB_NUMERIC);
}

/* COPY mode gives the very same bytes as single-row mode: NULLs, empty
 * strings, tabs, backslashes, line ends, bytea, floats, in batches. */
static void test_pg_copy(void **state)
{
    const char *sql =
        "SELECT g, CASE WHEN g % 5 = 0 THEN NULL ELSE E'a\\tb\\\\c\\nd\\re\\\\N ' || g END, "
        "''::text, '\\x00ff0a5c'::bytea, g::float8 / 3, NULL::int, E'\\\\N' "
        "FROM generate_series(1, 2500) g ORDER BY g";
    struct run plain, copy;
    (void)state;

    run_query_with(chinook_pg(), sql, 0, NULL, 100, READ_PLAIN, KEEP_RAW, &plain);
    run_query_with(chinook_pg(), sql, 0, NULL, 100, READ_COPY, KEEP_RAW, &copy);
    assert_int_equal(copy.status, DB_OK);
    assert_int_equal(copy.rows, 2500);
    assert_int_equal(copy.max_batch, 100);
    assert_true(copy.all_text);        /* no type OIDs in COPY: all text, NUL-terminated */
    assert_false(copy.names);
    assert_true(plain.names);
    assert_int_equal(copy.all.len, plain.all.len);
    assert_memory_equal(copy.all.s, plain.all.s, plain.all.len);
    /* row 2 as the server printed it */
    assert_non_null(strstr(copy.all.s, "\n1:2|13:a\tb\\c\nd\re\\N 2|0:|10:\\x00ff0a5c|18:0.6666666666666666|NULL|2:\\N|\n"));
    sbuf_free(&plain.all);
    sbuf_free(&copy.all);
    /* an error in the middle of the stream is the query's error, told as without COPY */
    run_query_with(chinook_pg(), "SELECT 1 / (g - 1500) FROM generate_series(1, 3000) g", 0,
                   NULL, 100, READ_PLAIN, KEEP_NONE, &plain);
    run_query_with(chinook_pg(), "SELECT 1 / (g - 1500) FROM generate_series(1, 3000) g", 0,
                   NULL, 100, READ_COPY, KEEP_NONE, &copy);
    assert_int_equal(copy.status, DB_EQUERY);
    assert_string_equal(copy.msg, "dbname=chinook: ERROR:  division by zero (SQLSTATE 22012)");
    assert_string_equal(copy.msg, plain.msg);
}

static void test_parameters(void **state)
{
    const char *p[] = { "41", "x\"y" };
    struct run r;

    (void)state;
    run_query(chinook_pg(), "SELECT $1::int + 1, $2::text", 2, p, 0, &r);
    assert_int_equal(r.status, DB_OK);
    assert_string_equal(r.first[0], "42");
    assert_string_equal(r.first[1], "x\"y");
    run_query(sqlite_url(), "SELECT ?1 + 1, ?2", 2, p, 0, &r);
    assert_int_equal(r.status, DB_OK);
    assert_string_equal(r.first[0], "42");
    assert_string_equal(r.first[1], "x\"y");
}

static void test_sessions_are_read_only(void **state)
{
    struct run r;

    (void)state;
    run_query(chinook_pg(), "CREATE TABLE intruder (a int)", 0, NULL, 0, &r);
    assert_int_equal(r.status, DB_EQUERY);
    assert_non_null(strstr(r.msg, "cannot execute CREATE TABLE in a read-only transaction"));
    assert_non_null(strstr(r.msg, "SQLSTATE 25006"));
    run_query(chinook_pg(), "DELETE FROM track", 0, NULL, 0, &r);
    assert_int_equal(r.status, DB_EQUERY);
    assert_non_null(strstr(r.msg, "read-only transaction"));
    run_query(chinook_pg(),
              "SELECT current_setting('default_transaction_read_only'), "
              "current_setting('application_name'), current_setting('statement_timeout')",
              0, NULL, 0, &r);
    assert_string_equal(r.first[0], "on");
    assert_string_equal(r.first[1], "cutover");
    assert_string_equal(r.first[2], "1min");
    /* SQLite: reads only, by the authorizer, whatever the SQL */
    {
        static const char *const refused[] = {
            "CREATE TABLE intruder (a)", "DELETE FROM Track", "ATTACH '/tmp/cutover-x.db' AS x",
            "PRAGMA query_only = 0", "PRAGMA user_version = 7", "PRAGMA wal_checkpoint",
        };
        for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
            run_query(sqlite_url(), refused[i], 0, NULL, 0, &r);
            assert_int_equal(r.status, DB_EQUERY);
            assert_non_null(strstr(r.msg, ": refused: cutover only reads (no write, ATTACH or "
                                          "pragma that sets anything)"));
        }
        run_query(sqlite_url(), "VACUUM INTO '/tmp/cutover-vacuum-into.db'", 0, NULL, 0, &r);
        assert_int_equal(r.status, DB_EQUERY);
        assert_int_equal(access("/tmp/cutover-vacuum-into.db", F_OK), -1);  /* no stray file */
        run_query(sqlite_url(), "SELECT 1; DELETE FROM Track", 0, NULL, 0, &r);
        assert_int_equal(r.status, DB_EQUERY);
        assert_non_null(strstr(r.msg, "refused: more than one statement"));
        run_query(sqlite_url(), "SELECT count(*) FROM Track; -- done", 0, NULL, 0, &r);
        assert_int_equal(r.status, DB_OK);
        assert_string_equal(r.first[0], "3503");
        run_query(sqlite_url(), "PRAGMA journal_mode", 0, NULL, 0, &r);  /* reading one */
        assert_int_equal(r.status, DB_OK);
    }
}

static void second_query(db_query_t *q, int status, const char *msg, void *arg)
{
    struct run *r = arg;

    (void)q, (void)msg;
    r->status = status;
}

/* Every PostgreSQL statement runs in a transaction opened READ ONLY and rolled
 * back: what a function manages to do (a large object, a setting changed for
 * the session) is undone before the next statement on the same connection. */
static void test_statements_are_rolled_back(void **state)
{
    uv_loop_t loop;
    struct run r = { .all_text = 1 }, before, after;

    (void)state;
    run_query(chinook_pg(), "SELECT count(*) FROM pg_largeobject_metadata", 0, NULL, 0, &before);
    uv_loop_init(&loop);
    r.db = open_db(&loop, chinook_pg(), NULL);
    assert_non_null(db_query(r.db, "SELECT lo_create(0)", 0, NULL, NULL, NULL, second_query, &r));
    assert_non_null(db_query(r.db, "SELECT set_config('default_transaction_read_only', 'off', "
                             "false)", 0, NULL, NULL, NULL, second_query, &r));
    assert_non_null(db_query(r.db, "SELECT current_setting('default_transaction_read_only'), "
                             "current_setting('transaction_read_only')", 0, NULL, NULL, on_rows,
                             on_done, &r));
    while (!r.done)
        uv_run(&loop, UV_RUN_ONCE);
    assert_int_equal(r.status, DB_OK);
    assert_string_equal(r.first[0], "on");
    assert_string_equal(r.first[1], "on");
    db_close(r.db);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
    run_query(chinook_pg(), "SELECT count(*) FROM pg_largeobject_metadata", 0, NULL, 0, &after);
    assert_string_equal(after.first[0], before.first[0]);
    run_query(chinook_pg(), "SELECT 1; DELETE FROM track", 0, NULL, 0, &r);
    assert_int_equal(r.status, DB_EQUERY);
    assert_non_null(strstr(r.msg, "cannot insert multiple commands into a prepared statement"));
}

struct pause_ctx {
    struct run r;
    size_t rows_at_pause, rows_at_resume;
};

static void resume_cb(uv_timer_t *t)
{
    struct pause_ctx *p = t->data;

    p->rows_at_resume = p->r.rows;
    db_query_resume(p->r.q);
}

/* While paused nothing arrives; after resume the rest does. */
static void pause_and_resume(const char *url, const char *sql, int copy)
{
    uv_loop_t loop;
    uv_timer_t t;
    struct pause_ctx p = { 0 };
    struct db_query_opts qo = { .batch_rows = 1000, .copy = copy };

    uv_loop_init(&loop);
    p.r.pause_after_first = 1;
    p.r.db = open_db(&loop, url, NULL);
    db_query(p.r.db, sql, 0, NULL, &qo, on_rows, on_done, &p.r);
    uv_timer_init(&loop, &t);
    t.data = &p;
    while (p.r.batches == 0)
        uv_run(&loop, UV_RUN_ONCE);
    p.rows_at_pause = p.r.rows;
    uv_timer_start(&t, resume_cb, 300, 0);
    while (!p.r.done)
        uv_run(&loop, UV_RUN_ONCE);
    assert_true(p.rows_at_pause > 0 && p.rows_at_pause <= 1000);
    assert_int_equal(p.rows_at_resume, p.rows_at_pause);  /* nothing came while paused */
    assert_true(p.r.batches > 1);
    assert_int_equal(p.r.rows, 100000);
    assert_int_equal(p.r.status, DB_OK);
    uv_close((uv_handle_t *)&t, NULL);
    db_close(p.r.db);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
}

static void test_backpressure(void **state)
{
    (void)state;
    pause_and_resume(chinook_pg(), "SELECT g, repeat('x', 100) FROM generate_series(1, 100000) g", 0);
    pause_and_resume(chinook_pg(), "SELECT g, repeat('x', 100) FROM generate_series(1, 100000) g", 1);
    pause_and_resume(sqlite_url(),
                     "WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g "
                     "WHERE n < 100000) SELECT n, 'x' FROM g", 0);
}

static void cancel_cb(uv_timer_t *t)
{
    db_query_cancel(t->data);
}

/* The query of `r` is done: its connection still answers, then closes, and
 * nothing is left on the loop. */
static void usable_then_closed(uv_loop_t *loop, struct run *r)
{
    r->done = 0;
    r->rows = 0;
    assert_non_null(db_query(r->db, "SELECT 7", 0, NULL, NULL, on_rows, on_done, r));
    while (!r->done)
        uv_run(loop, UV_RUN_ONCE);
    assert_int_equal(r->status, DB_OK);
    assert_string_equal(r->first[0], "7");
    db_close(r->db);
    uv_run(loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(loop), 0);
}

/* Cancels 200 ms after the query was queued (with `streams`, after its first
 * rows came), or lets the timeout do it. */
static void cancel_after(const char *url, const char *sql, int timeout_ms, int expect, int copy,
                         int streams)
{
    uv_loop_t loop;
    uv_timer_t t;
    struct run r = { 0 };
    struct db_query_opts qo = { .timeout_ms = timeout_ms, .copy = copy };
    db_query_t *q;

    uv_loop_init(&loop);
    r.db = open_db(&loop, url, NULL);
    q = db_query(r.db, sql, 0, NULL, &qo, on_rows, on_done, &r);
    uv_timer_init(&loop, &t);
    t.data = q;
    while (streams && !r.rows && !r.done)  /* a loaded machine may take a while to connect */
        uv_run(&loop, UV_RUN_ONCE);
    if (!timeout_ms)
        uv_timer_start(&t, cancel_cb, 200, 0);
    while (!r.done)
        uv_run(&loop, UV_RUN_ONCE);
    assert_int_equal(r.status, expect);
    assert_int_equal(r.rows > 0, streams);
    uv_close((uv_handle_t *)&t, NULL);
    usable_then_closed(&loop, &r);  /* the connection stays usable after a cancel */
}

/* A consumer that cancels from the rows callback of a query's last batch
 * (the diff does, when a table's keys come out of order): done says
 * cancelled, and nothing of the query runs on after it (it once left a job
 * behind that stepped a query no longer there). */
static int cancel_in_rows(db_query_t *q, const struct db_batch *b, void *arg)
{
    struct run *r = arg;

    r->rows += b->nrows;
    db_query_cancel(q);
    return DB_CONTINUE;
}

static void test_cancel_from_last_rows(void **state)
{
    (void)state;
    for (int i = 0; i < 20; i++) {  /* the job it left behind ran as the thread pool pleased */
        uv_loop_t loop;
        struct run r = { 0 };

        uv_loop_init(&loop);
        r.db = open_db(&loop, sqlite_url(), NULL);
        assert_non_null(db_query(r.db, "SELECT 1 UNION ALL SELECT 2", 0, NULL, NULL,
                                 cancel_in_rows, on_done, &r));
        while (!r.done)
            uv_run(&loop, UV_RUN_ONCE);
        assert_int_equal(r.status, DB_ECANCELED);
        assert_int_equal(r.rows, 2);
        uv_sleep(5);  /* room for a stray job on the pool */
        uv_run(&loop, UV_RUN_NOWAIT);
        usable_then_closed(&loop, &r);
    }
}

static const char *slow_sqlite =
    "WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g) "
    "SELECT count(*) FROM g";

static void test_cancel_and_timeout(void **state)
{
    (void)state;
    cancel_after(chinook_pg(), "SELECT pg_sleep(30)", 0, DB_ECANCELED, 0, 0);
    cancel_after(sqlite_url(), slow_sqlite, 0, DB_ECANCELED, 0, 0);
    cancel_after(chinook_pg(), "SELECT pg_sleep(30)", 300, DB_ETIMEDOUT, 0, 0);
    cancel_after(sqlite_url(), slow_sqlite, 300, DB_ETIMEDOUT, 0, 0);
    /* COPY: while rows stream, and while the server has sent none */
    cancel_after(chinook_pg(), "SELECT generate_series(1, 2000000000)", 0, DB_ECANCELED, 1, 1);
    cancel_after(chinook_pg(), "SELECT pg_sleep(30)", 300, DB_ETIMEDOUT, 1, 0);
}

struct order {
    int seq[3], n;
};

static void note(struct order *o, int who)
{
    o->seq[o->n++] = who;
}

static void slow_done(db_query_t *q, int status, const char *msg, void *arg)
{
    (void)q, (void)msg;
    assert_int_equal(status, DB_OK);
    note(arg, 1);
}

static void fast_done(db_query_t *q, int status, const char *msg, void *arg)
{
    (void)q, (void)msg;
    assert_int_equal(status, DB_OK);
    note(arg, 2);
}

static void tick_cb(uv_timer_t *t)
{
    note(t->data, 3);
}

/* While PostgreSQL sleeps 2 s, a SQLite query and a timer on the same loop
 * complete first. */
static void test_nothing_blocks_the_loop(void **state)
{
    uv_loop_t loop;
    uv_timer_t t;
    struct order o = { 0 };
    db_t *pg, *lite;

    (void)state;
    uv_loop_init(&loop);
    pg = open_db(&loop, chinook_pg(), NULL);
    lite = open_db(&loop, sqlite_url(), NULL);
    db_query(pg, "SELECT pg_sleep(2)", 0, NULL, NULL, NULL, slow_done, &o);
    db_query(lite, "SELECT count(*) FROM InvoiceLine", 0, NULL, NULL, NULL, fast_done, &o);
    uv_timer_init(&loop, &t);
    t.data = &o;
    uv_timer_start(&t, tick_cb, 100, 0);
    while (o.n < 3)
        uv_run(&loop, UV_RUN_ONCE);
    assert_int_equal(o.seq[2], 1);  /* PostgreSQL last */
    assert_true((o.seq[0] == 2 && o.seq[1] == 3) || (o.seq[0] == 3 && o.seq[1] == 2));
    uv_close((uv_handle_t *)&t, NULL);
    db_close(pg);
    db_close(lite);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
}

static void test_refused_connection(void **state)
{
    struct run r;

    (void)state;
    run_query("postgresql://app:s3cret@127.0.0.1:1/pilot", "SELECT 1", 0, NULL, 0, &r);
    assert_int_equal(r.status, DB_ELOST);
    assert_non_null(strstr(r.msg, "postgresql://app:***@127.0.0.1:1/pilot: "));
    assert_non_null(strstr(r.msg, "Connection refused"));
    assert_null(strstr(r.msg, "s3cret"));
    run_query("sqlite:/nonexistent/pilot.db", "SELECT 1", 0, NULL, 0, &r);
    assert_int_equal(r.status, DB_ELOST);
    assert_string_equal(r.msg, "sqlite:/nonexistent/pilot.db: cannot open "
                               "'/nonexistent/pilot.db': No such file or directory");
}

struct lost {
    uv_loop_t *loop;
    db_t *victim, *killer;
    enum db_state states[8];
    int nstates;
    char pid[32];
    struct run sleeper, step;
};

static void on_state(db_t *db, enum db_state s, void *arg)
{
    struct lost *l = arg;

    (void)db;
    if (l->nstates < 8)
        l->states[l->nstates++] = s;
}

static int pid_rows(db_query_t *q, const struct db_batch *b, void *arg)
{
    (void)q;
    snprintf(((struct lost *)arg)->pid, 32, "%s", db_cell(b, 0, 0)->p);
    return DB_CONTINUE;
}

static void pid_done(db_query_t *q, int status, const char *msg, void *arg)
{
    (void)q, (void)msg, (void)arg;
    assert_int_equal(status, DB_OK);
}

/* Another session terminates ours mid-query: the query fails with a clear
 * error, the db goes down, reconnects with backoff and serves again. */
static void test_lost_connection_reconnects(void **state)
{
    uv_loop_t loop;
    struct lost l = { 0 };
    struct db_opts o = { .reconnect = 1, .on_state = on_state, .arg = &l };
    const char *params[1];

    (void)state;
    uv_loop_init(&loop);
    l.victim = open_db(&loop, chinook_pg(), &o);
    l.killer = open_db(&loop, chinook_pg(), NULL);
    db_query(l.victim, "SELECT pg_backend_pid()", 0, NULL, NULL, pid_rows, pid_done, &l);
    while (!l.pid[0])
        uv_run(&loop, UV_RUN_ONCE);
    db_query(l.victim, "SELECT pg_sleep(30)", 0, NULL, NULL, on_rows, on_done, &l.sleeper);
    params[0] = l.pid;
    db_query(l.killer, "SELECT pg_sleep(0.2), pg_terminate_backend($1::int)", 1, params, NULL,
             on_rows, on_done, &l.step);
    while (!l.sleeper.done)
        uv_run(&loop, UV_RUN_ONCE);
    assert_int_equal(l.sleeper.status, DB_ELOST);
    /* libpq's lines made one message: the server's own, then libpq's two sentences */
    assert_string_equal(l.sleeper.msg, "dbname=chinook: connection lost: FATAL:  terminating "
                        "connection due to administrator command; server closed the connection "
                        "unexpectedly. This probably means the server terminated abnormally "
                        "before or while processing the request.");
    while (db_state(l.victim) != DB_UP)
        uv_run(&loop, UV_RUN_ONCE);
    assert_int_equal(l.nstates, 4);
    assert_int_equal(l.states[0], DB_UP);
    assert_int_equal(l.states[1], DB_DOWN);
    assert_int_equal(l.states[2], DB_CONNECTING);
    assert_int_equal(l.states[3], DB_UP);
    memset(&l.step, 0, sizeof l.step);
    db_query(l.victim, "SELECT 5", 0, NULL, NULL, on_rows, on_done, &l.step);
    while (!l.step.done)
        uv_run(&loop, UV_RUN_ONCE);
    assert_int_equal(l.step.status, DB_OK);
    assert_string_equal(l.step.first[0], "5");
    db_close(l.victim);
    db_close(l.killer);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
}

/* db_close() with work queued and running: every query is told, once. */
static void test_close_cancels_pending(void **state)
{
    uv_loop_t loop;
    struct run a = { 0 }, b = { 0 };
    db_t *db;

    (void)state;
    uv_loop_init(&loop);
    db = open_db(&loop, chinook_pg(), NULL);
    db_query(db, "SELECT pg_sleep(30)", 0, NULL, NULL, on_rows, on_done, &a);
    db_query(db, "SELECT 1", 0, NULL, NULL, on_rows, on_done, &b);
    while (db_state(db) != DB_UP)
        uv_run(&loop, UV_RUN_ONCE);
    db_close(db);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(a.status, DB_ECANCELED);
    assert_int_equal(b.status, DB_ECANCELED);
    assert_int_equal(uv_loop_close(&loop), 0);
}

/* A cancel request reaches the server on its own connection, later: the
 * server cancels whatever runs when it arrives. Here it is asked for while
 * SELECT 1 is about to end, with a sleep queued behind it: the sleep is not
 * sent before the request has arrived, so it is never the one cancelled. */
static void test_cancel_spares_the_next_query(void **state)
{
    uv_loop_t loop;
    db_t *db;
    int spared = 0;

    (void)state;
    uv_loop_init(&loop);
    db = open_db(&loop, chinook_pg(), NULL);
    while (db_state(db) != DB_UP)
        uv_run(&loop, UV_RUN_ONCE);
    for (int i = 0; i < 10; i++) {
        struct run a = { 0 }, b = { 0 };
        db_query_t *q = db_query(db, "SELECT 1", 0, NULL, NULL, on_rows, on_done, &a);
        assert_non_null(q);
        db_query_cancel(q);
        assert_non_null(db_query(db, "SELECT pg_sleep(0.05)", 0, NULL, NULL, on_rows, on_done, &b));
        while (!a.done || !b.done)
            uv_run(&loop, UV_RUN_ONCE);
        spared += b.status == DB_OK;
    }
    assert_int_equal(spared, 10);
    db_close(db);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
}

struct retry {
    db_t *db;
    int attempts;
    int status;
    unsigned turn, turns[3];  /* loop turns, counted by a prepare handle */
};

static void count_turn(uv_prepare_t *p)
{
    ((struct retry *)p->data)->turn++;
}

static void retry_done(db_query_t *q, int status, const char *msg, void *arg)
{
    struct retry *r = arg;

    (void)q, (void)msg;
    r->status = status;
    r->turns[r->attempts] = r->turn;
    if (++r->attempts < 3)  /* a caller that tries again from its callback */
        assert_non_null(db_query(r->db, "SELECT 1", 0, NULL, NULL, NULL, retry_done, r));
}

/* A done callback that queues again while the db is down for good gets its
 * new query failed on a later loop turn, not in a loop that never ends. */
static void test_requeue_while_down(void **state)
{
    uv_loop_t loop;
    uv_prepare_t prep;
    struct retry r = { 0 };

    (void)state;
    uv_loop_init(&loop);
    uv_prepare_init(&loop, &prep);
    prep.data = &r;
    uv_prepare_start(&prep, count_turn);
    r.db = open_db(&loop, "postgresql://127.0.0.1:1/x", NULL);
    db_query(r.db, "SELECT 1", 0, NULL, NULL, NULL, retry_done, &r);
    while (r.attempts < 3)
        uv_run(&loop, UV_RUN_ONCE);
    assert_int_equal(r.status, DB_ELOST);
    /* the first retry fails in the sweep of the turn that saw the connect
     * fail; the second retry waits for the sweep of a later turn */
    assert_true(r.turns[1] >= r.turns[0]);
    assert_true(r.turns[2] > r.turns[1]);
    uv_close((uv_handle_t *)&prep, NULL);
    assert_int_equal(db_state(r.db), DB_DOWN);
    db_close(r.db);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sqlite_streams_in_batches),
        cmocka_unit_test(test_sqlite_binary_numbers),
        cmocka_unit_test(test_pg_streams_in_batches),
        cmocka_unit_test(test_pg_copy),
        cmocka_unit_test(test_pg_binary_copy),
        cmocka_unit_test(test_parameters),
        cmocka_unit_test(test_sessions_are_read_only),
        cmocka_unit_test(test_statements_are_rolled_back),
        cmocka_unit_test(test_backpressure),
        cmocka_unit_test(test_cancel_and_timeout),
        cmocka_unit_test(test_cancel_from_last_rows),
        cmocka_unit_test(test_nothing_blocks_the_loop),
        cmocka_unit_test(test_refused_connection),
        cmocka_unit_test(test_lost_connection_reconnects),
        cmocka_unit_test(test_close_cancels_pending),
        cmocka_unit_test(test_cancel_spares_the_next_query),
        cmocka_unit_test(test_requeue_while_down),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
