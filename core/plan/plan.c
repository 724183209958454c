#include "config.h"
#include "plan.h"
#include "plan_int.h"
#include "sqltext.h"
#include "db.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <libgen.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const sect_names[] = {
    [S_MIGRATION] = "migration", [S_SOURCE] = "source", [S_TARGET] = "target",
    [S_TABLE] = "table", [S_CHECK] = "check", [S_STEP] = "step",
    [S_ROLLBACK] = "rollback", [S_HYPERCARE] = "hypercare", [S_PROBE] = "probe",
    [S_WAVE] = "wave",
};

/* The keys each section accepts; a key's index is its bit in `seen`. */
static const char *const sect_keys[][10] = {
    [S_MIGRATION] = { "name", "mapping", "workspace", "tenant", "null_rate_shift",
                      "structure_timeout" },
    [S_SOURCE] = { "url", "label" },
    [S_TARGET] = { "url", "label" },
    [S_TABLE] = { "target", "key", "decision", "owner", "watermark", "where", "expires",
                  "expect_index", "tenant" },
    [S_CHECK] = { "source", "target", "tolerance", "owner" },
    [S_STEP] = { "title", "owner", "run", "expect", "gate", "rollback", "wave" },
    [S_ROLLBACK] = { "authority", "after" },
    [S_HYPERCARE] = { "duration", "interval", "on_alert", "exact_rows", "bell", "checks_every" },
    [S_PROBE] = { "sql", "side", "alert" },
    [S_WAVE] = { "tables", "where", "target_where", "truth", "owner", "gate" },
};

#define NAME_(e, name) [e] = name,
static const char *const decision_names[] = { PLAN_DECISIONS(NAME_) };
static const char *const gate_names[] = { PLAN_GATES(NAME_) };
static const char *const side_names[] = { PLAN_SIDES(NAME_) };
#undef NAME_

int plan__fail_at(struct pstate *st, int line, const char *fmt, ...)
{
    char msg[768];
    va_list ap;

    if (st->failed)
        return 0;  /* keep the first error: it is the one to fix */
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    err_set(st->e, ERR_INPUT, "%s:%d: %s", st->p->path, line, msg);
    st->failed = 1;
    return 0;
}

const char *plan_decision_name(enum plan_decision d)
{
    return decision_names[d];
}

const char *plan_side_name(int side)
{
    return side_names[side ? SIDE_TARGET : SIDE_SOURCE];
}

int plan_decision_parse(const char *s, enum plan_decision *d)
{
    for (size_t i = 0; i < sizeof decision_names / sizeof *decision_names; i++)
        if (strcmp(s, decision_names[i]) == 0) {
            *d = (enum plan_decision)i;
            return 0;
        }
    return -1;
}

static int valid_date(const char *s)
{
    int y, m, d;
    char tail;

    static const int days[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

    if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || s[4] != '-' ||
        s[7] != '-' || m < 1 || m > 12 || d < 1 || d > days[m - 1])
        return 0;
    return m != 2 || d < 29 || (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0));
}

static int split_key(struct plan_table *t, const char *v)
{
    char *copy = xstrdup(v), *save = NULL;

    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        tok = str_trim(tok);
        if (!*tok) {
            free(copy);
            return -1;
        }
        t->key = xrealloc(t->key, (t->nkey + 1) * sizeof *t->key);
        t->key[t->nkey++] = xstrdup(tok);
    }
    free(copy);
    return t->nkey ? 0 : -1;
}

/* A string value; an indented continuation line appends to it with a space. */
int plan__set_str(struct pstate *st, char **dst, const char *v)
{
    if (st->cont && *dst) {
        char *s = xasprintf("%s %s", *dst, v);
        free(*dst);
        *dst = s;
        return 1;
    }
    *dst = xstrdup(v);
    return 1;
}

/* "a, b" (one index) or "(a, b), (c)" (several): the indexes a table is
 * expected to have on the target, each by its columns in order. */
