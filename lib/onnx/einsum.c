/* ONNX Einsum, expanded at import into transposes, reshapes, reduce_sums and
 * batched matmuls (shapes are static, so the plan is fixed here):
 *   1. each operand: repeated labels become a diagonal (multiply by an identity
 *      mask, sum one of the two axes); labels no other operand and not the
 *      output use are summed out;
 *   2. operands are contracted left to right, two at a time: labels both hold
 *      and still needed are batch axes, labels both hold and no longer needed
 *      are contracted, the rest are kept; one matmul of
 *      [batch, left, contracted] x [batch, contracted, right];
 *   3. the result is transposed into the output's order.
 * Ellipses ("...") stand for the leading axes, aligned from the right as numpy
 * does; an implicit output ("ij,jk") is the ellipsis axes, then the labels used
 * once, in alphabetical order. A label's sizes must agree in every operand. */
#include <ctype.h>
#include <string.h>

#include "import_internal.h"

#define MAX_TERMS 16

typedef struct {
  Entry *x;
  int n;                 /* rank: labels in lab */
  char lab[DL_MAX_RANK]; /* letters; ellipsis axes get the digits '0'.. */
} Term;

static int find(const char *lab, int n, char c) {
  for (int i = 0; i < n; i++)
    if (lab[i] == c) return i;
  return -1;
}

/* Parses one term of the equation (spaces removed) for an operand of rank
 * `rank` (-1: the output, whose ellipsis is all `ell` axes). */
static bool parse_term(Node *nd, const char *s, size_t len, int rank, int ell, Term *t,
                       int *ell_out) {
  int letters = 0, dots = -1;
  for (size_t i = 0; i < len; i++) {
    if (s[i] == '.') {
      if (dots >= 0 || i + 3 > len || strncmp(s + i, "...", 3))
        return node_fail(nd, "equation term '%.*s' has a malformed ellipsis", (int)len, s);
      dots = letters, i += 2;
    } else if (isalpha((unsigned char)s[i])) {
      letters++;
    } else {
      return node_fail(nd, "equation term '%.*s' has '%c' (letters and '...' only)", (int)len, s,
                       s[i]);
    }
  }
  int e = rank < 0 ? (dots >= 0 ? ell : 0) : rank - letters;
  if (e < 0 || (dots < 0 && e != 0))
    return node_fail(nd, "equation term '%.*s' has %d labels for an input of rank %d", (int)len, s,
                     letters, rank);
  if (letters + e > DL_MAX_RANK)
    return node_fail(nd, "equation term '%.*s' has rank %d (at most %d)", (int)len, s, letters + e,
                     DL_MAX_RANK);
  if (ell_out) *ell_out = e;
  t->n = 0;
  for (size_t i = 0; i < len; i++) {
    if (s[i] == '.') {
      /* right-aligned: an operand with fewer ellipsis axes takes the last ones */
      for (int j = 0; j < e; j++) t->lab[t->n++] = (char)('0' + (ell - e + j));
      i += 2;
    } else {
      t->lab[t->n++] = s[i];
    }
  }
  return true;
}

static bool needed(char c, const Term *out, const Term *rest, int nrest) {
  if (find(out->lab, out->n, c) >= 0) return true;
  for (int i = 0; i < nrest; i++)
    if (find(rest[i].lab, rest[i].n, c) >= 0) return true;
  return false;
}

static Entry *reduce_sum(Node *nd, Entry *x, const int64_t *axes, int n) {
  DlAttrs a;
  fresh(&a);
  dl_attrs_set_ints(&a, "axes", axes, n);
  dl_attrs_set_int(&a, "keepdims", 0);
  return emit_op_tmp(nd, DL_OP_REDUCE_SUM, 1, &x, &a, NULL);
}

static void drop(Term *t, int i) {
  memmove(t->lab + i, t->lab + i + 1, (size_t)(t->n - i - 1));
  t->n--;
}

/* Step 1 for operand t, with `acc` the result so far (NULL for the first) and
 * `rest` the operands after it. */
static bool prepare(Node *nd, Term *t, const Term *acc, const Term *out, const Term *rest,
                    int nrest) {
  for (int i = 0; i < t->n; i++) {
    int j;
    while ((j = find(t->lab + i + 1, t->n - i - 1, t->lab[i])) >= 0) {
      j += i + 1;
      int64_t n = t->x->shape.dims[i];
      DlShape ms = {t->x->shape.dtype, t->n, {0}};
      for (int k = 0; k < t->n; k++) ms.dims[k] = k == i || k == j ? n : 1;
      DlTensor eye = {0};
      if (!dl_tensor_alloc(&eye, &ms)) return node_fail(nd, "out of memory");
      memset(eye.data, 0, dl_tensor_bytes(&eye));
      for (int64_t k = 0; k < n; k++) dl_tensor_set_f(&eye, k * n + k, 1);
      int64_t ax = j;
      t->x =
          reduce_sum(nd, imp_binary(nd, DL_OP_MUL, t->x, make_const_entry(nd->im, &eye)), &ax, 1);
      if (!t->x) return false;
      drop(t, j);
    }
  }
  int64_t axes[DL_MAX_RANK];
  int na = 0;
  for (int i = 0; i < t->n; i++)
    if (!needed(t->lab[i], out, rest, nrest) && (!acc || find(acc->lab, acc->n, t->lab[i]) < 0))
      axes[na++] = i;
  if (!na) return true;
  if (!(t->x = reduce_sum(nd, t->x, axes, na))) return false;
  for (int i = na - 1; i >= 0; i--) drop(t, (int)axes[i]);
  return true;
}

