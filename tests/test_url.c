/* URLs: parsing of every form of the design and password masking. */
#include "config.h"
#include "testutil.h"

#include "url.h"

static void expect_mask(const char *in, const char *masked, const char *stripped)
{
    char *m = url_mask(in), *s = url_strip_password(in);

    assert_string_equal(m, masked);
    assert_string_equal(s, stripped);
    free(m);
    free(s);
}

static void test_mask(void **state)
{
    (void)state;
    expect_mask("postgresql://app:s3cret@db1:5432/pilot?sslmode=require",
                "postgresql://app:***@db1:5432/pilot?sslmode=require",
                "postgresql://app@db1:5432/pilot?sslmode=require");
    expect_mask("postgres://u:p%40ss@h/d?password=x&application_name=a",
                "postgres://u:***@h/d?password=***&application_name=a",
                "postgres://u@h/d?application_name=a");
    expect_mask("postgresql://app@db1/pilot", "postgresql://app@db1/pilot",
                "postgresql://app@db1/pilot");
    expect_mask("postgresql:///prod", "postgresql:///prod", "postgresql:///prod");
    /* an '@' inside the password: the last '@' ends the user info */
    expect_mask("postgresql://app:a@b@db1/x", "postgresql://app:***@db1/x",
                "postgresql://app@db1/x");
    expect_mask("host=db1 password='se cr\\'et' dbname=prod", "host=db1 password=*** dbname=prod",
                "host=db1 dbname=prod");
    expect_mask("host=db1 password = hunter2", "host=db1 password=***", "host=db1");
    expect_mask("sqlite:pilot.db", "sqlite:pilot.db", "sqlite:pilot.db");
    /* a key misspelt, or named otherwise, is still a password */
    expect_mask("host=db1 passwor=s3cret dbname=p", "host=db1 passwor=*** dbname=p",
                "host=db1 dbname=p");
    expect_mask("postgresql://h/d?passwd=s3cret&pwd=x", "postgresql://h/d?passwd=***&pwd=***",
                "postgresql://h/d");
}

static void expect_secrets(const char *url, const char *msg, const char *masked)
{
    char *m = url_mask_secrets(url, msg);

    assert_string_equal(m, masked);
    free(m);
}

/* libpq's messages quote what it was given: its passwords never get through. */
static void test_mask_secrets(void **state)
{
    (void)state;
    expect_secrets("postgresql://app:pw55@[::1/db",
                   "missing \"]\" in IPv6 host address in URI: \"postgresql://app:pw55@[::1/db\"",
                   "missing \"]\" in IPv6 host address in URI: \"postgresql://app:***@[::1/db\"");
    expect_secrets("host=db1 passwor=s3cret dbname=p", "invalid connection option \"passwor\"",
                   "invalid connection option \"passwor\"");
    expect_secrets("host=db1 passwor='s3 cret' x=1", "echo: s3 cret, again s3 cret",
                   "echo: ***, again ***");
    expect_secrets("postgresql://u@h/d?password=hunter2&sslmode=x",
                   "invalid sslmode value: \"x\" (password hunter2)",
                   "invalid sslmode value: \"x\" (password ***)");
    /* a URI with blanks in its user info (found by fuzz_url): still its password */
    expect_secrets("postgres://h x:pw55pw55@[::1 y///", "bad URI: \"postgres://h x:pw55pw55@[::1\"",
                   "bad URI: \"postgres://h x:***@[::1\"");
    expect_secrets("dbname=prod", "FATAL: database \"prod\" does not exist",
                   "FATAL: database \"prod\" does not exist");
}

static void expect_text(const char *in, const char *masked)
{
    char *m = url_mask_text(in);

    assert_string_equal(m, masked);
    free(m);
}

