/* diff_merge: the rows of both sides in bounded queues, merged by key:
 * missing, extra, changed, duplicates, invalid values; what is reported of them. */
#include "config.h"
#include "diff.h"
#include "diff_int.h"
#include "dtoa.h"
#include "jsonx.h"
#include <math.h>
#include <string.h>
#define XXH_STATIC_LINKING_ONLY  /* XXH3_state_t on the stack */

/* --- rows and side queues --------------------------------------------------------- */

/* An emptied chunk: kept as a spare if there is room, else freed. */
static void chunk_drop(struct side *s, struct chunk *c)
{
    if (c->cap == CHUNK && s->nspare < SPARES)
        s->spare[s->nspare++] = c;
    else
        free(c);
}

static void *chunk_take(struct side *s, size_t size, struct chunk **owner)
{
    struct chunk *c = s->tail;

    size = (size + 15) & ~(size_t)15;
    if (!c || c->cap - c->used < size) {
        if (c && !c->live)
            chunk_drop(s, c);
        if (size <= CHUNK && s->nspare) {
            c = s->spare[--s->nspare];
        } else {
            c = xmalloc(sizeof *c + (size > CHUNK ? size : CHUNK));
            c->cap = size > CHUNK ? size : CHUNK;
        }
        s->tail = c;
        c->used = c->live = 0;
    }
    c->live++;
    *owner = c;
    c->used += size;
    return c->mem + c->used - size;
}

void diff__row_free(struct side *s, struct row *r)
{
    struct chunk *c = r->chunk;

    if (--c->live)
        return;
    if (c == s->tail)
        c->used = 0;
    else
        chunk_drop(s, c);
}

/* The fields of a row as read: a probe reads one, the row's hash, after its keys. */
static int row_fields(const struct job *j)
{
    return j->phase == PH_PROBE ? 1 : j->nfields;
}

static int row_col(const struct job *j, int i)
{
    return j->phase == PH_PROBE ? j->nkey : j->fields[i].col;
}

/* Row `at` of batch b: its keys, read into d->scratch in canonical form,
 * then its fields copied from the batch as they are, each followed by a NUL. */
struct row *diff__row_new(struct diff *d, struct side *s, const struct job *j,
                           const struct db_batch *b, size_t at)
{
    int nf = row_fields(j), n = j->nkey + nf;
    size_t bytes = sizeof(struct row) + (size_t)n * (2 * sizeof(uint32_t) + 1) + d->scratch.len;
    uint32_t pos = (uint32_t)d->scratch.len;
    struct chunk *c;
    struct row *r;

    for (int i = 0; i < nf; i++)
        bytes += db_cell(b, at, row_col(j, i))->len + 1;
    r = chunk_take(s, bytes, &c);
    r->chunk = c;
    r->n = n;
    r->size = (uint32_t)bytes;
    r->off = (uint32_t *)(r + 1);
    r->len = r->off + n;
    r->type = (unsigned char *)(r->len + n);
    r->data = (char *)(r->type + n);
    memcpy(r->off, d->off, (size_t)j->nkey * sizeof *r->off);
    memcpy(r->len, d->len, (size_t)j->nkey * sizeof *r->len);
    memcpy(r->type, d->type, (size_t)j->nkey);
    if (d->scratch.len)  /* nothing written (a NULL key) may leave it unallocated */
        memcpy(r->data, d->scratch.s, d->scratch.len);
    for (int i = 0, v = j->nkey; i < nf; i++, v++) {
        const struct db_cell *f = db_cell(b, at, row_col(j, i));
        r->off[v] = pos;
        r->len[v] = (uint32_t)f->len;
        r->type[v] = !f->p ? DB_NULL : f->type == DB_BLOB || f->type == DB_FLOAT ||
                     db_type_binary(f->type) ? (unsigned char)f->type : DB_TEXT;
        if (f->p)
            memcpy(r->data + pos, f->p, f->len);
        r->data[pos + f->len] = '\0';
        pos += (uint32_t)f->len + 1;
    }
    return r;
}

static const char *val(const struct row *r, int i)
{
    return r->data + r->off[i];
}

/* Value i of a row as a cell (a binary number stays binary). */
static struct db_cell row_cell(const struct row *r, int i)
{
    return (struct db_cell){ r->type[i] == DB_NULL ? NULL : val(r, i), r->len[i], r->type[i] };
}

