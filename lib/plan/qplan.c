/* The interpreter's integer mode: plans quant-dialect casts and qg ops on
 * quantized tensors into qrt kernel calls (lib/quant/qrt.c). Requantization
 * multipliers and shifts are read from the IR (`dlc.mult`, `dlc.shift`, as
 * written by --quantize or the QDQ importer), never recomputed here, so the
 * IR states exactly what every target computes. Shape-derived parameters
 * come from dl_call_lower, as for float. */
#include <math.h>
#include <mlir-c/Dialect/Quant.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlc/compress.h"
#include "dlc/kernels.h"
#include "dlc/qrt.h"
#include "dlc/quant.h"
#include "dlc/sparse.h"

void dl_qstep_free(struct DlQStep *q) {
  if (!q) return;
  dl_call_free(&q->c);
  free(q->mult), free(q->wdata), free(q->bias), free(q->lut), free(q->chunk), free(q->cb);
  dl_approx_destroy(&q->ax);
  free(q);
}

unsigned char *dl_qweights_pack(const int32_t *v, int64_t n, int *bits, size_t *bytes) {
  int32_t lo = 0, hi = 0;
  for (int64_t i = 0; i < n; i++) lo = v[i] < lo ? v[i] : lo, hi = v[i] > hi ? v[i] : hi;
  int b = 2;
  while (b < 32 && (lo < -((int64_t)1 << (b - 1)) || hi > ((int64_t)1 << (b - 1)) - 1)) b++;
  b = b < 8 ? b : b == 8 ? 8 : b <= 16 ? 16 : 32;
  *bits = b;
  *bytes = b >= 8 ? (size_t)n * (size_t)(b / 8) : (size_t)((n * b + 7) / 8) + 1;
  unsigned char *p = calloc(*bytes ? *bytes : 1, 1);
  for (int64_t i = 0; i < n; i++) {
    if (b == 8) ((int8_t *)p)[i] = (int8_t)v[i];
    else if (b == 16) ((int16_t *)p)[i] = (int16_t)v[i];
    else if (b == 32) ((int32_t *)p)[i] = v[i];
    else
      for (int j = 0; j < b; j++)
        if ((uint32_t)v[i] >> j & 1) p[(i * b + j) >> 3] |= (unsigned char)(1u << ((i * b + j) & 7));
  }
  return p;
}

size_t dl_qstep_scratch_bytes(const struct DlQStep *q) { return q->nscratch; }

static int es_of(const DlShape *s) { return (int)dl_dtype_size(s->dtype); }

static int qerr(DlError *e, const char *where, MlirOperation op, const char *fmt, const char *detail) {
  MlirStringRef n = mlirIdentifierStr(mlirOperationGetName(op));
  char msg[256];
  snprintf(msg, sizeof msg, fmt, detail);
  dl_error_set(e, "%s%s%.*s: %s", where, where[0] ? ": " : "", (int)n.length, n.data, msg);
  return -1;
}

/* Per-tensor params of v, or an error. Zero point 0 / scale 1 for plain integers. */
static bool params_of(MlirValue v, DlQParams *q) {
  if (dl_qparams_of_type(mlirValueGetType(v), q)) return true;
  return false;
}

static qrt_out out_stage(const DlQParams *q, const DlShape *s, const DlAttrs *a) {
  qrt_out o = {es_of(s), q->zp, q->qmin, q->qmax};
  if (a && strcmp(dl_attrs_str(a, "act", "none"), "none")) {
    double lo = dl_attrs_float(a, "act_min", -INFINITY), hi = dl_attrs_float(a, "act_max", INFINITY);
    float s32 = (float)q->scale;
    if (isfinite(lo)) o.lo = dl_quantize_f((float)lo, s32, q->zp, q->qmin, q->qmax);
    if (isfinite(hi)) o.hi = dl_quantize_f((float)hi, s32, q->zp, q->qmin, q->qmax);
  }
  if (o.lo > o.hi) o.lo = o.hi; /* ONNX Clip: min(max(x, lo), hi) is hi everywhere when lo > hi */
  return o;
}

