/* The plan parser: any bytes give a plan or an error naming the file and a
 * line, never a crash or a leak. */
#include "config.h"
#include "fuzz.h"
#include "plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_file("plan.ini", data, size);
    struct err e = { 0 };
    struct plan *p = plan_load(path, &e);

    if (!p && (e.kind != ERR_INPUT || !strstr(e.msg, path)))
        abort();  /* every refusal names the file */
    plan_free(p);
    unlink(path);
    return 0;
}
