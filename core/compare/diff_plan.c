/* diff_plan: a table pair's queries: what each side reads and orders by, the
 * probe by row hash, the verifying reads by key; which tables a run takes. */
#include "config.h"
#include "diff.h"
#include "diff_int.h"
#include <string.h>
#define XXH_STATIC_LINKING_ONLY  /* XXH3_state_t on the stack */

/* --- planning the queries -------------------------------------------------------------- */

static const char *col_of(const char *ref, const char *table)
{
    size_t n = strlen(table);

    return strncmp(ref, table, n) == 0 && ref[n] == '.' && !strchr(ref + n + 1, '.') ?
           ref + n + 1 : NULL;
}

/* Whether SQLite reads a table sooner sorted than through its key's index:
 * a rowid table keyed on anything but its rowid looks a row up for every key,
 * at random when the keys are (uuids, hashes, emails), from disk once the
 * file outgrows the cache. Measured, a SQLite pair of text keys: random,
 * 2.9 s through the index and 1.1 s sorted at 1M rows, 15.2 and 6.3 s at
 * 5M; in insertion order, 0.44 and 0.8 s at 1M. The sort's worst case is
 * the better one (its memory stays flat: it spills to temporary files). */
static int lite_sorts(const struct cat_table *t, const char *first_key, size_t nkey)
{
    const struct cat_column *c = cat_column(t, first_key);

    if (t->without_rowid || t->is_view)  /* the table is its key's index; a view has none */
        return 0;
    return !(nkey == 1 && c && c->pk == 1 && t->pk.n == 1 && c->type &&
             !strcasecmp(c->type, "INTEGER"));  /* the rowid itself */
}

static int numeric_class(enum cat_class c)
{
    return c == TC_INT || c == TC_FLOAT || c == TC_NUMERIC;
}

/* A key column in the byte order of its canonical form on both engines; a
 * NULL first, as SQLite puts it (PostgreSQL puts it last unless told: said
 * only where a NULL can be, so that a primary key's index still gives the
 * order). Numbers, times and uuids are in that order already (a uuid's bytes
 * sort as its hex); PostgreSQL's other types (enums, inet…) by their text.
 * `expr` is the column quoted, or with `xf` the sheet's transform of it.
 * `sort`: SQLite is to sort rather than use an index (lite_sorts). Returns 1
 * when the key is read as a number of another type (a cast that can fail). */
static int order_by(struct sbuf *b, const char *expr, enum url_kind engine,
                     const struct cat_column *col, enum canon_kind kind, int sort, int xf)
{
    int text = !xf && (col->tclass == TC_TEXT || col->tclass == TC_OTHER ||
                       col->tclass == TC_UUID);
    int number = kind == CK_INT || kind == CK_NUM || kind == CK_FLOAT;

    /* A key of another type than the target's (text holding the numbers of an
     * integer key, an integer going into a text key) or transformed by the
     * sheet is ordered as the target's kind, which its canonical form is:
     * numbers by value, text by its bytes. */
    if ((number && (xf || !numeric_class(col->tclass))) || (kind == CK_TEXT && !text)) {
        if (engine == URL_SQLITE)
            sbuf_printf(b, number ? "CAST((%s) AS NUMERIC)" : "CAST((%s) AS TEXT) COLLATE BINARY",
                        expr);
        else
            sbuf_printf(b, number ? "(%s)::numeric NULLS FIRST"
                                  : "(%s)::text COLLATE \"C\" NULLS FIRST", expr);
        return number;
    }
    /* Timestamps compare as instants, but SQLite holds them as text whose
     * order is the instants' only when every value has one form and zone
     * ('T' or a space, Z or +02:00): in UTC to the millisecond then, the
     * text deciding ties, and what SQLite cannot read last, as the diff
     * puts it. A sort, not the index: said only for such keys. */
    if (engine == URL_SQLITE && kind == CK_TS)
        sbuf_printf(b, "(%s IS NOT NULL AND strftime('%%Y-%%m-%%d %%H:%%M:%%f', %s) IS NULL), "
                    "strftime('%%Y-%%m-%%d %%H:%%M:%%f', %s), ", expr, expr, expr);
    /* Likewise uuids held as text in upper and lower case ('B…' before 'a…'
     * in bytes): in lower case first, as they compare; as 16 bytes, in hex. */
    if (kind == CK_UUID && engine == URL_SQLITE)
        sbuf_printf(b, "lower(CASE WHEN typeof(%s) = 'blob' THEN hex(%s) ELSE %s END), ", expr,
                    expr, expr);
    else if (kind == CK_UUID && (xf || col->tclass == TC_TEXT))  /* PostgreSQL text holding uuids */
        sbuf_printf(b, "lower((%s)::text) COLLATE \"C\", ", expr);
    if (engine == URL_SQLITE && sort)
        sbuf_puts(b, "+");  /* an expression, which no index serves */
    if (engine == URL_SQLITE && text)
        sbuf_printf(b, "%s COLLATE BINARY", expr);
    else if (engine == URL_PG && !xf && col->tclass == TC_TEXT)
        sbuf_printf(b, "%s COLLATE \"C\"", expr);
    else if (engine == URL_PG && !xf && col->tclass == TC_OTHER)
        sbuf_printf(b, "(%s)::text COLLATE \"C\"", expr);
    else
        sbuf_puts(b, expr);
    if (engine == URL_PG && (xf || !col->notnull))
        sbuf_puts(b, " NULLS FIRST");
    return 0;
}

