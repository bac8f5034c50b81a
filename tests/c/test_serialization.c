/*
 * test_serialization.c - safetensors and JSON: round trips and rejections.
 *
 * 1. Models of every storage kind (low-rank W and U, full W + low-rank U,
 *    full, multi-class, with normalization) survive save/load bit for bit,
 *    config and tensor table included; saving twice gives the same bytes;
 *    the byte layout is the documented one.
 * 2. Hand-built files: no metadata (shapes decide), tensors in another
 *    order, and every rule of the loader broken once -> SerializationError
 *    with a message that says what is wrong, *out untouched.
 * 3. Truncations and random byte flips never crash (run it under ASan).
 * 4. Config, metrics and normalization JSON: exact float round trips, null
 *    handling, every rejection with the documented status.
 * 5. The file helpers: round trips through real files, IoError naming paths.
 */
#include "check.h"

#define SENTINEL ((fg_model *)(uintptr_t)0x5EED)

/* ---- helpers --------------------------------------------------------------- */

static fg_model *make_model(int32_t D, int32_t H, int32_t O, int32_t rank, int32_t w_rank,
                            int32_t u_rank, uint64_t seed) {
    fg_model_config c = fg_model_config_default();
    c.input_dim = D;
    c.hidden_dim = H;
    c.output_dim = O;
    c.rank = rank;
    c.w_rank = w_rank;
    c.u_rank = u_rank;
    c.seed = seed;
    c.nu = 0.8f;
    c.zeta = 1.2f;
    fg_model *m = NULL;
    if (fg_model_create(&c, &m) != FG_OK) {
        printf("model create failed: %s\n", fg_last_error());
        exit(2);
    }
    return m;
}

static int same_config(const fg_model_config *a, const fg_model_config *b) {
    return a->input_dim == b->input_dim && a->hidden_dim == b->hidden_dim &&
           a->output_dim == b->output_dim && memcmp(&a->nu, &b->nu, 4) == 0 &&
           memcmp(&a->zeta, &b->zeta, 4) == 0 && a->rank == b->rank && a->w_rank == b->w_rank &&
           a->u_rank == b->u_rank && a->seed == b->seed;
}

static int same_params(const fg_model *a, const fg_model *b) {
    size_t n = fg_model_num_params(a);
    if (n != fg_model_num_params(b)) return 0;
    float *pa = alloc_floats(n), *pb = alloc_floats(n);
    fg_model_get_params(a, pa, n);
    fg_model_get_params(b, pb, n);
    int ok = same_bits_f(pa, pb, n);
    free(pa);
    free(pb);
    return ok;
}

static int same_tables(const fg_model *a, const fg_model *b) {
    if (fg_model_num_tensors(a) != fg_model_num_tensors(b)) return 0;
    for (int i = 0; i < fg_model_num_tensors(a); i++) {
        const char *na, *nb;
        int32_t ra, ca, rb, cb;
        size_t oa, ob;
        fg_model_tensor_info(a, i, &na, &ra, &ca, &oa);
        fg_model_tensor_info(b, i, &nb, &rb, &cb, &ob);
        if (strcmp(na, nb) || ra != rb || ca != cb || oa != ob) return 0;
    }
    return 1;
}

/* Fills the parameters with distinct, awkward values (subnormals, -0,
 * large and tiny magnitudes), so the round trip is a real test. */
static void scramble(fg_model *m, uint64_t seed) {
    size_t n = fg_model_num_params(m);
    float *p = alloc_floats(n);
    test_rng r = {seed};
    for (size_t i = 0; i < n; i++) {
        switch (i % 5) {
            case 0:
                p[i] = (float)trng_normal(&r);
                break;
            case 1:
                p[i] = (float)(trng_normal(&r) * 1e30);
                break;
            case 2:
                p[i] = (float)(trng_normal(&r) * 1e-40);
                break; /* subnormal */
            case 3:
                p[i] = -0.0f;
                break;
            default:
                p[i] = (float)trng_range(&r, -1e-3, 1e-3);
                break;
        }
    }
    fg_model_set_params(m, p, n);
    free(p);
}

static uint64_t get_u64(const uint8_t *b) {
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v |= (uint64_t)b[i] << (8 * i);
    return v;
}

/* Expects load(bytes) to fail with `expected`, mention `needle` and leave
 * *out alone. */
static void expect_load_fail(const uint8_t *bytes, size_t len, fg_status expected,
                             const char *needle, const char *what) {
    fg_model *m = SENTINEL;
    fg_status st = fg_model_load(bytes, len, &m);
    CHECK(st == expected && m == SENTINEL && contains_ci(fg_last_error(), needle),
          "%s -> %s \"%s\" (want %s mentioning \"%s\")", what, fg_status_name(st), fg_last_error(),
          fg_status_name(expected), needle);
    if (st == FG_OK && m != SENTINEL) fg_model_destroy(m);
}

/* ---- hand-built files -------------------------------------------------------
 * A small full-rank model, D 2, H 3, O 1 (27 floats, 108 bytes of data). */

typedef struct {
    const char *name;
    const char *dtype;
    const char *shape; /* JSON text */
    long long begin, end;
} tspec;

#define NT 8
static const tspec BASE[NT] = {
    {"cell.W", "F32", "[3,2]", 0, 24},        {"cell.U", "F32", "[3,3]", 24, 60},
    {"cell.bias_gate", "F32", "[3]", 60, 72}, {"cell.bias_update", "F32", "[3]", 72, 84},
    {"cell.zeta", "F32", "[1]", 84, 88},      {"cell.nu", "F32", "[1]", 88, 92},
    {"head.weight", "F32", "[1,3]", 92, 104}, {"head.bias", "F32", "[1]", 104, 108},
};
#define BASE_FLOATS 27

/* [u64 N][header][data]; meta: the __metadata__ JSON object text or NULL;
 * extra: raw text appended inside the top-level object or NULL. */
static uint8_t *build_file(const tspec *t, int nt, const char *meta, const char *extra,
                           const float *data, size_t nfloats, size_t *len_out) {
    size_t cap = 65536;
    char *h = malloc(cap);
    size_t n = 0;
    n += (size_t)snprintf(h + n, cap - n, "{");
    int first = 1;
    if (meta) {
        n += (size_t)snprintf(h + n, cap - n, "\"__metadata__\":%s", meta);
        first = 0;
    }
    for (int i = 0; i < nt; i++) {
        n += (size_t)snprintf(
            h + n, cap - n, "%s\"%s\":{\"dtype\":\"%s\",\"shape\":%s,\"data_offsets\":[%lld,%lld]}",
            first ? "" : ",", t[i].name, t[i].dtype, t[i].shape, t[i].begin, t[i].end);
        first = 0;
    }
    if (extra) n += (size_t)snprintf(h + n, cap - n, "%s%s", first ? "" : ",", extra);
    n += (size_t)snprintf(h + n, cap - n, "}");
    size_t len = 8 + n + nfloats * 4;
    uint8_t *b = malloc(len);
    for (int i = 0; i < 8; i++) b[i] = (uint8_t)((uint64_t)n >> (8 * i));
    memcpy(b + 8, h, n);
    for (size_t i = 0; i < nfloats; i++) {
        uint32_t u;
        memcpy(&u, &data[i], 4);
        for (int k = 0; k < 4; k++) b[8 + n + 4 * i + k] = (uint8_t)(u >> (8 * k));
    }
    free(h);
    *len_out = len;
    return b;
}

