#include "config.h"
#include "dash.h"
#include "dash_int.h"
#include "waves.h"
#include "decision.h"
#include "snap.h"
#include "report.h"
#include "util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void dash__notify(struct dash *d, unsigned what)
{
    if (d->stopped)
        return;
    if (d->rb && (what & (DASH_DB | DASH_INVENTORY | DASH_PLAN)))
        dash__jobs_sync(d, what);
    if (d->on_change)
        d->on_change(d, what, d->arg);
}

#define notify dash__notify

void dash_say(struct dash *d, int error, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(d->message, sizeof d->message, fmt, ap);
    va_end(ap);
    d->message_error = error;
    notify(d, DASH_MESSAGE);
}

/* A new snapshot of the plan and catalogs in use, and the inventory of its
 * pairing. Pairing needs both catalogs; until then the inventory stays
 * empty. Jobs keep the snapshot they started with (dash_snap). */
static void rebuild(struct dash *d)
{
    struct err e = { 0 };

    inv_free(&d->inv);
    snap_unref(d->snap);
    d->snap = NULL;
    d->have_inventory = 0;
    if (d->side[0].cat && d->side[1].cat) {
        if (!(d->snap = snap_new(d->plan, d->side[0].cat, d->side[1].cat, d->masked[0],
                                 d->masked[1], &e))) {
            dash_say(d, 1, "%s", e.msg);
        } else {
            inv_build(&d->snap->pairs, &d->inv);
            d->have_inventory = 1;
        }
    }
    notify(d, DASH_INVENTORY);
}

struct snap *dash_snap(struct dash *d)
{
    return d->snap ? snap_ref(d->snap) : NULL;
}

void dash__read_facts(struct dash *d)
{
    d->runs = d->ws ? ws_count(d->ws, "runs") : 0;
    d->hypercare = d->ws && ws_session_open(d->ws, "hypercare", &d->hc) == 1;
    ws_alerts_free(d->alerts, d->nalerts);
    d->alerts = NULL;
    d->nalerts = 0;
    if (d->ws && (d->nalerts = ws_alerts_read(d->ws, 0, 1, &d->alerts)) < 0)
        d->nalerts = 0;
    d->waves = xrealloc(d->waves, (d->plan->nwaves + 1) * sizeof *d->waves);
    d->nwaves = d->plan->nwaves;
    for (size_t i = 0; i < d->nwaves; i++) {
        const struct plan_wave *w = &d->plan->waves[i];
        struct ws_wave_rec st = { .state = "planned" };
        if (d->ws)
            ws_wave_state(d->ws, w->name, &st);
        snprintf(d->waves[i].name, sizeof d->waves[i].name, "%s", w->name);
        snprintf(d->waves[i].state, sizeof d->waves[i].state, "%s", st.state);
        d->waves[i].truth_now = waves_truth_now(w, st.state);
    }
}

const struct dash_wave *dash_waves(const struct dash *d, size_t *n)
{
    *n = d->nwaves;
    return d->waves;
}



void dash_reread(struct dash *d)
{
    dash__read_facts(d);
    notify(d, DASH_DB);
}

struct load {
    struct dash *d;
    int side;
};

static void on_catalog(struct catalog *cat, int status, const char *msg, void *arg)
{
    struct load *l = arg;
    struct dash *d = l->d;
    struct dash_side *s = d ? &d->side[l->side] : NULL;

    free(l);
    if (!d) {               /* the dashboard closed meanwhile */
        cat_free(cat);
        return;
    }
    s->load = NULL;
    s->loading = 0;
    if (status) {
        snprintf(s->error, sizeof s->error, "%s", msg ? msg : "failed");
        notify(d, DASH_DB);
        return;
    }
    s->error[0] = '\0';
    cat_free(s->cat);  /* a job still reading it keeps it through its snapshot */
    s->cat = cat;
    s->loaded_at = uv_now(d->loop);
    dash__read_facts(d);
    rebuild(d);
}