/* " WHERE (a) AND (c)…" over the conditions that are set; nothing if none is. */
static void where_all(struct sbuf *b, const char *const *cond, int n)
{
    const char *sep = " WHERE ";

    for (int i = 0; i < n; i++)
        if (cond[i]) {
            sbuf_printf(b, "%s(%s)", sep, cond[i]);
            sep = " AND ";
        }
}

/* Key column k of one side as compared with a key's text: the column, or on
 * the source its transform's value as text. */
char *diff__key_match(const struct job *j, int k, int target, enum url_kind engine)
{
    if (target || !j->key_xf[k])
        return db_quote_ident(target ? j->tkey_names[k] : j->key_names[k]);
    return xasprintf(engine == URL_SQLITE ? "CAST(%s AS TEXT)" : "%s::text", j->key_expr[k]);
}

/* `col IN (1, 'b', …)`, or for a composite key `(a = 1 AND b = 'x') OR …`:
 * the live window's keys on one side. Integers go bare into an integer
 * column, everything else as a literal the column's type reads (both engines
 * convert it on compare). */
char *diff__keys_in(const struct job *j, const struct cat_table *t, int target,
                     enum url_kind engine, const struct diff_opts *o)
{
    struct sbuf b = { 0 };
    int nkey = j->nkey;
    char **q = xcalloc((size_t)nkey, sizeof *q);

    for (int k = 0; k < nkey; k++)
        q[k] = diff__key_match(j, k, target, engine);
    if (nkey == 1)
        sbuf_printf(&b, "%s IN (", q[0]);
    for (size_t r = 0; r < o->nkeys; r++) {
        sbuf_puts(&b, r ? (nkey == 1 ? ", " : " OR ") : "");
        for (int k = 0; k < nkey; k++) {
            const char *v = o->keys[r * (size_t)nkey + (size_t)k];
            const char *digits = v + (*v == '-');
            const char *name = target ? j->tkey_names[k] : j->key_names[k];
            if (nkey > 1)
                sbuf_printf(&b, "%s%s = ", k ? " AND " : "(", q[k]);
            if ((target || !j->key_xf[k]) && cat_column(t, name)->tclass == TC_INT && *digits &&
                strspn(digits, "0123456789") == strlen(digits))
                sbuf_puts(&b, v);
            else
                db_quote_literal(&b, v);
        }
        sbuf_puts(&b, nkey > 1 ? ")" : "");
    }
    sbuf_puts(&b, nkey == 1 ? ")" : "");
    for (int k = 0; k < nkey; k++)
        free(q[k]);
    free(q);
    return sbuf_take(&b);
}

/* `SELECT … FROM t [WHERE … AND] keys IN (…) ORDER BY …`: one side's rows of
 * some of a probe's keys, read in full. */
char *diff__verify_sql(const struct job *j, int target, enum url_kind engine,
                        char *const *keys, size_t nkeys)
{
    const struct pair *p = j->pair;
    struct diff_opts o = { .keys = keys, .nkeys = nkeys };
    char *in = diff__keys_in(j, target ? p->tgt : p->src, target, engine, &o);
    struct sbuf b = { 0 };

    sbuf_puts(&b, j->base_sql[target]);
    where_all(&b, (const char *[]){ j->cond[target], in }, 2);
    sbuf_printf(&b, " ORDER BY %s", j->order_sql[target]);
    free(in);
    return sbuf_take(&b);
}

