import { spawnSync } from "node:child_process";
import type { Command } from "commander";

interface DoctorOptions {
  json?: boolean;
}

/** One line of the report. */
interface Check {
  name: string;
  ok: boolean;
  detail: string;
  /** Extra fields for `--json` (e.g. the GPU adapter's name, backend and kind). */
  data?: Record<string, unknown>;
}

/** What `loop-host doctor --json` prints. */
interface HostDoctor {
  display: { ok: boolean; name?: string; error?: string };
  gpu: {
    ok: boolean;
    name?: string;
    backend?: string;
    kind?: string;
    driver?: string;
    error?: string;
  };
}

export function register(program: Command): void {
  program
    .command("doctor")
    .summary("check what this machine offers loop-kit: loop-host, Rust, display, GPU")
    .description(
      "Check the tools and devices loop-kit uses: Node, the loop-host binary, the Rust " +
        "WebAssembly target that `loop component build` needs, the display native windows open " +
        "on, and the GPU adapter WebGPU components get (name, backend, software or hardware). " +
        "Each line says what is missing and what to install.\n\n" +
        "Exit status 0 when loop-host is usable (a missing display or GPU only matters for " +
        "components that open windows), 1 otherwise.",
    )
    .option("--json", "print the checks as JSON")
    .addHelpText(
      "after",
      `
Examples:
  $ loop doctor
  $ xvfb-run -a loop doctor        # a headless machine, with a virtual display
  $ loop doctor --json | jq .gpu`,
    )
    .action(async (options: DoctorOptions) => {
      process.exitCode = await doctor(options);
    });
}

async function doctor(options: DoctorOptions): Promise<number> {
  const { captureHost, findLoopHost } = await import("@loop-kit/host-client");
  const checks: Check[] = [{ name: "node", ok: true, detail: process.version }];

  let bin: string | undefined;
  try {
    bin = findLoopHost();
    checks.push({ name: "loop-host", ok: true, detail: bin });
  } catch (err) {
    checks.push({ name: "loop-host", ok: false, detail: (err as Error).message });
  }
  checks.push(rustCheck());

  if (bin !== undefined) {
    const res = await captureHost(["doctor", "--json"], { bin });
    let report: HostDoctor | undefined;
    try {
      report = JSON.parse(res.stdout) as HostDoctor;
    } catch {
      const why = res.stderr.trim().split("\n").pop() ?? `exit status ${res.code}`;
      checks.push({ name: "display", ok: false, detail: `loop-host doctor failed: ${why}` });
    }
    if (report !== undefined) {
      const { display, gpu } = report;
      checks.push({
        name: "display",
        ok: display.ok,
        detail: display.ok ? (display.name ?? "") : (display.error ?? "none"),
      });
      checks.push({
        name: "gpu",
        ok: gpu.ok,
        detail: gpu.ok
          ? `${gpu.name} (${gpu.backend}, ${gpu.kind === "software" ? "software renderer" : `${gpu.kind}`}${gpu.driver ? `; ${gpu.driver}` : ""})`
          : (gpu.error ?? "none"),
        data: gpu.ok
          ? { name: gpu.name, backend: gpu.backend, kind: gpu.kind, driver: gpu.driver }
          : {},
      });
    }
  }

  if (options.json) {
    const out: Record<string, unknown> = {};
    for (const c of checks) out[c.name] = { ok: c.ok, detail: c.detail, ...c.data };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  } else {
    const width = Math.max(...checks.map((c) => c.name.length));
    const mark = (ok: boolean) => (ok ? "✓" : "✗");
    for (const c of checks) {
      process.stdout.write(`${mark(c.ok)} ${c.name.padEnd(width)}  ${c.detail}\n`);
    }
  }
  return bin === undefined ? 1 : 0;
}

/** Whether `loop component build` can build Rust guests (rustup's wasm32-wasip2 target). */
function rustCheck(): Check {
  const res = spawnSync("rustup", ["target", "list", "--installed"], { encoding: "utf8" });
  if (res.error !== undefined) {
    return {
      name: "rust",
      ok: false,
      detail: "rustup not found: install it from https://rustup.rs to build Rust components",
    };
  }
  if (res.status !== 0) {
    return {
      name: "rust",
      ok: false,
      detail: `rustup cannot list targets: ${res.stderr.trim().split("\n").pop() ?? ""} (run \`rustup toolchain install\`)`,
    };
  }
  const targets = res.stdout.split("\n").map((t) => t.trim());
  return targets.includes("wasm32-wasip2")
    ? { name: "rust", ok: true, detail: "wasm32-wasip2 target installed" }
    : {
        name: "rust",
        ok: false,
        detail: "no wasm32-wasip2 target: run `rustup target add wasm32-wasip2`",
      };
}
