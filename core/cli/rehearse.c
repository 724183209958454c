/* cli/rehearse: cutover diff and cutover runs. */
#include "config.h"
#include "cli.h"
#include "cli_int.h"
#include "triage.h"
#include "rehearsal.h"
#include "waves.h"
#include "util.h"

#include <string.h>

/* --- diff and runs ----------------------------------------------------------- */

struct diff_cli {
    const char **tables;
    size_t ntables;
    int json, ndjson;
    long sample;
    int structure_only;
    const char *wave;
    enum diff_strategy strategy;
};

static int diff_opt(int opt, const char *arg, void *ctx)
{
    struct diff_cli *o = ctx;
    char *end;

    switch (opt) {
    case OPT_JSON: o->json = 1; break;
    case OPT_NDJSON: o->ndjson = 1; break;
    case OPT_TABLE:
        o->tables = cli_append(o->tables, o->ntables++, arg);
        break;
    case OPT_STRUCTURE_ONLY: o->structure_only = 1; break;
    case OPT_WAVE: o->wave = arg; break;
    case OPT_STRATEGY: {
        static const char *const names[] = { "auto", "full", "probe", "bisect" };
        size_t k = 0;
        while (k < 4 && strcmp(names[k], arg))
            k++;
        if (k == 4)
            return cli_usage("diff", "--strategy '%s': expected auto, full, probe or bisect",
                             arg);
        o->strategy = (enum diff_strategy)k;
        break;
    }
    case OPT_SAMPLE:
        o->sample = strtol(arg, &end, 10);
        if (*end || o->sample < 0)
            return cli_usage("diff", "--sample '%s': expected a number of rows", arg);
        break;
    }
    return 0;
}

struct diff_run {
    struct diff_cli o;
    const char *slice[2];       /* --wave: its slice on each side … */
    int wave_narrowed;          /* … and --table named some of its tables */
    struct reh *reh;
    uv_signal_t sig[3];         /* SIGINT, SIGTERM, SIGHUP: cancel the run */
    FILE *listed;               /* the discrepancies to list (--json: indented as the
                                 * document wants them; text: a line each) in an unlinked
                                 * temporary file: memory stays flat however many */
    char table[256];            /* the table the per-table count is for */
    long in_table;
    long table_at;              /* where its discrepancies begin in `listed` */
    int tty;
};

static void on_disc(void *arg, const struct diff_disc *d, json_t *o, int accepted)
{
    struct diff_run *r = arg;
    long limit = r->o.sample >= 0 ? r->o.sample : (r->o.json || r->o.ndjson ? LONG_MAX : 10);

    (void)accepted;
    if (strcmp(r->table, d->table) != 0) {
        snprintf(r->table, sizeof r->table, "%s", d->table);
        r->in_table = 0;
        r->table_at = r->listed ? ftell(r->listed) : 0;
    }
    /* a structural finding, one per constraint or column, is always listed */
    if (!d->detail && r->in_table++ >= limit)
        return;
    jsonx_dumpf(o, r->o.ndjson ? stdout : r->listed,
               r->o.json ? JSON_INDENT(2) : JSON_COMPACT);
    fputc('\n', r->o.ndjson ? stdout : r->listed);
}

/* --json: the summary with its "discrepancies" array copied from the spool,
 * four spaces deeper, as json_dumpf would write it. A line starting with
 * '{' begins a discrepancy (nested braces are indented). */
static void print_json_listed(json_t *summary, FILE *listed)
{
    char *head = jsonx_dumps(summary, JSON_INDENT(2)), *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int first = 1;

    fwrite(head, 1, strlen(head) - 2, stdout);  /* all but the closing "\n}" */
    fputs(",\n  \"discrepancies\": [", stdout);
    rewind(listed);
    while ((n = getline(&line, &cap, listed)) > 0) {
        fputs(line[0] != '{' ? "\n    " : first ? "\n    " : ",\n    ", stdout);
        fwrite(line, 1, (size_t)n - (line[n - 1] == '\n'), stdout);
        first = 0;
    }
    fputs(first ? "]\n}\n" : "\n  ]\n}\n", stdout);
    free(line);
    free(head);
}

