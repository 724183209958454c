/* sheet: the field mapping sheet, mapping.csv (DESIGN.md): RFC 4180 CSV,
 * UTF-8, a header row, columns in any order, unknown columns kept. Fields are
 * parsed with libcsv; each record also keeps its bytes as read, so a sheet
 * written back without changes is byte-identical, and a changed one differs
 * only in the rows that changed. Saving is atomic (temp file + rename). */
#ifndef CUTOVER_SHEET_H
#define CUTOVER_SHEET_H

#include <stddef.h>

#include "err.h"

/* X-macro: the columns cutover knows, in the order a new sheet has them. */
#define SHEET_COLUMNS(X) \
    X(SOURCE, "source") X(TARGET, "target") X(TRANSFORM, "transform") X(OWNER, "owner") \
    X(RULE, "rule") X(STATUS, "status") X(REVIEWER, "reviewer") \
    X(REVIEWED_AT, "reviewed_at") X(NOTE, "note")

enum sheet_col {
#define X(id, name) SC_##id,
    SHEET_COLUMNS(X)
#undef X
    SC_NKNOWN
};

struct sheet_row {
    char **f;           /* one field per header column; NULL for a blank line */
    char *raw;          /* the record as read (with its line end); NULL once changed */
    int line;           /* its first line in the file; 0 for a new row */
};

struct sheet {
    char *path;
    char **header;
    int ncols;
    char *raw_header;   /* NULL once a column was added */
    int col[SC_NKNOWN]; /* header index of each known column, -1 if absent */
    struct sheet_row *rows;
    size_t n;
    const char *eol;    /* "\r\n" or "\n", as the file has it */
    int bom, final_eol;
};

struct sheet_stats {
    int exists;
    long rows, draft, approved, rejected, other;
    long unsigned_approved;     /* approved rows that name no reviewer */
};

/* Reads a sheet. CSV errors name the file, the line and the column
 * ("mapping.csv:12: column note: …"); -1 with `e` (ERR_INPUT). */
int sheet_load(const char *path, struct sheet *s, struct err *e);
/* sheet_load, or an empty sheet (sheet_init) when there is no file yet. */
int sheet_open(const char *path, struct sheet *s, struct err *e);
/* An empty sheet with the standard header, to be saved at `path`. */
void sheet_init(struct sheet *s, const char *path);
int sheet_save(struct sheet *s, struct err *e);
void sheet_free(struct sheet *s);

/* A field of a data row ("" when the column is absent). */
const char *sheet_get(const struct sheet *s, size_t row, enum sheet_col c);
/* Sets a field, adding the column to the header if the sheet lacks it. */
void sheet_set(struct sheet *s, size_t row, enum sheet_col c, const char *value);
/* Appends an empty data row; returns its index. */
size_t sheet_add(struct sheet *s);
/* The data row mapping source to target, or -1. */
long sheet_find(const struct sheet *s, const char *source, const char *target);
/* How the sheet covers a source column (`ref`: "table.column"). */
enum sheet_cover {
    SHEET_UNCOVERED,    /* no row but rejected ones names it */
    SHEET_LEFT_OUT,     /* a row not rejected leaves it out (empty target); *row is it */
    SHEET_MAPPED,       /* a row not rejected maps it to a target column */
};
enum sheet_cover sheet_cover(const struct sheet *s, const char *ref, size_t *row);
/* Whether data row `row` cannot be used as written: a status other than
 * draft, approved or rejected (or empty), or a transform that is not one
 * expression (sqltext_expression). 1 with why in `why`, else 0. */
int sheet_row_malformed(const struct sheet *s, size_t row, char *why, size_t n);
/* Counts the data rows and their review status. */
void sheet_count(const struct sheet *s, struct sheet_stats *st);
const char *sheet_col_name(enum sheet_col c);

#endif
