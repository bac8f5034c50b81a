/*
 * fuzz_safetensors_load.c - fg_model_load on arbitrary bytes.
 *
 * Whatever the bytes: no out-of-bounds access (AddressSanitizer), no
 * undefined behaviour, and either a model or SerializationError /
 * OutOfMemory with a message and *out untouched. A model that loads is
 * consistent (its config validates, its table covers its parameters, every
 * weight is finite, its card reads and obeys the card rules when set again)
 * and survives save -> load -> save bit for bit, card included.
 */
#include <math.h>

#include "fuzz_common.h"

static void check_model(const fg_model *m) {
    const fg_model_config *cfg = fg_model_get_config(m);
    FZ_ASSERT(cfg != NULL, "loaded model has no config");
    FZ_ASSERT(fg_model_config_validate(cfg) == FG_OK, "loaded model's config does not validate");
    size_t np = fg_model_num_params(m), covered = 0;
    int nt = fg_model_num_tensors(m);
    FZ_ASSERT(nt >= 8 && nt <= 12, "%d tensors", nt);
    for (int i = 0; i < nt; i++) {
        const char *name;
        int32_t rows, cols;
        size_t off;
        FZ_ASSERT(fg_model_tensor_info(m, i, &name, &rows, &cols, &off) == FG_OK, "tensor %d", i);
        FZ_ASSERT(rows > 0 && cols >= 0, "tensor %s has shape [%d, %d]", name, rows, cols);
        FZ_ASSERT(off == covered, "tensor %s at offset %zu, expected %zu", name, off, covered);
        covered += (size_t)rows * (size_t)(cols ? cols : 1);
    }
    FZ_ASSERT(covered == np, "tensors cover %zu of %zu parameters", covered, np);
    float *p = malloc((np ? np : 1) * sizeof(float));
    if (!p) abort();
    FZ_ASSERT(fg_model_get_params(m, p, np) == FG_OK, "get_params");
    for (size_t i = 0; i < np; i++) FZ_ASSERT(isfinite(p[i]), "param %zu is %g", i, (double)p[i]);
    free(p);
    const float *means, *stds;
    if (fg_model_get_normalization(m, &means, &stds)) {
        for (int32_t i = 0; i < cfg->input_dim; i++)
            FZ_ASSERT(isfinite(means[i]) && isfinite(stds[i]) && stds[i] > 0, "normalization[%d]",
                      i);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fg_model *const sentinel = (fg_model *)(uintptr_t)0x10;
    fg_model *m = sentinel;
    fg_status st = fg_model_load(data, size, &m);
    if (st != FG_OK) {
        fz_check_failure(st, FZ_SERIAL | FZ_OOM, "fg_model_load");
        FZ_ASSERT(m == sentinel, "failed load wrote *out");
        return 0;
    }
    check_model(m);

    uint8_t *b1 = NULL, *b2 = NULL;
    size_t n1 = 0, n2 = 0;
    st = fg_model_save(m, &b1, &n1);
    FZ_ASSERT(st == FG_OK, "a loaded model does not save");
    fg_model *m2 = NULL;
    st = fg_model_load(b1, n1, &m2);
    FZ_ASSERT(st == FG_OK, "a saved model does not load");
    FZ_ASSERT(fz_same_params(m, m2), "parameters changed in save -> load");
    FZ_ASSERT(memcmp(fg_model_get_config(m), fg_model_get_config(m2), sizeof(fg_model_config)) == 0,
              "config changed in save -> load");
    const float *ma, *sa, *mb, *sb;
    int ha = fg_model_get_normalization(m, &ma, &sa), hb = fg_model_get_normalization(m2, &mb, &sb);
    FZ_ASSERT(ha == hb, "normalization lost in save -> load");
    if (ha) {
        size_t d = (size_t)fg_model_get_config(m)->input_dim * sizeof(float);
        FZ_ASSERT(memcmp(ma, mb, d) == 0 && memcmp(sa, sb, d) == 0, "normalization changed");
    }
    char *c1 = NULL, *c2 = NULL;
    st = fg_model_get_card(m, &c1);
    if (st != FG_OK) fz_check_failure(st, FZ_OOM, "fg_model_get_card");
    else {
        FZ_ASSERT(c1[0] == '{' && strstr(c1, "\"library_version\":") != NULL, "card %s", c1);
        st = fg_model_get_card(m2, &c2);
        FZ_ASSERT(st != FG_OK || strcmp(c1, c2) == 0, "card changed in save -> load: %s -> %s", c1,
                  c2);
    }
    fg_free(c1);
    fg_free(c2);
    st = fg_model_save(m2, &b2, &n2);
    FZ_ASSERT(st == FG_OK && n1 == n2 && memcmp(b1, b2, n1) == 0, "save -> load -> save differs");
    /* the stored card obeys the rules of set_card too */
    st = fg_model_set_card(m2, "{}", 2);
    if (st != FG_OK) fz_check_failure(st, FZ_OOM, "fg_model_set_card({}) on a loaded card");
    fg_free(b1);
    fg_free(b2);
    fg_model_destroy(m2);
    fg_model_destroy(m);
    return 0;
}
