/* Mapping against real databases: suggestion on Chinook (SQLite → PostgreSQL)
 * gives exactly the expected pairs; lint finds every planted problem of a
 * fixture, with its count, whether the source is SQLite or PostgreSQL. */
#include "config.h"
#include "testutil.h"

#include <libpq-fe.h>
#include <sqlite3.h>
#include <uv.h>

#include "lint.h"
#include "mapping.h"

struct loaded {
    struct catalog *cat;
    db_t *db;
    int status;
};

static void on_cat(struct catalog *cat, int status, const char *msg, void *arg)
{
    struct loaded *l = arg;

    (void)msg;
    l->cat = cat;
    l->status = status;
    db_close(l->db);
}

static struct catalog *load(const char *url)
{
    uv_loop_t loop;
    struct loaded l = { 0 };
    struct err e = { 0 };
    struct cat_opts o = { .count_rows = 0 };

    uv_loop_init(&loop);
    assert_int_equal(db_open(&loop, url, NULL, NULL, &l.db, &e), 0);
    cat_load(l.db, &o, on_cat, &l);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
    assert_int_equal(l.status, 0);
    return l.cat;
}

static const char *const chinook_pairs[][2] = {
    { "Album.AlbumId", "album.album_id" },
    { "Album.Title", "album.title" },
    { "Album.ArtistId", "album.artist_id" },
    { "Artist.ArtistId", "artist.artist_id" },
    { "Artist.Name", "artist.name" },
    { "Customer.CustomerId", "customer.customer_id" },
    { "Customer.FirstName", "customer.first_name" },
    { "Customer.LastName", "customer.last_name" },
    { "Customer.Company", "customer.company" },
    { "Customer.Address", "customer.address" },
    { "Customer.City", "customer.city" },
    { "Customer.State", "customer.state" },
    { "Customer.Country", "customer.country" },
    { "Customer.PostalCode", "customer.postal_code" },
    { "Customer.Phone", "customer.phone" },
    { "Customer.Fax", "customer.fax" },
    { "Customer.Email", "customer.email" },
    { "Customer.SupportRepId", "customer.support_rep_id" },
    { "Employee.EmployeeId", "employee.employee_id" },
    { "Employee.LastName", "employee.last_name" },
    { "Employee.FirstName", "employee.first_name" },
    { "Employee.Title", "employee.title" },
    { "Employee.ReportsTo", "employee.reports_to" },
    { "Employee.BirthDate", "employee.birth_date" },
    { "Employee.HireDate", "employee.hire_date" },
    { "Employee.Address", "employee.address" },
    { "Employee.City", "employee.city" },
    { "Employee.State", "employee.state" },
    { "Employee.Country", "employee.country" },
    { "Employee.PostalCode", "employee.postal_code" },
    { "Employee.Phone", "employee.phone" },
    { "Employee.Fax", "employee.fax" },
    { "Employee.Email", "employee.email" },
    { "Genre.GenreId", "genre.genre_id" },
    { "Genre.Name", "genre.name" },
    { "Invoice.InvoiceId", "invoice.invoice_id" },
    { "Invoice.CustomerId", "invoice.customer_id" },
    { "Invoice.InvoiceDate", "invoice.invoice_date" },
    { "Invoice.BillingAddress", "invoice.billing_address" },
    { "Invoice.BillingCity", "invoice.billing_city" },
    { "Invoice.BillingState", "invoice.billing_state" },
    { "Invoice.BillingCountry", "invoice.billing_country" },
    { "Invoice.BillingPostalCode", "invoice.billing_postal_code" },
    { "Invoice.Total", "invoice.total" },
    { "InvoiceLine.InvoiceLineId", "invoice_line.invoice_line_id" },
    { "InvoiceLine.InvoiceId", "invoice_line.invoice_id" },
    { "InvoiceLine.TrackId", "invoice_line.track_id" },
    { "InvoiceLine.UnitPrice", "invoice_line.unit_price" },
    { "InvoiceLine.Quantity", "invoice_line.quantity" },
    { "MediaType.MediaTypeId", "media_type.media_type_id" },
    { "MediaType.Name", "media_type.name" },
    { "Playlist.PlaylistId", "playlist.playlist_id" },
    { "Playlist.Name", "playlist.name" },
    { "PlaylistTrack.PlaylistId", "playlist_track.playlist_id" },
    { "PlaylistTrack.TrackId", "playlist_track.track_id" },
    { "Track.TrackId", "track.track_id" },
    { "Track.Name", "track.name" },
    { "Track.AlbumId", "track.album_id" },
    { "Track.MediaTypeId", "track.media_type_id" },
    { "Track.GenreId", "track.genre_id" },
    { "Track.Composer", "track.composer" },
    { "Track.Milliseconds", "track.milliseconds" },
    { "Track.Bytes", "track.bytes" },
    { "Track.UnitPrice", "track.unit_price" },
};

