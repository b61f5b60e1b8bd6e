/* The worker pool: threads wait for a job, take indices from one shared
 * counter until it runs out, and the last to finish wakes the caller. */
#include "dlc/pool.h"

#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

struct DlPool {
  pthread_mutex_t mu;
  pthread_cond_t go, done;
  pthread_t *th;
  int n, busy;
  uint64_t gen; /* bumped for each job, so a worker runs each once */
  bool quit, failed;
  int64_t next, count;
  DlPoolFn fn;
  void *user;
};

/* Takes indices until none are left or a call failed. */
static void work(DlPool *p, int w) {
  for (;;) {
    pthread_mutex_lock(&p->mu);
    int64_t i = p->failed ? p->count : p->next;
    if (i < p->count) p->next++;
    pthread_mutex_unlock(&p->mu);
    if (i >= p->count) return;
    if (!p->fn(p->user, w, i)) {
      pthread_mutex_lock(&p->mu);
      p->failed = true;
      pthread_mutex_unlock(&p->mu);
    }
  }
}

typedef struct {
  DlPool *p;
  int w;
} Arg;

static void *thread_main(void *v) {
  Arg a = *(Arg *)v;
  free(v);
  DlPool *p = a.p;
  uint64_t seen = 0;
  pthread_mutex_lock(&p->mu);
  for (;;) {
    while (!p->quit && p->gen == seen) pthread_cond_wait(&p->go, &p->mu);
    if (p->quit) break;
    seen = p->gen;
    pthread_mutex_unlock(&p->mu);
    work(p, a.w);
    pthread_mutex_lock(&p->mu);
    if (--p->busy == 0) pthread_cond_signal(&p->done);
  }
  pthread_mutex_unlock(&p->mu);
  return NULL;
}

DlPool *dl_pool_create(int n) {
  DlPool *p = calloc(1, sizeof *p);
  p->n = n < 1 ? 1 : n;
  pthread_mutex_init(&p->mu, NULL);
  pthread_cond_init(&p->go, NULL);
  pthread_cond_init(&p->done, NULL);
  p->th = calloc((size_t)p->n, sizeof *p->th);
  for (int w = 1; w < p->n; w++) {
    Arg *a = malloc(sizeof *a);
    *a = (Arg){p, w};
    if (pthread_create(&p->th[w], NULL, thread_main, a)) {
      free(a);
      p->n = w; /* those started are joined */
      dl_pool_destroy(p);
      return NULL;
    }
  }
  return p;
}

void dl_pool_destroy(DlPool *p) {
  if (!p) return;
  pthread_mutex_lock(&p->mu);
  p->quit = true;
  pthread_cond_broadcast(&p->go);
  pthread_mutex_unlock(&p->mu);
  for (int w = 1; w < p->n; w++) pthread_join(p->th[w], NULL);
  pthread_cond_destroy(&p->go);
  pthread_cond_destroy(&p->done);
  pthread_mutex_destroy(&p->mu);
  free(p->th);
  free(p);
}

int dl_pool_workers(const DlPool *p) { return p->n; }

bool dl_pool_run(DlPool *p, int64_t count, DlPoolFn fn, void *user) {
  pthread_mutex_lock(&p->mu);
  p->fn = fn, p->user = user, p->next = 0, p->count = count, p->failed = false;
  p->busy = p->n - 1;
  p->gen++;
  pthread_cond_broadcast(&p->go);
  pthread_mutex_unlock(&p->mu);
  work(p, 0);
  pthread_mutex_lock(&p->mu);
  while (p->busy > 0) pthread_cond_wait(&p->done, &p->mu);
  bool ok = !p->failed;
  pthread_mutex_unlock(&p->mu);
  return ok;
}

int dl_pool_cores(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n < 1 ? 1 : (int)n;
}
