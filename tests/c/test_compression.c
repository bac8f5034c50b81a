/*
 * test_compression.c - sparse and INT8 FastGRNN: accuracy, size, the
 * quantization error bound, and the sparse / quantized safetensors forms.
 *
 * 1. Accuracy. On the routing data (5 uniform features; label
 *    0.4 sim + 0.3 success + 0.3 (1 - complexity) + U(-0.1, 0.1) > 0.6;
 *    z-scored; hidden 16) and on a sequence task (T = 12; the label is the
 *    sign of the sum of the first three steps' feature 0, later steps are
 *    noise): magnitude pruning to 50 % (+ fine-tuning on the fixed support),
 *    IHT sparse training to 70 % and INT8 quantization each keep the
 *    accuracy on a held-out set within 1 point of the dense model.
 * 2. Size. fg_model_size_bytes equals the data section of the bytes
 *    fg_model_save writes and of the file fg_model_save_file writes, and an
 *    independent count (4 bytes per float, 1 per int8 + 4 per scale, sparse
 *    values + U16/U32 indices); a saved model loads back with the same mask,
 *    scales and outputs.
 * 3. The quantization error bound (README, "Compression and deployment"):
 *    per sample, |logit_int8 - logit_float| <= B, where B propagates the
 *    actual weight errors |dM| <= scale / 2 through the recurrence with the
 *    largest sigmoid'/tanh' over each pre-activation's uncertainty interval.
 *    Checked in exact-ish (double) arithmetic, then against the library's
 *    float outputs with a float-rounding allowance checked separately.
 * 4. Files: sparse / quantized models round-trip; every new loader rule
 *    (indices out of range, not ascending, length mismatch, I8 without
 *    scale, bad scales, -128, wrong index dtype, mixed forms, missing config,
 *    ...) is a SerializationError naming the problem; truncations and byte
 *    flips of a sparse int8 file never crash.
 */
#define _POSIX_C_SOURCE 200809L
#include <unistd.h>

#include "check.h"

#define SENTINEL ((fg_model *)(uintptr_t)0x5EED)

/* ---- data ------------------------------------------------------------------ */

typedef struct {
    const char *name;
    int32_t T, D;
    fg_dataset *train, *val;
} task;

static void routing_data(int32_t n, uint64_t seed, float *x, float *y) {
    test_rng r = {seed};
    for (int32_t i = 0; i < n; i++) {
        float *f = x + (size_t)i * 5;
        for (int d = 0; d < 5; d++) f[d] = (float)trng_uniform(&r);
        double score = 0.4 * f[0] + 0.3 * f[3] + 0.3 * (1.0 - f[4]) + trng_range(&r, -0.1, 0.1);
        y[i] = score > 0.6 ? 1.0f : 0.0f;
    }
}

/* D = 3: feature 0 carries the signal at steps 0-2 and noise later, feature
 * 1 marks the signal steps, feature 2 is noise. Label: sum of the signal > 0. */
static void sequence_data(int32_t n, int32_t T, uint64_t seed, float *x, float *y) {
    test_rng r = {seed};
    for (int32_t i = 0; i < n; i++) {
        double s = 0;
        for (int32_t t = 0; t < T; t++) {
            float *f = x + ((size_t)i * T + t) * 3;
            f[0] = (float)trng_normal(&r);
            f[1] = t < 3 ? 1.0f : 0.0f;
            f[2] = (float)trng_normal(&r);
            if (t < 3) s += f[0];
        }
        y[i] = s > 0 ? 1.0f : 0.0f;
    }
}

static task make_task(int sequence) {
    task tk;
    tk.name = sequence ? "sequence (T=12)" : "routing";
    tk.T = sequence ? 12 : 1;
    tk.D = sequence ? 3 : 5;
    int32_t n = 3000, nv = 2000;
    float *x = alloc_floats((size_t)n * tk.T * tk.D), *y = alloc_floats((size_t)n);
    float *xv = alloc_floats((size_t)nv * tk.T * tk.D), *yv = alloc_floats((size_t)nv);
    if (sequence) {
        sequence_data(n, tk.T, 11, x, y);
        sequence_data(nv, tk.T, 12, xv, yv);
    } else {
        routing_data(n, 11, x, y);
        routing_data(nv, 12, xv, yv);
    }
    if (fg_dataset_create(x, y, n, tk.T, tk.D, 1, &tk.train) != FG_OK ||
        fg_dataset_create(xv, yv, nv, tk.T, tk.D, 1, &tk.val) != FG_OK) {
        printf("dataset: %s\n", fg_last_error());
        exit(2);
    }
    float mean[8], sd[8];
    fg_dataset_normalize(tk.train, mean, sd);
    fg_dataset_apply_normalization(tk.val, mean, sd, tk.D);
    free(x);
    free(y);
    free(xv);
    free(yv);
    return tk;
}

static fg_model_config model_config(const task *tk) {
    fg_model_config c = fg_model_config_default();
    c.input_dim = tk->D;
    c.hidden_dim = 16;
    c.output_dim = 1;
    c.rank = FG_RANK_NONE;
    c.seed = 42;
    return c;
}

static fg_training_config training_config(int32_t epochs, float lr) {
    fg_training_config c = fg_training_config_default();
    c.epochs = epochs;
    c.learning_rate = lr;
    c.lr_decay_step = epochs / 2 > 0 ? epochs / 2 : 1;
    c.early_stopping_patience = FG_PATIENCE_NONE;
    return c;
}

static float accuracy(const fg_model *m, const fg_dataset *ds) {
    fg_model_config mc = *fg_model_get_config(m);
    fg_training_config tc = fg_training_config_default();
    fg_trainer *tr = NULL;
    float loss = 0, acc = -1;
    fg_trainer_create(&mc, &tc, &tr);
    fg_trainer_evaluate(tr, m, ds, &loss, &acc);
    fg_trainer_destroy(tr);
    return acc;
}

static fg_status train(fg_model *m, const fg_dataset *ds, const fg_training_config *tc) {
    fg_trainer *tr = NULL;
    fg_status st = fg_trainer_create(fg_model_get_config(m), tc, &tr);
    if (st == FG_OK) st = fg_trainer_train(tr, m, ds, NULL, NULL);
    fg_trainer_destroy(tr);
    return st;
}

/* ---- sizes ------------------------------------------------------------------ */

static uint64_t get_u64(const uint8_t *b) {
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v |= (uint64_t)b[i] << (8 * i);
    return v;
}

/* The stored size counted from the public API alone. */
static size_t independent_size(const fg_model *m) {
    size_t np = fg_model_num_params(m), bytes = 0;
    uint8_t *mask = malloc(np);
    fg_model_get_mask(m, mask, np);
    int q = fg_model_is_quantized(m), sparse = fg_model_is_sparse(m);
    for (int i = 0; i < fg_model_num_tensors(m); i++) {
        const char *name;
        int32_t rows, cols;
        size_t off;
        fg_model_tensor_info(m, i, &name, &rows, &cols, &off);
        size_t size = (size_t)rows * (size_t)(cols ? cols : 1);
        int weight = cols > 0, cell = weight && strncmp(name, "cell.", 5) == 0;
        size_t value = q && weight ? 1 : 4;
        if (q && weight) bytes += 4;
        if (sparse && cell) {
            size_t nnz = 0;
            for (size_t k = 0; k < size; k++) nnz += mask[off + k];
            bytes += nnz * (value + (size <= 65536 ? 2 : 4));
        } else {
            bytes += size * value;
        }
    }
    free(mask);
    return bytes;
}

/* size_bytes == data section of save() and of save_file(); the model loads
 * back with the same forms and outputs. Returns the size. */
