/* The PIM simulator: runs a .pimbin's kernels on a real bit matrix (one
 * subarray of rows x bitlines at a time, 64 bitlines per word) and the host
 * steps with the reference interpreter, and accounts time and energy.
 *
 * Timing: a kernel's (block, tile) pairs go round-robin over the banks, then
 * over the subarrays of each bank; commands in one bank serialize, banks run in parallel,
 * each channel issues at most 4 activations per tFAW (an AAP activates
 * twice, an AP once), and LOAD / STORE move their bits over the channel's bus
 * through the controller's transposition unit, not overlapped with compute. */
#include <stdlib.h>
#include <string.h>

#include "dlc/pim.h"
#include "dlc/qrt.h"
#include "dlc/schema.h"
#include "dlc/support.h"
#include "dlc/plan.h"
#include "dlc/sparse.h"
#include "dlc/trace.h"
#include "dlc/xsum.h"
#include "../target_util.h"

/* A kernel's or host step's figures: summed within a run here, then added
 * exactly (dlc/xsum.h) to the totals, so any split of the runs over
 * simulators (dlc-run --jobs, --shard) gives the same totals. */
#define PIM_STATS(X) X(ns) X(nj) X(bitops) X(bus_bits) X(aap) X(ap) X(runs)
#define FIELD(n) double n;
typedef struct {
  PIM_STATS(FIELD)
} Stat;
#undef FIELD
#define NSTAT ((int)(sizeof(Stat) / sizeof(double)))

typedef struct { /* one block's commands and their counts */
  int64_t c0, c1, blk;
  int64_t aap, ap, load_bits, store_bits;
} Block;

struct DlPimSim {
  const DlPimProgram *p;
  DlPlan *plan;
  int *kof; /* plan step -> kernel, or -1 */
  Block **blocks;
  int *nblocks;
  uint64_t *mem; /* one subarray */
  int W;         /* words per row */
  int64_t *lane; /* per lane: batch / channel index and output coordinates (4 each) */
  int64_t nlane;
  Stat *ks, *hs; /* per kernel, per plan step (host): this run's, or the totals when settled */
  DlXSum *xs;    /* the totals of the runs before: NSTAT per kernel, then per plan step */
  bool settled;  /* ks and hs hold the totals */
  double *bank_ns;
  double *ch_acts, *ch_bus;
  double sim_s;
  bool timing_only; /* account time and energy without computing values */
  DlTrace *trace;   /* or NULL (dl_pim_sim_trace) */
  double now_ns;    /* simulated time of the trace */
};

/* Kernel ki's blocks; *note: a counted program's next (AAPs, APs) pair. */
static void sim_blocks(DlPimSim *s, int ki, int64_t *note) {
  const DlPimKernel *k = &s->p->k[ki];
  const int64_t *cn = s->p->counts;
  int n = 0;
  for (int64_t c = k->cmd0; c < k->cmd0 + k->ncmd; c++) n += dl_pim_op(s->p->cmd[c]) == DL_PIM_BLOCK;
  Block *b = calloc((size_t)n + 1, sizeof(Block));
  int i = -1;
  for (int64_t c = k->cmd0; c < k->cmd0 + k->ncmd; c++) {
    uint64_t w = s->p->cmd[c];
    switch (dl_pim_op(w)) {
    case DL_PIM_BLOCK:
      i++;
      b[i].c0 = c + 1, b[i].c1 = c + 1, b[i].blk = dl_pim_x(w);
      if (s->p->counted) { /* its row operations: the counts noted here and at the next BLOCK or the kernel's end */
        b[i].aap = cn[2 * *note + 2] - cn[2 * *note], b[i].ap = cn[2 * *note + 3] - cn[2 * *note + 1];
        ++*note;
      }
      continue;
    case DL_PIM_AAP: b[i].aap++; break;
    case DL_PIM_AP: b[i].ap++; break;
    case DL_PIM_LOAD: b[i].load_bits += k->in_bits[dl_pim_z(w)]; break;
    case DL_PIM_STORE: b[i].store_bits += k->out_bits; break;
    default: break;
    }
    b[i].c1 = c + 1;
  }
  s->blocks[ki] = b, s->nblocks[ki] = n;
}

