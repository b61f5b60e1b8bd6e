/* Quantization: the integer arithmetic every target reproduces bit for bit
 * (docs/integer-semantics.md), calibration, and quantization settings.
 *
 * The rules in one place:
 *   quantize    q = clamp(round_half_even(x / s) + zp, qmin, qmax)   (float32 divide)
 *   dequantize  x = (float)(q - zp) * s
 *   requantize  y = clamp(zp_out + rshift_round(acc * M0, n), lo, hi), 64-bit product,
 *               rshift_round(v, n) = floor((v + 2^(n-1)) / 2^n)        (round half up)
 * where the real multiplier M = s_in * s_w / s_out is M0 * 2^-n. */
#ifndef DLC_QUANT_H
#define DLC_QUANT_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>

#include "dlc/cost.h"
#include "dlc/diag.h"
#include "dlc/plan.h"
#include "dlc/ir.h"

/* ---- integer arithmetic ------------------------------------------------------ */

/* floor(v / 2^n) for any sign, without relying on implementation-defined >>. */
static inline int64_t dl_floor_shift(int64_t v, int n) { return v >= 0 ? v >> n : ~((~v) >> n); }

/* Round half up: floor((v + 2^(n-1)) / 2^n); n == 0 is the identity. */
static inline int64_t dl_rshift_round(int64_t v, int n) {
  return n > 0 ? dl_floor_shift(v + ((int64_t)1 << (n - 1)), n) : v;
}

static inline int64_t dl_clamp_i(int64_t v, int64_t lo, int64_t hi) { return v < lo ? lo : v > hi ? hi : v; }

static inline int64_t dl_quantize_f(float x, float scale, int64_t zp, int64_t qmin, int64_t qmax) {
  float r = nearbyintf(x / scale); /* current rounding mode: to nearest, ties to even */
  if (r != r) r = 0;
  if (r > 1e15f) r = 1e15f;
  if (r < -1e15f) r = -1e15f;
  return dl_clamp_i((int64_t)r + zp, qmin, qmax);
}

static inline float dl_dequantize_f(int64_t q, float scale, int64_t zp) { return (float)(q - zp) * scale; }

/* A requantization multiplier: real M ~= m0 * 2^-shift with m0 < 2^mbits. */
typedef struct {
  int64_t m0;
  int shift;
} DlMult;

/* Chooses m0 with as many bits as allowed (at most mbits, 1..31) and a shift in
 * 0..62. M must be finite and >= 0; false if M >= 2^mbits (cannot be shifted). */
bool dl_quant_multiplier(double M, int mbits, DlMult *out);

static inline int64_t dl_requant(int64_t acc, DlMult m) { return dl_rshift_round(acc * m.m0, m.shift); }

/* Bits needed to hold any |v| <= bound in two's complement (sign included). */
int dl_bits_for(uint64_t bound);

/* ---- quantization parameters ------------------------------------------------- */

typedef struct {
  double scale;
  int64_t zp;
  int64_t qmin, qmax;
  int bits;
  bool is_signed;
} DlQParams;

/* Parameters for one tensor of range [lo, hi] (0 is always included).
 * symmetric: zp = 0 and |range| maps to qmax; pow2: the scale is rounded up to a
 * power of two (dynamic fixed point: fractional length = -log2(scale)). */
DlQParams dl_qparams_for_range(double lo, double hi, int bits, bool is_signed, bool symmetric, bool pow2);

/* How a weight channel's clipping threshold t (scale t / qmax) is chosen:
 *   MAX   t = max |w|;
 *   MSE   the t in [0.05 max, max] minimizing sum (w - w~)^2, w~ = dequantize(quantize(w));
 *   OMSE  the same search minimizing sum (w - w~)^2 + sum over kernel windows of
 *         (sum (w - w~) over the window)^2: the channel's output error when the inputs
 *         of one window (an input channel's kh x kw neighbours) are correlated 0.5, as
 *         neighbouring pixels are; the same as MSE for gemm and matmul;
 *   AUTO  OMSE below 6 bits, MAX at 6 and more (docs/quantization-accuracy.md). */
typedef enum { DL_WCLIP_AUTO, DL_WCLIP_MAX, DL_WCLIP_MSE, DL_WCLIP_OMSE } DlWeightClip;

