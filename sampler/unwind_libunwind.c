/* libunwind back end of the unwinder: a remote address space whose
 * accessors read the sample's registers and stack copy, and find unwind
 * info through the .eh_frame_hdr binary-search table of the mapped file. */
#include "unwind.h"

#include "../lib/xalloc.h"

#include <gelf.h>
#include <libelf.h>
#include <libunwind.h>
#include <stdlib.h>
#include <string.h>

extern int UNW_OBJ(dwarf_search_unwind_table)(unw_addr_space_t as, unw_word_t ip,
					      unw_dyn_info_t *di, unw_proc_info_t *pi,
					      int need_unwind_info, void *arg);

typedef struct unw_unwinder {
	rs_unwinder base;
	unw_addr_space_t as;
	const rs_unwind_in *cur;
} unw_unwinder;

/* Where a module's .eh_frame_hdr is (link-time address), from
 * PT_GNU_EH_FRAME; cached in the module is not possible (the symbolizer owns
 * mod->sym), so a small cache by path pointer here. */
typedef struct ehhdr {
	const rs_module *mod;
	uint64_t vaddr, size;
} ehhdr;
static ehhdr *eh_cache;
static size_t neh, eh_cap;

static bool find_eh_frame_hdr(rs_module *mod, uint64_t *vaddr)
{
	for (size_t i = 0; i < neh; i++)
		if (eh_cache[i].mod == mod) {
			*vaddr = eh_cache[i].vaddr;
			return eh_cache[i].size != 0;
		}
	ehhdr h = {mod, 0, 0};
	Elf *e = elf_begin(mod->fd, ELF_C_READ_MMAP, NULL);
	size_t nph = 0;
	if (e && elf_getphdrnum(e, &nph) == 0)
		for (size_t i = 0; i < nph; i++) {
			GElf_Phdr ph;
			if (gelf_getphdr(e, (int)i, &ph) && ph.p_type == PT_GNU_EH_FRAME) {
				h.vaddr = ph.p_vaddr;
				h.size = ph.p_memsz;
			}
		}
	if (e)
		elf_end(e);
	RS_GROW(eh_cache, eh_cap, neh + 1);
	eh_cache[neh++] = h;
	*vaddr = h.vaddr;
	return h.size != 0;
}

static int find_proc_info(unw_addr_space_t as, unw_word_t ip, unw_proc_info_t *pi,
			  int need_unwind_info, void *arg)
{
	const rs_unwind_in *in = ((unw_unwinder *)arg)->cur;
	const rs_map *map = rs_maps_find(in->maps, in->pid, ip);
	if (!map)
		return -UNW_ENOINFO;
	rs_module *mod = in->maps->mods[map->module];
	uint64_t hdr_vaddr;
	if (!rs_module_load(mod) || !find_eh_frame_hdr(mod, &hdr_vaddr))
		return -UNW_ENOINFO;
	uint64_t bias = rs_map_bias(in->maps, map);
	uint64_t hdr = hdr_vaddr + bias;
	/* header: version, eh_frame_ptr_enc, fde_count_enc, table_enc, then
	 * eh_frame_ptr and fde_count as 4-byte values (the encodings every
	 * toolchain emits: pcrel|sdata4, udata4, datarel|sdata4). */
	unsigned char h[12];
	if (!rs_maps_read(in->maps, in->pid, hdr, h, sizeof h) || h[0] != 1 || h[3] != 0x3b ||
	    (h[2] & 0x0f) != 0x03)
		return -UNW_ENOINFO;
	uint32_t fde_count;
	memcpy(&fde_count, h + 8, 4);
	unw_dyn_info_t di = {0};
	di.format = UNW_INFO_FORMAT_REMOTE_TABLE;
	di.start_ip = map->start;
	di.end_ip = map->end;
	di.u.rti.segbase = hdr;
	di.u.rti.table_data = hdr + 12;
	di.u.rti.table_len = fde_count * 8 / sizeof(unw_word_t);
	return UNW_OBJ(dwarf_search_unwind_table)(as, ip, &di, pi, need_unwind_info, arg);
}

