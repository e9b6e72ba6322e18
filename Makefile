# foobar: the README's contract. `make run` and `make test` work on a fresh Debian 12 as root.
SHELL := /bin/bash
JOBS  ?= $(shell nproc)
export CCACHE_BASEDIR := $(CURDIR)

.PHONY: all deps build build-asan test test-unit test-asan test-package fuzz run bench deb clean

all: build

deps:
	@bash scripts/install-deps.sh

build: deps
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS)

build-asan: deps
	@cmake --preset asan >/dev/null
	@cmake --build --preset asan -j $(JOBS) --target unit_tests

# Everything: unit + integration tests (release), unit tests under ASan+UBSan, a bounded fuzz run.
test: build build-asan
	@ctest --preset release -j $(JOBS) -LE package
	@ctest --preset asan -j $(JOBS)
	@bash scripts/fuzz.sh 60

# The Debian package installed into a clean bookworm root (debootstrap: minutes; CI runs it after `make test`).
test-package: build
	@ctest --preset release -L package

test-unit: build
	@ctest --preset release -L unit -j $(JOBS)

fuzz: deps
	@bash scripts/fuzz.sh $(or $(SECONDS),60)

run: build
	@bash scripts/run.sh

bench: build
	@bash bench/run.sh

# A Debian package (build/deb/foobar_VERSION_ARCH.deb); docs/deploy.md installs it.
deb: build
	@bash scripts/deb.sh

clean:
	rm -rf build
