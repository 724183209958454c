#include "config.h"
#include "sheet.h"
#include "sqltext.h"
#include "util.h"

#include <csv.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const col_names[] = {
#define X(id, name) name,
    SHEET_COLUMNS(X)
#undef X
};

const char *sheet_col_name(enum sheet_col c)
{
    return col_names[c];
}

struct fields {
    char **v;
    size_t n, cap;
};

static void on_field(void *s, size_t len, void *arg)
{
    struct fields *f = arg;

    f->v = xgrow(f->v, &f->cap, f->n + 1, sizeof *f->v);
    f->v[f->n++] = xstrndup(s ? s : "", s ? len : 0);
}

static void free_fields(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* Parses one record (a header or a row) into fields. */
static int parse_record(const struct sheet *s, const char *rec, size_t len, int line,
                        struct fields *f, struct err *e)
{
    struct csv_parser p;
    int rc = 0;

    csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_EMPTY_IS_NULL);
    if (csv_parse(&p, rec, len, on_field, NULL, f) != len ||
        csv_fini(&p, on_field, NULL, f) != 0) {
        size_t at = f->n;  /* fields parsed before the bad one */
        const char *col = s->header && (int)at < s->ncols ? s->header[at] : NULL;
        /* libcsv's "error parsing data while strict checking enabled" */
        const char *why = csv_error(&p) == CSV_EPARSE ?
            "a quote inside a field that is not quoted, or text after a quoted field's closing "
            "quote: quote the whole field and double each quote inside it (\"x\"\"y\")" :
            csv_strerror(csv_error(&p));
        if (col)
            rc = err_set(e, ERR_INPUT, "%s:%d: column %s: %s", s->path, line, col, why);
        else
            rc = err_set(e, ERR_INPUT, "%s:%d: field %zu: %s", s->path, line, at + 1, why);
    }
    csv_free(&p);
    return rc;
}

static void map_columns(struct sheet *s)
{
    for (int c = 0; c < SC_NKNOWN; c++) {
        s->col[c] = -1;
        for (int i = 0; i < s->ncols; i++)
            if (strcmp(s->header[i], col_names[c]) == 0)
                s->col[c] = i;
    }
}

void sheet_init(struct sheet *s, const char *path)
{
    memset(s, 0, sizeof *s);
    s->path = xstrdup(path);
    s->ncols = SC_NKNOWN;
    s->header = xcalloc(SC_NKNOWN, sizeof *s->header);
    for (int c = 0; c < SC_NKNOWN; c++)
        s->header[c] = xstrdup(col_names[c]);
    s->eol = "\n";
    s->final_eol = 1;
    map_columns(s);
}

static char *read_all(const char *path, size_t *len, struct err *e)
{
    FILE *f = fopen(path, "rb");
    struct sbuf b = { 0 };
    char buf[65536];
    size_t n;

    if (!f) {
        err_set(e, ERR_INPUT, "%s: cannot read the mapping sheet: %s", path, strerror(errno));
        return NULL;
    }
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        sbuf_add(&b, buf, n);
    fclose(f);
    *len = b.len;
    return sbuf_take(&b);
}

int sheet_open(const char *path, struct sheet *s, struct err *e)
{
    if (access(path, F_OK) != 0) {
        sheet_init(s, path);
        return 0;
    }
    return sheet_load(path, s, e);
}

