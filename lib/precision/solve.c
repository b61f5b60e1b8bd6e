/* The two searches of precision assignment over measured tables: a
 * multiple-choice knapsack solved by dynamic programming, and REINFORCE, the
 * reinforcement-learning baseline the issue compares it with. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dlc/precision.h"

void dl_mckp_totals(const DlMckp *p, const int *choice, double *sens, double *cost) {
  double s = 0, c = 0;
  for (int u = 0; u < p->nunits; u++) {
    s += p->sens[u * p->nopts + choice[u]];
    c += p->cost[u * p->nopts + choice[u]];
  }
  if (sens) *sens = s;
  if (cost) *cost = c;
}

/* Minimizes the sum of v subject to the sum of w <= bound: w is rounded up
 * to whole cells of bound / steps, so a solution of the rounded problem keeps
 * the real bound. dp[b] is the least v of the units so far using b cells. */
static bool knapsack(int nu, int no, const double *w, const double *v, double bound, int steps, int *choice) {
  if (bound < 0 || steps < 1) return false;
  double cell = bound / steps;
  int nb = steps + 1;
  double *dp = malloc(sizeof(double) * (size_t)nb), *next = malloc(sizeof(double) * (size_t)nb);
  int *from = malloc(sizeof(int) * (size_t)nu * (size_t)nb); /* option taken at (unit, cells) */
  int *cells = malloc(sizeof(int) * (size_t)nu * (size_t)no);
  for (int i = 0; i < nu * no; i++) {
    double x = w[i] / (cell > 0 ? cell : 1);
    cells[i] = w[i] <= 0 ? 0 : cell <= 0 || x > steps ? -1 : (int)ceil(x - 1e-9);
  }
  for (int b = 0; b < nb; b++) dp[b] = b ? INFINITY : 0;
  for (int u = 0; u < nu; u++) {
    for (int b = 0; b < nb; b++) next[b] = INFINITY, from[u * nb + b] = -1;
    for (int b = 0; b < nb; b++) {
      if (dp[b] == INFINITY) continue;
      for (int o = 0; o < no; o++) {
        int c = cells[u * no + o];
        if (c < 0 || b + c >= nb) continue;
        double x = dp[b] + v[u * no + o];
        /* ties: the option listed first (the wider one, as callers order them) */
        if (x < next[b + c]) next[b + c] = x, from[u * nb + b + c] = o;
      }
    }
    double *t = dp;
    dp = next, next = t;
  }
  int best = -1;
  for (int b = 0; b < nb; b++)
    if (dp[b] < INFINITY && (best < 0 || dp[b] < dp[best])) best = b;
  bool ok = best >= 0;
  for (int u = nu - 1, b = best; ok && u >= 0; u--) {
    choice[u] = from[u * nb + b];
    b -= cells[u * no + choice[u]];
  }
  free(dp), free(next), free(from), free(cells);
  /* the grid rounds w up, which may leave room under the real bound: take the
   * best single-unit change that stays within it, until none improves */
  double tw = 0, tv = 0;
  for (int u = 0; ok && u < nu; u++) tw += w[u * no + choice[u]], tv += v[u * no + choice[u]];
  for (bool again = ok; again;) {
    again = false;
    int bu = -1, bo = -1;
    double gain = 0;
    for (int u = 0; u < nu; u++)
      for (int o = 0; o < no; o++) {
        double dw = w[u * no + o] - w[u * no + choice[u]], dv = v[u * no + o] - v[u * no + choice[u]];
        if (tw + dw <= bound && -dv > gain) gain = -dv, bu = u, bo = o;
      }
    if (bu >= 0) {
      tw += w[bu * no + bo] - w[bu * no + choice[bu]], tv -= gain;
      choice[bu] = bo, again = true;
    }
  }
  return ok;
}

