#!/usr/bin/env bash
# Guest → host call cost: loop-host's wasi:logging and wasi:keyvalue calls against a bare host
# function (a no-op linked into the same Wasmtime by a minimal embedding, benches/hostcall/anchor).
#
#   bash benches/hostcall/hostcall.bench.sh [--quick]
#
# Bash because the work is orchestration (cargo, loop-host, valgrind); the guests time their own
# loops, valgrind counts instructions, and a short Node script turns the samples into the table.
#
# What it needs: `npm run setup` done (loop-host release build, the TS packages built), valgrind
# (apt), the wasm32-wasip2 Rust target (rust-toolchain.toml has it). About 2 minutes (1.5 with
# --quick), most of it valgrind, plus ~4 minutes the first time to build the anchor (Wasmtime).
#
# The calls (guests in benches/hostcall/guests/hostcall, one command component per runner):
#   noop        bench:anchor/host.noop(), a no-op host function with no arguments, linked by
#               the anchor binary: THE anchor ("a bare host function")
#   anchor-log  bench:anchor/host.log(debug, "bench", "x"): wasi:logging's signature (two strings
#               lifted into host Strings), and nothing done; anchor binary
#   log         wasi:logging/logging.log(debug, "bench", "x") in `loop-host run --log error`: the
#               host checks the level and drops the line
#   kv-get      wasi:keyvalue/store bucket.get("missing") (bucket `bench` granted, its table exists)
#   kv-get-hit  bucket.get("present"), an 8-byte value
#   kv-set      bucket.set("key", 8 bytes): one durable redb transaction (fdatasync) per call
#   kv-set-tmpfs  the same with the data directory on tmpfs (/dev/shm), where fdatasync returns at
#               once: the CPU side of a durable set, without the disk
# loop-host runs as `loop-host run --cache-dir C --log error --kv bench --data-dir D GUEST MODE N R`,
# with a fresh data directory D for every process; the anchor as `hostcall-anchor run X.cwasm ...`.
# Both run compiled code from a cache (loop-host's compile cache; the anchor's own precompiled
# file), with the same engine settings and Wasmtime build features.
#
# Two measures, each time per call = (time(N) − time(0)) / N:
#   - wall: the guest times R repetitions of its N-call loop with the monotonic clock and prints
#     them (N = 0 gives the cost of the clock reads); rounds of one process per call, the order
#     reversed every other round; the median and the minimum of all repetitions. The machine has
#     2 cores shared with other work, so read the minimum as the best case and the median as
#     typical here.
#   - instructions: valgrind --tool=callgrind of one process with N calls and one with 0, the
#     difference over N. Counts do not depend on the load of the machine. Under valgrind the guest
#     is compiled for the CPU valgrind emulates (no AVX-512), so both runners get a cache of their
#     own, filled under valgrind first. The callgrind profiles of the N-call runs are kept in
#     benches/.cache/hostcall/callgrind/ (callgrind_annotate --inclusive=yes FILE).
# System time (fdatasync) is not in the instruction counts: kv-set's wall time is mostly the disk;
# strace (when installed) counts the syscalls one set makes.
#
# Output: a markdown table on stdout; a JSON summary with every sample under benches/results/.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD

quick=0
[[ "${1:-}" == "--quick" ]] && quick=1

cache=$root/benches/.cache
work=$cache/hostcall
results=$root/benches/results
loop_host=$root/target/release/loop-host
anchor=$root/target/release/hostcall-anchor
guest_dir=$root/benches/hostcall/guests/hostcall

say() { printf '== %s\n' "$*" >&2; }
die() {
  printf 'hostcall.bench.sh: %s\n' "$*" >&2
  exit 1
}

command -v valgrind >/dev/null || die "valgrind is missing: apt-get install -y valgrind"
[[ -x "$loop_host" ]] || die "$loop_host is not built: run npm run setup (or cargo build --release -p loop-host)"

# 1. Build: the guests (wasm32-wasip2) and the anchor (a workspace member, bench-only).
say "building the guests and the anchor"
cargo build --release --quiet --target wasm32-wasip2 --manifest-path "$guest_dir/Cargo.toml" >&2
cargo build --release --quiet -p bench-hostcall-anchor >&2
guest_loop=$guest_dir/target/wasm32-wasip2/release/hostcall-loop.wasm
guest_anchor=$guest_dir/target/wasm32-wasip2/release/hostcall-anchor.wasm

rm -rf "$work"
mkdir -p "$work/samples" "$work/callgrind" "$results"
shm=$(mktemp -d /dev/shm/loop-hostcall-bench.XXXXXX)
trap 'rm -rf "$shm"' EXIT
versions="loop-host $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- crates/loop-host || echo '+dirty') (built $(date -u -r "$loop_host" +%H:%M) UTC); wasmtime $(cargo tree --offline -p loop-host -i wasmtime --depth 0 2>/dev/null | head -1 | cut -d' ' -f2) (both); $(valgrind --version)"

