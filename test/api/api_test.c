/* libdlc through its public header only: what the tests in test/api/ drive.
 *
 *   dlc-api-test version
 *   dlc-api-test compile MODEL SAMPLES QOPTS DIR NAME
 *       import, DLC_PIPELINE_FLOAT, quantize on SAMPLES (an .npy path, or
 *       raw:FILE:NxCxHxW float32 given as a buffer), print DIR/NAME.mlir,
 *       emit C into DIR, and emit it to memory too (the same bytes, checked);
 *       warnings on stdout; QOPTS "float": the model as imported, C at once
 *   dlc-api-test errors MODEL
 *       each mistake: its status and message; the context still works after */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlc/dlc.h"

static void on_warning(const char *msg, void *user) {
  ++*(int *)user;
  printf("warning: %s\n", msg);
}

static int fail(dlc_context *ctx, dlc_status st, const char *what) {
  fprintf(stderr, "%s failed (status %d): %s\n", what, (int)st, dlc_last_error(ctx));
  return st == DLC_OK ? 3 : (int)st;
}

static char *read_all(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *b = malloc((size_t)n + 1);
  *len = fread(b, 1, (size_t)n, f);
  fclose(f);
  return b;
}

/* raw:FILE:AxBxC: the samples as a float buffer and its shape. */
static dlc_status quantize_raw(dlc_module *m, const char *qopts, const char *spec) {
  char file[1024];
  const char *colon = strrchr(spec + 4, ':');
  snprintf(file, sizeof file, "%.*s", (int)(colon - (spec + 4)), spec + 4);
  int64_t shape[8];
  int rank = 0;
  for (const char *p = colon + 1; *p && rank < 8; p += *p == 'x') shape[rank++] = strtoll(p, (char **)&p, 10);
  size_t len;
  float *data = (float *)read_all(file, &len);
  dlc_status st = dlc_module_quantize_data(m, qopts, data, shape, rank);
  free(data);
  return st;
}

static int compile(int argc, char **argv) {
  if (argc != 7) return fprintf(stderr, "usage: compile MODEL SAMPLES QOPTS DIR NAME\n"), 2;
  const char *model = argv[2], *samples = argv[3], *qopts = argv[4], *dir = argv[5], *name = argv[6];
  dlc_context *ctx;
  dlc_module *m = NULL;
  int warnings = 0, rc = 0;
  dlc_status st = dlc_context_create(&ctx);
  if (st) return fail(ctx, st, "context");
  dlc_set_warning_handler(ctx, on_warning, &warnings);
  char opts[256], path[1024];
  snprintf(opts, sizeof opts, "name=%s", name);
  bool quantized = strcmp(qopts, "float") != 0; /* "float": as imported, no pass */
  if ((st = dlc_module_import(ctx, model, NULL, &m))) rc = fail(ctx, st, "import");
  else if (quantized && (st = dlc_module_run_passes(m, DLC_PIPELINE_FLOAT))) rc = fail(ctx, st, "passes");
  else if (quantized &&
           (st = strncmp(samples, "raw:", 4) ? dlc_module_quantize(m, qopts, samples) : quantize_raw(m, qopts, samples)))
    rc = fail(ctx, st, "quantize");
  else if ((st = dlc_module_emit(m, "c", opts, dir))) rc = fail(ctx, st, "emit");
  if (!rc) {
    char *text;
    size_t len;
    if ((st = dlc_module_print(m, &text, &len))) return fail(ctx, st, "print");
    snprintf(path, sizeof path, "%s/%s.mlir", dir, name);
    FILE *f = fopen(path, "wb");
    fwrite(text, 1, len, f);
    fclose(f);
    dlc_free(text);
  }
  dlc_file *files = NULL;
  int n = 0;
  if (!rc && (st = dlc_module_emit_memory(m, "c", opts, &files, &n))) rc = fail(ctx, st, "emit_memory");
  for (int i = 0; i < n; i++) { /* the bytes dlc_module_emit wrote */
    size_t len;
    snprintf(path, sizeof path, "%s/%s", dir, files[i].name);
    char *disk = read_all(path, &len);
    bool same = disk && len == files[i].size && !memcmp(disk, files[i].data, len);
    printf("memory: %s %s\n", files[i].name, same ? "same as the file" : "DIFFERS from the file");
    rc |= same ? 0 : 4;
    free(disk);
  }
  dlc_free(files);
  printf("warnings: %d\n", warnings);
  dlc_module_destroy(m);
  dlc_context_destroy(ctx);
  return rc;
}

