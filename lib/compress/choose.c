/* --compress-activations' search: which tensors the C target keeps
 * compressed, with which scheme and K, measured with the interpreter on
 * calibration samples (see compress.h and docs/compression.md).
 *
 * 1. Every tensor the C target can stream is encoded, channel-last as the C
 *    target stores it (for the accelerator: every activation but the outputs,
 *    in the order it lies in DRAM), at every K in 0..kmax (all tensors at that K), giving
 *    mean and worst bytes per sample. With the "all" scheme: it picks per
 *    block among a superset of every other scheme's modes, so it is never
 *    larger; the other schemes are measured on the final choice (step 5),
 *    where the smallest one (ties: the simpler one) is kept.
 * 2. Each tensor alone at each K > 0 gives its sensitivity: the mean squared
 *    change of the model's output 0 against the exact integer model.
 * 3. Greedy: the move (a tensor to a higher K) saving the most bytes per unit
 *    of sensitivity, repeatedly, makes a sequence of ever lossier choices.
 *    For the arena the bytes that count are those saved at the current peak
 *    step (the tensors live there set the arena), then, once none of those can
 *    move, those saved in all.
 * 4. With a budget, the shortest prefix of the sequence that meets it; else
 *    the longest one whose joint top-1 changes stay within max_loss (binary
 *    search, each probe one interpreter run with all its K at once), then
 *    every later move tried once on top of it, kept where the whole still
 *    fits (the joint loss is not monotone along the sequence).
 * 5. The choice is run once more to measure its real sizes and loss. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dlc/compress.h"
#include "dlc/schema.h"
#include "dlc/support.h"
#include "dlc/plan.h"
#include "dlc/sparse.h"

typedef struct {
  int slot, step;
  MlirValue v;
  int64_t n, raw, C, H, W;
  int es;
  dlz_params base; /* "all" scheme, k 0 */
  double sens[8];
  /* uniform-K measurement: [k][scheme] mean and worst bytes per sample */
  double mean[8][DL_SCHEME_COUNT], worst[8][DL_SCHEME_COUNT];
} Cand;

typedef struct {
  DlPlan *p;
  Cand *c;
  int nc;
  const int *k;      /* per candidate, this run */
  const int *scheme; /* per candidate when measuring one scheme, or NULL: all schemes */
  bool measure;
  double (*sum)[DL_SCHEME_COUNT], (*max)[DL_SCHEME_COUNT];
  unsigned char *buf, *hwc;
  size_t cap, hcap;
} Run;

static int cand_of(const Run *r, MlirValue v) {
  for (int i = 0; i < r->nc; i++)
    if (r->c[i].v.ptr == v.ptr) return i;
  return -1;
}

static void make_lossy(void *user, MlirValue v, DlTensor *x) {
  Run *r = user;
  int t = cand_of(r, v);
  if (t < 0 || r->k[t] == 0) return;
  dlz_params p = r->c[t].base;
  p.k = r->k[t];
  for (int64_t i = 0; i < r->c[t].n; i++)
    dl_tensor_set_i(x, i, dlz_lossy(&p, dl_tensor_get_i(x, i)));
}

/* Encodes a candidate channel-last, as the C target stores it (C = 1 for the accelerator: in order). */
static void observe(void *user, MlirValue v, const DlTensor *x) {
  Run *r = user;
  int t = cand_of(r, v);
  if (t < 0 || !r->measure) return;
  Cand *c = &r->c[t];
  size_t need = (size_t)c->n * (size_t)c->es;
  if (need > r->hcap) r->hwc = realloc(r->hwc, need), r->hcap = need;
  for (int64_t ch = 0; ch < c->C; ch++)
    for (int64_t i = 0; i < c->H * c->W; i++) {
      int64_t v = dl_tensor_get_i(x, ch * c->H * c->W + i), at = i * c->C + ch;
      if (c->es == 1)
        ((int8_t *)r->hwc)[at] = (int8_t)v;
      else if (c->es == 2)
        ((int16_t *)r->hwc)[at] = (int16_t)v;
      else
        ((int32_t *)r->hwc)[at] = (int32_t)v;
    }
  for (int s = 0; s < DL_SCHEME_COUNT; s++) {
    if (r->scheme && s != r->scheme[t]) continue;
    dlz_params p;
    dl_scheme_params((DlScheme)s, mlirValueGetType(v), c->base.block, c->base.sub, &p);
    p.k = r->k[t];
    size_t b = dlz_bound(&p, c->n);
    if (b > r->cap) r->buf = realloc(r->buf, b), r->cap = b;
    double got = (double)dlz_encode(&p, r->hwc, c->es, c->n, r->buf);
    r->sum[t][s] += got;
    if (got > r->max[t][s]) r->max[t][s] = got;
  }
}

