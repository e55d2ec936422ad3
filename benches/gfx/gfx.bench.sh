#!/usr/bin/env bash
# Frame-time benchmark: examples/triangle in `loop run` (WebGPU through wasi-gfx, Wasmtime, the
# component-model async boundary) against the same triangle as a native Rust wgpu + winit program
# (benches/gfx/native: same shader, same 640 × 480 window, same calls per frame).
#
#   bash benches/gfx/gfx.bench.sh [--quick]
#
# Both draw frames back to back (loop: LOOP_GFX_FPS=max, the next frame event as soon as a frame
# is presented; native: ControlFlow::Poll) with the AutoNoVsync present mode, on a private Xvfb
# display, on whatever Vulkan adapter wgpu picks (lavapipe, Mesa's software Vulkan, on a machine
# without a GPU). Each program times the interval between consecutive presents, after a warm-up.
#
# What it needs: `npm run setup` done (loop-host, the CLI, Xvfb, Mesa's Vulkan drivers), and a
# few minutes the first time to build the native program into benches/.cache/gfx-native.
#
# Output: a markdown table on stdout; a JSON summary with every frame time under benches/results/.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD

quick=0
[[ "${1:-}" == "--quick" ]] && quick=1
if ((quick)); then rounds=2 frames=300; else rounds=10 frames=1000; fi
warmup=60

cache=$root/benches/.cache
results=$root/benches/results
native=$cache/gfx-native/release/triangle-native
loop_js=$root/packages/cli/bin/loop.js

say() { printf '== %s\n' "$*" >&2; }
die() {
  printf 'gfx.bench.sh: %s\n' "$*" >&2
  exit 1
}

command -v Xvfb >/dev/null || die "Xvfb is missing: npm run setup installs it (apt-get install xvfb)"
[[ -x $root/target/release/loop-host ]] || die "loop-host is not built: run npm run setup"
[[ -f $root/packages/cli/dist/cli.js ]] || die "the loop CLI is not built: run npm run build"

say "building the native triangle (benches/gfx/native) into $cache/gfx-native"
CARGO_TARGET_DIR=$cache/gfx-native cargo build --release --quiet \
  --manifest-path benches/gfx/native/Cargo.toml >&2
say "building examples/triangle"
triangle=$(node "$loop_js" component build examples/triangle --json |
  node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(0, "utf8")).wasm)')

# A display of our own.
exec 3< <(Xvfb -displayfd 1 -screen 0 1024x768x24 -ac -nolisten tcp -noreset 2>/dev/null)
xvfb_pid=$!
read -r -t 15 number <&3 || die "Xvfb did not start"
export DISPLAY=:$number
unset WAYLAND_DISPLAY
# loop-host turns Mesa's device-select Vulkan layer off when there is no XDG_RUNTIME_DIR (see
# docs/gfx.md); the native program gets the same, or the layer's Wayland probing slows it down.
[[ -n "${XDG_RUNTIME_DIR:-}" ]] || export NODEVICE_SELECT=1
trap 'kill $xvfb_pid 2>/dev/null || true' EXIT

