/* doctor: both sides checked before a cutover, read-only: each reached and
 * its latency, its server's version, the settings every session pins (and
 * what the database would have given otherwise), whether the role could
 * write (it should be a read-only role: docs/safety.md), the clock skew
 * between each server and this machine, and that the workspace lies in
 * neither database. One job on a loop of its own (headless). */
#ifndef CUTOVER_DOCTOR_H
#define CUTOVER_DOCTOR_H

#include <jansson.h>

#include "err.h"
#include "plan.h"

enum doctor_level { DOCTOR_OK, DOCTOR_INFO, DOCTOR_WARN, DOCTOR_FAIL };

struct doctor_item {
    const char *side;           /* "source", "target" or "workspace" */
    const char *check;          /* reach, version, settings, privileges, clock, workspace */
    enum doctor_level level;
    char *message;
};

struct doctor_report {
    struct doctor_item *v;
    size_t n;
    enum doctor_level worst;
};

/* Runs every check (blocking the caller, on a loop of its own) and fills
 * `r`. Returns 0; a side that cannot be reached is an item at DOCTOR_FAIL. */
int doctor_run(const struct plan *p, struct doctor_report *r);
void doctor_free(struct doctor_report *r);
/* As JSON: {"status": "ok"|"warn"|"fail", "checks": [{side, check, status,
 * message}]}. Caller decrefs. */
json_t *doctor_json(const struct doctor_report *r);
/* One line per item, then the verdict. */
void doctor_print(FILE *f, const struct doctor_report *r);
/* The exit code: 0 all good (information only), 1 warnings, 3 a side not
 * reached. */
int doctor_exit(const struct doctor_report *r);

#endif
