/* diff_bisect: a probe's key ranges compared on the servers before any row
 * crosses the network (comparison.md, "Strategies").
 *
 * A table keyed on one integer column whose pair can be probed (one engine,
 * row hashes computed by the database) is first asked, on each side, for
 * its least and greatest key (from the key's index). The span is cut into
 * BISECT_FACTOR ranges by value; each side counts its rows per range and
 * sums their hashes (mod 2^64 on SQLite, exact on PostgreSQL) in one
 * grouped query — ranges alike on both sides are done, so a faithful copy
 * ends there with no row read — and the ranges that differ are cut again, until a range holds at
 * most BISECT_ROWS rows on either side or is one key wide. The probe then
 * reads the keys and hashes of those ranges only (joined into at most
 * BISECT_SPANS; the whole table when they hold most of its rows), and
 * compares them as it does a whole table. Every query runs in the table's snapshot, one at a
 * time on each side. Two different sets of rows agree in count and sum
 * about once in 2^64. A query the database refuses ends the bisection:
 * the whole table is probed instead.
 *
 * A table without key is asked for its count and hash sum alone: equal on
 * both sides, no row is read; else its rows are read as they would be. */
#include "config.h"
#include "diff_int.h"

#include <stdlib.h>
#include <string.h>

#define BISECT_LIMIT ((int64_t)1 << 61)    /* keys beyond are not bisected (overflow) */
#define BISECT_SPANS 64         /* key ranges at most in the probe's condition */

struct brange {
    int64_t lo, hi;
};

struct bcell {
    long long n[2];
    char sum[2][48];
};

struct bisect {
    struct diff *d;
    struct job *j;
    struct brange *todo, *next, *leaves;
    size_t ntodo, nnext, nleaves, cap_todo, cap_next, cap_leaves;
    struct bcell *cell;         /* ntodo × BISECT_FACTOR, this round's */
    size_t at[2];               /* the range each side asks next */
    int busy[2], failed;
    int root;                   /* the first question: the least and greatest key … */
    int first;                  /* … then the first round, which counts the rows */
    int sums;                   /* a table without key: its count and hash sum alone */
    char sum[2][48];
    int64_t min[2], max[2];
    int have[2];                /* a side has rows */
    long long total[2];
    struct bside { struct bisect *b; int w; } side[2];
};

void diff__bisect_free(struct job *j)
{
    struct bisect *b = j->bis;

    if (!b)
        return;
    free(b->todo), free(b->next), free(b->leaves), free(b->cell);
    free(b);
    j->bis = NULL;
}

static const char *sum_of(const struct diff *d)
{
    return db_kind(d->db[0]) == URL_SQLITE ? "cutover_hash_sum(cutover_h)" : "sum(cutover_h)";
}

static void add(struct brange **v, size_t *n, size_t *cap, int64_t lo, int64_t hi)
{
    if (*n && (*v)[*n - 1].hi + 1 == lo) {  /* adjacent: one range */
        (*v)[*n - 1].hi = hi;
        return;
    }
    *v = xgrow(*v, cap, *n + 1, sizeof **v);
    (*v)[(*n)++] = (struct brange){ lo, hi };
}

/* The width of a range's parts: its span in BISECT_FACTOR, rounded up. */
static int64_t width(const struct brange *r)
{
    return (r->hi - r->lo) / BISECT_FACTOR + 1;
}

static void ask(struct bisect *b, int w);

