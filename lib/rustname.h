/* Rust symbol names: demangling (legacy `_ZN...17h<hash>E` and v0 `_R...`,
 * through libiberty) and the crate / module a function belongs to, derived
 * from its demangled path. One job: the importers call it per function name;
 * nothing here knows about sessions. */
#ifndef RS_RUSTNAME_H
#define RS_RUSTNAME_H

#include "strbuf.h"

#include <stdbool.h>

typedef struct rs_rustname {
	rs_strbuf buf; /* storage behind the pointers below; reused between calls */
	const char *name;   /* demangled name, or sym itself when not mangled */
	const char *crate;  /* "" when unknown */
	const char *module; /* path inside the crate, "a::b"; "" at the crate root */
	bool is_rust;       /* a Rust symbol (mangled, or a demangled Rust path) */
	bool was_mangled;   /* sym was a mangled Rust symbol; name is its demangling */
} rs_rustname;

/* Parses sym. hint_rust says the caller knows the code is Rust (e.g. the
 * file ends in .rs), so a plain `a::b::c` path is read as Rust even without
 * other evidence. Returns r->is_rust. The pointers stay valid until the next
 * call on r or rs_rust_name_free. */
bool rs_rust_name(rs_rustname *r, const char *sym, bool hint_rust);
void rs_rust_name_free(rs_rustname *r);

#endif
