/* lint_data: the sheet's checks measured on the source's data, on a loop: NULLs
 * into NOT NULL columns, values too long or out of range, enum coverage, rule
 * violations, transforms that do not compile; background lint for the review. */
#include "config.h"
#include "lint.h"
#include "lint_int.h"
#include "canon.h"
#include "rule.h"
#include "util.h"
#include "value.h"

#include <ctype.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* --- data checks -------------------------------------------------------------- */

struct check {
    size_t row;                     /* the sheet row */
    const struct cat_column *sc, *tc;
    char *expr;                     /* the transform, or the quoted column */
    int has_transform, bad;
    /* what the target takes */
    long maxlen;
    int elements;                   /* maxlen is an array's elements' (varchar(3)[]) */
    struct canon_spec array;        /* an array target: how the diff reads it */
    int64_t lo, hi;
    int prec, scale, is_int;
    /* what the data showed */
    long nulls, too_long, range, unparsed, tz, precision, outside;
    long epoch_s, epoch_ms, julian;     /* of the unparsed times: what they look like */
    long time_dropped;                  /* timestamps into a date, not at midnight */
    char *time_example;
    size_t longest;
    char *long_example, *range_example, *tz_example, *prec_example;
    char *unparsed_ex[3];
    int nunparsed;
    char *outside_values[10];
    int noutside;
    struct rule_checks rules;       /* the sheet's validation rules, on the values as they go */
    long rule_nulls, rule_unmatched;
    char *unmatched_example;
};

struct job {
    const struct pair *pair;
    struct check *checks;
    size_t n;
};

struct lint_run {
    db_t *db;
    const struct sheet *s;
    const struct catalog *tgt;
    struct lint_report *r;
    struct job *jobs;
    size_t njobs, job, check;       /* where we are */
    int compiling;
    lint_done_cb done;
    void *arg;
};

static void target_limits(struct check *k, enum url_kind engine)
{
    const char *t = k->tc->type;
    char low[128];
    const char *paren;
    size_t i;

    for (i = 0; t[i] && i < sizeof low - 1; i++)
        low[i] = (char)tolower((unsigned char)t[i]);
    low[i] = '\0';
    paren = strchr(low, '(');
    if (strstr(low, "char") && paren)
        k->maxlen = strtol(paren + 1, NULL, 10);
    if ((k->elements = k->tc->tclass == TC_ARRAY)) {  /* varchar(10)[]: its elements' limit */
        canon_spec_for(&k->array, k->tc, NULL);
        return;
    }
    if (k->tc->tclass == TC_INT) {
        k->is_int = 1;
        k->lo = INT64_MIN, k->hi = INT64_MAX;  /* SQLite's integers are all 64-bit */
        if (engine == URL_PG && (strstr(low, "smallint") || strstr(low, "int2")))
            k->lo = INT16_MIN, k->hi = INT16_MAX;
        else if (engine == URL_PG && !strstr(low, "bigint") && !strstr(low, "int8") &&
                 !strstr(low, "bigserial"))
            k->lo = INT32_MIN, k->hi = INT32_MAX;
    }
    if (k->tc->tclass == TC_NUMERIC && paren) {
        k->prec = (int)strtol(paren + 1, NULL, 10);
        k->scale = strchr(paren, ',') ? (int)strtol(strchr(paren, ',') + 1, NULL, 10) : 0;
    }
}

static char *example(const char *v, size_t len)
{
    if (len > 40)
        return xasprintf("%.37s...", v);
    return xstrndup(v, len);
}

void lint__keep(char **slot, const char *v, size_t len)
{
    if (!*slot)
        *slot = example(v, len);
}

static void unparsed(struct check *k, const char *v, size_t len)
{
    if (k->nunparsed < 3)
        k->unparsed_ex[k->nunparsed++] = example(v, len);
    k->unparsed++;
}

