#!/usr/bin/env bash
# Web chat load: CONNS visitor WebSockets (default 1000), each sending a
# message every INTERVAL (default 1s) for DURATION (default 10s), each
# answered by the agent holding the chat, through a chat server in a process
# of its own; first the same load against a bare WebSocket echo server (the
# baseline). Prints p50/p99 of send→ack and send→receiver both ways, the
# server's memory per connection and CPU per message, and the load average.
# CPUS="0:1" pins the server to CPU 0 and the generator to CPU 1 (the
# default on two CPUs or more; CPUS= pins nothing); PROFILE=DIR writes the
# chat server's CPU, mutex and block profiles there; ROUNDS=3 runs baseline and
# chat three times over and prints the medians.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec go test ./test/load -run '^TestChatLoad$' -count=1 -v -timeout 10m \
	-chat.conns="${CONNS:-1000}" -chat.duration="${DURATION:-10s}" -chat.interval="${INTERVAL:-1s}" \
	-chat.cpus="${CPUS-auto}" -chat.rounds="${ROUNDS:-1}" -chat.profile="${PROFILE:-}"
