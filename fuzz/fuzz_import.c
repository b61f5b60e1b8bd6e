/* dlc-fuzz-import: deterministic fuzzing of the ONNX importer.
 *   dlc-fuzz-import [--seed S] [--count N] [--min-imported K] CORPUS_DIR...
 *   dlc-fuzz-import --file F       (reproduce one input)
 * Inputs mix random bytes, truncations of real models, and byte-level
 * mutations (flips, inserts, deletes, varint damage) of real models. Every
 * input goes through dl_onnx_import_buffer; imported modules must verify. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlc/onnx.h"
#include "dlc/support.h"

static uint64_t rng_state;
static uint64_t rnd(void) {
  rng_state ^= rng_state << 13, rng_state ^= rng_state >> 7, rng_state ^= rng_state << 17;
  return rng_state;
}

typedef struct {
  char *data;
  size_t len;
} Blob;

static int load_corpus(const char *dir, Blob **out, int n, int cap) {
  DIR *d = opendir(dir);
  if (!d) return n;
  char **names = NULL;
  int nn = 0;
  for (struct dirent *de; (de = readdir(d));)
    if (de->d_name[0] != '.') {
      names = realloc(names, sizeof(char *) * (size_t)(nn + 1));
      names[nn++] = strdup(de->d_name);
    }
  closedir(d);
  /* sorted, so a seed means the same inputs on every machine */
  for (int i = 0; i < nn; i++)
    for (int j = i + 1; j < nn; j++)
      if (strcmp(names[i], names[j]) > 0) {
        char *t = names[i];
        names[i] = names[j], names[j] = t;
      }
  for (int i = 0; i < nn && n < cap; i++) {
    char p[4096];
    snprintf(p, sizeof p, "%s/%s/model.onnx", dir, names[i]);
    DlError e = {0};
    Blob b;
    if (dl_read_file(p, &b.data, &b.len, &e) && b.len < (1u << 20)) (*out)[n++] = b;
    dl_error_clear(&e);
    free(names[i]);
  }
  free(names);
  return n;
}

static Blob mutate(const Blob *src) {
  Blob b;
  int kind = (int)(rnd() % 6);
  if (kind == 0) { /* random bytes */
    b.len = rnd() % 512;
    b.data = malloc(b.len + 1);
    for (size_t i = 0; i < b.len; i++) b.data[i] = (char)rnd();
    return b;
  }
  b.len = src->len;
  b.data = malloc(src->len + 64);
  memcpy(b.data, src->data, src->len);
  if (kind == 1) { /* truncation */
    b.len = src->len ? rnd() % src->len : 0;
    return b;
  }
  int edits = 1 + (int)(rnd() % 4);
  for (int k = 0; k < edits && b.len; k++) {
    size_t at = rnd() % b.len;
    switch (kind) {
    case 2: b.data[at] ^= (char)(1u << (rnd() % 8)); break; /* bit flip */
    case 3: b.data[at] = (char)rnd(); break;                 /* byte set */
    case 4:                                                  /* delete a run */
    {
      size_t n = 1 + rnd() % 8;
      if (at + n > b.len) n = b.len - at;
      memmove(b.data + at, b.data + at + n, b.len - at - n);
      b.len -= n;
      break;
    }
    default: /* damage a varint: set continuation bits */
      for (size_t i = at; i < b.len && i < at + 4; i++) b.data[i] |= (char)0x80;
      break;
    }
  }
  return b;
}

static int try_input(MlirContext ctx, const Blob *b, int *imported) {
  DlError e = {0};
  MlirModule m = dl_onnx_import_buffer(ctx, b->data, b->len, "/nonexistent", NULL, &e);
  int bad = 0;
  if (!mlirModuleIsNull(m)) {
    (*imported)++;
    if (!dl_verify(mlirModuleGetOperation(m))) {
      fprintf(stderr, "fuzz: an imported module does not verify\n");
      bad = 1;
    }
    mlirModuleDestroy(m);
  } else if (!e.msg) {
    fprintf(stderr, "fuzz: import failed without a message\n");
    bad = 1;
  }
  dl_error_clear(&e);
  return bad;
}

int main(int argc, char **argv) {
  uint64_t seed = 1;
  long count = 10000, min_imported = 0;
  const char *file = NULL, *dirs[8];
  int ndirs = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--seed") && i + 1 < argc) seed = strtoull(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--count") && i + 1 < argc) count = atol(argv[++i]);
    else if (!strcmp(argv[i], "--min-imported") && i + 1 < argc) min_imported = atol(argv[++i]);
    else if (!strcmp(argv[i], "--file") && i + 1 < argc) file = argv[++i];
    else if (ndirs < 8) dirs[ndirs++] = argv[i];
  }
  DlError e = {0};
  MlirContext ctx = dl_context_create(&e);
  if (mlirContextIsNull(ctx)) return fprintf(stderr, "fuzz: %s\n", e.msg), 2;
  mlirContextAttachDiagnosticHandler(ctx, NULL, NULL, NULL);
  int imported = 0, bad = 0;
  if (file) {
    Blob b;
    if (!dl_read_file(file, &b.data, &b.len, &e)) return fprintf(stderr, "fuzz: %s\n", e.msg), 2;
    bad = try_input(ctx, &b, &imported);
    printf("fuzz: %s %s\n", file, imported ? "imported" : "rejected");
    free(b.data);
    dl_context_destroy(ctx);
    return bad;
  }
  Blob *corpus = malloc(sizeof(Blob) * 4096);
  int nc = 0;
  for (int i = 0; i < ndirs; i++) nc = load_corpus(dirs[i], &corpus, nc, 4096);
  if (!nc) return fprintf(stderr, "fuzz: empty corpus\n"), 2;
  rng_state = seed * 0x9E3779B97F4A7C15ull + 1;
  for (long i = 0; i < count; i++) {
    Blob b = mutate(&corpus[rnd() % (uint64_t)nc]);
    bad += try_input(ctx, &b, &imported);
    free(b.data);
    /* a fresh context now and then keeps uniqued attributes from piling up */
    if (i % 2000 == 1999) {
      dl_context_destroy(ctx);
      ctx = dl_context_create(&e);
      mlirContextAttachDiagnosticHandler(ctx, NULL, NULL, NULL);
    }
  }
  printf("fuzz: %ld inputs from %d corpus models, seed %llu: %d imported, %ld rejected, %d bad\n", count, nc,
         (unsigned long long)seed, imported, count - imported, bad);
  for (int i = 0; i < nc; i++) free(corpus[i].data);
  free(corpus);
  dl_context_destroy(ctx);
  if (imported < min_imported) {
    fprintf(stderr, "fuzz: only %d inputs imported (expected >= %ld): the mutations are too destructive\n", imported,
            min_imported);
    return 1;
  }
  return bad ? 1 : 0;
}