static void report(dlc_context *ctx, const char *what, dlc_status st) {
  printf("%s: status %d: %s\n", what, (int)st, dlc_last_error(ctx));
}

static int errors(int argc, char **argv) {
  if (argc != 3) return fprintf(stderr, "usage: errors MODEL\n"), 2;
  dlc_context *ctx;
  dlc_module *m = NULL, *bad = NULL;
  dlc_status st = dlc_context_create(&ctx);
  if (st) return fail(ctx, st, "context");
  report(ctx, "missing", dlc_module_import(ctx, "no/such/model.onnx", NULL, &bad));
  report(ctx, "import-option", dlc_module_import(ctx, argv[2], "batch=0", &bad));
  report(ctx, "parse", dlc_module_parse(ctx, "func.func @main( {", 0, &bad));
  printf("null module after failures: %s\n", bad ? "no" : "yes");
  if ((st = dlc_module_import(ctx, argv[2], NULL, &m))) return fail(ctx, st, "import");
  report(ctx, "import", st);
  report(ctx, "pipeline", dlc_module_run_passes(m, "fold-bn,no-such-pass"));
  report(ctx, "pipeline-syntax", dlc_module_run_passes(m, "fold-bn,,cse"));
  report(ctx, "pass-option", dlc_module_run_passes(m, "quantize{wbits=1}"));
  report(ctx, "pass-unknown-option", dlc_module_run_passes(m, "quantize{bits=4}"));
  report(ctx, "quantize-option", dlc_module_quantize(m, "wbits=4 calib_method=median", "x.npy"));
  report(ctx, "quantize-bias-correct", dlc_module_quantize(m, "bias_correct=maybe", "x.npy"));
  report(ctx, "quantize-missing-samples", dlc_module_quantize(m, "wbits=4", "no/such/calib.npy"));
  float x[10] = {0};
  int64_t shape[2] = {1, 10};
  report(ctx, "quantize-shape", dlc_module_quantize_data(m, NULL, x, shape, 2));
  report(ctx, "target", dlc_module_emit(m, "fpga", NULL, "."));
  report(ctx, "emit-option", dlc_module_emit(m, "c", "name=a/b", "."));
  report(ctx, "emit-threads", dlc_module_emit(m, "c", "threads=2", "."));
  report(ctx, "emit-threads-ok", dlc_module_emit(m, "c", "name=thr threads=1", "."));
  report(ctx, "emit-folder", dlc_module_emit(m, "c", NULL, "no/such/folder"));
  report(ctx, "pim-float", dlc_module_emit(m, "pim", NULL, "."));
  report(ctx, "passes-after", dlc_module_run_passes(m, "fold-bn"));
  dlc_context_destroy(ctx); /* before its module: the module keeps it */
  dlc_module_destroy(m);
  printf("destroyed: context, then module\n");
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 2 && !strcmp(argv[1], "version"))
    return printf("%s %s\n", dlc_version(), strcmp(dlc_version(), DLC_VERSION) ? "differs from the header" : "as the header"), 0;
  if (argc >= 2 && !strcmp(argv[1], "compile")) return compile(argc, argv);
  if (argc >= 2 && !strcmp(argv[1], "errors")) return errors(argc, argv);
  fprintf(stderr, "usage: dlc-api-test version|compile|errors ...\n");
  return 2;
}