static void load_side(struct dash *d, int i)
{
    struct dash_side *s = &d->side[i];
    struct cat_opts o = { .count_rows = 1, .sizes = 1 };  /* the inventory shows them */
    struct load *l;

    if (s->loading || s->state != DB_UP || d->stopped)
        return;
    l = xmalloc(sizeof *l);
    *l = (struct load){ d, i };
    if (cat_load(s->db, &o, on_catalog, l) < 0) {
        free(l);
        return;
    }
    s->load = l;
    s->loading = 1;
    notify(d, DASH_DB);
}

static void reread_plan(struct dash *d);
static void plan_changed(uv_fs_event_t *h, const char *filename, int events, int status);

void dash_refresh(struct dash *d)
{
    reread_plan(d);
    load_side(d, SIDE_SOURCE);
    load_side(d, SIDE_TARGET);
}

static void on_state(db_t *db, enum db_state st, void *arg)
{
    struct dash *d = arg;
    int i = db == d->side[0].db ? 0 : 1;

    d->side[i].state = st;
    if (st != DB_CONNECTING && (st == DB_DOWN) != d->side[i].was_down) {
        struct err e = { 0 };
        d->side[i].was_down = st == DB_DOWN;
        if (d->ws && ws_connection_event(d->ws, plan_side_name(i), st == DB_UP,
                                         db_errmsg(db), &e) < 0)
            dash_say(d, 1, "%s", e.msg);
    }
    if (st == DB_DOWN)
        snprintf(d->side[i].error, sizeof d->side[i].error, "%s", db_errmsg(db));
    notify(d, DASH_DB);
    if (st == DB_UP && !d->paused)
        load_side(d, i);  /* a fresh connection: catch up at once */
}

/* The plan in use is now `p`, read from the file as `stamp` says. */
static void adopt_plan(struct dash *d, struct plan *p, struct file_stamp stamp)
{
    struct plan *old = d->plan;

    d->plan = p;
    d->plan_disk = stamp;
    rebuild(d);
    notify(d, DASH_PLAN);  /* listeners re-point from the old plan to the new */
    plan_free(old);
}

/* cutover.ini rewritten by something else (a step added, a trigger changed):
 * read again and used, unless it does not parse now (the message says why
 * and the plan in use stays until the file changes again) or it names other
 * databases or another workspace, which take a restart. */
static void reread_plan(struct dash *d)
{
    struct file_stamp now = file_stamp(d->plan_path);
    struct err e = { 0 };
    struct plan *p;

    if (file_stamp_same(now, d->plan_disk))
        return;
    d->plan_disk = now;
    if (!(p = plan_load(d->plan_path, &e))) {
        dash_say(d, 1, "%s changed and is not used until it is mended: %s", d->plan_path, e.msg);
        return;
    }
    if (strcmp(p->source.url, d->plan->source.url) || strcmp(p->target.url, d->plan->target.url) ||
        strcmp(p->workspace, d->plan->workspace)) {
        dash_say(d, 1, "%s changed its databases or workspace: restart the dashboard to use them",
            d->plan_path);
        plan_free(p);
        return;
    }
    adopt_plan(d, p, now);
    dash_say(d, 0, "%s changed: read again", d->plan_path);
}

static void tick(uv_timer_t *t)
{
    struct dash *d = t->data;

    if (d->paused)
        reread_plan(d);  /* paused polls nothing, but the plan still follows its file */
    else
        dash_refresh(d);
}

struct dash *dash_open(uv_loop_t *loop, const char *path,
                       void (*on_change)(struct dash *, unsigned, void *), void *arg,
                       struct err *e)
{
    struct dash *d = xcalloc(1, sizeof *d);
    /* an hour per statement: exact counts of big tables (runs and gates read on
     * connections of their own, reh_connect) */
    struct db_opts o = { .reconnect = 1, .on_state = on_state,
                         .statement_timeout_ms = 3600 * 1000 };
    db_t *dbs[2];
    char *ws;

