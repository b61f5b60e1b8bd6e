/* Self-contained HTML reports (dlc/html.h). */
#include "dlc/html.h"

#include <math.h>
#include <string.h>

void dl_html_escape(FILE *f, const char *s) {
  for (; *s; s++) switch (*s) {
    case '&': fputs("&amp;", f); break;
    case '<': fputs("&lt;", f); break;
    case '>': fputs("&gt;", f); break;
    case '"': fputs("&quot;", f); break;
    case '\'': fputs("&#39;", f); break;
    default: fputc(*s, f);
    }
}

static const char *node_of(const cJSON *row) {
  const cJSON *n = cJSON_GetObjectItemCaseSensitive(row, "node");
  return cJSON_IsString(n) ? n->valuestring : "";
}

/* A number for people: integers as integers, others with 4 significant digits. */
static void put_number(FILE *f, double v) {
  if (v == floor(v) && fabs(v) < 1e15) fprintf(f, "%.0f", v);
  else fprintf(f, "%.4g", v);
}

static void cell(FILE *f, const char *key, const cJSON *v) {
  fputs("<td data-k=\"", f);
  dl_html_escape(f, key);
  fputs("\"", f);
  if (cJSON_IsNumber(v)) {
    fprintf(f, " class=\"num\" data-v=\"%.17g\">", v->valuedouble);
    put_number(f, v->valuedouble);
    fputs("</td>", f);
  } else if (cJSON_IsString(v)) {
    fputs(">", f);
    dl_html_escape(f, v->valuestring);
    fputs("</td>", f);
  } else {
    fputs("></td>", f);
  }
}

/* The label of a bar: at most 40 bytes of the name, cut before a UTF-8
 * continuation byte, the whole name in the bar's tooltip. */
static void short_label(FILE *f, const char *s) {
  size_t n = strlen(s);
  if (n <= 40) return dl_html_escape(f, s);
  char buf[48];
  size_t k = 37;
  while (k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80) k--;
  memcpy(buf, s, k), strcpy(buf + k, "...");
  dl_html_escape(f, buf);
}

enum { LABEL_W = 260, BAR_W = 420, ROW_H = 18 };

static void chart(FILE *f, const cJSON *layers, const DlHtmlColumn *c) {
  double max = 0;
  int rows = cJSON_GetArraySize(layers);
  const cJSON *row;
  cJSON_ArrayForEach(row, layers) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(row, c->key);
    if (cJSON_IsNumber(v) && v->valuedouble > max) max = v->valuedouble;
  }
  fprintf(f, "<figure class=\"chart\" data-metric=\"");
  dl_html_escape(f, c->key);
  fputs("\"><figcaption>", f);
  dl_html_escape(f, c->title);
  fprintf(f, "</figcaption>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" role=\"img\">\n",
          LABEL_W + BAR_W + 90, rows * ROW_H + 4);
  int i = 0;
  cJSON_ArrayForEach(row, layers) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(row, c->key);
    int y = i++ * ROW_H + 2;
    fprintf(f, "<text class=\"label\" x=\"%d\" y=\"%d\">", LABEL_W - 6, y + ROW_H - 5);
    short_label(f, node_of(row));
    fputs("</text>", f);
    if (cJSON_IsNumber(v) && v->valuedouble > 0 && max > 0) {
      double w = v->valuedouble / max * BAR_W;
      fprintf(f, "<rect class=\"bar\" x=\"%d\" y=\"%d\" width=\"%.2f\" height=\"%d\" data-v=\"%.17g\"><title>", LABEL_W, y,
              w < 1 ? 1 : w, ROW_H - 4, v->valuedouble);
      dl_html_escape(f, node_of(row));
      fputs(": ", f);
      put_number(f, v->valuedouble);
      fprintf(f, "</title></rect><text class=\"value\" x=\"%.2f\" y=\"%d\">", LABEL_W + (w < 1 ? 1 : w) + 4, y + ROW_H - 5);
      put_number(f, v->valuedouble);
      fputs("</text>\n", f);
    } else {
      fprintf(f, "<text class=\"value\" x=\"%d\" y=\"%d\">", LABEL_W + 4, y + ROW_H - 5);
      if (cJSON_IsString(v)) dl_html_escape(f, v->valuestring);
      else if (cJSON_IsNumber(v)) put_number(f, v->valuedouble);
      fputs("</text>\n", f);
    }
  }
  fputs("</svg></figure>\n", f);
}

static const char style[] =
    "body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222}"
    "h1{font-size:20px;margin:0 0 4px}p.summary{margin:0 0 16px;color:#555}"
    "table{border-collapse:collapse;margin-bottom:24px}th,td{padding:2px 10px;border-bottom:1px solid #ddd;text-align:left}"
    "th{background:#f3f3f3}td.num{text-align:right;font-variant-numeric:tabular-nums}"
    "figure.chart{margin:0 0 24px}figcaption{font-weight:600;margin-bottom:4px}"
    "svg text{font:12px system-ui,sans-serif;fill:#333}svg text.label{text-anchor:end}rect.bar{fill:#4878a8}";

bool dl_html_report_write(FILE *f, const char *title, const char *summary, const cJSON *layers, const DlHtmlColumn *cols,
                          int n) {
  fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>", f);
  dl_html_escape(f, title);
  fprintf(f, "</title>\n<style>%s</style></head>\n<body>\n<h1>", style);
  dl_html_escape(f, title);
  fputs("</h1>\n", f);
  if (summary) {
    fputs("<p class=\"summary\">", f);
    dl_html_escape(f, summary);
    fputs("</p>\n", f);
  }
  fputs("<table class=\"layers\">\n<thead><tr><th>node</th>", f);
  for (int c = 0; c < n; c++) {
    fputs("<th>", f);
    dl_html_escape(f, cols[c].title);
    fputs("</th>", f);
  }
  fputs("</tr></thead>\n<tbody>\n", f);
  const cJSON *row;
  cJSON_ArrayForEach(row, layers) {
    fputs("<tr class=\"layer\"><td>", f);
    dl_html_escape(f, node_of(row));
    fputs("</td>", f);
    for (int c = 0; c < n; c++) cell(f, cols[c].key, cJSON_GetObjectItemCaseSensitive(row, cols[c].key));
    fputs("</tr>\n", f);
  }
  fputs("</tbody></table>\n", f);
  for (int c = 0; c < n; c++)
    if (cols[c].chart) chart(f, layers, &cols[c]);
  fputs("</body></html>\n", f);
  return !ferror(f);
}