static size_t check_size(const char *what, const fg_model *m, const fg_dataset *val) {
    uint8_t *bytes = NULL;
    size_t len = 0, size = fg_model_size_bytes(m);
    if (!CHECK_STATUS(fg_model_save(m, &bytes, &len), FG_OK, what)) return size;
    uint64_t n = get_u64(bytes);
    CHECK(8 + n + size == len, "%s: size_bytes %zu == data section of the saved bytes %llu", what,
          size, (unsigned long long)(len - 8 - n));
    CHECK(size == independent_size(m), "%s: size_bytes %zu == independent count %zu", what, size,
          independent_size(m));
    char path[] = "/tmp/fg_test_compression_XXXXXX";
    int fd = mkstemp(path);
    if (fd >= 0) close(fd);
    CHECK_STATUS(fg_model_save_file(m, path), FG_OK, what);
    FILE *f = fopen(path, "rb");
    long flen = -1;
    uint8_t head[8] = {0};
    if (f) {
        if (fread(head, 1, 8, f) != 8) head[0] = 0;
        fseek(f, 0, SEEK_END);
        flen = ftell(f);
        fclose(f);
    }
    remove(path);
    CHECK(flen >= 8 && (uint64_t)flen - 8 - get_u64(head) == size,
          "%s: file of %ld bytes, data section %zu bytes", what, flen, size);

    fg_model *back = NULL;
    if (CHECK_STATUS(fg_model_load(bytes, len, &back), FG_OK, what)) {
        CHECK(fg_model_is_sparse(back) == fg_model_is_sparse(m) &&
                  fg_model_is_quantized(back) == fg_model_is_quantized(m) &&
                  fg_model_sparsity(back) == fg_model_sparsity(m) &&
                  fg_model_size_bytes(back) == size,
              "%s: loads back sparse %d, int8 %d, sparsity %.3f", what, fg_model_is_sparse(back),
              fg_model_is_quantized(back), (double)fg_model_sparsity(back));
        size_t np = fg_model_num_params(m);
        float *pa = alloc_floats(np), *pb = alloc_floats(np);
        uint8_t *ma = malloc(np), *mb = malloc(np);
        fg_model_get_params(m, pa, np);
        fg_model_get_params(back, pb, np);
        fg_model_get_mask(m, ma, np);
        fg_model_get_mask(back, mb, np);
        int scales = 1;
        for (int i = 0; i < fg_model_num_tensors(m); i++)
            scales &= fg_model_tensor_scale(m, i) == fg_model_tensor_scale(back, i);
        CHECK(same_bits_f(pa, pb, np) && memcmp(ma, mb, np) == 0 && scales,
              "%s: same parameters, mask and scales", what);
        int32_t nv = fg_dataset_len(val), T = fg_dataset_timesteps(val);
        float *la = alloc_floats((size_t)nv), *lb = alloc_floats((size_t)nv);
        fg_model_logits_batch(m, fg_dataset_features(val), nv, T, la);
        fg_model_logits_batch(back, fg_dataset_features(val), nv, T, lb);
        CHECK(same_bits_f(la, lb, (size_t)nv), "%s: same logits after the round trip", what);
        uint8_t *again = NULL;
        size_t len2 = 0;
        fg_model_save(back, &again, &len2);
        CHECK(len2 == len && memcmp(again, bytes, len) == 0,
              "%s: save -> load -> save gives the same bytes", what);
        fg_free(again);
        free(pa);
        free(pb);
        free(ma);
        free(mb);
        free(la);
        free(lb);
        fg_model_destroy(back);
    }
    fg_free(bytes);
    return size;
}

/* ---- 1 + 2: accuracy and size ------------------------------------------------ */

static void test_task(int sequence) {
    task tk = make_task(sequence);
    check_section(tk.name);
    fg_model_config mc = model_config(&tk);
    fg_training_config tc = training_config(30, 0.01f);

    fg_model *dense = NULL;
    fg_model_create(&mc, &dense);
    CHECK_STATUS(train(dense, tk.train, &tc), FG_OK, "dense training");
    float a_dense = accuracy(dense, tk.val);
    size_t s_dense = check_size("dense", dense, tk.val);
    CHECK(a_dense > (sequence ? 0.95f : 0.85f),
          "%s: dense model learns the task: accuracy %.4f, %zu bytes", tk.name, (double)a_dense,
          s_dense);

    /* magnitude pruning to 50 %, then fine-tuning on the fixed support */
    fg_model *pruned = NULL;
    fg_model_clone(dense, &pruned);
    CHECK_STATUS(fg_model_prune(pruned, 0.5f), FG_OK, "prune 0.5");
    CHECK(fabsf(fg_model_sparsity(pruned) - 0.5f) < 1e-6f, "pruned sparsity %.4f",
          (double)fg_model_sparsity(pruned));
    float a_pruned_raw = accuracy(pruned, tk.val);
    fg_training_config ft = training_config(10, 0.005f);
    CHECK_STATUS(train(pruned, tk.train, &ft), FG_OK, "fine-tuning the pruned model");
    CHECK(fabsf(fg_model_sparsity(pruned) - 0.5f) < 1e-6f, "fine-tuning keeps the sparsity (%.4f)",
          (double)fg_model_sparsity(pruned));
    float a_pruned = accuracy(pruned, tk.val);
    size_t s_pruned = check_size("pruned 50%", pruned, tk.val);
    CHECK(a_pruned >= a_dense - 0.01f,
          "%s: pruned 50%% + fine-tuning: accuracy %.4f vs dense %.4f (%.4f before fine-tuning), "
          "within 1 point; %zu bytes",
          tk.name, (double)a_pruned, (double)a_dense, (double)a_pruned_raw, s_pruned);

    /* IHT sparse training to 70 % */
    fg_training_config it = tc;
    it.sparsity_w = 0.7f;
    it.sparsity_u = 0.7f;
    fg_model *iht = NULL;
    fg_model_create(&mc, &iht);
    CHECK_STATUS(train(iht, tk.train, &it), FG_OK, "IHT training");
    float a_iht = accuracy(iht, tk.val);
    size_t s_iht = check_size("IHT 70%", iht, tk.val);
    CHECK(fg_model_is_sparse(iht) && fabsf(fg_model_sparsity(iht) - 0.7f) < 0.005f,
          "IHT sparsity %.4f", (double)fg_model_sparsity(iht));
    CHECK(a_iht >= a_dense - 0.01f,
          "%s: IHT 70%%: accuracy %.4f vs dense %.4f, within 1 point; %zu bytes", tk.name,
          (double)a_iht, (double)a_dense, s_iht);

    /* INT8 */
    fg_model *q = NULL;
    fg_model_clone(dense, &q);
    CHECK_STATUS(fg_model_quantize(q), FG_OK, "quantize");
    float a_q = accuracy(q, tk.val);
    size_t s_q = check_size("int8", q, tk.val);
    CHECK(a_q >= a_dense - 0.01f,
          "%s: int8: accuracy %.4f vs dense %.4f, within 1 point; %zu bytes", tk.name, (double)a_q,
          (double)a_dense, s_q);
    CHECK(s_q < s_dense / 3, "int8 is under a third of the dense size (%zu vs %zu)", s_q, s_dense);
    /* the int8 entries: weight = q * scale exactly; dense tensors refuse */
    {
        size_t np = fg_model_num_params(q);
        float *w = alloc_floats(np);
        int8_t *qs = malloc(np);
        fg_model_get_params(q, w, np);
        int exact = 1, tensors = 0;
        for (int i = 0; i < fg_model_num_tensors(q); i++) {
            const char *name;
            int32_t rows, cols;
            size_t off;
            fg_model_tensor_info(q, i, &name, &rows, &cols, &off);
            size_t size = (size_t)rows * (cols ? (size_t)cols : 1);
            float sc = fg_model_tensor_scale(q, i);
            if (sc == 0) continue;
            tensors++;
            if (fg_model_tensor_int8(q, i, qs, size)) exact = 0;
            for (size_t k = 0; k < size && exact; k++) exact = (float)qs[k] * sc == w[off + k];
        }
        CHECK(tensors >= 2 && exact, "fg_model_tensor_int8: %d tensors, every weight = q * scale",
              tensors);
        CHECK_STATUS(fg_model_tensor_int8(dense, 0, qs, 1), FG_ERR_INVALID_INPUT,
                     "int8 entries of a dense model");
        CHECK(mentions(fg_last_error(), "not quantized"), "the message says why: %s",
              fg_last_error());
        free(w);
        free(qs);
    }

    /* sparse + int8 */
    fg_model_quantize(iht);
    float a_iq = accuracy(iht, tk.val);
    size_t s_iq = check_size("IHT 70% + int8", iht, tk.val);
    CHECK(s_iq < s_iht && s_iht < s_pruned && s_pruned < s_dense,
          "sizes: IHT+int8 %zu < IHT %zu < pruned %zu < dense %zu", s_iq, s_iht, s_pruned, s_dense);
    printf("     %s: dense %.4f/%zu B, pruned50 %.4f/%zu B, IHT70 %.4f/%zu B, int8 %.4f/%zu B, "
           "IHT70+int8 %.4f/%zu B\n",
           tk.name, (double)a_dense, s_dense, (double)a_pruned, s_pruned, (double)a_iht, s_iht,
           (double)a_q, s_q, (double)a_iq, s_iq);

    fg_model_destroy(dense);
    fg_model_destroy(pruned);
    fg_model_destroy(iht);
    fg_model_destroy(q);
    fg_dataset_destroy(tk.train);
    fg_dataset_destroy(tk.val);
}

