# Switchboard — the two commands: `make run` and `make test`.
GO        ?= go
PKG       := ./cmd/switchboard
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
DIST      ?= dist
LDFLAGS   := -s -w -X main.version=$(VERSION)
STATIC    := -tags 'osusergo netgo sqlite_omit_load_extension' -ldflags '$(LDFLAGS) -extldflags "-static"'
# Debian packages the test suite talks to (real peers at protocol boundaries).
PEERS     := baresip-core sip-tester sox espeak-ng dovecot-imapd postfix chromium \
             qemu-user-static gcc-aarch64-linux-gnu libc6-dev-arm64-cross \
             gcc-arm-linux-gnueabihf libc6-dev-armhf-cross file iproute2 procps

.PHONY: run build test peers static release bench fuzz clean

## run: build and start the appliance with the demo setup, data in ./data
run: build
	./bin/switchboard --data ./data serve --demo --http 127.0.0.1:8080

## build: the switchboard binary in ./bin
build:
	$(GO) build -ldflags '$(LDFLAGS)' -o bin/switchboard $(PKG)

## test: install missing test peers (as root), then run the whole suite with peers required
test: peers
	SWITCHBOARD_REQUIRE_PEERS=1 $(GO) test -race -count=1 -timeout 30m ./...

## peers: install the Debian packages the tests need, when root and missing
peers:
	@if [ "$$(id -u)" = 0 ]; then \
	  missing=$$(for p in $(PEERS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	  if [ -n "$$missing" ]; then \
	    echo "installing test peers: $$missing"; \
	    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
	  fi; \
	else echo "not root: test peers are not installed automatically"; fi

## static: a fully static linux binary for this machine at $(DIST)/switchboard
static:
	CGO_ENABLED=1 $(GO) build $(STATIC) -o $(DIST)/switchboard $(PKG)
	file $(DIST)/switchboard

## release: static binaries for amd64, arm64 and armv7 with Debian's cross compilers
release:
	CGO_ENABLED=1 GOOS=linux GOARCH=amd64 CC=gcc $(GO) build $(STATIC) -o $(DIST)/switchboard-linux-amd64 $(PKG)
	CGO_ENABLED=1 GOOS=linux GOARCH=arm64 CC=aarch64-linux-gnu-gcc $(GO) build $(STATIC) -o $(DIST)/switchboard-linux-arm64 $(PKG)
	CGO_ENABLED=1 GOOS=linux GOARCH=arm GOARM=7 CC=arm-linux-gnueabihf-gcc $(GO) build $(STATIC) -o $(DIST)/switchboard-linux-armv7 $(PKG)
	file $(DIST)/switchboard-linux-*

## bench: Go benchmarks, then the load scripts in test/load (each prints its figures)
bench:
	$(GO) test -run '^$$' -bench . -benchtime 2s ./...
	@for s in test/load/*.sh; do echo "== $$s"; "$$s" || exit 1; done

## fuzz: run each fuzz target briefly
fuzz:
	@for p in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$p | grep '^Fuzz'); do \
	    $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime 20s $$p || exit 1; done; done

clean:
	rm -rf bin $(DIST)
