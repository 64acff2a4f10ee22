/* Unit test of lib/rustname.c: demangling and crate / module derivation.
 * Prints PASS / FAIL lines (tests/run.sh counts them). */
#include "lib/rustname.h"

#include <stdio.h>
#include <string.h>

static int failures;

static void expect(const char *label, const char *sym, bool hint, bool is_rust, const char *name,
		   const char *crate, const char *module)
{
	rs_rustname r = {0};
	bool got = rs_rust_name(&r, sym, hint);
	const char *why = NULL;
	if (got != is_rust)
		why = is_rust ? "not recognised as Rust" : "wrongly recognised as Rust";
	else if (name && strcmp(r.name, name))
		why = "name";
	else if (strcmp(r.crate, crate))
		why = "crate";
	else if (strcmp(r.module, module))
		why = "module";
	if (why) {
		printf("FAIL: rustname %s: %s (name '%s' crate '%s' module '%s')\n", label, why, r.name,
		       r.crate, r.module);
		failures++;
	} else {
		printf("PASS: rustname %s\n", label);
	}
	rs_rust_name_free(&r);
}

int main(void)
{
	/* mangled, legacy */
	expect("legacy closure in generic",
	       "_ZN4core3ptr85drop_in_place$LT$std..rt..lang_start$LT$$LP$$RP$$GT$..$u7b$$u7b$closure"
	       "$u7d$$u7d$$GT$17h0123456789abcdefE",
	       false, true, "core::ptr::drop_in_place<std::rt::lang_start<()>::{{closure}}>", "core",
	       "ptr");
	expect("legacy llvm suffix", "_ZN7mycrate6parser3foo17h0123456789abcdefE.llvm.12345", false,
	       true, "mycrate::parser::foo", "mycrate", "parser");
	expect("c++ is not rust", "_ZN3foo3barEv", false, false, "_ZN3foo3barEv", "", "");
	/* mangled, v0 */
	expect("v0 fn at crate root", "_RNvCs15kBYyAo9fc_7mycrate4main", false, true, "mycrate::main",
	       "mycrate", "");
	expect("v0 closure", "_RNCNvNtCs15kBYyAo9fc_7mycrate6worker3run0B5_", false, true,
	       "mycrate::worker::run::{closure#0}", "mycrate", "worker");
	expect("v0 turbofish", "_RINvNtCs1234_4core3ptr13drop_in_placeINtNtCs1234_5alloc3vec3VechEEB4_",
	       false, true, "core::ptr::drop_in_place::<alloc::vec::Vec<u8>>", "core", "ptr");
	expect("v0 inherent impl", "_RNvMNtCs15kBYyAo9fc_7mycrate6parserNtB2_5Lexer4next", false, true,
	       "<mycrate::parser::Lexer>::next", "mycrate", "parser");
	expect("v0 trait impl",
	       "_RNvXs_NtCs15kBYyAo9fc_7mycrate6parserNtB4_5LexerNtNtCs1234_4core3fmt5Debug3fmt", false,
	       true, "<mycrate::parser::Lexer as core::fmt::Debug>::fmt", "mycrate", "parser");
	/* already demangled */
	expect("demangled with hash", "serde_json::de::Deserializer<R>::parse_value::h0123456789abcdef",
	       false, true, NULL, "serde_json", "de");
	expect("legacy impl block", "mycrate::a::b::<impl mycrate::a::b::Foo>::new::{{closure}}", false,
	       true, NULL, "mycrate", "a::b");
	expect("impl trait for type", "<impl core::fmt::Display for mycrate::net::Addr>::fmt", false,
	       true, NULL, "mycrate", "net");
	expect("slice self type", "<[T] as core::fmt::Debug>::fmt::{{closure}}", false, true, NULL,
	       "core", "fmt");
	expect("reference self type", "<&mut mycrate::io::Reader as std::io::Read>::read", false, true,
	       NULL, "mycrate", "io");
	expect("std generic method", "std::thread::local::LocalKey<T>::with", false, true, NULL, "std",
	       "thread::local");
	expect("fn pointer generic", "core::ops::function::FnOnce::call_once<fn() -> u32, ()>", false,
	       true, NULL, "core", "ops::function");
	expect("hint: plain path in .rs file", "mycrate::worker::run", true, true, NULL, "mycrate",
	       "worker");
	expect("no hint: plain path is not rust", "mycrate::worker::run", false, false, NULL, "", "");
	expect("c++ std with params", "std::vector<int>::push_back(int const&)", false, false, NULL, "",
	       "");
	expect("go name", "runtime.mallocgc", false, false, "runtime.mallocgc", "", "");
	expect("c name", "memcpy", false, false, "memcpy", "", "");
	expect("empty", "", false, false, "", "", "");
	expect("not a valid v0", "_Rubbish", false, false, "_Rubbish", "", "");
	return failures ? 1 : 0;
}