static int add_expected_indexes(struct pstate *st, struct plan_table *t, const char *v)
{
    char *copy = xstrdup(v), *p = copy;
    int groups = strchr(v, '(') != NULL;

    t->expect_index_line = st->line;
    while (*p) {
        struct sbuf b = { 0 };
        char *end, *cs = NULL;
        p += strspn(p, " \t,");
        if (!*p)
            break;
        if (groups && *p != '(')
            break;  /* text outside the parentheses */
        p += groups;
        end = groups ? strchr(p, ')') : p + strlen(p);
        if (!end)
            break;
        *end = '\0';
        for (char *c = strtok_r(p, ",", &cs); c; c = strtok_r(NULL, ",", &cs))
            if (*str_trim(c))
                sbuf_printf(&b, "%s%s", b.len ? ", " : "", str_trim(c));
        if (!b.len)
            break;
        t->expect_index = xrealloc(t->expect_index, (t->nexpect_index + 1) *
                                   sizeof *t->expect_index);
        t->expect_index[t->nexpect_index++] = sbuf_take(&b);
        p = groups ? end + 1 : end;
    }
    if (*p || !t->nexpect_index) {
        free(copy);
        return FAIL(st, "expect_index '%s': expected column names separated by commas, or "
                    "several indexes as (a, b), (c)", v);
    }
    free(copy);
    return 1;
}

static int set_table(struct pstate *st, struct plan_table *t, int k, const char *v)
{
    switch (k) {
    case 0: t->target_line = st->line; return plan__set_str(st, &t->target, v);
    case 1:
        t->key_line = st->line;
        if (split_key(t, v) < 0)
            return FAIL(st, "key '%s': expected column names separated by commas", v);
        return 1;
    case 2:
        if (plan_decision_parse(v, &t->decision) < 0)
            return FAIL(st, "decision '%s': expected migrate, delete, retain, temporary or "
                        "undecided", v);
        return 1;
    case 3: return plan__set_str(st, &t->owner, v);
    case 4: return plan__set_str(st, &t->watermark, v);
    case 5: t->where_line = st->line; return plan__set_str(st, &t->where, v);
    case 7: return add_expected_indexes(st, t, v);
    case 8: return plan__set_str(st, &t->tenant, v);
    default:
        if (!valid_date(v))
            return FAIL(st, "expires '%s': expected a date YYYY-MM-DD", v);
        t->expires_line = st->line;
        return plan__set_str(st, &t->expires, v);
    }
}

/* "0.1%" or "0.1": percentage points, as a fraction (0.001). */
static int set_share(struct pstate *st, double *dst, const char *key, const char *v)
{
    if (share_parse(v, dst) < 0)
        return FAIL(st, "%s '%s': expected percentage points from 0 to 100, such as 0.1%%",
                    key, v);
    return 1;
}

static int set_check(struct pstate *st, struct plan_check *c, int k, const char *v)
{
    enum plan_unit u;

    switch (k) {
    case 0: return plan__set_str(st, &c->source, v);
    case 1: return plan__set_str(st, &c->target, v);
    case 2:
        if (plan__parse_limit(v, &c->tolerance, &u) < 0 || u == UNIT_MS)
            return FAIL(st, "tolerance '%s': expected an absolute number such as 0 or a "
                        "percentage such as 0.5%%", v);
        c->tolerance_pct = u == UNIT_PERCENT;
        return 1;
    default: return plan__set_str(st, &c->owner, v);
    }
}

const char *plan_gate_name(enum plan_gate g)
{
    return gate_names[g];
}

int plan__gate_parse(const char *v, enum plan_gate *g)
{
    for (size_t i = 0; i < sizeof gate_names / sizeof *gate_names; i++)
        if (strcmp(v, gate_names[i]) == 0) {
            *g = (enum plan_gate)i;
            return 0;
        }
    return -1;
}

static int set_step(struct pstate *st, struct plan_step *s, int k, const char *v)
{
    switch (k) {
    case 0: return plan__set_str(st, &s->title, v);
    case 1: return plan__set_str(st, &s->owner, v);
    case 2: return plan__set_str(st, &s->run, v);
    case 3:
        if ((s->expect_ms = dur_parse_ms(v)) < 0)
            return FAIL(st, "expect '%s': expected a duration such as 5m (units ms, s, m, h, d)", v);
        return 1;
    case 4:
        if (plan__gate_parse(v, &s->gate) < 0)
            return FAIL(st, "gate '%s': expected none, checks, diff or manual", v);
        return 1;
    case 6: s->wave_line = st->line; return plan__set_str(st, &s->wave, v);
    default: return plan__set_str(st, &s->rollback, v);
    }
}