/* "max", "mse" or "omse"; false for anything else (AUTO is the absence of a choice). */
bool dl_wclip_parse(const char *s, DlWeightClip *c);
const char *dl_wclip_name(DlWeightClip c);

/* How weights are rounded onto their grid (--wround, docs/quantization.md):
 *   NEAREST   each weight to nearest;
 *   GPTQ      each input's error moved onto the inputs not yet rounded (passes/gptq.c);
 *   ADAROUND  up or down learned per weight against the layer's output error (passes/adaround.c);
 *   BRECQ     the same learned jointly for the layers of a residual block against the block's
 *             output, activations fake-quantized (passes/brecq.c);
 *   AUTO      whichever of the three loses least on held-out calibration samples.
 * DL_WROUND_DEFAULT (0) is AUTO below 6 weight bits and NEAREST from 6 on. */
#define DL_WROUND_LIST(X) X(NEAREST, "nearest") X(GPTQ, "gptq") X(ADAROUND, "adaround") X(BRECQ, "brecq") X(AUTO, "auto")
typedef enum {
  DL_WROUND_DEFAULT,
#define DL_WROUND_ENUM(id, name) DL_WROUND_##id,
  DL_WROUND_LIST(DL_WROUND_ENUM)
#undef DL_WROUND_ENUM
} DlWeightRound;
/* One of the names above; false for anything else. */
bool dl_wround_parse(const char *s, DlWeightRound *r);
/* Its name ("default" for DL_WROUND_DEFAULT). */
const char *dl_wround_name(DlWeightRound r);
/* What DL_WROUND_DEFAULT means at wbits: AUTO below 6 bits, else NEAREST; r otherwise. */
DlWeightRound dl_wround_resolve(DlWeightRound r, int wbits);

/* The symmetric narrow-range scale for n weights w (one output channel, or a whole
 * tensor) at `bits`, chosen by `clip`; w is made of windows of `window` consecutive
 * weights (kh*kw for conv, 1 otherwise). Float32-exact; a power of two when pow2. */
double dl_weight_scale(const float *w, int64_t n, int64_t window, int bits, bool pow2,
                       DlWeightClip clip);

/* Outlier-aware weights. The threshold of n weights w for a fraction `outliers` (0 <
 * outliers < 0.5) is the (n - floor(outliers * n))-th smallest |w|, or max |w| when that
 * is 0: at most floor(outliers * n) weights lie above it. Those are the outliers, quantized
 * into the outlier_bits narrow range; the others into the `bits` range (clamped). */
float dl_outlier_threshold(const float *w, int64_t n, double outliers);
/* The scale for that split, chosen by `clip` as dl_weight_scale does but over dense
 * thresholds in [0.05 t, t]: MAX gives t / (2^(bits-1) - 1), MSE and OMSE the least error
 * with the outliers at their wide range. Float32-exact, never 0; pow2 as usual. */
double dl_weight_scale_outliers(const float *w, int64_t n, int64_t window, int bits, int outlier_bits, float t,
                                bool pow2, DlWeightClip clip);

/* How weights take their levels (--wquant): a uniform grid (default), or
 * 2^wbits levels per channel from weighted-entropy clusters, kept as int8 codes
 * and a codebook: the paper's representatives (wentropy-plain), refined by
 * Lloyd iterations (wentropy-lloyd), and per channel the uniform omse grid
 * where that makes less output error (wentropy; dl_wentropy_quantize). */
#define DL_WQUANTS(X)                                                                                                  \
  X(UNIFORM, "uniform") X(WENTROPY, "wentropy") X(WENTROPY_LLOYD, "wentropy-lloyd") X(WENTROPY_PLAIN, "wentropy-plain")
#define DL_WQUANT_ENUM(id, name) DL_WQUANT_##id,
typedef enum { DL_WQUANTS(DL_WQUANT_ENUM) DL_WQUANT_COUNT } DlWeightQuant;
#undef DL_WQUANT_ENUM
/* A DL_WQUANTS name; false for anything else. */
bool dl_wquant_parse(const char *s, size_t len, DlWeightQuant *q);
const char *dl_wquant_name(DlWeightQuant q);

