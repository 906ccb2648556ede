# zcio - one non-recursive Makefile for libzcio, the zcio program and tests.
#
#   make            build libzcio (static + shared) and build/zcio
#   make run        the main job on a built-in default
#   make test       build and run the whole suite ("N passed, N failed")
#   make asan       the suite again under ASan + UBSan (in build-asan/)
#   make fuzz       the libFuzzer targets build/fuzz/http-request and
#                   build/fuzz/kafka-request (clang)
#   make install    PREFIX=/usr/local DESTDIR= (headers, libs, zcio.pc,
#                   the binary and the man pages)
#   make clean
# Options: CC=clang, WERROR=1, V=1, NODEPS=1 (skip scripts/install-deps).

PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCDIR ?= $(PREFIX)/include
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
PKGDIR ?= $(LIBDIR)/pkgconfig

VERSION := $(shell sed -n 's/^\#define ZC_VERSION_STRING "\(.*\)"/\1/p' include/zcio/version.h)
SOMAJOR := 0

B ?= build
CC ?= cc
OPT ?= -O2
CFLAGS ?= $(OPT) -g
ZC_CFLAGS := -std=gnu11 -Wall -Wextra -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -D_GNU_SOURCE -Iinclude -I$(B) -MMD -MP
ifeq ($(WERROR),1)
ZC_CFLAGS += -Werror
endif
ifeq ($(SAN),1)
CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif

URING_LIBS := $(shell pkg-config --libs liburing 2>/dev/null || echo -luring)
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null || echo -lcmocka)

ifneq ($(V),1)
Q := @
quiet = @printf '  %-6s %s\n' $(1) $(2);
endif