static int set_duration(struct pstate *st, int64_t *dst, const char *key, const char *v)
{
    if ((*dst = dur_parse_ms(v)) <= 0)
        return FAIL(st, "%s '%s': expected a duration such as 30s (units ms, s, m, h, d)", key, v);
    return 1;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
    struct pstate *st = user;
    struct plan *p = st->p;
    const char *const *keys = sect_keys[st->sect];
    int k = -1;

    (void)section;  /* the reader tracks sections, with their lines */
    if (st->failed)
        return 0;
    if (st->sect == S_NONE)
        return FAIL(st, "'%s' is outside any section (start with [migration])", name);
    if (st->cont) {
        k = st->last_key;
    } else {
        for (int i = 0; i < (int)(sizeof *sect_keys / sizeof **sect_keys) && keys[i]; i++)
            if (strcmp(keys[i], name) == 0)
                k = i;
        if (k < 0 && st->sect == S_ROLLBACK && strncmp(name, "trigger.", 8) == 0)
            return plan__add_limit(st, &p->triggers, &p->ntriggers, "trigger.", name + 8, value, 0);
        if (k < 0 && st->sect == S_WAVE && strncmp(name, "trigger.", 8) == 0)
            return plan__add_wave_trigger(st, &p->waves[p->nwaves - 1], name + 8, value);
        if (k < 0 && st->sect == S_HYPERCARE && strncmp(name, "alert.", 6) == 0)
            return plan__add_limit(st, &p->alerts, &p->nalerts, "alert.", name + 6, value, 0);
        if (k < 0)
            return FAIL(st, "unknown key '%s' in [%s]", name, st->sect_text);
        if (st->seen & (1u << k))
            return FAIL(st, "duplicate key '%s' in [%s]", name, st->sect_text);
        if (!*value)
            return FAIL(st, "key '%s' has no value", name);
        st->seen |= 1u << k;
        st->last_key = k;
        st->have_key = 1;
    }
    if (st->cont && !(st->sect == S_TABLE ? k == 5 : st->sect == S_CHECK ? k <= 1
                      : st->sect == S_PROBE ? k == 0
                                              : st->sect == S_STEP ? k != 3 && k != 4 : 0))
        return FAIL(st, "indented line continues '%s', which takes a single-line value", name);

    switch (st->sect) {
    case S_MIGRATION:
        if (k == 4)
            return set_share(st, &p->null_rate_shift, "null_rate_shift", value);
        if (k == 5)
            return set_duration(st, &p->structure_timeout_ms, "structure_timeout", value);
        return plan__set_str(st, k == 0 ? &p->name : k == 1 ? &p->mapping : k == 2 ? &p->workspace
                                  : &p->tenant, value);
    case S_SOURCE:
    case S_TARGET: {
        struct plan_endpoint *ep = st->sect == S_SOURCE ? &p->source : &p->target;
        if (k == 0)
            ep->line = st->line;
        return plan__set_str(st, k == 0 ? &ep->url : &ep->label, value);
    }
    case S_TABLE: return set_table(st, &p->tables[p->ntables - 1], k, value);
    case S_CHECK: return set_check(st, &p->checks[p->nchecks - 1], k, value);
    case S_STEP: return set_step(st, &p->steps[p->nsteps - 1], k, value);
    case S_WAVE: return plan__set_wave(st, &p->waves[p->nwaves - 1], k, value);
    case S_ROLLBACK:
        if (k == 1)
            p->advise_after_line = st->line;
        return plan__set_str(st, k == 0 ? &p->authority : &p->advise_after, value);
    case S_PROBE: {
        struct plan_probe *pr = &p->probes[p->nprobes - 1];
        if (k == 0)
            return plan__set_str(st, &pr->sql, value);
        if (k == 2)  /* "alert.NAME" so that a duplicate says which */
            return plan__add_limit(st, &p->alerts, &p->nalerts, "alert.", pr->name, value, 1);
        if (strcmp(value, "source") && strcmp(value, "target"))
            return FAIL(st, "side '%s': expected source or target", value);
        pr->side = !strcmp(value, "target");
        return 1;
    }
    case S_HYPERCARE:
        if (k == 0)
            return set_duration(st, &p->hc_duration_ms, "duration", value);
        if (k == 1)
            return set_duration(st, &p->hc_interval_ms, "interval", value);
        if (k == 4) {
            if (strcmp(value, "yes") && strcmp(value, "no"))
                return FAIL(st, "bell '%s': expected yes or no", value);
            p->hc_bell = !strcmp(value, "yes");
            return 1;
        }
        if (k == 3 || k == 5) {
            char *end;
            long long n = strtoll(value, &end, 10);
            if (end == value || *end || n <= 0)
                return FAIL(st, k == 3 ? "exact_rows '%s': expected a number of rows such as "
                            "1000000" : "checks_every '%s': expected a number of rounds such "
                            "as 10", value);
            if (k == 3)
                p->hc_exact_rows = n;
            else
                p->hc_checks_every = n;
            return 1;
        }
        return plan__set_str(st, &p->on_alert, value);
    default:
        return 0;
    }
}