/* Weighted-entropy weight levels (lib/quant/wentropy.c; Park et al., CVPR 2017):
 * cuts the n values v, sorted, into `levels` clusters maximizing
 * -sum_k I_k log P_k with importance v^2; centers[k] (ascending) is cluster
 * k's importance-weighted mean, assign[i] the cluster of v[i]. Fewer values
 * than levels: the last centers repeat. */
void dl_wentropy_cluster(const double *v, int64_t n, int levels, double *centers, int *assign);
/* --wquant: weights w (channel of element i: (i / inner) % nch; a channel's
 * weights come in windows of `window`, kh x kw for a conv, else 1) divided by
 * their channel's scale and clustered into 2^bits weighted-entropy levels per
 * channel (per_channel) or over the whole layer. WENTROPY_PLAIN keeps the
 * clusters' importance-weighted means; WENTROPY_LLOYD refines them by Lloyd
 * iterations (nearest level, level = mean); WENTROPY also, per channel, takes
 * the --wclip=omse uniform grid instead where that has the smaller output error
 * (sum e^2 + sum over windows of (sum e)^2). The levels rounded to int8 make
 * `codebook` (2^bits entries per group, ascending, may repeat; nch groups or 1)
 * and each weight's code, one of its group's, is written to codes. */
void dl_wentropy_quantize(const float *w, int64_t n, int64_t inner, int64_t nch, int64_t window, const double *scales,
                          int bits, bool per_channel, DlWeightQuant how, int8_t *codes, int8_t *codebook);

/* The per-channel scales (nch along `axis`) and width the quantize pass would
 * give layer op's float weights w under its dlc.quant settings (the func's,
 * then the op's); false when the layer keeps float or takes outliers.
 * Removes scales pinned earlier (dlc.wscales). */
bool dl_quant_layer_scales(MlirOperation op, const DlTensor *w, int axis, int64_t nch, double *scales, int *wbits);
/* The parameters the quantize pass gives activation v of func (a value with a
 * dlc.range or the model's own QDQ parameters) under its dlc.quant settings
 * (func's, then v's producer's); false when it has none or keeps float. */
bool dl_quant_act_params(MlirOperation func, MlirValue v, DlQParams *p);

/* Reads the per-tensor parameters of a quantized tensor type; false if not one. */
bool dl_qparams_of_type(MlirType tensor_type, DlQParams *q);
/* tensor<dims x !quant.uniform<iB:f32, s:zp>> with storage min/max narrowed to the bits. */
MlirType dl_qtype_get(MlirContext ctx, const DlShape *dims, const DlQParams *q);
/* Per-axis variant: scales[n] along `axis`, zero points all zero. */
MlirType dl_qtype_per_axis_get(MlirContext ctx, const DlShape *dims, int bits, int axis, const double *scales,
                               int64_t n);

/* ---- calibration ------------------------------------------------------------- */

/* AUTO (the default) is MSE below 6 bits and MINMAX at 6 and more: at 4 bits
 * the min/max range of a ReLU output spends most levels on rare large values
 * (docs/quantization-accuracy.md). */
typedef enum { DL_CALIB_AUTO, DL_CALIB_MINMAX, DL_CALIB_PERCENTILE, DL_CALIB_ENTROPY, DL_CALIB_MSE } DlCalibMethod;

/* "auto", "minmax", "percentile", "percentile=P" (0 < P <= 100; sets *percentile), "entropy", "mse". */
bool dl_calib_method_parse(const char *s, DlCalibMethod *m, double *percentile);
const char *dl_calib_method_name(DlCalibMethod m);

typedef struct {
  DlCalibMethod method;
  double percentile; /* for DL_CALIB_PERCENTILE, e.g. 99.99 */
  int bits;          /* activation bits the clipping is chosen for (entropy, mse) */
  int64_t limit;     /* at most this many samples (0: all) */
  bool progress;     /* progress bar on stderr */
  const int *table_bits; /* also record each value's range at these widths (dl_calib_select) */
  int ntable_bits;
  int jobs;              /* threads running samples (0 or 1: the caller's only); the same ranges for any */
  int shard, nshards;    /* nshards > 0: only the contiguous block `shard` of nshards of the samples */
  const char *stats_out; /* write the histograms there (a statistics file, calib_stats.c) */
  const char *const *stats; /* nstats > 0: merge these statistics files (in order) instead of running samples */
  int nstats;
} DlCalibOptions;

