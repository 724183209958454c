/* bench_db: rows per second through the database layer, streaming a whole
 * table in batches, for one URL. Prints one line of figures; tests/bench_pg.sh
 * puts them beside the engines' own clients on the same data. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <uv.h>

#include "db.h"

struct run {
    size_t rows, bytes;
    int status;
    char msg[1200];
};

static int on_rows(db_query_t *q, const struct db_batch *b, void *arg)
{
    struct run *r = arg;

    (void)q;
    r->rows += b->nrows;
    for (size_t i = 0; i < b->nrows * (size_t)b->ncols; i++)
        r->bytes += b->cells[i].len;
    return DB_CONTINUE;
}

static void on_done(db_query_t *q, int status, const char *msg, void *arg)
{
    struct run *r = arg;

    r->status = status;
    snprintf(r->msg, sizeof r->msg, "%s", msg ? msg : "");
    db_close(db_query_db(q));
}

int main(int argc, char **argv)
{
    uv_loop_t loop;
    struct run r = { 0 };
    struct err e = { 0 };
    struct db_query_opts qo = { .batch_rows = 1000 };
    struct rusage ru;
    db_t *db;
    uint64_t t0;
    double secs;

    if (argc != 3) {
        fprintf(stderr, "usage: bench_db URL SQL\n");
        return 2;
    }
    uv_loop_init(&loop);
    if (db_open(&loop, argv[1], NULL, NULL, &db, &e) < 0) {
        fprintf(stderr, "bench_db: %s\n", e.msg);
        return 2;
    }
    t0 = uv_hrtime();
    db_query(db, argv[2], 0, NULL, &qo, on_rows, on_done, &r);
    uv_run(&loop, UV_RUN_DEFAULT);
    secs = (double)(uv_hrtime() - t0) / 1e9;
    uv_loop_close(&loop);
    if (r.status) {
        fprintf(stderr, "bench_db: %s\n", r.msg);
        return 3;
    }
    getrusage(RUSAGE_SELF, &ru);
    printf("%zu rows, %.1f MB of values in %.3f s: %.0f rows/s, peak RSS %ld MB\n", r.rows,
           (double)r.bytes / 1e6, secs, (double)r.rows / secs, ru.ru_maxrss / 1024);
    return 0;
}