static int on_rows(db_query_t *q, const struct db_batch *bt, void *arg)
{
    struct bside *s = arg;
    struct bisect *b = s->b;
    int w = s->w;

    (void)q;
    for (size_t r = 0; r < bt->nrows; r++) {
        const struct db_cell *c[3] = { db_cell(bt, r, 0), db_cell(bt, r, 1),
                                       bt->ncols > 2 ? db_cell(bt, r, 2) : NULL };
        if (b->sums) {  /* count, sum */
            b->total[w] = strtoll(c[0]->p, NULL, 10);
            snprintf(b->sum[w], sizeof b->sum[w], "%s", c[1]->p ? c[1]->p : "0");
        } else if (b->root) {  /* min, max */
            b->have[w] = c[0]->p != NULL;
            b->min[w] = c[0]->p ? strtoll(c[0]->p, NULL, 10) : 0;
            b->max[w] = c[1]->p ? strtoll(c[1]->p, NULL, 10) : 0;
        } else {  /* part, count, sum */
            long long part = strtoll(c[0]->p, NULL, 10);
            struct bcell *cl;
            if (part < 0 || part >= BISECT_FACTOR)
                continue;
            cl = &b->cell[b->at[w] * BISECT_FACTOR + (size_t)part];
            cl->n[w] = strtoll(c[1]->p, NULL, 10);
            snprintf(cl->sum[w], sizeof cl->sum[w], "%s", c[2]->p ? c[2]->p : "0");
        }
    }
    return DB_CONTINUE;
}

static void round_done(struct bisect *b);

static void on_done(db_query_t *q, int status, const char *msg, void *arg)
{
    struct bside *s = arg;
    struct bisect *b = s->b;
    struct diff *d = b->d;
    int w = s->w;

    (void)q;
    d->side[w].q = NULL;
    b->busy[w] = 0;
    if (status) {
        if (!d->cancelled && status != DB_ELOST)
            diff__savepoint(d, w, 1);
        if ((status == DB_ELOST || (status == DB_ECANCELED && !b->failed)) && !d->cancelled &&
            !d->failed) {  /* a side lost, or stopped by the server: the run fails */
            d->failed = status;
            snprintf(d->msg, sizeof d->msg, "%s (while bisecting %s)", msg ? msg : "",
                     b->j->result.table);
        }
        b->failed = 1;
        if (d->side[!w].q)
            db_query_cancel(d->side[!w].q);
    } else if (!b->failed && !b->root && !b->sums && ++b->at[w] < b->ntodo) {
        ask(b, w);
        return;
    }
    if (!b->busy[!w])
        round_done(b);
}

static void ask(struct bisect *b, int w)
{
    struct diff *d = b->d;
    struct job *j = b->j;
    char *sql;

    if (b->sums) {
        sql = xstrdup(j->ksum_sql[w]);
    } else if (b->root) {
        sql = xasprintf("SELECT min(%s), max(%s) FROM (%s) p", j->bkey[w], j->bkey[w],
                        j->probe_core[w]);
    } else {
        const struct brange *r = &b->todo[b->at[w]];
        sql = xasprintf("SELECT (%s - (%lld)) / %lld, count(*), %s FROM (%s) p WHERE %s BETWEEN "
                        "%lld AND %lld GROUP BY 1", j->bkey[w], (long long)r->lo,
                        (long long)width(r), sum_of(d), j->probe_core[w], j->bkey[w],
                        (long long)r->lo, (long long)r->hi);
    }
    diff__savepoint(d, w, 0);
    b->busy[w] = 1;
    d->side[w].q = db_query(d->db[w], sql, 0, NULL, NULL, on_rows, on_done, &b->side[w]);
    free(sql);
    if (!d->side[w].q) {
        b->busy[w] = 0;
        b->failed = 1;
    }
}

static void start_round(struct bisect *b)
{
    b->cell = xrealloc(b->cell, (b->ntodo * BISECT_FACTOR + 1) * sizeof *b->cell);
    memset(b->cell, 0, (b->ntodo * BISECT_FACTOR + 1) * sizeof *b->cell);
    b->at[0] = b->at[1] = 0;
    b->j->result.ranges += (long)(b->ntodo * BISECT_FACTOR);
    ask(b, 0);
    ask(b, 1);
    if (!b->busy[0] && !b->busy[1])
        round_done(b);
}

static int cmp_gap(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

    return x < y ? 1 : x > y ? -1 : 0;
}

static int cmp_range(const void *a, const void *b)
{
    int64_t x = ((const struct brange *)a)->lo, y = ((const struct brange *)b)->lo;

    return x < y ? -1 : x > y;
}