    d->loop = loop;
    d->plan_path = xstrdup(path);
    d->plan_disk = file_stamp(path);
    if (!(d->plan = plan_load(path, e))) {
        free(d->plan_path);
        free(d);
        return NULL;
    }
    o.arg = d;
    if (plan_connect(loop, d->plan, &o, dbs, e) < 0) {
        dash_close(d);
        return NULL;
    }
    for (int i = 0; i < 2; i++) {
        d->masked[i] = url_mask(i ? d->plan->target.url : d->plan->source.url);
        d->side[i].db = dbs[i];
        d->side[i].state = DB_CONNECTING;
    }
    ws = plan_path(d->plan, d->plan->workspace);
    if (!(d->ws = ws_open(ws, e)))
        snprintf(d->message, sizeof d->message, "%s (changes are disabled)", e->msg),
            d->message_error = 1;
    free(ws);
    d->interval_ms = d->plan->hc_interval_ms;
    uv_timer_init(loop, &d->timer);
    d->timer.data = d;
    uv_timer_start(&d->timer, tick, (uint64_t)d->interval_ms, (uint64_t)d->interval_ms);
    d->open_handles = 1;
    {
        char *dir = xstrdup(d->plan_path), *slash = strrchr(dir, '/');
        d->plan_name = xstrdup(slash ? slash + 1 : dir);
        if (slash)
            slash[slash == dir] = '\0';  /* "/x.ini": "/" */
        uv_fs_event_init(loop, &d->watch);
        d->watch.data = d;
        if (uv_fs_event_start(&d->watch, plan_changed, slash ? dir : ".", 0) == 0)
            d->open_handles++;
        else  /* no inotify here: the refresh reads it (R, or every interval) */
            uv_close((uv_handle_t *)&d->watch, NULL);
        free(dir);
    }
    dash__read_facts(d);
    d->hc_lock = -1;
    dash__jobs_open(d);
    d->on_change = on_change;
    d->arg = arg;
    return d;
}

static void handle_closed(uv_handle_t *h)
{
    struct dash *d = h->data;

    if (--d->open_handles == 0)
        free(d);
}

/* Something in the plan's folder changed: if it is the plan (written in
 * place, or replaced as editors save), read it again now rather than at
 * the next refresh. Its own writes find the file as they left it. */
static void plan_changed(uv_fs_event_t *h, const char *filename, int events, int status)
{
    struct dash *d = h->data;

    (void)events;
    if (status == 0 && !d->stopped && (!filename || !strcmp(filename, d->plan_name)))
        reread_plan(d);
}

void dash_stop(struct dash *d)
{
    d->stopped = 1;
    dash__jobs_stop(d);
    if (d->timer.loop)
        uv_timer_stop(&d->timer);
    if (d->open_handles > 1)
        uv_fs_event_stop(&d->watch);
}

void dash_close(struct dash *d)
{
    if (!d)
        return;
    dash__jobs_close(d);
    for (int i = 0; i < 2; i++) {
        if (d->side[i].load)
            ((struct load *)d->side[i].load)->d = NULL;  /* its callback frees the catalog */
        db_close(d->side[i].db);
        cat_free(d->side[i].cat);
        free(d->masked[i]);
    }
    inv_free(&d->inv);
    snap_unref(d->snap);
    ws_alerts_free(d->alerts, d->nalerts);
    free(d->waves);
    ws_settle(d->ws);  /* the terminal is restored: it can say it waits */
    ws_close(d->ws);
    plan_free(d->plan);
    free(d->plan_path);
    free(d->plan_name);
    if (d->timer.loop) {
        if (d->open_handles > 1)
            uv_close((uv_handle_t *)&d->watch, handle_closed);
        uv_close((uv_handle_t *)&d->timer, handle_closed);
        return;
    }
    free(d);
}

