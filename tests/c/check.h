/*
 * check.h - a tiny assertion helper for the C tests.
 *
 * Every check prints one line ("ok   ..." or "FAIL ..."), failures also name
 * the file and line. A test's main() ends with `return check_summary();`,
 * which prints the totals and returns non-zero when any check failed.
 *
 * Also: a small deterministic RNG for test data (independent of the library's
 * own generator) and helpers to compare buffers and search error messages.
 */
#ifndef FG_TEST_CHECK_H
#define FG_TEST_CHECK_H

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fastgrnn.h"

static int check_count_;
static int check_failures_;

#if defined(__GNUC__) || defined(__clang__)
#define CHECK_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define CHECK_PRINTF(a, b)
#endif

static inline int check_report_(int ok, const char *file, int line, const char *fmt, ...)
    CHECK_PRINTF(4, 5);
static inline int check_report_(int ok, const char *file, int line, const char *fmt, ...) {
    va_list ap;
    check_count_++;
    if (!ok) check_failures_++;
    fputs(ok ? "ok   " : "FAIL ", stdout);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    if (!ok) printf("   [%s:%d]", file, line);
    putchar('\n');
    fflush(stdout);
    return ok;
}

/* CHECK(condition, "printf format", args...): returns the condition. */
#define CHECK(cond, ...) check_report_((cond) ? 1 : 0, __FILE__, __LINE__, __VA_ARGS__)

/* Evaluates `call` (an fg_status expression) once and checks it equals
 * `expected`; prints the status names and, on a failure status, the message. */
#define CHECK_STATUS(call, expected, what)                                                         \
    check_status_((call), (expected), (what), #call, __FILE__, __LINE__)

static inline int check_status_(fg_status got, fg_status expected, const char *what,
                                const char *expr, const char *file, int line) {
    return check_report_(got == expected, file, line, "%s: %s -> %s (expected %s)%s%s%s", what,
                         expr, fg_status_name(got), fg_status_name(expected),
                         got != FG_OK ? " \"" : "", got != FG_OK ? fg_last_error() : "",
                         got != FG_OK ? "\"" : "");
}

/* Prints a header line for a group of checks. */
static inline void check_section(const char *name) {
    printf("-- %s\n", name);
    fflush(stdout);
}

static inline int check_summary(void) {
    printf("%d checks, %d failed\n", check_count_, check_failures_);
    fflush(stdout);
    return check_failures_ == 0 ? 0 : 1;
}

/* ---- test RNG: splitmix64 ------------------------------------------------ */

typedef struct {
    uint64_t s;
} test_rng;

static inline uint64_t trng_next(test_rng *r) {
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
/* [0, 1) */
static inline double trng_uniform(test_rng *r) {
    return (double)(trng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}
/* [lo, hi) */
static inline double trng_range(test_rng *r, double lo, double hi) {
    return lo + (hi - lo) * trng_uniform(r);
}
static inline uint32_t trng_below(test_rng *r, uint32_t n) {
    return (uint32_t)(trng_uniform(r) * (double)n);
}
static inline double trng_normal(test_rng *r) {
    double u1 = trng_uniform(r), u2 = trng_uniform(r);
    if (u1 < 1e-300) u1 = 1e-300;
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

/* ---- helpers -------------------------------------------------------------- */

static inline int all_finite_f(const float *v, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i])) return 0;
    return 1;
}

/* Bytewise equality of two float buffers (NaN-safe, -0 != +0). */
static inline int same_bits_f(const float *a, const float *b, size_t n) {
    return memcmp(a, b, n * sizeof(float)) == 0;
}

/* 1 when two models save to the same bytes. */
static inline int same_model_bytes(const fg_model *a, const fg_model *b) {
    uint8_t *pa = NULL, *pb = NULL;
    size_t la = 0, lb = 0;
    int same = !fg_model_save(a, &pa, &la) && !fg_model_save(b, &pb, &lb) && la == lb &&
               memcmp(pa, pb, la) == 0;
    fg_free(pa);
    fg_free(pb);
    return same;
}

static inline float *copy_floats(const float *src, size_t n) {
    float *d = (float *)malloc((n ? n : 1) * sizeof(float));
    if (!d) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    if (n) memcpy(d, src, n * sizeof(float));
    return d;
}

static inline float *alloc_floats(size_t n) {
    float *d = (float *)calloc(n ? n : 1, sizeof(float));
    if (!d) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    return d;
}

/* Case-insensitive substring search. */
static inline int contains_ci(const char *hay, const char *needle) {
    size_t nl = strlen(needle);
    if (nl == 0) return 1;
    for (; *hay; hay++) {
        size_t i = 0;
        while (i < nl && hay[i] &&
               tolower((unsigned char)hay[i]) == tolower((unsigned char)needle[i]))
            i++;
        if (i == nl) return 1;
    }
    return 0;
}

/* Whole-word, case-insensitive search (identifier characters are letters,
 * digits and '_'), so a short name such as "n" is not found inside "input". */
static inline int contains_word_ci(const char *hay, const char *word) {
    size_t wl = strlen(word);
    const char *start = hay;
    if (wl == 0) return 1;
    for (const char *p = hay; *p; p++) {
        size_t i = 0;
        while (i < wl && p[i] && tolower((unsigned char)p[i]) == tolower((unsigned char)word[i]))
            i++;
        if (i == wl) {
            int left_ok = (p == start) || !(isalnum((unsigned char)p[-1]) || p[-1] == '_');
            int right_ok = !(isalnum((unsigned char)p[wl]) || p[wl] == '_');
            if (left_ok && right_ok) return 1;
        }
    }
    return 0;
}

/* snake_case -> camelCase ("learning_rate" -> "learningRate"). */
static inline void snake_to_camel(const char *in, char *out, size_t cap) {
    size_t j = 0;
    int up = 0;
    for (size_t i = 0; in[i] && j + 1 < cap; i++) {
        if (in[i] == '_') {
            up = 1;
            continue;
        }
        out[j++] = up ? (char)toupper((unsigned char)in[i]) : in[i];
        up = 0;
    }
    out[j] = '\0';
}

/* Does the message mention `name` (as a word, snake_case or camelCase)? */
static inline int mentions(const char *msg, const char *name) {
    char camel[128];
    if (!msg) return 0;
    if (contains_word_ci(msg, name)) return 1;
    snake_to_camel(name, camel, sizeof camel);
    return contains_word_ci(msg, camel);
}

#endif /* FG_TEST_CHECK_H */
