#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "dlc/support.h"

double dl_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* A bar redrawn in place: only on a terminal, never into a log file or a build log. */
void dl_progress(const char *what, int64_t done, int64_t total, double t0) {
  static int tty = -1;
  if (tty < 0) tty = isatty(2);
  if (!tty) return;
  int w = 30, f = total ? (int)(w * done / total) : w;
  fprintf(stderr, "\r%s [%.*s%*s] %3d%% %lld/%lld %.1fs", what, f, "==============================", w - f, "",
          total ? (int)(100 * done / total) : 100, (long long)done, (long long)total, dl_now() - t0);
  if (done == total) fputc('\n', stderr);
}
