#include <stdio.h>
#include <time.h>

#include "dlc/support.h"

double dl_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void dl_progress(const char *what, int64_t done, int64_t total, double t0) {
  int w = 30, f = total ? (int)(w * done / total) : w;
  fprintf(stderr, "\r%s [%.*s%*s] %3d%% %lld/%lld %.1fs", what, f, "==============================", w - f, "",
          total ? (int)(100 * done / total) : 100, (long long)done, (long long)total, dl_now() - t0);
  if (done == total) fputc('\n', stderr);
}
