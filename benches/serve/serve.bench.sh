#!/usr/bin/env bash
# Serve throughput: `loop-host serve` (and `loop serve`, the TS CLI in front of it) against
# `wasmtime serve` on the same wasi:http component, loaded by wrk on loopback.
#
#   bash benches/serve/serve.bench.sh [--quick]
#
# Bash because the work is orchestration (cargo, three servers, wrk); wrk does the load and the
# timing, /proc gives CPU times, and a short Node script turns the samples into the table.
#
# What it needs: `npm run setup` done (loop-host release build, the TS packages built), wrk
# (apt; `npm run setup` installs it), and the wasmtime-cli 50.0.1 anchor that
# benches/run/run.bench.sh builds into benches/.cache/wasmtime (built here too if missing).
#
# The component (benches/serve/guests/hello-http, the `wasi` crate's `proxy::export!`) answers
# every request 200 with a fixed 21-byte body and reads nothing of the request. It exports only
# wasi:http/incoming-handler; Rust's std makes it import wasi:cli/*, so `wasmtime serve` needs
# `-S cli`. Both servers give every request a fresh instance from a pre-instantiated component
# with the pooling allocator (`wasmtime serve` reuses an instance for 1 request by default for
# WASIp2 components), both compile it at start-up (no compile cache: nothing is measured before
# the warm-up), and neither has a request timeout.
#
# Load: `wrk -t2 -c16 -d10s` per run (bounded by `timeout`), after a 3-second warm-up of each
# server; 5 rounds, the servers in alternating order (reversed every other round). The machine
# has 2 cores shared with other work, and wrk itself runs on them: the server gets what wrk and
# the rest leave, so requests/s is a measure of *this* box at *this* load. The CPU time the
# server process spends per request (/proc/PID/stat utime + stime over the run, divided by the
# requests answered) is much less sensitive to that, and is reported beside it.
#
# Output: a markdown table on stdout; a JSON summary with every sample under benches/results/.
# Traffic goes to 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD

quick=0
[[ "${1:-}" == "--quick" ]] && quick=1

WASMTIME_VERSION=50.0.1
cache=$root/benches/.cache
work=$cache/serve
results=$root/benches/results
wasmtime_root=$cache/wasmtime
wasmtime=$wasmtime_root/bin/wasmtime
loop_host=$root/target/release/loop-host
loop_js=$root/packages/cli/bin/loop.js
report_lua=$root/benches/serve/report.lua

say() { printf '== %s\n' "$*" >&2; }
die() {
  printf 'serve.bench.sh: %s\n' "$*" >&2
  exit 1
}

command -v wrk >/dev/null || die "wrk is missing: apt-get install -y wrk (npm run setup installs it)"
command -v curl >/dev/null || die "curl is missing: apt-get install -y curl"
[[ -x "$loop_host" ]] || die "$loop_host is not built: run npm run setup (or cargo build --release -p loop-host)"
[[ -f "$root/packages/cli/dist/cli.js" ]] || die "the loop CLI is not built: run npm run build"

if ((quick)); then
  rounds=2 duration=5s warmup=2s
else
  rounds=5 duration=10s warmup=3s
fi
threads=2 connections=16

# 1. The anchor: wasmtime-cli from crates.io, the same Wasmtime version loop-host embeds.
if ! "$wasmtime" --version 2>/dev/null | grep -qxF "wasmtime $WASMTIME_VERSION"; then
  say "building wasmtime-cli $WASMTIME_VERSION into $wasmtime_root (about 11 minutes on 2 cores, once)"
  cargo install --locked "wasmtime-cli@$WASMTIME_VERSION" --root "$wasmtime_root" >&2
fi

# 2. The component.
say "building the benchmark component"
wasm=$(node "$loop_js" component build benches/serve/guests/hello-http --json |
  node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(0, "utf8")).wasm)')