int sheet_load(const char *path, struct sheet *s, struct err *e)
{
    size_t len, at = 0;
    char *text = read_all(path, &len, e);
    int line = 1, first = 1;

    memset(s, 0, sizeof *s);
    s->path = xstrdup(path);
    s->eol = "\n";
    if (!text) {
        sheet_free(s);
        return -1;
    }
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
        s->bom = 1;
        at = 3;
    }
    {   /* UTF-8 without NUL bytes, or said where it is not (a NUL would cut a field
         * short, and the rest of its record would be lost when the sheet is saved) */
        const char *nul = memchr(text + at, '\0', len - at);
        size_t bad = utf8_check(text + at, (nul ? (size_t)(nul - text) : len) - at) + at;
        size_t col = 1;
        if (bad < len) {
            for (size_t i = at; i < bad; i++, col++)
                if (text[i] == '\n')
                    line++, col = 0;
            if (text[bad] == '\0')
                err_set(e, ERR_INPUT, "%s:%d: a NUL byte at column %zu: remove it", path, line,
                        col);
            else
                err_set(e, ERR_INPUT, "%s:%d: not UTF-8: byte 0x%02x at column %zu (save the "
                        "sheet as UTF-8)", path, line, (unsigned char)text[bad], col);
            goto bad;
        }
    }
    while (at < len) {
        /* a record ends at a line end outside quotes */
        size_t start = at, end;
        int rline = line;
        enum { FIELD, BARE, QUOTED, QUOTE } st = FIELD;
        struct fields f = { 0 };

        /* only a quote that opens a field quotes it; libcsv judges the rest */
        for (; at < len; at++) {
            char c = text[at];
            if (c == '\n')
                line++;
            if (st == QUOTED) {
                if (c == '"')
                    st = QUOTE;
                continue;
            }
            if (c == '\n')
                break;
            if (st == QUOTE && c == '"')
                st = QUOTED;
            else if (c == ',')
                st = FIELD;
            else if (st == FIELD && c == '"')
                st = QUOTED;
            else if (st == FIELD || (st == QUOTE && c != '\r'))
                st = BARE;
        }
        if (st == QUOTED) {
            err_set(e, ERR_INPUT, "%s:%d: a quoted field is not closed before the end of the file",
                    path, rline);
            goto bad;
        }
        end = at < len ? at + 1 : at;
        s->final_eol = at < len;
        if (first && at < len)
            s->eol = at > start && text[at - 1] == '\r' ? "\r\n" : "\n";
        at = end;
        {
            size_t body = end - start;
            while (body && (text[start + body - 1] == '\n' || text[start + body - 1] == '\r'))
                body--;
            if (body == 0 && !first) {  /* a blank line: kept as it is */
                s->rows = xrealloc(s->rows, (s->n + 1) * sizeof *s->rows);
                s->rows[s->n++] = (struct sheet_row){ NULL, xstrndup(text + start, end - start),
                                                      rline };
                continue;
            }
            if (parse_record(s, text + start, body, rline, &f, e) < 0) {
                free_fields(f.v, f.n);
                goto bad;
            }
        }
        if (first) {
            s->header = f.v;
            s->ncols = (int)f.n;
            s->raw_header = xstrndup(text + start, end - start);
            map_columns(s);
            if (s->col[SC_SOURCE] < 0 || s->col[SC_TARGET] < 0) {
                const char *h = s->ncols ? s->header[0] : "nothing";
                err_set(e, ERR_INPUT, "%s:%d: the header row must name the columns source and "
                        "target (it has: %s…)%s", path, rline, h,
                        s->ncols == 1 && strchr(h, ';') ? "; its fields are separated by ';' "
                        "(a spreadsheet's export in some locales): save it as comma-separated" : "");
                goto bad;
            }
            for (int a = 0; a < s->ncols; a++)  /* a second one would win in silence */
                for (int b = 0; b < a; b++)
                    if (s->header[a] && s->header[b] && !strcmp(s->header[a], s->header[b])) {
                        err_set(e, ERR_INPUT, "%s:%d: column '%s' appears twice in the header",
                                path, rline, s->header[a]);
                        goto bad;
                    }
            first = 0;
            continue;
        }
        if ((int)f.n != s->ncols) {
            err_set(e, ERR_INPUT, "%s:%d: %zu fields, but the header has %d", path, rline, f.n,
                    s->ncols);
            free_fields(f.v, f.n);
            goto bad;
        }
        s->rows = xrealloc(s->rows, (s->n + 1) * sizeof *s->rows);
        s->rows[s->n++] = (struct sheet_row){ f.v, xstrndup(text + start, end - start), rline };
    }
    if (first) {
        err_set(e, ERR_INPUT, "%s:1: the sheet is empty: it needs a header row "
                "(source,target,transform,owner,rule,status,reviewer,reviewed_at,note)", path);
        goto bad;
    }
    free(text);
    return 0;
