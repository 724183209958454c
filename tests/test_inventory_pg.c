/* Catalog, pairing and inventory against real data: Chinook in SQLite as the
 * source and Chinook loaded into the throwaway PostgreSQL as the target, plus
 * fixtures for what Chinook lacks (other schemas, views, WITHOUT ROWID,
 * tables without a key, counts that fall back to the planner's estimate). */
#include "config.h"
#include "testutil.h"

#include <libpq-fe.h>
#include <sqlite3.h>
#include <uv.h>

#include "catalog.h"
#include "inventory.h"
#include "pairing.h"

struct loaded {
    struct catalog *cat;
    db_t *db;
    int status;
    char msg[1200];
};

static void on_cat(struct catalog *cat, int status, const char *msg, void *arg)
{
    struct loaded *l = arg;

    l->cat = cat;
    l->status = status;
    snprintf(l->msg, sizeof l->msg, "%s", msg ? msg : "");
    db_close(l->db);
}

static struct catalog *load(const char *url, int count_timeout_ms, int sizes)
{
    uv_loop_t loop;
    struct loaded l = { 0 };
    struct err e = { 0 };
    struct cat_opts o = { .count_rows = 1, .count_timeout_ms = count_timeout_ms,
                          .sizes = sizes };

    uv_loop_init(&loop);
    assert_int_equal(db_open(&loop, url, NULL, NULL, &l.db, &e), 0);
    assert_int_equal(cat_load(l.db, &o, on_cat, &l), 0);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
    if (l.status)
        print_message("%s\n", l.msg);
    assert_int_equal(l.status, 0);
    return l.cat;
}

/* Counts taken independently of cutover, straight from each engine. */
static long long sqlite_count(const char *path, const char *table)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    char *sql = sqlite3_mprintf("SELECT count(*) FROM \"%w\"", table);
    long long n;

    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    sqlite3_free(sql);
    return n;
}

static PGresult *pg_exec(const char *conninfo, const char *sql)
{
    PGconn *c = PQconnectdb(conninfo);
    PGresult *r;

    assert_int_equal(PQstatus(c), CONNECTION_OK);
    r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK && PQresultStatus(r) != PGRES_COMMAND_OK)
        print_message("%s\n", PQerrorMessage(c));
    assert_true(PQresultStatus(r) == PGRES_TUPLES_OK || PQresultStatus(r) == PGRES_COMMAND_OK);
    PQfinish(c);
    return r;
}

static long long pg_count(const char *table)
{
    char sql[200];
    PGresult *r;
    long long n;

    snprintf(sql, sizeof sql, "SELECT count(*) FROM \"%s\"", table);
    r = pg_exec("dbname=chinook", sql);
    n = atoll(PQgetvalue(r, 0, 0));
    PQclear(r);
    return n;
}

static const char *const chinook_pairs[11][2] = {
    { "Album", "album" }, { "Artist", "artist" }, { "Customer", "customer" },
    { "Employee", "employee" }, { "Genre", "genre" }, { "Invoice", "invoice" },
    { "InvoiceLine", "invoice_line" }, { "MediaType", "media_type" },
    { "Playlist", "playlist" }, { "PlaylistTrack", "playlist_track" }, { "Track", "track" },
};

