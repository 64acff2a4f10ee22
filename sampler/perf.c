/* perf_event_open, ring buffers and record batches (see perf.h). */
#include "perf.h"

#include "../lib/xalloc.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static int perf_event_open(struct perf_event_attr *a, pid_t pid, int cpu, int group, unsigned long fl)
{
	return (int)syscall(SYS_perf_event_open, a, pid, cpu, group, fl);
}

static int read_int_file(const char *path, int dflt)
{
	FILE *f = fopen(path, "r");
	int v = dflt;
	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = dflt;
		fclose(f);
	}
	return v;
}

void rs_perf_explain(int e, char *buf, size_t n)
{
	int paranoid = read_int_file("/proc/sys/kernel/perf_event_paranoid", 99);
	if (e == EACCES || e == EPERM)
		snprintf(buf, n,
			 "perf_event_open: %s: sampling is not permitted here "
			 "(kernel.perf_event_paranoid is %d; a container or seccomp policy may also "
			 "block it). To allow it: run as root or give rustscope CAP_PERFMON "
			 "(setcap cap_perfmon+ep rustscope), or lower the setting: "
			 "sysctl kernel.perf_event_paranoid=1 (=2 still allows profiling your own "
			 "processes in user space; -1 allows everything); another user's process also needs root "
			 "or CAP_PERFMON; in a container, start it "
			 "with --cap-add PERFMON (or SYS_ADMIN) and a seccomp profile that allows "
			 "perf_event_open",
			 strerror(e), paranoid);
	else if (e == ENOENT || e == ENODEV || e == EOPNOTSUPP)
		snprintf(buf, n, "perf_event_open: %s: this kernel has no cpu-clock software event "
			 "(CONFIG_PERF_EVENTS off?)", strerror(e));
	else if (e == ENOSYS)
		snprintf(buf, n, "perf_event_open: not implemented by this kernel or sandbox "
			 "(CONFIG_PERF_EVENTS off, or a seccomp filter blocks the system call)");
	else if (e == EMFILE)
		snprintf(buf, n, "perf_event_open: %s: raise the open file limit (ulimit -n)", strerror(e));
	else
		snprintf(buf, n, "perf_event_open: %s", strerror(e));
}

/* Data pages of a CPU's ring: a quarter second of samples at cfg's rate
 * (a CPU runs one task at a time, so about freq samples a second), twice
 * the 100 ms between drains, as a power of two. Bigger rings cost page
 * clearing at start and resident memory for nothing. */
static size_t ring_pages(const rs_perf_cfg *cfg, size_t page)
{
	size_t rec = 128 + 8 * 64 + (cfg->cg != RS_CG_FP ? cfg->stack_bytes + 8 * 24 : 0);
	size_t want = (size_t)cfg->freq * rec / 4 / page, pages = 64;
	while (pages < want && pages < 2048)
		pages *= 2;
	return pages;
}

uint64_t rs_perf_sample_type(const rs_perf_cfg *cfg)
{
	uint64_t t = PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_CALLCHAIN |
		     PERF_SAMPLE_PERIOD;
	if (cfg->cg != RS_CG_FP)
		t |= PERF_SAMPLE_REGS_USER | PERF_SAMPLE_STACK_USER;
	return t;
}

uint64_t rs_perf_regs_mask(const rs_perf_cfg *cfg)
{
	return cfg->cg == RS_CG_DWARF ? RS_REGS_MASK : cfg->cg == RS_CG_AUTO ? RS_REGS_MASK_CFI : 0;
}