size_t diff__queued(const struct side *s)
{
    return s->n - s->head;
}

void diff__push(struct side *s, struct row *r)
{
    if (s->head && s->n == s->cap) {  /* reuse the consumed front */
        memmove(s->v, s->v + s->head, (s->n - s->head) * sizeof *s->v);
        s->n -= s->head;
        s->head = 0;
    }
    s->v = xgrow(s->v, &s->cap, s->n + 1, sizeof *s->v);
    s->v[s->n++] = r;
    s->bytes += r->size;
}

/* A side far enough ahead of the other to wait (in rows, or in bytes when
 * its values are large), and one back low enough to read on. */
int diff__side_full(const struct side *s)
{
    return diff__queued(s) >= HIGH || s->bytes >= HIGH_BYTES;
}

static int side_low(const struct side *s)
{
    return diff__queued(s) < LOW && s->bytes < LOW_BYTES;
}

static struct row *peek(struct side *s)
{
    return s->head < s->n ? s->v[s->head] : NULL;
}

void diff__side_reset(struct side *s)
{
    for (size_t i = s->head; i < s->n; i++)
        diff__row_free(s, s->v[i]);
    if (s->prev)
        diff__row_free(s, s->prev);
    free(s->v);
    free(s->tail);  /* no row is left in it */
    while (s->nspare)
        free(s->spare[--s->nspare]);
    free(s->hashes);
    memset(s, 0, sizeof *s);
}

/* --- reporting ----------------------------------------------------------------- */

/* Digits of a decimal's text from its first non-zero one (a double holds
 * any decimal of 15). */
static int significant_digits(const char *s)
{
    int n = 0;

    for (; *s && *s != 'e' && *s != 'E'; s++)
        if (*s >= '1' && *s <= '9')
            n++;
        else if (*s == '0' && n)
            n++;
    return n;
}

/* A value as JSON, typed as its canonical kind says. */
static json_t *typed(const struct canon_spec *sp, const struct db_cell *cell)
{
    char buf[128], num[DB_CELL_TEXT_MAX];
    const struct db_cell c = db_cell_text(cell, num);
    const char *raw = c.p;
    size_t len = c.len;

    if (!raw)
        return json_null();
    snprintf(buf, sizeof buf, "%.*s", (int)(len < 127 ? len : 127), raw);
    switch (sp->kind) {
    case CK_INT: {
        char *end;
        long long v;
        errno = 0;
        v = strtoll(buf, &end, 10);
        if (end != buf && !*end && len < 127 && !errno)  /* "" is text, not 0 */
            return json_integer(v);
        break;
    }
    case CK_NUM:
    case CK_FLOAT: {  /* a number a double holds exactly; else its text, not rounded */
        char *end, shortest[DTOA_MAX];
        double v = strtod(buf, &end);
        if (end != buf && !*end && len < 127 && v == v && !isinf(v) &&
            (significant_digits(buf) <= 15 || (dtoa_shortest(shortest, v),
                                               !strcmp(shortest, buf))))
            return json_real(v);
        break;
    }
    case CK_BOOL:
        if (!strcmp(buf, "1") || !strcmp(buf, "0"))
            return json_boolean(buf[0] == '1');
        break;
    default:
        break;
    }
    if (sp->kind != CK_BYTES) {  /* text, or what did not read as its kind ("NaN") */
        json_t *text = json_stringn(raw, len);
        if (text)
            return text;  /* else bytes that are not UTF-8 */
    }
    if (len >= 2 && raw[0] == '\\' && raw[1] == 'x')  /* PostgreSQL's bytea text */
        return json_stringn(raw, len);
    {   /* bytes as PostgreSQL shows them: \x and hex */
        static const char digits[] = "0123456789abcdef";
        char *hex = xmalloc(2 * len + 3);
        json_t *j;
        hex[0] = '\\', hex[1] = 'x';
        for (size_t i = 0; i < len; i++) {
            hex[2 + 2 * i] = digits[(unsigned char)raw[i] >> 4];
            hex[3 + 2 * i] = digits[(unsigned char)raw[i] & 15];
        }
        j = json_stringn(hex, 2 * len + 2);
        free(hex);
        return j;
    }
}

