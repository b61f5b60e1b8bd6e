/* Chrome-trace timelines (dlc/trace.h). */
#include "dlc/trace.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dlc/schema.h"
#include "dlc/support.h"

typedef struct {
  int tid;
  char *name, *args;
  double start, end; /* ns */
} Event;

typedef struct {
  int tid;
  char *name;
  int last; /* its latest event, or -1 */
} Track;

struct DlTrace {
  char *process;
  Event *ev;
  int nev, cap;
  Track *tr;
  int ntr;
};

DlTrace *dl_trace_create(const char *process) {
  DlTrace *t = calloc(1, sizeof *t);
  t->process = strdup(process);
  return t;
}

void dl_trace_destroy(DlTrace *t) {
  if (!t) return;
  for (int i = 0; i < t->nev; i++) free(t->ev[i].name), free(t->ev[i].args);
  for (int i = 0; i < t->ntr; i++) free(t->tr[i].name);
  free(t->ev), free(t->tr), free(t->process), free(t);
}

static Track *track(DlTrace *t, int tid) {
  for (int i = 0; i < t->ntr; i++)
    if (t->tr[i].tid == tid) return &t->tr[i];
  return NULL;
}

void dl_trace_track(DlTrace *t, int tid, const char *name) {
  if (track(t, tid)) return;
  t->tr = realloc(t->tr, sizeof(Track) * (size_t)(t->ntr + 1));
  t->tr[t->ntr++] = (Track){tid, strdup(name), -1};
}

static bool same(const char *a, const char *b) { return (!a && !b) || (a && b && !strcmp(a, b)); }

void dl_trace_host_step(DlTrace *t, const char *node, int step, double start_ns, double dur_ns) {
  char args[32];
  if (!t) return;
  snprintf(args, sizeof args, "\"step\": %d", step);
  dl_trace_event(t, 0, node, start_ns, dur_ns, args);
}

void dl_trace_event(DlTrace *t, int tid, const char *name, double start_ns, double dur_ns, const char *args) {
  if (!(dur_ns > 0)) return;
  Track *k = track(t, tid);
  if (!k) dl_trace_track(t, tid, "?"), k = track(t, tid);
  Event *last = k->last >= 0 ? &t->ev[k->last] : NULL;
  if (last && last->end == start_ns && same(last->name, name) && same(last->args, args)) {
    last->end = start_ns + dur_ns;
    return;
  }
  if (t->nev == t->cap) t->cap = t->cap ? 2 * t->cap : 256, t->ev = realloc(t->ev, sizeof(Event) * (size_t)t->cap);
  t->ev[t->nev] = (Event){tid, strdup(name), args ? strdup(args) : NULL, start_ns, start_ns + dur_ns};
  k->last = t->nev++;
}

/* picoseconds as microseconds, exactly: "12.345678" */
static void put_us(FILE *f, int64_t ps) { fprintf(f, "%lld.%06lld", (long long)(ps / 1000000), (long long)(ps % 1000000)); }

static int by_tid(const void *a, const void *b) {
  int x = (*(const Track *const *)a)->tid, y = (*(const Track *const *)b)->tid;
  return (x > y) - (x < y);
}

bool dl_trace_write(const DlTrace *t, FILE *f) {
  fprintf(f, "{\"schema\": \"%s\", \"displayTimeUnit\": \"ns\", \"traceEvents\": [\n", DL_SCHEMA_TRACE);
  fprintf(f, "{\"name\": \"process_name\", \"ph\": \"M\", \"pid\": 1, \"tid\": 0, \"args\": {\"name\": ");
  dl_json_write_str(f, t->process);
  fprintf(f, "}}");
  const Track **order = malloc(sizeof(Track *) * (size_t)(t->ntr + 1)); /* tracks by tid: a file independent of first use */
  for (int i = 0; i < t->ntr; i++) order[i] = &t->tr[i];
  qsort(order, (size_t)t->ntr, sizeof *order, by_tid);
  for (int i = 0; i < t->ntr; i++) {
    fprintf(f, ",\n{\"name\": \"thread_name\", \"ph\": \"M\", \"pid\": 1, \"tid\": %d, \"args\": {\"name\": ", order[i]->tid);
    dl_json_write_str(f, order[i]->name);
    fprintf(f, "}},\n{\"name\": \"thread_sort_index\", \"ph\": \"M\", \"pid\": 1, \"tid\": %d, \"args\": {\"sort_index\": %d}}",
            order[i]->tid, order[i]->tid);
  }
  free(order);
  for (int i = 0; i < t->nev; i++) {
    const Event *v = &t->ev[i];
    int64_t a = llround(v->start * 1e3), b = llround(v->end * 1e3);
    fprintf(f, ",\n{\"name\": ");
    dl_json_write_str(f, v->name);
    fprintf(f, ", \"ph\": \"X\", \"ts\": ");
    put_us(f, a);
    fprintf(f, ", \"dur\": ");
    put_us(f, b - a);
    fprintf(f, ", \"pid\": 1, \"tid\": %d, \"args\": {%s}}", v->tid, v->args ? v->args : "");
  }
  fprintf(f, "\n]}\n");
  return !ferror(f);
}