static float base_data[64];

static void init_base_data(void) {
    for (int i = 0; i < 64; i++) base_data[i] = 0.25f * (float)(i + 1) - 3.0f;
}

/* Builds a variant of BASE (spec modified by the caller) and expects failure. */
static void expect_spec_fail(const tspec *t, int nt, const char *meta, const char *extra,
                             size_t nfloats, const char *needle, const char *what) {
    size_t len;
    uint8_t *b = build_file(t, nt, meta, extra, base_data, nfloats, &len);
    expect_load_fail(b, len, FG_ERR_SERIALIZATION, needle, what);
    free(b);
}

/* ---- 1. round trips ----------------------------------------------------------- */

static void roundtrip_case(const char *what, fg_model *m, int expect_wr, int expect_ur) {
    uint8_t *bytes = NULL, *bytes2 = NULL;
    size_t len = 0, len2 = 0;
    fg_model *back = NULL;
    CHECK_STATUS(fg_model_save(m, &bytes, &len), FG_OK, what);
    CHECK(fg_model_w_rank(m) == expect_wr && fg_model_u_rank(m) == expect_ur, "%s: ranks %d/%d",
          what, fg_model_w_rank(m), fg_model_u_rank(m));
    /* layout */
    uint64_t n = get_u64(bytes);
    CHECK(n % 8 == 0 && 8 + n + 4 * fg_model_num_params(m) == len && bytes[8] == '{',
          "%s: layout (N %llu, len %zu)", what, (unsigned long long)n, len);
    CHECK(bytes[8 + n - 1] == ' ' || bytes[8 + n - 1] == '}', "%s: header padded with spaces",
          what);
    char *header = malloc(n + 1);
    memcpy(header, bytes + 8, n);
    header[n] = 0;
    CHECK(strstr(header, "\"format\":\"fastgrnn-wasm/1\"") != NULL, "%s: format metadata", what);
    CHECK(strstr(header, "\"__metadata__\"") != NULL && strstr(header, "\"config\"") != NULL,
          "%s: config metadata", what);
    free(header);
    /* first tensor of the table starts the data section */
    CHECK_STATUS(fg_model_load(bytes, len, &back), FG_OK, what);
    if (back) {
        CHECK(same_params(m, back), "%s: params bit-exact", what);
        CHECK(same_config(fg_model_get_config(m), fg_model_get_config(back)), "%s: config", what);
        CHECK(same_tables(m, back), "%s: tensor table", what);
        const float *m1, *s1, *m2, *s2;
        int h1 = fg_model_get_normalization(m, &m1, &s1);
        int h2 = fg_model_get_normalization(back, &m2, &s2);
        int d = fg_model_get_config(m)->input_dim;
        CHECK(h1 == h2 &&
                  (!h1 || (same_bits_f(m1, m2, (size_t)d) && same_bits_f(s1, s2, (size_t)d))),
              "%s: normalization", what);
        CHECK_STATUS(fg_model_save(back, &bytes2, &len2), FG_OK, what);
        CHECK(len == len2 && memcmp(bytes, bytes2, len) == 0, "%s: re-save is byte-identical",
              what);
        fg_free(bytes2);
        fg_model_destroy(back);
    }
    fg_free(bytes);
}

static void test_roundtrips(void) {
    check_section("round trips");
    fg_model *m;
    m = make_model(5, 8, 1, 4, FG_RANK_NONE, FG_RANK_NONE, 42); /* W1/W2, U1/U2 */
    scramble(m, 1);
    roundtrip_case("low-rank W and U", m, 4, 4);
    fg_model_destroy(m);

    m = make_model(5, 16, 1, 8, FG_RANK_NONE, FG_RANK_NONE, 7); /* spec: full W, low-rank U */
    scramble(m, 2);
    roundtrip_case("D5 H16 rank 8", m, 0, 8);
    fg_model_destroy(m);

    m = make_model(3, 6, 4, FG_RANK_NONE, 2, FG_RANK_NONE, 9007199254740992ull);
    scramble(m, 3);
    roundtrip_case("multi-class, w_rank 2, seed 2^53", m, 2, 0);
    fg_model_destroy(m);

    m = make_model(4, 5, 1, FG_RANK_NONE, FG_RANK_NONE, FG_RANK_NONE, 0);
    float means[4] = {0.1f, -2.5f, 1e-20f, 3e30f}, stds[4] = {1.0f, 0.3f, 1e-7f, 2e20f};
    CHECK_STATUS(fg_model_set_normalization(m, means, stds, 4), FG_OK, "set normalization");
    roundtrip_case("full rank with normalization", m, 0, 0);
    fg_model_destroy(m);

    /* A fresh (unscrambled) model: default init values. */
    m = make_model(5, 16, 1, 8, FG_RANK_NONE, FG_RANK_NONE, 42);
    roundtrip_case("fresh model", m, 0, 8);
    fg_model_destroy(m);

    /* Bad arguments. */
    uint8_t *b = NULL;
    size_t len = 0;
    CHECK_STATUS(fg_model_save(NULL, &b, &len), FG_ERR_INVALID_INPUT, "save NULL model");
    fg_model *out = SENTINEL;
    CHECK_STATUS(fg_model_load(NULL, 10, &out), FG_ERR_INVALID_INPUT, "load NULL bytes");
    CHECK(out == SENTINEL, "load NULL bytes leaves *out");
}

/* ---- 2. hand-built files ------------------------------------------------------ */

