#include "config.h"
#include "demo.h"
#include "sheet.h"
#include "url.h"
#include "util.h"

#include <errno.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Sizes of the Pilot tables; events passes 100k rows on purpose. */
enum { N_ACCOUNTS = 200, N_USERS = 1500, N_SUBS = 300, N_INVOICES = 2400, N_KEYS = 600,
       N_EVENTS = 120000, N_AUDIT = 5000, N_VIEWS = 20000 };

static uint64_t rng_state;

static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static int pick(int n)
{
    return (int)(rnd() % (uint64_t)n);
}

static const char *const first_names[] = {
    "Alice", "Bruno", "Chloé", "Dmitri", "Elif", "Frank", "Grace", "Håkon", "Ines", "José",
    "Kenji", "Łukasz", "Maria", "Noor", "Ørjan", "Priya", "Quentin", "Rosa", "Søren", "Zoë",
};
static const char *const last_names[] = {
    "Smith", "Müller", "Núñez", "Dubois", "Kowalski", "O'Brien", "Żółć", "Rossi", "Yılmaz",
    "Andersen", "García", "渡辺", "Nguyen", "Silva", "Østergaard",
};
static const char *const countries[] = { "DE", "FR", "US", "GB", "ES", "PL", "JP", "NO" };
static const char *const event_kinds[] = { "login", "logout", "page_view", "export",
                                           "invoice_paid", "api_call", "settings_changed" };

/* SQLite's date functions read all three shapes: the Pilot used them all. */
static void timestamp(char *buf, size_t n, int day_offset, int secs)
{
    static const char *const tail[] = { "", "Z", ".250" };
    int day = day_offset % 28 + 1, month = day_offset / 28 % 12 + 1,
        year = 2023 + day_offset / (28 * 12), shape = pick(3);

    snprintf(buf, n, "%04d-%02d-%02d%c%02d:%02d:%02d%s", year, month, day, shape ? 'T' : ' ',
             secs / 3600 % 24, secs / 60 % 60, secs % 60, tail[shape]);
}

struct gen {
    sqlite3 *db;
    struct err *e;
    const char *path;
};

static int exec(struct gen *g, const char *sql)
{
    char *msg = NULL;

    if (sqlite3_exec(g->db, sql, NULL, NULL, &msg) == SQLITE_OK)
        return 0;
    err_set(g->e, ERR_INPUT, "%s: demo: %s", g->path, msg ? msg : "error");
    sqlite3_free(msg);
    return -1;
}

/* Binds a row by a type string — i int, r real, t text, n null — and runs it. */
static int row(struct gen *g, sqlite3_stmt *st, const char *types, ...)
{
    va_list ap;
    int rc;

    va_start(ap, types);
    for (int i = 0; types[i]; i++) {
        switch (types[i]) {
        case 'i': sqlite3_bind_int64(st, i + 1, va_arg(ap, long long)); break;
        case 'r': sqlite3_bind_double(st, i + 1, va_arg(ap, double)); break;
        case 't': {
            const char *s = va_arg(ap, const char *);
            if (s)
                sqlite3_bind_text(st, i + 1, s, -1, SQLITE_TRANSIENT);
            else
                sqlite3_bind_null(st, i + 1);
            break;
        }
        default: sqlite3_bind_null(st, i + 1); break;
        }
    }
    va_end(ap);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc == SQLITE_DONE)
        return 0;
    return err_set(g->e, ERR_INPUT, "%s: demo: %s", g->path, sqlite3_errmsg(g->db));
}

static sqlite3_stmt *prep(struct gen *g, const char *sql)
{
    sqlite3_stmt *st = NULL;

    if (sqlite3_prepare_v2(g->db, sql, -1, &st, NULL) != SQLITE_OK)
        err_set(g->e, ERR_INPUT, "%s: demo: %s", g->path, sqlite3_errmsg(g->db));
    return st;
}

static const char pilot_schema[] =
    "CREATE TABLE accounts (id INTEGER PRIMARY KEY, name TEXT NOT NULL, plan TEXT,"
    " country TEXT, created TEXT);"
    "CREATE TABLE users (id INTEGER PRIMARY KEY, account_id INTEGER REFERENCES accounts(id),"
    " email TEXT, full_name TEXT, status TEXT, created_at TEXT, deleted_at TEXT);"
    "CREATE INDEX users_email ON users(email);"
    "CREATE TABLE subscriptions (id INTEGER PRIMARY KEY, account_id INTEGER REFERENCES"
    " accounts(id), plan TEXT, status TEXT, started_at TEXT, ends_at TEXT, monthly_price REAL);"
    "CREATE TABLE invoices (id INTEGER PRIMARY KEY, account_id INTEGER REFERENCES accounts(id),"
    " number TEXT UNIQUE, issued_at TEXT, total REAL, currency TEXT);"
    "CREATE TABLE invoice_lines (invoice_id INTEGER REFERENCES invoices(id), line_no INTEGER,"
    " description TEXT, quantity INTEGER, unit_price REAL,"
    " PRIMARY KEY (invoice_id, line_no)) WITHOUT ROWID;"
    "CREATE TABLE api_keys (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users(id),"
    " token_hash TEXT, label TEXT, created_at TEXT, revoked INTEGER);"
    "CREATE TABLE events (id INTEGER PRIMARY KEY, account_id INTEGER, user_id INTEGER,"
    " kind TEXT, payload TEXT, at TEXT);"
    "CREATE TABLE audit_log (id INTEGER PRIMARY KEY, actor TEXT, action TEXT, detail TEXT,"
    " at TEXT);"
    "CREATE TABLE page_views (user_id INTEGER, path TEXT, viewed_at TEXT);"
    "CREATE TABLE feature_flags (name TEXT PRIMARY KEY, enabled INTEGER, note TEXT);";