static int name_taken(struct pstate *st, enum sect s, const char *name)
{
    struct plan *p = st->p;

    for (size_t i = 0; s == S_TABLE && i < p->ntables; i++)
        if (strcmp(p->tables[i].name, name) == 0)
            return 1;
    for (size_t i = 0; s == S_CHECK && i < p->nchecks; i++)
        if (strcmp(p->checks[i].name, name) == 0)
            return 1;
    for (size_t i = 0; s == S_STEP && i < p->nsteps; i++)
        if (strcmp(p->steps[i].name, name) == 0)
            return 1;
    for (size_t i = 0; s == S_PROBE && i < p->nprobes; i++)
        if (strcmp(p->probes[i].name, name) == 0)
            return 1;
    if (s == S_WAVE && plan_wave_find(p, name))
        return 1;
    return 0;
}

/* Opens a section: "[table users]" → kind table, name users. */
static void begin_section(struct pstate *st, char *text)
{
    struct plan *p = st->p;
    char *close = strchr(text, ']'), *arg;
    enum sect s = S_NONE;

    st->seen = 0;
    st->have_key = 0;
    st->sect = S_NONE;
    st->sect_line = st->line;
    if (!close) {
        FAIL(st, "section header without ']'");
        return;
    }
    *close = '\0';
    text = str_trim(text + 1);
    arg = text + strcspn(text, " \t");
    if (*arg)
        *arg++ = '\0';
    arg = str_trim(arg);
    for (size_t i = 1; i < sizeof sect_names / sizeof *sect_names; i++)
        if (strcmp(text, sect_names[i]) == 0)
            s = (enum sect)i;
    if (s == S_NONE) {
        FAIL(st, "unknown section [%s] (known: migration, source, target, table NAME, "
             "check NAME, step NAME, rollback, hypercare, probe NAME, wave NAME)", text);
        return;
    }
    if ((s == S_TABLE || s == S_CHECK || s == S_STEP || s == S_PROBE || s == S_WAVE) !=
        (*arg != '\0')) {
        if (*arg)
            FAIL(st, "section [%s] takes no name", text);
        else
            FAIL(st, "section [%s] needs a name: [%s NAME]", text, text);
        return;
    }
    if (*arg ? name_taken(st, s, arg) : !!(st->sects_seen & (1u << s))) {
        FAIL(st, "duplicate section [%s%s%s]", text, *arg ? " " : "", arg);
        return;
    }
    if (s == S_WAVE && strlen(arg) > 60) {  /* its runs are of kind "wave NAME" */
        FAIL(st, "[wave %.20s…]: a wave's name is at most 60 characters", arg);
        return;
    }
    if (s == S_PROBE && plan__metric_find(arg)) {
        FAIL(st, "[probe %s]: '%s' is a metric cutover measures itself: name the probe "
             "differently", arg, arg);
        return;
    }
    st->sects_seen |= 1u << s;
    st->sect = s;
    if (s == S_SOURCE || s == S_TARGET)
        st->side_line[s == S_TARGET] = st->line;
    snprintf(st->sect_text, sizeof st->sect_text, "%s%s%s", text, *arg ? " " : "", arg);
    if (s == S_TABLE) {
        p->tables = xrealloc(p->tables, (p->ntables + 1) * sizeof *p->tables);
        p->tables[p->ntables++] = (struct plan_table){ .name = xstrdup(arg), .line = st->line };
    } else if (s == S_CHECK) {
        p->checks = xrealloc(p->checks, (p->nchecks + 1) * sizeof *p->checks);
        p->checks[p->nchecks++] = (struct plan_check){ .name = xstrdup(arg), .line = st->line };
    } else if (s == S_STEP) {
        p->steps = xrealloc(p->steps, (p->nsteps + 1) * sizeof *p->steps);
        p->steps[p->nsteps++] = (struct plan_step){ .name = xstrdup(arg), .line = st->line };
    } else if (s == S_PROBE) {
        p->probes = xrealloc(p->probes, (p->nprobes + 1) * sizeof *p->probes);
        p->probes[p->nprobes++] = (struct plan_probe){ .name = xstrdup(arg), .line = st->line,
                                                       .side = 1 };
    } else if (s == S_WAVE) {
        p->waves = xrealloc(p->waves, (p->nwaves + 1) * sizeof *p->waves);
        p->waves[p->nwaves++] = (struct plan_wave){ .name = xstrdup(arg), .line = st->line };
    }
}

