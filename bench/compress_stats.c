/* dlc-bench-compress: lossless activation compression of a quantized model,
 * per tensor and scheme, measured on real samples.
 *   dlc-bench-compress MODEL.onnx CALIB.npy DATA.npy [--limit N] [--block B] [--sub S] [--abits N]
 *                      [--k K --labels LABELS.npy]   (K-lossy activations and the accuracy they give)
 * Quantizes MODEL (8-bit per-channel weights, 8-bit activations by default,
 * min/max calibration on CALIB), runs the integer interpreter over DATA and
 * prints a markdown table: for each activation the fraction of zeros and the
 * ratio raw / compressed (mean over samples, and for the worst sample) per
 * scheme; the last row is all activations together. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlc/compress.h"
#include "dlc/load.h"
#include "dlc/npy.h"
#include "dlc/passes.h"
#include "dlc/pipeline.h"
#include "dlc/quant.h"

int main(int argc, char **argv) {
  if (argc < 4) return fprintf(stderr, "usage: dlc-bench-compress MODEL.onnx CALIB.npy DATA.npy [--limit N] [--block B] [--sub S] [--abits N]\n"), 1;
  int64_t limit = 0;
  int block = 256, sub = 16, k = 0;
  const char *labels_path = NULL;
  DlQuantSettings qs = {.wbits = 8, .abits = 8, .calib = {.method = DL_CALIB_MINMAX, .limit = 1000}};
  for (int i = 4; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--limit")) limit = atoll(argv[i + 1]);
    else if (!strcmp(argv[i], "--block")) block = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--sub")) sub = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--abits")) qs.abits = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--k")) k = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--labels")) labels_path = argv[i + 1];
    else return fprintf(stderr, "dlc-bench-compress: unknown option '%s'\n", argv[i]), 1;
  }
  DlError e = {0};
  MlirContext ctx = dl_context_create(&e);
  DlImportOptions opt = {0};
  DlTensor calib = {0}, data = {0}, labels = {0};
  DlCompressionStats s = {0};
  MlirModule m = dl_load_model(ctx, argv[1], &opt, &e);
  bool ok = !mlirModuleIsNull(m) && dl_run_pipeline(m, DL_PIPELINE_FLOAT, &e) &&
            dl_npy_read(argv[2], &calib, &e) && dl_quantize_module(m, &qs, &calib, &e) &&
            dl_npy_read(argv[3], &data, &e) && (!labels_path || dl_npy_read(labels_path, &labels, &e)) &&
            dl_compress_analyze(m, &data, labels_path ? &labels : NULL, limit, block, sub, k, &s, &e);
  if (!ok) {
    fprintf(stderr, "dlc-bench-compress: %s\n", e.msg);
    return 1;
  }
  printf("| tensor | elements | zeros | entropy bits |");
  for (int k = 1; k < DL_SCHEME_COUNT; k++) printf(" %s mean | %s worst |", dl_scheme_name(k), dl_scheme_name(k));
  printf("\n|---|---|---|---|");
  for (int k = 1; k < DL_SCHEME_COUNT; k++) printf("---|---|");
  printf("\n");
  double raw = 0, tot[DL_SCHEME_COUNT] = {0}, worst[DL_SCHEME_COUNT] = {0}, wraw = 0, zeros = 0;
  for (int i = 0; i < s.nt; i++) {
    const DlTensorCompression *t = &s.t[i];
    double r = (double)t->n * t->es * (double)s.samples;
    double ent = 0, cnt = 0;
    for (int v = 0; v < 256; v++) cnt += t->hist[v];
    for (int v = 0; v < 256; v++)
      if (t->hist[v] > 0) ent -= t->hist[v] / cnt * log2(t->hist[v] / cnt);
    printf("| %s | %lld | %.1f%% | %.2f |", t->name, (long long)t->n, 100 * t->zeros, ent);
    for (int k = 1; k < DL_SCHEME_COUNT; k++)
      printf(" %.2fx | %.2fx |", r / t->bytes[k], (double)t->n * t->es / t->worst[k]);
    printf("\n");
    raw += r, wraw += (double)t->n * t->es, zeros += t->zeros * (double)t->n;
    for (int k = 0; k < DL_SCHEME_COUNT; k++) tot[k] += t->bytes[k], worst[k] += t->worst[k];
  }
  printf("| all (%lld samples) | %lld | %.1f%% | |", (long long)s.samples, (long long)wraw, 100 * zeros / wraw);
  for (int k = 1; k < DL_SCHEME_COUNT; k++) printf(" **%.2fx** | %.2fx |", raw / tot[k], wraw / worst[k]);
  printf("\n");
  if (labels_path) printf("\nK = %d: top-1 accuracy %.2f%% (%lld/%lld)\n", k, 100.0 * (double)s.correct / (double)s.samples, (long long)s.correct, (long long)s.samples);
  dl_compression_stats_free(&s);
  dl_tensor_free(&calib), dl_tensor_free(&data), dl_tensor_free(&labels);
  mlirModuleDestroy(m);
  dl_context_destroy(ctx);
  return 0;
}
