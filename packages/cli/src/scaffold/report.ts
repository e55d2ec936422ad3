import { accessSync, constants, realpathSync } from "node:fs";
import { delimiter, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { renderText, type Scaffolded } from "./render.js";

/** The `loop` launcher of this CLI (packages/cli/bin/loop.js). */
export function loopBin(): string {
  // src/scaffold/ and dist/scaffold/ are both two levels below packages/cli.
  return fileURLToPath(new URL("../../bin/loop.js", import.meta.url));
}

/** Whether `loop` on PATH is this CLI, so that `loop ...` works in any folder. */
export function loopOnPath(env: NodeJS.ProcessEnv = process.env): boolean {
  let mine: string;
  try {
    mine = realpathSync(loopBin());
  } catch {
    return false;
  }
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (dir === "") continue;
    const candidate = join(dir, "loop");
    try {
      accessSync(candidate, constants.X_OK);
      if (realpathSync(candidate) === mine) return true;
    } catch {
      // not there, or not runnable
    }
  }
  return false;
}

/** The command that puts this CLI on PATH as `loop`. */
export function linkCommand(): string {
  const sudo = process.getuid?.() === 0 ? "" : "sudo ";
  return `${sudo}ln -s ${loopBin()} /usr/local/bin/loop`;
}

/**
 * What `loop ... new` prints: where the project went, its files, and the first commands to run
 * (with how to get `loop` on PATH when it is not).
 */
export function describeScaffold(result: Scaffolded, cwd = process.cwd()): string {
  const rel = relative(cwd, result.dir);
  const where = rel === "" ? "." : rel.startsWith("..") ? result.dir : `./${rel}`;
  const lines = [`created ${result.template.title} "${result.context.name}" in ${where}`];
  for (const file of result.files) lines.push(`  ${file}`);
  lines.push("", "next:");
  const steps = [
    ...(rel === "" ? [] : [{ command: `cd ${where}`, comment: "" }]),
    ...result.template.next.map((s) => ({
      command: renderText(s.command, result.context),
      comment: s.comment,
    })),
  ];
  const width = Math.max(...steps.map((s) => s.command.length));
  for (const s of steps) {
    lines.push(`  ${s.comment ? `${s.command.padEnd(width)}   # ${s.comment}` : s.command}`);
  }
  if (!loopOnPath()) {
    lines.push(
      "",
      `\`loop\` is not on your PATH (\`npx loop\` works only inside the loop-kit checkout); to put it there: ${linkCommand()}`,
    );
  }
  return `${lines.join("\n")}\n`;
}
