/*
 * test_export.c - fg_model_export_c: the generated C compiles cleanly and
 * computes the library's outputs bit for bit.
 *
 * For dense, low-rank, pruned (sparse), int8, sparse + int8, multi-class and
 * trained models: export to a temporary directory, add a tiny main that runs
 * <prefix>_logits and <prefix>_predict on inputs embedded as float bit
 * patterns and prints the output bits, compile it with the host compiler
 * (env CC or "cc"; also gcc and clang when installed) as
 *   -std=c99 -pedantic -Wall -Wextra -Werror -ffp-contract=off
 * run it, and compare every logit and probability with fg_model_logits_batch
 * and fg_model_forward_batch bit for bit. Also: the file variant writes the
 * same text, prefixes are validated, the text is deterministic.
 */
#define _POSIX_C_SOURCE 200809L
#include <unistd.h>

#include "check.h"

static char tmpdir[256];
static const char *compilers[3];
static int ncompilers;

/* ---- helpers ------------------------------------------------------------ */

static int write_text(const char *path, const char *text) {
    FILE *f = fopen(path, "wb");
    if (!f) return 0;
    size_t n = strlen(text);
    int ok = fwrite(text, 1, n, f) == n;
    return fclose(f) == 0 && ok;
}

static char *read_text(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0;
    char *s = malloc(cap);
    for (;;) {
        if (n + 4096 + 1 > cap) s = realloc(s, cap *= 2);
        size_t r = fread(s + n, 1, 4096, f);
        n += r;
        if (r == 0) break;
    }
    fclose(f);
    s[n] = '\0';
    return s;
}

static int have_program(const char *name) {
    char cmd[512];
    snprintf(cmd, sizeof cmd, "command -v '%s' >/dev/null 2>&1", name);
    return system(cmd) == 0;
}

/* 1 when both commands resolve to the same executable. */
static int same_program(const char *a, const char *b) {
    char cmd[1024];
    snprintf(
        cmd, sizeof cmd,
        "[ \"$(readlink -f \"$(command -v '%s')\")\" = \"$(readlink -f \"$(command -v '%s')\")\" ]",
        a, b);
    return system(cmd) == 0;
}

static uint32_t bits_of(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}

static fg_model *make_model(int32_t D, int32_t H, int32_t O, int32_t w_rank, int32_t u_rank,
                            uint64_t seed) {
    fg_model_config c = fg_model_config_default();
    c.input_dim = D;
    c.hidden_dim = H;
    c.output_dim = O;
    c.rank = FG_RANK_NONE;
    c.w_rank = w_rank;
    c.u_rank = u_rank;
    c.seed = seed;
    c.nu = -1.5f;
    c.zeta = 2.0f;
    fg_model *m = NULL;
    if (fg_model_create(&c, &m) != FG_OK) {
        printf("model create failed: %s\n", fg_last_error());
        exit(2);
    }
    /* biases away from their initial 1 so that every term matters */
    size_t np = fg_model_num_params(m);
    float *p = alloc_floats(np);
    fg_model_get_params(m, p, np);
    test_rng r = {seed * 7 + 1};
    for (int i = 0; i < fg_model_num_tensors(m); i++) {
        const char *name;
        int32_t rows, cols;
        size_t off;
        fg_model_tensor_info(m, i, &name, &rows, &cols, &off);
        if (strstr(name, "bias"))
            for (int32_t k = 0; k < rows; k++) p[off + k] = (float)trng_range(&r, -1, 1);
        else if (cols > 0)
            for (int32_t k = 0; k < rows * cols; k++) p[off + k] = (float)(trng_normal(&r) * 0.6);
    }
    fg_model_set_params(m, p, np);
    free(p);
    return m;
}

/* n sequences of T steps: normal values plus a few awkward ones. */
static float *make_inputs(int32_t n, int32_t T, int32_t D, uint64_t seed) {
    size_t count = (size_t)n * T * D;
    float *x = alloc_floats(count);
    test_rng r = {seed};
    static const float awkward[] = {0.0f, -0.0f, 1e-30f, -1e-30f, 40.0f, -40.0f, 3.0f, -7.5f};
    for (size_t i = 0; i < count; i++)
        x[i] = (i % 11 == 5) ? awkward[(i / 11) % 8] : (float)(trng_normal(&r) * 1.5);
    return x;
}