/* A table that failed, or that the run stopped in: what it listed is void
 * (NDJSON has printed it; its summary says the table failed or the run did). */
static void unlist_table(struct diff_run *r)
{
    if (r->table[0] && r->listed && r->table_at >= 0 && fflush(r->listed) == 0 &&
        ftruncate(fileno(r->listed), r->table_at) == 0)
        fseek(r->listed, r->table_at, SEEK_SET);
    r->table[0] = '\0';
}

static void on_table_done(void *arg, const struct diff_table *t)
{
    struct diff_run *r = arg;

    if (t->error && !strcmp(r->table, t->table))
        unlist_table(r);
    r->table[0] = '\0';
}

static void on_progress(void *arg, const struct diff_table *t)
{
    struct diff_run *r = arg;
    char buf[256];

    if (r->tty)
        fprintf(stderr, "\r%-76s", reh_progress(t, buf, sizeof buf));
}

static void close_signals(struct diff_run *r)
{
    for (int i = 0; i < 3; i++)
        uv_close((uv_handle_t *)&r->sig[i], NULL);
}

static void on_run_done(void *arg, struct reh *reh)
{
    struct diff_run *r = arg;

    (void)reh;
    unlist_table(r);  /* listed for a table the run did not finish */
    if (r->tty)
        fprintf(stderr, "\r%-76s\r", "");
    close_signals(r);  /* (the run has closed its connections) */
}

/* The signals that end diff and watch cleanly: Ctrl-C, a CI job's timeout
 * or systemd (SIGTERM), a lost terminal (SIGHUP). */

/* A stop signal cancels the run, recorded so. */
static void on_signal(uv_signal_t *h, int signum)
{
    struct diff_run *r = h->data;

    fprintf(stderr, "\ncutover: %s: cancelling the run…\n", cli_signal_name(signum));
    reh_cancel(r->reh);
}

/* A JSON value as a person reads it in a line ("a@x.io" quoted, 12 not). */
static void print_value(const json_t *v)
{
    char *t = jsonx_dumps(v ? v : json_null(), JSON_ENCODE_ANY);

    fputs(t, stdout);
    free(t);
}

/* One listed discrepancy, for a person:
 * users → app_users  id=42  changed  email: "A@x.io" → "a@x.io" */
static void print_discrepancy(const char *line, ssize_t n)
{
    json_t *d = json_loadb(line, (size_t)n, 0, NULL), *v;
    const char *name, *tt;
    size_t i;
    int k = 0;

    if (d && !strcmp(jtext(d, "type"), "structure")) {
        /* users → app_users  orphan  15 rows of app_users point … */
        tt = jtext(d, "target_table");
        printf("%s%s%s  %s  %s", jtext(d, "table"), strcmp(tt, jtext(d, "table")) ? " → " : "",
               strcmp(tt, jtext(d, "table")) ? tt : "", jtext(d, "check"), jtext(d, "message"));
        json_array_foreach(json_object_get(d, "sample"), i, v) {
            json_t *x;
            printf("%s", i ? ", " : "; e.g. ");
            k = 0;
            json_object_foreach(v, name, x) {
                printf("%s%s=", k++ ? "," : "", name);
                print_value(x);
            }
        }
        putchar('\n');
        json_decref(d);
        return;
    }
    if (!d || strcmp(jtext(d, "type"), "discrepancy")) {
        printf("%.*s", (int)n, line);
        json_decref(d);
        return;
    }
    tt = jtext(d, "target_table");
    printf("%s%s%s ", jtext(d, "table"), *tt && strcmp(tt, jtext(d, "table")) ? " → " : "",
           *tt && strcmp(tt, jtext(d, "table")) ? tt : "");
    json_object_foreach(json_object_get(d, "key"), name, v) {
        printf("%s%s=", k++ ? "," : " ", name);
        print_value(v);
    }
    printf("  %s", jtext(d, "kind"));
    json_array_foreach(json_object_get(d, "fields"), i, v) {
        const char *src = jtext(v, "source"), *tgt = jtext(v, "target");
        printf("%s %s%s%s: ", i ? ";" : " ", src, strcmp(src, tgt) ? " → " : "",
               strcmp(src, tgt) ? tgt : "");
        print_value(json_object_get(v, "source_value"));
        printf(" → ");
        print_value(json_object_get(v, "target_value"));
    }
    putchar('\n');
    json_decref(d);
}