static int fill_pilot(struct gen *g)
{
    static const char *const plans[] = { "free", "pro", "PRO", "legacy_gold", "team" };
    static const char *const ustatus[] = { "A", "A", "A", "A", "I", "X", "active" };
    static const char *const sstatus[] = { "active", "ACTIVE", "cancelled", "canceled", "trial" };
    sqlite3_stmt *st;
    char ts[40], ts2[40], buf[160], name[96];
    int rc = 0;

    if (!(st = prep(g, "INSERT INTO accounts VALUES (?, ?, ?, ?, ?)")))
        return -1;
    for (int i = 1; rc == 0 && i <= N_ACCOUNTS; i++) {
        snprintf(buf, sizeof buf, "%s %s %s", last_names[pick(15)],
                 i % 3 ? "GmbH" : i % 3 == 1 ? "Ltd" : "& Co", i % 7 ? "" : " (old)");
        timestamp(ts, sizeof ts, pick(300), pick(86400));
        rc = row(g, st, "ittt" "t", (long long)i, str_trim(buf), plans[pick(5)],
                 pick(10) ? countries[pick(8)] : NULL, ts);
    }
    sqlite3_finalize(st);
    if (rc || !(st = prep(g, "INSERT INTO users VALUES (?, ?, ?, ?, ?, ?, ?)")))
        return -1;
    for (int i = 1; rc == 0 && i <= N_USERS; i++) {
        const char *fn = first_names[pick(20)], *ln = last_names[pick(15)];
        /* every 75th user signed up twice, with the email in other case */
        int dup = i % 75 == 0;
        snprintf(name, sizeof name, "%s %s", fn, ln);
        snprintf(buf, sizeof buf, dup ? "User%d@Example.COM" : "user%d@example.com",
                 dup ? i - 1 : i);
        timestamp(ts, sizeof ts, pick(600), pick(86400));
        timestamp(ts2, sizeof ts2, 600 + pick(30), pick(86400));
        rc = row(g, st, "iitttt" "t", (long long)i, (long long)(1 + pick(N_ACCOUNTS)),
                 i % 41 == 0 ? NULL : buf, i % 13 == 0 ? NULL : name, ustatus[pick(7)], ts,
                 i % 20 == 0 ? ts2 : NULL);
    }
    sqlite3_finalize(st);
    if (rc || !(st = prep(g, "INSERT INTO subscriptions VALUES (?, ?, ?, ?, ?, ?, ?)")))
        return -1;
    for (int i = 1; rc == 0 && i <= N_SUBS; i++) {
        int s = pick(5);
        timestamp(ts, sizeof ts, pick(500), pick(86400));
        timestamp(ts2, sizeof ts2, 500 + pick(100), pick(86400));
        rc = row(g, st, "iitttt" "r", (long long)i, (long long)(1 + pick(N_ACCOUNTS)),
                 plans[pick(5)], sstatus[s], ts, s >= 2 ? ts2 : NULL,
                 /* a few prices carry a third decimal the target cannot hold */
                 i % 50 == 0 ? 9.995 : (double)(5 + pick(20) * 5) - 0.01);
    }
    sqlite3_finalize(st);
    if (rc || !(st = prep(g, "INSERT INTO invoices VALUES (?, ?, ?, ?, ?, ?)")))
        return -1;
    for (int i = 1; rc == 0 && i <= N_INVOICES; i++) {
        snprintf(buf, sizeof buf, "INV-%05d", i);
        timestamp(ts, sizeof ts, pick(650), pick(86400));
        rc = row(g, st, "iittr" "t", (long long)i, (long long)(1 + pick(N_ACCOUNTS)), buf, ts,
                 (double)(pick(100000)) / 100.0, pick(9) ? "EUR" : "usd");
    }
    sqlite3_finalize(st);
    if (rc || !(st = prep(g, "INSERT INTO invoice_lines VALUES (?, ?, ?, ?, ?)")))
        return -1;
    for (int i = 1; rc == 0 && i <= N_INVOICES; i++)
        for (int l = 1; rc == 0 && l <= 1 + i % 5; l++) {
            snprintf(buf, sizeof buf, "%s plan, %s", plans[pick(5)], l == 1 ? "monthly fee"
                                                                       : "extra seats");
            rc = row(g, st, "iitir", (long long)i, (long long)l, buf, (long long)(1 + pick(10)),
                     (double)(pick(5000)) / 100.0);
        }
    sqlite3_finalize(st);
    if (rc || !(st = prep(g, "INSERT INTO api_keys VALUES (?, ?, ?, ?, ?, ?)")))
        return -1;
    for (int i = 1; rc == 0 && i <= N_KEYS; i++) {
        snprintf(buf, sizeof buf, "%016llx%016llx", (unsigned long long)rnd(),
                 (unsigned long long)rnd());
        timestamp(ts, sizeof ts, pick(650), pick(86400));
        rc = row(g, st, "iittt" "i", (long long)i, (long long)(1 + pick(N_USERS)), buf,
                 pick(4) ? "ci-token" : NULL, ts, (long long)(pick(6) == 0));
    }
    sqlite3_finalize(st);
    if (rc || !(st = prep(g, "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?)")))
        return -1;
    for (int i = 1; rc == 0 && i <= N_EVENTS; i++) {
        int k = pick(7);
        snprintf(buf, sizeof buf, "{\"v\":1,\"kind\":\"%s\",\"n\":%d}", event_kinds[k], pick(1000));
        timestamp(ts, sizeof ts, i / 190, i % 86400);
        rc = row(g, st, "iitt" "tt", (long long)i, (long long)(1 + pick(N_ACCOUNTS)),
                 (const char *)NULL, event_kinds[k], buf, ts);
    }
    sqlite3_finalize(st);
    if (rc || exec(g, "UPDATE events SET user_id = 1 + (id * 7919) % 1500 WHERE id % 10 <> 0") ||
        !(st = prep(g, "INSERT INTO audit_log VALUES (?, ?, ?, ?, ?)")))
        return -1;
    for (int i = 1; rc == 0 && i <= N_AUDIT; i++) {
        timestamp(ts, sizeof ts, pick(650), pick(86400));
        snprintf(buf, sizeof buf, "changed %s", event_kinds[pick(7)]);
        rc = row(g, st, "ittt" "t", (long long)i, first_names[pick(20)],
                 pick(2) ? "update" : "delete", buf, ts);
    }
    sqlite3_finalize(st);
    if (rc || !(st = prep(g, "INSERT INTO page_views VALUES (?, ?, ?)")))
        return -1;
    for (int i = 1; rc == 0 && i <= N_VIEWS; i++) {
        snprintf(buf, sizeof buf, "/app/%s", event_kinds[pick(7)]);
        timestamp(ts, sizeof ts, pick(650), pick(86400));
        /* page views were logged twice at times: rows repeat, there is no key */
        rc = row(g, st, "itt", (long long)(1 + pick(N_USERS)), buf, ts);
    }
    sqlite3_finalize(st);
    return rc ? -1 : exec(g,
        "INSERT INTO feature_flags VALUES ('new_billing', 1, 'on for pilot customers'),"
        " ('dark_mode', 0, NULL), ('csv_export', 1, 'requested by ops'),"
        " ('beta_api', 1, 'Ünïcode note: “quotes”, commas, and; semicolons');");
}