# id runner mode N(wall) N(callgrind)
if ((quick)); then
  rounds=1 reps=5
  cases=(
    "noop anchor noop 200000 20000"
    "anchor-log anchor log 100000 20000"
    "log loop log 100000 20000"
    "kv-get loop kv-get 20000 5000"
    "kv-get-hit loop kv-get-hit 20000 5000"
    "kv-set loop kv-set 200 100"
    "kv-set-tmpfs loop-tmpfs kv-set 500 100"
  )
else
  rounds=3 reps=7
  cases=(
    "noop anchor noop 1000000 100000"
    "anchor-log anchor log 300000 100000"
    "log loop log 300000 100000"
    "kv-get loop kv-get 100000 20000"
    "kv-get-hit loop kv-get-hit 100000 20000"
    "kv-set loop kv-set 500 300"
    "kv-set-tmpfs loop-tmpfs kv-set 3000 300"
  )
fi

# RUNNER CACHE-FLAVOUR -> the command line that runs the runner's guest (arguments follow).
command_of() {
  case $1 in
    loop) echo "$loop_host run --cache-dir $work/$2-loop-cache --log error --kv bench --data-dir $work/data $guest_loop" ;;
    loop-tmpfs) echo "$loop_host run --cache-dir $work/$2-loop-cache --log error --kv bench --data-dir $shm/data $guest_loop" ;;
    anchor) echo "$anchor run $work/$2-anchor.cwasm" ;;
  esac
}
fresh_data() {
  rm -rf "$work/data" "$shm/data"
  mkdir -p "$work/data" "$shm/data"
}

# 2. Compile for each flavour: natively, and under valgrind (it emulates another CPU).
"$anchor" compile "$guest_anchor" "$work/native-anchor.cwasm"
valgrind -q --tool=none "$anchor" compile "$guest_anchor" "$work/vg-anchor.cwasm"
fresh_data
$(command_of loop native) log 1 1 >/dev/null
valgrind -q --tool=none $(command_of loop vg) log 1 1 >/dev/null

# 3. Wall time, in rounds.
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
order=("${cases[@]}")
for ((i = 0; i < rounds; i++)); do
  say "wall time, round $((i + 1))/$rounds"
  for c in "${order[@]}"; do
    read -r id runner mode n _ <<<"$c"
    for count in 0 "$n"; do
      fresh_data
      $(command_of "$runner" native) "$mode" "$count" "$reps" >"$work/samples/$id.$count.$i.json" ||
        die "$id failed: $(command_of "$runner" native) $mode $count $reps"
    done
  done
  mapfile -t order < <(printf '%s\n' "${order[@]}" | tac)
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# 4. Instructions.
for c in "${cases[@]}"; do
  read -r id runner mode _ n <<<"$c"
  say "callgrind: $id ($n calls, and 0)"
  for count in 0 "$n"; do
    fresh_data
    out=/dev/null
    ((count)) && out=$work/callgrind/$id.$count.callgrind
    valgrind --tool=callgrind --callgrind-out-file="$out" --log-file="$work/callgrind/$id.$count.log" \
      $(command_of "$runner" vg) "$mode" "$count" 1 >/dev/null || die "$id failed under valgrind"
    grep -o 'Collected : [0-9]*' "$work/callgrind/$id.$count.log" | grep -o '[0-9]*$' \
      >"$work/callgrind/$id.$count.ir"
  done
done

# 5. What a durable `set` asks of the kernel: syscalls of kv-set with N calls minus with 0 (strace,
# when installed; its overhead does not matter here, only the counts).
sets=100
if command -v strace >/dev/null; then
  say "strace: kv-set ($sets calls, and 0)"
  for count in 0 "$sets"; do
    fresh_data
    strace -f -c -o "$work/strace.$count.txt" $(command_of loop native) kv-set "$count" 1 >/dev/null
  done
fi

# 6. The table and the summary.
stamp=$(date -u +%Y-%m-%dT%H-%M-%SZ)
SETS=$sets CASES="$(printf '%s\n' "${cases[@]}")" LOAD="before $load_before, after $load_after" WORK=$work \
  RESULTS=$results STAMP=$stamp ROUNDS=$rounds REPS=$reps \
  DISK="$(findmnt -n -o SOURCE,FSTYPE -T "$work" | tr -s ' ')" \
  MACHINE="$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sr)" \
  VERSIONS="$versions" \
  node --input-type=module <<'EOF'