void dash_set_interval(struct dash *d, int64_t ms)
{
    if (ms < 1000)
        ms = 1000;
    if (ms > 3600000)
        ms = 3600000;
    d->interval_ms = ms;
    uv_timer_start(&d->timer, tick, (uint64_t)ms, (uint64_t)ms);
    notify(d, DASH_DB);  /* live polling follows */
}

void dash_pause(struct dash *d, int paused)
{
    d->paused = paused;
    notify(d, DASH_DB);
}

const struct inv_row *dash_row(const struct dash *d, const char *name)
{
    for (size_t i = 0; i < d->inv.n; i++) {
        const struct inv_row *r = &d->inv.rows[i];
        if ((r->source && strcmp(r->source, name) == 0) ||
            (!r->source && r->target && strcmp(r->target, name) == 0))
            return r;
    }
    return NULL;
}

void dash_decided(const struct dash *d, int *decided, int *total)
{
    *decided = *total = 0;
    for (size_t i = 0; i < d->inv.n; i++)
        if (d->inv.rows[i].source) {
            (*total)++;
            *decided += d->inv.rows[i].decision != DEC_UNDECIDED;
        }
}

/* The plan was changed (decision.c): read again and used. */
static int reload(struct dash *d, struct err *e)
{
    struct file_stamp stamp = file_stamp(d->plan_path);
    struct plan *p = plan_load(d->plan_path, e);

    if (!p)
        return -1;
    adopt_plan(d, p, stamp);
    return 0;
}

int dash_decide(struct dash *d, const char *table, enum plan_decision dec, const char *expires,
                struct err *e)
{
    struct decision_said said = { 0 };
    int rc = decision_decide(d->plan_path, d->plan, d->ws, table, dec, expires, &said, e) < 0 ||
             reload(d, e) < 0 ? -1 : 0;

    if (rc == 0)
        dash_say(d, 0, "%s: decision %s → %s, written to %s", table, said.old_value,
                 said.new_value, d->plan_path);
    decision_said_free(&said);
    return rc;
}

int dash_set_owner(struct dash *d, const char *table, const char *owner, struct err *e)
{
    struct decision_said said = { 0 };
    int rc = decision_owner(d->plan_path, d->plan, d->ws, table, owner, &said, e) < 0 ||
             reload(d, e) < 0 ? -1 : 0;

    if (rc == 0)
        dash_say(d, 0, "%s: owner %s → %s, written to %s", table,
                 *said.old_value ? said.old_value : "(none)", *owner ? owner : "(none)",
                 d->plan_path);
    decision_said_free(&said);
    return rc;
}

int dash_ack_alert(struct dash *d, long id, const char *note, struct err *e)
{
    char object[32], *detail;
    int rc;

    if (!d->ws)
        return err_set(e, ERR_INPUT, "the workspace could not be opened: %s", d->message);
    snprintf(object, sizeof object, "alert %ld", id);
    detail = xasprintf("%s: %s", object, note);
    rc = ws_alert_ack(d->ws, id, note, e) < 0 ||
         ws_audit(d->ws, "acknowledge", object, NULL, note, e) < 0 ||
         ws_runbook_event(d->ws, "alert", "acknowledged", user_name(), 0, 0, detail, e) < 0
         ? -1 : 0;
    free(detail);
    if (rc == 0)
        dash_say(d, 0, "%s acknowledged, recorded in the workspace", object);
    dash_reread(d);
    return rc;
}

/* A step of `wave` done with a rollback command: one to run. */
static int wave_has_rollback(struct runbook *rb, const char *wave)
{
    for (size_t i = 0; rb && i < rb_count(rb); i++) {
        const struct rb_step *s = rb_step(rb, i);
        if (s->state == RB_DONE && s->plan->rollback && s->plan->wave &&
            !strcmp(s->plan->wave, wave))
            return 1;
    }
    return 0;
}