/* A PostgreSQL column's value hashed by the server into a bigint, seeded by
 * the field's place, with the hash function of the type's own hash opclass:
 * values equal as the type compares them hash alike (1.10 and 1.1, -0 and 0,
 * one instant in any zone), which the diff's canonical forms hold equal too.
 * NULL for a type without one that does (char(n), json, arrays, bytea…). */
static char *pg_hash(const struct cat_column *c, const char *expr, int seed)
{
    static const struct { const char *type, *fn, *cast; } fn[] = {
        { "smallint", "hashint2extended", "" },
        { "integer", "hashint4extended", "" },
        { "bigint", "hashint8extended", "" },
        { "text", "hashtextextended", "::text COLLATE \"C\"" },
        { "character varying", "hashtextextended", "::text COLLATE \"C\"" },
        { "numeric", "hash_numeric_extended", "" },
        { "double precision", "hashfloat8extended", "" },
        { "real", "hashfloat4extended", "" },
        { "boolean", "hashint4extended", "::int" },
        { "date", "timestamp_hash_extended", "::timestamp" },
        { "timestamp with time zone", "timestamp_hash_extended", " AT TIME ZONE 'UTC'" },
        { "timestamp without time zone", "timestamp_hash_extended", "" },
        { "uuid", "uuid_hash_extended", "" },
    };
    const char *t = c->type ? c->type : "";
    char plain[64];

    if (c->money)
        return NULL;
    /* timestamp(3) with time zone: as timestamp with time zone */
    if (!strncmp(t, "timestamp(", 10) && strchr(t, ')') &&
        snprintf(plain, sizeof plain, "timestamp%s", strchr(t, ')') + 1) < (int)sizeof plain)
        t = plain;
    for (size_t i = 0; i < sizeof fn / sizeof *fn; i++) {
        size_t n = strlen(fn[i].type);
        if (!strncmp(t, fn[i].type, n) && (!t[n] || t[n] == '('))
            return xasprintf("%s((%s)%s, %d)", fn[i].fn, expr, fn[i].cast, seed);
    }
    return NULL;
}

/* A SQLite column that never holds NULL: NOT NULL, a primary key column of
 * a WITHOUT ROWID table, or the INTEGER PRIMARY KEY (the rowid); any other
 * primary key column of SQLite may be NULL. */
static int never_null(const struct cat_table *t, const struct cat_column *c)
{
    return c->notnull || (c->pk && t->without_rowid) ||
           (c->pk && t->pk.n == 1 && c->type && !strcasecmp(c->type, "integer"));
}

/* The probe's hash of a PostgreSQL side: the XOR of its fields' hashes,
 * each seeded by its place (a NULL hashing to a constant of its own), for
 * fields all compared `equal` between columns of one type with a hash.
 * -1 if a field is not such. */
static int pg_probe_fields(const struct job *j, const struct cat_table *const t[2],
                           struct sbuf sel[2])
{
    int nhashed = 0;

    for (int i = 0; i < j->nfields; i++) {
        const struct field *f = &j->fields[i];
        const struct cat_column *c[2] = { cat_column(t[0], f->source),
                                          cat_column(t[1], f->target) };
        char *h[2];
        if (f->col < j->nkey)
            continue;  /* a key column: compared by the merge */
        if (f->xf || strcmp(f->rule, "equal") || !c[0] || !c[1] || !c[0]->type || !c[1]->type ||
            strcmp(c[0]->type, c[1]->type))
            return -1;
        h[0] = pg_hash(c[0], f->expr, i + 1);
        h[1] = pg_hash(c[1], f->texpr, i + 1);
        for (int w = 0; w < 2; w++)
            if (h[w])
                sbuf_printf(&sel[w], "%scoalesce(%s, %lld)", nhashed ? " # " : ", ", h[w],
                            (long long)(0x9E3779B97F4A7C15ull * (unsigned)(i + 1)));
        free(h[0]);
        if (!h[1])
            return -1;
        free(h[1]);
        nhashed++;
    }
    return nhashed ? 0 : -1;
}

/* … of a SQLite side: cutover_row_hash() of its fields as read (transform
 * or column), whatever their rules: values of one type and the same bytes
 * compare equal under any rule. */
static int lite_probe_fields(const struct job *j, struct sbuf sel[2])
{
    int nhashed = 0;

    for (int i = 0; i < j->nfields; i++) {
        const struct field *f = &j->fields[i];
        if (f->col < j->nkey)
            continue;
        sbuf_printf(&sel[0], "%s%s", nhashed ? ", " : ", cutover_row_hash(", f->expr);
        sbuf_printf(&sel[1], "%s%s", nhashed ? ", " : ", cutover_row_hash(", f->texpr);
        nhashed++;
    }
    if (!nhashed)
        return -1;
    sbuf_puts(&sel[0], ")");
    sbuf_puts(&sel[1], ")");
    return 0;
}