/* Whether text is longer than the target's varchar(n), keeping the longest. */
static int too_long(struct check *k, const char *v, size_t len)
{
    size_t chars = val_chars(v, len);

    if (chars <= (size_t)k->maxlen)
        return 0;
    if (chars > k->longest) {
        k->longest = chars;
        free(k->long_example);
        k->long_example = example(v, len);
    }
    return 1;
}

/* Whether an element of an array's canonical form (a JSON array of strings,
 * nested) is longer than the elements' varchar(n). */
static int element_too_long(struct check *k, const json_t *a)
{
    size_t i;
    const json_t *v;
    int over = 0;

    json_array_foreach(a, i, v)
        over |= json_is_array(v) ? element_too_long(k, v)
              : json_is_string(v) && too_long(k, json_string_value(v), json_string_length(v));
    return over;
}

static void measure(struct check *k, const struct db_cell *c)
{
    const char *v = c->p;
    int ints, frac, offset;
    int64_t n;

    if (!v) {
        k->nulls += k->tc->notnull;
        k->rule_nulls += rule_checks_refuse(&k->rules, NULL) != NULL;
        return;
    }
    if (c->type == DB_BLOB)
        return;
    if (rule_checks_refuse(&k->rules, v)) {
        k->rule_unmatched++;
        lint__keep(&k->unmatched_example, v, c->len);
    }
    if (k->maxlen > 0 && !k->elements && too_long(k, v, c->len))
        k->too_long++;
    switch (k->tc->tclass) {
    case TC_INT:
        if (!val_int(v, &n)) {
            unparsed(k, v, c->len);
        } else if (n < k->lo || n > k->hi) {
            k->range++;
            lint__keep(&k->range_example, v, c->len);
        }
        break;
    case TC_NUMERIC:
    case TC_FLOAT:
        if (!val_decimal(v, &ints, &frac)) {
            unparsed(k, v, c->len);
        } else if (k->prec && ints > k->prec - k->scale) {
            k->range++;
            lint__keep(&k->range_example, v, c->len);
        } else if (k->prec && frac > k->scale) {  /* floats come in their shortest form */
            k->precision++;
            lint__keep(&k->prec_example, v, c->len);
        }
        break;
    case TC_BOOL:
        if (!val_bool(v))
            unparsed(k, v, c->len);
        break;
    case TC_DATE:
    case TC_TIMESTAMP:
    case TC_TIMESTAMPTZ:
        if (k->tc->tclass == TC_DATE && !val_date(v) && val_timestamp(v, &offset)) {
            /* a date takes a timestamp's date; it drops a time of day that is not 0 */
            const char *t = v + 11 + strspn(v + 11, "0:.");
            if (*t && !strchr("Z+-", *t)) {
                k->time_dropped++;
                lint__keep(&k->time_example, v, c->len);
            }
        } else if (!(k->tc->tclass == TC_DATE ? val_date(v) : val_timestamp(v, &offset))) {
            double d = strtod(v, NULL);
            unparsed(k, v, c->len);
            if (val_int(v, &n) && n >= 100000000 && n < 10000000000)
                k->epoch_s++;       /* 1973 to 2286 in seconds */
            else if (val_int(v, &n) && n >= 100000000000 && n < 10000000000000)
                k->epoch_ms++;      /* … in milliseconds */
            else if (val_decimal(v, &ints, &frac) && d >= 2000000 && d < 3000000)
                k->julian++;        /* SQLite's julianday(): 763 to 3501 */
        } else if (k->tc->tclass == TC_TIMESTAMP && offset) {
            k->tz++;
            lint__keep(&k->tz_example, v, c->len);
        }
        break;
    case TC_TIME:
        if (!val_time(v, &offset))
            unparsed(k, v, c->len);
        break;
    case TC_ARRAY: {  /* an array whose elements read as theirs, as the diff reads it */
        struct sbuf out = { 0 };
        int null;
        if (canon_value(&k->array, c, &out, &null) < 0) {
            unparsed(k, v, c->len);
        } else if (k->maxlen > 0) {
            const char *j = isdigit((unsigned char)out.s[1]) || out.s[1] == '-'
                          ? strchr(out.s, '=') + 1 : out.s;   /* past [0:1]= bounds */
            json_t *a = json_loads(j, 0, NULL);
            k->too_long += a && element_too_long(k, a);
            json_decref(a);
        }
        sbuf_free(&out);
        break;
    }
    default:
        break;
    }
    if (k->tc->allowed) {
        int in = 0;
        for (size_t a = 0; a < k->tc->nallowed && !in; a++)
            in = strlen(k->tc->allowed[a]) == c->len && memcmp(k->tc->allowed[a], v, c->len) == 0;
        if (!in) {
            int seen = 0;
            k->outside++;
            for (int d = 0; d < k->noutside && !seen; d++)
                seen = strlen(k->outside_values[d]) == c->len &&
                       memcmp(k->outside_values[d], v, c->len) == 0;
            if (!seen && k->noutside < 10)
                k->outside_values[k->noutside++] = xstrndup(v, c->len);
        }
    }
}

