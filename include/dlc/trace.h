/* A timeline in the Trace Event Format (chrome://tracing, Perfetto): one
 * process per simulated device, one track (a "thread") per hardware unit,
 * complete events ("ph": "X") in simulated time. Deterministic: the file
 * depends only on the events recorded, never on the host's clock. */
#ifndef DLC_TRACE_H
#define DLC_TRACE_H

#include <stdbool.h>
#include <stdio.h>

typedef struct DlTrace DlTrace;

/* An empty trace of one process named `process` ("pim (hbm2)"); the caller
 * destroys it. */
DlTrace *dl_trace_create(const char *process);
void dl_trace_destroy(DlTrace *t);
/* Names track tid (its order in a viewer follows tid); naming it again keeps
 * the first name. */
void dl_trace_track(DlTrace *t, int tid, const char *name);
/* An event on track tid from start_ns for dur_ns simulated nanoseconds;
 * args (JSON object members, e.g. "\"step\": 3", copied) may be NULL. A
 * duration <= 0 records nothing; an event that starts where the track's last
 * one ended, with its name and args, extends that one. */
void dl_trace_event(DlTrace *t, int tid, const char *name, double start_ns, double dur_ns, const char *args);
/* A plan step the simulated host runs (a float or unsupported layer): an
 * event named after its node on track 0 with {"step": step}; nothing when t
 * is NULL (no --trace). */
void dl_trace_host_step(DlTrace *t, const char *node, int step, double start_ns, double dur_ns);
/* The JSON: {"schema", "displayTimeUnit", "traceEvents": [...]} with the
 * track names as metadata events first, then the events in the order
 * recorded; ts and dur in microseconds, rounded to picoseconds at each end so
 * that events which touch in nanoseconds touch in the file too. */
bool dl_trace_write(const DlTrace *t, FILE *f);

#endif
