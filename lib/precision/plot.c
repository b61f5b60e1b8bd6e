/* The Pareto plot of precision assignment as a standalone SVG: accuracy
 * against cost, the front joined by a line, the chosen point ringed. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dlc/precision.h"
#include "dlc/support.h"

enum { W = 860, H = 560, ML = 80, MR = 170, MT = 50, MB = 70 };

/* A "nice" tick step (1, 2 or 5 times a power of ten) giving about n ticks over span. */
static double tick_step(double span, int n) {
  double raw = span / n, p = pow(10, floor(log10(raw))), f = raw / p;
  return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * p;
}

/* A cost tick's label: thousands as k, millions as M, billions as G, so that
 * labels a tick step apart do not run into each other. */
static void tick_label(char *buf, size_t n, double v, double step) {
  static const char suffix[] = {'G', 'M', 'k'};
  for (int i = 0; i < 3; i++) {
    double u = pow(1e3, 3 - i);
    if (step >= u && v != 0) {
      snprintf(buf, n, "%g%c", v / u, suffix[i]);
      return;
    }
  }
  snprintf(buf, n, "%g", v);
}

static void text_escaped(DlBuf *b, const char *s) {
  for (; *s; s++) {
    if (*s == '<') dl_buf_printf(b, "&lt;");
    else if (*s == '>') dl_buf_printf(b, "&gt;");
    else if (*s == '&') dl_buf_printf(b, "&amp;");
    else dl_buf_printf(b, "%c", *s);
  }
}

static int by_cost(const void *a, const void *b) {
  const DlParetoPoint *x = *(const DlParetoPoint *const *)a, *y = *(const DlParetoPoint *const *)b;
  return (x->cost > y->cost) - (x->cost < y->cost);
}

