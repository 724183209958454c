/* The mapping sheet: byte-identical round trips of nasty CSV, edits that
 * touch only their rows, errors with file, line and column; the rule parser. */
#include "config.h"
#include "testutil.h"

#include "mapping.h"
#include "rule.h"
#include "sheet.h"

TMPDIR_GROUP(dir)

static char *write_file(const char *name, const char *text, size_t len)
{
    char *path;
    FILE *f;

    assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
    f = fopen(path, "wb");
    fwrite(text, 1, len, f);
    fclose(f);
    return path;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = calloc(1, 1 << 16);

    *len = fread(buf, 1, (1 << 16) - 1, f);
    fclose(f);
    return buf;
}

/* BOM, CRLF, columns in another order, an unknown column, quotes that are not
 * needed, embedded commas, quotes, LF and CRLF inside fields, UTF-8, an empty
 * line, and no line end at the very end. */
static const char nasty[] =
    "\xEF\xBB\xBFtarget,source,ticket,transform,status,note\r\n"
    "app_users.email,users.email,JIRA-1,\"lower(trim(email))\",approved,\"plain, with comma\"\r\n"
    "app_users.name,users.full_name,,\"CASE WHEN a = 'x' THEN \"\"q\"\" END\",draft,"
    "\"two\nlines and \r\n crlf\"\r\n"
    "\r\n"
    ",users.deleted_at,\"\",,rejected,Zoë says “no”; ünïcode\r\n"
    "app_users.state,users.status,JIRA-2,,draft,\"\"";

static void test_round_trip_is_byte_identical(void **state)
{
    char *path = write_file("nasty.csv", nasty, sizeof nasty - 1), *back;
    struct sheet s;
    struct err e = { 0 };
    size_t len;

    (void)state;
    assert_int_equal(sheet_load(path, &s, &e), 0);
    assert_int_equal(s.ncols, 6);
    assert_int_equal(s.n, 5);  /* four rows and the blank line */
    assert_string_equal(sheet_get(&s, 0, SC_SOURCE), "users.email");
    assert_string_equal(sheet_get(&s, 0, SC_TRANSFORM), "lower(trim(email))");
    assert_string_equal(sheet_get(&s, 0, SC_NOTE), "plain, with comma");
    assert_string_equal(sheet_get(&s, 1, SC_TRANSFORM), "CASE WHEN a = 'x' THEN \"q\" END");
    assert_string_equal(sheet_get(&s, 1, SC_NOTE), "two\nlines and \r\n crlf");
    assert_null(s.rows[2].f);
    assert_string_equal(sheet_get(&s, 3, SC_TARGET), "");
    assert_string_equal(sheet_get(&s, 3, SC_NOTE), "Zoë says “no”; ünïcode");
    assert_string_equal(sheet_get(&s, 3, SC_OWNER), "");  /* no such column */
    assert_int_equal(s.rows[3].line, 7);
    assert_int_equal(s.rows[4].line, 8);  /* row 1 spans lines 3 to 5 */
    assert_int_equal(sheet_find(&s, "users.status", "app_users.state"), 4);
    assert_int_equal(sheet_save(&s, &e), 0);
    sheet_free(&s);
    back = slurp(path, &len);
    assert_int_equal(len, sizeof nasty - 1);
    assert_memory_equal(back, nasty, len);
    free(back);
    free(path);
}

static void test_edits_touch_only_their_rows(void **state)
{
    char *path = write_file("edit.csv", nasty, sizeof nasty - 1), *back;
    struct sheet s;
    struct err e = { 0 };
    size_t len, row;

    (void)state;
    assert_int_equal(sheet_load(path, &s, &e), 0);
    sheet_set(&s, 4, SC_STATUS, "approved");
    sheet_set(&s, 4, SC_NOTE, "ok, \"checked\"");
    assert_int_equal(sheet_save(&s, &e), 0);
    sheet_free(&s);
    back = slurp(path, &len);
    {
        const char *want_tail = "app_users.state,users.status,JIRA-2,,approved,"
                                "\"ok, \"\"checked\"\"\"\r\n";
        size_t keep = strlen(nasty) - strlen("app_users.state,users.status,JIRA-2,,draft,\"\"");
        assert_memory_equal(back, nasty, keep);  /* every other byte as it was */
        assert_string_equal(back + keep, want_tail);
    }
    free(back);
    /* a column the sheet lacks is added; a new row goes at the end */
    assert_int_equal(sheet_load(path, &s, &e), 0);
    row = sheet_add(&s);
    sheet_set(&s, row, SC_SOURCE, "users.id");
    sheet_set(&s, row, SC_TARGET, "app_users.user_id");
    sheet_set(&s, row, SC_OWNER, "alice");
    assert_int_equal(s.col[SC_OWNER], 6);
    assert_int_equal(sheet_save(&s, &e), 0);
    sheet_free(&s);
    assert_int_equal(sheet_load(path, &s, &e), 0);
    assert_string_equal(s.header[6], "owner");
    assert_string_equal(sheet_get(&s, 5, SC_OWNER), "alice");
    assert_string_equal(sheet_get(&s, 0, SC_OWNER), "");
    assert_string_equal(sheet_get(&s, 1, SC_NOTE), "two\nlines and \r\n crlf");
    /* blanks and tabs at a field's ends survive a row written anew (found by
     * fuzz_sheet: unquoted, libcsv trimmed the tabs) */
    sheet_set(&s, 1, SC_NOTE, "\tindented\t");
    sheet_set(&s, 1, SC_TRANSFORM, " trim(x) ");
    assert_int_equal(sheet_save(&s, &e), 0);
    sheet_free(&s);
    assert_int_equal(sheet_load(path, &s, &e), 0);
    assert_string_equal(sheet_get(&s, 1, SC_NOTE), "\tindented\t");
    assert_string_equal(sheet_get(&s, 1, SC_TRANSFORM), " trim(x) ");
    sheet_free(&s);
    free(path);
}