static void test_handbuilt_ok(void) {
    check_section("hand-built files that load");
    size_t len;
    uint8_t *b = build_file(BASE, NT, NULL, NULL, base_data, BASE_FLOATS, &len);
    fg_model *m = NULL;
    CHECK_STATUS(fg_model_load(b, len, &m), FG_OK, "no metadata");
    if (m) {
        const fg_model_config *c = fg_model_get_config(m);
        fg_model_config d = fg_model_config_default();
        CHECK(c->input_dim == 2 && c->hidden_dim == 3 && c->output_dim == 1 &&
                  c->rank == FG_RANK_NONE && c->w_rank == FG_RANK_NONE &&
                  c->u_rank == FG_RANK_NONE && c->nu == d.nu && c->zeta == d.zeta &&
                  c->seed == d.seed,
              "no metadata: config from shapes and defaults");
        float p[BASE_FLOATS];
        CHECK_STATUS(fg_model_get_params(m, p, BASE_FLOATS), FG_OK, "get params");
        CHECK(same_bits_f(p, base_data, BASE_FLOATS), "no metadata: values");
        const float *nm, *ns;
        CHECK(!fg_model_get_normalization(m, &nm, &ns), "no metadata: no normalization");
        fg_model_destroy(m);
    }
    free(b);

    /* Header order reversed, data order as BASE: still the table's order. */
    tspec rev[NT];
    for (int i = 0; i < NT; i++) rev[i] = BASE[NT - 1 - i];
    b = build_file(rev, NT, "{\"format\":\"pt\",\"other\":\"x\"}", NULL, base_data, BASE_FLOATS,
                   &len);
    m = NULL;
    CHECK_STATUS(fg_model_load(b, len, &m), FG_OK, "reversed header order, foreign metadata");
    if (m) {
        float p[BASE_FLOATS];
        fg_model_get_params(m, p, BASE_FLOATS);
        CHECK(same_bits_f(p, base_data, BASE_FLOATS), "reversed header order: values");
        fg_model_destroy(m);
    }
    free(b);

    /* Data order permuted: head.bias first. */
    tspec perm[NT];
    memcpy(perm, BASE, sizeof perm);
    for (int i = 0; i < NT - 1; i++) {
        perm[i].begin += 4;
        perm[i].end += 4;
    }
    perm[NT - 1].begin = 0;
    perm[NT - 1].end = 4;
    float pd[BASE_FLOATS];
    pd[0] = base_data[BASE_FLOATS - 1];
    memcpy(pd + 1, base_data, (BASE_FLOATS - 1) * sizeof(float));
    b = build_file(perm, NT, NULL, NULL, pd, BASE_FLOATS, &len);
    m = NULL;
    CHECK_STATUS(fg_model_load(b, len, &m), FG_OK, "permuted data order");
    if (m) {
        float p[BASE_FLOATS];
        fg_model_get_params(m, p, BASE_FLOATS);
        CHECK(same_bits_f(p, base_data, BASE_FLOATS), "permuted data order: values follow offsets");
        fg_model_destroy(m);
    }
    free(b);

    /* Metadata config that agrees (rank 2: W [3,2] stays full, U gets rank 2 -> no,
     * so use rank null), normalization of dim 2. */
    b = build_file(BASE, NT,
                   "{\"config\":\"{\\\"input_dim\\\":2,\\\"hidden_dim\\\":3,\\\"output_dim\\\":1,"
                   "\\\"rank\\\":null,\\\"nu\\\":0.5,\\\"seed\\\":7}\","
                   "\"normalization\":\"{\\\"means\\\":[1,2],\\\"stds\\\":[3,4]}\"}",
                   NULL, base_data, BASE_FLOATS, &len);
    m = NULL;
    CHECK_STATUS(fg_model_load(b, len, &m), FG_OK, "agreeing metadata config + normalization");
    if (m) {
        const fg_model_config *c = fg_model_get_config(m);
        CHECK(c->nu == 0.5f && c->seed == 7 && c->rank == FG_RANK_NONE, "metadata config used");
        const float *mm, *ss;
        CHECK(fg_model_get_normalization(m, &mm, &ss) && mm[1] == 2.0f && ss[0] == 3.0f,
              "metadata normalization loaded");
        fg_model_destroy(m);
    }
    free(b);

    /* Config rank 2 agrees with full W (2 is not below min(3, 2)) only if U is
     * factored; rank 2 with a full U disagrees (tested below). Low-rank file: */
    tspec lr[NT + 1] = {
        {"cell.W", "F32", "[3,2]", 0, 24},          {"cell.U1", "F32", "[3,1]", 24, 36},
        {"cell.U2", "F32", "[1,3]", 36, 48},        {"cell.bias_gate", "F32", "[3]", 48, 60},
        {"cell.bias_update", "F32", "[3]", 60, 72}, {"cell.zeta", "F32", "[1]", 72, 76},
        {"cell.nu", "F32", "[1]", 76, 80},          {"head.weight", "F32", "[1,3]", 80, 92},
        {"head.bias", "F32", "[1]", 92, 96},
    };
    b = build_file(lr, NT + 1, NULL, NULL, base_data, 24, &len);
    m = NULL;
    CHECK_STATUS(fg_model_load(b, len, &m), FG_OK, "factored U without metadata");
    if (m) {
        CHECK(fg_model_u_rank(m) == 1 && fg_model_w_rank(m) == 0 &&
                  fg_model_get_config(m)->u_rank == 1,
              "u rank 1 from shapes");
        fg_model_destroy(m);
    }
    free(b);
    b = build_file(lr, NT + 1,
                   "{\"config\":\"{\\\"input_dim\\\":2,\\\"hidden_dim\\\":3,\\\"rank\\\":1}\"}",
                   NULL, base_data, 24, &len);
    expect_load_fail(b, len, FG_ERR_SERIALIZATION, "disagrees", "rank 1 config vs full W");
    free(b);
    b = build_file(lr, NT + 1,
                   "{\"config\":\"{\\\"input_dim\\\":2,\\\"hidden_dim\\\":3,\\\"u_rank\\\":1}\"}",
                   NULL, base_data, 24, &len);
    m = NULL;
    CHECK_STATUS(fg_model_load(b, len, &m), FG_OK, "u_rank 1 config agrees");
    fg_model_destroy(m);
    free(b);
    /* Factor rank not below min dims: U1 [3,3] + U2 [3,3]. */
    tspec lr2[NT + 1];
    memcpy(lr2, lr, sizeof lr2);
    lr2[1].shape = "[3,3]";
    lr2[1].end = 24 + 36;
    lr2[2].shape = "[3,3]";
    lr2[2].begin = 60;
    lr2[2].end = 96;
    for (int i = 3; i < NT + 1; i++) {
        lr2[i].begin += 48;
        lr2[i].end += 48;
    }
    b = build_file(lr2, NT + 1, NULL, NULL, base_data, 36, &len);
    expect_load_fail(b, len, FG_ERR_SERIALIZATION, "not below", "factor rank == min dim");
    free(b);
    /* Factor shapes disagree: U1 [3,1] + U2 [2,3]. */
    memcpy(lr2, lr, sizeof lr2);
    lr2[2].shape = "[2,3]";
    lr2[2].end = 36 + 24;
    for (int i = 3; i < NT + 1; i++) {
        lr2[i].begin += 12;
        lr2[i].end += 12;
    }
    b = build_file(lr2, NT + 1, NULL, NULL, base_data, 27, &len);
    expect_load_fail(b, len, FG_ERR_SERIALIZATION, "factor", "factor shapes disagree");
    free(b);
}

