/* Reading device JSON files (targets/<target>/devices/, one file per device), shared by the targets. */
#ifndef DLC_DEVICE_JSON_H
#define DLC_DEVICE_JSON_H

#include <cjson/cJSON.h>

#include "dlc/diag.h"

/* o[obj][key] (or o[key] when obj is NULL) as a number in [lo, hi]; false
 * with "device: obj.key ..." otherwise. */
bool dl_json_num(const cJSON *o, const char *obj, const char *key, double lo, double hi, double *v, DlError *e);
/* Parses a built-in text or reads a file, calling parse; a file's errors
 * are prefixed with its path. */
bool dl_device_json_load(const char *path_or_builtin, const char *builtin_text,
                         bool (*parse)(const cJSON *o, void *dev, DlError *e), void *dev, DlError *e);

#endif