static void test_chinook_suggestion(void **state)
{
    char url[600];
    struct catalog *src, *tgt;
    struct pairing pp;
    struct map_suggestion sg;
    struct err e = { 0 };
    size_t k = 0;

    (void)state;
    chinook_pg();
    snprintf(url, sizeof url, "sqlite:%s", chinook_sqlite());
    src = load(url);
    tgt = load("dbname=chinook");
    assert_int_equal(pair_tables(NULL, src, tgt, url, "dbname=chinook", &pp, &e), 0);
    map_suggest(&pp, &sg);
    assert_int_equal(sg.n, 11);
    for (size_t t = 0; t < sg.n; t++) {
        const struct map_table *mt = &sg.tables[t];
        assert_int_equal(mt->nsrc_left, 0);  /* every column paired … */
        assert_int_equal(mt->ntgt_left, 0);
        for (size_t i = 0; i < mt->n; i++, k++) {  /* … and rightly */
            char *s = map_ref(mt->pair->src, mt->cols[i].src);
            char *d = map_ref(mt->pair->tgt, mt->cols[i].tgt);
            assert_true(k < sizeof chinook_pairs / sizeof *chinook_pairs);
            assert_string_equal(s, chinook_pairs[k][0]);
            assert_string_equal(d, chinook_pairs[k][1]);
            assert_int_equal(mt->cols[i].how, HOW_NAME);
            free(s);
            free(d);
        }
    }
    assert_int_equal(k, 64);
    map_suggestion_free(&sg);
    pair_free(&pp);
    cat_free(src);
    cat_free(tgt);
}

/* --- lint: a fixture with every kind of problem planted ------------------------- */

static const char source_sql[] =
    "CREATE TABLE people (id integer PRIMARY KEY, name text, age text, score text, active text,"
    " born text, seen text, status text, note text, extra text);"
    "INSERT INTO people VALUES (1, 'Ann', '30', '12.5', 'true', '2024-01-02',"
    " '2024-01-01 10:00:00', 'new', 'x', 'e');"
    "INSERT INTO people VALUES (2, 'Bartholomew Jr', 'abc', '12.345', 'maybe', '2024-13-01',"
    " '2024-01-01T10:00:00+02:00', 'NEW', 'y', 'e');"
    "INSERT INTO people VALUES (3, NULL, '40000', '12345.6', 'f', '2024-02-29', 'yesterday',"
    " 'archived', 'z', 'e');"
    "INSERT INTO people VALUES (4, 'Élodie-Anne Mé', '7', 'x1', '1', NULL,"
    " '2024-01-01T10:00:00Z', 'done', 'w', 'e');";

static const char target_sql[] =
    "CREATE TABLE people (id bigint PRIMARY KEY, name varchar(10) NOT NULL, age smallint,"
    " score numeric(5,2), active boolean, born date, seen timestamp,"
    " status text CHECK (status IN ('new', 'done')), note text, code varchar(3) NOT NULL)";

static const char sheet_csv[] =
    "source,target,transform,owner,rule,status\n"
    "people.id,people.id,,,,approved\n"
    "people.name,people.name,,,not_null,draft\n"
    "people.age,people.age,,,,draft\n"
    "people.score,people.score,,,,draft\n"
    "people.active,people.active,,,,draft\n"
    "people.born,people.born,,,,draft\n"
    "people.seen,people.seen,,,,draft\n"
    "people.status,people.status,,,regex:^[a-z]+$,draft\n"
    "people.note,people.note,lower(,,,draft\n"
    "people.nope,people.note,,,,draft\n"
    "people.id,people.nope,,,equals,aproved\n";

