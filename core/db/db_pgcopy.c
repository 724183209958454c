/* db_pgcopy: the rows of a COPY … TO STDOUT as libpq hands them, one buffer a
 * row: the text format split at tabs and unescaped in place, the binary one
 * decoded in place (integers, floats, timestamps as native bytes; numerics,
 * uuids and the rest as the text PostgreSQL would print, only if looked at). */
#include "config.h"
#include "db_pg_int.h"
#include "pgbin.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One row of COPY's text format: fields split at tabs, \N for NULL,
 * backslash escapes undone; in place, each field then ends in a NUL. */
static void copy_line(struct pg *pg, char *line, int n)
{
    struct db_cell *cell;
    char *r = line, *end = line + n, *w;
    int c = 0;

    pg->lines = xgrow(pg->lines, &pg->linecap, pg->nrows + 1, sizeof *pg->lines);
    pg->lines[pg->nrows] = line;
    pg->cells = xgrow(pg->cells, &pg->cellcap, (pg->nrows + 1) * (size_t)pg->ncols,
                      sizeof *pg->cells);
    cell = &pg->cells[pg->nrows++ * (size_t)pg->ncols];
    if (end > line && end[-1] == '\n')
        end--;
    for (; c < pg->ncols; c++) {
        char *start = r;
        if (r > end) {  /* fewer fields than columns: not from a server we know */
            cell[c] = (struct db_cell){ NULL, 0, DB_NULL };
            continue;
        }
        while (r < end && *r != '\t' && *r != '\\')  /* fields are short: no memchr calls */
            r++;
        w = r;
        if (r < end && *r == '\\') {
            if (r == start && end - r >= 2 && r[1] == 'N' && (r + 2 == end || r[2] == '\t')) {
                cell[c] = (struct db_cell){ NULL, 0, DB_NULL };
                r += 3;
                continue;
            }
            for (; r < end && *r != '\t'; r++) {  /* undo the escapes */
                if (*r != '\\' || r + 1 == end) {
                    *w++ = *r;
                    continue;
                }
                switch (*++r) {
                case 'b': *w++ = '\b'; break;
                case 'f': *w++ = '\f'; break;
                case 'n': *w++ = '\n'; break;
                case 'r': *w++ = '\r'; break;
                case 't': *w++ = '\t'; break;
                case 'v': *w++ = '\v'; break;
                default: *w++ = *r; break;  /* \\ and any other character as itself */
                }
            }
        }
        *w = '\0';  /* over the tab or the line end: there is room */
        cell[c] = (struct db_cell){ start, (size_t)(w - start), DB_TEXT };
        r++;
    }
}

/* --- binary COPY ------------------------------------------------------------------ */

enum dec { DEC_NONE, DEC_INT2, DEC_INT4, DEC_OID, DEC_INT8, DEC_FLOAT8, DEC_BOOL, DEC_TEXT,
           DEC_JSONB, DEC_BYTEA, DEC_NUMERIC, DEC_TS, DEC_TSTZ, DEC_DATE, DEC_TIME, DEC_UUID };

/* How a column of this type is read in binary; DEC_NONE: not at all. */
static enum dec dec_of(Oid oid)
{
    switch (oid) {
    case 21: return DEC_INT2;
    case 23: return DEC_INT4;
    case 26: return DEC_OID;
    case 20: return DEC_INT8;
    case 701: return DEC_FLOAT8;
    case 16: return DEC_BOOL;
    case 25: case 1043: case 1042: case 19: case 114: return DEC_TEXT;  /* text varchar
                                                     * bpchar name json: sent as printed */
    case 3802: return DEC_JSONB;
    case 17: return DEC_BYTEA;
    case 1700: return DEC_NUMERIC;
    case 1114: return DEC_TS;
    case 1184: return DEC_TSTZ;
    case 1082: return DEC_DATE;
    case 1083: return DEC_TIME;
    case 2950: return DEC_UUID;
    default: return DEC_NONE;
    }
}