static int sim_exec(void *user, int step, DlError *e);

DlPimSim *dl_pim_sim_create(const DlPimProgram *p, DlPlan *plan, DlError *e) {
  if (!dl_pim_check_plan(p, plan, e)) return NULL;
  DlPimSim *s = calloc(1, sizeof *s);
  s->p = p, s->plan = plan, s->timing_only = p->counted;
  s->kof = malloc(sizeof(int) * (size_t)(plan->nsteps + 1));
  for (int i = 0; i < plan->nsteps; i++) s->kof[i] = -1;
  s->blocks = calloc((size_t)p->nk + 1, sizeof(Block *));
  s->nblocks = calloc((size_t)p->nk + 1, sizeof(int));
  int64_t note = 0;
  for (int i = 0; i < p->nk; i++) s->kof[p->k[i].step] = i, sim_blocks(s, i, &note), note += p->counted; /* the end's */
  s->W = p->dev.cols / 64;
  s->mem = aligned_alloc(64, sizeof(uint64_t) * (size_t)p->dev.rows * (size_t)s->W);
  memset(s->mem, 0, sizeof(uint64_t) * (size_t)p->dev.rows * (size_t)s->W);
  s->ks = calloc((size_t)p->nk + 1, sizeof(Stat));
  s->hs = calloc((size_t)plan->nsteps + 1, sizeof(Stat));
  s->xs = calloc((size_t)(p->nk + plan->nsteps) * NSTAT + 1, sizeof(DlXSum));
  int nb = p->dev.channels * p->dev.banks;
  s->bank_ns = calloc((size_t)nb, sizeof(double));
  s->ch_acts = calloc((size_t)p->dev.channels, sizeof(double));
  s->ch_bus = calloc((size_t)p->dev.channels, sizeof(double));
  dl_plan_set_executor(plan, sim_exec, s);
  return s;
}

void dl_pim_sim_destroy(DlPimSim *s) {
  if (!s) return;
  dl_plan_set_executor(s->plan, NULL, NULL);
  for (int i = 0; i < s->p->nk; i++) free(s->blocks[i]);
  free(s->blocks), free(s->nblocks), free(s->kof), free(s->mem), free(s->lane);
  free(s->ks), free(s->hs), free(s->xs), free(s->bank_ns), free(s->ch_acts), free(s->ch_bus);
  free(s);
}

/* --- the bit matrix ------------------------------------------------------ */

/* One subarray: rows x W words; the row operations compute the first n
 * words (those holding lanes of the tile: the others are never loaded from
 * or stored to, so their bits cannot reach an output). */
typedef struct {
  uint64_t *mem;
  int rows, W, n;
} Mat;

/* Row r and whether reading / writing it complements (a dual-contact
 * cell's n-wordline). */
static inline uint64_t *row_of(const Mat *m, uint32_t r, uint64_t *neg) {
  *neg = 0;
  if (r >= (uint32_t)m->rows) *neg = ~(uint64_t)0, r = (uint32_t)dl_pim_dcc(m->rows, (int)(r - (uint32_t)m->rows));
  return m->mem + (size_t)r * (size_t)m->W;
}

static void do_aap(const Mat *m, uint32_t src, uint32_t dst, uint32_t dst2) {
  uint64_t ns, nd, nd2 = 0;
  const uint64_t *a = row_of(m, src, &ns);
  uint64_t *d = row_of(m, dst, &nd), *d2 = dst2 != 0xFFFF ? row_of(m, dst2, &nd2) : NULL;
  uint64_t f = ns ^ nd;
  int n = m->n;
  for (int i = 0; i < n; i++) d[i] = a[i] ^ f;
  if (d2) {
    uint64_t f2 = ns ^ nd2;
    for (int i = 0; i < n; i++) d2[i] = a[i] ^ f2;
  }
}

