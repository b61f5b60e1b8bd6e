/* dlc-bench-latency: per-image latency (batch 1, one thread) of the reference
 * interpreter and of the generated C compiled with cc -O2, for bench/zoo-latency.sh.
 * Prints one markdown table row per model (median ms/image, and images/s as its
 * inverse; means go to stderr); both backends see the same images and their outputs
 * are compared, so the timing is of code that computes the right thing. With
 * --quantize CALIB.npy each model is quantized first as `dlc --quantize` does
 * (its default passes, 8-bit, min/max on at most 1,000 samples), so the rows
 * time the integer kernels; models holding ONNX quantization always run with
 * their own, as in dlc. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dlc/cmodel.h"
#include "dlc/plan.h"
#include "dlc/load.h"
#include "dlc/npy.h"
#include "dlc/passes.h"
#include "dlc/pipeline.h"
#include "dlc/quant.h"
#include "dlc/support.h"
#include "dlc/target.h"

static const char *prog = "dlc-bench-latency";

static void usage(FILE *f) {
  fprintf(f, "usage: dlc-bench-latency [options] X.npy MODEL.onnx...\n"
             "X.npy holds float32 [N,1,28,28] images; each model runs them one at a time.\n"
             "  --images N     timed images per backend (default 500)\n"
             "  --warmup N     untimed images first (default 20)\n"
             "  --passes P     dlc passes before planning and emitting (default: none; for\n"
             "                 integer models the ones dlc runs before quantizing)\n"
             "  --cflags F     extra flags for cc after -std=c99 -O2, e.g. \"-O3\"\n"
             "  --quantize C   quantize each model (int8, calibrated on C.npy) before timing\n"
             "  --header       print the table header first\n");
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

typedef struct {
  double median_ms, mean_ms;
} DlLatency;

static DlLatency latency(double *secs, int n) {
  double sum = 0;
  for (int i = 0; i < n; i++) sum += secs[i];
  qsort(secs, (size_t)n, sizeof *secs, cmp_double);
  double med = n % 2 ? secs[n / 2] : 0.5 * (secs[n / 2 - 1] + secs[n / 2]);
  return (DlLatency){1e3 * med, 1e3 * sum / n};
}

/* One model: interpreter, then the generated C, each over the same images. */
static bool bench_model(const char *path, const DlTensor *x, const DlTensor *calib, int warmup, int images,
                        const char *passes, const char *cflags, DlError *e) {
  bool ok = false;
  MlirContext ctx = dl_context_create(e);
  MlirModule m = {NULL};
  DlPlan *plan = NULL;
  DlCModel *cm = NULL;
  void *couts[256] = {0};
  float *ref = NULL;
  double *secs = NULL;
  char dir[4096] = "", c_path[4200] = "", h_path[4200] = "";
  if (mlirContextIsNull(ctx)) return false;
  DlImportOptions opt = {.batch = 1};
  m = dl_load_model(ctx, path, &opt, e);
  if (mlirModuleIsNull(m)) goto cleanup;
  bool qdq = dl_module_has_qdq(m);
  if (!passes && (qdq || calib)) passes = qdq ? DL_PIPELINE_QDQ : DL_PIPELINE_FLOAT;
  if (passes && !dl_run_pipeline(m, passes, e)) goto cleanup;
  const char *kind = "";
  if (qdq) {
    if (!dl_quantize_qdq_module(m, e)) goto cleanup;
    kind = ", int8 (QDQ)";
  } else if (calib) {
    kind = ", int8";
    DlQuantSettings qs = {.wbits = 8, .abits = 8, .calib = {.method = DL_CALIB_MINMAX, .limit = 1000}};
    if (!dl_quantize_module(m, &qs, calib, e)) goto cleanup;
  }
  plan = dl_plan_create(m, e);
  if (!plan) goto cleanup;

  const char *tmp = getenv("TMPDIR");
  snprintf(dir, sizeof dir, "%s/dlc-bench-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (!mkdtemp(dir)) {
    dir[0] = 0;
    dl_error_set(e, "cannot create a temporary directory");
    goto cleanup;
  }
  snprintf(c_path, sizeof c_path, "%s/model.c", dir);
  snprintf(h_path, sizeof h_path, "%s/model.h", dir);
  double t0 = dl_now();
  DlTargetOptions to = {.out_path = c_path, .name = "model", .source = path};
  if (!dl_target_lookup("c")->emit(m, &to, e)) goto cleanup;
  double t1 = dl_now();
  cm = dl_cmodel_load(c_path, "model", cflags, e);
  if (!cm) goto cleanup;
  double t2 = dl_now();

  const DlShape *in = dl_plan_input_shape(plan, 0);
  int64_t per = dl_shape_numel(in);
  if (dl_plan_num_inputs(plan) != 1 || dl_cmodel_num_inputs(cm) != 1 || in->dtype != DL_F32 ||
      in->dims[0] != 1 || per * x->shape.dims[0] != dl_shape_numel(&x->shape)) {
    char s[128];
    dl_error_set(e, "%s: expected one float input of batch 1 matching the images, found %s", path,
                 dl_shape_str(in, s, sizeof s));
    goto cleanup;
  }
  int nout = dl_plan_num_outputs(plan);
  if (nout != dl_cmodel_num_outputs(cm)) {
    dl_error_set(e, "%s: interpreter has %d outputs, generated C %d", path, nout,
                 dl_cmodel_num_outputs(cm));
    goto cleanup;
  }
  int64_t out_numel = 0;
  for (int o = 0; o < nout; o++) {
    const DlShape *s = dl_plan_output_shape(plan, o);
    if (s->dtype != DL_F32 || !dl_shape_equal(s, dl_cmodel_output_shape(cm, o))) {
      dl_error_set(e, "%s: output %d differs in type or shape between the backends", path, o);
      goto cleanup;
    }
    out_numel += dl_shape_numel(s);
    couts[o] = malloc(sizeof(float) * (size_t)dl_shape_numel(s) + 1);
    if (!couts[o]) {
      dl_error_set(e, "out of memory");
      goto cleanup;
    }
  }
  ref = malloc(sizeof(float) * (size_t)(out_numel * images));
  secs = malloc(sizeof(double) * (size_t)images);
  if (!ref || !secs) {
    dl_error_set(e, "out of memory");
    goto cleanup;
  }
  const float *img = x->data;
#define IMAGE(i) ((const void *const[]){img + per * ((i) % x->shape.dims[0])})

  for (int i = 0; i < warmup; i++)
    if (!dl_plan_run(plan, IMAGE(i), e)) goto cleanup;
  for (int i = 0; i < images; i++) {
    double a = dl_now();
    if (!dl_plan_run(plan, IMAGE(warmup + i), e)) goto cleanup;
    secs[i] = dl_now() - a;
    float *dst = ref + out_numel * i;
    for (int o = 0; o < nout; o++) {
      const DlTensor *t = dl_plan_output(plan, o);
      memcpy(dst, t->data, dl_tensor_bytes(t));
      dst += dl_shape_numel(&t->shape);
    }
  }
  DlLatency li = latency(secs, images);

  for (int i = 0; i < warmup; i++)
    if (!dl_cmodel_run(cm, IMAGE(i), couts)) {
      dl_error_set(e, "%s: the compiled model returned an error", path);
      goto cleanup;
    }
  double maxd = 0;
  for (int i = 0; i < images; i++) {
    double a = dl_now();
    if (!dl_cmodel_run(cm, IMAGE(warmup + i), couts)) {
      dl_error_set(e, "%s: the compiled model returned an error", path);
      goto cleanup;
    }
    secs[i] = dl_now() - a;
    const float *r = ref + out_numel * i;
    for (int o = 0; o < nout; o++) {
      int64_t n = dl_shape_numel(dl_cmodel_output_shape(cm, o));
      for (int64_t k = 0; k < n; k++) {
        double d = fabs((double)r[k] - (double)((const float *)couts[o])[k]);
        if (!(d <= maxd)) maxd = isnan(d) ? INFINITY : d;
      }
      r += n;
    }
  }
  DlLatency lc = latency(secs, images);
#undef IMAGE

  const char *base = strrchr(path, '/');
  printf("| %s%s | %.3f | %.0f | %.3f | %.0f | %.1fx | %.3g |\n", base ? base + 1 : path, kind,
         li.median_ms, 1e3 / li.median_ms, lc.median_ms, 1e3 / lc.median_ms,
         li.median_ms / lc.median_ms, maxd);
  fflush(stdout);
  fprintf(stderr,
          "%s: %d images after %d warm-up; mean ms/image interpreter %.3f, C %.3f; emit %.2f s, "
          "cc -O2%s%s %.2f s, arena %zu bytes\n",
          path, images, warmup, li.mean_ms, lc.mean_ms, t1 - t0, cflags ? " " : "",
          cflags ? cflags : "", t2 - t1, dl_cmodel_arena_bytes(cm));
  ok = true;
cleanup:
  for (int o = 0; o < 256; o++) free(couts[o]);
  free(ref);
  free(secs);
  dl_cmodel_destroy(cm);
  if (c_path[0]) unlink(c_path);
  if (h_path[0]) unlink(h_path);
  if (dir[0]) rmdir(dir);
  dl_plan_destroy(plan);
  if (!mlirModuleIsNull(m)) mlirModuleDestroy(m);
  dl_context_destroy(ctx);
  return ok;
}