/* Runs the float interpreter over every sample of `data` (first dim = samples;
 * the model's single input takes one sample at a time), keeping only a
 * streaming histogram per value, then writes the chosen clipping range as
 * `dlc.range = array<f64: lo, hi>` on each producing op (and as an argument
 * attribute on each input). Histograms depend on the samples only, not on
 * their order or split (docs/scale.md): o->jobs threads, o->nshards blocks
 * written with o->stats_out and merged with o->stats all give the ranges of
 * one run over all samples (data unused with o->stats). */
bool dl_calibrate(MlirModule m, const DlTensor *data, const DlCalibOptions *o, DlError *e);
/* Data for a one-input model must hold samples of that input along its first
 * axis (dl_shape_holds_samples), not merely as many elements: an error naming
 * what (the file) and the shapes expected otherwise. */
bool dl_calib_data_check(MlirModule m, const DlTensor *data, const char *what, DlError *e);
/* How many samples data holds for m (checked data: dl_calib_data_check or
 * dl_calib_pack): its elements over one sample's, a sample being the inputs
 * without their batch axis. */
int64_t dl_calib_samples(MlirModule m, const DlTensor *data);

/* Calibration data for a model with several inputs: n arrays, arrays[k] the
 * samples of the input named names[k] (ONNX name; `what` names its file),
 * packed into *out as dl_plan_runs reads it. Every float32 input needs one
 * array, all with the same sample count; an unknown or repeated name, a
 * missing input, a wrong shape or dtype is one error naming the file. A
 * model with one input takes its array over (arrays[k] is left empty), as
 * it is, streamed or not; several are packed into memory. */
bool dl_calib_pack(MlirModule m, int n, const char *const *names, DlTensor *arrays, const char *const *what,
                   DlTensor *out, DlError *e);

/* With o->table_bits, dl_calibrate also records on each value the range it
 * would choose at each of those widths (`dlc.ranges = array<f64: bits, lo, hi,
 * ...>`, the same histogram). dl_calib_select then sets each value's
 * `dlc.range` to the entry for the width its producer's dlc.quant now asks
 * for: exactly what dl_calibrate with those dlc.quant would write, without
 * running the samples again (precision assignment tries many widths). False
 * if a value lacks the entry. */
bool dl_calib_select(MlirModule m, const DlCalibOptions *o, DlError *e);

/* The range `dlc.range` recorded for v; false if none. */
bool dl_value_range(MlirValue v, double *lo, double *hi);
/* The activation bits of v: a model input's own (dlc.abits, which
 * passes/edge_activations.c writes), else abits. */
int dl_value_abits(MlirValue v, int abits);

/* ---- the whole job ------------------------------------------------------------ */

/* --bias-correct (passes/bias_correct.c): auto, the default, is on below 8
 * activation bits. */
typedef enum { DL_BIAS_CORRECT_AUTO, DL_BIAS_CORRECT_ON, DL_BIAS_CORRECT_OFF } DlBiasCorrect;
/* "auto", "on" or "off" into *b; false for anything else. */
bool dl_bias_correct_parse(const char *s, DlBiasCorrect *b);

