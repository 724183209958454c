#include "config.h"
#include "alert.h"
#include "jsonx.h"
#include "url.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { NONE, WARNING, CRITICAL };

static const char *const level_names[] = { "none", "warning", "critical" };

struct rule_state {
    int level;
    long id;                    /* the workspace's alert, while open */
};

struct alerter {
    uv_loop_t *loop;
    const struct plan *plan;
    char *on_alert, *dir;       /* copies: commands may outlive the plan */
    ws_t *ws;
    long session;
    struct rule_state *st;      /* per plan alert */
    alert_cb cb;
    void *arg;
    char **queue;               /* alerts waiting for the command before them */
    size_t nqueue, cap;
    int running, freed;
};

/* One on_alert command: the alert on its stdin, its stdout dropped. */
struct child {
    alerter_t *a;
    uv_process_t p;
    uv_pipe_t in;
    uv_write_t w;
    char *json;
    int open;
};

static void run_next(alerter_t *a);

static void release(alerter_t *a)
{
    if (!a->freed || a->running || a->nqueue)
        return;
    free(a->queue);
    free(a->on_alert);
    free(a->dir);
    free(a);
}

static void child_closed(uv_handle_t *h)
{
    struct child *c = h->data;
    alerter_t *a = c->a;

    if (--c->open)
        return;
    free(c->json);
    free(c);
    a->running = 0;
    run_next(a);  /* one at a time: a pager sees the alerts in order */
    release(a);
}

static void child_exit(uv_process_t *p, int64_t status, int signal)
{
    (void)status, (void)signal;
    uv_close((uv_handle_t *)p, child_closed);
}

static void written(uv_write_t *w, int status)
{
    struct child *c = w->data;

    (void)status;  /* a command that does not read its stdin is its own business */
    uv_close((uv_handle_t *)&c->in, child_closed);
}

static void run_next(alerter_t *a)
{
    struct child *c;
    char *args[] = { "/bin/sh", "-c", a->on_alert, NULL };
    uv_stdio_container_t io[3] = {
        { .flags = UV_CREATE_PIPE | UV_READABLE_PIPE },
        { .flags = UV_IGNORE },
        { .flags = UV_INHERIT_FD, .data.fd = 2 },
    };
    uv_process_options_t o = { .exit_cb = child_exit, .file = "/bin/sh", .args = args,
                               .cwd = a->dir, .stdio = io, .stdio_count = 3 };
    uv_buf_t buf;
    int rc;

    if (a->running || !a->nqueue)
        return;
    c = xcalloc(1, sizeof *c);
    c->a = a;
    c->json = a->queue[0];
    memmove(a->queue, a->queue + 1, --a->nqueue * sizeof *a->queue);
    io[0].data.stream = (uv_stream_t *)&c->in;
    a->running = 1;
    uv_pipe_init(a->loop, &c->in, 0);
    c->in.data = c->p.data = c->w.data = c;
    if ((rc = uv_spawn(a->loop, &c->p, &o)) < 0) {
        char *cmd = url_mask_text(a->on_alert);
        fprintf(stderr, "cutover: cannot run on_alert '%s': %s\n", cmd, uv_strerror(rc));
        free(cmd);
        c->open = 1;
        uv_close((uv_handle_t *)&c->in, child_closed);
        return;
    }
    c->open = 2;
    buf = uv_buf_init(c->json, (unsigned)strlen(c->json));
    if (uv_write(&c->w, (uv_stream_t *)&c->in, &buf, 1, written) < 0)
        uv_close((uv_handle_t *)&c->in, child_closed);
}

