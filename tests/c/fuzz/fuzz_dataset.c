/*
 * fuzz_dataset.c - the dataset constructor (and what consumes a dataset)
 * fed arbitrary shapes and values.
 *
 * Input layout (little-endian; missing bytes read as zero):
 *   u8  flags    bits 0-1 feature mode, 2-3 label mode, 4 soft targets,
 *                5 train, 6 shuffle, 7 NULL features/labels
 *   i16 n, timesteps, input_dim, output_dim      (any sign)
 *   i16 batch_size   u8 val_ratio code   u8 lr code   u32 seed (bit 6:
 *   fg_dataset_adopt instead of fg_dataset_create; more bits in exercise())
 *   then values for features, labels, soft targets, in that order
 * Modes: 0 raw float bits, 1 small integers, 2 a table of awkward values
 * (0, -0, denormals, FLT_MAX, infinities, NaN, ...), 3 uniform in [0, 1].
 *
 * Checks: create either copies exactly what it was given or fails with
 * InvalidInput / OutOfMemory and a message; clone, soft targets,
 * normalize, split, the batch iterator, evaluate and a short training run
 * either succeed with consistent results or fail cleanly leaving the
 * dataset (and model) unchanged; weights stay finite, also on Diverged.
 */
#include <float.h>
#include <math.h>

#include "fuzz_common.h"

#define MAX_VALUES (1u << 16)

static const float AWKWARD[16] = {
    0.0f,     -0.0f, 1.0f,  -1.0f,  0.5f,     1e-45f,    -1e-38f, FLT_MAX,
    -FLT_MAX, 3e38f, 1e20f, -1e20f, INFINITY, -INFINITY, NAN,     2.0f,
};

static float value(fz_reader *r, int mode, int32_t classes) {
    switch (mode) {
        case 0:
            return fz_f32_bits(r);
        case 1:
            return (float)(int8_t)fz_u8(r) / (classes > 1 ? 1.0f : 4.0f);
        case 2:
            return AWKWARD[fz_u8(r) & 15];
        default: {
            uint8_t b = fz_u8(r);
            return classes > 1 ? (float)(b % (classes + 1)) : (float)b / 255.0f;
        }
    }
}

/* The documented label rule, restated independently of dataset.c. */
static int label_ok(float y, int32_t O) {
    if (!isfinite(y)) return 0;
    if (O == 1) return y >= 0.0f && y <= 1.0f;
    return y >= 0.0f && y < (float)O && y == floorf(y);
}

static float ratio_of(uint8_t code) {
    static const float special[8] = {0.0f, 0.2f, 0.5f, 1.0f, -0.1f, 1.5f, NAN, 0.999f};
    return code < 8 ? special[code] : (float)(code - 8) / 247.0f;
}

static float lr_of(uint8_t code) {
    static const float special[8] = {0.01f, 1e30f, 1e10f, 0.0f, -1.0f, NAN, INFINITY, 1e-3f};
    return code < 8 ? special[code] : (float)code / 2550.0f;
}

static void check_same_dataset(const fg_dataset *a, const fg_dataset *b, const char *what) {
    int32_t n = fg_dataset_len(a);
    FZ_ASSERT(n == fg_dataset_len(b) && fg_dataset_timesteps(a) == fg_dataset_timesteps(b) &&
                  fg_dataset_input_dim(a) == fg_dataset_input_dim(b) &&
                  fg_dataset_output_dim(a) == fg_dataset_output_dim(b),
              "%s: shapes differ", what);
    size_t count = (size_t)n * (size_t)fg_dataset_timesteps(a) * (size_t)fg_dataset_input_dim(a);
    FZ_ASSERT(memcmp(fg_dataset_features(a), fg_dataset_features(b), count * 4) == 0,
              "%s: features differ", what);
    FZ_ASSERT(memcmp(fg_dataset_labels(a), fg_dataset_labels(b), (size_t)n * 4) == 0,
              "%s: labels differ", what);
    const float *sa = fg_dataset_soft_targets(a), *sb = fg_dataset_soft_targets(b);
    FZ_ASSERT((sa == NULL) == (sb == NULL), "%s: soft targets differ", what);
    if (sa) {
        int32_t o = fg_dataset_output_dim(a);
        FZ_ASSERT(memcmp(sa, sb, (size_t)n * (size_t)(o == 1 ? 1 : o) * 4) == 0,
                  "%s: soft targets differ", what);
    }
}

