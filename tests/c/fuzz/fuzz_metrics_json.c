/*
 * fuzz_metrics_json.c - fg_metrics_from_json on arbitrary text.
 *
 * Either records or SerializationError / OutOfMemory with a message and the
 * outputs untouched. Records that load print back to JSON that loads to the
 * very same records (null <-> NaN), and printing that again gives the same text.
 */
#include <math.h>

#include "fuzz_common.h"

static int same_record(const fg_training_metrics *a, const fg_training_metrics *b) {
    const float fa[5] = {a->train_loss, a->val_loss, a->train_accuracy, a->val_accuracy,
                         a->learning_rate};
    const float fb[5] = {b->train_loss, b->val_loss, b->train_accuracy, b->val_accuracy,
                         b->learning_rate};
    if (a->epoch != b->epoch) return 0;
    for (int i = 0; i < 5; i++) {
        if (isnan(fa[i]) != isnan(fb[i])) return 0;
        if (!isnan(fa[i]) && memcmp(&fa[i], &fb[i], sizeof(float)) != 0) return 0;
    }
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fg_training_metrics *const sentinel = (fg_training_metrics *)(uintptr_t)0x10;
    fg_training_metrics *recs = sentinel;
    size_t count = 12345;
    fg_status st = fg_metrics_from_json((const char *)data, size, &recs, &count);
    if (st != FG_OK) {
        fz_check_failure(st, FZ_SERIAL | FZ_OOM, "fg_metrics_from_json");
        FZ_ASSERT(recs == sentinel && count == 12345, "failed load wrote its outputs");
        return 0;
    }
    FZ_ASSERT((count == 0) == (recs == NULL), "count %zu with records %p", count, (void *)recs);
    for (size_t i = 0; i < count; i++) {
        FZ_ASSERT(recs[i].epoch >= 0, "record %zu has epoch %d", i, recs[i].epoch);
        const float *f = &recs[i].train_loss;
        for (int k = 0; k < 5; k++)
            FZ_ASSERT(!isinf(f[k]), "record %zu field %d is infinite", i, k);
    }

    char *j1 = NULL, *j2 = NULL;
    st = fg_metrics_to_json(recs, count, &j1);
    FZ_ASSERT(st == FG_OK, "loaded metrics do not print");
    fg_training_metrics *again = NULL;
    size_t count2 = 0;
    st = fg_metrics_from_json(j1, strlen(j1), &again, &count2);
    FZ_ASSERT(st == FG_OK && count2 == count, "printed metrics do not load: %s", j1);
    for (size_t i = 0; i < count; i++)
        FZ_ASSERT(same_record(&recs[i], &again[i]), "record %zu changed", i);
    st = fg_metrics_to_json(again, count2, &j2);
    FZ_ASSERT(st == FG_OK && strcmp(j1, j2) == 0, "print -> load -> print differs:\n%s\n%s", j1,
              j2);
    fg_free(j1);
    fg_free(j2);
    fg_free(again);
    fg_free(recs);
    return 0;
}