rm -rf "$work"
mkdir -p "$work" "$results"
# Taken now: other work may rebuild loop-host while this runs (the servers keep what they started).
versions="$("$wasmtime" --version); loop-host $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- crates/loop-host || echo '+dirty') (built $(date -u -r "$loop_host" +%H:%M) UTC); node $(node --version)"

free_port() {
  node -e 'const s = require("node:net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })'
}

# 3. The servers, each on its own port, all started once and kept up for every round (an idle
# server costs next to nothing: loop-host's epoch ticker wakes every 10 ms). Only the processes
# started here are stopped at the end, by their ids.
names=("wasmtime serve" "loop-host serve" "loop serve")
keys=(wasmtime loop-host loop)
declare -A port pid
cleanup() {
  local k
  for k in "${keys[@]}"; do
    [[ -n "${pid[$k]:-}" ]] && kill "${pid[$k]}" 2>/dev/null || true
  done
  for k in "${keys[@]}"; do
    [[ -n "${pid[$k]:-}" ]] && wait "${pid[$k]}" 2>/dev/null || true
  done
}
trap cleanup EXIT

for k in "${keys[@]}"; do port[$k]=$(free_port); done
"$wasmtime" serve -S cli -O pooling-allocator=y -C cache=n --addr "127.0.0.1:${port[wasmtime]}" "$wasm" \
  >"$work/wasmtime.log" 2>&1 &
pid[wasmtime]=$!
"$loop_host" serve --no-cache --listen "127.0.0.1:${port[loop-host]}" "$wasm" >"$work/loop-host.log" 2>&1 &
pid[loop-host]=$!
node "$loop_js" serve --no-cache --listen "127.0.0.1:${port[loop]}" "$wasm" >"$work/loop.log" 2>&1 &
pid[loop]=$!

for k in "${keys[@]}"; do
  ok=0
  for _ in $(seq 300); do
    if curl -sf "http://127.0.0.1:${port[$k]}/" -o "$work/$k.body" 2>/dev/null; then
      ok=1
      break
    fi
    kill -0 "${pid[$k]}" 2>/dev/null || break
    sleep 0.1
  done
  ((ok)) || die "$k did not start answering on 127.0.0.1:${port[$k]} (see $work/$k.log)"
  [[ "$(cat "$work/$k.body")" == "hello from wasi:http" ]] || die "$k answered something else: $(cat "$work/$k.body")"
done

# The processes whose CPU time counts as the server's: `loop serve` is Node plus its loop-host.
declare -A cpu_pids
cpu_pids[wasmtime]=${pid[wasmtime]}
cpu_pids[loop-host]=${pid[loop-host]}
cpu_pids[loop]="${pid[loop]} $(pgrep -P "${pid[loop]}" | tr '\n' ' ')"

ticks_of() { # PIDS... -> utime + stime in clock ticks, summed
  local total=0 p t
  for p in "$@"; do
    t=$(sed 's/^.*) //' "/proc/$p/stat" | awk '{ print $12 + $13 }')
    total=$((total + t))
  done
  echo "$total"
}
machine_busy() { # -> busy ticks of all CPUs (everything but idle and iowait)
  awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat
}
machine_softirq() { # -> softirq ticks of all CPUs (loopback TCP is largely processed there)
  awk '/^cpu / { print $8 }' /proc/stat
}

