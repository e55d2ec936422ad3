#!/usr/bin/env bash
# Start-up benchmark: `loop-host run` and `loop run` against `wasmtime run` on the same components,
# cold (nothing cached) and cached, with `node -e ''` as the anchor for Node's own start-up.
#
#   bash benches/run/run.bench.sh [--quick]
#
# Bash because the work is orchestration of other programs (cargo install, loop component build,
# hyperfine): hyperfine does the spawning and timing, so the driver's language measures nothing;
# a short Node script only turns hyperfine's JSON into the table.
#
# What it needs: `npm run setup` done (loop-host release build, the TS packages built), hyperfine
# (apt), and ~11 minutes on 2 cores the first time, to build wasmtime-cli into benches/.cache/.
#
# The components (benches/run/guests/, built here with `loop component build`) are examples/hello
# and examples/hello-ts minus their wasi:logging line: wasmtime links no wasi:logging, and the
# comparison needs the very same bytes in every runner.
#   hello-rs: Rust, wasm32-wasip2, ~100 KB       hello-js: componentize-js, ~13 MB
# Each prints its arguments and GREETING and exits 0.
#
# Anchors: `node -e ''` (Node's own start-up) and, cached, `node benches/run/spawn.mjs loop-host
# run ...` (Node starting and spawning loop-host, nothing else: the floor for any Node wrapper).
# "CPU ms" is hyperfine's mean user + system time, less sensitive to a busy machine than wall time.
#
# Output: a markdown table on stdout; a JSON summary with every sample under benches/results/.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD

quick=0
[[ "${1:-}" == "--quick" ]] && quick=1

WASMTIME_VERSION=50.0.1
cache=$root/benches/.cache
work=$cache/run
results=$root/benches/results
wasmtime_root=$cache/wasmtime
wasmtime=$wasmtime_root/bin/wasmtime
loop_host=$root/target/release/loop-host
loop_js=$root/packages/cli/bin/loop.js

say() { printf '== %s\n' "$*" >&2; }
die() {
  printf 'run.bench.sh: %s\n' "$*" >&2
  exit 1
}

command -v hyperfine >/dev/null || die "hyperfine is missing: apt-get install -y hyperfine (npm run setup installs it)"
[[ -x "$loop_host" ]] || die "$loop_host is not built: run npm run setup (or cargo build --release -p loop-host)"
[[ -f "$root/packages/cli/dist/cli.js" ]] || die "the loop CLI is not built: run npm run build"

# 1. The anchor: wasmtime-cli from crates.io, the same Wasmtime version loop-host embeds.
if ! "$wasmtime" --version 2>/dev/null | grep -qxF "wasmtime $WASMTIME_VERSION"; then
  say "building wasmtime-cli $WASMTIME_VERSION into $wasmtime_root (about 11 minutes on 2 cores, once)"
  cargo install --locked "wasmtime-cli@$WASMTIME_VERSION" --root "$wasmtime_root" >&2
fi

# 2. The components.
build() {
  node "$loop_js" component build "$1" --json |
    node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(0, "utf8")).wasm)'
}
say "building the benchmark components"
rs=$(build benches/run/guests/hello-rs)
js=$(build benches/run/guests/hello-js)

# 3. Cache folders of the benchmark's own: loop's, and wasmtime's through a config file.
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
rm -rf "$work"
mkdir -p "$work/loop-cache" "$work/wasmtime-cache" "$results"
cat >"$work/wasmtime-cache.toml" <<EOF
[cache]
directory = "$work/wasmtime-cache"
EOF

# 4. Measure. The machine is shared and its load comes in bursts, so each group is measured in
# rounds that alternate (and reverse) the commands; the samples of all rounds are then pooled.
# Per group: rounds, runs a round, warm-up runs a round (none for the 10-second cold compiles).
if ((quick)); then
  cached_rs=(3 4 1) cold_rs=(2 2 1) cached_js=(2 3 1) cold_js=(1 2 0)
else
  cached_rs=(8 5 1) cold_rs=(5 2 1) cached_js=(6 4 1) cold_js=(3 2 0)
fi

wt_cached="$wasmtime run -C cache-config=$work/wasmtime-cache.toml"
wt_cold="$wasmtime run -C cache=n"
lh_cached="$loop_host run --cache-dir $work/loop-cache"
lh_cold="$loop_host run --no-cache"
lr_cached="node $loop_js run --cache-dir $work/loop-cache"
lr_cold="node $loop_js run --no-cache"
spawn="node $root/benches/run/spawn.mjs"