static void announce(alerter_t *a, const struct plan_limit *l, const struct rule_state *s,
                     const char *state, int level, double value, double threshold)
{
    json_t *j = json_pack("{s:s, s:I, s:s, s:s, s:s, s:f, s:f, s:s, s:I}", "type", "alert", "id",
                          (json_int_t)s->id, "state", state, "metric", l->name, "level",
                          level_names[level], "value", value, "threshold", threshold, "unit",
                          plan_unit_name(l->unit), "session", (json_int_t)a->session);
    char *text = jsonx_dumps(j, JSON_COMPACT), detail[200], hv[32], ht[32];
    struct err e = { 0 };

    snprintf(detail, sizeof detail, "%s %s %s: %s (level %s)", l->name, level_names[level],
             state, plan_value_text(value, l->unit, hv, sizeof hv),
             plan_value_text(threshold, l->unit, ht, sizeof ht));
    if (a->ws)
        ws_runbook_event(a->ws, "alert", state, NULL, 0, 0, detail, &e);
    if (a->on_alert) {
        a->queue = xgrow(a->queue, &a->cap, a->nqueue + 1, sizeof *a->queue);
        a->queue[a->nqueue++] = xasprintf("%s\n", text);
        run_next(a);
    }
    if (a->cb)
        a->cb(j, a->arg);
    free(text);
    json_decref(j);
}

alerter_t *alert_new(uv_loop_t *loop, const struct plan *p, ws_t *ws, long session, alert_cb cb,
                     void *arg)
{
    alerter_t *a = xcalloc(1, sizeof *a);
    json_t *open, *v;
    size_t i;

    a->loop = loop;
    a->plan = p;
    a->on_alert = p->on_alert ? xstrdup(p->on_alert) : NULL;
    a->dir = xstrdup(p->dir);
    a->ws = ws;
    a->session = session;
    a->st = xcalloc(p->nalerts + 1, sizeof *a->st);
    a->cb = cb;
    a->arg = arg;
    if (!ws || session <= 0)
        return a;
    open = ws_alerts_json(ws, session, 1);  /* a resumed session's open alerts go on */
    json_array_foreach(open, i, v)
        for (size_t k = 0; k < p->nalerts; k++)
            if (!strcmp(p->alerts[k].name, jtext(v, "metric"))) {
                const char *lv = jstr(v, "level");
                a->st[k].level = lv && !strcmp(lv, "critical") ? CRITICAL : WARNING;
                a->st[k].id = (long)jint(v, "id");
            }
    json_decref(open);
    return a;
}

void alert_measure(alerter_t *a, const char *metric, double value)
{
    for (size_t i = 0; i < a->plan->nalerts; i++) {
        const struct plan_limit *l = &a->plan->alerts[i];
        struct rule_state *s = &a->st[i];
        double lowest = l->warn >= 0 ? l->warn : l->value;
        int level = plan_limit_reached(value, l->value) ? CRITICAL
                  : l->warn >= 0 && plan_limit_reached(value, l->warn) ? WARNING : NONE;
        double threshold = level == CRITICAL ? l->value : lowest;
        struct err e = { 0 };
        char msg[160], v[32];

        if (strcmp(l->name, metric))
            continue;
        snprintf(msg, sizeof msg, "%s %s", l->name, plan_value_text(value, l->unit, v, sizeof v));
        if (s->level == NONE && level != NONE) {
            s->level = level;
            s->id = a->ws ? ws_alert_open(a->ws, a->session, l->name, level_names[level], value,
                                          threshold, msg, &e) : 0;
            announce(a, l, s, "opened", level, value, threshold);
        } else if (s->level != NONE && level > s->level) {
            s->level = level;
            if (a->ws)
                ws_alert_change(a->ws, s->id, level_names[level], value, threshold, msg, 0, &e);
            announce(a, l, s, "escalated", level, value, threshold);
        } else if (s->level != NONE && (lowest > 0 ? value < 0.9 * lowest : value <= 0)) {
            if (a->ws)  /* back, past the hysteresis band */
                ws_alert_change(a->ws, s->id, level_names[s->level], value, lowest, msg, 1, &e);
            announce(a, l, s, "closed", s->level, value, lowest);
            s->level = NONE;
            s->id = 0;
        }
    }
}

int alert_open_count(const alerter_t *a)
{
    int n = 0;

    for (size_t i = 0; i < a->plan->nalerts; i++)
        n += a->st[i].level != NONE;
    return n;
}

void alert_free(alerter_t *a)
{
    if (!a)
        return;
    free(a->st);
    a->st = NULL;
    a->freed = 1;  /* the queue still runs, in order, to its end */
    release(a);
}