/* After the LIMIT 0 query: binary when every column is read in binary. */
void db_pg__choose_format(struct pg *pg)
{
    /* a server built without integer datetimes (before PostgreSQL 10) sends
     * times as float8 seconds: those are read as text */
    const char *idt = PQparameterStatus(pg->conn, "integer_datetimes");
    int int_times = idt && !strcmp(idt, "on");

    pg->dec = xrealloc(pg->dec, (size_t)pg->ncols + 1);
    pg->binary = 1;
    for (int c = 0; c < pg->ncols; c++) {
        enum dec d = dec_of(pg->coltypes[c]);
        if (!int_times && (d == DEC_TS || d == DEC_TSTZ || d == DEC_TIME))
            d = DEC_NONE;
        if ((pg->dec[c] = (unsigned char)d) == DEC_NONE)
            pg->binary = 0;
    }
}

/* Room for `n` bytes of text in the arena for cell `cell`; where to write. */
static char *arena_take(struct pg *pg, size_t cell, size_t n)
{
    char *at;

    pg->arena = xgrow(pg->arena, &pg->acap, pg->alen + n + 1, 1);
    pg->fix = xgrow(pg->fix, &pg->fixcap, pg->nfix + 1, sizeof *pg->fix);
    pg->fix[pg->nfix].cell = cell;
    pg->fix[pg->nfix++].off = pg->alen;
    at = pg->arena + pg->alen;
    pg->alen += n + 1;
    return at;
}

/* One field: `at` is its length word, `data` its `len` bytes (len >= 0).
 * Converted within those 4 + len bytes, else written to the arena. -1 when
 * the bytes are not of the column's type. */
static int decode(struct pg *pg, int c, size_t cell, char *at, char *data, int32_t len)
{
    struct db_cell *out = &pg->cells[cell];
    uint64_t u;
    int64_t v;

    switch ((enum dec)pg->dec[c]) {
    case DEC_INT8: case DEC_FLOAT8: case DEC_TS: case DEC_TSTZ: case DEC_TIME:
        if (len != 8)
            return -1;
        u = pgbin_u64(data);
        if (pg->dec[c] == DEC_TIME && u > UINT64_C(86400000000))
            return -1;  /* a time of day is 0 to 24:00:00 */
        memcpy(data, &u, 8);  /* to the machine's order: int64_t, double */
        *out = (struct db_cell){ data, 8, pg->dec[c] == DEC_INT8 ? DB_INT64 :
                                 pg->dec[c] == DEC_FLOAT8 ? DB_REAL64 :
                                 pg->dec[c] == DEC_TS ? DB_PGTIMESTAMP :
                                 pg->dec[c] == DEC_TSTZ ? DB_PGTIMESTAMPTZ : DB_PGTIME };
        return 0;
    case DEC_INT4: case DEC_OID: case DEC_DATE:  /* widened over the length word */
        if (len != 4)
            return -1;
        u = pgbin_u32(data);
        v = pg->dec[c] == DEC_OID ? (int64_t)u : (int64_t)(int32_t)u;
        memcpy(at, &v, 8);
        *out = (struct db_cell){ at, 8, pg->dec[c] == DEC_DATE ? DB_PGDATE : DB_INT64 };
        return 0;
    case DEC_INT2: {  /* "-32768" fits in the 6 bytes */
        char t[24];
        int n;
        if (len != 2)
            return -1;
        n = int_format(t, (int16_t)pgbin_u16(data));
        memcpy(at, t, (size_t)n);
        at[n] = '\0';
        *out = (struct db_cell){ at, (size_t)n, DB_INT };
        return 0;
    }
    case DEC_BOOL:
        if (len != 1)
            return -1;
        data[0] = data[0] ? 't' : 'f';
        *out = (struct db_cell){ data, 1, DB_BOOL };
        return 0;
    case DEC_TEXT:
        *out = (struct db_cell){ data, (size_t)len, DB_TEXT };
        return 0;
    case DEC_JSONB:  /* a version byte, then the text */
        if (len < 1 || data[0] != 1)
            return -1;
        *out = (struct db_cell){ data + 1, (size_t)len - 1, DB_TEXT };
        return 0;
    case DEC_BYTEA:
        *out = (struct db_cell){ data, (size_t)len, DB_BLOB };
        return 0;
    case DEC_NUMERIC: {
        long room = pgbin_numeric_room(data, (size_t)len);
        char *t;
        if (room < 0)
            return -1;
        if (room < DB_CELL_TEXT_MAX) {
            *out = (struct db_cell){ data, (size_t)len, DB_PGNUMERIC };
            return 0;
        }
        t = arena_take(pg, cell, (size_t)room);
        *out = (struct db_cell){ NULL, pgbin_numeric_text(data, (size_t)len, t), DB_NUMERIC };
        return 0;
    }
    case DEC_UUID:
        if (len != 16)
            return -1;
        pgbin_uuid_text(data, arena_take(pg, cell, 36));
        *out = (struct db_cell){ NULL, 36, DB_TEXT };
        return 0;
    default:
        return -1;
    }
}

