#include "dlc/plan.h"

#include <stdlib.h>
#include <string.h>

#include "dlc/kernels.h"
#include "dlc/lower.h"
#include "dlc/plan.h"

static size_t hptr(const void *p) { return (size_t)(((uintptr_t)p >> 4) * 0x9E3779B97F4A7C15ull); }

static int slot_of(DlPlan *p, MlirValue v) {
  for (size_t i = hptr(v.ptr) & (size_t)(p->nkeys - 1);; i = (i + 1) & (size_t)(p->nkeys - 1)) {
    if (!p->keys[i]) return -1;
    if (p->keys[i] == v.ptr) return p->vals[i];
  }
}

static int new_slot(DlPlan *p, MlirValue v, const DlShape *s) {
  if (p->nslots == p->capslots) {
    p->capslots = p->capslots ? p->capslots * 2 : 64;
    p->slot = realloc(p->slot, sizeof(DlTensor) * (size_t)p->capslots);
    p->slot_kind = realloc(p->slot_kind, (size_t)p->capslots);
  }
  if ((p->nslots + 1) * 2 > p->nkeys) {
    int nk = p->nkeys ? p->nkeys * 2 : 256;
    const void **ok = p->keys;
    int *ov = p->vals, on = p->nkeys;
    p->keys = calloc((size_t)nk, sizeof(void *));
    p->vals = calloc((size_t)nk, sizeof(int));
    p->nkeys = nk;
    for (int i = 0; i < on; i++)
      if (ok[i]) {
        size_t j = hptr(ok[i]) & (size_t)(nk - 1);
        while (p->keys[j]) j = (j + 1) & (size_t)(nk - 1);
        p->keys[j] = ok[i], p->vals[j] = ov[i];
      }
    free(ok);
    free(ov);
  }
  int id = p->nslots++;
  memset(&p->slot[id], 0, sizeof(DlTensor));
  p->slot_kind[id] = DL_SLOT_TEMP;
  p->slot[id].shape = *s;
  size_t j = hptr(v.ptr) & (size_t)(p->nkeys - 1);
  while (p->keys[j]) j = (j + 1) & (size_t)(p->nkeys - 1);
  p->keys[j] = v.ptr, p->vals[j] = id;
  return id;
}

int dl_plan_slot_of(DlPlan *p, MlirValue v) { return slot_of(p, v); }
int dl_plan_new_slot(DlPlan *p, MlirValue v, const DlShape *s) { return new_slot(p, v, s); }

bool dl_plan_stop_after(DlPlan *p, MlirValue v) {
  for (int i = 0; i < p->nin; i++)
    if (mlirValueEqual(p->in_val[i], v)) return p->until = -1, true;
  for (int s = 0; s < p->nsteps; s++)
    if (mlirValueEqual(p->steps[s].val, v)) return p->until = s + 1, true;
  return false;
}

void dl_plan_set_observer(DlPlan *p, DlPlanObserver fn, void *user) {
  p->observe = fn;
  p->observe_user = user;
}

static bool op_error(DlError *e, MlirOperation op, const char *msg) {
  char loc[160];
  dl_location_str(mlirOperationGetLocation(op), loc, sizeof loc);
  MlirStringRef n = mlirIdentifierStr(mlirOperationGetName(op));
  return dl_error_set(e, "%s%s%.*s: %s", loc, loc[0] ? ": " : "", (int)n.length, n.data, msg);
}

static char *dict_name(MlirAttribute arr, int i) {
  if (mlirAttributeIsNull(arr) || i >= mlirArrayAttrGetNumElements(arr)) return strdup("");
  MlirAttribute d = mlirArrayAttrGetElement(arr, i);
  MlirAttribute s = mlirDictionaryAttrGetElementByName(d, dl_str("dlc.name"));
  if (mlirAttributeIsNull(s) || !mlirAttributeIsAString(s)) return strdup("");
  MlirStringRef r = mlirStringAttrGetValue(s);
  char *out = malloc(r.length + 1);
  memcpy(out, r.data, r.length);
  out[r.length] = 0;
  return out;
}

static bool is_op(MlirOperation op, const char *name) {
  MlirStringRef n = mlirIdentifierStr(mlirOperationGetName(op));
  return n.length == strlen(name) && !strncmp(n.data, name, n.length);
}

