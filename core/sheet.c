#include "config.h"
#include "sheet.h"
#include "util.h"

#include <csv.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

struct counter {
    struct sheet_stats *st;
    long row, col;
    long status_col;    /* -1 until the header names it */
};

static void on_field(void *s, size_t len, void *arg)
{
    struct counter *c = arg;

    if (c->row == 0 && len == 6 && memcmp(s, "status", 6) == 0)
        c->status_col = c->col;
    if (c->row > 0 && c->col == c->status_col) {
        if (len == 5 && memcmp(s, "draft", 5) == 0)
            c->st->draft++;
        else if (len == 8 && memcmp(s, "approved", 8) == 0)
            c->st->approved++;
        else if (len == 8 && memcmp(s, "rejected", 8) == 0)
            c->st->rejected++;
        else
            c->st->other++;
    }
    c->col++;
}

static void on_row(int term, void *arg)
{
    struct counter *c = arg;

    (void)term;
    if (c->row > 0)
        c->st->rows++;
    if (c->row > 0 && c->status_col < 0)
        c->st->other++;
    c->row++;
    c->col = 0;
}

int sheet_stats(const char *path, struct sheet_stats *st, struct err *e)
{
    struct csv_parser p;
    struct counter c = { .st = st, .status_col = -1 };
    char buf[65536];
    size_t n;
    FILE *f;
    int rc = 0;

    memset(st, 0, sizeof *st);
    if (!(f = fopen(path, "rb")))
        return errno == ENOENT ? 0 : err_set(e, ERR_INPUT, "%s: cannot read: %s", path,
                                             strerror(errno));
    st->exists = 1;
    csv_init(&p, CSV_STRICT | CSV_STRICT_FINI);
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        if (csv_parse(&p, buf, n, on_field, on_row, &c) != n) {
            rc = err_set(e, ERR_INPUT, "%s: row %ld: %s", path, c.row + 1,
                         csv_strerror(csv_error(&p)));
            break;
        }
    if (rc == 0 && csv_fini(&p, on_field, on_row, &c) != 0)
        rc = err_set(e, ERR_INPUT, "%s: row %ld: %s", path, c.row + 1,
                     csv_strerror(csv_error(&p)));
    csv_free(&p);
    fclose(f);
    return rc;
}
