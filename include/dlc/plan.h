/* The plan: dlc's backend IR. dl_plan_create turns func @main of a qg module
 * (float or integer) into a flat list of steps once: every kernel chosen,
 * every shape-derived parameter computed (DlCall for float kernels, struct
 * DlQStep for integer ones), every buffer a numbered slot. dl_plan_run
 * executes it without touching MLIR; it is the reference interpreter, the
 * single source of truth for what a graph computes. The targets read the
 * same steps: the C target prints their kernel calls with the same
 * parameters, pim and acc lower their integer steps to hardware and leave
 * the rest to the host. */
#ifndef DLC_PLAN_H
#define DLC_PLAN_H

#include "dlc/approx.h"
#include "dlc/dlz.h"
#include "dlc/ir.h"
#include "dlc/lower.h"
#include "dlc/qrt.h"

typedef struct DlPlan DlPlan;

/* Plans the first func.func in m. NULL on failure (message in e, naming the op). */
DlPlan *dl_plan_create(MlirModule m, DlError *e);
void dl_plan_destroy(DlPlan *p);

int dl_plan_num_inputs(const DlPlan *p);
int dl_plan_num_outputs(const DlPlan *p);
const DlShape *dl_plan_input_shape(const DlPlan *p, int i);
const DlShape *dl_plan_output_shape(const DlPlan *p, int i);
const char *dl_plan_input_name(const DlPlan *p, int i);  /* ONNX name, or "" */
const char *dl_plan_output_name(const DlPlan *p, int i);

/* Runs once. inputs[i] points to data of dl_plan_input_shape(p, i) (borrowed
 * for the call). Outputs stay valid until the next run or destroy. */
bool dl_plan_run(DlPlan *p, const void *const *inputs, DlError *e);
const DlTensor *dl_plan_output(const DlPlan *p, int i);
/* How many samples of p's single input `data` holds (float32, first dim =
 * samples), at most `limit` when limit > 0; -1 with a message naming `what`
 * ("calibration data") if p has several inputs or data does not fit. *per is
 * the elements of one sample. A model whose input has a fixed batch B > 1
 * takes samples B at a time: the count is then of whole batches (the last
 * partial batch unused) and *per the elements of B samples. */
int64_t dl_plan_samples(const DlPlan *p, const DlTensor *data, int64_t limit, const char *what, int64_t *per, DlError *e);

/* Sample data for a model with any number of float32 inputs. With one input
 * this is dl_plan_samples. With several, data is what dl_calib_pack makes of
 * one array per input (--calib=NAME=FILE.npy): float32 [runs, P], each row
 * holding one run's inputs one after the other in the model's input order (P
 * the sum of their element counts); -1 with a message naming `what` when it
 * does not fit. dl_plan_run_inputs then points inputs[0..nin) into run i:
 * into data, or into buf (per floats) for a streamed tensor (dl_npy_open),
 * and lets the pages of a mapped one before run i go (dl_tensor_evict); false
 * when the file cannot be read. */
int64_t dl_plan_runs(const DlPlan *p, const DlTensor *data, int64_t limit, const char *what, int64_t *per, DlError *e);
bool dl_plan_run_inputs(const DlPlan *p, const DlTensor *data, int64_t i, int64_t per, const void **inputs, float *buf,
                        DlError *e);

/* From now on dl_plan_run stops once v is computed (an input: runs no step),
 * leaving the outputs unset: for observers that need one value only. False
 * (and no change) if the plan does not compute v. */
bool dl_plan_stop_after(DlPlan *p, MlirValue v);

/* Called with every value the plan computes, right after it is computed
 * (inputs first, then each step's result), during dl_plan_run. Calibration
 * uses it to see every activation without keeping any. */
typedef void (*DlPlanObserver)(void *user, MlirValue v, const DlTensor *t);
void dl_plan_set_observer(DlPlan *p, DlPlanObserver fn, void *user);
/* Called before the observer with each computed value that owns its buffer
 * (not views such as reshape), which it may change in place: what-if
 * experiments such as lossy activation compression. */
typedef void (*DlPlanTransform)(void *user, MlirValue v, DlTensor *t);
void dl_plan_set_transform(DlPlan *p, DlPlanTransform fn, void *user);

/* Called before each step with its index: returning 1 means fn computed the
 * step's result into its slot (a simulated target running that step), 0
 * lets the plan run it, -1 fails the run (message in e). */
typedef int (*DlPlanExecutor)(void *user, int step, DlError *e);
void dl_plan_set_executor(DlPlan *p, DlPlanExecutor fn, void *user);


/* ---- the steps: what each one runs, on which slots ---- */

/* Each kind of integer step and the qrt kernel that runs it. */
#define DL_QKINDS(X)                                                                                 \
  X(ALIAS, NULL)                                                                                     \
  X(QCAST, "qrt_quantize")                                                                           \
  X(DCAST, "qrt_dequantize")                                                                         \
  X(CONV, "qrt_conv")                                                                                \
  X(MATMUL, "qrt_matmul")                                                                            \
  X(BINARY, "qrt_binary")                                                                            \
  X(LUT, "qrt_lut")                                                                                  \
  X(POOL, "qrt_pool")                                                                                \
  X(GLOBAL_POOL, "qrt_global_pool")                                                                  \
  X(COPY, "qrt_copy_strided")                                                                        \
  X(CONCAT, "qrt_concat")                                                                            \
  X(GATHER, "qrt_gather_nearest")

