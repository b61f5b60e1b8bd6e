/* Shared between the ONNX importer's files; not a public header. */
#ifndef DLC_ONNX_IMPORT_INTERNAL_H
#define DLC_ONNX_IMPORT_INTERNAL_H

#include "dlc/kernels.h"
#include "dlc/onnx.h"
#include "onnx.pb-c.h"

/* One ONNX value name: its static type, and either an MLIR value, a known
 * constant (materialized lazily, only if a real op uses it), or both. */
typedef struct {
  char *name;
  DlShape shape;
  MlirValue value; /* null until materialized */
  DlTensor konst;  /* konst.data != NULL: value known at compile time */
  bool is_const;
  const char *poison; /* set: using this value is an error with this reason */
  const char *src;    /* not constant: a graph input it is computed from, or NULL */
} Entry;

/* A raw_data payload cut out of an initializer: byte range in the source. */
#define DL_NO_PAYLOAD ((size_t)-1)
typedef struct {
  size_t off, len;
} DlRawPayload;
bool dl_onnx_strip_payloads(const uint8_t *buf, size_t len, uint8_t **out, size_t *outlen,
                            DlRawPayload **payloads, int *npayloads);

typedef struct Imp {
  MlirContext ctx;
  const DlImportOptions *opt;
  const char *dir;
  DlError *e;
  Onnx__ModelProto *model;
  int64_t opset;
  Entry **ent; /* individually allocated: Entry pointers stay valid */
  int nent, capent;
  int *slots;
  int nslots;
  MlirBlock block;
  int resource_count;
  /* where initializer payloads come from: a buffer, or a file read with pread */
  const uint8_t *src;
  int fd;
  DlRawPayload *payloads;
  int npayloads;
  int depth;     /* nesting of the subgraphs being inlined (If branches, loop bodies) */
  bool shadowed; /* a name was defined twice since the names were last rebuilt */
} Imp;

typedef struct {
  Imp *im;
  Onnx__NodeProto *n;
  int index;
  char desc[256]; /* "node 'conv1' (Conv)" */
  MlirLocation loc;
  Entry *in[32]; /* NULL for an omitted optional input */
  int nin;
  uint64_t used_attrs;
} Node;

/* tensor_proto.c */
bool dl_onnx_tensor_decode(Imp *im, Onnx__TensorProto *tp, DlTensor *t, const char *what);