static void do_ap(const Mat *m, uint32_t x, uint32_t y, uint32_t z) {
  uint64_t na, nb, nc;
  uint64_t *a = row_of(m, x, &na), *b = row_of(m, y, &nb), *c = row_of(m, z, &nc);
  int n = m->n;
  for (int i = 0; i < n; i++) {
    uint64_t u = a[i] ^ na, v = b[i] ^ nb, w = c[i] ^ nc;
    uint64_t mj = (u & v) | (u & w) | (v & w);
    a[i] = mj ^ na, b[i] = mj ^ nb, c[i] = mj ^ nc;
  }
}

void dl_pim_rows_run(uint64_t *mem, int rows, int words, const uint64_t *cmd, int64_t n) {
  Mat m = {mem, rows, words, words};
  memset(mem + (size_t)dl_pim_c0(rows) * (size_t)words, 0, sizeof(uint64_t) * (size_t)words);
  memset(mem + (size_t)dl_pim_c1(rows) * (size_t)words, 0xFF, sizeof(uint64_t) * (size_t)words);
  for (int64_t i = 0; i < n; i++) {
    uint64_t w = cmd[i];
    if (dl_pim_op(w) == DL_PIM_AAP) do_aap(&m, dl_pim_x(w), dl_pim_y(w), dl_pim_z(w));
    else if (dl_pim_op(w) == DL_PIM_AP) do_ap(&m, dl_pim_x(w), dl_pim_y(w), dl_pim_z(w));
  }
}

/* Writes 64 lanes' values v (n bits) into rows y.. at word wi. */
static void put_bits(DlPimSim *s, const uint64_t *v, int n, uint32_t y, int wi) {
  for (int b = 0; b < n; b++) {
    uint64_t word = 0;
    for (int k = 0; k < 64; k++) word |= (v[k] >> b & 1) << k;
    s->mem[(size_t)(y + (uint32_t)b) * (size_t)s->W + (size_t)wi] = word;
  }
}

/* --- lanes: which element each bitline holds ------------------------------ */

/* Per lane of kernel k: [0] batch (conv) or row (matmul) or image-channel
 * (pool), [1..3] output coordinates. */
static void lanes_prepare(DlPimSim *s, const DlPimKernel *k, const DlStep *st) {
  int64_t tiles = (k->lanes + s->p->dev.cols - 1) / s->p->dev.cols, n = tiles * s->p->dev.cols;
  if (n > s->nlane) s->lane = realloc(s->lane, sizeof(int64_t) * 4 * (size_t)n), s->nlane = n;
  const struct DlQStep *q = st->q;
  bool win = q->kind == DL_Q_CONV || q->kind == DL_Q_POOL;
  const dlrt_win *g = &q->c.win;
  int64_t P = win ? g->od[0] * g->od[1] * g->od[2] : 1;
  for (int64_t l = 0; l < k->lanes; l++) {
    int64_t *L = s->lane + 4 * l;
    if (!win) {
      L[0] = l, L[1] = L[2] = L[3] = 0;
      continue;
    }
    int64_t p = l % P;
    L[0] = l / P;
    L[1] = p / (g->od[1] * g->od[2]), L[2] = p / g->od[2] % g->od[1], L[3] = p % g->od[2];
  }
}

