/* rustscope record's parts shared by the one-shot recording
 * (builtin-record.c) and --continuous (record_continuous.c). */
#ifndef RS_CONVERT_RECORD_H
#define RS_CONVERT_RECORD_H

#include "../sampler/perf.h"
#include "../sampler/procstat.h"
#include "../sampler/alloc.h"
#include "../sampler/recorder.h"
#include "cli.h"

#include <signal.h>

typedef struct record_opts {
	const rs_cmd *cmd;
	unsigned freq;
	double duration; /* seconds, 0 = until the target ends */
	double kill_after; /* seconds between SIGTERM and SIGKILL to a command we end */
	rs_callgraph cg;
	bool debuginfod, lib_dwarf, verbose;
	const char *unwinder;
	uint32_t stack_bytes; /* 0: the call graph's default */
	const char *name, *out;
	char **tags;
	size_t ntags;
	int pid;
	unsigned interval_ms;
	char **argv; /* command to run, NULL with --pid */
	/* --continuous */
	bool continuous, flush_on_exit, snapshots;
	double retention_s, buffer_mb, snapshot_s, padding_ms;
	const char *output_dir, *continuous_format;
	/* --alloc */
	bool alloc;
	double alloc_sample_bytes, alloc_max_events;
} record_opts;

typedef struct target {
	pid_t pid;
	bool spawned, exited;
	int status;
	int64_t term_ns; /* when we sent SIGTERM, 0 = not sent */
	int go_fd, err_fd; /* spawned: release pipe, exec-error pipe */
} target;

/* The signal that asked record to stop (SIGINT, SIGTERM, SIGHUP), or 0. */
extern volatile sig_atomic_t rs_record_stop;

int64_t rs_now_ns(clockid_t c);
bool rs_target_alive(target *t);
/* Records the perf batch waiting in p. */
void rs_record_drain(rs_perf *p, rs_recorder *r);

/* The session of what r holds (its ring, in continuous mode) plus the
 * counters already in s: sample types, samples, metadata, rollups.
 * extra_more: more members for extra.record ("" for none); alloc: the
 * heap profile of record --alloc instead of CPU samples (NULL: none). */
void rs_record_session(rs_session *s, const record_opts *o, rs_recorder *r, const rs_perf *p,
		       const rs_procstat *ps, const target *t, int64_t start, int64_t end, int64_t offset,
		       const char *why, const char *extra_more, rs_alloc *alloc);

/* Sends SIGTERM to a command we started when we, not it, stopped first. */
void rs_record_stop_target(target *t, const char *why);
/* --continuous: --output-dir exists and takes files (checked at start). */
int rs_record_check_dir(const record_opts *o, rs_err *err);
/* --continuous, once the target runs: until it ends or a stop signal;
 * SIGUSR1 writes the window, SIGUSR2 clears it. */
int rs_record_continuous(const record_opts *o, rs_perf *p, rs_recorder *r, rs_procstat *ps, target *t,
			 int64_t mono0, int64_t offset, rs_err *err);

#endif
