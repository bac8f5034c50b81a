/*
 * native_bench - the native peer of bench/run.js.
 *
 * The same C core as the wasm modules, built with the host compiler at -O3
 * (bench/run.js compiles it: cc -O3 -std=c11 -ffp-contract=off ...). It loads
 * one dataset, then runs one timed training run per "run" line read from
 * stdin and answers with one JSON line on stdout, so bench/run.js can
 * alternate it with the other systems:
 *
 *   native_bench --features F32FILE --labels F32FILE --n N --timesteps T
 *                --model-config JSON --training-config JSON
 *   stdin:  run [N]      (N: optional sample count, a prefix of the data; warm-ups)
 *           quit
 *   stdout: {"ok":true,"seconds":S,"cpu_seconds":C,"samples":N,"epochs":E,
 *            "train_loss":L,"val_loss":V,"heap_before":B,"heap_peak":P,"allocs":A}
 *
 * Each run starts from a freshly created model (same seed) and trainer, and
 * times fg_trainer_train alone (split, epochs, evaluation, restore), the
 * call the JS Trainer.train drives stepwise: wall-clock and process CPU time.
 *
 * Heap accounting (glibc): linked with -Wl,--wrap=malloc,--wrap=calloc,
 * --wrap=realloc,--wrap=free, every allocation of the C core goes through the
 * wrappers below, which track the bytes in use (malloc_usable_size). A run
 * reports the bytes in use when fg_trainer_train starts (the dataset, model
 * and trainer; the benchmark's own copy of the files is not counted), the
 * peak during the call, and the number of allocations it made.
 */
#define _GNU_SOURCE
#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fastgrnn.h"

/* ---- heap accounting ---------------------------------------------------- */
#ifdef FG_BENCH_WRAP_MALLOC
void *__real_malloc(size_t size);
void *__real_calloc(size_t count, size_t size);
void *__real_realloc(void *ptr, size_t size);
void __real_free(void *ptr);
static size_t heap_cur, heap_peak, heap_allocs;
static void heap_add(void *p) {
    if (!p) return;
    heap_cur += malloc_usable_size(p);
    heap_allocs++;
    if (heap_cur > heap_peak) heap_peak = heap_cur;
}
static void heap_sub(void *p) {
    size_t n = p ? malloc_usable_size(p) : 0;
    heap_cur = n < heap_cur ? heap_cur - n : 0;
}
void *__wrap_malloc(size_t size) {
    void *p = __real_malloc(size);
    heap_add(p);
    return p;
}
void *__wrap_calloc(size_t count, size_t size) {
    void *p = __real_calloc(count, size);
    heap_add(p);
    return p;
}
void *__wrap_realloc(void *ptr, size_t size) {
    heap_sub(ptr);
    void *p = __real_realloc(ptr, size);
    heap_add(p ? p : ptr);
    return p;
}
void __wrap_free(void *ptr) {
    heap_sub(ptr);
    __real_free(ptr);
}
#define HEAP_ACCOUNTING 1
#else
static size_t heap_cur, heap_peak, heap_allocs;
#define HEAP_ACCOUNTING 0
#endif

static void die(const char *what) {
    printf("{\"ok\":false,\"error\":\"%s: %s\"}\n", what, fg_last_error());
    fflush(stdout);
    exit(1);
}

/* The benchmark's own copy of the data stays out of the accounting. */
static float *read_f32(const char *path, size_t count) {
    FILE *f = fopen(path, "rb");
#if HEAP_ACCOUNTING
    float *buf = __real_malloc(count * sizeof(float) + 1);
#else
    float *buf = malloc(count * sizeof(float) + 1);
#endif
    if (!f || !buf || fread(buf, sizeof(float), count, f) != count) {
        printf("{\"ok\":false,\"error\":\"cannot read %zu floats from %s\"}\n", count, path);
        fflush(stdout);
        exit(2);
    }
    fclose(f);
    return buf;
}