/* Production: reshaped (renamed tables and columns, snake_case, NOT NULL)
 * and filled from the Pilot by SQL, then spoiled a little, as real copies are.
 * It kept four of the Pilot's five foreign keys (api_credentials lost its
 * own), not the rows they hold: the structural checks find both. SQLite
 * takes them in CREATE TABLE (and does not enforce them); PostgreSQL after
 * the load, NOT VALID, as the rows break them. */
#define PRODUCTION_SCHEMA(REF) \
    "CREATE TABLE accounts (account_id bigint PRIMARY KEY, name varchar(120) NOT NULL," \
    " plan varchar(20) NOT NULL, country char(2), created_at timestamp NOT NULL);" \
    "CREATE TABLE app_users (user_id bigint PRIMARY KEY, account_id bigint NOT NULL" \
    REF(" REFERENCES accounts(account_id)") "," \
    " email varchar(255) NOT NULL, display_name varchar(80), state varchar(16) NOT NULL," \
    " created_at timestamp NOT NULL);" \
    "CREATE TABLE subscriptions (subscription_id bigint PRIMARY KEY, account_id bigint NOT NULL" \
    REF(" REFERENCES accounts(account_id)") "," \
    " plan varchar(20) NOT NULL, state varchar(16) NOT NULL, started_at timestamp NOT NULL," \
    " ends_at timestamp, monthly_price numeric(10,2) NOT NULL);" \
    "CREATE TABLE invoices (invoice_id bigint PRIMARY KEY, account_id bigint NOT NULL" \
    REF(" REFERENCES accounts(account_id)") "," \
    " invoice_number varchar(32) NOT NULL UNIQUE, issued_at timestamp NOT NULL," \
    " total numeric(12,2) NOT NULL, currency char(3) NOT NULL);" \
    "CREATE TABLE invoice_lines (invoice_id bigint NOT NULL" \
    REF(" REFERENCES invoices(invoice_id)") ", line_no integer NOT NULL," \
    " description text NOT NULL, quantity integer NOT NULL, unit_price numeric(10,2) NOT NULL," \
    " PRIMARY KEY (invoice_id, line_no));" \
    "CREATE TABLE api_credentials (credential_id bigint PRIMARY KEY, user_id bigint NOT NULL," \
    " token_hash varchar(64) NOT NULL, label varchar(60), created_at timestamp NOT NULL," \
    " revoked boolean NOT NULL);" \
    "CREATE TABLE events (event_id bigint PRIMARY KEY, account_id bigint NOT NULL," \
    " user_id bigint, kind varchar(40) NOT NULL, payload text, occurred_at timestamp NOT NULL);" \
    "CREATE TABLE audit_log (audit_id bigint PRIMARY KEY, actor varchar(80)," \
    " action varchar(40), detail text, at timestamp);" \
    "CREATE TABLE page_views (user_id bigint, path text, viewed_at timestamp);"