static void attr_init(struct perf_event_attr *a, const rs_perf_cfg *cfg)
{
	memset(a, 0, sizeof *a);
	a->size = sizeof *a;
	a->type = PERF_TYPE_SOFTWARE;
	a->config = cfg->track_only ? PERF_COUNT_SW_DUMMY : PERF_COUNT_SW_CPU_CLOCK;
	a->freq = !cfg->track_only;
	a->sample_freq = cfg->track_only ? 1 : cfg->freq; /* a dummy event never counts: no samples */
	a->sample_type = rs_perf_sample_type(cfg);
	if (cfg->cg != RS_CG_FP) {
		a->sample_regs_user = rs_perf_regs_mask(cfg);
		a->sample_stack_user = cfg->stack_bytes;
	}
	/* dwarf: the unwinder replaces the user chain; auto goes on with it
	 * where the stack copy ends */
	a->exclude_callchain_user = cfg->cg == RS_CG_DWARF;
	a->disabled = 1;
	a->inherit = 1;
	a->mmap = 1;
	a->mmap2 = 1;
	a->comm = 1;
	a->comm_exec = 1;
	a->task = 1;
	a->sample_id_all = 1;
	a->exclude_kernel = !cfg->kernel;
	a->exclude_hv = 1;
	a->exclude_callchain_kernel = !cfg->kernel;
	/* The session clock is CLOCK_REALTIME; MONOTONIC has a fixed offset to it. */
	a->use_clockid = 1;
	a->clockid = CLOCK_MONOTONIC;
	a->watermark = 1;
	/* wake the drain well before the ring fills */
	a->wakeup_watermark = (uint32_t)(ring_pages(cfg, (size_t)sysconf(_SC_PAGESIZE)) * (size_t)sysconf(_SC_PAGESIZE) / 4);
}

static void add_fd(rs_perf *p, int fd)
{
	RS_GROW(p->fds, p->fds_cap, p->nfds + 1);
	p->fds[p->nfds++] = fd;
}

static int map_ring(rs_perf_ring *r, const rs_perf_cfg *cfg)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	for (size_t pages = ring_pages(cfg, page); pages >= 8; pages /= 2) {
		void *m = mmap(NULL, (pages + 1) * page, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, 0);
		if (m != MAP_FAILED) {
			r->base = m;
			r->data_size = pages * page;
			return 0;
		}
		if (errno != EPERM && errno != ENOMEM)
			return -1;
	}
	return -1;
}

static int open_cpu(rs_perf *p, pid_t pid, int cpu, bool on_exec, int *fd_out)
{
	struct perf_event_attr a;
	attr_init(&a, &p->cfg);
	a.enable_on_exec = on_exec;
	int fd = perf_event_open(&a, pid, cpu, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0 && p->cfg.kernel && (errno == EACCES || errno == EPERM)) {
		/* user space only is still allowed at perf_event_paranoid 2 */
		p->cfg.kernel = false;
		attr_init(&a, &p->cfg);
		a.enable_on_exec = on_exec;
		fd = perf_event_open(&a, pid, cpu, -1, PERF_FLAG_FD_CLOEXEC);
	}
	*fd_out = fd;
	return fd < 0 ? -1 : 0;
}

int rs_perf_open(rs_perf *p, const rs_perf_cfg *cfg, pid_t pid, bool on_exec, rs_err *err)
{
	char why[700];
	memset(p, 0, sizeof *p);
	p->cfg = *cfg;
	p->ncpu = (int)sysconf(_SC_NPROCESSORS_CONF);
	if (p->ncpu < 1)
		p->ncpu = 1;
	p->rings = rs_xcalloc((size_t)p->ncpu, sizeof *p->rings);
	int opened = 0;
	for (int c = 0; c < p->ncpu; c++) {
		rs_perf_ring *r = &p->rings[c];
		if (open_cpu(p, pid, c, on_exec, &r->fd)) {
			if ((errno == EINVAL || errno == ENODEV) && (c > 0 || p->ncpu > 1))
				continue; /* offline CPU */
			rs_perf_explain(errno, why, sizeof why);
			return rs_fail(err, RS_EIO, "%s", why);
		}
		add_fd(p, r->fd);
		if (map_ring(r, cfg))
			return rs_fail(err, RS_EIO, "mmap of the perf ring buffer failed: %s "
				       "(raise kernel.perf_event_mlock_kb or ulimit -l)", strerror(errno));
		opened++;
	}
	if (!opened) {
		rs_perf_explain(EINVAL, why, sizeof why);
		return rs_fail(err, RS_EIO, "%s (no CPU accepted the event)", why);
	}
	return 0;
}

int rs_perf_add_task(rs_perf *p, pid_t tid, rs_err *err)
{
	char why[700];
	for (int c = 0; c < p->ncpu; c++) {
		rs_perf_ring *r = &p->rings[c];
		if (!r->base)
			continue;
		int fd;
		if (open_cpu(p, tid, c, false, &fd)) {
			if (errno == ESRCH)
				return 1;
			rs_perf_explain(errno, why, sizeof why);
			return rs_fail(err, RS_EIO, "task %d: %s", (int)tid, why);
		}
		add_fd(p, fd);
		if (ioctl(fd, PERF_EVENT_IOC_SET_OUTPUT, r->fd))
			return rs_fail(err, RS_EIO, "PERF_EVENT_IOC_SET_OUTPUT: %s", strerror(errno));
	}
	return 0;
}

