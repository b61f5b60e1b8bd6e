/* --fold-qdq: already-quantized ONNX (QDQ and QOperator form) -> the
 * annotations --quantize builds its integer graph from, so a QAT or
 * onnxruntime-quantized model compiles without calibration.
 *
 * 1. QOperator ops become their QDQ meaning: qlinear_conv(x, ..., w, ..., y_s,
 *    y_zp, B) -> quantize_linear(conv(dq(x), dq(w), dq(B at x_s*w_s))), and
 *    likewise qlinear_matmul, conv_integer and matmul_integer (scale 1, i32
 *    result). Ops whose parameters are not constants stay as they are.
 * 2. Every per-tensor quantize_linear(x, s, zp) records its parameters on x
 *    (`dlc.qparams`, see dl_value_set_qparams); dequantize_linear(quantize_linear(x))
 *    with the same parameters becomes x.
 * 3. dequantize_linear of a constant (weights, biases; per axis too) becomes the
 *    float constant it denotes, with the exact integers behind it recorded on
 *    the constant (`dlc.qweight`), so --quantize reproduces them bit for bit.
 *    Any other dequantize_linear (of a quantized graph input) stays, and its
 *    result records the parameters.
 * Unsigned storage is moved to signed (u8 q, zp -> q - 128, zp - 128), which
 * changes no real value. Nothing here computes: --quantize then turns every op
 * whose operands and result carry parameters into its integer form, and what
 * is left is a float island, as in the ONNX graph. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dlc/qdq.h"
#include "pass_util.h"

static DlDType dtype_of(MlirValue v) {
  DlShape s;
  return dl_type_to_shape(mlirValueGetType(v), &s) ? s.dtype : DL_DTYPE_COUNT;
}

/* ---- 1. QOperator ops ---------------------------------------------------------- */

static MlirValue create(MlirOperation before, DlOpKind k, int n, const MlirValue *ops, MlirType rt, const DlAttrs *a) {
  DlAttrs full = *a;
  DlError e = {0};
  dl_attrs_complete(&full, k, &e);
  dl_error_clear(&e);
  MlirOperation op = dl_op_create(mlirOperationGetLocation(before), k, n, ops, 1, &rt, &full);
  mlirBlockInsertOwnedOperationBefore(mlirOperationGetBlock(before), before, op);
  return mlirOperationGetResult(op, 0);
}

static MlirType f32_like(MlirValue v) {
  DlShape s;
  dl_type_to_shape(mlirValueGetType(v), &s);
  s.dtype = DL_F32;
  return dl_shape_to_type(mlirValueGetContext(v), &s);
}

static MlirValue dq(MlirOperation before, MlirValue x, MlirValue s, MlirValue z, int axis) {
  DlAttrs a;
  dl_attrs_init(&a);
  dl_attrs_set_int(&a, "axis", axis);
  MlirValue ops[3] = {x, s, z};
  return create(before, DL_OP_DEQUANTIZE_LINEAR, mlirValueIsNull(z) ? 2 : 3, ops, f32_like(x), &a);
}

static MlirValue f32_const(MlirOperation before, const float *v, int64_t n) {
  DlShape s = {DL_F32, n == 1 ? 0 : 1, {n}};
  DlTensor t = {0};
  dl_tensor_alloc(&t, &s);
  memcpy(t.data, v, sizeof(float) * (size_t)n);
  return dl_insert_constant(before, &t, "qdq_scale");
}

/* The scale of a bias that joins x_s * w_s[c]: x_s and w_s must be constants. */
static MlirValue bias_scale(MlirOperation before, MlirValue xs, MlirValue ws) {
  DlTensor a = {0}, b = {0};
  MlirValue r = {NULL};
  if (dl_value_tensor(xs, &a) && dl_value_tensor(ws, &b) && a.shape.dtype == DL_F32 && b.shape.dtype == DL_F32 &&
      dl_shape_numel(&a.shape) == 1) {
    int64_t n = dl_shape_numel(&b.shape);
    float *v = malloc(sizeof(float) * (size_t)(n ? n : 1));
    for (int64_t i = 0; i < n; i++) v[i] = ((const float *)a.data)[0] * ((const float *)b.data)[i];
    r = f32_const(before, v, n);
    free(v);
  }
  dl_tensor_free(&a), dl_tensor_free(&b);
  return r;
}

static MlirValue unit_scale(MlirOperation before) {
  float one = 1.0f;
  return f32_const(before, &one, 1);
}

static MlirValue int32_zero(MlirOperation before) {
  DlShape s = {DL_I32, 0, {0}};
  DlTensor t = {0};
  dl_tensor_alloc(&t, &s);
  return dl_insert_constant(before, &t, "qdq_zp");
}

