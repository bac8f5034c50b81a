/*
 * fg_native_train - the native reference trainer.
 *
 * Trains a model with the native build of the C core, exactly as the JS API
 * does with the wasm module, and writes the safetensors file. The JS tests
 * use it to check that the scalar wasm module and the native build produce
 * byte-identical models for the same seed and data.
 *
 *   fg_native_train --model-config JSON --training-config JSON
 *                   --features F32FILE --labels F32FILE [--timesteps T]
 *                   [--soft F32FILE] [--normalize] --out MODEL.safetensors
 *                   [--metrics METRICS.json]
 *
 * F32FILE: raw little-endian float32 values. features [n, T, D], labels [n]
 * (n = size of the labels file / 4; D and O come from the model config).
 * --normalize z-scores the dataset and stores the parameters in the model.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fastgrnn.h"

static void die(const char *what) {
    fprintf(stderr, "fg_native_train: %s: %s (%s)\n", what, fg_last_error(),
            fg_status_name(fg_last_status()));
    exit(1);
}

static float *read_f32(const char *path, size_t *count) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "fg_native_train: cannot open %s\n", path);
        exit(2);
    }
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    if (len < 0 || len % 4 != 0) {
        fprintf(stderr, "fg_native_train: %s: size is not a multiple of 4\n", path);
        exit(2);
    }
    float *buf = malloc(len > 0 ? (size_t)len : 1);
    if (!buf || fread(buf, 1, (size_t)len, f) != (size_t)len) {
        fprintf(stderr, "fg_native_train: cannot read %s\n", path);
        exit(2);
    }
    fclose(f);
    *count = (size_t)len / 4;
    return buf;
}

static void usage(void) {
    fprintf(stderr, "usage: fg_native_train --model-config JSON --training-config JSON\n"
                    "         --features F32FILE --labels F32FILE [--timesteps T]\n"
                    "         [--soft F32FILE] [--normalize] --out MODEL.safetensors\n"
                    "         [--metrics METRICS.json]\n");
    exit(2);
}

int main(int argc, char **argv) {
    const char *mcfg_json = "{}", *tcfg_json = "{}", *fpath = NULL, *lpath = NULL, *spath = NULL,
               *out = NULL, *metrics = NULL;
    int timesteps = 1, normalize = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--normalize")) {
            normalize = 1;
            continue;
        }
        if (i + 1 >= argc) usage();
        const char *v = argv[++i];
        if (!strcmp(a, "--model-config")) mcfg_json = v;
        else if (!strcmp(a, "--training-config")) tcfg_json = v;
        else if (!strcmp(a, "--features")) fpath = v;
        else if (!strcmp(a, "--labels")) lpath = v;
        else if (!strcmp(a, "--soft")) spath = v;
        else if (!strcmp(a, "--timesteps")) timesteps = atoi(v);
        else if (!strcmp(a, "--out")) out = v;
        else if (!strcmp(a, "--metrics")) metrics = v;
        else usage();
    }
    if (!fpath || !lpath || !out) usage();

    fg_model_config mcfg;
    fg_training_config tcfg;
    if (fg_model_config_from_json(mcfg_json, strlen(mcfg_json), &mcfg)) die("model config");
    if (fg_training_config_from_json(tcfg_json, strlen(tcfg_json), &tcfg)) die("training config");

    size_t nx, ny, ns = 0;
    float *x = read_f32(fpath, &nx);
    float *y = read_f32(lpath, &ny);
    float *soft = spath ? read_f32(spath, &ns) : NULL;

    fg_dataset *ds;
    if (fg_dataset_create(x, y, (int32_t)ny, timesteps, mcfg.input_dim, mcfg.output_dim, &ds))
        die("dataset");
    if (soft && fg_dataset_with_soft_targets(ds, soft, ns)) die("soft targets");

    fg_model *model;
    if (fg_model_create(&mcfg, &model)) die("model");
    if (normalize) {
        float *means = malloc(sizeof(float) * (size_t)mcfg.input_dim);
        float *stds = malloc(sizeof(float) * (size_t)mcfg.input_dim);
        if (!means || !stds) return 3;
        if (fg_dataset_normalize(ds, means, stds)) die("normalize");
        if (fg_model_set_normalization(model, means, stds, mcfg.input_dim)) die("normalization");
        free(means);
        free(stds);
    }

    fg_trainer *tr;
    if (fg_trainer_create(&mcfg, &tcfg, &tr)) die("trainer");
    if (fg_trainer_train(tr, model, ds, NULL, NULL)) die("train");
    if (fg_model_save_file(model, out)) die("save");
    if (metrics && fg_trainer_save_metrics(tr, metrics)) die("metrics");

    size_t n_epochs = fg_trainer_metrics_count(tr);
    const fg_training_metrics *m = fg_trainer_metrics(tr);
    if (n_epochs > 0)
        printf("epochs %zu train_loss %.6f val_loss %.6f val_accuracy %.4f\n", n_epochs,
               (double)m[n_epochs - 1].train_loss, (double)m[n_epochs - 1].val_loss,
               (double)m[n_epochs - 1].val_accuracy);
    fg_trainer_destroy(tr);
    fg_model_destroy(model);
    fg_dataset_destroy(ds);
    free(x);
    free(y);
    free(soft);
    return 0;
}