static const char *type_word(enum cat_class c)
{
    return c == TC_INT ? "an integer" : c == TC_BOOL ? "a boolean" : c == TC_DATE ? "a date"
         : c == TC_TIMESTAMP || c == TC_TIMESTAMPTZ ? "a timestamp"
         : c == TC_TIME ? "a time" : c == TC_ARRAY ? "an array of its type" : "a number";
}

void lint__examples(struct lint_finding *f, char **ex, int n)
{
    for (int i = 0; i < n && i < 3; i++)
        f->examples[f->nexamples++] = xstrdup(ex[i]);
}

/* The sheet may be reloaded while a lint runs: look rows up, do not keep them. */
static int row_line(const struct sheet *s, size_t row)
{
    return row < s->n ? s->rows[row].line : 0;
}

/* How to convert what a time column holds instead of ISO 8601 text: Unix
 * times and Julian days, when every value that does not read is one. */
static void time_hint(const struct lint_run *L, const struct check *k, struct lint_finding *f)
{
    int lite = db_kind(L->db) == URL_SQLITE, date = k->tc->tclass == TC_DATE;
    const char *e = k->expr, *as = "they look like", *fn = date ? "date" : "datetime";

    if (k->has_transform)
        lint__hint(f, "convert them in the transform, or filter them out");
    else if (k->epoch_s == k->unparsed && lite)
        lint__hint(f, "%s Unix times in seconds: transform with %s(%s, 'unixepoch')", as, fn, e);
    else if (k->epoch_s == k->unparsed)
        lint__hint(f, "%s Unix times in seconds: transform with to_timestamp(%s)%s", as, e,
             date ? "::date" : "");
    else if (k->epoch_ms == k->unparsed && lite && date)
        lint__hint(f,
            "%s Unix times in milliseconds: transform with date(%s / 1000, 'unixepoch')", as, e);
    else if (k->epoch_ms == k->unparsed && lite)
        lint__hint(f, "%s Unix times in milliseconds: transform with "
             "strftime('%%Y-%%m-%%d %%H:%%M:%%f', %s / 1000.0, 'unixepoch')", as, e);
    else if (k->epoch_ms == k->unparsed)
        lint__hint(f, "%s Unix times in milliseconds: transform with to_timestamp(%s / 1000.0)%s",
             as,
             e, date ? "::date" : "");
    else if (k->julian == k->unparsed && lite)
        lint__hint(f, "%s Julian day numbers: transform with %s(%s)", as, fn, e);
    else
        lint__hint(f, "convert them in the transform, or filter them out");
}