/* A pair of one engine keyed on non-null integers or text is read first as
 * its keys and one hash of each row's fields (PostgreSQL: for fields all
 * compared `equal`, between columns of one type with a hash; SQLite: any).
 * The database computes it, and no row need be copied whose hashes agree.
 * Two rows whose fields differ hash alike once in 2^64;
 * `CUTOVER_DIFF_HASH=0` reads every row in full. */
/* The servers may hash the rows of a pair: one engine that can, no
 * validation rule to judge every row by, not a live window, not
 * --strategy full nor CUTOVER_DIFF_HASH=0. */
static int servers_hash(const struct job *j, const struct diff_opts *o, enum url_kind se,
                        enum url_kind te)
{
    const char *env = getenv("CUTOVER_DIFF_HASH");

    return se == te && (se == URL_PG || se == URL_SQLITE) && !j->validates &&
           !(env && !strcmp(env, "0")) && !(o && (o->nkeys || o->source_filter || o->live)) &&
           !(o && o->strategy == DIFF_FULL);
}

static void plan_probe(struct job *j, const struct diff_opts *o, enum url_kind se,
                       enum url_kind te, const char *const base[2], const char *const order[2],
                       const char *const where[2])
{
    const struct cat_table *t[2] = { j->pair->src, j->pair->tgt };
    struct sbuf sel[2] = { { 0 }, { 0 } };

    if (!j->nkey || !servers_hash(j, o, se, te))
        return;
    for (int k = 0; k < j->nkey; k++) {
        const struct cat_column *c[2] = { cat_column(t[0], j->key_names[k]),
                                          cat_column(t[1], j->tkey_names[k]) };
        if (j->key_xf[k] || (j->key_spec[k].kind != CK_INT && j->key_spec[k].kind != CK_TEXT) ||
            !c[0] || !c[1] || c[0]->tclass != c[1]->tclass ||
            (c[0]->tclass != TC_INT && c[0]->tclass != TC_TEXT))
            return;
        for (int w = 0; w < 2; w++)
            if (se == URL_PG ? !c[w]->notnull : !never_null(t[w], c[w]))
                return;
        for (int w = 0; w < 2; w++) {
            char *q = db_quote_ident(c[w]->name);
            sbuf_printf(&sel[w], "%s%s", k ? ", " : "SELECT ", q);
            free(q);
        }
    }
    if ((se == URL_PG ? pg_probe_fields(j, t, sel) : lite_probe_fields(j, sel)) < 0) {
        sbuf_free(&sel[0]);
        sbuf_free(&sel[1]);
        return;
    }
    for (int w = 0; w < 2; w++) {
        char *from = cat_sql_name(t[w]);
        sbuf_printf(&sel[w], " AS cutover_h FROM %s", from);
        free(from);
        where_all(&sel[w], &where[w], 1);
        j->probe_core[w] = xstrdup(sel[w].s);
        sbuf_printf(&sel[w], " ORDER BY %s", order[w]);
        j->probe_sql[w] = sbuf_take(&sel[w]);
        j->base_sql[w] = xstrdup(base[w]);
        j->order_sql[w] = xstrdup(order[w]);
    }
    j->phase = PH_PROBE;
    j->result.strategy = "probe";
    /* one integer key: its ranges can be bisected (always with --strategy
     * bisect; by auto above BISECT_AUTO_ROWS rows in the source's catalog) */
    if (j->nkey == 1 && cat_column(t[0], j->key_names[0])->tclass == TC_INT &&
        o && (o->strategy == DIFF_BISECT ||
              (o->strategy == DIFF_AUTO && t[0]->count != COUNT_UNKNOWN &&
               t[0]->rows >= BISECT_AUTO_ROWS))) {
        j->bisect = 1;
        j->result.strategy = "bisect";
        for (int w = 0; w < 2; w++)
            j->bkey[w] = db_quote_ident(w ? j->tkey_names[0] : j->key_names[0]);
    }
}

/* A table without key, of one engine on both sides, is first counted and
 * its row hashes summed by each server (comparison.md, "Strategies"):
 * equal counts and sums end it with no row read (ksum_sql). Not with
 * --strategy full or probe, nor in live windows. */