typedef struct {
  const DlTensor *data;
  int64_t i0, total, per, nout; /* runs take samples [i0, total) */
  float *ref;            /* output 0 of the exact model, per sample */
  int *top;              /* its top-1 */
  const int64_t *labels; /* or NULL */
  int64_t correct;       /* the exact model's top-1 hits, with labels */
} Ref;

static int top1(const float *y, int64_t n) {
  int best = 0;
  for (int64_t j = 1; j < n; j++)
    if (y[j] > y[best]) best = (int)j;
  return best;
}

/* One pass over samples [ref->i0, ref->total) with r's K; *lost the samples lost against the
 * exact model (with labels: its top-1 hits minus these, else the top-1
 * changes), *margin the standard error of that paired difference with labels
 * (sqrt of the samples whose correctness changed; 0 without) and *mse the
 * mean squared output change (when ref->ref is set). */
static bool run(Run *r, Ref *ref, int64_t *lost, int64_t *margin, double *mse, DlError *e) {
  int64_t f = 0, hits = 0, exact = 0, changed = 0;
  double se = 0;
  float *y = malloc(sizeof(float) * (size_t)(ref->nout ? ref->nout : 1));
  bool ok = true;
  for (int64_t i = ref->i0; i < ref->total && ok; i++) {
    const void *in = (const float *)ref->data->data + i * ref->per;
    if (!(ok = dl_plan_run(r->p, &in, e))) break;
    const DlTensor *o = dl_plan_output(r->p, 0);
    for (int64_t j = 0; j < ref->nout; j++) y[j] = (float)dl_tensor_get_f(o, j);
    if (!ref->ref) continue;
    const float *want = ref->ref + i * ref->nout;
    for (int64_t j = 0; j < ref->nout; j++)
      se += ((double)y[j] - want[j]) * ((double)y[j] - want[j]);
    f += top1(y, ref->nout) != ref->top[i];
    if (ref->labels) {
      exact += ref->top[i] == ref->labels[i];
      hits += top1(y, ref->nout) == ref->labels[i];
      changed += (top1(y, ref->nout) == ref->labels[i]) != (ref->top[i] == ref->labels[i]);
    }
  }
  free(y);
  if (lost) *lost = ref->labels ? exact - hits : f;
  if (margin) *margin = (int64_t)ceil(sqrt((double)changed));
  if (mse) *mse = se / (double)(ref->total > ref->i0 ? ref->total - ref->i0 : 1);
  return ok;
}

/* The arena bytes reserved for an activation: dlz_bound, or its calibration worst plus the margin.
 */
static double reserve_bytes(const Cand *c, const DlCompressSettings *s, int k, double worst) {
  dlz_params p = c->base;
  p.k = k;
  double bound = (double)dlz_bound(&p, c->n), cap = ceil(worst * (1 + s->margin) / 64) * 64;
  return s->reserve == DL_RESERVE_BOUND || cap > bound ? bound : cap;
}

/* Bytes an activation takes under the choice: its reserve (arena) or its mean (traffic). */
static double cand_bytes(const Cand *c, const DlCompressSettings *s, int k, int scheme, double mean,
                         double worst) {
  (void)scheme;
  return s->traffic ? mean : reserve_bytes(c, s, k, worst);
}

/* Lifetimes of the plan's buffers: root[s] the slot whose bytes s shares
 * (views), def / last the first and last step using a root (last = nsteps
 * for outputs), reads the steps reading it; arrays of nslots, freed by the caller. */
typedef struct {
  int *root, *def, *last;
  double *reads;
} Life;

static Life lifetimes(const DlPlan *p) {
  int n = p->nslots;
  Life l = {malloc(sizeof(int) * (size_t)n), malloc(sizeof(int) * (size_t)n),
            malloc(sizeof(int) * (size_t)n), calloc((size_t)n, sizeof(double))};
  for (int s = 0; s < n; s++) l.root[s] = s, l.def[s] = l.last[s] = -1;
  for (int i = 0; i < p->nsteps; i++) {
    const DlStep *st = &p->steps[i];
    if (st->q ? st->q->kind == DL_Q_ALIAS : st->call.kind == DL_CALL_ALIAS && st->k != DL_OP_COUNT)
      l.root[st->out] = l.root[st->in[0]];
    int r = l.root[st->out];
    if (l.def[r] < 0) l.def[r] = i;
    l.last[r] = i > l.last[r] ? i : l.last[r];
    for (int j = 0; j < st->nin; j++) {
      int q = l.root[st->in[j]];
      l.last[q] = i > l.last[q] ? i : l.last[q];
      l.reads[q] += 1;
    }
  }
  for (int o = 0; o < p->nout; o++) l.last[l.root[p->out_slot[o]]] = p->nsteps;
  return l;
}

