/*
 * json_internal.h - the JSON side of safetensors (json.c), used by
 * safetensors.c so that cJSON use stays in json.c (and card.c, through the
 * helpers at the end).
 *
 * A safetensors header is one JSON object:
 *   { "__metadata__": { "key": "value", ... },            (optional)
 *     "<tensor name>": { "dtype": "F32", "shape": [r, c],
 *                        "data_offsets": [begin, end] }, ... }
 * fg_st_header_parse checks the JSON-level rules (an object, no duplicate
 * keys at any level, each entry exactly {dtype: string, shape: array of
 * non-negative integers, data_offsets: [begin, end] non-negative integers},
 * metadata an object of string -> string). The byte-level rules (dtype,
 * ranges, bounds, tensor set) are safetensors.c's.
 */
#ifndef FG_JSON_INTERNAL_H
#define FG_JSON_INTERNAL_H

#include "internal.h"

#define FG_ST_MAX_DIMS 4

typedef struct {
    char *name;                     /* owned, NUL-terminated                 */
    char *dtype;                    /* owned, e.g. "F32"                     */
    int ndim;                       /* 0..FG_ST_MAX_DIMS                     */
    uint64_t shape[FG_ST_MAX_DIMS]; /* each <= 2^53                          */
    uint64_t begin, end;            /* data_offsets, each <= 2^53            */
} fg_st_tensor;

typedef struct {
    char *key, *value; /* owned, NUL-terminated                 */
} fg_st_meta;

typedef struct {
    fg_st_tensor *tensors; /* in header order                       */
    size_t num_tensors;
    fg_st_meta *meta; /* the __metadata__ entries, in order    */
    size_t num_meta;
    int has_meta; /* 1 when __metadata__ was present       */
} fg_st_header;

/* Parses the len bytes at json (not NUL-terminated) as a safetensors header.
 * FG_ERR_SERIALIZATION with a specific message on any violation,
 * FG_ERR_OUT_OF_MEMORY on allocation failure. On failure *out is zeroed and
 * owns nothing. */
fg_status fg_st_header_parse(const char *json, size_t len, fg_st_header *out);
void fg_st_header_free(fg_st_header *h);
/* Metadata value for key, or NULL. */
const char *fg_st_header_meta(const fg_st_header *h, const char *key);

/* Builds the compact header JSON: "__metadata__" first (when num_meta > 0),
 * then the tensors in the given order. *json_out (fg_alloc'd, NUL-terminated,
 * no padding) gets *len_out bytes. */
fg_status fg_st_header_build(const fg_st_tensor *tensors, size_t num_tensors,
                             const fg_st_meta *meta, size_t num_meta, char **json_out,
                             size_t *len_out);

/* Whole-file helpers shared by json.c and safetensors.c. Write replaces the
 * file; read returns a fg_alloc'd buffer (NULL when the file is empty) and
 * its length. FG_ERR_IO naming the path on failure. Built with
 * -DFG_NO_FILES (a wasm module without stdio) they always fail with FG_ERR_IO. */
fg_status fg_write_file(const char *path, const void *data, size_t len);
fg_status fg_read_file(const char *path, uint8_t **data_out, size_t *len_out);

/* json.c's strict helpers, for card.c (the model card's own JSON work).
 * fg_json_parse: exactly one JSON value in len bytes (NULL and the error
 * recorded otherwise). fg_json_check_duplicates: `code` when obj repeats a key.
 * fg_json_describe: an item as short JSON text for messages. as_float: a
 * number that rounds to a finite float; as_integer: an integer in [lo, hi].
 * add_float: the shortest exact text (null when not finite); print: compact
 * text into a fg_alloc'd string, root deleted. */
struct cJSON;
struct cJSON *fg_json_parse(const char *what, const char *text, size_t len);
fg_status fg_json_check_duplicates(const struct cJSON *obj, const char *what, fg_status code);
void fg_json_describe(const struct cJSON *item, char *buf, size_t size);
int fg_json_as_float(const struct cJSON *item, float *out);
int fg_json_as_integer(const struct cJSON *item, double lo, double hi, int64_t *out);
int fg_json_add_float(struct cJSON *obj, const char *key, float f);
int fg_json_add_i64(struct cJSON *obj, const char *key, int64_t v);
fg_status fg_json_print(struct cJSON *root, const char *what, char **json_out, size_t *len_out);
/* The shortest text of a finite f that reads back exactly (buf: >= 32
 * chars); allocates nothing. */
void fg_json_format_float(float f, char *buf, size_t size);

#endif /* FG_JSON_INTERNAL_H */
