/* The schema of every JSON file dlc writes: "schema": "dlc.KIND/N", the
 * first key of the top-level object. N grows when a field changes meaning or
 * goes away (new fields keep it); docs/architecture.md lists each kind's
 * fields. One row per kind, so the writers and the docs cannot drift. */
#ifndef DLC_SCHEMA_H
#define DLC_SCHEMA_H

#define DL_SCHEMA_QUANT_REPORT "dlc.quant-report/1"       /* dlc --report */
#define DL_SCHEMA_COST "dlc.cost/1"                       /* dlc --cost */
#define DL_SCHEMA_COMPRESS_REPORT "dlc.compress-report/1" /* dlc --compress-report */
#define DL_SCHEMA_CONFIG "dlc.config/1"                   /* dlc --assign-config, read by --config */
#define DL_SCHEMA_ASSIGN_PARETO "dlc.assign-pareto/1"     /* dlc --assign-pareto */
#define DL_SCHEMA_ASSIGN_CACHE "dlc.assign-cache/1"       /* dlc --assign-cache DIR's tables */
#define DL_SCHEMA_PIM_REPORT "dlc.pim-report/1"           /* dlc-run m.pimbin --report */
#define DL_SCHEMA_ACC_REPORT "dlc.acc-report/1"           /* dlc-run m.accbin --report */
#define DL_SCHEMA_TRACE "dlc.trace/1"                     /* dlc-run --trace (Trace Event Format) */

#endif
