/* cli/common: what the commands start from: the plan and both catalogs read on a
 * private loop (a stop signal cancels their queries), the workspace, JSON out. */
#include "config.h"
#include "cli.h"
#include "cli_int.h"
#include "util.h"

#include <string.h>

/* --- loading both catalogs --------------------------------------------------- */

static const int stop_signals[3] = { SIGINT, SIGTERM, SIGHUP };

const char *cli_signal_name(int signum)
{
    return signum == SIGINT ? "SIGINT" : signum == SIGTERM ? "SIGTERM" : "SIGHUP";
}

void cli_catch_signals(uv_loop_t *loop, uv_signal_t sig[3], uv_signal_cb cb, void *data)
{
    for (int i = 0; i < 3; i++) {
        uv_signal_init(loop, &sig[i]);
        sig[i].data = data;
        uv_signal_start(&sig[i], cb, stop_signals[i]);
    }
}

/* Closes the loop's signal handles (uv_loop_close needs them closed). */
void cli_release_signals(uv_signal_t sig[3])
{
    for (int i = 0; i < 3; i++)
        uv_close((uv_handle_t *)&sig[i], NULL);
}

struct side {
    struct catalog *cat;
    db_t *db;
    int status;
    char msg[1400];
    int *stopped;       /* the signal that stopped the load, shared by both sides */
};

/* A stop signal while the catalogs load: both connections closed, which
 * cancels their queries on the servers (one blocked by a lock would wait
 * there until its statement_timeout, and hold up the queries behind it). */
static void on_load_signal(uv_signal_t *h, int signum)
{
    struct side *sides = h->data;

    *sides[0].stopped = signum;
    for (int i = 0; i < 2; i++) {
        db_close(sides[i].db);
        sides[i].db = NULL;
    }
}

static void on_catalog(struct catalog *cat, int status, const char *msg, void *arg)
{
    struct side *s = arg;

    s->cat = cat;
    s->status = status;
    snprintf(s->msg, sizeof s->msg, "%s", msg ? msg : "");
    db_close(s->db);
    s->db = NULL;
}

/* Reads both catalogs concurrently on a private loop (the commands here are
 * headless; the dashboard drives cat_load() from its own loop). */
int cli_load_catalogs(const char *urls[2], const char *base_dir, const int lines[2],
                         const char *plan_path, const struct cat_opts *co,
                         struct catalog *out[2], struct err *e)
{
    struct side sides[2] = { 0 };
    uv_signal_t sig[3];
    uv_loop_t loop;
    int rc = 0, stopped = 0;

    uv_loop_init(&loop);
    cli_catch_signals(&loop, sig, on_load_signal, sides);
    for (int i = 0; i < 2; i++) {
        sides[i].stopped = &stopped;
        struct err ue = { 0 };
        if (db_open(&loop, urls[i], base_dir, NULL, &sides[i].db, &ue) < 0) {
            if (plan_path)
                err_set(e, ERR_INPUT, "%s:%d: [%s] url: %s", plan_path, lines[i], plan_side_name(i), ue.msg);
            else
                err_set(e, ERR_INPUT, "--%s: %s", plan_side_name(i), ue.msg);
            rc = -1;
            break;
        }
        cat_load(sides[i].db, co, on_catalog, &sides[i]);
    }
    if (rc < 0)
        for (int i = 0; i < 2; i++) {
            db_close(sides[i].db);
            sides[i].db = NULL;
        }
    while ((sides[0].db || sides[1].db) && uv_run(&loop, UV_RUN_ONCE))
        ;  /* until both are closed (or never opened); then the signals' handles go */
    cli_release_signals(sig);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    if (stopped) {  /* the queries are cancelled on the servers: now die of the signal */
        fprintf(stderr, "cutover: %s: stopped while reading the catalogs\n",
                cli_signal_name(stopped));
        for (int i = 0; i < 2; i++)
            cat_free(sides[i].cat);
        signal(stopped, SIG_DFL);
        raise(stopped);
        exit(128 + stopped);
    }
    for (int i = 0; i < 2 && rc == 0; i++)
        if (sides[i].status)
            rc = err_set(e, ERR_DB, "%s", sides[i].msg);
    for (int i = 0; i < 2; i++) {
        if (rc < 0) {
            cat_free(sides[i].cat);
            sides[i].cat = NULL;
        }
        out[i] = sides[i].cat;
    }
    return rc;
}


void cli_loaded_free(struct loaded *l)
{
    pair_free(&l->pp);
    cat_free(l->cats[0]);
    cat_free(l->cats[1]);
    free(l->masked[0]);
    free(l->masked[1]);
    plan_free(l->plan);
    memset(l, 0, sizeof *l);
}


int cli_load(const char *path, const struct cat_opts *co, struct loaded *l,
                                  struct err *e)
{
    memset(l, 0, sizeof *l);
    if (!(l->plan = plan_load(path, e)))
        return -1;
    l->masked[0] = url_mask(l->plan->source.url);
    l->masked[1] = url_mask(l->plan->target.url);
    if (cli_load_catalogs((const char *[]){ l->plan->source.url, l->plan->target.url }, l->plan->dir,
                      (const int[]){ l->plan->source.line, l->plan->target.line }, l->plan->path,
                      co, l->cats, e) < 0 ||
        pair_tables(l->plan, l->cats[0], l->cats[1], l->masked[0], l->masked[1], &l->pp, e) < 0) {
        cli_loaded_free(l);
        return -1;
    }
    return 0;
}

void cli_print_json(json_t *doc)
{
    jsonx_dumpf(doc, stdout, JSON_INDENT(2));
    fputc('\n', stdout);
    json_decref(doc);
}

const struct cat_opts cli_counts_exact = { .count_rows = 1 };
const struct cat_opts cli_counts_cheap = { .count_rows = 1, .estimate_first = 1 };
const struct cat_opts cli_counts_none = { 0 };

const char **cli_append(const char **list, size_t n, const char *arg)
{
    list = xrealloc(list, (n + 1) * sizeof *list);
    list[n] = arg;
    return list;
}