static void report_check(struct lint_run *L, const struct check *k)
{
    const struct sheet *s = L->s;
    const char *sr = sheet_get(s, k->row, SC_SOURCE), *tr = sheet_get(s, k->row, SC_TARGET);
    int line = row_line(s, k->row);
    struct lint_finding *f;

    if (k->nulls) {
        f = lint__add(L->r, LINT_ERROR, "null_into_not_null", sr, tr, line,
                "%ld rows carry NULL into "
                "%s, which is NOT NULL", k->nulls, tr);
        f->count = k->nulls;
        lint__hint(f, "filter them out with the plan's where, or coalesce() them in the transform");
    }
    if (k->rule_nulls) {
        f = lint__add(L->r, LINT_ERROR, "rule_not_null", sr, tr, line,
                "%ld rows carry NULL into %s, "
                "which its rule not_null refuses", k->rule_nulls, tr);
        f->count = k->rule_nulls;
        lint__hint(f, "filter them out with the plan's where, or coalesce() them in the transform");
    }
    if (k->rule_unmatched) {
        f = lint__add(L->r, LINT_ERROR, "rule_regex", sr, tr, line, "%ld rows carry values into %s "
                "that its rule %s refuses", k->rule_unmatched, tr, k->rules.re_rule);
        f->count = k->rule_unmatched;
        lint__examples(f, (char *[]){ k->unmatched_example }, 1);
        lint__hint(f, "mend them in the transform, or in the Pilot before the migration");
    }
    if (k->too_long) {
        f = lint__add(L->r, LINT_ERROR, "too_long", sr, tr, line, "%ld rows %s longer than %s's "
                "%ld characters (longest %zu)", k->too_long, k->elements ? "have elements" : "are",
                tr, k->maxlen, k->longest);
        f->count = k->too_long;
        lint__examples(f, (char *[]){ k->long_example }, 1);
        lint__hint(f, "widen %s to %zu, or shorten the value in the transform", tr, k->longest);
    }
    if (k->range) {
        f = lint__add(L->r, LINT_ERROR, "out_of_range", sr, tr, line, "%ld rows do not fit %s (%s)",
                k->range, tr, k->tc->type);
        f->count = k->range;
        lint__examples(f, (char *[]){ k->range_example }, 1);
        lint__hint(f, "use a wider type for %s", tr);
    }
    if (k->unparsed) {
        f = lint__add(L->r, LINT_ERROR, "not_parsable", sr, tr, line,
                "%ld rows will not read as %s "
                "for %s (%s)", k->unparsed, type_word(k->tc->tclass), tr, k->tc->type);
        f->count = k->unparsed;
        lint__examples(f, (char **)k->unparsed_ex, k->nunparsed);
        time_hint(L, k, f);
    }
    if (k->time_dropped) {
        f = lint__add(L->r, LINT_WARNING, "time_loss", sr, tr, line,
                "%ld rows have a time of day that "
                "%s (%s) drops", k->time_dropped, tr, k->tc->type);
        f->count = k->time_dropped;
        lint__examples(f, (char *[]){ k->time_example }, 1);
        if (db_kind(L->db) == URL_SQLITE)
            lint__hint(f, "if that is intended, say so in the transform: date(%s)", k->expr);
        else
            lint__hint(f, "if that is intended, say so in the transform: (%s)::date", k->expr);
    }
    if (k->tz) {
        f = lint__add(L->r, LINT_WARNING, "timezone_loss", sr, tr, line,
                "%ld rows have a time zone "
                "that %s (%s) drops", k->tz, tr, k->tc->type);
        f->count = k->tz;
        lint__examples(f, (char *[]){ k->tz_example }, 1);
        lint__hint(f, "convert to UTC in the transform, or use timestamptz in the target");
    }
    if (k->precision) {
        f = lint__add(L->r, LINT_WARNING, "precision_loss", sr, tr, line,
                "%ld rows have more than %d "
                "decimals and will be rounded by %s (%s)", k->precision, k->scale, tr,
                k->tc->type);
        f->count = k->precision;
        lint__examples(f, (char *[]){ k->prec_example }, 1);
        lint__hint(f, "round in the transform (or add the rule round:%d) if that is intended",
             k->scale);
    }
    if (k->outside) {
        struct sbuf b = { 0 };
        for (int d = 0; d < k->noutside; d++)
            sbuf_printf(&b, "%s'%s'", d ? ", " : "", k->outside_values[d]);
        f = lint__add(L->r, LINT_ERROR, "enum_coverage", sr, tr, line,
                "%ld rows have values %s does "
                "not accept: %s%s", k->outside, tr, b.s, k->noutside == 10 ? ", …" : "");
        f->count = k->outside;
        lint__hint(f, "map them to accepted values in the transform (CASE … WHEN … THEN …)");
        sbuf_free(&b);
    }
}