#define KEEP(ref) ref
#define DROP(ref) ""
static const char production_schema[] = PRODUCTION_SCHEMA(KEEP);
static const char production_schema_pg[] = PRODUCTION_SCHEMA(DROP);
static const char production_fks_pg[] =
    "ALTER TABLE app_users ADD FOREIGN KEY (account_id) REFERENCES accounts NOT VALID;"
    "ALTER TABLE subscriptions ADD FOREIGN KEY (account_id) REFERENCES accounts NOT VALID;"
    "ALTER TABLE invoices ADD FOREIGN KEY (account_id) REFERENCES accounts NOT VALID;"
    "ALTER TABLE invoice_lines ADD FOREIGN KEY (invoice_id) REFERENCES invoices NOT VALID;";

static const char *const production_tables[] = {
    "accounts", "app_users", "subscriptions", "invoices", "invoice_lines", "api_credentials",
    "events", "audit_log", "page_views",
};

#define TS(c) "strftime('%Y-%m-%d %H:%M:%S', " c ")"

static const char production_fill[] =
    "INSERT INTO accounts SELECT id, name, lower(coalesce(plan, 'free')), country, "
    TS("created") " FROM pilot.accounts WHERE id NOT IN (17, 101);"
    "INSERT INTO app_users SELECT id, account_id, lower(trim(coalesce(email, 'unknown-' || id ||"
    " '@invalid'))), full_name, CASE status WHEN 'A' THEN 'active' WHEN 'I' THEN 'inactive'"
    " WHEN 'X' THEN 'blocked' ELSE lower(status) END, " TS("created_at")
    " FROM pilot.users WHERE deleted_at IS NULL AND id NOT IN (301, 302, 303);"
    "INSERT INTO app_users VALUES (999999, 1, 'ghost@example.com', 'Ghost', 'active',"
    " '2024-01-01 00:00:00');"
    "UPDATE app_users SET display_name = upper(display_name) WHERE user_id IN (11, 12, 14, 15, 16);"
    "INSERT INTO subscriptions SELECT id, account_id, lower(plan), CASE lower(status)"
    " WHEN 'canceled' THEN 'cancelled' ELSE lower(status) END, " TS("started_at") ", "
    TS("ends_at") ", round(monthly_price, 2) FROM pilot.subscriptions;"
    "INSERT INTO invoices SELECT id, account_id, number, " TS("issued_at")
    ", round(total, 2), upper(currency) FROM pilot.invoices;"
    "UPDATE invoices SET total = total + 0.01 WHERE invoice_id = 1234;"
    "INSERT INTO invoice_lines SELECT invoice_id, line_no, description, quantity, unit_price"
    " FROM pilot.invoice_lines WHERE NOT (invoice_id = 77 AND line_no > 1);"
    "INSERT INTO api_credentials SELECT id, user_id, token_hash, label, " TS("created_at")
    ", revoked FROM pilot.api_keys;"
    "INSERT INTO events SELECT id, account_id, user_id, kind, payload, " TS("at")
    " FROM pilot.events WHERE id % 12000 <> 0;"
    "INSERT INTO audit_log SELECT id, actor, action, detail, " TS("at") " FROM pilot.audit_log;"
    "INSERT INTO page_views SELECT user_id, path, " TS("viewed_at")
    " FROM pilot.page_views LIMIT 150;";

