/* dlc-opt: reads MLIR text, runs passes named by flags in order, prints MLIR. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlc/passes.h"
#include "dlc/support.h"
#include "dlc/version.h"

static const char *prog = "dlc-opt";

static void usage(FILE *f) {
  fprintf(f,
          "usage: dlc-opt [FILE|-] [--PASS ...] [-o OUT] [options]\n"
          "Reads MLIR (qg dialect) text, runs the named passes in order, prints MLIR.\n"
          "  -o FILE             write here instead of stdout (atomically)\n"
          "  --split-input-file  process '// -----' separated chunks independently\n"
          "  --print-generic     print every op in generic form\n"
          "  --print-loc         print locations\n"
          "  --no-verify         skip the qg verifier\n"
          "  --list-passes       list the passes\n"
          "  --help, --version\n");
}

typedef struct {
  char passes[1024];
  unsigned print_flags;
  bool verify;
} Opts;

typedef struct {
  char *b;
  size_t len;
} Out;

static void append(Out *o, const char *s, size_t n) {
  o->b = realloc(o->b, o->len + n + 1);
  memcpy(o->b + o->len, s, n);
  o->len += n;
  o->b[o->len] = 0;
}

/* Parses, verifies, transforms and prints one chunk. */
static bool process(MlirContext ctx, const char *src, size_t n, const Opts *o, Out *out) {
  MlirModule m = mlirModuleCreateParse(ctx, (MlirStringRef){src, n});
  if (mlirModuleIsNull(m)) return false;
  bool ok = !o->verify || dl_verify(mlirModuleGetOperation(m));
  if (ok && o->passes[0]) {
    DlError e = {0};
    ok = dl_run_pipeline(m, o->passes, &e);
    if (!ok) fprintf(stderr, "%s: error: %s\n", prog, e.msg);
    dl_error_clear(&e);
    if (ok && o->verify) ok = dl_verify(mlirModuleGetOperation(m));
  }
  if (ok) {
    size_t len;
    char *s = dl_print_op(mlirModuleGetOperation(m), o->print_flags, &len);
    append(out, s, len);
    free(s);
  }
  mlirModuleDestroy(m);
  return ok;
}

int main(int argc, char **argv) {
  Opts o = {.verify = true};
  const char *in = NULL, *outp = "-";
  bool split = false;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) return usage(stdout), 0;
    if (!strcmp(a, "--version")) return printf("dlc-opt %s\n", DLC_VERSION), 0;
    if (!strcmp(a, "--list-passes")) {
      int n;
      const DlPassInfo *p = dl_pass_list(&n);
      for (int j = 0; j < n; j++) printf("  --%-18s %s\n", p[j].flag, p[j].summary);
      return 0;
    }
    if (!strcmp(a, "-o")) {
      if (++i == argc) return fprintf(stderr, "%s: error: -o needs a file name\n", prog), 1;
      outp = argv[i];
    } else if (!strcmp(a, "--split-input-file")) split = true;
    else if (!strcmp(a, "--print-generic")) o.print_flags |= DL_PRINT_GENERIC;
    else if (!strcmp(a, "--print-loc")) o.print_flags |= DL_PRINT_LOC;
    else if (!strcmp(a, "--no-verify")) o.verify = false;
    else if (!strncmp(a, "--", 2) && dl_pass_lookup(a + 2)) {
      if (strlen(o.passes) + strlen(a) + 2 > sizeof o.passes)
        return fprintf(stderr, "%s: error: too many passes\n", prog), 1;
      if (o.passes[0]) strcat(o.passes, ",");
      strcat(o.passes, a + 2);
    } else if (a[0] == '-' && a[1]) {
      fprintf(stderr, "%s: error: unknown option '%s' (see --help and --list-passes)\n", prog, a);
      return 1;
    } else if (in) {
      fprintf(stderr, "%s: error: more than one input file ('%s' and '%s')\n", prog, in, a);
      return 1;
    } else in = a;
  }
  if (!in) in = "-";

  DlError e = {0};
  char *src;
  size_t len;
  if (!dl_read_file(in, &src, &len, &e)) {
    fprintf(stderr, "%s: error: %s\n", prog, e.msg);
    return 1;
  }
  MlirContext ctx = dl_context_create(&e);
  if (mlirContextIsNull(ctx)) {
    fprintf(stderr, "%s: error: %s\n", prog, e.msg);
    return 2;
  }
  dl_attach_diagnostic_printer(ctx, prog);
  Out out = {0};
  bool ok = true;
  const char *sep = "// -----";
  for (const char *p = src; p;) {
    const char *next = split ? strstr(p, sep) : NULL;
    size_t n = next ? (size_t)(next - p) : strlen(p);
    if (p != src) append(&out, "// -----\n", 9);
    ok &= process(ctx, p, n, &o, &out);
    if (!next) break;
    p = strchr(next, '\n');
    if (p) p++;
  }
  free(src);
  if (ok && !dl_write_file_atomic(outp, out.b ? out.b : "", out.len, &e)) {
    fprintf(stderr, "%s: error: %s\n", prog, e.msg);
    ok = false;
  }
  free(out.b);
  dl_context_destroy(ctx);
  return ok ? 0 : 1;
}