static bool plan_op(DlPlan *p, MlirOperation op, DlError *e) {
  if (is_op(op, "arith.constant")) {
    DlTensor t = {0};
    MlirValue r = mlirOperationGetResult(op, 0);
    if (!dl_attr_to_tensor(mlirOperationGetAttributeByName(op, dl_str("value")), &t, e)) return false;
    int s = new_slot(p, r, &t.shape);
    p->slot[s] = t;
    p->slot_kind[s] = DL_SLOT_CONST;
    return true;
  }
  if (is_op(op, "func.return")) {
    intptr_t n = mlirOperationGetNumOperands(op);
    if (n > 256) return op_error(e, op, "more than 256 results");
    for (intptr_t i = 0; i < n; i++) p->out_slot[i] = slot_of(p, mlirOperationGetOperand(op, i));
    p->nout = (int)n;
    return true;
  }
  int q = dl_qplan_op(p, op, e);
  if (q) return q > 0;
  DlOpKind k = dl_op_kind(op);
  bool concat = is_op(op, "tensor.concat");
  if (k == DL_OP_COUNT && !concat) return op_error(e, op, "the interpreter does not know this op");
  p->steps = realloc(p->steps, sizeof(DlStep) * (size_t)(p->nsteps + 1));
  DlStep *st = &p->steps[p->nsteps++];
  memset(st, 0, sizeof *st);
  st->k = k;
  dl_location_str(mlirOperationGetLocation(op), st->where, sizeof st->where);
  intptr_t nin = mlirOperationGetNumOperands(op);
  if (nin > 32) return op_error(e, op, "too many operands");
  st->nin = (int)nin;
  DlShape in[32], out;
  for (intptr_t i = 0; i < nin; i++) {
    st->in[i] = slot_of(p, mlirOperationGetOperand(op, i));
    if (st->in[i] < 0) return op_error(e, op, "operand defined outside the function body");
    in[i] = p->slot[st->in[i]].shape;
  }
  MlirValue r = mlirOperationGetResult(op, 0);
  if (!dl_type_to_shape(mlirValueGetType(r), &out)) return op_error(e, op, "result is not a static tensor");
  st->out = new_slot(p, r, &out);
  st->val = r;
  if (concat) {
    st->axis = (int)mlirIntegerAttrGetValueInt(mlirOperationGetAttributeByName(op, dl_str("dim")));
  } else {
    DlError ae = {0};
    if (!dl_op_read_attrs(op, k, &st->a, &ae) || !dl_call_lower(k, &st->a, st->nin, in, &out, &st->call, &ae)) {
      op_error(e, op, ae.msg);
      dl_error_clear(&ae);
      return false;
    }
    if (st->call.kind == DL_CALL_NONE) {
      char msg[200];
      snprintf(msg, sizeof msg, "no interpreter kernel for these operand types (%s)", dl_dtype_name(in[0].dtype));
      return op_error(e, op, msg);
    }
  }
  if (st->call.kind != DL_CALL_ALIAS && !dl_tensor_alloc(&p->slot[st->out], &out))
    return op_error(e, op, "out of memory for the result");
  return true;
}

/* A float Gemm with transB whose B is a constant that nothing else reads (every
 * PyTorch linear layer): B is transposed here, once, from [N,K] to [K,N], and
 * the step runs with transB = 0, so neither the interpreter nor the generated C
 * transposes the weights on every run, and the step needs no scratch for them.
 * dlrt_sgemm computes the same sums in the same order either way, so the
 * results keep every bit. */
static bool pretranspose_gemm_weights(DlPlan *p) {
  for (int i = 0; i < p->nsteps; i++) {
    DlStep *st = &p->steps[i];
    DlCall *c = &st->call;
    if (st->q || c->kind != DL_CALL_GEMM || !c->transB || st->nin < 2) continue;
    int s = st->in[1], uses = 0;
    DlTensor *b = &p->slot[s];
    if (p->slot_kind[s] != DL_SLOT_CONST || b->shape.dtype != DL_F32 || b->shape.rank != 2 ||
        b->shape.dims[0] != c->N || b->shape.dims[1] != c->K)
      continue;
    for (int j = 0; j < p->nsteps; j++)
      for (int t = 0; t < p->steps[j].nin; t++) uses += p->steps[j].in[t] == s;
    for (int o = 0; o < p->nout; o++) uses += p->out_slot[o] == s;
    if (uses != 1) continue;
    DlTensor t = {0};
    DlShape ts = {DL_F32, 2, {c->K, c->N}};
    if (!dl_tensor_alloc(&t, &ts)) return false;
    const float *src = b->data;
    float *dst = t.data;
    for (int64_t n = 0; n < c->N; n++)
      for (int64_t k = 0; k < c->K; k++) dst[k * c->N + n] = src[n * c->K + k];
    dl_tensor_free(b);
    *b = t;
    c->transB = 0;
    c->scratch = c->transA ? c->M * c->K : 0;
  }
  return true;
}

