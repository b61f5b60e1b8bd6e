/* The precision-assignment solvers against brute force on random tables:
 * the knapsack's choice always keeps its bound, is never worse than the best
 * choice under the bound tightened by its grid's rounding, and the RL
 * search's choice (when it finds one) is never better than the optimum. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlc/precision.h"

static uint64_t rng = 7;
static double rnd(void) {
  rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
  return (double)(rng >> 11) * 0x1.0p-53;
}

/* The least objective over all assignments whose bounded total is <= bound. */
static double brute(const DlMckp *p, bool by_sens, double bound) {
  int nu = p->nunits, no = p->nopts, ch[16] = {0};
  double best = INFINITY;
  for (;;) {
    double s, c;
    dl_mckp_totals(p, ch, &s, &c);
    if ((by_sens ? s : c) <= bound) best = fmin(best, by_sens ? c : s);
    int u = 0;
    while (u < nu && ++ch[u] == no) ch[u++] = 0;
    if (u == nu) break;
  }
  return best;
}

int main(int argc, char **argv) {
  int count = argc > 1 ? atoi(argv[1]) : 2000, failed = 0, exact = 0, feasible = 0, rl_found = 0, rl_opt = 0;
  const int steps = 2000;
  for (int t = 0; t < count; t++) {
    int nu = 2 + (int)(rnd() * 5), no = 2 + (int)(rnd() * 5);
    double sens[64], cost[64];
    for (int i = 0; i < nu * no; i++) { /* wider options: less error, more cost, with noise */
      int o = i % no;
      sens[i] = rnd() < 0.1 ? 0 : (no - o) * rnd();
      cost[i] = (o + 1) * (0.5 + rnd());
    }
    DlMckp p = {nu, no, sens, cost};
    bool by_sens = t % 2;
    double total = 0;
    for (int u = 0; u < nu; u++) {
      double mx = 0;
      for (int o = 0; o < no; o++) mx = fmax(mx, (by_sens ? sens : cost)[u * no + o]);
      total += mx;
    }
    double bound = total * rnd();
    int ch[16], rl[16];
    double opt = brute(&p, by_sens, bound);
    feasible += opt < INFINITY;
    bool ok = dl_mckp_solve(&p, by_sens ? bound : -1, by_sens ? -1 : bound, steps, ch);
    double s, c;
    if (ok) dl_mckp_totals(&p, ch, &s, &c);
    bool good = ok ? (by_sens ? s : c) <= bound && (by_sens ? c : s) <= opt + 1e-9 * fmax(1, fabs(opt)) : opt == INFINITY;
    if (!good) {
      if (failed < 5) printf("FAIL case %d: knapsack %s, optimum %g\n", t, ok ? "worse or over the bound" : "found none", opt);
      failed++;
    }
    exact += ok && fabs((by_sens ? c : s) - opt) <= 1e-9 * fmax(1, fabs(opt));
    if (dl_mckp_rl(&p, by_sens ? bound : -1, by_sens ? -1 : bound, 3000, (uint64_t)t + 1, rl)) {
      rl_found++;
      dl_mckp_totals(&p, rl, &s, &c);
      if ((by_sens ? s : c) > bound || (by_sens ? c : s) < opt - 1e-9) {
        if (failed < 5) printf("FAIL case %d: RL over the bound or better than the optimum\n", t);
        failed++;
      }
      rl_opt += fabs((by_sens ? c : s) - opt) <= 1e-9 * fmax(1, fabs(opt));
    }
  }
  printf("knapsack: %d random problems, %d feasible, optimal on %d\n",
         count, feasible, exact);
  printf("rl: feasible on %d, optimal on %d\n", rl_found, rl_opt);
  printf("%d passed, %d failed\n", count - failed, failed);
  return failed != 0;
}