static void check_free(struct check *k)
{
    free(k->expr), free(k->long_example), free(k->range_example), free(k->tz_example);
    free(k->time_example);
    free(k->prec_example);
    for (int i = 0; i < k->nunparsed; i++)
        free(k->unparsed_ex[i]);
    for (int i = 0; i < k->noutside; i++)
        free(k->outside_values[i]);
    free(k->unmatched_example);
    rule_checks_free(&k->rules);
}

static void run_free(struct lint_run *L)
{
    for (size_t j = 0; j < L->njobs; j++) {
        for (size_t i = 0; i < L->jobs[j].n; i++)
            check_free(&L->jobs[j].checks[i]);
        free(L->jobs[j].checks);
    }
    free(L->jobs);
    free(L);
}

static void step(struct lint_run *L);

static void compiled(db_query_t *q, int status, const char *msg, void *arg)
{
    struct lint_run *L = arg;
    struct check *k = &L->jobs[L->job].checks[L->check];

    (void)q;
    if (status == DB_ELOST || status == DB_ECANCELED) {
        L->done(L->arg, status, msg);
        run_free(L);
        return;
    }
    if (status) {
        struct lint_finding *f;
        k->bad = 1;
        f = lint__add(L->r, LINT_ERROR, "transform_error", sheet_get(L->s, k->row, SC_SOURCE),
                sheet_get(L->s, k->row, SC_TARGET), row_line(L->s, k->row),
                "the transform does not compile on the source: %s", msg);
        lint__hint(f, "fix the SQL expression (it is evaluated in the source's dialect)");
    }
    L->check++;
    step(L);
}

static int measured_rows(db_query_t *q, const struct db_batch *b, void *arg)
{
    struct lint_run *L = arg;
    struct job *j = &L->jobs[L->job];

    (void)q;
    for (size_t r = 0; r < b->nrows; r++) {
        int col = 0;
        for (size_t i = 0; i < j->n; i++)
            if (!j->checks[i].bad)
                measure(&j->checks[i], db_cell(b, r, col++));
    }
    return DB_CONTINUE;
}

static void measured(db_query_t *q, int status, const char *msg, void *arg)
{
    struct lint_run *L = arg;
    struct job *j = &L->jobs[L->job];

    (void)q;
    if (status) {
        L->done(L->arg, status, msg);
        run_free(L);
        return;
    }
    for (size_t i = 0; i < j->n; i++)
        if (!j->checks[i].bad)
            report_check(L, &j->checks[i]);
    L->job++;
    L->check = 0;
    L->compiling = 1;
    step(L);
}

