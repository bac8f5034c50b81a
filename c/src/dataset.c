/*
 * dataset.c - training datasets and the mini-batch iterator.
 *
 * Features are float32 [n, T, D], labels float32 [n] (in [0, 1] for a binary
 * model, a class index below O otherwise), optional soft targets [n] or
 * [n, O]. Every constructor validates and copies; a failed call changes
 * nothing.
 */
#include <math.h>
#include <string.h>

#include "internal.h"

fg_status fg_check_label(float y, int32_t O, const char *what, int64_t i) {
    if (!isfinite(y))
        return fg_fail(FG_ERR_INVALID_INPUT, "%s[%lld] must be finite, got %g", what, (long long)i,
                       (double)y);
    if (O == 1) {
        if (y < 0.0f || y > 1.0f)
            return fg_fail(FG_ERR_INVALID_INPUT,
                           "%s[%lld] must be in [0, 1] for a binary model, got %g", what,
                           (long long)i, (double)y);
    } else if (y < 0.0f || y >= (float)O || y != floorf(y)) {
        return fg_fail(FG_ERR_INVALID_INPUT, "%s[%lld] must be a class index in [0, %d), got %g",
                       what, (long long)i, O, (double)y);
    }
    return FG_OK;
}

/* An empty-or-not dataset with buffers for n samples (no validation). */
static fg_status dataset_alloc(int32_t n, int32_t T, int32_t D, int32_t O, int with_soft,
                               fg_dataset **out) {
    fg_dataset *ds = fg_alloc_zero(1, sizeof *ds, "dataset");
    if (!ds) return FG_ERR_OUT_OF_MEMORY;
    ds->n = n;
    ds->T = T;
    ds->D = D;
    ds->O = O;
    ds->soft_width = O == 1 ? 1 : O;
    ds->x = fg_alloc_zero((size_t)n * T * D, sizeof(float), "dataset features");
    ds->y = ds->x ? fg_alloc_zero((size_t)n, sizeof(float), "dataset labels") : NULL;
    if (ds->y && with_soft)
        ds->soft = fg_alloc_zero((size_t)n * ds->soft_width, sizeof(float), "soft targets");
    if (!ds->x || !ds->y || (with_soft && !ds->soft)) {
        fg_dataset_destroy(ds);
        return FG_ERR_OUT_OF_MEMORY;
    }
    *out = ds;
    return FG_OK;
}

/* The checks shared by create and adopt. */
static fg_status check_new(const float *features, const float *labels, int32_t n, int32_t timesteps,
                           int32_t input_dim, int32_t output_dim, fg_dataset **out) {
    if (!out) return fg_fail(FG_ERR_INVALID_INPUT, "out is NULL");
    if (n <= 0) return fg_fail(FG_ERR_INVALID_INPUT, "dataset is empty: n must be > 0, got %d", n);
    if (timesteps <= 0)
        return fg_fail(FG_ERR_INVALID_INPUT, "timesteps must be > 0, got %d", timesteps);
    if (input_dim <= 0)
        return fg_fail(FG_ERR_INVALID_INPUT, "input_dim must be > 0, got %d", input_dim);
    if (output_dim <= 0)
        return fg_fail(FG_ERR_INVALID_INPUT, "output_dim must be > 0, got %d", output_dim);
    if (!features) return fg_fail(FG_ERR_INVALID_INPUT, "features is NULL");
    if (!labels) return fg_fail(FG_ERR_INVALID_INPUT, "labels is NULL");
    uint64_t count = (uint64_t)n * (uint64_t)timesteps * (uint64_t)input_dim;
    if (count > ((uint64_t)1 << 31))
        return fg_fail(FG_ERR_INVALID_INPUT,
                       "n %d x timesteps %d x input_dim %d overflows (max 2^31 values)", n,
                       timesteps, input_dim);
    for (uint64_t i = 0; i < count; i++)
        if (!isfinite(features[i]))
            return fg_fail(FG_ERR_INVALID_INPUT, "features[%llu] must be finite, got %g",
                           (unsigned long long)i, (double)features[i]);
    fg_status s;
    for (int32_t i = 0; i < n; i++)
        if ((s = fg_check_label(labels[i], output_dim, "labels", i))) return s;
    return FG_OK;
}

fg_status fg_dataset_create(const float *features, const float *labels, int32_t n,
                            int32_t timesteps, int32_t input_dim, int32_t output_dim,
                            fg_dataset **out) {
    fg_status s = check_new(features, labels, n, timesteps, input_dim, output_dim, out);
    if (s) return s;
    fg_dataset *ds;
    if ((s = dataset_alloc(n, timesteps, input_dim, output_dim, 0, &ds))) return s;
    memcpy(ds->x, features, (size_t)n * timesteps * input_dim * sizeof(float));
    memcpy(ds->y, labels, (size_t)n * sizeof(float));
    *out = ds;
    return FG_OK;
}