static void life_free(Life *l) {
  free(l->root), free(l->def), free(l->last), free(l->reads);
}

/* Whether slot s owns bytes of the arena that are live at step i. */
static bool live_at(const DlPlan *p, const Life *l, int s, int i) {
  return l->root[s] == s && p->slot_kind[s] == DL_SLOT_TEMP && l->def[s] >= 0 && l->def[s] <= i &&
         i <= l->last[s];
}

/* Activation memory of the plan with candidate i taking bytes[i] (others raw):
 * the peak of bytes live at once (views share their producer's bytes), or
 * the traffic (each temporary written once and read by every consumer). With
 * *at, the step of the peak (the first, if several tie). */
static double memory_at(const DlPlan *p, const Cand *c, int nc, const double *bytes, bool traffic,
                        int *at) {
  int n = p->nslots;
  Life l = lifetimes(p);
  double *b = malloc(sizeof(double) * (size_t)n), total = 0;
  for (int s = 0; s < n; s++) b[s] = (double)dl_tensor_bytes(&p->slot[s]);
  for (int i = 0; i < nc; i++) b[c[i].slot] = bytes[i];
  if (at) *at = 0;
  if (traffic) {
    for (int s = 0; s < n; s++)
      if (l.root[s] == s && p->slot_kind[s] == DL_SLOT_TEMP && l.def[s] >= 0)
        total += b[s] * (1 + l.reads[s]);
  } else {
    for (int i = 0; i < p->nsteps; i++) {
      double live = 0;
      for (int s = 0; s < n; s++)
        if (live_at(p, &l, s, i)) live += b[s];
      if (live > total && at) *at = i;
      total = live > total ? live : total;
    }
  }
  life_free(&l), free(b);
  return total;
}

static double memory(const DlPlan *p, const Cand *c, int nc, const double *bytes, bool traffic) {
  return memory_at(p, c, nc, bytes, traffic, NULL);
}

static int best_scheme(const Cand *c, int k, bool by_worst) {
  int best = DL_SCHEME_ALL;
  for (int s = 0; s < DL_SCHEME_COUNT; s++)
    if ((by_worst ? c->worst[k][s] : c->mean[k][s]) <
        (by_worst ? c->worst[k][best] : c->mean[k][best]))
      best = s;
  return best;
}

static double config_memory(const DlPlan *p, const Cand *c, int nc, const int *k,
                            const DlCompressSettings *s) {
  double *bytes = malloc(sizeof(double) * (size_t)(nc ? nc : 1));
  for (int i = 0; i < nc; i++) {
    int sc = best_scheme(&c[i], k[i], !s->traffic);
    bytes[i] = cand_bytes(&c[i], s, k[i], sc, c[i].mean[k[i]][sc], c[i].worst[k[i]][sc]);
  }
  double m = memory(p, c, nc, bytes, s->traffic);
  free(bytes);
  return m;
}

static bool is_output(const DlPlan *p, int slot) {
  for (int o = 0; o < p->nout; o++)
    if (p->out_slot[o] == slot) return true;
  return false;
}

/* The error for a choice whose loss on samples [ref->i0, ref->total) exceeds `allowed`. */
static void over_budget(DlError *e, const DlCompressSettings *s, const Ref *ref, int64_t lost, int64_t margin,
                        int64_t allowed, const char *which) {
  double n = (double)(ref->total - ref->i0);
  dl_error_set(e,
               "meeting the %s budget of %lld bytes loses %.2f points of %s (standard error %.2f) on the%s "
               "calibration samples, more than the accuracy budget of %.2f points allows (%.2f points over)",
               s->traffic ? "traffic" : "arena", (long long)s->budget, 100.0 * (double)lost / n,
               ref->labels ? "accuracy" : "top-1 agreement with the exact model", 100.0 * (double)margin / n, which,
               s->max_loss, 100.0 * (double)(lost + margin - allowed) / n);
}

