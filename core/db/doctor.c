/* doctor: the pre-cutover checks (doctor.h). Each side's queries run one
 * after another on its own connection; both sides at once. */
#include "config.h"
#include "doctor.h"
#include "db.h"
#include "util.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

static const char *const level_names[] = { "ok", "info", "warn", "fail" };

__attribute__((format(printf, 5, 6)))
static void add(struct doctor_report *r, const char *side, const char *check,
                enum doctor_level level, const char *fmt, ...)
{
    struct doctor_item *it;
    va_list ap;

    r->v = xrealloc(r->v, (r->n + 1) * sizeof *r->v);
    it = &r->v[r->n++];
    it->side = side;
    it->check = check;
    it->level = level;
    va_start(ap, fmt);
    if (vasprintf(&it->message, fmt, ap) < 0)
        it->message = xstrdup(check);
    va_end(ap);
    if (level > r->worst)
        r->worst = level;
}

/* --- one side: its queries in turn ------------------------------------------------ */

enum step { ST_PING, ST_VERSION, ST_SETTINGS, ST_DEFAULTS, ST_ROLE, ST_WRITABLE, ST_CLOCK,
            ST_DONE };

struct side {
    struct doctor_report *r;
    const char *name;           /* source, target */
    db_t *db;
    enum url_kind kind;
    enum step step;
    int pings;
    uint64_t sent, best_rtt;
    char first[4][256];         /* the current query's first row */
    int nrow;
    double skew_ms;             /* the server's clock less this machine's */
    int up;
};

#define PINGS 3

static const char *const pg_sql[] = {
    [ST_PING] = "SELECT 1",
    [ST_VERSION] = "SELECT current_setting('server_version'), current_user",
    [ST_SETTINGS] = "SELECT string_agg(name || '=' || setting, ', ' ORDER BY name) FROM "
                    "pg_settings WHERE name IN ('DateStyle', 'TimeZone', 'IntervalStyle', "
                    "'extra_float_digits', 'bytea_output', 'client_encoding', "
                    "'standard_conforming_strings', 'default_transaction_read_only')",
    /* what the database and the role would set otherwise (pinned over) */
    [ST_DEFAULTS] = "SELECT string_agg(c, ', ') FROM (SELECT unnest(setconfig) AS c FROM "
                    "pg_db_role_setting s WHERE (setdatabase = 0 OR setdatabase = (SELECT oid "
                    "FROM pg_database WHERE datname = current_database())) AND (setrole = 0 OR "
                    "setrole = (SELECT oid FROM pg_roles WHERE rolname = current_user))) x "
                    "WHERE lower(split_part(c, '=', 1)) IN ('datestyle', 'timezone', "
                    "'intervalstyle', 'extra_float_digits', 'bytea_output', 'client_encoding', "
                    "'standard_conforming_strings')",
    [ST_ROLE] = "SELECT rolsuper::text, rolbypassrls::text, pg_has_role(current_user, "
                "'pg_write_all_data', 'MEMBER')::text FROM pg_roles WHERE rolname = current_user",
    [ST_WRITABLE] = "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = "
                    "c.relnamespace WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN "
                    "('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' "
                    "AND (has_table_privilege(c.oid, 'INSERT') OR has_table_privilege(c.oid, "
                    "'UPDATE') OR has_table_privilege(c.oid, 'DELETE') OR "
                    "has_table_privilege(c.oid, 'TRUNCATE'))",
    [ST_CLOCK] = "SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint::text",
};
static const char *const lite_sql[] = {
    [ST_PING] = "SELECT 1",
    [ST_VERSION] = "SELECT sqlite_version()",
};

static void next(struct side *s);