static double clock_s(clockid_t id) {
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void print_num(const char *key, double v) {
    if (isfinite(v)) printf(",\"%s\":%.9g", key, v);
    else printf(",\"%s\":null", key);
}

int main(int argc, char **argv) {
    const char *fpath = NULL, *lpath = NULL, *mjson = "{}", *tjson = "{}";
    long n = 0, T = 1;
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *a = argv[i], *v = argv[i + 1];
        if (!strcmp(a, "--features")) fpath = v;
        else if (!strcmp(a, "--labels")) lpath = v;
        else if (!strcmp(a, "--n")) n = atol(v);
        else if (!strcmp(a, "--timesteps")) T = atol(v);
        else if (!strcmp(a, "--model-config")) mjson = v;
        else if (!strcmp(a, "--training-config")) tjson = v;
        else {
            fprintf(stderr, "native_bench: unknown argument %s\n", a);
            return 2;
        }
    }
    if (!fpath || !lpath || n <= 0 || T <= 0) {
        fprintf(stderr, "usage: native_bench --features F --labels F --n N --timesteps T "
                        "--model-config JSON --training-config JSON\n");
        return 2;
    }
    fg_model_config mcfg;
    fg_training_config tcfg;
    if (fg_model_config_from_json(mjson, strlen(mjson), &mcfg)) die("model config");
    if (fg_training_config_from_json(tjson, strlen(tjson), &tcfg)) die("training config");
    size_t count = (size_t)n * (size_t)T * (size_t)mcfg.input_dim;
    float *x = read_f32(fpath, count);
    float *y = read_f32(lpath, (size_t)n);

    char line[256];
    printf("{\"ok\":true,\"ready\":true}\n");
    fflush(stdout);
    while (fgets(line, sizeof line, stdin)) {
        if (!strncmp(line, "quit", 4)) break;
        if (strncmp(line, "run", 3)) {
            printf("{\"ok\":false,\"error\":\"unknown command\"}\n");
            fflush(stdout);
            continue;
        }
        long m = atol(line + 3);
        if (m <= 0 || m > n) m = n;
        fg_dataset *ds;
        fg_model *model;
        fg_trainer *tr;
        if (fg_dataset_create(x, y, (int32_t)m, (int32_t)T, mcfg.input_dim, mcfg.output_dim, &ds))
            die("dataset");
        if (fg_model_create(&mcfg, &model)) die("model");
        if (fg_trainer_create(&mcfg, &tcfg, &tr)) die("trainer");
        size_t before = heap_cur;
        heap_peak = heap_cur;
        heap_allocs = 0;
        double c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID), t0 = clock_s(CLOCK_MONOTONIC);
        if (fg_trainer_train(tr, model, ds, NULL, NULL)) die("train");
        double dt = clock_s(CLOCK_MONOTONIC) - t0, dc = clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
        size_t peak = heap_peak, allocs = heap_allocs;
        size_t ne = fg_trainer_metrics_count(tr);
        const fg_training_metrics *last = fg_trainer_metrics(tr) + (ne ? ne - 1 : 0);
        printf("{\"ok\":true,\"seconds\":%.9g,\"cpu_seconds\":%.9g,\"samples\":%ld,\"epochs\":%zu",
               dt, dc, m, ne);
        if (HEAP_ACCOUNTING)
            printf(",\"heap_before\":%zu,\"heap_peak\":%zu,\"allocs\":%zu", before, peak, allocs);
        print_num("train_loss", ne ? last->train_loss : NAN);
        print_num("val_loss", ne ? last->val_loss : NAN);
        printf("}\n");
        fflush(stdout);
        fg_trainer_destroy(tr);
        fg_model_destroy(model);
        fg_dataset_destroy(ds);
    }
#if HEAP_ACCOUNTING
    __real_free(x);
    __real_free(y);
#else
    free(x);
    free(y);
#endif
    return 0;
}
