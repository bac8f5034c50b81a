/*
 * predict.c - prediction on raw inputs: the model's stored normalization,
 * then the forward pass; and the one rule that turns outputs into a class.
 *
 * A model trained on z-scored features carries the means and stds
 * (fg_model_set_normalization, saved in the file). fg_model_forward* take
 * features already normalized; fg_model_predict* take them as they come
 * and normalize first, with exactly the float32 arithmetic of
 * fg_dataset_apply_normalization, so predict(x) equals
 * forward(apply_normalization(x)) bit for bit. Without stored
 * normalization the two are the same.
 */
#include <math.h>
#include <string.h>

#include "internal.h"

int32_t fg_decide_class(const fg_real *logits, int32_t O) {
    if (O == 1) return logits[0] >= 0 ? 1 : 0;
    int32_t arg = 0;
    for (int32_t k = 1; k < O; k++)
        if (logits[k] > logits[arg]) arg = k;
    return arg;
}

int32_t fg_label_class(float y, int32_t O) {
    if (O == 1) return y >= 0.5f ? 1 : 0;
    return (int32_t)y;
}

/* src, dst: [rows, D]; dst NULL: only check. */
fg_status fg_model_normalize_rows(const fg_model *m, const float *src, size_t rows, float *dst) {
    size_t D = (size_t)m->D, count = rows * D;
    for (size_t i = 0; i < count; i++)
        if (!isfinite(src[i]))
            return fg_fail(FG_ERR_INVALID_INPUT, "features[%zu] must be finite, got %g", i,
                           (double)src[i]);
    if (!m->norm_means) {
        if (dst) memcpy(dst, src, count * sizeof(float));
        return FG_OK;
    }
    for (size_t r = 0; r < rows; r++)
        for (size_t d = 0; d < D; d++) {
            size_t i = r * D + d;
            float v = (src[i] - m->norm_means[d]) / m->norm_stds[d];
            if (!isfinite(v))
                return fg_fail(FG_ERR_INVALID_INPUT,
                               "features[%zu] = %g gives a non-finite value after the model's "
                               "normalization (mean %g, std %g)",
                               i, (double)src[i], (double)m->norm_means[d],
                               (double)m->norm_stds[d]);
            if (dst) dst[i] = v;
        }
    return FG_OK;
}

/* x [n, T, D] raw -> normalized copy -> fg_model_run (mode 0 logits, 1
 * probabilities). Without stored normalization, fg_model_run on x itself. */
static fg_status predict_run(const fg_model *m, const float *x, int32_t n, int32_t T, int mode,
                             float *out) {
    if (!m || !m->norm_means || !x || !out || n <= 0 || T <= 0)
        return fg_model_run(m, x, n, T, mode, 1.0, out); /* validates */
    size_t rows, count, bytes;
    if (!fg_mul_ok((size_t)n, (size_t)T, &rows) || !fg_mul_ok(rows, (size_t)m->D, &count) ||
        !fg_mul_ok(count, sizeof(float), &bytes))
        return fg_fail(FG_ERR_INVALID_INPUT, "n %d x timesteps %d x input_dim %d is too large", n,
                       T, m->D);
    float *xn = fg_alloc(bytes, "normalized features");
    if (!xn) return FG_ERR_OUT_OF_MEMORY;
    fg_status s = fg_model_normalize_rows(m, x, rows, xn);
    if (!s) s = fg_model_run(m, xn, n, T, mode, 1.0, out);
    fg_free(xn);
    return s;
}

fg_status fg_model_predict(const fg_model *model, const float *x, int32_t timesteps,
                           float *probs_out) {
    return predict_run(model, x, 1, timesteps, 1, probs_out);
}

fg_status fg_model_predict_batch(const fg_model *model, const float *x, int32_t n,
                                 int32_t timesteps, float *probs_out) {
    return predict_run(model, x, n, timesteps, 1, probs_out);
}

fg_status fg_model_predict_logits_batch(const fg_model *model, const float *x, int32_t n,
                                        int32_t timesteps, float *logits_out) {
    return predict_run(model, x, n, timesteps, 0, logits_out);
}

/* x [n, T, D] raw -> classes_out [n] by fg_decide_class on each sample's
 * logits, chunk by chunk (ws: [256, T] scratch, buf: the chunk normalized). */
fg_status fg_model_predict_class_batch(const fg_model *model, const float *x, int32_t n,
                                       int32_t timesteps, int32_t *classes_out) {
    if (!model) return fg_fail(FG_ERR_INVALID_INPUT, "model is NULL");
    if (!x) return fg_fail(FG_ERR_INVALID_INPUT, "features is NULL");
    if (!classes_out) return fg_fail(FG_ERR_INVALID_INPUT, "output buffer is NULL");
    if (n <= 0) return fg_fail(FG_ERR_INVALID_INPUT, "n must be > 0, got %d", n);
    if (timesteps <= 0)
        return fg_fail(FG_ERR_INVALID_INPUT, "timesteps must be > 0, got %d", timesteps);
    size_t rows, row = (size_t)timesteps * (size_t)model->D, count;
    if (!fg_mul_ok((size_t)n, (size_t)timesteps, &rows) ||
        !fg_mul_ok(rows, (size_t)model->D, &count) || count > ((size_t)1 << 31))
        return fg_fail(FG_ERR_INVALID_INPUT, "n %d x timesteps %d x input_dim %d is too large", n,
                       timesteps, model->D);
    fg_status s = fg_model_normalize_rows(model, x, rows, NULL); /* check everything first */
    if (s) return s;
    int32_t chunk = n < 256 ? n : 256;
    fg_workspace *ws;
    if ((s = fg_workspace_create(model, chunk, timesteps, &ws))) return s;
    float *buf = fg_alloc((size_t)chunk * row * sizeof(float), "normalized features");
    if (!buf) {
        fg_workspace_destroy(ws);
        return FG_ERR_OUT_OF_MEMORY;
    }
    for (int32_t start = 0; start < n; start += chunk) {
        int32_t nb = n - start < chunk ? n - start : chunk;
        fg_model_normalize_rows(model, x + (size_t)start * row, (size_t)nb * timesteps, buf);
        fg_workspace_gather(ws, buf, NULL, nb);
        fg_model_forward_ws(model, ws, nb);
        for (int32_t b = 0; b < nb; b++)
            classes_out[start + b] = fg_decide_class(ws->logits + (size_t)b * model->O, model->O);
    }
    fg_free(buf);
    fg_workspace_destroy(ws);
    return FG_OK;
}