/* Exports m, compiles it with every compiler, runs it on two input sets
 * (n1 sequences of T1 steps, n2 of T2) and compares the output bits with the
 * library's. */
static void check_export(const char *what, fg_model *m, int32_t n1, int32_t T1, int32_t n2,
                         int32_t T2, uint64_t seed) {
    const fg_model_config *cfg = fg_model_get_config(m);
    int32_t D = cfg->input_dim, O = cfg->output_dim;
    int32_t ns[2] = {n1, n2}, Ts[2] = {T1, T2};
    float *x[2], *logits[2], *probs[2];
    for (int s = 0; s < 2; s++) {
        x[s] = make_inputs(ns[s], Ts[s], D, seed + 1000 * (uint64_t)s);
        logits[s] = alloc_floats((size_t)ns[s] * O);
        probs[s] = alloc_floats((size_t)ns[s] * O);
        CHECK_STATUS(fg_model_logits_batch(m, x[s], ns[s], Ts[s], logits[s]), FG_OK, what);
        CHECK_STATUS(fg_model_forward_batch(m, x[s], ns[s], Ts[s], probs[s]), FG_OK, what);
    }

    char *src = NULL;
    if (!CHECK_STATUS(fg_model_export_c(m, "mdl", &src), FG_OK, what)) goto out;
    char *again = NULL;
    fg_model_export_c(m, "mdl", &again);
    CHECK(again && strcmp(src, again) == 0, "%s: the export is deterministic", what);
    fg_free(again);
    CHECK(strstr(src, "mdl_predict") && strstr(src, "mdl_logits") &&
              !strstr(src, "#include <math.h>"),
          "%s: defines mdl_predict / mdl_logits, needs no libm", what);
    if (fg_model_is_quantized(m))
        CHECK(strstr(src, "int8_t") != NULL, "%s: int8 weights in the export", what);
    if (fg_model_is_sparse(m))
        CHECK(strstr(src, "_ptr[") != NULL && strstr(src, "_col[") != NULL,
              "%s: CSR arrays in the export", what);
    if (cfg->hidden_dim >= 300)
        CHECK(strstr(src, "typedef uint32_t mdl_ptr_t;") &&
                  strstr(src, "typedef uint16_t mdl_col_t;"),
              "%s: uint32_t row pointers, uint16_t columns", what);

    char path[512], main_path[512];
    snprintf(path, sizeof path, "%s/mdl.h", tmpdir);
    snprintf(main_path, sizeof main_path, "%s/main.c", tmpdir);
    CHECK(write_text(path, src), "%s: wrote %s", what, path);

    /* main.c: inputs as bit patterns, outputs printed as bit patterns */
    size_t cap = 8192;
    for (int s = 0; s < 2; s++) cap += (size_t)ns[s] * Ts[s] * D * 16;
    char *mc = malloc(cap);
    size_t len =
        (size_t)snprintf(mc, cap,
                         "#include <stdio.h>\n#include <string.h>\n#include \"mdl.h\"\n"
                         "static void run(const unsigned long *xbits, int n, int T) {\n"
                         "    float x[%d * %d], out[%d];\n"
                         "    long k; int b, i;\n"
                         "    for (b = 0; b < n; b++) {\n"
                         "        for (k = 0; k < (long)T * %d; k++) {\n"
                         "            unsigned int u = (unsigned int)xbits[(long)b * T * %d + k];\n"
                         "            memcpy(&x[k], &u, 4);\n"
                         "        }\n"
                         "        mdl_logits(x, T, out);\n"
                         "        for (i = 0; i < %d; i++) { unsigned int u; memcpy(&u, &out[i], "
                         "4); printf(\"%%08x \", u); }\n"
                         "        mdl_predict(x, T, out);\n"
                         "        for (i = 0; i < %d; i++) { unsigned int u; memcpy(&u, &out[i], "
                         "4); printf(\"%%08x \", u); }\n"
                         "        printf(\"\\n\");\n"
                         "    }\n"
                         "}\n",
                         T1 > T2 ? T1 : T2, D, O, D, D, O, O);
    for (int s = 0; s < 2; s++) {
        size_t count = (size_t)ns[s] * Ts[s] * D;
        len += (size_t)snprintf(mc + len, cap - len, "static const unsigned long x%d[%zu] = {", s,
                                count);
        for (size_t i = 0; i < count; i++)
            len += (size_t)snprintf(mc + len, cap - len, "%s0x%08lxUL", i ? "," : "",
                                    (unsigned long)bits_of(x[s][i]));
        len += (size_t)snprintf(mc + len, cap - len, "};\n");
    }
    snprintf(mc + len, cap - len,
             "int main(void) {\n    run(x0, %d, %d);\n    run(x1, %d, %d);\n    return 0;\n}\n", n1,
             T1, n2, T2);
    CHECK(write_text(main_path, mc), "%s: wrote main.c", what);
    free(mc);

    for (int ci = 0; ci < ncompilers; ci++) {
        char cmd[2048], exe[512], outp[512];
        snprintf(exe, sizeof exe, "%s/run%d", tmpdir, ci);
        snprintf(outp, sizeof outp, "%s/out%d.txt", tmpdir, ci);
        snprintf(cmd, sizeof cmd,
                 "%s -std=c99 -pedantic -Wall -Wextra -Werror -ffp-contract=off -O2 -o '%s' '%s' "
                 "2>'%s/cc.log'",
                 compilers[ci], exe, main_path, tmpdir);
        int rc = system(cmd);
        if (!CHECK(rc == 0, "%s: compiles with %s -std=c99 -pedantic -Wall -Wextra -Werror", what,
                   compilers[ci])) {
            char logp[512];
            snprintf(logp, sizeof logp, "%s/cc.log", tmpdir);
            char *log = read_text(logp);
            if (log) printf("%.3000s\n", log);
            free(log);
            continue;
        }
        snprintf(cmd, sizeof cmd, "'%s' > '%s'", exe, outp);
        rc = system(cmd);
        CHECK(rc == 0, "%s: runs", what);
        char *got = read_text(outp);
        int mismatches = 0, parsed = 0;
        const char *p = got ? got : "";
        for (int s = 0; s < 2; s++)
            for (int32_t b = 0; b < ns[s]; b++) {
                for (int32_t k = 0; k < 2 * O; k++) {
                    unsigned int u;
                    int used = 0;
                    if (sscanf(p, "%x%n", &u, &used) != 1) {
                        mismatches++;
                        continue;
                    }
                    p += used;
                    parsed++;
                    float want =
                        k < O ? logits[s][(size_t)b * O + k] : probs[s][(size_t)b * O + (k - O)];
                    if (u != bits_of(want)) {
                        if (mismatches < 5) {
                            float g;
                            memcpy(&g, &u, 4);
                            printf("     T=%d sample %d %s[%d]: exported %.9g (%08x), library %.9g "
                                   "(%08x)\n",
                                   Ts[s], b, k < O ? "logit" : "prob", k % O, (double)g, u,
                                   (double)want, bits_of(want));
                        }
                        mismatches++;
                    }
                }
            }
        CHECK(mismatches == 0 && parsed == 2 * (n1 + n2) * O,
              "%s [%s]: %d sequences of %d steps and %d of %d: logits and probabilities "
              "bit-identical (%d mismatches)",
              what, compilers[ci], n1, T1, n2, T2, mismatches);
        free(got);
    }
out:
    fg_free(src);
    for (int s = 0; s < 2; s++) {
        free(x[s]);
        free(logits[s]);
        free(probs[s]);
    }
}

