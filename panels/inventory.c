/* The inventory panel: every table pair with rows on both sides, the
 * decision for its Pilot data and its owner; Enter opens the pair's detail,
 * d and o change decision and owner (confirmed, written to cutover.ini and
 * the audit log by core). */
#include "config.h"
#include "panel.h"
#include "util.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { K_OPEN = 1, K_DECIDE, K_OWNER };

static const struct tui_key keys[] = {
    { '\r', TUI_FN(KEY_ENTER), "Enter", "open", "the pair's detail: columns side by side, "
      "foreign keys, indexes, size", K_OPEN },
    { 'd', 0, "d", "decide", "set the decision for the table's Pilot data", K_DECIDE },
    { 'o', 0, "o", "owner", "set the table's owner", K_OWNER },
    { 0 },
};

static const struct tui_col cols[] = {
    { "SOURCE", 15, 0, 1 }, { "TARGET", 16, 0, 1 }, { "DECISION", 10, 0, 1 }, { "OWNER", 7, 0, 0 },
    { "SRC ROWS", 9, 1, 0 }, { "TGT ROWS", 9, 1, 0 }, { "DELTA", 8, 1, 0 }, { "FLAGS", 0, 0, 0 },
};

/* The decision menu: the plan's decisions, undecided last. */
static const char *decisions[PLAN_NDECISIONS];
static enum plan_decision decision_of[PLAN_NDECISIONS];

struct inv_panel {
    struct panel *p;
    struct tui_table table;
    int detail_width;           /* the width the detail view was built for */
    char detail_of[256];
    struct tui_view view;
    /* the change being confirmed */
    char name[256], expires[16], owner[128];
    enum plan_decision decision;
};

#define PRIV(p) ((struct inv_panel *)(p)->priv)

static const struct inv_row *row_at(struct inv_panel *ip, int i)
{
    return i >= 0 && (size_t)i < dash_inventory(ip->p->dash)->n ? &dash_inventory(ip->p->dash)->rows[i] : NULL;
}

static int nrows(void *ctx)
{
    struct inv_panel *ip = ctx;

    return (dash_inventory(ip->p->dash) != NULL) ? (int)dash_inventory(ip->p->dash)->n : 0;
}

static void cell(void *ctx, int i, int col, char *buf, size_t n)
{
    const struct inv_row *r = row_at(ctx, i);
    struct sbuf flags = { 0 };

    if (!r)
        return;
    switch (col) {
    case 0: snprintf(buf, n, "%s", r->source ? r->source : "-"); break;
    case 1: snprintf(buf, n, "%s", r->target ? r->target : "-"); break;
    case 2: snprintf(buf, n, "%s", r->source ? plan_decision_name(r->decision) : "-"); break;
    case 3: snprintf(buf, n, "%s", r->owner ? r->owner : "-"); break;
    case 4: inv_format_rows(buf, n, !!r->source, r->src_rows, r->src_count); break;
    case 5: inv_format_rows(buf, n, !!r->target, r->tgt_rows, r->tgt_count); break;
    case 6:
        if (r->source && r->target && r->src_count != COUNT_UNKNOWN &&
            r->tgt_count != COUNT_UNKNOWN)
            snprintf(buf, n, "%+" PRId64, r->tgt_rows - r->src_rows);
        else
            snprintf(buf, n, "-");
        break;
    default:
        for (int b = 0; b < INV_NFLAGS; b++)
            if (r->flags & (1u << b))
                sbuf_printf(&flags, "%s%s", flags.len ? "," : "", inv_flag_name(b));
        /* a glyph as well as a colour: state never rests on colour alone */
        snprintf(buf, n, "%s%s%s", flags.len ? tui_g->warn : "", flags.len ? " " : "",
                 flags.len ? flags.s : "-");
        sbuf_free(&flags);
        break;
    }
}

static enum theme_role role(void *ctx, int i)
{
    const struct inv_row *r = row_at(ctx, i);
    unsigned problems = r ? r->flags & ~(1u << INV_BIT_ESTIMATED) : 0;

    return problems ? ROLE_WARN : ROLE_TEXT;
}

static void init(struct panel *p)
{
    struct inv_panel *ip = xcalloc(1, sizeof *ip);

    for (int i = 0; i < PLAN_NDECISIONS; i++) {  /* migrate … temporary, then undecided */
        decision_of[i] = (enum plan_decision)((i + 1) % PLAN_NDECISIONS);
        decisions[i] = plan_decision_name(decision_of[i]);
    }
    ip->p = p;
    ip->table = (struct tui_table){ .cols = cols, .ncols = 8, .nrows = nrows, .cell = cell,
                                    .role = role, .ctx = ip };
    p->priv = ip;
    table_reload(&ip->table);
}