json_t *diff__value_json(const struct canon_spec *sp, const struct row *r, int i)
{
    struct db_cell c = row_cell(r, i);

    return typed(sp, &c);
}

/* The key as the row's side holds it: the key column's value as read (the
 * field it is mapped to, the sheet's transform applied; a probe's row has
 * only the key's canonical form, the same value), typed by its canonical
 * kind. */
json_t *diff__key_json(const struct job *j, const struct row *r)
{
    json_t *k = json_object();

    for (int i = 0; i < j->nkey; i++) {
        int v = i;
        for (int f = 0; f < j->nfields && v == i && j->phase != PH_PROBE; f++)
            if (j->fields[f].col == i)
                v = j->nkey + f;
        json_object_set_new(k, j->key_names[i], diff__value_json(&j->key_spec[i], r, v));
    }
    return k;
}

json_t *diff_fields_json(const struct diff_disc *d)
{
    json_t *fields = d->nfields ? json_array() : NULL;

    for (size_t i = 0; i < d->nfields; i++) {
        const struct diff_field *f = &d->fields[i];
        json_t *o = json_pack("{s:s, s:s}", "source", f->source, "target", f->target);
        if (f->source_value)
            json_object_set(o, "source_value", f->source_value);
        json_object_set(o, "target_value", f->target_value);
        if (f->rule)
            json_object_set_new(o, "rule", json_string(f->rule));
        if (f->source_length)
            json_object_set_new(o, "source_length", json_integer(f->source_length));
        if (f->target_length)
            json_object_set_new(o, "target_length", json_integer(f->target_length));
        if (f->from)
            json_object_set_new(o, "from", json_integer((json_int_t)f->from));
        json_array_append_new(fields, o);
    }
    return fields;
}

/* A reported value: DIFF_VALUE_MAX bytes of its text from byte `from` (a
 * character's start), "…" where it is cut (a document or an image changed
 * would otherwise be written whole into the workspace and every output),
 * *len its whole length then. */
json_t *diff__report_value(json_t *v, size_t from, long long *len)
{
    const char *s = json_string_value(v);
    size_t total = s ? json_string_length(v) : 0, n;
    char *cut;
    json_t *c;

    *len = 0;
    if (!s || total <= DIFF_VALUE_MAX)
        return v;
    from = from < total ? from : 0;
    n = total - from < DIFF_VALUE_MAX ? total - from : DIFF_VALUE_MAX;
    while (n && from + n < total && utf8_inside(s, from + n))  /* not inside a character */
        n--;
    cut = xasprintf("%s%.*s%s", from ? "…" : "", (int)n, s + from, from + n < total ? "…" : "");
    c = json_stringn_nocheck(cut, strlen(cut));
    *len = (long long)json_string_length(v);
    free(cut);
    json_decref(v);
    return c;
}

/* Hands a discrepancy on; takes the keys' references (target_key may be NULL). */
void diff__emit(struct diff *d, struct job *j, const char *kind, const char *side,
                 json_t *key, json_t *target_key, struct diff_field *f, size_t nf)
{
    struct diff_disc disc = { j->result.table, j->result.target_table, kind, side, key,
                              target_key, f, nf, NULL };

    if (d->ev.discrepancy)
        d->ev.discrepancy(d->ev.arg, &disc);
    json_decref(key);
    json_decref(target_key);
}

/* --- the merge ----------------------------------------------------------------- */

/* An integer key's value, kept as its 8 bytes (put_key: DB_INT64). */
static int64_t key_int(const struct row *r, int i)
{
    int64_t v;

    memcpy(&v, val(r, i), sizeof v);
    return v;
}

/* Key value i of a row in canonical form: its text, or an integer key
 * written out into `buf` (INT_TEXT_MAX bytes). */
static const char *key_text(const struct row *r, int i, char *buf, size_t *len)
{
    if (r->type[i] != DB_INT64) {
        *len = r->len[i];
        return val(r, i);
    }
    *len = (size_t)int_format(buf, key_int(r, i));
    return buf;
}

/* Key order: part by part, a NULL before any value and equal only to NULL;
 * two integer keys as numbers, the order their canonical text has. */
