/*
 * fuzz_common.h - shared helpers of the fuzz targets (tests/c/fuzz).
 *
 * Each target defines LLVMFuzzerTestOneInput. Built with clang and
 * -DFG_FUZZ=ON it links libFuzzer (-fsanitize=fuzzer,address,undefined);
 * otherwise replay_main.c supplies main() and runs every file of the corpus
 * and regression directories once, so ctest replays them with any compiler.
 *
 * Besides the sanitizers, the targets check the library's own promises and
 * abort() when one is broken, so the fuzzer reports it as a crash:
 *   - a failed call returns the status it records (fg_last_status), with a
 *     non-empty message, of a kind that call may return;
 *   - a failed call leaves its output pointers and its inputs unchanged;
 *   - what loads saves again, and what is saved loads back bit for bit.
 */
#ifndef FG_FUZZ_COMMON_H
#define FG_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fastgrnn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_ASSERT(cond, ...)                                                                       \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz invariant broken at %s:%d: %s\n  ", __FILE__, __LINE__, #cond);  \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fprintf(stderr, "\n  last error: %s \"%s\"\n", fg_status_name(fg_last_status()),       \
                    fg_last_error());                                                              \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* Bit masks of statuses a call may fail with. */
#define FZ_INVALID  (1u << FG_ERR_INVALID_INPUT)
#define FZ_SERIAL   (1u << FG_ERR_SERIALIZATION)
#define FZ_DIVERGED (1u << FG_ERR_DIVERGED)
#define FZ_OOM      (1u << FG_ERR_OUT_OF_MEMORY)

/* A failed call: status recorded, message present, kind allowed. */
static inline void fz_check_failure(fg_status st, unsigned allowed, const char *call) {
    FZ_ASSERT(st != FG_OK, "%s: expected a failure", call);
    FZ_ASSERT((allowed >> (unsigned)st) & 1u, "%s returned %s, which it must not", call,
              fg_status_name(st));
    FZ_ASSERT(fg_last_status() == st, "%s returned %s but recorded %s", call, fg_status_name(st),
              fg_status_name(fg_last_status()));
    FZ_ASSERT(fg_last_error()[0] != '\0', "%s failed without a message", call);
}

/* Little reader over the fuzz input: every read succeeds (zeros past the end). */
typedef struct {
    const uint8_t *p;
    size_t n, pos;
} fz_reader;

static inline uint8_t fz_u8(fz_reader *r) { return r->pos < r->n ? r->p[r->pos++] : 0; }
static inline uint16_t fz_u16(fz_reader *r) {
    uint16_t lo = fz_u8(r);
    return (uint16_t)(lo | (uint16_t)fz_u8(r) << 8);
}
static inline uint32_t fz_u32(fz_reader *r) {
    uint32_t lo = fz_u16(r);
    return lo | (uint32_t)fz_u16(r) << 16;
}
static inline float fz_f32_bits(fz_reader *r) {
    uint32_t u = fz_u32(r);
    float f;
    memcpy(&f, &u, 4);
    return f;
}
static inline size_t fz_left(const fz_reader *r) { return r->pos < r->n ? r->n - r->pos : 0; }

/* Bitwise comparison of the parameters of two models (same table). */
static inline int fz_same_params(const fg_model *a, const fg_model *b) {
    size_t n = fg_model_num_params(a);
    if (n != fg_model_num_params(b)) return 0;
    float *pa = malloc((n ? n : 1) * sizeof(float)), *pb = malloc((n ? n : 1) * sizeof(float));
    if (!pa || !pb) abort();
    int same = fg_model_get_params(a, pa, n) == FG_OK && fg_model_get_params(b, pb, n) == FG_OK &&
               memcmp(pa, pb, n * sizeof(float)) == 0;
    free(pa);
    free(pb);
    return same;
}

/* The trainers of the checkpoint target and its seeds (gen_corpus.c):
 * kind 0 binary T 3, shuffle buffer, sparse; kind 1 three classes, T 2,
 * distillation, raw inputs with a stored normalization. */
static inline void fz_checkpoint_configs(int kind, fg_model_config *mc, fg_training_config *tc,
                                         int32_t *timesteps, int32_t *shuffle_buffer,
                                         int32_t *flags) {
    *mc = fg_model_config_default();
    *tc = fg_training_config_default();
    mc->input_dim = 2;
    mc->hidden_dim = 4;
    mc->rank = 2;
    tc->batch_size = 4;
    tc->epochs = 6;
    tc->learning_rate = 0.05f;
    tc->lr_decay_step = 2;
    if (kind == 0) {
        mc->output_dim = 1;
        tc->sparsity_w = 0.5f;
        *timesteps = 3;
        *shuffle_buffer = 5;
        *flags = 0;
    } else {
        mc->output_dim = 3;
        tc->enable_distillation = 1;
        tc->shuffle = 0;
        *timesteps = 2;
        *shuffle_buffer = 0;
        *flags = FG_STREAM_SOFT_TARGETS | FG_STREAM_RAW_INPUTS;
    }
}

#endif /* FG_FUZZ_COMMON_H */