static void test_chinook_inventory(void **state)
{
    char url[600];
    const char *path = chinook_sqlite();
    struct catalog *src, *tgt;
    struct pairing pp;
    struct inventory inv;
    struct err e = { 0 };
    json_t *doc;

    (void)state;
    chinook_pg();
    snprintf(url, sizeof url, "sqlite:%s", path);
    src = load(url, 0, 1);
    tgt = load("dbname=chinook", 0, 0);  /* PostgreSQL: sized either way */
    assert_int_equal(src->ntables, 11);
    assert_int_equal(tgt->ntables, 11);
    assert_int_equal(pair_tables(NULL, src, tgt, url, "dbname=chinook", &pp, &e), 0);
    assert_int_equal(pp.n, 11);
    for (size_t i = 0; i < 11; i++) {
        const struct pair *p = &pp.pairs[i];
        assert_non_null(p->src);
        assert_non_null(p->tgt);
        assert_string_equal(p->src->name, chinook_pairs[i][0]);
        assert_string_equal(p->tgt->name, chinook_pairs[i][1]);
        assert_int_equal(p->how, strcmp(p->src->name, p->tgt->name) ? PAIR_NORMALIZED
                                                                     : PAIR_EXACT);
        assert_int_equal(p->src->count, COUNT_EXACT);
        assert_int_equal(p->tgt->count, COUNT_EXACT);
        assert_int_equal(p->src->rows, sqlite_count(path, p->src->name));
        assert_int_equal(p->tgt->rows, pg_count(p->tgt->name));
        assert_true(p->src->size_bytes > 0);
        assert_true(p->tgt->size_bytes > 0);
    }
    /* the composite key of the playlist-track table, on both sides */
    assert_int_equal(pp.pairs[9].nkey, 2);
    assert_string_equal(pp.pairs[9].key[0], "PlaylistId");
    assert_string_equal(pp.pairs[9].key[1], "TrackId");
    assert_int_equal(pp.pairs[9].tgt->pk.n, 2);
    assert_string_equal(pp.pairs[9].tgt->pk.names[0], "playlist_id");
    assert_string_equal(pp.pairs[9].tgt->pk.names[1], "track_id");
    assert_int_equal(pp.pairs[10].nkey, 1);
    assert_string_equal(pp.pairs[10].key[0], "TrackId");
    /* columns, types and foreign keys of Track on both sides */
    {
        const struct cat_table *s = cat_find(src, "Track"), *t = cat_find(tgt, "track");
        const struct cat_column *sc = cat_column(s, "UnitPrice"), *tc = cat_column(t, "unit_price");
        assert_int_equal(s->ncols, 9);
        assert_int_equal(t->ncols, 9);
        assert_string_equal(sc->type, "NUMERIC(10,2)");
        assert_string_equal(tc->type, "numeric(10,2)");
        assert_int_equal(sc->tclass, TC_NUMERIC);
        assert_int_equal(tc->tclass, TC_NUMERIC);
        assert_int_equal(tc->notnull, 1);
        assert_int_equal(cat_column(t, "composer")->notnull, 0);
        assert_string_equal(cat_column(t, "name")->type, "character varying(200)");
        assert_int_equal(s->nfks, 3);
        assert_int_equal(t->nfks, 3);
        for (size_t f = 0; f < s->nfks; f++)
            if (strcmp(s->fks[f].ref_table, "Album") == 0) {
                assert_string_equal(s->fks[f].cols.names[0], "AlbumId");
                assert_string_equal(s->fks[f].ref_cols.names[0], "AlbumId");
            }
        assert_true(t->nindexes >= 1);
    }
    inv_build(&pp, &inv);
    assert_int_equal(inv.n, 11);
    for (size_t i = 0; i < inv.n; i++)
        assert_int_equal(inv.rows[i].flags, 1u << INV_BIT_UNDECIDED);
    doc = inv_to_json(&inv, &(struct plan){ .name = "Chinook", .source = { .label = "Pilot" },
                                            .target = { .label = "Production" } },
                      url, "dbname=chinook");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(doc, "totals"),
                                                        "source_rows")), 15607);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(doc, "totals"),
                                                        "target_rows")), 15607);
    json_decref(doc);
    inv_free(&inv);
    pair_free(&pp);
    cat_free(src);
    cat_free(tgt);
}

/* What Chinook lacks: another schema, a view, a table without a key, a
 * count that falls back to the planner's estimate, WITHOUT ROWID. */