static int rows_cmp(const struct job *j, const struct row *a, const struct row *b)
{
    for (int i = 0; i < j->nkey; i++) {
        int an = a->type[i] == DB_NULL, bn = b->type[i] == DB_NULL, c;
        if (an || bn) {
            c = bn - an;
        } else if (a->type[i] == DB_INT64 && b->type[i] == DB_INT64) {
            int64_t x = key_int(a, i), y = key_int(b, i);
            c = (x > y) - (x < y);
        } else {  /* text, or an integer beside a key that did not read as one */
            char bx[INT_TEXT_MAX], by[INT_TEXT_MAX];
            size_t nx, ny;
            const char *x = key_text(a, i, bx, &nx), *y = key_text(b, i, by, &ny);
            c = canon_compare(&j->key_spec[i], x, nx, y, ny);
        }
        if (c)
            return c;
    }
    return 0;
}

/* Whether the row at the head of a side repeats the key of the one that left
 * before it (1) or comes before it (-1: out of order). */
static int step_key(const struct job *j, const struct side *s, const struct row *r)
{
    int c = s->prev ? rows_cmp(j, r, s->prev) : 1;  /* > 0: r comes after it */

    return c == 0 ? 1 : c < 0 ? -1 : 0;
}

/* The head row leaves its side; it is kept as `prev` until the next one does. */
static void pop(struct side *s)
{
    if (s->prev)
        diff__row_free(s, s->prev);
    s->prev = s->v[s->head++];
    s->bytes -= s->prev->size;
}

/* The table cannot be compared: a side's row `r` came after `prev`, whose key
 * is greater. Say which and why, and stop reading it (the run goes on). */
void diff__fail_table(struct diff *d, struct job *j, const char *side, const struct row *r,
                       const struct row *prev)
{
    if (!j->result.error) {
        json_t *k[2] = { diff__key_json(j, r), diff__key_json(j, prev) };
        char *t[2] = { jsonx_dumps(k[0], JSON_COMPACT), jsonx_dumps(k[1], JSON_COMPACT) };
        j->result.error_code = ERR_INPUT;
        j->result.error = xasprintf("%s rows do not come in key order: %s after %s (key values "
                                    "of another type or form than the target key's: cutover map "
                                    "lint names those that do not read as its type; a transform "
                                    "of the key can convert them)", side, t[0], t[1]);
        for (int i = 0; i < 2; i++)
            free(t[i]), json_decref(k[i]);
    }
    for (int w = 0; w < 2; w++)
        if (d->side[w].q)
            db_query_cancel(d->side[w].q);
}

/* Field value i of a row in canonical form, in d->canon[which]. */
static void field_canon(struct diff *d, const struct job *j, const struct row *r, int i,
                        int which)
{
    int null;
    struct db_cell c = row_cell(r, j->nkey + i);

    d->canon[which].len = 0;
    canon_value(&j->fields[i].spec, &c, &d->canon[which], &null);
}

/* Whether the same bytes of two fields are the same value: text is text,
 * whether or not it is a float's (a float and a numeric(p,s) written alike
 * are equal at its scale too). */
static int same_kind(unsigned char a, unsigned char b)
{
    return a == b || ((a == DB_TEXT || a == DB_FLOAT) && (b == DB_TEXT || b == DB_FLOAT));
}

/* Where two long values are shown from: a little before their first
 * difference, when it lies past what is shown of them (two documents that
 * differ in their last line would otherwise show the same first kilobyte). */
static size_t cut_from(json_t *a, json_t *b)
{
    const char *x = json_string_value(a), *y = json_string_value(b);
    size_t nx = x ? json_string_length(a) : 0, ny = y ? json_string_length(b) : 0, at = 0;

    if (!x || !y || (nx <= DIFF_VALUE_MAX && ny <= DIFF_VALUE_MAX))
        return 0;
    while (at < nx && at < ny && x[at] == y[at])
        at++;
    if (at + DIFF_VALUE_CONTEXT <= DIFF_VALUE_MAX)
        return 0;
    at -= DIFF_VALUE_CONTEXT;
    while (at && utf8_inside(x, at))  /* the same bytes in both up to the difference */
        at--;
    return at;
}