group() { # name rounds runs warmup [NAME COMMAND]...
  local name=$1 rounds=$2 runs=$3 warmup=$4
  shift 4
  local pairs=("node -e ''" "node -e ''" "$@") args=() i j
  say "measuring $name: $rounds round(s) of $runs run(s)"
  for ((i = 0; i < rounds; i++)); do
    args=()
    for ((j = 0; j < ${#pairs[@]}; j += 2)); do
      if ((i % 2)); then
        args=(-n "${pairs[j]}" "${pairs[j + 1]}" "${args[@]}")
      else
        args+=(-n "${pairs[j]}" "${pairs[j + 1]}")
      fi
    done
    hyperfine -N --style basic --warmup "$warmup" --runs "$runs" \
      --export-json "$work/$name.$i.json" "${args[@]}" >&2
  done
}

# Prime the caches (and check that every runner runs each component) before measuring.
for cmd in "$wt_cached $rs x" "$wt_cached -S http $js x" "$lh_cached $rs x" "$lh_cached $js x"; do
  $cmd >/dev/null || die "this command failed: $cmd"
done

group rust-cached "${cached_rs[@]}" \
  "wasmtime run" "$wt_cached $rs x" \
  "loop-host run" "$lh_cached $rs x" \
  "loop run" "$lr_cached $rs x" \
  "node spawn.mjs loop-host run" "$spawn $lh_cached $rs x"
group rust-cold "${cold_rs[@]}" \
  "wasmtime run" "$wt_cold $rs x" \
  "loop-host run" "$lh_cold $rs x" \
  "loop run" "$lr_cold $rs x"
group js-cached "${cached_js[@]}" \
  "wasmtime run" "$wt_cached -S http $js x" \
  "loop-host run" "$lh_cached $js x" \
  "loop run" "$lr_cached $js x" \
  "node spawn.mjs loop-host run" "$spawn $lh_cached $js x"
group js-cold "${cold_js[@]}" \
  "wasmtime run" "$wt_cold -S http $js x" \
  "loop-host run" "$lh_cold $js x" \
  "loop run" "$lr_cold $js x"

# 5. The table and the summary.
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
stamp=$(date -u +%Y-%m-%dT%H-%M-%SZ)
LOAD="before $load_before, after $load_after" WORK=$work RESULTS=$results STAMP=$stamp RS=$rs JS=$js \
  MACHINE="$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sr)" \
  VERSIONS="$("$wasmtime" --version); loop-host $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- crates/loop-host || echo '+dirty'); node $(node --version); $(hyperfine --version)" \
  node --input-type=module <<'EOF'
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
const { WORK, RESULTS, STAMP, RS, JS, MACHINE, VERSIONS, LOAD } = process.env;
const groups = [
  ["rust-cached", "hello-rs (Rust, %s)", "cached", RS],
  ["rust-cold", "hello-rs (Rust, %s)", "cold", RS],
  ["js-cached", "hello-js (JS, %s)", "cached", JS],
  ["js-cold", "hello-js (JS, %s)", "cold", JS],
];
const size = (f) => {
  const b = statSync(f).size;
  return b > 1 << 20 ? `${(b / (1 << 20)).toFixed(1)} MiB` : `${Math.round(b / 1024)} KiB`;
};
const ms = (s) => s * 1000;
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
/** Pools every round's samples of each command (hyperfine gives CPU time as a mean a round). */
function pooled(name) {
  const rounds = readdirSync(WORK)
    .filter((f) => f.startsWith(`${name}.`) && f.endsWith(".json"))
    .map((f) => JSON.parse(readFileSync(`${WORK}/${f}`, "utf8")).results);
  const by = new Map();
  for (const results of rounds) {
    for (const r of results) {
      const p = by.get(r.command) ?? { command: r.command, times: [], cpu: 0 };
      p.times.push(...r.times);
      p.cpu += (r.user + r.system) * r.times.length;
      by.set(r.command, p);
    }
  }
  return { rounds: rounds.length, results: [...by.values()] };
}
const summary = { date: STAMP, machine: MACHINE, load: LOAD, versions: VERSIONS, groups: {} };
const rows = [
  "| component | cache | command | runs | median ms | min ms | CPU ms | ratio to wasmtime |",
  "|---|---|---|---:|---:|---:|---:|---:|",
];
const notes = [];
for (const [name, label, mode, file] of groups) {
  const { rounds, results } = pooled(name);
  const stats = results.map((r) => ({
    command: r.command,
    runs: r.times.length,
    median_ms: ms(median(r.times)),
    min_ms: ms(Math.min(...r.times)),
    max_ms: ms(Math.max(...r.times)),
    cpu_ms: ms(r.cpu / r.times.length),
    times_ms: r.times.map(ms),
  }));
  const by = Object.fromEntries(stats.map((r) => [r.command, r]));
  const base = by["wasmtime run"].median_ms;
  for (const r of stats) r.ratio_to_wasmtime = r.median_ms / base;
  summary.groups[name] = { rounds, results: stats };
  for (const r of stats) {
    const ratio = r.command.startsWith("node") ? "" : `${r.ratio_to_wasmtime.toFixed(2)}×`;
    rows.push(
      `| ${label.replace("%s", size(file))} | ${mode} | \`${r.command}\` | ${r.runs} | ${r.median_ms.toFixed(1)} | ${r.min_ms.toFixed(1)} | ${r.cpu_ms.toFixed(1)} | ${ratio} |`,
    );
  }
  const host = by["loop-host run"];
  const extra = by["loop run"].median_ms - host.median_ms;
  const extraCpu = by["loop run"].cpu_ms - host.cpu_ms;
  const node = by["node -e ''"];
  const spawned = by["node spawn.mjs loop-host run"];
  const floor = spawned
    ? `; a bare Node wrapper (\`node spawn.mjs\`) adds ${(spawned.median_ms - host.median_ms).toFixed(1)} ms (CPU ${(spawned.cpu_ms - host.cpu_ms).toFixed(1)} ms)`
    : "";
  notes.push(
    `- ${name}: \`loop run\` adds ${extra.toFixed(1)} ms to \`loop-host run\` (CPU ${extraCpu.toFixed(1)} ms); \`node -e ''\` takes ${node.median_ms.toFixed(1)} ms (CPU ${node.cpu_ms.toFixed(1)} ms)${floor}`,
  );
}
const table = [
  `Machine: ${MACHINE}`,
  `Versions: ${VERSIONS}`,
  `Date: ${STAMP}; load average (1, 5, 15 min) ${LOAD}`,
  "",
  ...rows,
  "",
  ...notes,
].join("\n");
const json = `${JSON.stringify(summary, null, 2)}\n`;
writeFileSync(`${RESULTS}/run-${STAMP}.json`, json);
writeFileSync(`${RESULTS}/run-latest.json`, json);
console.log(table);
EOF
