/* A stand-in for libFuzzer's main, linked with an lf_*.c entry in the
 * normal build (no clang needed), so CI runs every entry:
 *   dlc-lf-NAME [--seed S] [--runs N] [--max-len L] [--dict F.dict] CORPUS...
 * Feeds every corpus file (a directory: its files, sorted) as is, then N
 * deterministic mutants: bit flips, byte writes, interesting values,
 * inserted, deleted and copied runs, splices of two corpus files, dictionary
 * words, truncations. A finding aborts (lf_finding, or a sanitizer in a
 * -DDLC_SANITIZE=ON build); the input is written to ./lf-crash first. */
#include <dirent.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>

#include "dlc/support.h"
#include "lf.h"

__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv);

typedef struct {
  unsigned char *p;
  size_t n;
} Blob;

static uint64_t rng_state;
static uint64_t rnd(void) {
  rng_state ^= rng_state << 13, rng_state ^= rng_state >> 7, rng_state ^= rng_state << 17;
  return rng_state;
}

static Blob *corpus, *dict;
static int ncorpus, ndict;
static const unsigned char *current;
static size_t current_len;

static void add(Blob **v, int *n, const void *p, size_t len) {
  *v = realloc(*v, sizeof(Blob) * (size_t)(*n + 1));
  (*v)[*n].p = malloc(len + 1);
  memcpy((*v)[*n].p, p, len);
  (*v)[(*n)++].n = len;
}

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void add_path(const char *path) {
  DIR *d = opendir(path);
  if (!d) {
    char *data;
    size_t len;
    DlError e = {0};
    if (!dl_read_file(path, &data, &len, &e)) fprintf(stderr, "lf: %s\n", e.msg), exit(2);
    add(&corpus, &ncorpus, data, len);
    free(data);
    return;
  }
  char **names = NULL;
  int nn = 0;
  for (struct dirent *de; (de = readdir(d));)
    if (de->d_name[0] != '.') names = realloc(names, sizeof(char *) * (size_t)(nn + 1)), names[nn++] = strdup(de->d_name);
  closedir(d);
  qsort(names, (size_t)nn, sizeof(char *), cmp); /* a seed means the same inputs on every machine */
  for (int i = 0; i < nn; i++) {
    char p[4096];
    snprintf(p, sizeof p, "%s/%s", path, names[i]);
    add_path(p);
    free(names[i]);
  }
  free(names);
}

/* libFuzzer's dictionary format: one "word" per line, optionally name=, with \\, \" and \xNN escapes. */
static void read_dict(const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) fprintf(stderr, "lf: cannot read %s\n", path), exit(2);
  char line[4096];
  while (fgets(line, sizeof line, f)) {
    char *q = strchr(line, '"'), *end = strrchr(line, '"');
    if (line[0] == '#' || !q || end == q) continue;
    unsigned char w[4096];
    size_t n = 0;
    for (char *c = q + 1; c < end; c++) {
      if (*c == '\\' && c[1] == 'x' && c + 3 < end) {
        char hex[3] = {c[2], c[3], 0};
        w[n++] = (unsigned char)strtoul(hex, NULL, 16), c += 3;
      } else if (*c == '\\' && c + 1 < end) w[n++] = (unsigned char)*++c;
      else w[n++] = (unsigned char)*c;
    }
    add(&dict, &ndict, w, n);
  }
  fclose(f);
}

