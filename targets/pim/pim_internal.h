/* Shared by the pim target's files; not a public API. */
#ifndef DLC_PIM_INTERNAL_H
#define DLC_PIM_INTERNAL_H

#include "dlc/pim.h"

/* The kernel PIM would run for plan step s (commands not generated), or false
 * when the step is a host step. */
bool dl_pim_kernel_of_step(DlPlan *plan, int s, DlPimKernel *k);

#endif
