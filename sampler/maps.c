/* Module and address-space tables (see maps.h). */
#include "maps.h"

#include "../lib/xalloc.h"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* mmap offsets are multiples of the page size (x86-64: 4 KiB) */
enum { RS_PAGE = 4096 };

void rs_maps_init(rs_maps *m)
{
	memset(m, 0, sizeof *m);
	m->kernel_module = rs_maps_module(m, "[kernel.kallsyms]");
	m->mods[m->kernel_module]->kernel = true;
}

void rs_maps_free(rs_maps *m)
{
	for (size_t i = 0; i < m->nmods; i++) {
		rs_module *mod = m->mods[i];
		if (mod->fd >= 0)
			close(mod->fd);
		free(mod->segs);
		free(mod->path);
		free(mod);
	}
	for (size_t i = 0; i < m->nprocs; i++)
		free(m->procs[i].maps);
	free(m->mods);
	free(m->procs);
}

uint32_t rs_maps_module(rs_maps *m, const char *path)
{
	/* Few distinct files per recording: a linear scan is cheap enough and
	 * only runs on mmap records, not per sample. */
	for (size_t i = 0; i < m->nmods; i++)
		if (strcmp(m->mods[i]->path, path) == 0)
			return (uint32_t)i;
	rs_module *mod = rs_xcalloc(1, sizeof *mod);
	mod->path = rs_xstrdup(path);
	const char *slash = strrchr(mod->path, '/');
	mod->base = slash ? slash + 1 : mod->path;
	mod->special = path[0] != '/';
	mod->fd = -1;
	mod->mapping = -1;
	RS_GROW(m->mods, m->mods_cap, m->nmods + 1);
	m->mods[m->nmods] = mod;
	return (uint32_t)m->nmods++;
}

rs_proc *rs_maps_proc(rs_maps *m, int pid)
{
	for (size_t i = m->nprocs; i-- > 0;)
		if (m->procs[i].pid == pid)
			return &m->procs[i];
	RS_GROW(m->procs, m->procs_cap, m->nprocs + 1);
	rs_proc *p = &m->procs[m->nprocs++];
	memset(p, 0, sizeof *p);
	p->pid = pid;
	return p;
}

/* Removes [start, end) from p's maps, splitting maps that straddle it. */
static void punch(rs_proc *p, uint64_t start, uint64_t end)
{
	for (size_t i = 0; i < p->n; i++) {
		rs_map *o = &p->maps[i];
		if (o->end <= start || o->start >= end)
			continue;
		if (o->start < start && o->end > end) { /* split in two */
			RS_GROW(p->maps, p->cap, p->n + 1);
			o = &p->maps[i];
			memmove(o + 1, o, (p->n - i) * sizeof *o);
			p->n++;
			o[1].pgoff += end - o[1].start;
			o[1].start = end;
			o[0].end = start;
			i++;
		} else if (o->start < start) {
			o->end = start;
		} else if (o->end > end) {
			o->pgoff += end - o->start;
			o->start = end;
		} else {
			memmove(o, o + 1, (p->n - i - 1) * sizeof *o);
			p->n--;
			i--;
		}
	}
}

static void insert_map(rs_proc *p, rs_map mp)
{
	punch(p, mp.start, mp.end);
	size_t i = p->n;
	while (i > 0 && p->maps[i - 1].start > mp.start)
		i--;
	RS_GROW(p->maps, p->cap, p->n + 1);
	memmove(p->maps + i + 1, p->maps + i, (p->n - i) * sizeof *p->maps);
	p->maps[i] = mp;
	p->n++;
	p->gen++;
}

void rs_maps_mmap(rs_maps *m, int pid, uint64_t start, uint64_t len, uint64_t pgoff, const char *path)
{
	if (len == 0 || start + len < start)
		return;
	uint32_t mi = rs_maps_module(m, path);
	rs_module *mod = m->mods[mi];
	if (!mod->first_limit) {
		mod->first_start = start;
		mod->first_limit = start + len;
		mod->first_pgoff = pgoff;
	}
	insert_map(rs_maps_proc(m, pid), (rs_map){start, start + len, pgoff, mi});
}

void rs_maps_fork(rs_maps *m, int pid, int ppid)
{
	if (pid == ppid)
		return;
	rs_proc *parent = rs_maps_proc(m, ppid);
	size_t n = parent->n;
	rs_map *copy = n ? rs_xmalloc(n * sizeof *copy) : NULL;
	if (n)
		memcpy(copy, parent->maps, n * sizeof *copy);
	bool read = parent->proc_read;
	rs_proc *child = rs_maps_proc(m, pid); /* may move parent */
	free(child->maps);
	child->maps = copy;
	child->n = child->cap = n;
	child->proc_read = read;
	child->gen++;
}

void rs_maps_exec(rs_maps *m, int pid)
{
	rs_proc *p = rs_maps_proc(m, pid);
	p->n = 0;
	p->proc_read = false;
	p->gen++;
}