static const struct { int line; const char *code; long count; enum lint_sev sev; } expected[] = {
    { 2, "no_owner", 11, LINT_WARNING },   /* one for the table, its rows counted */
    { 2, "unsigned_approval", -1, LINT_WARNING },
    { 11, "unknown_column", -1, LINT_ERROR },
    { 11, "mapped_twice", -1, LINT_ERROR },
    { 12, "bad_status", -1, LINT_ERROR },
    { 12, "bad_rule", -1, LINT_ERROR },
    { 12, "unknown_column", -1, LINT_ERROR },
    { 0, "unmapped_source", -1, LINT_ERROR },
    { 0, "not_null_unfilled", -1, LINT_ERROR },
    { 10, "transform_error", -1, LINT_ERROR },
    { 3, "null_into_not_null", 1, LINT_ERROR },
    { 3, "rule_not_null", 1, LINT_ERROR },
    { 3, "too_long", 2, LINT_ERROR },
    { 4, "out_of_range", 1, LINT_ERROR },
    { 4, "not_parsable", 1, LINT_ERROR },
    { 5, "out_of_range", 1, LINT_ERROR },
    { 5, "not_parsable", 1, LINT_ERROR },
    { 5, "precision_loss", 1, LINT_WARNING },
    { 6, "not_parsable", 1, LINT_ERROR },
    { 7, "not_parsable", 1, LINT_ERROR },
    { 8, "not_parsable", 1, LINT_ERROR },
    { 8, "timezone_loss", 1, LINT_WARNING },
    { 9, "rule_regex", 1, LINT_ERROR },
    { 9, "enum_coverage", 2, LINT_ERROR },
};

static void pg_exec(const char *conninfo, const char *sql)
{
    PGconn *c = PQconnectdb(conninfo);
    PGresult *r = PQexec(c, sql);

    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        print_message("%s\n", PQerrorMessage(c));
    assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
    PQclear(r);
    PQfinish(c);
}

static void lint_with(const char *src_url, const char *dir, struct lint_report *r)
{
    struct catalog *src = load(src_url), *tgt = load("dbname=linttgt");
    struct pairing pp;
    struct sheet s;
    struct err e = { 0 };
    char path[600];
    FILE *f;

    snprintf(path, sizeof path, "%s/mapping.csv", dir);
    f = fopen(path, "w");
    fputs(sheet_csv, f);
    fclose(f);
    assert_int_equal(sheet_load(path, &s, &e), 0);
    assert_int_equal(pair_tables(NULL, src, tgt, src_url, "dbname=linttgt", &pp, &e), 0);
    memset(r, 0, sizeof *r);
    lint_static(&s, &pp, src, tgt, r);
    assert_int_equal(lint_data_wait(src_url, NULL, &s, &pp, tgt, r, &e), 0);
    sheet_free(&s);
    pair_free(&pp);
    cat_free(src);
    cat_free(tgt);
}

static void expect_findings(const struct lint_report *r)
{
    size_t n = sizeof expected / sizeof *expected;

    for (size_t i = 0; i < r->n && i < n; i++) {
        const struct lint_finding *f = &r->v[i];
        if (f->line != expected[i].line || strcmp(f->code, expected[i].code) != 0)
            print_message("finding %zu: line %d %s: %s\n", i, f->line, f->code, f->message);
        assert_int_equal(f->line, expected[i].line);
        assert_string_equal(f->code, expected[i].code);
        assert_int_equal(f->count, expected[i].count);
        assert_int_equal(f->sev, expected[i].sev);
    }
    assert_int_equal(r->n, n);
    assert_int_equal(r->errors, 20);
    assert_int_equal(r->warnings, 4);  /* no_owner among them */
}

