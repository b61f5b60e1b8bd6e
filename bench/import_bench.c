/* dlc-bench-import: one timed import of a model, for bench/import.sh.
 * Prints file size, wall time, MB/s and peak RSS (ru_maxrss) of this process. */
#include <stdio.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "dlc/onnx.h"

int main(int argc, char **argv) {
  if (argc < 2) return fprintf(stderr, "usage: dlc-bench-import MODEL.onnx\n"), 1;
  struct stat st;
  if (stat(argv[1], &st)) return perror(argv[1]), 1;
  DlError e = {0};
  MlirContext ctx = dl_context_create(&e);
  struct rusage before;
  getrusage(RUSAGE_SELF, &before);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  MlirModule m = dl_onnx_import(ctx, argv[1], NULL, &e);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  if (mlirModuleIsNull(m)) return fprintf(stderr, "import failed: %s\n", e.msg), 1;
  struct rusage r;
  getrusage(RUSAGE_SELF, &r);
  double secs = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
  double mb = (double)st.st_size / 1e6;
  printf("import: %.1f MB in %.3f s = %.0f MB/s; peak RSS %.1f MB (%.2fx the file; %.1f MB before import)\n", mb,
         secs, mb / secs, (double)r.ru_maxrss / 1024.0, (double)r.ru_maxrss * 1024.0 / (double)st.st_size,
         (double)before.ru_maxrss / 1024.0);
  mlirModuleDestroy(m);
  dl_context_destroy(ctx);
  return 0;
}
