/* dlc-conformance: runs ONNX backend tests (model.onnx + test_data_set_N/)
 * through the interpreter and the C target, compares with the stored
 * outputs, checks the expected-failure list and writes a Markdown table. */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dlc/cmodel.h"
#include "dlc/plan.h"
#include "dlc/load.h"
#include "dlc/support.h"
#include "dlc/target.h"

static const char *prog = "dlc-conformance";

enum { ST_PASS, ST_FAIL, ST_UNSUP, ST_SKIP };
static const char *st_name[] = {"pass", "fail", "unsupported", "-"};

typedef struct {
  char name[256], suite[64];
  int st[2]; /* interp, c */
  char why[2][200];
} Result;

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int list_dir(const char *dir, const char *prefix, char ***out) {
  DIR *d = opendir(dir);
  if (!d) return 0;
  int n = 0, cap = 0;
  char **v = NULL;
  for (struct dirent *de; (de = readdir(d));) {
    if (strncmp(de->d_name, prefix, strlen(prefix))) continue;
    if (n == cap) v = realloc(v, sizeof(char *) * (size_t)(cap = cap ? cap * 2 : 16));
    v[n++] = strdup(de->d_name);
  }
  closedir(d);
  qsort(v, (size_t)n, sizeof(char *), cmp_str);
  *out = v;
  return n;
}

static void free_list(char **v, int n) {
  for (int i = 0; i < n; i++) free(v[i]);
  free(v);
}

/* input_10.pb sorts before input_2.pb as text: order by number */
static int pb_index(const char *s) {
  const char *u = strchr(s, '_');
  return u ? atoi(u + 1) : 0;
}
static int cmp_pb(const void *a, const void *b) { return pb_index(*(char *const *)a) - pb_index(*(char *const *)b); }

typedef struct {
  DlTensor in[64], out[64];
  int nin, nout;
} DataSet;

static bool load_set(const char *dir, DataSet *ds, DlError *e) {
  char **f;
  int n = list_dir(dir, "", &f);
  qsort(f, (size_t)n, sizeof(char *), cmp_pb);
  bool ok = true;
  memset(ds, 0, sizeof *ds);
  for (int i = 0; i < n && ok; i++) {
    bool in = !strncmp(f[i], "input_", 6), out = !strncmp(f[i], "output_", 7);
    if (!in && !out) continue;
    char p[4096];
    snprintf(p, sizeof p, "%s/%s", dir, f[i]);
    DlTensor *t = in ? &ds->in[ds->nin] : &ds->out[ds->nout];
    if ((in ? ds->nin : ds->nout) >= 64) ok = dl_error_set(e, "too many tensors");
    else if ((ok = dl_onnx_read_tensor(p, t, e))) (in ? ds->nin++ : ds->nout++);
  }
  free_list(f, n);
  return ok;
}

static void free_set(DataSet *ds) {
  for (int i = 0; i < ds->nin; i++) dl_tensor_free(&ds->in[i]);
  for (int i = 0; i < ds->nout; i++) dl_tensor_free(&ds->out[i]);
}

static bool close_enough(const DlShape *gs, const void *got, const DlTensor *want, char *why, size_t n) {
  char a[128], b[128];
  if (!dl_shape_equal(gs, &want->shape)) {
    snprintf(why, n, "shape %s, expected %s", dl_shape_str(gs, a, sizeof a), dl_shape_str(&want->shape, b, sizeof b));
    return false;
  }
  DlTensor g = {.shape = *gs, .data = (void *)got};
  int64_t cnt = dl_shape_numel(gs);
  bool fl = dl_dtype_is_float(gs->dtype);
  for (int64_t i = 0; i < cnt; i++) {
    if (fl) {
      double x = dl_tensor_get_f(&g, i), y = dl_tensor_get_f(want, i);
      if (isnan(x) && isnan(y)) continue;
      if (isinf(y) && x == y) continue;
      if (!(fabs(x - y) <= 1e-4 + 1e-3 * fabs(y))) {
        snprintf(why, n, "element %lld is %.7g, expected %.7g", (long long)i, x, y);
        return false;
      }
    } else if (dl_tensor_get_i(&g, i) != dl_tensor_get_i(want, i)) {
      snprintf(why, n, "element %lld is %lld, expected %lld", (long long)i, (long long)dl_tensor_get_i(&g, i),
               (long long)dl_tensor_get_i(want, i));
      return false;
    }
  }
  return true;
}

