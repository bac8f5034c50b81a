/*
 * fuzz_normalization_json.c - fg_normalization_from_json on arbitrary text.
 *
 * Either {means, stds} (equal non-zero lengths, finite means, finite stds
 * > 0) or SerializationError / OutOfMemory with a message and the outputs
 * untouched. What loads prints back and loads to the same bits, and applies
 * to a dataset of matching width without a failure that changes the data.
 */
#include <math.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    float *const sentinel = (float *)(uintptr_t)0x10;
    float *means = sentinel, *stds = sentinel;
    int32_t dim = -7;
    fg_status st = fg_normalization_from_json((const char *)data, size, &means, &stds, &dim);
    if (st != FG_OK) {
        fz_check_failure(st, FZ_SERIAL | FZ_OOM, "fg_normalization_from_json");
        FZ_ASSERT(means == sentinel && stds == sentinel && dim == -7,
                  "failed load wrote its outputs");
        return 0;
    }
    FZ_ASSERT(dim > 0 && means != NULL && stds != NULL, "dim %d", dim);
    for (int32_t i = 0; i < dim; i++) {
        FZ_ASSERT(isfinite(means[i]), "means[%d] = %g", i, (double)means[i]);
        FZ_ASSERT(isfinite(stds[i]) && stds[i] > 0, "stds[%d] = %g", i, (double)stds[i]);
    }

    char *j1 = NULL, *j2 = NULL;
    st = fg_normalization_to_json(means, stds, dim, &j1);
    FZ_ASSERT(st == FG_OK, "loaded normalization does not print");
    float *m2 = NULL, *s2 = NULL;
    int32_t dim2 = 0;
    st = fg_normalization_from_json(j1, strlen(j1), &m2, &s2, &dim2);
    FZ_ASSERT(st == FG_OK && dim2 == dim, "printed normalization does not load: %s", j1);
    FZ_ASSERT(memcmp(means, m2, (size_t)dim * 4) == 0 && memcmp(stds, s2, (size_t)dim * 4) == 0,
              "values changed in print -> load");
    st = fg_normalization_to_json(m2, s2, dim2, &j2);
    FZ_ASSERT(st == FG_OK && strcmp(j1, j2) == 0, "print -> load -> print differs");

    /* Apply to a small dataset of width dim: success, or InvalidInput with
     * the features unchanged (a non-finite result). */
    if (dim <= 64) {
        float x[2 * 64], y[2] = {0, 1};
        for (int32_t i = 0; i < 2 * dim; i++) x[i] = (float)(i % 7) - 3.0f;
        fg_dataset *ds = NULL;
        FZ_ASSERT(fg_dataset_create(x, y, 2, 1, dim, 1, &ds) == FG_OK, "dataset");
        st = fg_dataset_apply_normalization(ds, means, stds, dim);
        if (st != FG_OK) {
            fz_check_failure(st, FZ_INVALID, "fg_dataset_apply_normalization");
            FZ_ASSERT(memcmp(fg_dataset_features(ds), x, (size_t)2 * dim * 4) == 0,
                      "failed normalization changed the dataset");
        } else {
            const float *f = fg_dataset_features(ds);
            for (int32_t i = 0; i < 2 * dim; i++)
                FZ_ASSERT(isfinite(f[i]), "feature %d = %g", i, (double)f[i]);
        }
        fg_dataset_destroy(ds);
    }
    fg_free(j1);
    fg_free(j2);
    fg_free(m2);
    fg_free(s2);
    fg_free(means);
    fg_free(stds);
    return 0;
}