static void put_unwind_info(unw_addr_space_t as, unw_proc_info_t *pi, void *arg)
{
	(void)as, (void)pi, (void)arg;
}

static int get_dyn_info_list_addr(unw_addr_space_t as, unw_word_t *dil, void *arg)
{
	(void)as, (void)dil, (void)arg;
	return -UNW_ENOINFO;
}

static int access_mem(unw_addr_space_t as, unw_word_t addr, unw_word_t *val, int write, void *arg)
{
	(void)as;
	const rs_unwind_in *in = ((unw_unwinder *)arg)->cur;
	uint64_t w;
	if (write || !rs_unwind_read(in, addr, &w))
		return -UNW_EINVAL;
	*val = w;
	return 0;
}

static int perf_reg(unw_regnum_t r)
{
	static const int map[17] = {RS_REG_AX, RS_REG_DX, RS_REG_CX, RS_REG_BX, RS_REG_SI,
				    RS_REG_DI, RS_REG_BP, RS_REG_SP, 16, 17, 18, 19, 20, 21,
				    22, 23, RS_REG_IP};
	return r >= 0 && r < 17 ? map[r] : -1;
}

static int access_reg(unw_addr_space_t as, unw_regnum_t r, unw_word_t *val, int write, void *arg)
{
	(void)as;
	const rs_unwind_in *in = ((unw_unwinder *)arg)->cur;
	int p = perf_reg(r);
	if (write || p < 0)
		return -UNW_EBADREG;
	*val = in->regs[p];
	return 0;
}

static int access_fpreg(unw_addr_space_t as, unw_regnum_t r, unw_fpreg_t *v, int w, void *arg)
{
	(void)as, (void)r, (void)v, (void)w, (void)arg;
	return -UNW_EINVAL;
}

static int resume(unw_addr_space_t as, unw_cursor_t *c, void *arg)
{
	(void)as, (void)c, (void)arg;
	return -UNW_EINVAL;
}

static int get_proc_name(unw_addr_space_t as, unw_word_t a, char *b, size_t n, unw_word_t *off, void *arg)
{
	(void)as, (void)a, (void)b, (void)n, (void)off, (void)arg;
	return -UNW_EINVAL;
}

static unw_accessors_t accessors = {
	.find_proc_info = find_proc_info,
	.put_unwind_info = put_unwind_info,
	.get_dyn_info_list_addr = get_dyn_info_list_addr,
	.access_mem = access_mem,
	.access_reg = access_reg,
	.access_fpreg = access_fpreg,
	.resume = resume,
	.get_proc_name = get_proc_name,
};

static size_t unw_unwind(rs_unwinder *base, const rs_unwind_in *in, uint64_t *pcs, size_t max,
			 rs_unwind_how *how)
{
	unw_unwinder *u = (unw_unwinder *)base;
	u->cur = in;
	size_t n = 0;
	unw_cursor_t c;
	*how = RS_UNWOUND_TRUNCATED;
	if (max && unw_init_remote(&c, u->as, u) == 0) {
		while (n < max) {
			unw_word_t ip;
			if (unw_get_reg(&c, UNW_REG_IP, &ip) < 0 || ip == 0)
				break;
			pcs[n++] = ip;
			int step = unw_step(&c);
			if (step == 0) /* the outermost frame */
				*how = RS_UNWOUND_CFI;
			if (step <= 0)
				break;
		}
	}
	if (n == 0 && max)
		pcs[n++] = in->regs[RS_REG_IP];
	return n;
}

static void unw_free(rs_unwinder *base)
{
	unw_unwinder *u = (unw_unwinder *)base;
	unw_destroy_addr_space(u->as);
	free(u);
	free(eh_cache);
	eh_cache = NULL;
	neh = eh_cap = 0;
}

rs_unwinder *rs_unwind_libunwind_new(void)
{
	unw_unwinder *u = rs_xcalloc(1, sizeof *u);
	u->base = (rs_unwinder){"libunwind", unw_unwind, unw_free};
	u->as = unw_create_addr_space(&accessors, 0);
	/* no caching: maps differ between processes that share addresses */
	unw_set_caching_policy(u->as, UNW_CACHE_NONE);
	return &u->base;
}