load() { # KEY DURATION OUTFILE -> runs wrk against KEY's server, writes one JSON line of samples
  local k=$1 d=$2 out=$3 c0 c1 m0 m1 s0 s1 wrk_cpu t0 t1 hz
  hz=$(getconf CLK_TCK)
  c0=$(ticks_of ${cpu_pids[$k]})
  m0=$(machine_busy)
  s0=$(machine_softirq)
  t0=$(date +%s%N)
  TIMEFORMAT='%3U %3S'
  { time timeout 60 wrk -t"$threads" -c"$connections" -d"$d" --timeout 5s -s "$report_lua" \
    "http://127.0.0.1:${port[$k]}/" >"$out.wrk" 2>&1; } 2>"$out.time"
  t1=$(date +%s%N)
  c1=$(ticks_of ${cpu_pids[$k]})
  m1=$(machine_busy)
  s1=$(machine_softirq)
  wrk_cpu=$(tail -1 "$out.time" | awk '{ print $1 + $2 }')
  tail -1 "$out.wrk" | grep -q '^{' || die "wrk failed against $k: $(cat "$out.wrk")"
  printf '{"server":"%s","wrk":%s,"server_cpu_s":%s,"wrk_cpu_s":%s,"machine_busy_s":%s,"machine_softirq_s":%s,"wall_s":%s}\n' \
    "$k" "$(tail -1 "$out.wrk")" \
    "$(awk -v t=$((c1 - c0)) -v hz="$hz" 'BEGIN { print t / hz }')" "$wrk_cpu" \
    "$(awk -v t=$((m1 - m0)) -v hz="$hz" 'BEGIN { print t / hz }')" \
    "$(awk -v t=$((s1 - s0)) -v hz="$hz" 'BEGIN { print t / hz }')" \
    "$(awk -v t=$((t1 - t0)) 'BEGIN { print t / 1e9 }')" >"$out"
}

# 4. Warm up, then measure in alternating rounds.
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for k in "${keys[@]}"; do
  say "warming up $k ($warmup)"
  load "$k" "$warmup" "$work/warmup.$k.json"
done
order=("${keys[@]}")
for ((i = 0; i < rounds; i++)); do
  say "round $((i + 1))/$rounds: ${order[*]} (wrk -t$threads -c$connections -d$duration each)"
  for k in "${order[@]}"; do
    load "$k" "$duration" "$work/round.$i.$k.json"
  done
  order=("${order[2]}" "${order[1]}" "${order[0]}")
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# Every server must still be up (wrk counts non-2xx answers as errors; they are in the table).
for k in "${keys[@]}"; do
  kill -0 "${pid[$k]}" 2>/dev/null || die "$k exited during the benchmark (see $work/$k.log)"
done

# 5. The table and the summary.
stamp=$(date -u +%Y-%m-%dT%H-%M-%SZ)
LOAD="before $load_before, after $load_after" WORK=$work RESULTS=$results STAMP=$stamp WASM=$wasm \
  ROUNDS=$rounds LOADGEN="wrk -t$threads -c$connections -d$duration ($(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2))" \
  MACHINE="$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sr)" \
  VERSIONS="$versions" \
  node --input-type=module <<'EOF'
