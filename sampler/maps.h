/* Who mapped what where: the files (modules) seen in PERF_RECORD_MMAP2 or
 * /proc/PID/maps, and per process the address ranges they occupy, kept up to
 * date through mmap, fork and exec records so that short-lived processes and
 * late-loaded libraries resolve. Also reads a process's memory image from the
 * files themselves (for DWARF unwinding after the process is gone). */
#ifndef RS_SAMPLER_MAPS_H
#define RS_SAMPLER_MAPS_H

#include <libelf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct rs_seg {
	uint64_t offset, vaddr, filesz;
} rs_seg;

typedef struct rs_module {
	char *path;
	const char *base;   /* basename of path */
	bool kernel;        /* [kernel.kallsyms] */
	bool special;       /* [vdso], [heap], anonymous: no file to read */
	bool elf_tried, elf_ok;
	int fd;             /* for reading code and unwind tables; -1 until opened */
	rs_seg *segs;       /* PT_LOAD segments */
	size_t nsegs;
	uint16_t e_type;
	void *sym;          /* the symbolizer's state for this module */
	int32_t mapping;    /* session mapping index, -1 until used */
	uint64_t first_start, first_limit, first_pgoff;
} rs_module;

typedef struct rs_map {
	uint64_t start, end, pgoff;
	uint32_t module;
} rs_map;

typedef struct rs_proc {
	int pid;
	bool proc_read; /* /proc/PID/maps was consulted */
	rs_map *maps;   /* sorted by start, non-overlapping */
	size_t n, cap;
	uint32_t gen;   /* bumped when the maps change (unwinders cache per pid) */
} rs_proc;

typedef struct rs_maps {
	rs_module **mods;
	size_t nmods, mods_cap;
	rs_proc *procs;
	size_t nprocs, procs_cap;
	uint32_t kernel_module;
} rs_maps;

void rs_maps_init(rs_maps *m);
void rs_maps_free(rs_maps *m);
uint32_t rs_maps_module(rs_maps *m, const char *path);
rs_proc *rs_maps_proc(rs_maps *m, int pid); /* added when missing */
void rs_maps_mmap(rs_maps *m, int pid, uint64_t start, uint64_t len, uint64_t pgoff, const char *path);
void rs_maps_fork(rs_maps *m, int pid, int ppid);
void rs_maps_exec(rs_maps *m, int pid);
/* Reads /proc/PID/maps (attach, or a record we missed); false when gone. */
bool rs_maps_load_proc(rs_maps *m, int pid);
/* The map holding addr in pid; tries /proc/PID/maps once on a miss. */
const rs_map *rs_maps_find(rs_maps *m, int pid, uint64_t addr);

/* Loads the module's ELF program headers; false when it is no ELF file. */
bool rs_module_load(rs_module *mod);
/* File offset -> link-time virtual address (for symbolization). */
uint64_t rs_module_vaddr(const rs_module *mod, uint64_t file_offset);
/* The load bias of a map: runtime address - link-time address. */
uint64_t rs_map_bias(const rs_maps *m, const rs_map *map);
/* Whether the ELF file has a section of this name with contents. */
bool rs_elf_has_section(Elf *e, const char *name);
/* Reads n bytes at runtime address addr of pid from the mapped file. */
bool rs_maps_read(rs_maps *m, int pid, uint64_t addr, void *buf, size_t n);

#endif
