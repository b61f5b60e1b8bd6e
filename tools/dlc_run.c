/* dlc-run: runs a model on .npy (or TensorProto .pb) inputs with the reference
 * interpreter; writes outputs, prints accuracy against labels and the
 * difference against a reference output. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dlc/cmodel.h"
#include "dlc/support.h"
#include "dlc/plan.h"
#include "dlc/load.h"
#include "dlc/npy.h"
#include "dlc/pool.h"
#include "dlc/target.h"
#include "dlc/version.h"
#include "frontend.h"
#include "options.h"

static const char *prog = "dlc-run";

/* Everything the command line sets. */
typedef struct {
  DlCommonOptions common; /* -o, --help, --version */
  DlFrontOptions front;   /* dlc's import options */
  const char *inputs[256], *labels, *compare, *report, *report_html, *trace;
  const char *target_option[8]; /* each target's own option (DlTarget.run_option) */
  int nin;
  int64_t batch, limit, jobs;
  DlShard shard;                                  /* --shard=I/N */
  const char *merge, *sim_stats_out, *sim_stats; /* --merge, --sim-stats-out, --sim-stats */
  double atol, rtol;
  bool quiet, disasm, allow_nonfinite;
} Args;

#define OFF(f) offsetof(Args, f)

static bool opt_input(const DlOption *o, const char *v, void *s, DlError *e) {
  Args *a = s;
  if (a->nin == 256) return dl_error_set(e, "too many inputs");
  if (!*v) return dl_error_set(e, "%s needs a value", o->name);
  a->inputs[a->nin++] = v;
  return true;
}

static const DlOption run_options[] = {
    {"--input", "FILE", "input tensor (.npy, or an ONNX TensorProto .pb); repeat per input;\nsamples along the first axis, or one sample without it", opt_input},
    {"--labels", "FILE", "int64 labels: prints top-1 accuracy of output 0", dl_opt_str, OFF(labels)},
    {"--compare", "FILE", "reference for output 0: prints max |diff|, fails above tolerance", dl_opt_str, OFF(compare)},
    {"--atol", "X", "absolute tolerance for --compare (default 1e-4)", dl_opt_num, OFF(atol), 0, 1e300, "--compare"},
    {"--rtol", "Y", "relative tolerance for --compare (default 0)", dl_opt_num, OFF(rtol), 0, 1e300, "--compare"},
    {"--batch", "N", "batch size for a dynamic batch dimension (default 64)", dl_opt_i64, OFF(batch), 1, 1e9},
    {"--limit", "N", "use only the first N samples", dl_opt_i64, OFF(limit), 0, 9e18},
    {"--quiet", NULL, "no progress bar", dl_opt_flag, OFF(quiet)},
    {"--jobs", "N", "run batches on N threads (default: one per online core; the outputs,\nthe simulators' summary and reports are the same for any N);\ncompiled C runs on one", dl_opt_i64, OFF(jobs), 1, 4096},
    {"--shard", "I/N", "run only block I of N of the batches (counted from 0, contiguous):\n-o holds those samples' rows, for --merge", dl_opt_shard, OFF(shard)},
    {"--sim-stats-out", "FILE", ".pimbin / .accbin: the run's exact time, energy and byte totals,\nfor --merge --sim-stats", dl_opt_str, OFF(sim_stats_out)},
    {"--merge", "A.npy,..", "runs nothing: writes to -o the rows of these outputs one after\nanother (the shards in order), the bytes of one run", dl_opt_str, OFF(merge)},
    {"--sim-stats", "A,B,..", "with --merge and a .pimbin / .accbin: the shards' --sim-stats-out\nfiles in order; prints the summary and writes --report, --report-html\nof one run", dl_opt_str, OFF(sim_stats), .needs = "--merge"},
    {"--allow-nonfinite", NULL, "run an integer model on inputs with NaN or Inf (a warning with their count);\n"
                                "by default they are an error, since quantizing makes them finite numbers", dl_opt_flag, OFF(allow_nonfinite)},
    {"--report", "FILE", ".pimbin / .accbin: write the simulator's JSON report (time, energy per layer)", dl_opt_str, OFF(report)},
    {"--report-html", "FILE", ".pimbin / .accbin: the same per layer as one HTML page (a table and\nbar charts of time, energy and DRAM bytes)", dl_opt_str, OFF(report_html)},
    {"--trace", "FILE", ".pimbin / .accbin: the run's timeline in simulated time, a track per\nhardware unit (Chrome trace JSON: chrome://tracing, ui.perfetto.dev)", dl_opt_str, OFF(trace)},
    {"--disasm", NULL, ".pimbin / .accbin: print its kernels / layers and instructions, run nothing", dl_opt_flag, OFF(disasm)},
    {NULL},
};
static bool opt_target(const DlOption *o, const char *v, void *s, DlError *e) {
  if (!*v) return dl_error_set(e, "%s needs a value", o->name);
  ((Args *)s)->target_option[o->off] = v;
  return true;
}
static DlOption target_rows[10];
static const DlOptionTable run_tables[] = {{dl_common_options, OFF(common)}, {run_options}, {dl_front_options, OFF(front)},
                                           {target_rows}, {NULL}};
