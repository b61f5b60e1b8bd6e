/* The pim target: bit-serial, row-parallel processing in DRAM (Ambit /
 * SIMDRAM style). A quantized model becomes kernels of row commands that a
 * subarray runs on all of its bitlines at once, plus host steps for the ops
 * the memory cannot do. Format: docs/pim-format.md; semantics of each
 * command: targets/pim/micro.c (builder) and targets/pim/sim.c (executor). */
#ifndef DLC_PIM_H
#define DLC_PIM_H

#include "dlc/trace.h"
#include <stdint.h>
#include <stdio.h>

#include "dlc/plan.h"
#include "dlc/xsum.h"

/* The device: geometry, timing (ns), energy (nJ per command, pJ per bit). */
/* What the lowering's schedule choices (channels per block) minimize:
 * energy x delay, energy alone (bigger blocks, fewer bus bits, slower) or
 * time alone. */
typedef enum { DL_PIM_OBJ_EDP, DL_PIM_OBJ_ENERGY, DL_PIM_OBJ_TIME } DlPimObjective;

typedef struct {
  char name[64];
  int channels, banks, subarrays; /* banks per channel, subarrays per bank */
  int rows, cols;                 /* per subarray: rows, bitlines per row */
  double t_aap, t_ap, t_faw;      /* row copy, triple-row activation, four-activate window */
  double bus_gbs;                 /* GB/s per channel, for LOAD/STORE through the controller */
  double e_aap, e_ap;             /* nJ per command in one subarray */
  double e_bus_bit;               /* pJ per bit moved over the bus */
  double host_ns_op, host_pj_op;  /* the modelled host: ns and pJ per element operation */
  DlPimObjective objective;       /* what a kernel's channel blocking minimizes */
} DlPimDevice;

/* Loads a device: a path to a JSON file, or the name of a built-in device
 * ("hbm2"), optionally followed by ",objective=edp|energy|time", which
 * overrides the file's schedule.objective (default edp). False with a
 * message naming the bad field. */
bool dl_pim_device_load(const char *spec, DlPimDevice *d, DlError *e);
/* The JSON text[0..len) of a device file (its objective, or edp). */
bool dl_pim_device_parse(const char *text, size_t len, DlPimDevice *d, DlError *e);
/* "edp", "energy" or "time"; false for anything else. */
bool dl_pim_objective_parse(const char *s, DlPimObjective *o);

/* --- row addresses within a subarray ------------------------------------
 * Data rows 0 .. rows-17; then 16 reserved compute rows: T0..T9, the
 * dual-contact rows DCC0..DCC3 (d-wordline), and constant rows C0 (zeros)
 * and C1 (ones). Addresses rows .. rows+3 are the n-wordlines of DCC0..3:
 * reading one gives the complement of the cell, writing stores the
 * complement. */
enum { DL_PIM_NT = 10, DL_PIM_NDCC = 4, DL_PIM_RESERVED = 16 };
static inline int dl_pim_data_rows(int rows) { return rows - DL_PIM_RESERVED; }
static inline int dl_pim_t(int rows, int i) { return rows - DL_PIM_RESERVED + i; }
static inline int dl_pim_dcc(int rows, int i) { return rows - DL_PIM_RESERVED + DL_PIM_NT + i; }
static inline int dl_pim_dccn(int rows, int i) { return rows + i; }
static inline int dl_pim_c0(int rows) { return rows - 2; }
static inline int dl_pim_c1(int rows) { return rows - 1; }

/* --- command words (64 bits): op in bits 0..7, x in 8..31, y in 32..47, z in 48..63 */
#define DL_PIM_OPS(X)                                                                                \
  X(AAP, "aap")     /* copy row x to row y (and row z unless 0xFFFF) */                             \
  X(AP, "ap")       /* rows x, y, z (compute rows) all become MAJ(x, y, z) */                       \
  X(LOAD, "load")   /* tap x of operand z, offset binary, into rows y .. y+bits-1 */                \
  X(STORE, "store") /* rows y .. y+out_bits-1 hold channel x of the block: write it out */          \
  X(BLOCK, "block") /* the following commands run on channel block x */