static bool all_const(MlirOperation op, const int *idx, int n) {
  for (int i = 0; i < n; i++)
    if (idx[i] < mlirOperationGetNumOperands(op) && mlirAttributeIsNull(dl_value_constant(mlirOperationGetOperand(op, idx[i]))))
      return false;
  return true;
}

static int expand_qoperator(MlirOperation op, DlOpKind k) {
  MlirValue in[9];
  int n = (int)mlirOperationGetNumOperands(op);
  for (int i = 0; i < n && i < 9; i++) in[i] = mlirOperationGetOperand(op, i);
  MlirValue r = mlirOperationGetResult(op, 0), y;
  DlAttrs a;
  DlError e = {0};
  if (!dl_op_read_attrs(op, k, &a, &e)) return dl_error_clear(&e), 0;
  DlAttrs none;
  dl_attrs_init(&none);
  switch (k) {
  case DL_OP_QLINEAR_CONV: {
    static const int params[] = {1, 2, 3, 4, 5, 6, 7, 8};
    if (!all_const(op, params, 8)) return 0;
    MlirValue bs = n > 8 ? bias_scale(op, in[1], in[4]) : (MlirValue){NULL};
    if (n > 8 && mlirValueIsNull(bs)) return 0;
    MlirValue ops[3] = {dq(op, in[0], in[1], in[2], 1), dq(op, in[3], in[4], in[5], 0), {NULL}};
    if (n > 8) ops[2] = dq(op, in[8], bs, (MlirValue){NULL}, 0);
    MlirValue c = create(op, DL_OP_CONV, n > 8 ? 3 : 2, ops, f32_like(r), &a);
    MlirValue qo[3] = {c, in[6], in[7]};
    dl_attrs_set_int(&none, "axis", 1);
    y = create(op, DL_OP_QUANTIZE_LINEAR, 3, qo, mlirValueGetType(r), &none);
    break;
  }
  case DL_OP_QLINEAR_MATMUL: {
    static const int params[] = {1, 2, 4, 5, 6, 7};
    if (!all_const(op, params, 6)) return 0;
    DlShape bsh;
    dl_type_to_shape(mlirValueGetType(in[3]), &bsh);
    MlirValue ops[2] = {dq(op, in[0], in[1], in[2], 1), dq(op, in[3], in[4], in[5], bsh.rank - 1)};
    MlirValue c = create(op, DL_OP_MATMUL, 2, ops, f32_like(r), &none);
    MlirValue qo[3] = {c, in[6], in[7]};
    dl_attrs_set_int(&none, "axis", 1);
    y = create(op, DL_OP_QUANTIZE_LINEAR, 3, qo, mlirValueGetType(r), &none);
    break;
  }
  case DL_OP_CONV_INTEGER: case DL_OP_MATMUL_INTEGER: {
    static const int params[] = {2, 3};
    if (!all_const(op, params, 2) || dtype_of(r) != DL_I32) return 0;
    /* An operand made by quantize_linear is dequantized at that op's scale, so
     * the pair folds; the i32 result is then the accumulator at x_s * w_s. */
    MlirValue sc[2];
    for (int i = 0; i < 2; i++) {
      MlirOperation p = mlirValueIsAOpResult(in[i]) ? mlirOpResultGetOwner(in[i]) : (MlirOperation){NULL};
      sc[i] = !mlirOperationIsNull(p) && dl_op_kind(p) == DL_OP_QUANTIZE_LINEAR &&
                      !mlirAttributeIsNull(dl_value_constant(mlirOperationGetOperand(p, 1)))
                  ? mlirOperationGetOperand(p, 1)
                  : unit_scale(op);
    }
    MlirValue accs = bias_scale(op, sc[0], sc[1]);
    if (mlirValueIsNull(accs)) return 0;
    DlShape bsh;
    dl_type_to_shape(mlirValueGetType(in[1]), &bsh);
    int waxis = k == DL_OP_CONV_INTEGER ? 0 : bsh.rank - 1;
    MlirValue ops[2] = {dq(op, in[0], sc[0], in[2], 1), dq(op, in[1], sc[1], in[3], waxis)};
    MlirValue c = create(op, k == DL_OP_CONV_INTEGER ? DL_OP_CONV : DL_OP_MATMUL, 2, ops, f32_like(r),
                         k == DL_OP_CONV_INTEGER ? &a : &none);
    MlirValue qo[3] = {c, accs, int32_zero(op)};
    dl_attrs_set_int(&none, "axis", 1);
    y = create(op, DL_OP_QUANTIZE_LINEAR, 3, qo, mlirValueGetType(r), &none);
    break;
  }
  default: return 0;
  }
  dl_replace_op(op, y);
  return 1;
}

/* ---- 2. and 3. quantize / dequantize pairs and constants ----------------------- */