bool dl_compress_choose(MlirModule m, const DlTensor *data, const DlTensor *labels,
                        const DlCompressSettings *settings, DlCompressReport *rep, DlError *e) {
  DlCompressSettings sv = *settings, *s = &sv;
  if (s->acc && s->budget > 0 && !s->traffic)
    return dl_error_set(e, "for the accelerator a compression budget counts DRAM traffic (traffic:BYTES), not arena bytes");
  if (s->acc && s->reserve == DL_RESERVE_CALIB)
    return dl_error_set(e, "the accelerator's DRAM has no compression reserves (reserve calib is for the c target)");
  if (s->acc) s->traffic = true; /* what DRAM costs: bytes moved */
  if (s->reserve == DL_RESERVE_AUTO)
    s->reserve = s->budget > 0 && !s->traffic ? DL_RESERVE_CALIB : DL_RESERVE_BOUND;
  memset(rep, 0, sizeof *rep);
  if (s->kmax < 0 || s->kmax > 7)
    return dl_error_set(e, "compression K must be within 0..7 (got %d)", s->kmax);
  if (!(s->holdout >= 0 && s->holdout <= 0.9))
    return dl_error_set(e, "the held-out share of the calibration samples must be within 0..0.9 (got %g)", s->holdout);
  if (s->max_loss < 0 || s->max_loss > 100)
    return dl_error_set(e, "the accuracy budget must be within 0..100 points (got %g)",
                        s->max_loss);
  MlirOperation func = dl_module_func(m);
  if (mlirOperationIsNull(func)) return dl_error_set(e, "module has no func.func");
  /* a new choice replaces an old one */
  MlirBlock body = mlirRegionGetFirstBlock(mlirOperationGetRegion(func, 0));
  for (MlirOperation op = mlirBlockGetFirstOperation(body); !mlirOperationIsNull(op);
       op = mlirOperationGetNextInBlock(op))
    mlirOperationRemoveDiscardableAttributeByName(op, dl_str("dlc.compress"));
  DlPlan *p = dl_plan_create(m, e);
  if (!p) return false;
  bool ok = false;
  Cand *c = NULL;
  int nc = 0, *k = NULL, *seq_t = NULL, *seq_k = NULL, nseq = 0, *best = NULL, *applied = NULL;
  Run r = {0};
  Ref ref = {data, 0, 0, 0, 0, NULL, NULL, NULL, 0};
  ref.total = dl_plan_samples(p, data, s->samples, "the calibration data", &ref.per, e);
  if (ref.total < 0) goto done;
  if (labels && (labels->shape.dtype != DL_I64 || dl_shape_numel(&labels->shape) < ref.total)) {
    dl_error_set(e, "the calibration labels must be int64, one per sample (%lld needed)",
                 (long long)ref.total);
    goto done;
  }
  ref.labels = labels ? (const int64_t *)labels->data : NULL;
  ref.nout = dl_shape_numel(dl_plan_output_shape(p, 0));
  for (int i = 0; i < p->nsteps; i++) {
    const DlStep *st = &p->steps[i];
    char why[256];
    dlz_params base;
    if (!st->q || st->q->kind == DL_Q_ALIAS || (s->acc ? is_output(p, st->out) : !dl_compress_streamable(p, st->out, why, sizeof why)))
      continue;
    if (!dl_scheme_params(DL_SCHEME_ALL, mlirValueGetType(st->val), s->block, s->sub, &base))
      continue;
    c = realloc(c, sizeof *c * (size_t)(nc + 1));
    Cand *x = &c[nc++];
    memset(x, 0, sizeof *x);
    const DlShape *sh = &p->slot[st->out].shape;
    x->slot = st->out, x->step = i, x->v = st->val, x->n = dl_shape_numel(sh),
    x->es = (int)dl_dtype_size(sh->dtype);
    x->raw = (int64_t)dl_tensor_bytes(&p->slot[st->out]);
    if (s->acc) /* as stored: one channel of one row, the whole tensor in order */
      x->C = 1, x->H = 1, x->W = x->n;
    else /* channel-last */
      x->C = sh->dims[1], x->H = sh->dims[2], x->W = sh->dims[3];
    x->base = base;
  }
  if (nc == 0) { /* nothing the C target can stream: nothing to measure */
    rep->samples = ref.total, rep->traffic = s->traffic;
    rep->mem = rep->mem_raw = memory(p, c, 0, NULL, s->traffic);
    ok = true;
    goto done;
  }
  k = calloc((size_t)(nc ? nc : 1), sizeof(int));
  r = (Run){p, c, nc, k, NULL, false, NULL, NULL, NULL, NULL, 0, 0};
  r.sum = calloc((size_t)(nc ? nc : 1), sizeof *r.sum),
  r.max = calloc((size_t)(nc ? nc : 1), sizeof *r.max);
  dl_plan_set_observer(p, observe, &r);
  dl_plan_set_transform(p, make_lossy, &r);
  /* the exact model's outputs: the reference for every loss */
  ref.ref = malloc(sizeof(float) * (size_t)(ref.total * ref.nout + 1));
  ref.top = malloc(sizeof(int) * (size_t)(ref.total + 1));
  for (int64_t i = 0; i < ref.total; i++) {
    const void *in = (const float *)data->data + i * ref.per;
    if (!dl_plan_run(p, &in, e)) goto done;
    const DlTensor *o = dl_plan_output(p, 0);
    for (int64_t j = 0; j < ref.nout; j++) ref.ref[i * ref.nout + j] = (float)dl_tensor_get_f(o, j);
    ref.top[i] = top1(ref.ref + i * ref.nout, ref.nout);
    if (ref.labels) ref.correct += ref.top[i] == ref.labels[i];
  }
  /* 1. sizes, every tensor at each K */
  int *all = malloc(sizeof(int) * (size_t)(nc ? nc : 1));
  for (int i = 0; i < nc; i++) all[i] = DL_SCHEME_ALL;
  r.measure = true, r.scheme = all;
  for (int kk = 0; kk <= s->kmax; kk++) {
    for (int i = 0; i < nc; i++) k[i] = kk;
    memset(r.sum, 0, sizeof *r.sum * (size_t)nc), memset(r.max, 0, sizeof *r.max * (size_t)nc);
    if (!run(&r, &ref, NULL, NULL, NULL, e)) {
      free(all);
      goto done;
    }
    for (int i = 0; i < nc; i++)
      for (int sc = 0; sc < DL_SCHEME_COUNT; sc++)
        c[i].mean[kk][sc] = r.sum[i][DL_SCHEME_ALL] / (double)ref.total,
        c[i].worst[kk][sc] = r.max[i][DL_SCHEME_ALL];
  }
  free(all);
  r.measure = false, r.scheme = NULL;
  /* 2. sensitivity, one tensor at a time; a mean squared change is smooth enough to take from 500
   * samples */
  int64_t total = ref.total, nsearch = total - (int64_t)floor(s->holdout * (double)total + 0.5);
  if (nsearch < 1) nsearch = total < 1 ? total : 1; /* a search needs a sample */
  ref.total = nsearch < 500 ? nsearch : 500;
  for (int i = 0; i < nc; i++)
    for (int kk = 1; kk <= s->kmax; kk++) {
      memset(k, 0, sizeof(int) * (size_t)nc);
      k[i] = kk;
      if (!run(&r, &ref, NULL, NULL, &c[i].sens[kk], e)) goto done;
    }
  ref.total = total;
  /* 3. the greedy sequence of moves. For the arena, a move scores by the bytes it
   * saves at the current peak step (what sets the arena) per unit of sensitivity;
   * once no tensor live there can move, by the bytes it saves in all. */
  memset(k, 0, sizeof(int) * (size_t)nc);
  seq_t = malloc(sizeof(int) * (size_t)(nc * 8 + 1)),
  seq_k = malloc(sizeof(int) * (size_t)(nc * 8 + 1));
  Life life = lifetimes(p);
  double *cur = malloc(sizeof(double) * (size_t)nc);
  for (;;) {
    int bt = -1, bk = 0, peak = 0;
    for (int i = 0; i < nc; i++) {
      int s0 = best_scheme(&c[i], k[i], !s->traffic);
      cur[i] = cand_bytes(&c[i], s, k[i], s0, c[i].mean[k[i]][s0], c[i].worst[k[i]][s0]);
    }
    if (!s->traffic) memory_at(p, c, nc, cur, false, &peak);
    for (int at_peak = !s->traffic; at_peak >= 0 && bt < 0; at_peak--) {
      double bscore = 0;
      for (int i = 0; i < nc; i++) {
        if (at_peak && !live_at(p, &life, c[i].slot, peak)) continue;
        for (int kk = k[i] + 1; kk <= s->kmax; kk++) {
          int s1 = best_scheme(&c[i], kk, !s->traffic);
          double saved =
              cur[i] - cand_bytes(&c[i], s, kk, s1, c[i].mean[kk][s1], c[i].worst[kk][s1]);
          double cost = c[i].sens[kk] - c[i].sens[k[i]];
          double score = saved / (cost > 1e-12 ? cost : 1e-12);
          /* a K that still leaves the tensor no smaller than raw buys nothing (the logits) */
          if (saved > 0 && score > bscore && c[i].mean[kk][s1] < (double)c[i].raw)
            bscore = score, bt = i, bk = kk;
        }
      }
    }
    if (bt < 0) break;
    k[bt] = bk;
    seq_t[nseq] = bt, seq_k[nseq++] = bk;
  }
  life_free(&life), free(cur);
  /* 4. how far along the sequence, judged on the search samples [0, nsearch) */
  ref.total = nsearch;
  best = calloc((size_t)(nc ? nc : 1), sizeof(int));
  applied = malloc(sizeof(int) * (size_t)(nseq + 1)); /* the moves taken, in order */
  /* the accuracy budget holds for a choice whose loss plus one standard error of it fits (with
   * labels): a choice that only looks free on these samples is not taken */
  int64_t allowed = (int64_t)floor(s->max_loss / 100.0 * (double)nsearch + 1e-9), flips = 0,
          margin = 0;
  int take = 0, napplied = 0;
  if (s->budget > 0) {
    memset(k, 0, sizeof(int) * (size_t)nc);
    double mem = config_memory(p, c, nc, k, s);
    while (mem > (double)s->budget && take < nseq) {
      k[seq_t[take]] = seq_k[take], take++;
      mem = config_memory(p, c, nc, k, s);
    }
    if (mem > (double)s->budget) {
      dl_error_set(e,
                   "the %s budget of %lld bytes cannot be met: at K up to %d the activations need "
                   "%.0f bytes "
                   "(%.0f bytes over)",
                   s->traffic ? "traffic" : "arena", (long long)s->budget, s->kmax, mem,
                   mem - (double)s->budget);
      goto done;
    }
    if (!run(&r, &ref, &flips, &margin, NULL, e)) goto done;
    if (flips + margin > allowed) {
      over_budget(e, s, &ref, flips, margin, allowed, "");
      goto done;
    }
  } else {
    int lo = 0, hi = nseq; /* prefix lo is known to fit (0: lossless) */
    while (lo < hi) {
      int mid = (lo + hi + 1) / 2;
      memset(k, 0, sizeof(int) * (size_t)nc);
      for (int j = 0; j < mid; j++) k[seq_t[j]] = seq_k[j];
      int64_t f, sd;
      if (!run(&r, &ref, &f, &sd, NULL, e)) goto done;
      if (f + sd <= allowed)
        lo = mid;
      else
        hi = mid - 1;
    }
    take = lo;
  }
  memset(k, 0, sizeof(int) * (size_t)nc);
  for (int j = 0; j < take; j++) k[seq_t[j]] = seq_k[j], applied[napplied++] = j;
  if (s->budget <= 0) {
    /* the joint loss is not monotone along the sequence (sensitivities were measured one
     * tensor at a time, and rounding errors can cancel): each later move is tried once on
     * top of the choice and kept if the whole still fits; a tensor whose move does not fit
     * takes no further move */
    unsigned char *stuck = calloc((size_t)(nc ? nc : 1), 1);
    for (int j = take; j < nseq; j++) {
      int t = seq_t[j], old = k[t];
      if (stuck[t] || seq_k[j] <= old) continue;
      k[t] = seq_k[j];
      int64_t f, sd;
      if (!run(&r, &ref, &f, &sd, NULL, e)) {
        free(stuck);
        goto done;
      }
      if (f + sd > allowed) k[t] = old, stuck[t] = 1;
      else applied[napplied++] = j;
    }
    free(stuck);
  }
  /* 4b. the held-out samples [nsearch, total), which no step above has seen, judge the choice
   * once more: without a memory budget, the last moves are undone until it fits there too */
  if (total > nsearch && napplied > 0) {
    int64_t hallowed = (int64_t)floor(s->max_loss / 100.0 * (double)(total - nsearch) + 1e-9);
    ref.i0 = nsearch, ref.total = total;
    for (;;) {
      if (!run(&r, &ref, &rep->hold_lost, &rep->hold_margin, NULL, e)) goto done;
      if (rep->hold_lost + rep->hold_margin <= hallowed || napplied == 0) break;
      if (s->budget > 0) {
        over_budget(e, s, &ref, rep->hold_lost, rep->hold_margin, hallowed, " held-out");
        goto done;
      }
      int j = applied[--napplied], t = seq_t[j]; /* undo it: t back to its K before move j */
      k[t] = 0;
      for (int q = 0; q < napplied; q++)
        if (seq_t[applied[q]] == t) k[t] = seq_k[applied[q]];
      rep->undone++;
    }
  }
  rep->holdout = total - nsearch;
  ref.i0 = 0, ref.total = total;
  /* 5. the choice, measured as it will run */
  int *sch = malloc(sizeof(int) * (size_t)(nc ? nc : 1));
  r.measure = true, r.scheme = NULL;
  memset(r.sum, 0, sizeof *r.sum * (size_t)nc), memset(r.max, 0, sizeof *r.max * (size_t)nc);
  if (!run(&r, &ref, &flips, &margin, NULL, e)) {
    free(sch);
    goto done;
  }
  for (int i = 0; i < nc; i++) {
    sch[i] = 0;
    for (int sc = 1; sc < DL_SCHEME_COUNT; sc++)
      if ((s->traffic ? r.sum[i][sc] < r.sum[i][sch[i]] : r.max[i][sc] < r.max[i][sch[i]]))
        sch[i] = sc;
  }
  double *bytes = malloc(sizeof(double) * (size_t)(nc ? nc : 1)),
         *raw = malloc(sizeof(double) * (size_t)(nc ? nc : 1));
  rep->t = calloc((size_t)(nc ? nc : 1), sizeof *rep->t);
  for (int i = 0; i < nc; i++) {
    Cand *x = &c[i];
    double mean = r.sum[i][sch[i]] / (double)ref.total, worst = r.max[i][sch[i]];
    raw[i] = (double)x->raw;
    /* a lossless tensor that does not compress stays plain: decoding it would cost time for nothing
     */
    if (k[i] == 0 && mean >= 0.97 * (double)x->raw) {
      bytes[i] = raw[i];
      continue;
    }
    DlCompressChoice ch = {(DlScheme)sch[i], k[i], s->block, s->sub, 0};
    bytes[i] = cand_bytes(x, s, k[i], sch[i], mean, worst);
    if (s->reserve == DL_RESERVE_CALIB) ch.cap = (int64_t)reserve_bytes(x, s, k[i], worst);
    dl_compress_attr_set(mlirOpResultGetOwner(x->v), &ch);
    DlCompressRow *row = &rep->t[rep->nt++];
    snprintf(row->name, sizeof row->name, "%s", p->steps[x->step].where);
    row->c = ch, row->raw = x->raw, row->mean = mean, row->worst = worst;
    dlz_params bp = x->base;
    bp.k = k[i];
    row->reserved = s->acc ? 0 : ch.cap ? ch.cap : (int64_t)dlz_bound(&bp, x->n); /* DRAM: no reserves */
  }
  rep->samples = ref.total;
  rep->loss = 100.0 * (double)flips / (double)ref.total;
  rep->loss_se = 100.0 * (double)margin / (double)ref.total;
  rep->labels = ref.labels != NULL;
  rep->acc_exact = 100.0 * (double)ref.correct / (double)ref.total;
  rep->traffic = s->traffic;
  rep->mem = memory(p, c, nc, bytes, s->traffic);
  rep->mem_raw = memory(p, c, nc, raw, s->traffic);
  free(bytes), free(raw), free(sch);
  if (s->budget > 0 && rep->mem > (double)s->budget) {
    dl_error_set(e,
                 "the %s budget of %lld bytes is missed by %.0f bytes once the chosen compression "
                 "is measured "
                 "as a whole (%.0f bytes)",
                 s->traffic ? "traffic" : "arena", (long long)s->budget,
                 rep->mem - (double)s->budget, rep->mem);
    goto done;
  }
  ok = true;
done:
  if (!ok) {
    for (int i = 0; i < nc; i++)
      mlirOperationRemoveDiscardableAttributeByName(mlirOpResultGetOwner(c[i].v),
                                                    dl_str("dlc.compress"));
    dl_compress_report_free(rep);
  }
  free(c), free(k), free(seq_t), free(seq_k), free(best), free(applied), free(r.sum), free(r.max), free(r.buf),
      free(r.hwc);
  free(ref.ref), free(ref.top);
  dl_plan_destroy(p);
  return ok;
}

