/* The per-tensor compression choice as IR (`dlc.compress` on the producing
 * op) and which tensors the C target can keep compressed: those whose
 * producer and every consumer run in bands of rows (see compress.h). */
#include <stdio.h>
#include <string.h>

#include "dlc/compress.h"
#include "dlc/plan.h"
#include "dlc/sparse.h"

/* [1, C, H, W]: the only layout kept compressed (channel-last, in bands of rows). */
static bool nchw1(const DlShape *s) {
  return s->rank == 4 && s->dims[0] == 1;
}

static bool same_shape(const DlShape *a, const DlShape *b) {
  if (a->rank != b->rank) return false;
  for (int i = 0; i < a->rank; i++)
    if (a->dims[i] != b->dims[i]) return false;
  return true;
}

const char *dl_compress_band_op(const DlPlan *p, int step) {
  const DlStep *st = &p->steps[step];
  const struct DlQStep *q = st->q;
  const DlShape *y = &p->slot[st->out].shape;
  if (!q) return "a float op";
  if (!nchw1(y) || !nchw1(&p->slot[st->in[0]].shape)) return "not a [1, C, H, W] tensor op";
  switch (q->kind) {
  case DL_Q_CONV:
  case DL_Q_POOL:
    return q->c.win.n == 1 && q->c.win.id[0] == 1 && q->c.win.k[0] == 1 ? NULL : "not a 2-D window";
  case DL_Q_LUT:
  case DL_Q_QCAST: return NULL;
  case DL_Q_BINARY:
    return same_shape(&p->slot[st->in[0]].shape, y) && same_shape(&p->slot[st->in[1]].shape, y)
               ? NULL
               : "a broadcasting binary op";
  default: return "an op without a row-band form";
  }
}

/* Operand j of a band op that is read in bands (conv and matmul weights are not). */
static bool band_operand(const DlStep *st, int j) {
  return j == 0 || (st->q->kind == DL_Q_BINARY && j == 1);
}

bool dl_compress_streamable(const DlPlan *p, int slot, char *why, size_t n) {
  int def = -1;
  for (int i = 0; i < p->nsteps; i++)
    if (p->steps[i].out == slot) def = i;
  const char *bad = def < 0 ? "not computed by a step" : dl_compress_band_op(p, def);
  if (!bad && p->steps[def].q->kind == DL_Q_ALIAS) bad = "a view";
  for (int o = 0; o < p->nout && !bad; o++)
    if (p->out_slot[o] == slot) bad = "a model output";
  for (int i = 0; i < p->nsteps && !bad; i++)
    for (int j = 0; j < p->steps[i].nin && !bad; j++) {
      if (p->steps[i].in[j] != slot) continue;
      const DlStep *c = &p->steps[i];
      const char *cb = dl_compress_band_op(p, i);
      if (cb || !band_operand(c, j) || c->q->kind == DL_Q_QCAST) {
        const char *op = c->q && c->q->kind == DL_Q_ALIAS ? "a view (reshape)"
                         : cb                          ? cb
                                                       : "a non-band operand";
        snprintf(why, n, "read by %s at %s", op, c->where);
        return false;
      }
    }
  if (bad) snprintf(why, n, "%s", bad);
  return !bad;
}
