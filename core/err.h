/* err: a caller-owned error with a message a user can act on and the exit
 * code class it maps to. Functions return -1 and fill it; 0 means success. */
#ifndef CUTOVER_ERR_H
#define CUTOVER_ERR_H

/* Exit codes of the command line (DESIGN.md). */
enum err_kind {
    ERR_NONE = 0,
    ERR_FOUND = 1,     /* discrepancies found or a gate failed */
    ERR_INPUT = 2,     /* bad usage, plan or sheet */
    ERR_DB = 3,        /* a database could not be reached or refused a query */
};

struct err {
    enum err_kind kind;
    char msg[1024];
};

/* Sets kind and message; returns -1 so callers can `return err_set(...)`. */
int err_set(struct err *e, enum err_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void err_clear(struct err *e);

#endif