/* Per table: compile each transform alone, then one query measures all. */
static void step(struct lint_run *L)
{
    struct job *j;
    char *from, *sql;
    struct sbuf cols = { 0 };
    const char *where;

    if (L->job >= L->njobs) {
        L->done(L->arg, 0, NULL);
        run_free(L);
        return;
    }
    j = &L->jobs[L->job];
    from = cat_sql_name(j->pair->src);
    while (L->compiling && L->check < j->n && !j->checks[L->check].has_transform)
        L->check++;
    if (L->compiling && L->check < j->n) {
        sql = xasprintf("SELECT %s FROM %s LIMIT 0", j->checks[L->check].expr, from);
        if (!db_query(L->db, sql, 0, NULL, NULL, NULL, compiled, L)) {
            L->done(L->arg, DB_ECANCELED, "query canceled");
            run_free(L);
        }
        free(sql);
        free(from);
        return;
    }
    L->compiling = 0;
    for (size_t i = 0; i < j->n; i++)
        if (!j->checks[i].bad)
            sbuf_printf(&cols, "%s%s", cols.len ? ", " : "", j->checks[i].expr);
    if (!cols.len) {
        free(from);
        L->job++;
        L->check = 0;
        L->compiling = 1;
        step(L);
        return;
    }
    where = j->pair->plan ? j->pair->plan->where : NULL;
    sql = xasprintf("SELECT %s FROM %s%s%s", cols.s, from, where ? " WHERE " : "",
                    where ? where : "");
    if (!db_query(L->db, sql, 0, NULL, &(struct db_query_opts){ .batch_rows = 1000 },
                  measured_rows, measured, L)) {
        L->done(L->arg, DB_ECANCELED, "query canceled");
        run_free(L);
    }
    sbuf_free(&cols);
    free(sql);
    free(from);
}

void lint_data(db_t *src, const struct sheet *s, const struct pairing *pp,
               const struct catalog *tgt, struct lint_report *r, lint_done_cb done, void *arg)
{
    struct lint_run *L = xcalloc(1, sizeof *L);

    L->db = src;
    L->s = s;
    L->tgt = tgt;
    L->r = r;
    L->done = done;
    L->arg = arg;
    L->compiling = 1;
    for (size_t p = 0; p < pp->n; p++) {
        const struct pair *pr = &pp->pairs[p];
        struct job j = { pr, NULL, 0 };
        if (!pr->src)
            continue;
        for (size_t i = 0; i < s->n; i++) {
            const char *sr = sheet_get(s, i, SC_SOURCE), *tr = sheet_get(s, i, SC_TARGET);
            const char *tf = sheet_get(s, i, SC_TRANSFORM);
            struct ref a, b;
            struct rules rules;
            char why[200];
            struct rule_checks checks = { 0 };
            int ignore = 0;
            struct check *k;

            if (!s->rows[i].f || !*sr || !*tr || !strcmp(sheet_get(s, i, SC_STATUS), "rejected"))
                continue;
            if (!strchr(sr, '.') || strncmp(sr, pr->src->name, strlen(pr->src->name)) != 0 ||
                sr[strlen(pr->src->name)] != '.')
                continue;
            a.t = pr->src;
            a.c = cat_column(pr->src, strrchr(sr, '.') + 1);
            if (!a.c || lint__resolve(tgt, tr, &b) < 0)
                continue;  /* reported by lint_static */
            if (rules_parse(sheet_get(s, i, SC_RULE), &rules, why, sizeof why) == 0) {
                ignore = rules_have(&rules, R_IGNORE);
                if (!ignore)
                    rule_checks_of(&rules, &checks);
                rules_free(&rules);
            }
            if (ignore)
                continue;
            j.checks = xrealloc(j.checks, (j.n + 1) * sizeof *j.checks);
            k = &j.checks[j.n++];
            memset(k, 0, sizeof *k);
            k->row = i;
            k->sc = a.c;
            k->tc = b.c;
            k->has_transform = *tf != '\0';
            k->expr = *tf ? xasprintf("(%s)", tf) : cat_read_expr(a.c);
            k->rules = checks;
            target_limits(k, tgt->kind);
        }
        if (j.n) {
            L->jobs = xrealloc(L->jobs, (L->njobs + 1) * sizeof *L->jobs);
            L->jobs[L->njobs++] = j;
        }
    }
    step(L);
}
