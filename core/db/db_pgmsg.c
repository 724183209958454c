/* db_pgmsg: libpq's error messages made into one line a user can read —
 * the server's quote of the query and its caret left out, continuation
 * lines joined, each message given its stop. Used by db_pg and db_pgcopy. */
#include "config.h"
#include "db_int.h"
#include "db_pg_int.h"
#include "util.h"

#include <string.h>

/* The query's text the server quotes under an error ("LINE 1: SELECT …"),
 * and the caret under it: a line to leave out of a one-line message. */
static int quoted_query(const char *line)
{
    const char *p = line;

    if (!strncmp(p, "LINE ", 5)) {
        for (p += 5; *p >= '0' && *p <= '9'; p++)
            ;
        return p > line + 5 && *p == ':';
    }
    p += strspn(p, " \t");
    return *p == '^' && (p[1] == '\n' || !p[1]);
}

/* libpq's messages end in newlines and may span lines: make them one line.
 * A line indented with a tab goes on the message above it ("server closed
 * the connection unexpectedly\n\tThis probably means …"); one that is not
 * is another message ("FATAL: …\nserver closed …"): each gets its stop. */
char *db_pg__one_line(const char *s)
{
    const char *in = s ? s : "unknown error";
    char *d = xmalloc(2 * strlen(in) + 1), *w = d;  /* a stop may add one to a newline */
    int bol = 1;        /* r is at a line's start */

    for (const char *r = in; *r; r++) {
        if (bol && quoted_query(r)) {
            r += strcspn(r, "\n");  /* to its line end */
            if (!*r)
                break;
            continue;
        }
        bol = *r == '\n';
        if (*r == '\n' || *r == '\t' || *r == '\r') {
            int more = r[1] == '\t' || r[1] == ' ';
            const char *next = r + 1 + strspn(r + 1, " \t\r");
            int stop = w > d && strchr(".:;!?", w[-1]) != NULL;

            if (*r == '\n' && *next && *next != '\n' && w > d && !stop && !quoted_query(next))
                *w++ = !more ? ';' : *next >= 'A' && *next <= 'Z' ? '.' : ' ';
            if (w > d && w[-1] != ' ' && *next)
                *w++ = ' ';
        } else {
            *w++ = *r;
        }
    }
    while (w > d && w[-1] == ' ')
        w--;
    *w = '\0';
    return d;
}