static void print_summary(json_t *s, FILE *listed)
{
    json_t *v, *prev = json_object_get(s, "previous");
    size_t i, cap = 0;
    char d1[32], d2[32], totals[256], *line = NULL;
    ssize_t n;

    printf("run %lld: %s in %s\n\n", jint(s, "run"), jstr(s, "status"),
           dur_format(jint(s, "duration_ms"), d1, sizeof d1));
    if (!json_array_size(json_object_get(s, "tables")))
        printf("no table was compared to its end\n");  /* a run that stopped in its first */
    else
        printf("%-24s %-24s %10s %10s %8s %8s %8s  %s\n", "SOURCE", "TARGET", "SRC ROWS",
               "TGT ROWS", "MISSING", "EXTRA", "CHANGED", "STATUS");
    json_array_foreach(json_object_get(s, "tables"), i, v) {
        char invalid[96] = "", rows[2][24];
        if (jint(v, "invalid"))
            snprintf(invalid, sizeof invalid, " (%lld invalid)", jint(v, "invalid"));
        else if (jint(v, "findings") || jint(v, "structure")) {
            char words[80];
            snprintf(invalid, sizeof invalid, " (%s)", reh_findings_words(jint(v, "findings"),
                     jint(v, "structure"), words, sizeof words));
        }
        for (int w = 0; w < 2; w++) {  /* null: not read (a table not validated) */
            json_t *count = json_object_get(v, w ? "target_rows" : "source_rows");
            snprintf(rows[w], sizeof rows[w], json_is_integer(count) ? "%lld" : "-",
                     (long long)json_integer_value(count));
        }
        printf("%-24s %-24s %10s %10s %8lld %8lld %8lld  %s%s%s%s\n", jstr(v, "table"),
               jstr(v, "target_table"), rows[0], rows[1],
               jint(v, "missing"), jint(v, "extra"), jint(v, "changed"), jstr(v, "status"),
               invalid, jstr(v, "error") ? ": " : "", jtext(v, "error"));
    }
    json_array_foreach(json_object_get(s, "tables"), i, v) {  /* what bisection spared */
        const json_t *bis = json_object_get(v, "bisect");
        const json_t *rx = json_object_get(v, "received");
        if (bis)
            printf("%s: bisected, %lld key ranges compared by checksum on the servers; the "
                   "probe read %lld source and %lld target rows; %lld and %lld bytes "
                   "received\n", jstr(v, "table"), jint(bis, "ranges"),
                   jint(bis, "source_rows_probed"), jint(bis, "target_rows_probed"),
                   jint(rx, "source"), jint(rx, "target"));
    }
    json_array_foreach(json_object_get(s, "checks"), i, v) {
        char *a = jsonx_dumps(json_object_get(v, "source"), JSON_ENCODE_ANY);
        char *b = jsonx_dumps(json_object_get(v, "target"), JSON_ENCODE_ANY);
        printf("check %-20s source %s, target %s: %s%s%s\n", jstr(v, "name"), a, b,
               jstr(v, "status"), jstr(v, "error") ? ": " : "", jtext(v, "error"));
        free(a);
        free(b);
    }
    printf("\n%s", reh_totals(s, totals, sizeof totals));
    if (jint(s, "accepted"))
        printf(" (%lld accepted variances)", jint(s, "accepted"));
    printf("\n");
    if (prev && json_array_size(json_object_get(s, "tables")))
        printf("vs run %lld: %lld new, %lld fixed, %lld still open; %s -> %s\n",
               jint(prev, "run"), jint(prev, "new"), jint(prev, "fixed"),
               jint(prev, "still_open"), dur_format(jint(prev, "duration_ms"), d1, sizeof d1),
               dur_format(jint(s, "duration_ms"), d2, sizeof d2));
    rewind(listed);
    for (i = 0; (n = getline(&line, &cap, listed)) > 0; i++) {
        if (!i)
            putchar('\n');
        print_discrepancy(line, n);
    }
    free(line);
}