DlPlan *dl_plan_create(MlirModule m, DlError *e) {
  MlirOperation func = mlirBlockGetFirstOperation(mlirModuleGetBody(m));
  while (!mlirOperationIsNull(func) && !is_op(func, "func.func")) func = mlirOperationGetNextInBlock(func);
  if (mlirOperationIsNull(func)) return dl_error_set(e, "module has no func.func"), NULL;
  DlPlan *p = calloc(1, sizeof *p);
  MlirBlock body = mlirRegionGetFirstBlock(mlirOperationGetRegion(func, 0));
  intptr_t nargs = mlirBlockGetNumArguments(body);
  if (nargs > 256) {
    free(p);
    return dl_error_set(e, "more than 256 inputs"), NULL;
  }
  MlirAttribute arg_attrs = mlirOperationGetAttributeByName(func, dl_str("arg_attrs"));
  MlirAttribute res_attrs = mlirOperationGetAttributeByName(func, dl_str("res_attrs"));
  for (intptr_t i = 0; i < nargs; i++) {
    MlirValue a = mlirBlockGetArgument(body, i);
    DlShape s;
    if (!dl_type_to_shape(mlirValueGetType(a), &s)) {
      dl_plan_destroy(p);
      return dl_error_set(e, "input %d is not a statically shaped tensor", (int)i), NULL;
    }
    p->in_slot[i] = new_slot(p, a, &s);
    p->in_val[i] = a;
    p->slot_kind[p->in_slot[i]] = DL_SLOT_INPUT;
    p->in_name[i] = dict_name(arg_attrs, (int)i);
  }
  p->nin = (int)nargs;
  for (MlirOperation op = mlirBlockGetFirstOperation(body); !mlirOperationIsNull(op);
       op = mlirOperationGetNextInBlock(op))
    if (!plan_op(p, op, e)) {
      dl_plan_destroy(p);
      return NULL;
    }
  for (int i = 0; i < p->nout; i++) p->out_name[i] = dict_name(res_attrs, i);
  if (!pretranspose_gemm_weights(p)) {
    dl_plan_destroy(p);
    return dl_error_set(e, "out of memory for transposed Gemm weights"), NULL;
  }
  dlrt_i scratch = 1;
  for (int i = 0; i < p->nsteps; i++)
    if (p->steps[i].call.scratch > scratch) scratch = p->steps[i].call.scratch;
  p->scratch = malloc(sizeof(float) * (size_t)scratch);
  return p;
}

void dl_plan_destroy(DlPlan *p) {
  if (!p) return;
  for (int i = 0; i < p->nin; i++) p->slot[p->in_slot[i]].owned = false;
  for (int i = 0; i < p->nslots; i++) dl_tensor_free(&p->slot[i]);
  for (int i = 0; i < p->nsteps; i++) dl_call_free(&p->steps[i].call), dl_qstep_free(p->steps[i].q);
  for (int i = 0; i < p->nin; i++) free(p->in_name[i]);
  for (int i = 0; i < p->nout; i++) free(p->out_name[i]);
  free(p->slot);
  free(p->slot_kind);
  free(p->steps);
  free(p->keys);
  free(p->vals);
  free(p->scratch);
  free(p);
}

int dl_plan_num_inputs(const DlPlan *p) { return p->nin; }
int dl_plan_num_outputs(const DlPlan *p) { return p->nout; }
const DlShape *dl_plan_input_shape(const DlPlan *p, int i) { return &p->slot[p->in_slot[i]].shape; }
const DlShape *dl_plan_output_shape(const DlPlan *p, int i) { return &p->slot[p->out_slot[i]].shape; }
const char *dl_plan_input_name(const DlPlan *p, int i) { return p->in_name[i]; }
const char *dl_plan_output_name(const DlPlan *p, int i) { return p->out_name[i]; }
const DlTensor *dl_plan_output(const DlPlan *p, int i) { return &p->slot[p->out_slot[i]]; }