static void do_load(DlPimSim *s, const DlPimKernel *k, const DlStep *st, int64_t blk, int64_t tile, uint32_t tap,
                    uint32_t opnd, uint32_t y) {
  const struct DlQStep *q = st->q;
  const DlTensor *x = &s->plan->slot[st->in[opnd]];
  int es = opnd ? q->wes : q->xes, n = k->in_bits[opnd];
  int64_t off = k->in_off[opnd], cols = s->p->dev.cols, l0 = tile * cols;
  const dlrt_win *g = &q->c.win;
  int64_t kz = 0, ky = 0, kx = 0, ci = 0, kvol = g->k[0] * g->k[1] * g->k[2];
  if (q->kind == DL_Q_CONV || q->kind == DL_Q_POOL) {
    int64_t t = tap;
    if (q->kind == DL_Q_CONV) {
      int64_t cpg = g->c / g->group, grp = blk * k->block / (g->m / g->group);
      ci = grp * cpg + t / kvol, t %= kvol;
    }
    kz = t / (g->k[1] * g->k[2]), ky = t / g->k[2] % g->k[1], kx = t % g->k[2];
  }
  uint64_t v[64];
  for (int wi = 0; wi < s->W; wi++) {
    if (l0 + wi * 64 >= k->lanes) break; /* the words past the tile's lanes are not computed (Mat) */
    for (int j = 0; j < 64; j++) {
      int64_t l = l0 + wi * 64 + j;
      if (l >= k->lanes) {
        v[j] = 0;
        continue;
      }
      const int64_t *L = s->lane + 4 * l;
      int64_t idx;
      if (q->kind == DL_Q_CONV || q->kind == DL_Q_POOL) {
        int64_t iz = L[1] * g->stride[0] - g->pad[0] + kz * g->dil[0];
        int64_t iy = L[2] * g->stride[1] - g->pad[1] + ky * g->dil[1];
        int64_t ix = L[3] * g->stride[2] - g->pad[2] + kx * g->dil[2];
        if (iz < 0 || iz >= g->id[0] || iy < 0 || iy >= g->id[1] || ix < 0 || ix >= g->id[2]) {
          v[j] = (uint64_t)k->pad;
          continue;
        }
        int64_t plane = q->kind == DL_Q_CONV ? L[0] * g->c + ci : L[0];
        idx = ((plane * g->id[0] + iz) * g->id[1] + iy) * g->id[2] + ix;
      } else if (q->kind == DL_Q_MATMUL) {
        idx = L[0] * q->c.K + tap;
      } else {
        idx = l;
      }
      v[j] = (uint64_t)(qrt_ld(x->data, es, idx) - off);
    }
    put_bits(s, v, n, y, wi);
  }
}

static void do_store(DlPimSim *s, const DlPimKernel *k, const DlStep *st, int64_t blk, int64_t tile, uint32_t ch,
                     uint32_t y) {
  const struct DlQStep *q = st->q;
  DlTensor *out = &s->plan->slot[st->out];
  int64_t co = blk * k->block + ch, cols = s->p->dev.cols, l0 = tile * cols;
  const dlrt_win *g = &q->c.win;
  int64_t P = g->od[0] * g->od[1] * g->od[2];
  for (int wi = 0; wi < s->W && l0 + wi * 64 < k->lanes; wi++) {
    uint64_t v[64] = {0};
    for (int b = 0; b < k->out_bits; b++) {
      uint64_t word = s->mem[(size_t)(y + (uint32_t)b) * (size_t)s->W + (size_t)wi];
      for (int j = 0; j < 64; j++) v[j] |= (word >> j & 1) << b;
    }
    for (int j = 0; j < 64; j++) {
      int64_t l = l0 + wi * 64 + j;
      if (l >= k->lanes) break;
      const int64_t *L = s->lane + 4 * l;
      int64_t idx = q->kind == DL_Q_CONV ? (L[0] * g->m + co) * P + l % P : q->kind == DL_Q_MATMUL ? l * q->c.N + co : l;
      qrt_st(out->data, q->o.es, idx, (int64_t)v[j] + k->out_off);
    }
  }
}

/* Tracks: 0 the host, then per channel c its own track and one per bank. */
static int channel_tid(const DlPimDevice *d, int c) { return 1 + c * (d->banks + 1); }

DlTrace *dl_pim_sim_trace(DlPimSim *s) {
  char name[128];
  snprintf(name, sizeof name, "pim (%s)", s->p->dev.name);
  s->trace = dl_trace_create(name);
  dl_trace_track(s->trace, 0, "host");
  return s->trace;
}

/* Channel c's part of a kernel of step `step` that starts at now_ns: each
 * bank's row commands, the channel's activations (as long as its slowest
 * bank or its tFAW limit) and then its bus transfers. */