/* --wave NAME: its tables (those --table names must be among them), its
 * slice; --wave "(rest)": the tables no wave names, whole. */
static int wave_tables(const struct plan *p, struct diff_run *r, struct err *e)
{
    struct diff_cli *o = &r->o;
    const struct plan_wave *w = plan_wave_find(p, o->wave);
    const char **names = NULL;
    size_t n = 0;
    int rc = 0;

    if (w)
        names = (const char **)w->tables, n = w->ntables;
    else if (p->nwaves && !strcmp(o->wave, WAVES_REST))
        n = waves_rest(p, &names);
    else
        return err_set(e, ERR_INPUT, "--wave %s: %s has no [wave %s] ('cutover waves' lists "
                       "them)", o->wave, p->path, o->wave);
    for (size_t i = 0; i < o->ntables && !rc; i++) {
        size_t k = 0;
        while (k < n && strcmp(names[k], o->tables[i]))
            k++;
        if (k == n)
            rc = err_set(e, ERR_INPUT, "--table %s: not a table of %s%s%s", o->tables[i],
                         w ? "[wave " : "the implicit wave ", o->wave, w ? "]" : "");
    }
    r->wave_narrowed = o->ntables && o->ntables < n;
    if (!o->ntables && !rc)
        for (size_t k = 0; k < n; k++)
            o->tables = cli_append(o->tables, o->ntables++, names[k]);
    if (w) {
        r->slice[0] = w->where;
        r->slice[1] = w->target_where ? w->target_where : w->where;
    } else {
        free(names);
        if (!n && !rc)
            rc = err_set(e, ERR_INPUT, "--wave %s: every table moving is in a [wave]",
                         WAVES_REST);
    }
    return rc;
}

