/* The thread pool. Workers start on first use and sleep on a condition variable between regions,
 * after spinning briefly so that back-to-back regions (the matmuls of one training step) do not pay
 * for a wake-up each. The default size is the number of CPUs this process may run on
 * (sched_getaffinity), or GRADNAV_NUM_THREADS. Only one region runs at a time, and a task never
 * starts a nested region, so the process never runs more busy threads than the pool's size.
 *
 * A region is a job on the caller's stack, published through `current`. A worker announces itself in
 * `visitors` before reading `current`, and the caller, after every item is done, clears `current`
 * and waits for `visitors` to drain: no worker can touch a job after its region returned. */
#define _GNU_SOURCE
#include "pool.h"
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#define CPU_RELAX() _mm_pause()
#else
#define CPU_RELAX() ((void)0)
#endif

typedef struct {
  gn_task task;
  void *ctx;
  long n;
  int helpers; /* workers with index < helpers take part */
  atomic_long next;
  atomic_long done;
} job_t;

static pthread_mutex_t region_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t sleep_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static _Atomic(job_t *) current;
static atomic_ulong generation;
static atomic_int visitors;
static int started;   /* workers running */
static int requested; /* threads per region, caller included; 0 until first read */
static _Thread_local int inside;

/* Spin this many pause instructions (tens of microseconds) before sleeping. */
#define SPIN 4000

static int default_threads(void) {
  const char *env = getenv("GRADNAV_NUM_THREADS");
  if (env && *env) {
    int n = atoi(env);
    if (n >= 1) return n > GN_MAX_THREADS ? GN_MAX_THREADS : n;
  }
  int n = 0;
#ifdef CPU_COUNT
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) n = CPU_COUNT(&set);
#endif
  if (n < 1) n = (int)sysconf(_SC_NPROCESSORS_ONLN);
  if (n < 1) n = 1;
  return n > GN_MAX_THREADS ? GN_MAX_THREADS : n;
}

int gn_threads(void) {
  if (requested == 0) requested = default_threads();
  return requested;
}

int gn_set_threads(int n) {
  pthread_mutex_lock(&region_lock);
  requested = n <= 0 ? default_threads() : n > GN_MAX_THREADS ? GN_MAX_THREADS : n;
  pthread_mutex_unlock(&region_lock);
  return requested;
}

int gn_in_parallel(void) { return inside; }

static void run_items(job_t *j) {
  long i;
  while ((i = atomic_fetch_add(&j->next, 1)) < j->n) {
    j->task(j->ctx, i);
    atomic_fetch_add(&j->done, 1);
  }
}

static void *worker(void *arg) {
  const int index = (int)(long)arg;
  unsigned long seen = atomic_load(&generation);
  inside = 1;
  for (;;) {
    int spins = 0;
    while (atomic_load(&generation) == seen && spins < SPIN) {
      CPU_RELAX();
      spins++;
    }
    if (atomic_load(&generation) == seen) {
      pthread_mutex_lock(&sleep_lock);
      while (atomic_load(&generation) == seen) pthread_cond_wait(&wake, &sleep_lock);
      pthread_mutex_unlock(&sleep_lock);
    }
    seen = atomic_load(&generation);
    atomic_fetch_add(&visitors, 1);
    job_t *j = atomic_load(&current);
    if (j != NULL && index < j->helpers) run_items(j);
    atomic_fetch_sub(&visitors, 1);
  }
  return NULL;
}

/* Starts workers up to `want` (called with region_lock held). Returns how many run. */
static int ensure_workers(int want) {
  while (started < want) {
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&t, &attr, worker, (void *)(long)started);
    pthread_attr_destroy(&attr);
    if (rc != 0) break;
    started++;
  }
  return started;
}

void gn_parallel(long n, gn_task task, void *ctx) {
  if (n <= 0) return;
  int threads = gn_threads();
  if (n < 2 || threads < 2 || inside || pthread_mutex_trylock(&region_lock) != 0) {
    for (long i = 0; i < n; i++) task(ctx, i);
    return;
  }
  int helpers = ensure_workers(threads - 1);
  if (helpers > n - 1) helpers = (int)(n - 1);
  job_t j = {.task = task, .ctx = ctx, .n = n, .helpers = helpers};
  atomic_init(&j.next, 0);
  atomic_init(&j.done, 0);
  atomic_store(&current, &j);
  pthread_mutex_lock(&sleep_lock);
  atomic_fetch_add(&generation, 1);
  pthread_cond_broadcast(&wake);
  pthread_mutex_unlock(&sleep_lock);
  inside = 1;
  run_items(&j);
  inside = 0;
  while (atomic_load(&j.done) < n) {
    for (int s = 0; s < 64 && atomic_load(&j.done) < n; s++) CPU_RELAX();
    if (atomic_load(&j.done) < n) sched_yield();
  }
  atomic_store(&current, NULL);
  while (atomic_load(&visitors) != 0) CPU_RELAX();
  pthread_mutex_unlock(&region_lock);
}