static bool same_params(MlirOperation q, MlirOperation d) {
  DlQParams a, b;
  DlDType t = dtype_of(mlirOperationGetResult(q, 0));
  return dtype_of(mlirOperationGetOperand(d, 0)) == t && dl_qdq_params(q, t, &a) && dl_qdq_params(d, t, &b) &&
         a.scale == b.scale && a.zp == b.zp;
}

/* Integer values of dequantize_linear's operand: a constant, or quantize_linear
 * of a float constant (what exporters write for fake-quantized weights). */
static bool integer_operand(MlirOperation d, DlTensor *t) {
  MlirValue v = mlirOperationGetOperand(d, 0);
  if (dl_value_tensor(v, t)) return !dl_dtype_is_float(t->shape.dtype) || (dl_tensor_free(t), false);
  if (!mlirValueIsAOpResult(v) || dl_op_kind(mlirOpResultGetOwner(v)) != DL_OP_QUANTIZE_LINEAR) return false;
  MlirOperation q = mlirOpResultGetOwner(v);
  DlTensor x = {0}, s = {0}, z = {0};
  DlShape rs;
  bool ok = dl_value_tensor(mlirOperationGetOperand(q, 0), &x) && x.shape.dtype == DL_F32 &&
            dl_value_tensor(mlirOperationGetOperand(q, 1), &s) && s.shape.dtype == DL_F32 &&
            (mlirOperationGetNumOperands(q) < 3 || dl_value_tensor(mlirOperationGetOperand(q, 2), &z)) &&
            dl_type_to_shape(mlirValueGetType(v), &rs);
  DlAttrs a;
  DlError e = {0};
  ok = ok && dl_op_read_attrs(q, DL_OP_QUANTIZE_LINEAR, &a, &e);
  dl_error_clear(&e);
  int64_t qmin, qmax, shift;
  int bits;
  if (ok) ok = dl_qdq_storage(rs.dtype, &qmin, &qmax, &shift, &bits);
  if (ok) {
    int64_t n = dl_shape_numel(&x.shape), ns = dl_shape_numel(&s.shape), axis = dl_attrs_int(&a, "axis", 1), inner = 1;
    if (axis < 0) axis += x.shape.rank;
    for (int i = (int)axis + 1; i < x.shape.rank; i++) inner *= x.shape.dims[i];
    ok = ns == 1 || (axis >= 0 && axis < x.shape.rank && ns == x.shape.dims[axis]);
    if (ok) {
      dl_tensor_alloc(t, &rs);
      for (int64_t i = 0; i < n; i++) {
        int64_t c = ns == 1 ? 0 : (i / inner) % ns;
        int64_t zp = z.data ? dl_tensor_get_i(&z, dl_shape_numel(&z.shape) == 1 ? 0 : c) : 0;
        float r = nearbyintf(((const float *)x.data)[i] / ((const float *)s.data)[c]);
        int64_t v = (int64_t)fmaxf(fminf(r, 2147483647.0f), -2147483648.0f) + zp;
        v = v < qmin - shift ? qmin - shift : v > qmax - shift ? qmax - shift : v;
        dl_tensor_set_i(t, i, v);
      }
    }
  }
  dl_tensor_free(&x), dl_tensor_free(&s), dl_tensor_free(&z);
  return ok;
}