fg_status fg_dataset_adopt(float *features, float *labels, int32_t n, int32_t timesteps,
                           int32_t input_dim, int32_t output_dim, fg_dataset **out) {
    fg_status s = check_new(features, labels, n, timesteps, input_dim, output_dim, out);
    if (s) return s;
    fg_dataset *ds = fg_alloc_zero(1, sizeof *ds, "dataset");
    if (!ds) return FG_ERR_OUT_OF_MEMORY;
    ds->n = n;
    ds->T = timesteps;
    ds->D = input_dim;
    ds->O = output_dim;
    ds->soft_width = output_dim == 1 ? 1 : output_dim;
    ds->x = features;
    ds->y = labels;
    *out = ds;
    return FG_OK;
}

void fg_dataset_destroy(fg_dataset *ds) {
    if (!ds) return;
    fg_free(ds->x);
    fg_free(ds->y);
    fg_free(ds->soft);
    fg_free(ds);
}

/* A new dataset holding the samples idx[0..n) of src. */
static fg_status dataset_select(const fg_dataset *src, const int32_t *idx, int32_t n,
                                fg_dataset **out) {
    fg_dataset *ds;
    fg_status s = dataset_alloc(n, src->T, src->D, src->O, src->soft != NULL, &ds);
    if (s) return s;
    size_t row = (size_t)src->T * src->D, sw = (size_t)src->soft_width;
    for (int32_t i = 0; i < n; i++) {
        int32_t j = idx ? idx[i] : i;
        memcpy(ds->x + i * row, src->x + (size_t)j * row, row * sizeof(float));
        ds->y[i] = src->y[j];
        if (src->soft) memcpy(ds->soft + i * sw, src->soft + (size_t)j * sw, sw * sizeof(float));
    }
    *out = ds;
    return FG_OK;
}

fg_status fg_dataset_clone(const fg_dataset *ds, fg_dataset **out) {
    if (!ds || !out) return fg_fail(FG_ERR_INVALID_INPUT, "dataset or out is NULL");
    return dataset_select(ds, NULL, ds->n, out);
}

fg_status fg_dataset_with_soft_targets(fg_dataset *ds, const float *soft, size_t count) {
    if (!ds) return fg_fail(FG_ERR_INVALID_INPUT, "dataset is NULL");
    if (!soft) return fg_fail(FG_ERR_INVALID_INPUT, "soft_targets is NULL");
    size_t want = (size_t)ds->n * (size_t)ds->soft_width;
    if (count != want)
        return fg_fail(FG_ERR_INVALID_INPUT, "soft_targets length must equal %s = %zu, got %zu",
                       ds->O == 1 ? "the number of samples" : "samples x output_dim", want, count);
    for (size_t i = 0; i < count; i++)
        if (!isfinite(soft[i]) || soft[i] < 0.0f || soft[i] > 1.0f)
            return fg_fail(FG_ERR_INVALID_INPUT,
                           "soft_targets[%zu] must be finite and in [0, 1], got %g", i,
                           (double)soft[i]);
    float *copy = fg_alloc(count * sizeof(float), "soft targets");
    if (!copy) return FG_ERR_OUT_OF_MEMORY;
    memcpy(copy, soft, count * sizeof(float));
    fg_free(ds->soft);
    ds->soft = copy;
    return FG_OK;
}

/* n_val = round(n * val_ratio), halves up, in double; n_train = n - n_val. */
fg_status fg_split_sizes(int32_t n, float val_ratio, int32_t *train_out, int32_t *val_out) {
    if (!train_out || !val_out)
        return fg_fail(FG_ERR_INVALID_INPUT, "train_out or val_out is NULL");
    if (n < 0) return fg_fail(FG_ERR_INVALID_INPUT, "n must be >= 0, got %d", n);
    if (!(val_ratio >= 0.0f && val_ratio <= 1.0f))
        return fg_fail(FG_ERR_INVALID_INPUT, "val_ratio must be in [0, 1], got %g",
                       (double)val_ratio);
    int32_t n_val = (int32_t)floor((double)n * (double)val_ratio + 0.5);
    if (n_val > n) n_val = n;
    *train_out = n - n_val;
    *val_out = n_val;
    return FG_OK;
}