static void test_rejections(void) {
    check_section("rejections");
    uint8_t small[16] = {0};
    expect_load_fail(small, 0, FG_ERR_SERIALIZATION, "8-byte", "empty input");
    expect_load_fail(small, 7, FG_ERR_SERIALIZATION, "8-byte", "7 bytes");

    size_t len;
    uint8_t *b = build_file(BASE, NT, NULL, NULL, base_data, BASE_FLOATS, &len);
    uint64_t n = get_u64(b);
    /* header length beyond the file */
    uint8_t *c = malloc(len);
    memcpy(c, b, len);
    uint64_t big = len - 7;
    for (int i = 0; i < 8; i++) c[i] = (uint8_t)(big >> (8 * i));
    expect_load_fail(c, len, FG_ERR_SERIALIZATION, "header length", "header length > size - 8");
    big = 200000000ull;
    for (int i = 0; i < 8; i++) c[i] = (uint8_t)(big >> (8 * i));
    expect_load_fail(c, len, FG_ERR_SERIALIZATION, "limit", "header length > 100 MB");
    big = UINT64_MAX;
    for (int i = 0; i < 8; i++) c[i] = (uint8_t)(big >> (8 * i));
    expect_load_fail(c, len, FG_ERR_SERIALIZATION, "header length", "header length 2^64-1");
    /* header not starting with '{' */
    memcpy(c, b, len);
    c[8] = ' ';
    expect_load_fail(c, len, FG_ERR_SERIALIZATION, "'{'", "header starts with a space");
    memcpy(c, b, len);
    for (int i = 0; i < 8; i++) c[i] = 0;
    expect_load_fail(c, len, FG_ERR_SERIALIZATION, "'{'", "header length 0");
    /* header cut short: invalid JSON */
    memcpy(c, b, len);
    uint64_t shorter = n - 1;
    for (int i = 0; i < 8; i++) c[i] = (uint8_t)(shorter >> (8 * i));
    expect_load_fail(c, len, FG_ERR_SERIALIZATION, "invalid JSON", "truncated header JSON");
    /* a NUL byte inside the header */
    memcpy(c, b, len);
    c[8 + n - 1] = 0;
    expect_load_fail(c, len, FG_ERR_SERIALIZATION, "invalid JSON", "NUL in header");
    free(c);
    /* data section one byte longer than the tensors */
    c = malloc(len + 1);
    memcpy(c, b, len);
    c[len] = 0;
    expect_load_fail(c, len + 1, FG_ERR_SERIALIZATION, "cover", "trailing data byte");
    free(c);
    /* data section one float short */
    expect_load_fail(b, len - 4, FG_ERR_SERIALIZATION, "out of bounds", "missing last float");
    free(b);

    tspec t[NT + 1];
#define RESET() memcpy(t, BASE, sizeof BASE)
    expect_spec_fail(BASE, NT, NULL, "\"x\":", BASE_FLOATS, "invalid JSON", "syntax error");
    expect_spec_fail(BASE, NT, NULL,
                     "\"cell.W\":{\"dtype\":\"F32\",\"shape\":[3,2],\"data_offsets\":[0,24]}",
                     BASE_FLOATS, "duplicate", "duplicate tensor key");
    expect_spec_fail(BASE, NT, "{\"a\":\"1\",\"a\":\"2\"}", NULL, BASE_FLOATS, "duplicate",
                     "duplicate metadata key");
    RESET();
    t[0].shape = "[3,2],\"shape\":[3,2]";
    expect_spec_fail(t, NT, NULL, NULL, BASE_FLOATS, "duplicate",
                     "duplicate key in a tensor entry");
    RESET();
    t[0].dtype = "F16";
    expect_spec_fail(t, NT, NULL, NULL, BASE_FLOATS, "F16", "dtype F16");
    RESET();
    t[0].dtype = "F32\",\"extra\":\"1";
    expect_spec_fail(t, NT, NULL, NULL, BASE_FLOATS, "extra", "unknown key in a tensor entry");
    RESET();
    t[0].shape = "[3,-2]";
    expect_spec_fail(t, NT, NULL, NULL, BASE_FLOATS, "shape", "negative shape entry");
    RESET();
    t[0].shape = "[3,2.5]";
    expect_spec_fail(t, NT, NULL, NULL, BASE_FLOATS, "shape", "fractional shape entry");
    RESET();
    t[0].shape = "[3,\"2\"]";
    expect_spec_fail(t, NT, NULL, NULL, BASE_FLOATS, "shape", "string shape entry");
    RESET();
    t[0].shape = "3";
    expect_spec_fail(t, NT, NULL, NULL, BASE_FLOATS, "shape", "shape not an array");
    RESET();
    t[0].shape = "[1099511627776,1099511627776,1099511627776]";
    expect_spec_fail(t, NT, NULL, NULL, BASE_FLOATS, "overflow", "shape product overflow");
    RESET();
    t[0].shape = "[1,1,1,1,1]";
    expect_spec_fail(t, NT, NULL, NULL, BASE_FLOATS, "dimensions", "five dimensions");
    RESET();
    t[0].shape = "[3,2,1]";
    expect_spec_fail(t, NT, NULL, NULL, BASE_FLOATS, "dimensions", "3-d cell.W");
    RESET();
    t[0].shape = "[2,3]";
    expect_spec_fail(t, NT, NULL, NULL, BASE_FLOATS, "cell.W", "cell.W rows != H");
    RESET();
    t[0].shape = "[3,3]";
    expect_spec_fail(t, NT, NULL, NULL, BASE_FLOATS, "span", "shape * 4 != range length");
    RESET();
    t[0].begin = 24;
    t[0].end = 0;
    expect_spec_fail(t, NT, NULL, NULL, BASE_FLOATS, "before begin", "end < begin");
    RESET();
    t[7].begin = 104;
    t[7].end = 112;
    t[7].shape = "[2]";
    expect_spec_fail(t, NT, NULL, NULL, BASE_FLOATS, "out of bounds", "range out of bounds");
    RESET();
    t[7].begin = 108;
    t[7].end = 112;
    expect_spec_fail(t, NT, NULL, NULL, BASE_FLOATS + 1, "contiguous", "gap before a tensor");
    RESET();
    t[1].begin = 20;
    t[1].end = 56;
    expect_spec_fail(t, NT, NULL, NULL, BASE_FLOATS, "contiguous", "overlapping ranges");
    RESET();
    t[0].begin = 0;
    t[0].end = 24;
    /* data_offsets malformed: patch via the shape text (it precedes data_offsets). */
    {
        const char *bad[] = {"[0]", "[0,1,2]", "[\"0\",24]", "[0,24.5]", "{}", "[-1,23]"};
        for (int i = 0; i < 6; i++) {
            char hdr[512];
            size_t hl = (size_t)snprintf(
                hdr, sizeof hdr,
                "{\"head.bias\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":%s}}", bad[i]);
            uint8_t file[600];
            for (int k = 0; k < 8; k++) file[k] = (uint8_t)((uint64_t)hl >> (8 * k));
            memcpy(file + 8, hdr, hl);
            memset(file + 8 + hl, 0, 24);
            char what[64];
            snprintf(what, sizeof what, "data_offsets %s", bad[i]);
            expect_load_fail(file, 8 + hl + 24, FG_ERR_SERIALIZATION, "data_offsets", what);
        }
    }
    /* tensor set */
    expect_spec_fail(BASE, NT - 1, NULL, NULL, BASE_FLOATS - 1, "head.bias", "missing head.bias");
    RESET();
    t[NT] = (tspec){"foo", "F32", "[1]", 108, 112};
    expect_spec_fail(t, NT + 1, NULL, NULL, BASE_FLOATS + 1, "foo", "extra tensor");
    RESET();
    t[NT] = (tspec){"cell.W1", "F32", "[3,1]", 108, 120};
    expect_spec_fail(t, NT + 1, NULL, NULL, BASE_FLOATS + 3, "both", "cell.W and cell.W1");
    RESET();
    t[0] = (tspec){"cell.W1", "F32", "[3,2]", 0, 24};
    expect_spec_fail(t, NT, NULL, NULL, BASE_FLOATS, "cell.W2", "W1 without W2");
    RESET();
    t[6].name = "head.weights";
    expect_spec_fail(t, NT, NULL, NULL, BASE_FLOATS, "head.weights", "misspelt head.weight");
    RESET();
    t[2].shape = "[2]";
    t[2].end = 68;
    for (int i = 3; i < NT; i++) {
        t[i].begin -= 4;
        t[i].end -= 4;
    }
    expect_spec_fail(t, NT, NULL, NULL, BASE_FLOATS - 1, "cell.bias_gate", "bias_gate [H-1]");
    RESET();
    t[4].shape = "[1,1]";
    expect_spec_fail(t, NT, NULL, NULL, BASE_FLOATS, "cell.zeta", "zeta [1,1]");
    RESET();
    t[6].shape = "[1,0]";
    t[6].end = 92;
    t[7].begin = 92;
    t[7].end = 96;
    expect_spec_fail(t, NT, NULL, NULL, 24, "head.weight", "zero-width head.weight");
    RESET();
    t[1].shape = "[3,2]";
    t[1].end = 48;
    for (int i = 2; i < NT; i++) {
        t[i].begin -= 12;
        t[i].end -= 12;
    }
    expect_spec_fail(t, NT, NULL, NULL, BASE_FLOATS - 3, "cell.U", "U not square");
    /* non-finite values */
    {
        float saved = base_data[5];
        base_data[5] = NAN;
        expect_spec_fail(BASE, NT, NULL, NULL, BASE_FLOATS, "non-finite", "NaN weight");
        base_data[5] = INFINITY;
        expect_spec_fail(BASE, NT, NULL, NULL, BASE_FLOATS, "non-finite", "inf weight");
        base_data[5] = saved;
    }
    /* metadata */
    expect_spec_fail(BASE, NT, "\"x\"", NULL, BASE_FLOATS, "__metadata__", "metadata a string");
    expect_spec_fail(BASE, NT, "null", NULL, BASE_FLOATS, "__metadata__", "metadata null");
    expect_spec_fail(BASE, NT, "{\"a\":1}", NULL, BASE_FLOATS, "string", "metadata value a number");
    expect_spec_fail(BASE, NT, "{\"a\":{\"b\":\"c\"}}", NULL, BASE_FLOATS, "string",
                     "metadata value an object");
    expect_spec_fail(
        BASE, NT, "{\"config\":\"{\\\"input_dim\\\":3,\\\"hidden_dim\\\":3,\\\"rank\\\":null}\"}",
        NULL, BASE_FLOATS, "disagrees", "config input_dim 3 vs shapes 2");
    expect_spec_fail(BASE, NT,
                     "{\"config\":\"{\\\"input_dim\\\":2,\\\"hidden_dim\\\":3,\\\"rank\\\":1}\"}",
                     NULL, BASE_FLOATS, "disagrees", "config rank 1 vs full shapes");
    expect_spec_fail(BASE, NT,
                     "{\"config\":\"{\\\"input_dim\\\":2,\\\"hidden_dim\\\":3,\\\"output_dim\\\":2,"
                     "\\\"rank\\\":null}\"}",
                     NULL, BASE_FLOATS, "disagrees", "config output_dim 2 vs shapes 1");
    expect_spec_fail(BASE, NT, "{\"config\":\"{nope\"}", NULL, BASE_FLOATS, "config",
                     "config invalid JSON");
    expect_spec_fail(BASE, NT, "{\"config\":\"{\\\"bogus\\\":1}\"}", NULL, BASE_FLOATS, "bogus",
                     "config unknown key");
    expect_spec_fail(BASE, NT, "{\"format\":\"fastgrnn-wasm/2\"}", NULL, BASE_FLOATS, "format",
                     "future format version");
    expect_spec_fail(BASE, NT, "{\"normalization\":\"{\\\"means\\\":[1],\\\"stds\\\":[1]}\"}", NULL,
                     BASE_FLOATS, "input_dim", "normalization dim 1 != D 2");
    expect_spec_fail(BASE, NT, "{\"normalization\":\"{\\\"means\\\":[1,2],\\\"stds\\\":[1,0]}\"}",
                     NULL, BASE_FLOATS, "stds", "normalization std 0");
    expect_spec_fail(BASE, NT, "{\"normalization\":\"[1,2]\"}", NULL, BASE_FLOATS, "normalization",
                     "normalization not an object");
    expect_spec_fail(BASE, NT, "{}", "\"__metadata__\":{}", BASE_FLOATS, "duplicate",
                     "two __metadata__ entries");
    /* top level not an object */
    {
        const char *hdr = "{\"a\":1}";
        uint8_t file[32];
        size_t hl = strlen(hdr);
        for (int k = 0; k < 8; k++) file[k] = (uint8_t)((uint64_t)hl >> (8 * k));
        memcpy(file + 8, hdr, hl);
        expect_load_fail(file, 8 + hl, FG_ERR_SERIALIZATION, "not an object",
                         "tensor entry a number");
    }
