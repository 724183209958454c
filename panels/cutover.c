/* The cutover panel: the runbook's steps with their state, owner, time
 * against the expected and gate (a phased plan's grouped by wave, under the
 * waves' strip); the rollback advice and the live figures (cutover_live.c);
 * the selected step's live log; the timeline. r runs the next step (after
 * the gate; a manual gate asks the owner's name), x aborts, s skips, B rolls
 * back, W moves a wave — each confirmed and recorded; a acknowledges the
 * oldest open hypercare alert with a note. */
#include "config.h"
#include "monitor.h"
#include "jsonx.h"
#include "panel.h"
#include "url.h"
#include "runbook.h"
#include "util.h"
#include "cutover_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { K_OPEN = 1, K_GO, K_ABORT, K_SKIP, K_ROLLBACK, K_AGAIN, K_ACK, K_EXPORT, K_TREND,
       K_HYPERCARE, K_WAVE };

static const struct tui_key keys[] = {
    { '\r', TUI_FN(KEY_ENTER), "Enter", "open", "the step's log (its last megabyte) and the "
      "timeline", K_OPEN },
    { 'r', 0, "r", "run", "run the next step once the gate before it says go (confirmed)", K_GO },
    { 'x', 0, "x", "abort", "stop the running command (confirmed)", K_ABORT },
    { 'a', 0, "a", "ack", "acknowledge the oldest open alert, with a note", K_ACK },
    { 'e', 0, "e", "export", "write the acceptance report (Markdown) beside the plan", K_EXPORT },
    { 't', 0, "t", "trend", "the delta trend over the last 12 rounds, the last hour or the "
      "whole session", K_TREND },
    { 's', 0, "s", NULL, "skip the next step (confirmed)", K_SKIP },
    { 'B', 0, "B", "rollback", "run the rollback commands of the done steps, newest first "
      "(confirmed)", K_ROLLBACK },
    { 'A', 0, "A", NULL, "a new attempt: every step pending again, after a rollback say "
      "(confirmed; the timeline keeps the one before)", K_AGAIN },
    { 'W', 0, "W", "wave", "move a wave of a phased plan: start, moved (once its gate holds) or "
      "rollback (then its steps' rollback commands, newest first); confirmed and recorded",
      K_WAVE },
    { 'H', 0, "H", "hypercare", "record the hypercare session here: the open one resumed (or "
      "taken over once cutover watch has stopped), else a new one for the plan's duration; "
      "q then asks whether to keep it open", K_HYPERCARE },
    { 0 },
};

static const char *const gates[] = { "none", "checks", "diff", "manual" };

static const struct tui_col cols[] = {
    { "#", 3, 1, 1 }, { "STATE", 16, 0, 1 }, { "STEP", 10, 0, 1 }, { "TITLE", 28, 0, 0 }, { "OWNER", 8, 0, 0 },
    { "TIME", 13, 1, 0 }, { "GATE", 0, 0, 0 },
};
/* … a phased plan's, grouped by wave: each wave's state where its steps begin */
static const struct tui_col wave_cols[] = {
    { "#", 3, 1, 1 }, { "WAVE", 22, 0, 1 }, { "STATE", 16, 0, 1 }, { "STEP", 10, 0, 1 },
    { "TITLE", 24, 0, 0 }, { "OWNER", 8, 0, 0 }, { "TIME", 13, 1, 0 }, { "GATE", 0, 0, 0 },
};


static int nrows(void *ctx)
{
    return (int)rb_count(RB((struct cut_panel *)ctx));
}

static int overrun(const struct cut_panel *cp, const struct rb_step *s, uint64_t *ms)
{
    uint64_t now = uv_now(dash_loop(cp->p->dash));

    *ms = s->state == RB_RUNNING || s->state == RB_ROLLING_BACK ? now - s->started
        : s->ended > s->started ? s->ended - s->started : 0;
    return s->plan->expect_ms && *ms > (uint64_t)s->plan->expect_ms;
}

