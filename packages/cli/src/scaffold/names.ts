// Project names for `loop component new`, `loop host new` and `loop app new`.
//
// One name is used everywhere a generated project needs one: the folder, the Cargo package or
// npm package, the loop.toml component, and the WIT package and world. So it must be valid in
// all of them at once: kebab-case words that each start with a letter (WIT's rule), and not a
// word any of those languages reserve.

/** Longest name accepted (cargo and npm allow more; nobody types more). */
export const MAX_NAME_LENGTH = 64;

const NAME_RE = /^[a-z][a-z0-9]*(-[a-z][a-z0-9]*)*$/;

/** Rust keywords (strict, reserved, edition 2024) and the names cargo refuses for packages. */
const RUST_RESERVED = new Set(
  (
    "as async await break const continue crate dyn else enum extern false fn for gen if impl in " +
    "let loop match mod move mut pub ref return self static struct super trait true type unsafe " +
    "use where while abstract become box do final macro override priv try typeof unsized virtual " +
    "yield test core std alloc proc-macro"
  ).split(" "),
);

/** WIT keywords: a package or world named after one does not parse. */
const WIT_RESERVED = new Set(
  (
    "as async bool borrow char constructor enum export f32 f64 flags from func future import " +
    "include interface list own package record resource result s16 s32 s64 s8 static stream " +
    "string tuple type u16 u32 u64 u8 use variant with world option error-context"
  ).split(" "),
);

/** Device names Windows reserves as file names (cargo refuses them as package names too). */
const OS_RESERVED = new Set(["con", "prn", "aux", "nul", "com1", "lpt1"]);

/**
 * Why `name` cannot name a project, as one sentence that says what to type instead; `undefined`
 * when it is fine.
 */
export function nameProblem(name: string): string | undefined {
  const quoted = JSON.stringify(name);
  if (name === "") return "the name is empty; give one such as hello-world";
  if (name.length > MAX_NAME_LENGTH) {
    return `${quoted} is ${name.length} characters long; use at most ${MAX_NAME_LENGTH}`;
  }
  if (!NAME_RE.test(name)) {
    const suggestion = suggestName(name);
    const usable = suggestion !== undefined && nameProblem(suggestion) === undefined;
    const hint = usable ? ` (try ${JSON.stringify(suggestion)})` : "";
    return `${quoted} is not a valid name: use lower-case letters, digits and single hyphens, each hyphen-separated part starting with a letter, e.g. hello-world${hint}`;
  }
  const reserved = RUST_RESERVED.has(name)
    ? "a Rust keyword or a name cargo reserves"
    : WIT_RESERVED.has(name)
      ? "a WIT keyword"
      : OS_RESERVED.has(name)
        ? "a device name on Windows"
        : undefined;
  if (reserved !== undefined) {
    return `${quoted} is ${reserved}, so it cannot name the package; pick another (e.g. my-${name})`;
  }
  return undefined;
}

/**
 * The nearest valid name to `raw` (lower-cased, separators turned into single hyphens, a part
 * that starts with a digit joined to the one before it), or `undefined` when there is none.
 */
export function suggestName(raw: string): string | undefined {
  const parts: string[] = [];
  for (const part of raw
    .replace(/([a-z0-9])([A-Z])/g, "$1-$2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)) {
    if (part === "") continue;
    if (/^[0-9]/.test(part) && parts.length > 0) parts[parts.length - 1] += part;
    else parts.push(part);
  }
  const name = parts.join("-").slice(0, MAX_NAME_LENGTH).replace(/-+$/, "");
  return NAME_RE.test(name) ? name : undefined;
}

/** `hello-world` → `hello_world`: the form Rust uses for a crate's identifiers and files. */
export function snakeName(name: string): string {
  return name.replaceAll("-", "_");
}
