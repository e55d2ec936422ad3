import assert from "node:assert/strict";
import { test } from "node:test";
import { CliError, EXIT_INTERNAL, reportError } from "@loop-kit/cli";

function capture(fn: () => number): { code: number; stderr: string } {
  const original = process.stderr.write;
  let stderr = "";
  process.stderr.write = ((chunk: string) => {
    stderr += chunk;
    return true;
  }) as typeof process.stderr.write;
  try {
    return { code: fn(), stderr };
  } finally {
    process.stderr.write = original;
  }
}

test("an unexpected error is one internal-error line, no stack", () => {
  const saved = process.env.LOOP_DEBUG;
  delete process.env.LOOP_DEBUG;
  try {
    const { code, stderr } = capture(() => reportError(new TypeError("x is not a function")));
    assert.equal(code, EXIT_INTERNAL);
    assert.equal(
      stderr,
      "loop: internal error: x is not a function (set LOOP_DEBUG=1 for the stack)\n",
    );
  } finally {
    if (saved !== undefined) process.env.LOOP_DEBUG = saved;
  }
});

test("LOOP_DEBUG=1 adds the stack before the line", () => {
  const saved = process.env.LOOP_DEBUG;
  process.env.LOOP_DEBUG = "1";
  try {
    const { stderr } = capture(() => reportError(new Error("kaput")));
    assert.match(stderr, /^Error: kaput\n\s+at /);
    assert.match(stderr, /loop: internal error: kaput/);
  } finally {
    if (saved === undefined) delete process.env.LOOP_DEBUG;
    else process.env.LOOP_DEBUG = saved;
  }
});

test("a CliError prints its details, then one loop: line", () => {
  const { code, stderr } = capture(() =>
    reportError(new CliError("it failed", { exitCode: 4, details: "some diagnostics" })),
  );
  assert.equal(code, 4);
  assert.equal(stderr, "some diagnostics\nloop: it failed\n");
});

test("errors from other packages that carry tool output print it first", () => {
  const err = Object.assign(new Error("cargo build failed"), {
    name: "BuildError",
    output: "error[E0425]: cannot find value `nope`\n",
  });
  const { code, stderr } = capture(() => reportError(err));
  assert.equal(code, 1);
  assert.equal(stderr, "error[E0425]: cannot find value `nope`\nloop: cargo build failed\n");
});