import { readFileSync, writeFileSync } from "node:fs";
const { SETS, CASES, WORK, RESULTS, STAMP, ROUNDS, REPS, MACHINE, VERSIONS, LOAD, DISK } = process.env;
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const samples = (id, n) => {
  const ns = [];
  for (let i = 0; i < Number(ROUNDS); i++) {
    ns.push(...JSON.parse(readFileSync(`${WORK}/samples/${id}.${n}.${i}.json`, "utf8")).ns);
  }
  return ns;
};
const ir = (id, n) => Number(readFileSync(`${WORK}/callgrind/${id}.${n}.ir`, "utf8"));
const labels = {
  noop: ["`bench:anchor/host.noop()`", "anchor (bare Wasmtime)"],
  "anchor-log": ["`bench:anchor/host.log(debug, ctx, msg)`, no-op", "anchor (bare Wasmtime)"],
  log: ["`wasi:logging/logging.log(debug, ...)`, filtered out", "`loop-host run --log error`"],
  "kv-get": ["`wasi:keyvalue` `get` of a missing key", "`loop-host run --kv bench`"],
  "kv-get-hit": ["`wasi:keyvalue` `get` of an 8-byte value", "`loop-host run --kv bench`"],
  "kv-set": ["`wasi:keyvalue` `set`, 8 bytes (durable commit)", "`loop-host run --kv bench`"],
  "kv-set-tmpfs": ["the same `set`, data directory on tmpfs", "`loop-host run --kv bench`"],
};
const stats = {};
for (const line of CASES.trim().split("\n")) {
  const [id, runner, mode, nWall, nCg] = line.split(" ");
  const n = Number(nWall);
  const zero = samples(id, 0);
  const full = samples(id, n);
  const ncg = Number(nCg);
  stats[id] = {
    runner,
    mode,
    n_wall: n,
    samples_ns: full,
    zero_samples_ns: zero,
    ns_per_call_median: (median(full) - median(zero)) / n,
    ns_per_call_min: (Math.min(...full) - Math.min(...zero)) / n,
    n_callgrind: ncg,
    instructions_0: ir(id, 0),
    instructions_n: ir(id, ncg),
    instructions_per_call: (ir(id, ncg) - ir(id, 0)) / ncg,
  };
}
/** strace -c's call counts by syscall name. */
const usecs = {};
const syscalls = (n) => {
  const counts = {};
  try {
    for (const line of readFileSync(`${WORK}/strace.${n}.txt`, "utf8").split("\n")) {
      const f = line.trim().split(/\s+/);
      if (f.length >= 5 && /^\d+$/.test(f[3])) {
        counts[f.at(-1)] = Number(f[3]);
        usecs[f.at(-1)] = Number(f[2]);
      }
    }
  } catch {
    return null;
  }
  return counts;
};
const [s0, sN] = [syscalls(0), syscalls(SETS)];
const perSet = {};
if (s0 && sN) {
  for (const [name, c] of Object.entries(sN)) {
    const d = (c - (s0[name] ?? 0)) / Number(SETS);
    if (d >= 0.5 && name !== "total") perSet[name] = Math.round(d * 10) / 10;
  }
}
const base = stats.noop;
const rows = [
  "| call | runner | N | ns/call median | ns/call min | × bare (median ns) | instructions/call | × bare (instructions) |",
  "|---|---|---:|---:|---:|---:|---:|---:|",
];
for (const [id, s] of Object.entries(stats)) {
  s.ratio_ns = s.ns_per_call_median / base.ns_per_call_median;
  s.ratio_instructions = s.instructions_per_call / base.instructions_per_call;
  const [call, runner] = labels[id];
  const ns = (x) => (x >= 10000 ? Math.round(x).toLocaleString("en") : x.toFixed(1));
  rows.push(
    `| ${call} | ${runner} | ${s.n_wall} | ${ns(s.ns_per_call_median)} | ${ns(s.ns_per_call_min)} | ${s.ratio_ns.toFixed(1)}× | ${Math.round(s.instructions_per_call)} | ${s.ratio_instructions.toFixed(1)}× |`,
  );
}
const summary = {
  date: STAMP,
  machine: MACHINE,
  disk: DISK,
  load: LOAD,
  versions: VERSIONS,
  rounds: Number(ROUNDS),
  reps: Number(REPS),
  syscalls_per_set: perSet,
  fdatasync_us_under_strace: usecs.fdatasync ?? null,
  stats,
};
const json = `${JSON.stringify(summary, null, 2)}\n`;
writeFileSync(`${RESULTS}/hostcall-${STAMP}.json`, json);
writeFileSync(`${RESULTS}/hostcall-latest.json`, json);
console.log(
  [
    `Machine: ${MACHINE}; data directory on ${DISK}`,
    `Versions: ${VERSIONS}`,
    `Wall: ${ROUNDS} round(s) × ${REPS} repetitions a process; instructions: callgrind, (Ir(N) − Ir(0)) / N`,
    `Date: ${STAMP}; load average (1, 5, 15 min) ${LOAD}`,
    "",
    ...rows,
    "",
    `Syscalls per kv set (strace -c, ${SETS} sets minus 0): ${
      Object.entries(perSet)
        .sort((a, b) => b[1] - a[1])
        .map(([k, v]) => `${k} ${v}`)
        .join(", ") || "(strace not installed)"
    }${usecs.fdatasync ? `; fdatasync took ${usecs.fdatasync} µs on average (under strace)` : ""}`,
  ].join("\n"),
);
EOF