/* inih reads through this one line at a time, which gives us line numbers
 * (Debian's inih is built without INI_HANDLER_LINENO) and section lines. */
static char *reader(char *str, int num, void *stream)
{
    struct pstate *st = stream;
    size_t n;
    char *t;

    if (st->failed || !fgets(str, num, st->f))
        return NULL;
    st->line++;
    n = strlen(str);
    if (n == (size_t)num - 1 && str[n - 1] != '\n' && !feof(st->f)) {
        FAIL(st, "line longer than %d characters: continue a long value on indented lines",
             num - 2);
        return NULL;
    }
    if (utf8_check(str, n) < n) {  /* every name and value goes into JSON as UTF-8 */
        size_t at = utf8_check(str, n);
        FAIL(st, "not UTF-8: byte 0x%02x at column %zu (save the plan as UTF-8)",
             (unsigned char)str[at], at + 1);
        return NULL;
    }
    t = str;
    while (isspace((unsigned char)*t))
        t++;
    /* inih's rule: an indented, non-comment line after a key continues it */
    st->cont = t > str && *t && *t != ';' && *t != '#' && st->have_key;
    if (*t == '[' && t > str) {  /* inih would take it for the key above, continued */
        FAIL(st, "an indented section header: write it at the start of the line");
        return NULL;
    }
    if (*t == '[') {
        char copy[512];
        snprintf(copy, sizeof copy, "%s", t);
        begin_section(st, copy);
    }
    return str;
}

struct plan *plan_ref(struct plan *p)
{
    p->refs++;
    return p;
}

void plan_free(struct plan *p)
{
    if (!p)
        return;
    if (p->refs > 0) {
        p->refs--;
        return;
    }
    for (size_t i = 0; i < p->ntables; i++) {
        struct plan_table *t = &p->tables[i];
        for (size_t k = 0; k < t->nkey; k++)
            free(t->key[k]);
        free(t->key);
        free(t->name), free(t->target), free(t->owner), free(t->watermark);
        free(t->where), free(t->expires), free(t->tenant);
        for (size_t k = 0; k < t->nexpect_index; k++)
            free(t->expect_index[k]);
        free(t->expect_index);
    }
    free(p->tables);
    for (size_t i = 0; i < p->nchecks; i++) {
        struct plan_check *c = &p->checks[i];
        free(c->name), free(c->source), free(c->target), free(c->owner);
    }
    free(p->checks);
    for (size_t i = 0; i < p->nsteps; i++) {
        struct plan_step *s = &p->steps[i];
        free(s->name), free(s->title), free(s->owner), free(s->run), free(s->rollback);
        free(s->wave);
    }
    free(p->steps);
    for (size_t i = 0; i < p->nprobes; i++)
        free(p->probes[i].name), free(p->probes[i].sql);
    free(p->probes);
    plan__waves_free(p);
    plan__free_limits(p->triggers, p->ntriggers);
    plan__free_limits(p->alerts, p->nalerts);
    free(p->path), free(p->dir), free(p->name), free(p->mapping), free(p->workspace);
    free(p->tenant);
    free(p->source.url), free(p->source.label), free(p->target.url), free(p->target.label);
    free(p->authority), free(p->advise_after), free(p->on_alert);
    free(p);
}