static void trace_channel(DlPimSim *s, int step, int c, double compute, double bus) {
  const DlPimDevice *d = &s->p->dev;
  const char *node = s->plan->steps[step].where;
  char name[64], args[64];
  int tid = channel_tid(d, c);
  if (compute + bus <= 0) return;
  snprintf(name, sizeof name, "channel %d", c);
  dl_trace_track(s->trace, tid, name);
  snprintf(args, sizeof args, "\"step\": %d, \"phase\": \"activations\"", step);
  dl_trace_event(s->trace, tid, node, s->now_ns, compute, args);
  snprintf(args, sizeof args, "\"step\": %d, \"phase\": \"bus\"", step);
  dl_trace_event(s->trace, tid, node, s->now_ns + compute, bus, args);
  snprintf(args, sizeof args, "\"step\": %d", step);
  for (int b = 0; b < d->banks; b++) {
    if (s->bank_ns[c * d->banks + b] <= 0) continue;
    snprintf(name, sizeof name, "channel %d bank %d", c, b);
    dl_trace_track(s->trace, tid + 1 + b, name);
    dl_trace_event(s->trace, tid + 1 + b, node, s->now_ns, s->bank_ns[c * d->banks + b], args);
  }
}

static void run_kernel(DlPimSim *s, int ki) {
  const DlPimKernel *k = &s->p->k[ki];
  const DlPimDevice *d = &s->p->dev;
  const DlStep *st = &s->plan->steps[k->step];
  int64_t cols = d->cols, tiles = (k->lanes + cols - 1) / cols;
  int R = d->rows, nbank = d->channels * d->banks;
  int64_t nsub = (int64_t)nbank * d->subarrays;
  if (!s->timing_only) lanes_prepare(s, k, st);
  memset(s->bank_ns, 0, sizeof(double) * (size_t)nbank);
  memset(s->ch_acts, 0, sizeof(double) * (size_t)d->channels);
  memset(s->ch_bus, 0, sizeof(double) * (size_t)d->channels);
  Stat *ks = &s->ks[ki];
  Mat mat = {s->mem, R, s->W, s->W};
  for (int bi = 0; bi < s->nblocks[ki]; bi++) {
    const Block *b = &s->blocks[ki][bi];
    for (int64_t t = 0; t < tiles; t++) {
      int64_t left = k->lanes - t * cols; /* lanes in this tile, in whole words */
      mat.n = left >= cols ? s->W : (int)((left + 63) / 64);
      memset(s->mem + (size_t)dl_pim_c0(R) * (size_t)s->W, 0, sizeof(uint64_t) * (size_t)s->W);
      memset(s->mem + (size_t)dl_pim_c1(R) * (size_t)s->W, 0xFF, sizeof(uint64_t) * (size_t)s->W);
      for (int64_t c = b->c0; c < b->c1 && !s->timing_only; c++) {
        uint64_t w = s->p->cmd[c];
        uint32_t x = dl_pim_x(w), y = dl_pim_y(w), z = dl_pim_z(w);
        switch (dl_pim_op(w)) {
        case DL_PIM_AAP: do_aap(&mat, x, y, z); break;
        case DL_PIM_AP: do_ap(&mat, x, y, z); break;
        case DL_PIM_LOAD: do_load(s, k, st, b->blk, t, x, z, y); break;
        case DL_PIM_STORE: do_store(s, k, st, b->blk, t, x, y); break;
        default: break;
        }
      }
      /* consecutive (block, tile) pairs go to different banks first, then to further subarrays of a bank */
      int64_t slot = (b->blk * tiles + t) % nsub, bank = slot % nbank, ch = bank / d->banks;
      double used = (double)(k->lanes - t * cols < cols ? k->lanes - t * cols : cols); /* lanes this tile moves */
      s->bank_ns[bank] += (double)b->aap * d->t_aap + (double)b->ap * d->t_ap;
      s->ch_acts[ch] += 2.0 * (double)b->aap + (double)b->ap;
      s->ch_bus[ch] += (double)(b->load_bits + b->store_bits) * used;
      ks->aap += (double)b->aap, ks->ap += (double)b->ap;
      ks->bitops += (double)(b->aap + b->ap) * (double)cols;
      ks->bus_bits += (double)(b->load_bits + b->store_bits) * used;
      ks->nj += (double)b->aap * d->e_aap + (double)b->ap * d->e_ap +
                (double)(b->load_bits + b->store_bits) * used * d->e_bus_bit * 1e-3;
    }
  }
  double worst = 0;
  for (int c = 0; c < d->channels; c++) {
    double compute = s->ch_acts[c] * d->t_faw / 4;
    for (int b = 0; b < d->banks; b++)
      if (s->bank_ns[c * d->banks + b] > compute) compute = s->bank_ns[c * d->banks + b];
    double t = compute + s->ch_bus[c] / (8 * d->bus_gbs);
    if (s->trace) trace_channel(s, k->step, c, compute, t - compute);
    if (t > worst) worst = t;
  }
  ks->ns += worst;
  ks->runs++;
  s->now_ns += worst;
}