static void one_line(char *s) {
  for (; *s; s++)
    if (*s == '\n' || *s == '|') *s = ' ';
}

/* Runs every data set through the plan (interp) and, if wanted, the C target. */
static void run_test(MlirContext ctx, const char *dir, Result *r, bool want_c, const char *tmpdir) {
  char **sets, **names = NULL;
  int nsets = list_dir(dir, "test_data_set_", &sets), nnames = 0;
  DataSet ds[16];
  int nds = 0;
  DlError e = {0};
  char model[4096], shapes[4096] = "";
  bool bound[64] = {0};
  const char *bnames[64];
  DlTensor bvals[64];
  int nb = 0, level = 0; /* bind nothing, then integer inputs, then everything */
  MlirModule m = {NULL};
  DlPlan *p = NULL;
  snprintf(model, sizeof model, "%s/model.onnx", dir);
  r->st[0] = r->st[1] = ST_UNSUP;
  r->why[0][0] = r->why[1][0] = 0;
  if (!want_c) r->st[1] = ST_SKIP;
  for (int i = 0; i < nsets && nds < 16; i++) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, sets[i]);
    if (!load_set(path, &ds[nds], &e)) {
      snprintf(r->why[0], sizeof r->why[0], "test data: %s", e.msg);
      free_set(&ds[nds]);
      goto done;
    }
    nds++;
  }
  nnames = dl_onnx_input_names(model, &names, &e);
  if (!nds || nnames != ds[0].nin) {
    snprintf(r->why[0], sizeof r->why[0], "%s", nds ? (e.msg ? e.msg : "input count differs from the test data") : "no test data");
    goto done;
  }
  for (;;) {
    /* the stored inputs fix every dynamic dimension */
    size_t off = 0;
    shapes[0] = 0;
    for (int i = 0; i < nnames; i++) {
      if (bound[i]) continue;
      char s[160];
      dl_shape_str(&ds[0].in[i].shape, s, sizeof s);
      char *x = strrchr(s, 'x');
      if (ds[0].in[i].shape.rank == 0) continue;
      *x = 0;
      off += (size_t)snprintf(shapes + off, sizeof shapes - off, "%s%s=%s", off ? "," : "", names[i], s);
    }
    DlImportOptions opt = {.input_shapes = shapes[0] ? shapes : NULL, .nbind = nb, .bind_names = bnames, .bind_values = bvals};
    m = dl_load_model(ctx, model, &opt, &e);
    p = mlirModuleIsNull(m) ? NULL : dl_plan_create(m, &e);
    if (p || !e.msg || !strstr(e.msg, "must be a compile-time constant") || level == 2 || nds > 1) break;
    /* shape-like inputs fed as data: a static compiler takes them as constants */
    level++;
    nb = 0;
    for (int i = 0; i < nnames; i++)
      if (level == 2 || !dl_dtype_is_float(ds[0].in[i].shape.dtype)) {
        bound[i] = true;
        bnames[nb] = names[i];
        bvals[nb++] = ds[0].in[i];
      }
    dl_error_clear(&e);
    if (!mlirModuleIsNull(m)) mlirModuleDestroy(m);
    m = (MlirModule){NULL};
  }
  if (!p) {
    snprintf(r->why[0], sizeof r->why[0], "%s", e.msg ? e.msg : "?");
    snprintf(r->why[1], sizeof r->why[1], "%s", r->why[0]);
    goto done;
  }
  bool fits = dl_plan_num_inputs(p) == ds[0].nin - nb && dl_plan_num_outputs(p) == ds[0].nout;
  for (int i = 0, j = 0; fits && i < ds[0].nin; i++)
    if (!bound[i]) fits = dl_shape_equal(dl_plan_input_shape(p, j++), &ds[0].in[i].shape);
  if (!fits) {
    snprintf(r->why[0], sizeof r->why[0], "model inputs/outputs do not match the test data");
    snprintf(r->why[1], sizeof r->why[1], "%s", r->why[0]);
    goto done;
  }
  const char *note = nb ? " (inputs bound as constants)" : "";
  r->st[0] = ST_PASS;
  for (int k = 0; k < nds && r->st[0] == ST_PASS; k++) {
    const void *in[64];
    for (int i = 0, j = 0; i < ds[k].nin; i++)
      if (!bound[i]) in[j++] = ds[k].in[i].data;
    if (!dl_plan_run(p, in, &e)) {
      r->st[0] = ST_FAIL;
      snprintf(r->why[0], sizeof r->why[0], "%s", e.msg);
      break;
    }
    for (int o = 0; o < ds[k].nout && r->st[0] == ST_PASS; o++)
      if (!close_enough(dl_plan_output_shape(p, o), dl_plan_output(p, o)->data, &ds[k].out[o], r->why[0], sizeof r->why[0]))
        r->st[0] = ST_FAIL;
  }
  if (r->st[0] == ST_PASS) snprintf(r->why[0], sizeof r->why[0], "%s", note + (note[0] ? 1 : 0));
  if (want_c) {
    char cpath[4096];
    snprintf(cpath, sizeof cpath, "%s/model.c", tmpdir);
    DlTargetOptions to = {.out_path = cpath, .name = "model", .source = "conformance"};
    DlCModel *cm = NULL;
    dl_error_clear(&e);
    if (!dl_target_lookup("c")->emit(m, &to, &e) || !(cm = dl_cmodel_load(cpath, "model", NULL, &e))) {
      snprintf(r->why[1], sizeof r->why[1], "%s", e.msg ? e.msg : "?");
    } else {
      r->st[1] = ST_PASS;
      void *outs[64] = {NULL};
      for (int o = 0; o < dl_cmodel_num_outputs(cm) && r->st[1] == ST_PASS; o++) {
        size_t bytes;
        if (!dl_shape_bytes(dl_cmodel_output_shape(cm, o), &bytes) || !(outs[o] = malloc(bytes + 1))) {
          r->st[1] = ST_FAIL;
          snprintf(r->why[1], sizeof r->why[1], "output %d is too large", o);
        }
      }
      for (int k = 0; k < nds && r->st[1] == ST_PASS; k++) {
        const void *in[64];
        for (int i = 0, j = 0; i < ds[k].nin; i++)
          if (!bound[i]) in[j++] = ds[k].in[i].data;
        if (!dl_cmodel_run(cm, in, outs)) {
          r->st[1] = ST_FAIL;
          snprintf(r->why[1], sizeof r->why[1], "the compiled model returned an error");
        }
        for (int o = 0; o < ds[k].nout && r->st[1] == ST_PASS; o++)
          if (!close_enough(dl_cmodel_output_shape(cm, o), outs[o], &ds[k].out[o], r->why[1], sizeof r->why[1]))
            r->st[1] = ST_FAIL;
      }
      for (int o = 0; o < dl_cmodel_num_outputs(cm); o++) free(outs[o]);
      dl_cmodel_destroy(cm);
    }
    unlink(cpath);
    snprintf(cpath, sizeof cpath, "%s/model.h", tmpdir);
    unlink(cpath);
  }