int cli_cmd_diff(struct cli *c, int argc, char **argv)
{
    static const struct option lo[] = {
        { "json", no_argument, NULL, OPT_JSON }, { "ndjson", no_argument, NULL, OPT_NDJSON },
        { "table", required_argument, NULL, OPT_TABLE },
        { "sample", required_argument, NULL, OPT_SAMPLE },
        { "structure-only", no_argument, NULL, OPT_STRUCTURE_ONLY },
        { "wave", required_argument, NULL, OPT_WAVE },
        { "strategy", required_argument, NULL, OPT_STRATEGY },
        { "help", no_argument, NULL, OPT_HELP }, { 0 } };
    struct diff_run r = { .o = { .sample = -1 } };
    struct reh_events ev = { .discrepancy = on_disc, .progress = on_progress,
                             .table_done = on_table_done, .done = on_run_done, .arg = &r };
    struct err e = { 0 };
    struct loaded l;
    uv_loop_t loop;
    ws_t *ws = NULL;
    json_t *summary;
    const char *msg;
    char *wspath;
    int rc = cli_parse_opts("diff", argc, argv, lo, diff_opt, &r.o);

    /* libuv's pool, before its first job: a SQLite side runs one job at a time,
     * so two threads serve the two sides; the default four hand each side's
     * batches from thread to thread, which slows a SQLite pair measurably
     * (make bench). A value the user set stands. */
    setenv("UV_THREADPOOL_SIZE", "2", 0);
    if (rc || optind < argc || (r.o.json && r.o.ndjson)) {
        free(r.o.tables);
        return rc < 0 ? cli_help("diff") : rc ? rc
             : optind < argc ? cli_usage("diff", "unexpected argument '%s'", argv[optind])
             : cli_usage("diff", "--json and --ndjson: choose one");
    }
    if (cli_load(c->plan_path, &cli_counts_cheap, &l, &e) < 0) {
        free(r.o.tables);
        return cli_fail(&e);
    }
    if (r.o.wave && wave_tables(l.plan, &r, &e) < 0) {
        cli_loaded_free(&l);
        free(r.o.tables);
        return cli_fail(&e);
    }
    wspath = plan_path(l.plan, l.plan->workspace);
    ws = ws_open(wspath, &e);
    free(wspath);
    if (!r.o.ndjson && !(r.listed = tmpfile())) {
        err_set(&e, ERR_INPUT, "cannot create a temporary file for the discrepancies (in "
                "$TMPDIR or /tmp): %s", strerror(errno));
        rc = cli_fail(&e);
        goto out;
    }
    uv_loop_init(&loop);
    r.tty = isatty(STDERR_FILENO);
    cli_catch_signals(&loop, r.sig, on_signal, &r);
    if (!ws || !(r.reh = reh_open(&loop, ws, l.plan, &l.pp, l.masked[0], l.masked[1],
                                  &(struct diff_opts){ .tables = r.o.tables,
                                                       .ntables = r.o.ntables,
                                                       .structure_only = r.o.structure_only,
                                                       .wave = r.o.wave,
                                                       .ntables_given = r.wave_narrowed,
                                                       .slice = { r.slice[0], r.slice[1] },
                                                       .strategy = r.o.strategy },
                                  &ev, &e))) {
        close_signals(&r);
        uv_run(&loop, UV_RUN_DEFAULT);
        uv_loop_close(&loop);
        rc = cli_fail(&e);
        goto out;
    }
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    summary = reh_summary(r.reh);
    if (r.o.ndjson) {
        jsonx_dumpf(summary, stdout, JSON_COMPACT);
        fputc('\n', stdout);
    } else if (r.o.json) {
        print_json_listed(summary, r.listed);
    } else {
        print_summary(summary, r.listed);
    }
    if (r.listed && ferror(r.listed))  /* the counts are right; the list is short */
        fprintf(stderr, "cutover: warning: some discrepancies could not be listed: the "
                "temporary file (in $TMPDIR or /tmp) could not be written\n");
    json_decref(summary);
    rc = reh_exit(r.reh, &msg);
    if (*msg) {  /* the run failed */
        err_set(&e, ERR_DB, "%s", msg);
        cli_fail(&e);
    } else if (rc == ERR_INPUT || rc == ERR_DB) {
        fprintf(stderr, "cutover: %s: %s\n", rc == ERR_DB ? "a database refused a table's or a "
                "check's query" : "a table or check could not be compared as the plan and sheet "
                "say", "its error is in the output");
    }
    if (reh_unrecorded(r.reh)) {  /* the output is whole; the workspace's record is not */
        fprintf(stderr, "cutover: run %ld is recorded incomplete: %s\n", reh_run(r.reh),
                reh_unrecorded(r.reh));
        if (rc != ERR_DB)
            rc = ERR_INPUT;
    }
out:
    if (r.listed)
        fclose(r.listed);
    reh_free(r.reh);
    ws_close(ws);
    cli_loaded_free(&l);
    free(r.o.tables);
    return rc;
}

/* The plan's workspace, for the commands that only read it. */
ws_t *cli_workspace(struct cli *c, struct err *e)
{
    struct plan *p = plan_load(c->plan_path, e);
    char *path;
    ws_t *ws;

    if (!p)
        return NULL;
    path = plan_path(p, p->workspace);
    ws = ws_open(path, e);
    free(path);
    plan_free(p);
    return ws;
}

