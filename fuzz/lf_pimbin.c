/* libFuzzer entry: the .pimbin reader, the check against the embedded model
 * and the PIM simulator (see lf_sim.h). */
#include "lf_sim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) { return lf_sim_input(false, data, size); }
