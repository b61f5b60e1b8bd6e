/* Row programs: bit-serial arithmetic as AAP (row copy) and AP (triple-row
 * activation = bitwise majority) commands, SIMDRAM style. Values are
 * vertical: bit i of every lane's value sits in row x[i]. NOT comes from the
 * dual-contact rows, AND / OR from majority with the constant rows C0 / C1. */
#include <stdlib.h>
#include <string.h>

#include "dlc/pim.h"
#include "dlc/support.h"

const char *dl_pim_op_name(DlPimOp op) {
  static const char *names[] = {"invalid", DL_PIM_OPS(DL_X_NAME)};
  return op < DL_PIM_NOPS ? names[op] : "invalid";
}

void dl_pim_prog_init(DlPimProg *p, int rows) {
  memset(p, 0, sizeof *p);
  p->rows = rows;
  p->carry = dl_pim_t(rows, 4);
}

void dl_pim_prog_free(DlPimProg *p) {
  free(p->w), free(p->counts);
  memset(p, 0, sizeof *p);
}

void dl_pim_note_counts(DlPimProg *p) {
  if (p->ncounts + 2 > p->counts_cap) {
    p->counts_cap = p->counts_cap ? p->counts_cap * 2 : 256;
    p->counts = realloc(p->counts, sizeof(int64_t) * (size_t)p->counts_cap);
  }
  p->counts[p->ncounts++] = p->naap, p->counts[p->ncounts++] = p->nap;
}

void dl_pim_emit(DlPimProg *p, DlPimOp op, uint32_t x, uint32_t y, uint32_t z) {
  if (p->counted && (op == DL_PIM_AAP || op == DL_PIM_AP)) return; /* counted by the caller */
  if (p->counted && op == DL_PIM_BLOCK) dl_pim_note_counts(p);
  if (p->n == p->cap) {
    p->cap = p->cap ? p->cap * 2 : 4096;
    p->w = realloc(p->w, sizeof(uint64_t) * (size_t)p->cap);
  }
  p->w[p->n++] = dl_pim_word(op, x, y, z);
}

static int row(const DlPimProg *p, int r) { return r < 0 ? dl_pim_c0(p->rows) : r; }

void dl_pim_aap(DlPimProg *p, int src, int dst, int dst2) {
  dl_pim_emit(p, DL_PIM_AAP, (uint32_t)row(p, src), (uint32_t)dst, dst2 < 0 ? 0xFFFF : (uint32_t)dst2);
  p->naap++;
}

void dl_pim_ap(DlPimProg *p, int a, int b, int c) {
  dl_pim_emit(p, DL_PIM_AP, (uint32_t)a, (uint32_t)b, (uint32_t)c);
  p->nap++;
}

/* The five T rows a full adder uses, the carry's among them; the carry's
 * row rotates from bit to bit instead of being copied back. */
static void fa_rows(const DlPimProg *p, int *ta1, int *ta2, int *tb1, int *tb2) {
  int r[4], n = 0;
  for (int i = 0; i < 5; i++)
    if (dl_pim_t(p->rows, i) != p->carry) r[n++] = dl_pim_t(p->rows, i);
  *ta1 = r[0], *ta2 = r[1], *tb1 = r[2], *tb2 = r[3];
}

/* One full adder bit: s = a + b + carry, carry = the carry out.
 * Cout = MAJ(a, b, c); s = MAJ(MAJ(a, b, ~c), c, ~Cout). With b_in_t the
 * caller has already put b in the tb1 and tb2 rows. 8 commands (7 with
 * b_in_t); no copy-out when s < 0. */
static void full_add(DlPimProg *p, int a, int b, int s, bool b_in_t) {
  int R = p->rows, ta1, ta2, tb1, tb2, c = p->carry;
  fa_rows(p, &ta1, &ta2, &tb1, &tb2);
  dl_pim_aap(p, a, ta1, ta2);
  if (!b_in_t) dl_pim_aap(p, b, tb1, tb2);
  dl_pim_aap(p, c, dl_pim_dcc(R, 0), -1);
  dl_pim_ap(p, ta2, tb2, dl_pim_dcc(R, 0)); /* Cout in ta2, tb2; ~Cout on DCC0's n-wordline */
  dl_pim_aap(p, c, dl_pim_dccn(R, 1), -1);  /* DCC1 = ~c */
  dl_pim_ap(p, ta1, tb1, dl_pim_dcc(R, 1)); /* MAJ(a, b, ~c) */
  dl_pim_ap(p, ta1, c, dl_pim_dccn(R, 0));  /* the sum, in ta1 and c */
  if (s >= 0) dl_pim_aap(p, ta1, s, -1);
  p->carry = ta2;
}

