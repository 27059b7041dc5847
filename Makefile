# lakelink: the two commands a new machine needs are `make demo` and `make test`.
GO ?= go
PKGS := ./...

.PHONY: all build demo test test-arm64 test-short bench lint fmt clean emulators emulators-install emulators-stop

all: build

build:
	$(GO) build $(PKGS)
	$(GO) build -o bin/lakelink ./cmd/lakelink

# The main job: generate documents Parquet, import it into an embedded store
# with a Beam pipeline on the direct runner, and query it.
demo:
	$(GO) run ./examples/pipelines/quickstart

# Unit, integration and end-to-end tests: real Parquet files, real Badger
# stores, real pipelines on the direct runner and on Prism. lint compiles
# everything first, and `go mod download` fetches every module of go.mod
# (also those only other platforms build, which the layer test's go list
# still resolves); the tests then run offline in a private network
# namespace (scripts/in-private-netns).
# test-peers installs scikit-learn for the FastRP quality test;
# test-arm64 runs vectorops' tests (the NEON kernels) as an arm64 program
# under qemu user emulation.
test: lint
	$(GO) mod download
	scripts/test-peers
	GOPROXY=off GOFLAGS=-mod=readonly scripts/in-private-netns $(GO) test -count=1 -timeout 30m $(PKGS)
	GOPROXY=off GOFLAGS=-mod=readonly scripts/test-arm64

test-arm64:
	scripts/test-arm64

test-short:
	$(GO) test -short -count=1 $(PKGS)

# Benchmarks print figures as ratios against a limit measured in the same run.
bench:
	scripts/bench-peers
	$(GO) test -run '^$$' -bench . -benchtime 1x -timeout 60m ./bench/

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)

# Local object-store servers (127.0.0.1 only): tests start their own; these
# are for trying lakelink by hand. `make emulators` prints the environment.
emulators-install:
	scripts/emulators install

emulators:
	scripts/emulators start

emulators-stop:
	scripts/emulators stop

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf bin lakelink-data
