/* Precision assignment (issue 9, docs/precision.md): bits per layer chosen
 * under an accuracy or a cost budget.
 *
 * A unit is one layer (a conv / gemm / matmul with constant weights) together
 * with the ops downstream of it that have no weights of their own (ReLU,
 * pooling, residual add, attention): the unit's weights take `wbits`, and every
 * activation it produces `abits`; its weights may also be pruned (unstructured,
 * with least-squares reconstruction) to a sparsity, and its layer may multiply
 * on an approximate multiplier (8-bit weights and activations only). An option
 * is one (wbits, abits, sparsity, multiplier) tuple.
 *
 * The search works on two measured tables: sens[u][o], the output error of the
 * network when only unit u runs at option o (everything else at the reference
 * precision), and cost[u][o], the target cost model's cost of u's steps at o.
 * Assuming both add up over units, the choice is a multiple-choice knapsack,
 * solved exactly by dynamic programming (lib/precision/solve.c); a
 * reinforcement-learning search over the same tables is the comparison. */
#ifndef DLC_PRECISION_H
#define DLC_PRECISION_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "dlc/diag.h"
#include "dlc/ir.h"
#include "dlc/cost.h"
#include "dlc/quant.h"

/* ---- the solvers, over tables ------------------------------------------------ */

typedef struct {
  int nunits, nopts;   /* every unit has the same nopts options */
  const double *sens;  /* [nunits * nopts], >= 0 */
  const double *cost;  /* [nunits * nopts], >= 0 */
} DlMckp;

/* The option per unit (choice[nunits]) of least total cost whose total
 * sensitivity is at most max_sens, or of least total sensitivity whose total
 * cost is at most max_cost (the other bound < 0); false if nothing does.
 * Dynamic programming with the bounded quantity rounded up onto a grid of
 * `steps` (e.g. 2000) cells of the bound gives a choice within the bound;
 * branch and bound, with the same grid rounded down as its lower bounds,
 * then makes it the exact optimum (tests: test/unit/precision.test). */
bool dl_mckp_solve(const DlMckp *p, double max_sens, double max_cost, int steps, int *choice);

/* The same problem by REINFORCE: a softmax policy per unit, `episodes`
 * sampled assignments, reward = -objective with a penalty beyond the bound.
 * Returns the best feasible assignment seen (false if none was). */
bool dl_mckp_rl(const DlMckp *p, double max_sens, double max_cost, int episodes, uint64_t seed, int *choice);

/* Totals of an assignment. */
void dl_mckp_totals(const DlMckp *p, const int *choice, double *sens, double *cost);

/* ---- the whole job ------------------------------------------------------------ */

typedef enum { DL_BUDGET_LOSS, DL_BUDGET_ENERGY, DL_BUDGET_TIME, DL_BUDGET_BYTES } DlBudgetKind;

typedef struct {
  DlBudgetKind kind;    /* what is bounded */
  double value;         /* points of accuracy, nJ, ns or bytes per sample */
  bool relative;        /* value is a fraction of the reference's cost ("0.4x") */
  DlBudgetKind objective; /* with a loss budget: the cost minimized (ENERGY, TIME or BYTES) */
  const DlCostModel *cost; /* the target's cost model (DlTarget.cost) */
  const char *device;   /* its device (NULL: default) */
  int wbits[16], nw;    /* candidate widths (the reference's among them) */
  int abits[16], na;
  double sparsity[8];   /* candidate unstructured sparsities (0: unpruned), ns of them */
  int ns;
  char approx[8][256];  /* --assign-approx: approximate multipliers searched besides exact (canonical specs), */
  int napprox;          /* napprox of them; an option with one has 8-bit weights and activations */
  bool approx_compensate; /* options with one have their mean product error folded into the biases */
  int ref_wbits, ref_abits; /* the reference precision (the budget's zero point) */
  double margin;        /* a loss budget holds when loss + margin standard errors fit (default 1) */
  int64_t holdout;      /* samples held out for verification (the last ones of the data) */
  int64_t sens_samples; /* samples the sensitivities are measured on (0: all not held out) */
  int64_t prune_samples; /* samples pruned layers are reconstructed on (0: all not held out) */
  int jobs;             /* worker processes for the sensitivities (0: one per core) */
  int rl_episodes;      /* 0: no RL comparison */
  bool refit;           /* fit the tables' kinds to the first sweep's measurements and sweep again */
  const char *cache;    /* directory for the measured tables, or NULL */
  int shard, nshards;   /* nshards > 0: measure only block `shard` of the tables' jobs, write them to the cache as a shard, stop */
  int merge_shards;     /* > 0: the tables from that many shards in the cache (merged there), then the search */
  const char *config_out, *pareto_out, *svg_out; /* outputs, or NULL */
  const char *model_name; /* for the plot's title */
} DlPrecisionSettings;

/* "loss:P", "energy:X", "time:X", "bytes:X" (X a number, or a fraction of the
 * reference with an x suffix: "energy:0.4x"). */
bool dl_budget_parse(const char *s, DlPrecisionSettings *ps, DlError *e);

/* "--assign-approx" candidates: comma-separated multiplier specs (dlc/approx.h;
 * "exact", always a candidate, may be listed), each with a known energy. */
bool dl_assign_approx_parse(const char *list, DlPrecisionSettings *ps, DlError *e);

/* Assigns precision to float module *m (folded, before --quantize):
 * calibrates it on the samples of `data` not held out, measures the tables,
 * solves, verifies on the held-out samples (repairing when the real loss or
 * cost misses the budget), writes the outputs asked for and replaces *m with
 * the chosen configuration: pruned, calibrated and quantized. labels (int64, per sample) may be NULL: the loss
 * is then the share of held-out samples whose top-1 class changes against the
 * reference. Progress and a summary go to `log` (may be NULL). */
bool dl_assign_precision(MlirModule *m, const DlQuantSettings *qs, const DlTensor *data, const DlTensor *labels,
                         const DlPrecisionSettings *ps, FILE *log, DlError *e);

/* The Pareto plot: points (cost, accuracy), the front among them joined, the
 * chosen one marked; the accuracy axis starts no lower than acc_floor (points
 * below sit on its edge). An SVG a browser opens. */
typedef struct {
  double cost, acc;
  bool front, chosen, reference;
  const char *label;
} DlParetoPoint;
bool dl_pareto_svg(const char *path, const char *title, const char *xlabel, const char *ylabel,
                   const DlParetoPoint *pts, int n, double acc_floor, DlError *e);

#endif
