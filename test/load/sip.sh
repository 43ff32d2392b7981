#!/usr/bin/env bash
# SIP load: authenticated REGISTERs per second and extension-to-extension
# calls per second against a switchboard started here, pinned to core 0,
# with sipp on core 1. Loopback only; every run is bounded in count and time.
# Also reported: how soon after its start the server answers an OPTIONS,
# its idle RSS, and datagrams its socket dropped for want of buffer.
#   test/load/sip.sh [register|calls|all]
# Tunables (environment): REG_RATE, REG_COUNT, CALL_RATE, CALL_COUNT, USERS,
# PPROF (a directory: the server serves Go profiles on loopback; the calls
# leave calls-cpu.pprof over the whole run, calls-heap.pprof (with
# calls-memstats.txt, calls-goroutines.txt and calls-rss.txt) halfway
# through it, with the most calls up, and calls-allocs.pprof after it;
# go tool pprof reads them with the binary kept there as switchboard).
set -euo pipefail
cd "$(dirname "$0")/../.."
what=${1:-all}
REG_RATE=${REG_RATE:-10000}
REG_COUNT=${REG_COUNT:-100000}
CALL_RATE=${CALL_RATE:-1000}
CALL_COUNT=${CALL_COUNT:-20000}
USERS=${USERS:-1000}
command -v sipp >/dev/null || { echo "sipp missing: run make peers" >&2; exit 1; }

work=$(mktemp -d)
trap 'kill $srv 2>/dev/null || true; wait $srv 2>/dev/null || true; rm -rf "$work"' EXIT
go build -o "$work/switchboard" ./cmd/switchboard

# Extensions 2000.. with password pw-<n>.
{
  echo "extensions:"
  for i in $(seq 0 $((USERS - 1))); do echo "  - {number: \"$((2000 + i))\", password: \"pw-$((2000 + i))-load\"}"; done
} > "$work/ext.yaml"
"$work/switchboard" --data "$work/data" config import "$work/ext.yaml" >/dev/null
{
  echo "SEQUENTIAL"
  for i in $(seq 0 $((USERS - 1))); do n=$((2000 + i)); echo "$n;[authentication username=$n password=pw-$n-load]"; done
} > "$work/users.csv"

port=$((15000 + RANDOM % 20000))
pprof=()
if [ -n "${PPROF:-}" ]; then
  mkdir -p "$PPROF" && cp "$work/switchboard" "$PPROF/switchboard"
  pprof=(--pprof "127.0.0.1:$((port + 9))")
fi
now_ms() { echo $(($(date +%s%N) / 1000000)); }
# options_ok sends one OPTIONS from a fresh socket and reports whether a
# 200 came back within 20 ms. The request goes out in one write (one
# datagram); dd reads the answer in one read, as bash's read would take
# a datagram a byte at a time.
options_ok() {
  local msg reply
  printf -v msg 'OPTIONS sip:127.0.0.1:%s SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK-probe-%s;rport\r\nMax-Forwards: 70\r\nFrom: <sip:probe@127.0.0.1>;tag=p\r\nTo: <sip:127.0.0.1>\r\nCall-ID: probe-%s\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n' \
    "$port" "$RANDOM" "$RANDOM"
  exec 3<>"/dev/udp/127.0.0.1/$port" || return 1
  printf '%s' "$msg" >&3 2>/dev/null && reply=$(timeout 0.02 dd bs=65535 count=1 status=none <&3 2>/dev/null | head -1)
  exec 3>&-
  [[ $reply == "SIP/2.0 200"* ]]
}
# start_server starts the server and sets first to the milliseconds from
# its start to the first 200 answering an OPTIONS.
start_server() {
  local start
  start=$(now_ms)
  taskset -c 0 "$work/switchboard" --data "$work/data" serve --sip "127.0.0.1:$port" --http 127.0.0.1:0 \
    --rtp-ports 20000-40000 --log-level warn "${pprof[@]}" >> "$work/server.log" 2>&1 &
  srv=$!
  first=""
  for _ in $(seq 1000); do
    if options_ok; then first=$(($(now_ms) - start)); return; fi
    sleep 0.005
  done
  echo "no answer to OPTIONS within the probes; server log:" >&2
  cat "$work/server.log" >&2
  exit 1
}
# The first start of a data directory also creates the web panel's admin;
# the load runs against a restarted server, as an appliance usually starts.
start_server
fresh=$first
kill -TERM $srv && wait $srv || true
start_server
sleep 1
rss() { awk '/VmRSS/ {print $2 " kB"}' /proc/$srv/status; }
# Datagrams the server's SIP socket dropped because its buffer was full.
drops() { awk -v p="$(printf ':%04X' "$port")" 'NR > 1 && substr($2, length($2) - 4) == p {print $NF}' /proc/net/udp; }
# Server CPU seconds so far (user+system): on a shared machine the work
# done per CPU second is the figure that survives contention.
cpu() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / hz}' /proc/$srv/stat; }
echo "server pid $srv on 127.0.0.1:$port: first OPTIONS answered $first ms after start ($fresh ms at the first start of the data directory; probes every 5 ms), idle RSS $(rss)"

stats() { # file → successful failed rate
  awk -F';' 'NR==1 {for (i=1;i<=NF;i++) h[$i]=i} END {print $h["SuccessfulCall(C)"], $h["FailedCall(C)"], $h["ElapsedTime(C)"]}' "$1"
}
p99() { # rtt csv → p50 p99 ms
  awk -F';' 'NR>1 {print $2}' "$1" | sort -n | awk '{a[NR]=$1} END {if (NR==0) {print "n/a"; exit}; printf "p50 %.2f ms, p99 %.2f ms\n", a[int(NR*0.5)+1], a[int(NR*0.99)+1]}'
}

