/* One pool of worker threads for the whole process (see pool.c). */
#ifndef GN_POOL_H
#define GN_POOL_H

typedef void (*gn_task)(void *ctx, long i);

/* Runs task(ctx, i) for every i in [0, n), spread over the pool's threads and the calling thread;
 * returns when all are done. Runs serially when the pool has one thread, when n < 2, when called from
 * inside a task (no nesting), or while another thread (a second Node.js isolate) holds the pool. */
void gn_parallel(long n, gn_task task, void *ctx);

/* Threads a parallel region uses (the calling thread included). */
int gn_threads(void);
/* Sets that count (1..GN_MAX_THREADS); 0 restores the default. Returns the new count. */
int gn_set_threads(int n);
/* Whether the caller is a task inside a parallel region. */
int gn_in_parallel(void);

#define GN_MAX_THREADS 64

#endif