static const char *glyph(enum rb_state st)
{
    return st == RB_DONE || st == RB_ROLLED_BACK ? tui_g->ok
         : st == RB_FAILED || st == RB_BLOCKED ? tui_g->fail
         : st == RB_RUNNING || st == RB_CHECKING || st == RB_ROLLING_BACK ? tui_g->connecting
         : tui_g->dot;
}

static const char *wave_glyph(const char *state)
{
    return !strcmp(state, "moved") ? tui_g->ok : !strcmp(state, "moving") ? tui_g->connecting
         : !strcmp(state, "rolled_back") ? tui_g->fail : NULL;
}

/* A step's wave where the wave's steps begin ("cohort-1 ◐ moving"), "│"
 * below it; "-" for a step of no wave. */
static void wave_cell(struct cut_panel *cp, int i, char *buf, size_t n)
{
    const struct rb_step *s = rb_step(RB(cp), (size_t)i), *prev;
    const char *w = s->plan->wave;
    const struct dash_wave *wv;
    size_t nw;

    prev = i ? rb_step(RB(cp), (size_t)i - 1) : NULL;
    if (!w) {
        snprintf(buf, n, "-");
        return;
    }
    if (prev && prev->plan->wave && !strcmp(prev->plan->wave, w)) {
        snprintf(buf, n, "│");
        return;
    }
    snprintf(buf, n, "%s", w);
    wv = dash_waves(cp->p->dash, &nw);
    for (size_t k = 0; k < nw; k++)
        if (!strcmp(wv[k].name, w)) {
            const char *g = wave_glyph(wv[k].state);
            snprintf(buf, n, "%s %s%s%s", w, g ? g : "", g ? " " : "", wv[k].state);
        }
}

static void cell(void *ctx, int i, int col, char *buf, size_t n)
{
    struct cut_panel *cp = ctx;
    const struct rb_step *s = rb_step(RB(cp), (size_t)i);
    char a[32], b[32];
    uint64_t ms;
    int over;

    if (cp->table.cols == wave_cols && col == 1) {
        wave_cell(cp, i, buf, n);
        return;
    }
    if (cp->table.cols == wave_cols && col > 1)
        col--;
    switch (col) {
    case 0: snprintf(buf, n, "%d", i + 1); break;
    case 1: snprintf(buf, n, "%s %s", glyph(s->state), rb_state_name(s->state)); break;
    case 2: snprintf(buf, n, "%s", s->plan->name); break;
    case 3: snprintf(buf, n, "%s", s->plan->title); break;
    case 4: snprintf(buf, n, "%s", s->plan->owner ? s->plan->owner : "-"); break;
    case 5:
        over = overrun(cp, s, &ms);
        snprintf(buf, n, "%s%s/%s", over ? "▲ " : "",
                 s->state == RB_PENDING || s->state == RB_BLOCKED || s->state == RB_CHECKING ? "-"
                 : ms < 1000 ? "<1s" : dur_format((int64_t)ms / 1000 * 1000, a, sizeof a),
                 s->plan->expect_ms ? dur_format(s->plan->expect_ms, b, sizeof b) : "-");
        break;
    default: snprintf(buf, n, "%s", gates[s->plan->gate]); break;
    }
}

static enum theme_role role(void *ctx, int i)
{
    struct cut_panel *cp = ctx;
    const struct rb_step *s = rb_step(RB(cp), (size_t)i);
    uint64_t ms;

    if (s->state == RB_FAILED || s->state == RB_BLOCKED)
        return ROLE_FAIL;
    if (overrun(cp, s, &ms))
        return ROLE_WARN;
    return s->state == RB_DONE || s->state == RB_ROLLED_BACK ? ROLE_OK : ROLE_TEXT;
}