/* ---- 3: the quantization error bound ---------------------------------------- */

/* A model in double: the stored matrices (factors when low-rank) with their
 * masks and int8 scales, the effective W [H,D] and U [H,H], biases, gates. */
typedef struct {
    int32_t rows, cols;
    double *v;     /* [rows, cols]                                    */
    uint8_t *keep; /* [rows, cols]                                    */
    double scale;  /* of the quantized copy                           */
} dmat;

typedef struct {
    int32_t D, H, O, rw, ru;
    dmat W, W1, W2, U, U1, U2, Wo; /* W / U: effective (products when low-rank) */
    double *bz, *bh, *bo;
    double zeta, nu;
} dmodel;

static double sigmoid_d(double x) { return 1.0 / (1.0 + exp(-x)); }

static void dmat_init(dmat *d, int32_t rows, int32_t cols) {
    d->rows = rows;
    d->cols = cols;
    d->v = calloc((size_t)rows * cols, sizeof(double));
    d->keep = malloc((size_t)rows * cols);
    memset(d->keep, 1, (size_t)rows * cols);
    d->scale = 0;
}

static void dmat_free(dmat *d) {
    free(d->v);
    free(d->keep);
}

/* C [n, m] = A [n, k] B [k, m] */
static void matmul(const double *A, const double *B, double *C, int32_t n, int32_t k, int32_t m) {
    for (int32_t i = 0; i < n; i++)
        for (int32_t j = 0; j < m; j++) {
            double s = 0;
            for (int32_t r = 0; r < k; r++) s += A[(size_t)i * k + r] * B[(size_t)r * m + j];
            C[(size_t)i * m + j] = s;
        }
}

/* m in double; scales_from: the quantized copy (its per-tensor scales). */
static void dmodel_of(const fg_model *m, const fg_model *scales_from, dmodel *d) {
    const fg_model_config *c = fg_model_get_config(m);
    memset(d, 0, sizeof *d);
    d->D = c->input_dim;
    d->H = c->hidden_dim;
    d->O = c->output_dim;
    d->rw = fg_model_w_rank(m);
    d->ru = fg_model_u_rank(m);
    int32_t D = d->D, H = d->H, O = d->O;
    size_t np = fg_model_num_params(m);
    float *p = alloc_floats(np);
    uint8_t *mask = malloc(np);
    fg_model_get_params(m, p, np);
    fg_model_get_mask(m, mask, np);
    dmat_init(&d->W, H, D);
    dmat_init(&d->U, H, H);
    d->bz = calloc((size_t)H, sizeof(double));
    d->bh = calloc((size_t)H, sizeof(double));
    d->bo = calloc((size_t)O, sizeof(double));
    for (int i = 0; i < fg_model_num_tensors(m); i++) {
        const char *name;
        int32_t rows, cols;
        size_t off;
        fg_model_tensor_info(m, i, &name, &rows, &cols, &off);
        size_t size = (size_t)rows * (size_t)(cols ? cols : 1);
        dmat *dm = !strcmp(name, "cell.W")        ? &d->W
                   : !strcmp(name, "cell.W1")     ? &d->W1
                   : !strcmp(name, "cell.W2")     ? &d->W2
                   : !strcmp(name, "cell.U")      ? &d->U
                   : !strcmp(name, "cell.U1")     ? &d->U1
                   : !strcmp(name, "cell.U2")     ? &d->U2
                   : !strcmp(name, "head.weight") ? &d->Wo
                                                  : NULL;
        if (dm) {
            if (dm != &d->W && dm != &d->U) dmat_init(dm, rows, cols);
            for (size_t k = 0; k < size; k++) {
                dm->v[k] = p[off + k];
                dm->keep[k] = mask[off + k];
            }
            dm->scale = scales_from ? fg_model_tensor_scale(scales_from, i) : 0;
        }
        if (!strcmp(name, "cell.bias_gate"))
            for (size_t k = 0; k < size; k++) d->bz[k] = p[off + k];
        if (!strcmp(name, "cell.bias_update"))
            for (size_t k = 0; k < size; k++) d->bh[k] = p[off + k];
        if (!strcmp(name, "cell.zeta")) d->zeta = sigmoid_d(p[off]);
        if (!strcmp(name, "cell.nu")) d->nu = sigmoid_d(p[off]);
        if (!strcmp(name, "head.bias"))
            for (size_t k = 0; k < size; k++) d->bo[k] = p[off + k];
    }
    if (d->rw) matmul(d->W1.v, d->W2.v, d->W.v, H, d->rw, D);
    if (d->ru) matmul(d->U1.v, d->U2.v, d->U.v, H, d->ru, H);
    free(p);
    free(mask);
}

static void dmodel_free(dmodel *d) {
    dmat_free(&d->W);
    dmat_free(&d->U);
    dmat_free(&d->Wo);
    if (d->rw) {
        dmat_free(&d->W1);
        dmat_free(&d->W2);
    }
    if (d->ru) {
        dmat_free(&d->U1);
        dmat_free(&d->U2);
    }
    free(d->bz);
    free(d->bh);
    free(d->bo);
}

#define MAXH 64
#define MAXT 32

/* Forward in double of one sequence x [T, D]: logits y [O]; with a trace,
 * the states for the backward pass. */
typedef struct {
    double h[MAXT + 1][MAXH]; /* h[t + 1] = h_t, h[0] = 0 */
    double z[MAXT][MAXH], c[MAXT][MAXH];
} trace;

static void forward_d(const dmodel *m, const float *x, int32_t T, double *y, trace *tr) {
    int32_t D = m->D, H = m->H;
    for (int32_t j = 0; j < H; j++) tr->h[0][j] = 0;
    for (int32_t t = 0; t < T; t++) {
        const float *xt = x + (size_t)t * D;
        for (int32_t j = 0; j < H; j++) {
            double a = 0;
            for (int32_t k = 0; k < D; k++) a += m->W.v[(size_t)j * D + k] * xt[k];
            for (int32_t k = 0; k < H; k++) a += m->U.v[(size_t)j * H + k] * tr->h[t][k];
            double z = sigmoid_d(a + m->bz[j]), c = tanh(a + m->bh[j]);
            tr->z[t][j] = z;
            tr->c[t][j] = c;
            tr->h[t + 1][j] = z * tr->h[t][j] + (m->zeta * (1.0 - z) + m->nu) * c;
        }
    }
    for (int32_t o = 0; o < m->O; o++) {
        double s = m->bo[o];
        for (int32_t k = 0; k < H; k++) s += m->Wo.v[(size_t)o * H + k] * tr->h[T][k];
        y[o] = s;
    }
}

