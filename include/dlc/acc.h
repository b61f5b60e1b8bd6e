/* The acc target: a parameterized DNN accelerator (a PE array with input,
 * weight, accumulator and output buffers, DMA to DRAM, a requantization ALU
 * and an outlier MAC unit). A quantized model becomes a stream of fixed-width
 * instructions per layer, tiled to fit the buffers; dlc-run simulates it bit
 * for bit and counts cycles, DRAM bytes and energy. ISA: docs/acc-isa.md. */
#ifndef DLC_ACC_H
#define DLC_ACC_H

#include "dlc/trace.h"
#include <stdint.h>
#include <stdio.h>

#include "dlc/plan.h"
#include "dlc/xsum.h"

/* The accelerator (a JSON file in targets/acc/devices). */
typedef struct {
  char name[64];
  int pe_rows, pe_cols, pe_k;  /* output pixels x output channels x input channels per cycle, 8x8-bit MACs */
  int pack4, pack2;            /* MACs per 8-bit MAC slot at 4-bit / 2-bit weights (1: no gain) */
  int requant_mult;            /* 1: multiplier and shift; 0: shift only (dynamic fixed point) */
  int outlier_lanes;           /* outlier MACs per cycle; 0: no outlier path */
  int outlier_bits;            /* width of outlier weights */
  int alu_lanes;               /* ALU elements per cycle */
  int64_t ibuf, wbuf, abuf, obuf; /* bytes: input, weight, accumulator, output buffers (each double-buffered) */
  double ghz;                  /* clock */
  double dram_gbs, dram_ns;    /* DRAM bandwidth and latency per transfer */
  double e_mac, e_buf, e_dram, e_alu; /* pJ: per 8x8 MAC, per buffer byte, per DRAM byte, per ALU element */
  double host_ns_op, host_pj_op;
} DlAccDevice;

/* A path to a device JSON file or a built-in name ("edge", "dpu"). */
bool dl_acc_device_load(const char *path_or_name, DlAccDevice *d, DlError *e);
/* The same from the JSON text[0..len) of a device file. */
bool dl_acc_device_parse(const char *text, size_t len, DlAccDevice *d, DlError *e);

/* --- instructions: four 64-bit words ---------------------------------------
 * w0: op (bits 0..7), slots (8..15), dep1 (16..31), dep2 (32..47), layer (48..63)
 * w1: a0 | a1 << 32 (the m range), w2: b0 | b1 << 32 (n), w3: c0 | c1 << 32 (k).
 * dep1 / dep2: this instruction starts after the instruction that many
 * places earlier has finished (0: none). Slots: bit 0 input half, bit 1
 * weight half, bit 2 accumulator / output half, bit 3 accumulate. */
#define DL_ACC_OPS(X)                                                                               \
  X(CFG, "cfg")         /* switch to layer `layer`: its bit widths, shifts, tables */              \
  X(LOAD_X, "load.x")   /* DRAM -> input buffer: rows m, columns k (conv: implicit im2col) */      \
  X(LOAD_W, "load.w")   /* DRAM -> weight buffer: k x n dense packed weights and their outliers */ \
  X(GEMM, "gemm")       /* acc[m, n] (+)= sum_k (x - zx) w, dense array plus outlier unit */      \
  X(REQ, "req")         /* ALU: acc + bias -> requantize -> clamp -> output buffer */             \
  X(ALU, "alu")         /* ALU on the input buffer: add / sub, max pool, lookup table */          \
  X(STORE, "store")     /* output buffer -> DRAM: rows m, channels n */                            \
  X(SYNC, "sync")       /* wait until every engine is idle */                                       \
  X(FINISH, "finish")

typedef enum {
  DL_ACC_INVALID,
#define X(id, name) DL_ACC_##id,
  DL_ACC_OPS(X)
#undef X
  DL_ACC_NOPS
} DlAccOp;