/* The targets' own options: DlTarget.run_option. */
static void target_options(void) {
  int n = 0;
  target_rows[n++] = (DlOption){"targets:"};
  for (int t = 0; dl_target_at(t) && t < 8; t++) {
    const DlTarget *tg = dl_target_at(t);
    if (tg->run_option) target_rows[n++] = (DlOption){tg->run_option, tg->run_option_arg, tg->run_option_help, opt_target, (size_t)t};
  }
}

static void usage(FILE *f) {
  fprintf(f, "usage: dlc-run MODEL(.onnx|.mlir|.c|.pimbin|.accbin) --input X.npy [options]\n"
             "Runs the model over the first axis of the inputs: ONNX and MLIR with the\n"
             "reference interpreter (through dlc's front end: dynamic dimensions other than\n"
             "the first take the input arrays', Q/DQ models run as integer models), .c (from\n"
             "dlc --target=c) compiled with $CC and loaded, .pimbin (dlc --target=pim) on the PIM\n"
             "simulator and .accbin (dlc --target=acc) on the accelerator simulator (both\n"
             "bit-exact, with time and energy). -o FILE writes output 0 (.npy; further\n"
             "outputs to FILE.1.npy, ...). Every option takes its value as --opt=value or\n"
             "--opt value.\n");
  dl_options_help(f, run_tables);
}

/* A whole tensor (stream false), or samples read in order (dl_npy_open). */
static bool read_tensor(const char *path, DlTensor *t, bool stream, DlError *e) {
  size_t n = strlen(path);
  if (n > 3 && !strcmp(path + n - 3, ".pb")) return dl_onnx_read_tensor(path, t, e);
  return stream ? dl_npy_open(path, t, e) : dl_npy_read(path, t, e);
}

/* One way of executing a model: the interpreter or what a target loaded. */
typedef struct {
  DlLoaded l;
  const DlTarget *tg; /* the target that loaded it, or NULL: the interpreter */
  void *outs[256];    /* compiled C: output buffers */
} Runner;

static int r_nin(const Runner *r) { return r->l.plan ? dl_plan_num_inputs(r->l.plan) : dl_cmodel_num_inputs(r->l.cm); }
static int r_nout(const Runner *r) { return r->l.plan ? dl_plan_num_outputs(r->l.plan) : dl_cmodel_num_outputs(r->l.cm); }
static const DlShape *r_in(const Runner *r, int i) {
  return r->l.plan ? dl_plan_input_shape(r->l.plan, i) : dl_cmodel_input_shape(r->l.cm, i);
}
static const DlShape *r_out(const Runner *r, int i) {
  return r->l.plan ? dl_plan_output_shape(r->l.plan, i) : dl_cmodel_output_shape(r->l.cm, i);
}
static const char *r_name(const Runner *r, int i) { return r->l.plan ? dl_plan_input_name(r->l.plan, i) : ""; }
static bool r_run(Runner *r, const void *const *in, DlError *e) {
  if (r->l.plan) return dl_plan_run(r->l.plan, in, e);
  if (!dl_cmodel_run(r->l.cm, in, r->outs)) return dl_error_set(e, "the compiled model returned an error");
  return true;
}
static const void *r_output(const Runner *r, int i) {
  return r->l.plan ? dl_plan_output(r->l.plan, i)->data : r->outs[i];
}

/* Whether the model turns float inputs into integers somewhere, where NaN and
 * Inf become finite numbers: the plan has integer steps, or the target says so. */
static bool quantizes(const Runner *r) {
  for (int s = 0; r->l.plan && s < r->l.plan->nsteps; s++)
    if (r->l.plan->steps[s].q) return true;
  return r->l.integer;
}