static int on_row(db_query_t *q, const struct db_batch *b, void *arg)
{
    struct side *s = arg;

    (void)q;
    for (size_t i = 0; i < b->nrows && s->nrow == 0; i++, s->nrow++)
        for (int c = 0; c < b->ncols && c < 4; c++) {
            char buf[DB_CELL_TEXT_MAX];
            struct db_cell t = db_cell_text(db_cell(b, i, c), buf);
            snprintf(s->first[c], sizeof s->first[c], "%.*s", (int)t.len, t.p ? t.p : "");
        }
    return DB_CONTINUE;
}

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void take(struct side *s)
{
    struct doctor_report *r = s->r;
    uint64_t rtt = uv_hrtime() - s->sent;

    switch (s->step) {
    case ST_PING:
        if (!s->best_rtt || rtt < s->best_rtt)
            s->best_rtt = rtt;
        if (++s->pings < PINGS)
            return;
        add(r, s->name, "latency", s->best_rtt > 100 * 1000000u ? DOCTOR_WARN : DOCTOR_OK,
            "%s: a round trip takes %.2f ms (best of %d)", db_url_masked(s->db),
            (double)s->best_rtt / 1e6, PINGS);
        break;
    case ST_VERSION:
        if (s->kind == URL_SQLITE)
            add(r, s->name, "version", DOCTOR_OK, "SQLite %s, opened read-only with an "
                "authorizer that allows reads only", s->first[0]);
        else
            add(r, s->name, "version", atoi(s->first[0]) < 12 ? DOCTOR_WARN : DOCTOR_OK,
                "PostgreSQL %s, as role %s%s", s->first[0], s->first[1],
                atoi(s->first[0]) < 12 ? " (cutover is tested on 12 and later)" : "");
        break;
    case ST_SETTINGS: {
        static const char *const want[] = { "DateStyle=ISO, YMD", "IntervalStyle=postgres",
            "TimeZone=UTC", "bytea_output=hex", "client_encoding=UTF8",
            "default_transaction_read_only=on", "extra_float_digits=3",
            "standard_conforming_strings=on" };
        struct sbuf miss = { 0 };
        for (size_t i = 0; i < sizeof want / sizeof *want; i++)
            if (!strstr(s->first[0], want[i]))
                sbuf_printf(&miss, "%s%s", miss.len ? ", " : "", want[i]);
        if (miss.len)
            add(r, s->name, "settings", DOCTOR_FAIL, "the session is not pinned: expected %s "
                "(it has %s)", miss.s, s->first[0]);
        else
            add(r, s->name, "settings", DOCTOR_OK, "the session's settings are pinned (ISO "
                "dates, UTC, hex bytea, full float digits, UTF-8, read-only)");
        sbuf_free(&miss);
        break;
    }
    case ST_DEFAULTS:
        if (*s->first[0])
            add(r, s->name, "settings", DOCTOR_INFO, "the database or role sets %s: pinned "
                "over in cutover's sessions, but other tools see them", s->first[0]);
        break;
    case ST_ROLE:
        if (!strcmp(s->first[0], "true"))
            add(r, s->name, "privileges", DOCTOR_WARN, "role is a superuser: it could write "
                "(use a read-only role: docs/safety.md)");
        else if (!strcmp(s->first[2], "true"))
            add(r, s->name, "privileges", DOCTOR_WARN, "role is a member of pg_write_all_data: "
                "it could write (use a read-only role: docs/safety.md)");
        break;
    case ST_WRITABLE:
        if (atol(s->first[0]) > 0)
            add(r, s->name, "privileges", DOCTOR_WARN, "role could write to %s table%s "
                "(INSERT, UPDATE, DELETE or TRUNCATE): cutover never does, but a read-only "
                "role makes sure (docs/safety.md)", s->first[0], atol(s->first[0]) > 1 ? "s" : "");
        else
            add(r, s->name, "privileges", DOCTOR_OK, "role can write to no table");
        break;
    case ST_CLOCK: {
        int64_t server = atoll(s->first[0]);
        /* the server read its clock about half a round trip after we asked */
        s->skew_ms = (double)server - ((double)now_ms() - (double)rtt / 2e6);
        add(r, s->name, "clock", fabs(s->skew_ms) > 1000 ? DOCTOR_WARN : DOCTOR_OK,
            "the server's clock is %+.0f ms from this machine's%s", s->skew_ms,
            fabs(s->skew_ms) > 1000 ? ": lags and timestamps compared across machines are off "
            "by as much" : "");
        break;
    }
    default:
        break;
    }
    s->step++;
}

static void done(db_query_t *q, int status, const char *msg, void *arg)
{
    struct side *s = arg;

    (void)q;
    if (status) {
        if (s->step == ST_PING && !s->up) {
            add(s->r, s->name, "reach", DOCTOR_FAIL, "%s", msg ? msg : "not reached");
            s->step = ST_DONE;
        } else {
            add(s->r, s->name, s->step == ST_WRITABLE || s->step == ST_ROLE ? "privileges"
                : "query", DOCTOR_WARN, "could not check: %s", msg ? msg : "refused");
            s->step++;
        }
    } else {
        s->up = 1;
        take(s);
    }
    next(s);
}

static void next(struct side *s)
{
    const char *sql = NULL;

    while (s->step < ST_DONE && !sql) {
        sql = s->kind == URL_PG ? pg_sql[s->step]
              : (size_t)s->step < sizeof lite_sql / sizeof *lite_sql ? lite_sql[s->step] : NULL;
        if (!sql)
            s->step++;
    }
    if (!sql) {
        db_close(s->db);
        s->db = NULL;
        return;
    }
    memset(s->first, 0, sizeof s->first);
    s->nrow = 0;
    s->sent = uv_hrtime();
    if (!db_query(s->db, sql, 0, NULL, NULL, on_row, done, s)) {
        db_close(s->db);
        s->db = NULL;
    }
}

/* --- the workspace ------------------------------------------------------------------ */