/* Free text: a runbook step's command and its output. */
static void test_mask_text(void **state)
{
    (void)state;
    expect_text("pg_dump postgresql://app:s3cret@db1/pilot | psql 'postgres://u:a@b@h/prod?sslmode=require'",
                "pg_dump postgresql://app:***@db1/pilot | psql 'postgres://u:***@h/prod?sslmode=require'");
    expect_text("PGPASSWORD=hunter2 psql -h db1 -c 'select 1'; echo done",
                "PGPASSWORD=*** psql -h db1 -c 'select 1'; echo done");
    expect_text("psql \"host=db1 password='se cr\\'et' dbname=prod\"",
                "psql \"host=db1 password=*** dbname=prod\"");
    expect_text("load --db-password = x1&y --Password=\"a b\" DB_PASSWORD=z;",
                "load --db-password = ***&y --Password=*** DB_PASSWORD=***;");
    expect_text("psql postgresql://app@db1/x?password=pw&sslmode=require",
                "psql postgresql://app@db1/x?password=***&sslmode=require");
    /* nothing to mask: prose, a URI without a password, an empty value */
    expect_text("reset the password by hand; see https://wiki/x:y and a@b:c",
                "reset the password by hand; see https://wiki/x:y and a@b:c");
    expect_text("password=; ://", "password=; ://");
    expect_text("", "");
}

static void test_parse(void **state)
{
    struct url u;
    struct err e = { 0 };

    (void)state;
    assert_int_equal(url_parse("sqlite:pilot.db", "/srv/plan", &u, &e), 0);
    assert_int_equal(u.kind, URL_SQLITE);
    assert_string_equal(u.path, "/srv/plan/pilot.db");
    url_free(&u);
    assert_int_equal(url_parse("sqlite:pilot.db", ".", &u, &e), 0);
    assert_string_equal(u.path, "pilot.db");
    url_free(&u);
    assert_int_equal(url_parse("sqlite:///var/lib/pilot.db", "/srv", &u, &e), 0);
    assert_string_equal(u.path, "/var/lib/pilot.db");
    url_free(&u);
    assert_int_equal(url_parse("sqlite::memory:", "/srv", &u, &e), 0);
    assert_string_equal(u.path, ":memory:");
    url_free(&u);
    assert_int_equal(url_parse("postgresql://app:pw@db1/pilot", NULL, &u, &e), 0);
    assert_int_equal(u.kind, URL_PG);
    assert_string_equal(u.conninfo, "postgresql://app:pw@db1/pilot");
    assert_string_equal(u.masked, "postgresql://app:***@db1/pilot");
    url_free(&u);
    assert_int_equal(url_parse("postgres://db1/pilot", NULL, &u, &e), 0);
    assert_int_equal(u.kind, URL_PG);
    url_free(&u);
    assert_int_equal(url_parse("host=db1 dbname=prod", NULL, &u, &e), 0);
    assert_int_equal(u.kind, URL_PG);
    url_free(&u);
    assert_int_equal(url_parse("mysql://db1/x", NULL, &u, &e), -1);
    assert_int_equal(e.kind, ERR_INPUT);
    assert_string_equal(e.msg, "'mysql://db1/x': unknown database URL (use sqlite:FILE, "
                               "postgresql://… or a libpq 'key=value' string)");
    assert_int_equal(url_parse("sqlite:", NULL, &u, &e), -1);
    assert_string_equal(e.msg, "'sqlite:': no file after 'sqlite:'");
    assert_int_equal(url_parse("", NULL, &u, &e), -1);
    assert_string_equal(e.msg, "empty database URL");
    /* values libpq checks only when it connects: one of its list, or a bad URL */
    assert_int_equal(url_parse("dbname=x sslmode=verify-full target_session_attrs=any", NULL,
                               &u, &e), 0);
    url_free(&u);
    assert_int_equal(url_parse("dbname=x sslmode=verify", NULL, &u, &e), -1);
    assert_string_equal(e.msg, "sslmode 'verify' is not one of: disable allow prefer require "
                               "verify-ca verify-full");
    assert_int_equal(url_parse("postgresql://h/d?sslmode=", NULL, &u, &e), -1);  /* empty */
    assert_string_equal(e.msg, "sslmode '' is not one of: disable allow prefer require "
                               "verify-ca verify-full");
    assert_int_equal(url_parse("postgresql://h/d?channel_binding=require", NULL, &u, &e), 0);
    url_free(&u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mask),
        cmocka_unit_test(test_mask_text),
        cmocka_unit_test(test_mask_secrets),
        cmocka_unit_test(test_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