/* The rigorous bound R on |y_q - y_f| (exact arithmetic): every quantity of
 * the int8 model is enclosed around the float model's, using |dW| (the
 * actual weight changes), monotonicity of sigmoid and tanh, and
 *   h_q - h_f = (z_q - z_f) h_f' + z_q (h_q' - h_f') + (g_q - g_f) c_f + g_q (c_q - c_f)
 * with g = zeta (1 - z) + nu (' = previous step). Elementwise absolute values,
 * so for long sequences it grows quickly: a worst case, not an estimate. */
static void rigorous_bound(const dmodel *f, const dmodel *q, const float *x, int32_t T,
                           const trace *tr, double *R) {
    int32_t D = f->D, H = f->H;
    double e[MAXH], en[MAXH];
    for (int32_t j = 0; j < H; j++) e[j] = 0;
    for (int32_t t = 0; t < T; t++) {
        const float *xt = x + (size_t)t * D;
        const double *hp = tr->h[t];
        for (int32_t j = 0; j < H; j++) {
            double a = 0, E = 0;
            for (int32_t k = 0; k < D; k++) {
                a += f->W.v[(size_t)j * D + k] * xt[k];
                E += fabs(q->W.v[(size_t)j * D + k] - f->W.v[(size_t)j * D + k]) *
                     fabs((double)xt[k]);
            }
            for (int32_t k = 0; k < H; k++) {
                a += f->U.v[(size_t)j * H + k] * hp[k];
                E += fabs(q->U.v[(size_t)j * H + k] - f->U.v[(size_t)j * H + k]) * fabs(hp[k]) +
                     fabs(q->U.v[(size_t)j * H + k]) * e[k];
            }
            double uz = a + f->bz[j], uc = a + f->bh[j];
            double z = tr->z[t][j], c = tr->c[t][j];
            double zlo = sigmoid_d(uz - E), zhi = sigmoid_d(uz + E);
            double Ez = fmax(zhi - z, z - zlo), Ec = fmax(tanh(uc + E) - c, c - tanh(uc - E));
            en[j] = Ez * fabs(hp[j]) + zhi * e[j] + f->zeta * Ez * fabs(c) +
                    (f->zeta * (1.0 - zlo) + f->nu) * Ec;
        }
        memcpy(e, en, sizeof(double) * (size_t)H);
    }
    for (int32_t o = 0; o < f->O; o++) {
        double E = 0;
        for (int32_t k = 0; k < H; k++)
            E += fabs(q->Wo.v[(size_t)o * H + k] - f->Wo.v[(size_t)o * H + k]) * fabs(tr->h[T][k]) +
                 fabs(q->Wo.v[(size_t)o * H + k]) * e[k];
        R[o] = E;
    }
}

/* sum over kept entries of |G| * scale / 2 */
static double weighted_l1(const dmat *m, const double *G) {
    double s = 0;
    for (size_t k = 0; k < (size_t)m->rows * m->cols; k++)
        if (m->keep[k]) s += fabs(G[k]);
    return s * m->scale / 2;
}

/* The first-order bound B for output o:
 *   B = sum over weight matrices M of (scale_M / 2) * sum_kept |d y_o / d M|
 * at the float weights (BPTT in double; factors of low-rank matrices get
 * d y / d W1 = G_W W2^T, d y / d W2 = W1^T G_W). Since every int8 weight is
 * within scale / 2 of the float one, |y_q - y_f| <= B + O(scale^2). */
static double first_order_bound(const dmodel *f, const float *x, int32_t T, const trace *tr,
                                int32_t o) {
    int32_t D = f->D, H = f->H;
    double *GW = calloc((size_t)H * D, sizeof(double)), *GU = calloc((size_t)H * H, sizeof(double));
    double dh[MAXH], dhn[MAXH], da[MAXH];
    double B = 0;
    for (int32_t k = 0; k < H; k++) {
        dh[k] = f->Wo.v[(size_t)o * H + k];
        if (f->Wo.keep[(size_t)o * H + k]) B += fabs(tr->h[T][k]) * f->Wo.scale / 2;
    }
    for (int32_t t = T - 1; t >= 0; t--) {
        const double *hp = tr->h[t];
        for (int32_t j = 0; j < H; j++) {
            double z = tr->z[t][j], c = tr->c[t][j], g = f->zeta * (1.0 - z) + f->nu;
            double dc = dh[j] * g, dz = dh[j] * (hp[j] - f->zeta * c);
            da[j] = dz * z * (1.0 - z) + dc * (1.0 - c * c);
        }
        const float *xt = x + (size_t)t * D;
        for (int32_t j = 0; j < H; j++) {
            for (int32_t k = 0; k < D; k++) GW[(size_t)j * D + k] += da[j] * xt[k];
            for (int32_t k = 0; k < H; k++) GU[(size_t)j * H + k] += da[j] * hp[k];
        }
        for (int32_t k = 0; k < H; k++) {
            double s = dh[k] * tr->z[t][k];
            for (int32_t j = 0; j < H; j++) s += f->U.v[(size_t)j * H + k] * da[j];
            dhn[k] = s;
        }
        memcpy(dh, dhn, sizeof(double) * (size_t)H);
    }
    if (f->rw) {
        double *G1 = calloc((size_t)H * f->rw, sizeof(double)),
               *G2 = calloc((size_t)f->rw * D, sizeof(double));
        for (int32_t j = 0; j < H; j++)
            for (int32_t r = 0; r < f->rw; r++)
                for (int32_t k = 0; k < D; k++)
                    G1[(size_t)j * f->rw + r] += GW[(size_t)j * D + k] * f->W2.v[(size_t)r * D + k];
        for (int32_t r = 0; r < f->rw; r++)
            for (int32_t k = 0; k < D; k++)
                for (int32_t j = 0; j < H; j++)
                    G2[(size_t)r * D + k] += f->W1.v[(size_t)j * f->rw + r] * GW[(size_t)j * D + k];
        B += weighted_l1(&f->W1, G1) + weighted_l1(&f->W2, G2);
        free(G1);
        free(G2);
    } else {
        B += weighted_l1(&f->W, GW);
    }
    if (f->ru) {
        double *G1 = calloc((size_t)H * f->ru, sizeof(double)),
               *G2 = calloc((size_t)f->ru * H, sizeof(double));
        for (int32_t j = 0; j < H; j++)
            for (int32_t r = 0; r < f->ru; r++)
                for (int32_t k = 0; k < H; k++)
                    G1[(size_t)j * f->ru + r] += GU[(size_t)j * H + k] * f->U2.v[(size_t)r * H + k];
        for (int32_t r = 0; r < f->ru; r++)
            for (int32_t k = 0; k < H; k++)
                for (int32_t j = 0; j < H; j++)
                    G2[(size_t)r * H + k] += f->U1.v[(size_t)j * f->ru + r] * GU[(size_t)j * H + k];
        B += weighted_l1(&f->U1, G1) + weighted_l1(&f->U2, G2);
        free(G1);
        free(G2);
    } else {
        B += weighted_l1(&f->U, GU);
    }
    free(GW);
    free(GU);
    return B;
}

/* Quantizes a copy of m and checks, over the n sequences of x:
 *  - every weight moved by at most scale / 2;
 *  - in double arithmetic, |y_q - y_f| <= R (rigorous) per sample and output;
 *  - the library's float forward is within tau (1 + |y|) of the double one
 *    (tau > 0; tau < 0: a badly conditioned model, only reported);
 *  - the library's outputs: |y_q - y_f| <= R + 2 tau and <= B + 2 tau (the
 *    first-order bound; with require_first_order), probabilities (binary)
 *    within (B + 2 tau) * max sigmoid' over [y - B, y + B] + 2 tau.
 */