static int open_rw(struct gen *g, const char *path)
{
    g->path = path;
    if (unlink(path) < 0 && errno != ENOENT)
        return err_set(g->e, ERR_INPUT, "%s: cannot replace: %s", path, strerror(errno));
    if (sqlite3_open_v2(path, &g->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK) {
        err_set(g->e, ERR_INPUT, "%s: cannot create: %s", path, sqlite3_errmsg(g->db));
        sqlite3_close(g->db);
        g->db = NULL;
        return -1;
    }
    return 0;
}

static int build_pilot(const char *path, struct err *e)
{
    struct gen g = { .e = e };
    int rc;

    rng_state = 0x9E3779B97F4A7C15ull;  /* the same demo every time */
    if (open_rw(&g, path) < 0)
        return -1;
    rc = exec(&g, "PRAGMA journal_mode = DELETE; BEGIN;");
    rc = rc ? rc : exec(&g, pilot_schema);
    rc = rc ? rc : fill_pilot(&g);
    rc = rc ? rc : exec(&g, "COMMIT;");
    sqlite3_close(g.db);
    return rc;
}

static int build_production(const char *path, const char *pilot, struct err *e)
{
    struct gen g = { .e = e };
    char *attach;
    int rc;

    if (open_rw(&g, path) < 0)
        return -1;
    attach = sqlite3_mprintf("ATTACH %Q AS pilot; BEGIN;", pilot);
    rc = exec(&g, attach);
    sqlite3_free(attach);
    rc = rc ? rc : exec(&g, production_schema);
    rc = rc ? rc : exec(&g, production_fill);
    rc = rc ? rc : exec(&g, "COMMIT; DETACH pilot;");
    sqlite3_close(g.db);
    return rc;
}

/* COPY text format: backslash, tab, newline and carriage return escaped. */
static void copy_field(struct sbuf *b, const char *s)
{
    if (!s) {
        sbuf_puts(b, "\\N");
        return;
    }
    for (; *s; s++) {
        const char *esc = *s == '\\' ? "\\\\" : *s == '\t' ? "\\t" : *s == '\n' ? "\\n"
                        : *s == '\r' ? "\\r" : NULL;
        if (esc)
            sbuf_puts(b, esc);
        else
            sbuf_add(b, s, 1);
    }
}

static int pg_fail(PGconn *c, const char *masked, const char *what, struct err *e)
{
    char *m = xstrdup(PQerrorMessage(c));

    str_trim(m);
    err_set(e, ERR_DB, "%s: demo: %s: %s", masked, what, m);
    free(m);
    return -1;
}

/* Runs SQL that returns no rows: 0, or -1 with `e` saying `what` failed. */
static int pg_run(PGconn *c, const char *sql, const char *masked, const char *what,
                  struct err *e)
{
    PGresult *r = PQexec(c, sql);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;

    PQclear(r);
    return ok ? 0 : pg_fail(c, masked, what, e);
}

static int copy_table(PGconn *c, sqlite3 *db, const char *table, const char *masked,
                      struct err *e)
{
    char *sql = sqlite3_mprintf("SELECT * FROM \"%w\"", table), *copy;
    sqlite3_stmt *st;
    PGresult *r;
    struct sbuf b = { 0 };
    int rc = 0;

    sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    sqlite3_free(sql);
    copy = xasprintf("COPY \"%s\" FROM STDIN", table);
    r = PQexec(c, copy);
    free(copy);
    if (PQresultStatus(r) != PGRES_COPY_IN) {
        PQclear(r);
        sqlite3_finalize(st);
        return pg_fail(c, masked, table, e);
    }
    PQclear(r);
    while (sqlite3_step(st) == SQLITE_ROW) {
        for (int i = 0; i < sqlite3_column_count(st); i++) {
            if (i)
                sbuf_puts(&b, "\t");
            copy_field(&b, (const char *)sqlite3_column_text(st, i));
        }
        sbuf_puts(&b, "\n");
        if (b.len > 65536) {
            rc = PQputCopyData(c, b.s, (int)b.len) == 1 ? 0 : -1;
            b.len = 0;
        }
        if (rc)
            break;
    }
    if (rc == 0 && b.len)
        rc = PQputCopyData(c, b.s, (int)b.len) == 1 ? 0 : -1;
    sbuf_free(&b);
    sqlite3_finalize(st);
    if (PQputCopyEnd(c, rc ? "demo copy failed" : NULL) != 1)
        rc = -1;
    r = PQgetResult(c);
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        rc = -1;
    PQclear(r);
    while ((r = PQgetResult(c)))
        PQclear(r);
    return rc ? pg_fail(c, masked, table, e) : 0;
}

/* Loads the staged Production tables into an empty PostgreSQL database. */
static int load_pg(const char *url, const char *staged, struct err *e)
{
    char *masked = url_mask(url);
    PGconn *c = PQconnectdb(url);
    sqlite3 *db = NULL;
    PGresult *r;
    int rc = -1;

    if (PQstatus(c) != CONNECTION_OK) {
        pg_fail(c, masked, "cannot connect", e);
        goto out;
    }
    r = PQexec(c, "SELECT string_agg(tablename, ', ' ORDER BY array_position(t, tablename::text)) "
                  "FROM pg_tables, (SELECT ARRAY['accounts', 'app_users', 'subscriptions', "
                  "'invoices', 'invoice_lines', 'api_credentials', 'events', 'audit_log', "
                  "'page_views'] AS t) d WHERE schemaname = 'public' AND tablename = ANY (t)");
    if (PQresultStatus(r) == PGRES_TUPLES_OK && !PQgetisnull(r, 0, 0)) {
        err_set(e, ERR_DB, "%s: demo: the target already has the demo's tables (%s): use an "
                "empty database", masked, PQgetvalue(r, 0, 0));
        PQclear(r);
        goto out;
    }
    PQclear(r);
    r = PQexec(c, "BEGIN");
    PQclear(r);
    if (pg_run(c, production_schema_pg, masked, "cannot create the demo tables", e) < 0)
        goto out;
    sqlite3_open_v2(staged, &db, SQLITE_OPEN_READONLY, NULL);
    for (size_t i = 0; i < sizeof production_tables / sizeof *production_tables; i++)
        if (copy_table(c, db, production_tables[i], masked, e) < 0)
            goto out;
    if (pg_run(c, production_fks_pg, masked, "cannot add the demo's foreign keys", e) == 0)
        rc = pg_run(c, "COMMIT; ANALYZE", masked, "commit", e);
out:
    sqlite3_close(db);
    PQfinish(c);
    free(masked);
    return rc;
}

/* Both demo plans' sides (the target's URL is their one %s) and tables. */
#define DEMO_SIDES_AND_TABLES \
    "[source]\nurl   = sqlite:pilot.db\nlabel = Pilot\n\n" \
    "[target]\nurl   = %s\nlabel = Production\n\n" \
    "[table accounts]\ndecision = migrate\nowner    = alice\n\n" \
    "[table users]\ntarget    = app_users\nkey       = id\ndecision  = migrate\n" \
    "owner     = alice\nwatermark = created_at\nwhere     = deleted_at IS NULL\n\n" \
    "[table subscriptions]\ndecision = migrate\nowner    = bob\n\n" \
    "[table invoices]\ndecision = migrate\nowner    = bob\n\n" \
    "[table invoice_lines]\ndecision = migrate\nowner    = bob\n\n" \
    "[table api_keys]\ntarget   = api_credentials\ndecision = migrate\nowner    = dave\n\n" \
    "[table events]\ndecision = temporary\nexpires  = 2027-03-31\nowner    = erin\n\n" \
    "[table audit_log]\ndecision = retain          ; archived with the pilot, not moved\n" \
    "owner    = carol\n\n" \
    "[table page_views]\ndecision = delete\nowner    = erin\n\n" \
    "[table feature_flags]\ndecision = undecided\n\n"

static const char plan_text[] =
    "; The cutover demo: a Pilot SaaS database moving into Production.\n"
    "; Built by 'cutover demo'; edit it freely, it is yours now.\n\n"
    "[migration]\nname      = Pilot to Production\nmapping   = mapping.csv\n"
    "workspace = .cutover/state.db\n\n"
    DEMO_SIDES_AND_TABLES
    "[check active_subscriptions]\n"
    "source    = SELECT count(*) FROM subscriptions WHERE lower(status) = 'active'\n"
    "target    = SELECT count(*) FROM subscriptions WHERE state = 'active'\n"
    "tolerance = 0\nowner     = bob\n\n"
    "[check invoiced_total]\nsource    = SELECT round(sum(total), 2) FROM invoices\n"
    "target    = SELECT round(sum(total), 2) FROM invoices\ntolerance = 0.01%%\n"
    "owner     = bob\n\n"
    "[step freeze]\ntitle    = Freeze writes on the pilot\nowner    = alice\n"
    "run      = echo pilot is read-only now\nexpect   = 5m\ngate     = none\n"
    "rollback = echo pilot writes re-enabled\n\n"
    "[step copy]\ntitle    = Copy the data into Production\nowner    = dave\n"
    "run      = echo copying && sleep 2\nexpect   = 30m\ngate     = checks\n\n"
    "[step validate]\ntitle    = Validate Production against the pilot\nowner    = alice\n"
    "expect   = 15m\ngate     = diff\n\n"
    "[step open]\ntitle    = Open Production to customers\nowner    = carol\n"
    "expect   = 5m\ngate     = manual\n\n"
    "[rollback]\ntrigger.missing_rows = 1\ntrigger.error_rate   = 1%%\nauthority            = carol\n"
    "after                = copy        ; live triggers advise once Production is filled\n\n"
    "[hypercare]\nduration         = 72h\ninterval         = 30s\nalert.drift_rows = 0\n"
    "alert.lag        = 60s\nalert.latency    = 500ms\n";

/* The same migration moved in waves (waves.md): the tenants first, then their
 * users, subscriptions and invoices in two cohorts, the second with dual
 * writes; the rest in the implicit final wave. Its own workspace. */
static const char phased_text[] =
    "; The cutover demo, phased: the same Pilot moved into Production in waves.\n"
    "; Open it with 'cutover --plan phased.ini'; 'cutover --plan phased.ini waves' lists them.\n\n"
    "[migration]\nname      = Pilot to Production, phased\nmapping   = mapping.csv\n"
    "workspace = .cutover-phased/state.db\n\n"
    DEMO_SIDES_AND_TABLES
    "[wave reference]                    ; the tenants every cohort refers to\n"
    "tables = accounts\nowner  = alice\ngate   = diff\n\n"
    "[wave cohort-1]                     ; the first tenants, with their data\n"
    "tables = users, subscriptions, invoices\nwhere  = account_id <= 100\nowner  = bob\n"
    "gate   = diff\ntrigger.stray_writes = 1\n\n"
    "[wave cohort-2]                     ; the rest, with dual writes for a while\n"
    "tables = users, subscriptions, invoices\nwhere  = account_id > 100\ntruth  = both\n"
    "owner  = bob\ngate   = manual\ntrigger.drift_keys = 1\n\n"
    "[step freeze]\ntitle    = Freeze writes on the pilot's reference data\nowner    = alice\n"
    "run      = echo reference data is read-only now\nexpect   = 5m\n"
    "rollback = echo reference writes re-enabled\n\n"
    "[step copy-reference]\ntitle    = Copy the tenants\nowner    = dave\nwave     = reference\n"
    "run      = echo copying the tenants\nexpect   = 10m\ngate     = checks\n\n"
    "[step copy-cohort-1]\ntitle    = Copy the first cohort and switch it\nowner    = dave\n"
    "wave     = cohort-1\nrun      = echo copying cohort 1\nexpect   = 30m\ngate     = diff\n"
    "rollback = echo cohort 1 back on the pilot\n\n"
    "[step copy-cohort-2]\ntitle    = Copy the second cohort, dual writes on\nowner    = dave\n"
    "wave     = cohort-2\nrun      = echo copying cohort 2\nexpect   = 30m\ngate     = diff\n"
    "rollback = echo cohort 2 back on the pilot\n\n"
    "[step open]\ntitle    = Open Production to every tenant\nowner    = carol\n"
    "expect   = 5m\ngate     = manual\n\n"
    "[rollback]\ntrigger.missing_rows = 1\nauthority            = carol\n\n"
    "[hypercare]\nduration         = 72h\ninterval         = 30s\nalert.stray_writes = 1\n"
    "alert.drift_keys = 1\nalert.lag        = 60s\n";

/* source, target, transform, owner, rule, status, reviewer, reviewed_at, note */
static const char *const mapping_rows[][9] = {
    { "accounts.id", "accounts.account_id", "", "alice", "", "approved", "alice", "2026-11-02T09:12:00Z", "" },
    { "accounts.name", "accounts.name", "", "alice", "trim", "approved", "alice", "2026-11-02T09:12:00Z", "" },
    { "accounts.plan", "accounts.plan", "lower(coalesce(plan, 'free'))", "bob", "", "approved", "bob", "2026-11-03T14:30:00Z", "PRO and pro are one plan" },
    { "accounts.country", "accounts.country", "", "alice", "", "draft", "", "", "" },
    { "accounts.created", "accounts.created_at", "", "alice", "ts:s", "draft", "", "", "Pilot mixes three timestamp formats" },
    { "users.id", "app_users.user_id", "", "alice", "", "approved", "alice", "2026-11-02T09:15:00Z", "" },
    { "users.account_id", "app_users.account_id", "", "alice", "not_null", "approved", "alice", "2026-11-02T09:15:00Z", "" },
    { "users.email", "app_users.email", "lower(trim(email))", "alice", "regex:^[^@]+@[^@]+$", "approved", "alice", "2026-11-04T10:00:00Z", "duplicates differ only in case" },
    { "users.full_name", "app_users.display_name", "", "alice", "", "rejected", "carol", "2026-11-05T16:45:00Z", "display_name is varchar(80): \"long, non-ASCII names\" need a check" },
    { "users.status", "app_users.state", "CASE status WHEN 'A' THEN 'active' WHEN 'I' THEN 'inactive' WHEN 'X' THEN 'blocked' ELSE lower(status) END", "bob", "", "draft", "", "", "legacy code X means blocked" },
    { "users.created_at", "app_users.created_at", "", "alice", "ts:s", "draft", "", "", "" },
    { "users.deleted_at", "", "", "alice", "", "approved", "carol", "2026-11-05T16:50:00Z", "soft-deleted users are not migrated" },
    { "subscriptions.id", "subscriptions.subscription_id", "", "bob", "", "approved", "bob", "2026-11-03T14:31:00Z", "" },
    { "subscriptions.account_id", "subscriptions.account_id", "", "bob", "", "approved", "bob", "2026-11-03T14:31:00Z", "" },
    { "subscriptions.plan", "subscriptions.plan", "lower(plan)", "bob", "", "draft", "", "", "" },
    { "subscriptions.status", "subscriptions.state", "CASE lower(status) WHEN 'canceled' THEN 'cancelled' ELSE lower(status) END", "bob", "", "draft", "", "", "" },
    { "subscriptions.started_at", "subscriptions.started_at", "", "bob", "ts:s", "draft", "", "", "" },
    { "subscriptions.ends_at", "subscriptions.ends_at", "", "bob", "ts:s", "draft", "", "", "" },
    { "subscriptions.monthly_price", "subscriptions.monthly_price", "", "bob", "round:2", "draft", "", "", "a few prices have three decimals" },
    { "invoices.id", "invoices.invoice_id", "", "bob", "", "approved", "bob", "2026-11-03T15:00:00Z", "" },
    { "invoices.account_id", "invoices.account_id", "", "bob", "", "approved", "bob", "2026-11-03T15:00:00Z", "" },
    { "invoices.number", "invoices.invoice_number", "", "bob", "unique", "approved", "bob", "2026-11-03T15:00:00Z", "" },
    { "invoices.issued_at", "invoices.issued_at", "", "bob", "ts:s", "draft", "", "", "" },
    { "invoices.total", "invoices.total", "", "bob", "tolerance:0.01", "draft", "", "", "" },
    { "invoices.currency", "invoices.currency", "upper(currency)", "bob", "", "draft", "", "", "" },
    { "invoice_lines.invoice_id", "invoice_lines.invoice_id", "", "bob", "", "draft", "", "", "" },
    { "invoice_lines.line_no", "invoice_lines.line_no", "", "bob", "", "draft", "", "", "" },
    { "invoice_lines.description", "invoice_lines.description", "", "bob", "", "draft", "", "", "" },
    { "invoice_lines.quantity", "invoice_lines.quantity", "", "bob", "", "draft", "", "", "" },
    { "invoice_lines.unit_price", "invoice_lines.unit_price", "", "bob", "round:2", "draft", "", "", "" },
    { "api_keys.id", "api_credentials.credential_id", "", "dave", "", "draft", "", "", "" },
    { "api_keys.user_id", "api_credentials.user_id", "", "dave", "", "draft", "", "", "" },
    { "api_keys.token_hash", "api_credentials.token_hash", "", "dave", "", "draft", "", "", "" },
    { "api_keys.label", "api_credentials.label", "", "dave", "", "draft", "", "", "" },
    { "api_keys.created_at", "api_credentials.created_at", "", "dave", "ts:s", "draft", "", "", "" },
    { "api_keys.revoked", "api_credentials.revoked", "", "dave", "", "draft", "", "", "" },
    { "events.id", "events.event_id", "", "erin", "", "draft", "", "", "" },
    { "events.account_id", "events.account_id", "", "erin", "", "draft", "", "", "" },
    { "events.user_id", "events.user_id", "", "erin", "", "draft", "", "", "" },
    { "events.kind", "events.kind", "", "erin", "", "draft", "", "", "" },
    { "events.payload", "events.payload", "", "erin", "", "draft", "", "", "" },
    { "events.at", "events.occurred_at", "", "erin", "ts:s", "draft", "", "", "" },
};

/* The sheet as a spreadsheet would export it: CRLF line ends. */
static int write_mapping(const char *path, struct err *e)
{
    struct sheet sh;
    int rc;

    sheet_init(&sh, path);
    sh.eol = "\r\n";
    for (size_t r = 0; r < sizeof mapping_rows / sizeof *mapping_rows; r++) {
        size_t row = sheet_add(&sh);
        for (int c = 0; c < SC_NKNOWN; c++)
            sheet_set(&sh, row, (enum sheet_col)c, mapping_rows[r][c]);
    }
    rc = sheet_save(&sh, e);
    sheet_free(&sh);
    return rc;
}

int demo_build(const char *dir, const char *target_url, struct err *e)
{
    char *pilot = xasprintf("%s/pilot.db", dir);
    char *prod = xasprintf(target_url ? "%s/.production-staging.db" : "%s/production.db", dir);
    char *plan = xasprintf("%s/cutover.ini", dir), *map = xasprintf("%s/mapping.csv", dir);
    char *phased = xasprintf("%s/phased.ini", dir);
    char *text = NULL, *ptext = NULL;
    int rc = -1;

    if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
        err_set(e, ERR_INPUT, "%s: cannot create the demo directory: %s", dir, strerror(errno));
        goto out;
    }
    if (target_url) {
        struct url u;
        if (url_parse(target_url, NULL, &u, e) < 0)
            goto out;
        if (u.kind != URL_PG) {
            url_free(&u);
            err_set(e, ERR_INPUT, "--target %s: the demo's --target is a PostgreSQL URL", target_url);
            goto out;
        }
        url_free(&u);
    }
    if (build_pilot(pilot, e) < 0 || build_production(prod, pilot, e) < 0)
        goto out;
    if (target_url) {
        int lrc = load_pg(target_url, prod, e);
        unlink(prod);
        if (lrc < 0)
            goto out;
    }
    {
        char *turl = target_url ? url_strip_password(target_url) : xstrdup("sqlite:production.db");
        text = xasprintf(plan_text, turl);
        ptext = xasprintf(phased_text, turl);
        free(turl);
    }
    if (file_write_atomic(plan, text, strlen(text), e) < 0 ||
        file_write_atomic(phased, ptext, strlen(ptext), e) < 0)
        goto out;
    if (write_mapping(map, e) < 0)
        goto out;
    rc = 0;
out:
    free(pilot), free(prod), free(plan), free(map), free(text), free(phased), free(ptext);
    return rc;
}