int dash_wave_move(struct dash *d, const char *wave, const char *verb, struct err *e)
{
    const struct plan_wave *w = plan_wave_find(d->plan, wave);
    char from[16], object[80];
    const char *to = waves_move_to(verb);
    int rc;

    if (!d->ws)
        return err_set(e, ERR_INPUT, "the workspace could not be opened: %s", d->message);
    if (!w)
        return err_set(e, ERR_INPUT, "the plan has no [wave %s]", wave);
    if ((rc = waves_move(d->ws, w, verb, NULL, from, e)) == 0) {
        char *detail = xasprintf("%s -> %s; the truth of its slice: %s", from, to,
                                 waves_truth_now(w, to));
        snprintf(object, sizeof object, "wave %s", wave);
        if (ws_runbook_event(d->ws, object, to, NULL, 0, 0, detail, e) < 0)
            rc = -1;
        else
            dash_say(d, 0, "wave %s: %s", wave, detail);
        free(detail);
        /* rolled back: then its done steps' rollback commands, newest first */
        if (rc == 0 && !strcmp(verb, "rollback") && wave_has_rollback(dash_runbook(d), wave) &&
            rb_rollback(dash_runbook(d), wave, e) < 0) {
            char why[sizeof e->msg];
            snprintf(why, sizeof why, "%s", e->msg);
            rc = err_set(e, ERR_INPUT, "wave %s is rolled back; its steps' rollback commands "
                         "did not start: %s", wave, why);
        }
    }
    dash_reread(d);
    return rc;
}

int dash_export_report(struct dash *d, char **path, struct err *e)
{
    char *sheet_path = plan_path(d->plan, d->plan->mapping), *md;
    struct sheet s;
    json_t *r;
    int rc;

    *path = NULL;
    if (!d->have_inventory) {
        free(sheet_path);
        return err_set(e, ERR_INPUT, "the report needs both catalogs: wait until both databases "
                       "have been read");
    }
    rc = sheet_open(sheet_path, &s, e);
    free(sheet_path);
    if (rc < 0)
        return -1;
    r = report_build(d->plan, &d->inv, &s, d->ws, d->masked[0], d->masked[1]);
    md = report_markdown(r);
    *path = plan_path(d->plan, "acceptance-report.md");
    if (file_write_atomic(*path, md, strlen(md), e) < 0)
        rc = -1;
    else if (d->ws)
        rc = ws_audit(d->ws, "export", "report", NULL, *path, e);
    free(md);
    json_decref(r);
    sheet_free(&s);
    return rc;
}

uv_loop_t *dash_loop(const struct dash *d) { return d->loop; }
const struct plan *dash_plan(const struct dash *d) { return d->plan; }
ws_t *dash_ws(const struct dash *d) { return d->ws; }
const struct snap *dash_view(const struct dash *d) { return d->snap; }
const struct inventory *dash_inventory(const struct dash *d)
{
    return d->have_inventory ? &d->inv : NULL;
}
const struct dash_side *dash_side(const struct dash *d, int side) { return &d->side[side]; }
const char *dash_url(const struct dash *d, int side) { return d->masked[side]; }
int64_t dash_interval(const struct dash *d) { return d->interval_ms; }
int dash_paused(const struct dash *d) { return d->paused; }
long dash_runs(const struct dash *d) { return d->runs; }
const struct ws_session *dash_hypercare(const struct dash *d)
{
    return d->hypercare ? &d->hc : NULL;
}
const struct ws_alert_rec *dash_alerts(const struct dash *d, long *n)
{
    *n = d->nalerts;
    return d->alerts;
}
const char *dash_message(const struct dash *d) { return d->message; }
int dash_message_error(const struct dash *d) { return d->message_error; }
int dash_keep_commands(const struct dash *d) { return d->keep_commands; }
void dash_set_keep_commands(struct dash *d, int keep) { d->keep_commands = keep; }
int dash_runbook_begun(const struct dash *d) { return d->rb && rb_begun(d->rb); }