static Entry *permute(Node *nd, Entry *x, int n, const int64_t *perm, int out) {
  bool same = true;
  for (int i = 0; i < n; i++) same = same && perm[i] == i;
  if (!same) return imp_transpose(nd, x, n, perm, out);
  if (out >= 0 && !define_output_alias(nd, out, x)) return NULL;
  return x;
}

static Entry *to_3d(Node *nd, Entry *x, int64_t a, int64_t b, int64_t c) {
  int64_t d[3] = {a, b, c};
  return imp_reshape(nd, x, 3, d, -1);
}

/* Step 2: a := a (x) b, keeping the labels `out` or rest[] still need. */
static bool contract(Node *nd, Term *a, const Term *b, const Term *out, const Term *rest,
                     int nrest) {
  char batch[DL_MAX_RANK], left[DL_MAX_RANK], right[DL_MAX_RANK], con[DL_MAX_RANK];
  int nb = 0, nl = 0, nr = 0, nc = 0;
  for (int i = 0; i < a->n; i++) {
    char c = a->lab[i];
    if (find(b->lab, b->n, c) < 0)
      left[nl++] = c;
    else if (needed(c, out, rest, nrest))
      batch[nb++] = c;
    else
      con[nc++] = c;
  }
  for (int i = 0; i < b->n; i++)
    if (find(a->lab, a->n, b->lab[i]) < 0) right[nr++] = b->lab[i];
  if (nb + nl + nr > DL_MAX_RANK)
    return node_fail(nd, "an intermediate result would have rank %d (at most %d)", nb + nl + nr,
                     DL_MAX_RANK);
  int64_t pa[DL_MAX_RANK], pb[DL_MAX_RANK], B = 1, L = 1, R = 1, K = 1, dims[DL_MAX_RANK];
  int k = 0, m = 0, nd_ = 0;
  const int64_t *da = a->x->shape.dims, *db = b->x->shape.dims;
  for (int i = 0; i < nb; i++) {
    int ia = find(a->lab, a->n, batch[i]), ib = find(b->lab, b->n, batch[i]);
    pa[k++] = ia, pb[m++] = ib, B *= da[ia], dims[nd_++] = da[ia];
  }
  for (int i = 0; i < nl; i++) {
    int ia = find(a->lab, a->n, left[i]);
    pa[k++] = ia, L *= da[ia], dims[nd_++] = da[ia];
  }
  for (int i = 0; i < nc; i++) {
    int ia = find(a->lab, a->n, con[i]), ib = find(b->lab, b->n, con[i]);
    pa[k++] = ia, pb[m++] = ib, K *= da[ia];
  }
  for (int i = 0; i < nr; i++) {
    int ib = find(b->lab, b->n, right[i]);
    pb[m++] = ib, R *= db[ib], dims[nd_++] = db[ib];
  }
  Entry *x = to_3d(nd, permute(nd, a->x, a->n, pa, -1), B, L, K);
  Entry *y = to_3d(nd, permute(nd, b->x, b->n, pb, -1), B, K, R);
  Entry *z;
  if (a->x->shape.dtype == DL_F32) {
    z = imp_binary(nd, DL_OP_MATMUL, x, y);
  } else { /* matmul is f32 only: a broadcast product summed over K */
    int64_t d4x[4] = {B, L, K, 1}, d4y[4] = {B, 1, K, R}, two = 2;
    Entry *p =
        imp_binary(nd, DL_OP_MUL, imp_reshape(nd, x, 4, d4x, -1), imp_reshape(nd, y, 4, d4y, -1));
    z = p ? reduce_sum(nd, p, &two, 1) : NULL;
  }
  if (!(a->x = imp_reshape(nd, z, nd_, dims, -1))) return false;
  a->n = 0;
  for (int i = 0; i < nb; i++) a->lab[a->n++] = batch[i];
  for (int i = 0; i < nl; i++) a->lab[a->n++] = left[i];
  for (int i = 0; i < nr; i++) a->lab[a->n++] = right[i];
  return true;
}