typedef enum {
  DL_PIM_INVALID,
#define X(id, name) DL_PIM_##id,
  DL_PIM_OPS(X)
#undef X
  DL_PIM_NOPS
} DlPimOp;

static inline uint64_t dl_pim_word(DlPimOp op, uint32_t x, uint32_t y, uint32_t z) {
  return (uint64_t)op | (uint64_t)(x & 0xFFFFFF) << 8 | (uint64_t)(y & 0xFFFF) << 32 | (uint64_t)(z & 0xFFFF) << 48;
}
static inline DlPimOp dl_pim_op(uint64_t w) { return (DlPimOp)(w & 0xFF); }
static inline uint32_t dl_pim_x(uint64_t w) { return (uint32_t)(w >> 8) & 0xFFFFFF; }
static inline uint32_t dl_pim_y(uint64_t w) { return (uint32_t)(w >> 32) & 0xFFFF; }
static inline uint32_t dl_pim_z(uint64_t w) { return (uint32_t)(w >> 48) & 0xFFFF; }
const char *dl_pim_op_name(DlPimOp op);

/* --- a row program under construction (micro.c) --------------------------- */
typedef struct {
  uint64_t *w;
  int64_t n, cap;
  int rows;     /* subarray rows, for the reserved addresses */
  int carry;    /* T row holding the running carry of an add chain */
  int64_t naap, nap;
  bool counted; /* AAP / AP words only counted; (naap, nap) noted at each BLOCK (DlPimProgram.counted) */
  int64_t *counts, ncounts, counts_cap;
} DlPimProg;

void dl_pim_prog_init(DlPimProg *p, int rows);
void dl_pim_prog_free(DlPimProg *p);
void dl_pim_emit(DlPimProg *p, DlPimOp op, uint32_t x, uint32_t y, uint32_t z);
/* A counted program's (naap, nap) so far, noted (at a BLOCK word, a kernel's end). */
void dl_pim_note_counts(DlPimProg *p);
void dl_pim_aap(DlPimProg *p, int src, int dst, int dst2);
void dl_pim_ap(DlPimProg *p, int a, int b, int c);

/* Microprograms on vertical unsigned integers: bit i of operand X in row x[i];
 * a row of -1 stands for a zero bit (reads C0). */
/* s[0..n) = a[0..n) + b[0..n) mod 2^n: 8n+1 commands (SIMDRAM's closed form). */
void dl_pim_add(DlPimProg *p, const int *a, const int *b, const int *s, int n);
/* p[0..n+m) = a[0..n) * b[0..m): 11nm - 6n + 2m - 2 commands for m >= 1. */
void dl_pim_mul(DlPimProg *p, const int *a, int n, const int *b, int m, const int *prod);
/* acc[0..w) += x[0..n) << j, w large enough that no carry leaves bit w-1 (the
 * caller's bound); rows acc[i] for i >= old width are created (written). */
void dl_pim_add_shifted(DlPimProg *p, const int *acc, int old_w, int w, const int *x, int n, int j);
/* acc[0..w) += k for a constant 0 <= k < 2^w (no carry leaves bit w-1). */
void dl_pim_add_const(DlPimProg *p, const int *acc, int old_w, int w, uint64_t k);
/* Canonical signed digits of |v| (at most 64): digits d[i] in {-1, 1} at
 * positions pos[i], sum d * 2^pos = v. Returns the count. */
int dl_pim_csd(int64_t v, int *d, int *pos);

/* --- a compiled program (lower.c), its file (pimbin.c) -------------------- */
typedef enum { DL_PIM_K_MAC, DL_PIM_K_MAX } DlPimKernelKind;

typedef struct {
  int step;            /* the plan step this kernel computes */
  DlPimKernelKind kind;
  int nops;            /* operands loaded (conv/gemm: 1; add: 2, as taps 0 and 1; max pool: 1) */
  int in_bits[2];      /* rows per loaded value */
  int64_t in_off[2];   /* value in rows = stored value - in_off (offset binary) */
  int64_t pad;         /* conv / pool padding value in rows */
  int out_bits;
  int64_t out_off;     /* stored value = rows value + out_off */
  int64_t nch, ntaps;  /* output channels; taps per channel */
  int64_t lanes;       /* output elements per channel: the bitlines the kernel needs */
  int64_t block;       /* channels per block (one block at a time shares its loaded taps) */
  int64_t cmd0, ncmd;  /* its command words */
  int64_t naap, nap, nload, nstore; /* command counts, for reports */
  int64_t macs;        /* nonzero weight digits x lanes, for reports */
} DlPimKernel;

