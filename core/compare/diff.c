#include "config.h"
#include "diff.h"
#include "canon.h"
#include "dtoa.h"
#include "jsonx.h"
#include "util.h"
#include "value.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#define XXH_STATIC_LINKING_ONLY  /* XXH3_state_t on the stack */
#include <xxhash.h>

#define BATCH 1000
#define HIGH (4 * BATCH)    /* a side this far ahead is paused … */
#define LOW (2 * BATCH)     /* … and resumed below this */
#define HIGH_BYTES (8u << 20)   /* likewise in bytes, for rows of large values */
#define LOW_BYTES (4u << 20)
#define CAND_MAX 20000          /* keys whose row hashes differ, verified by key … */
#define CAND_BYTES (4u << 20)   /* … (or in bytes): beyond, the table is read again */
#define VERIFY_BATCH 500        /* keys per verifying query */

/* One row held for the merge: the keys in canonical form, the fields as the
 * database gave them (each followed by a NUL). Most rows are the same bytes
 * on both sides; only fields whose bytes differ are put in canonical form,
 * when the two rows are compared. A pair of one engine is read in binary
 * (db_query_opts.binary): same bytes of the same type, same value, nothing
 * formatted. */
struct row {
    struct chunk *chunk;
    int n;
    uint32_t size;              /* bytes taken in its chunk */
    uint32_t *off, *len;
    unsigned char *type;        /* enum db_type: DB_NULL, DB_TEXT (any text), DB_FLOAT (a
                                 * float's text), DB_BLOB or a binary type; keys and hashed
                                 * fields DB_NULL or DB_TEXT, an integer key DB_INT64 */
    char *data;
};

/* Rows live in chunks, taken and given back in order: a chunk is freed when
 * its last row is (the newest one is reused instead). */
struct chunk {
    size_t cap, used, live;
    char mem[];
};

#define CHUNK (256u << 10)
#define SPARES 4    /* emptied chunks kept for reuse: memory the kernel need not fault in
                     * and zero again (glibc gives freed ones back) */

struct side {
    struct row **v;
    size_t head, n, cap;
    size_t bytes;               /* of the rows queued (head to n) */
    struct chunk *tail;         /* where new rows go */
    struct chunk *spare[SPARES];
    int nspare;
    int done, paused, status;
    db_query_t *q;
    struct row *prev;           /* the row that left before, for order and duplicates */
    uint64_t *hashes;           /* a table without key: one hash per row */
    size_t nhashes, hcap;
    char msg[1400];
};

struct field {
    char *source, *target;
    char *expr;                 /* the transform, or the column (cat_read_expr) */
    int xf;                     /* expr is the sheet's transform … */
    int line;                   /* … on this line of the sheet */
    char *texpr;                /* the target column (cat_read_expr) */
    int col;                    /* its column in the rows read (a key column is read once) */
    char *rule;
    struct canon_spec spec;
    struct rule_checks check;   /* validation rules, judged on the target's value */
    char *uniq_sql;             /* unique: the target rows whose value another also holds */
};

struct job {
    const struct pair *pair;
    struct diff_table result;
    char *src_sql, *tgt_sql;
    int nkey;
    char **key_names;           /* source key columns */
    char **key_expr;            /* … as read: their transform in the sheet, or themselves */
    unsigned char *key_xf;      /* … key_expr is a transform */
    char **tkey_names;          /* the target columns they are mapped to */
    struct canon_spec *key_spec;
    struct field *fields;
    int nfields;
    int validates;              /* a field has not_null or regex */
    const char *key_cast;       /* a source key column read as a number (one of key_names) */
    int uniq_at;                /* the next field whose unique rule is to be checked */
    /* A PostgreSQL pair whose fields are all `equal` on the same types is read
     * first as keys and a hash of each row's fields, which the servers compute
     * (probe_sql); the keys whose hashes differ are then read in full and
     * compared as any other (verify: base_sql with a key list, batch by batch),
     * or the table is read again in full when too many differ (rescan). */
    enum { PH_FULL, PH_PROBE, PH_VERIFY, PH_RESCAN } phase;
    enum { JOB_COMPARE, JOB_NO_TARGET, JOB_LISTED } what;
    char **unmapped;            /* source columns the sheet does not cover */
    int nunmapped;
    char *probe_sql[2];         /* source, target */
    char *base_sql[2], *order_sql[2];   /* SELECT … FROM …, the ORDER BY list */
    char **cand;                /* the keys to verify, nkey strings each, row-major */
    size_t ncand, cand_cap, cand_bytes, verified;
    int overflow;               /* more than CAND_MAX: read again in full instead */
};

struct diff {
    db_t *db[2];
    const struct plan *plan;
    const struct sheet *sheet;
    struct diff_events ev;
    struct job *jobs;
    size_t njobs, at;
    struct side side[2];
    struct diff_table *tables;
    struct diff_check *checks;
    size_t nchecks, check_at;
    int check_pending;
    int cancelled, failed, txn[2], finished;
    int table_txn[2];           /* a SQLite side's read transaction for one table's probe */
    int setup, began;           /* SQLite sides still being asked their journal mode; begun */
    struct snap { struct diff *d; int w, wal; } snap[2];
    int ending, end_status;     /* snapshots still being ended; then told done with these */
    const char *end_msg;        /* d->msg, a literal or NULL: it outlives the ending */
    uint64_t last_progress;
    struct sbuf scratch;        /* one row's values while it is read */
    struct sbuf canon[2];       /* a field of each side in canonical form, to compare */
    uint32_t *off, *len;        /* … their places in it */
    unsigned char *type;
    char msg[1400];
};

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