bool dl_plan_run(DlPlan *p, const void *const *inputs, DlError *e) {
  for (int i = 0; i < p->nin; i++) {
    p->slot[p->in_slot[i]].data = (void *)inputs[i];
    p->slot[p->in_slot[i]].owned = false;
    if (p->observe) p->observe(p->observe_user, p->in_val[i], &p->slot[p->in_slot[i]]);
  }
  int until = p->until < 0 ? 0 : p->until ? p->until : p->nsteps;
  for (int s = 0; s < until; s++) {
    DlStep *st = &p->steps[s];
    DlTensor *in[32] = {0}, *out = &p->slot[st->out];
    for (int i = 0; i < st->nin; i++) in[i] = &p->slot[st->in[i]];
    int done = p->exec ? p->exec(p->exec_user, s, e) : 0;
    if (done < 0) return false;
    if (done) { /* the executor computed it */
    } else if (st->q) {
      if (!dl_qstep_run(p, st, e)) return false;
    } else if (st->k == DL_OP_COUNT) {
      DlTensor tin[32];
      for (int i = 0; i < st->nin; i++) tin[i] = *in[i];
      if (!dl_kernel_concat(st->axis, st->nin, tin, out, e)) return false;
    } else if (st->call.kind == DL_CALL_ALIAS) {
      out->data = in[0]->data;
      out->owned = false;
    } else if (st->call.kind != DL_CALL_NONE) {
      const void *data[32];
      for (int i = 0; i < st->nin; i++) data[i] = in[i]->data;
      if (!dl_call_run(&st->call, data, st->nin, out->data, p->scratch))
        return dl_error_set(e, "%s: qg.%s: an index in the data is out of range", st->where, dl_op_info(st->k)->mnemonic);
    }
    if (p->transform && out->owned) p->transform(p->transform_user, st->val, out);
    if (p->observe) p->observe(p->observe_user, st->val, out);
  }
  return true;
}

int64_t dl_plan_samples(const DlPlan *p, const DlTensor *data, int64_t limit, const char *what, int64_t *per, DlError *e) {
  if (p->nin != 1) return dl_error_set(e, "%s needs a model with one input (this one has %d)", what, p->nin), -1;
  const DlShape *is = dl_plan_input_shape(p, 0);
  int64_t total = data->shape.rank ? data->shape.dims[0] : 0;
  *per = dl_shape_numel(is);
  /* a model with a fixed batch B > 1 runs whole batches: B samples per run, the remainder unused */
  int64_t B = is->rank ? is->dims[0] : 1;
  bool batched = B > 1 && data->shape.rank == is->rank && data->shape.dtype == DL_F32;
  for (int d = 1; batched && d < is->rank; d++) batched = data->shape.dims[d] == is->dims[d];
  if (batched) {
    if (total < B) return dl_error_set(e, "%s has %lld samples, fewer than the model's batch of %lld", what, (long long)total, (long long)B), -1;
    if (limit > 0 && limit < total) total = limit < B ? B : limit;
    return total / B;
  }
  if (data->shape.dtype != DL_F32)
    return dl_error_set(e, "%s must be float32 (got %s)", what, dl_dtype_name(data->shape.dtype)), -1;
  if (total <= 0 || *per <= 0 || dl_shape_numel(&data->shape) != total * *per) {
    char a[128], b[128];
    dl_error_set(e, "%s %s does not hold samples of the model input %s", what, dl_shape_str(&data->shape, a, sizeof a),
                 dl_shape_str(is, b, sizeof b));
    return -1;
  }
  return limit > 0 && limit < total ? limit : total;
}

int64_t dl_plan_runs(const DlPlan *p, const DlTensor *data, int64_t limit, const char *what, int64_t *per, DlError *e) {
  if (p->nin <= 1) return dl_plan_samples(p, data, limit, what, per, e);
  int64_t P = 0;
  for (int i = 0; i < p->nin; i++) {
    const DlShape *is = dl_plan_input_shape(p, i);
    if (is->dtype != DL_F32)
      return dl_error_set(e, "%s: input '%s' is %s; sample data feeds float32 inputs only (make it a constant)", what,
                          p->in_name[i] ? p->in_name[i] : "?", dl_dtype_name(is->dtype)), -1;
    P += dl_shape_numel(is);
  }
  if (data->shape.dtype != DL_F32 || data->shape.rank != 2 || data->shape.dims[1] != P || data->shape.dims[0] <= 0)
    return dl_error_set(e, "%s does not hold samples of the model's %d inputs (give one array per input: "
                           "--calib=NAME=FILE.npy for each)", what, p->nin), -1;
  *per = P;
  int64_t total = data->shape.dims[0];
  return limit > 0 && limit < total ? limit : total;
}

bool dl_plan_run_inputs(const DlPlan *p, const DlTensor *data, int64_t i, int64_t per, const void **inputs, float *buf,
                        DlError *e) {
  if (i > 0) dl_tensor_evict(data, (i - 1) * per, i * per);
  const float *row = dl_tensor_span(data, i * per, per, buf, e);
  if (!row) return false;
  for (int k = 0; k < p->nin; k++) {
    inputs[k] = row;
    row += dl_shape_numel(dl_plan_input_shape(p, k));
  }
  return true;
}

void dl_plan_set_executor(DlPlan *p, DlPlanExecutor fn, void *user) {
  p->exec = fn;
  p->exec_user = user;
}

void dl_plan_set_transform(DlPlan *p, DlPlanTransform fn, void *user) {
  p->transform = fn;
  p->transform_user = user;
}