static void check_params_finite(const fg_model *m, const char *what) {
    size_t np = fg_model_num_params(m);
    float *p = malloc(np * sizeof(float));
    if (!p) abort();
    FZ_ASSERT(fg_model_get_params(m, p, np) == FG_OK, "get_params");
    for (size_t i = 0; i < np; i++)
        FZ_ASSERT(isfinite(p[i]), "%s: param %zu = %g", what, i, (double)p[i]);
    free(p);
}

static void exercise(fg_dataset *ds, fz_reader *r, uint8_t flags, int32_t batch, float ratio,
                     float lr, uint32_t seed) {
    int32_t n = fg_dataset_len(ds), T = fg_dataset_timesteps(ds), D = fg_dataset_input_dim(ds);
    int32_t O = fg_dataset_output_dim(ds), sw = O == 1 ? 1 : O;
    fg_status st;

    /* soft targets: sometimes the wrong length */
    if (flags & 16) {
        size_t want = (size_t)n * (size_t)sw;
        size_t count = want + (size_t)(fz_u8(r) % 3) - 1;
        if (want + 1 <= MAX_VALUES) {
            float *soft = malloc((want + 1) * sizeof(float));
            if (!soft) abort();
            int mode = fz_u8(r) & 3;
            for (size_t i = 0; i < want + 1; i++) soft[i] = value(r, mode, 1);
            fg_dataset *before = NULL;
            FZ_ASSERT(fg_dataset_clone(ds, &before) == FG_OK, "clone");
            st = fg_dataset_with_soft_targets(ds, soft, count);
            if (st != FG_OK) {
                fz_check_failure(st, FZ_INVALID | FZ_OOM, "fg_dataset_with_soft_targets");
                check_same_dataset(ds, before, "failed with_soft_targets");
            } else {
                FZ_ASSERT(count == want && memcmp(fg_dataset_soft_targets(ds), soft, want * 4) == 0,
                          "soft targets not copied");
            }
            fg_dataset_destroy(before);
            free(soft);
        }
    }

    /* normalize a clone; on failure it is unchanged */
    fg_dataset *c = NULL;
    FZ_ASSERT(fg_dataset_clone(ds, &c) == FG_OK, "clone");
    check_same_dataset(ds, c, "clone");
    float *means = malloc((size_t)D * 4), *stds = malloc((size_t)D * 4);
    if (!means || !stds) abort();
    st = fg_dataset_normalize(c, means, stds);
    if (st != FG_OK) {
        fz_check_failure(st, FZ_INVALID | FZ_OOM, "fg_dataset_normalize");
        check_same_dataset(ds, c, "failed normalize");
    } else {
        size_t count = (size_t)n * T * D;
        const float *x = fg_dataset_features(c);
        for (size_t i = 0; i < count; i++)
            FZ_ASSERT(isfinite(x[i]), "normalized feature %zu = %g", i, (double)x[i]);
        for (int32_t d = 0; d < D; d++)
            FZ_ASSERT(isfinite(means[d]) && isfinite(stds[d]) && stds[d] > 0, "normalization[%d]",
                      d);
    }
    free(means);
    free(stds);
    fg_dataset_destroy(c);

    /* split */
    fg_dataset *tr = (fg_dataset *)(uintptr_t)0x10, *va = (fg_dataset *)(uintptr_t)0x10;
    st = fg_dataset_split(ds, ratio, seed, &tr, &va);
    if (st != FG_OK) {
        fz_check_failure(st, FZ_INVALID | FZ_OOM, "fg_dataset_split");
        FZ_ASSERT(tr == (fg_dataset *)(uintptr_t)0x10 && va == tr, "failed split wrote outputs");
    } else {
        FZ_ASSERT(fg_dataset_len(tr) + fg_dataset_len(va) == n, "split loses samples");
        fg_dataset_destroy(tr);
        fg_dataset_destroy(va);
    }

    /* batch iterator */
    fg_batch_iter *it = NULL;
    st = fg_batch_iter_create(ds, batch, flags & 64, seed, &it);
    if (st != FG_OK) {
        fz_check_failure(st, FZ_INVALID | FZ_OOM, "fg_batch_iter_create");
    } else {
        for (int pass = 0; pass < 2; pass++) {
            int32_t total = 0, nb;
            const float *bx, *by, *bs;
            while ((nb = fg_batch_iter_next(it, &bx, &by, &bs)) > 0) {
                FZ_ASSERT(nb <= batch, "batch of %d > %d", nb, batch);
                for (int32_t b = 0; b < nb; b++)
                    FZ_ASSERT(label_ok(by[b], O), "batch label %g", (double)by[b]);
                FZ_ASSERT((bs != NULL) == (fg_dataset_soft_targets(ds) != NULL), "soft pointer");
                total += nb;
            }
            FZ_ASSERT(total == n, "an epoch of batches covers %d of %d samples", total, n);
            fg_batch_iter_reset(it);
        }
        fg_batch_iter_destroy(it);
    }

    /* a short training run on a tiny model */
    if (!(flags & 32) || (size_t)n * T * D > 4096 || D > 256 || O > 16) return;
    fg_model_config mc = fg_model_config_default();
    mc.input_dim = D;
    mc.hidden_dim = 3;
    mc.output_dim = O;
    mc.rank = (int32_t)(seed & 3) ? (int32_t)(seed & 3) : FG_RANK_NONE;
    fg_model *m = NULL;
    FZ_ASSERT(fg_model_create(&mc, &m) == FG_OK, "model");
    fg_model *orig = NULL;
    FZ_ASSERT(fg_model_clone(m, &orig) == FG_OK, "clone model");
    fg_training_config tc = fg_training_config_default();
    tc.epochs = 2;
    tc.batch_size = batch > 0 && batch < 64 ? batch : 8;
    tc.validation_split = (seed >> 2) & 1 ? 0.25f : 0.0f;
    tc.learning_rate = lr;
    tc.enable_distillation = fg_dataset_soft_targets(ds) != NULL && ((seed >> 3) & 1);
    tc.early_stopping_patience = (seed >> 4) & 1 ? 1 : FG_PATIENCE_NONE;
    tc.grad_clip = (seed >> 5) & 1 ? 0.0f : 5.0f;
    tc.seed = seed;
    fg_trainer *trn = NULL;
    st = fg_trainer_create(&mc, &tc, &trn);
    if (st != FG_OK) {
        fz_check_failure(st, FZ_INVALID, "fg_trainer_create");
    } else {
        st = fg_trainer_train(trn, m, ds, NULL, NULL);
        if (st == FG_OK) {
            FZ_ASSERT(fg_trainer_metrics_count(trn) <= 2, "metrics");
            check_params_finite(m, "after training");
        } else {
            fz_check_failure(st, FZ_INVALID | FZ_DIVERGED | FZ_OOM, "fg_trainer_train");
            check_params_finite(m, "after a failed training run");
            if (st == FG_ERR_INVALID_INPUT)
                FZ_ASSERT(fz_same_params(m, orig), "InvalidInput changed the model");
        }
        FZ_ASSERT(!fg_trainer_is_running(trn), "trainer still running");
        float loss = -1, acc = -1;
        st = fg_trainer_evaluate(trn, m, ds, &loss, &acc);
        FZ_ASSERT(st == FG_OK, "evaluate");
        FZ_ASSERT(acc >= 0 && acc <= 1, "accuracy %g", (double)acc);
        /* one custom-loop step on the first samples */
        fg_model *before = NULL;
        FZ_ASSERT(fg_model_clone(m, &before) == FG_OK, "clone model");
        int32_t nb = n < 4 ? n : 4;
        st = fg_trainer_train_batch(trn, m, fg_dataset_features(ds), fg_dataset_labels(ds),
                                    fg_dataset_soft_targets(ds), nb, T, &loss);
        if (st != FG_OK) {
            fz_check_failure(st, FZ_INVALID | FZ_DIVERGED | FZ_OOM, "fg_trainer_train_batch");
            FZ_ASSERT(fz_same_params(m, before), "failed train_batch changed the model");
        } else {
            check_params_finite(m, "after train_batch");
        }
        fg_model_destroy(before);
        fg_trainer_destroy(trn);
    }
    fg_model_destroy(orig);
    fg_model_destroy(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fz_reader r = {data, size, 0};
    uint8_t flags = fz_u8(&r);
    int32_t n = (int16_t)fz_u16(&r), T = (int16_t)fz_u16(&r), D = (int16_t)fz_u16(&r);
    int32_t O = (int16_t)fz_u16(&r);
    int32_t batch = (int16_t)fz_u16(&r);
    float ratio = ratio_of(fz_u8(&r)), lr = lr_of(fz_u8(&r));
    uint32_t seed = fz_u32(&r);

    /* The constructor reads n*T*D features and n labels when the shape is
     * valid and within its limit: give it buffers of exactly that size. */
    int valid = n > 0 && T > 0 && D > 0 && O > 0;
    uint64_t count = valid ? (uint64_t)n * (uint64_t)T * (uint64_t)D : 0;
    if (valid && count <= ((uint64_t)1 << 31) && count > MAX_VALUES) return 0;
    size_t nx = count <= MAX_VALUES ? (size_t)count : 1,
           ny = valid && n <= (int32_t)MAX_VALUES ? (size_t)n : 1;
    float *x = malloc((nx ? nx : 1) * sizeof(float)), *y = malloc(ny * sizeof(float));
    if (!x || !y) abort();
    int fmode = flags & 3, lmode = (flags >> 2) & 3;
    for (size_t i = 0; i < nx; i++) x[i] = value(&r, fmode, 1);
    for (size_t i = 0; i < ny; i++) y[i] = value(&r, lmode, O);
    const float *xa = x, *ya = y;
    if ((flags & 128) && (seed & 1)) xa = NULL;
    if ((flags & 128) && !(seed & 1)) ya = NULL;

    fg_dataset *const sentinel = (fg_dataset *)(uintptr_t)0x10;
    fg_dataset *ds = sentinel;
    fg_status st;
    int adopt = (seed >> 6) & 1;
    float *ax = NULL, *ay = NULL;
    if (adopt) {
        /* fg_dataset_adopt: the same checks; on success the dataset owns the
         * fg_malloc'd buffers, on failure the caller still does */
        if (xa) {
            ax = fg_malloc(nx * sizeof(float));
            memcpy(ax, x, nx * sizeof(float));
        }
        if (ya) {
            ay = fg_malloc(ny * sizeof(float));
            memcpy(ay, y, ny * sizeof(float));
        }
        st = fg_dataset_adopt(ax, ay, n, T, D, O, &ds);
        if (st != FG_OK) {
            FZ_ASSERT((!ax || memcmp(ax, x, nx * 4) == 0) && (!ay || memcmp(ay, y, ny * 4) == 0),
                      "failed adopt changed the buffers");
            fg_free(ax);
            fg_free(ay);
        } else {
            FZ_ASSERT(fg_dataset_features(ds) == ax && fg_dataset_labels(ds) == ay,
                      "adopt copied the buffers");
        }
    } else {
        st = fg_dataset_create(xa, ya, n, T, D, O, &ds);
    }
    if (st != FG_OK) {
        fz_check_failure(st, FZ_INVALID | FZ_OOM, adopt ? "fg_dataset_adopt" : "fg_dataset_create");
        FZ_ASSERT(ds == sentinel, "failed create wrote *out");
    } else {
        FZ_ASSERT(valid && xa && ya, "create accepted n %d T %d D %d O %d", n, T, D, O);
        FZ_ASSERT(fg_dataset_len(ds) == n && fg_dataset_timesteps(ds) == T &&
                      fg_dataset_input_dim(ds) == D && fg_dataset_output_dim(ds) == O &&
                      !fg_dataset_is_empty(ds),
                  "shape not kept");
        FZ_ASSERT(memcmp(fg_dataset_features(ds), x, nx * 4) == 0, "features not copied exactly");
        FZ_ASSERT(memcmp(fg_dataset_labels(ds), y, ny * 4) == 0, "labels not copied exactly");
        FZ_ASSERT(fg_dataset_soft_targets(ds) == NULL, "soft targets from nowhere");
        for (size_t i = 0; i < nx; i++)
            FZ_ASSERT(isfinite(x[i]), "accepted feature %zu = %g", i, (double)x[i]);
        for (size_t i = 0; i < ny; i++)
            FZ_ASSERT(label_ok(y[i], O), "accepted label %zu = %g", i, (double)y[i]);
        exercise(ds, &r, flags, batch, ratio, lr, seed);
        fg_dataset_destroy(ds);
    }
    free(x);
    free(y);
    return 0;
}
