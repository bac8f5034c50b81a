/*
 * evaluate.c - the evaluation report of a model on a labelled dataset.
 *
 * With K classes (K = 2 for a binary model), over n samples:
 *   true class    binary: label >= 0.5; classes: the label
 *   predicted     fg_decide_class (binary: logit >= 0, i.e. p >= 0.5;
 *                 classes: first largest logit) - the rule of the
 *                 training accuracy
 *   loss          mean data loss (binary cross-entropy / softmax
 *                 cross-entropy), exactly as fg_trainer_evaluate computes it
 *                 on the features the model sees
 *   accuracy      correct / n
 *   confusion     C[t][p] = samples of true class t predicted as p
 *   support_k     sum_p C[k][p];  predicted_k = sum_t C[t][k]
 *   precision_k   C[k][k] / predicted_k   (null when predicted_k = 0)
 *   recall_k      C[k][k] / support_k     (null when support_k = 0)
 *   f1_k          2 C[k][k] / (support_k + predicted_k), which is the
 *                 harmonic mean of precision and recall when both exist and
 *                 0 when one of them is 0 or undefined while the class
 *                 occurs; null when support_k = predicted_k = 0
 *   roc_auc       binary only: the probability that a random positive gets
 *                 a higher P(class 1) than a random negative, ties counting
 *                 one half (Mann-Whitney U / (P N), computed with average
 *                 ranks), on the float probabilities predict returns; null
 *                 for multi-class models and when either class is absent.
 * raw != 0 applies the model's stored normalization first (as predict).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

typedef struct {
    float score; /* P(class 1)                                           */
    int32_t pos; /* 1 for a positive sample                              */
} scored;

static int cmp_scored(const void *a, const void *b) {
    float x = ((const scored *)a)->score, y = ((const scored *)b)->score;
    return (x > y) - (x < y);
}

/* s: [n] sorted in place. Returns the AUC, or NaN when a class is absent. */
static float roc_auc(scored *s, int32_t n) {
    qsort(s, (size_t)n, sizeof *s, cmp_scored);
    double pos = 0, rank_sum = 0;
    for (int32_t i = 0; i < n;) {
        int32_t j = i;
        while (j < n && s[j].score == s[i].score) j++;
        double avg_rank = 0.5 * ((double)(i + 1) + (double)j); /* ranks i+1 .. j */
        for (int32_t k = i; k < j; k++)
            if (s[k].pos) {
                pos += 1;
                rank_sum += avg_rank;
            }
        i = j;
    }
    double neg = (double)n - pos;
    if (pos == 0 || neg == 0) return NAN;
    return (float)((rank_sum - pos * (pos + 1) / 2) / (pos * neg));
}

fg_status fg_model_evaluate(const fg_model *model, const fg_dataset *ds, int raw,
                            char **report_json_out) {
    if (!model) return fg_fail(FG_ERR_INVALID_INPUT, "model is NULL");
    if (!ds) return fg_fail(FG_ERR_INVALID_INPUT, "dataset is NULL");
    if (!report_json_out) return fg_fail(FG_ERR_INVALID_INPUT, "report_json_out is NULL");
    if (ds->D != model->D)
        return fg_fail(FG_ERR_INVALID_INPUT,
                       "dataset input_dim %d differs from the model's input_dim %d", ds->D,
                       model->D);
    if (ds->O != model->O)
        return fg_fail(FG_ERR_INVALID_INPUT,
                       "dataset output_dim %d differs from the model's output_dim %d", ds->O,
                       model->O);
    if (ds->n <= 0) return fg_fail(FG_ERR_INVALID_INPUT, "cannot evaluate on an empty dataset");
    int32_t n = ds->n, T = ds->T, O = model->O, K = O == 1 ? 2 : O;
    size_t row = (size_t)T * (size_t)ds->D;
    int normalize = raw && model->norm_means;
    fg_status s;
    if (normalize && (s = fg_model_normalize_rows(model, ds->x, (size_t)n * T, NULL))) return s;

    int32_t chunk = n < 256 ? n : 256; /* as fg_trainer_evaluate: same loss bits */
    fg_workspace *ws = NULL;
    if ((s = fg_workspace_create(model, chunk, T, &ws))) return s;
    size_t KK = (size_t)K * (size_t)K;
    int64_t *counts = fg_alloc_zero(KK + (size_t)K, sizeof(int64_t), "confusion matrix");
    float *stats = fg_alloc_zero((size_t)K * 3, sizeof(float), "per-class metrics");
    scored *sc = O == 1 ? fg_alloc((size_t)n * sizeof *sc, "ROC scores") : NULL;
    float *buf =
        normalize ? fg_alloc((size_t)chunk * row * sizeof(float), "normalized features") : NULL;
    if (!counts || !stats || (O == 1 && !sc) || (normalize && !buf)) {
        s = FG_ERR_OUT_OF_MEMORY;
        goto done;
    }
    int64_t *conf = counts, *support = counts + KK;
    double loss_sum = 0;
    int64_t correct = 0;
    for (int32_t start = 0; start < n; start += chunk) {
        int32_t nb = n - start < chunk ? n - start : chunk;
        const float *x = ds->x + (size_t)start * row, *y = ds->y + start;
        if (normalize) {
            fg_model_normalize_rows(model, x, (size_t)nb * T, buf);
            x = buf;
        }
        fg_workspace_gather(ws, x, NULL, nb);
        double dl;
        int32_t c;
        fg_batch_loss_and_grad(model, ws, nb, y, NULL, NULL, 0, NULL, &dl, &c);
        loss_sum += dl * nb;
        correct += c;
        for (int32_t b = 0; b < nb; b++) {
            const fg_real *logits = ws->logits + (size_t)b * O;
            int32_t t = fg_label_class(y[b], O), p = fg_decide_class(logits, O);
            conf[(size_t)t * K + p]++;
            if (O == 1) {
                fg_probs_from_logits(logits, 1, 1.0, &sc[start + b].score);
                sc[start + b].pos = t;
            }
        }
    }
    float *precision = stats, *recall = stats + K, *f1 = stats + 2 * K;
    for (int32_t k = 0; k < K; k++) {
        int64_t tp = conf[(size_t)k * K + k], predicted = 0;
        support[k] = 0;
        for (int32_t j = 0; j < K; j++) {
            support[k] += conf[(size_t)k * K + j];
            predicted += conf[(size_t)j * K + k];
        }
        precision[k] = predicted ? (float)((double)tp / (double)predicted) : NAN;
        recall[k] = support[k] ? (float)((double)tp / (double)support[k]) : NAN;
        f1[k] = support[k] + predicted
                    ? (float)(2.0 * (double)tp / (double)(support[k] + predicted))
                    : NAN;
    }
    fg_evaluation e = {
        .samples = n,
        .num_classes = K,
        .loss = (float)(loss_sum / n),
        .accuracy = (float)((double)correct / n),
        .confusion = conf,
        .support = support,
        .precision = precision,
        .recall = recall,
        .f1 = f1,
        .roc_auc = O == 1 ? roc_auc(sc, n) : NAN,
    };
    s = fg_evaluation_to_json(&e, report_json_out);
done:
    fg_free(buf);
    fg_free(sc);
    fg_free(stats);
    fg_free(counts);
    fg_workspace_destroy(ws);
    return s;
}
