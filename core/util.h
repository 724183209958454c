/* util: allocation that aborts on out-of-memory, a growable string, and the
 * small parsers every module shares (durations, name normalisation). */
#ifndef CUTOVER_UTIL_H
#define CUTOVER_UTIL_H

#include <stddef.h>
#include <stdint.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Grows an array of `*cap` elements of `size` bytes so it holds `need`. */
void *xgrow(void *p, size_t *cap, size_t need, size_t size);

struct sbuf {
    char *s;
    size_t len, cap;
};
void sbuf_grow(struct sbuf *b, size_t n);  /* room for n more bytes and a NUL */
/* Inline: the diff appends every value of every row through it. */
static inline void sbuf_add(struct sbuf *b, const char *s, size_t n)
{
    if (b->len + n >= b->cap)
        sbuf_grow(b, n);
    if (n)
        __builtin_memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}
void sbuf_puts(struct sbuf *b, const char *s);
void sbuf_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Returns the string (never NULL) and leaves the buffer empty; caller frees. */
char *sbuf_take(struct sbuf *b);
void sbuf_free(struct sbuf *b);

#define INT_TEXT_MAX 21  /* "-9223372036854775808" and its NUL */
/* Writes v in decimal into buf (INT_TEXT_MAX bytes at least); returns its length. */
int int_format(char *buf, int64_t v);

/* "30s", "500ms", "5m", "72h", "2d" → milliseconds. Returns -1 on bad input. */
int64_t dur_parse_ms(const char *s);
/* Percentage points from 0 to 100, "%" or not ("0.5%", "0.5"), as a
 * fraction (0.005); -1 when `s` is none. */
int share_parse(const char *s, double *fraction);
/* Formats milliseconds as "1h02m03s", "812ms": into buf, returns buf. */
char *dur_format(int64_t ms, char *buf, size_t n);
/* A measured span in its two largest units, signed: 0s, 850ms, 12s, 4m05s,
 * 4h43m, 111d02h. */
char *dur_human(int64_t ms, char *buf, size_t n);
/* Writes a file through a temporary beside it and rename(2), so a reader
 * sees the old or the new file, never half of one. -1 with `e` filled. */
struct err;
int file_write_atomic(const char *path, const char *text, size_t len, struct err *e);
/* What a file was when it was read: anything that rewrites it (an editor, a
 * spreadsheet, a rename over it) changes one of these. */
struct file_stamp {
    long long size, mtime_ns;
    unsigned long long ino;
    int exists;
};
struct file_stamp file_stamp(const char *path);
int file_stamp_same(struct file_stamp a, struct file_stamp b);
/* The clock every recorded time comes from, in milliseconds since the
 * epoch: the wall clock, or, for tests only, a simulated one. With
 * CUTOVER_SIMULATED_CLOCK=2026-01-01T00:00:00Z in the environment it starts
 * at that time and moves only by clock_advance: live polling then runs its
 * rounds back to back, each one interval later on this clock, so that a
 * 72-hour hypercare session runs in seconds. */
int64_t wall_ms(void);
int clock_simulated(void);
void clock_advance(int64_t ms);
/* Milliseconds since the epoch as 2026-01-01T00:00:00.000Z (n >= 32), the
 * form the workspace records; clock_iso: wall_ms() so. */
char *ms_iso(int64_t ms, char *buf, size_t n);
char *clock_iso(char *buf, size_t n);
/* ms_iso's time read back (its milliseconds optional); -1 if it is not one. */
int64_t iso_ms(const char *iso);
/* Elapsed time as a clock: 13:22:05, 75:02:10 (hours do not wrap). */
char *dur_clock(int64_t ms, char *buf, size_t n);

/* Lowercase and drop '_', '-' and ' ', so InvoiceLine and invoice_line meet. */
char *name_normalize(const char *s);

/* Trims ASCII whitespace in place at both ends; returns s. */
char *str_trim(char *s);

/* Byte `at` of UTF-8 text is inside a character (a continuation byte): a
 * cut there would split it. */
static inline int utf8_inside(const char *s, size_t at)
{
    return ((unsigned char)s[at] & 0xC0) == 0x80;
}

/* The offset of the first byte of `s` (n bytes) that is not well-formed
 * UTF-8 (overlong forms, surrogates and code points past U+10FFFF are not),
 * or n when all are. */
size_t utf8_check(const char *s, size_t n);

/* Current user for the audit log: $USER, else the passwd entry, else "unknown". */
const char *user_name(void);

#endif