/* NaN and Inf in the first `samples` samples of float input t (those that
 * run): their count, and the first one's sample and index; -1 when the file
 * cannot be read. Sample by sample, so a streamed input stays streamed. */
static int64_t nonfinite(const DlTensor *t, int64_t first, int64_t samples, int64_t *sample, int64_t *index, DlError *e) {
  if (!dl_dtype_is_float(t->shape.dtype)) return 0;
  int64_t n = dl_shape_numel(&t->shape), per = t->shape.rank && t->shape.dims[0] ? n / t->shape.dims[0] : n, count = 0;
  if (t->shape.rank && samples < t->shape.dims[0]) n = samples * per;
  void *buf = malloc(dl_dtype_size(t->shape.dtype) * (size_t)(per ? per : 1));
  for (int64_t s = first; per && s < n / per && count >= 0; s++) {
    DlTensor row = {.shape = {t->shape.dtype, 1, {per}}};
    if (!(row.data = (void *)dl_tensor_span(t, s * per, per, buf, e))) count = -1;
    for (int64_t i = 0; count >= 0 && i < per; i++) {
      if (isfinite(dl_tensor_get_f(&row, i))) continue;
      if (!count++) *sample = s, *index = i;
    }
    dl_tensor_evict(t, s * per, (s + 1) * per);
  }
  free(buf);
  return count;
}

#define MAX_JOBS 256

/* The batches of a run, shared by the pool's workers: worker w runs its own
 * plan (runs[w]) on its own staging buffers, and each batch's outputs go to
 * their place in outs, so the bytes do not depend on the worker count. */
typedef struct {
  Runner *runs;
  void **stage; /* [worker * nin + input] */
  const DlTensor *in;
  DlTensor *outs;
  const size_t *per_in;
  int nin, no;
  int64_t B, samples; /* samples: where the run's last batch ends */
  int64_t b0, last_w;  /* the first batch (--shard); the worker that ran the last */
  DlError err[MAX_JOBS];
  bool tty;
  double t0;
} Batches;

static bool run_batch(void *user, int w, int64_t b) {
  Batches *j = user;
  DlError *e = &j->err[w];
  int64_t s0 = (b + j->b0) * j->B, cnt = j->samples - s0 < j->B ? j->samples - s0 : j->B, row = s0 - j->b0 * j->B;
  const void *ptrs[256];
  for (int i = 0; i < j->nin; i++) {
    void *st = j->stage[w * j->nin + i];
    size_t per = j->per_in[i], es = dl_dtype_size(j->in[i].shape.dtype);
    int64_t first = (int64_t)(per / es) * s0, n = (int64_t)(per / es) * cnt;
    const void *x = dl_tensor_span(&j->in[i], first, n, st, e);
    if (!x) return false;
    if (x != st) memcpy(st, x, per * (size_t)cnt);
    memset((char *)st + per * (size_t)cnt, 0, per * (size_t)(j->B - cnt)); /* the last batch, zero-padded */
    dl_tensor_evict(&j->in[i], first, first + n);
    ptrs[i] = st;
  }
  Runner *r = &j->runs[w];
  if (!r_run(r, ptrs, e)) return false;
  for (int o = 0; o < j->no; o++) {
    const DlShape *rs = r_out(r, o);
    const void *rd = r_output(r, o);
    size_t bytes = 0;
    dl_shape_bytes(rs, &bytes); /* allocated before: fits */
    if (j->outs[o].shape.rank && j->outs[o].shape.dims[0] == j->samples - j->b0 * j->B && rs->dims[0] == j->B) {
      size_t per = bytes / (size_t)j->B;
      memcpy((char *)j->outs[o].data + per * (size_t)row, rd, per * (size_t)cnt);
    } else memcpy(j->outs[o].data, rd, bytes);
  }
  if (s0 + cnt == j->samples) j->last_w = w;
  if (j->tty && w == 0) dl_progress("samples", row + cnt, j->samples - j->b0 * j->B, j->t0);
  return true;
}

