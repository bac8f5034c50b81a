/*
 * fuzz_model_roundtrip.c - load a model from arbitrary bytes, then use it:
 * forward, logits, teacher predictions, clone, normalization, one training
 * step, save and load again.
 *
 * Input: u8 flags, u8 n, u8 timesteps, u8 code, then the safetensors bytes.
 *   flags bit 0-1: input values (0 small, 1 raw float bits from the seed,
 *                  2 awkward values, 3 large); bit 2: NaN in the input;
 *                  bit 3: multi-step training; bits 4-7: temperature code
 *   code: learning rate code (see lr_of); bits 6-7 also pick a compression
 *         of the clone before training: 1 prune, 2 quantize, 3 both
 *
 * Also exports C source (with the prefix "model", or 8 input bytes when
 * data[1] has bit 7 set: then InvalidInput is allowed).
 *
 * Checks: failures are clean (status, message, outputs untouched); the
 * probabilities of a binary model are in [0, 1] and each multi-class row
 * sums to 1 (when the weights do not overflow to NaN); a clone saves to the
 * same bytes; a training step that fails leaves the weights as they were,
 * one that succeeds leaves them finite (and pruned entries at zero); a
 * quantized model refuses training; save -> load -> save is exact for dense,
 * sparse and quantized models alike.
 */
#include <float.h>
#include <math.h>

#include "fuzz_common.h"

#define MAX_PARAMS (1u << 15)

static float lr_of(uint8_t code) {
    static const float special[6] = {0.01f, 1e30f, 1e6f, 0.0f, NAN, 1e-3f};
    return code < 6 ? special[code] : (float)code / 255.0f;
}

static float temp_of(unsigned code) {
    static const float t[16] = {1,        3, 0.5f, 1e-20f, 1e20f, 0,     -1,  NAN,
                                INFINITY, 2, 10,   0.01f,  7,     1e-3f, 100, 1};
    return t[code & 15];
}

static void check_probs(const float *p, int32_t n, int32_t O, const char *what) {
    for (int32_t b = 0; b < n; b++) {
        double sum = 0;
        int nan = 0;
        for (int32_t k = 0; k < O; k++) {
            float v = p[(size_t)b * O + k];
            if (isnan(v)) {
                nan = 1;
                continue;
            }
            FZ_ASSERT(v >= 0.0f && v <= 1.0f, "%s: probability %g", what, (double)v);
            sum += v;
        }
        if (O > 1 && !nan) FZ_ASSERT(fabs(sum - 1.0) < 1e-3, "%s: row %d sums to %g", what, b, sum);
    }
}

