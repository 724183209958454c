/* Themes: the shipped files parse with the values they state, every kind of
 * error names file:line, and the choice order --theme > $CUTOVER_THEME >
 * config.ini > default holds. */
#include "config.h"
#include "testutil.h"

#include <sys/stat.h>

#include "theme.h"

TMPDIR_GROUP(dir)

static char *write_theme(const char *name, const char *text)
{
    char *path;
    FILE *f;

    assert_true(asprintf(&path, "%s/%s.theme", dir, name) > 0);
    f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    return path;
}

static void test_shipped_themes(void **state)
{
    static const char *const names[] = { "default", "light", "high-contrast", "monochrome" };
    const char *themes = getenv("CUTOVER_THEMES");
    struct theme t;
    struct err e = { 0 };

    (void)state;
    assert_non_null(themes);
    for (size_t i = 0; i < 4; i++) {
        char *path = theme_find(names[i], NULL);
        assert_non_null(path);
        assert_int_equal(theme_load(path, &t, &e), 0);
        assert_string_equal(t.name, names[i]);
        free(path);
    }
    {
        char *path = theme_find("default", NULL);
        theme_load(path, &t, &e);
        free(path);
    }
    assert_int_equal(t.roles[ROLE_HEADER].fg, 7);
    assert_int_equal(t.roles[ROLE_HEADER].bg, 4);
    assert_int_equal(t.roles[ROLE_HEADER].attrs, ATTR_BOLD);
    assert_int_equal(t.roles[ROLE_FAIL].fg, 9);
    assert_int_equal(t.roles[ROLE_FOOTER].bg, 236);
    assert_int_equal(t.roles[ROLE_TEXT].fg, COLOR_DEFAULT);
    {
        char *path = theme_find("monochrome", NULL);
        theme_load(path, &t, &e);
        free(path);
    }
    for (int r = 0; r < THEME_NROLES; r++) {
        assert_int_equal(t.roles[r].fg, COLOR_DEFAULT);
        assert_int_equal(t.roles[r].bg, COLOR_DEFAULT);
    }
    assert_int_equal(t.roles[ROLE_SELECTION].attrs, ATTR_REVERSE);
}

static const struct { const char *text, *msg; } bad[] = {
    { "text = default default\nheadr = white blue\n",
      "2: unknown role 'headr' (see themes/default.theme for the roles)" },
    { "header = white blu\n",
      "1: 'blu' is not a colour (default, black … white, bright-NAME or 0-255) for role 'header'" },
    { "# c\nheader = 256 blue\n",
      "2: '256' is not a colour (default, black … white, bright-NAME or 0-255) for role 'header'" },
    { "header = white blue blink\n",
      "1: unknown attribute 'blink' for role 'header' (bold, dim, underline, reverse, italic)" },
    { "header = white\n", "1: role 'header' needs a foreground and a background colour" },
    { "ok = green default\nok = red default\n", "2: role 'ok' is set twice" },
    { "[colors]\nok = green default\n", "2: sections are not used in themes ([colors])" },
    { "ok green\n", "1: syntax error: expected 'role = foreground background [attributes]'" },
};

static void test_errors(void **state)
{
    struct theme t;
    struct err e = { 0 };
    char want[700];

    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char *path = write_theme("bad", bad[i].text);
        assert_int_equal(theme_load(path, &t, &e), -1);
        assert_int_equal(e.kind, ERR_INPUT);
        snprintf(want, sizeof want, "%s:%s", path, bad[i].msg);
        assert_string_equal(e.msg, want);
        free(path);
    }
    assert_int_equal(theme_load("/nonexistent/x.theme", &t, &e), -1);
    assert_string_equal(e.msg, "/nonexistent/x.theme: cannot read the theme: No such file or "
                               "directory");
}

static void test_choice_and_search(void **state)
{
    char buf[64], cfgdir[600], *path, *found;
    FILE *f;

    (void)state;
    setenv("XDG_CONFIG_HOME", dir, 1);
    unsetenv("CUTOVER_THEME");
    assert_string_equal(theme_choice(NULL, buf, sizeof buf), "default");
    snprintf(cfgdir, sizeof cfgdir, "%s/cutover", dir);
    mkdir(cfgdir, 0700);
    snprintf(cfgdir, sizeof cfgdir, "%s/cutover/config.ini", dir);
    f = fopen(cfgdir, "w");
    fputs("[ui]\ntheme = light\n", f);
    fclose(f);
    assert_string_equal(theme_choice(NULL, buf, sizeof buf), "light");
    setenv("CUTOVER_THEME", "monochrome", 1);
    assert_string_equal(theme_choice(NULL, buf, sizeof buf), "monochrome");
    assert_string_equal(theme_choice("high-contrast", buf, sizeof buf), "high-contrast");
    unsetenv("CUTOVER_THEME");
    /* a user's theme of the same name wins over the shipped one */
    snprintf(cfgdir, sizeof cfgdir, "%s/cutover/themes", dir);
    mkdir(cfgdir, 0700);
    assert_true(asprintf(&path, "%s/light.theme", cfgdir) > 0);
    f = fopen(path, "w");
    fputs("ok = green default\n", f);
    fclose(f);
    found = theme_find("light", "/nonexistent");
    assert_string_equal(found, path);
    free(found);
    free(path);
    assert_null(theme_find("no-such-theme", "/nonexistent"));
    unsetenv("XDG_CONFIG_HOME");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shipped_themes),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_choice_and_search),
    };
    return cmocka_run_group_tests(tests, dir_setup, dir_teardown);
}