/* A phased plan's runbook has a WAVE column. */
static void set_cols(struct cut_panel *cp)
{
    int phased = dash_plan(cp->p->dash)->nwaves > 0;

    cp->table.cols = phased ? wave_cols : cols;
    cp->table.ncols = phased ? 8 : 7;
}

static void init(struct panel *p)
{
    struct cut_panel *cp = xcalloc(1, sizeof *cp);

    cp->p = p;
    cp->table = (struct tui_table){ .nrows = nrows, .cell = cell, .role = role, .ctx = cp,
                                    .sort_col = 0 };
    set_cols(cp);
    table_reload(&cp->table);
    p->priv = cp;
}

static void done(struct panel *p)
{
    struct cut_panel *cp = PRIV(p);

    table_free(&cp->table);
    view_clear(&cp->view);
    free(cp);
}

static void title(struct panel *p, char *buf, size_t n)
{
    struct cut_panel *cp = PRIV(p);
    size_t done = 0, total = rb_count(RB(cp));

    for (size_t i = 0; i < total; i++)
        done += rb_step(RB(cp), i)->state == RB_DONE || rb_step(RB(cp), i)->state == RB_SKIPPED;
    if (dash_hypercare(p->dash)) {
        char clock[64];
        ws_session_clock(dash_hypercare(p->dash), clock, sizeof clock);
        snprintf(buf, n, "Cutover / Hypercare %s", clock);
        return;
    }
    snprintf(buf, n, "Cutover / Hypercare %zu/%zu steps done", done, total);
}

static void log_tail(const struct sbuf *log, struct tui_view *v, int lines)
{
    const char *s = log->s ? log->s : "";
    const char *end = s + log->len, *p = end;
    int n = 0;

    while (p > s && n <= lines)
        if (*--p == '\n' && p + 1 < end)
            n++;
    if (n > lines)
        p++;
    for (const char *q = p; q < end;) {
        const char *nl = memchr(q, '\n', (size_t)(end - q));
        size_t len = nl ? (size_t)(nl - q) : (size_t)(end - q);
        view_add(v, ROLE_TEXT, "  %.*s", (int)len, q);
        q += len + (nl ? 1 : 0);
    }
}

static int timeline_line(void *arg, const struct ws_rb_event *e)
{
    view_add(arg, ROLE_MUTED, "%.19s %-10s %-16s %s", e->at, e->step, e->event, e->output);
    return 0;
}

/* The timeline's last `last` events (0: all). */
static void timeline(struct cut_panel *cp, struct tui_view *v, int last)
{
    rb_timeline(RB(cp), last, timeline_line, v);
}

/* A phased plan's waves in a line: "waves: reference ✓ moved · cohort-1 ◐
 * moving · cohort-2 planned", each with where its truth lives once moved. */
static void wave_strip(struct cut_panel *cp, int y, int x, int w)
{
    size_t n;
    const struct dash_wave *wv = dash_waves(cp->p->dash, &n);
    struct sbuf b = { 0 };

    sbuf_puts(&b, "waves:");
    for (size_t i = 0; i < n; i++) {
        const char *g = wave_glyph(wv[i].state);
        sbuf_printf(&b, "%s %s %s%s%s", i ? " ·" : "", wv[i].name, g ? g : "", g ? " " : "",
                    wv[i].state);
        if (!strcmp(wv[i].state, "moved"))
            sbuf_printf(&b, " (truth: %s)", wv[i].truth_now);
    }
    draw_clip(y, x, w, ROLE_TITLE, b.s);
    sbuf_free(&b);
}

