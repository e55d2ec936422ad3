// A `loop` process that dies without stopping its loop-host (SIGKILL, a crash) takes loop-host
// with it instead of leaving a server nobody can stop on its port: `loop serve` (loop-host gets
// SIGTERM when its parent dies: LOOP_HOST_EXIT_WITH_PARENT) and `loop dev` (`loop-host serve
// --control` also stops at the end of its control input). Linux: reads /proc. (Whether the port
// is free afterwards is not checked: another test's server may have been given that port since.)
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { copyFile, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { buildExample, httpGet, startServe, tempDir } from "../helpers.js";
import { startDev } from "./dev-helpers.js";

let scratch: { dir: string; cleanup: () => Promise<void> };
let wasm: string;

before(async () => {
  scratch = await tempDir("orphan");
  wasm = await buildExample("http");
});

after(() => scratch?.cleanup());

/** The loop-host processes among `pid`'s children. */
function hostChildren(pid: number): number[] {
  const out: number[] = [];
  const tasks = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim();
  for (const child of tasks === "" ? [] : tasks.split(/\s+/).map(Number)) {
    const comm = readFileSync(`/proc/${child}/comm`, "utf8").trim();
    if (comm === "loop-host") out.push(child);
  }
  return out;
}

/** Whether `pid` has exited (a zombie nobody reaped yet counts as exited). */
function exited(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The state follows the parenthesised command name.
    return stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
  } catch {
    return true;
  }
}

/** Waits until `pid` exits; false if it is still running after `ms`. */
async function exitsWithin(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (exited(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return exited(pid);
}

test("loop serve killed with SIGKILL leaves no loop-host serving", async () => {
  const { running, url } = await startServe([wasm]);
  try {
    const pid = running.child.pid as number;
    const hosts = hostChildren(pid);
    assert.equal(hosts.length, 1, `loop-host children of ${pid}: ${hosts.join(", ")}`);
    assert.equal((await httpGet(`${url}/health`)).status, 200);
    const killed = new Promise((r) => running.child.once("exit", r));
    running.child.kill("SIGKILL");
    await killed;
    assert.ok(await exitsWithin(hosts[0] as number, 20_000), "loop-host outlived `loop serve`");
  } finally {
    running.child.kill("SIGKILL");
  }
});

test("loop dev killed with SIGKILL leaves no loop-host serving", async () => {
  const app = join(scratch.dir, "app");
  await mkdir(app);
  await copyFile(wasm, join(app, "http.wasm"));
  await writeFile(join(app, "loop.toml"), '[components.http]\npath = "http.wasm"\n');
  const dev = startDev(["--listen", "127.0.0.1:0"], {
    cwd: app,
    env: { LOOP_CACHE_DIR: join(scratch.dir, "cache") },
  });
  try {
    const ready = await dev.next((e) => e.event === "ready");
    const url = String(ready.url);
    const pid = dev.child.pid as number;
    // The server, and possibly a control-mode loop-host of the dev loop.
    const hosts = hostChildren(pid);
    assert.ok(hosts.length >= 1, `no loop-host child of ${pid}`);
    assert.equal((await httpGet(`${url}/health`)).status, 200);
    dev.child.kill("SIGKILL");
    await dev.exited;
    for (const host of hosts)
      assert.ok(await exitsWithin(host, 20_000), `loop-host ${host} outlived \`loop dev\``);
  } finally {
    dev.child.kill("SIGKILL");
  }
});
