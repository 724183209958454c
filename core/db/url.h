/* url: connection URLs of the design (sqlite:, postgresql://, conninfo) and
 * their masked form, the only form that may be printed, logged or stored. */
#ifndef CUTOVER_URL_H
#define CUTOVER_URL_H

#include "err.h"

enum url_kind { URL_SQLITE, URL_PG };

struct url {
    enum url_kind kind;
    char *path;      /* SQLite: file path (resolved against base_dir) or ":memory:" */
    char *conninfo;  /* PostgreSQL: the URI or key=value string, passed to libpq as is */
    char *masked;    /* the URL with any password replaced by "***" */
};

/* Parses `s`. A relative SQLite path is taken relative to `base_dir` (may be
 * NULL for the current directory). On error fills `e` (ERR_INPUT), returns -1
 * and leaves `u` empty. The caller frees with url_free(). */
int url_parse(const char *s, const char *base_dir, struct url *u, struct err *e);
void url_free(struct url *u);

/* Returns a newly allocated copy of `s` with passwords shown as "***", in
 * URIs (user:pw@, ?password=) and conninfo strings (password=...), also
 * under a key named like one (passwd=, a misspelt passwor=, pwd=). */
char *url_mask(const char *s);
/* Returns a newly allocated copy of free text (a runbook step's command, its
 * output) with the passwords it may hold shown as "***": a URI's
 * user:password@ and any NAME=VALUE whose NAME ends in "password", in any
 * case (password=, PGPASSWORD=, --password=). */
char *url_mask_text(const char *s);
/* Returns a newly allocated copy of `text` (a message from libpq, which may
 * quote the URL it was given) with `url` shown masked and every password
 * `url` holds replaced by "***", however malformed the URL is: a URI's
 * user:password@, and the value of any key named like a password (password,
 * passwd, a misspelt passwor, pwd, …=). */
char *url_mask_secrets(const char *url, const char *text);
/* The same with the password left out, for files a user keeps (cutover.ini):
 * libpq then takes it from PGPASSWORD or ~/.pgpass. */
char *url_strip_password(const char *s);

#endif