/* dequantize_linear of constant integers -> the float constant, annotated. */
static bool fold_constant_dq(MlirOperation d) {
  DlTensor q = {0}, s = {0}, z = {0};
  DlAttrs a;
  DlError e = {0};
  bool ok = integer_operand(d, &q) && dl_value_tensor(mlirOperationGetOperand(d, 1), &s) && s.shape.dtype == DL_F32 &&
            (mlirOperationGetNumOperands(d) < 3 || dl_value_tensor(mlirOperationGetOperand(d, 2), &z)) &&
            dl_op_read_attrs(d, DL_OP_DEQUANTIZE_LINEAR, &a, &e);
  dl_error_clear(&e);
  int64_t qmin = 0, qmax = 0, shift = 0;
  int bits = 0;
  ok = ok && dl_qdq_storage(q.shape.dtype, &qmin, &qmax, &shift, &bits);
  int64_t n = ok ? dl_shape_numel(&q.shape) : 0, ns = ok ? dl_shape_numel(&s.shape) : 0;
  int64_t axis = ok ? dl_attrs_int(&a, "axis", 1) : 0, inner = 1;
  if (ok && axis < 0) axis += q.shape.rank;
  if (ok && ns > 1) ok = axis >= 0 && axis < q.shape.rank && q.shape.dims[axis] == ns;
  if (ok && z.data) ok = dl_shape_numel(&z.shape) == ns || dl_shape_numel(&z.shape) == 1;
  if (!ok) {
    dl_tensor_free(&q), dl_tensor_free(&s), dl_tensor_free(&z);
    return false;
  }
  for (int i = (int)axis + 1; ns > 1 && i < q.shape.rank; i++) inner *= q.shape.dims[i];
  DlQWeight w = {.nch = ns, .axis = ns > 1 ? (int)axis : -1, .qmin = qmin, .qmax = qmax, .bits = bits};
  w.scale = malloc(sizeof(double) * (size_t)ns), w.zp = malloc(sizeof(int64_t) * (size_t)ns);
  for (int64_t c = 0; c < ns; c++) {
    w.scale[c] = ((const float *)s.data)[c];
    w.zp[c] = (z.data ? dl_tensor_get_i(&z, dl_shape_numel(&z.shape) == 1 ? 0 : c) : 0) + shift;
  }
  DlShape fs = q.shape;
  fs.dtype = DL_F32;
  DlTensor f = {0};
  dl_tensor_alloc(&f, &fs);
  for (int64_t i = 0; i < n; i++) {
    int64_t c = ns == 1 ? 0 : (i / inner) % ns;
    /* ONNX: (x - zp) * scale, in float32 */
    ((float *)f.data)[i] = (float)(dl_tensor_get_i(&q, i) + shift - w.zp[c]) * ((const float *)s.data)[c];
  }
  MlirValue c = dl_insert_constant(d, &f, "qdq_weight");
  dl_constant_set_qweight(mlirOpResultGetOwner(c), &w);
  free(w.scale), free(w.zp);
  dl_tensor_free(&q), dl_tensor_free(&s), dl_tensor_free(&z);
  dl_replace_op(d, c);
  return true;
}

bool dl_pass_fold_qdq(MlirOperation func) {
  MlirBlock body = dl_func_body(func);
  for (MlirOperation op = mlirBlockGetFirstOperation(body), next; !mlirOperationIsNull(op); op = next) {
    next = mlirOperationGetNextInBlock(op);
    DlOpKind k = dl_op_kind(op);
    if (k == DL_OP_QLINEAR_CONV || k == DL_OP_QLINEAR_MATMUL || k == DL_OP_CONV_INTEGER || k == DL_OP_MATMUL_INTEGER)
      expand_qoperator(op, k);
  }
  /* parameters of every per-tensor quantize_linear, recorded on its operand */
  for (MlirOperation op = mlirBlockGetFirstOperation(body); !mlirOperationIsNull(op); op = mlirOperationGetNextInBlock(op)) {
    DlQParams p;
    if (dl_op_kind(op) != DL_OP_QUANTIZE_LINEAR) continue;
    MlirValue x = mlirOperationGetOperand(op, 0);
    if (!mlirAttributeIsNull(dl_value_constant(x)) || !dl_qdq_params(op, dtype_of(mlirOperationGetResult(op, 0)), &p))
      continue;
    DlQParams old;
    if (!dl_value_qparams(x, &old)) dl_value_set_qparams(x, &p);
  }
  for (MlirOperation op = mlirBlockGetFirstOperation(body), next; !mlirOperationIsNull(op); op = next) {
    next = mlirOperationGetNextInBlock(op);
    if (dl_op_kind(op) != DL_OP_DEQUANTIZE_LINEAR) continue;
    MlirValue q = mlirOperationGetOperand(op, 0);
    MlirOperation qop = mlirValueIsAOpResult(q) ? mlirOpResultGetOwner(q) : (MlirOperation){NULL};
    if (!mlirOperationIsNull(qop) && dl_op_kind(qop) == DL_OP_QUANTIZE_LINEAR &&
        mlirAttributeIsNull(dl_value_constant(mlirOperationGetOperand(qop, 0))) && same_params(qop, op)) {
      DlQParams p, px;
      MlirValue x = mlirOperationGetOperand(qop, 0);
      dl_qdq_params(qop, dtype_of(q), &p);
      /* a tensor quantized twice with different parameters keeps its Q/DQ pair */
      if (dl_value_qparams(x, &px) && px.scale == p.scale && px.zp == p.zp && px.bits == p.bits) dl_replace_op(op, x);
      continue;
    }
    if (fold_constant_dq(op)) continue;
    DlQParams p;
    if (dl_qdq_params(op, dtype_of(q), &p)) dl_value_set_qparams(mlirOperationGetResult(op, 0), &p);
  }
  for (bool again = true; again;) {
    again = false;
    for (MlirOperation op = mlirBlockGetFirstOperation(body), next; !mlirOperationIsNull(op); op = next) {
      next = mlirOperationGetNextInBlock(op);
      if (dl_op_kind(op) == DL_OP_QUANTIZE_LINEAR && dl_value_is_unused(mlirOperationGetResult(op, 0)))
        mlirOperationDestroy(op), again = true;
    }
  }
  dl_erase_dead_constants(func);
  return true;
}
