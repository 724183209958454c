#include "config.h"
#include "history.h"


static void absorb(struct hist_bucket *into, const struct hist_bucket *b)
{
    into->min = b->min < into->min ? b->min : into->min;
    into->max = b->max > into->max ? b->max : into->max;
    into->sum += b->sum;
    into->n += b->n;
}

/* Two neighbours become one bucket twice as wide: room for as many again. */
static void halve(struct hist *h)
{
    int k = 0;

    h->width_ms *= 2;
    for (int i = 0; i < h->nb; i++) {
        struct hist_bucket *b = &h->b[i];
        int64_t start = b->start_ms - b->start_ms % h->width_ms;
        if (k && h->b[k - 1].start_ms == start) {
            absorb(&h->b[k - 1], b);
        } else {
            h->b[k] = *b;
            h->b[k++].start_ms = start;
        }
    }
    h->nb = k;
}

void hist_add_bucket(struct hist *h, int64_t start_ms, double min, double max, double sum,
                     long n)
{
    struct hist_bucket b;

    if (!h->width_ms)
        h->width_ms = HIST_BUCKET_MS;
    b = (struct hist_bucket){ start_ms - start_ms % h->width_ms, (float)min, (float)max, sum,
                              (uint32_t)n };
    if (h->nb && h->b[h->nb - 1].start_ms == b.start_ms) {
        absorb(&h->b[h->nb - 1], &b);
        return;
    }
    if (h->nb == HIST_BUCKETS) {
        halve(h);
        hist_add_bucket(h, start_ms, min, max, sum, n);
        return;
    }
    h->b[h->nb++] = b;
}

void hist_add(struct hist *h, int64_t at_ms, double v)
{
    int i = (h->at + h->nrecent) % HIST_RECENT;

    h->recent[i].at_ms = at_ms;
    h->recent[i].v = (float)v;
    if (h->nrecent < HIST_RECENT)
        h->nrecent++;
    else
        h->at = (h->at + 1) % HIST_RECENT;
    hist_add_bucket(h, at_ms, v, v, v, 1);
}

int hist_last(const struct hist *h, int64_t since_ms, double *out, int max)
{
    int n = 0, from = h->nrecent;

    while (from > 0 && n < max &&
           h->recent[(h->at + from - 1) % HIST_RECENT].at_ms >= since_ms)
        from--, n++;
    for (int i = 0; i < n; i++)
        out[i] = h->recent[(h->at + from + i) % HIST_RECENT].v;
    return n;
}

int hist_recent(const struct hist *h, int64_t since_ms, double *out, int cells)
{
    double all[HIST_RECENT];
    int n = hist_last(h, since_ms, all, HIST_RECENT), k = n < cells ? n : cells;

    for (int c = 0; c < k; c++) {  /* values [c·n/k, (c+1)·n/k) */
        int lo = c * n / k, hi = (c + 1) * n / k;
        out[c] = all[lo];
        for (int i = lo + 1; i < hi; i++)
            out[c] = all[i] > out[c] ? all[i] : out[c];
    }
    return k;
}

int hist_session(const struct hist *h, double *out, int cells)
{
    int n = h->nb < cells ? h->nb : cells;

    for (int c = 0; c < n; c++) {  /* buckets [c·nb/n, (c+1)·nb/n) */
        int lo = (int)((long)c * h->nb / n), hi = (int)((long)(c + 1) * h->nb / n);
        out[c] = h->b[lo].max;
        for (int i = lo + 1; i < hi; i++)
            if (h->b[i].max > out[c])
                out[c] = h->b[i].max;
    }
    return n;
}