static const struct { const char *text, *msg; } bad[] = {
    { "source,target\na.b,c.d\n\"open,x\n", "3: a quoted field is not closed before the end of "
      "the file" },
    { "source,target,note\na.b,c.d\n", "2: 2 fields, but the header has 3" },
    { "source,target,note\na.b,c.d,x\"y\n", "2: column note: a quote inside a field that is "
      "not quoted, or text after a quoted field's closing quote: quote the whole field and "
      "double each quote inside it (\"x\"\"y\")" },
    { "source,target,note\na.b,\"c.d\"x,y\n", "2: column target: a quote inside a field that is "
      "not quoted, or text after a quoted field's closing quote: quote the whole field and "
      "double each quote inside it (\"x\"\"y\")" },
    { "src,tgt\na,b\n", "1: the header row must name the columns source and target (it has: "
      "src…)" },
    { "source;target;note\na.b;c.d;x\n", "1: the header row must name the columns source and "
      "target (it has: source;target;note…); its fields are separated by ';' (a spreadsheet's "
      "export in some locales): save it as comma-separated" },
    { "", "1: the sheet is empty: it needs a header row "
      "(source,target,transform,owner,rule,status,reviewer,reviewed_at,note)" },
    { "source,target,note,source\na.b,c.d,,x.y\n", "1: column 'source' appears twice in the "
      "header" },
    { "source,target\na.b,caf\xe9\n", "2: not UTF-8: byte 0xe9 at column 8 (save the sheet as "
      "UTF-8)" },
    { "\xef\xbb\xbfsource,target\r\na.b,c.d\r\n\"x\ny\",\xc0\xaf\r\n",
      "4: not UTF-8: byte 0xc0 at column 4 (save the sheet as UTF-8)" },
};

static void test_errors(void **state)
{
    char want[600];

    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char *path = write_file("bad.csv", bad[i].text, strlen(bad[i].text));
        struct sheet s;
        struct err e = { 0 };
        assert_int_equal(sheet_load(path, &s, &e), -1);
        assert_int_equal(e.kind, ERR_INPUT);
        snprintf(want, sizeof want, "%s:%s", path, bad[i].msg);
        assert_string_equal(e.msg, want);
        free(path);
    }
    {   /* a NUL byte: said, never a row cut short (and merged with the next on saving) */
        static const char nul[] = "source,target\na.b,c\0d\nx.y,z.w\n";
        char *path = write_file("bad.csv", nul, sizeof nul - 1);
        struct sheet s;
        struct err e = { 0 };
        assert_int_equal(sheet_load(path, &s, &e), -1);
        snprintf(want, sizeof want, "%s:2: a NUL byte at column 6: remove it", path);
        assert_string_equal(e.msg, want);
        free(path);
    }
}