static void draw(struct panel *p, struct rect r, int focused)
{
    struct cut_panel *cp = PRIV(p);
    int sel = table_selected(&cp->table), th;
    const struct rb_step *s = sel >= 0 ? rb_step(RB(cp), (size_t)sel) : NULL;
    struct tui_view v = { 0 };
    size_t nwaves;

    view_clear(&cp->view);
    if (dash_waves(p->dash, &nwaves) && nwaves && !p->detail && r.h > 3) {
        wave_strip(cp, r.y, r.x, r.w);  /* above the runbook */
        r.y++, r.h--;
    }
    if (!rb_count(RB(cp))) {
        draw_text(r.y, r.x, r.w, ROLE_MUTED, "No runbook: add [step NAME] sections to the plan.");
        cut__advice_line(cp, r.y + 1, r.x, r.w);
        cut__live_lines(cp, &v, 1);
        view_add(&v, ROLE_TITLE, "timeline:");
        timeline(cp, &v, 4);
        view_draw(&v, (struct rect){ r.y + 2, r.x, r.h - 2, r.w });
        view_clear(&v);
        return;
    }
    if (p->detail && s) {
        view_add(&cp->view, ROLE_TITLE, "%s: %s (%s)", s->plan->name, s->plan->title,
                 rb_state_name(s->state));
        char *run = url_mask_text(s->plan->run ? s->plan->run : "(none)");
        char *back = url_mask_text(s->plan->rollback ? s->plan->rollback : "(none)");
        view_add(&cp->view, ROLE_TEXT, "command: %s", run);
        view_add(&cp->view, ROLE_TEXT, "rollback: %s", back);
        free(run);
        free(back);
        if (s->reason[0])
            view_add(&cp->view, ROLE_FAIL, "%s %s", tui_g->fail, s->reason);
        view_add(&cp->view, ROLE_TITLE, "log:");
        log_tail(&s->log, &cp->view, 1000);
        cut__live_lines(cp, &cp->view, 0);
        view_add(&cp->view, ROLE_TITLE, "timeline:");
        timeline(cp, &cp->view, 0);
        view_draw(&cp->view, r);
        return;
    }
    th = (int)rb_count(RB(cp)) + 1;
    if (th > r.h - 2)
        th = r.h - 2;
    table_draw(&cp->table, (struct rect){ r.y, r.x, th, r.w }, focused);
    cut__advice_line(cp, r.y + th, r.x, r.w);
    if (r.h - th - 1 > 0) {
        if (cut__rolled_back(RB(cp)))
            view_add(&v, ROLE_MUTED, "rolled back: A starts a new attempt, every step pending "
                     "again");
        cut__live_lines(cp, &v, 1);
        if (s && s->reason[0])
            view_add(&v, ROLE_FAIL, "%s %s: %s", tui_g->fail, s->plan->name, s->reason);
        if (s) {
            view_add(&v, ROLE_TITLE, "%s log%s", s->plan->name,
                     s->log.len ? ":" : ": (nothing yet)");
            log_tail(&s->log, &v, 4);
        }
        view_add(&v, ROLE_TITLE, "timeline:");
        timeline(cp, &v, 4);
        view_draw(&v, (struct rect){ r.y + th + 1, r.x, r.h - th - 1, r.w });
        view_clear(&v);
    }
}

static void confirmed(void *ctx, int yes)
{
    struct cut_panel *cp = ctx;
    struct err e = { 0 };
    int rc = 0;

    if (!yes) {
        tui_message(0, "nothing done");
        return;
    }
    if (cp->action == K_WAVE)
        rc = dash_wave_move(cp->p->dash, cp->wave, cp->verb, &e);
    else if (cp->action == K_ABORT)
        rc = rb_abort(RB(cp), &e);
    else if (cp->action == K_SKIP)
        rc = rb_skip(RB(cp), cp->step, &e);
    else if (cp->action == K_ROLLBACK)
        rc = rb_rollback(RB(cp), NULL, &e);
    else if (cp->action == K_AGAIN)
        rc = rb_new_attempt(RB(cp), &e);
    else
        rc = rb_go(RB(cp), cp->step, cp->name, &e);
    if (rc < 0)
        tui_message(1, "%s", e.msg);
    else if (cp->action == K_AGAIN)
        tui_message(0, "a new attempt: every step is pending again");
    else if (cp->action != K_ROLLBACK && cp->action != K_ABORT && cp->action != K_WAVE)
        table_select(&cp->table, (int)cp->step);  /* show the log of the step acted on */
}