void fg_split_indices(int32_t n, float val_ratio, uint64_t seed, int32_t *perm,
                      int32_t *n_val_out) {
    int32_t n_train = n, n_val = 0;
    fg_split_sizes(n, val_ratio, &n_train, &n_val); /* callers validated val_ratio */
    fg_rng rng;
    fg_rng_seed(&rng, seed);
    fg_rng_permutation(&rng, perm, n);
    *n_val_out = n_val;
}

fg_status fg_dataset_split(const fg_dataset *ds, float val_ratio, uint64_t seed,
                           fg_dataset **train_out, fg_dataset **val_out) {
    if (!ds) return fg_fail(FG_ERR_INVALID_INPUT, "dataset is NULL");
    if (!train_out || !val_out)
        return fg_fail(FG_ERR_INVALID_INPUT, "train_out or val_out is NULL");
    if (!(val_ratio >= 0.0f && val_ratio <= 1.0f))
        return fg_fail(FG_ERR_INVALID_INPUT, "val_ratio must be in [0, 1], got %g",
                       (double)val_ratio);
    int32_t n = ds->n, n_val;
    int32_t *perm = fg_alloc((size_t)(n ? n : 1) * sizeof(int32_t), "split permutation");
    if (!perm) return FG_ERR_OUT_OF_MEMORY;
    fg_split_indices(n, val_ratio, seed, perm, &n_val);
    fg_dataset *tr = NULL, *va = NULL;
    fg_status s = dataset_select(ds, perm, n - n_val, &tr);
    if (!s) s = dataset_select(ds, perm + (n - n_val), n_val, &va);
    fg_free(perm);
    if (s) {
        fg_dataset_destroy(tr);
        return s;
    }
    *train_out = tr;
    *val_out = va;
    return FG_OK;
}

/* Mean and standard deviation (population) per feature over all samples and
 * timesteps, in double; std < 1e-8 becomes 1. */
fg_status fg_dataset_normalize(fg_dataset *ds, float *means_out, float *stds_out) {
    if (!ds) return fg_fail(FG_ERR_INVALID_INPUT, "dataset is NULL");
    if (ds->n == 0) return fg_fail(FG_ERR_INVALID_INPUT, "cannot normalize an empty dataset");
    int32_t D = ds->D;
    float *mean = fg_alloc_zero((size_t)D * 2, sizeof(float), "normalization parameters");
    if (!mean) return FG_ERR_OUT_OF_MEMORY;
    float *std = mean + D;
    size_t rows = (size_t)ds->n * ds->T;
    for (int32_t d = 0; d < D; d++) {
        double sum = 0, sq = 0;
        for (size_t r = 0; r < rows; r++) sum += ds->x[r * D + d];
        double mu = sum / (double)rows;
        for (size_t r = 0; r < rows; r++) {
            double e = ds->x[r * D + d] - mu;
            sq += e * e;
        }
        double sd = sqrt(sq / (double)rows);
        mean[d] = (float)mu;
        std[d] = sd < 1e-8 ? 1.0f : (float)sd;
    }
    fg_status s = fg_dataset_apply_normalization(ds, mean, std, D);
    if (!s) {
        if (means_out) memcpy(means_out, mean, (size_t)D * sizeof(float));
        if (stds_out) memcpy(stds_out, std, (size_t)D * sizeof(float));
    }
    fg_free(mean);
    return s;
}

fg_status fg_dataset_apply_normalization(fg_dataset *ds, const float *means, const float *stds,
                                         int32_t dim) {
    if (!ds) return fg_fail(FG_ERR_INVALID_INPUT, "dataset is NULL");
    if (!means || !stds) return fg_fail(FG_ERR_INVALID_INPUT, "means or stds is NULL");
    if (dim != ds->D)
        return fg_fail(FG_ERR_INVALID_INPUT, "normalization dim must equal input_dim %d, got %d",
                       ds->D, dim);
    for (int32_t d = 0; d < dim; d++) {
        if (!isfinite(means[d]))
            return fg_fail(FG_ERR_INVALID_INPUT, "means[%d] must be finite, got %g", d,
                           (double)means[d]);
        if (!isfinite(stds[d]) || !(stds[d] > 0.0f))
            return fg_fail(FG_ERR_INVALID_INPUT, "stds[%d] must be finite and > 0, got %g", d,
                           (double)stds[d]);
    }
    size_t rows = (size_t)ds->n * ds->T;
    /* check first that every result is finite, so a failure changes nothing */
    for (size_t r = 0; r < rows; r++)
        for (int32_t d = 0; d < dim; d++) {
            float v = (ds->x[r * dim + d] - means[d]) / stds[d];
            if (!isfinite(v))
                return fg_fail(FG_ERR_INVALID_INPUT,
                               "normalizing features[%zu] gives a non-finite value", r * dim + d);
        }
    for (size_t r = 0; r < rows; r++)
        for (int32_t d = 0; d < dim; d++)
            ds->x[r * dim + d] = (ds->x[r * dim + d] - means[d]) / stds[d];
    return FG_OK;
}