typedef enum {
#define X(id, fn) DL_Q_##id,
  DL_QKINDS(X)
#undef X
} DlQKind;

struct DlQStep {
  DlQKind kind;
  DlCall c;       /* shape-derived parameters, from dl_call_lower on the float shapes */
  int xes, wes;   /* element sizes of operand 0 and 1 */
  int64_t zx, zw; /* operand zero points */
  float scale;    /* qcast / dcast */
  qrt_out o;
  qrt_mult *mult, mb;
  int nmult;
  qrt_wts w;              /* constant weights (conv, gemm, matmul), packed; w.data == wdata */
  int8_t *cb;             /* owned; w.cb: the layer's dlc.codebook (--wquant=wentropy), or NULL */
  unsigned char *wdata;   /* owned; NULL when operand 1 is an activation */
  size_t wbytes;
  int64_t nw;             /* weight elements */
  int32_t *bias, *lut;
  int64_t lut_lo, lut_n;
  int acc_bits;           /* dlc.acc_bits (conv, gemm, matmul); 64 when absent */
  size_t nscratch;        /* conv / matmul scratch bytes (qrt_conv_scratch, qrt_matmul_scratch) */
  dlrt_i *chunk; /* concat */
  dlz_params lossy; /* dlc.compress with k > 0: the result is what a K-lossy decoder returns */
  DlApprox ax;      /* dlc.approx (conv, gemm, matmul with constant weights): ax.table, or NULL when exact */
};

enum { DL_SLOT_TEMP, DL_SLOT_INPUT, DL_SLOT_CONST };

typedef struct {
  DlOpKind k; /* DL_OP_COUNT for tensor.concat */
  int axis;   /* concat */
  DlAttrs a;
  int in[32], nin, out;
  DlCall call;
  struct DlQStep *q; /* integer step (lib/plan/qplan.c), or NULL */
  MlirValue val;     /* the result this step computes, for observers */
  char where[160];   /* op location, for run-time errors */
} DlStep;

/* Slots hold every tensor: inputs, constants and step results. */
struct DlPlan {
  DlTensor *slot;
  unsigned char *slot_kind; /* DL_SLOT_* */
  int nslots, capslots;
  DlStep *steps;
  int nsteps;
  int in_slot[256], out_slot[256], nin, nout;
  char *in_name[256], *out_name[256];
  float *scratch;
  /* value -> slot, open addressing on the MLIR pointer */
  const void **keys;
  int *vals, nkeys;
  MlirValue in_val[256];
  DlPlanObserver observe;
  void *observe_user;
  DlPlanTransform transform;
  void *transform_user;
  DlPlanExecutor exec;
  void *exec_user;
  int until; /* run steps [0, until) only (dl_plan_stop_after); 0: all */
};

/* Slot helpers for the integer planner (lib/plan/qplan.c). */
int dl_plan_slot_of(DlPlan *p, MlirValue v);
int dl_plan_new_slot(DlPlan *p, MlirValue v, const DlShape *s);
/* Plans op if it is a quant-dialect op or a qg op on quantized types:
 * returns 1 when planned, -1 on error (message in e), 0 when not its business. */
int dl_qplan_op(DlPlan *p, MlirOperation op, DlError *e);
bool dl_qstep_run(DlPlan *p, const DlStep *st, DlError *e);
void dl_qstep_free(struct DlQStep *q);

/* Declared storage range of an integer operand: [qmin, qmax] of its type. */
typedef struct {
  int64_t lo, hi;
} DlQRange;
/* The overflow proof of integer step st (lib/plan/overflow.c): for operands in
 * x (operand 0) and b (operand 1 when it is an activation, else NULL), every
 * sum, product and requantization its qrt kernel computes fits the integer
 * type it uses (int32 under dlc.acc_bits <= 32, else int64), with the actual
 * weights, biases and multipliers. False with a message naming the node and
 * the limit otherwise. */
bool dl_qstep_prove(const DlStep *st, const DlQRange *x, const DlQRange *b, DlError *e);

/* Packs n weights at the fewest bits that hold them (2..7 as a bit stream,
 * else 8, 16 or 32; see qrt_wts). Returns a malloc'd buffer of *bytes. */
unsigned char *dl_qweights_pack(const int32_t *v, int64_t n, int *bits, size_t *bytes);

/* When op carries `dlc.codebook`, replaces q's packed weights (n values w, zero
 * point subtracted, [m][K] for a conv, else [K][N]; nch output channels; wv the
 * quantized weight value, per axis for per-channel codebooks) by indices into
 * it (q->w.cb, q->cb; lib/plan/codebook.c). False with a message in msg for a
 * malformed codebook or a weight it lacks. */
bool dl_qweights_codebook(MlirOperation op, MlirValue wv, const int32_t *w, int64_t n, int64_t nch, bool conv,
                          struct DlQStep *q, char *msg, size_t cap);

/* Scratch bytes step q needs beyond its output (conv and matmul). */
size_t dl_qstep_scratch_bytes(const struct DlQStep *q);

#endif