#undef RESET
}

/* ---- 3. robustness ---------------------------------------------------------- */

static void test_fuzz(void) {
    check_section("truncations and byte flips");
    fg_model *m = make_model(3, 4, 2, 2, FG_RANK_NONE, FG_RANK_NONE, 5);
    float means[3] = {1, 2, 3}, stds[3] = {1, 1, 1};
    fg_model_set_normalization(m, means, stds, 3);
    uint8_t *bytes = NULL;
    size_t len = 0;
    fg_model_save(m, &bytes, &len);
    int bad = 0, loaded = 0;
    for (size_t cut = 0; cut < len; cut++) {
        fg_model *out = SENTINEL;
        fg_status st = fg_model_load(bytes, cut, &out);
        if (st != FG_ERR_SERIALIZATION || out != SENTINEL) bad++;
    }
    CHECK(bad == 0, "every truncation is a SerializationError (%d bad of %zu)", bad, len);
    bad = 0;
    test_rng r = {99};
    uint8_t *c = malloc(len);
    for (int iter = 0; iter < 20000; iter++) {
        memcpy(c, bytes, len);
        int flips = 1 + (int)trng_below(&r, 4);
        for (int f = 0; f < flips; f++) {
            size_t at = trng_below(&r, (uint32_t)len);
            /* bias towards the header, where the interesting bytes are */
            if (iter % 2 == 0) at = trng_below(&r, (uint32_t)(8 + get_u64(bytes)));
            c[at] = (uint8_t)trng_below(&r, 256);
        }
        fg_model *out = SENTINEL;
        fg_status st = fg_model_load(c, len, &out);
        if (st == FG_OK) {
            loaded++;
            fg_model_destroy(out);
        } else if (st != FG_ERR_SERIALIZATION || out != SENTINEL) {
            bad++;
        }
    }
    CHECK(bad == 0, "random byte flips: only Ok or SerializationError (%d loaded, %d bad)", loaded,
          bad);
    free(c);
    fg_free(bytes);
    fg_model_destroy(m);
}

