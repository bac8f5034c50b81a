/*
 * loss.c - losses of the head, their gradients, and the loss helpers of the
 * specification.
 *
 * Binary (O = 1):  p = sigmoid(y), CE(p, t) = -t log p - (1 - t) log(1 - p),
 *   written in the stable logit form max(y, 0) - t y + log(1 + e^-|y|);
 *   dCE/dy = p - t.
 * Classes (O > 1): CE = logsumexp(y) - y_label; dCE/dy = softmax(y) - onehot.
 * Distillation (Hinton et al. 2015), temperature T, weight alpha:
 *   L = (1 - alpha) CE(y, label) + alpha T^2 CE(y / T, soft)
 *   dL/dy = (1 - alpha) dCE(y) + alpha T (q_T - soft),  q_T = sigmoid/softmax(y / T)
 * Per sample in fg_real through our own exp/log (every build agrees), sums
 * over the batch in double.
 */
#include <math.h>

#include "internal.h"

/* Binary cross-entropy of logit y against target t in [0, 1]; *p gets
 * sigmoid(y). One exp and one log: e = exp(-|y|) serves both. */
static fg_real bce_logit(fg_real y, fg_real t, fg_real *p) {
    fg_real one = 1, e = fg_exp_real(y < 0 ? y : -y);
    *p = y >= 0 ? one / (one + e) : e / (one + e);
    return (y > 0 ? y : 0) - t * y + fg_log_real(one + e);
}

static double sigmoid_d(double y) { return 1.0 / (1.0 + fg_exp(-y)); }

/* log sum_k exp(y_k / temp), shifted by the maximum. */
static fg_real logsumexp(const fg_real *y, int32_t O, fg_real temp) {
    fg_real mx = y[0] / temp;
    for (int32_t k = 1; k < O; k++)
        if (y[k] / temp > mx) mx = y[k] / temp;
    fg_real sum = 0;
    for (int32_t k = 0; k < O; k++) sum += fg_exp_real(y[k] / temp - mx);
    return mx + fg_log_real(sum);
}

double fg_head_loss(const fg_workspace *ws, int32_t n, int32_t batch_n, const float *y,
                    const float *soft, const fg_training_config *cfg, int want_grad,
                    double *data_sum_out, int32_t *correct_out) {
    int32_t O = ws->O;
    int distill = cfg && cfg->enable_distillation && soft;
    fg_real one = 1;
    fg_real alpha = distill ? (fg_real)cfg->distillation_alpha : 0;
    fg_real temp = distill ? (fg_real)cfg->distillation_temperature : 1;
    fg_real inv_n = one / (fg_real)batch_n;
    double total = 0, data = 0; /* sums over the batch in double */
    int32_t correct = 0;
    for (int32_t b = 0; b < n; b++) {
        const fg_real *yl = ws->logits + (size_t)b * O;
        fg_real *dy = ws->dlogits + (size_t)b * O;
        if (O == 1) {
            fg_real l = yl[0], t = (fg_real)y[b], p, pt;
            fg_real ce = bce_logit(l, t, &p);
            fg_real g = p - t;
            fg_real loss = (one - alpha) * ce;
            if (distill) {
                fg_real s = (fg_real)soft[b];
                loss += alpha * temp * temp * bce_logit(l / temp, s, &pt);
                g = (one - alpha) * g + alpha * temp * (pt - s);
            }
            data += (double)ce;
            total += (double)loss;
            if (want_grad) dy[0] = g * inv_n;
            correct += fg_decide_class(yl, 1) == fg_label_class(y[b], 1);
        } else {
            int32_t label = (int32_t)y[b];
            correct += fg_decide_class(yl, O) == label;
            fg_real lse = logsumexp(yl, O, one), lse_t = distill ? logsumexp(yl, O, temp) : 0;
            fg_real ce = lse - yl[label];
            fg_real loss = (one - alpha) * ce;
            for (int32_t k = 0; k < O; k++) {
                fg_real g = (one - alpha) * (fg_exp_real(yl[k] - lse) - (fg_real)(k == label));
                if (distill) {
                    fg_real s = (fg_real)soft[(size_t)b * O + k];
                    loss -= alpha * temp * temp * s * (yl[k] / temp - lse_t);
                    g += alpha * temp * (fg_exp_real(yl[k] / temp - lse_t) - s);
                }
                if (want_grad) dy[k] = g * inv_n;
            }
            data += (double)ce;
            total += (double)loss;
        }
    }
    if (data_sum_out) *data_sum_out = data;
    if (correct_out) *correct_out = correct;
    return total;
}