typedef struct {
  uint64_t w[4];
} DlAccInsn;

static inline DlAccOp dl_acc_op(const DlAccInsn *i) { return (DlAccOp)(i->w[0] & 0xFF); }
static inline unsigned dl_acc_slots(const DlAccInsn *i) { return (unsigned)(i->w[0] >> 8) & 0xFF; }
static inline unsigned dl_acc_dep(const DlAccInsn *i, int k) { return (unsigned)(i->w[0] >> (16 + 16 * k)) & 0xFFFF; }
static inline unsigned dl_acc_layer(const DlAccInsn *i) { return (unsigned)(i->w[0] >> 48) & 0xFFFF; }
static inline uint32_t dl_acc_lo(uint64_t w) { return (uint32_t)w; }
static inline uint32_t dl_acc_hi(uint64_t w) { return (uint32_t)(w >> 32); }
const char *dl_acc_op_name(DlAccOp op);

/* --- layers ------------------------------------------------------------------ */
/* A GEMM layer runs on the device only when (K * max|x - zx| * max|w| +
 * max|bias|) * m0 stays below this (about 2^62): the device requantizes in
 * int64 with the rounding term added. Checked at compile time (the layer stays
 * on the host, with a warning naming it) and again when a binary loads. */
#define DL_ACC_REQUANT_LIMIT 4.6e18
typedef enum { DL_ACC_L_CONV, DL_ACC_L_MATMUL, DL_ACC_L_ADD, DL_ACC_L_MAXPOOL, DL_ACC_L_LUT, DL_ACC_L_MUL, DL_ACC_L_GATHER } DlAccLayerKind;

/* How a GEMM layer's weights lie in DRAM (docs/acc-isa.md). A weight block is
 * what the PE array consumes in one pass: (cols x pack) output channels x k
 * input channels, on a grid that starts at each convolution group. */
typedef enum {
  DL_ACC_W_DENSE,  /* the [N][K] matrix; every block is computed */
  DL_ACC_W_BLOCKS, /* a bitmap of the nonzero blocks, then only those; zero blocks are skipped */
  DL_ACC_W_CODEBOOK, /* --wquant: the [N][K] matrix of indices at wbits (unsigned), then N codebooks of
                      * L int8 weights (L = the bytes after the indices / N), one per output channel;
                      * a table in front of the PE array decodes each index to its 8-bit weight */
} DlAccWeightFormat;

typedef struct {
  int step;                 /* the plan step */
  DlAccLayerKind kind;
  int64_t M, N, K;          /* GEMM view: rows (batch x positions), channels, reduction; ALU: M elements, K taps */
  int64_t mt, nt, kt;       /* tile sizes the lowering chose */
  int order;                /* 0: n outer (weights stationary when kt = K), 1: m outer */
  int wbits;                /* dense weight width in DRAM and the weight buffer (2, 4, 8, 16) */
  int64_t noutliers;        /* weights outside the dense range, in the sparse list */
  int64_t woff, wbytes;     /* this layer's weights in the weight segment (either format) */
  int64_t ooff;             /* first outlier entry (in the outlier segment) */
  int64_t poff;             /* per-channel parameters (bias, m0, shift) in the parameter segment */
  int64_t icmd, ncmd;       /* instructions */
  int64_t dram_lb;          /* the layer's DRAM traffic lower bound, bytes (docs/acc.md) */
  int64_t pg;               /* output channels per convolution group (N for matmul; 1 for ALU layers) */
  DlAccWeightFormat wformat;
  int64_t zblocks;          /* all-zero weight blocks (counted in either format; skipped in DL_ACC_W_BLOCKS) */
  double wide;              /* set aside (dl_acc_layer_of_step 0): its sums times its multiplier could reach this, not below 2^62 */
} DlAccLayer;

typedef struct {
  uint32_t k, n; /* position in the [K][N] weight matrix */
  int32_t v;     /* the weight (zero point subtracted) */
} DlAccOutlier;

