/* dlz: dlc's activation compression, one implementation for the compiler's
 * analysis, the C target's emitted runtime (the `@fn` sections of
 * lib/compress/dlz.c are copied into generated code, as dlrt's are) and the
 * accelerator simulator. Plain C99, no allocation, no globals.
 *
 * A compressed tensor of n quantized values (stored as int8/int16/int32,
 * es = 1/2/4 bytes) is a table of nblocks + 1 little-endian u32 offsets
 * followed by the blocks. Each block covers `block` consecutive elements and
 * starts with a mode byte: the mode in bits 0..2 and, for the narrowed modes,
 * a width w - 1 in bits 3..6. Narrowed modes store each value as its distance
 * from the zero point, u = q - zp when zp is the storage minimum (ReLU
 * outputs), else zigzag(q - zp), in the w bits the block's largest u needs:
 *   RAW   bypass: every value as q - qmin in `bits` bits (the storage range);
 *   ZERO  every value is the zero point;
 *   PACK  every value as u in w bits;
 *   ZVC   a bitmask with one bit per element (set: not the zero point), then
 *         the nonzero values as u in w bits (bit-level zero-value compression);
 *   ZB    a bitmask with one bit per sub-block of `sub` elements (set: some
 *         value is not the zero point), then those sub-blocks' values as u in w bits;
 *   ZVW   ZVC's bitmask, then for each sub-block with a nonzero value its own
 *         width ws - 1 in 4 bits followed by its nonzero values as u in ws
 *         bits (the mode byte's width field is 0): one large value no longer
 *         widens the whole block.
 * With k > 0 (K-lossy) the tensor is first rounded to the nearest q' with
 * q' - zp a multiple of 2^k (ties up, kept within qmin..qmax), so values
 * within 2^(k-1) of the zero point become it, and the narrowed modes
 * store (q' - zp) >> k: k fewer bits per value. Decoding gives q' exactly.
 * Bit streams are least significant bit first. The encoder picks, per block,
 * the smallest mode the scheme allows; RAW is always allowed, so a block is
 * never larger than its raw bits plus one byte, and dlz_bound is exact for
 * the worst case. Decoders check every length against the offsets and return
 * 0 on a corrupt buffer instead of reading outside it. See docs/compression.md. */
#ifndef DLZ_H
#define DLZ_H

#include <stddef.h>
#include <stdint.h>

/* @types */
enum { DLZ_RAW, DLZ_ZERO, DLZ_PACK, DLZ_ZVC, DLZ_ZB, DLZ_ZVW, DLZ_MODES };

typedef struct {
  unsigned modes; /* allowed block modes, bit (1 << DLZ_x); DLZ_RAW is always allowed */
  int bits;       /* 1..16: bits of qmax - qmin, the storage range */
  int block;      /* elements per block, a multiple of 8 from 8 to 65536 */
  int sub;        /* ZB and ZVW sub-block size: divides block */
  long long qmin, qmax, zp;
  int k; /* K-lossy, 0..7: values rounded to multiples of 2^k from zp (see dlz_lossy) */
} dlz_params;

/* A tensor being encoded piece by piece (dlz_rows_put): blocks done, and
 * elements waiting in the caller's one-block buffer; for int8 elements, each
 * value's stored form, tabulated at the first call (tab 1; 2: not usable).
 * Start from {0, 0, 0, {0}}. */
typedef struct {
  long long block, fill;
  int tab;
  unsigned short u[256];
} dlz_stream;

/* What a band buffer and the one-block buffer of dlz_rows_get hold between
 * calls: rows [r0, r1) and block `block` (-1: none). Start from {0, 0, -1}. */
typedef struct {
  long long r0, r1, block;
} dlz_rows;
/* @end */

/* The value the K-lossy encoding keeps for q (q itself when k = 0). */
long long dlz_lossy(const dlz_params *p, long long q);
/* Largest number of bytes dlz_encode writes for n values. */
size_t dlz_bound(const dlz_params *p, long long n);
/* Encodes x[0..n) (es-byte signed integers); returns the bytes written to out,
 * which must hold dlz_bound(p, n). */
size_t dlz_encode(const dlz_params *p, const void *x, int es, long long n, unsigned char *out);
/* Encodes blocks [b0, b1) of an n-element tensor from x (x[0] is element
 * b0 * block) into out, which holds cap bytes: table entry b0 must already be
 * written (blocks go in order), entries b0 + 1..b1 are. Returns the bytes of
 * out in use so far, or 0 if they would exceed cap (out is then unusable):
 * the check a compressed arena slot smaller than dlz_bound relies on. */
size_t dlz_encode_blocks(const dlz_params *p, const void *x, int es, long long n, long long b0, long long b1,
                         unsigned char *out, size_t cap);
/* Decodes elements [i0, i1) of an n-element tensor compressed in in[0..len)
 * into y[0..i1-i0) (es-byte integers); touches only the blocks that overlap.
 * Returns 0 if the buffer is corrupt (y is then unspecified), 1 otherwise. */
int dlz_decode(const dlz_params *p, const unsigned char *in, size_t len, long long n, long long i0, long long i1,
               void *y, int es);

/* Tiles of a [C, H, W] tensor compressed in channel-last order (element
 * (c, h, w) at position (h * W + w) * C + c), as the C target keeps
 * activations so that a band of rows is one element range:
 * dlz_rows_get decodes rows [r0, r1) into y as [C][r1 - r0][W], decoding one
 * block at a time through tmp (block elements); rows that y already holds
 * from the previous call with the same st are moved, not decoded again, and
 * so is the block left in tmp; 0 if the buffer is corrupt.
 * dlz_rows_put appends the next `rows` rows, given as x[C][rows][W], to the
 * tensor being encoded into out (cap bytes), through pend (block elements)
 * and s; 0 when out is full. */
int dlz_rows_get(const dlz_params *p, const unsigned char *in, size_t len, long long C, long long H, long long W,
                 long long r0, long long r1, int es, void *y, void *tmp, dlz_rows *st);
int dlz_rows_put(const dlz_params *p, unsigned char *out, size_t cap, long long C, long long H, long long W,
                 long long rows, const void *x, int es, void *pend, dlz_stream *s);

#endif