/* The data_shapes spec of an ONNX model's inputs: "name=dims" of each input array. */
static char *data_shapes(const char *model, const DlTensor *in, int nin) {
  char **names = NULL, *spec = calloc(1, 1);
  DlError e = {0};
  int n = dl_onnx_input_names(model, &names, &e);
  dl_error_clear(&e);
  size_t cap = 1;
  for (int i = 0; i < n; i++) {
    if (i < nin) {
      char dims[DL_MAX_RANK * 21 + 1] = "";
      for (int d = 0; d < in[i].shape.rank; d++)
        snprintf(dims + strlen(dims), sizeof dims - strlen(dims), "%s%lld", d ? "x" : "", (long long)in[i].shape.dims[d]);
      cap += strlen(names[i]) + strlen(dims) + 2;
      spec = realloc(spec, cap);
      snprintf(spec + strlen(spec), cap - strlen(spec), "%s%s=%s", spec[0] ? "," : "", names[i], dims);
    }
    free(names[i]);
  }
  free(names);
  return spec;
}

/* The comma-separated list v split in place into at most max items. */
static int split_list(char *v, const char **items, int max) {
  int n = 0;
  for (char *p = v, *c; p && n < max; p = c) {
    if ((c = strchr(p, ','))) *c++ = 0;
    items[n++] = p;
  }
  return n;
}

/* The rows of the parts one after the other (same dtype and sample shape). */
static bool merge_outputs(const char *const *parts, int n, DlTensor *out, DlError *e) {
  DlTensor t[256] = {{{0}}};
  int64_t rows = 0;
  size_t bytes = 0;
  bool ok = true;
  for (int k = 0; k < n && ok; k++) {
    ok = dl_npy_read(parts[k], &t[k], e);
    if (!ok) break;
    DlShape a = t[k].shape, b = t[0].shape;
    bool same = a.dtype == b.dtype && a.rank == b.rank && a.rank > 0;
    for (int d = 1; same && d < a.rank; d++) same = a.dims[d] == b.dims[d];
    if (!same) {
      char x[128], y[128];
      ok = dl_error_set(e, "--merge: %s has shape %s, %s %s (the parts must differ in their first axis only)", parts[k],
                        dl_shape_str(&a, x, sizeof x), parts[0], dl_shape_str(&b, y, sizeof y));
      break;
    }
    rows += a.dims[0], bytes += dl_tensor_bytes(&t[k]);
  }
  if (ok) {
    DlShape s = t[0].shape;
    s.dims[0] = rows;
    ok = dl_tensor_alloc(out, &s) || dl_error_set(e, "--merge: out of memory");
    size_t at = 0;
    for (int k = 0; k < n && ok; k++) memcpy((char *)out->data + at, t[k].data, dl_tensor_bytes(&t[k])), at += dl_tensor_bytes(&t[k]);
  }
  for (int k = 0; k < n; k++) dl_tensor_free(&t[k]);
  return ok;
}

/* dlc-run --merge: the shards' outputs into -o and, with --sim-stats, the
 * simulator's summary and reports of one run over all their samples. */
static int merge_main(Args *a, const char *model) {
  DlError e = {0};
  char *list = strdup(a->merge), *slist = a->sim_stats ? strdup(a->sim_stats) : NULL;
  const char *parts[256], *stats[256];
  int np = split_list(list, parts, 256), ns = slist ? split_list(slist, stats, 256) : 0;
  DlTensor out = {0};
  DlLoaded l = {0};
  const DlTarget *tg = model ? dl_target_recognize(model) : NULL;
  int64_t samples = 0;
  dl_outputs_begin();
  bool ok = true;
  if (a->nin || a->labels || a->compare || a->shard.n || a->limit >= 0 || a->sim_stats_out || a->trace || a->disasm)
    ok = dl_error_set(&e, "--merge runs nothing: it takes the parts, -o, and --sim-stats with --report or --report-html");
  else if (!a->common.out)
    ok = dl_error_set(&e, "--merge needs -o FILE.npy");
  else if ((a->report || a->report_html) && !a->sim_stats)
    ok = dl_error_set(&e, "--merge: %s needs the shards' --sim-stats", a->report ? "--report" : "--report-html");
  else if (a->sim_stats && (!tg || !tg->stats_merge))
    ok = dl_error_set(&e, "--sim-stats: give the simulator's binary (.pimbin or .accbin) the shards ran%s%s", model ? ", not " : "",
                      model ? model : "");
  ok = ok && merge_outputs(parts, np, &out, &e);
  if (ok && a->sim_stats) {
    DlRunOptions ro = {0};
    for (int t = 0; dl_target_at(t); t++)
      if (dl_target_at(t) == tg) ro.option = a->target_option[t];
    ok = tg->load(model, &ro, &l, &e);
    for (int k = 0; k < ns && ok; k++) ok = tg->stats_merge(&l, stats[k], &samples, &e);
    if (ok && samples != out.shape.dims[0])
      ok = dl_error_set(&e, "--sim-stats: the statistics count %lld samples, the merged outputs %lld rows", (long long)samples,
                        (long long)out.shape.dims[0]);
    DlRunOutputs ro2 = {a->report, a->report_html, NULL};
    if (ok) printf("samples: %lld (merged)\n", (long long)samples);
    ok = ok && tg->finish(&l, samples, &ro2, &e);
  }
  ok = ok && dl_npy_write(a->common.out, &out, &e) && dl_outputs_commit(&e);
  if (!ok) fprintf(stderr, "%s: error: %s\n", prog, e.msg);
  dl_outputs_abort();
  if (tg && l.state) tg->unload(&l);
  dl_tensor_free(&out);
  free(list), free(slist);
  dl_error_clear(&e);
  return ok ? 0 : 1;
}

