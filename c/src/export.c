/*
 * export.c - the model as a self-contained C99 source for deployment.
 *
 * fg_model_export_c writes one file (header-style: include it in one .c
 * file) holding the weights as static const arrays - float, or int8 plus a
 * float scale per matrix when the model is quantized; the pruned cell
 * matrices of a sparse model as CSR (row pointers, column indices, values) -
 * and small portable inference functions:
 *   void <prefix>_logits(const float *x, int timesteps, float *logits);
 *   void <prefix>_predict(const float *x, int timesteps, float *probs);
 *   void <prefix>_normalize(float *x, int timesteps);   (with normalization)
 *
 * The generated code repeats this library's arithmetic operation for
 * operation (model.c, kernels.c, mathfn.c): every dot product sums k in
 * ascending order from 0; a = W x_t, then a = a + U h_{t-1} (skipped at
 * t = 0); z = sigmoid(a + b_z), c = tanh(a + b_h),
 * h = z h_{t-1} + (zeta (1 - z) + nu) c with zeta, nu = sigmoid(raw) in
 * float; logits = W_o h + b_o; an int8 weight is used as (float)q * scale,
 * exactly the value the quantized model holds; probabilities come from the
 * double-precision exp as in fg_model_run. Compiled with IEEE float/double
 * arithmetic, FLT_EVAL_METHOD 0 and no FMA contraction (-ffp-contract=off),
 * its outputs are bit-identical to fg_model_logits_batch /
 * fg_model_forward_batch. Sparse products skip the pruned entries: their
 * terms are +-0, and adding +-0 to a sum that starts at +0 never changes it
 * (as long as the other factor is finite, which every activation is for
 * inputs of sane magnitude).
 *
 * Floats are printed as %.9g (round-trips binary32) or, for subnormals, as
 * exact hex literals, so the text is the same from every libc.
 */
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "json_internal.h"

#define EXPORT_PREFIX_MAX 32

/* ---- a growable string --------------------------------------------------- */

typedef struct {
    char *s;
    size_t len, cap;
    int oom;
} sbuf;

static void sb_grow(sbuf *b, size_t need) {
    if (b->oom || b->len + need + 1 <= b->cap) return;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + need + 1) {
        if (cap > SIZE_MAX / 2) {
            b->oom = 1;
            return;
        }
        cap *= 2;
    }
    char *n = fg_alloc(cap, "exported C source");
    if (n == NULL) {
        b->oom = 1;
        return;
    }
    if (b->s != NULL) memcpy(n, b->s, b->len + 1);
    else n[0] = '\0';
    fg_free(b->s);
    b->s = n;
    b->cap = cap;
}