typedef struct {
  DlPimDevice dev;
  char *mlir;          /* the quantized module (MLIR text): the host steps and the kernels' geometry */
  size_t mlir_len;
  DlPimKernel *k;
  int nk;
  uint64_t *cmd;
  int64_t ncmd;
  /* A program for the timing model only (dl_pim_compile with timing): cmd
   * keeps the BLOCK, LOAD and STORE words, not the row operations; counts
   * holds (AAPs, APs) emitted before each BLOCK word and at each kernel's
   * end, in program order; no embedded module. Never written to a file. */
  bool counted;
  int64_t *counts;
  int64_t ncounts;
} DlPimProgram;

/* Lowers a quantized module (planned as plan by the caller) to kernels for
 * dev; with timing, a counted program (above) for the cost model: the same
 * time and energy, without tens of MB of row operations. */
bool dl_pim_compile(DlPlan *plan, MlirModule m, const DlPimDevice *dev, bool timing, DlPimProgram *out, DlError *e);
void dl_pim_program_free(DlPimProgram *p);
bool dl_pim_write(const char *path, const DlPimProgram *p, DlError *e);
/* Reads and checks a .pimbin image: every field and command word in range. */
bool dl_pim_parse(const void *buf, size_t len, DlPimProgram *p, DlError *e);
bool dl_pim_read(const char *path, DlPimProgram *p, DlError *e);
/* Checks p's kernels against the plan of its module (step kinds and shapes). */
bool dl_pim_check_plan(const DlPimProgram *p, DlPlan *plan, DlError *e);
/* Prints the kernels and, with cmds, every command word. */
void dl_pim_print(FILE *f, const DlPimProgram *p, DlPlan *plan, bool cmds);

/* Runs the AAP / AP words of cmd on one subarray, mem = rows x words (C0
 * and C1 are set first; LOAD / STORE / BLOCK are skipped). */
void dl_pim_rows_run(uint64_t *mem, int rows, int words, const uint64_t *cmd, int64_t n);

/* --- the simulator (sim.c) ------------------------------------------------- */
typedef struct DlPimSim DlPimSim;
/* Attaches a simulator to plan (made from p->mlir): PIM steps run on a bit matrix. */
DlPimSim *dl_pim_sim_create(const DlPimProgram *p, DlPlan *plan, DlError *e);
void dl_pim_sim_destroy(DlPimSim *s);
/* The JSON report of everything run so far, per kernel and in total; samples
 * divides the totals into per-sample figures. */
bool dl_pim_sim_report(DlPimSim *s, FILE *f, int64_t samples);
/* With on, kernels account their time and energy without computing values
 * (the timing model does not depend on them): a cost estimate, not a run. */
void dl_pim_sim_timing_only(DlPimSim *s, bool on);
/* Time and energy charged to plan step `step` so far. */
void dl_pim_sim_step_cost(DlPimSim *s, int step, double *ns, double *nj);
/* Totals so far: ns, nJ, bitline operations (row commands x bitlines), simulator seconds. */
void dl_pim_sim_totals(DlPimSim *s, double *ns, double *nj, double *bitops, double *sim_s);
/* The exact totals of the runs so far (*n of them, dlc/xsum.h), which a
 * merge may add to, and the simulator's wall-clock seconds. */
DlXSum *dl_pim_sim_sums(DlPimSim *s, int *n);
double *dl_pim_sim_wall(DlPimSim *s);
/* From now on every run is recorded as a timeline (dlc/trace.h) in simulated
 * time: a host track, one per channel (its activations, then its bus
 * transfers) and one per bank in use (its row commands); the last event ends
 * at the report's total time. The caller owns the trace and destroys it after s. */
DlTrace *dl_pim_sim_trace(DlPimSim *s);

#endif