int main(int argc, char **argv) {
  dl_tool_heap();
  Args args = {.batch = 64, .limit = -1, .atol = 1e-4};
  const char *model = NULL, *pos[2];
  int seen[64] = {0}, npos = 0;
  DlError pe = {0};
  target_options();
  bool parsed = dl_options_parse(run_tables, argc, argv, &args, pos, 2, &npos, seen, &pe);
  if (parsed && (args.common.help || args.common.version)) return args.common.help ? usage(stdout) : (void)printf("dlc-run %s\n", DLC_VERSION), 0;
  if (parsed && npos == 2) parsed = dl_error_set(&pe, "more than one model");
  if (parsed && !npos && !args.merge) return usage(stderr), 1;
  if (!parsed || !dl_options_check(run_tables, seen, &pe)) {
    fprintf(stderr, "%s: error: %s\n", prog, pe.msg);
    return dl_error_clear(&pe), 1;
  }
  if (args.merge) return merge_main(&args, npos ? pos[0] : NULL);
  model = pos[0];
  const char *const *inputs = args.inputs, *labels = args.labels, *compare = args.compare, *out = args.common.out;
  const char *shapes = args.front.input_shapes, *report = args.report, *const *target_option = args.target_option;
  bool disasm = args.disasm, allow_nonfinite = args.allow_nonfinite, quiet = args.quiet;
  int nin = args.nin;
  int64_t batch = args.batch, limit = args.limit;
  double atol = args.atol, rtol = args.rtol;
  int rc = 1;
  DlError e = {0};
  dl_outputs_begin(); /* the report and every -o file appear together at the end, or none */
  DlTensor in[256] = {{{0}}}, lab = {0}, ref = {0}, outs[256] = {{{0}}};
  Runner run = {0}, *runs = NULL;
  DlPool *pool = NULL;
  Batches *jb = NULL;
  int jobs = 1;
  MlirModule m = {NULL};
  MlirContext ctx = {NULL};
  size_t ml = strlen(model);
  run.tg = dl_target_recognize(model);
  const char *sim_opt = report ? "--report" : args.report_html ? "--report-html" : args.trace ? "--trace" : NULL;
  if (!run.tg && sim_opt) { /* said before the run, which would be for nothing */
    dl_error_set(&e, "%s: %s runs in the interpreter, which has no simulator to report on", sim_opt, model);
    goto fail;
  }
  if (shapes && !dl_shape_spec_check(shapes, false, &e)) goto fail;
  if (args.shard.n && (labels || compare)) {
    dl_error_set(&e, "--shard: %s applies to the merged outputs (dlc-run --merge, then compare)", labels ? "--labels" : "--compare");
    goto fail;
  }
  if (args.sim_stats_out && (!run.tg || !run.tg->stats_write)) {
    dl_error_set(&e, "--sim-stats-out: %s runs on no simulator (a .pimbin or .accbin has statistics)", model);
    goto fail;
  }
  if (run.tg && shapes) {
    dl_error_set(&e, "--input-shape fixes the dynamic inputs of an ONNX model; %s has static shapes", model);
    goto fail;
  }
  for (int t = 0; dl_target_at(t); t++) /* a target's own option goes with its binaries */
    if (target_option[t] && dl_target_at(t) != run.tg) {
      dl_error_set(&e, "%s applies to %s's binaries; %s is not one", dl_target_at(t)->run_option, dl_target_at(t)->name, model);
      goto fail;
    }
  if (run.tg) {
    DlRunOptions ro = {.trace = args.trace != NULL};
    for (int t = 0; dl_target_at(t); t++)
      if (dl_target_at(t) == run.tg) ro.option = target_option[t];
    if (!run.tg->load(model, &ro, &run.l, &e)) goto fail;
    if (disasm) {
      if (!run.tg->disasm || !run.tg->disasm(stdout, &run.l)) {
        dl_error_set(&e, "--disasm: %s has nothing to disassemble", model);
        goto fail;
      }
      rc = 0;
      goto done;
    }
    for (int o = 0; run.l.cm && o < dl_cmodel_num_outputs(run.l.cm); o++) {
      size_t bytes;
      if (!dl_shape_bytes(dl_cmodel_output_shape(run.l.cm, o), &bytes) || !(run.outs[o] = malloc(bytes + 1))) {
        dl_error_set(&e, "%s: output %d is too large", model, o);
        goto fail;
      }
    }
  } else {
    ctx = dl_context_create(&e);
    if (mlirContextIsNull(ctx)) goto fail;
    dl_attach_diagnostic_printer(ctx, prog);
    for (int i = 0; i < nin; i++) /* their shapes bind the model's dynamic dimensions */
      if (!read_tensor(inputs[i], &in[i], true, &e)) goto fail;
    bool onnx = ml > 5 && !strcmp(model + ml - 5, ".onnx");
    char *ds = onnx ? data_shapes(model, in, nin) : NULL;
    args.front.batch = batch, args.front.data_shapes = ds;
    m = dl_front_load(ctx, model, &args.front, &e);
    free(ds);
    if (mlirModuleIsNull(m)) goto fail;
    run.l.plan = dl_plan_create(m, &e);
    if (!run.l.plan) goto fail;
  }
  int np = r_nin(&run), no = r_nout(&run);
  if (nin != np) {
    dl_error_set(&e, "the model has %d inputs, %d given with --input", np, nin);
    goto fail;
  }
  int64_t samples = -1, B = 1;
  size_t per_in[256] = {0}; /* bytes per sample of each input */
  for (int i = 0; i < nin; i++) {
    const DlShape *want = r_in(&run, i);
    char ws[128], gs[128];
    size_t wbytes;
    if (!dl_shape_bytes(want, &wbytes) || (want->rank && wbytes == 0)) {
      dl_error_set(&e, "input '%s' has shape %s, which holds no data or is too large", r_name(&run, i),
                   dl_shape_str(want, ws, sizeof ws));
      goto fail;
    }
    if (!in[i].shape.dtype && !read_tensor(inputs[i], &in[i], true, &e)) goto fail;
    /* one sample given without its sample axis */
    if (want->rank >= 2 && in[i].shape.rank == want->rank - 1 && in[i].shape.dtype == want->dtype) {
      bool one = true;
      for (int d = 1; one && d < want->rank; d++) one = in[i].shape.dims[d - 1] == want->dims[d];
      if (one) {
        memmove(in[i].shape.dims + 1, in[i].shape.dims, sizeof(int64_t) * (size_t)in[i].shape.rank);
        in[i].shape.dims[0] = 1, in[i].shape.rank++;
      }
    }
    bool ok = in[i].shape.dtype == want->dtype && in[i].shape.rank == want->rank && want->rank > 0;
    for (int d = 1; ok && d < want->rank; d++) ok = in[i].shape.dims[d] == want->dims[d];
    if (!ok && dl_shape_equal(&in[i].shape, want)) ok = true;
    if (!ok) {
      dl_error_set(&e, "%s: shape %s does not fit input '%s' of shape %s (samples run along the first axis)",
                   inputs[i], dl_shape_str(&in[i].shape, gs, sizeof gs), r_name(&run, i),
                   dl_shape_str(want, ws, sizeof ws));
      goto fail;
    }
    int64_t t = want->rank ? in[i].shape.dims[0] : 1;
    if (t == 0) {
      dl_error_set(&e, "%s: no samples (its first dimension is 0)", inputs[i]);
      goto fail;
    }
    if (samples >= 0 && t != samples) {
      dl_error_set(&e, "inputs disagree on the sample count (%lld vs %lld)", (long long)samples, (long long)t);
      goto fail;
    }
    samples = t;
    B = want->rank ? want->dims[0] : 1;
    per_in[i] = wbytes / (size_t)B;
  }
  int64_t given = samples; /* before --limit */
  if (limit >= 0 && limit < samples) samples = limit;
  /* --shard: batches [b0, b1) of the run; samples then ends the last of them */
  int64_t b0 = 0, nbatch = (samples + B - 1) / B;
  if (args.shard.n) {
    int64_t b1 = nbatch * (args.shard.i + 1) / args.shard.n;
    b0 = nbatch * args.shard.i / args.shard.n;
    if (b1 == b0) {
      dl_error_set(&e, "--shard=%d/%d: no batch to run (%lld batches of %lld samples in %d shards)", args.shard.i, args.shard.n,
                   (long long)nbatch, (long long)B, args.shard.n);
      goto fail;
    }
    if (samples > b1 * B) samples = b1 * B;
    nbatch = b1 - b0;
  }
  int64_t nrun = samples - b0 * B; /* samples this run computes */
  bool integer = quantizes(&run);
  for (int i = 0; i < nin && integer; i++) {
    int64_t at_s = 0, at_i = 0, bad = nonfinite(&in[i], b0 * B, samples, &at_s, &at_i, &e);
    if (bad < 0) goto fail;
    if (!bad) continue;
    char what[512], nm[160];
    if (r_name(&run, i)[0]) snprintf(nm, sizeof nm, "input '%s'", r_name(&run, i));
    else snprintf(nm, sizeof nm, "input %d", i);
    snprintf(what, sizeof what, "%s: %lld NaN or Inf values in %s (the first at sample %lld, element %lld)", inputs[i],
             (long long)bad, nm, (long long)at_s, (long long)at_i);
    if (!allow_nonfinite) {
      dl_error_set(&e, "%s: the integer model would quantize them to finite numbers (--allow-nonfinite runs it anyway)", what);
      goto fail;
    }
    fprintf(stderr, "%s: warning: %s, quantized to finite numbers (--allow-nonfinite)\n", prog, what);
  }
  for (int o = 0; o < no; o++) {
    DlShape s = *r_out(&run, o);
    if (s.rank == 0 || s.dims[0] != B) {
      if (samples != B) {
        dl_error_set(&e, "output %d has no batch axis; give exactly one batch of inputs", o);
        goto fail;
      }
    } else s.dims[0] = nrun;
    if (!dl_tensor_alloc(&outs[o], &s)) {
      dl_error_set(&e, "out of memory");
      goto fail;
    }
  }
  /* workers: the interpreter's plan, or the simulator's load, once per worker, no more than there are batches */
  if (args.jobs > 1 && run.l.cm) {
    dl_error_set(&e, "--jobs: %s runs on one thread (compiled C)", model);
    goto fail;
  }
  if (args.jobs > 1 && args.trace) {
    dl_error_set(&e, "--jobs: --trace draws one simulator's timeline (give --jobs=1)");
    goto fail;
  }
  jobs = run.l.cm || args.trace ? 1 : args.jobs ? (int)args.jobs : dl_pool_cores();
  if (jobs > MAX_JOBS) jobs = MAX_JOBS;
  if (jobs > nbatch) jobs = nbatch > 0 ? (int)nbatch : 1;
  runs = calloc((size_t)jobs, sizeof *runs);
  runs[0] = run;
  for (int w = 1; w < jobs; w++) {
    if (run.tg) {
      DlRunOptions ro = {0};
      for (int t = 0; dl_target_at(t); t++)
        if (dl_target_at(t) == run.tg) ro.option = target_option[t];
      runs[w].tg = run.tg;
      if (run.tg->load_worker ? !run.tg->load_worker(&run.l, &runs[w].l, &e) : !run.tg->load(model, &ro, &runs[w].l, &e))
        goto fail;
    } else if (!(runs[w].l.plan = dl_plan_create(m, &e))) goto fail;
  }
  jb = calloc(1, sizeof *jb);
  *jb = (Batches){runs, calloc((size_t)(jobs * nin) + 1, sizeof(void *)), in, outs, per_in, nin, no, B, samples, b0};
  for (int k = 0; k < jobs * nin; k++)
    if (!(jb->stage[k] = calloc((size_t)B, per_in[k % nin] ? per_in[k % nin] : 1))) {
      dl_error_set(&e, "out of memory");
      goto fail;
    }
  jb->tty = !quiet && isatty(2) && samples > B;
  if (!(pool = dl_pool_create(jobs))) {
    dl_error_set(&e, "cannot start %d threads", jobs);
    goto fail;
  }
  double t0 = jb->t0 = dl_now();
  if (!dl_pool_run(pool, nbatch, run_batch, jb)) {
    for (int w = 0; w < jobs && !e.msg; w++) e.msg = jb->err[w].msg, jb->err[w].msg = NULL;
    goto fail;
  }
  double secs = dl_now() - t0;
  for (int w = 1; run.tg && w < jobs; w++) /* the workers' totals, exact in any order; the last batch's run */
    if (!run.tg->merge(&run.l, &runs[w].l, w == jb->last_w, &e)) goto fail;
  printf("samples: %lld, batch %lld, %.3f s (%.4f ms/sample)\n", (long long)nrun, (long long)B, secs,
         nrun ? 1e3 * secs / (double)nrun : 0.0);
  rc = 0;
  DlRunOutputs ro = {report, args.report_html, args.trace};
  if (run.tg && !run.tg->finish(&run.l, nrun, &ro, &e)) goto fail;
  if (args.sim_stats_out && !run.tg->stats_write(&run.l, nrun, args.sim_stats_out, &e)) goto fail;

  if (labels) {
    if (!dl_npy_read_labels(labels, given, "input sample", &lab, &e)) goto fail;
    const DlTensor *o0 = &outs[0];
    if (o0->shape.dtype != DL_F32 || o0->shape.rank != 2) {
      dl_error_set(&e, "--labels needs a float [samples, classes] output 0");
      goto fail;
    }
    int64_t classes = o0->shape.dims[1], correct = 0;
    for (int64_t s = 0; s < samples; s++) {
      const float *row = (const float *)o0->data + s * classes;
      int64_t best = 0;
      for (int64_t c = 1; c < classes; c++)
        if (row[c] > row[best]) best = c;
      correct += best == dl_tensor_get_i(&lab, s);
    }
    printf("accuracy: %.2f%% (%lld/%lld)\n", 100.0 * (double)correct / (double)samples, (long long)correct,
           (long long)samples);
  }
  if (compare) {
    if (!read_tensor(compare, &ref, false, &e)) goto fail;
    int64_t n = dl_shape_numel(&outs[0].shape), bad = 0;
    if (dl_shape_numel(&ref.shape) < n || ref.shape.dtype != outs[0].shape.dtype) {
      dl_error_set(&e, "%s: reference has a different type or fewer elements than output 0", compare);
      goto fail;
    }
    double maxd = 0;
    for (int64_t i = 0; i < n; i++) {
      double a = dl_tensor_get_f(&outs[0], i), b = dl_tensor_get_f(&ref, i), d = fabs(a - b);
      if (isnan(a) && isnan(b)) continue;
      if (d > maxd || isnan(d)) maxd = isnan(d) ? INFINITY : d;
      if (!(d <= atol + rtol * fabs(b))) bad++;
    }
    printf("compare: max |diff| %.3g, %lld of %lld elements outside atol %.3g rtol %.3g\n", maxd,
           (long long)bad, (long long)n, atol, rtol);
    if (bad) rc = 1;
  }
  if (out) {
    for (int o = 0; o < no && rc == 0; o++) {
      char path[4096];
      if (o == 0) snprintf(path, sizeof path, "%s", out);
      else snprintf(path, sizeof path, "%s.%d.npy", out, o);
      if (!dl_npy_write(path, &outs[o], &e)) goto fail;
    }
  }
  if (rc == 0 && !dl_outputs_commit(&e)) goto fail;
  goto done;
fail:
  fprintf(stderr, "%s: error: %s\n", prog, e.msg ? e.msg : "failed");
  rc = 1;
done:
  dl_outputs_abort();
  for (int i = 0; i < 256; i++) dl_tensor_free(&in[i]), dl_tensor_free(&outs[i]);
  dl_pool_destroy(pool);
  for (int k = 0; jb && k < jobs * nin; k++) free(jb->stage[k]);
  for (int w = 0; jb && w < jobs; w++) dl_error_clear(&jb->err[w]);
  if (jb) free(jb->stage);
  free(jb);
  for (int w = 1; runs && w < jobs; w++)
    if (runs[w].tg) runs[w].tg->unload(&runs[w].l);
    else dl_plan_destroy(runs[w].l.plan);
  free(runs);
  dl_tensor_free(&lab);
  dl_tensor_free(&ref);
  if (run.tg) run.tg->unload(&run.l);
  else dl_plan_destroy(run.l.plan);
  for (int o = 0; o < 256; o++) free(run.outs[o]);
  if (!mlirModuleIsNull(m)) mlirModuleDestroy(m);
  if (!mlirContextIsNull(ctx)) dl_context_destroy(ctx);
  dl_error_clear(&e);
  return rc;
}
