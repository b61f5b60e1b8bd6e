/* The reference interpreter: the single source of truth for what a qg graph
 * computes. dl_plan_create turns func @main into a flat plan once (kernels
 * chosen, buffers allocated, constants loaded); dl_plan_run executes it
 * without touching MLIR. */
#ifndef DLC_INTERP_H
#define DLC_INTERP_H

#include "dlc/ir.h"

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

#endif