/* dlc.mult / dlc.shift of op, n entries each (1 broadcasts). */
static int read_mults(MlirOperation op, qrt_mult **out) {
  MlirAttribute m = mlirOperationGetDiscardableAttributeByName(op, dl_str("dlc.mult"));
  MlirAttribute s = mlirOperationGetDiscardableAttributeByName(op, dl_str("dlc.shift"));
  if (mlirAttributeIsNull(m) || mlirAttributeIsNull(s) || !mlirAttributeIsADenseI64Array(m) ||
      !mlirAttributeIsADenseI64Array(s))
    return 0;
  intptr_t n = mlirDenseArrayGetNumElements(m), ns = mlirDenseArrayGetNumElements(s);
  if (n < 1 || (ns != n && ns != 1)) return 0;
  *out = malloc(sizeof(qrt_mult) * (size_t)n);
  for (intptr_t i = 0; i < n; i++) {
    (*out)[i].m0 = mlirDenseI64ArrayGetElement(m, i);
    (*out)[i].shift = (int)mlirDenseI64ArrayGetElement(s, ns == 1 ? 0 : i);
    if ((*out)[i].shift < 0 || (*out)[i].shift > 62 || (*out)[i].m0 < 0 || (*out)[i].m0 >= ((int64_t)1 << 31)) {
      free(*out);
      *out = NULL;
      return 0;
    }
  }
  return (int)n;
}

/* The constant behind v (through quant.scast), or NULL. */
static const DlTensor *const_of(DlPlan *p, MlirValue v) {
  if (mlirValueIsAOpResult(v) && dl_op_is(mlirOpResultGetOwner(v), "quant.scast"))
    v = mlirOperationGetOperand(mlirOpResultGetOwner(v), 0);
  int s = dl_plan_slot_of(p, v);
  return s >= 0 && p->slot_kind[s] == DL_SLOT_CONST ? &p->slot[s] : NULL;
}

/* Zero point of a (possibly per-axis) quantized weight type; per-axis must be uniform. */
static int64_t weight_zp(MlirValue v) {
  MlirType t = mlirShapedTypeGetElementType(mlirValueGetType(v));
  if (mlirTypeIsAUniformQuantizedType(t)) return mlirUniformQuantizedTypeGetZeroPoint(t);
  if (mlirTypeIsAUniformQuantizedPerAxisType(t)) return mlirUniformQuantizedPerAxisTypeGetZeroPoint(t, 0);
  return 0;
}

static double max_abs_q(const DlQParams *p) {
  return fmax((double)(p->qmax - p->zp), (double)(p->zp - p->qmin));
}

/* q->acc_bits from dlc.acc_bits (64 when absent). A claim of at most 32 bits
 * selects int32 accumulators in qrt, so it is checked against the operands:
 * K * max|x - zx| * max|w| + max|bias| < 2^31 (w: the weights, or operand 1's
 * range when qw is given). */
static bool read_acc_bits(MlirOperation op, struct DlQStep *q, const DlQParams *qx, const DlQParams *qw, int64_t K,
                          int64_t nbias, DlError *e, const char *where) {
  MlirAttribute a = mlirOperationGetDiscardableAttributeByName(op, dl_str("dlc.acc_bits"));
  q->acc_bits = 64;
  if (!mlirAttributeIsNull(a) && mlirAttributeIsADenseI64Array(a) && mlirDenseArrayGetNumElements(a) == 1)
    q->acc_bits = (int)mlirDenseI64ArrayGetElement(a, 0);
  if (q->acc_bits > 32) return true;
  double wmax = qw ? max_abs_q(qw) : 0, bmax = 0;
  for (int64_t i = 0; !qw && i < q->nw; i++) wmax = fmax(wmax, fabs((double)qrt_wget(q->w, i)));
  for (int64_t i = 0; q->bias && i < nbias; i++) bmax = fmax(bmax, fabs((double)q->bias[i]));
  double bound = (double)K * max_abs_q(qx) * wmax + bmax;
  if (bound < 2147483648.0) return true;
  char msg[160];
  snprintf(msg, sizeof msg, "dlc.acc_bits = %d, but the operands bound the accumulator by %.0f (more than 32 bits)",
           q->acc_bits, bound);
  return qerr(e, where, op, "%s", msg), false;
}