/* ---- cases ---------------------------------------------------------------- */

static void test_kinds(void) {
    check_section("dense, low-rank, sparse, int8, multi-class");
    struct {
        const char *what;
        int32_t D, H, O, wr, ur;
        float prune;
        int quant, norm;
    } cases[] = {
        {"dense full rank", 5, 16, 1, FG_RANK_NONE, FG_RANK_NONE, 0, 0, 0},
        {"low-rank W and U", 6, 12, 1, 3, 4, 0, 0, 0},
        {"sparse 50% (pruned)", 5, 16, 1, FG_RANK_NONE, FG_RANK_NONE, 0.5f, 0, 0},
        {"sparse 80%, low-rank U", 7, 10, 1, FG_RANK_NONE, 3, 0.8f, 0, 0},
        {"int8 dense", 5, 16, 1, FG_RANK_NONE, FG_RANK_NONE, 0, 1, 0},
        {"int8 low-rank", 4, 9, 1, 2, 3, 0, 1, 0},
        {"sparse 70% + int8", 5, 16, 1, FG_RANK_NONE, FG_RANK_NONE, 0.7f, 1, 1},
        {"multi-class O=4 dense", 3, 8, 4, FG_RANK_NONE, FG_RANK_NONE, 0, 0, 0},
        {"multi-class O=3 sparse + int8 low-rank", 6, 11, 3, 2, 5, 0.6f, 1, 1},
        {"H=1, D=1", 1, 1, 1, FG_RANK_NONE, FG_RANK_NONE, 0, 0, 0},
        {"big columns (D=300) sparse", 300, 6, 2, FG_RANK_NONE, FG_RANK_NONE, 0.9f, 0, 0},
        {"H=300 sparse 20% (uint32 row pointers), int8", 3, 300, 1, FG_RANK_NONE, FG_RANK_NONE,
         0.2f, 1, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fg_model *m =
            make_model(cases[i].D, cases[i].H, cases[i].O, cases[i].wr, cases[i].ur, 100 + i);
        if (cases[i].prune > 0) fg_model_prune(m, cases[i].prune);
        if (cases[i].quant) fg_model_quantize(m);
        if (cases[i].norm) {
            float *mean = alloc_floats((size_t)cases[i].D), *sd = alloc_floats((size_t)cases[i].D);
            for (int32_t d = 0; d < cases[i].D; d++) {
                mean[d] = 0.1f * (float)d;
                sd[d] = 1.0f + 0.5f * (float)d;
            }
            fg_model_set_normalization(m, mean, sd, cases[i].D);
            free(mean);
            free(sd);
        }
        check_export(cases[i].what, m, 24, 1, 16, 9, 7 + i);
        fg_model_destroy(m);
    }
}

/* A model trained with IHT to 70 % sparsity, then quantized: realistic weights. */
static void test_trained(void) {
    check_section("trained sparse model, then int8");
    int32_t n = 600, D = 5;
    float *x = alloc_floats((size_t)n * D), *y = alloc_floats((size_t)n);
    test_rng r = {2024};
    for (int32_t i = 0; i < n; i++) {
        float *f = x + (size_t)i * D;
        for (int32_t d = 0; d < D; d++) f[d] = (float)trng_uniform(&r);
        double score = 0.4 * f[0] + 0.3 * f[3] + 0.3 * (1 - f[4]) + trng_range(&r, -0.1, 0.1);
        y[i] = score > 0.6 ? 1.0f : 0.0f;
    }
    fg_dataset *ds = NULL;
    fg_dataset_create(x, y, n, 1, D, 1, &ds);
    fg_dataset_normalize(ds, NULL, NULL);
    fg_model_config mc = fg_model_config_default();
    mc.hidden_dim = 16;
    mc.rank = FG_RANK_NONE;
    fg_training_config tc = fg_training_config_default();
    tc.epochs = 9;
    tc.learning_rate = 0.01f;
    tc.sparsity_w = 0.7f;
    tc.sparsity_u = 0.7f;
    fg_model *m = NULL;
    fg_trainer *tr = NULL;
    fg_model_create(&mc, &m);
    fg_trainer_create(&mc, &tc, &tr);
    CHECK_STATUS(fg_trainer_train(tr, m, ds, NULL, NULL), FG_OK, "IHT training");
    CHECK(fg_model_is_sparse(m) && fabsf(fg_model_sparsity(m) - 0.7f) < 0.02f,
          "trained model sparsity %g", (double)fg_model_sparsity(m));
    check_export("trained IHT 70%", m, 32, 1, 8, 4, 11);
    fg_model_quantize(m);
    check_export("trained IHT 70% + int8", m, 32, 1, 8, 4, 12);
    fg_trainer_destroy(tr);
    fg_model_destroy(m);
    fg_dataset_destroy(ds);
    free(x);
    free(y);
}

static void test_api(void) {
    check_section("API: prefixes, file variant, errors");
    fg_model *m = make_model(3, 4, 1, FG_RANK_NONE, FG_RANK_NONE, 1);
    char *src = (char *)(uintptr_t)0x1;
    const char *bad[] = {
        "", "1abc", "a-b", "_x", "a b", "abcdefghijabcdefghijabcdefghijabc" /* 33 */, "é"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        fg_status st = fg_model_export_c(m, bad[i], &src);
        CHECK(st == FG_ERR_INVALID_INPUT && src == (char *)(uintptr_t)0x1 &&
                  contains_ci(fg_last_error(), "prefix"),
              "prefix \"%s\" rejected: %s", bad[i], fg_last_error());
    }
    CHECK_STATUS(fg_model_export_c(m, NULL, &src), FG_ERR_INVALID_INPUT, "NULL prefix");
    CHECK_STATUS(fg_model_export_c(NULL, "a", &src), FG_ERR_INVALID_INPUT, "NULL model");
    CHECK_STATUS(fg_model_export_c(m, "a", NULL), FG_ERR_INVALID_INPUT, "NULL out");
    CHECK_STATUS(fg_model_export_c(m, "abcdefghijabcdefghijabcdefghijab", &src), FG_OK,
                 "32-character prefix");
    fg_free(src);
    src = NULL;
    CHECK_STATUS(fg_model_export_c(m, "Tiny_Model_2", &src), FG_OK, "prefix Tiny_Model_2");
    CHECK(src && strstr(src, "void Tiny_Model_2_predict(") &&
              strstr(src, "#define TINY_MODEL_2_INPUT_DIM 3"),
          "names carry the prefix; macros are upper case");
    char path[512];
    snprintf(path, sizeof path, "%s/file.h", tmpdir);
    CHECK_STATUS(fg_model_export_c_file(m, "Tiny_Model_2", path), FG_OK, "export to a file");
    char *text = read_text(path);
    CHECK(text && src && strcmp(text, src) == 0, "the file holds the same text");
    free(text);
    fg_free(src);
    snprintf(path, sizeof path, "%s/no/such/dir/file.h", tmpdir);
    CHECK_STATUS(fg_model_export_c_file(m, "a", path), FG_ERR_IO, "export to a missing directory");
    CHECK_STATUS(fg_model_export_c_file(m, "a", NULL), FG_ERR_INVALID_INPUT, "NULL path");
    fg_model_destroy(m);
}

int main(void) {
    snprintf(tmpdir, sizeof tmpdir, "/tmp/fg_test_export_XXXXXX");
    if (!mkdtemp(tmpdir)) {
        printf("mkdtemp failed\n");
        return 2;
    }
    const char *cc = getenv("CC");
    compilers[ncompilers++] = cc && *cc ? cc : "cc";
    if (have_program("gcc") && !same_program(compilers[0], "gcc")) compilers[ncompilers++] = "gcc";
    if (have_program("clang") && !same_program(compilers[0], "clang"))
        compilers[ncompilers++] = "clang";
    printf("compilers:");
    for (int i = 0; i < ncompilers; i++) printf(" %s", compilers[i]);
    printf("; temp dir %s\n", tmpdir);
    test_api();
    test_kinds();
    test_trained();
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0) printf("could not remove %s\n", tmpdir);
    return check_summary();
}
