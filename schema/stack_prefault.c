/* Prefaulting the stack table (see rs_stack_prefault_start). Adding a
 * node to a big table writes fresh memory, and every new page of it is a
 * page fault on the importing thread: a fifth of its time when a 1M-sample
 * pprof adds 23M nodes. A thread of its own takes those faults instead
 * (MADV_POPULATE_WRITE, which fills the page tables without touching the
 * contents), a fixed distance ahead of the last node, so that no more
 * memory is committed than the table is about to use. */
#include "stack_prefault.h"

#include "../lib/xalloc.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

/* in nodes: populate this far ahead, this much at a time */
enum { AHEAD = 1 << 18, CHUNK = 1 << 15 };

struct rs_prefault {
	pthread_t th;
	pthread_mutex_t mu; /* held while populating and while the table grows */
	atomic_bool stop;
	size_t done; /* nodes populated so far */
};

/* Populates the whole pages inside bytes [from, to) of an allocation (a
 * page shared with what lies around it is left to the ordinary fault). */
static void populate(void *base, size_t from, size_t to)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t a = ((uintptr_t)base + from + page - 1) & ~(page - 1);
	uintptr_t b = ((uintptr_t)base + to) & ~(page - 1);
	if (b > a)
		(void)madvise((void *)a, b - a, MADV_POPULATE_WRITE); /* best effort */
}

/* One step: populates up to AHEAD nodes past the last one, inside the
 * table's capacity; false when there was nothing to do. */
static bool prefault_step(rs_session *s, struct rs_prefault *p)
{
	size_t n = __atomic_load_n(&s->nstacks, __ATOMIC_RELAXED);
	pthread_mutex_lock(&p->mu);
	/* nodes that fit both arrays: links[0] is the root's */
	size_t links_nodes = s->links_cap ? s->links_cap - 1 : 0;
	size_t cap = s->stacks_cap < links_nodes ? s->stacks_cap : links_nodes;
	size_t want = n + AHEAD < cap ? n + AHEAD : cap, from = p->done > n ? p->done : n;
	bool work = want >= from + CHUNK;
	if (work) {
		populate(s->stacks, from * sizeof *s->stacks, want * sizeof *s->stacks);
		populate(s->links, (from + 1) * sizeof *s->links, (want + 1) * sizeof *s->links);
		p->done = want;
	}
	pthread_mutex_unlock(&p->mu);
	return work;
}

static void *prefault_main(void *arg)
{
	rs_session *s = arg;
	struct rs_prefault *p = s->prefault;
	const struct timespec nap = {0, 100 * 1000};
	while (!atomic_load(&p->stop))
		if (!prefault_step(s, p))
			nanosleep(&nap, NULL);
	return NULL;
}

void rs_stack_prefault_start(rs_session *s)
{
	if (s->prefault)
		return;
	struct rs_prefault *p = rs_xcalloc(1, sizeof *p);
	pthread_mutex_init(&p->mu, NULL);
	atomic_init(&p->stop, false);
	s->prefault = p;
	if (pthread_create(&p->th, NULL, prefault_main, s) != 0) {
		pthread_mutex_destroy(&p->mu);
		free(p);
		s->prefault = NULL;
	}
}

void rs_stack_prefault_stop(rs_session *s)
{
	struct rs_prefault *p = s->prefault;
	if (!p)
		return;
	atomic_store(&p->stop, true);
	pthread_join(p->th, NULL);
	pthread_mutex_destroy(&p->mu);
	free(p);
	s->prefault = NULL;
}

void rs_stack_grow_lock(rs_session *s)
{
	if (s->prefault)
		pthread_mutex_lock(&s->prefault->mu);
}

void rs_stack_grow_unlock(rs_session *s)
{
	if (s->prefault)
		pthread_mutex_unlock(&s->prefault->mu);
}
