/* Shared by the acc target's files; not a public API. */
#ifndef DLC_ACC_INTERNAL_H
#define DLC_ACC_INTERNAL_H

#include "dlc/acc.h"
#include "dlc/plan.h"
#include "dlc/sparse.h"

/* What the accelerator would run for plan step s (M, N, K, kind; no tiling),
 * false for a host step. Device limits that make a step impossible (a
 * multiplier a shift-only unit cannot apply) are errors, not host steps. */
int dl_acc_layer_of_step(DlPlan *plan, int s, const DlAccDevice *dev, DlAccLayer *l, DlError *e);

/* Element of operand `op` (0 or 1) that element m of a binary layer (add,
 * sub, mul) reads: m itself when dense, else through the broadcast strides. */
int64_t dl_acc_bin_index(const DlCall *c, int op, int64_t m);
/* Operand of a gather layer (a concat, a nearest resize or a strided copy:
 * transpose, slice, expand, tile) that element m of its result comes from;
 * *idx its element there. */
int dl_acc_gather_source(const DlStep *st, int64_t m, int64_t *idx);
/* The layer kind's name in reports, the IR and disassembly. */
const char *dl_acc_layer_kind_name(DlAccLayerKind k);
/* Whether a binary layer reads operand 1 at zero point zb (add, sub, mul). */
static inline bool dl_acc_is_binary(DlAccLayerKind k) { return k == DL_ACC_L_ADD || k == DL_ACC_L_MUL; }

/* DRAM bytes a LOAD_X of rows [m0, m1) x columns [k0, k1) reads: distinct
 * input rows for windows (a line buffer), the elements otherwise. */
int64_t dl_acc_x_bytes(const DlStep *st, const DlAccLayer *l, int64_t m0, int64_t m1, int64_t k0, int64_t k1, int64_t n0);
/* Bytes layer l's weights take in DRAM: the dense matrix at its width (or
 * the bitmap's bits and the nonzero blocks), and
 * the outliers as a per-channel list (a 4-byte row pointer per output channel,
 * a 2-byte column index and the value per outlier); 0 for ALU layers. */
/* Weight i ([N][K] order) of dense or codebook layer l whose weights start at data
 * (the program's wseg + woff); codebook indices decoded. */
int32_t dl_acc_weight(const DlAccLayer *l, const unsigned char *data, int64_t i);
/* A codebook layer's codebook bytes per output channel (0 for other formats). */
int64_t dl_acc_codebook_bytes(const DlAccLayer *l);
int64_t dl_acc_weight_bytes(const DlAccDevice *d, const DlAccLayer *l);
/* Cycles of one GEMM tile of mt rows whose weights are `blocks` PE-array
 * blocks (the nonzero ones in the block format), pipeline fill included. */
int64_t dl_acc_gemm_cycles(const DlAccDevice *d, const DlAccLayer *l, int xes, int64_t mt, int64_t blocks);
/* The blocks a dense nt x kt weight tile occupies on the PE array. */
int64_t dl_acc_dense_blocks(const DlAccDevice *d, const DlAccLayer *l, int64_t nt, int64_t kt);

/* --- weight blocks (blocks.c) ----------------------------------------------
 * The grid of a GEMM layer's [N][K] weights: block (r, c) covers output
 * channels [n0, n1) of block row r (jb rows per convolution group, the last
 * one of a group possibly narrower) and inputs [c bk, min((c + 1) bk, K)). */
typedef struct {
  int64_t bn, bk;   /* block: output channels (PE cols x pack at the layer's width) x inputs (PE k) */
  int64_t jb, kb;   /* blocks per group along n, along K */
  int64_t rows, n;  /* block rows (groups x jb), blocks (rows x kb) */
} DlAccGrid;

void dl_acc_grid(const DlAccDevice *d, const DlAccLayer *l, DlAccGrid *g);
void dl_acc_block_range(const DlAccGrid *g, const DlAccLayer *l, int64_t r, int64_t c, int64_t *n0, int64_t *n1,
                        int64_t *k0, int64_t *k1);
/* Bytes one stored block takes (its elements at the layer's width, whole bytes). */
int64_t dl_acc_block_bytes(const DlAccGrid *g, const DlAccLayer *l, int64_t r, int64_t c);
/* Bytes of the layer's bitmap (a bit per block, rounded up to 4 bytes). */
int64_t dl_acc_bitmap_bytes(const DlAccGrid *g);
/* Offsets of each block's data after the bitmap (block r * kb + c; -1 for a
 * zero block) from the layer's bitmap at `bitmap`: off[g->n] (malloc'd).
 * *total: bitmap + nonzero blocks' bytes; *zero: the zero blocks. */
int64_t *dl_acc_block_offsets(const DlAccGrid *g, const DlAccLayer *l, const unsigned char *bitmap, int64_t *total,
                              int64_t *zero);
/* Whether [n0, n1) x [k0, k1) is made of whole blocks of one group. */
bool dl_acc_tile_aligned(const DlAccGrid *g, const DlAccLayer *l, int64_t n0, int64_t n1, int64_t k0, int64_t k1);
/* What a LOAD_W of an aligned tile reads in the block format: the tile's
 * bitmap bits (whole bytes) and its nonzero blocks; *nnz those blocks, *elems
 * their weights. off: dl_acc_block_offsets. Returns bytes. */
int64_t dl_acc_tile_blocks(const DlAccGrid *g, const DlAccLayer *l, const int64_t *off, int64_t n0, int64_t n1,
                           int64_t k0, int64_t k1, int64_t *nnz, int64_t *elems);

#endif
