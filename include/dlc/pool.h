/* A small worker pool (pthreads) for work split by index: sample batches in
 * dlc-run. Results must not depend on which worker ran an index: each
 * worker has its own state (worker numbers 0..n-1) and writes to the
 * index's own place, so any worker count gives the same bytes. */
#ifndef DLC_POOL_H
#define DLC_POOL_H

#include <stdbool.h>
#include <stdint.h>

typedef struct DlPool DlPool;

/* fn runs index i on worker w; false stops the pool from handing out
 * further indices (those begun finish). */
typedef bool (*DlPoolFn)(void *user, int w, int64_t i);

/* n workers (n >= 1): n - 1 threads, the caller's thread being worker 0.
 * NULL when a thread cannot be started. */
DlPool *dl_pool_create(int n);
void dl_pool_destroy(DlPool *p);
int dl_pool_workers(const DlPool *p);
/* Runs fn on every index in [0, count) in increasing order of hand-out,
 * each once, and returns when all are done: true when every call returned
 * true. */
bool dl_pool_run(DlPool *p, int64_t count, DlPoolFn fn, void *user);
/* The number of online processors (at least 1): --jobs' default. */
int dl_pool_cores(void);

#endif