import { readFileSync, statSync, writeFileSync } from "node:fs";
const { WORK, RESULTS, STAMP, WASM, MACHINE, VERSIONS, LOAD, ROUNDS, LOADGEN } = process.env;
const servers = [
  ["wasmtime", "wasmtime serve -S cli -O pooling-allocator=y"],
  ["loop-host", "loop-host serve"],
  ["loop", "loop serve (node packages/cli/bin/loop.js)"],
];
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const read = (f) => JSON.parse(readFileSync(f, "utf8"));
const runs = {};
for (const [key] of servers) {
  runs[key] = [];
  for (let i = 0; i < Number(ROUNDS); i++) {
    const r = read(`${WORK}/round.${i}.${key}.json`);
    const errors = Object.values(r.wrk.errors).reduce((a, b) => a + b, 0);
    runs[key].push({
      round: i,
      requests: r.wrk.requests,
      rps: r.wrk.requests / (r.wrk.duration_us / 1e6),
      p50_ms: r.wrk.latency_us.p50 / 1000,
      p99_ms: r.wrk.latency_us.p99 / 1000,
      errors,
      server_cpu_us_per_req: (r.server_cpu_s * 1e6) / r.wrk.requests,
      wrk_cpu_us_per_req: (r.wrk_cpu_s * 1e6) / r.wrk.requests,
      softirq_s: r.machine_softirq_s,
      other_cpu_s: r.machine_busy_s - r.machine_softirq_s - r.server_cpu_s - r.wrk_cpu_s,
      wall_s: r.wall_s,
      raw: r,
    });
  }
}
const stats = {};
for (const [key, command] of servers) {
  const rs = runs[key];
  const sum = (f) => rs.reduce((a, r) => a + f(r), 0);
  stats[key] = {
    command,
    rounds: rs.length,
    requests: sum((r) => r.requests),
    errors: sum((r) => r.errors),
    rps_median: median(rs.map((r) => r.rps)),
    rps_min: Math.min(...rs.map((r) => r.rps)),
    rps_max: Math.max(...rs.map((r) => r.rps)),
    p50_ms_median: median(rs.map((r) => r.p50_ms)),
    p99_ms_median: median(rs.map((r) => r.p99_ms)),
    server_cpu_us_per_req: (sum((r) => r.raw.server_cpu_s) * 1e6) / sum((r) => r.requests),
    wrk_cpu_us_per_req: (sum((r) => r.raw.wrk_cpu_s) * 1e6) / sum((r) => r.requests),
    other_cpu_s_per_run: sum((r) => r.other_cpu_s) / rs.length,
  };
}
const base = stats.wasmtime;
for (const [key] of servers) {
  const s = stats[key];
  s.rps_ratio_to_wasmtime = s.rps_median / base.rps_median;
  // Paired: the ratio within each round (the load of the machine drifts between rounds).
  s.rps_ratio_paired_median = median(runs[key].map((r, i) => r.rps / runs.wasmtime[i].rps));
  s.cpu_ratio_to_wasmtime = s.server_cpu_us_per_req / base.server_cpu_us_per_req;
}
const f1 = (x) => x.toFixed(1);
const rows = [
  "| server | runs | req/s median | req/s min–max | ratio to wasmtime (paired) | p50 ms | p99 ms | server CPU µs/req | CPU ratio | wrk CPU µs/req | errors |",
  "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
];
for (const [key] of servers) {
  const s = stats[key];
  rows.push(
    `| \`${s.command}\` | ${s.rounds} | ${Math.round(s.rps_median)} | ${Math.round(s.rps_min)}–${Math.round(s.rps_max)} | ${s.rps_ratio_to_wasmtime.toFixed(2)}× (${s.rps_ratio_paired_median.toFixed(2)}×) | ${s.p50_ms_median.toFixed(2)} | ${s.p99_ms_median.toFixed(2)} | ${f1(s.server_cpu_us_per_req)} | ${s.cpu_ratio_to_wasmtime.toFixed(2)}× | ${f1(s.wrk_cpu_us_per_req)} | ${s.errors} |`,
  );
}
const perRound = [
  "Per round, req/s (server CPU µs/req; machine softirq CPU s, mostly loopback TCP; CPU s of everything else on the machine, i.e. other work):",
  ...runs.wasmtime.map(
    (_, i) =>
      `- round ${i + 1}: ${servers.map(([k]) => `${k} ${Math.round(runs[k][i].rps)} (${f1(runs[k][i].server_cpu_us_per_req)}; softirq ${f1(runs[k][i].softirq_s)} s; other ${f1(runs[k][i].other_cpu_s)} s)`).join(", ")}`,
  ),
];
const summary = {
  date: STAMP,
  machine: MACHINE,
  load: LOAD,
  versions: VERSIONS,
  load_generator: LOADGEN,
  component: { path: WASM, bytes: statSync(WASM).size },
  stats,
  runs,
};
const json = `${JSON.stringify(summary, null, 2)}\n`;
writeFileSync(`${RESULTS}/serve-${STAMP}.json`, json);
writeFileSync(`${RESULTS}/serve-latest.json`, json);
console.log(
  [
    `Machine: ${MACHINE} (wrk shares the same cores as the server)`,
    `Versions: ${VERSIONS}`,
    `Load: ${LOADGEN}, ${ROUNDS} alternating rounds; component ${statSync(WASM).size} bytes`,
    `Date: ${STAMP}; load average (1, 5, 15 min) ${LOAD}`,
    "",
    ...rows,
    "",
    ...perRound,
  ].join("\n"),
);
EOF
