/*
 * fuzz_checkpoint.c - fg_trainer_resume on arbitrary bytes.
 *
 * Input: one selector byte (the trainer kind of fz_checkpoint_configs), then
 * the checkpoint. Either the run resumes, or SerializationError /
 * InvalidInput / OutOfMemory with a message, the trainer idle and the
 * outputs untouched. A resumed run checkpoints to bytes that resume again
 * (in a fresh trainer) to the very same checkpoint, and it trains on: a few
 * more samples, the end of the epoch, finish.
 */
#include <math.h>

#include "fuzz_common.h"

static void take(fg_trainer **tr, int kind) {
    fg_model_config mc;
    fg_training_config tc;
    int32_t T, K, flags;
    fz_checkpoint_configs(kind, &mc, &tc, &T, &K, &flags);
    FZ_ASSERT(fg_trainer_create(&mc, &tc, tr) == FG_OK, "trainer");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    int kind = data[0] & 1;
    fg_trainer *tr = NULL;
    take(&tr, kind);
    fg_model *const sentinel = (fg_model *)(uintptr_t)0x10;
    fg_model *model = sentinel;
    char *source = (char *)(uintptr_t)0x20;
    fg_status st = fg_trainer_resume(tr, data + 1, size - 1, &model, &source);
    if (st != FG_OK) {
        fz_check_failure(st, FZ_SERIAL | FZ_INVALID | FZ_OOM, "fg_trainer_resume");
        FZ_ASSERT(model == sentinel && source == (char *)(uintptr_t)0x20,
                  "failed resume wrote its outputs");
        FZ_ASSERT(!fg_trainer_is_running(tr), "failed resume left the trainer running");
        fg_trainer_destroy(tr);
        return 0;
    }
    FZ_ASSERT(fg_trainer_is_running(tr), "resumed trainer is not running");
    /* checkpoint -> resume -> checkpoint gives the same bytes */
    uint8_t *c1 = NULL, *c2 = NULL;
    size_t l1 = 0, l2 = 0;
    st = fg_trainer_checkpoint(tr, source, &c1, &l1);
    FZ_ASSERT(st == FG_OK || st == FG_ERR_OUT_OF_MEMORY, "a resumed run does not checkpoint");
    if (st == FG_OK) {
        fg_trainer *again = NULL;
        take(&again, kind);
        fg_model *m2 = NULL;
        char *s2 = NULL;
        st = fg_trainer_resume(again, c1, l1, &m2, &s2);
        FZ_ASSERT(st == FG_OK || st == FG_ERR_OUT_OF_MEMORY, "its own checkpoint does not resume");
        if (st == FG_OK) {
            FZ_ASSERT(strcmp(s2, source) == 0, "source text changed");
            st = fg_trainer_checkpoint(again, s2, &c2, &l2);
            FZ_ASSERT(st != FG_OK || (l1 == l2 && memcmp(c1, c2, l1) == 0),
                      "checkpoint -> resume -> checkpoint differs");
            fg_trainer_cancel(again);
            fg_model_destroy(m2);
            fg_free(s2);
            fg_free(c2);
        }
        fg_trainer_destroy(again);
        fg_free(c1);
    }
    /* the run goes on: a few samples (of the run's shape), the epoch's end, finish */
    fg_model_config mc;
    fg_training_config tc;
    int32_t T, K, flags;
    fz_checkpoint_configs(kind, &mc, &tc, &T, &K, &flags);
    float x[4 * 3 * 2], y[4], soft[4 * 3];
    for (int i = 0; i < 4 * 3 * 2; i++) x[i] = (float)((i * 7) % 5) - 2.0f;
    for (int i = 0; i < 4; i++) y[i] = (float)(i % (mc.output_dim == 1 ? 2 : mc.output_dim));
    for (int i = 0; i < 12; i++) soft[i] = 1.0f / 3.0f;
    /* a resumed run may have other timesteps than the kind's: push only its shape */
    st = fg_trainer_stream_timesteps(tr) == T ? fg_trainer_stream_push(tr, x, y, soft, 4)
                                              : FG_ERR_INVALID_INPUT;
    if (st == FG_OK || st == FG_ERR_INVALID_INPUT) { /* refused after validation began: fine */
        int32_t ev;
        if (fg_trainer_is_running(tr)) {
            st = fg_trainer_stream_end_epoch(tr, &ev);
            FZ_ASSERT(st != FG_ERR_SERIALIZATION, "end_epoch: serialization error");
        }
    }
    if (fg_trainer_is_running(tr)) {
        st = fg_trainer_finish(tr);
        FZ_ASSERT(st == FG_OK, "finish of a resumed run failed");
    }
    fg_model_destroy(model);
    fg_free(source);
    fg_trainer_destroy(tr);
    return 0;
}
