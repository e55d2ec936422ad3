import { fromShim } from "./types.js";

// `wasi:filesystem/*`: linked (a componentize-js component imports it whatever it does), but
// denying: no directory is preopened, so there is nothing to open, as loop-host gives a
// component without `dirs` grants.
export const filesystem = fromShim("files", "filesystem", ["types", "preopens"], () => ({
  "wasi:filesystem/preopens": { getDirectories: (): unknown[] => [] },
}));