bad:
    free(text);
    sheet_free(s);
    return -1;
}

void sheet_free(struct sheet *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++) {
        if (s->rows[i].f)
            free_fields(s->rows[i].f, (size_t)s->ncols);
        free(s->rows[i].raw);
    }
    free(s->rows);
    if (s->header)
        free_fields(s->header, (size_t)s->ncols);
    free(s->raw_header);
    free(s->path);
    memset(s, 0, sizeof *s);
}

/* RFC 4180: quoted when it holds a comma, a quote or a line end, or has
 * spaces or tabs at either end (libcsv and spreadsheets trim those otherwise:
 * found by fuzz_sheet). */
static void put_field(struct sbuf *b, const char *v)
{
    size_t n = strlen(v);

    if (!strpbrk(v, ",\"\r\n") &&
        !(n && (v[0] == ' ' || v[0] == '\t' || v[n - 1] == ' ' || v[n - 1] == '\t'))) {
        sbuf_add(b, v, n);
        return;
    }
    sbuf_puts(b, "\"");
    for (; *v; v++)
        sbuf_puts(b, *v == '"' ? "\"\"" : (char[]){ *v, 0 });
    sbuf_puts(b, "\"");
}

static void put_record(struct sbuf *b, char **f, int n, const char *eol)
{
    for (int i = 0; i < n; i++) {
        if (i)
            sbuf_puts(b, ",");
        put_field(b, f[i] ? f[i] : "");
    }
    sbuf_puts(b, eol);
}

int sheet_save(struct sheet *s, struct err *e)
{
    struct sbuf b = { 0 };
    char *tmp = xasprintf("%s.tmp.%ld", s->path, (long)getpid());
    struct stat st;
    FILE *f;
    int rc = 0;

    if (s->bom)
        sbuf_puts(&b, "\xEF\xBB\xBF");
    if (s->raw_header)
        sbuf_puts(&b, s->raw_header);
    else
        put_record(&b, s->header, s->ncols, s->eol);
    for (size_t i = 0; i < s->n; i++) {
        if (s->rows[i].raw)
            sbuf_puts(&b, s->rows[i].raw);
        else
            put_record(&b, s->rows[i].f, s->ncols, s->eol);
    }
    /* a file that did not end with a line end still does not */
    if (!s->final_eol && b.len && b.s[b.len - 1] == '\n' && s->n &&
        s->rows[s->n - 1].raw) {
        b.len--;
        if (b.len && b.s[b.len - 1] == '\r')
            b.len--;
    }
    if (!(f = fopen(tmp, "wb")) || fwrite(b.s ? b.s : "", 1, b.len, f) != b.len ||
        fflush(f) != 0 || fsync(fileno(f)) != 0) {
        rc = err_set(e, ERR_INPUT, "%s: cannot write: %s", s->path, strerror(errno));
        if (f)
            fclose(f);
        unlink(tmp);
        goto out;
    }
    if (stat(s->path, &st) == 0)
        fchmod(fileno(f), st.st_mode & 07777);
    if (fclose(f) != 0 || rename(tmp, s->path) != 0) {
        rc = err_set(e, ERR_INPUT, "%s: cannot replace: %s", s->path, strerror(errno));
        unlink(tmp);
    }
out:
    sbuf_free(&b);
    free(tmp);
    return rc;
}

const char *sheet_get(const struct sheet *s, size_t row, enum sheet_col c)
{
    const char *v;

    if (row >= s->n || !s->rows[row].f || s->col[c] < 0)
        return "";
    v = s->rows[row].f[s->col[c]];
    return v ? v : "";
}

