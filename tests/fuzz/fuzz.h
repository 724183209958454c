/* Shared by the fuzz targets (libFuzzer): the input as a NUL-terminated
 * string, and as a file for the parsers that read one. */
#ifndef CUTOVER_FUZZ_H
#define CUTOVER_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A copy of the input ending in NUL (inputs may hold NUL bytes themselves). */
static inline char *fuzz_string(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);

    if (!s)
        abort();
    memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

/* The input written to a file of this process's own; returns its path. */
static inline const char *fuzz_file(const char *name, const uint8_t *data, size_t size)
{
    static char path[256];
    FILE *f;

    snprintf(path, sizeof path, "%s/cutover-fuzz-%ld-%s", getenv("TMPDIR") ? getenv("TMPDIR")
             : "/tmp", (long)getpid(), name);
    if (!(f = fopen(path, "wb")) || fwrite(data, 1, size, f) != size || fclose(f) != 0)
        abort();
    return path;
}

#endif