static void done(struct panel *p)
{
    struct inv_panel *ip = PRIV(p);

    table_free(&ip->table);
    view_clear(&ip->view);
    free(ip);
}

static void title(struct panel *p, char *buf, size_t n)
{
    int decided, total;

    if (!(dash_inventory(p->dash) != NULL)) {
        snprintf(buf, n, "Inventory");
        return;
    }
    dash_decided(p->dash, &decided, &total);
    snprintf(buf, n, "Inventory %d/%d decided", decided, total);
}

static void size_text(char *buf, size_t n, int64_t bytes)
{
    if (bytes < 0)
        snprintf(buf, n, "size unknown");
    else if (bytes < 10240)
        snprintf(buf, n, "%" PRId64 " B", bytes);
    else if (bytes < 10 * 1048576LL)
        snprintf(buf, n, "%" PRId64 " kB", bytes / 1024);
    else
        snprintf(buf, n, "%" PRId64 " MB", bytes / 1048576);
}

static void column_text(char *buf, size_t n, const struct cat_table *t, size_t i, int w)
{
    const struct cat_column *c;
    char key[8] = "";

    if (!t || i >= t->ncols) {
        snprintf(buf, n, "%-*s", w, "");
        return;
    }
    c = &t->cols[i];
    if (c->pk)
        snprintf(key, sizeof key, "PK%d", c->pk);
    {
        char name[256], type[256];
        snprintf(buf, n, "%s %s %-4s %-4s", draw_fit(name, sizeof name, c->name, w / 3),
                 draw_fit(type, sizeof type, c->type, w - w / 3 - 11), c->notnull ? "no" : "yes",
                 key);
    }
}

static void side_lists(struct tui_view *v, const char *what, const struct cat_table *t,
                       const char *side)
{
    if (!t)
        return;
    if (strcmp(what, "fk") == 0) {
        for (size_t f = 0; f < t->nfks; f++) {
            struct sbuf b = { 0 };
            for (size_t k = 0; k < t->fks[f].cols.n; k++)
                sbuf_printf(&b, "%s%s", k ? ", " : "", t->fks[f].cols.names[k]);
            sbuf_printf(&b, " %s %s(", tui_g->arrow, t->fks[f].ref_table);
            for (size_t k = 0; k < t->fks[f].ref_cols.n; k++)
                sbuf_printf(&b, "%s%s", k ? ", " : "", t->fks[f].ref_cols.names[k]);
            view_add(v, ROLE_TEXT, "  %s: %s)", side, b.s);
            sbuf_free(&b);
        }
        if (!t->nfks)
            view_add(v, ROLE_MUTED, "  %s: none", side);
    } else {
        for (size_t i = 0; i < t->nindexes; i++)
            view_add(v, ROLE_TEXT, "  %s: %s%s%s (%s)", side, t->indexes[i].name,
                     t->indexes[i].primary ? " PRIMARY" : "",
                     t->indexes[i].unique && !t->indexes[i].primary ? " UNIQUE" : "",
                     t->indexes[i].columns);
        if (!t->nindexes)
            view_add(v, ROLE_MUTED, "  %s: none", side);
    }
}