/* At most BISECT_SPANS ranges for the probe's condition: the leaves closest
 * to each other become one range (the rows between are probed too, which
 * changes nothing but the rows read). */
static void coalesce(struct bisect *b)
{
    int64_t *gap, cut;
    size_t n = 0, wide = 0, kept = 0;

    /* leaves come round by round, not in key order */
    qsort(b->leaves, b->nleaves, sizeof *b->leaves, cmp_range);
    if (b->nleaves <= BISECT_SPANS)
        return;
    gap = xcalloc(b->nleaves, sizeof *gap);
    for (size_t i = 1; i < b->nleaves; i++)
        gap[i - 1] = b->leaves[i].lo - b->leaves[i - 1].hi;
    qsort(gap, b->nleaves - 1, sizeof *gap, cmp_gap);
    cut = gap[BISECT_SPANS - 2];  /* the widest BISECT_SPANS - 1 gaps stay */
    for (size_t i = 0; i < BISECT_SPANS - 1; i++)
        wide += gap[i] > cut;  /* … those wider than the cut, then as many as fit of it */
    for (size_t i = 1; i < b->nleaves; i++) {
        int64_t g = b->leaves[i].lo - b->leaves[n].hi;
        if (g > cut || (g == cut && kept < BISECT_SPANS - 1 - wide)) {
            kept += g == cut;
            b->leaves[++n] = b->leaves[i];
        } else {
            b->leaves[n].hi = b->leaves[i].hi;
        }
    }
    b->nleaves = n + 1;
    free(gap);
}

/* The probe of the ranges that differ, or of the whole table when they hold
 * most of its rows. */
static void probe(struct bisect *b)
{
    struct diff *d = b->d;
    struct job *j = b->j;

    if (b->nleaves && (j->result.narrowed[0] > b->total[0] / 2 ||
                       j->result.narrowed[1] > b->total[1] / 2)) {
        b->nleaves = 0;  /* most rows differ somewhere: one pass over the table */
        j->bisected = 0;
        j->result.narrowed[0] = b->total[0];
        j->result.narrowed[1] = b->total[1];
    }
    coalesce(b);
    if (b->nleaves) {
        for (int w = 0; w < 2; w++) {
            struct sbuf s = { 0 };
            sbuf_printf(&s, "SELECT * FROM (%s) p WHERE ", j->probe_core[w]);
            for (size_t i = 0; i < b->nleaves; i++)
                sbuf_printf(&s, "%s%s BETWEEN %lld AND %lld", i ? " OR " : "", j->bkey[w],
                            (long long)b->leaves[i].lo, (long long)b->leaves[i].hi);
            sbuf_printf(&s, " ORDER BY %s", j->order_sql[w]);
            free(j->probe_sql[w]);
            j->probe_sql[w] = sbuf_take(&s);
        }
    }
    diff__read_both(d, j->probe_sql[0], j->probe_sql[1]);
}

/* Both sides have answered the round: the parts that differ are leaves, or
 * cut again. */