/* import.c */
Entry *entry_lookup(Imp *im, const char *name); /* NULL when not defined */
bool node_fail(Node *nd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
Entry *entry_define(Imp *im, const char *name, const DlShape *s);
MlirValue entry_value(Imp *im, Entry *en, MlirLocation loc);
bool define_output_const(Node *nd, int i, DlTensor *t); /* takes ownership of t's data */
bool define_output_alias(Node *nd, int i, Entry *src);
/* Defines `name` as another name for src's value. */
Entry *entry_define_alias(Imp *im, const char *name, Entry *src);
/* Names defined from now on can be hidden again: entry_scope_end(im, mark)
 * makes every name defined since entry_scope_begin unreachable (their values
 * stay valid for whoever holds the Entry), so a subgraph can be imported once
 * per iteration of a loop. */
int entry_scope_begin(Imp *im);
void entry_scope_end(Imp *im, int mark);
/* Creates op k (or folds it when all operands are constants). given: result
 * shape for DL_OPF_GIVEN ops, else NULL. Defines output `out_index`. */
Entry *emit_op(Node *nd, DlOpKind k, int nops, Entry **ops, DlAttrs *a, const DlShape *given,
               int out_index);
/* Same but the result is a fresh, unnamed entry (for ops the importer splits). */
Entry *emit_op_tmp(Node *nd, DlOpKind k, int nops, Entry **ops, DlAttrs *a, const DlShape *given);
Entry *emit_concat(Node *nd, int axis, int nops, Entry **ops, int out_index);
Entry *make_const_entry(Imp *im, DlTensor *t); /* takes ownership */

/* attribute access; each marks the attribute used */
Onnx__AttributeProto *attr_find(Node *nd, const char *name);
bool attr_int(Node *nd, const char *name, int64_t dflt, int64_t *v);
bool attr_float(Node *nd, const char *name, double dflt, double *v);
bool attr_str(Node *nd, const char *name, const char *dflt, char *buf, size_t n);
/* *n = -1 when absent */
bool attr_ints(Node *nd, const char *name, int64_t *v, int *n, int max);
bool attr_floats(Node *nd, const char *name, double *v, int *n, int max);
/* Input i must be a compile-time constant; returns it or NULL (error set). */
const DlTensor *input_const(Node *nd, int i, const char *what);
bool input_const_ints(Node *nd, int i, const char *what, int64_t *v, int *n, int max);

/* Imports subgraph g's initializers and nodes into the current block, in the
 * current scope: its nodes may use any value defined so far (ONNX outer-scope
 * references), and the names they define stay visible afterwards. */
bool dl_onnx_import_subgraph(Imp *im, Onnx__GraphProto *g, const char *what);
/* The same in two parts, so a loop body's initializers are decoded once and
 * its nodes imported once per iteration: the ops' check and the initializers,
 * then the nodes. */
bool dl_onnx_import_subgraph_initializers(Imp *im, Onnx__GraphProto *g, const char *what);
bool dl_onnx_import_subgraph_nodes(Imp *im, Onnx__GraphProto *g, const char *what);

/* if.c */
bool dl_onnx_import_if(Node *nd, DlOpKind k);

/* composite.c: ops imported as a few qg ops, or as constants */
bool dl_onnx_import_window(Node *nd, DlOpKind k);
bool dl_onnx_import_eye_like(Node *nd, DlOpKind k);
bool dl_onnx_import_compress(Node *nd, DlOpKind k);
bool dl_onnx_import_one_hot(Node *nd, DlOpKind k);
bool dl_onnx_import_shrink(Node *nd, DlOpKind k);
bool dl_onnx_import_lrn(Node *nd, DlOpKind k);
bool dl_onnx_import_mvn(Node *nd, DlOpKind k);
bool dl_onnx_import_dynamic_quantize(Node *nd, DlOpKind k);
bool dl_onnx_import_nms(Node *nd, DlOpKind k);
bool dl_onnx_import_unique(Node *nd, DlOpKind k);
bool dl_onnx_import_nonzero(Node *nd, DlOpKind k);

/* build.c: builders for importers that expand a node into several ops. Each
 * passes a NULL operand through (returns NULL), so a chain stops at the first
 * failure with that failure's message only. out < 0: an unnamed result; else
 * the result defines the node's output `out`. */
Entry *imp_unary(Node *nd, DlOpKind k, Entry *x);
Entry *imp_binary(Node *nd, DlOpKind k, Entry *x, Entry *y);
Entry *imp_reshape(Node *nd, Entry *x, int rank, const int64_t *dims, int out);
/* x[b:e] along axis; x itself when that is all of it */
Entry *imp_slice(Node *nd, Entry *x, int64_t axis, int64_t b, int64_t e);
/* x[i] along axis, the axis removed (a slice, then a reshape) */
Entry *imp_take(Node *nd, Entry *x, int axis, int64_t i);
Entry *imp_transpose(Node *nd, Entry *x, int rank, const int64_t *perm, int out);
/* Recurrent ops' optional sequence_lens (input `input`): absent, or a constant
 * whose every value is len (only the full length unrolls); else an error. */
bool imp_full_lengths(Node *nd, int input, int64_t len);
/* Concatenation along axis of any number of values (v is overwritten). */
Entry *imp_concat(Node *nd, int axis, Entry **v, int n, int out);
/* The n values, of one shape, stacked along a new axis (v is overwritten). */
Entry *imp_stack(Node *nd, int axis, Entry **v, int n, int out);

/* loop.c: Loop with a trip count known at compile time, and Scan, unrolled */
bool dl_onnx_import_loop(Node *nd, DlOpKind k);
bool dl_onnx_import_scan(Node *nd, DlOpKind k);

/* einsum.c */
bool dl_onnx_import_einsum(Node *nd, DlOpKind k);

/* rnn.c: LSTM, GRU and RNN, unrolled */
bool dl_onnx_import_lstm(Node *nd, DlOpKind k);
bool dl_onnx_import_gru(Node *nd, DlOpKind k);
bool dl_onnx_import_rnn(Node *nd, DlOpKind k);

/* handlers.c */
bool need_inputs(Node *nd, int lo, int hi); /* input count in [lo, hi], the first lo present */
DlAttrs *fresh(DlAttrs *a);                 /* a, emptied */
Entry *scalar_const(Node *nd, DlDType t, double v);
typedef bool (*ImportFn)(Node *nd, DlOpKind k);
typedef struct {
  const char *onnx;
  ImportFn fn;
  DlOpKind kind;
  int min_opset;
} ImportRow;
const ImportRow *dl_onnx_import_row(const char *op_type);

#endif
