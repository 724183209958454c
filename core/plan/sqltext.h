/* sqltext: what the user's SQL text is, read lexically without a database:
 * how many statements it holds and whether it is a query. A check, a probe,
 * a where and a transform are each one statement (DESIGN.md, "Safety rules"):
 * a second one after ';' is refused before it reaches a server, where SQLite
 * would drop it in silence and PostgreSQL refuse it only when it runs.
 * Quotes ('…' with '' and E'…' with \ escapes, "…", $tag$…$tag$) and
 * comments (--, nested / * * /) are skipped, so a ';' inside them counts for
 * nothing. */
#ifndef CUTOVER_SQLTEXT_H
#define CUTOVER_SQLTEXT_H

/* NULL when `sql` is one statement (a trailing ';' allowed), else why not:
 * "more than one statement", "no statement", "a quote or comment is not
 * closed". */
const char *sqltext_one(const char *sql);
/* 1 when the statement is a query (it begins, past comments and '(', with
 * SELECT, WITH, VALUES or TABLE), else 0. */
int sqltext_is_query(const char *sql);
/* NULL when `expr` (a transform, a where) holds no ';' outside quotes and
 * comments and closes what it opens; else why not. */
const char *sqltext_expression(const char *expr);

#endif