static void test_rules(void **state)
{
    struct rules r;
    char err[300];

    (void)state;
    assert_int_equal(rules_parse("", &r, err, sizeof err), 0);
    assert_int_equal(r.n, 1);
    assert_int_equal(r.v[0].kind, R_EQUAL);
    rules_free(&r);
    assert_int_equal(rules_parse("trim; ci;tolerance:0.01;round:2;ts:ms;not_null;unique;"
                                 "regex:^[^@;]+@[^@]+$", &r, err, sizeof err), 0);
    assert_int_equal(r.n, 8);
    assert_int_equal(r.v[0].kind, R_TRIM);
    assert_int_equal(r.v[1].kind, R_CI);
    assert_true(r.v[2].num == 0.01);
    assert_true(r.v[3].num == 2);
    assert_true(r.v[4].num == 1000);
    assert_int_equal(r.v[7].kind, R_REGEX);
    assert_string_equal(r.v[7].regex, "^[^@;]+@[^@]+$");
    rules_free(&r);
    assert_int_equal(rules_parse("equals", &r, err, sizeof err), -1);
    assert_string_equal(err, "unknown rule 'equals' (equal, ignore, ci, trim, tolerance:X, "
                             "round:N, ts:s, ts:ms, not_null, unique, null_rate:P%, regex:RE)");
    assert_int_equal(rules_parse("tolerance:abc", &r, err, sizeof err), -1);
    assert_string_equal(err, "tolerance 'abc': expected a finite number >= 0");
    /* a tolerance that would hide every difference */
    assert_int_equal(rules_parse("tolerance:nan", &r, err, sizeof err), -1);
    assert_string_equal(err, "tolerance 'nan': expected a finite number >= 0");
    assert_int_equal(rules_parse("tolerance:1e999", &r, err, sizeof err), -1);
    assert_string_equal(err, "tolerance '1e999': expected a finite number >= 0");
    assert_int_equal(rules_parse("tolerance:-inf", &r, err, sizeof err), -1);
    /* a space before regex's colon: still the expression (it once crashed) */
    assert_int_equal(rules_parse("trim; regex :^A", &r, err, sizeof err), 0);
    assert_int_equal(r.n, 2);
    assert_int_equal(r.v[1].kind, R_REGEX);
    assert_string_equal(r.v[1].regex, "^A");
    rules_free(&r);
    assert_int_equal(rules_parse("round", &r, err, sizeof err), -1);
    assert_string_equal(err, "rule 'round' needs a value ('tolerance:0.01', 'round:2', 'ts:s', "
                             "'regex:…')");
    assert_int_equal(rules_parse("ci:1", &r, err, sizeof err), -1);
    assert_string_equal(err, "rule 'ci' takes no value");
    assert_int_equal(rules_parse("ts:us", &r, err, sizeof err), -1);
    assert_string_equal(err, "ts 'us': expected ts:s or ts:ms");
    assert_int_equal(rules_parse("regex:([a-z", &r, err, sizeof err), -1);
    assert_non_null(strstr(err, "regex '([a-z': "));
}

/* Import merges by (source, target): new rows come in, draft rows take the
 * imported values, reviewed rows that differ are conflicts and stay. */
static void test_import_conflicts(void **state)
{
    static const char mine[] =
        "source,target,transform,status,reviewer,note\n"
        "u.email,au.email,lower(email),approved,alice,\n"
        "u.name,au.name,,draft,,\n"
        "u.status,au.state,,rejected,carol,legacy codes\n"
        "u.id,au.id,,approved,alice,\n";
    static const char theirs[] =
        "note,source,target,transform,status\n"
        ",u.email,au.email,upper(email),approved\n"      /* differs from approved: conflict */
        "from the sheet,u.name,au.name,trim(name),draft\n" /* draft: updated */
        "legacy codes,u.status,au.state,,approved\n"       /* differs from rejected: conflict */
        ",u.id,au.id,,approved\n"                          /* same: unchanged */
        ",u.created,au.created_at,,draft\n";               /* new: added */
    char *a = write_file("mine.csv", mine, sizeof mine - 1);
    char *b = write_file("theirs.csv", theirs, sizeof theirs - 1), want[700];
    struct sheet s, in;
    struct map_import_report r;
    struct err e = { 0 };

    (void)state;
    assert_int_equal(sheet_load(a, &s, &e), 0);
    assert_int_equal(sheet_load(b, &in, &e), 0);
    map_import(&s, &in, &r);
    assert_int_equal(r.added, 1);
    assert_int_equal(r.updated, 1);
    assert_int_equal(r.unchanged, 1);
    assert_int_equal(r.nconflicts, 2);
    snprintf(want, sizeof want, "%s:2: u.email -> au.email is approved in %s (line 2); the "
             "import differs and was not applied", b, a);
    assert_string_equal(r.conflicts[0], want);
    snprintf(want, sizeof want, "%s:4: u.status -> au.state is rejected in %s (line 4); the "
             "import differs and was not applied", b, a);
    assert_string_equal(r.conflicts[1], want);
    assert_string_equal(sheet_get(&s, 0, SC_TRANSFORM), "lower(email)");  /* kept */
    assert_string_equal(sheet_get(&s, 1, SC_TRANSFORM), "trim(name)");     /* updated */
    assert_string_equal(sheet_get(&s, 1, SC_NOTE), "from the sheet");
    assert_string_equal(sheet_get(&s, 2, SC_STATUS), "rejected");          /* kept */
    assert_string_equal(sheet_get(&s, 4, SC_SOURCE), "u.created");         /* added */
    assert_string_equal(sheet_get(&s, 4, SC_STATUS), "draft");
    assert_non_null(s.rows[0].raw);  /* untouched rows keep their bytes */
    assert_null(s.rows[1].raw);
    map_import_report_free(&r);
    sheet_free(&in);
    sheet_free(&s);
    free(a);
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_is_byte_identical),
        cmocka_unit_test(test_edits_touch_only_their_rows),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_rules),
        cmocka_unit_test(test_import_conflicts),
    };
    return cmocka_run_group_tests(tests, dir_setup, dir_teardown);
}
