/* Keys: where a panel's keys, the table's or the detail view's, and the
 * dashboard's own meet, each key means one thing. A key taken twice would
 * be dispatched to whichever handler is asked first and the other would be
 * unreachable (as `n`, the note editor, once hid "next match"). Also: every
 * key the help shows has a text, and every key in the footer has a label. */
#include "config.h"
#include "testutil.h"

#include "keys.h"
#include "panel.h"

static char clash[512];  /* the first key found taken twice, in words */

/* Adds the keys of `set` to seen[] (n so far); a key already there is
 * written to clash[], naming both. */
static size_t add(const struct tui_key *set, const char *set_name, const char *panel,
                  const struct tui_key **seen, const char **seen_in, size_t n)
{
    for (const struct tui_key *k = set; k->action; k++) {
        int codes[2] = { k->key, k->key2 };
        for (int c = 0; c < 2; c++) {
            if (!codes[c])
                continue;
            for (size_t i = 0; i < n; i++)
                if (!clash[0] && (seen[i]->key == codes[c] || seen[i]->key2 == codes[c]))
                    snprintf(clash, sizeof clash, "%s panel: key %d is both \"%s\" (%s) and "
                             "\"%s\" (%s)", panel, codes[c], seen[i]->help ? seen[i]->help : "?",
                             seen_in[i], k->help ? k->help : "?", set_name);
        }
        seen[n] = k;
        seen_in[n++] = set_name;
    }
    return n;
}

static size_t count(const struct tui_key *set)
{
    size_t n = 0;

    while (set[n].action)
        n++;
    return n;
}

static void test_unique_where_they_meet(void **state)
{
    (void)state;
    for (int p = 0; p < PANEL_COUNT; p++) {
        const struct panel_ops *ops = panel_registry[p];
        const struct tui_key *seen[256];
        const char *in[256];
        size_t n;

        assert_true(count(ops->keys) + count(tui_table_keys) + count(tui_global_keys) < 256);
        /* its list: the panel's keys, the table's, the dashboard's */
        n = add(ops->keys, "panel", ops->name, seen, in, 0);
        if (ops->table)
            n = add(tui_table_keys, "table", ops->name, seen, in, n);
        add(tui_global_keys, "global", ops->name, seen, in, n);
        /* its detail view: the panel's keys, the view's, the dashboard's */
        n = add(ops->keys, "panel", ops->name, seen, in, 0);
        n = add(tui_view_keys, "view", ops->name, seen, in, n);
        add(tui_global_keys, "global", ops->name, seen, in, n);
    }
    if (clash[0])
        fail_msg("%s", clash);
}

/* The checker itself: a key taken twice fails. */
static void test_a_key_taken_twice_fails(void **state)
{
    static const struct tui_key twice[] = {
        { 'n', 0, "n", NULL, "note", 1 },
        { 0 },
    };
    const struct tui_key *seen[64];
    const char *in[64];
    size_t n = add(twice, "panel", "test", seen, in, 0);

    (void)state;
    clash[0] = '\0';
    add(tui_global_keys, "global", "test", seen, in, n);
    assert_string_equal(clash, "test panel: key 110 is both \"note\" (panel) and "
                               "\"next / previous match of the search\" (global)");
    clash[0] = '\0';
}

static void test_help_and_footer(void **state)
{
    const struct tui_key *sets[3] = { tui_table_keys, tui_view_keys, tui_global_keys };

    (void)state;
    for (int p = 0; p < PANEL_COUNT + 3; p++) {
        const struct tui_key *set = p < PANEL_COUNT ? panel_registry[p]->keys : sets[p - PANEL_COUNT];
        for (const struct tui_key *k = set; k->action; k++) {
            if (k->label)
                assert_non_null(k->help);
            if (k->word)
                assert_non_null(k->label);
            assert_true(k->key != 0);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unique_where_they_meet),
        cmocka_unit_test(test_a_key_taken_twice_fails),
        cmocka_unit_test(test_help_and_footer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