static void save_load_exact(const fg_model *m) {
    uint8_t *b1 = NULL, *b2 = NULL;
    size_t n1 = 0, n2 = 0;
    FZ_ASSERT(fg_model_save(m, &b1, &n1) == FG_OK, "save");
    fg_model *m2 = NULL;
    FZ_ASSERT(fg_model_load(b1, n1, &m2) == FG_OK, "load of a saved model");
    FZ_ASSERT(fz_same_params(m, m2), "params changed in save -> load");
    FZ_ASSERT(fg_model_save(m2, &b2, &n2) == FG_OK && n1 == n2 && memcmp(b1, b2, n1) == 0,
              "save -> load -> save differs");
    fg_model_destroy(m2);
    fg_free(b1);
    fg_free(b2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 4) return 0;
    uint8_t flags = data[0], code = data[3];
    int32_t n = 1 + data[1] % 8, T = 1 + data[2] % 4;
    fg_model *m = NULL;
    fg_status st = fg_model_load(data + 4, size - 4, &m);
    if (st != FG_OK) {
        fz_check_failure(st, FZ_SERIAL | FZ_OOM, "fg_model_load");
        FZ_ASSERT(m == NULL, "failed load wrote *out");
        return 0;
    }
    const fg_model_config *cfg = fg_model_get_config(m);
    int32_t D = cfg->input_dim, O = cfg->output_dim, H = cfg->hidden_dim;
    if (fg_model_num_params(m) > MAX_PARAMS || (size_t)n * T * (D > H ? D : H) > MAX_PARAMS) {
        fg_model_destroy(m);
        return 0;
    }

    /* inputs */
    size_t nx = (size_t)n * T * D;
    float *x = malloc(nx * sizeof(float));
    float *out = malloc((size_t)n * O * sizeof(float)),
          *out2 = malloc((size_t)n * O * sizeof(float));
    if (!x || !out || !out2) abort();
    static const float awkward[8] = {0, -0.0f, 1e-45f, 1e30f, -1e30f, FLT_MAX, -FLT_MAX, 1};
    for (size_t i = 0; i < nx; i++) {
        uint8_t b = data[4 + i % (size - 4)];
        switch (flags & 3) {
            case 0:
                x[i] = ((float)b - 128.0f) / 32.0f;
                break;
            case 1: {
                uint32_t u = 0x3f000000u ^ ((uint32_t)b << 13) ^ (uint32_t)i * 2654435761u;
                memcpy(&x[i], &u, 4);
                if (!isfinite(x[i])) x[i] = 0.0f;
                break;
            }
            case 2:
                x[i] = awkward[b & 7];
                break;
            default:
                x[i] = ((float)b - 128.0f) * 1e6f;
                break;
        }
    }
    if (flags & 4) x[nx / 2] = NAN;
    int bad_input = (flags & 4) != 0;

    /* forward, logits, teacher predictions */
    for (size_t i = 0; i < (size_t)n * O; i++) out[i] = out2[i] = -7.0f;
    st = fg_model_forward_batch(m, x, n, T, out);
    if (bad_input) {
        fz_check_failure(st, FZ_INVALID, "forward_batch with NaN input");
        for (size_t i = 0; i < (size_t)n * O; i++)
            FZ_ASSERT(out[i] == -7.0f, "failed forward wrote output");
    } else {
        FZ_ASSERT(st == FG_OK, "forward_batch failed on valid input");
        check_probs(out, n, O, "forward_batch");
        FZ_ASSERT(fg_model_forward(m, x, T, out2) == FG_OK, "forward");
        FZ_ASSERT(memcmp(out, out2, (size_t)O * 4) == 0, "forward and forward_batch disagree");
        FZ_ASSERT(fg_model_logits_batch(m, x, n, T, out2) == FG_OK, "logits");
    }
    float temp = temp_of(flags >> 4);
    for (size_t i = 0; i < (size_t)n * O; i++) out2[i] = -7.0f;
    st = fg_generate_teacher_predictions(m, x, n, T, temp, out2);
    if (bad_input || !(temp > 0.0f) || !isfinite(temp)) {
        fz_check_failure(st, FZ_INVALID, "teacher predictions");
        for (size_t i = 0; i < (size_t)n * O; i++)
            FZ_ASSERT(out2[i] == -7.0f, "failed call wrote output");
    } else {
        FZ_ASSERT(st == FG_OK, "teacher predictions failed");
        check_probs(out2, n, O, "teacher predictions");
    }

    /* C source export; data[1] bit 7: a prefix taken from the input bytes */
    char prefix[9] = "model";
    if (data[1] & 0x80) {
        for (int i = 0; i < 8; i++) prefix[i] = (char)data[4 + (size_t)i % (size - 4)];
        prefix[8] = '\0';
    }
    char *const src_sentinel = (char *)(uintptr_t)0x10;
    char *src = src_sentinel;
    st = fg_model_export_c(m, prefix, &src);
    if (st != FG_OK) {
        fz_check_failure(st, FZ_INVALID | FZ_OOM, "export_c");
        FZ_ASSERT(src == src_sentinel, "failed export wrote its output");
        FZ_ASSERT(data[1] & 0x80, "export with prefix \"model\" failed");
    } else {
        FZ_ASSERT(src != NULL && strstr(src, prefix) != NULL, "exported source lacks the prefix");
        fg_free(src);
    }

    /* clone: same bytes */
    fg_model *c = NULL;
    FZ_ASSERT(fg_model_clone(m, &c) == FG_OK, "clone");
    uint8_t *b1 = NULL, *b2 = NULL;
    size_t n1 = 0, n2 = 0;
    FZ_ASSERT(fg_model_save(m, &b1, &n1) == FG_OK && fg_model_save(c, &b2, &n2) == FG_OK, "save");
    FZ_ASSERT(n1 == n2 && memcmp(b1, b2, n1) == 0, "a clone saves differently");
    fg_free(b1);
    fg_free(b2);

    /* normalization from the input values (stds may be 0 or negative: refused) */
    st = fg_model_set_normalization(c, x, x + (nx > (size_t)D ? D : 0), D);
    if (st != FG_OK) {
        fz_check_failure(st, FZ_INVALID, "set_normalization");
        FZ_ASSERT(fz_same_params(m, c), "failed set_normalization changed the model");
    }
    save_load_exact(c);

    /* compression: prune (sparsity from the input) and/or quantize */
    int compress = code >> 6;
    if (compress & 1) {
        float sparsity = (float)(data[4 + (size - 4) / 2] % 10) / 10.0f;
        st = fg_model_prune(c, sparsity);
        if (fg_model_is_quantized(c))
            fz_check_failure(st, FZ_INVALID, "prune of a quantized model");
        else FZ_ASSERT(st == FG_OK, "prune %g failed", (double)sparsity);
        save_load_exact(c);
    }
    if (compress & 2) {
        FZ_ASSERT(fg_model_quantize(c) == FG_OK && fg_model_is_quantized(c), "quantize failed");
        save_load_exact(c);
        for (size_t i = 0; i < (size_t)n * O; i++) out2[i] = -7.0f;
        if (!bad_input) {
            FZ_ASSERT(fg_model_forward_batch(c, x, n, T, out2) == FG_OK,
                      "forward of the quantized model");
            check_probs(out2, n, O, "quantized forward_batch");
        }
    }
    size_t np = fg_model_num_params(c);
    uint8_t *mask = malloc(np);
    float *params = malloc(np * sizeof(float));
    if (!mask || !params) abort();
    FZ_ASSERT(fg_model_get_mask(c, mask, np) == FG_OK, "get_mask");

    /* training steps */
    if (!bad_input) {
        fg_training_config tc = fg_training_config_default();
        tc.learning_rate = lr_of(code);
        tc.grad_clip = (code & 1) ? 0.0f : 5.0f;
        fg_trainer *tr = NULL;
        st = fg_trainer_create(cfg, &tc, &tr);
        if (st != FG_OK) {
            fz_check_failure(st, FZ_INVALID, "trainer_create");
        } else {
            float *y = malloc((size_t)n * sizeof(float));
            if (!y) abort();
            for (int32_t b = 0; b < n; b++) y[b] = O == 1 ? (float)(b & 1) : (float)(b % O);
            int steps = (flags & 8) ? 5 : 1;
            for (int s = 0; s < steps; s++) {
                fg_model *before = NULL;
                FZ_ASSERT(fg_model_clone(c, &before) == FG_OK, "clone");
                float loss = -1;
                st = fg_trainer_train_batch(tr, c, x, y, NULL, n, T, &loss);
                if (st != FG_OK) {
                    fz_check_failure(st,
                                     fg_model_is_quantized(c) ? FZ_INVALID : FZ_DIVERGED | FZ_OOM,
                                     "train_batch");
                    FZ_ASSERT(fz_same_params(c, before), "a failed step changed the weights");
                } else {
                    FZ_ASSERT(!fg_model_is_quantized(c), "a quantized model trained");
                    FZ_ASSERT(isfinite(loss) && loss >= 0, "loss %g", (double)loss);
                    FZ_ASSERT(fg_model_get_params(c, params, np) == FG_OK, "get_params");
                    for (size_t i = 0; i < np; i++) {
                        FZ_ASSERT(isfinite(params[i]), "param %zu = %g after a step", i,
                                  (double)params[i]);
                        FZ_ASSERT(mask[i] || params[i] == 0.0f,
                                  "pruned param %zu = %g after a step", i, (double)params[i]);
                    }
                }
                fg_model_destroy(before);
            }
            free(y);
            fg_trainer_destroy(tr);
            save_load_exact(c);
        }
    }
    free(mask);
    free(params);
    fg_model_destroy(c);
    save_load_exact(m);
    free(x);
    free(out);
    free(out2);
    fg_model_destroy(m);
    return 0;
}