void diff__compare(struct diff *d, struct job *j, const struct row *s, const struct row *t)
{
    struct diff_field *f = NULL, *fd;
    size_t nf = 0;

    for (int i = 0; i < j->nfields; i++) {
        int v = j->nkey + i;
        if (same_kind(s->type[v], t->type[v]) && s->len[v] == t->len[v] &&
            !memcmp(val(s, v), val(t, v), s->len[v]))
            continue;  /* the same bytes (or both NULL): the same canonical value */
        if (s->type[v] != DB_NULL && t->type[v] != DB_NULL) {
            field_canon(d, j, s, i, 0);
            field_canon(d, j, t, i, 1);
            if (canon_equal(&j->fields[i].spec, d->canon[0].s, d->canon[0].len, 0,
                            d->canon[1].s, d->canon[1].len, 0))
                continue;
        }
        f = xrealloc(f, (nf + 1) * sizeof *f);
        fd = &f[nf++];
        *fd = (struct diff_field){ j->fields[i].source, j->fields[i].target, NULL, NULL, 0, 0,
                                   NULL, 0 };
        fd->source_value = diff__value_json(&j->fields[i].spec, s, v);
        fd->target_value = diff__value_json(&j->fields[i].spec, t, v);
        fd->from = cut_from(fd->source_value, fd->target_value);
        fd->source_value = diff__report_value(fd->source_value, fd->from, &fd->source_length);
        fd->target_value = diff__report_value(fd->target_value, fd->from, &fd->target_length);
    }
    if (nf) {
        /* the target's key as it reads it too, when it is written otherwise: the
         * row is looked up by it on that side */
        json_t *sk = diff__key_json(j, s), *tk = diff__key_json(j, t);
        if (json_equal(sk, tk)) {
            json_decref(tk);
            tk = NULL;
        }
        j->result.changed++;
        diff__emit(d, j, "changed", NULL, sk, tk, f, nf);
        for (size_t i = 0; i < nf; i++) {
            json_decref(f[i].source_value);
            json_decref(f[i].target_value);
        }
        free(f);
    }
}

/* The text a regex rule reads: text as it is, any other value in canonical form. */
static const char *rule_text(struct diff *d, const struct job *j, const struct row *r, int i)
{
    if (r->type[j->nkey + i] == DB_TEXT)
        return val(r, j->nkey + i);
    field_canon(d, j, r, i, 1);
    return d->canon[1].s ? d->canon[1].s : "";
}

/* A target row's values judged by the validation rules of their fields
 * (not_null, regex): one `invalid` discrepancy names every value refused. */
void diff__validate(struct diff *d, struct job *j, const struct row *t)
{
    struct diff_field *f = NULL, *fd;
    size_t nf = 0;

    for (int i = 0; i < j->nfields; i++) {
        const struct field *fl = &j->fields[i];
        int v = j->nkey + i;
        const char *broken = rule_checks_refuse(&fl->check, t->type[v] == DB_NULL ? NULL
                                                : fl->check.re ? rule_text(d, j, t, i) : "");
        if (!broken)
            continue;
        f = xrealloc(f, (nf + 1) * sizeof *f);
        fd = &f[nf++];
        *fd = (struct diff_field){ fl->source, fl->target, NULL, NULL, 0, 0, broken, 0 };
        fd->target_value = diff__report_value(diff__value_json(&fl->spec, t, v), 0,
                                              &fd->target_length);
    }
    if (!nf)
        return;
    j->result.invalid++;
    diff__emit(d, j, "invalid", NULL, diff__key_json(j, t), NULL, f, nf);
    for (size_t i = 0; i < nf; i++)
        json_decref(f[i].target_value);
    free(f);
}

static void resume_sides(struct diff *d)
{
    for (int i = 0; i < 2; i++) {
        struct side *s = &d->side[i];
        if (s->paused && side_low(s) && s->q) {
            s->paused = 0;
            db_query_resume(s->q);
        }
    }
}

/* A key on one side only, or repeated: counted and said, but once: not again
 * when the keys a probe found are read in full. */
void diff__found(struct diff *d, struct job *j, long *count, const char *kind,
                  const char *side, const struct row *r)
{
    if (j->phase >= PH_VERIFY)
        return;
    (*count)++;
    diff__emit(d, j, kind, side, diff__key_json(j, r), NULL, NULL, 0);
}

void diff__cand_free(struct job *j)
{
    for (size_t i = 0; i < j->ncand * (size_t)j->nkey; i++)
        free(j->cand[i]);
    free(j->cand);
    j->cand = NULL;
    j->ncand = j->cand_cap = j->cand_bytes = j->verified = 0;
}

