// A second anchor for `loop run`: Node starts, spawns the given command with the terminal
// passed through, and exits with its status. Nothing else: what any Node wrapper must cost.
//   node benches/run/spawn.mjs COMMAND [ARGS...]
import { spawn } from "node:child_process";

const child = spawn(process.argv[2], process.argv.slice(3), { stdio: "inherit" });
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