static void round_done(struct bisect *b)
{
    struct diff *d = b->d;
    struct job *j = b->j;
    size_t nonempty = 0, differ = 0;  /* parts of this round */

    if (d->cancelled || d->failed) {
        diff__finish(d, d->cancelled ? DB_ECANCELED : d->failed, d->msg);
        return;
    }
    if (b->sums) {  /* alike: done, no row read; else read as without them */
        if (!b->failed && b->total[0] == b->total[1] && !strcmp(b->sum[0], b->sum[1])) {
            j->result.strategy = "checksum";
            j->result.source_rows = (long)b->total[0];
            j->result.target_rows = (long)b->total[1];
            j->hashes_merged = 1;  /* nothing to merge: the multisets agree */
            diff__table_finished(d);
        } else {
            diff__read_both(d, j->src_sql, j->tgt_sql);
        }
        return;
    }
    if (b->failed) {  /* refused: the whole table is probed instead */
        j->bisect = 0;
        j->result.strategy = "probe";
        b->nleaves = 0;
        probe(b);
        return;
    }
    if (b->root) {
        b->root = 0;
        if (!b->have[0] && !b->have[1]) {  /* both empty */
            j->bisected = 1;
            diff__table_finished(d);
            return;
        }
        {
            int64_t lo = !b->have[0] ? b->min[1] : !b->have[1] || b->min[0] < b->min[1]
                                                 ? b->min[0] : b->min[1];
            int64_t hi = !b->have[0] ? b->max[1] : !b->have[1] || b->max[0] > b->max[1]
                                                 ? b->max[0] : b->max[1];
            if (lo < -BISECT_LIMIT || hi > BISECT_LIMIT) {
                j->bisected = 0;  /* the probe counts the rows again */
                probe(b);
                return;
            }
            add(&b->todo, &b->ntodo, &b->cap_todo, lo, hi);
        }
        b->first = 1;
        start_round(b);
        return;
    }
    b->nnext = 0;
    for (size_t i = 0; i < b->ntodo; i++) {
        const struct brange *r = &b->todo[i];
        int64_t wd = width(r);
        for (int64_t k = 0; k < BISECT_FACTOR; k++) {
            const struct bcell *c = &b->cell[i * BISECT_FACTOR + (size_t)k];
            int64_t lo = r->lo + k * wd, hi = lo + wd - 1 > r->hi ? r->hi : lo + wd - 1;
            if (lo > r->hi)
                break;
            nonempty += c->n[0] || c->n[1];
            if (b->first)
                b->total[0] += c->n[0], b->total[1] += c->n[1];
            if (c->n[0] == c->n[1] && (!c->n[0] || !strcmp(c->sum[0], c->sum[1])))
                continue;  /* alike */
            differ++;
            if ((c->n[0] <= BISECT_ROWS && c->n[1] <= BISECT_ROWS) || lo == hi) {
                add(&b->leaves, &b->nleaves, &b->cap_leaves, lo, hi);
                j->result.narrowed[0] += c->n[0];
                j->result.narrowed[1] += c->n[1];
            } else {
                add(&b->next, &b->nnext, &b->cap_next, lo, hi);
            }
        }
    }
    if (b->first) {  /* the rows counted: every part of the whole span */
        b->first = 0;
        j->bisected = 1;
        j->bis_total[0] = b->total[0];
        j->bis_total[1] = b->total[1];
    }
    {   /* the next round's ranges */
        struct brange *t = b->todo;
        size_t cap = b->cap_todo;
        b->todo = b->next, b->ntodo = b->nnext, b->cap_todo = b->cap_next;
        b->next = t, b->cap_next = cap, b->nnext = 0;
    }
    if (b->ntodo && differ >= BISECT_FACTOR / 2 && 2 * differ >= nonempty) {
        b->nleaves = 0;  /* differences everywhere: one pass over the whole table */
        j->bisected = 0;
        j->result.narrowed[0] = b->total[0];
        j->result.narrowed[1] = b->total[1];
        diff__read_both(d, j->probe_sql[0], j->probe_sql[1]);
        return;
    }
    if (b->ntodo) {
        start_round(b);
        return;
    }
    if (!b->nleaves) {  /* every part alike after all (sums that differ only as text) */
        diff__table_finished(d);
        return;
    }
    probe(b);
}

/* The first question of each side: the count and hash sum of a table
 * without key (sums), or the key's span. */
static void begin(struct diff *d, struct job *j, int sums)
{
    struct bisect *b = xcalloc(1, sizeof *b);

    j->bis = b;
    b->d = d;
    b->j = j;
    b->sums = sums;
    b->root = !sums;
    for (int w = 0; w < 2; w++)
        b->side[w] = (struct bside){ b, w };
    ask(b, 0);
    ask(b, 1);
    if (!b->busy[0] && !b->busy[1])
        round_done(b);
}

void diff__sums_start(struct diff *d, struct job *j)
{
    begin(d, j, 1);
}

void diff__bisect_start(struct diff *d, struct job *j)
{
    begin(d, j, 0);
}