static void find_text(const struct lint_report *r, const char *code, const char *text)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->v[i].code, code) == 0 && strstr(r->v[i].message, text))
            return;
    fail_msg("no %s finding says '%s'", code, text);
}

static void test_lint_planted_problems(void **state)
{
    char *dir, url[600];
    struct lint_report r;
    sqlite3 *db;

    (void)state;
    chinook_pg();  /* skips the test when Chinook is absent: nothing made yet */
    dir = tmpdir_new();
    pg_exec("dbname=postgres", "CREATE DATABASE lintsrc");
    pg_exec("dbname=postgres", "CREATE DATABASE linttgt");
    pg_exec("dbname=lintsrc", source_sql);
    pg_exec("dbname=linttgt", target_sql);
    snprintf(url, sizeof url, "%s/source.db", dir);
    assert_int_equal(sqlite3_open(url, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, source_sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    snprintf(url, sizeof url, "sqlite:%s/source.db", dir);
    for (int engine = 0; engine < 2; engine++) {
        lint_with(engine ? "dbname=lintsrc" : url, dir, &r);
        expect_findings(&r);
        /* characters, not bytes: 'Élodie-Anne Mé' is 14 characters, 16 bytes */
        find_text(&r, "too_long", "(longest 14)");
        find_text(&r, "enum_coverage", "'NEW', 'archived'");
        /* the validation rules, on the values as they will go */
        find_text(&r, "rule_not_null", "1 rows carry NULL into people.name, which its rule "
                  "not_null refuses");
        find_text(&r, "rule_regex", "1 rows carry values into people.status that its rule "
                  "regex:^[a-z]+$ refuses");
        find_text(&r, "unmapped_source", "people.extra is not mapped");
        find_text(&r, "not_null_unfilled", "people.code is NOT NULL");
        find_text(&r, "mapped_twice", "people.note is also filled by line 10");
        find_text(&r, "unsigned_approval", "approved, but no reviewer is named");
        lint_free(&r);
    }
    tmpdir_free(dir);
}

/* A sheet that maps everything cleanly has no findings. */
static void test_lint_clean_sheet(void **state)
{
    char url[600];
    struct catalog *src, *tgt;
    struct pairing pp;
    struct map_suggestion sg;
    struct sheet s;
    struct lint_report r = { 0 };
    struct err e = { 0 };
    char *dir, path[600];

    (void)state;
    chinook_pg();  /* skips the test when Chinook is absent: nothing made yet */
    dir = tmpdir_new();
    snprintf(url, sizeof url, "sqlite:%s", chinook_sqlite());
    src = load(url);
    tgt = load("dbname=chinook");
    pair_tables(NULL, src, tgt, url, "dbname=chinook", &pp, &e);
    snprintf(path, sizeof path, "%s/mapping.csv", dir);
    sheet_init(&s, path);
    map_suggest(&pp, &sg);
    map_apply(&sg, &s);
    assert_int_equal(sg.added, 64);
    lint_static(&s, &pp, src, tgt, &r);  /* no table names an owner: one warning a table */
    assert_int_equal(r.n, 11);
    for (size_t i = 0; i < r.n; i++)
        assert_string_equal(r.v[i].code, "no_owner");
    assert_string_equal(r.v[0].message, "3 rows of Album have no owner: nobody answers for their "
                                        "mapping");
    lint_free(&r);
    memset(&r, 0, sizeof r);
    for (size_t i = 0; i < s.n; i++)
        sheet_set(&s, i, SC_OWNER, "alice");
    lint_static(&s, &pp, src, tgt, &r);
    assert_int_equal(lint_data_wait(url, NULL, &s, &pp, tgt, &r, &e), 0);
    for (size_t i = 0; i < r.n; i++)
        print_message("%s: %s\n", r.v[i].code, r.v[i].message);
    assert_int_equal(r.n, 0);
    lint_free(&r);
    map_suggestion_free(&sg);
    sheet_free(&s);
    pair_free(&pp);
    cat_free(src);
    cat_free(tgt);
    tmpdir_free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chinook_suggestion),
        cmocka_unit_test(test_lint_planted_problems),
        cmocka_unit_test(test_lint_clean_sheet),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