bool rs_maps_load_proc(rs_maps *m, int pid)
{
	char path[64], line[4096 + 128];
	rs_maps_proc(m, pid)->proc_read = true;
	snprintf(path, sizeof path, "/proc/%d/maps", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	while (fgets(line, sizeof line, f)) {
		unsigned long long s, e, off;
		char perm[8];
		int name_at = 0;
		if (sscanf(line, "%llx-%llx %7s %llx %*s %*s %n", &s, &e, perm, &off, &name_at) < 4)
			continue;
		if (perm[2] != 'x' || !name_at)
			continue; /* only code can hold a sampled pc */
		char *name = line + name_at;
		name[strcspn(name, "\n")] = 0;
		if (!*name)
			name = "[anon]";
		rs_maps_mmap(m, pid, s, e - s, off, name);
	}
	fclose(f);
	return true;
}

const rs_map *rs_maps_find(rs_maps *m, int pid, uint64_t addr)
{
	for (int pass = 0; pass < 2; pass++) {
		rs_proc *p = rs_maps_proc(m, pid);
		size_t lo = 0, hi = p->n;
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;
			if (p->maps[mid].end <= addr)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < p->n && p->maps[lo].start <= addr)
			return &p->maps[lo];
		if (pass || p->proc_read || !rs_maps_load_proc(m, pid))
			break;
	}
	return NULL;
}

bool rs_elf_has_section(Elf *e, const char *name)
{
	size_t shstrndx;
	if (!e || elf_getshdrstrndx(e, &shstrndx))
		return false;
	for (Elf_Scn *scn = elf_nextscn(e, NULL); scn; scn = elf_nextscn(e, scn)) {
		GElf_Shdr sh;
		const char *n = gelf_getshdr(scn, &sh) ? elf_strptr(e, shstrndx, sh.sh_name) : NULL;
		if (n && sh.sh_type != SHT_NOBITS && !strcmp(n, name))
			return true;
	}
	return false;
}

bool rs_module_load(rs_module *mod)
{
	if (mod->elf_tried)
		return mod->elf_ok;
	mod->elf_tried = true;
	if (mod->special || mod->kernel)
		return false;
	int fd = open(mod->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	elf_version(EV_CURRENT);
	Elf *e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	GElf_Ehdr eh;
	size_t nph = 0;
	size_t cap = 0;
	if (e && gelf_getehdr(e, &eh) && elf_getphdrnum(e, &nph) == 0) {
		mod->e_type = eh.e_type;
		for (size_t i = 0; i < nph; i++) {
			GElf_Phdr ph;
			if (!gelf_getphdr(e, (int)i, &ph) || ph.p_type != PT_LOAD)
				continue;
			RS_GROW(mod->segs, cap, mod->nsegs + 1);
			mod->nsegs++;
			mod->segs[mod->nsegs - 1] = (rs_seg){ph.p_offset, ph.p_vaddr, ph.p_filesz};
		}
		mod->elf_ok = mod->nsegs > 0;
	}
	if (e)
		elf_end(e);
	if (mod->elf_ok)
		mod->fd = fd;
	else
		close(fd);
	return mod->elf_ok;
}

static const rs_seg *seg_of(const rs_module *mod, uint64_t off)
{
	for (size_t i = 0; i < mod->nsegs; i++)
		if (off >= mod->segs[i].offset && off < mod->segs[i].offset + mod->segs[i].filesz)
			return &mod->segs[i];
	return mod->nsegs ? &mod->segs[0] : NULL;
}

uint64_t rs_module_vaddr(const rs_module *mod, uint64_t off)
{
	const rs_seg *s = seg_of(mod, off);
	return s ? off - s->offset + s->vaddr : off;
}

/* The segment a map starts with. A map's offset is its segment's offset
 * rounded down to a page, and that page may also end the segment before
 * (lld puts the code segment at vaddr = offset + 0x1000, starting mid-page),
 * so the last segment whose rounded start covers the offset is the one. */
static const rs_seg *seg_mapped_at(const rs_module *mod, uint64_t pgoff)
{
	const rs_seg *found = NULL;
	for (size_t i = 0; i < mod->nsegs; i++) {
		const rs_seg *s = &mod->segs[i];
		uint64_t first_page = s->offset & ~(uint64_t)(RS_PAGE - 1);
		if (pgoff >= first_page && pgoff < s->offset + s->filesz)
			found = s;
	}
	return found ? found : seg_of(mod, pgoff);
}

uint64_t rs_map_bias(const rs_maps *m, const rs_map *map)
{
	const rs_module *mod = m->mods[map->module];
	const rs_seg *s = seg_mapped_at(mod, map->pgoff);
	if (!s)
		return map->start - map->pgoff;
	return map->start - map->pgoff - (s->vaddr - s->offset);
}

/* Reads from the module through its program headers: unwind tables live in
 * segments that are mapped but not executable, so no record announced them. */
static bool read_vaddr(rs_module *mod, uint64_t vaddr, void *buf, size_t n)
{
	for (size_t i = 0; i < mod->nsegs; i++) {
		const rs_seg *s = &mod->segs[i];
		if (vaddr >= s->vaddr && vaddr + n <= s->vaddr + s->filesz)
			return pread(mod->fd, buf, n, (off_t)(vaddr - s->vaddr + s->offset)) == (ssize_t)n;
	}
	return false;
}

bool rs_maps_read(rs_maps *m, int pid, uint64_t addr, void *buf, size_t n)
{
	const rs_map *map = rs_maps_find(m, pid, addr);
	if (map && addr + n <= map->end) {
		rs_module *mod = m->mods[map->module];
		return rs_module_load(mod) &&
		       pread(mod->fd, buf, n, (off_t)(addr - map->start + map->pgoff)) == (ssize_t)n;
	}
	rs_proc *p = rs_maps_proc(m, pid);
	for (size_t i = 0; i < p->n; i++) {
		rs_module *mod = m->mods[p->maps[i].module];
		uint64_t bias = rs_map_bias(m, &p->maps[i]);
		if (addr >= bias && rs_module_load(mod) && read_vaddr(mod, addr - bias, buf, n))
			return true;
	}
	return false;
}