void dl_compress_report_free(DlCompressReport *r) {
  free(r->t);
  memset(r, 0, sizeof *r);
}

/* The per-tensor bytes summed over the report's tensors (raw, mean, worst). */
static void report_totals(const DlCompressReport *r, double *raw, double *mean, double *worst) {
  *raw = *mean = *worst = 0;
  for (int i = 0; i < r->nt; i++) *raw += (double)r->t[i].raw, *mean += r->t[i].mean, *worst += r->t[i].worst;
}

void dl_compress_report_print(const DlCompressReport *r, DlBuf *b) {
  double raw, mean, worst;
  report_totals(r, &raw, &mean, &worst);
  dl_buf_printf(b, "%-22s %-6s %2s %9s %10s %10s %7s %7s %9s %10s\n", "tensor", "scheme", "K",
                "raw", "mean", "worst", "mean x", "worst x", "reserved", "saved");
  for (int i = 0; i < r->nt; i++) {
    const DlCompressRow *t = &r->t[i];
    char res[24] = "-"; /* none in the accelerator's DRAM */
    if (t->reserved) snprintf(res, sizeof res, "%lld", (long long)t->reserved);
    dl_buf_printf(b, "%-22s %-6s %2d %9lld %10.1f %10.0f %6.2fx %6.2fx %9s %10.1f\n", t->name,
                  dl_scheme_name(t->c.scheme), t->c.k, (long long)t->raw, t->mean, t->worst,
                  (double)t->raw / t->mean, (double)t->raw / t->worst, res, (double)t->raw - t->mean);
  }
  dl_buf_printf(b,
                "total: %d tensors, %.0f bytes raw, %.1f mean (%.2fx), %.0f worst (%.2fx), %.1f "
                "bytes saved per sample\n",
                r->nt, raw, mean, mean > 0 ? raw / mean : 1, worst, worst > 0 ? raw / worst : 1,
                raw - mean);
  dl_buf_printf(b, "activation %s: %.0f bytes uncompressed, %.0f compressed (%.2fx)\n",
                r->traffic ? "traffic (mean bytes written and read)"
                           : "peak (bytes live at once, reserves)",
                r->mem_raw, r->mem, r->mem > 0 ? r->mem_raw / r->mem : 1);
  if (r->holdout > 0)
    dl_buf_printf(b,
                  "held out (%lld calibration samples the search did not use): %.2f points lost (standard error "
                  "%.2f)%s\n",
                  (long long)r->holdout, 100.0 * (double)r->hold_lost / (double)r->holdout,
                  100.0 * (double)r->hold_margin / (double)r->holdout,
                  r->undone ? "" : ", nothing undone");
  if (r->undone)
    dl_buf_printf(b, "  %d move%s undone to fit the accuracy budget there\n", r->undone, r->undone > 1 ? "s" : "");
  if (r->labels)
    dl_buf_printf(
        b,
        "accuracy on %lld calibration samples: %.2f%% exact, %.2f%% compressed (%.2f points lost, "
        "standard error %.2f)\n",
        (long long)r->samples, r->acc_exact, r->acc_exact - r->loss, r->loss, r->loss_se);
  else
    dl_buf_printf(b,
                  "accuracy: top-1 class changed on %.2f%% of %lld calibration samples (no labels: "
                  "an upper bound "
                  "of the accuracy lost)\n",
                  r->loss, (long long)r->samples);
}