static void test_schemas_views_and_estimates(void **state)
{
    struct catalog *c;
    const struct cat_table *t;
    char *dir, path[512], url[600];
    sqlite3 *db;

    (void)state;
    chinook_pg();
    PQclear(pg_exec("dbname=postgres", "CREATE DATABASE extras"));
    PQclear(pg_exec("dbname=extras",
        "CREATE SCHEMA sales;"
        "CREATE TABLE sales.orders (region text, no int, total numeric(12,2) NOT NULL DEFAULT 0,"
        " PRIMARY KEY (region, no), CONSTRAINT orders_total UNIQUE (total, no));"
        "CREATE TABLE public.log (at timestamptz, line text);"
        "CREATE VIEW public.big_orders AS SELECT * FROM sales.orders WHERE total > 100;"
        "CREATE TABLE public.big AS SELECT g AS id FROM generate_series(1, 2000000) g;"
        "ANALYZE"));
    c = load("dbname=extras", 1, 1);
    assert_int_equal(c->ntables, 4);
    t = cat_find(c, "sales.orders");
    assert_non_null(t);
    assert_string_equal(t->schema, "sales");
    assert_int_equal(t->pk.n, 2);
    assert_string_equal(t->pk.names[0], "region");
    assert_int_equal(t->nuniques, 1);
    assert_string_equal(t->uniques[0].name, "orders_total");
    assert_int_equal(t->uniques[0].n, 2);
    assert_string_equal(cat_column(t, "total")->dflt, "0");
    assert_int_equal(cat_column(t, "region")->notnull, 1);
    t = cat_find(c, "log");
    assert_int_equal(t->pk.n, 0);
    assert_int_equal(cat_column(t, "at")->tclass, TC_TIMESTAMPTZ);
    t = cat_find(c, "big_orders");
    assert_int_equal(t->is_view, 1);
    assert_int_equal(t->count, COUNT_UNKNOWN);  /* views are not counted */
    /* 2M rows cannot be counted in 1 ms: the estimate is taken, and labelled */
    t = cat_find(c, "big");
    assert_int_equal(t->count, COUNT_ESTIMATE);
    assert_int_equal(t->rows, 2000000);
    assert_string_equal(t->count_error, "count timed out");
    cat_free(c);

    dir = tmpdir_new();
    snprintf(path, sizeof path, "%s/x.db", dir);
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
        "CREATE TABLE kv (k TEXT, v TEXT NOT NULL, PRIMARY KEY (k)) WITHOUT ROWID;"
        "CREATE TABLE child (id INTEGER PRIMARY KEY, k TEXT REFERENCES kv, UNIQUE (k, id));"
        "CREATE VIEW kv_view AS SELECT k FROM kv;"
        "INSERT INTO kv VALUES ('a', '1'), ('b', '2');", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    snprintf(url, sizeof url, "sqlite:%s", path);
    c = load(url, 0, 0);  /* not sized: no dbstat pass over the file (cutover diff) */
    for (size_t i = 0; i < c->ntables; i++)
        assert_int_equal(c->tables[i].size_bytes, -1);
    assert_int_equal(cat_find(c, "kv")->rows, 2);
    cat_free(c);
    c = load(url, 0, 1);
    assert_int_equal(c->ntables, 3);
    /* 4 KiB pages: kv's b-tree, then child's and its UNIQUE index's */
    assert_int_equal(cat_find(c, "kv")->size_bytes, 4096);
    assert_int_equal(cat_find(c, "child")->size_bytes, 8192);
    assert_int_equal(cat_find(c, "kv_view")->size_bytes, -1);
    t = cat_find(c, "kv");
    assert_int_equal(t->without_rowid, 1);
    assert_int_equal(t->rows, 2);
    assert_int_equal(t->pk.n, 1);
    assert_int_equal(cat_column(t, "k")->notnull, 1);  /* WITHOUT ROWID keys are NOT NULL */
    t = cat_find(c, "child");
    assert_int_equal(t->nfks, 1);
    assert_string_equal(t->fks[0].ref_cols.names[0], "k");  /* resolved to kv's key */
    assert_int_equal(t->nuniques, 1);
    assert_int_equal(t->uniques[0].n, 2);
    assert_int_equal(cat_find(c, "kv_view")->is_view, 1);
    cat_free(c);
    tmpdir_free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chinook_inventory),
        cmocka_unit_test(test_schemas_views_and_estimates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
