/* The import options dlc and dlc-run share, as rows of their option
 * tables; the front end they feed is dlc/front.h. */
#ifndef DLC_TOOLS_FRONTEND_H
#define DLC_TOOLS_FRONTEND_H

#include "dlc/front.h"
#include "options.h"

/* The import options both tools take, rows for the option table; they store
 * into a DlFrontOptions at the start of the tool's settings. */
extern const DlOption dl_front_options[];

#endif
