/* Protobuf wire-level pass over a serialized ModelProto that cuts the
 * raw_data payloads out of the graph's initializers. protobuf-c then parses
 * only the (small) rest, and the importer reads each payload once, straight
 * into the buffer that will hold it for the module's lifetime. */
#include <stdlib.h>
#include <string.h>

#include "import_internal.h"

typedef struct {
  const uint8_t *p, *end;
} Rd;

static bool varint(Rd *r, uint64_t *v) {
  *v = 0;
  for (int s = 0; s < 64 && r->p < r->end; s += 7) {
    uint8_t b = *r->p++;
    *v |= (uint64_t)(b & 0x7f) << s;
    if (!(b & 0x80)) return true;
  }
  return false;
}

static void put_varint(uint8_t **o, uint64_t v) {
  do {
    uint8_t b = v & 0x7f;
    v >>= 7;
    *(*o)++ = (uint8_t)(b | (v ? 0x80 : 0));
  } while (v);
}

/* Reads one field; body and blen describe a length-delimited value. */
static bool field(Rd *r, uint32_t *num, int *wt, const uint8_t **body, size_t *blen) {
  uint64_t key, v;
  if (!varint(r, &key)) return false;
  *num = (uint32_t)(key >> 3), *wt = (int)(key & 7);
  *body = r->p, *blen = 0;
  switch (*wt) {
  case 0: return varint(r, &v);
  case 1: if (r->end - r->p < 8) return false; r->p += 8; return true;
  case 5: if (r->end - r->p < 4) return false; r->p += 4; return true;
  case 2:
    if (!varint(r, &v) || v > (uint64_t)(r->end - r->p)) return false;
    *body = r->p, *blen = (size_t)v;
    r->p += v;
    return true;
  default: return false; /* groups: not used by ONNX */
  }
}

typedef struct {
  DlRawPayload *v;
  int n, cap;
} Payloads;

static void add_payload(Payloads *ps, size_t off, size_t len) {
  if (ps->n == ps->cap) ps->v = realloc(ps->v, sizeof(DlRawPayload) * (size_t)(ps->cap = ps->cap ? ps->cap * 2 : 64));
  ps->v[ps->n++] = (DlRawPayload){off, len};
}

/* Copies message [p, end) to *o, transforming field `target` (a submessage)
 * with `sub` (one level down) or, at the tensor level, blanking raw_data. */
static bool filter(const uint8_t *base, const uint8_t *p, const uint8_t *end, int level, uint8_t **o, Payloads *ps) {
  Rd r = {p, end};
  bool tensor_has_raw = false;
  size_t raw_off = 0, raw_len = 0;
  while (r.p < r.end) {
    const uint8_t *start = r.p, *body;
    size_t blen;
    uint32_t num;
    int wt;
    if (!field(&r, &num, &wt, &body, &blen)) return false;
    bool descend = wt == 2 && ((level == 0 && num == 7) || (level == 1 && num == 5));
    if (level == 2 && wt == 2 && num == 9) { /* TensorProto.raw_data */
      tensor_has_raw = true;
      raw_off = (size_t)(body - base), raw_len = blen;
      put_varint(o, (9u << 3) | 2);
      put_varint(o, 0);
      continue;
    }
    if (!descend) {
      memcpy(*o, start, (size_t)(r.p - start));
      *o += r.p - start;
      continue;
    }
    /* the filtered submessage is never longer: write it after a maximal
     * length prefix, then move it down to sit right after the real one */
    put_varint(o, ((uint64_t)num << 3) | 2);
    uint8_t *len_at = *o, *sub = *o + 10, *sub_end = sub;
    if (!filter(base, body, body + blen, level + 1, &sub_end, ps)) return false;
    size_t sl = (size_t)(sub_end - sub);
    uint8_t *q = len_at;
    put_varint(&q, sl);
    memmove(q, sub, sl);
    *o = q + sl;
  }
  if (level == 2) add_payload(ps, tensor_has_raw ? raw_off : DL_NO_PAYLOAD, raw_len);
  return true;
}

bool dl_onnx_strip_payloads(const uint8_t *buf, size_t len, uint8_t **out, size_t *outlen, DlRawPayload **payloads,
                            int *npayloads) {
  /* +10 per nesting level of headroom for the length prefixes written ahead */
  uint8_t *o = malloc(len + 64), *w = o;
  Payloads ps = {0};
  if (!o || !filter(buf, buf, buf + len, 0, &w, &ps)) {
    free(o);
    free(ps.v);
    return false;
  }
  *out = o, *outlen = (size_t)(w - o);
  *payloads = ps.v, *npayloads = ps.n;
  return true;
}
