// The catalog of project templates under <loop-kit>/templates/. Each template is a folder copied
// as it is, with `{{placeholder}}`s filled in (see render.ts and templates/README.md).

/** Languages `loop component new --lang` knows. */
export const LANGS = ["rust", "ts", "js"] as const;
export type Lang = (typeof LANGS)[number];

/** Worlds `loop component new --world` knows. */
export const WORLDS = ["command", "http", "fx"] as const;
export type World = (typeof WORLDS)[number];

/** One step of the "what now" a command prints after creating a project. */
export interface NextStep {
  /** A shell command, run in the new project's folder. */
  command: string;
  /** What it does or prints. */
  comment: string;
}

export interface Template {
  /** `component/rust-command`, `host/native`, `app`: also the folder under templates/. */
  id: string;
  /** A few words for people: "Rust command component". */
  title: string;
  /** Project folders (relative) that get loop-kit's Cargo.lock, so cargo picks the versions loop-kit is tested with. */
  cargoLocks: readonly string[];
  /** What to run first, in the project's folder (`{{placeholders}}` filled in as in files). */
  next: readonly NextStep[];
}

const LANG_TITLE: Record<Lang, string> = { rust: "Rust", ts: "TypeScript", js: "JavaScript" };

const WORLD_TITLE: Record<World, string> = {
  command: "command component (wasi:cli/run)",
  http: "HTTP component (wasi:http/incoming-handler)",
  fx: "UI component (loop:fx/app)",
};

function componentNext(world: World): NextStep[] {
  switch (world) {
    case "command":
      return [
        { command: "loop run", comment: "builds it, then runs it: Hello, world! ..." },
        { command: "loop run -- Ada", comment: "guest arguments go after --" },
      ];
    case "http":
      return [
        { command: "loop serve", comment: "builds it, then serves it on http://127.0.0.1:8080" },
        { command: "curl http://127.0.0.1:8080/", comment: "in another terminal" },
      ];
    case "fx":
      return [
        { command: "loop run", comment: "builds it, then renders it headless: prints its HTML" },
        { command: "loop run --events clicks.log", comment: "replays three clicks first: count 1" },
      ];
  }
}

/** The template of `loop component new --lang LANG --world WORLD`. */
export function componentTemplate(lang: Lang, world: World): Template {
  return {
    id: `component/${lang}-${world}`,
    title: `${LANG_TITLE[lang]} ${WORLD_TITLE[world]}`,
    cargoLocks: lang === "rust" ? ["."] : [],
    next: componentNext(world),
  };
}

/** The template of `loop host new --kind native`. */
export const NATIVE_HOST: Template = {
  id: "host/native",
  title: "native host (a Rust program embedding loop-host) with its own capability and a guest",
  cargoLocks: [".", "guest"],
  next: [
    { command: "loop component build guest", comment: "builds the guest component" },
    { command: "cargo run --release", comment: "builds the host, then runs the guest in it" },
  ],
};

/** The template of `loop host new --kind web`. */
export const WEB_HOST: Template = {
  id: "host/web",
  title: "web host (a page running a component in @loop-kit/web-host) with its own capability",
  cargoLocks: ["guest"],
  next: [
    {
      command: "npm run build",
      comment: "builds the guest, transpiles it for the browser, bundles the page into dist/",
    },
    { command: "python3 -m http.server -d dist 8000", comment: "then open http://127.0.0.1:8000/" },
  ],
};

/** The template of `loop app new`. */
export const APP: Template = {
  id: "app",
  title: "app: a Rust component and a TypeScript component talking through loop:fx",
  cargoLocks: ["app"],
  next: [
    { command: "loop run", comment: "builds both components, renders the app: prints its HTML" },
    {
      command: "loop run --events clicks.log",
      comment: "replays clicks on the counters first: total 4",
    },
  ],
};

/** Every template, for tests and benchmarks. */
export function allTemplates(): Template[] {
  const out: Template[] = [];
  for (const lang of LANGS) for (const world of WORLDS) out.push(componentTemplate(lang, world));
  out.push(NATIVE_HOST, WEB_HOST, APP);
  return out;
}
