/* review: the mapping review behind the dashboard's Mapping panel — the
 * sheet with each row's lint findings, approve / reject / edit / undo (each
 * written to mapping.csv and the audit log), lint run in the background on
 * the source, a transform compiled as it is typed, and a live preview of a
 * row: source values before and after the transform beside the target's
 * value for the same key. It runs on a loop with a workspace and a
 * snapshot of the plan and catalogs (review_update), and opens connections
 * of its own as it needs them: one to each side for previews and compiles,
 * one more for each lint of the data, which ends with it. No dashboard
 * needed; without a loop (the command line) it changes rows and never
 * connects. */
#ifndef CUTOVER_REVIEW_H
#define CUTOVER_REVIEW_H

#include <uv.h>

#include "db.h"
#include "lint.h"
#include "sheet.h"
#include "snap.h"
#include "util.h"
#include "workspace.h"

#define PREVIEW_ROWS 20

struct preview_row {
    char *key, *before, *after, *target;    /* target NULL: no such key in the target */
    int found, differs;
};

enum preview_state { PREVIEW_NONE, PREVIEW_RUNNING, PREVIEW_DONE, PREVIEW_FAILED,
                     PREVIEW_CANCELLED };

struct preview {
    enum preview_state state;
    long row;
    struct preview_row rows[PREVIEW_ROWS];
    int n;
    char message[1400];
    char *target_note;          /* why there are no target values, when there are none */
};

struct review_change {          /* one step of the undo history */
    char *source, *target;      /* which row (by its pair, which edits never change) */
    char *old[SC_NKNOWN];
    char *what;
};

struct review {
    uv_loop_t *loop;
    ws_t *ws;                   /* NULL: changes are refused (they could not be recorded) */
    char *url[2], *dir;         /* the plan's sides: a lint connects to the source */
    db_t *db[2];                /* its own, opened at the first need: previews, compiles */
    struct snap *snap;          /* the plan and catalogs it lints against (a reference) */
    struct sheet sheet;
    char *path;                 /* mapping.csv, read again when it changes (even when it
                                 * could not be read: the sheet has no path then) */
    struct file_stamp disk;     /* mapping.csv as the sheet was read from it */
    int have_sheet;
    struct lint_report stat, data;  /* findings from the catalogs, and from the data */
    void *lint_job;             /* the lint of the data under way, or NULL */
    int lint_again, lint_ran, closed;
    int stopping;               /* review_stop: its connections closed, none opens again */
    struct preview preview;
    db_query_t *preview_q;
    struct review_change *undo;
    size_t nundo;
    /* compiling a transform as it is typed */
    db_query_t *compile_q;
    int compile_state;          /* 0 none, 1 running, 2 ok, 3 failed */
    char compile_msg[1400];
    void (*on_change)(struct review *r, void *arg);
    void (*on_say)(const char *msg, void *arg);  /* an error for the operator (a lint failed) */
    void *arg;
};

/* Loads plan `p`'s sheet (a missing one is an empty sheet; a broken one is
 * an error, -1 with `e`); changes are recorded in `ws`. `loop` may be NULL:
 * no lint, preview or compile then. Lints wait for review_update's
 * snapshot. */
int review_open(struct review *r, uv_loop_t *loop, ws_t *ws, const struct plan *p,
                struct err *e);
void review_close(struct review *r);
/* Cancels a preview and a compile under way; their callbacks still come
 * while review_working() says so. (A lint of the data is let run: it owns
 * what it reads, and review_close detaches it.) */
void review_stop(struct review *r);
int review_working(const struct review *r);
/* The plan or catalogs changed (`s`, borrowed: the review takes a reference
 * of its own; NULL: none paired): static lint again; data lint on the
 * first call with both. */
void review_update(struct review *r, struct snap *s);
/* Lint everything now, the source data included. */
void review_lint(struct review *r);
/* The worst finding of a row: -1 none, else LINT_ERROR / LINT_WARNING; n counts them. */
int review_severity(const struct review *r, size_t row, int *n);

/* Every change below first reads the sheet again if something else has
 * rewritten it since (so that change is kept), then finds its row there by
 * its pair; review_update does so too, and lints again. */
int review_approve(struct review *r, size_t row, struct err *e);
int review_reject(struct review *r, size_t row, const char *note, struct err *e);
/* Approves (a note optional) or rejects (a note required) several rows at
 * once, each written and audited as it would be alone; stops at the first
 * that fails. `done` counts those written. */
int review_set_rows(struct review *r, const size_t *rows, size_t n, int approve,
                    const char *note, size_t *done, struct err *e);
/* Sets transform, rule, owner or note. A changed transform or rule sends an
 * approved row back to draft: its approval was for the old one. Rules that do
 * not parse are refused here; transforms are checked with review_compile. */
int review_edit(struct review *r, size_t row, enum sheet_col c, const char *value,
                struct err *e);
int review_undo(struct review *r, struct err *e);
/* What the next undo would undo, or NULL. */
const char *review_undo_what(const struct review *r);

/* Compiles `transform` for the row's source table (SELECT … LIMIT 0);
 * compile_state says how it went. A newer call cancels an older one. */
void review_compile(struct review *r, size_t row, const char *transform);
/* Starts the preview of a row (cancelling one that runs). */
void review_preview(struct review *r, size_t row);
void review_preview_cancel(struct review *r);

#endif