/* The rows of one key in a probe: if their hashes differ, the key is to be
 * verified (its source key values kept as text, as keys_in takes them). */
void diff__probe(struct job *j, const struct row *s, const struct row *t)
{
    int v = j->nkey;
    size_t at;

    if ((s->type[v] == t->type[v] && s->len[v] == t->len[v] &&
         !memcmp(val(s, v), val(t, v), s->len[v])) || j->overflow)
        return;
    if (j->ncand >= CAND_MAX || j->cand_bytes >= CAND_BYTES) {
        diff__cand_free(j);
        j->overflow = 1;
        return;
    }
    at = j->ncand++ * (size_t)j->nkey;
    j->cand = xgrow(j->cand, &j->cand_cap, at + (size_t)j->nkey, sizeof *j->cand);
    for (int k = 0; k < j->nkey; k++) {
        char buf[INT_TEXT_MAX];
        size_t n;
        const char *text = key_text(s, k, buf, &n);
        j->cand[at + (size_t)k] = xstrndup(text, n);
        j->cand_bytes += n + sizeof *j->cand + 1;
    }
}

void diff__next_table(struct diff *d);

void diff__merge(struct diff *d)
{
    struct job *j = &d->jobs[d->at];
    struct side *S = &d->side[0], *T = &d->side[1];

    while (!j->result.error) {
        struct row *s = peek(S), *t = peek(T);
        int c, o;

        if ((!s && !S->done) || (!t && !T->done) || (!s && !t))
            break;
        /* a key seen just before on the same side is a duplicate */
        c = !s ? 1 : !t ? -1 : rows_cmp(j, s, t);
        if (c <= 0) {
            if ((o = step_key(j, S, s)) < 0) {
                diff__fail_table(d, j, "source", s, S->prev);
                break;
            }
            if (o == 1) {
                diff__found(d, j, &j->result.duplicates, "duplicate", "source", s);
                pop(S);
                continue;
            }
            if (t && c == 0) {
                if (step_key(j, T, t) == 1) {  /* the target repeats an earlier key; */
                                               /* the source row is still to be matched */
                    diff__found(d, j, &j->result.duplicates, "duplicate", "target", t);
                    pop(T);
                    continue;
                }
                if (j->phase == PH_PROBE)
                    diff__probe(j, s, t);
                else
                    diff__compare(d, j, s, t);
                pop(T);
            } else {
                diff__found(d, j, &j->result.missing, "missing", NULL, s);
            }
            pop(S);
        } else {
            if ((o = step_key(j, T, t)) < 0) {
                diff__fail_table(d, j, "target", t, T->prev);
                break;
            }
            if (o == 1)
                diff__found(d, j, &j->result.duplicates, "duplicate", "target", t);
            else
                diff__found(d, j, &j->result.extra, "extra", NULL, t);
            pop(T);
        }
    }
    resume_sides(d);
}

static int hash_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return (x > y) - (x < y);
}

/* Without a key the rows are a multiset: sorted hashes, counted. */
void diff__merge_hashes(struct diff *d, struct job *j)
{
    struct side *S = &d->side[0], *T = &d->side[1];
    size_t a = 0, b = 0;

    if (S->nhashes)  /* an empty side has no array: qsort(NULL, 0) is undefined */
        qsort(S->hashes, S->nhashes, sizeof *S->hashes, hash_cmp);
    if (T->nhashes)
        qsort(T->hashes, T->nhashes, sizeof *T->hashes, hash_cmp);
    while (a < S->nhashes || b < T->nhashes) {
        char hex[20];
        if (b >= T->nhashes || (a < S->nhashes && S->hashes[a] < T->hashes[b])) {
            snprintf(hex, sizeof hex, "%016llx", (unsigned long long)S->hashes[a++]);
            j->result.missing++;
            diff__emit(d, j, "missing", NULL, json_pack("{s:s}", "row_hash", hex), NULL, NULL, 0);
        } else if (a >= S->nhashes || T->hashes[b] < S->hashes[a]) {
            snprintf(hex, sizeof hex, "%016llx", (unsigned long long)T->hashes[b++]);
            j->result.extra++;
            diff__emit(d, j, "extra", NULL, json_pack("{s:s}", "row_hash", hex), NULL, NULL, 0);
        } else {
            a++, b++;
        }
    }
}