static void check_bound(const char *what, const fg_model *m, const float *x, int32_t n, int32_t T,
                        double tau, int require_first_order) {
    fg_model *q = NULL;
    fg_model_clone(m, &q);
    fg_model_quantize(q);
    int32_t O = fg_model_get_config(m)->output_dim;

    size_t np = fg_model_num_params(m);
    float *pf = alloc_floats(np), *pq = alloc_floats(np);
    fg_model_get_params(m, pf, np);
    fg_model_get_params(q, pq, np);
    int grid_ok = 1;
    for (int i = 0; i < fg_model_num_tensors(m); i++) {
        const char *name;
        int32_t rows, cols;
        size_t off;
        fg_model_tensor_info(m, i, &name, &rows, &cols, &off);
        float s = fg_model_tensor_scale(q, i);
        size_t size = (size_t)rows * (size_t)(cols ? cols : 1);
        for (size_t k = 0; k < size; k++) {
            double d = fabs((double)pq[off + k] - (double)pf[off + k]);
            if (cols > 0 ? d > 0.5 * s * (1 + 1e-6) + 1e-7 * fabs(pf[off + k]) : d != 0)
                grid_ok = 0;
        }
    }
    CHECK(grid_ok, "%s: |w_int8 - w| <= scale / 2 for every weight; biases, zeta, nu unchanged",
          what);

    dmodel df, dq;
    dmodel_of(m, q, &df);
    dmodel_of(q, q, &dq);
    float *lf = alloc_floats((size_t)n * O), *lq = alloc_floats((size_t)n * O);
    float *pfb = alloc_floats((size_t)n * O), *pqb = alloc_floats((size_t)n * O);
    fg_model_logits_batch(m, x, n, T, lf);
    fg_model_logits_batch(q, x, n, T, lq);
    fg_model_forward_batch(m, x, n, T, pfb);
    fg_model_forward_batch(q, x, n, T, pqb);
    trace *tf = malloc(sizeof *tf), *tq = malloc(sizeof *tq);
    int exact_ok = 1, round_ok = 1, rig_ok = 1, fo_ok = 1, prob_ok = 1;
    double max_round = 0, max_diff = 0, max_R = 0, max_B = 0, worst_R = 0, worst_B = 0, sum_B = 0;
    int counted = 0;
    for (int32_t b = 0; b < n; b++) {
        const float *xb = x + (size_t)b * T * df.D;
        double yf[16], yq[16], R[16];
        forward_d(&df, xb, T, yf, tf);
        forward_d(&dq, xb, T, yq, tq);
        rigorous_bound(&df, &dq, xb, T, tf, R);
        for (int32_t o = 0; o < O; o++) {
            size_t i = (size_t)b * O + o;
            double B = first_order_bound(&df, xb, T, tf, o);
            double r1 = fabs((double)lf[i] - yf[o]), r2 = fabs((double)lq[i] - yq[o]);
            double tol = tau > 0 ? tau * (1.0 + fabs(yf[o])) : fmax(r1, r2);
            if (fabs(yq[o] - yf[o]) > R[o] * (1 + 1e-9) + 1e-12) exact_ok = 0;
            if (r1 > tol || r2 > tol) round_ok = 0;
            max_round = fmax(max_round, fmax(r1, r2));
            double diff = fabs((double)lq[i] - (double)lf[i]);
            if (diff > R[o] + 2 * tol) rig_ok = 0;
            if (diff > B + 2 * tol) fo_ok = 0;
            max_diff = fmax(max_diff, diff);
            max_R = fmax(max_R, R[o]);
            max_B = fmax(max_B, B);
            if (R[o] > 0) worst_R = fmax(worst_R, diff / R[o]);
            if (B > 0) {
                worst_B = fmax(worst_B, diff / B);
                sum_B += diff / B;
                counted++;
            }
            if (O == 1) {
                double Bp = B + 2 * tol;
                double lo = yf[0] - Bp, hi = yf[0] + Bp;
                double sl = sigmoid_d(lo > 0 ? lo : hi < 0 ? hi : 0.0);
                if (fabs((double)pqb[b] - (double)pfb[b]) >
                    Bp * sl * (1 - sl) + 2 * (tau > 0 ? tau : 1e-6))
                    prob_ok = 0;
            }
        }
    }
    CHECK(exact_ok,
          "%s: in double arithmetic |y_int8 - y_float| <= R (rigorous) for %d samples x %d steps",
          what, n, T);
    if (tau > 0)
        CHECK(round_ok,
              "%s: library float forward within %g (1 + |y|) of the double reference (max %.3g)",
              what, tau, max_round);
    else
        printf("     %s: float rounding of the library forward vs double: up to %.3g\n", what,
               max_round);
    CHECK(rig_ok,
          "%s: library logits |y_int8 - y_float| <= R + 2 tau (max diff %.3g, max R %.3g, diff/R "
          "max %.3f)",
          what, max_diff, max_R, worst_R);
    if (require_first_order) {
        CHECK(fo_ok,
              "%s: library logits |y_int8 - y_float| <= B + 2 tau, B first-order (max B %.3g, "
              "diff/B max %.3f mean %.3f)",
              what, max_B, worst_B, counted ? sum_B / counted : 0.0);
        if (O == 1)
            CHECK(prob_ok, "%s: probabilities within B' = (B + 2 tau) max sigmoid' + 2 tau", what);
    } else {
        printf("     %s: first-order B: max %.3g, diff/B max %.3f mean %.3f (not asserted)\n", what,
               max_B, worst_B, counted ? sum_B / counted : 0.0);
    }
    free(tf);
    free(tq);
    dmodel_free(&df);
    dmodel_free(&dq);
    free(pf);
    free(pq);
    free(lf);
    free(lq);
    free(pfb);
    free(pqb);
    fg_model_destroy(q);
}

static void test_bound(void) {
    check_section("quantization error bound");
    for (int sequence = 0; sequence < 2; sequence++) {
        task tk = make_task(sequence);
        fg_model_config mc = model_config(&tk);
        fg_training_config tc = training_config(15, 0.01f);
        fg_model *m = NULL;
        fg_model_create(&mc, &m);
        train(m, tk.train, &tc);
        int32_t n = fg_dataset_len(tk.val);
        check_bound(tk.name, m, fg_dataset_features(tk.val), n, tk.T, 1e-5, 1);
        /* sparse and low-rank variants of the same task */
        fg_model *p = NULL;
        fg_model_clone(m, &p);
        fg_model_prune(p, 0.6f);
        char what[96];
        snprintf(what, sizeof what, "%s, pruned 60%%", tk.name);
        check_bound(what, p, fg_dataset_features(tk.val), 500, tk.T, 1e-5, 1);
        fg_model_destroy(p);
        fg_model_config lr = mc;
        lr.rank = 4;
        fg_model *l = NULL;
        fg_model_create(&lr, &l);
        train(l, tk.train, &tc);
        snprintf(what, sizeof what, "%s, rank 4", tk.name);
        check_bound(what, l, fg_dataset_features(tk.val), 500, tk.T, 1e-5, 1);
        fg_model_destroy(l);
        fg_model_destroy(m);
        fg_dataset_destroy(tk.train);
        fg_dataset_destroy(tk.val);
    }
    /* untrained multi-class model with large weights: the bound on logits */
    fg_model_config mc = fg_model_config_default();
    mc.input_dim = 4;
    mc.hidden_dim = 12;
    mc.output_dim = 5;
    mc.rank = FG_RANK_NONE;
    mc.u_rank = 3;
    fg_model *m = NULL;
    fg_model_create(&mc, &m);
    size_t np = fg_model_num_params(m);
    float *p = alloc_floats(np);
    fg_model_get_params(m, p, np);
    for (size_t i = 0; i < np; i++) p[i] *= 3.0f;
    fg_model_set_params(m, p, np);
    free(p);
    int32_t n = 300, T = 15;
    float *x = alloc_floats((size_t)n * T * 4);
    test_rng r = {5};
    for (size_t i = 0; i < (size_t)n * T * 4; i++) x[i] = (float)trng_normal(&r);
    check_bound("multi-class O=5, low-rank U, weights x3", m, x, n, T, 1e-5, 1);
    free(x);
    fg_model_destroy(m);
}

