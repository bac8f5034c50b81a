/*
 * error.c - status names, the last error message, checked allocation.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

#if defined(__EMSCRIPTEN__)
#define FG_TLS /* single-threaded module */
#else
#define FG_TLS _Thread_local
#endif

static FG_TLS char last_message[512];
static FG_TLS fg_status last_status = FG_OK;

const char *fg_status_name(fg_status status) {
    switch (status) {
        case FG_OK:
            return "Ok";
        case FG_ERR_INVALID_INPUT:
            return "InvalidInput";
        case FG_ERR_SERIALIZATION:
            return "SerializationError";
        case FG_ERR_IO:
            return "IoError";
        case FG_ERR_ABORTED:
            return "Aborted";
        case FG_ERR_DIVERGED:
            return "Diverged";
        case FG_ERR_OUT_OF_MEMORY:
            return "OutOfMemory";
    }
    return "Unknown";
}

const char *fg_last_error(void) { return last_message; }
fg_status fg_last_status(void) { return last_status; }

void fg_clear_error(void) {
    last_message[0] = '\0';
    last_status = FG_OK;
}

fg_status fg_fail(fg_status status, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_message, sizeof last_message, fmt, ap);
    va_end(ap);
    last_status = status;
    return status;
}

void *fg_malloc(size_t size) { return malloc(size ? size : 1); }
void fg_free(void *ptr) { free(ptr); }

void *fg_alloc(size_t size, const char *what) {
    void *p = malloc(size ? size : 1);
    if (!p) fg_fail(FG_ERR_OUT_OF_MEMORY, "out of memory allocating %zu bytes for %s", size, what);
    return p;
}

void *fg_alloc_zero(size_t count, size_t size, const char *what) {
    size_t total;
    if (!fg_mul_ok(count, size, &total)) {
        fg_fail(FG_ERR_OUT_OF_MEMORY, "size of %s overflows (%zu x %zu bytes)", what, count, size);
        return NULL;
    }
    void *p = calloc(total ? count : 1, total ? size : 1);
    if (!p) fg_fail(FG_ERR_OUT_OF_MEMORY, "out of memory allocating %zu bytes for %s", total, what);
    return p;
}

int fg_mul_ok(size_t a, size_t b, size_t *out) {
    if (a != 0 && b > SIZE_MAX / a) return 0;
    *out = a * b;
    return 1;
}
