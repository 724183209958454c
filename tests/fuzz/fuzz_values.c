/* Durations, timestamps, times, dates, numbers and booleans as the plan, the
 * sheet and the canonical values read them; the rules; user SQL's lexing. */
#include "config.h"
#include "fuzz.h"
#include "canon.h"
#include "rule.h"
#include "sqltext.h"
#include "util.h"
#include "value.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_string(data, size), err[300];
    int64_t v;
    int a, b;
    struct rules r;

    (void)dur_parse_ms(s);
    (void)val_int(s, &v);
    (void)val_decimal(s, &a, &b);
    (void)val_bool(s);
    (void)val_date(s);
    (void)val_timestamp(s, &a);
    (void)val_time(s, &a);
    (void)canon_timestamp_us(s, &v);
    if (rules_parse(s, &r, err, sizeof err) == 0) {
        struct rule_checks c;
        rule_checks_of(&r, &c);
        rule_checks_free(&c);
        rules_free(&r);
    } else if (!*err) {
        abort();  /* a refusal says why */
    }
    (void)sqltext_one(s);
    (void)sqltext_is_query(s);
    (void)sqltext_expression(s);
    (void)utf8_check(s, size);
    free(s);
    return 0;
}
