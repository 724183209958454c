/* db: one asynchronous interface over SQLite and PostgreSQL on a libuv loop.
 *
 * A db_t is a connection that runs one query at a time; further queries wait
 * in a FIFO queue. Rows arrive in batches through a callback that may pause
 * the stream (backpressure): a paused PostgreSQL query stops reading its
 * socket, a paused SQLite query stops stepping. Nothing here blocks the loop:
 * PostgreSQL runs through libpq's async API on a uv_poll_t, SQLite on the
 * libuv thread pool, one job at a time per connection.
 *
 * Safety (DESIGN.md): every session is read-only. PostgreSQL sessions set
 * default_transaction_read_only=on, statement_timeout and
 * application_name=cutover, and pin what shapes values (DateStyle ISO, YMD,
 * TimeZone UTC, IntervalStyle postgres, extra_float_digits 3, bytea_output
 * hex, client_encoding UTF8, standard_conforming_strings on) whatever the
 * database, the role or PGOPTIONS, PGDATESTYLE and PGTZ say; SQLite files are
 * opened read-only with query_only. Only db_url_masked() is ever shown.
 *
 * A SQLite connection has two SQL functions of ours: cutover_row_hash(v, …),
 * a 64-bit hash of its arguments' storage classes and bytes, alike for
 * values of one class and the same bytes (the diff's probe of a SQLite pair),
 * and the aggregate cutover_hash_sum(h), their sum mod 2^64 (its bisection). */
#ifndef CUTOVER_DB_H
#define CUTOVER_DB_H

#include <stddef.h>
#include <uv.h>

#include "err.h"
#include "url.h"

struct sbuf;

typedef struct db db_t;
typedef struct db_query db_query_t;

enum db_state { DB_CONNECTING, DB_UP, DB_DOWN };

/* Status of a finished query (done callback); 0 is success. */
enum {
    DB_OK = 0,
    DB_EQUERY = -1,     /* the database refused the query */
    DB_ELOST = -2,      /* the connection was lost or could not be made */
    DB_ECANCELED = -3,  /* db_query_cancel() or db_close() */
    DB_ETIMEDOUT = -4,  /* the query's timeout_ms passed */
};

/* What a rows callback returns. */
enum { DB_CONTINUE = 0, DB_PAUSE = 1 };

/* The kind of one value; PostgreSQL values keep their type OID as well.
 * From DB_INT64 on, values are binary and come only from queries run with
 * db_query_opts.binary: DB_INT64 and DB_REAL64 are 8 native bytes (int64_t,
 * double); DB_PGNUMERIC is PostgreSQL's binary numeric as sent; DB_PGTIMESTAMP
 * and DB_PGTIMESTAMPTZ are microseconds since 2000-01-01 (int64_t, the latter
 * in UTC), DB_PGDATE days since then (int64_t), DB_PGTIME microseconds since
 * midnight (int64_t). The same value of the same type is the same bytes;
 * db_cell_text() writes any of them as the engine's text. */
enum db_type { DB_NULL, DB_INT, DB_FLOAT, DB_NUMERIC, DB_BOOL, DB_TEXT, DB_BLOB, DB_INT64,
               DB_REAL64, DB_PGNUMERIC, DB_PGTIMESTAMP, DB_PGTIMESTAMPTZ, DB_PGDATE, DB_PGTIME };

static inline int db_type_binary(enum db_type t)
{
    return t >= DB_INT64;
}

struct db_cell {
    const char *p;      /* NULL for SQL NULL; text (PostgreSQL's text format, bytea as its
                         * \x hex text), BLOB bytes (SQLite, or bytea read in binary) or
                         * a binary value (db_type_binary(), not aligned); always followed
                         * by a NUL byte, not counted in len, so text may be read as a C
                         * string */
    size_t len;
    enum db_type type;
};

/* A batch of rows, valid only during the rows callback (copy what you keep). */
struct db_batch {
    size_t nrows;
    int ncols;
    const char *const *colnames;
    const unsigned *coltypes;     /* PostgreSQL type OIDs; 0 on SQLite */
    const struct db_cell *cells;  /* nrows * ncols, row-major */
};

static inline const struct db_cell *db_cell(const struct db_batch *b, size_t row, int col)
{
    return &b->cells[row * (size_t)b->ncols + (size_t)col];
}

#define DB_CELL_TEXT_MAX 64
/* `c` as text: `c` itself, or a binary value written into `buf`
 * (DB_CELL_TEXT_MAX bytes) as a query without `binary` gives it, typed
 * DB_INT, DB_FLOAT, DB_NUMERIC or DB_TEXT. */
struct db_cell db_cell_text(const struct db_cell *c, char *buf);

