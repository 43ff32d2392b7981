#!/usr/bin/env bash
# Queue load: calls per second into a queue answered by registered agents.
# A switchboard started here, pinned to core 0, runs a flow (number 700)
# whose start node queues the caller; sipp on core 1 places the calls
# (caller extension 1000, answered by the appliance at once with music on
# hold, hung up 1.5 s later) and one sipp UAS answers every agent's phone:
# all agent extensions register the same contact, the UAS's port. Media is
# anchored: the appliance opens a session on each leg and plays music to
# queued callers; the UAS (queue_agent.xml) does not echo RTP and callers
# send none.
# Loopback only; every run is bounded in count and time.
#   test/load/queue.sh [RATE...]     e.g. test/load/queue.sh 140 280 420
# Tunables (environment): CALL_RATE (default 420, when no RATE is given),
# CALL_COUNT (default 20 s of calls at each rate), AGENTS (default 2 per
# CPS of the highest rate and at least 200: an agent holds one call at a
# time for ~1.5 s, so fewer agents than rate × 1.5 leave callers unbridged),
# PPROF (a directory: the server serves Go profiles on loopback and each
# rate leaves cpu-RATE.pprof, taken while its calls are placed, and
# allocs-RATE.pprof, heap-RATE.pprof after them; go tool pprof reads them
# with the binary kept there as switchboard).
set -euo pipefail
cd "$(dirname "$0")/../.."
CALL_RATE=${CALL_RATE:-420}
rates=("$@")
[ ${#rates[@]} -gt 0 ] || rates=("$CALL_RATE")
max=0
for r in "${rates[@]}"; do [ "$r" -gt "$max" ] && max=$r; done
AGENTS=${AGENTS:-$((2 * max > 200 ? 2 * max : 200))}
HOLD_MS=1500
command -v sipp >/dev/null || { echo "sipp missing: run make peers" >&2; exit 1; }

work=$(mktemp -d)
srv='' uaspid=''
trap 'kill $uaspid $srv 2>/dev/null || true; wait $srv 2>/dev/null || true; rm -rf "$work"' EXIT
go build -o "$work/switchboard" ./cmd/switchboard
sb() { "$work/switchboard" --data "$work/data" "$@"; }

# Caller 1000; agents a0.. on extensions 3000.., all members of one queue
# with no wrap-up; flow 700 queues the caller.
{
  echo "extensions:"
  echo "  - {number: \"1000\", password: \"pw-1000-load\"}"
  for i in $(seq 0 $((AGENTS - 1))); do echo "  - {number: \"$((3000 + i))\", password: \"pw-$((3000 + i))-load\"}"; done
  echo "agents:"
  for i in $(seq 0 $((AGENTS - 1))); do echo "  - {name: a$i, extension: \"$((3000 + i))\"}"; done
  echo "queues:"
  echo "  - name: load"
  echo "    members: [$(seq -s, -f 'a%g' 0 $((AGENTS - 1)))]"
  echo "    ring_timeout: 5s"
  echo "    wrap_up: 0s"
  echo "flows:"
  echo "  - {name: to-load, number: \"700\", start: q, nodes: {q: {type: queue, queue: load}}}"
} > "$work/load.yaml"
sb config import "$work/load.yaml" >/dev/null
# Log every agent in before the start (stored presence, loaded by serve).
t0=$(date +%s.%N)
for i in $(seq 0 $((AGENTS - 1))); do echo "a$i"; done | xargs -P 2 -I{} "$work/switchboard" --data "$work/data" agent login {} --wait 0 >/dev/null
echo "$AGENTS agents logged in with \`switchboard agent login NAME --wait 0\` in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b-a}') s"
{
  echo "SEQUENTIAL"
  for i in $(seq 0 $((AGENTS - 1))); do n=$((3000 + i)); echo "$n;[authentication username=$n password=pw-$n-load]"; done
} > "$work/agents.csv"
printf 'SEQUENTIAL\n1000;[authentication username=1000 password=pw-1000-load]\n' > "$work/caller.csv"

port=$((15000 + RANDOM % 20000))
uas=$((port + 3))
pprof=()
if [ -n "${PPROF:-}" ]; then
  mkdir -p "$PPROF" && cp "$work/switchboard" "$PPROF/switchboard"
  pprof=(--pprof "127.0.0.1:$((port + 9))")
fi
taskset -c 0 "$work/switchboard" --data "$work/data" serve --sip "127.0.0.1:$port" --http 127.0.0.1:0 \
  --rtp-ports 20000-40000 --log-level warn "${pprof[@]}" > "$work/server.log" 2>&1 &
srv=$!
for _ in $(seq 100); do ss -Hlun "sport = :$port" | grep -q . && break; sleep 0.1; done
rss() { awk '/VmRSS/ {print $2 " kB"}' /proc/$srv/status; }
# Server CPU seconds so far (user+system): on a shared machine the work
# done per CPU second is the figure that survives contention.
cpu() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / hz}' /proc/$srv/stat; }
echo "server pid $srv on 127.0.0.1:$port, idle RSS $(rss)"

stats() { # sipp -trace_stat file → successful failed elapsed-seconds current
  awk -F';' 'NR==1 {for (i=1;i<=NF;i++) h[$i]=i} END {split($h["ElapsedTime(C)"], t, ":")
    print $h["SuccessfulCall(C)"], $h["FailedCall(C)"], t[1]*3600+t[2]*60+t[3], $h["CurrentCall"]}' "$1"
}