typedef struct {
  DlAccDevice dev;
  char *mlir; /* the quantized module: host steps and layer geometry */
  size_t mlir_len;
  DlAccLayer *l;
  int nl;
  DlAccInsn *insn;
  int64_t ninsn;
  unsigned char *wseg; /* weights, each layer [N][K] row-major at its wbits or as blocks (DlAccWeightFormat) */
  int64_t wseg_len;
  DlAccOutlier *out;
  int64_t nout;
  int64_t *par; /* per layer: bias[N], m0[N], shift[N] */
  int64_t npar;
  int nwide;              /* GEMM steps left on the host because the device's int64 requantization could overflow */
  char wide_where[160];   /* the first of them, and its figure */
  double wide_peak;
} DlAccProgram;

/* Lowers a quantized module (planned as plan by the caller) to layers for dev. */
/* timing: for the timing model only (the same program: it is small) */
bool dl_acc_compile(DlPlan *plan, MlirModule m, const DlAccDevice *dev, bool timing, DlAccProgram *out, DlError *e);
void dl_acc_program_free(DlAccProgram *p);
bool dl_acc_write(const char *path, const DlAccProgram *p, DlError *e);
bool dl_acc_parse(const void *buf, size_t len, DlAccProgram *p, DlError *e);
bool dl_acc_read(const char *path, DlAccProgram *p, DlError *e);
void dl_acc_print(FILE *f, const DlAccProgram *p, DlPlan *plan, bool insns);

typedef struct DlAccSim DlAccSim;
/* Checks p against the plan of its module and attaches a simulator to it. */
DlAccSim *dl_acc_sim_create(const DlAccProgram *p, DlPlan *plan, DlError *e);
void dl_acc_sim_destroy(DlAccSim *s);
/* Activations kept compressed in DRAM (issue 8). By default those the model
 * chose (dlc.compress from --compress-activations: scheme, K, block). With
 * scheme >= 0 (a DlScheme of dlc/compress.h), every per-tensor quantized
 * activation under that scheme in blocks of `block` values instead; with
 * scheme < 0, none. STORE compresses each tile and LOAD_X reads the
 * producer's measured ratio; both pass through a codec of bytes_per_cycle
 * (64 unless set here). The values are the model's either way: a K > 0
 * choice rounds what STORE writes whether or not it is counted compressed. */
void dl_acc_sim_compress(DlAccSim *s, int scheme, int block, double bytes_per_cycle);
bool dl_acc_sim_report(DlAccSim *s, FILE *f, int64_t samples);
/* With on, instructions account time, energy and traffic without computing
 * values (compressed activations then count at their raw size). */
void dl_acc_sim_timing_only(DlAccSim *s, bool on);
/* Time, energy and DRAM bytes charged to plan step `step` so far. */
void dl_acc_sim_step_cost(DlAccSim *s, int step, double *ns, double *nj, double *dram);
void dl_acc_sim_totals(DlAccSim *s, double *ns, double *nj, double *dram_bytes, double *sim_s);
/* The exact totals of the runs so far (*n of them, dlc/xsum.h), which a
 * merge may add to; the simulator's wall-clock seconds; and what the report
 * takes from the last run only (*n doubles: each value's stored and
 * compressed bytes), which a merge replaces with a later run's. */
DlXSum *dl_acc_sim_sums(DlAccSim *s, int *n);
double *dl_acc_sim_wall(DlAccSim *s);
double *dl_acc_sim_last(DlAccSim *s, int *n);
/* From now on every run is recorded as a timeline (dlc/trace.h) in simulated
 * time: one track per engine (load DMA, PE array and ALU, store DMA), each
 * instruction an event, and one for the host; the last event ends at the
 * report's total time. The caller owns the trace and destroys it after s. */
DlTrace *dl_acc_sim_trace(DlAccSim *s);

#endif
