/* runbook_proc: a step's command run with /bin/sh -c through uv_spawn, its output
 * read by the loop (masked a line at a time), its end, and a stop that signals
 * the process group. */
#include "config.h"
#include "runbook.h"
#include "runbook_int.h"
#include "diff.h"
#include "jsonx.h"
#include "rehearsal.h"
#include "url.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* --- processes --------------------------------------------------------------------- */

void runbook__next_rollback(struct runbook *rb);

static void proc_finished(struct proc *pr)
{
    struct runbook *rb = pr->rb;
    struct rb_step *s;
    long ms;

    if (!rb) {
        free(pr);
        return;
    }
    s = &rb->steps[pr->i];
    s->ended = uv_now(rb->loop);
    s->exit_status = (int)pr->status;
    ms = (long)(s->ended - s->started);
    rb->proc = NULL;
    if (pr->status == 0 && !pr->signal) {
        s->state = pr->rollback ? RB_ROLLED_BACK : RB_DONE;
        runbook__record(rb, pr->i, pr->rollback ? "rolled back" : "done", 0, ms, NULL);
    } else {
        s->state = RB_FAILED;
        if (rb->quitting && !rb->kept)
            snprintf(s->reason, sizeof s->reason, "stopped: the dashboard quit while it ran");
        else if (pr->signal)
            snprintf(s->reason, sizeof s->reason, "%s by signal %d",
                     pr->rollback ? "rollback stopped" : "stopped", pr->signal);
        else
            snprintf(s->reason, sizeof s->reason, "%s exited with status %ld",
                     pr->rollback ? "the rollback command" : "the command", (long)pr->status);
        runbook__record(rb, pr->i, pr->rollback ? "rollback failed" : "failed",
               pr->signal ? -pr->signal : (long)pr->status, ms, s->reason);
    }
    if (rb->quitting) {
        rb->quitting = rb->kept = 0;
        rb->rollback_at = -1;
    } else if (pr->rollback && s->state == RB_ROLLED_BACK) {
        runbook__next_rollback(rb);
    } else if (pr->rollback) {
        rb->rollback_at = -1;  /* a failed rollback needs a person: stop there */
    }
    free(pr);
    runbook__changed(rb);
}

static void handle_closed(uv_handle_t *h)
{
    struct proc *pr = h->data;

    if (--pr->open == 0)
        proc_finished(pr);
}

static void on_exit_cb(uv_process_t *p, int64_t status, int signal)
{
    struct proc *pr = p->data;

    pr->status = status;
    pr->signal = signal;
    uv_close((uv_handle_t *)p, handle_closed);
}

static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)h;
    buf->base = xmalloc(suggested);
    buf->len = suggested;
}

/* The first `n` bytes of a stream's pending output, masked, to the step's
 * log and the workspace. */
static void emit(struct proc *pr, struct sbuf *pend, size_t n)
{
    struct rb_step *st = &pr->rb->steps[pr->i];
    char *chunk = xstrndup(pend->s, n), *masked = url_mask_text(chunk);

    runbook__log_add(&st->log, masked, strlen(masked));
    runbook__record_masked(pr->rb, pr->i, "output", 0, 0, masked);
    free(chunk);
    free(masked);
    memmove(pend->s, pend->s + n, pend->len - n + 1);
    pend->len -= n;
    runbook__changed(pr->rb);
}

/* Output is masked a whole line at a time (\n or a progress bar's \r), so a
 * password the pipe delivers in two reads is masked all the same; a line
 * longer than PEND_CAP goes in pieces. */
static void read_cb(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    struct proc *pr = s->data;
    struct sbuf *pend = &pr->pend[s == (uv_stream_t *)&pr->err];

    if (n > 0 && pr->rb) {
        size_t end = pend->len + (size_t)n;
        sbuf_add(pend, buf->base, (size_t)n);
        while (end > 0 && pend->s[end - 1] != '\n' && pend->s[end - 1] != '\r')
            end--;
        if (end || pend->len > PEND_CAP)
            emit(pr, pend, end ? end : pend->len);
    }
    free(buf->base);
    if (n < 0) {
        if (pend->len && pr->rb)  /* a last line without its end */
            emit(pr, pend, pend->len);
        sbuf_free(pend);
        uv_close((uv_handle_t *)s, handle_closed);
    }
}

int runbook__spawn(struct runbook *rb, size_t i, const char *cmd, int rollback, struct err *e)
{
    struct proc *pr = xcalloc(1, sizeof *pr);
    uv_stdio_container_t io[3];
    uv_process_options_t o = { 0 };
    char *args[] = { "/bin/sh", "-c", (char *)cmd, NULL };
    int rc;

    pr->rb = rb;
    pr->i = i;
    pr->rollback = rollback;
    uv_pipe_init(rb->loop, &pr->out, 0);
    uv_pipe_init(rb->loop, &pr->err, 0);
    pr->out.data = pr->err.data = pr->p.data = pr;
    io[0].flags = UV_IGNORE;
    io[1].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
    io[1].data.stream = (uv_stream_t *)&pr->out;
    io[2].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
    io[2].data.stream = (uv_stream_t *)&pr->err;
    o.file = "/bin/sh";
    o.args = args;
    o.cwd = rb->plan->dir;
    o.stdio = io;
    o.stdio_count = 3;
    o.exit_cb = on_exit_cb;
    o.flags = UV_PROCESS_DETACHED;  /* a process group of its own, to stop as one */
    if ((rc = uv_spawn(rb->loop, &pr->p, &o)) < 0) {
        pr->open = 2;
        pr->rb = NULL;  /* nothing to report: the caller says why */
        uv_close((uv_handle_t *)&pr->out, handle_closed);
        uv_close((uv_handle_t *)&pr->err, handle_closed);
        return err_set(e, ERR_INPUT, "cannot run '%s': %s", cmd, uv_strerror(rc));
    }
    pr->open = 3;
    uv_read_start((uv_stream_t *)&pr->out, alloc_cb, read_cb);
    uv_read_start((uv_stream_t *)&pr->err, alloc_cb, read_cb);
    rb->proc = pr;
    return 0;
}