void sheet_set(struct sheet *s, size_t row, enum sheet_col c, const char *value)
{
    struct sheet_row *r = &s->rows[row];

    if (s->col[c] < 0) {  /* a column the sheet did not have: every row grows */
        s->header = xrealloc(s->header, (size_t)(s->ncols + 1) * sizeof *s->header);
        s->header[s->ncols] = xstrdup(col_names[c]);
        for (size_t i = 0; i < s->n; i++)
            if (s->rows[i].f) {
                s->rows[i].f = xrealloc(s->rows[i].f, (size_t)(s->ncols + 1) * sizeof(char *));
                s->rows[i].f[s->ncols] = xstrdup("");
                free(s->rows[i].raw);
                s->rows[i].raw = NULL;
            }
        s->col[c] = s->ncols++;
        free(s->raw_header);
        s->raw_header = NULL;
    }
    if (strcmp(r->f[s->col[c]] ? r->f[s->col[c]] : "", value) == 0)
        return;
    free(r->f[s->col[c]]);
    r->f[s->col[c]] = xstrdup(value);
    free(r->raw);
    r->raw = NULL;
}

size_t sheet_add(struct sheet *s)
{
    struct sheet_row *r;

    /* the last record needs its line end before another follows */
    if (!s->final_eol && s->n && s->rows[s->n - 1].raw) {
        char *raw = xasprintf("%s%s", s->rows[s->n - 1].raw, s->eol);
        free(s->rows[s->n - 1].raw);
        s->rows[s->n - 1].raw = raw;
    }
    s->final_eol = 1;
    s->rows = xrealloc(s->rows, (s->n + 1) * sizeof *s->rows);
    r = &s->rows[s->n];
    r->f = xcalloc((size_t)s->ncols, sizeof *r->f);
    for (int i = 0; i < s->ncols; i++)
        r->f[i] = xstrdup("");
    r->raw = NULL;
    r->line = 0;
    return s->n++;
}

long sheet_find(const struct sheet *s, const char *source, const char *target)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->rows[i].f && strcmp(sheet_get(s, i, SC_SOURCE), source) == 0 &&
            strcmp(sheet_get(s, i, SC_TARGET), target) == 0)
            return (long)i;
    return -1;
}

enum sheet_cover sheet_cover(const struct sheet *s, const char *ref, size_t *row)
{
    enum sheet_cover c = SHEET_UNCOVERED;

    for (size_t i = 0; i < s->n; i++) {
        if (!s->rows[i].f || strcmp(sheet_get(s, i, SC_SOURCE), ref) != 0 ||
            strcmp(sheet_get(s, i, SC_STATUS), "rejected") == 0)
            continue;
        if (*sheet_get(s, i, SC_TARGET))
            return SHEET_MAPPED;
        if (c == SHEET_UNCOVERED && row)
            *row = i;
        c = SHEET_LEFT_OUT;
    }
    return c;
}

int sheet_row_malformed(const struct sheet *s, size_t row, char *why, size_t n)
{
    const char *st = sheet_get(s, row, SC_STATUS), *bad;

    if (*st && strcmp(st, "draft") && strcmp(st, "approved") && strcmp(st, "rejected")) {
        snprintf(why, n, "status '%s' is not draft, approved or rejected", st);
        return 1;
    }
    if ((bad = sqltext_expression(sheet_get(s, row, SC_TRANSFORM)))) {
        snprintf(why, n, "transform: %s", bad);
        return 1;
    }
    return 0;
}

void sheet_count(const struct sheet *s, struct sheet_stats *st)
{
    memset(st, 0, sizeof *st);
    st->exists = 1;
    for (size_t i = 0; i < s->n; i++) {
        const char *v;
        if (!s->rows[i].f)
            continue;
        st->rows++;
        v = sheet_get(s, i, SC_STATUS);
        if (strcmp(v, "approved") == 0) {
            st->approved++;
            st->unsigned_approved += !*sheet_get(s, i, SC_REVIEWER);
        }
        else if (strcmp(v, "rejected") == 0)
            st->rejected++;
        else if (strcmp(v, "draft") == 0 || !*v)
            st->draft++;
        else
            st->other++;
    }
}