int cli_cmd_runs(struct cli *c, int argc, char **argv)
{
    static const struct option lo[] = {
        { "json", no_argument, NULL, OPT_JSON }, { "help", no_argument, NULL, OPT_HELP }, { 0 } };
    struct cli_json_opts o = { 0 };
    struct err e = { 0 };
    ws_t *ws;
    json_t *runs;
    int rc = cli_parse_opts("runs", argc, argv, lo, cli_json_opt, &o);

    if (rc || optind < argc)
        return rc < 0 ? cli_help("runs") : rc ? rc
             : cli_usage("runs", "unexpected argument '%s'", argv[optind]);
    if (!(ws = cli_workspace(c, &e)))
        return cli_fail(&e);
    runs = ws_runs_json(ws);
    if (o.json) {
        cli_print_json(runs);
    } else {
        size_t i;
        json_t *v;
        char d[32];
        char checks[48];
        printf("%-5s %-10s %-11s %-24s %10s %8s %8s %8s %8s %7s  %-14s %s\n", "RUN", "KIND",
               "STATUS", "STARTED", "DURATION", "MISSING", "EXTRA", "CHANGED", "OPEN", "ERRORS",
               "CHECKS", "RESULT");
        json_array_foreach(runs, i, v) {
            if (!jint(v, "checks"))
                snprintf(checks, sizeof checks, "-");
            else if (jint(v, "failed_checks"))
                snprintf(checks, sizeof checks, "%lld of %lld failed", jint(v, "failed_checks"),
                         jint(v, "checks"));
            else
                snprintf(checks, sizeof checks, "%lld passed", jint(v, "checks"));
            printf("%-5lld %-10s %-11s %-24s %10s %8lld %8lld %8lld %8lld %7lld  %-14s %s%s%s\n",
                   jint(v, "run"), jstr(v, "kind"), jstr(v, "status"), jstr(v, "started_at"),
                   dur_format(jint(v, "duration_ms"), d, sizeof d), jint(v, "missing"),
                   jint(v, "extra"), jint(v, "changed"), jint(v, "open"), jint(v, "errors"),
                   checks, jstr(v, "result") ? jstr(v, "result") : "-",
                   jstr(v, "note") ? "  " : "", jtext(v, "note"));
        }
        json_decref(runs);
    }
    ws_close(ws);
    return 0;
}

/* --- cutover discrepancies ------------------------------------------------------------ */

struct disc_opts {
    struct triage_sel sel;
    const char **tables;
    long run;
    int all;
};

static int disc_opt(int opt, const char *arg, void *ctx)
{
    struct disc_opts *o = ctx;
    char *end;

    switch (opt) {
    case OPT_TABLE:
        o->sel.tables = o->tables = cli_append(o->tables, (size_t)o->sel.ntables++, arg);
        break;
    case OPT_KIND: o->sel.kind = arg; break;
    case OPT_FIELD: o->sel.field = arg; break;
    case OPT_KEY: o->sel.key = arg; break;
    case OPT_ALL: o->all = 1; break;
    case OPT_RUN:
        o->run = strtol(arg, &end, 10);
        if (*end || end == arg || o->run < 1)
            return cli_usage("discrepancies", "--run '%s': a run's number ('cutover runs')", arg);
        break;
    }
    return 0;
}

/* The latest run of the workspace, or 0. */
static long latest_run(ws_t *ws)
{
    struct ws_run_rec *runs;
    long n = ws_runs_read(ws, NULL, &runs), run = n > 0 ? runs[n - 1].run : 0;

    ws_runs_free(runs, n > 0 ? n : 0);
    return run;
}

/* classify CLASS | assign OWNER | decide NOTE: the discrepancies of a run
 * the options select, each changed and audited as the Rehearsal panel's c,
 * o and e do (triage_apply). */