/* A query of the user's: one statement, and a query (SELECT, WITH, VALUES,
 * TABLE), not a command; else the plan fails at `line`. */
static int user_query(struct pstate *st, int line, const char *sect, const char *name,
                      const char *key, const char *sql)
{
    const char *why = sqltext_one(sql);

    if (why)
        return plan__fail_at(st, line, "[%s %s] %s: %s", sect, name, key, why), 0;
    if (!sqltext_is_query(sql))
        return plan__fail_at(st, line, "[%s %s] %s: a query is expected (SELECT, WITH, VALUES or "
                       "TABLE): cutover only reads", sect, name, key), 0;
    return 1;
}

/* What the grammar cannot say: required keys and cross-key rules. */
static int validate(struct pstate *st)
{
    struct plan *p = st->p;

    if (!p->source.url)
        return plan__fail_at(st, st->side_line[0] ? st->side_line[0] : st->line,
                       "no [source] url: add [source] with url = sqlite:FILE or "
                       "postgresql://…");
    if (!p->target.url)
        return plan__fail_at(st, st->side_line[1] ? st->side_line[1] : st->line,
                       "no [target] url: add [target] with url = sqlite:FILE or "
                       "postgresql://…");
    for (size_t i = 0; i < p->ntables; i++) {
        struct plan_table *t = &p->tables[i];
        if (t->expires && t->decision != DEC_TEMPORARY)
            return plan__fail_at(st, t->expires_line, "[table %s]: expires is only for decision = "
                           "temporary (decision is %s)", t->name, decision_names[t->decision]);
    }
    for (size_t i = 0; i < p->nchecks; i++) {
        struct plan_check *c = &p->checks[i];
        if (!c->source || !c->target)
            return plan__fail_at(st, c->line, "[check %s] needs both 'source' and 'target' queries",
                           c->name);
        for (int w = 0; w < 2; w++)
            if (!user_query(st, c->line, "check", c->name, plan_side_name(w),
                            w ? c->target : c->source))
                return 0;
    }
    for (size_t i = 0; i < p->ntables; i++) {
        const char *why = p->tables[i].where ? sqltext_expression(p->tables[i].where) : NULL;
        if (why)
            return plan__fail_at(st, p->tables[i].where_line, "[table %s] where: %s",
                           p->tables[i].name, why);
    }
    for (size_t i = 0; i < p->nwaves; i++)  /* a slice is pasted into queries as the where is */
        for (int t = 0; t < 2; t++) {
            const char *w = t ? p->waves[i].target_where : p->waves[i].where;
            const char *why = w ? sqltext_expression(w) : NULL;
            if (why)
                return plan__fail_at(st, p->waves[i].where_line ? p->waves[i].where_line
                                     : p->waves[i].line, "[wave %s] %s: %s", p->waves[i].name,
                                     t ? "target_where" : "where", why);
        }
    for (size_t i = 0; i < p->nsteps; i++)
        if (!p->steps[i].title)
            return plan__fail_at(st, p->steps[i].line, "[step %s] needs a 'title'", p->steps[i].name);
    if (p->advise_after && !plan_step_find(p, p->advise_after))
        return plan__fail_at(st, p->advise_after_line, "[rollback] after = %s: no [step %s] in the "
                       "plan (the step after which live triggers advise rollback)",
                       p->advise_after, p->advise_after);
    for (size_t i = 0; i < p->nprobes; i++) {
        if (!p->probes[i].sql)
            return plan__fail_at(st, p->probes[i].line, "[probe %s] needs its 'sql': a read-only "
                           "query returning one number", p->probes[i].name);
        if (!user_query(st, p->probes[i].line, "probe", p->probes[i].name, "sql",
                        p->probes[i].sql))
            return 0;
    }
    return plan__validate_waves(st);
}

struct plan *plan_load(const char *path, struct err *e)
{
    struct plan *p = xcalloc(1, sizeof *p);
    struct pstate st = { .p = p, .e = e };
    char *dcopy = xstrdup(path);
    int rc;