# Every agent extension registers the UAS's port as its contact: the
# REGISTERs are sent from that port (Contact: [local_port]) before the UAS
# binds it.
(cd "$work" && timeout 60 sipp "127.0.0.1:$port" -sf "$OLDPWD/test/load/sip_register.xml" -inf agents.csv \
  -i 127.0.0.1 -p $uas -r 500 -m "$AGENTS" -l 200 -nostdin -timeout 50 -trace_stat -stf reg.csv -fd 100 >/dev/null 2>&1) || true
read -r ok failed _ < <(stats "$work/reg.csv")
echo "agent phones registered: $ok ok, $failed failed (contact 127.0.0.1:$uas)"
[ "$ok" -eq "$AGENTS" ] || { echo "not every agent phone registered" >&2; exit 1; }

printf '| offered CPS | calls | callers ok / failed | agent phone answered / failed | held by the agent >= 1 s | failure %% (not held 1 s) | agent talk p50 / p1 | server CPU s | held calls per CPU s | RSS after |\n|---|---|---|---|---|---|---|---|---|---|\n' > "$work/table"
for rate in "${rates[@]}"; do
  count=${CALL_COUNT:-$((rate * 20))}
  rm -f "$work"/uas.csv "$work"/uas_err.log "$work"/calls.csv "$work"/queue_agent_*_rtt.csv
  # exec: $uaspid is sipp's, which SIGUSR1 stops after its calls, writing
  # its final statistics. Its "talk" response times (200 sent → BYE
  # received) are how long each agent held a call.
  (cd "$work" && exec taskset -c 1 sipp -sf "$OLDPWD/test/load/queue_agent.xml" -i 127.0.0.1 -p $uas -mi 127.0.0.1 -mp $((port + 4)) \
    -nostdin -timeout $((count / rate + 40)) -trace_stat -stf uas.csv -fd 1 -trace_err -error_file uas_err.log \
    -trace_rtt -rtt_freq 1 >/dev/null 2>&1) &
  uaspid=$!
  for _ in $(seq 50); do ss -Hlun "sport = :$uas" | grep -q . && break; sleep 0.1; done
  cpu0=$(cpu)
  profpid=''
  if [ -n "${PPROF:-}" ]; then
    curl -s -o "$PPROF/cpu-$rate.pprof" "http://127.0.0.1:$((port + 9))/debug/pprof/profile?seconds=$((count / rate))" &
    profpid=$!
  fi
  # Each caller stays HOLD_MS after the appliance's 200: held about 1 s by
  # its agent when the queue hands it over at once.
  (cd "$work" && taskset -c 1 timeout $((count / rate + 30)) sipp "127.0.0.1:$port" -sf "$OLDPWD/test/e2e/testdata/uac_queue.xml" \
    -inf caller.csv -s 700 -d $HOLD_MS -i 127.0.0.1 -p $((port + 7)) -mi 127.0.0.1 -mp $((port + 8)) \
    -r "$rate" -m "$count" -l 3000 -nostdin -timeout $((count / rate + 25)) -trace_stat -stf calls.csv -fd 100 >/dev/null 2>&1) || true
  cpu1=$(cpu)
  if [ -n "$profpid" ]; then
    wait $profpid || true
    curl -s -o "$PPROF/allocs-$rate.pprof" "http://127.0.0.1:$((port + 9))/debug/pprof/allocs"
    curl -s -o "$PPROF/heap-$rate.pprof" "http://127.0.0.1:$((port + 9))/debug/pprof/heap"
  fi
  # Agent legs still up 10 s after the last caller left were never hung
  # up by the appliance: the UAS is then stopped at once.
  sleep 1
  kill -USR1 $uaspid 2>/dev/null || true
  for _ in $(seq 100); do kill -0 $uaspid 2>/dev/null || break; sleep 0.1; done
  kill $uaspid 2>/dev/null || true
  wait $uaspid 2>/dev/null || true
  uaspid=''
  read -r ok failed elapsed _ < <(stats "$work/calls.csv")
  read -r answered uasfailed _ stuck < <(stats "$work/uas.csv")
  read -r held p50 p1 < <(cat "$work"/queue_agent_*_rtt.csv 2>/dev/null | awk -F';' '$3 == "talk" {print $2}' | sort -n |
    awk '{a[NR]=$1; if ($1 >= 1000) h++} END {if (NR==0) {print 0, "n/a", "n/a"; exit}; printf "%d %.0f %.0f\n", h, a[int(NR*0.5)+1], a[int(NR*0.01)+1]}')
  # The distributor's own count, from its event log (cumulative over runs).
  read -r entered accepted abandoned < <(sb queue report | awk '$1 == "load" {print $2, $3, $5}')
  line=$(awk -v r="$rate" -v n="$count" -v o="$ok" -v f="$failed" -v b="$answered" -v u="$uasfailed" -v h="$held" -v p50="$p50" -v p1="$p1" \
    -v a="$cpu0" -v c="$cpu1" -v rss="$(rss)" 'BEGIN {
    printf "| %d | %d | %d / %d | %d / %d | %d | %.2f | %s / %s ms | %.2f | %.0f | %s |", r, n, o, f, b, u, h, 100*(n-h)/n, p50, p1, c-a, (c>a) ? h/(c-a) : 0, rss}')
  echo "$line" >> "$work/table"
  echo "$rate CPS, $count calls: callers $ok ok, $failed failed in ${elapsed}s; agent phone: $answered answered, $uasfailed failed, $stuck never hung up, $held held >= 1 s (talk p50 $p50 ms, p1 $p1 ms); event log so far: $entered entered, $accepted accepted, $abandoned abandoned"
  [ "$uasfailed" -eq 0 ] || echo "  agent phone failures: $(grep -o "Aborting call on [a-z ]*[A-Z]*\|while expecting '[A-Z0-9]*' ([^)]*), received '[A-Z]*" "$work/uas_err.log" |
    sed 's/(index [0-9]*), //' | sort | uniq -c | sort -rn | head -3 | tr -s ' \n' ' ')"
  late=$(cat "$work/uas_err.log" 2>/dev/null | grep -c "Dead call .*received 'ACK" || true)
  [ "$late" -eq 0 ] || echo "  $late ACKs reached the agent phone after the BYE (answered as the caller left)"
  [ $((answered + uasfailed)) -le "$count" ] || echo "  the agent phone got $((answered + uasfailed)) calls for $count callers: some callers were offered again (a failed ring) or twice" >&2
  sleep 2
done
cat "$work/table"
grep -c . "$work/server.log" | xargs echo "server log lines (warn and above):"
