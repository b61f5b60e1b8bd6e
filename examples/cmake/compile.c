/* libdlc from an installed tree: argv[1] (ONNX) quantized to 6-bit weights on
 * the samples of argv[2] and written as C into the folder argv[3] (cnn.c,
 * cnn.h), as `dlc --quantize --calib --wbits=6 --target=c` would. */
#include <stdio.h>

#include <dlc/dlc.h>

int main(int argc, char **argv) {
  if (argc != 4) return fprintf(stderr, "usage: compile MODEL CALIB.npy DIR\n"), 2;
  dlc_context *ctx;
  dlc_module *m = NULL;
  dlc_status st = dlc_context_create(&ctx);
  if (!st) st = dlc_module_import(ctx, argv[1], NULL, &m);
  if (!st) st = dlc_module_run_passes(m, DLC_PIPELINE_FLOAT);
  if (!st) st = dlc_module_quantize(m, "wbits=6", argv[2]);
  if (!st) st = dlc_module_emit(m, "c", "name=cnn", argv[3]);
  if (st) fprintf(stderr, "compile: error: %s\n", dlc_last_error(ctx));
  else printf("libdlc %s (header %s): %s/cnn.c\n", dlc_version(), DLC_VERSION, argv[3]);
  dlc_module_destroy(m);
  dlc_context_destroy(ctx);
  return (int)st;
}