static void build_detail(struct inv_panel *ip, int width)
{
    const struct inv_row *r = dash_row(ip->p->dash, ip->detail_of);
    const struct cat_table *s, *t;
    struct tui_view *v = &ip->view;
    int half = (width - 3) / 2;
    char a[256], b[256], sz[32], sz2[32], hs[320], ht[320];

    view_clear(v);
    ip->detail_width = width;
    if (!r) {
        view_add(v, ROLE_MUTED, "%s is no longer in the inventory", ip->detail_of);
        return;
    }
    s = r->pair->src;
    t = r->pair->tgt;
    view_add(v, ROLE_TITLE, "%s %s %s   decision %s, owner %s%s%s", r->source ? r->source : "-",
             tui_g->arrow, r->target ? r->target : "-",
             r->source ? plan_decision_name(r->decision) : "-", r->owner ? r->owner : "-",
             r->expires ? ", expires " : "", r->expires ? r->expires : "");
    size_text(sz, sizeof sz, s ? s->size_bytes : -1);
    size_text(sz2, sizeof sz2, t ? t->size_bytes : -1);
    inv_format_rows(a, sizeof a, !!s, s ? s->rows : 0, s ? s->count : COUNT_UNKNOWN);
    inv_format_rows(b, sizeof b, !!t, t ? t->rows : 0, t ? t->count : COUNT_UNKNOWN);
    if (s)
        snprintf(hs, sizeof hs, "SOURCE %s: %s rows, %s%s", s->name, a, sz,
                 s->without_rowid ? ", WITHOUT ROWID" : "");
    else
        snprintf(hs, sizeof hs, "SOURCE: none");
    if (t)
        snprintf(ht, sizeof ht, "TARGET %s: %s rows, %s", t->name, b, sz2);
    else
        snprintf(ht, sizeof ht, "TARGET: none");
    view_add(v, ROLE_TEXT, "%s %s %s", draw_fit(a, sizeof a, hs, half), tui_g->v, ht);
    for (int side = 0; side < 2; side++) {  /* why a count is an estimate or missing */
        const struct cat_table *ct = side ? t : s;
        if (ct && ct->count_error)
            view_add(v, ROLE_FAIL, "%s %s count failed: %s", tui_g->fail,
                     plan_side_name(side), ct->count_error);
    }
    snprintf(a, sizeof a, "%-*.*s %-*.*s %-4s %-4s", half / 3, half / 3, "COLUMN",
             half - half / 3 - 11, half - half / 3 - 11, "TYPE", "NULL", "KEY");
    view_add(v, ROLE_TITLE, "%s %s %s", a, tui_g->v, a);
    for (size_t i = 0; i < (s ? s->ncols : 0) || i < (t ? t->ncols : 0); i++) {
        column_text(a, sizeof a, s, i, half);
        column_text(b, sizeof b, t, i, half);
        view_add(v, ROLE_TEXT, "%s %s %s", a, tui_g->v, b);
    }
    if (r->pair->nkey) {
        struct sbuf k = { 0 };
        for (size_t i = 0; i < r->pair->nkey; i++)
            sbuf_printf(&k, "%s%s", i ? ", " : "", r->pair->key[i]);
        view_add(v, ROLE_TEXT, "Key compared on: %s%s", k.s,
                 r->pair->plan && r->pair->plan->nkey ? " (from the plan)" : " (primary key)");
        sbuf_free(&k);
    } else if (r->source) {
        view_add(v, ROLE_WARN, "%s No key: rows can only be compared as a multiset", tui_g->warn);
    }
    view_add(v, ROLE_TITLE, "Foreign keys");
    side_lists(v, "fk", s, "source");
    side_lists(v, "fk", t, "target");
    view_add(v, ROLE_TITLE, "Indexes");
    side_lists(v, "ix", s, "source");
    side_lists(v, "ix", t, "target");
}

static void draw_waiting(struct panel *p, struct rect r)
{
    int y = r.y;

    for (int i = 0; i < 2 && y < r.y + r.h; i++) {
        const struct dash_side *s = dash_side(p->dash, i);
        const char *what = s->state == DB_DOWN ? "down" : s->state == DB_CONNECTING
                         ? "connecting" : s->loading ? "reading the catalog" : s->cat ? "ready"
                         : "waiting";
        int ready = s->state == DB_UP && !s->loading && s->cat;
        draw_textf(y++, r.x, r.w, s->state == DB_DOWN ? ROLE_FAIL : ready ? ROLE_OK : ROLE_MUTED,
                   "%s %s: %s", s->state == DB_DOWN ? tui_g->down : ready ? tui_g->up
                                                                            : tui_g->connecting,
                   plan_side_name(i), what);
        if (s->error[0])
            y += draw_wrapped(y, r.x + 2, r.w - 2, r.y + r.h - y, ROLE_MUTED, s->error);
    }
}

static void draw(struct panel *p, struct rect r, int focused)
{
    struct inv_panel *ip = PRIV(p);

    if (p->detail) {
        if (r.w != ip->detail_width)
            build_detail(ip, r.w);
        view_draw(&ip->view, r);
        return;
    }
    if (!(dash_inventory(p->dash) != NULL)) {
        draw_waiting(p, r);
        return;
    }
    table_draw(&ip->table, r, focused);
}

static const char *selected_name(struct inv_panel *ip)
{
    const struct inv_row *r = row_at(ip, table_selected(&ip->table));

    return !r ? NULL : r->source ? r->source : r->target;
}

static void confirmed_decision(void *ctx, int yes)
{
    struct inv_panel *ip = ctx;
    struct err e = { 0 };

    if (!yes) {
        tui_message(0, "decision unchanged");
        return;
    }
    if (dash_decide(ip->p->dash, ip->name, ip->decision, ip->expires, &e) < 0)
        tui_message(1, "%s", e.msg);
}