static void check_workspace(const struct plan *p, struct doctor_report *r)
{
    char *ws = plan_path(p, p->workspace), real_ws[PATH_MAX], real_db[PATH_MAX];
    const struct plan_endpoint *sides[2] = { &p->source, &p->target };
    int inside = 0;

    /* the workspace file may not exist yet: its folder's real path, and its name */
    {
        char *dir = xstrdup(ws), *slash = strrchr(dir, '/');
        if (slash)
            *slash = '\0';
        if (!realpath(slash ? dir : ".", real_ws))
            snprintf(real_ws, sizeof real_ws, "%s", slash ? dir : ".");
        snprintf(real_ws + strlen(real_ws), sizeof real_ws - strlen(real_ws), "/%s",
                 slash ? slash + 1 : ws);
        free(dir);
    }
    for (int w = 0; w < 2; w++) {
        struct url u;
        struct err e = { 0 };
        if (url_parse(sides[w]->url, p->dir, &u, &e) < 0)
            continue;
        if (u.kind == URL_SQLITE && realpath(u.path, real_db) &&
            (!strcmp(real_db, real_ws) ||
             (strlen(real_ws) > strlen(real_db) && !strncmp(real_ws, real_db, strlen(real_db)) &&
              (real_ws[strlen(real_db)] == '-' || real_ws[strlen(real_db)] == '.')))) {
            add(r, "workspace", "workspace", DOCTOR_FAIL, "%s is the %s database's file (or "
                "its journal): set [migration] workspace elsewhere", ws, plan_side_name(w));
            inside = 1;
        }
        url_free(&u);
    }
    if (!inside) {
        char *dir = xstrdup(ws), *slash = strrchr(dir, '/');
        if (slash)
            *slash = '\0';
        if (access(slash ? dir : ".", W_OK) == 0 || (errno == ENOENT && slash))
            add(r, "workspace", "workspace", DOCTOR_OK, "%s: apart from both databases, and "
                "writable", ws);
        else
            add(r, "workspace", "workspace", DOCTOR_FAIL, "%s: its folder cannot be written: %s",
                ws, strerror(errno));
        free(dir);
    }
    free(ws);
}

int doctor_run(const struct plan *p, struct doctor_report *r)
{
    static const struct db_opts o = { .statement_timeout_ms = 10000, .connect_timeout_ms = 10000 };
    struct side s[2] = { 0 };
    uv_loop_t loop;

    memset(r, 0, sizeof *r);
    uv_loop_init(&loop);
    for (int w = 0; w < 2; w++) {
        struct err e = { 0 };
        s[w] = (struct side){ .r = r, .name = plan_side_name(w) };
        if (db_open(&loop, w ? p->target.url : p->source.url, p->dir, &o, &s[w].db, &e) < 0) {
            add(r, s[w].name, "reach", DOCTOR_FAIL, "%s", e.msg);
            continue;
        }
        s[w].kind = db_kind(s[w].db);
        next(&s[w]);
    }
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    if (s[0].up && s[1].up && s[0].kind == URL_PG && s[1].kind == URL_PG &&
        fabs(s[0].skew_ms - s[1].skew_ms) > 1000)
        add(r, "both", "clock", DOCTOR_WARN, "the servers' clocks are %.0f ms apart: a lag "
            "between them is off by as much", fabs(s[0].skew_ms - s[1].skew_ms));
    check_workspace(p, r);
    {   /* the source's items, then the target's, both, the workspace: each in its order */
        static const char *const order[] = { "source", "target", "both", "workspace" };
        struct doctor_item *v = xmalloc((r->n + 1) * sizeof *v);
        size_t k = 0;
        for (size_t at = 0; at < sizeof order / sizeof *order; at++)
            for (size_t i = 0; i < r->n; i++)
                if (!strcmp(r->v[i].side, order[at]))
                    v[k++] = r->v[i];
        free(r->v);
        r->v = v;
    }
    return 0;
}

void doctor_free(struct doctor_report *r)
{
    for (size_t i = 0; r && i < r->n; i++)
        free(r->v[i].message);
    if (r)
        free(r->v);
}

json_t *doctor_json(const struct doctor_report *r)
{
    json_t *a = json_array();

    for (size_t i = 0; i < r->n; i++)
        json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s}", "side", r->v[i].side,
                                           "check", r->v[i].check, "status",
                                           level_names[r->v[i].level], "message",
                                           r->v[i].message));
    return json_pack("{s:s, s:o}", "status", level_names[r->worst == DOCTOR_INFO ? DOCTOR_OK
                                                                                  : r->worst],
                     "checks", a);
}

void doctor_print(FILE *f, const struct doctor_report *r)
{
    for (size_t i = 0; i < r->n; i++)
        fprintf(f, "%-9s %-10s %-4s  %s\n", r->v[i].side, r->v[i].check,
                level_names[r->v[i].level], r->v[i].message);
    fprintf(f, "\n%s\n", r->worst == DOCTOR_FAIL ? "not ready: a side cannot be reached or the "
            "workspace cannot be kept" : r->worst == DOCTOR_WARN ? "ready, with warnings"
            : "ready");
}

int doctor_exit(const struct doctor_report *r)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->v[i].level == DOCTOR_FAIL && !strcmp(r->v[i].check, "reach"))
            return ERR_DB;
    return r->worst >= DOCTOR_WARN ? ERR_FOUND : 0;
}