LIB_SRC := $(wildcard lib/*.c)
LIB_OBJ := $(LIB_SRC:%.c=$(B)/%.o)
# The program: every module under src/ (cli, engine, http, bench, ...) goes
# into an internal archive that the tests link too; main.c only into zcio.
APP_MAIN := src/cli/main.c
APP_SRC := $(filter-out $(APP_MAIN),$(wildcard src/*/*.c))
APP_OBJ := $(APP_SRC:%.c=$(B)/%.o)
APP_LIB := $(B)/libzcio-app.a
TEST_SRC := $(filter-out tests/helpers.c,$(wildcard tests/*.c))
TEST_BIN := $(TEST_SRC:tests/%.c=$(B)/tests/%)
TEST_HELPERS := $(B)/tests/helpers.o

STATIC := $(B)/libzcio.a
SHARED := $(B)/libzcio.so.$(VERSION)
ZCIO := $(B)/zcio

.PHONY: all deps run test asan install uninstall clean check-exports fuzz
# Keep test objects between runs (make would delete them as intermediates).
.SECONDARY:
all: deps $(STATIC) $(SHARED) $(ZCIO) $(B)/zcio.pc

# Installs missing Debian packages (or names them and stops).
deps:
ifneq ($(NODEPS),1)
	$(Q)scripts/install-deps
endif

$(B)/config.h: mk/probe.sh
	$(Q)mkdir -p $(B)
	$(Q)CC="$(CC)" sh mk/probe.sh > $@.tmp && mv $@.tmp $@

$(B)/lib/%.o: lib/%.c $(B)/config.h
	$(call quiet,CC,$<)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(ZC_CFLAGS) -fPIC -fvisibility=hidden -c $< -o $@

$(B)/src/%.o: src/%.c $(B)/config.h
	$(call quiet,CC,$<)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(ZC_CFLAGS) -Isrc -c $< -o $@

$(STATIC): $(LIB_OBJ)
	$(call quiet,AR,$@)rm -f $@ && $(AR) rcs $@ $^

$(SHARED): $(LIB_OBJ)
	$(call quiet,LD,$@)$(CC) -shared -Wl,-soname,libzcio.so.$(SOMAJOR) \
		$(LDFLAGS) -o $@ $^ $(URING_LIBS) -lpthread
	$(Q)ln -sf libzcio.so.$(VERSION) $(B)/libzcio.so.$(SOMAJOR)
	$(Q)ln -sf libzcio.so.$(SOMAJOR) $(B)/libzcio.so

$(APP_LIB): $(APP_OBJ)
	$(call quiet,AR,$@)rm -f $@ && $(AR) rcs $@ $^

$(ZCIO): $(B)/$(APP_MAIN:.c=.o) $(APP_LIB) $(STATIC)
	$(call quiet,LD,$@)$(CC) $(LDFLAGS) -o $@ $< $(APP_LIB) $(STATIC) \
		$(URING_LIBS) -lpthread -lm

$(B)/zcio.pc: mk/zcio.pc.in include/zcio/version.h
	$(Q)sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
		-e 's|@INCDIR@|$(INCDIR)|' -e 's|@VERSION@|$(VERSION)|' $< > $@

$(B)/tests/%.o: tests/%.c $(B)/config.h
	$(call quiet,CC,$<)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(ZC_CFLAGS) -Wno-missing-prototypes -Ilib -Isrc \
		-c $< -o $@

$(B)/tests/%: $(B)/tests/%.o $(TEST_HELPERS) $(APP_LIB) $(STATIC)
	$(call quiet,LD,$@)$(CC) $(LDFLAGS) -o $@ $< $(TEST_HELPERS) \
		$(APP_LIB) $(STATIC) $(CMOCKA_LIBS) $(URING_LIBS) -lpthread -lm

# The broker's integration tests (tests/broker-*.c) embed a small
# librdkafka client, so they link librdkafka too (Debian librdkafka-dev).
RDKAFKA_LIBS := $(shell pkg-config --libs rdkafka 2>/dev/null || echo -lrdkafka)

$(B)/tests/broker-%: $(B)/tests/broker-%.o $(TEST_HELPERS) $(APP_LIB) $(STATIC)
	$(call quiet,LD,$@)$(CC) $(LDFLAGS) -o $@ $< $(TEST_HELPERS) \
		$(APP_LIB) $(STATIC) $(RDKAFKA_LIBS) $(CMOCKA_LIBS) \
		$(URING_LIBS) -lpthread -lm

# libFuzzer target for the HTTP protocol code (tests/fuzz/, docs/http.md).
# clang only; built from the pure src/http files alone, which need nothing
# else of the program. `make test` builds it when it can, and
# tests/http-fuzz-run runs it for ZC_FUZZ_SECONDS (default 20).
FUZZ_CC ?= clang
FUZZ_HTTP_SRC := $(addprefix src/http/,lex.c out.c parse.c parse_fields.c \
	body.c path.c range.c multipart.c etag.c cond.c date.c mime.c \
	mime_table.c status.c resp.c html.c)
FUZZ_HTTP_HDR := $(addprefix src/http/,http.h parse.h path.h range.h \
	cond.h date.h mime.h resp.h lex.h out.h parse_int.h mime_int.h)
FUZZ_BIN := $(B)/fuzz/http-request
# The Kafka codec (docs/kafka.md): its pure src/kafka files, plus libzcio's
# sources for the chains that Fetch responses are built into.
FUZZ_KAFKA_SRC := $(addprefix src/kafka/,proto.c proto_api.c proto_meta.c \
	proto_produce.c proto_fetch.c proto_fetch_resp.c proto_offsets.c \
	wire.c err.c crc32c.c batch.c proto_coord.c proto_commit.c \
	proto_admin.c proto_producer.c producer_state.c producer_snap.c \
	proto_group.c)
FUZZ_KAFKA_HDR := $(addprefix src/kafka/,proto.h proto_int.h wire.h err.h \
	crc32c.h batch.h proto_coord.h proto_commit.h proto_admin.h \
	proto_producer.h producer_state.h proto_group.h) \
	tests/fuzz/kafka-client.h \
	tests/fuzz/kafka-client-commit.h tests/fuzz/kafka-client-group.h
FUZZ_KAFKA_BIN := $(B)/fuzz/kafka-request

fuzz: $(FUZZ_BIN) $(FUZZ_KAFKA_BIN)

$(FUZZ_BIN): tests/fuzz/http-request.c $(FUZZ_HTTP_SRC) $(FUZZ_HTTP_HDR)
	$(call quiet,FUZZ,$@)mkdir -p $(@D)
	$(Q)$(FUZZ_CC) -g -O1 -std=gnu11 -D_GNU_SOURCE -Iinclude -Isrc \
		-fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=undefined -o $@ $< $(FUZZ_HTTP_SRC)

$(FUZZ_KAFKA_BIN): tests/fuzz/kafka-request.c $(FUZZ_KAFKA_SRC) \
		$(FUZZ_KAFKA_HDR) $(LIB_SRC) $(B)/config.h
	$(call quiet,FUZZ,$@)mkdir -p $(@D)
	$(Q)$(FUZZ_CC) -g -O1 -std=gnu11 -D_GNU_SOURCE -Iinclude -Isrc -Ilib \
		-I$(B) -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=undefined -o $@ $< $(FUZZ_KAFKA_SRC) \
		$(LIB_SRC) $(URING_LIBS) -lpthread -lm

# Only zc_ symbols may leave the shared library.
check-exports: $(SHARED)
	$(Q)bad=$$(nm -D --defined-only $(SHARED) | awk '$$2 ~ /[TDBRW]/ {print $$3}' \
		| grep -v '^zc_' || true); \
	if [ -n "$$bad" ]; then echo "exported non-zc_ symbols: $$bad"; exit 1; fi

run: all
	$(Q)scripts/run-serve.sh $(ZCIO)

test: all $(TEST_BIN) check-exports
	$(Q)$(MAKE) --no-print-directory fuzz 2>/dev/null || \
		echo "  (no libFuzzer build with $(FUZZ_CC): http-fuzz-run skips)"
	$(Q)ZCIO_BIN=$(abspath $(ZCIO)) ZC_FUZZ_BIN=$(abspath $(FUZZ_BIN)) \
		tests/run.sh $(B)/tests

asan:
	$(Q)$(MAKE) --no-print-directory B=build-asan SAN=1 test

install: all
	install -d $(DESTDIR)$(INCDIR)/zcio $(DESTDIR)$(LIBDIR) \
		$(DESTDIR)$(PKGDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(MANDIR)/man3
	install -m 644 include/zcio.h $(DESTDIR)$(INCDIR)/
	install -m 644 include/zcio/*.h $(DESTDIR)$(INCDIR)/zcio/
	install -m 644 $(STATIC) $(DESTDIR)$(LIBDIR)/
	install -m 755 $(SHARED) $(DESTDIR)$(LIBDIR)/
	ln -sf libzcio.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libzcio.so.$(SOMAJOR)
	ln -sf libzcio.so.$(SOMAJOR) $(DESTDIR)$(LIBDIR)/libzcio.so
	install -m 644 $(B)/zcio.pc $(DESTDIR)$(PKGDIR)/
	install -m 755 $(ZCIO) $(DESTDIR)$(BINDIR)/
	install -m 644 docs/man/*.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 644 docs/man/*.3 $(DESTDIR)$(MANDIR)/man3/

uninstall:
	rm -rf $(DESTDIR)$(INCDIR)/zcio $(DESTDIR)$(INCDIR)/zcio.h
	rm -f $(DESTDIR)$(LIBDIR)/libzcio.* $(DESTDIR)$(PKGDIR)/zcio.pc
	rm -f $(DESTDIR)$(BINDIR)/zcio
	cd docs/man && for f in *.1; do rm -f $(DESTDIR)$(MANDIR)/man1/$$f; done
	cd docs/man && for f in *.3; do rm -f $(DESTDIR)$(MANDIR)/man3/$$f; done

clean:
	rm -rf build build-asan

-include $(LIB_OBJ:.o=.d) $(APP_OBJ:.o=.d) $(B)/$(APP_MAIN:.c=.d) \
	$(TEST_BIN:%=%.d)