static void plan_sums(struct job *j, const struct diff_opts *o, enum url_kind se,
                      enum url_kind te, const char *const where[2])
{
    const struct cat_table *t[2] = { j->pair->src, j->pair->tgt };
    struct sbuf sel[2] = { { 0 }, { 0 } };

    if (!o || o->strategy == DIFF_PROBE || !servers_hash(j, o, se, te))
        return;
    for (int w = 0; w < 2; w++)
        sbuf_puts(&sel[w], "SELECT 0");
    if ((se == URL_PG ? pg_probe_fields(j, t, sel) : lite_probe_fields(j, sel)) < 0) {
        sbuf_free(&sel[0]);
        sbuf_free(&sel[1]);
        return;
    }
    for (int w = 0; w < 2; w++) {
        char *from = cat_sql_name(t[w]), *inner;
        sbuf_printf(&sel[w], " AS cutover_h FROM %s", from);
        free(from);
        where_all(&sel[w], &where[w], 1);
        inner = sbuf_take(&sel[w]);
        j->ksum_sql[w] = xasprintf("SELECT count(*), %s FROM (%s) p", se == URL_SQLITE
                                   ? "cutover_hash_sum(cutover_h)" : "sum(cutover_h)", inner);
        free(inner);
    }
}

static int rule_ignored(const char *text)
{
    struct rules r;
    char why[200];
    int ignored = rules_parse(text, &r, why, sizeof why) == 0 && rules_have(&r, R_IGNORE);

    rules_free(&r);
    return ignored;
}

/* Why a key column is not among a table's fields: not in the sheet, or its
 * row rejected or ignored (rows are matched by the key: another is needed). */
static void key_unmapped(const struct pair *p, const struct sheet *s, const char *key,
                         struct err *e)
{
    for (size_t i = 0; i < s->n; i++) {
        const char *sc, *tc, *why;
        if (!s->rows[i].f || !(sc = col_of(sheet_get(s, i, SC_SOURCE), p->src->name)) ||
            strcmp(sc, key) || !(tc = col_of(sheet_get(s, i, SC_TARGET), p->tgt->name)))
            continue;
        why = !strcmp(sheet_get(s, i, SC_STATUS), "rejected") ? "is rejected"
            : rule_ignored(sheet_get(s, i, SC_RULE)) ? "has the rule ignore" : NULL;
        if (why) {
            err_set(e, ERR_INPUT, "table %s: the row of its key column %s %s (%s:%d): rows are "
                    "matched by their key, so give the table one that is compared (key = … in "
                    "[table %s])", p->src->name, key, why, s->path, s->rows[i].line,
                    p->src->name);
            return;
        }
    }
    err_set(e, ERR_INPUT, "table %s: the key column %s is not mapped to a column of %s in the "
            "sheet", p->src->name, key, p->tgt->name);
}

