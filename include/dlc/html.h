/* A per-layer report as one self-contained HTML page: inline CSS, a table
 * and one inline SVG bar chart per chosen metric, no script, nothing
 * fetched. Every name is escaped (ONNX node names may hold <, & or quotes). */
#ifndef DLC_HTML_H
#define DLC_HTML_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdio.h>

typedef struct {
  const char *key;   /* the member of each layer object shown */
  const char *title; /* its column header ("time (ns)") */
  bool chart;        /* also a bar chart of it */
} DlHtmlColumn;

/* The page for `layers` (an array of objects, each row labelled by its
 * "node" member) with columns cols[0..n): a number as a cell whose data-v
 * attribute holds it exactly (%.17g), a string as text, a missing member as
 * an empty cell; bars only for positive numbers, scaled to the largest.
 * summary (NULL: none) is one escaped line under the title. */
bool dl_html_report_write(FILE *f, const char *title, const char *summary, const cJSON *layers, const DlHtmlColumn *cols,
                          int n);
/* s with &, <, >, " and ' as character references. */
void dl_html_escape(FILE *f, const char *s);

#endif