/* One message of a binary COPY: the header first, then one row (a field
 * count, each field's length, -1 for NULL, and bytes); the trailer has a
 * count of -1. Each value is followed by a NUL written over the next field's
 * length word once that has been read (libpq ends the buffer with one).
 * Returns whether the message was kept as a row. */
static int copy_binary(struct pg *pg, char *line, int n)
{
    static const char signature[11] = "PGCOPY\n\377\r\n";  /* and a NUL */
    char *p = line, *end = line + n;
    size_t base;
    int32_t len = 0;

    if (pg->qerr)
        return 0;  /* after a bad row: drained */
    if (!pg->header) {
        if (n < 19 || memcmp(p, signature, sizeof signature) ||
            pgbin_u32(p + 15) > (uint32_t)n - 19)
            goto bad;
        p += 19 + pgbin_u32(p + 15);  /* and its extension area */
        pg->header = 1;
    }
    if (end - p < 2)
        goto bad;
    if ((int16_t)pgbin_u16(p) == -1)
        return 0;
    if ((int16_t)pgbin_u16(p) != pg->ncols)
        goto bad;
    p += 2;
    base = pg->nrows * (size_t)pg->ncols;
    pg->cells = xgrow(pg->cells, &pg->cellcap, base + (size_t)pg->ncols, sizeof *pg->cells);
    if (pg->ncols) {
        if (end - p < 4)
            goto bad;
        len = (int32_t)pgbin_u32(p);
    }
    for (int c = 0; c < pg->ncols; c++) {
        char *data = p + 4, *next;
        int32_t next_len = 0;
        if (len < -1 || (len > 0 && end - data < len))
            goto bad;
        next = data + (len > 0 ? len : 0);
        if (c + 1 < pg->ncols) {
            if (end - next < 4)
                goto bad;
            next_len = (int32_t)pgbin_u32(next);
        } else if (next != end) {
            goto bad;
        }
        if (len < 0)
            pg->cells[base + (size_t)c] = (struct db_cell){ NULL, 0, DB_NULL };
        else if (decode(pg, c, base + (size_t)c, p, data, len) < 0)
            goto bad;
        *next = '\0';
        p = next;
        len = next_len;
    }
    pg->lines = xgrow(pg->lines, &pg->linecap, pg->nrows + 1, sizeof *pg->lines);
    pg->lines[pg->nrows++] = line;
    return 1;
bad:
    pg->qerr = xstrdup("the server's binary COPY data could not be read");
    return 0;
}

/* Reads COPY rows while libpq has them. Returns 1 when pump() must wait (no
 * data yet, or paused), 0 when the COPY has ended and its result follows. */
int db_pg__copy_rows(struct pg *pg, db_query_t *q)
{
    for (;;) {
        char *line;
        int n = PQgetCopyData(pg->conn, &line, 1);

        if (n > 0) {
            if (!pg->binary)
                copy_line(pg, line, n);
            else if (!copy_binary(pg, line, n))
                PQfreemem(line);
            pg->bytes += (size_t)n;
            if ((pg->nrows >= q->o.batch_rows || pg->bytes >= DB_BATCH_BYTES) &&
                db_pg__deliver(pg, q) == DB_PAUSE) {
                db_pg__watch(pg, 0);
                return 1;
            }
        } else if (n == 0) {  /* the rest is still on its way */
            if (pg->nrows && db_pg__deliver(pg, q) == DB_PAUSE)
                db_pg__watch(pg, 0);
            else
                db_pg__watch(pg, UV_READABLE | (pg->flushing ? UV_WRITABLE : 0));
            return 1;
        } else {
            if (n == -2 && !pg->qerr)
                pg->qerr = db_pg__one_line(PQerrorMessage(pg->conn));
            pg->in_copy = 0;
            return 0;
        }
    }
}

