/* The engine tests' fixture: a migration folder read as the commands read it
 * (cli_load: the plan, both catalogs counted exactly, the pairing, the
 * masked URLs), with its workspace open. */
#ifndef CUTOVER_TESTMIG_H
#define CUTOVER_TESTMIG_H

#include "testutil.h"

#include "cli/cli_int.h"
#include "inventory.h"
#include "util.h"

struct mig {
    char *dir;                  /* freed, with the folder, by mig_close */
    struct plan *plan;
    struct catalog *cat[2];
    struct pairing pp;
    char *masked[2];
    ws_t *ws;
    struct inventory inv;       /* built by the tests that need them (mig_close frees) */
    struct sheet sheet;
};

static inline void mig_open(struct mig *m, char *dir)
{
    char path[600], *wspath;
    struct loaded l;
    struct err e = { 0 };

    memset(m, 0, sizeof *m);
    m->dir = dir;
    snprintf(path, sizeof path, "%s/cutover.ini", dir);
    if (cli_load(path, &cli_counts_exact, &l, &e) < 0)
        fail_msg("%s", e.msg);
    m->plan = l.plan;
    m->cat[0] = l.cats[0], m->cat[1] = l.cats[1];
    m->pp = l.pp;
    m->masked[0] = l.masked[0], m->masked[1] = l.masked[1];
    wspath = plan_path(m->plan, m->plan->workspace);
    m->ws = ws_open(wspath, &e);
    free(wspath);
    if (!m->ws)
        fail_msg("%s", e.msg);
}

static inline void mig_close(struct mig *m)
{
    struct loaded l = { m->plan, { m->cat[0], m->cat[1] }, m->pp,
                        { m->masked[0], m->masked[1] } };

    sheet_free(&m->sheet);
    inv_free(&m->inv);
    ws_close(m->ws);
    cli_loaded_free(&l);
    tmpdir_free(m->dir);
}

#endif