/* dlc.approx of a layer with constant weights: its product table, for
 * operands within the unsigned 8x8 multiplier's reach (|x - zx|, |w| <= 255).
 * Such layers sum in int64 (acc_bits 64) whatever dlc.acc_bits says: the
 * products are not a * b, and overflow.c bounds them by the table. */
static bool read_approx(MlirOperation op, struct DlQStep *q, const DlQParams *qx, DlError *e, const char *where) {
  MlirAttribute a = mlirOperationGetDiscardableAttributeByName(op, dl_str("dlc.approx"));
  if (mlirAttributeIsNull(a)) return true;
  if (!mlirAttributeIsAString(a) || !q->wdata)
    return qerr(e, where, op, "%s", "dlc.approx must be a string, on a layer with constant weights"), false;
  double wmax = 0;
  for (int64_t i = 0; i < q->nw; i++) wmax = fmax(wmax, fabs((double)qrt_wget(q->w, i)));
  if (max_abs_q(qx) > 255 || wmax > 255)
    return qerr(e, where, op, "%s", "dlc.approx needs operands of at most 8 bits (|x - zx| and |w| up to 255)"), false;
  MlirStringRef sv = mlirStringAttrGetValue(a);
  char spec[512];
  snprintf(spec, sizeof spec, "%.*s", (int)sv.length, sv.data);
  DlError ae = {0};
  if (!dl_approx_create(spec, &q->ax, &ae)) {
    qerr(e, where, op, "%s", ae.msg);
    dl_error_clear(&ae);
    return false;
  }
  q->acc_bits = 64;
  return true;
}

static bool unary_lut_op(DlOpKind k) {
  switch (k) {
  case DL_OP_RELU: case DL_OP_LEAKY_RELU: case DL_OP_CLIP: case DL_OP_SIGMOID: case DL_OP_HARD_SIGMOID:
  case DL_OP_HARD_SWISH: case DL_OP_TANH: case DL_OP_ERF: case DL_OP_GELU: case DL_OP_ELU: case DL_OP_SELU:
  case DL_OP_CELU: case DL_OP_SOFTPLUS: case DL_OP_SOFTSIGN: case DL_OP_EXP: case DL_OP_NEG: case DL_OP_ABS:
  case DL_OP_SQRT: case DL_OP_SIN: case DL_OP_COS: case DL_OP_THRESHOLDED_RELU:
    return true;
  default: return false;
  }
}

static DlStep *new_step(DlPlan *p, MlirOperation op, DlOpKind k) {
  p->steps = realloc(p->steps, sizeof(DlStep) * (size_t)(p->nsteps + 1));
  DlStep *st = &p->steps[p->nsteps++];
  memset(st, 0, sizeof *st);
  st->k = k;
  dl_location_str(mlirOperationGetLocation(op), st->where, sizeof st->where);
  return st;
}

