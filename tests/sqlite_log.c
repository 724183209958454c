/* sqlite_log.so: LD_PRELOAD'ed by tests/diff/hashed_pg.sh to see which statements
 * cutover prepares on its SQLite files, as PostgreSQL's log_statement shows
 * them for the servers. Each is appended to $CUTOVER_TEST_SQLITE_LOG as one
 * line: the file's name, a space, the statement (newlines as spaces), in one
 * write(2) to an O_APPEND file so that lines of two threads never mix. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef int prepare_fn(sqlite3 *, const char *, int, sqlite3_stmt **, const char **);

int sqlite3_prepare_v2(sqlite3 *db, const char *sql, int n, sqlite3_stmt **stmt,
                       const char **tail)
{
    prepare_fn *next = (prepare_fn *)dlsym(RTLD_NEXT, "sqlite3_prepare_v2");
    const char *path = getenv("CUTOVER_TEST_SQLITE_LOG");
    const char *file = sqlite3_db_filename(db, "main");
    size_t flen, slen;
    char *line;
    int fd;

    if (!path || !file || !sql)
        return next(db, sql, n, stmt, tail);
    if (strrchr(file, '/'))
        file = strrchr(file, '/') + 1;
    flen = strlen(file);
    slen = n < 0 ? strlen(sql) : strnlen(sql, (size_t)n);
    line = malloc(flen + slen + 2);
    fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0644);
    if (line && fd >= 0) {
        memcpy(line, file, flen);
        line[flen] = ' ';
        for (size_t i = 0; i < slen; i++)
            line[flen + 1 + i] = sql[i] == '\n' ? ' ' : sql[i];
        line[flen + 1 + slen] = '\n';
        if (write(fd, line, flen + slen + 2) < 0)
            abort();
    }
    if (fd >= 0)
        close(fd);
    free(line);
    return next(db, sql, n, stmt, tail);
}