int diff__plan_job(struct job *j, const struct pair *p, const struct sheet *s,
                    const struct diff_opts *o, enum url_kind se, enum url_kind te, struct err *e)
{
    const struct cat_table *st = p->src, *tt = p->tgt;
    struct sbuf ss = { 0 }, ts = { 0 }, so = { 0 }, to = { 0 };
    int ssort = 0, tsort = 0;   /* SQLite sides that sort rather than use the key's index */
    int rc = -1;
    char *sfrom = cat_sql_name(st), *tfrom = cat_sql_name(tt);

    memset(j, 0, sizeof *j);
    j->pair = p;
    {   /* the rows each side is held to: the plan's where, a wave's slice */
        const char *w = p->plan ? p->plan->where : NULL, *slice = o ? o->slice[0] : NULL;
        j->cond[0] = w && slice ? xasprintf("(%s) AND (%s)", w, slice)
                   : w || slice ? xstrdup(w ? w : slice) : NULL;
        j->cond[1] = o && o->slice[1] ? xstrdup(o->slice[1]) : NULL;
    }
    j->result.table = xstrdup(st->name);
    j->result.target_table = xstrdup(tt->name);
    j->result.source_total = st->count != COUNT_UNKNOWN ? st->rows : -1;
    j->result.target_total = tt->count != COUNT_UNKNOWN ? tt->rows : -1;
    /* the fields: rows of the sheet from this table to this target table */
    for (size_t i = 0; i < s->n; i++) {
        const char *sc, *tc, *tf;
        const struct cat_column *scol, *tcol;
        struct rules rules;
        char why[200];
        struct field *f;

        if (!s->rows[i].f || !strcmp(sheet_get(s, i, SC_STATUS), "rejected"))
            continue;
        if (!(sc = col_of(sheet_get(s, i, SC_SOURCE), st->name)) ||
            !(tc = col_of(sheet_get(s, i, SC_TARGET), tt->name)))
            continue;
        if (sheet_row_malformed(s, i, why, sizeof why)) {  /* a malformed sheet: no run */
            err_set(e, ERR_INPUT, "%s:%d: %s", s->path, s->rows[i].line, why);
            rc = -2;
            goto bad;
        }
        if (!(scol = cat_column(st, sc)) || !(tcol = cat_column(tt, tc))) {
            /* the table fails, rather than pass without the field */
            err_set(e, ERR_INPUT, "%s:%d: %s: no such column in the %s", s->path,
                    s->rows[i].line, sheet_get(s, i, scol ? SC_TARGET : SC_SOURCE),
                    plan_side_name(scol != NULL));
            goto bad;
        }
        if (rules_parse(sheet_get(s, i, SC_RULE), &rules, why, sizeof why) < 0) {
            /* never a field left out unsaid: the run would pass without it */
            err_set(e, ERR_INPUT, "%s:%d: %s", s->path, s->rows[i].line, why);
            rc = -2;
            goto bad;
        }
        j->fields = xrealloc(j->fields, (size_t)(j->nfields + 1) * sizeof *j->fields);
        f = &j->fields[j->nfields];
        memset(f, 0, sizeof *f);
        canon_spec_for_pair(&f->spec, scol, se == URL_SQLITE, tcol, te == URL_SQLITE, &rules);
        if (!f->spec.ignore)
            rule_checks_of(&rules, &f->check);
        rules_free(&rules);
        if (f->spec.ignore)
            continue;
        j->validates |= f->check.not_null || f->check.re;
        f->source = xstrdup(sc);
        f->target = xstrdup(tc);
        f->rule = xstrdup(*sheet_get(s, i, SC_RULE) ? sheet_get(s, i, SC_RULE) : "equal");
        tf = sheet_get(s, i, SC_TRANSFORM);
        f->xf = *tf != 0;
        f->line = s->rows[i].line;
        f->expr = f->xf ? xasprintf("(%s)", tf) : cat_read_expr(scol);
        f->texpr = cat_read_expr(tcol);
        j->nfields++;
    }
    /* nothing left out in silence: a source column with no row in the sheet */
    for (size_t c = 0; c < st->ncols; c++) {
        char *ref = xasprintf("%s.%s", st->name, st->cols[c].name);
        if (sheet_cover(s, ref, NULL) == SHEET_UNCOVERED) {
            j->unmapped = xrealloc(j->unmapped, (size_t)(j->nunmapped + 1) * sizeof *j->unmapped);
            j->unmapped[j->nunmapped++] = xstrdup(st->cols[c].name);
        }
        free(ref);
    }
    /* the key, and the target column each key column is mapped to */
    j->nkey = (int)p->nkey;
    j->result.no_key = !p->nkey;
    j->key_names = xcalloc(p->nkey + 1, sizeof *j->key_names);
    j->key_expr = xcalloc(p->nkey + 1, sizeof *j->key_expr);
    j->key_xf = xcalloc(p->nkey + 1, 1);
    j->tkey_names = xcalloc(p->nkey + 1, sizeof *j->tkey_names);
    j->key_spec = xcalloc(p->nkey + 1, sizeof *j->key_spec);
    sbuf_puts(&ss, "SELECT ");
    sbuf_puts(&ts, "SELECT ");
    for (size_t k = 0; k < p->nkey; k++) {
        const char *tk = NULL;
        char *qt;
        const struct field *kf = NULL;
        for (int i = 0; i < j->nfields && !tk; i++)
            if (!strcmp(j->fields[i].source, p->key[k]))
                tk = (kf = &j->fields[i])->target;
        if (!tk) {
            key_unmapped(p, s, p->key[k], e);
            goto bad;
        }
        j->key_names[k] = xstrdup(p->key[k]);
        j->key_expr[k] = xstrdup(kf->expr);  /* what is read: the transform, if any */
        j->key_xf[k] = (unsigned char)kf->xf;
        j->tkey_names[k] = xstrdup(tk);
        canon_spec_for(&j->key_spec[k], cat_column(tt, tk), NULL);
        qt = cat_read_expr(cat_column(tt, tk));
        sbuf_printf(&ss, "%s%s", k ? ", " : "", kf->expr);
        sbuf_printf(&ts, "%s%s", k ? ", " : "", qt);
        free(qt);
        if (k) {
            sbuf_puts(&so, ", ");
            sbuf_puts(&to, ", ");
        }
        if (!k) {
            ssort = se == URL_SQLITE && lite_sorts(st, p->key[0], p->nkey);
            tsort = te == URL_SQLITE && lite_sorts(tt, tk, p->nkey);
        }
        {  /* … and what orders */
            char *qs = kf->xf ? xstrdup(kf->expr) : db_quote_ident(p->key[k]);
            qt = db_quote_ident(tk);
            if (order_by(&so, qs, se, cat_column(st, p->key[k]), j->key_spec[k].kind, ssort,
                         kf->xf))
                j->key_cast = j->key_names[k];
            order_by(&to, qt, te, cat_column(tt, tk), j->key_spec[k].kind, tsort, 0);
            free(qs);
            free(qt);
        }
    }
    if (!j->nfields) {
        err_set(e, ERR_INPUT, "table %s: no column is mapped to %s in the sheet", st->name,
                tt->name);
        goto bad;
    }
    for (int i = 0, ncols = j->nkey; i < j->nfields; i++) {
        struct field *f = &j->fields[i];
        f->col = -1;
        for (int k = 0; k < j->nkey && f->col < 0; k++)
            if (!strcmp(f->expr, j->key_expr[k]) && !strcmp(f->target, j->tkey_names[k]))
                f->col = k;  /* the key column itself: read it once */
        if (f->col >= 0)
            continue;
        sbuf_printf(&ss, "%s%s", ncols ? ", " : "", f->expr);
        sbuf_printf(&ts, "%s%s", ncols ? ", " : "", f->texpr);
        f->col = ncols++;
    }
    if (o && o->nkeys)
        j->validates = 0;  /* a look at some keys (live windows): for missing and stale rows */
    /* unique: the target's rows whose value another row holds too, read as
     * the target's rows are (not in a look at some keys, nor without key) */
    for (int i = 0; i < j->nfields && !(o && o->nkeys) && p->nkey; i++) {
        struct field *f = &j->fields[i];
        if (f->check.unique)
            f->uniq_sql = xasprintf("%s FROM %s WHERE %s%s%s%s IN (SELECT %s FROM %s WHERE %s%s%s "
                                    "IS NOT NULL GROUP BY 1 HAVING count(*) > 1) ORDER BY %s",
                                    ts.s, tfrom, j->cond[1] ? "(" : "", j->cond[1] ? j->cond[1]
                                    : "", j->cond[1] ? ") AND " : "", f->texpr, f->texpr, tfrom,
                                    j->cond[1] ? j->cond[1] : "", j->cond[1] ? " AND " : "",
                                    f->texpr, to.s);
    }
    sbuf_printf(&ss, " FROM %s", sfrom);
    sbuf_printf(&ts, " FROM %s", tfrom);
    if (p->nkey)
        plan_probe(j, o, se, te, (const char *const[]){ ss.s, ts.s },
                   (const char *const[]){ so.s, to.s },
                   (const char *const[]){ j->cond[0], j->cond[1] });
    else
        plan_sums(j, o, se, te, (const char *const[]){ j->cond[0], j->cond[1] });
    {
        int live = o && o->nkeys && p->nkey;
        char *sk = live ? diff__keys_in(j, st, 0, se, o) : NULL;
        char *tk = live ? diff__keys_in(j, tt, 1, te, o) : NULL;
        where_all(&ss, (const char *[]){ j->cond[0], o ? o->source_filter : NULL, sk }, 3);
        where_all(&ts, (const char *[]){ j->cond[1], tk }, 2);
        free(sk);
        free(tk);
    }
    if (p->nkey) {
        sbuf_printf(&ss, " ORDER BY %s", so.s);
        sbuf_printf(&ts, " ORDER BY %s", to.s);
    }
    j->src_sql = sbuf_take(&ss);
    j->tgt_sql = sbuf_take(&ts);
    sbuf_free(&so), sbuf_free(&to);
    free(sfrom), free(tfrom);
    return 0;
bad:
    sbuf_free(&ss), sbuf_free(&ts), sbuf_free(&so), sbuf_free(&to);
    free(sfrom), free(tfrom);
    return rc;
}