done:
  dl_error_clear(&e);
  dl_plan_destroy(p);
  if (!mlirModuleIsNull(m)) mlirModuleDestroy(m);
  for (int i = 0; i < nds; i++) free_set(&ds[i]);
  free_list(sets, nsets);
  if (names) free_list(names, nnames > 0 ? nnames : 0);
  one_line(r->why[0]);
  one_line(r->why[1]);
}

static void usage(FILE *f) {
  fprintf(f,
          "usage: dlc-conformance [options] SUITE_DIR...\n"
          "Runs every test directory (model.onnx + test_data_set_N) under each SUITE_DIR.\n"
          "  --no-c            interpreter only\n"
          "  --xfail FILE      expected failures, lines 'interp|c TEST'; fails on any\n"
          "                    unexpected failure and on any expected failure that passes\n"
          "  --markdown FILE   write the results table\n"
          "  --write-xfail FILE  write the current failures as an expected-failure list\n"
          "  --filter STR      only tests whose name contains STR\n");
}

int main(int argc, char **argv) {
  const char *xfail = NULL, *md = NULL, *filter = NULL, *write_xfail = NULL, *suites[16];
  int nsuites = 0;
  bool want_c = true;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--help")) return usage(stdout), 0;
    else if (!strcmp(argv[i], "--no-c")) want_c = false;
    else if (!strcmp(argv[i], "--xfail") && i + 1 < argc) xfail = argv[++i];
    else if (!strcmp(argv[i], "--markdown") && i + 1 < argc) md = argv[++i];
    else if (!strcmp(argv[i], "--filter") && i + 1 < argc) filter = argv[++i];
    else if (!strcmp(argv[i], "--write-xfail") && i + 1 < argc) write_xfail = argv[++i];
    else if (argv[i][0] == '-') return fprintf(stderr, "%s: error: unknown option '%s'\n", prog, argv[i]), 1;
    else if (nsuites < 16) suites[nsuites++] = argv[i];
  }
  if (!nsuites) return usage(stderr), 1;
  DlError e = {0};
  MlirContext ctx = dl_context_create(&e);
  if (mlirContextIsNull(ctx)) return fprintf(stderr, "%s: error: %s\n", prog, e.msg), 2;
  /* diagnostics of rejected models are expected here; keep them off the terminal */
  mlirContextAttachDiagnosticHandler(ctx, NULL, NULL, NULL);
  char tmpdir[] = "/tmp/dlc-conf-XXXXXX";
  if (!mkdtemp(tmpdir)) return fprintf(stderr, "%s: error: no temporary directory\n", prog), 2;
  Result *res = NULL;
  int nres = 0;
  for (int s = 0; s < nsuites; s++) {
    char **tests;
    int n = list_dir(suites[s], "test_", &tests);
    const char *sn = strrchr(suites[s], '/');
    sn = sn && sn[1] ? sn + 1 : suites[s];
    for (int t = 0; t < n; t++) {
      if (filter && !strstr(tests[t], filter)) continue;
      char dir[4096];
      snprintf(dir, sizeof dir, "%s/%s", suites[s], tests[t]);
      struct stat st;
      char mp[4200];
      snprintf(mp, sizeof mp, "%s/model.onnx", dir);
      if (stat(mp, &st)) continue;
      res = realloc(res, sizeof(Result) * (size_t)(nres + 1));
      Result *r = &res[nres++];
      snprintf(r->name, sizeof r->name, "%s", tests[t]);
      snprintf(r->suite, sizeof r->suite, "%s", sn);
      run_test(ctx, dir, r, want_c, tmpdir);
    }
    free_list(tests, n);
  }
  rmdir(tmpdir);
  int tot[2][4] = {{0}};
  for (int i = 0; i < nres; i++)
    for (int b = 0; b < 2; b++) tot[b][res[i].st[b]]++;
  int unexpected = 0;
  if (xfail) {
    char *txt;
    size_t len;
    if (!dl_read_file(xfail, &txt, &len, &e)) return fprintf(stderr, "%s: error: %s\n", prog, e.msg), 1;
    for (int i = 0; i < nres; i++)
      for (int b = 0; b < 2; b++) {
        if (res[i].st[b] == ST_SKIP) continue;
        char key[300];
        snprintf(key, sizeof key, "%s %s\n", b ? "c" : "interp", res[i].name);
        bool listed = false;
        for (char *p = txt; (p = strstr(p, key)); p++)
          if (p == txt || p[-1] == '\n') listed = true;
        if (res[i].st[b] == ST_PASS && listed) {
          printf("UNEXPECTED PASS: %s %s (remove it from %s)\n", b ? "c" : "interp", res[i].name, xfail);
          unexpected++;
        } else if (res[i].st[b] != ST_PASS && !listed) {
          printf("UNEXPECTED FAIL: %s %s: %s: %s\n", b ? "c" : "interp", res[i].name, st_name[res[i].st[b]], res[i].why[b]);
          unexpected++;
        }
      }
    free(txt);
  }
  if (md) {
    DlBuf b = {0};
    dl_buf_printf(&b, "# ONNX conformance\n\nGenerated by `dlc-conformance` (do not edit): every ONNX backend test "
                      "shipped in Debian's `libonnx-testdata`, run through the reference interpreter and the C "
                      "target and compared with the stored outputs (rtol 1e-3, atol 1e-4; integers exact).\n\n");
    dl_buf_printf(&b, "| suite | backend | pass | fail | unsupported | total |\n|---|---|---|---|---|---|\n");
    for (int i = 0; i <= nres; i++) {
      /* one row pair per suite (results are grouped by suite), then all suites */
      if (i < nres && i > 0 && !strcmp(res[i].suite, res[i - 1].suite)) continue;
      int st[2][4] = {{0}};
      for (int j = i < nres ? i : 0; j < nres && (i == nres || !strcmp(res[j].suite, res[i].suite)); j++)
        for (int k = 0; k < 2; k++) st[k][res[j].st[k]]++;
      if (i == nres && nsuites < 2) break;
      for (int k = 0; k < 2; k++) {
        int t = st[k][0] + st[k][1] + st[k][2];
        if (t)
          dl_buf_printf(&b, "| %s | %s | %d (%.1f%%) | %d | %d | %d |\n", i < nres ? res[i].suite : "all",
                        k ? "c" : "interpreter", st[k][0], 100.0 * st[k][0] / t, st[k][1], st[k][2], t);
      }
    }
    dl_buf_printf(&b, "\n| suite | test | interpreter | c | note |\n|---|---|---|---|---|\n");
    for (int i = 0; i < nres; i++) {
      const char *why = res[i].st[0] != ST_PASS ? res[i].why[0] : res[i].st[1] != ST_PASS ? res[i].why[1] : "";
      dl_buf_printf(&b, "| %s | %s | %s | %s | %.160s |\n", res[i].suite, res[i].name, st_name[res[i].st[0]],
                    st_name[res[i].st[1]], why);
    }
    if (!dl_write_file_atomic(md, b.data, b.len, &e)) fprintf(stderr, "%s: error: %s\n", prog, e.msg);
    dl_buf_free(&b);
  }
  if (write_xfail) {
    DlBuf b = {0};
    dl_buf_printf(&b, "# Expected failures of the ONNX backend tests (test/conformance/*.test), written by\n"
                      "# dlc-conformance --write-xfail: 'interp TEST' or 'c TEST', one per line. The list\n"
                      "# only shrinks: a listed test that passes is an error, as is an unlisted failure.\n");
    for (int i = 0; i < nres; i++)
      for (int k = 0; k < 2; k++)
        if (res[i].st[k] != ST_PASS && res[i].st[k] != ST_SKIP) dl_buf_printf(&b, "%s %s\n", k ? "c" : "interp", res[i].name);
    if (!dl_write_file_atomic(write_xfail, b.data ? b.data : "", b.len, &e)) fprintf(stderr, "%s: error: %s\n", prog, e.msg);
    dl_buf_free(&b);
  }
  for (int k = 0; k < 2; k++) {
    int t = tot[k][0] + tot[k][1] + tot[k][2];
    if (t) printf("%s: %d tests, %d pass (%.1f%%), %d fail, %d unsupported\n", k ? "c" : "interpreter", t, tot[k][0],
                  100.0 * tot[k][0] / t, tot[k][1], tot[k][2]);
  }
  if (xfail) printf("%d unexpected results\n", unexpected);
  free(res);
  dl_context_destroy(ctx);
  return unexpected ? 1 : 0;
}
