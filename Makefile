# firstline — build, test, demo and benchmark entry points.
#
#   make / make build   install missing Debian packages, build the web UI (when
#                       web/package.json exists) and build/firstline
#   make test           build, then run every test suite (scripts/run-tests.sh)
#   make demo           build, then serve a generated demo community
#                       (override SCALE, PORT, DATA: make demo SCALE=street PORT=9000)
#   make bench          build the benchmarks and print their tables (scripts/run-bench.sh)
#   make format         clang-format the C++ sources in place (uses .clang-format)
#   make clean          remove the build tree and the built web UI

SHELL := /bin/bash
.DEFAULT_GOAL := build

BUILD_DIR  ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)

SCALE ?= community
PORT  ?= 8080
DATA  ?= data/demo
ADMIN_PASSWORD ?=

export BUILD_DIR

CMAKE_CONFIGURE = cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)

.PHONY: all build deps web test demo bench format clean

all: build

deps:
	scripts/install-deps.sh

# The web UI, built only once web/package.json exists. Dependencies are
# reinstalled only when the lock file is newer than the last install.
web: deps
	@if [ -f web/package.json ]; then \
	  set -e; cd web; \
	  if [ ! -d node_modules ] || [ package.json -nt node_modules/.package-lock.json ] || \
	     { [ -f package-lock.json ] && [ package-lock.json -nt node_modules/.package-lock.json ]; }; then \
	    if [ -f package-lock.json ]; then npm ci; else npm install; fi; \
	  fi; \
	  npm run build --if-present; \
	fi

build: deps web
	$(CMAKE_CONFIGURE) -DFIRSTLINE_BENCH=OFF
	cmake --build $(BUILD_DIR) -j$(JOBS)

test: build
	scripts/run-tests.sh

demo: build
	@mkdir -p "$(dir $(DATA))"
	$(BUILD_DIR)/firstline demo --scale $(SCALE) --port $(PORT) --data $(DATA) $(if $(ADMIN_PASSWORD),--admin-password $(ADMIN_PASSWORD))

bench: deps web
	$(CMAKE_CONFIGURE) -DFIRSTLINE_BENCH=ON
	cmake --build $(BUILD_DIR) -j$(JOBS) --target firstline bench_registry bench_scans bench_tracing bench_levels
	scripts/run-bench.sh

# Formats only where a .clang-format file applies (fallback style none), so a
# missing config never rewrites the tree in someone else's style.
format:
	@files=$$(find $(wildcard src tests bench) -type f \( -name '*.cpp' -o -name '*.hpp' -o -name '*.h' \) 2>/dev/null); \
	if [ -n "$$files" ]; then clang-format -i --style=file --fallback-style=none $$files; fi

clean:
	rm -rf $(BUILD_DIR) web/dist