void diff__job_free(struct job *j)
{
    for (int i = 0; i < j->nfields; i++) {
        free(j->fields[i].source), free(j->fields[i].target), free(j->fields[i].expr);
        free(j->fields[i].texpr);
        free(j->fields[i].rule);
        free(j->fields[i].uniq_sql);
        rule_checks_free(&j->fields[i].check);
    }
    free(j->fields);
    for (int k = 0; k < j->nkey; k++) {
        free(j->key_names[k]);
        free(j->key_expr ? j->key_expr[k] : NULL);
        free(j->tkey_names ? j->tkey_names[k] : NULL);
    }
    free(j->key_names);
    free(j->key_expr);
    free(j->key_xf);
    free(j->tkey_names);
    free(j->key_spec);
    free(j->src_sql);
    free(j->tgt_sql);
    for (int w = 0; w < 2; w++) {
        free(j->probe_sql[w]);
        free(j->probe_core[w]);
        free(j->bkey[w]);
        free(j->ksum_sql[w]);
        free(j->base_sql[w]);
        free(j->order_sql[w]);
    }
    diff__bisect_free(j);
    for (int i = 0; i < j->nunmapped; i++)
        free(j->unmapped[i]);
    free(j->unmapped);
    st_queries_free(&j->st);
    free(j->cond[0]), free(j->cond[1]);
    diff__cand_free(j);
}