bool dl_pareto_svg(const char *path, const char *title, const char *xlabel, const char *ylabel,
                   const DlParetoPoint *pts, int n, double acc_floor, DlError *e) {
  double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
  for (int i = 0; i < n; i++) {
    x0 = fmin(x0, pts[i].cost), x1 = fmax(x1, pts[i].cost);
    y0 = fmin(y0, pts[i].acc), y1 = fmax(y1, pts[i].acc);
  }
  if (n == 0) x0 = y0 = 0, x1 = y1 = 1;
  bool clipped = y0 < acc_floor && acc_floor < y1;
  if (clipped) y0 = acc_floor;
  x0 = 0; /* cost axis from zero: ratios read off directly */
  if (x1 <= x0) x1 = x0 + 1;
  if (y1 - y0 < 1) y0 -= 0.5, y1 += 0.5;
  double xs = tick_step(x1 - x0, 8), ys = tick_step(y1 - y0, 8);
  x1 = ceil(x1 * 1.04 / xs) * xs, y0 = floor(y0 / ys) * ys, y1 = ceil((y1 + ys / 2) / ys) * ys; /* headroom */
  double pw = W - ML - MR, ph = H - MT - MB;
#define PX(v) (ML + ((v) - x0) / (x1 - x0) * pw)
#define PY(v) (MT + ph - ((v) - y0) / (y1 - y0) * ph)
  DlBuf b = {0};
  dl_buf_printf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" "
                    "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n",
                W, H, W, H);
  dl_buf_printf(&b, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n<text x=\"%d\" y=\"28\" font-size=\"15\" "
                    "font-weight=\"bold\">", W, H, ML);
  text_escaped(&b, title);
  dl_buf_printf(&b, "</text>\n");
  /* grid and ticks */
  for (double v = x0; v <= x1 + xs / 2; v += xs) {
    dl_buf_printf(&b, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e4e4e4\"/>", PX(v), MT, PX(v), MT + ph);
    char lab[32];
    tick_label(lab, sizeof lab, v, xs);
    dl_buf_printf(&b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n", PX(v), MT + ph + 18, lab);
  }
  for (double v = y0; v <= y1 + ys / 2; v += ys) {
    dl_buf_printf(&b, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e4e4e4\"/>", ML, PY(v), ML + pw, PY(v));
    dl_buf_printf(&b, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%g</text>\n", ML - 6, PY(v) + 4, v);
  }
  dl_buf_printf(&b, "<rect x=\"%d\" y=\"%d\" width=\"%.0f\" height=\"%.0f\" fill=\"none\" stroke=\"#333\"/>\n", ML, MT, pw, ph);
  dl_buf_printf(&b, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" font-size=\"13\">", ML + pw / 2, H - 22);
  text_escaped(&b, xlabel);
  dl_buf_printf(&b, "</text>\n<text transform=\"translate(22 %.1f) rotate(-90)\" text-anchor=\"middle\" "
                    "font-size=\"13\">", MT + ph / 2);
  text_escaped(&b, ylabel);
  dl_buf_printf(&b, "</text>\n");
  /* the front, joined in order of cost */
  const DlParetoPoint **f = malloc(sizeof *f * (size_t)(n + 1));
  int nf = 0;
  for (int i = 0; i < n; i++)
    if (pts[i].front) f[nf++] = &pts[i];
  qsort(f, (size_t)nf, sizeof *f, by_cost);
  if (nf > 1) { /* clipped to the plot: the front may go below the accuracy axis */
    dl_buf_printf(&b, "<clipPath id=\"plot\"><rect x=\"%d\" y=\"%d\" width=\"%.0f\" height=\"%.0f\"/></clipPath>\n", ML, MT,
                  pw, ph);
    dl_buf_printf(&b, "<polyline clip-path=\"url(#plot)\" fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"1.5\" points=\"");
    for (int i = 0; i < nf; i++) dl_buf_printf(&b, "%.1f,%.1f ", PX(f[i]->cost), PY(f[i]->acc));
    dl_buf_printf(&b, "\"/>\n");
  }
  free(f);
  /* the points: labelled ones (uniform widths, RL) grey / orange, the knapsack's blue */
  /* the reference and the chosen point last, on top of any point they coincide with */
  for (int k = 0; k < 2 * n; k++) {
    const DlParetoPoint *p = &pts[k % n];
    if ((p->reference || p->chosen) != (k >= n)) continue;
    bool below = p->acc < y0; /* drawn on the axis as a downward triangle */
    double x = PX(p->cost), y = PY(below ? y0 : p->acc);
    if (below) {
      dl_buf_printf(&b, "<path d=\"M%.1f %.1fl-5 -8h10z\" fill=\"#bbb\"/>\n", x, y);
      continue;
    }
    bool rl = p->label && !strcmp(p->label, "RL");
    if (p->reference)
      dl_buf_printf(&b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"9\" height=\"9\" fill=\"black\"/>", x - 4.5, y - 4.5);
    else if (rl)
      dl_buf_printf(&b, "<path d=\"M%.1f %.1fl6 6l-6 6l-6 -6z\" fill=\"#ff7f0e\"/>", x, y - 6);
    else if (p->label)
      dl_buf_printf(&b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"#999\"/>", x, y);
    else
      dl_buf_printf(&b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\"/>", x, y, p->front ? "#1f77b4" : "#9ecae1");
    if (p->label && !rl) {
      dl_buf_printf(&b, "<text x=\"%.1f\" y=\"%.1f\" fill=\"#555\" font-size=\"11\">", x + 6, y - 5);
      text_escaped(&b, p->label);
      dl_buf_printf(&b, "</text>");
    }
    if (p->chosen)
      dl_buf_printf(&b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"10\" fill=\"none\" stroke=\"#d62728\" stroke-width=\"2.5\"/>"
                        "<text x=\"%.1f\" y=\"%.1f\" fill=\"#d62728\" font-weight=\"bold\">chosen</text>",
                    x, y, x + 12, y + 18);
    dl_buf_printf(&b, "\n");
  }
  /* legend */
  int lx = W - MR + 16, ly = MT + 10;
  dl_buf_printf(&b, "<g font-size=\"12\">"
                    "<rect x=\"%d\" y=\"%d\" width=\"9\" height=\"9\" fill=\"black\"/><text x=\"%d\" y=\"%d\">reference</text>"
                    "<circle cx=\"%d\" cy=\"%d\" r=\"4\" fill=\"#999\"/><text x=\"%d\" y=\"%d\">uniform w/a bits</text>"
                    "<circle cx=\"%d\" cy=\"%d\" r=\"4\" fill=\"#1f77b4\"/><text x=\"%d\" y=\"%d\">knapsack, front</text>"
                    "<circle cx=\"%d\" cy=\"%d\" r=\"4\" fill=\"#9ecae1\"/><text x=\"%d\" y=\"%d\">knapsack, dominated</text>"
                    "<path d=\"M%d %dl6 6l-6 6l-6 -6z\" fill=\"#ff7f0e\"/><text x=\"%d\" y=\"%d\">RL search</text>"
                    "<circle cx=\"%d\" cy=\"%d\" r=\"8\" fill=\"none\" stroke=\"#d62728\" stroke-width=\"2.5\"/>"
                    "<text x=\"%d\" y=\"%d\">chosen</text></g>\n",
                lx, ly, lx + 16, ly + 9, lx + 4, ly + 26, lx + 16, ly + 30, lx + 4, ly + 46, lx + 16, ly + 50, lx + 4,
                ly + 66, lx + 16, ly + 70, lx + 4, ly + 80, lx + 16, ly + 90, lx + 4, ly + 106, lx + 16, ly + 110);
  if (clipped)
    dl_buf_printf(&b, "<path d=\"M%d %dl-5 -8h10z\" fill=\"#bbb\"/><text x=\"%d\" y=\"%d\">below the axis</text>\n",
                  lx + 4, ly + 134, lx + 16, ly + 130);
  dl_buf_printf(&b, "</svg>\n");
#undef PX
#undef PY
  bool ok = dl_write_file_atomic(path, b.data, b.len, e);
  dl_buf_free(&b);
  return ok;
}
