/* perf_event_open plumbing: cpu-clock sampling events, one mmap ring buffer
 * per CPU, and draining those buffers into time-ordered batches of records.
 * Knows nothing about symbols or sessions. */
#ifndef RS_SAMPLER_PERF_H
#define RS_SAMPLER_PERF_H

#include "../lib/error.h"

#include <linux/perf_event.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* x86-64 user registers (perf_regs.h order: AX BX CX DX SI DI BP SP IP
 * FLAGS CS SS DS ES FS GS R8..R15). DWARF unwinding by libdw or libunwind
 * copies the general ones; our CFI walk needs only rip, rsp and rbp. */
#define RS_REGS_MASK ((1ULL << 0) | (1ULL << 1) | (1ULL << 2) | (1ULL << 3) | (1ULL << 4) | \
		      (1ULL << 5) | (1ULL << 6) | (1ULL << 7) | (1ULL << 8) | (0xffULL << 16))
#define RS_REGS_MASK_CFI ((1ULL << 6) | (1ULL << 7) | (1ULL << 8))
enum { RS_REG_AX, RS_REG_BX, RS_REG_CX, RS_REG_DX, RS_REG_SI, RS_REG_DI, RS_REG_BP, RS_REG_SP,
       RS_REG_IP, RS_REG_R8 = 16, RS_NREGS = 24 };

/* How user stacks are taken: the kernel's frame-pointer chain (fp), a
 * stack copy for libdw or libunwind (dwarf), or a stack copy for our CFI
 * walk with the frame-pointer chain beside it (auto). */
typedef enum rs_callgraph { RS_CG_AUTO, RS_CG_FP, RS_CG_DWARF } rs_callgraph;

typedef struct rs_perf_cfg {
	unsigned freq;        /* samples per second per thread */
	rs_callgraph cg;
	uint32_t stack_bytes; /* user stack copied per sample (dwarf, auto) */
	bool kernel;          /* include kernel frames */
	bool track_only;      /* no samples: only the address spaces and threads (record --alloc) */
} rs_perf_cfg;

typedef struct rs_perf_ring {
	int fd;
	void *base; /* metadata page, then data */
	size_t data_size;
} rs_perf_ring;

/* One decoded record, pointing into the batch's storage. */
typedef struct rs_perf_rec {
	uint64_t time;
	const struct perf_event_header *hdr;
} rs_perf_rec;

typedef struct rs_perf {
	rs_perf_cfg cfg;
	int ncpu;
	rs_perf_ring *rings; /* one per CPU */
	int *fds;            /* every event fd, rings' included */
	size_t nfds, fds_cap;
	/* the batch: records copied out of the rings, sorted by time */
	unsigned char *buf;
	size_t buf_len, buf_cap;
	rs_perf_rec *recs;
	size_t nrecs, recs_cap;
	uint64_t bytes_read;
} rs_perf;

/* The sample_type and user register mask the events are opened with. */
uint64_t rs_perf_sample_type(const rs_perf_cfg *cfg);
uint64_t rs_perf_regs_mask(const rs_perf_cfg *cfg);

/* Opens the per-CPU sampling events on pid (with inherit); with
 * enable_on_exec they start when pid calls exec. Each CPU's event gets a ring
 * buffer. Returns RS_EIO with the reason and the fix on failure. */
int rs_perf_open(rs_perf *p, const rs_perf_cfg *cfg, pid_t pid, bool enable_on_exec, rs_err *err);
/* Adds one more task (--pid attach): per-CPU events whose output goes to the
 * existing rings. ESRCH (task gone) is not an error: returns 1. */
int rs_perf_add_task(rs_perf *p, pid_t tid, rs_err *err);
void rs_perf_enable(rs_perf *p);
void rs_perf_disable(rs_perf *p);
/* Waits up to timeout_ms for data. */
void rs_perf_wait(rs_perf *p, int timeout_ms);
/* Copies every pending record out of the rings and sorts them by time into
 * p->recs (valid until the next drain). Returns the number of records. */
size_t rs_perf_drain(rs_perf *p);
void rs_perf_close(rs_perf *p);

/* The explanation of a perf_event_open failure, with what to change. */
void rs_perf_explain(int errnum, char *buf, size_t n);

#endif