work=$(mktemp -d)
mkdir -p "$results" "$work/loop-cache"
adapter=$("$root/target/release/loop-host" doctor --json | node -e '
  const r = JSON.parse(require("fs").readFileSync(0, "utf8")).gpu;
  process.stdout.write(r.ok ? `${r.name} (${r.backend}, ${r.kind})` : `none: ${r.error}`)')
say "adapter: $adapter; display $DISPLAY"

# Warm-up frames are drawn but not counted: the program draws warmup + frames and the summary
# drops the first `warmup` intervals.
n=$((warmup + frames))
run_loop() {
  LOOP_GFX_FPS=max node "$loop_js" run --cache-dir "$work/loop-cache" "$triangle" --bench "$n"
}
run_native() { "$native" --bench "$n"; }
run_loop >/dev/null # fills the compile cache

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for ((i = 0; i < rounds; i++)); do
  # Alternate the order, so neither always runs on a machine warmed (or loaded) by the other.
  if ((i % 2)); then order=(native loop); else order=(loop native); fi
  for who in "${order[@]}"; do
    say "round $((i + 1))/$rounds: $who"
    "run_$who" | tail -1 >"$work/$who.$i.json"
  done
done
say "paced: loop run at the default 60 frames/s, for comparison"
LOOP_GFX_FPS=60 node "$loop_js" run --cache-dir "$work/loop-cache" "$triangle" --bench 180 |
  tail -1 >"$work/paced.json"
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

stamp=$(date -u +%Y-%m-%dT%H-%M-%SZ)
WORK=$work RESULTS=$results STAMP=$stamp ROUNDS=$rounds WARMUP=$warmup ADAPTER=$adapter \
  LOAD="before $load_before, after $load_after" \
  MACHINE="$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sr)" \
  VERSIONS="loop-host $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- crates/loop-host || echo '+dirty'); node $(node --version); $(Xvfb -version 2>&1 | grep -m1 'X.Org X Server' || echo Xvfb)" \
  node --input-type=module <<'EOF'
import { readFileSync, writeFileSync } from "node:fs";
const { WORK, RESULTS, STAMP, ROUNDS, WARMUP, ADAPTER, LOAD, MACHINE, VERSIONS } = process.env;
const quantile = (sorted, q) => sorted[Math.round((sorted.length - 1) * q)];
function pooled(who) {
  const times = [];
  let seconds = 0;
  for (let i = 0; i < Number(ROUNDS); i++) {
    const r = JSON.parse(readFileSync(`${WORK}/${who}.${i}.json`, "utf8"));
    const kept = r.times_ms.slice(Number(WARMUP));
    times.push(...kept);
    seconds += kept.reduce((a, b) => a + b, 0) / 1000;
  }
  const sorted = [...times].sort((a, b) => a - b);
  return {
    frames: times.length,
    fps: times.length / seconds,
    median_ms: quantile(sorted, 0.5),
    p99_ms: quantile(sorted, 0.99),
    times_ms: times,
  };
}
const loop = pooled("loop");
const native = pooled("native");
const paced = JSON.parse(readFileSync(`${WORK}/paced.json`, "utf8"));
const summary = {
  date: STAMP, machine: MACHINE, adapter: ADAPTER, load: LOAD, versions: VERSIONS,
  rounds: Number(ROUNDS), warmup_frames: Number(WARMUP),
  loop, native, ratio_fps: loop.fps / native.fps,
  paced_60: { fps: paced.fps, median_ms: paced.median_ms, p99_ms: paced.p99_ms },
};
writeFileSync(`${RESULTS}/gfx-${STAMP}.json`, `${JSON.stringify(summary)}\n`);
const row = (name, r, ratio) =>
  `| ${name} | ${r.frames} | ${r.median_ms.toFixed(3)} | ${r.p99_ms.toFixed(3)} | ${r.fps.toFixed(1)} | ${ratio} |`;
console.log(`Adapter: ${ADAPTER}. ${MACHINE}. Load average ${LOAD}.`);
console.log(`${VERSIONS}. ${ROUNDS} rounds, ${WARMUP} warm-up frames a round dropped.\n`);
console.log("| triangle, 640 × 480 | frames | median ms | p99 ms | frames/s | frames/s ratio to native |");
console.log("|---|---:|---:|---:|---:|---:|");
console.log(row("native Rust (wgpu 29 + winit 0.30)", native, "1.00×"));
console.log(row("`loop run` (LOOP_GFX_FPS=max)", loop, `**${(loop.fps / native.fps).toFixed(2)}×**`));
console.log(
  `| \`loop run\` (default pacing, 60/s) | ${paced.frames} | ${paced.median_ms.toFixed(3)} | ${paced.p99_ms.toFixed(3)} | ${paced.fps.toFixed(1)} | |`,
);
console.log(`\nSamples: benches/results/gfx-${STAMP}.json`);
EOF
rm -rf "$work"