/* ---- 4. JSON ---------------------------------------------------------------- */

static float float_from_bits(uint32_t u) {
    float f;
    memcpy(&f, &u, 4);
    return f;
}

static void test_model_config_json(void) {
    check_section("model config JSON");
    fg_model_config c = fg_model_config_default(), back;
    c.nu = 0.8f;
    c.zeta = -1.2e-7f;
    c.rank = FG_RANK_NONE;
    c.w_rank = 3;
    c.seed = 9007199254740992ull;
    char *json = NULL;
    CHECK_STATUS(fg_model_config_to_json(&c, &json), FG_OK, "to_json");
    if (json) {
        CHECK(strstr(json, "\"nu\":0.8") && strstr(json, "\"rank\":null") &&
                  strstr(json, "\"w_rank\":3") && strstr(json, "\"seed\":9007199254740992") &&
                  strstr(json, "\"input_dim\":5"),
              "to_json text: %s", json);
        memset(&back, 0, sizeof back);
        CHECK_STATUS(fg_model_config_from_json(json, strlen(json), &back), FG_OK, "from_json");
        CHECK(same_config(&c, &back), "config round trip");
        fg_free(json);
    }
    /* Exact floats: random bit patterns through nu. */
    test_rng r = {3};
    int bad = 0;
    for (int i = 0; i < 20000; i++) {
        float f = float_from_bits((uint32_t)trng_next(&r));
        if (!isfinite(f)) continue;
        c.nu = f;
        json = NULL;
        if (fg_model_config_to_json(&c, &json) != FG_OK ||
            fg_model_config_from_json(json, strlen(json), &back) != FG_OK ||
            memcmp(&back.nu, &f, 4) != 0)
            bad++;
        fg_free(json);
    }
    c.nu = 3.4028235e38f; /* FLT_MAX */
    json = NULL;
    if (fg_model_config_to_json(&c, &json) != FG_OK ||
        fg_model_config_from_json(json, strlen(json), &back) != FG_OK || back.nu != c.nu)
        bad++;
    fg_free(json);
    CHECK(bad == 0, "20000 random floats round-trip bit for bit (%d bad)", bad);

    /* Not NUL-terminated: only len bytes count. */
    const char buf[] = "{\"input_dim\":7}XXXX";
    CHECK_STATUS(fg_model_config_from_json(buf, 15, &back), FG_OK, "length-bounded input");
    CHECK(back.input_dim == 7 && back.hidden_dim == fg_model_config_default().hidden_dim,
          "absent keys keep defaults");
    CHECK_STATUS(fg_model_config_from_json(buf, sizeof buf - 1, &back), FG_ERR_SERIALIZATION,
                 "trailing garbage");
    CHECK_STATUS(fg_model_config_from_json("  {} \n", 6, &back), FG_OK, "whitespace around {}");

    struct {
        const char *text;
        fg_status st;
        const char *needle;
    } cases[] = {
        {"[]", FG_ERR_SERIALIZATION, "object"},
        {"3", FG_ERR_SERIALIZATION, "object"},
        {"", FG_ERR_SERIALIZATION, "JSON"},
        {"{", FG_ERR_SERIALIZATION, "JSON"},
        {"{\"inputDim\":5}", FG_ERR_INVALID_INPUT, "inputDim"},
        {"{\"input_dim\":\"5\"}", FG_ERR_INVALID_INPUT, "input_dim"},
        {"{\"input_dim\":5.5}", FG_ERR_INVALID_INPUT, "5.5"},
        {"{\"input_dim\":1e10}", FG_ERR_INVALID_INPUT, "input_dim"},
        {"{\"input_dim\":true}", FG_ERR_INVALID_INPUT, "true"},
        {"{\"input_dim\":null}", FG_ERR_INVALID_INPUT, "input_dim"},
        {"{\"input_dim\":0}", FG_ERR_INVALID_INPUT, "input_dim"},
        {"{\"rank\":0}", FG_ERR_INVALID_INPUT, "rank"},
        {"{\"rank\":\"none\"}", FG_ERR_INVALID_INPUT, "rank"},
        {"{\"nu\":null}", FG_ERR_INVALID_INPUT, "nu"},
        {"{\"nu\":1e39}", FG_ERR_INVALID_INPUT, "nu"},
        {"{\"nu\":1e999}", FG_ERR_INVALID_INPUT, "nu"},
        {"{\"seed\":-1}", FG_ERR_INVALID_INPUT, "seed"},
        {"{\"seed\":9007199254740994}", FG_ERR_INVALID_INPUT, "seed"},
        {"{\"seed\":1.5}", FG_ERR_INVALID_INPUT, "seed"},
        {"{\"hidden_dim\":4,\"hidden_dim\":5}", FG_ERR_INVALID_INPUT, "duplicate"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fg_model_config out = fg_model_config_default();
        out.input_dim = 99;
        fg_status st = fg_model_config_from_json(cases[i].text, strlen(cases[i].text), &out);
        CHECK(st == cases[i].st && contains_ci(fg_last_error(), cases[i].needle) &&
                  out.input_dim == 99,
              "model config %s -> %s \"%s\"", cases[i].text, fg_status_name(st), fg_last_error());
    }
    const char *nulls = "{\"rank\":null,\"w_rank\":null,\"u_rank\":2}";
    const char *seed53 = "{\"seed\":9007199254740992}";
    CHECK_STATUS(fg_model_config_from_json(nulls, strlen(nulls), &back), FG_OK, "null ranks");
    CHECK(back.rank == FG_RANK_NONE && back.w_rank == FG_RANK_NONE && back.u_rank == 2,
          "null ranks read");
    CHECK_STATUS(fg_model_config_from_json(seed53, strlen(seed53), &back), FG_OK, "seed 2^53");
    CHECK(back.seed == 9007199254740992ull, "seed 2^53 value");
    c = fg_model_config_default();
    c.input_dim = 0;
    json = NULL;
    CHECK_STATUS(fg_model_config_to_json(&c, &json), FG_ERR_INVALID_INPUT,
                 "to_json invalid config");
}

static void test_training_config_json(void) {
    check_section("training config JSON");
    fg_training_config c = fg_training_config_default(), back;
    c.learning_rate = 0.01f;
    c.early_stopping_patience = FG_PATIENCE_NONE;
    c.enable_distillation = 1;
    c.shuffle = 0;
    c.seed = 123;
    char *json = NULL;
    CHECK_STATUS(fg_training_config_to_json(&c, &json), FG_OK, "to_json");
    if (json) {
        CHECK(strstr(json, "\"learning_rate\":0.01,") &&
                  strstr(json, "\"early_stopping_patience\":null") &&
                  strstr(json, "\"enable_distillation\":true") &&
                  strstr(json, "\"shuffle\":false") && strstr(json, "\"adam_epsilon\":1e-08") &&
                  strstr(json, "\"restore_best_weights\":true"),
              "to_json text: %s", json);
        memset(&back, 0, sizeof back);
        CHECK_STATUS(fg_training_config_from_json(json, strlen(json), &back), FG_OK, "from_json");
        CHECK(memcmp(&c, &back, sizeof c) == 0 ||
                  (back.learning_rate == c.learning_rate &&
                   back.early_stopping_patience == FG_PATIENCE_NONE &&
                   back.enable_distillation == 1 && back.shuffle == 0 && back.seed == 123),
              "training config round trip");
        fg_free(json);
    }
    struct {
        const char *text;
        fg_status st;
        const char *needle;
    } cases[] = {
        {"{\"shuffle\":1}", FG_ERR_INVALID_INPUT, "shuffle"},
        {"{\"enable_distillation\":\"yes\"}", FG_ERR_INVALID_INPUT, "enable_distillation"},
        {"{\"batch_size\":0}", FG_ERR_INVALID_INPUT, "batch_size"},
        {"{\"learning_rate\":-1}", FG_ERR_INVALID_INPUT, "learning_rate"},
        {"{\"epochs\":2.5}", FG_ERR_INVALID_INPUT, "epochs"},
        {"{\"early_stopping_patience\":\"x\"}", FG_ERR_INVALID_INPUT, "early_stopping_patience"},
        {"{\"learningRate\":0.1}", FG_ERR_INVALID_INPUT, "learningRate"},
        {"null", FG_ERR_SERIALIZATION, "object"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fg_training_config out = fg_training_config_default();
        out.epochs = 12345;
        fg_status st = fg_training_config_from_json(cases[i].text, strlen(cases[i].text), &out);
        CHECK(st == cases[i].st && contains_ci(fg_last_error(), cases[i].needle) &&
                  out.epochs == 12345,
              "training config %s -> %s \"%s\"", cases[i].text, fg_status_name(st),
              fg_last_error());
    }
    const char *p =
        "{\"early_stopping_patience\":null,\"epochs\":3,\"restore_best_weights\":false}";
    CHECK_STATUS(fg_training_config_from_json(p, strlen(p), &back), FG_OK,
                 "partial training config");
    CHECK(back.early_stopping_patience == FG_PATIENCE_NONE && back.epochs == 3 &&
              back.restore_best_weights == 0 &&
              back.batch_size == fg_training_config_default().batch_size,
          "partial training config values");
}

static void test_metrics_json(void) {
    check_section("metrics JSON");
    fg_training_metrics m[3] = {
        {0, 0.6931f, NAN, 0.5f, NAN, 0.001f},
        {1, 0.5f, 0.55f, 0.75f, 0.7f, 0.001f},
        {2, 1e-30f, 3.4028235e38f, 1.0f, 0.0f, 0.0005f},
    };
    char *json = NULL;
    CHECK_STATUS(fg_metrics_to_json(m, 3, &json), FG_OK, "to_json");
    fg_training_metrics *back = NULL;
    size_t n = 0;
    if (json) {
        CHECK(strstr(json, "\"val_loss\":null") && strstr(json, "\"epoch\":0") &&
                  strstr(json, "\"learning_rate\":0.001"),
              "metrics text: %.200s", json);
        CHECK_STATUS(fg_metrics_from_json(json, strlen(json), &back, &n), FG_OK, "from_json");
        int ok = n == 3;
        for (size_t i = 0; ok && i < 3; i++) {
            ok = back[i].epoch == m[i].epoch &&
                 same_bits_f(&back[i].train_loss, &m[i].train_loss, 1) &&
                 same_bits_f(&back[i].train_accuracy, &m[i].train_accuracy, 1) &&
                 same_bits_f(&back[i].learning_rate, &m[i].learning_rate, 1) &&
                 (isnan(m[i].val_loss) ? isnan(back[i].val_loss)
                                       : back[i].val_loss == m[i].val_loss) &&
                 (isnan(m[i].val_accuracy) ? isnan(back[i].val_accuracy)
                                           : back[i].val_accuracy == m[i].val_accuracy);
        }
        CHECK(ok, "metrics round trip (NaN <-> null)");
        fg_free(back);
        fg_free(json);
    }
    json = NULL;
    CHECK_STATUS(fg_metrics_to_json(NULL, 0, &json), FG_OK, "empty metrics");
    CHECK(json && strcmp(json, "[]") == 0, "empty metrics text");
    fg_free(json);
    back = NULL;
    CHECK_STATUS(fg_metrics_from_json("[]", 2, &back, &n), FG_OK, "read []");
    CHECK(n == 0, "read [] count 0");
    fg_free(back);

    const char *rec = "\"train_loss\":1,\"val_loss\":null,\"train_accuracy\":1,\"val_accuracy\":"
                      "null,\"learning_rate\":0.1";
    char buf[512];
    struct {
        const char *fmt;
        const char *needle;
    } cases[] = {
        {"{}", "array"},
        {"[1]", "object"},
        {"[{\"epoch\":-1,%s}]", "epoch"},
        {"[{\"epoch\":1.5,%s}]", "epoch"},
        {"[{\"epoch\":\"1\",%s}]", "epoch"},
        {"[{%s}]", "epoch"},
        {"[{\"epoch\":0,%s,\"extra\":1}]", "extra"},
        {"[{\"epoch\":0,%s,\"epoch\":1}]", "duplicate"},
        {"[{\"epoch\":0,%s,\"train_loss\":1}]", "duplicate"},
        {"[{\"epoch\":0,\"train_loss\":\"x\",\"val_loss\":null,\"train_accuracy\":1,\"val_"
         "accuracy\":null,\"learning_rate\":0.1}]",
         "train_loss"},
        {"[{\"epoch\":0,\"train_loss\":1e300,\"val_loss\":null,\"train_accuracy\":1,\"val_"
         "accuracy\":null,\"learning_rate\":0.1}]",
         "train_loss"},
        {"[{\"epoch\":0,%s}", "JSON"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(buf, sizeof buf, cases[i].fmt, rec);
        fg_training_metrics *out = (fg_training_metrics *)(uintptr_t)0x77;
        size_t cnt = 12345;
        fg_status st = fg_metrics_from_json(buf, strlen(buf), &out, &cnt);
        CHECK(st == FG_ERR_SERIALIZATION && contains_ci(fg_last_error(), cases[i].needle) &&
                  out == (fg_training_metrics *)(uintptr_t)0x77 && cnt == 12345,
              "metrics %.60s -> %s \"%s\"", buf, fg_status_name(st), fg_last_error());
    }
    snprintf(buf, sizeof buf, "[{\"epoch\":4,%s}]", rec);
    CHECK_STATUS(fg_metrics_from_json(buf, strlen(buf), &back, &n), FG_OK, "minimal record");
    if (n == 1)
        CHECK(back[0].epoch == 4 && isnan(back[0].val_loss) && back[0].learning_rate == 0.1f,
              "minimal record values");
    fg_free(back);
}

static void test_normalization_json(void) {
    check_section("normalization JSON");
    float means[3] = {0.1f, -1e-30f, 12345.678f}, stds[3] = {1.0f, 1e-8f, 0.33333334f};
    char *json = NULL;
    CHECK_STATUS(fg_normalization_to_json(means, stds, 3, &json), FG_OK, "to_json");
    float *m = NULL, *s = NULL;
    int32_t dim = 0;
    if (json) {
        CHECK(strncmp(json, "{\"means\":[0.1,", 14) == 0, "normalization text: %s", json);
        CHECK_STATUS(fg_normalization_from_json(json, strlen(json), &m, &s, &dim), FG_OK,
                     "from_json");
        CHECK(dim == 3 && m && s && same_bits_f(m, means, 3) && same_bits_f(s, stds, 3),
              "normalization round trip");
        fg_free(m);
        fg_free(s);
        fg_free(json);
    }
    float zero[1] = {0.0f}, one[1] = {1.0f};
    json = NULL;
    CHECK_STATUS(fg_normalization_to_json(one, zero, 1, &json), FG_ERR_INVALID_INPUT,
                 "to_json std 0");
    CHECK_STATUS(fg_normalization_to_json(one, one, 0, &json), FG_ERR_INVALID_INPUT,
                 "to_json dim 0");
    const char *cases[][2] = {
        {"[]", "object"},
        {"{\"means\":[1]}", "stds"},
        {"{\"stds\":[1]}", "means"},
        {"{\"means\":[],\"stds\":[]}", "empty"},
        {"{\"means\":[1,2],\"stds\":[1]}", "stds"},
        {"{\"means\":[1],\"stds\":[0]}", "stds"},
        {"{\"means\":[1],\"stds\":[-1]}", "stds"},
        {"{\"means\":[1],\"stds\":[1e-50]}", "stds"},
        {"{\"means\":[null],\"stds\":[1]}", "means"},
        {"{\"means\":[\"1\"],\"stds\":[1]}", "means"},
        {"{\"means\":[1e39],\"stds\":[1]}", "means"},
        {"{\"means\":1,\"stds\":[1]}", "means"},
        {"{\"means\":[1],\"stds\":[1],\"extra\":[]}", "extra"},
        {"{\"means\":[1],\"stds\":[1],\"means\":[2]}", "duplicate"},
        {"{\"means\":[1],\"stds\":[1]", "JSON"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        float *mo = (float *)(uintptr_t)0x99, *so = (float *)(uintptr_t)0x99;
        int32_t d = -7;
        fg_status st = fg_normalization_from_json(cases[i][0], strlen(cases[i][0]), &mo, &so, &d);
        CHECK(st == FG_ERR_SERIALIZATION && contains_ci(fg_last_error(), cases[i][1]) && d == -7 &&
                  mo == (float *)(uintptr_t)0x99,
              "normalization %s -> %s \"%s\"", cases[i][0], fg_status_name(st), fg_last_error());
    }
}

/* ---- 5. files ----------------------------------------------------------------- */

static char *read_all(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *buf = malloc(1 << 20);
    *len = fread(buf, 1, (1 << 20) - 1, f);
    buf[*len] = 0;
    fclose(f);
    return buf;
}

static void test_files(void) {
    check_section("files");
    const char *path = "test_serialization_model.safetensors";
    fg_model *m = make_model(5, 16, 1, 8, FG_RANK_NONE, FG_RANK_NONE, 42);
    scramble(m, 11);
    CHECK_STATUS(fg_model_save_file(m, path), FG_OK, "save_file");
    fg_model *back = NULL;
    CHECK_STATUS(fg_model_load_file(path, &back), FG_OK, "load_file");
    if (back) {
        CHECK(same_params(m, back), "file round trip params");
        fg_model_destroy(back);
    }
    /* a corrupted file names the path */
    FILE *f = fopen(path, "wb");
    fputs("garbage!garbage!", f);
    fclose(f);
    back = SENTINEL;
    CHECK_STATUS(fg_model_load_file(path, &back), FG_ERR_SERIALIZATION, "load corrupted file");
    CHECK(back == SENTINEL && contains_ci(fg_last_error(), path),
          "corrupted file: message names the path");
    remove(path);
    const char *missing = "/nonexistent-dir-fg/model.safetensors";
    CHECK_STATUS(fg_model_load_file(missing, &back), FG_ERR_IO, "load missing file");
    CHECK(contains_ci(fg_last_error(), missing), "missing file: message names the path");
    CHECK_STATUS(fg_model_save_file(m, missing), FG_ERR_IO, "save into missing dir");
    CHECK(contains_ci(fg_last_error(), missing), "save: message names the path");
    fg_model_destroy(m);

    const char *npath = "test_serialization_norm.json";
    float means[2] = {0.5f, -0.25f}, stds[2] = {2.0f, 0.1f};
    CHECK_STATUS(fg_save_normalization(npath, means, stds, 2), FG_OK, "save normalization");
    size_t len = 0;
    char *text = read_all(npath, &len);
    float *mo = NULL, *so = NULL;
    int32_t dim = 0;
    CHECK(text != NULL, "normalization file exists");
    if (text) {
        CHECK_STATUS(fg_normalization_from_json(text, len, &mo, &so, &dim), FG_OK,
                     "read normalization file");
        CHECK(dim == 2 && mo && same_bits_f(mo, means, 2) && same_bits_f(so, stds, 2),
              "normalization file values");
        fg_free(mo);
        fg_free(so);
        free(text);
    }
    remove(npath);
    CHECK_STATUS(fg_save_normalization("/nonexistent-dir-fg/n.json", means, stds, 2), FG_ERR_IO,
                 "save normalization into missing dir");

    /* metrics file of a trainer that has not trained: [] */
    fg_model_config mc = fg_model_config_default();
    fg_training_config tc = fg_training_config_default();
    fg_trainer *tr = NULL;
    const char *mpath = "test_serialization_metrics.json";
    CHECK_STATUS(fg_trainer_create(&mc, &tc, &tr), FG_OK, "trainer create");
    if (tr) {
        CHECK_STATUS(fg_trainer_save_metrics(tr, mpath), FG_OK, "save metrics");
        text = read_all(mpath, &len);
        CHECK(text && strcmp(text, "[]\n") == 0, "metrics file of an untrained trainer is []");
        free(text);
        remove(mpath);
        CHECK_STATUS(fg_trainer_save_metrics(tr, "/nonexistent-dir-fg/m.json"), FG_ERR_IO,
                     "save metrics into missing dir");
        CHECK(contains_ci(fg_last_error(), "/nonexistent-dir-fg/m.json"),
              "metrics: message names the path");
        fg_trainer_destroy(tr);
    }
}

int main(void) {
    init_base_data();
    test_roundtrips();
    test_handbuilt_ok();
    test_rejections();
    test_fuzz();
    test_model_config_json();
    test_training_config_json();
    test_metrics_json();
    test_normalization_json();
    test_files();
    return check_summary();
}
