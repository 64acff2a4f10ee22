# rustscope — see README.md. `make check` is the test command CI runs.
CC      ?= cc
PREFIX  ?= /usr/local
BUILD   ?= build
PKGS     = yajl libprotobuf-c zlib libdw libelf libarchive libunwind-generic
WARN     = -Wall -Wextra -Werror -Wshadow -Wno-missing-field-initializers
CFLAGS  ?= -O2 -g
RS_CFLAGS = -std=c11 -D_GNU_SOURCE -pthread $(WARN) -I. -I$(BUILD)/gen $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
RS_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -liberty -lm -pthread
SAN       = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
VERSION  := $(shell cat VERSION 2>/dev/null || echo 0.0.0)

# CORE is everything but the command line; unit tests and fuzzers link it.
CORE_SRC = $(sort $(wildcard lib/*.c schema/*.c importers/*.c exporters/*.c sampler/*.c))
CLI_SRC  = $(sort $(wildcard convert/*.c))
LIB_SRC  = $(CORE_SRC) $(CLI_SRC)
GEN_SRC  = $(BUILD)/gen/profile.pb-c.c
GEN_HDR  = $(BUILD)/gen/profile.pb-c.h $(BUILD)/gen/fidelity-expected.inc
UNIT_SRC = $(sort $(wildcard tests/unit/*.c))

CORE_OBJ = $(patsubst %.c,$(BUILD)/obj/%.o,$(CORE_SRC)) $(BUILD)/obj/gen/profile.pb-c.o
CORE_ASAN= $(patsubst %.c,$(BUILD)/asan/%.o,$(CORE_SRC)) $(BUILD)/asan/gen/profile.pb-c.o
OBJ      = $(CORE_OBJ) $(patsubst %.c,$(BUILD)/obj/%.o,$(CLI_SRC))
ASAN_OBJ = $(CORE_ASAN) $(patsubst %.c,$(BUILD)/asan/%.o,$(CLI_SRC))
UNIT_BIN = $(patsubst tests/unit/%.c,$(BUILD)/unit/%,$(UNIT_SRC))
UNIT_ASAN= $(patsubst tests/unit/%.c,$(BUILD)/unit-asan/%,$(UNIT_SRC))

.PHONY: all deps interop-deps demo check test bench fuzz corpus install clean format lint
all: rustscope

deps:
	@build-aux/install-deps.sh

# The formats' own readers the interop tests drive (tests/interop/README.md).
interop-deps:
	@tests/interop/install.sh

$(BUILD)/gen/profile.pb-c.c $(BUILD)/gen/profile.pb-c.h: lib/profile.proto
	@mkdir -p $(BUILD)/gen
	protoc-c --c_out=$(BUILD)/gen --proto_path=lib lib/profile.proto

# The expected-loss table, embedded as a C string literal.
$(BUILD)/gen/fidelity-expected.inc: tests/fidelity-expected.tsv
	@mkdir -p $(BUILD)/gen
	sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/\t/\\t/g' -e 's/^/"/' -e 's/$$/\\n"/' $< > $@

$(BUILD)/obj/gen/%.o: $(BUILD)/gen/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(RS_CFLAGS) -Wno-shadow -c $< -o $@
$(BUILD)/asan/gen/%.o: $(BUILD)/gen/%.c
	@mkdir -p $(dir $@)
	$(CC) -O1 -g $(SAN) $(RS_CFLAGS) -Wno-shadow -c $< -o $@

$(BUILD)/obj/%.o: %.c $(GEN_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(RS_CFLAGS) -DRS_VERSION='"$(VERSION)"' -MMD -MP -c $< -o $@
$(BUILD)/asan/%.o: %.c $(GEN_HDR)
	@mkdir -p $(dir $@)
	$(CC) -O1 -g $(SAN) $(RS_CFLAGS) -DRS_VERSION='"$(VERSION)"' -MMD -MP -c $< -o $@

# The binary lives in $(BUILD) so that several build directories can coexist
# (make BUILD=build-x); ./rustscope links to the default one.
rustscope: $(BUILD)/rustscope $(BUILD)/librustscope_alloc.so
	@ln -sf $(BUILD)/rustscope rustscope
$(BUILD)/rustscope: $(OBJ)
	$(CC) $(CFLAGS) -o $@ $^ $(RS_LIBS)
# The allocation shim record --alloc preloads (preload/): no sanitizer (it
# runs inside other programs), its own symbols hidden but the allocator's.
SHIM_SRC = $(sort $(wildcard preload/*.c))
$(BUILD)/librustscope_alloc.so: $(SHIM_SRC) $(wildcard preload/*.h)
	$(CC) $(CFLAGS) -std=c11 -D_GNU_SOURCE $(WARN) -fPIC -shared -fvisibility=hidden \
	  -ftls-model=initial-exec -fno-omit-frame-pointer -o $@ $(SHIM_SRC) -ldl -lm -pthread
$(BUILD)/rustscope-asan: $(ASAN_OBJ)
	$(CC) $(SAN) -o $@ $^ $(RS_LIBS)

$(BUILD)/unit/%: tests/unit/%.c $(CORE_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(RS_CFLAGS) -o $@ $< $(CORE_OBJ) $(RS_LIBS)
$(BUILD)/unit-asan/%: tests/unit/%.c $(CORE_ASAN)
	@mkdir -p $(dir $@)
	$(CC) -O1 -g $(SAN) $(RS_CFLAGS) -o $@ $< $(CORE_ASAN) $(RS_LIBS)

# The whole suite: unit tests (plain and under ASan+UBSan), CLI tests run
# against the sanitizer build, interop tests with the formats' own readers.
# Without those readers (install failed) the interop tests skip, saying why.
check: deps
	@$(MAKE) -s --no-print-directory interop-deps || echo "make check: the interop tests will skip (tests/interop/install.sh failed)" >&2
	@$(MAKE) -s --no-print-directory -j2 rustscope $(BUILD)/rustscope-asan $(UNIT_BIN) $(UNIT_ASAN)
	@tests/matrix.sh
	@tests/run.sh

test: check

demo: deps
	@$(MAKE) --no-print-directory rustscope
	@build-aux/demo.sh

bench: deps
	@$(MAKE) --no-print-directory rustscope
	@tests/bench/run.sh

fuzz: deps
	@$(MAKE) -s --no-print-directory $(BUILD)/gen/profile.pb-c.h
	@tests/fuzz/run.sh

corpus: deps rustscope
	@corpus/regenerate.sh

install: $(BUILD)/rustscope $(BUILD)/librustscope_alloc.so
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/rustscope
	install -m 755 $(BUILD)/rustscope $(DESTDIR)$(PREFIX)/bin/rustscope
	install -d $(DESTDIR)$(PREFIX)/lib/rustscope
	install -m 644 $(BUILD)/librustscope_alloc.so $(DESTDIR)$(PREFIX)/lib/rustscope/
	install -m 644 schema/profile-session.v1.schema.json $(DESTDIR)$(PREFIX)/share/rustscope/

clean:
	rm -rf $(BUILD) rustscope

format:
	clang-format -i $(LIB_SRC) $(SHIM_SRC) $(UNIT_SRC) $(wildcard */*.h)

lint: $(GEN_HDR)
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability --std=c11 \
	  --suppress=missingIncludeSystem -I. -I$(BUILD)/gen $(LIB_SRC) $(SHIM_SRC)

-include $(shell find $(BUILD)/obj $(BUILD)/asan -name '*.d' 2>/dev/null)
