#!/bin/sh
# Media relay load: N concurrent G.711 calls through media.Bridge against a
# bare UDP forwarder. Override with CALLS=1000 DURATION=10s.
set -e
cd "$(dirname "$0")/../.."
exec go run ./test/load/relayload -calls "${CALLS:-200}" -duration "${DURATION:-5s}" -warmup 1s
