/* libFuzzer entry: the .accbin reader, the check against the embedded model
 * and the accelerator simulator (see lf_sim.h). */
#include "lf_sim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) { return lf_sim_input(true, data, size); }
