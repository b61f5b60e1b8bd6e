/* Activation compression analysis: how well each scheme of
 * include/dlc/schemes.def compresses a quantized model's activations,
 * measured by running the integer interpreter on real samples. */
#ifndef DLC_COMPRESS_H
#define DLC_COMPRESS_H

#include "dlc/dlz.h"
#include "dlc/plan.h"
#include "dlc/ir.h"
#include "dlc/support.h"

typedef enum {
#define DL_SCHEME(id, name, modes) DL_SCHEME_##id,
#include "dlc/schemes.def"
#undef DL_SCHEME
  DL_SCHEME_COUNT
} DlScheme;

const char *dl_scheme_name(DlScheme s);
/* "raw, pack, ... or all": every scheme's name, for error messages. */
const char *dl_scheme_names(void);
bool dl_scheme_parse(const char *name, DlScheme *s);
/* dlz parameters for a tensor of type t (quantized) under scheme s; false if
 * t is not a per-tensor quantized tensor. */
bool dl_scheme_params(DlScheme s, MlirType t, int block, int sub, dlz_params *p);

typedef struct {
  char name[160];  /* the producing op's location (ONNX node) */
  int64_t n;       /* elements */
  int es;          /* storage bytes per element (what an uncompressed arena holds) */
  double zeros;    /* fraction of elements equal to the zero point, over all samples */
  double bytes[DL_SCHEME_COUNT];     /* compressed bytes summed over samples */
  double worst[DL_SCHEME_COUNT];     /* largest compressed bytes of one sample */
  double hist[256];                  /* counts of q - qmin (8-bit tensors), for the entropy bound */
} DlTensorCompression;

typedef struct {
  DlTensorCompression *t;
  int nt;
  int64_t samples;
  int64_t correct; /* top-1 hits of output 0 against the labels, when given */
} DlCompressionStats;

/* Runs the quantized module m over the first `limit` samples of data (0: all;
 * float32, first dim = samples) and compresses every integer activation
 * (results of integer steps that own their buffer) with every scheme. With
 * k > 0 every activation is made K-lossy first (dlz_lossy), so later layers see the lossy
 * values; labels (int64, or NULL) count top-1 hits. */
bool dl_compress_analyze(MlirModule m, const DlTensor *data, const DlTensor *labels, int64_t limit, int block, int sub,
                         int k, DlCompressionStats *s, DlError *e);
void dl_compression_stats_free(DlCompressionStats *s);

/* One tensor's compression, the `dlc.compress` dictionary on its producing op:
 * {scheme = "zvc", k = 1, block = 256, sub = 16, cap = 3072}. cap is the
 * arena bytes reserved for it: dlz_bound (the worst case, always safe) or
 * less, in which case the generated code checks every block it writes. */
typedef struct {
  DlScheme scheme;
  int k, block, sub;
  int64_t cap;
} DlCompressChoice;

/* 0 when op has no dlc.compress, 1 when read into c, -1 when malformed
 * (message in e, naming the op). */
int dl_compress_attr_get(MlirOperation op, DlCompressChoice *c, DlError *e);
void dl_compress_attr_set(MlirOperation op, const DlCompressChoice *c);
/* dlz parameters of choice c for a tensor of type t; false if t is not per-tensor quantized. */
bool dl_compress_params(const DlCompressChoice *c, MlirType t, dlz_params *p);

/* The C target keeps a tensor compressed (channel-last, see dlz_rows_get)
 * only when its producer and every consumer run one band of rows at a time:
 * integer 2-D conv and pooling, lookup tables, same-shape binary ops and the
 * input's quantize, on [1, C, H, W] tensors. dl_compress_band_op says why step
 * `step` of p cannot (NULL: it can); dl_compress_streamable says whether the
 * result in `slot` can be kept compressed, else why (in why[0..n)). */
const char *dl_compress_band_op(const DlPlan *p, int step);
bool dl_compress_streamable(const DlPlan *p, int slot, char *why, size_t n);

/* What --compress-activations optimizes: see lib/compress/choose.c. */
enum { DL_RESERVE_AUTO, DL_RESERVE_BOUND, DL_RESERVE_CALIB };

typedef struct {
  int64_t budget;  /* bytes, 0: no memory budget (then: the most saving within max_loss) */
  bool traffic;    /* the budget counts activation traffic (mean bytes written + read per
                    * inference), else the peak of activation bytes live at once */
  double max_loss; /* points of accuracy (with labels; else of top-1 agreement with the exact
                    * integer model) the choice may lose on the samples */
  int kmax, block, sub;
  int64_t samples; /* calibration samples used, 0: all */
  int reserve;     /* DL_RESERVE_BOUND: dlz_bound (never overflows); CALIB: the calibration
                    * worst plus `margin` (checked at run time); AUTO: CALIB under an arena budget */
  double margin;
  bool acc;        /* choose for the accelerator's DRAM: every per-tensor quantized activation of
                    * its own but the outputs, encoded in the order it is stored (no reserves; a
                    * budget counts traffic); else what the C target can stream, channel-last */
  double holdout;  /* share of the samples kept from the search to check its choice on (0: none) */
} DlCompressSettings;

typedef struct {
  char name[160]; /* the producing op's location */
  DlCompressChoice c;
  int64_t raw, reserved;
  double mean, worst; /* compressed bytes per sample */
} DlCompressRow;

typedef struct {
  DlCompressRow *t;
  int nt;
  bool traffic;
  double mem, mem_raw; /* the budget's measure, compressed and not */
  double loss;         /* points lost: of accuracy with labels, else of top-1 agreement with the exact model */
  double loss_se;      /* with labels: the standard error of loss (the choice keeps loss + loss_se in budget) */
  bool labels;
  double acc_exact;    /* the exact integer model's accuracy (%), with labels */
  int64_t samples;
  int64_t holdout;     /* the last samples, which the search did not use (0: none) */
  int64_t hold_lost, hold_margin; /* samples lost there, and the standard error's count */
  int undone;          /* moves undone because the held-out samples lost too much */
} DlCompressReport;

/* Chooses scheme and K per streamable activation (s->acc: per stored activation) of the quantized module m
 * from the calibration samples `data` (and their labels, or NULL), writes dlc.compress on the producing
 * ops (replacing earlier ones) and fills rep. False, with a message saying by
 * how much, when a budget cannot be met; m then carries no dlc.compress. */
bool dl_compress_choose(MlirModule m, const DlTensor *data, const DlTensor *labels, const DlCompressSettings *s,
                        DlCompressReport *rep, DlError *e);
void dl_compress_report_free(DlCompressReport *r);
/* The driver's entry: writes s (and calib, labels, report (JSON) and report_text (the table): NULL for none) as the func's
 * dlc.compress_opts and runs --compress-activations on m. */
bool dl_compress_module(MlirModule m, const char *calib, const char *labels, const DlCompressSettings *s,
                        const char *report, const char *report_text, DlError *e);
/* The report as a table: per tensor scheme, K, mean and worst bytes and ratios, reserve, bytes saved; totals. */
void dl_compress_report_print(const DlCompressReport *r, DlBuf *b);
/* The same as JSON ("schema": "dlc.compress-report/1"): tensors, totals, the budget's measure, accuracy, held out. */
void dl_compress_report_json(const DlCompressReport *r, DlBuf *b);

#endif