/* ---- exact: branch and bound from the grid's solution ----------------------------
 * lb[u][b] is the least v of units u.. with their w rounded down to whole
 * cells and at most b cells: no choice that keeps the real bound does better
 * (rounding down only loosens it), so it bounds every branch from below. A
 * depth-first search over the options, cheapest v first, with the grid's
 * choice as the first incumbent, then finds the optimum of the real problem;
 * it gives up (keeping the best found) after a node budget it has never
 * needed on our tables. */
typedef struct {
  int nu, no, nb;
  const double *w, *v;
  double bound, cell, *lb, best, eps;
  int *order; /* per unit, its options by v */
  int *cur, *out;
  long nodes, budget;
} Bnb;

static void bnb_search(Bnb *s, int u, double tw, double tv) {
  if (++s->nodes > s->budget) return;
  if (u == s->nu) {
    if (tv < s->best - s->eps) s->best = tv, memcpy(s->out, s->cur, sizeof(int) * (size_t)s->nu);
    return;
  }
  double room = s->bound - tw;
  int b = room / s->cell >= s->nb - 1 ? s->nb - 1 : (int)floor(room / s->cell + 1e-9);
  if (b < 0 || tv + s->lb[u * s->nb + b] >= s->best - s->eps) return;
  for (int i = 0; i < s->no; i++) {
    int o = s->order[u * s->no + i];
    double w = s->w[u * s->no + o], v = s->v[u * s->no + o];
    if (tw + w > s->bound) continue;
    if (tv + v >= s->best - s->eps) break; /* sorted by v: the rest are no better */
    s->cur[u] = o;
    bnb_search(s, u + 1, tw + w, tv + v);
  }
}

static const double *sort_v;
static int by_v(const void *a, const void *b) {
  double x = sort_v[*(const int *)a], y = sort_v[*(const int *)b];
  return x < y ? -1 : x > y ? 1 : *(const int *)a - *(const int *)b;
}

/* From the grid's choice (have) or none: true if choice now holds a solution. */
static bool exact(int nu, int no, const double *w, const double *v, double bound, int steps, bool have, int *choice) {
  Bnb s = {nu, no, steps + 1, w, v, bound, bound / steps, NULL, 0, 0, NULL, NULL, choice, 0, 20000000};
  if (!(s.cell > 0)) return have;
  s.lb = malloc(sizeof(double) * (size_t)(nu + 1) * (size_t)s.nb);
  int *dn = malloc(sizeof(int) * (size_t)nu * (size_t)no); /* w in whole cells, rounded down */
  for (int i = 0; i < nu * no; i++) {
    double c = w[i] <= 0 ? 0 : floor(w[i] / s.cell + 1e-9);
    dn[i] = c >= s.nb ? s.nb : (int)c;
  }
  for (int b = 0; b < s.nb; b++) s.lb[nu * s.nb + b] = 0;
  for (int u = nu - 1; u >= 0; u--) {
    double *row = s.lb + u * s.nb, *next = row + s.nb;
    for (int b = 0; b < s.nb; b++) row[b] = INFINITY;
    for (int o = 0; o < no; o++) {
      int c = dn[u * no + o];
      double x = v[u * no + o];
      for (int b = c; b < s.nb; b++) row[b] = fmin(row[b], x + next[b - c]);
    }
  }
  free(dn);
  double scale = 0;
  s.best = have ? 0 : INFINITY;
  for (int u = 0; u < nu; u++) {
    if (have) s.best += v[u * no + choice[u]];
    for (int o = 0; o < no; o++) scale = fmax(scale, fabs(v[u * no + o]));
  }
  s.eps = 1e-12 * (scale > 0 ? scale : 1);
  s.order = malloc(sizeof(int) * (size_t)nu * (size_t)no);
  s.cur = malloc(sizeof(int) * (size_t)nu);
  for (int u = 0; u < nu; u++) {
    for (int o = 0; o < no; o++) s.order[u * no + o] = o;
    sort_v = v + u * no;
    qsort(s.order + u * no, (size_t)no, sizeof(int), by_v);
  }
  bnb_search(&s, 0, 0, 0);
  free(s.lb), free(s.order), free(s.cur);
  return s.best < INFINITY;
}