int dl_qplan_op(DlPlan *p, MlirOperation op, DlError *e) {
  bool qcast = dl_op_is(op, "quant.qcast"), dcast = dl_op_is(op, "quant.dcast"), scast = dl_op_is(op, "quant.scast");
  DlOpKind k = dl_op_kind(op);
  bool concat = dl_op_is(op, "tensor.concat");
  if (!qcast && !dcast && !scast) {
    if (k == DL_OP_COUNT && !concat) return 0;
    if (mlirOperationGetNumResults(op) != 1 || !dl_value_is_quant(mlirOperationGetResult(op, 0))) return 0;
  }
  intptr_t nin = mlirOperationGetNumOperands(op);
  if (nin > 32 || nin < 1) return qerr(e, "", op, "%s", "bad operand count");
  DlStep *st = new_step(p, op, k);
  struct DlQStep *q = calloc(1, sizeof *q);
  st->q = q;
  st->nin = (int)nin;
  DlShape in[32], fin[32], out, fout;
  for (intptr_t i = 0; i < nin; i++) {
    st->in[i] = dl_plan_slot_of(p, mlirOperationGetOperand(op, i));
    if (st->in[i] < 0) return qerr(e, st->where, op, "%s", "operand defined outside the function body");
    in[i] = fin[i] = p->slot[st->in[i]].shape;
    fin[i].dtype = DL_F32;
  }
  MlirValue r = mlirOperationGetResult(op, 0);
  if (!dl_type_to_shape(mlirValueGetType(r), &out)) return qerr(e, st->where, op, "%s", "result is not a static tensor");
  fout = out, fout.dtype = DL_F32;
  st->out = dl_plan_new_slot(p, r, &out);
  st->val = r;
  DlQParams qx = {0}, qw = {0}, qy = {0};
  bool has_qx = params_of(mlirOperationGetOperand(op, 0), &qx), has_qy = params_of(r, &qy);
  q->xes = es_of(&in[0]);
  q->zx = qx.zp;
  if (k != DL_OP_COUNT && !dl_op_read_attrs(op, k, &st->a, e)) return -1;

  if (scast) {
    q->kind = DL_Q_ALIAS;
  } else if (qcast) {
    if (!has_qy) return qerr(e, st->where, op, "%s", "result must be a per-tensor !quant.uniform type");
    q->kind = DL_Q_QCAST, q->scale = (float)qy.scale, q->o = out_stage(&qy, &out, NULL);
  } else if (dcast) {
    if (!has_qx) return qerr(e, st->where, op, "%s", "operand must be a per-tensor !quant.uniform type");
    q->kind = DL_Q_DCAST, q->scale = (float)qx.scale;
  } else if (!has_qy) {
    return qerr(e, st->where, op, "%s", "integer ops need per-tensor quantized results");
  } else if (concat) {
    q->kind = DL_Q_CONCAT;
    int axis = (int)mlirIntegerAttrGetValueInt(mlirOperationGetAttributeByName(op, dl_str("dim")));
    dlrt_i outer = 1;
    for (int d = 0; d < axis; d++) outer *= out.dims[d];
    q->chunk = malloc(sizeof(dlrt_i) * (size_t)nin);
    for (int i = 0; i < nin; i++) {
      DlQParams qi;
      if (!params_of(mlirOperationGetOperand(op, i), &qi) || qi.scale != qy.scale || qi.zp != qy.zp)
        return qerr(e, st->where, op, "%s", "concatenated tensors must share the result's quantization");
      q->chunk[i] = outer ? dl_shape_numel(&in[i]) / outer : 0;
    }
    q->c.outer = outer;
    q->o = out_stage(&qy, &out, NULL); /* a copy: the targets that store element by element read its width here */
  } else if (k == DL_OP_LUT) {
    /* the table is the op's meaning: --quantize tabulated an elementwise float region over every input level */
    MlirAttribute t = mlirOperationGetDiscardableAttributeByName(op, dl_str("dlc.table"));
    MlirAttribute lo = mlirOperationGetDiscardableAttributeByName(op, dl_str("dlc.table_lo"));
    if (!has_qx || mlirAttributeIsNull(t) || mlirAttributeIsNull(lo) || !mlirAttributeIsADenseI64Array(t) ||
        !mlirAttributeIsADenseI64Array(lo) || mlirDenseArrayGetNumElements(lo) != 1)
      return qerr(e, st->where, op, "%s", "needs a quantized input, dlc.table and dlc.table_lo");
    int64_t nl = mlirDenseArrayGetNumElements(t), l0 = mlirDenseI64ArrayGetElement(lo, 0);
    if (l0 != qx.qmin || nl != qx.qmax - qx.qmin + 1)
      return qerr(e, st->where, op, "%s", "dlc.table must hold one entry per input level (qmin..qmax)");
    q->lut = malloc(sizeof(int32_t) * (size_t)nl);
    for (int64_t i = 0; i < nl; i++) {
      int64_t v = mlirDenseI64ArrayGetElement(t, i);
      if (v < qy.qmin || v > qy.qmax) {
        free(q->lut), q->lut = NULL;
        return qerr(e, st->where, op, "%s", "dlc.table entry outside the result's storage range");
      }
      q->lut[i] = (int32_t)v;
    }
    q->lut_lo = l0, q->lut_n = nl;
    q->o = out_stage(&qy, &out, NULL);
    q->kind = DL_Q_LUT;
  } else {
    DlError le = {0};
    if (!dl_call_lower(k, &st->a, st->nin, fin, &fout, &q->c, &le)) {
      qerr(e, st->where, op, "%s", le.msg);
      dl_error_clear(&le);
      return -1;
    }
    q->o = out_stage(&qy, &out, &st->a);
    bool same = has_qx && qx.scale == qy.scale && qx.zp == qy.zp;
    switch (k) {
    case DL_OP_RESHAPE:
    case DL_OP_TRANSPOSE: case DL_OP_SLICE: case DL_OP_EXPAND: case DL_OP_TILE: case DL_OP_DEPTH_TO_SPACE:
    case DL_OP_SPACE_TO_DEPTH:
      if (!same) return qerr(e, st->where, op, "%s", "data movement must keep the operand's quantization");
      q->kind = q->c.kind == DL_CALL_COPY ? DL_Q_COPY : DL_Q_ALIAS;
      if (q->c.kind != DL_CALL_COPY && q->c.kind != DL_CALL_ALIAS)
        return qerr(e, st->where, op, "%s", "no integer form for this data movement");
      break;
    case DL_OP_RESIZE: { /* nearest: every output element is one input element, one tap of weight 1 per axis */
      if (!same || q->c.kind != DL_CALL_RESIZE || q->c.r > 8)
        return qerr(e, st->where, op, "%s", "an integer resize must keep the operand's quantization");
      for (int i = 0; i < q->c.r; i++)
        if (q->c.bs[i] != 1) return qerr(e, st->where, op, "%s", "only nearest resizing has an integer form");
      for (dlrt_i i = 0; i < q->c.ntab; i++)
        if (q->c.wtab[i] != 1) return qerr(e, st->where, op, "%s", "only nearest resizing has an integer form");
      q->kind = DL_Q_GATHER;
      break;
    }
    case DL_OP_GLOBAL_AVG_POOL:
      if (!same) { /* its own output parameters: the sum requantized by dlc.mult / dlc.shift */
        q->nmult = read_mults(op, &q->mult);
        if (!has_qx || q->nmult != 1 || q->c.kind != DL_CALL_GLOBAL_POOL || q->c.sub != 0)
          return qerr(e, st->where, op, "%s", "an average pool that requantizes needs one dlc.mult / dlc.shift");
        q->kind = DL_Q_GLOBAL_POOL;
        break;
      }
      /* fall through */
    case DL_OP_MAX_POOL: case DL_OP_AVG_POOL: case DL_OP_GLOBAL_MAX_POOL:
      if (!same) return qerr(e, st->where, op, "%s", "pooling must keep the operand's quantization");
      q->kind = q->c.kind == DL_CALL_POOL ? DL_Q_POOL : DL_Q_GLOBAL_POOL;
      if (q->c.kind != DL_CALL_POOL && q->c.kind != DL_CALL_GLOBAL_POOL)
        return qerr(e, st->where, op, "%s", "no integer form for this pooling");
      break;
    case DL_OP_CONV: case DL_OP_GEMM: case DL_OP_MATMUL: {
      MlirValue wv = mlirOperationGetOperand(op, 1);
      const DlTensor *wt = const_of(p, wv);
      q->nmult = read_mults(op, &q->mult);
      if (!has_qx || !q->nmult) return qerr(e, st->where, op, "%s", "needs a quantized input and dlc.mult/dlc.shift");
      int64_t nch = k == DL_OP_CONV ? out.dims[1] : out.dims[out.rank - 1];
      if (q->nmult != 1 && q->nmult != nch) return qerr(e, st->where, op, "%s", "dlc.mult must have one entry per output channel");
      if (nin > 2) {
        const DlTensor *bt = const_of(p, mlirOperationGetOperand(op, 2));
        if (!bt || bt->shape.dtype != DL_I32 || dl_shape_numel(&bt->shape) != nch)
          return qerr(e, st->where, op, "%s", "the bias must be a constant i32 vector, one per output channel");
        q->bias = malloc(sizeof(int32_t) * (size_t)nch);
        memcpy(q->bias, bt->data, sizeof(int32_t) * (size_t)nch);
      }
      if (k == DL_OP_GEMM && (q->c.transA || q->c.alpha != 1 || q->c.beta != 1))
        return qerr(e, st->where, op, "%s", "integer gemm needs transA = 0 and alpha = beta = 1");
      if (wt) {
        q->zw = weight_zp(wv);
        int64_t n = dl_shape_numel(&wt->shape);
        int32_t *w = malloc(sizeof(int32_t) * (size_t)(n ? n : 1));
        if (k == DL_OP_GEMM && q->c.transB) { /* [N,K] -> [K,N] */
          for (int64_t i = 0; i < q->c.N; i++)
            for (int64_t j = 0; j < q->c.K; j++)
              w[j * q->c.N + i] = (int32_t)(dl_tensor_get_i(wt, i * q->c.K + j) - q->zw);
        } else {
          for (int64_t i = 0; i < n; i++) w[i] = (int32_t)(dl_tensor_get_i(wt, i) - q->zw);
        }
        q->wdata = dl_qweights_pack(w, n, &q->w.bits, &q->wbytes);
        q->w.data = q->wdata, q->nw = n;
        char cmsg[160];
        bool cbok = dl_qweights_codebook(op, wv, w, n, nch, k == DL_OP_CONV, q, cmsg, sizeof cmsg);
        free(w);
        if (!cbok) return qerr(e, st->where, op, "%s", cmsg);
      } else if (k != DL_OP_MATMUL) {
        return qerr(e, st->where, op, "%s", "integer conv/gemm needs constant weights");
      } else {
        if (!params_of(wv, &qw)) return qerr(e, st->where, op, "%s", "both matmul operands must be quantized");
        q->zw = qw.zp, q->wes = es_of(&in[1]);
      }
      const dlrt_win *g = &q->c.win;
      int64_t K = k == DL_OP_CONV ? g->c / g->group * g->k[0] * g->k[1] * g->k[2] : q->c.K;
      if (!read_acc_bits(op, q, &qx, wt ? NULL : &qw, K, nch, e, st->where)) return -1;
      if (!read_approx(op, q, &qx, e, st->where)) return -1;
      if (q->ax.table) {
        q->kind = k == DL_OP_CONV ? DL_Q_CONV : DL_Q_MATMUL;
        if (k == DL_OP_CONV) q->nscratch = (size_t)qrt_conv_approx_scratch(&q->c.win);
        if (k == DL_OP_GEMM) {
          q->c.batches = 1;
          q->c.aoff = calloc(1, sizeof(dlrt_i)), q->c.boff = calloc(1, sizeof(dlrt_i));
        }
      } else if (k == DL_OP_CONV) {
        q->kind = DL_Q_CONV;
        q->nscratch = (size_t)qrt_conv_scratch(&q->c.win, q->xes, q->zx, q->w, q->acc_bits);
      } else {
        q->kind = DL_Q_MATMUL;
        if (k == DL_OP_GEMM) {
          q->c.batches = 1;
          q->c.aoff = calloc(1, sizeof(dlrt_i)), q->c.boff = calloc(1, sizeof(dlrt_i));
        }
        q->nscratch = (size_t)qrt_matmul_scratch(q->c.M, q->c.N, q->c.K, q->xes, q->zx, q->wdata ? &q->w : NULL,
                                                 q->wes, q->zw, q->acc_bits);
      }
      /* the plan's one scratch buffer, sized by call.scratch floats, serves integer steps too:
       * one buffer for all steps keeps the working set in cache, as in the generated C */
      st->call.scratch = (dlrt_i)((q->nscratch + sizeof(float) - 1) / sizeof(float));
      break;
    }
    case DL_OP_ADD: case DL_OP_SUB: case DL_OP_MUL: {
      DlQParams qb;
      qrt_mult *m = NULL;
      int nm = read_mults(op, &m);
      if (!has_qx || !params_of(mlirOperationGetOperand(op, 1), &qb) || q->c.kind != DL_CALL_BINARY ||
          nm != (k == DL_OP_MUL ? 1 : 2)) {
        free(m);
        return qerr(e, st->where, op, "%s", "needs quantized operands and dlc.mult (add/sub: 2 entries, mul: 1)");
      }
      q->mult = m, q->nmult = nm;
      q->mb = nm > 1 ? m[1] : m[0];
      q->zw = qb.zp, q->wes = es_of(&in[1]);
      q->kind = DL_Q_BINARY;
      break;
    }
    default:
      if (!unary_lut_op(k) || q->c.kind != DL_CALL_UNARY || !has_qx)
        return qerr(e, st->where, op, "%s", "has no integer form; keep it float (dequantize around it)");
      if (qx.qmax - qx.qmin > 65535) return qerr(e, st->where, op, "%s", "lookup tables need inputs of at most 16 bits");
      {
        /* the table: every input level through the float kernel, then quantized */
        int64_t nl = qx.qmax - qx.qmin + 1;
        float *xs = malloc(sizeof(float) * (size_t)nl), *ys = malloc(sizeof(float) * (size_t)nl);
        for (int64_t i = 0; i < nl; i++) xs[i] = dl_dequantize_f(qx.qmin + i, (float)qx.scale, qx.zp);
        dlrt_unary(q->c.sub, nl, xs, ys, q->c.p0, q->c.p1);
        q->lut = malloc(sizeof(int32_t) * (size_t)nl);
        for (int64_t i = 0; i < nl; i++)
          q->lut[i] = (int32_t)dl_quantize_f(ys[i], (float)qy.scale, qy.zp, qy.qmin, qy.qmax);
        q->lut_lo = qx.qmin, q->lut_n = nl;
        free(xs), free(ys);
        q->kind = DL_Q_LUT;
      }
    }
  }
  DlCompressChoice zc;
  int z = dl_compress_attr_get(op, &zc, e);
  if (z < 0) return -1;
  if (z && zc.k > 0 && (q->kind == DL_Q_ALIAS || !dl_compress_params(&zc, mlirValueGetType(r), &q->lossy)))
    return qerr(e, st->where, op, "%s", "dlc.compress with k > 0 needs a per-tensor quantized result of its own");
  DlQParams q1;
  DlQRange rx = {qx.qmin, qx.qmax}, r1 = {0, 0};
  bool act1 = nin > 1 && !const_of(p, mlirOperationGetOperand(op, 1)) && params_of(mlirOperationGetOperand(op, 1), &q1);
  if (act1) r1 = (DlQRange){q1.qmin, q1.qmax};
  if (has_qx && !dl_qstep_prove(st, &rx, act1 ? &r1 : NULL, e)) return -1;
  if (q->kind != DL_Q_ALIAS && !dl_tensor_alloc(&p->slot[st->out], &out)) return qerr(e, st->where, op, "%s", "out of memory");
  if (q->kind == DL_Q_ALIAS && k != DL_OP_COUNT && !scast && dl_shape_numel(&in[0]) != dl_shape_numel(&out))
    return qerr(e, st->where, op, "%s", "alias changes the element count");
  return 1;
}

