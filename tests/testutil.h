/* Helpers shared by the cmocka tests: fixtures from the harness's environment. */
#ifndef CUTOVER_TESTUTIL_H
#define CUTOVER_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sqlite3.h>

/* The Chinook SQLite file (tests/data/chinook, set by tests/harness.sh): a
 * test that cannot run fails, it never skips. */
static inline const char *chinook_sqlite(void)
{
    const char *p = getenv("CUTOVER_CHINOOK_SQLITE");

    if (!p)
        fail_msg("CUTOVER_CHINOOK_SQLITE is not set: run the test through tests/harness.sh");
    return p;
}

/* The throwaway server's chinook database, as a URL and as conninfo. */
static inline const char *chinook_pg(void)
{
    if (!getenv("PGHOST") || !getenv("CUTOVER_CHINOOK_PGSQL")) {
        print_message("skipped: no PostgreSQL from tests/harness.sh or no Chinook\n");
        skip();
    }
    return "dbname=chinook";
}

static inline char *tmpdir_new(void)
{
    char tmpl[] = "/tmp/cutover-test.XXXXXX";
    char *d = mkdtemp(tmpl);

    assert_non_null(d);
    return strdup(d);
}

static inline void tmpdir_free(char *d)
{
    char cmd[512];

    snprintf(cmd, sizeof cmd, "rm -rf '%s'", d);
    assert_int_equal(system(cmd), 0);
    free(d);
}

/* Writes `text` to the file dir/name. */
static inline void dir_write_file(const char *dir, const char *name, const char *text)
{
    char path[600];
    FILE *f;

    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

/* Runs `sql` on the SQLite file dir/name (created if need be), as a writer
 * of the test's own: cutover only ever reads. */
static inline void dir_sql(const char *dir, const char *name, const char *sql)
{
    char path[600], *msg = NULL;
    sqlite3 *db;

    snprintf(path, sizeof path, "%s/%s", dir, name);
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("%s: %s", name, msg);
    sqlite3_close(db);
}

/* A temporary folder for a whole group: TMPDIR_GROUP(dir) defines `dir`
 * and dir_setup/dir_teardown for cmocka_run_group_tests. */
#define TMPDIR_GROUP(var)                                                          \
    static char *var;                                                              \
    static int var##_setup(void **state) { (void)state; var = tmpdir_new(); return 0; } \
    static int var##_teardown(void **state) { (void)state; tmpdir_free(var); return 0; }

#endif