static void row_free(struct side *s, struct row *r)
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
static struct row *row_new(struct diff *d, struct side *s, const struct job *j,
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

static size_t queued(const struct side *s)
{
    return s->n - s->head;
}

static void push(struct side *s, struct row *r)
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
static int side_full(const struct side *s)
{
    return queued(s) >= HIGH || s->bytes >= HIGH_BYTES;
}

static int side_low(const struct side *s)
{
    return queued(s) < LOW && s->bytes < LOW_BYTES;
}

static struct row *peek(struct side *s)
{
    return s->head < s->n ? s->v[s->head] : NULL;
}

static void side_reset(struct side *s)
{
    for (size_t i = s->head; i < s->n; i++)
        row_free(s, s->v[i]);
    if (s->prev)
        row_free(s, s->prev);
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
        if (!*end && len < 127 && !errno)
            return json_integer(v);
        break;
    }
    case CK_NUM:
    case CK_FLOAT: {  /* a number a double holds exactly; else its text, not rounded */
        char *end, shortest[DTOA_MAX];
        double v = strtod(buf, &end);
        if (!*end && len < 127 && v == v && !isinf(v) &&
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

static json_t *value_json(const struct canon_spec *sp, const struct row *r, int i)
{
    struct db_cell c = row_cell(r, i);

    return typed(sp, &c);
}

/* The key as the row's side holds it: the key column's value as read (the
 * field it is mapped to, the sheet's transform applied; a probe's row has
 * only the key's canonical form, the same value), typed by its canonical
 * kind. */
static json_t *key_json(const struct job *j, const struct row *r)
{
    json_t *k = json_object();

    for (int i = 0; i < j->nkey; i++) {
        int v = i;
        for (int f = 0; f < j->nfields && v == i && j->phase != PH_PROBE; f++)
            if (j->fields[f].col == i)
                v = j->nkey + f;
        json_object_set_new(k, j->key_names[i], value_json(&j->key_spec[i], r, v));
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
static json_t *report_value(json_t *v, size_t from, long long *len)
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
static void emit(struct diff *d, struct job *j, const char *kind, const char *side,
                 json_t *key, json_t *target_key, struct diff_field *f, size_t nf)
{
    struct diff_disc disc = { j->result.table, j->result.target_table, kind, side, key,
                              target_key, f, nf };

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
        row_free(s, s->prev);
    s->prev = s->v[s->head++];
    s->bytes -= s->prev->size;
}

/* The table cannot be compared: a side's row `r` came after `prev`, whose key
 * is greater. Say which and why, and stop reading it (the run goes on). */
static void fail_table(struct diff *d, struct job *j, const char *side, const struct row *r,
                       const struct row *prev)
{
    if (!j->result.error) {
        json_t *k[2] = { key_json(j, r), key_json(j, prev) };
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

static void compare(struct diff *d, struct job *j, const struct row *s, const struct row *t)
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
        fd->source_value = value_json(&j->fields[i].spec, s, v);
        fd->target_value = value_json(&j->fields[i].spec, t, v);
        fd->from = cut_from(fd->source_value, fd->target_value);
        fd->source_value = report_value(fd->source_value, fd->from, &fd->source_length);
        fd->target_value = report_value(fd->target_value, fd->from, &fd->target_length);
    }
    if (nf) {
        /* the target's key as it reads it too, when it is written otherwise: the
         * row is looked up by it on that side */
        json_t *sk = key_json(j, s), *tk = key_json(j, t);
        if (json_equal(sk, tk)) {
            json_decref(tk);
            tk = NULL;
        }
        j->result.changed++;
        emit(d, j, "changed", NULL, sk, tk, f, nf);
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
static void validate(struct diff *d, struct job *j, const struct row *t)
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
        fd->target_value = report_value(value_json(&fl->spec, t, v), 0, &fd->target_length);
    }
    if (!nf)
        return;
    j->result.invalid++;
    emit(d, j, "invalid", NULL, key_json(j, t), NULL, f, nf);
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
static void found(struct diff *d, struct job *j, long *count, const char *kind,
                  const char *side, const struct row *r)
{
    if (j->phase >= PH_VERIFY)
        return;
    (*count)++;
    emit(d, j, kind, side, key_json(j, r), NULL, NULL, 0);
}

static void cand_free(struct job *j)
{
    for (size_t i = 0; i < j->ncand * (size_t)j->nkey; i++)
        free(j->cand[i]);
    free(j->cand);
    j->cand = NULL;
    j->ncand = j->cand_cap = j->cand_bytes = j->verified = 0;
}

/* The rows of one key in a probe: if their hashes differ, the key is to be
 * verified (its source key values kept as text, as keys_in takes them). */
static void probe(struct job *j, const struct row *s, const struct row *t)
{
    int v = j->nkey;
    size_t at;

    if ((s->type[v] == t->type[v] && s->len[v] == t->len[v] &&
         !memcmp(val(s, v), val(t, v), s->len[v])) || j->overflow)
        return;
    if (j->ncand >= CAND_MAX || j->cand_bytes >= CAND_BYTES) {
        cand_free(j);
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

static void next_table(struct diff *d);

static void merge(struct diff *d)
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
                fail_table(d, j, "source", s, S->prev);
                break;
            }
            if (o == 1) {
                found(d, j, &j->result.duplicates, "duplicate", "source", s);
                pop(S);
                continue;
            }
            if (t && c == 0) {
                if (step_key(j, T, t) == 1) {  /* the target repeats an earlier key; */
                                               /* the source row is still to be matched */
                    found(d, j, &j->result.duplicates, "duplicate", "target", t);
                    pop(T);
                    continue;
                }
                if (j->phase == PH_PROBE)
                    probe(j, s, t);
                else
                    compare(d, j, s, t);
                pop(T);
            } else {
                found(d, j, &j->result.missing, "missing", NULL, s);
            }
            pop(S);
        } else {
            if ((o = step_key(j, T, t)) < 0) {
                fail_table(d, j, "target", t, T->prev);
                break;
            }
            if (o == 1)
                found(d, j, &j->result.duplicates, "duplicate", "target", t);
            else
                found(d, j, &j->result.extra, "extra", NULL, t);
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
static void merge_hashes(struct diff *d, struct job *j)
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
            emit(d, j, "missing", NULL, json_pack("{s:s}", "row_hash", hex), NULL, NULL, 0);
        } else if (a >= S->nhashes || T->hashes[b] < S->hashes[a]) {
            snprintf(hex, sizeof hex, "%016llx", (unsigned long long)T->hashes[b++]);
            j->result.extra++;
            emit(d, j, "extra", NULL, json_pack("{s:s}", "row_hash", hex), NULL, NULL, 0);
        } else {
            a++, b++;
        }
    }
}

/* --- reading the sides --------------------------------------------------------------- */

static void progress(struct diff *d, struct job *j)
{
    uint64_t now = uv_hrtime();

    j->result.seconds = (double)(now - j->result.started) / 1e9;
    if (d->ev.progress && now - d->last_progress > 250000000u) {
        d->last_progress = now;
        d->ev.progress(d->ev.arg, &j->result);
    }
}

/* Appends value i of the row being read to d->scratch in canonical form. */
static void put_canon(struct diff *d, int i, const struct canon_spec *sp,
                      const struct db_cell *c)
{
    int null;

    d->off[i] = (uint32_t)d->scratch.len;
    canon_value(sp, c, &d->scratch, &null);
    d->type[i] = null ? DB_NULL : DB_TEXT;
    d->len[i] = (uint32_t)(d->scratch.len - d->off[i]);
}

/* Appends key value i of the row being read: an integer key read in binary
 * as its 8 bytes (DB_INT64; compared as a number, written out only when it
 * is reported or kept to be verified), any other in canonical form. */
static void put_key(struct diff *d, int i, const struct canon_spec *sp, const struct db_cell *c)
{
    if (sp->kind != CK_INT || !c->p || c->type != DB_INT64) {
        put_canon(d, i, sp, c);
        return;
    }
    d->off[i] = (uint32_t)d->scratch.len;
    sbuf_add(&d->scratch, c->p, sizeof(int64_t));
    d->type[i] = DB_INT64;
    d->len[i] = sizeof(int64_t);
}

/* A row of a table without key: the hash of its canonical fields, lengths and
 * NULLs included. */
static uint64_t row_hash(const struct diff *d, const struct job *j)
{
    XXH3_state_t h;

    XXH3_INITSTATE(&h);
    XXH3_64bits_reset(&h);
    for (int i = j->nkey; i < j->nkey + j->nfields; i++) {
        uint32_t len = d->type[i] == DB_NULL ? UINT32_MAX : d->len[i];
        XXH3_64bits_update(&h, &len, sizeof len);
        if (d->type[i] != DB_NULL)
            XXH3_64bits_update(&h, d->scratch.s + d->off[i], d->len[i]);
    }
    return XXH3_64bits_digest(&h);
}

static int on_rows(struct diff *d, int which, const struct db_batch *b)
{
    struct job *j = &d->jobs[d->at];
    struct side *s = &d->side[which];

    if (j->result.error)
        return DB_CONTINUE;  /* being stopped: drain */
    for (size_t r = 0; r < b->nrows; r++) {
        d->scratch.len = 0;
        for (int i = 0; i < j->nkey; i++)
            put_key(d, i, &j->key_spec[i], db_cell(b, r, i));
        for (int i = 0; j->result.no_key && i < j->nfields; i++)  /* hashed: canonical */
            put_canon(d, j->nkey + i, &j->fields[i].spec, db_cell(b, r, j->fields[i].col));
        if (j->phase < PH_VERIFY && which == 0)  /* a row read again: counted by its probe */
            j->result.source_rows++;
        else if (j->phase < PH_VERIFY)
            j->result.target_rows++;
        if (j->result.no_key) {
            s->hashes = xgrow(s->hashes, &s->hcap, s->nhashes + 1, sizeof *s->hashes);
            s->hashes[s->nhashes++] = row_hash(d, j);
        } else {
            push(s, row_new(d, s, j, b, r));
            if (which == 1 && j->validates)
                validate(d, j, s->v[s->n - 1]);
        }
    }
    if (!j->result.no_key)
        merge(d);
    progress(d, j);
    if (!j->result.no_key && side_full(s) && !d->side[!which].done) {
        s->paused = 1;  /* backpressure: wait for the other side to catch up */
        return DB_PAUSE;
    }
    return DB_CONTINUE;
}

static int src_rows(db_query_t *q, const struct db_batch *b, void *arg)
{
    (void)q;
    return on_rows(arg, 0, b);
}

static int tgt_rows(db_query_t *q, const struct db_batch *b, void *arg)
{
    (void)q;
    return on_rows(arg, 1, b);
}

static void finish(struct diff *d, int status, const char *msg);
static char *verify_sql(const struct job *j, int target, enum url_kind engine,
                        char *const *keys, size_t nkeys);
static void src_done(db_query_t *q, int status, const char *msg, void *arg);
static void tgt_done(db_query_t *q, int status, const char *msg, void *arg);

static void savepoint(struct diff *d, int w, int rollback);
static void table_snapshot(struct diff *d, int begin);
static struct db_query_opts read_opts(const struct diff *d);
static void table_finished(struct diff *d);

/* A database went away or stopped answering: the run fails for the first
 * such reason, which says where it stood ("while comparing t"). */
static void fail_run(struct diff *d, int status, const char *msg, const char *doing,
                     const char *what)
{
    if (d->failed)
        return;
    d->failed = status;
    snprintf(d->msg, sizeof d->msg, "%s (while %s %s)", msg ? msg : "", doing, what);
}

/* Rows of the target whose value of a `unique` field another row holds too. */
static int uniq_rows(db_query_t *q, const struct db_batch *b, void *arg)
{
    struct diff *d = arg;
    struct job *j = &d->jobs[d->at];
    const struct field *fl = &j->fields[j->uniq_at];

    (void)q;
    for (size_t r = 0; r < b->nrows; r++) {
        struct diff_field f = { fl->source, fl->target, NULL, NULL, 0, 0, "unique", 0 };
        struct row *t;
        d->scratch.len = 0;
        for (int i = 0; i < j->nkey; i++)
            put_key(d, i, &j->key_spec[i], db_cell(b, r, i));
        t = row_new(d, &d->side[1], j, b, r);
        f.target_value = report_value(value_json(&fl->spec, t, j->nkey + j->uniq_at), 0,
                                      &f.target_length);
        j->result.invalid++;
        emit(d, j, "not_unique", NULL, key_json(j, t), NULL, &f, 1);
        json_decref(f.target_value);
        row_free(&d->side[1], t);
    }
    return DB_CONTINUE;
}

static void uniq_done(db_query_t *q, int status, const char *msg, void *arg)
{
    struct diff *d = arg;
    struct job *j = &d->jobs[d->at];

    (void)q;
    d->side[1].q = NULL;
    if (status && !d->cancelled && (status == DB_ELOST || status == DB_ECANCELED)) {
        fail_run(d, status, msg, "comparing", j->result.table);
    } else if (status && !d->cancelled) {  /* the table fails; the run goes on */
        savepoint(d, 1, 1);
        j->result.error_code = ERR_DB;
        j->result.error = xasprintf("the target's query for the unique rule of %s (%s:%d): %s",
                                    j->fields[j->uniq_at].target, d->sheet->path,
                                    j->fields[j->uniq_at].line, msg ? msg : "");
    }
    if (d->cancelled || d->failed) {  /* cut short, as a table is */
        finish(d, d->cancelled ? DB_ECANCELED : d->failed, d->msg);
        return;
    }
    j->uniq_at++;
    table_finished(d);
}

/* Reads rows of the table from both sides, each behind a savepoint. */
static void read_both(struct diff *d, const char *src_sql, const char *tgt_sql)
{
    struct db_query_opts o = read_opts(d);

    savepoint(d, 0, 0);
    savepoint(d, 1, 0);
    d->side[0].q = db_query(d->db[0], src_sql, 0, NULL, &o, src_rows, src_done, d);
    d->side[1].q = db_query(d->db[1], tgt_sql, 0, NULL, &o, tgt_rows, tgt_done, d);
    if (!d->side[0].q || !d->side[1].q)
        finish(d, DB_ECANCELED, "the connections are closing");
}

/* After a probe: the keys whose hashes differ read in full, a batch at a
 * time, or the whole table again if they were too many. Returns 1 while
 * rows are being read. */
static int next_phase(struct diff *d, struct job *j)
{
    size_t n;
    char *sql[2];

    if (j->result.error || j->phase == PH_FULL || j->phase == PH_RESCAN)
        return 0;
    if (j->phase == PH_VERIFY && j->verified >= j->ncand) {
        cand_free(j);
        return 0;
    }
    side_reset(&d->side[0]);
    side_reset(&d->side[1]);
    if (j->phase == PH_PROBE && j->overflow) {
        j->phase = PH_RESCAN;
        read_both(d, j->src_sql, j->tgt_sql);
        return 1;
    }
    j->phase = PH_VERIFY;
    if (!j->ncand)
        return 0;
    n = j->ncand - j->verified < VERIFY_BATCH ? j->ncand - j->verified : VERIFY_BATCH;
    for (int w = 0; w < 2; w++)
        sql[w] = verify_sql(j, w, db_kind(d->db[w]), j->cand + j->verified * (size_t)j->nkey,
                            n);
    j->verified += n;
    read_both(d, sql[0], sql[1]);
    free(sql[0]);
    free(sql[1]);
    return 1;
}

/* Its unique rules judged, one query each, the table is done. */
static void table_finished(struct diff *d)
{
    struct job *j = &d->jobs[d->at];

    if (next_phase(d, j))
        return;
    table_snapshot(d, 0);
    while (!j->result.error && j->uniq_at < j->nfields && !j->fields[j->uniq_at].uniq_sql)
        j->uniq_at++;
    if (!j->result.error && j->uniq_at < j->nfields) {
        struct db_query_opts o = read_opts(d);
        savepoint(d, 1, 0);
        d->side[1].q = db_query(d->db[1], j->fields[j->uniq_at].uniq_sql, 0, NULL, &o,
                                uniq_rows, uniq_done, d);
        if (d->side[1].q)
            return;
        finish(d, DB_ECANCELED, "the connections are closing");
        return;
    }
    if (j->result.no_key && !j->result.error)
        merge_hashes(d, j);
    if (j->result.error)  /* what was found before it stopped is not to be trusted */
        j->result.missing = j->result.extra = j->result.changed = j->result.duplicates =
            j->result.invalid = 0;
    j->result.seconds = (double)(uv_hrtime() - j->result.started) / 1e9;
    j->result.done = 1;
    d->tables[d->at] = j->result;
    if (d->ev.table_done)
        d->ev.table_done(d->ev.arg, &j->result);
    side_reset(&d->side[0]);
    side_reset(&d->side[1]);
    d->at++;
    next_table(d);
}

static void ignore_done(db_query_t *q, int status, const char *msg, void *arg)
{
    (void)q, (void)status, (void)msg, (void)arg;
}

/* cutover's own transaction control (db_query_opts.control) */
static const struct db_query_opts control = { .control = 1 };

/* A PostgreSQL side's snapshot outlives a table or check whose query fails
 * or is cancelled: each runs behind a savepoint, rolled back to after an
 * error (an aborted transaction refuses every query after it). */
static void savepoint(struct diff *d, int w, int rollback)
{
    if (d->txn[w])
        db_query(d->db[w], rollback ? "ROLLBACK TO SAVEPOINT cutover" : "SAVEPOINT cutover", 0,
                 NULL, &control, NULL, ignore_done, NULL);
}

/* The source refused a table's query: what of the user's went into it (the
 * plan's where, the sheet's transforms) is named beside the database's word. */
static char *source_error(const struct diff *d, const struct job *j, const char *msg)
{
    const struct plan_table *pt = j->pair->plan;
    struct sbuf b = { 0 }, lines = { 0 };
    int nxf = 0;

    for (int i = 0; i < j->nfields; i++)
        if (j->fields[i].xf)
            sbuf_printf(&lines, "%s%d", nxf++ ? ", " : "", j->fields[i].line);
    sbuf_puts(&b, msg);
    if (j->key_cast && strstr(msg, "(SQLSTATE 22P02)"))  /* invalid_text_representation */
        sbuf_printf(&b, " (%s's key %s is read as a number, the target's key type: it holds "
                    "text that is not one; cutover map lint names such values, and a transform "
                    "of the key can convert them)", j->result.table, j->key_cast);
    if ((pt && pt->where) || nxf) {
        sbuf_printf(&b, " (in the source's query for %s: ", j->result.table);
        if (pt && pt->where)
            sbuf_printf(&b, "its where, %s:%d%s", d->plan->path, pt->where_line, nxf ? "; " : "");
        if (nxf)
            sbuf_printf(&b, "%s, %s line%s %s", nxf > 1 ? "its transforms" : "its transform",
                        d->sheet->path, nxf > 1 ? "s" : "", lines.s);
        sbuf_puts(&b, ")");
    }
    sbuf_free(&lines);
    return sbuf_take(&b);
}

static void side_done(struct diff *d, int which, int status, const char *msg)
{
    struct side *s = &d->side[which], *other = &d->side[!which];
    struct job *j = &d->jobs[d->at];

    s->q = NULL;
    s->done = 1;
    if (status && !d->cancelled && !d->failed && status != DB_ELOST)
        savepoint(d, which, 1);
    if (status == DB_ECANCELED && j->result.error && !d->cancelled)
        status = 0;  /* stopped by fail_table() */
    if (status && !d->cancelled) {
        s->status = status;
        snprintf(s->msg, sizeof s->msg, "%s", msg ? msg : "");
        if (status == DB_ELOST || status == DB_ECANCELED)  /* the other side is cancelled */
            fail_run(d, status, s->msg, "comparing", j->result.table);
        else if (!j->result.error) {  /* the table fails; the run goes on */
            j->result.error = which == 0 && status == DB_EQUERY ? source_error(d, j, s->msg)
                                                                : xstrdup(s->msg);
            j->result.error_code = ERR_DB;
        }
        if (other->q)
            db_query_cancel(other->q);
    }
    if (!j->result.no_key && !j->result.error && !d->failed)
        merge(d);
    if (other->paused && other->q) {  /* nothing more comes from here: let it finish */
        other->paused = 0;
        db_query_resume(other->q);
    }
    if (!other->done)
        return;
    if (d->cancelled || d->failed) {
        finish(d, d->cancelled ? DB_ECANCELED : d->failed, d->msg);
        return;
    }
    table_finished(d);
}

static void src_done(db_query_t *q, int status, const char *msg, void *arg)
{
    (void)q;
    side_done(arg, 0, status, msg);
}

static void tgt_done(db_query_t *q, int status, const char *msg, void *arg)
{
    (void)q;
    side_done(arg, 1, status, msg);
}

/* --- checks --------------------------------------------------------------------------- */

int diff_check_pass(const struct plan_check *pc, const char *source, const char *target,
                    char **error)
{
    char *e1, *e2, m1[64], m2[64];
    const char *sv = source && val_money(source, m1, sizeof m1) ? m1 : source;
    const char *tv = target && val_money(target, m2, sizeof m2) ? m2 : target;
    long double s = sv ? strtold(sv, &e1) : 0;
    long double t = tv ? strtold(tv, &e2) : 0;
    long double tol = pc->tolerance_pct ? (s < 0 ? -s : s) * pc->tolerance / 100 : pc->tolerance;
    int sn = source && !strcmp(source, DIFF_NULL), tn = target && !strcmp(target, DIFF_NULL);

    if ((sn || tn) && source && target)  /* NULL equals only NULL: sum() of no rows on both */
        return sn && tn;
    if (!source || !target || *e1 || *e2) {
        *error = xasprintf("each query must return one number (got %s and %s)",
                           source ? source : "no row", target ? target : "no row");
        return 0;
    }
    return (s > t ? s - t : t - s) <= tol + 1e-12L;
}

struct check_job {
    struct diff *d;
    size_t i;
    int which;
    size_t rows;
    int cols;
};

static int check_rows(db_query_t *q, const struct db_batch *b, void *arg)
{
    struct check_job *c = arg;
    struct diff_check *k = &c->d->checks[c->i];
    char **v = c->which ? &k->target_value : &k->source_value;

    (void)q;
    c->rows += b->nrows;
    c->cols = b->ncols;
    if (b->nrows && !*v && b->ncols)
        *v = xstrdup(db_cell(b, 0, 0)->p ? db_cell(b, 0, 0)->p : DIFF_NULL);
    return DB_CONTINUE;
}

static void run_checks(struct diff *d);

static void check_done(db_query_t *q, int status, const char *msg, void *arg)
{
    struct check_job *c = arg;
    struct diff *d = c->d;
    struct diff_check *k = &d->checks[c->i];

    (void)q;
    if (status && !k->error) {
        k->error = xasprintf("%s query (%s:%d): %s", c->which ? "target" : "source",
                             d->plan->path, d->plan->checks[c->i].line, msg);
        k->error_code = ERR_DB;
    } else if (!status && !k->error && (c->rows > 1 || (c->rows && c->cols != 1))) {
        /* one number: never the first of several, taken in silence */
        k->error = xasprintf("%s query (%s:%d): must return one number, got %zu row%s of %d "
                             "column%s", c->which ? "target" : "source", d->plan->path,
                             d->plan->checks[c->i].line, c->rows, c->rows > 1 ? "s" : "",
                             c->cols, c->cols > 1 ? "s" : "");
        k->error_code = ERR_INPUT;
    }
    if (status == DB_ELOST)  /* no later check can run on it */
        fail_run(d, status, msg, "running check", d->plan->checks[c->i].name);
    if (status && !d->cancelled && !d->failed && status != DB_ELOST)
        savepoint(d, c->which, 1);
    free(c);
    if (--d->check_pending)
        return;
    if (!k->error) {
        k->pass = diff_check_pass(&d->plan->checks[d->check_at], k->source_value,
                                  k->target_value, &k->error);
        if (k->error)
            k->error_code = ERR_INPUT;
    }
    d->check_at++;
    if (d->cancelled || d->failed)
        finish(d, d->cancelled ? DB_ECANCELED : d->failed, d->msg);
    else
        run_checks(d);
}

static void run_checks(struct diff *d)
{
    const struct plan_check *pc;

    if (d->check_at >= d->nchecks) {
        finish(d, 0, NULL);
        return;
    }
    pc = &d->plan->checks[d->check_at];
    d->checks[d->check_at].name = xstrdup(pc->name);
    d->check_pending = 2;
    for (int w = 0; w < 2; w++) {
        struct check_job *c = xmalloc(sizeof *c);
        *c = (struct check_job){ d, d->check_at, w, 0, 0 };
        savepoint(d, w, 0);
        if (!db_query(d->db[w], w ? pc->target : pc->source, 0, NULL, NULL, check_rows,
                      check_done, c)) {
            free(c);
            d->check_pending--;
        }
    }
}

/* --- running --------------------------------------------------------------------------- */

static void begin(db_query_t *q, int status, const char *msg, void *arg);
static int wal_rows(db_query_t *q, const struct db_batch *b, void *arg);
static void wal_done(db_query_t *q, int status, const char *msg, void *arg);

static void report_done(struct diff *d)
{
    if (d->ev.done)
        d->ev.done(d->ev.arg, d->end_status, d->end_msg);
}

static void end_done(db_query_t *q, int status, const char *msg, void *arg)
{
    struct diff *d = arg;

    (void)q, (void)status, (void)msg;
    if (--d->ending == 0)
        report_done(d);
}

/* Ends the snapshots, then says the run is done: the owner closes the
 * connections then, after the server has answered (closing while it
 * answers leaves "connection to client lost" in the server's log). */
static void finish(struct diff *d, int status, const char *msg)
{
    if (d->finished)
        return;
    d->finished = 1;
    d->end_status = status;
    d->end_msg = msg;
    d->ending = 1;  /* until both are asked */
    for (int w = 0; w < 2; w++)  /* a reader's transaction: never committed */
        if ((d->txn[w] || d->table_txn[w]) &&
            db_query(d->db[w], "ROLLBACK", 0, NULL, &control, NULL, end_done, d))
            d->ending++;
    if (--d->ending == 0)
        report_done(d);
}

/* A probe and the reads that verify it see one state of the data: a SQLite
 * side without the run's snapshot (rollback-journal mode) reads the table
 * in a transaction of its own, as long as one full read would hold its lock. */
static void table_snapshot(struct diff *d, int begin)
{
    for (int w = 0; w < 2; w++) {
        if (db_kind(d->db[w]) != URL_SQLITE || d->txn[w] || d->table_txn[w] == begin)
            continue;
        /* a COMMIT that cannot be queued leaves nothing open: the connection is closing */
        if (db_query(d->db[w], begin ? "BEGIN" : "ROLLBACK", 0, NULL, &control, NULL,
                     ignore_done, NULL) || !begin)
            d->table_txn[w] = begin;
    }
}

/* How a table's rows are read: a pair of one engine compares values as
 * stored, nothing to format unless they differ (across engines the text
 * forms are the ones that agree). */
static struct db_query_opts read_opts(const struct diff *d)
{
    return (struct db_query_opts){ .batch_rows = BATCH, .copy = 1,
                                   .binary = db_kind(d->db[0]) == db_kind(d->db[1]) };
}

static void next_table(struct diff *d)
{
    struct job *j;

    if (d->cancelled || d->failed) {
        finish(d, d->cancelled ? DB_ECANCELED : d->failed, d->msg);
        return;
    }
    if (d->at >= d->njobs) {
        run_checks(d);
        return;
    }
    j = &d->jobs[d->at];
    if (j->what == JOB_NO_TARGET)
        emit(d, j, "no_target", NULL, json_object(), NULL, NULL, 0);
    for (int i = 0; !j->result.error && i < j->nunmapped; i++)
        emit(d, j, "unmapped", NULL, json_pack("{s:s}", "column", j->unmapped[i]), NULL, NULL, 0);
    j->result.findings = (j->what == JOB_NO_TARGET) + (j->result.error ? 0 : j->nunmapped);
    if (j->result.error || j->what != JOB_COMPARE) {  /* reported, not read */
        d->tables[d->at] = j->result;
        if (d->ev.table_done)
            d->ev.table_done(d->ev.arg, &j->result);
        d->at++;
        next_table(d);
        return;
    }
    j->result.started = uv_hrtime();
    {   /* room for one row's values */
        size_t nv = (size_t)(j->nkey + j->nfields);
        d->off = xrealloc(d->off, nv * sizeof *d->off);
        d->len = xrealloc(d->len, nv * sizeof *d->len);
        d->type = xrealloc(d->type, nv);
    }
    if (j->phase == PH_PROBE) {
        table_snapshot(d, 1);
        read_both(d, j->probe_sql[0], j->probe_sql[1]);
    } else
        read_both(d, j->src_sql, j->tgt_sql);
    if (d->finished)
        return;
    d->last_progress = 0;  /* say which table is being read before its first rows come */
    progress(d, j);
}

void diff_cancel(struct diff *d)
{
    if (d->cancelled || d->finished)
        return;
    d->cancelled = 1;
    for (int w = 0; w < 2; w++)
        if (d->side[w].q)
            db_query_cancel(d->side[w].q);
}

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
static char *key_match(const struct job *j, int k, int target, enum url_kind engine)
{
    if (target || !j->key_xf[k])
        return db_quote_ident(target ? j->tkey_names[k] : j->key_names[k]);
    return xasprintf(engine == URL_SQLITE ? "CAST(%s AS TEXT)" : "%s::text", j->key_expr[k]);
}

/* `col IN (1, 'b', …)`, or for a composite key `(a = 1 AND b = 'x') OR …`:
 * the live window's keys on one side. Integers go bare into an integer
 * column, everything else as a literal the column's type reads (both engines
 * convert it on compare). */
static char *keys_in(const struct job *j, const struct cat_table *t, int target,
                     enum url_kind engine, const struct diff_opts *o)
{
    struct sbuf b = { 0 };
    int nkey = j->nkey;
    char **q = xcalloc((size_t)nkey, sizeof *q);

    for (int k = 0; k < nkey; k++)
        q[k] = key_match(j, k, target, engine);
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
static char *verify_sql(const struct job *j, int target, enum url_kind engine,
                        char *const *keys, size_t nkeys)
{
    const struct pair *p = j->pair;
    struct diff_opts o = { .keys = keys, .nkeys = nkeys };
    char *in = keys_in(j, target ? p->tgt : p->src, target, engine, &o);
    struct sbuf b = { 0 };

    sbuf_puts(&b, j->base_sql[target]);
    where_all(&b, (const char *[]){ !target && p->plan ? p->plan->where : NULL, in }, 2);
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
static void plan_probe(struct job *j, const struct diff_opts *o, enum url_kind se,
                       enum url_kind te, const char *const base[2], const char *const order[2],
                       const char *const where[2])
{
    const struct cat_table *t[2] = { j->pair->src, j->pair->tgt };
    const char *env = getenv("CUTOVER_DIFF_HASH");
    struct sbuf sel[2] = { { 0 }, { 0 } };

    if (se != te || (se != URL_PG && se != URL_SQLITE) || !j->nkey || j->validates ||
        (env && !strcmp(env, "0")) || (o && (o->nkeys || o->source_filter || o->live)))
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
        sbuf_printf(&sel[w], " FROM %s", from);
        free(from);
        where_all(&sel[w], &where[w], 1);
        sbuf_printf(&sel[w], " ORDER BY %s", order[w]);
        j->probe_sql[w] = sbuf_take(&sel[w]);
        j->base_sql[w] = xstrdup(base[w]);
        j->order_sql[w] = xstrdup(order[w]);
    }
    j->phase = PH_PROBE;
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

static int plan_job(struct job *j, const struct pair *p, const struct sheet *s,
                    const struct diff_opts *o, enum url_kind se, enum url_kind te, struct err *e)
{
    const struct cat_table *st = p->src, *tt = p->tgt;
    struct sbuf ss = { 0 }, ts = { 0 }, so = { 0 }, to = { 0 };
    int ssort = 0, tsort = 0;   /* SQLite sides that sort rather than use the key's index */
    int rc = -1;
    char *sfrom = cat_sql_name(st), *tfrom = cat_sql_name(tt);

    memset(j, 0, sizeof *j);
    j->pair = p;
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
                    scol ? "target" : "source");
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
            f->uniq_sql = xasprintf("%s FROM %s WHERE %s IN (SELECT %s FROM %s WHERE %s IS NOT "
                                    "NULL GROUP BY 1 HAVING count(*) > 1) ORDER BY %s", ts.s,
                                    tfrom, f->texpr, f->texpr, tfrom, f->texpr, to.s);
    }
    sbuf_printf(&ss, " FROM %s", sfrom);
    sbuf_printf(&ts, " FROM %s", tfrom);
    if (p->nkey)
        plan_probe(j, o, se, te, (const char *const[]){ ss.s, ts.s },
                   (const char *const[]){ so.s, to.s },
                   (const char *const[]){ p->plan ? p->plan->where : NULL, NULL });
    {
        int live = o && o->nkeys && p->nkey;
        char *sk = live ? keys_in(j, st, 0, se, o) : NULL;
        char *tk = live ? keys_in(j, tt, 1, te, o) : NULL;
        where_all(&ss, (const char *[]){ p->plan ? p->plan->where : NULL,
                                         o ? o->source_filter : NULL, sk }, 3);
        where_all(&ts, (const char *[]){ tk }, 1);
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

static void job_free(struct job *j)
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
        free(j->base_sql[w]);
        free(j->order_sql[w]);
    }
    for (int i = 0; i < j->nunmapped; i++)
        free(j->unmapped[i]);
    free(j->unmapped);
    cand_free(j);
}

/* A job planned for a look, never run: its result's names go with it. */
static void job_discard(struct job *j)
{
    free(j->result.table), free(j->result.target_table);
    job_free(j);
}

char *diff_key_select(const struct pair *p, const struct sheet *s, enum url_kind se,
                      enum url_kind te, struct err *e)
{
    struct job j;
    struct sbuf b = { 0 };

    if (plan_job(&j, p, s, NULL, se, te, e) < 0) {
        job_discard(&j);
        return NULL;
    }
    for (int k = 0; k < j.nkey; k++)
        sbuf_printf(&b, "%s%s", k ? ", " : "", j.key_expr[k]);
    job_discard(&j);
    return sbuf_take(&b);
}

/* What a run does with a pair: compares it, reports that its data moves
 * without a target table, lists it as not validated (undecided, no target
 * table), or leaves it out (-1: delete, retain, not asked for, target only). */
static int wanted(const struct pair *p, const struct diff_opts *o)
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
static const char *source_named_like(const struct pairing *pp, const char *name)
{
    for (size_t k = 0; k < pp->n; k++)
        if (pp->pairs[k].src && pp->pairs[k].tgt && !strcmp(pp->pairs[k].tgt->name, name))
            return pp->pairs[k].src->name;
    for (size_t k = 0; k < pp->n; k++)
        if (pp->pairs[k].src && !strcasecmp(pp->pairs[k].src->name, name))
            return pp->pairs[k].src->name;
    return NULL;
}

struct diff *diff_start(db_t *src, db_t *tgt, const struct plan *p, const struct pairing *pp,
                        const struct sheet *s, const struct diff_opts *o,
                        const struct diff_events *ev, struct err *e)
{
    struct diff *d = xcalloc(1, sizeof *d);
    int rc;

    d->db[0] = src;
    d->db[1] = tgt;
    d->plan = p;
    d->sheet = s;
    d->ev = *ev;
    for (size_t i = 0; o && i < o->ntables; i++) {
        size_t k;
        for (k = 0; k < pp->n; k++)
            if (pp->pairs[k].src && !strcmp(pp->pairs[k].src->name, o->tables[i]))
                break;
        if (k == pp->n || (!pp->pairs[k].tgt && !pair_must_move(&pp->pairs[k]))) {
            const char *like = k == pp->n ? source_named_like(pp, o->tables[i]) : NULL;
            err_set(e, ERR_INPUT, "--table %s: %s%s%s%s", o->tables[i], k == pp->n
                    ? "no such table in the source" : "it has no table in the target",
                    like ? " (--table takes the source's name: " : "", like ? like : "",
                    like ? "?)" : "");
            diff_free(d);
            return NULL;
        }
    }
    for (size_t i = 0; i < pp->n; i++) {
        struct err je = { 0 };
        int what = wanted(&pp->pairs[i], o);
        if (what < 0)
            continue;
        d->jobs = xrealloc(d->jobs, (d->njobs + 1) * sizeof *d->jobs);
        if (what != JOB_COMPARE) {
            struct job *j = &d->jobs[d->njobs++];
            const struct pair *pr = &pp->pairs[i];
            memset(j, 0, sizeof *j);
            j->pair = pr;
            j->what = what;
            j->result.table = xstrdup(pr->src->name);
            j->result.target_table = xstrdup(pr->plan && pr->plan->target ? pr->plan->target
                                                                          : pr->src->name);
            j->result.source_rows = j->result.source_total =
                pr->src->count == COUNT_EXACT ? pr->src->rows : -1;
            j->result.target_total = -1;
            j->result.not_validated = what == JOB_LISTED;
            continue;
        }
        rc = plan_job(&d->jobs[d->njobs], &pp->pairs[i], s, o, db_kind(src), db_kind(tgt), &je);
        if (rc < 0) {
            d->jobs[d->njobs].result.error = xstrdup(je.msg);
            d->jobs[d->njobs].result.error_code = je.kind == ERR_DB ? ERR_DB : ERR_INPUT;
        }
        d->njobs++;
        if (rc == -2) {  /* a malformed sheet: no run */
            *e = je;
            diff_free(d);
            return NULL;
        }
    }
    d->tables = xcalloc(d->njobs + 1, sizeof *d->tables);
    d->nchecks = o && o->live ? 0 : p->nchecks;
    d->checks = xcalloc(d->nchecks + 1, sizeof *d->checks);
    /* one snapshot per PostgreSQL side for the whole run (live validation
     * shares its connections with polls, which must see the present) */
    for (int w = 0; w < 2; w++)
        if (db_kind(d->db[w]) == URL_PG && !(o && o->live) &&
            db_query(d->db[w], "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, NULL, &control,
                     NULL, ignore_done, NULL))
            d->txn[w] = 1;
    /* … and per SQLite side in WAL mode, where a read transaction holds one
     * snapshot without keeping the pilot's writers out (in rollback-journal
     * mode it would, for the whole run: each table is its own read there) */
    for (int w = 0; w < 2; w++) {
        d->snap[w] = (struct snap){ d, w, 0 };
        if (db_kind(d->db[w]) == URL_SQLITE && !(o && o->live) &&
            db_query(d->db[w], "PRAGMA journal_mode", 0, NULL, NULL, wal_rows, wal_done,
                     &d->snap[w]))
            d->setup++;
    }
    /* begin from the loop, never inside this call: a run with nothing to do
     * would otherwise end (and be freed by its owner) before we return it */
    if (!db_query(d->db[0], "SELECT 1", 0, NULL, NULL, NULL, begin, d)) {
        err_set(e, ERR_DB, "the source connection is closing");
        diff_free(d);
        return NULL;
    }
    return d;
}

static void begin(db_query_t *q, int status, const char *msg, void *arg)
{
    struct diff *d = arg;

    (void)q;
    if (status && status != DB_EQUERY) {
        d->failed = status;
        snprintf(d->msg, sizeof d->msg, "%s", msg ? msg : "");
    }
    d->began = 1;
    if (!d->setup)
        next_table(d);
}

static int wal_rows(db_query_t *q, const struct db_batch *b, void *arg)
{
    struct snap *s = arg;

    (void)q;
    s->wal = b->nrows && b->ncols && db_cell(b, 0, 0)->p &&
             !strcasecmp(db_cell(b, 0, 0)->p, "wal");
    return DB_CONTINUE;
}

static void wal_done(db_query_t *q, int status, const char *msg, void *arg)
{
    struct snap *s = arg;
    struct diff *d = s->d;

    (void)q, (void)msg;
    /* queued before any table's query: the snapshot is taken by its first read */
    if (!status && s->wal &&
        db_query(d->db[s->w], "BEGIN", 0, NULL, &control, NULL, ignore_done, NULL) &&
        db_query(d->db[s->w], "SELECT count(*) FROM sqlite_schema", 0, NULL, NULL, NULL,
                 ignore_done, NULL))
        d->txn[s->w] = 1;
    if (--d->setup == 0 && d->began)
        next_table(d);
}

const struct diff_table *diff_tables(const struct diff *d, size_t *n)
{
    *n = d->at < d->njobs ? d->at : d->njobs;
    return d->tables;
}

const struct diff_check *diff_checks(const struct diff *d, size_t *n)
{
    *n = d->check_at;
    return d->checks;
}

void diff_free(struct diff *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->njobs; i++) {
        if (i >= d->at) {  /* not handed over to tables[] */
            free(d->jobs[i].result.table);
            free(d->jobs[i].result.target_table);
            free(d->jobs[i].result.error);
        }
        job_free(&d->jobs[i]);
    }
    for (size_t i = 0; i < d->at && i < d->njobs; i++) {
        free(d->tables[i].table);
        free(d->tables[i].target_table);
        free(d->tables[i].error);
    }
    for (size_t i = 0; i < d->nchecks; i++) {
        free(d->checks[i].name), free(d->checks[i].source_value);
        free(d->checks[i].target_value), free(d->checks[i].error);
    }
    side_reset(&d->side[0]);
    side_reset(&d->side[1]);
    free(d->jobs);
    sbuf_free(&d->scratch);
    sbuf_free(&d->canon[0]), sbuf_free(&d->canon[1]);
    free(d->off), free(d->len), free(d->type);
    free(d->tables);
    free(d->checks);
    free(d);
}

/* --- one row by key ----------------------------------------------------------------- */

struct fetch {
    struct job j;
    struct diff_rows rows;
    struct sbuf vals[2];            /* canonical values of each side, NUL-separated */
    struct {
        char **params;              /* the key's values but NULLs */
        int nparams;
        unsigned char *null;        /* per key column: its value is NULL */
    } k[2];                         /* as each side writes the key */
    int pending, status;
    char msg[1400];
    diff_rows_cb done;
    void *arg;
    int which_done[2];
};

static int fetched_rows(db_query_t *q, const struct db_batch *b, void *arg, int which)
{
    struct fetch *f = arg;

    (void)q;
    if (!b->nrows)
        return DB_CONTINUE;
    if (which == 0)
        f->rows.source_found = 1;
    else
        f->rows.target_found = 1;
    for (int i = 0; i < f->j.nfields && i < b->ncols; i++) {
        const struct db_cell *c = db_cell(b, 0, i);
        struct diff_row_field *rf = &f->rows.fields[i];
        char **v = which ? &rf->target_value : &rf->source_value;
        int null;
        struct sbuf canon = { 0 };
        *v = c->p ? xstrndup(c->p, c->len) : NULL;
        canon_value(&f->j.fields[i].spec, c, &canon, &null);
        /* keep the canonical form beside the value: compared when both are in */
        sbuf_add(&f->vals[which], null ? "\1" : "\2", 1);
        sbuf_add(&f->vals[which], canon.s ? canon.s : "", canon.len);
        sbuf_add(&f->vals[which], "", 1);
        sbuf_free(&canon);
    }
    return DB_CONTINUE;
}

static int fetched_src(db_query_t *q, const struct db_batch *b, void *arg)
{
    return fetched_rows(q, b, arg, 0);
}

static int fetched_tgt(db_query_t *q, const struct db_batch *b, void *arg)
{
    return fetched_rows(q, b, arg, 1);
}

static void fetch_done(db_query_t *q, int status, const char *msg, void *arg)
{
    struct fetch *f = arg;

    (void)q;
    if (status && !f->status) {
        f->status = status;
        snprintf(f->msg, sizeof f->msg, "%s", msg ? msg : "");
    }
    if (--f->pending)
        return;
    if (!f->status && f->rows.source_found && f->rows.target_found) {
        const char *a = f->vals[0].s, *b = f->vals[1].s;
        for (int i = 0; i < f->j.nfields; i++) {
            size_t la = strlen(a + 1), lb = strlen(b + 1);
            f->rows.fields[i].differs = !canon_equal(&f->j.fields[i].spec, a + 1, la, a[0] == 1,
                                                     b + 1, lb, b[0] == 1);
            a += la + 2;
            b += lb + 2;
        }
    }
    f->done(f->arg, &f->rows, f->status, f->msg);
    for (int i = 0; i < f->rows.nfields; i++) {
        struct diff_row_field *rf = &f->rows.fields[i];
        free(rf->source), free(rf->target), free(rf->rule);
        free(rf->source_value), free(rf->target_value);
    }
    free(f->rows.fields);
    for (int w = 0; w < 2; w++) {
        for (int i = 0; i < f->k[w].nparams; i++)
            free(f->k[w].params[i]);
        free(f->k[w].params);
        free(f->k[w].null);
    }
    sbuf_free(&f->vals[0]);
    sbuf_free(&f->vals[1]);
    job_discard(&f->j);
    free(f);
}

/* The key's values as one side looks them up: NULLs apart, text. */
static void fetch_key(struct fetch *f, int which, json_t *key)
{
    f->k[which].params = xcalloc((size_t)f->j.nkey + 1, sizeof *f->k[which].params);
    f->k[which].null = xcalloc((size_t)f->j.nkey + 1, 1);
    for (int k = 0; k < f->j.nkey; k++) {
        json_t *v = json_object_get(key, f->j.key_names[k]);
        if ((f->k[which].null[k] = !v || json_is_null(v)))
            continue;
        f->k[which].params[f->k[which].nparams++] =
            json_is_string(v) ? xstrdup(json_string_value(v)) : jsonx_dumps(v, 0);
    }
}

static char *fetch_sql(const struct fetch *f, const struct cat_table *t, int target,
                       enum url_kind engine)
{
    struct sbuf b = { 0 };
    char *from = cat_sql_name(t);

    sbuf_puts(&b, "SELECT ");
    for (int i = 0; i < f->j.nfields; i++)
        sbuf_printf(&b, "%s%s", i ? ", " : "", target ? f->j.fields[i].texpr : f->j.fields[i].expr);
    sbuf_printf(&b, " FROM %s WHERE ", from);
    for (int k = 0, n = 0; k < f->j.nkey; k++) {  /* a NULL key part is looked for as such */
        char *q = key_match(&f->j, k, target, engine);
        if (f->k[target].null[k])
            sbuf_printf(&b, "%s%s IS NULL", k ? " AND " : "", q);
        else
            sbuf_printf(&b, "%s%s = %s%d", k ? " AND " : "", q, engine == URL_PG ? "$" : "?", ++n);
        free(q);
    }
    free(from);
    return sbuf_take(&b);
}

int diff_fetch_rows(db_t *src, db_t *tgt, const struct pair *p, const struct sheet *s,
                    json_t *key, json_t *target_key, diff_rows_cb done, void *arg,
                    struct err *e)
{
    struct fetch *f = xcalloc(1, sizeof *f);
    char *sql[2];

    if (plan_job(&f->j, p, s, NULL, db_kind(src), db_kind(tgt), e) < 0 || !f->j.nkey) {
        if (!f->j.nkey && !e->msg[0])
            err_set(e, ERR_INPUT, "table %s has no key to find the row by", p->src->name);
        job_discard(&f->j);
        free(f);
        return -1;
    }
    f->done = done;
    f->arg = arg;
    f->rows.nfields = f->j.nfields;
    f->rows.fields = xcalloc((size_t)f->j.nfields + 1, sizeof *f->rows.fields);
    for (int i = 0; i < f->j.nfields; i++) {
        f->rows.fields[i].source = xstrdup(f->j.fields[i].source);
        f->rows.fields[i].target = xstrdup(f->j.fields[i].target);
        f->rows.fields[i].rule = xstrdup(f->j.fields[i].rule);
    }
    fetch_key(f, 0, key);
    fetch_key(f, 1, target_key ? target_key : key);
    sql[0] = fetch_sql(f, p->src, 0, db_kind(src));
    sql[1] = fetch_sql(f, p->tgt, 1, db_kind(tgt));
    f->pending = 2;
    if (!db_query(src, sql[0], f->k[0].nparams, (const char *const *)f->k[0].params, NULL,
                  fetched_src, fetch_done, f))
        f->pending--, f->status = DB_ECANCELED;
    if (!db_query(tgt, sql[1], f->k[1].nparams, (const char *const *)f->k[1].params, NULL,
                  fetched_tgt, fetch_done, f))
        f->pending--, f->status = DB_ECANCELED;
    free(sql[0]);
    free(sql[1]);
    if (!f->pending) {  /* neither was accepted: the connections are closing */
        f->pending = 1;
        fetch_done(NULL, DB_ECANCELED, "the connections are closing", f);
    }
    return 0;
}
