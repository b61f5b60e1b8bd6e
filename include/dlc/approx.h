/* Approximate multipliers: an unsigned 8x8 multiplier M(a, b), 0 <= a, b <= 255,
 * tabulated once (65,536 products). Integer conv / gemm / matmul layers carrying
 * `dlc.approx = "SPEC"` multiply each (x - zx, w) pair as
 * sign(a) sign(b) M(|a|, |b|) (a sign-magnitude datapath around the unsigned
 * array); sums, bias and requantization stay exact (docs/approx.md). The
 * kinds are the rows of dlc/approx.def. */
#ifndef DLC_APPROX_H
#define DLC_APPROX_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "dlc/ir.h"
#include "dlc/support.h"
#include "dlc/tensor.h"

typedef enum {
#define DL_APPROX(id, ...) DL_APPROX_##id,
#include "dlc/approx.def"
#undef DL_APPROX
  DL_APPROX_COUNT
} DlApproxKind;

typedef struct {
  DlApproxKind kind;
  int param;
  char spec[512]; /* canonical spec, what dlc.approx holds ("drum:4", "file:t.npy@0.6") */
  int32_t *table; /* owned: table[a * 256 + b] = M(a, b), each in [0, 2^24) */
  int32_t *wtab;  /* owned: wtab[b * 256 + a] = M(a, b), the order the qrt kernels read (weight b
                     fixed) */
  double energy;  /* per multiply, relative to the exact 8x8 multiplier; < 0: unknown */
} DlApprox;

typedef struct {
  double mean, mae, mre, std; /* error M(a,b) - a*b over all 65,536 pairs; mre over a*b != 0 */
  int64_t wce;                /* worst |error| */
  int64_t pmax;               /* largest product */
} DlApproxStats;

/* Parses spec ("exact", "bam:P", "drum:P", "mitchell", "file:PATH[@ENERGY]") and
 * tabulates it; a file holds 65,536 integers (shape [256,256] or [65536], any
 * integer dtype, row a, column b). False with a message naming the spec. Free
 * with dl_approx_destroy. */
bool dl_approx_create(const char *spec, DlApprox *a, DlError *e);
void dl_approx_destroy(DlApprox *a);
/* The table file a "file:PATH[@ENERGY]" spec names (the text up to its last
 * '@', as dl_approx_create reads it) into path[0..n); false for other specs. */
bool dl_approx_table_path(const char *spec, char *path, size_t n);
DlApproxStats dl_approx_stats(const DlApprox *a);
/* max over 0 <= a <= amax of M(a, b): the overflow proof's bound of one product. */
int64_t dl_approx_colmax(const int32_t *table, int64_t b, int64_t amax);
/* The energy of a MAC on a multiplier of energy `mul` per multiply (relative
 * to the exact 8x8 one), relative to the exact MAC: only the multiplier's
 * share of an 8-bit MAC scales, DL_APPROX_MUL_SHARE = 0.2 / 0.23 (Horowitz,
 * ISSCC 2014, 45 nm: an 8-bit multiply 0.2 pJ, an 8-bit add 0.03 pJ; the acc
 * devices' 0.23 pJ per MAC is their sum). */
#define DL_APPROX_MUL_SHARE (0.2 / 0.23)
static inline double dl_approx_mac_energy(double mul) {
  return 1 - DL_APPROX_MUL_SHARE + DL_APPROX_MUL_SHARE * mul;
}
/* Partial-product cells kept by bam:p (of 64). */
int dl_approx_bam_cells(int p);
/* Writes dlc.approx = dflt on every integer conv / gemm / matmul with constant
 * weights of @main, keeping a multiplier --config put on a node, and checks
 * each (8-bit operands, a known spec; "exact" removes it). dflt may be NULL. */
bool dl_approx_annotate(MlirModule m, const char *dflt, DlError *e);
/* --approx-compensate (passes/approx_compensate.c): the bias of every layer
 * with dlc.approx takes away its channels' expected product error, with the
 * layer inputs' code distribution measured on the first 64 samples of data
 * (calibration data, as dl_plan_runs reads it). */
bool dl_approx_compensate(MlirModule m, const DlTensor *data, DlError *e);
/* Whether op is an integer conv / gemm / matmul with constant weights and
 * operands of at most 8 bits: a layer an approximate multiplier fits. */
bool dl_approx_fits(MlirOperation op);

/* --approx-budget (passes/approx_assign.c): a multiplier per layer among
 * exact and the candidates, the least multiplier energy (each layer's MACs
 * times its multiplier's energy per multiply) whose top-1 disagreement with
 * the exact integer model (or accuracy lost against it, with labels) on
 * the last `samples` calibration samples is at most `points`; layers --config gave a multiplier keep it. Warns the choice. */
#define DL_APPROX_CANDIDATES "bam:5,bam:6,bam:7,bam:8,drum:4,drum:5,drum:6,mitchell"
typedef struct {
  double points;          /* the budget, points of top-1 disagreement */
  const char *candidates; /* comma-separated specs, or NULL: DL_APPROX_CANDIDATES */
  int64_t samples;        /* measured on the last this many calibration samples (0: all) */
  bool compensate;        /* each choice as --approx-compensate makes it */
  int jobs;               /* threads running the samples (0: one per core) */
  const DlTensor *labels; /* int64, one per calibration sample: points of accuracy lost; NULL: of agreement */
} DlApproxAssign;
bool dl_approx_assign(MlirModule m, const DlTensor *data, const DlApproxAssign *o, DlError *e);

/* --print-approx: every built-in multiplier with its listed parameters, its
 * exhaustive error statistics, energy and source. */
void dl_approx_print(FILE *f);

#endif
