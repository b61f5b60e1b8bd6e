/* The tools' one option table: each row is an option's name, its argument,
 * its help and its parser, so parsing and --help cannot drift apart.
 * Every tool accepts `--opt=value` and `--opt value` alike. */
#ifndef DLC_TOOLS_OPTIONS_H
#define DLC_TOOLS_OPTIONS_H

#include <stddef.h>
#include <stdio.h>

#include "dlc/diag.h"

typedef struct DlOption DlOption;
/* Stores v (NULL for a flag) into the tool's settings at o->off; false with a
 * message naming the option. */
typedef bool (*DlOptionParse)(const DlOption *o, const char *v, void *settings, DlError *e);

struct DlOption {
  const char *name;    /* "--wbits", "-o"; NULL ends a table */
  const char *arg;     /* "N": takes a value; NULL: a flag */
  const char *help;    /* for --help (may hold "\n" and further lines); a heading row has only a name */
  DlOptionParse parse; /* NULL: the row is a --help heading (its name) */
  size_t off;          /* where parse stores, in the settings */
  double lo, hi;       /* numeric options: the accepted range */
  const char *needs;   /* options (space-separated) of which one must be given too, or NULL */
  bool optional_arg;   /* a flag that may take "=value" (--calib-method=percentile[=P]) */
  const char *expect;  /* numeric options: what the message says is expected ("points within 0..100");
                        * default "a number within LO..HI" */
};

/* Generic parsers: a string (const char *), a flag (bool = true), integers
 * (int64_t / int) and numbers (double) within [lo, hi], and a constant (an
 * int set to lo). */
bool dl_opt_str(const DlOption *o, const char *v, void *s, DlError *e);
bool dl_opt_flag(const DlOption *o, const char *v, void *s, DlError *e);
bool dl_opt_i64(const DlOption *o, const char *v, void *s, DlError *e);
bool dl_opt_int(const DlOption *o, const char *v, void *s, DlError *e);
bool dl_opt_num(const DlOption *o, const char *v, void *s, DlError *e);
bool dl_opt_const(const DlOption *o, const char *v, void *s, DlError *e);

/* "I/N" (0 <= I < N): a shard of work split into N contiguous blocks, into a
 * DlShard (n = 0: not given). */
typedef struct {
  int i, n;
} DlShard;
bool dl_opt_shard(const DlOption *o, const char *v, void *s, DlError *e);

#define DL_OPT_FIELD(type, settings, off) ((type *)((char *)(settings) + (off)))

/* A table of rows (ended by a row with a NULL name) and where, in the tool's
 * settings, the struct its offsets are relative to begins. A tool passes a
 * list of them ended by {NULL}. */
typedef struct {
  const DlOption *rows;
  size_t base;
} DlOptionTable;

/* What every tool has: rows -o, --help, -h, --version (dl_common_options)
 * and, for the tools that print IR, --print-generic, --print-loc,
 * --no-print-loc (dl_print_options). */
typedef struct {
  const char *out;   /* -o */
  bool help, version;
  bool print_generic;
  int print_loc; /* 1 --print-loc, 0 --no-print-loc, -1 neither: locations when -o names a file */
} DlCommonOptions;
extern const DlOption dl_common_options[], dl_print_options[];
/* A tool's heap keeps what it frees for its next allocations instead of
 * handing it back to the kernel: dlc and dlc-run make and drop buffers of
 * tens of MB again and again (a pim command stream per cost estimate), and
 * on a virtual machine each page faulted in anew costs more than the work
 * done in it (the precision search of a CNN for pim: 25 s, 13 s with this).
 * Call first in main (the library leaves its host's heap alone). */
void dl_tool_heap(void);
/* The printing flags of c for an output to `out` ("-": stdout). */
unsigned dl_print_flags(const DlCommonOptions *c);

/* Parses argv[1..argc) against the tables. Arguments that are not options are
 * the positionals (at most max, into pos; *npos their count). seen[i] counts
 * the uses of the i-th row over all tables (rows numbered in order, headings
 * included), for dl_options_check. False with a message. */
bool dl_options_parse(const DlOptionTable *tables, int argc, char **argv, void *settings, const char **pos, int max,
                      int *npos, int *seen, DlError *e);
/* The index dl_options_parse gives to the row named name, or -1. */
int dl_option_index(const DlOptionTable *tables, const char *name);
/* Every row given whose `needs` names no option given: an error naming both. */
bool dl_options_check(const DlOptionTable *tables, const int *seen, DlError *e);
/* The help text of the tables, one aligned row per option. */
void dl_options_help(FILE *f, const DlOptionTable *tables);

#endif
