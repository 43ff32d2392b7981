#!/usr/bin/env bash
# Web chat load: CONNS visitor WebSockets (default 1000) exchanging one
# message a second each for DURATION (default 10s) through the chat server;
# prints send→ack and send→agent p50/p99 and memory per connection.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec go test ./test/load -run '^TestChatLoad$' -count=1 -v \
	-chat.conns="${CONNS:-1000}" -chat.duration="${DURATION:-10s}" -chat.interval="${INTERVAL:-1s}"
