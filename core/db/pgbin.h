/* pgbin: PostgreSQL's binary forms of its common types (COPY … (FORMAT
 * binary), the send functions) written as the text PostgreSQL itself prints
 * with DateStyle ISO: so a value read in binary reads exactly as one read as
 * text, and is formatted only when someone looks at it. */
#ifndef CUTOVER_PGBIN_H
#define CUTOVER_PGBIN_H

#include <stddef.h>
#include <stdint.h>

/* Big-endian integers as they come off the wire. */
static inline uint16_t pgbin_u16(const void *p)
{
    const unsigned char *b = p;
    return (uint16_t)(b[0] << 8 | b[1]);
}

static inline uint32_t pgbin_u32(const void *p)
{
    const unsigned char *b = p;
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static inline uint64_t pgbin_u64(const void *p)
{
    return (uint64_t)pgbin_u32(p) << 32 | pgbin_u32((const unsigned char *)p + 4);
}

/* A numeric (int16 ndigits, weight, sign, dscale, then base-10000 digits):
 * the most bytes its text takes (NUL excluded, with room for the last group
 * of four digits written whole); -1 when the bytes are not a numeric. */
long pgbin_numeric_room(const void *p, size_t len);
/* Writes it as numeric_out does ("-12.50", "NaN", "Infinity") into buf,
 * which holds pgbin_numeric_room() + 1 bytes; returns the length. */
size_t pgbin_numeric_text(const void *p, size_t len, char *buf);

/* The longest text of a timestamp, date or time below, NUL included. */
#define PGBIN_TIME_TEXT_MAX 40

/* Microseconds since 2000-01-01 00:00:00 (timestamp; with `utc`, timestamptz
 * written in UTC: "+00"): "2021-03-04 05:06:07.5", "0044-03-15 12:00:00 BC",
 * "infinity". Returns the length. */
size_t pgbin_timestamp_text(int64_t us, int utc, char *buf);
/* Days since 2000-01-01: "2021-03-04", "0001-12-31 BC", "-infinity". */
size_t pgbin_date_text(int64_t days, char *buf);
/* Microseconds since midnight: "05:06:07.25". */
size_t pgbin_time_text(int64_t us, char *buf);
/* 16 bytes as uuid_out writes them: 36 characters, lowercase. */
void pgbin_uuid_text(const void *p, char *buf);

/* Seconds from the Unix epoch to PostgreSQL's (2000-01-01). */
#define PGBIN_EPOCH_S INT64_C(946684800)

#endif
