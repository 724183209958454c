/* ws: the workspace, .cutover/state.db — SQLite in WAL mode, mode 0600,
 * versioned with PRAGMA user_version. It is cutover's own file, written
 * with one transaction per recorded event so it survives kill -9. Writes are
 * small local transactions done on the calling thread. */
#ifndef CUTOVER_WORKSPACE_H
#define CUTOVER_WORKSPACE_H

#include "err.h"

typedef struct ws ws_t;

/* The schema version this build writes. */
#define WS_VERSION 1

/* Opens the workspace at `path`, creating it (and its directory, 0700) and
 * upgrading its schema as needed. Refuses a workspace written by a newer
 * cutover. Returns NULL with `e` filled (ERR_INPUT) on failure. */
ws_t *ws_open(const char *path, struct err *e);
void ws_close(ws_t *ws);

int ws_version(ws_t *ws);

/* Appends to the audit log: who (the current user), when (now, UTC), what
 * action on which object, old → new. Returns 0 or -1 with `e` filled. */
int ws_audit(ws_t *ws, const char *action, const char *object, const char *old_value,
             const char *new_value, struct err *e);

/* Number of rows in a workspace table (for tests and reports); -1 on error. */
long ws_count(ws_t *ws, const char *table);

#endif