/* ---- 4: files ----------------------------------------------------------------- */

/* A file from parts: name, dtype, shape text, raw bytes (offsets computed). */
typedef struct {
    const char *name, *dtype, *shape;
    const uint8_t *data;
    size_t len;
} part;

static uint8_t *build(const part *p, int np, const char *meta, size_t *len_out) {
    char *h = malloc(65536);
    size_t n = (size_t)sprintf(h, "{");
    if (meta) n += (size_t)sprintf(h + n, "\"__metadata__\":%s", meta);
    size_t pos = 0, total = 0;
    for (int i = 0; i < np; i++) {
        n += (size_t)sprintf(
            h + n, "%s\"%s\":{\"dtype\":\"%s\",\"shape\":%s,\"data_offsets\":[%zu,%zu]}",
            (i || meta) ? "," : "", p[i].name, p[i].dtype, p[i].shape, pos, pos + p[i].len);
        pos += p[i].len;
    }
    n += (size_t)sprintf(h + n, "}");
    total = 8 + n + pos;
    uint8_t *b = malloc(total);
    for (int i = 0; i < 8; i++) b[i] = (uint8_t)((uint64_t)n >> (8 * i));
    memcpy(b + 8, h, n);
    pos = 8 + n;
    for (int i = 0; i < np; i++) {
        if (p[i].len) memcpy(b + pos, p[i].data, p[i].len);
        pos += p[i].len;
    }
    free(h);
    *len_out = total;
    return b;
}

static void expect_fail(const part *p, int np, const char *meta, const char *needle,
                        const char *what) {
    size_t len;
    uint8_t *b = build(p, np, meta, &len);
    fg_model *m = SENTINEL;
    fg_status st = fg_model_load(b, len, &m);
    CHECK(st == FG_ERR_SERIALIZATION && m == SENTINEL && contains_ci(fg_last_error(), needle),
          "%s -> %s \"%s\" (want SerializationError mentioning \"%s\")", what, fg_status_name(st),
          fg_last_error(), needle);
    if (st == FG_OK && m != SENTINEL) fg_model_destroy(m);
    free(b);
}

static void put_f32(uint8_t *b, float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    for (int i = 0; i < 4; i++) b[i] = (uint8_t)(u >> (8 * i));
}

/* A small sparse int8 model: D 2, H 3, O 1, full rank. */
#define META "{\"config\":\"{\\\"input_dim\\\":2,\\\"hidden_dim\\\":3,\\\"rank\\\":null}\"}"
enum { P_WI, P_WV, P_WS, P_UI, P_UV, P_US, P_BZ, P_BH, P_ZETA, P_NU, P_HW, P_HS, P_HB, NPARTS };

static uint8_t w_idx[] = {1, 0, 4, 0, 5, 0};       /* U16 1, 4, 5 of 6  */
static uint8_t w_val[] = {10, 0xF6, 127};          /* 10, -10, 127      */
static uint8_t u_idx[] = {0, 0, 2, 0, 3, 0, 8, 0}; /* U16 0, 2, 3, 8    */
static uint8_t u_val[] = {1, 2, 0x81, 0};          /* 1, 2, -127, 0     */
static uint8_t h_q[] = {5, 0xFB, 0x7F};            /* 5, -5, 127        */
static uint8_t scale_w[4], scale_u[4], scale_h[4], vec3a[12], vec3b[12], one_a[4], one_b[4],
    one_c[4];

static void base_parts(part *p) {
    put_f32(scale_w, 0.01f);
    put_f32(scale_u, 0.02f);
    put_f32(scale_h, 0.5f);
    for (int i = 0; i < 3; i++) {
        put_f32(vec3a + 4 * i, 0.1f * (float)i);
        put_f32(vec3b + 4 * i, -0.2f * (float)i);
    }
    put_f32(one_a, 1.5f);
    put_f32(one_b, -0.5f);
    put_f32(one_c, 0.25f);
    part base[NPARTS] = {
        {"cell.W.indices", "U16", "[3]", w_idx, 6},
        {"cell.W.values", "I8", "[3]", w_val, 3},
        {"cell.W.scale", "F32", "[1]", scale_w, 4},
        {"cell.U.indices", "U16", "[4]", u_idx, 8},
        {"cell.U.values", "I8", "[4]", u_val, 4},
        {"cell.U.scale", "F32", "[1]", scale_u, 4},
        {"cell.bias_gate", "F32", "[3]", vec3a, 12},
        {"cell.bias_update", "F32", "[3]", vec3b, 12},
        {"cell.zeta", "F32", "[1]", one_a, 4},
        {"cell.nu", "F32", "[1]", one_b, 4},
        {"head.weight", "I8", "[1,3]", h_q, 3},
        {"head.weight.scale", "F32", "[1]", scale_h, 4},
        {"head.bias", "F32", "[1]", one_c, 4},
    };
    memcpy(p, base, sizeof base);
}

