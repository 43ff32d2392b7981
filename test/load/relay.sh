#!/bin/sh
# Media relay load: N concurrent G.711 calls through media.Bridge against a
# bare UDP forwarder and (on Linux) the floor forwarder (epoll, recvmmsg:
# the cheapest per-packet forwarder we can write), all in one process
# pinned to one core (RELAY_CPU),
# the phones in a child process on the others (PHONES_CPUS). Override with
# CALLS=1000 DURATION=10s REPEAT=5 RELAY_CPU=0 PHONES_CPUS=1. The default is the
# 1,000 calls the relay targets speak of (media issue: ≤ 0.075 % of the
# pinned core per call, ≤ 1.5× the bare forwarder, < 0.1 % loss).
set -e
cd "$(dirname "$0")/../.."
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
go build -o "$bin/relayload" ./test/load/relayload
relay_cpu=${RELAY_CPU:-0}
phones_cpus=${PHONES_CPUS:-1}
if command -v taskset >/dev/null 2>&1 && [ "$(nproc)" -gt 1 ]; then
	set -- taskset -c "$relay_cpu" "$bin/relayload" -phones-cpus "$phones_cpus"
else
	echo "relay.sh: no taskset or one CPU: the relay is not pinned" >&2
	set -- "$bin/relayload"
fi
"$@" -calls "${CALLS:-1000}" -duration "${DURATION:-5s}" -warmup 1s -repeat "${REPEAT:-3}" ${PROFILE:+-cpuprofile "$PROFILE"}
