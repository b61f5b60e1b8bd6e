/* Pipelines that combine library stages with passes (passes/pipeline.c):
 * above lib/, below the tools. */
#ifndef DLC_PIPELINE_H
#define DLC_PIPELINE_H

#include "dlc/dlc.h"
#include "dlc/quant.h"

/* The passes every float model gets before calibration, quantization or
 * pruning (dlc, dlc-run, the benchmarks), and those a QDQ model gets before
 * its Q/DQ fold. */
#define DL_PIPELINE_FLOAT DLC_PIPELINE_FLOAT /* dlc.h: libdlc users run it too */
#define DL_PIPELINE_QDQ "fold-bn,fuse-activation"
/* What dlc runs before it emits a target's code, IR or cost table (not before
 * --emit=qg, and not in dlc-run's interpreter, the reference the targets are
 * compared with): passes that change no result bit, only how many passes
 * over memory a result takes. A float relu or clip fused into its producer's
 * clamp gives the same bits, -0 and NaN included (test/targets/c-float-fuse.test). */
#define DL_PIPELINE_LOWER "fuse-activation"

/* Writes the settings as the func's `dlc.quant`, calibrates on `data`, runs
 * --quantize and verifies. The module must be float qg IR. With
 * s->auto_keep_db > 0 the accuracy guard (dl_auto_keep) chooses wider layers
 * between calibration and quantization. */
bool dl_quantize_module(MlirModule m, const DlQuantSettings *s, const DlTensor *data, DlError *e);

/* The integer graph of an already-quantized model: --fold-qdq, then --quantize
 * with the model's own parameters (no calibration). What the model leaves
 * unquantized stays float. */
bool dl_quantize_qdq_module(MlirModule m, DlError *e);
/* The same for a partially quantized model (Q/DQ on some tensors only): after
 * the fold, `data` calibrates the tensors the model gives no parameters, so
 * their ops get integer forms too (the model's own parameters win, then
 * those of the tensor a value moves into unchanged: passes/quantize.c). */
bool dl_quantize_qdq_module_calib(MlirModule m, const DlTensor *data, const DlCalibOptions *co, DlError *e);

/* The accuracy guard (--auto-keep[=DB], passes/guard.c). m is calibrated float
 * qg IR with its dlc.quant settings. Quantizes a copy, measures each layer's
 * SQNR against m on the first DL_AUTO_KEEP_SAMPLES samples of data, and keeps
 * wider every layer below db dB that loses at least DL_AUTO_KEEP_DROP dB
 * against the worst of its inputs (the layers where the error arises, not
 * those that inherit it): an integer layer goes to 16-bit activations, then
 * float; a float layer's integer producers go to 16-bit activations. Repeats
 * until no layer qualifies (at most DL_AUTO_KEEP_ROUNDS rounds). With
 * cos_target > 0 a second stage follows while the lowest cosine of a model
 * output against m (same samples) is below it: the integer layers that lose
 * the most dB against their inputs (inputs capped at DL_AUTO_KEEP_CAP_DB) are
 * widened one step, 1, 1, 2, 2, 4, 4, ... per round (at most DL_AUTO_KEEP_COS_ROUNDS
 * rounds). *out_cos receives the lowest output cosine of the last trial
 * (measured before that round's widening; NAN when nothing was measured).
 * The layers kept get
 * `auto_keep = <dB measured>` in their dlc.quant; *kept receives a
 * comma-separated list ("'node' a16 (7.9 dB), ...", malloc'd, NULL when
 * none) for the one warning the tool prints. */
#define DL_AUTO_KEEP_SAMPLES 32
#define DL_AUTO_KEEP_DROP 1.0
#define DL_AUTO_KEEP_ROUNDS 12
#define DL_AUTO_KEEP_DEFAULT_DB 30.0
#define DL_AUTO_KEEP_COS_ROUNDS 16
#define DL_AUTO_KEEP_CAP_DB 60.0
bool dl_auto_keep(MlirModule m, double db, double cos_target, const DlTensor *data, char **kept, double *out_cos,
                  DlError *e);

/* Empirical bias correction (passes/bias_correct.c): q_m is float_m
 * quantized; the mean shift of every integer conv / gemm / matmul's
 * pre-activations against float_m, on the first `samples` samples of data
 * (0: all), is taken out of its bias, layer after layer. *layers: how many
 * biases changed. */
bool dl_bias_correct(MlirModule float_m, MlirModule q_m, const DlTensor *data, int64_t samples, int64_t *layers,
                     DlError *e);

#endif