double fg_batch_loss_and_grad(const fg_model *m, fg_workspace *ws, int32_t n, const float *y,
                              const float *soft, const fg_training_config *cfg, int include_l2,
                              fg_real *grad, double *data_loss_out, int32_t *correct_out) {
    fg_model_forward_ws(m, ws, n);
    double data;
    double loss = fg_head_loss(ws, n, n, y, soft, cfg, grad != NULL, &data, correct_out) / n;
    if (data_loss_out) *data_loss_out = data / n;
    if (grad) fg_model_backward_ws(m, ws, n, grad);
    if (include_l2) loss += fg_l2_loss_and_grad(m, cfg, grad);
    return loss;
}

double fg_l2_loss_and_grad(const fg_model *m, const fg_training_config *cfg, fg_real *grad) {
    if (!cfg || !(cfg->l2_reg > 0)) return 0;
    /* 0.5 l2 ||w||^2 over weight matrices; gradient l2 w */
    double l2 = (double)cfg->l2_reg, sq = 0;
    for (int i = 0; i < m->num_tensors; i++) {
        const fg_tensor *t = &m->tensors[i];
        if (!t->is_weight) continue;
        for (size_t k = 0; k < t->size; k++) {
            fg_real w = m->params[t->offset + k];
            sq += (double)w * (double)w;
            if (grad) grad[t->offset + k] += (fg_real)l2 * w;
        }
    }
    return 0.5 * l2 * sq;
}

void fg_chunk_loss_and_grad(const fg_model *m, fg_workspace *ws, int32_t n, int32_t batch_n,
                            const float *y, const float *soft, const fg_training_config *cfg,
                            fg_real *grad, double stats[FG_CHUNK_STATS]) {
    fg_model_forward_ws(m, ws, n);
    double data;
    int32_t correct;
    stats[0] = fg_head_loss(ws, n, batch_n, y, soft, cfg, 1, &data, &correct);
    stats[1] = data;
    stats[2] = (double)correct;
    fg_model_backward_ws(m, ws, n, grad);
}

double fg_loss_and_grad(const fg_model *m, fg_workspace *ws, const float *x, const float *y,
                        const float *soft, int32_t n, int32_t T, const fg_training_config *cfg,
                        int include_l2, fg_real *grad, double *data_loss_out,
                        int32_t *correct_out) {
    (void)T; /* the workspace fixes T */
    fg_workspace_gather(ws, x, NULL, n);
    return fg_batch_loss_and_grad(m, ws, n, y, soft, cfg, include_l2, grad, data_loss_out,
                                  correct_out);
}

float fg_binary_cross_entropy(float prediction, float target) {
    double p = (double)prediction, t = (double)target;
    if (!(p >= 1e-7)) p = 1e-7; /* also maps NaN to the clamp */
    if (p > 1.0 - 1e-7) p = 1.0 - 1e-7;
    return (float)(-t * fg_log(p) - (1.0 - t) * fg_log(1.0 - p));
}

float fg_temperature_softmax(float logit, float temperature) {
    return (float)sigmoid_d((double)logit / (double)temperature);
}

fg_status fg_generate_teacher_predictions(const fg_model *teacher, const float *x, int32_t n,
                                          int32_t timesteps, float temperature, float *soft_out) {
    if (!isfinite(temperature) || !(temperature > 0.0f))
        return fg_fail(FG_ERR_INVALID_INPUT, "temperature must be finite and > 0, got %g",
                       (double)temperature);
    return fg_model_run(teacher, x, n, timesteps, 1, (double)temperature, soft_out);
}