static void sb_printf(sbuf *b, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void sb_printf(sbuf *b, const char *fmt, ...) {
    if (b->oom) return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->oom = 1;
        return;
    }
    sb_grow(b, (size_t)n);
    if (b->oom) return;
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

static void sb_puts(sbuf *b, const char *s) {
    size_t n = strlen(s);
    sb_grow(b, n);
    if (b->oom) return;
    memcpy(b->s + b->len, s, n + 1);
    b->len += n;
}

/* A float literal that converts back to exactly v: %.9g for normal numbers,
 * an exact hex literal for subnormals (their decimal forms are inexact, which
 * some compilers warn about). */
static void fmt_float(char *buf, size_t cap, float v) {
    if (v == 0.0f) {
        snprintf(buf, cap, "%s", signbit(v) ? "-0.0f" : "0.0f");
        return;
    }
    if (fabsf(v) < FLT_MIN) {
        uint32_t u;
        memcpy(&u, &v, 4);
        uint32_t m = u & 0x7FFFFFu; /* value = m * 2^-149, m > 0 */
        int p = 22;
        while (!(m >> p & 1u)) p--;
        uint32_t frac = (m << (23 - p)) & 0x7FFFFFu;
        snprintf(buf, cap, "%s0x1.%06xp%df", (u >> 31) ? "-" : "", (unsigned)(frac << 1), p - 149);
        return;
    }
    char tmp[40];
    snprintf(tmp, sizeof tmp, "%.9g", (double)v);
    int has_point = strchr(tmp, '.') != NULL || strchr(tmp, 'e') != NULL;
    snprintf(buf, cap, "%s%sf", tmp, has_point ? "" : ".0");
}

static void emit_floats(sbuf *b, const char *decl, const float *v, size_t n) {
    char num[48];
    sb_printf(b, "%s[%zu] = {", decl, n ? n : 1);
    if (n == 0) sb_puts(b, "0.0f");
    for (size_t i = 0; i < n; i++) {
        fmt_float(num, sizeof num, v[i]);
        sb_printf(b, "%s%s%s", i % 8 == 0 ? "\n    " : " ", num, i + 1 < n ? "," : "");
    }
    sb_puts(b, n ? "\n};\n" : "};\n");
}

static void emit_ints(sbuf *b, const char *decl, const long *v, size_t n) {
    sb_printf(b, "%s[%zu] = {", decl, n ? n : 1);
    if (n == 0) sb_puts(b, "0");
    for (size_t i = 0; i < n; i++)
        sb_printf(b, "%s%ld%s", i % 16 == 0 ? "\n    " : " ", v[i], i + 1 < n ? "," : "");
    sb_puts(b, n ? "\n};\n" : "};\n");
}

/* ---- the model's matrices ------------------------------------------------ */

typedef struct {
    const fg_tensor *t;
    const char *cname; /* W, W1, W2, U, U1, U2, Wo                     */
    int sparse, quant;
    float scale;
    size_t nnz;
} mat_info;

static const char *short_name(const char *name) {
    static const char *const map[][2] = {
        {"cell.W", "W"},          {"cell.W1", "W1"},          {"cell.W2", "W2"},
        {"cell.U", "U"},          {"cell.U1", "U1"},          {"cell.U2", "U2"},
        {"cell.bias_gate", "bz"}, {"cell.bias_update", "bh"}, {"cell.zeta", "zeta"},
        {"cell.nu", "nu"},        {"head.weight", "Wo"},      {"head.bias", "bo"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(name, map[i][0]) == 0) return map[i][1];
    return "x";
}

/* Scratch for one tensor's printed values. */
typedef struct {
    float *f;
    long *l;
} scratch;

static fg_status check_prefix(const char *prefix) {
    if (prefix == NULL) return fg_fail(FG_ERR_INVALID_INPUT, "export: prefix is NULL");
    size_t n = strlen(prefix);
    int ok = n >= 1 && n <= EXPORT_PREFIX_MAX &&
             ((prefix[0] >= 'a' && prefix[0] <= 'z') || (prefix[0] >= 'A' && prefix[0] <= 'Z'));
    for (size_t i = 0; ok && i < n; i++) {
        char c = prefix[i];
        ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    }
    if (!ok)
        return fg_fail(FG_ERR_INVALID_INPUT,
                       "export: prefix must be a C identifier of 1 to %d letters, digits and '_' "
                       "starting with a letter, got \"%.40s%s\"",
                       EXPORT_PREFIX_MAX, prefix, n > 40 ? "..." : "");
    return FG_OK;
}

/* Emits one weight matrix's arrays. */
static fg_status emit_matrix(sbuf *b, const fg_model *m, const char *P, const mat_info *mi,
                             scratch *sc) {
    const fg_tensor *t = mi->t;
    const fg_real *w = m->params + t->offset;
    const uint8_t *keep = mi->sparse ? m->mask + t->offset : NULL;
    char decl[128];
    size_t n = 0;
    for (size_t j = 0; j < t->size; j++) {
        if (keep != NULL && !keep[j]) {
            if (w[j] != 0)
                return fg_fail(FG_ERR_INVALID_INPUT,
                               "export: %s[%zu] = %g is pruned (masked) but not zero", t->name, j,
                               (double)w[j]);
            continue;
        }
        if (mi->quant) {
            int8_t q;
            if (!fg_int8_of((float)w[j], mi->scale, &q))
                return fg_fail(
                    FG_ERR_INVALID_INPUT,
                    "export: quantized %s[%zu] = %g is not an int8 multiple of its scale %g",
                    t->name, j, (double)w[j], (double)mi->scale);
            sc->l[n] = q;
        } else {
            sc->f[n] = (float)w[j];
        }
        n++;
    }
    sb_printf(b, "/* %s [%d, %d]%s%s", t->name, t->rows, t->cols,
              mi->sparse ? ", sparse (CSR)" : "", mi->quant ? ", int8" : "");
    if (mi->sparse) sb_printf(b, ": %zu of %zu entries kept", n, t->size);
    sb_puts(b, " */\n");
    if (mi->quant) {
        char num[48];
        fmt_float(num, sizeof num, mi->scale);
        sb_printf(b, "static const float %s_%s_scale = %s;\n", P, mi->cname, num);
        snprintf(decl, sizeof decl, "static const int8_t %s_%s_%s", P, mi->cname,
                 mi->sparse ? "val" : "q");
        emit_ints(b, decl, sc->l, n);
    } else {
        snprintf(decl, sizeof decl, "static const float %s_%s_%s", P, mi->cname,
                 mi->sparse ? "val" : "w");
        emit_floats(b, decl, sc->f, n);
    }
    if (mi->sparse) {
        /* row pointers, then column indices (sc->l is free again) */
        long nz = 0;
        for (int32_t r = 0; r <= t->rows; r++) {
            sc->l[r] = nz;
            if (r < t->rows)
                for (int32_t c = 0; c < t->cols; c++) nz += keep[(size_t)r * t->cols + c] != 0;
        }
        snprintf(decl, sizeof decl, "static const %s_ptr_t %s_%s_ptr", P, P, mi->cname);
        emit_ints(b, decl, sc->l, (size_t)t->rows + 1);
        size_t k = 0;
        for (size_t j = 0; j < t->size; j++)
            if (keep[j]) sc->l[k++] = (long)(j % (size_t)t->cols);
        snprintf(decl, sizeof decl, "static const %s_col_t %s_%s_col", P, P, mi->cname);
        emit_ints(b, decl, sc->l, k);
    }
    sb_puts(b, "\n");
    return FG_OK;
}

/* A call y = M x for matrix mi. */
static void emit_mv(sbuf *b, const char *P, const mat_info *mi, const char *x, const char *y,
                    const char *indent) {
    const fg_tensor *t = mi->t;
    const char *c = mi->cname;
    if (mi->sparse && mi->quant)
        sb_printf(b,
                  "%s%s_mv_sparse_q(%s_%s_ptr, %s_%s_col, %s_%s_val, %s_%s_scale, %ld, %s, %s);\n",
                  indent, P, P, c, P, c, P, c, P, c, (long)t->rows, x, y);
    else if (mi->sparse)
        sb_printf(b, "%s%s_mv_sparse(%s_%s_ptr, %s_%s_col, %s_%s_val, %ld, %s, %s);\n", indent, P,
                  P, c, P, c, P, c, (long)t->rows, x, y);
    else if (mi->quant)
        sb_printf(b, "%s%s_mv_q(%s_%s_q, %s_%s_scale, %ld, %ld, %s, %s);\n", indent, P, P, c, P, c,
                  (long)t->rows, (long)t->cols, x, y);
    else
        sb_printf(b, "%s%s_mv(%s_%s_w, %ld, %ld, %s, %s);\n", indent, P, P, c, (long)t->rows,
                  (long)t->cols, x, y);
}

/* ---- the fixed code ------------------------------------------------------ */

/* Each text is run through emit_code, which replaces every '@' by the
 * prefix. */
static const char CODE_MATH[] =
    "/* exp, expm1, sigmoid, tanh: the library's own (mathfn.c), operation for\n"
    " * operation, so the results are the same bits. */\n"
    "typedef union { float f; uint32_t u; } @_f32_bits;\n"
    "typedef union { double d; uint64_t u; } @_f64_bits;\n"
    "\n"
    "static float @_exp_parts(float x, float *s_out)\n"
    "{\n"
    "    const float magic = 12582912.0f;\n"
    "    float t, kf, r, p;\n"
    "    @_f32_bits tb, mb, s;\n"
    "    if (x > 80.0f) x = 80.0f;\n"
    "    if (x < -80.0f) x = -80.0f;\n"
    "    t = x * 1.44269504f + magic;\n"
    "    kf = t - magic;\n"
    "    tb.f = t;\n"
    "    mb.f = magic;\n"
    "    r = (x - kf * 0.693145752f) - kf * 1.42860677e-06f;\n"
    "    p = 1.0f / 5040.0f;\n"
    "    p = p * r + 1.0f / 720.0f;\n"
    "    p = p * r + 1.0f / 120.0f;\n"
    "    p = p * r + 1.0f / 24.0f;\n"
    "    p = p * r + 1.0f / 6.0f;\n"
    "    p = p * r + 0.5f;\n"
    "    p = p * r + 1.0f;\n"
    "    s.u = (uint32_t)((int32_t)(tb.u - mb.u) + 127) << 23;\n"
    "    *s_out = s.f;\n"
    "    return p * r;\n"
    "}\n"
    "\n"
    "static float @_expf(float x)\n"
    "{\n"
    "    float s, q;\n"
    "    if (x != x) return x;\n"
    "    q = @_exp_parts(x, &s);\n"
    "    return s * q + s;\n"
    "}\n"
    "\n"
    "static float @_expm1f(float x)\n"
    "{\n"
    "    float s, q;\n"
    "    if (x != x) return x;\n"
    "    q = @_exp_parts(x, &s);\n"
    "    return s * q + (s - 1.0f);\n"
    "}\n"
    "\n"
    "static float @_sigmoidf(float x)\n"
    "{\n"
    "    return 1.0f / (1.0f + @_expf(-x));\n"
    "}\n"
    "\n"
    "static float @_tanhf(float x)\n"
    "{\n"
    "    float ax = x < 0 ? -x : x, e, t;\n"
    "    if (ax > 20.0f) return x < 0 ? -1.0f : 1.0f;\n"
    "    e = @_expm1f(-2.0f * ax);\n"
    "    t = -e / (2.0f + e);\n"
    "    return x < 0 ? -t : t;\n"
    "}\n"
    "\n"
    "static double @_pow2i(int k)\n"
    "{\n"
    "    @_f64_bits b;\n"
    "    b.u = (uint64_t)(k + 1023) << 52;\n"
    "    return b.d;\n"
    "}\n"
    "\n"
    "static double @_exp(double x)\n"
    "{\n"
    "    double kd, r, p;\n"
    "    int k;\n"
    "    if (x != x) return x;\n"
    "    if (x > 709.0) x = 709.0;\n"
    "    if (x < -745.0) return 0.0;\n"
    "    kd = (double)(int64_t)(x * 1.44269504088896338700e+00 + (x >= 0 ? 0.5 : -0.5));\n"
    "    k = (int)kd;\n"
    "    r = (x - kd * 6.93147180369123816490e-01) - kd * 1.90821492927058770002e-10;\n"
    "    p = 1.0 / 6227020800.0;\n"
    "    p = p * r + 1.0 / 479001600.0;\n"
    "    p = p * r + 1.0 / 39916800.0;\n"
    "    p = p * r + 1.0 / 3628800.0;\n"
    "    p = p * r + 1.0 / 362880.0;\n"
    "    p = p * r + 1.0 / 40320.0;\n"
    "    p = p * r + 1.0 / 5040.0;\n"
    "    p = p * r + 1.0 / 720.0;\n"
    "    p = p * r + 1.0 / 120.0;\n"
    "    p = p * r + 1.0 / 24.0;\n"
    "    p = p * r + 1.0 / 6.0;\n"
    "    p = p * r + 0.5;\n"
    "    p = p * r + 1.0;\n"
    "    p = p * r + 1.0;\n"
    "    if (k < -1021) return p * @_pow2i(k + 600) * @_pow2i(-600);\n"
    "    return p * @_pow2i(k);\n"
    "}\n"
    "\n";

static const char CODE_MV[] =
    "/* y[r] = sum over k = 0, 1, ... of x[k] * w[r][k] */\n"
    "static void @_mv(const float *w, long rows, long cols, const float *x, float *y)\n"
    "{\n"
    "    long r, k;\n"
    "    for (r = 0; r < rows; r++) {\n"
    "        float acc = 0.0f;\n"
    "        for (k = 0; k < cols; k++) acc += x[k] * w[r * cols + k];\n"
    "        y[r] = acc;\n"
    "    }\n"
    "}\n"
    "\n";

static const char CODE_MV_Q[] =
    "/* the same with int8 weights: w = (float)q * scale */\n"
    "static void @_mv_q(const int8_t *q, float scale, long rows, long cols, const float *x, float "
    "*y)\n"
    "{\n"
    "    long r, k;\n"
    "    for (r = 0; r < rows; r++) {\n"
    "        float acc = 0.0f;\n"
    "        for (k = 0; k < cols; k++) acc += x[k] * ((float)q[r * cols + k] * scale);\n"
    "        y[r] = acc;\n"
    "    }\n"
    "}\n"
    "\n";

static const char CODE_MV_SPARSE[] =
    "/* sparse (CSR): only the kept entries of row r, columns ascending */\n"
    "static void @_mv_sparse(const @_ptr_t *ptr, const @_col_t *col, const float *val, long rows,\n"
    "                        const float *x, float *y)\n"
    "{\n"
    "    long r;\n"
    "    unsigned long i;\n"
    "    for (r = 0; r < rows; r++) {\n"
    "        float acc = 0.0f;\n"
    "        for (i = ptr[r]; i < (unsigned long)ptr[r + 1]; i++) acc += x[col[i]] * val[i];\n"
    "        y[r] = acc;\n"
    "    }\n"
    "}\n"
    "\n";

static const char CODE_MV_SPARSE_Q[] =
    "/* sparse (CSR) with int8 values */\n"
    "static void @_mv_sparse_q(const @_ptr_t *ptr, const @_col_t *col, const int8_t *val, float "
    "scale,\n"
    "                          long rows, const float *x, float *y)\n"
    "{\n"
    "    long r;\n"
    "    unsigned long i;\n"
    "    for (r = 0; r < rows; r++) {\n"
    "        float acc = 0.0f;\n"
    "        for (i = ptr[r]; i < (unsigned long)ptr[r + 1]; i++) acc += x[col[i]] * "
    "((float)val[i] * scale);\n"
    "        y[r] = acc;\n"
    "    }\n"
    "}\n"
    "\n";

static void emit_code(sbuf *b, const char *code, const char *P) {
    for (const char *c = code; *c; c++) {
        const char *at = strchr(c, '@');
        size_t n = at ? (size_t)(at - c) : strlen(c);
        sb_grow(b, n);
        if (b->oom) return;
        memcpy(b->s + b->len, c, n);
        b->len += n;
        b->s[b->len] = '\0';
        if (!at) return;
        sb_puts(b, P);
        c = at;
    }
}

/* ---- the whole file ------------------------------------------------------ */

static fg_status build_source(const fg_model *m, const char *P, sbuf *b) {
    mat_info mats[FG_MAX_TENSORS];
    int nm = 0;
    const fg_tensor *bz = NULL, *bh = NULL, *bo = NULL;
    size_t biggest = 1, max_nnz = 0;
    int32_t max_cols = 0, max_rows = 0;
    int any_sparse = 0, any_dense_f = 0, any_dense_q = 0, any_sparse_f = 0, any_sparse_q = 0;
    const mat_info *mW = NULL, *mW1 = NULL, *mW2 = NULL, *mU = NULL, *mU1 = NULL, *mU2 = NULL,
                   *mWo = NULL;
    for (int i = 0; i < m->num_tensors; i++) {
        const fg_tensor *t = &m->tensors[i];
        if (strcmp(t->name, "cell.bias_gate") == 0) bz = t;
        if (strcmp(t->name, "cell.bias_update") == 0) bh = t;
        if (strcmp(t->name, "head.bias") == 0) bo = t;
        if (t->size + 1 > biggest) biggest = t->size + 1;
        if (!t->is_weight) continue;
        mat_info *mi = &mats[nm++];
        mi->t = t;
        mi->cname = short_name(t->name);
        mi->sparse = m->mask != NULL && fg_tensor_is_cell_matrix(t);
        mi->quant = m->quantized;
        mi->scale = m->quantized ? m->scale[i] : 0.0f;
        mi->nnz = fg_tensor_nnz(m, t);
        if (mi->sparse) {
            any_sparse = 1;
            if (mi->nnz > max_nnz) max_nnz = mi->nnz;
            if (t->cols > max_cols) max_cols = t->cols;
            if (t->rows > max_rows) max_rows = t->rows;
            if (mi->quant) any_sparse_q = 1;
            else any_sparse_f = 1;
        } else {
            if (mi->quant) any_dense_q = 1;
            else any_dense_f = 1;
        }
        const char *c = mi->cname;
        if (!strcmp(c, "W")) mW = mi;
        else if (!strcmp(c, "W1")) mW1 = mi;
        else if (!strcmp(c, "W2")) mW2 = mi;
        else if (!strcmp(c, "U")) mU = mi;
        else if (!strcmp(c, "U1")) mU1 = mi;
        else if (!strcmp(c, "U2")) mU2 = mi;
        else if (!strcmp(c, "Wo")) mWo = mi;
    }
    int32_t D = m->D, H = m->H, O = m->O;
    char up[EXPORT_PREFIX_MAX + 1];
    size_t pl = strlen(P);
    for (size_t i = 0; i <= pl; i++)
        up[i] = (char)(P[i] >= 'a' && P[i] <= 'z' ? P[i] - 'a' + 'A' : P[i]);

    /* stored bytes of the arrays below */
    size_t weight_bytes = 0;
    const char *ptr_t = max_nnz <= 65535 ? "uint16_t" : "uint32_t";
    const char *col_t = max_cols <= 256 ? "uint8_t" : max_cols <= 65536 ? "uint16_t" : "uint32_t";
    size_t ptr_b = max_nnz <= 65535 ? 2 : 4, col_b = max_cols <= 256     ? 1
                                                     : max_cols <= 65536 ? 2
                                                                         : 4;
    for (int i = 0; i < nm; i++) {
        const mat_info *mi = &mats[i];
        weight_bytes += mi->nnz * (mi->quant ? 1 : 4) + (mi->quant ? 4 : 0);
        if (mi->sparse) weight_bytes += ((size_t)mi->t->rows + 1) * ptr_b + mi->nnz * col_b;
    }
    weight_bytes += (size_t)(2 * H + O) * 4;

    /* ---- header comment, guard, includes, API */
    sb_printf(b, "/*\n * %s - a FastGRNN classifier exported by fastgrnn-wasm %s.\n *\n", P,
              FG_VERSION);
    sb_printf(b, " * input_dim %d, hidden_dim %d, output_dim %d (%s);\n * W %s, U %s.\n", D, H, O,
              O == 1 ? "binary: probs[0] = P(class 1)" : "classes: softmax",
              m->wr ? "low-rank" : "full rank", m->ur ? "low-rank" : "full rank");
    if (m->wr) sb_printf(b, " * W = W1 W2 with rank %d.\n", m->wr);
    if (m->ur) sb_printf(b, " * U = U1 U2 with rank %d.\n", m->ur);
    sb_printf(b, " * Weights: %s%s;\n * %zu bytes of constant data.\n",
              m->quantized ? "int8 with a float scale per matrix" : "float32",
              m->mask ? ", cell matrices sparse (CSR)" : "", weight_bytes);
    if (m->mask)
        sb_printf(b, " * Sparsity of the cell matrices: %.4f.\n", (double)fg_model_sparsity(m));
    sb_printf(b,
              " *\n"
              " * Include this file in one .c file (every name starts with \"%s\").\n"
              " *   void %s_logits(const float *x, int timesteps, float *logits);\n"
              " *   void %s_predict(const float *x, int timesteps, float *probs);\n"
              " * x: timesteps * %s_INPUT_DIM floats, step after step (timesteps >= 1);\n"
              " * logits / probs: %s_OUTPUT_DIM floats.\n",
              P, P, P, up, up);
    if (m->norm_means)
        sb_printf(b,
                  " *   void %s_normalize(float *x, int timesteps);\n"
                  " * applies the training normalization (x - mean) / std in place; the\n"
                  " * functions above do not, as the library's forward does not.\n",
                  P);
    sb_puts(b, " *\n"
               " * Outputs are bit-identical to the library's fg_model_logits_batch and\n"
               " * fg_model_forward_batch when compiled for IEEE-754 float/double with\n"
               " * FLT_EVAL_METHOD 0 and no FMA contraction (gcc/clang: -ffp-contract=off).\n"
               " * Needs <stdint.h> and nothing else: no libm, no allocation.\n"
               " */\n");
    sb_printf(b, "#ifndef %s_FASTGRNN_H\n#define %s_FASTGRNN_H\n\n#include <stdint.h>\n\n", up, up);
    sb_printf(b, "#define %s_INPUT_DIM %d\n#define %s_HIDDEN_DIM %d\n#define %s_OUTPUT_DIM %d\n\n",
              up, D, up, H, up, O);
    sb_printf(b, "void %s_logits(const float *x, int timesteps, float *logits);\n", P);
    sb_printf(b, "void %s_predict(const float *x, int timesteps, float *probs);\n", P);
    if (m->norm_means) sb_printf(b, "void %s_normalize(float *x, int timesteps);\n", P);
    sb_puts(b, "\n");
    if (any_sparse)
        sb_printf(b, "typedef %s %s_ptr_t;\ntypedef %s %s_col_t;\n\n", ptr_t, P, col_t, P);

    /* ---- weights */
    scratch sc = {NULL, NULL};
    sc.f = fg_alloc(biggest * sizeof(float), "export scratch");
    sc.l = sc.f ? fg_alloc(biggest * sizeof(long), "export scratch") : NULL;
    if (sc.l == NULL) {
        fg_free(sc.f);
        return FG_ERR_OUT_OF_MEMORY;
    }
    fg_status st = FG_OK;
    for (int i = 0; i < nm && st == FG_OK; i++) st = emit_matrix(b, m, P, &mats[i], &sc);
    if (st == FG_OK) {
        char decl[96];
        const fg_tensor *vecs[3] = {bz, bh, bo};
        const char *names[3] = {"bz", "bh", "bo"};
        const char *what[3] = {"cell.bias_gate", "cell.bias_update", "head.bias"};
        for (int v = 0; v < 3; v++) {
            for (size_t j = 0; j < vecs[v]->size; j++)
                sc.f[j] = (float)m->params[vecs[v]->offset + j];
            sb_printf(b, "/* %s */\n", what[v]);
            snprintf(decl, sizeof decl, "static const float %s_%s", P, names[v]);
            emit_floats(b, decl, sc.f, vecs[v]->size);
        }
        char num[48];
        float zeta = (float)fg_sigmoid(m->p.zeta[0]), nu = (float)fg_sigmoid(m->p.nu[0]);
        fmt_float(num, sizeof num, zeta);
        sb_printf(b, "/* zeta = sigmoid(%.9g), nu = sigmoid(%.9g) */\n", (double)m->p.zeta[0],
                  (double)m->p.nu[0]);
        sb_printf(b, "static const float %s_zeta = %s;\n", P, num);
        fmt_float(num, sizeof num, nu);
        sb_printf(b, "static const float %s_nu = %s;\n\n", P, num);
        if (m->norm_means) {
            sb_puts(b, "/* normalization (x - mean) / std */\n");
            snprintf(decl, sizeof decl, "static const float %s_mean", P);
            emit_floats(b, decl, m->norm_means, (size_t)D);
            snprintf(decl, sizeof decl, "static const float %s_std", P);
            emit_floats(b, decl, m->norm_stds, (size_t)D);
            sb_puts(b, "\n");
        }
    }
    fg_free(sc.f);
    fg_free(sc.l);
    if (st != FG_OK) return st;

    /* ---- code */
    emit_code(b, CODE_MATH, P);
    if (any_dense_f) emit_code(b, CODE_MV, P);
    if (any_dense_q) emit_code(b, CODE_MV_Q, P);
    if (any_sparse_f) emit_code(b, CODE_MV_SPARSE, P);
    if (any_sparse_q) emit_code(b, CODE_MV_SPARSE_Q, P);

    sb_printf(b, "void %s_logits(const float *x, int timesteps, float *logits)\n{\n", P);
    sb_printf(b, "    float h[%d], a[%d], u[%d];\n", H, H, H);
    if (m->wr) sb_printf(b, "    float p[%d];\n", m->wr);
    if (m->ur) sb_printf(b, "    float s[%d];\n", m->ur);
    sb_puts(b, "    long j;\n    int t;\n");
    sb_printf(b, "    for (j = 0; j < %d; j++) h[j] = 0.0f;\n", H);
    sb_puts(b, "    for (t = 0; t < timesteps; t++) {\n");
    sb_printf(b, "        const float *xt = x + (long)t * %d;\n", D);
    sb_puts(b, "        /* a = W x_t */\n");
    if (m->wr) {
        emit_mv(b, P, mW2, "xt", "p", "        ");
        emit_mv(b, P, mW1, "p", "a", "        ");
    } else {
        emit_mv(b, P, mW, "xt", "a", "        ");
    }
    sb_puts(b, "        /* a = a + U h_{t-1} (h_0 = 0: nothing to add at t = 0) */\n        if (t "
               "> 0) {\n");
    if (m->ur) {
        emit_mv(b, P, mU2, "h", "s", "            ");
        emit_mv(b, P, mU1, "s", "u", "            ");
    } else {
        emit_mv(b, P, mU, "h", "u", "            ");
    }
    sb_printf(b, "            for (j = 0; j < %d; j++) a[j] = a[j] + u[j];\n        }\n", H);
    sb_printf(b,
              "        /* gate, candidate, state */\n"
              "        for (j = 0; j < %d; j++) {\n"
              "            float z = %s_sigmoidf(a[j] + %s_bz[j]);\n"
              "            float c = %s_tanhf(a[j] + %s_bh[j]);\n"
              "            h[j] = z * h[j] + (%s_zeta * (1.0f - z) + %s_nu) * c;\n"
              "        }\n"
              "    }\n",
              H, P, P, P, P, P, P);
    sb_puts(b, "    /* logits = W_o h_T + b_o */\n");
    emit_mv(b, P, mWo, "h", "logits", "    ");
    sb_printf(b, "    for (j = 0; j < %d; j++) logits[j] = logits[j] + %s_bo[j];\n}\n\n", O, P);

    sb_printf(b, "void %s_predict(const float *x, int timesteps, float *probs)\n{\n", P);
    sb_printf(b, "    float y[%d];\n", O);
    if (O == 1) {
        sb_printf(b, "    %s_logits(x, timesteps, y);\n", P);
        sb_printf(b, "    probs[0] = (float)(1.0 / (1.0 + %s_exp(-(double)y[0])));\n}\n", P);
    } else {
        sb_printf(
            b,
            "    double mx, sum = 0.0;\n"
            "    long k;\n"
            "    %s_logits(x, timesteps, y);\n"
            "    mx = (double)y[0];\n"
            "    for (k = 1; k < %d; k++) if ((double)y[k] > mx) mx = (double)y[k];\n"
            "    for (k = 0; k < %d; k++) sum += %s_exp((double)y[k] - mx);\n"
            "    for (k = 0; k < %d; k++) probs[k] = (float)(%s_exp((double)y[k] - mx) / sum);\n"
            "}\n",
            P, O, O, P, O, P);
    }
    if (m->norm_means) {
        sb_printf(b,
                  "\nvoid %s_normalize(float *x, int timesteps)\n{\n"
                  "    long i, d;\n"
                  "    for (i = 0; i < (long)timesteps; i++)\n"
                  "        for (d = 0; d < %d; d++) x[i * %d + d] = (x[i * %d + d] - %s_mean[d]) / "
                  "%s_std[d];\n"
                  "}\n",
                  P, D, D, D, P, P);
    }
    sb_printf(b, "\n#endif /* %s_FASTGRNN_H */\n", up);
    return FG_OK;
}

fg_status fg_model_export_c(const fg_model *m, const char *prefix, char **source_out) {
    if (m == NULL) return fg_fail(FG_ERR_INVALID_INPUT, "export: model is NULL");
    if (source_out == NULL) return fg_fail(FG_ERR_INVALID_INPUT, "export: source_out is NULL");
    fg_status st = check_prefix(prefix);
    if (st != FG_OK) return st;
    for (size_t i = 0; i < m->num_params; i++)
        if (!isfinite((float)m->params[i]))
            return fg_fail(FG_ERR_INVALID_INPUT,
                           "export: parameter %zu = %g is not a finite float32", i,
                           (double)m->params[i]);
    sbuf b = {NULL, 0, 0, 0};
    st = build_source(m, prefix, &b);
    if (st == FG_OK && b.oom)
        st = fg_fail(FG_ERR_OUT_OF_MEMORY, "export: out of memory building the C source");
    if (st != FG_OK) {
        fg_free(b.s);
        return st;
    }
    *source_out = b.s;
    return FG_OK;
}

fg_status fg_model_export_c_file(const fg_model *m, const char *prefix, const char *path) {
    if (path == NULL) return fg_fail(FG_ERR_INVALID_INPUT, "export: path is NULL");
    char *src = NULL;
    fg_status st = fg_model_export_c(m, prefix, &src);
    if (st != FG_OK) return st;
    st = fg_write_file(path, src, strlen(src));
    fg_free(src);
    return st;
}