bool dl_qstep_run(DlPlan *p, const DlStep *st, DlError *e) {
  (void)e;
  struct DlQStep *q = st->q;
  DlTensor *x = &p->slot[st->in[0]], *y = &p->slot[st->out];
  const void *w = st->nin > 1 ? p->slot[st->in[1]].data : NULL;
  const DlCall *c = &q->c;
  dlrt_i n = dl_shape_numel(&y->shape);
  switch (q->kind) {
  case DL_Q_ALIAS:
    y->data = x->data, y->owned = false;
    break;
  case DL_Q_QCAST: qrt_quantize(n, x->data, q->scale, q->o, y->data); break;
  case DL_Q_DCAST: qrt_dequantize(n, x->data, q->xes, q->zx, q->scale, y->data); break;
  case DL_Q_CONV:
    if (q->ax.table) {
      qrt_conv_approx(&c->win, x->data, q->xes, q->zx, q->w, q->bias, q->mult, q->o, q->ax.wtab, y->data, p->scratch);
      break;
    }
    qrt_conv(&c->win, x->data, q->xes, q->zx, q->w, q->bias, q->mult, q->o, q->acc_bits, y->data, p->scratch);
    break;
  case DL_Q_MATMUL:
    if (q->ax.table) {
      qrt_matmul_approx(c->batches, c->aoff, c->boff, c->M, c->N, c->K, x->data, q->xes, q->zx, q->w, q->bias, q->mult,
                        q->nmult, q->o, q->ax.wtab, y->data);
      break;
    }
    qrt_matmul(c->batches, c->aoff, c->boff, c->M, c->N, c->K, x->data, q->xes, q->zx, q->wdata ? &q->w : NULL,
               q->wdata ? NULL : w, q->wes,
               q->zw, q->bias, q->mult, q->nmult, q->o, q->acc_bits, y->data, p->scratch);
    break;
  case DL_Q_BINARY: {
    int op = st->k == DL_OP_ADD ? 0 : st->k == DL_OP_SUB ? 1 : 2;
    qrt_binary(op, c->r, c->dims, x->data, q->xes, c->as, q->zx, w, q->wes, c->bs, q->zw, q->mult[0], q->mb, q->o,
               y->data);
    break;
  }
  case DL_Q_LUT: qrt_lut(n, x->data, q->xes, q->lut_lo, q->lut, q->o.es, y->data); break;
  case DL_Q_POOL: qrt_pool(&c->win, c->sub, x->data, q->zx, q->xes, y->data); break;
  case DL_Q_GLOBAL_POOL:
    if (q->nmult) qrt_global_avg(c->outer, c->len, x->data, q->zx, q->xes, q->mult[0], q->o, y->data);
    else qrt_global_pool(c->outer, c->len, c->sub, x->data, q->zx, q->xes, y->data);
    break;
  case DL_Q_GATHER: qrt_gather_nearest(c->r, c->dims, c->tab, x->data, q->xes, y->data); break;
  case DL_Q_COPY: qrt_copy_strided(c->r, c->dims, c->as, c->offset, x->data, q->xes, y->data); break;
  case DL_Q_CONCAT: {
    const void *xs[32];
    for (int i = 0; i < st->nin; i++) xs[i] = p->slot[st->in[i]].data;
    qrt_concat(st->nin, xs, q->chunk, c->outer, q->xes, y->data);
    break;
  }
  }
  if (q->lossy.k > 0) {
    int es = es_of(&y->shape);
    for (dlrt_i i = 0; i < n; i++) qrt_st(y->data, es, i, dlz_lossy(&q->lossy, qrt_ld(y->data, es, i)));
  }
  return true;
}