/* Every label's size agrees across the operands. */
static bool check_sizes(Node *nd, const Term *t, int n) {
  int64_t size[128];
  for (int i = 0; i < 128; i++) size[i] = -1;
  for (int i = 0; i < n; i++)
    for (int j = 0; j < t[i].n; j++) {
      unsigned char c = (unsigned char)t[i].lab[j];
      int64_t d = t[i].x->shape.dims[j];
      if (size[c] >= 0 && size[c] != d)
        return c >= '0' && c <= '9'
                   ? node_fail(nd,
                               "ellipsis axes differ in size between inputs (%lld and %lld; "
                               "broadcasting them is not supported)",
                               (long long)size[c], (long long)d)
                   : node_fail(nd, "label '%c' has sizes %lld and %lld", c, (long long)size[c],
                               (long long)d);
      size[c] = d;
    }
  return true;
}

bool dl_onnx_import_einsum(Node *nd, DlOpKind k) {
  (void)k;
  char eq[512], s[512];
  if (!attr_str(nd, "equation", "", eq, sizeof eq)) return false;
  size_t n = 0;
  for (const char *p = eq; *p; p++)
    if (!isspace((unsigned char)*p)) s[n++] = *p;
  s[n] = 0;
  if (!n) return node_fail(nd, "needs attribute 'equation'");
  if (nd->nin < 1 || nd->nin > MAX_TERMS)
    return node_fail(nd, "takes 1 to %d inputs, found %d", MAX_TERMS, nd->nin);
  char *arrow = strstr(s, "->");
  size_t lhs_len = arrow ? (size_t)(arrow - s) : n;
  Term t[MAX_TERMS], out = {0};
  const char *p = s;
  int nt = 0, ell[MAX_TERMS], max_ell = 0;
  const char *starts[MAX_TERMS];
  size_t lens[MAX_TERMS];
  while (p <= s + lhs_len) {
    const char *e = memchr(p, ',', (size_t)(s + lhs_len - p));
    if (!e) e = s + lhs_len;
    if (nt == nd->nin)
      return node_fail(nd, "equation '%s' has more terms than the %d inputs", eq, nd->nin);
    if (!nd->in[nt]) return node_fail(nd, "input %d is missing", nt);
    starts[nt] = p, lens[nt] = (size_t)(e - p);
    Term tmp;
    if (!parse_term(nd, p, lens[nt], nd->in[nt]->shape.rank, 0, &tmp, &ell[nt])) return false;
    if (ell[nt] > max_ell) max_ell = ell[nt];
    nt++;
    p = e + 1;
  }
  if (nt != nd->nin)
    return node_fail(nd, "equation '%s' has %d terms for %d inputs", eq, nt, nd->nin);
  for (int i = 0; i < nt; i++) {
    if (!parse_term(nd, starts[i], lens[i], nd->in[i]->shape.rank, max_ell, &t[i], NULL))
      return false;
    t[i].x = nd->in[i];
  }
  if (!check_sizes(nd, t, nt)) return false;
  if (arrow) {
    if (!parse_term(nd, arrow + 2, strlen(arrow + 2), -1, max_ell, &out, NULL)) return false;
    for (int i = 0; i < out.n; i++) {
      bool seen = false;
      for (int j = 0; j < nt && !seen; j++) seen = find(t[j].lab, t[j].n, out.lab[i]) >= 0;
      if (!seen) return node_fail(nd, "output label '%c' is in no input", out.lab[i]);
      if (find(out.lab + i + 1, out.n - i - 1, out.lab[i]) >= 0)
        return node_fail(nd, "output label '%c' appears twice", out.lab[i]);
    }
  } else { /* implicit: the ellipsis, then the labels used once, sorted */
    for (int i = 0; i < max_ell; i++) out.lab[out.n++] = (char)('0' + i);
    for (int c = 'A'; c <= 'z'; c++) {
      if (!isalpha(c)) continue;
      int uses = 0;
      for (int j = 0; j < nt; j++)
        for (int q = 0; q < t[j].n; q++) uses += t[j].lab[q] == c;
      if (uses == 1) out.lab[out.n++] = (char)c;
    }
  }
  /* 1 and 2: prepare each operand just before it is folded in */
  if (!prepare(nd, &t[0], NULL, &out, t + 1, nt - 1)) return false;
  for (int i = 1; i < nt; i++)
    if (!prepare(nd, &t[i], &t[0], &out, t + i + 1, nt - i - 1) ||
        !contract(nd, &t[0], &t[i], &out, t + i + 1, nt - i - 1))
      return false;
  /* 3: the output's order */
  int64_t perm[DL_MAX_RANK];
  for (int i = 0; i < out.n; i++) perm[i] = find(t[0].lab, t[0].n, out.lab[i]);
  if (t[0].n != out.n)
    return node_fail(nd, "internal: einsum result rank %d, output %d", t[0].n, out.n);
  return permute(nd, t[0].x, out.n, perm, 0) != NULL;
}