__attribute__((format(printf, 2, 3)))
static void ask(struct cut_panel *cp, const char *fmt, ...)
{
    char q[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(q, sizeof q, fmt, ap);
    va_end(ap);
    tui_confirm(q, confirmed, cp);
}

static void got_note(void *ctx, const char *s)
{
    struct cut_panel *cp = ctx;
    struct err e = { 0 };

    if (!s)
        return;
    if (!*s) {
        tui_message(1, "an acknowledgement needs a note: what is being done about it");
        return;
    }
    if (dash_ack_alert(cp->p->dash, cp->ack_id, s, &e) < 0)
        tui_message(1, "%s", e.msg);
}

/* The oldest open alert nobody has acknowledged yet. */
static const struct ws_alert_rec *unacknowledged(struct cut_panel *cp)
{
    long n;
    const struct ws_alert_rec *a = dash_alerts(cp->p->dash, &n);

    for (long i = 0; i < n; i++)
        if (!a[i].acknowledged_by)
            return &a[i];
    return NULL;
}

static void got_name(void *ctx, const char *s)
{
    struct cut_panel *cp = ctx;
    const struct rb_step *st = rb_step(RB(cp), cp->step);

    if (!s)
        return;
    snprintf(cp->name, sizeof cp->name, "%s", s);
    ask(cp, "Go: %s (%s)?", st->plan->name, st->plan->title);
}

/* "cohort-1 moved": a wave and a move, confirmed. */
static void got_wave(void *ctx, const char *s)
{
    struct cut_panel *cp = ctx;
    char wave[64] = "", verb[16] = "";

    if (!s)
        return;
    if (sscanf(s, "%63s %15s", wave, verb) != 2 ||
        (strcmp(verb, "start") && strcmp(verb, "moved") && strcmp(verb, "rollback"))) {
        tui_message(1, "'%s': expected a wave and start, moved or rollback", s);
        return;
    }
    snprintf(cp->wave, sizeof cp->wave, "%s", wave);
    snprintf(cp->verb, sizeof cp->verb, "%s", verb);
    cp->action = K_WAVE;
    if (!strcmp(verb, "rollback"))
        ask(cp, "Roll back wave %s: its truth back to the pilot, then its steps' rollback "
            "commands, newest first?", wave);
    else
        ask(cp, "Wave %s: %s?", wave, verb);
}

/* The move a lead most likely makes next: the first wave not moved. */
static void wave_prompt(struct cut_panel *cp)
{
    size_t n;
    const struct dash_wave *wv = dash_waves(cp->p->dash, &n);
    char dflt[96] = "";

    if (!n) {
        tui_message(0, "the plan has no waves: one big-bang cutover");
        return;
    }
    for (size_t i = 0; i < n && !dflt[0]; i++)
        if (strcmp(wv[i].state, "moved"))
            snprintf(dflt, sizeof dflt, "%s %s", wv[i].name,
                     !strcmp(wv[i].state, "moving") ? "moved" : "start");
    tui_prompt("wave and move (start, moved, rollback): ", dflt, NULL, got_wave, cp);
}

static int key(struct panel *p, int k)
{
    struct cut_panel *cp = PRIV(p);
    int action = tui_key_action(keys, k);
    size_t next = rb_next(RB(cp));
    const struct rb_step *prev;

    if (p->detail && !action)
        return view_key(&cp->view, k, 10);
    switch (action) {
    case K_OPEN:
        panel_detail_open(p);
        break;
    case K_GO:
    case K_SKIP:
        if (next == SIZE_MAX) {
            tui_message(0, "every step has run");
            break;
        }
        cp->step = next;
        cp->action = action;
        cp->name[0] = '\0';
        prev = next ? rb_step(RB(cp), next - 1) : NULL;
        if (action == K_SKIP)
            ask(cp, "Skip %s (%s)?", rb_step(RB(cp), next)->plan->name,
                rb_step(RB(cp), next)->plan->title);
        else if (prev && prev->plan->gate == GATE_MANUAL) {
            char label[160];
            snprintf(label, sizeof label, "manual gate of %s: %s types their name: ",
                     prev->plan->name, prev->plan->owner ? prev->plan->owner : "its owner");
            tui_prompt(label, "", NULL, got_name, cp);
        } else {
            ask(cp, "Go: %s (%s)?", rb_step(RB(cp), next)->plan->name,
                rb_step(RB(cp), next)->plan->title);
        }
        break;
    case K_ACK: {
        const struct ws_alert_rec *a = unacknowledged(cp);
        char label[200];
        if (!a) {
            tui_message(0, "no open alert waits for an acknowledgement");
            break;
        }
        cp->ack_id = a->id;
        snprintf(label, sizeof label, "acknowledge %s %s: note: ", a->metric, a->level);
        tui_prompt(label, "", NULL, got_note, cp);
        break;
    }
    case K_EXPORT: {
        char *path;
        struct err e = { 0 };
        if (dash_export_report(p->dash, &path, &e) < 0)
            tui_message(1, "%s", e.msg);
        else
            tui_message(0, "the acceptance report is in %s", path);
        free(path);
        break;
    }
    case K_TREND:
        cp->trend = (cp->trend + 1) % 3;
        tui_message(0, "delta trend: %s", cp->trend == 0 ? "the last 12 rounds"
                    : cp->trend == 1 ? "the last hour" : "the whole session");
        break;
    case K_ABORT:
        cp->action = K_ABORT;
        ask(cp, "Abort the running command?");
        break;
    case K_ROLLBACK:
        cp->action = K_ROLLBACK;
        ask(cp, "Roll back: run the rollback commands of the done steps, newest first?");
        break;
    case K_AGAIN:
        cp->action = K_AGAIN;
        ask(cp, "A new attempt: every step pending again (the timeline keeps this one)?");
        break;
    case K_WAVE:
        wave_prompt(cp);
        break;
    case K_HYPERCARE: {
        struct err e = { 0 };
        if (dash_hypercare_start(p->dash, &e) < 0)
            tui_message(1, "%s", e.msg);
        break;
    }
    default:
        return 0;
    }
    return TUI_HANDLED | TUI_REDRAW;
}

/* A new alert rings the bell once, when the plan asks for it. */
static void ring(struct cut_panel *cp)
{
    long n, newest = cp->last_alert;
    const struct ws_alert_rec *a = dash_alerts(cp->p->dash, &n);

    for (long i = 0; i < n; i++)
        if (a[i].id > newest)
            newest = a[i].id;
    if (newest > cp->last_alert && dash_plan(cp->p->dash)->hc_bell)
        tui_bell();
    cp->last_alert = newest;
}

static void update(struct panel *p, unsigned what)
{
    if (what & DASH_PLAN)
        set_cols(PRIV(p));
    if (what & (DASH_PLAN | DASH_LIVE | DASH_DB))  /* steps added or gone; states moved */
        table_reload(&PRIV(p)->table);
    ring(PRIV(p));
}

static struct tui_table *table(struct panel *p)
{
    return &PRIV(p)->table;
}

static int busy(struct panel *p, char *what, size_t n)
{
    return rb_running(RB(PRIV(p)), what, n);
}

const struct panel_ops panel_cutover_ops = {
    .name = "Cutover / Hypercare",
    .init = init,
    .done = done,
    .title = title,
    .draw = draw,
    .key = key,
    .update = update,
    .busy = busy,
    .table = table,
    .keys = keys,
};