bool dl_mckp_solve(const DlMckp *p, double max_sens, double max_cost, int steps, int *choice) {
  bool by_sens = max_sens >= 0;
  const double *w = by_sens ? p->sens : p->cost, *v = by_sens ? p->cost : p->sens;
  double bound = by_sens ? max_sens : max_cost;
  bool have = knapsack(p->nunits, p->nopts, w, v, bound, steps, choice);
  return exact(p->nunits, p->nopts, w, v, bound, steps, have, choice);
}

/* ---- REINFORCE ------------------------------------------------------------------ */

static uint64_t next_u64(uint64_t *s) { /* splitmix64 */
  uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

static double uniform01(uint64_t *s) { return (double)(next_u64(s) >> 11) * 0x1.0p-53; }

bool dl_mckp_rl(const DlMckp *p, double max_sens, double max_cost, int episodes, uint64_t seed, int *choice) {
  int nu = p->nunits, no = p->nopts;
  bool by_sens = max_sens >= 0; /* bound on sensitivity, cost minimized (or the reverse) */
  const double *w = by_sens ? p->sens : p->cost, *v = by_sens ? p->cost : p->sens;
  double bound = by_sens ? max_sens : max_cost, vscale = 0;
  for (int u = 0; u < nu; u++) { /* the objective's scale: its largest total */
    double m = 0;
    for (int o = 0; o < no; o++) m = fmax(m, v[u * no + o]);
    vscale += m;
  }
  if (vscale <= 0) vscale = 1;
  double *theta = calloc((size_t)nu * (size_t)no, sizeof(double)), *prob = malloc(sizeof(double) * (size_t)no);
  int *a = malloc(sizeof(int) * (size_t)nu);
  double baseline = 0, best = INFINITY, lr = 0.5;
  enum { BATCH = 16 };
  double *grad = calloc((size_t)nu * (size_t)no, sizeof(double));
  for (int ep = 0; ep < episodes; ep++) {
    double tw = 0, tv = 0;
    for (int u = 0; u < nu; u++) { /* sample an action per unit from its softmax */
      double mx = -INFINITY, z = 0;
      for (int o = 0; o < no; o++) mx = fmax(mx, theta[u * no + o]);
      for (int o = 0; o < no; o++) z += prob[o] = exp(theta[u * no + o] - mx);
      double r = uniform01(&seed) * z;
      int o = 0;
      while (o < no - 1 && (r -= prob[o]) > 0) o++;
      a[u] = o;
      tw += w[u * no + o], tv += v[u * no + o];
    }
    bool feasible = tw <= bound;
    if (feasible && tv < best) best = tv, memcpy(choice, a, sizeof(int) * (size_t)nu);
    /* reward: -objective when feasible; below every feasible reward otherwise */
    double reward = feasible ? -tv / vscale : -1 - (bound > 0 ? tw / bound - 1 : 1);
    baseline = ep ? 0.9 * baseline + 0.1 * reward : reward;
    double adv = reward - baseline;
    for (int u = 0; u < nu; u++) {
      double mx = -INFINITY, z = 0;
      for (int o = 0; o < no; o++) mx = fmax(mx, theta[u * no + o]);
      for (int o = 0; o < no; o++) z += prob[o] = exp(theta[u * no + o] - mx);
      for (int o = 0; o < no; o++) grad[u * no + o] += adv * ((o == a[u]) - prob[o] / z);
    }
    if ((ep + 1) % BATCH == 0) {
      for (int i = 0; i < nu * no; i++) theta[i] += lr * grad[i] / BATCH, grad[i] = 0;
    }
  }
  free(theta), free(prob), free(a), free(grad);
  return best < INFINITY;
}