static void test_files(void) {
    check_section("sparse and int8 files");
    part p[NPARTS + 2];
    base_parts(p);
    size_t len;
    uint8_t *b = build(p, NPARTS, META, &len);
    fg_model *m = NULL;
    if (CHECK_STATUS(fg_model_load(b, len, &m), FG_OK, "hand-built sparse int8 file")) {
        float params[27];
        uint8_t mask[27];
        fg_model_get_params(m, params, 27);
        fg_model_get_mask(m, mask, 27);
        static const uint8_t want_mask[27] = {0, 1, 0, 0, 1, 1, 1, 0, 1, 1, 0, 0, 0, 0,
                                              1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
        float want_w[6] = {0, 10 * 0.01f, 0, 0, -10 * 0.01f, 127 * 0.01f};
        float want_u[9] = {1 * 0.02f, 0, 2 * 0.02f, -127 * 0.02f, 0, 0, 0, 0, 0};
        CHECK(fg_model_is_sparse(m) && fg_model_is_quantized(m) && memcmp(mask, want_mask, 27) == 0,
              "mask from the indices (the kept int8 0 included)");
        CHECK(memcmp(params, want_w, sizeof want_w) == 0 &&
                  memcmp(params + 6, want_u, sizeof want_u) == 0 && params[23] == 2.5f &&
                  params[24] == -2.5f && params[25] == 63.5f,
              "values are q * scale");
        CHECK(fg_model_tensor_scale(m, 0) == 0.01f && fg_model_tensor_scale(m, 1) == 0.02f &&
                  fg_model_tensor_scale(m, 6) == 0.5f && fg_model_tensor_scale(m, 2) == 0.0f,
              "scales restored (0 for biases)");
        CHECK(fabsf(fg_model_sparsity(m) - 8.0f / 15.0f) < 1e-6f, "sparsity %g",
              (double)fg_model_sparsity(m));
        CHECK(fg_model_size_bytes(m) == len - 8 - get_u64(b),
              "size_bytes equals this file's data section");
        uint8_t *again = NULL;
        size_t len2;
        fg_model_save(m, &again, &len2);
        fg_model *m2 = NULL;
        CHECK(fg_model_load(again, len2, &m2) == FG_OK &&
                  len2 - 8 - get_u64(again) == len - 8 - get_u64(b),
              "saves and reloads with the same data size");
        fg_model_destroy(m2);
        fg_free(again);
        fg_training_config tc = fg_training_config_default();
        fg_trainer *tr = NULL;
        fg_trainer_create(fg_model_get_config(m), &tc, &tr);
        float xb[2] = {1, 2}, yb[1] = {1};
        CHECK_STATUS(fg_trainer_train_batch(tr, m, xb, yb, NULL, 1, 1, NULL), FG_ERR_INVALID_INPUT,
                     "a loaded int8 model refuses training");
        fg_trainer_destroy(tr);
        fg_model_destroy(m);
    }
    free(b);

    /* float sparse (F32 values, no scales) and dense int8 variants load */
    {
        uint8_t wf[12], uf[16];
        for (int i = 0; i < 3; i++) put_f32(wf + 4 * i, 0.5f * (float)(i + 1));
        for (int i = 0; i < 4; i++) put_f32(uf + 4 * i, -0.25f * (float)(i + 1));
        part s[NPARTS];
        int k = 0;
        for (int i = 0; i < NPARTS; i++) {
            if (i == P_WS || i == P_US || i == P_HS) continue;
            s[k] = p[i];
            if (i == P_WV) {
                s[k].dtype = "F32";
                s[k].data = wf;
                s[k].len = 12;
            }
            if (i == P_UV) {
                s[k].dtype = "F32";
                s[k].data = uf;
                s[k].len = 16;
            }
            if (i == P_HW) {
                s[k].dtype = "F32";
                s[k].data = vec3a;
                s[k].len = 12;
            }
            k++;
        }
        b = build(s, k, META, &len);
        m = NULL;
        CHECK(fg_model_load(b, len, &m) == FG_OK && fg_model_is_sparse(m) &&
                  !fg_model_is_quantized(m),
              "float sparse file loads: %s", fg_last_error());
        fg_model_destroy(m);
        /* no config metadata: refused (shapes unknown) */
        expect_fail(s, k, NULL, "config", "sparse file without config metadata");
        /* an I8 bias in a float file: the bias is named */
        uint8_t bz8[3] = {1, 2, 3};
        for (int i = 0; i < k; i++)
            if (!strcmp(s[i].name, "cell.bias_gate")) {
                s[i].dtype = "I8";
                s[i].data = bz8;
                s[i].len = 3;
            }
        expect_fail(s, k, META, "cell.bias_gate", "I8 bias in a float sparse file");
        free(b);
    }

    part t[NPARTS + 2];
#define RESET() memcpy(t, p, sizeof(part) * NPARTS)
    uint8_t bad[16];
    RESET();
    uint8_t idx_oob[] = {1, 0, 4, 0, 6, 0};
    t[P_WI].data = idx_oob;
    expect_fail(t, NPARTS, META, "out of range", "index 6 of a 6-entry matrix");
    RESET();
    uint8_t idx_dup[] = {1, 0, 4, 0, 4, 0};
    t[P_WI].data = idx_dup;
    expect_fail(t, NPARTS, META, "ascending", "repeated index");
    RESET();
    uint8_t idx_desc[] = {4, 0, 1, 0, 5, 0};
    t[P_WI].data = idx_desc;
    expect_fail(t, NPARTS, META, "ascending", "descending indices");
    RESET();
    t[P_WV].shape = "[2]";
    t[P_WV].len = 2;
    expect_fail(t, NPARTS, META, "length mismatch", "3 indices, 2 values");
    RESET();
    uint8_t many_idx[14] = {0, 0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 5, 0};
    uint8_t many_val[7] = {1, 1, 1, 1, 1, 1, 1};
    t[P_WI].data = many_idx;
    t[P_WI].len = 14;
    t[P_WI].shape = "[7]";
    t[P_WV].data = many_val;
    t[P_WV].len = 7;
    t[P_WV].shape = "[7]";
    expect_fail(t, NPARTS, META, "more than", "7 entries for a 6-entry matrix");
    RESET();
    uint8_t idx32[12] = {1, 0, 0, 0, 4, 0, 0, 0, 5, 0, 0, 0};
    t[P_WI].dtype = "U32";
    t[P_WI].data = idx32;
    t[P_WI].len = 12;
    expect_fail(t, NPARTS, META, "U16", "U32 indices for a 6-entry matrix");
    RESET();
    t[P_WI].shape = "[3,1]";
    expect_fail(t, NPARTS, META, "1-dimensional", "2-d indices");
    RESET();
    t[P_WI].dtype = "I8";
    t[P_WI].len = 3;
    t[P_WI].shape = "[3]";
    expect_fail(t, NPARTS, META, "dtype", "I8 indices");
    /* scales */
    RESET();
    memmove(&t[P_WS], &t[P_WS + 1], sizeof(part) * (NPARTS - P_WS - 1));
    expect_fail(t, NPARTS - 1, META, "cell.W.scale", "I8 values without a scale");
    RESET();
    memmove(&t[P_HS], &t[P_HS + 1], sizeof(part) * (NPARTS - P_HS - 1));
    expect_fail(t, NPARTS - 1, META, "head.weight.scale", "I8 head.weight without a scale");
    const float bad_scales[] = {0.0f, -0.01f, NAN, INFINITY, 3e37f};
    const char *bad_why[] = {"> 0", "> 0", "finite", "finite", "overflows"};
    for (int i = 0; i < 5; i++) {
        RESET();
        put_f32(bad, bad_scales[i]);
        t[P_US].data = bad;
        char what[64];
        snprintf(what, sizeof what, "scale %g", (double)bad_scales[i]);
        expect_fail(t, NPARTS, META, bad_why[i], what);
    }
    RESET();
    t[P_US].shape = "[2]";
    uint8_t two_scales[8];
    put_f32(two_scales, 0.1f);
    put_f32(two_scales + 4, 0.1f);
    t[P_US].data = two_scales;
    t[P_US].len = 8;
    expect_fail(t, NPARTS, META, "a scale has 1", "two scale values");
    RESET();
    t[P_US].dtype = "I8";
    t[P_US].len = 1;
    expect_fail(t, NPARTS, META, "float32", "I8 scale");
    RESET();
    uint8_t minus128[] = {1, 2, 0x80, 0};
    t[P_UV].data = minus128;
    expect_fail(t, NPARTS, META, "-128", "int8 -128");
    RESET();
    uint8_t hw_minus128[] = {0x80, 0, 0};
    t[P_HW].data = hw_minus128;
    expect_fail(t, NPARTS, META, "-128", "dense int8 -128");
    RESET();
    uint8_t uvf[16];
    for (int i = 0; i < 4; i++) put_f32(uvf + 4 * i, 0.5f);
    t[P_UV].dtype = "F32";
    t[P_UV].data = uvf;
    t[P_UV].len = 16;
    expect_fail(t, NPARTS, META, "I8", "F32 values in a quantized file");
    RESET();
    t[P_HW].dtype = "F32";
    t[P_HW].data = vec3a;
    t[P_HW].len = 12;
    expect_fail(t, NPARTS, META, "I8", "F32 head.weight in a quantized file");
    RESET();
    uint8_t bz8[3] = {1, 2, 3};
    t[P_BZ].dtype = "I8";
    t[P_BZ].data = bz8;
    t[P_BZ].len = 3;
    expect_fail(t, NPARTS, META, "float32", "I8 bias");
    RESET();
    t[NPARTS] = (part){"cell.bias_gate.scale", "F32", "[1]", scale_w, 4};
    expect_fail(t, NPARTS + 1, META, "unexpected", "a scale for a bias");
    RESET();
    t[NPARTS] = (part){"head.weight.indices", "U16", "[1]", w_idx, 2};
    expect_fail(t, NPARTS + 1, META, "unexpected", "sparse head.weight");
    RESET();
    t[NPARTS] = (part){"cell.W.mask", "U16", "[1]", w_idx, 2};
    expect_fail(t, NPARTS + 1, META, "unexpected", "unknown suffix");
    /* mixed forms */
    RESET();
    {
        uint8_t uq[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
        part mixed[NPARTS];
        int k = 0;
        for (int i = 0; i < NPARTS; i++) {
            if (i == P_UI) continue;
            mixed[k] = p[i];
            if (i == P_UV) mixed[k] = (part){"cell.U", "I8", "[3,3]", uq, 9};
            k++;
        }
        expect_fail(mixed, k, META, "cell.U", "dense cell.U in a sparse file");
    }
    RESET();
    t[NPARTS] = (part){"cell.W", "I8", "[3,2]", h_q, 6};
    {
        uint8_t six[6] = {1, 2, 3, 4, 5, 6};
        t[NPARTS].data = six;
        expect_fail(t, NPARTS + 1, META, "cell.W", "cell.W dense and sparse at once");
    }
    RESET();
    expect_fail(t, NPARTS,
                "{\"config\":\"{\\\"input_dim\\\":2,\\\"hidden_dim\\\":3,\\\"rank\\\":1}\"}",
                "unexpected", "config says low-rank, file has full matrices");
    RESET();
    expect_fail(t, NPARTS,
                "{\"config\":\"{\\\"input_dim\\\":2,\\\"hidden_dim\\\":4,\\\"rank\\\":null}\"}",
                "shape", "config hidden_dim 4, tensors of 3");
    RESET();
    t[P_WI].dtype = "F16";
    expect_fail(t, NPARTS, META, "F16", "F16 still unsupported");
    RESET();
    t[P_WV].len = 4;
    t[P_WV].data = u_val;
    expect_fail(t, NPARTS, META, "span", "range longer than the I8 shape");
#undef RESET

    /* a zero-entry sparse matrix (everything pruned) is valid */
    {
        part z[NPARTS];
        memcpy(z, p, sizeof z);
        z[P_WI].shape = "[0]";
        z[P_WI].len = 0;
        z[P_WV].shape = "[0]";
        z[P_WV].len = 0;
        b = build(z, NPARTS, META, &len);
        m = NULL;
        CHECK(fg_model_load(b, len, &m) == FG_OK && fg_model_is_sparse(m),
              "a matrix with no kept entry loads: %s", fg_last_error());
        fg_model_destroy(m);
        free(b);
    }

    /* a cell matrix of more than 65536 entries has U32 indices */
    {
        fg_model_config bc = fg_model_config_default();
        bc.input_dim = 3;
        bc.hidden_dim = 300;
        bc.rank = FG_RANK_NONE;
        fg_model *wide = NULL;
        fg_model_create(&bc, &wide);
        fg_model_prune(wide, 0.9f);
        float xv[3 * 4] = {0.5f, -1, 2, 0, 1, -0.5f, 1, 1, 1, -2, 0.25f, 3};
        fg_dataset *few = NULL;
        float yv[4] = {0, 1, 0, 1};
        fg_dataset_create(xv, yv, 4, 1, 3, 1, &few);
        for (int pass = 0; pass < 2; pass++) {
            uint8_t *wb = NULL;
            size_t wl = 0;
            fg_model_save(wide, &wb, &wl);
            char *hdr = malloc(get_u64(wb) + 1);
            memcpy(hdr, wb + 8, get_u64(wb));
            hdr[get_u64(wb)] = '\0';
            CHECK(strstr(hdr, "\"cell.U.indices\":{\"dtype\":\"U32\",\"shape\":[9000]") &&
                      strstr(hdr, "\"cell.W.indices\":{\"dtype\":\"U16\",\"shape\":[90]"),
                  "H 300%s: U (90000 entries) has 9000 U32 indices, W 90 U16 ones",
                  pass ? ", int8" : "");
            free(hdr);
            fg_free(wb);
            check_size(pass ? "H 300 sparse int8" : "H 300 sparse", wide, few);
            fg_model_quantize(wide);
        }
        fg_dataset_destroy(few);
        fg_model_destroy(wide);
    }

    /* truncations and byte flips of a real sparse int8 model never crash */
    fg_model_config mc = fg_model_config_default();
    mc.hidden_dim = 6;
    mc.rank = 2;
    fg_model *big = NULL;
    fg_model_create(&mc, &big);
    fg_model_prune(big, 0.5f);
    fg_model_quantize(big);
    uint8_t *bytes = NULL;
    fg_model_save(big, &bytes, &len);
    int badn = 0, loaded = 0;
    for (size_t cut = 0; cut < len; cut++) {
        fg_model *out = SENTINEL;
        fg_status st = fg_model_load(bytes, cut, &out);
        if (st != FG_ERR_SERIALIZATION || out != SENTINEL) badn++;
    }
    CHECK(badn == 0,
          "every truncation of a sparse int8 file is a SerializationError (%d bad of %zu)", badn,
          len);
    test_rng r = {77};
    uint8_t *c = malloc(len);
    badn = 0;
    for (int iter = 0; iter < 20000; iter++) {
        memcpy(c, bytes, len);
        int flips = 1 + (int)trng_below(&r, 3);
        for (int f = 0; f < flips; f++) {
            size_t at = iter % 2 ? trng_below(&r, (uint32_t)len)
                                 : 8 + get_u64(bytes) +
                                       trng_below(&r, (uint32_t)(len - 8 - get_u64(bytes)));
            c[at] = (uint8_t)trng_below(&r, 256);
        }
        fg_model *out = SENTINEL;
        fg_status st = fg_model_load(c, len, &out);
        if (st == FG_OK) {
            loaded++;
            uint8_t *again = NULL;
            size_t l2 = 0;
            if (fg_model_save(out, &again, &l2) != FG_OK ||
                l2 - 8 - get_u64(again) != fg_model_size_bytes(out))
                badn++;
            fg_free(again);
            fg_model_destroy(out);
        } else if (st != FG_ERR_SERIALIZATION || out != SENTINEL) {
            badn++;
        }
    }
    CHECK(badn == 0,
          "byte flips (half in the data section): only Ok or SerializationError, loaded models "
          "save (%d loaded)",
          loaded);
    free(c);
    fg_free(bytes);
    fg_model_destroy(big);
}

/* ---- set_params keeps the invariants ------------------------------------------ */

static void test_invariants(void) {
    check_section("set_params on compressed models");
    fg_model_config mc = fg_model_config_default();
    mc.hidden_dim = 6;
    mc.rank = FG_RANK_NONE;
    fg_model *m = NULL;
    fg_model_create(&mc, &m);
    fg_model_prune(m, 0.5f);
    size_t np = fg_model_num_params(m);
    float *p = alloc_floats(np);
    uint8_t *mask = malloc(np);
    fg_model_get_params(m, p, np);
    fg_model_get_mask(m, mask, np);
    CHECK_STATUS(fg_model_set_params(m, p, np), FG_OK, "get -> set round trip on a pruned model");
    size_t pruned = 0;
    while (mask[pruned]) pruned++;
    p[pruned] = 0.5f;
    CHECK_STATUS(fg_model_set_params(m, p, np), FG_ERR_INVALID_INPUT, "a value for a pruned entry");
    p[pruned] = -0.0f;
    CHECK_STATUS(fg_model_set_params(m, p, np), FG_OK, "-0 for a pruned entry");
    float back;
    fg_model_get_params(m, p, np);
    back = p[pruned];
    CHECK(back == 0 && !signbit(back), "a pruned entry stays +0");
    fg_model_quantize(m);
    fg_model_get_params(m, p, np);
    CHECK_STATUS(fg_model_set_params(m, p, np), FG_OK, "get -> set round trip on an int8 model");
    size_t kept = 0;
    while (!mask[kept]) kept++;
    p[kept] = nextafterf(p[kept], 10.0f);
    CHECK_STATUS(fg_model_set_params(m, p, np), FG_ERR_INVALID_INPUT, "a weight off the int8 grid");
    int negzero = 0;
    for (size_t i = 0; i < np; i++) negzero |= p[i] == 0 && signbit(p[i]);
    CHECK(!negzero, "a quantized model holds no -0");
    free(p);
    free(mask);
    fg_model_destroy(m);
}

int main(void) {
    test_files();
    test_invariants();
    test_bound();
    test_task(0);
    test_task(1);
    return check_summary();
}