/* The rows the multiplier's AND uses: tb1 and tb2 of the next full adder. */
static void and_into_b(DlPimProg *p, int a, int b) {
  int ta1, ta2, tb1, tb2;
  fa_rows(p, &ta1, &ta2, &tb1, &tb2);
  dl_pim_aap(p, a, tb1, -1);
  dl_pim_aap(p, b, tb2, -1);
  dl_pim_aap(p, -1, dl_pim_t(p->rows, 5), -1);
  dl_pim_ap(p, tb1, tb2, dl_pim_t(p->rows, 5));
}

static void carry_clear(DlPimProg *p) { dl_pim_aap(p, -1, p->carry, -1); }

void dl_pim_add(DlPimProg *p, const int *a, const int *b, const int *s, int n) {
  carry_clear(p);
  for (int i = 0; i < n; i++) full_add(p, a[i], b[i], s[i], false);
}

void dl_pim_mul(DlPimProg *p, const int *a, int n, const int *b, int m, const int *prod) {
  int R = p->rows, t5 = dl_pim_t(R, 5), t6 = dl_pim_t(R, 6), t7 = dl_pim_t(R, 7);
  for (int i = 0; i < n; i++) { /* partial product 0: a AND b0 */
    dl_pim_aap(p, a[i], t5, -1);
    dl_pim_aap(p, b[0], t6, -1);
    dl_pim_aap(p, -1, t7, -1);
    dl_pim_ap(p, t5, t6, t7);
    dl_pim_aap(p, t5, prod[i], -1);
  }
  if (m == 1) dl_pim_aap(p, -1, prod[n], -1);
  for (int j = 1; j < m; j++) {
    carry_clear(p);
    for (int i = 0; i < n; i++) {
      and_into_b(p, a[i], b[j]);
      full_add(p, j == 1 && i == n - 1 ? -1 : prod[i + j], -1, prod[i + j], true);
    }
    dl_pim_aap(p, p->carry, prod[j + n], -1);
  }
}

void dl_pim_add_shifted(DlPimProg *p, const int *acc, int old_w, int w, const int *x, int n, int j) {
  for (int i = old_w; i < j && i < w; i++) dl_pim_aap(p, -1, acc[i], -1);
  carry_clear(p);
  for (int i = j; i < w; i++) {
    int a = i < old_w ? acc[i] : -1, b = i - j < n ? x[i - j] : -1;
    if (a < 0 && b < 0) { /* only the carry is left: it is this bit, and every bit above is zero */
      dl_pim_aap(p, p->carry, acc[i], -1);
      for (int k = i + 1; k < w; k++) dl_pim_aap(p, -1, acc[k], -1);
      return;
    }
    full_add(p, a, b, acc[i], false);
  }
}

void dl_pim_add_const(DlPimProg *p, const int *acc, int old_w, int w, uint64_t k) {
  int lo = 0;
  while (lo < w && lo < 64 && !(k >> lo & 1) && lo < old_w) lo++; /* bits below k's lowest one keep */
  for (int i = old_w; i < lo; i++) dl_pim_aap(p, -1, acc[i], -1);
  carry_clear(p);
  int c1 = dl_pim_c1(p->rows);
  for (int i = lo; i < w; i++) {
    int a = i < old_w ? acc[i] : -1;
    bool kb = i < 64 && (k >> i & 1);
    if (a < 0 && !kb && (i >= 64 || !(k >> i))) {
      dl_pim_aap(p, p->carry, acc[i], -1);
      for (int m = i + 1; m < w; m++) dl_pim_aap(p, -1, acc[m], -1);
      return;
    }
    full_add(p, a, kb ? c1 : -1, acc[i], false);
  }
}

int dl_pim_csd(int64_t v, int *d, int *pos) {
  int n = 0;
  for (int i = 0; v != 0 && i < 64; i++, v /= 2) {
    if (v & 1) {
      int digit = (v & 3) == 1 ? 1 : -1; /* ...01 -> +1, ...11 -> -1 (then a carry) */
      d[n] = digit, pos[n] = i, n++;
      v -= digit;
    }
  }
  return n;
}