static int discrepancies(struct cli *c, const char *verb, const char *value, struct disc_opts *o)
{
    struct triage_set set = { 0 };
    struct ws_disc_rec *d = NULL;
    struct err e = { 0 };
    long n, done = 0, of = 0;
    char *what = NULL;
    ws_t *ws;
    int rc = 0;

    if (!strcmp(verb, "classify"))
        set.klass = value;
    else if (!strcmp(verb, "assign"))
        set.owner = value;
    else
        set.note = value;
    if (set.klass && !ws_class_valid(set.klass))
        return cli_usage("discrepancies", "class '%s': expected mapping_defect, "
                         "transformation_bug, source_data_problem, sync_lag, test_harness_error "
                         "or accepted_variance", set.klass);
    if (!(ws = cli_workspace(c, &e)))
        return cli_fail(&e);
    if (!o->run && !(o->run = latest_run(ws))) {
        ws_close(ws);
        err_set(&e, ERR_INPUT, "no run is recorded yet: 'cutover diff' makes one");
        return cli_fail(&e);
    }
    if ((n = ws_discs_read(ws, o->run, NULL, -1, &d)) < 0) {
        ws_close(ws);
        err_set(&e, ERR_INPUT, "run %ld: its discrepancies cannot be read", o->run);
        return cli_fail(&e);
    }
    for (long i = 0; i < n && rc == 0; i++) {
        if (!triage_selected(&d[i], &o->sel))
            continue;
        of++;
        free(what);
        if ((rc = triage_apply(ws, o->run, &d[i], &set, &what, &e)) == 0) {
            printf("%s %s %s: %s\n", d[i].table, d[i].kind, d[i].key_text, what);
            done++;
        }
    }
    printf("%ld of %ld discrepancies of run %ld changed%s\n", done, of, o->run,
           done ? ", each in the audit log" : "");
    free(what);
    ws_discs_free(d, n);
    ws_close(ws);
    return rc < 0 ? cli_fail(&e) : 0;
}

int cli_cmd_discrepancies(struct cli *c, int argc, char **argv)
{
    static const struct option lo[] = {
        { "run", required_argument, NULL, OPT_RUN }, { "table", required_argument, NULL, OPT_TABLE },
        { "kind", required_argument, NULL, OPT_KIND }, { "field", required_argument, NULL, OPT_FIELD },
        { "key", required_argument, NULL, OPT_KEY }, { "all", no_argument, NULL, OPT_ALL },
        { "help", no_argument, NULL, OPT_HELP }, { 0 } };
    struct disc_opts o = { 0 };
    const char *verb;
    int rc = cli_parse_opts("discrepancies", argc, argv, lo, disc_opt, &o);

    if (rc) {
        free(o.tables);
        return rc < 0 ? cli_help("discrepancies") : rc;
    }
    verb = optind < argc ? argv[optind] : "";
    if (strcmp(verb, "classify") && strcmp(verb, "assign") && strcmp(verb, "decide"))
        rc = cli_usage("discrepancies", "%s%s%s", *verb ? "'" : "", verb,
                       *verb ? "': expected classify CLASS, assign OWNER or decide NOTE"
                             : "which one: classify CLASS, assign OWNER or decide NOTE?");
    else if (optind + 2 != argc || !*argv[optind + 1])
        rc = cli_usage("discrepancies", "%s: expected one %s%s%s", verb,
                       verb[0] == 'c' ? "CLASS" : verb[0] == 'a' ? "OWNER" : "NOTE",
                       optind + 2 < argc ? ", then '" : "", optind + 2 < argc ? argv[optind + 2]
                                                                              : "");
    else if (!o.all && !o.sel.ntables && !o.sel.kind && !o.sel.field && !o.sel.key)
        rc = cli_usage("discrepancies", "%s: which ones? --table T, --kind K, --field F, --key K "
                       "or --all", verb);
    else
        rc = discrepancies(c, verb, argv[optind + 1], &o);
    free(o.tables);
    return rc;
}