/* A host step's cost: element operations on the modelled host, and its
 * operands and result over the bus. */
static void host_cost(DlPimSim *s, int step) {
  const DlStep *st = &s->plan->steps[step];
  const DlPimDevice *d = &s->p->dev;
  Stat *h = &s->hs[step];
  h->runs++;
  bool alias = st->q ? st->q->kind == DL_Q_ALIAS : st->call.kind == DL_CALL_ALIAS;
  if (alias) return;
  const DlTensor *y = &s->plan->slot[st->out];
  double ops = (double)dl_shape_numel(&y->shape), bytes = (double)dl_tensor_bytes(y);
  if (st->q && (st->q->kind == DL_Q_MATMUL || st->q->kind == DL_Q_CONV))
    ops *= st->q->kind == DL_Q_MATMUL ? (double)st->q->c.K
                                   : (double)(st->q->c.win.c / st->q->c.win.group * st->q->c.win.k[0] *
                                              st->q->c.win.k[1] * st->q->c.win.k[2]);
  for (int i = 0; i < st->nin; i++) bytes += (double)dl_tensor_bytes(&s->plan->slot[st->in[i]]);
  h->bus_bits += 8 * bytes;
  double ns = ops * d->host_ns_op + 8 * bytes / (8 * d->bus_gbs * d->channels);
  h->ns += ns;
  dl_trace_host_step(s->trace, st->where, step, s->now_ns, ns);
  s->now_ns += ns;
  h->nj += ops * d->host_pj_op * 1e-3 + 8 * bytes * d->e_bus_bit * 1e-3;
}

/* Adds this run's figures to the totals (and zeroes them), or, when ks and
 * hs hold the totals, zeroes them. */
static void fold(DlPimSim *s) {
  int n = s->p->nk * NSTAT;
  dl_xsum_fold(s->xs, (double *)s->ks, n, !s->settled);
  dl_xsum_fold(s->xs + n, (double *)s->hs, s->plan->nsteps * NSTAT, !s->settled);
  s->settled = false;
}

/* ks and hs set to the totals of every run so far. */
static void settle(DlPimSim *s) {
  if (s->settled) return;
  fold(s);
  int n = s->p->nk * NSTAT;
  dl_xsum_load(s->xs, (double *)s->ks, n);
  dl_xsum_load(s->xs + n, (double *)s->hs, s->plan->nsteps * NSTAT);
  s->settled = true;
}

DlXSum *dl_pim_sim_sums(DlPimSim *s, int *n) {
  fold(s);
  *n = (s->p->nk + s->plan->nsteps) * NSTAT;
  return s->xs;
}

double *dl_pim_sim_wall(DlPimSim *s) { return &s->sim_s; }

static int sim_exec(void *user, int step, DlError *e) {
  DlPimSim *s = user;
  (void)e;
  if (step == 0) fold(s); /* a new run: the last one's figures to the totals */
  int ki = s->kof[step];
  if (ki < 0) {
    host_cost(s, step);
    return 0;
  }
  double t0 = dl_now();
  run_kernel(s, ki);
  s->sim_s += dl_now() - t0;
  return 1;
}

void dl_pim_sim_timing_only(DlPimSim *s, bool on) { s->timing_only = on || s->p->counted; /* no row operations to run */ }

void dl_pim_sim_step_cost(DlPimSim *s, int step, double *ns, double *nj) {
  settle(s);
  int ki = s->kof[step];
  const Stat *x = ki >= 0 ? &s->ks[ki] : &s->hs[step];
  *ns = x->ns, *nj = x->nj;
}