if [ "$what" = register ] || [ "$what" = all ]; then
  for run in 1 2; do
    rm -f "$work"/sip_register_*_rtt.csv
    cpu0=$(cpu) drops0=$(drops)
    (cd "$work" && taskset -c 1 timeout 120 sipp "127.0.0.1:$port" -sf "$OLDPWD/test/load/sip_register.xml" -inf users.csv \
      -i 127.0.0.1 -p $((port + 1)) -r "$REG_RATE" -m "$REG_COUNT" -l 5000 -nostdin -timeout 60 -buff_size 4194304 \
      -trace_stat -stf reg$run.csv -fd 100 -trace_rtt -rtt_freq 1 >/dev/null 2>&1) || true
    read -r ok failed elapsed < <(stats "$work/reg$run.csv")
    secs=$(echo "$elapsed" | awk -F: '{print $1*3600+$2*60+$3}')
    echo "REGISTER run $run: $ok ok, $failed failed in ${secs}s = $(awk -v o="$ok" -v s="$secs" 'BEGIN {printf "%.0f", o/s}') authenticated REGISTER/s; $(p99 "$work"/sip_register_*_rtt.csv); server CPU $(awk -v a="$cpu0" -v b="$(cpu)" -v o="$ok" 'BEGIN {printf "%.2f s = %.0f REGISTER per CPU second", b-a, (b>a) ? o/(b-a) : 0}'); server socket drops $(($(drops) - drops0)); RSS after $(rss)"
  done
  sleep 10
  echo "RSS 10 s after the REGISTER runs: $(rss)"
fi

if [ "$what" = calls ] || [ "$what" = all ]; then
  uas=$((port + 3))
  (cd "$work" && printf 'SEQUENTIAL\n2001;[authentication username=2001 password=pw-2001-load]\n' > callee.csv &&
    timeout 20 sipp "127.0.0.1:$port" -sf "$OLDPWD/test/e2e/testdata/register.xml" -s 2001 -au 2001 -ap pw-2001-load \
      -key contact_port $uas -i 127.0.0.1 -p $((port + 5)) -m 1 -nostdin -timeout 10 >/dev/null 2>&1)
  (cd "$work" && taskset -c 1 timeout 200 sipp -sn uas -i 127.0.0.1 -p $uas -nostdin -timeout 180 -buff_size 4194304 >/dev/null 2>&1) &
  uaspid=$!
  cpu0=$(cpu) drops0=$(drops)
  profpids=()
  if [ -n "${PPROF:-}" ]; then
    curl -s -o "$PPROF/calls-cpu.pprof" "http://127.0.0.1:$((port + 9))/debug/pprof/profile?seconds=$((CALL_COUNT / CALL_RATE))" &
    profpids+=($!)
    # Halfway: the heap profile, the runtime's memory statistics (heap in
    # use against live objects: the rest is garbage awaiting GOGC), the
    # goroutine count and the RSS.
    (sleep $((CALL_COUNT / CALL_RATE / 2)); pp="http://127.0.0.1:$((port + 9))/debug/pprof"
      grep VmRSS "/proc/$srv/status" > "$PPROF/calls-rss.txt"
      curl -s -o "$PPROF/calls-heap.pprof" "$pp/heap"; curl -s -o "$PPROF/calls-memstats.txt" "$pp/heap?debug=1"
      curl -s -o "$PPROF/calls-goroutines.txt" "$pp/goroutine?debug=1") &
    profpids+=($!)
  fi
  printf 'SEQUENTIAL\n2000;[authentication username=2000 password=pw-2000-load]\n' > "$work/caller.csv"
  (cd "$work" && taskset -c 1 timeout 180 sipp "127.0.0.1:$port" -sf "$OLDPWD/test/load/sip_call_1s.xml" -inf caller.csv -s 2001 \
    -i 127.0.0.1 -p $((port + 7)) -r "$CALL_RATE" -m "$CALL_COUNT" -l 3000 -nostdin -timeout 150 -buff_size 4194304 \
    -trace_stat -stf calls.csv -fd 100 >/dev/null 2>&1) || true
  kill $uaspid 2>/dev/null || true
  if [ -n "${PPROF:-}" ]; then
    wait "${profpids[@]}" || true
    curl -s -o "$PPROF/calls-allocs.pprof" "http://127.0.0.1:$((port + 9))/debug/pprof/allocs"
  fi
  read -r ok failed elapsed < <(stats "$work/calls.csv")
  secs=$(echo "$elapsed" | awk -F: '{print $1*3600+$2*60+$3}')
  echo "calls: $ok ok, $failed failed ($(awk -v o="$ok" -v f="$failed" 'BEGIN {if (o+f) printf "%.2f", 100*f/(o+f); else print 0}') %) at $CALL_RATE CPS offered for $((CALL_COUNT / CALL_RATE)) s (1 s calls, media sessions anchored, no RTP), done in ${secs}s; server CPU $(awk -v a="$cpu0" -v b="$(cpu)" -v o="$ok" 'BEGIN {printf "%.2f s = %.0f calls per CPU second", b-a, (b>a) ? o/(b-a) : 0}'); server socket drops $(($(drops) - drops0)); RSS after $(rss)"
fi