void rs_perf_enable(rs_perf *p)
{
	for (size_t i = 0; i < p->nfds; i++)
		ioctl(p->fds[i], PERF_EVENT_IOC_ENABLE, 0);
}

void rs_perf_disable(rs_perf *p)
{
	for (size_t i = 0; i < p->nfds; i++)
		ioctl(p->fds[i], PERF_EVENT_IOC_DISABLE, 0);
}

void rs_perf_wait(rs_perf *p, int timeout_ms)
{
	struct pollfd pf[64];
	nfds_t n = 0;
	for (int c = 0; c < p->ncpu && n < 64; c++)
		if (p->rings[c].base)
			pf[n++] = (struct pollfd){.fd = p->rings[c].fd, .events = POLLIN};
	poll(pf, n, timeout_ms);
}

/* The time of a record: samples carry it after ip/pid/tid; every other
 * record ends with the sample_id trailer (pid, tid, time). */
static uint64_t rec_time(const struct perf_event_header *h)
{
	const unsigned char *b = (const unsigned char *)h;
	uint64_t t = 0;
	if (h->type == PERF_RECORD_SAMPLE && h->size >= 32)
		memcpy(&t, b + 24, 8);
	else if (h->type != PERF_RECORD_SAMPLE && h->size >= 24)
		memcpy(&t, b + h->size - 8, 8);
	return t;
}

static void drain_ring(rs_perf *p, rs_perf_ring *r)
{
	struct perf_event_mmap_page *meta = r->base;
	unsigned char *data = (unsigned char *)r->base + sysconf(_SC_PAGESIZE);
	uint64_t head = __atomic_load_n(&meta->data_head, __ATOMIC_ACQUIRE);
	uint64_t tail = meta->data_tail;
	uint64_t mask = r->data_size - 1;
	while (tail + sizeof(struct perf_event_header) <= head) {
		struct perf_event_header h;
		for (size_t i = 0; i < sizeof h; i++)
			((unsigned char *)&h)[i] = data[(tail + i) & mask];
		if (h.size < sizeof h || tail + h.size > head)
			break;
		RS_GROW(p->buf, p->buf_cap, p->buf_len + h.size + 8);
		unsigned char *dst = p->buf + p->buf_len;
		size_t off = tail & mask, first = r->data_size - off;
		if (first >= h.size)
			memcpy(dst, data + off, h.size);
		else {
			memcpy(dst, data + off, first);
			memcpy(dst + first, data, h.size - first);
		}
		p->buf_len += (h.size + 7) & ~(size_t)7;
		tail += h.size;
		p->bytes_read += h.size;
	}
	__atomic_store_n(&meta->data_tail, tail, __ATOMIC_RELEASE);
}

static int cmp_rec(const void *a, const void *b)
{
	const rs_perf_rec *x = a, *y = b;
	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	/* stable: earlier in the buffer first */
	return x->hdr < y->hdr ? -1 : x->hdr > y->hdr;
}

size_t rs_perf_drain(rs_perf *p)
{
	p->buf_len = 0;
	p->nrecs = 0;
	for (int c = 0; c < p->ncpu; c++)
		if (p->rings[c].base)
			drain_ring(p, &p->rings[c]);
	/* Index after copying: the buffer may have moved while it grew. */
	for (size_t off = 0; off < p->buf_len;) {
		const struct perf_event_header *h = (const void *)(p->buf + off);
		RS_GROW(p->recs, p->recs_cap, p->nrecs + 1);
		p->recs[p->nrecs++] = (rs_perf_rec){rec_time(h), h};
		off += (h->size + 7) & ~(size_t)7;
	}
	if (p->nrecs > 1)
		qsort(p->recs, p->nrecs, sizeof *p->recs, cmp_rec);
	return p->nrecs;
}

void rs_perf_close(rs_perf *p)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	for (int c = 0; c < p->ncpu && p->rings; c++)
		if (p->rings[c].base)
			munmap(p->rings[c].base, p->rings[c].data_size + page);
	for (size_t i = 0; i < p->nfds; i++)
		close(p->fds[i]);
	free(p->rings);
	free(p->fds);
	free(p->buf);
	free(p->recs);
	memset(p, 0, sizeof *p);
}
