/* Calibration histograms (lib/quant/calib.c) and their statistics files
 * (lib/quant/calib_stats.c): internal to lib/quant.
 *
 * A histogram is kept at a resolution that depends on the data only: its
 * bins cover [0, R) with R the smallest power of two above every |x| seen
 * (0 while only zeros were seen), a value's bin being floor(|x| * NB / R).
 * R0 is the range the first sample alone would give
 * (2^(ceil(log2 max|x|) + 1), 1 for zeros). Coarsening to max(R0, R) gives
 * exactly the bins of a histogram that started at R0 and doubled when
 * needed; two histograms of disjoint samples merge exactly (coarsen both to
 * the larger R, add the whole-number counts; R0 of the earlier). So shards
 * merged in sample order give the bins of one run over all samples. */
#ifndef DLC_CALIB_HIST_H
#define DLC_CALIB_HIST_H

#include <stdbool.h>
#include <stdint.h>

#include "dlc/diag.h"

#define DL_CALIB_NB 2048

typedef struct {
  const void *key;
  bool fraction;      /* some value seen was not a whole number */
  double min, max;    /* min > max: nothing seen */
  double R0, R;       /* R0 of the first sample; R the bins' range */
  double pos[DL_CALIB_NB], neg[DL_CALIB_NB];
} DlCalibHist;

/* Bins at range R (a power of two, R >= h->R): pairs merged until h->R == R. */
void dl_calib_hist_coarsen(DlCalibHist *h, double R);
/* into += from, `from` holding samples after those of `into`. */
void dl_calib_hist_merge(DlCalibHist *into, const DlCalibHist *from);

/* The model's calibrated values in position order (the func's arguments,
 * then each op's results) and a fingerprint of their producers and types. */
typedef struct {
  const void **vals;
  int64_t n;
  uint64_t fingerprint;
} DlCalibValues;

/* A statistics file (--calib-stats-out): the histograms h[0..v->n) by
 * position (NULL: not seen) and the sample count. */
bool dl_calib_stats_write(const char *path, const DlCalibValues *v, DlCalibHist *const *h, int64_t samples, DlError *e);
/* Reads path and merges its histograms after those already in h[0..v->n)
 * (allocating where NULL); adds its sample count to *samples. One error
 * naming the file and the reason when it is not a statistics file of this
 * model. */
bool dl_calib_stats_merge(const char *path, const DlCalibValues *v, DlCalibHist **h, int64_t *samples, DlError *e);

#endif