typedef struct {
  int wbits, abits;       /* 2..16 */
  bool per_tensor;        /* weights per tensor instead of per output channel */
  bool symmetric;         /* activations symmetric (zero point 0) */
  bool pow2;              /* power-of-two scales (dynamic fixed point) */
  DlWeightClip wclip;     /* weight clipping; DL_WCLIP_AUTO (0) leaves it to the bit width */
  double outliers;        /* 0, or 0 < f < 0.5: the largest f of |w| may need outlier_bits */
  int outlier_bits;       /* wbits < outlier_bits <= 16; 0 means 8 */
  int highway;            /* --highway[=B]: 0, or the activation bits of residual adds and their operands (passes/highway.c) */
  int wbits_small;        /* --wbits-small=N: weight bits of layers with at most 12 weights per output (0: 8; passes/small_kernels.c) */
  DlBiasCorrect bias_correct; /* --bias-correct: auto (on below 8 activation bits), on or off (passes/bias_correct.c) */
  int abits_edge;         /* --abits-edge=N: activation bits of the model's inputs and outputs and the last layers' inputs (0: 8; passes/edge_activations.c) */
  const char *approx;     /* --approx=SPEC: the multiplier of integer layers (dlc/approx.h), or NULL */
  bool approx_compensate; /* --approx-compensate: their mean error folded into the biases */
  double approx_budget;   /* --approx-budget=POINTS: > 0 chooses a multiplier per layer (dl_approx_assign) */
  const char *approx_candidates; /* --approx-candidates, or NULL: the default list */
  int64_t approx_samples; /* --approx-samples: calibration samples it measures on (0: 500) */
  const DlTensor *approx_labels; /* --approx-labels: their labels (int64), or NULL */
  DlWeightRound wround;   /* --wround: weight rounding (dlc/gptq.h) */
  DlWeightQuant wquant;   /* --wquant: uniform (0), or weighted-entropy codebooks (wbits 2..7) */
  double auto_keep_db;    /* --auto-keep[=DB]: > 0 runs the accuracy guard (passes/guard.c) at this threshold */
  double auto_keep_cos;   /* --auto-keep-cos=C: 0 < C < 1, the guard then widens until every output's cosine reaches C */
  DlCalibOptions calib;
} DlQuantSettings;

/* Checks the settings and writes them as the func's `dlc.quant` (what
 * --calibrate and --quantize read). */
bool dl_quant_settings_write(MlirModule m, const DlQuantSettings *s, DlError *e);


/* --config FILE.json (see lib/quant/config.c for the format). Load checks the
 * whole file and applies its "defaults" to s; apply writes each node's
 * settings as `dlc.quant` on the ops imported from that ONNX node (an unknown
 * node name is an error). */
typedef struct DlQuantConfig DlQuantConfig;
DlQuantConfig *dl_quant_config_load(const char *path, DlQuantSettings *s, DlError *e);
/* The same from the JSON text[0..len) (path names it in messages). */
DlQuantConfig *dl_quant_config_parse(const char *text, size_t len, const char *path, DlQuantSettings *s, DlError *e);
bool dl_quant_config_apply(MlirModule m, const DlQuantConfig *c, DlError *e);
void dl_quant_config_destroy(DlQuantConfig *c);

/* The --report JSON of the quantized module q_m as a tree (the caller
 * cJSON_Deletes it), or NULL: per layer (ONNX node) its activation and
 * weight bits, scale and zero point (weight scale range), MACs, weight bytes,
 * and, when data is given, the SQNR of its output against float_m (the same
 * graph before quantization) over the first `samples` samples (-1: all). */
struct cJSON *dl_quant_report_create(MlirModule float_m, MlirModule q_m, const DlTensor *data, int64_t samples, DlError *e);
/* The report as one HTML page (dlc/html.h): per layer its bits, SQNR, MACs
 * and weight bytes and, with cost rows c[0..n) of target `target` (NULL:
 * none), each node's time, energy (when timed) and bytes per sample summed
 * over its steps; nodes with cost but not in the report (host steps) get
 * rows of their own. */
bool dl_quant_report_html(FILE *f, const struct cJSON *report, const char *target, bool timed, const DlLayerCost *c, int n);

/* Each layer's (ONNX node's) SQNR against float_m over the first `samples`
 * samples of data (-1: all), as --report measures it: *out gets one entry per
 * node of q_m in order (op: its first op in q_m; sqnr_db INFINITY when exact,
 * NAN when not measured: no float counterpart or zero signal). With out_cos
 * non-null, it receives the lowest cosine over the model's float outputs of
 * q_m's output against float_m's, each over all samples (NAN when no output
 * has a nonzero float reference). The count, or
 * -1 with e set. Free *out with free(). */
typedef struct {
  char node[160];
  MlirOperation op;
  double sqnr_db;
} DlLayerSqnr;
int dl_quant_layer_sqnr(MlirModule float_m, MlirModule q_m, const DlTensor *data, int64_t samples, DlLayerSqnr **out,
                        double *out_cos, DlError *e);

/* Whether m holds ONNX quantization (QuantizeLinear / DequantizeLinear,
 * QLinearConv / QLinearMatMul, ConvInteger / MatMulInteger). */
bool dl_module_has_qdq(MlirModule m);

#endif