/* A job planned for a look, never run: its result's names go with it. */
void diff__job_discard(struct job *j)
{
    free(j->result.table), free(j->result.target_table);
    diff__job_free(j);
}

int diff_key_columns(const struct pair *p, const struct sheet *s, enum url_kind se,
                     enum url_kind te, struct diff_keycols *out, struct err *e)
{
    struct job j;
    struct sbuf b[2] = { { 0 }, { 0 } };

    memset(out, 0, sizeof *out);
    if (diff__plan_job(&j, p, s, NULL, se, te, e) < 0) {
        diff__job_discard(&j);
        return -1;
    }
    out->n = j.nkey;
    out->names = xcalloc((size_t)j.nkey + 1, sizeof *out->names);
    for (int k = 0; k < j.nkey; k++) {
        char *qt = db_quote_ident(j.tkey_names[k]);
        sbuf_printf(&b[0], "%s%s", k ? ", " : "", j.key_expr[k]);
        sbuf_printf(&b[1], "%s%s", k ? ", " : "", qt);
        out->names[k] = xstrdup(j.key_names[k]);
        free(qt);
    }
    diff__job_discard(&j);
    out->sel[0] = sbuf_take(&b[0]);
    out->sel[1] = sbuf_take(&b[1]);
    return 0;
}

char *diff_key_select(const struct pair *p, const struct sheet *s, enum url_kind se,
                      enum url_kind te, struct err *e)
{
    struct diff_keycols k;
    char *sel;

    if (diff_key_columns(p, s, se, te, &k, e) < 0)
        return NULL;
    sel = k.sel[0];
    k.sel[0] = NULL;
    diff_keycols_free(&k);
    return sel;
}

void diff_keycols_free(struct diff_keycols *k)
{
    for (int i = 0; i < k->n; i++)
        free(k->names[i]);
    free(k->names);
    free(k->sel[0]);
    free(k->sel[1]);
    memset(k, 0, sizeof *k);
}

/* What a run does with a pair: compares it, reports that its data moves
 * without a target table, lists it as not validated (undecided, no target
 * table), or leaves it out (-1: delete, retain, not asked for, target only). */
int diff__wanted(const struct pair *p, const struct diff_opts *o)
{
    int asked = !(o && o->ntables);

    if (!p->src || (o && o->checks_only))
        return -1;
    for (size_t i = 0; o && i < o->ntables; i++)
        asked |= !strcmp(o->tables[i], p->src->name);
    if (!asked || !(o && o->ntables ? p->tgt || pair_must_move(p) : pair_moves(p)))
        return -1;
    return p->tgt ? JOB_COMPARE : pair_must_move(p) ? JOB_NO_TARGET : JOB_LISTED;
}

/* The source table a --table naming no source table likely meant: the one
 * paired with a target of that name, or of that name in another case. */
const char *diff__source_named_like(const struct pairing *pp, const char *name)
{
    for (size_t k = 0; k < pp->n; k++)
        if (pp->pairs[k].src && pp->pairs[k].tgt && !strcmp(pp->pairs[k].tgt->name, name))
            return pp->pairs[k].src->name;
    for (size_t k = 0; k < pp->n; k++)
        if (pp->pairs[k].src && !strcasecmp(pp->pairs[k].src->name, name))
            return pp->pairs[k].src->name;
    return NULL;
}