void dl_compress_report_json(const DlCompressReport *r, DlBuf *b) {
  cJSON *root = cJSON_CreateObject();
  cJSON_AddStringToObject(root, "schema", DL_SCHEMA_COMPRESS_REPORT);
  cJSON *ts = cJSON_AddArrayToObject(root, "tensors");
  double raw, mean, worst;
  report_totals(r, &raw, &mean, &worst);
  for (int i = 0; i < r->nt; i++) {
    const DlCompressRow *t = &r->t[i];
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "tensor", t->name);
    cJSON_AddStringToObject(j, "scheme", dl_scheme_name(t->c.scheme));
    cJSON_AddNumberToObject(j, "k", t->c.k);
    cJSON_AddNumberToObject(j, "raw_bytes", (double)t->raw);
    cJSON_AddNumberToObject(j, "mean_bytes", t->mean);
    cJSON_AddNumberToObject(j, "worst_bytes", t->worst);
    if (t->reserved) cJSON_AddNumberToObject(j, "reserved_bytes", (double)t->reserved);
    cJSON_AddItemToArray(ts, j);
  }
  cJSON *tot = cJSON_AddObjectToObject(root, "totals");
  cJSON_AddNumberToObject(tot, "tensors", r->nt);
  cJSON_AddNumberToObject(tot, "raw_bytes", raw);
  cJSON_AddNumberToObject(tot, "mean_bytes", mean);
  cJSON_AddNumberToObject(tot, "worst_bytes", worst);
  cJSON *mem = cJSON_AddObjectToObject(root, "budget_measure");
  cJSON_AddStringToObject(mem, "kind", r->traffic ? "traffic" : "peak");
  cJSON_AddNumberToObject(mem, "uncompressed_bytes", r->mem_raw);
  cJSON_AddNumberToObject(mem, "compressed_bytes", r->mem);
  cJSON *acc = cJSON_AddObjectToObject(root, "accuracy");
  cJSON_AddNumberToObject(acc, "samples", (double)r->samples);
  cJSON_AddBoolToObject(acc, "labels", r->labels);
  if (r->labels) {
    cJSON_AddNumberToObject(acc, "exact_percent", r->acc_exact);
    cJSON_AddNumberToObject(acc, "compressed_percent", r->acc_exact - r->loss);
    cJSON_AddNumberToObject(acc, "points_lost", r->loss);
    cJSON_AddNumberToObject(acc, "standard_error", r->loss_se);
  } else {
    cJSON_AddNumberToObject(acc, "top1_changed_percent", r->loss);
  }
  if (r->holdout > 0) {
    cJSON *h = cJSON_AddObjectToObject(root, "held_out");
    cJSON_AddNumberToObject(h, "samples", (double)r->holdout);
    cJSON_AddNumberToObject(h, "points_lost", 100.0 * (double)r->hold_lost / (double)r->holdout);
    cJSON_AddNumberToObject(h, "standard_error", 100.0 * (double)r->hold_margin / (double)r->holdout);
    cJSON_AddNumberToObject(h, "moves_undone", r->undone);
  }
  char *text = cJSON_Print(root);
  dl_buf_printf(b, "%s\n", text);
  free(text);
  cJSON_Delete(root);
}