int32_t fg_dataset_len(const fg_dataset *ds) { return ds ? ds->n : 0; }
int fg_dataset_is_empty(const fg_dataset *ds) { return !ds || ds->n == 0; }
int32_t fg_dataset_timesteps(const fg_dataset *ds) { return ds ? ds->T : 0; }
int32_t fg_dataset_input_dim(const fg_dataset *ds) { return ds ? ds->D : 0; }
int32_t fg_dataset_output_dim(const fg_dataset *ds) { return ds ? ds->O : 0; }
const float *fg_dataset_features(const fg_dataset *ds) { return ds ? ds->x : NULL; }
const float *fg_dataset_labels(const fg_dataset *ds) { return ds ? ds->y : NULL; }
const float *fg_dataset_soft_targets(const fg_dataset *ds) { return ds ? ds->soft : NULL; }

/* ---- batch iterator ----------------------------------------------------- */

struct fg_batch_iter {
    const fg_dataset *ds;
    int32_t batch_size, pos;
    int shuffle;
    fg_rng rng;
    int32_t *order;      /* [n]                                         */
    float *x, *y, *soft; /* [batch, T, D], [batch], [batch, soft_width] */
};

fg_status fg_batch_iter_create(const fg_dataset *ds, int32_t batch_size, int shuffle, uint64_t seed,
                               fg_batch_iter **out) {
    if (!ds) return fg_fail(FG_ERR_INVALID_INPUT, "dataset is NULL");
    if (!out) return fg_fail(FG_ERR_INVALID_INPUT, "out is NULL");
    if (batch_size <= 0)
        return fg_fail(FG_ERR_INVALID_INPUT, "batch_size must be > 0, got %d", batch_size);
    int32_t cap = batch_size < ds->n ? batch_size : (ds->n ? ds->n : 1);
    fg_batch_iter *it = fg_alloc_zero(1, sizeof *it, "batch iterator");
    if (!it) return FG_ERR_OUT_OF_MEMORY;
    it->ds = ds;
    it->batch_size = batch_size;
    it->shuffle = shuffle != 0;
    fg_rng_seed(&it->rng, seed);
    it->order = fg_alloc_zero((size_t)(ds->n ? ds->n : 1), sizeof(int32_t), "batch order");
    it->x = fg_alloc_zero((size_t)cap * ds->T * ds->D, sizeof(float), "batch features");
    it->y = fg_alloc_zero((size_t)cap, sizeof(float), "batch labels");
    if (ds->soft)
        it->soft = fg_alloc_zero((size_t)cap * ds->soft_width, sizeof(float), "batch soft targets");
    if (!it->order || !it->x || !it->y || (ds->soft && !it->soft)) {
        fg_batch_iter_destroy(it);
        return FG_ERR_OUT_OF_MEMORY;
    }
    fg_batch_iter_reset(it);
    *out = it;
    return FG_OK;
}

void fg_batch_iter_destroy(fg_batch_iter *it) {
    if (!it) return;
    fg_free(it->order);
    fg_free(it->x);
    fg_free(it->y);
    fg_free(it->soft);
    fg_free(it);
}

void fg_batch_iter_reset(fg_batch_iter *it) {
    if (!it) return;
    it->pos = 0;
    if (it->shuffle) fg_rng_permutation(&it->rng, it->order, it->ds->n);
    else
        for (int32_t i = 0; i < it->ds->n; i++) it->order[i] = i;
}

int32_t fg_batch_iter_next(fg_batch_iter *it, const float **features, const float **labels,
                           const float **soft) {
    if (!it || it->pos >= it->ds->n) return 0;
    const fg_dataset *ds = it->ds;
    int32_t nb = ds->n - it->pos < it->batch_size ? ds->n - it->pos : it->batch_size;
    size_t row = (size_t)ds->T * ds->D, sw = (size_t)ds->soft_width;
    for (int32_t b = 0; b < nb; b++) {
        int32_t j = it->order[it->pos + b];
        memcpy(it->x + b * row, ds->x + (size_t)j * row, row * sizeof(float));
        it->y[b] = ds->y[j];
        if (ds->soft) memcpy(it->soft + b * sw, ds->soft + (size_t)j * sw, sw * sizeof(float));
    }
    it->pos += nb;
    if (features) *features = it->x;
    if (labels) *labels = it->y;
    if (soft) *soft = ds->soft ? it->soft : NULL;
    return nb;
}
