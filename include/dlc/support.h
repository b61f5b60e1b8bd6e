/* Files: whole-file reads and atomic, byte-exact writes. */
#ifndef DLC_SUPPORT_H
#define DLC_SUPPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dlc/diag.h"

/* For X-macro lists of (id, name): expands to the names, for a table. */
#define DL_X_NAME(id, name) name,

/* Reads a whole file into malloc'd memory (NUL-terminated; *len excludes it).
 * path "-" reads stdin. */
bool dl_read_file(const char *path, char **data, size_t *len, DlError *e);

/* Writes data to path atomically: a temporary file in the same directory,
 * then rename. On failure no file appears at path. path "-" writes stdout.
 * Between dl_outputs_begin and dl_outputs_commit / dl_outputs_abort the
 * rename waits: commit renames every file written since begin (or, if one
 * cannot be, removes them all and fails), abort removes them; so the outputs
 * of one invocation appear together or not at all. */
bool dl_write_file_atomic(const char *path, const void *data, size_t len, DlError *e);
void dl_outputs_begin(void);
bool dl_outputs_commit(DlError *e);
void dl_outputs_abort(void);
/* dl_write_file_atomic, renamed at once even between begin and commit (caches). */
bool dl_write_file_now(const char *path, const void *data, size_t len, DlError *e);

/* Checks an --input-shape specification ("name=DIMS[,name=DIMS...]", DIMS
 * like 1x3x224x224): every dimension within 1..2^31 (0..2^31 with
 * allow_zero: the importer takes empty tensors, as ONNX does, while the tools
 * refuse them from users), every name once. */
bool dl_shape_spec_check(const char *spec, bool allow_zero, DlError *e);

/* Directory part of path ("." if none), into buf. */
void dl_path_dirname(const char *path, char *buf, size_t n);

/* A growable text buffer. */
typedef struct {
  char *data;
  size_t len, cap;
} DlBuf;
void dl_buf_printf(DlBuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void dl_buf_append(DlBuf *b, const char *s, size_t n);
void dl_buf_free(DlBuf *b);

/* Little-endian binary files: writing appends to a DlBuf; reading goes
 * through a cursor that never passes the end (past it, reads return 0 and
 * set bad). */
void dl_buf_put_u32(DlBuf *b, uint32_t v);
void dl_buf_put_u64(DlBuf *b, uint64_t v);
void dl_buf_put_f64(DlBuf *b, double v);
typedef struct {
  const unsigned char *p;
  size_t len, at;
  bool bad;
} DlReader;
uint32_t dl_read_u32(DlReader *r);
uint64_t dl_read_u64(DlReader *r);
double dl_read_f64(DlReader *r);
/* n bytes at the cursor (NULL, and bad, if fewer remain) */
const void *dl_read_bytes(DlReader *r, size_t n);

/* CRC-32 (IEEE, zlib's crc32: start with crc = 0) of n bytes, continuing crc. */
uint32_t dl_crc32(uint32_t crc, const void *data, size_t n);
/* Sealed binary files end with the CRC-32 of everything before it (4 bytes,
 * little-endian): dl_buf_seal appends it; dl_sealed_check verifies it
 * ("checksum mismatch: corrupted or truncated"). */
void dl_buf_seal(DlBuf *b);
bool dl_sealed_check(const void *data, size_t len, DlError *e);

/* Writes s as a JSON string literal (quotes escaped, control characters dropped). */
void dl_json_write_str(FILE *f, const char *s);

/* Monotonic seconds. */
double dl_now(void);
/* A one-line progress bar on stderr ("what [=====   ] 42% 420/1000 1.2s"),
 * finished with a newline when done == total; nothing when stderr is not
 * a terminal. */
void dl_progress(const char *what, int64_t done, int64_t total, double t0);

#endif
