/* /proc timelines of the target process while sampling: CPU %, RSS,
 * threads, open FDs, context switches, and a syscall rate from a counting
 * raw_syscalls:sys_enter tracepoint event where the kernel allows it. They
 * become the session's counters. */
#ifndef RS_SAMPLER_PROCSTAT_H
#define RS_SAMPLER_PROCSTAT_H

#include "../schema/session.h"

#include <stdbool.h>
#include <stdint.h>

enum { RS_PS_CPU, RS_PS_RSS, RS_PS_THREADS, RS_PS_FDS, RS_PS_CTX, RS_PS_CTX_VOL, RS_PS_CTX_INVOL,
       RS_PS_SYSCALLS, RS_PS_NLANES };

typedef struct rs_procstat {
	int pid;
	int32_t lane[RS_PS_NLANES]; /* counter indices, -1 = not recorded */
	int *sys_fds;               /* counting tracepoint events */
	size_t nsys, sys_cap;
	char syscall_note[200];     /* why there is no syscall rate, "" when there is */
	bool have_prev;
	int64_t prev_t;
	uint64_t prev_ticks, prev_vol, prev_invol, prev_sys;
} rs_procstat;

void rs_procstat_init(rs_procstat *ps, int pid);
/* Opens the syscall counter on task (inherit; enable_on_exec for a spawned
 * command). Failure only leaves a note. */
void rs_procstat_count_syscalls(rs_procstat *ps, int task, bool enable_on_exec);
void rs_procstat_enable(rs_procstat *ps);
/* Reads /proc once; t_ns on the session clock. False when the process is gone. */
bool rs_procstat_sample(rs_procstat *ps, rs_session *s, int64_t t_ns);
void rs_procstat_free(rs_procstat *ps);

#endif