static void mutate(Blob *b, size_t max_len) {
  static const unsigned char interesting[] = {0, 1, 0x7f, 0x80, 0xff, 0xfe, 0x10, 0x40};
  for (int k = 0, edits = 1 + (int)(rnd() % 4); k < edits; k++) {
    size_t at = b->n ? (size_t)(rnd() % b->n) : 0;
    const Blob *src = NULL;
    bool word = false; /* a dictionary word goes in whole, a run of an input is cut */
    switch (rnd() % 9) {
    case 0: if (b->n) b->p[at] ^= (unsigned char)(1u << (rnd() % 8)); break;
    case 1: if (b->n) b->p[at] = (unsigned char)rnd(); break;
    case 2: if (b->n) b->p[at] = interesting[rnd() % sizeof interesting]; break;
    case 3: /* delete a run */
      if (b->n) {
        size_t n = 1 + (size_t)(rnd() % 16);
        n = n > b->n - at ? b->n - at : n;
        memmove(b->p + at, b->p + at + n, b->n - at - n), b->n -= n;
      }
      break;
    case 4: b->n = b->n ? (size_t)(rnd() % b->n) : 0; break;
    case 5: src = ndict ? &dict[rnd() % (uint64_t)ndict] : NULL, word = true; break; /* insert a dictionary word */
    case 6: src = &corpus[rnd() % (uint64_t)ncorpus]; break;                   /* insert a run of another input */
    case 7: src = b; break;                                                     /* copy a run of this one */
    default:                                                                     /* overwrite with a dictionary word */
      if (ndict && b->n) {
        const Blob *w = &dict[rnd() % (uint64_t)ndict];
        for (size_t i = 0; i < w->n && at + i < b->n; i++) b->p[at + i] = w->p[i];
      }
      break;
    }
    if (src && src->n) {
      size_t from = word ? 0 : (size_t)(rnd() % src->n), n = src->n - from, cap = 1 + (size_t)(rnd() % 64);
      if (!word && n > cap) n = cap;
      unsigned char *run = malloc(n);
      memcpy(run, src->p + from, n);
      b->p = realloc(b->p, b->n + n + 1);
      memmove(b->p + at + n, b->p + at, b->n - at), memcpy(b->p + at, run, n), b->n += n;
      free(run);
    }
  }
  if (b->n > max_len) b->n = max_len;
}

static void on_abort(int sig) {
  FILE *f = fopen("lf-crash", "wb");
  if (f) fwrite(current, 1, current_len, f), fclose(f);
  fprintf(stderr, "lf: the input is in ./lf-crash (%zu bytes)\n", current_len);
  signal(sig, SIG_DFL);
  raise(sig);
}

static void run(const unsigned char *p, size_t n) {
  unsigned char *copy = malloc(n + 1); /* exactly n bytes readable, as libFuzzer gives them */
  memcpy(copy, p, n);
  current = copy, current_len = n;
  LLVMFuzzerTestOneInput(copy, n);
  free(copy);
}

int main(int argc, char **argv) {
  uint64_t seed = 1;
  long runs = 1000;
  size_t max_len = 1 << 20;
  if (LLVMFuzzerInitialize) LLVMFuzzerInitialize(&argc, &argv);
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--seed") && i + 1 < argc) seed = strtoull(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--runs") && i + 1 < argc) runs = strtol(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--max-len") && i + 1 < argc) max_len = strtoull(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--dict") && i + 1 < argc) read_dict(argv[++i]);
    else add_path(argv[i]);
  }
  if (!ncorpus) return fprintf(stderr, "usage: %s [--seed S] [--runs N] [--max-len L] [--dict F] CORPUS...\n", argv[0]), 2;
  signal(SIGABRT, on_abort);
  signal(SIGSEGV, on_abort);
  for (int i = 0; i < ncorpus; i++) run(corpus[i].p, corpus[i].n);
  rng_state = seed * 0x9E3779B97F4A7C15ull + 1;
  for (long i = 0; i < runs; i++) {
    const Blob *src = &corpus[rnd() % (uint64_t)ncorpus];
    Blob b = {malloc(src->n + 1), src->n};
    memcpy(b.p, src->p, src->n);
    mutate(&b, max_len);
    run(b.p, b.n);
    free(b.p);
  }
  const char *name = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
  printf("lf: %s: %d corpus inputs and %ld mutants, seed %llu, %d dictionary words: %ld accepted, %ld deep, no finding\n",
         name, ncorpus, runs, (unsigned long long)seed, ndict, lf_accepted, lf_deep);
  for (int i = 0; i < ncorpus; i++) free(corpus[i].p);
  for (int i = 0; i < ndict; i++) free(dict[i].p);
  free(corpus), free(dict);
  return 0;
}