int main(int argc, char **argv) {
  const char *xpath = NULL, *passes = NULL, *cflags = NULL, *cpath = NULL, *models[256];
  int nmodels = 0, images = 500, warmup = 20;
  bool header = false;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) return usage(stdout), 0;
    if (!strcmp(a, "--header"))
      header = true;
    else if (!strcmp(a, "--images") && v)
      images = atoi(argv[++i]);
    else if (!strcmp(a, "--warmup") && v)
      warmup = atoi(argv[++i]);
    else if (!strcmp(a, "--passes") && v)
      passes = argv[++i];
    else if (!strcmp(a, "--cflags") && v)
      cflags = argv[++i];
    else if (!strcmp(a, "--quantize") && v)
      cpath = argv[++i];
    else if (a[0] == '-')
      return fprintf(stderr, "%s: error: bad option '%s'\n", prog, a), 1;
    else if (!xpath)
      xpath = a;
    else if (nmodels < 256)
      models[nmodels++] = a;
  }
  if (!xpath || !nmodels || images < 1 || warmup < 0) return usage(stderr), 1;

  DlError e = {0};
  DlTensor x = {0}, calib = {0};
  if (!dl_npy_read(xpath, &x, &e) || (cpath && !dl_npy_read(cpath, &calib, &e))) {
    fprintf(stderr, "%s: error: %s\n", prog, e.msg);
    dl_error_clear(&e);
    dl_tensor_free(&x);
    return 1;
  }
  if (x.shape.dtype != DL_F32 || x.shape.rank < 1 || x.shape.dims[0] < 1) {
    fprintf(stderr, "%s: error: %s: expected float32 images [N,...]\n", prog, xpath);
    dl_tensor_free(&x);
    return 1;
  }
  if (header) {
    const char *c = cflags ? cflags : "";
    printf("| model | interpreter ms/image | interpreter images/s | C -O2%s%s ms/image | "
           "C -O2%s%s images/s | speed-up | max abs diff |\n",
           *c ? " " : "", c, *c ? " " : "", c);
    printf("|---|---:|---:|---:|---:|---:|---:|\n");
  }
  int rc = 0;
  for (int i = 0; i < nmodels; i++) {
    if (!bench_model(models[i], &x, cpath ? &calib : NULL, warmup, images, passes, cflags, &e)) {
      fprintf(stderr, "%s: error: %s\n", prog, e.msg ? e.msg : "failed");
      dl_error_clear(&e);
      rc = 1;
    }
  }
  dl_tensor_free(&x);
  dl_tensor_free(&calib);
  return rc;
}