    p->null_rate_shift = -1;  /* not said */
    p->path = xstrdup(path);
    p->dir = xstrdup(dirname(dcopy));
    free(dcopy);
    if (!(st.f = fopen(path, "r"))) {
        err_set(e, ERR_INPUT, "%s: cannot read the plan: %s%s", path, strerror(errno),
                errno == ENOENT ? " (create one with 'cutover init', pass --plan FILE, or try "
                                  "'cutover demo')" : "");
        plan_free(p);
        return NULL;
    }
    rc = ini_parse_stream(reader, &st, handler, &st);
    fclose(st.f);
    if (!st.failed && rc > 0)
        plan__fail_at(&st, rc, "syntax error: expected [section], key = value or a comment");
    if (!st.failed && rc < 0)
        plan__fail_at(&st, st.line, "cannot parse the plan (out of memory)");
    if (!st.failed)
        validate(&st);
    if (st.failed) {
        plan_free(p);
        return NULL;
    }
    if (!p->name)
        p->name = xstrdup("Migration");
    if (!p->mapping)
        p->mapping = xstrdup("mapping.csv");
    if (!p->workspace)
        p->workspace = xstrdup(".cutover/state.db");
    if (!p->source.label)
        p->source.label = xstrdup("Source");
    if (!p->target.label)
        p->target.label = xstrdup("Target");
    if (!p->hc_duration_ms)
        p->hc_duration_ms = 72 * 3600 * 1000LL;
    if (!p->hc_interval_ms)
        p->hc_interval_ms = 30 * 1000;
    if (!p->hc_exact_rows)
        p->hc_exact_rows = 1000000;
    if (p->null_rate_shift < 0)
        p->null_rate_shift = 0.001;
    if (!p->structure_timeout_ms)
        p->structure_timeout_ms = 60 * 1000;
    return p;
}

const char *plan_name_unwritable(const char *name)
{
    static const struct { char c; const char *why; } bad[] = {
        { ']', "']' would close its section header" }, { '[', "'[' would open a section" },
        { ';', "';' would start a comment" }, { '#', "'#' would start a comment" },
        { '.', "'.' would split the sheet's table.column" },
        { ',', "',' would split a key's columns" }, { '"', "a quote" }, { '=', "'='" },
    };
    size_t n = strlen(name);

    if (!n)
        return "it is empty";
    if (isspace((unsigned char)name[0]) || isspace((unsigned char)name[n - 1]))
        return "blanks at its ends would be trimmed";
    for (const char *p = name; *p; p++)
        if ((unsigned char)*p < 0x20)
            return "a control character (a line end, a tab)";
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (strchr(name, bad[i].c))
            return bad[i].why;
    return NULL;
}

const struct plan_table *plan_table_find(const struct plan *p, const char *name)
{
    for (size_t i = 0; i < p->ntables; i++)
        if (strcmp(p->tables[i].name, name) == 0)
            return &p->tables[i];
    return NULL;
}

const struct plan_step *plan_step_find(const struct plan *p, const char *name)
{
    for (size_t i = 0; i < p->nsteps; i++)
        if (strcmp(p->steps[i].name, name) == 0)
            return &p->steps[i];
    return NULL;
}

const char *plan_advice_step(const struct plan *p)
{
    return p->advise_after ? p->advise_after : p->nsteps ? p->steps[0].name : NULL;
}

char *plan_path(const struct plan *p, const char *rel)
{
    if (rel[0] == '/' || strcmp(p->dir, ".") == 0)
        return xstrdup(rel);
    return xasprintf("%s/%s", p->dir, rel);
}

int plan_connect(uv_loop_t *loop, const struct plan *p, const struct db_opts *o, db_t *db[2],
                 struct err *e)
{
    db[0] = db[1] = NULL;
    for (int w = 0; w < 2; w++) {
        const struct plan_endpoint *ep = w ? &p->target : &p->source;
        struct err ue = { 0 };
        if (db_open(loop, ep->url, p->dir, o, &db[w], &ue) < 0) {
            db_close(db[0]);
            db[0] = NULL;
            return err_set(e, ERR_INPUT, "%s:%d: [%s] url: %s", p->path, ep->line,
                           plan_side_name(w), ue.msg);
        }
    }
    return 0;
}
