#!/bin/sh
# Ingest rate of the email channel from a real Dovecot (started by the
# benchmark, needs root and dovecot-imapd): 10 KB messages delivered into
# the Maildir, committed, flagged \Seen and routed. Target: >= 200 msgs/s.
# BenchmarkParse10KB is the CPU-only baseline.
set -eu
cd "$(dirname "$0")/../.."
exec ${GO:-go} test -run '^$' -bench 'BenchmarkIngestDovecot|BenchmarkParse10KB' -benchtime "${BENCHTIME:-5x}" ./mail/