struct db_opts {
    int statement_timeout_ms;   /* server-side limit; 0: 60 s */
    int connect_timeout_ms;     /* 0: 10 s */
    int reconnect;              /* after a failure, reconnect with exponential backoff */
    /* Told of every state change; db_errmsg() says why a db went down. */
    void (*on_state)(db_t *db, enum db_state state, void *arg);
    void *arg;
};

struct db_query_opts {
    size_t batch_rows;          /* rows per batch; 0: 256 */
    int timeout_ms;             /* client-side limit, then cancel; 0: none */
    /* PostgreSQL: stream the rows with COPY (sql) TO STDOUT, several times
     * cheaper per row than single-row mode for long reads. The batches then
     * have no column names or type OIDs (NULL) and every value is DB_TEXT
     * (unless `binary`).
     * Ignored for queries with parameters and on SQLite. */
    int copy;
    /* Values in binary (see enum db_type), not formatted as text: for a
     * consumer that compares two databases of one engine byte for byte and
     * formats only what differs (db_cell_text()). SQLite: INTEGER and REAL
     * as DB_INT64, DB_REAL64. PostgreSQL, with `copy` only: the column types
     * are asked for first (one round trip), then, when each is one we read
     * in binary, COPY … (FORMAT binary): integers as DB_INT64, float8 as
     * DB_REAL64, numeric, timestamps, dates and times as DB_PG*, bytea as
     * DB_BLOB, booleans, text, json, jsonb and uuid as their usual text.
     * Otherwise (float4, interval, arrays, enums…) the usual text COPY. */
    int binary;
    /* PostgreSQL: cutover's own transaction control (BEGIN … READ ONLY,
     * SAVEPOINT, ROLLBACK), sent as it is. Every other statement that comes
     * outside a transaction runs in one of its own, opened READ ONLY and
     * ended by ROLLBACK, whatever the statement managed to do (a large
     * object, a setting): nothing a session of cutover's does is committed. */
    int control;
};

typedef int (*db_rows_cb)(db_query_t *q, const struct db_batch *b, void *arg);
/* Called exactly once per query that db_query() accepted. `msg` is NULL on
 * success, else says what failed with the masked URL; both are borrowed. */
typedef void (*db_done_cb)(db_query_t *q, int status, const char *msg, void *arg);

/* Parses `url` (relative SQLite paths against `base_dir`) and starts
 * connecting. Returns 0 and *out, or -1 with `e` filled (ERR_INPUT) for a bad
 * URL. Connection failures are reported asynchronously: through on_state and
 * by failing queued queries with DB_ELOST. */
int db_open(uv_loop_t *loop, const char *url, const char *base_dir, const struct db_opts *o,
            db_t **out, struct err *e);

/* Fails the active and queued queries with DB_ECANCELED and closes; the
 * memory is released once libuv has closed the handles. NULL is a no-op. */
void db_close(db_t *db);

/* Connections closed and not yet released (their handles closing): a
 * program ending waits for none left before it closes what remains. */
size_t db_closing(void);

enum db_state db_state(const db_t *db);
enum url_kind db_kind(const db_t *db);
const char *db_url_masked(const db_t *db);
/* Why the connection last failed ("" if it never did). */
const char *db_errmsg(const db_t *db);
/* The bytes of the values its queries have delivered, with 4 bytes of
 * framing each (as PostgreSQL's protocol carries a value's length): what
 * a remote server would send, short of the protocol's per-row headers. */
uint64_t db_received(const db_t *db);

/* Queues `sql` with `nparams` text parameters ($1… on PostgreSQL, ?1… on
 * SQLite; copied). `rows` may be NULL. Returns NULL, without calling `done`,
 * only when the db is closing; otherwise `done` is called exactly once. */
db_query_t *db_query(db_t *db, const char *sql, int nparams, const char *const *params,
                     const struct db_query_opts *o, db_rows_cb rows, db_done_cb done, void *arg);

/* The db a query runs on. */
db_t *db_query_db(const db_query_t *q);
/* Nanoseconds the query has run on its connection, its wait behind the
 * queries queued before it not counted; 0 while it waits. */
uint64_t db_query_runtime_ns(const db_query_t *q);

/* Resumes a query whose rows callback returned DB_PAUSE. */
void db_query_resume(db_query_t *q);
/* Stops a query: no more rows are delivered and `done` gets DB_ECANCELED. */
void db_query_cancel(db_query_t *q);

/* Quotes an identifier for the db's engine ("a""b"); caller frees. */
char *db_quote_ident(const char *name);
/* Appends a string literal ('it''s') for both engines: PostgreSQL runs with
 * standard_conforming_strings, so a backslash is an ordinary character. */
void db_quote_literal(struct sbuf *b, const char *value);

#endif