static void ask_confirm_decision(struct inv_panel *ip)
{
    const struct inv_row *r = dash_row(ip->p->dash, ip->name);
    char q[512];

    snprintf(q, sizeof q, "%s: %s %s %s%s%s?", ip->name,
             r ? plan_decision_name(r->decision) : "undecided", tui_g->arrow,
             plan_decision_name(ip->decision), ip->decision == DEC_TEMPORARY ? ", expires " : "",
             ip->decision == DEC_TEMPORARY ? ip->expires : "");
    tui_confirm(q, confirmed_decision, ip);
}

static int valid_date(const char *s)
{
    int y, m, d;
    char tail;

    return strlen(s) == 10 && sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) == 3 &&
           m >= 1 && m <= 12 && d >= 1 && d <= 31 && s[4] == '-' && s[7] == '-';
}

static void got_expiry(void *ctx, const char *s)
{
    struct inv_panel *ip = ctx;

    if (!s) {
        tui_message(0, "decision unchanged");
        return;
    }
    if (!valid_date(s)) {
        tui_message(1, "'%s' is not a date YYYY-MM-DD: decision unchanged", s);
        return;
    }
    snprintf(ip->expires, sizeof ip->expires, "%s", s);
    ask_confirm_decision(ip);
}

static void chose_decision(void *ctx, int choice)
{
    struct inv_panel *ip = ctx;
    const struct inv_row *r = dash_row(ip->p->dash, ip->name);

    if (choice < 0)
        return;
    ip->decision = decision_of[choice];
    if (ip->decision == DEC_TEMPORARY)
        tui_prompt("expires (YYYY-MM-DD): ", r && r->expires ? r->expires : "", NULL, got_expiry,
                   ip);
    else
        ask_confirm_decision(ip);
}

static void confirmed_owner(void *ctx, int yes)
{
    struct inv_panel *ip = ctx;
    struct err e = { 0 };

    if (!yes) {
        tui_message(0, "owner unchanged");
        return;
    }
    if (dash_set_owner(ip->p->dash, ip->name, ip->owner, &e) < 0)
        tui_message(1, "%s", e.msg);
}

static void got_owner(void *ctx, const char *s)
{
    struct inv_panel *ip = ctx;
    const struct inv_row *r = dash_row(ip->p->dash, ip->name);
    char q[512];

    if (!s)
        return;
    snprintf(ip->owner, sizeof ip->owner, "%s", s);
    snprintf(q, sizeof q, "%s: owner %s %s %s?", ip->name, r && r->owner ? r->owner : "(none)",
             tui_g->arrow, *s ? s : "(none)");
    tui_confirm(q, confirmed_owner, ip);
}

static int key(struct panel *p, int k)
{
    struct inv_panel *ip = PRIV(p);
    const struct inv_row *r;
    const char *name;
    char label[300];
    int action = tui_key_action(keys, k);

    if (p->detail)
        return view_key(&ip->view, k, 10);
    if (!action)
        return 0;
    if (!(name = selected_name(ip))) {
        tui_message(0, "no table selected yet");
        return TUI_HANDLED | TUI_REDRAW;
    }
    r = dash_row(p->dash, name);
    snprintf(ip->name, sizeof ip->name, "%s", name);
    switch (action) {
    case K_OPEN:
        snprintf(ip->detail_of, sizeof ip->detail_of, "%s", name);
        ip->detail_width = 0;
        panel_detail_open(p);
        break;
    case K_DECIDE:
    case K_OWNER:
        if (!r->source) {
            tui_message(1, "%s exists only in the target: decisions and owners belong to "
                        "source tables", name);
            break;
        }
        if (action == K_OWNER) {
            snprintf(label, sizeof label, "owner of %s: ", name);
            tui_prompt(label, r->owner ? r->owner : "", NULL, got_owner, ip);
        } else {
            int cur = PLAN_NDECISIONS - 1;
            for (int i = 0; i < PLAN_NDECISIONS; i++)
                if (decision_of[i] == r->decision)
                    cur = i;
            snprintf(label, sizeof label, "Decision for %s", name);
            tui_menu(label, decisions, PLAN_NDECISIONS, cur, chose_decision, ip);
        }
        break;
    }
    return TUI_HANDLED | TUI_REDRAW;
}

static void update(struct panel *p, unsigned what)
{
    struct inv_panel *ip = PRIV(p);

    if (what & (DASH_INVENTORY | DASH_PLAN)) {
        table_reload(&ip->table);
        ip->detail_width = 0;  /* rebuilt from the new catalogs at the next draw */
    }
}

static struct tui_table *table(struct panel *p)
{
    return (dash_inventory(p->dash) != NULL) ? &PRIV(p)->table : NULL;
}

const struct panel_ops panel_inventory_ops = {
    .name = "Inventory",
    .init = init,
    .done = done,
    .title = title,
    .draw = draw,
    .key = key,
    .update = update,
    .table = table,
    .keys = keys,
};