void dl_pim_sim_totals(DlPimSim *s, double *ns, double *nj, double *bitops, double *sim_s) {
  settle(s);
  double a = 0, b = 0, c = 0;
  for (int i = 0; i < s->p->nk; i++) a += s->ks[i].ns, b += s->ks[i].nj, c += s->ks[i].bitops;
  for (int i = 0; i < s->plan->nsteps; i++) a += s->hs[i].ns, b += s->hs[i].nj;
  *ns = a, *nj = b, *bitops = c, *sim_s = s->sim_s;
}

bool dl_pim_sim_report(DlPimSim *s, FILE *f, int64_t samples) {
  settle(s);
  double ns, nj, bitops, sim_s, per = samples > 0 ? (double)samples : 1;
  dl_pim_sim_totals(s, &ns, &nj, &bitops, &sim_s);
  const DlPimDevice *d = &s->p->dev;
  double pim_ns = 0, pim_nj = 0, aap = 0, ap = 0, bus = 0, host_ns = 0, host_nj = 0;
  for (int i = 0; i < s->p->nk; i++)
    pim_ns += s->ks[i].ns, pim_nj += s->ks[i].nj, aap += s->ks[i].aap, ap += s->ks[i].ap, bus += s->ks[i].bus_bits;
  for (int i = 0; i < s->plan->nsteps; i++) host_ns += s->hs[i].ns, host_nj += s->hs[i].nj;
  fprintf(f, "{\n  \"schema\": \"%s\",\n  \"device\": ", DL_SCHEMA_PIM_REPORT);
  dl_json_write_str(f, d->name);
  fprintf(f, ",\n  \"samples\": %lld,\n", (long long)samples);
  fprintf(f, "  \"per_sample\": {\"ns\": %.1f, \"nj\": %.1f, \"pim_ns\": %.1f, \"pim_nj\": %.1f, \"host_ns\": %.1f, \"host_nj\": %.1f},\n",
          ns / per, nj / per, pim_ns / per, pim_nj / per, host_ns / per, host_nj / per);
  /* no wall-clock time here (the file is deterministic): dlc-run's summary line has it */
  fprintf(f, "  \"total\": {\"ns\": %.1f, \"nj\": %.1f, \"bitline_ops\": %.0f},\n", ns, nj, bitops);
  fprintf(f, "  \"by_command\": {\"aap\": {\"count\": %.0f, \"nj\": %.1f}, \"ap\": {\"count\": %.0f, \"nj\": %.1f}, "
             "\"load_store\": {\"bits\": %.0f, \"nj\": %.1f}},\n",
          aap, aap * d->e_aap, ap, ap * d->e_ap, bus, bus * d->e_bus_bit * 1e-3);
  fprintf(f, "  \"layers\": [");
  bool first = true;
  for (int i = 0; i < s->plan->nsteps; i++) {
    const DlStep *st = &s->plan->steps[i];
    int ki = s->kof[i];
    const Stat *x = ki >= 0 ? &s->ks[ki] : &s->hs[i];
    if (ki < 0 && x->ns == 0) continue;
    fprintf(f, "%s\n    {\"step\": %d, \"node\": ", first ? "" : ",", i);
    dl_json_write_str(f, st->where);
    if (ki >= 0) {
      const DlPimKernel *k = &s->p->k[ki];
      int64_t tiles = (k->lanes + d->cols - 1) / d->cols;
      fprintf(f, ", \"on\": \"pim\", \"kind\": \"%s\", \"in_bits\": %d, \"out_bits\": %d, \"lanes\": %lld, "
                 "\"bitline_utilization\": %.3f, \"aap\": %.0f, \"ap\": %.0f",
              k->kind == DL_PIM_K_MAC ? "mac" : "max", k->in_bits[0], k->out_bits, (long long)k->lanes,
              (double)k->lanes / (double)(tiles * d->cols), x->aap / per, x->ap / per);
    } else {
      fprintf(f, ", \"on\": \"host\"");
      dl_host_step_note(f, st, "pim");
    }
    fprintf(f, ", \"bus_bytes\": %.1f, \"ns\": %.1f, \"nj\": %.2f}", x->bus_bits / 8 / per, x->ns / per, x->nj / per);
    first = false;
  }
  fprintf(f, "\n  ]\n}\n");
  return !ferror(f);
}
