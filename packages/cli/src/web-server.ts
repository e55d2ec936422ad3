import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { fileURLToPath } from "node:url";
import type { WebSocket, WebSocketServer } from "ws";
import { CliError, EXIT_USAGE } from "./errors.js";
import { pageCsp, pageHtml } from "./web-page.js";

// The server of live mode (`loop run --ui web`): a plain `node:http` server (three routes need
// no framework) on a loopback address, serving the page and its script, with a WebSocket
// endpoint (the `ws` package: Node 20 has no WebSocket server of its own, and `ws` is the
// small, dependency-free, long-maintained one everybody uses) that carries patches to the page
// and DOM events back.
//
// The page is not authenticated, so it is only served on loopback addresses, and only to
// requests that name a loopback host (a DNS-rebinding page cannot reach it); the WebSocket
// accepts only pages of its own origin (another site open in the browser cannot drive the app).

/** The script the page loads. */
const SCRIPT = "/loop-live.js";
/** The WebSocket endpoint (the page's client connects here). */
export const WS_PATH = "/loop/ws";

/** A connected page. */
export interface Peer {
  send(message: object): void;
}

export interface LiveServerOptions {
  /** `HOST:PORT` (a loopback host; port 0 picks a free one). */
  listen: string;
  /** The page's title. */
  title: string;
  /** A page connected: send it the current tree. */
  onConnect(peer: Peer): void;
  /** A message from a page (parsed JSON). */
  onMessage(peer: Peer, message: unknown): void;
}

export interface LiveServer {
  /** The page's URL. */
  readonly url: string;
  /** Sends a message to every connected page. */
  broadcast(message: object): void;
  /** Stops listening and closes every connection. */
  close(): Promise<void>;
}

/** `HOST:PORT` → its parts; refuses anything but a loopback host. */
export function parseListen(value: string): { host: string; port: number } {
  const m = /^(\[[0-9A-Fa-f:.]+\]|[^:\s]+):(\d{1,5})$/.exec(value);
  const port = m ? Number(m[2]) : Number.NaN;
  if (m === null || port > 65535) {
    throw new CliError(
      `--listen ${value}: expected HOST:PORT, e.g. 127.0.0.1:7280 (port 0 picks a free one)`,
      { exitCode: EXIT_USAGE },
    );
  }
  const host = (m[1] as string).replace(/^\[(.*)\]$/, "$1");
  if (!isLoopback(host)) {
    throw new CliError(
      `--listen ${value}: the live page has no authentication, so it listens on a loopback address only (127.0.0.1, ::1 or localhost)`,
      { exitCode: EXIT_USAGE },
    );
  }
  return { host, port };
}

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** Whether a request's Host header names this server by a loopback name. */
function allowedHost(header: string | undefined, port: number): boolean {
  if (header === undefined) return false;
  const m = /^(\[[0-9A-Fa-f:.]+\]|[^:]+)(?::(\d+))?$/.exec(header);
  if (m === null) return false;
  const host = (m[1] as string).replace(/^\[(.*)\]$/, "$1");
  return isLoopback(host) && Number(m[2] ?? 80) === port;
}

/** Bundles the page's client (@loop-kit/dom's live client) with esbuild. */
async function bundleClient(): Promise<string> {
  const { build } = await import("esbuild");
  const result = await build({
    stdin: {
      contents:
        'import { connectLive } from "@loop-kit/dom/live";\n' +
        'connectLive({ container: document.getElementById("app") });\n',
      // Resolved from this package, which depends on @loop-kit/dom.
      resolveDir: fileURLToPath(new URL("..", import.meta.url)),
      sourcefile: "loop-live-entry.js",
      loader: "js",
    },
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify: true,
    write: false,
    legalComments: "none",
    logLevel: "silent",
  });
  return (result.outputFiles[0] as { text: string }).text;
}

/** Starts the live server; resolves once it listens. */
export async function startLiveServer(options: LiveServerOptions): Promise<LiveServer> {
  const { host, port } = parseListen(options.listen);
  // Kept out of the CLI's bundle (a computed specifier): only live mode loads it.
  const wsPackage = "ws";
  const [{ WebSocketServer: Wss }, script] = await Promise.all([
    import(wsPackage) as Promise<typeof import("ws")>,
    bundleClient(),
  ]);
  const sockets = new Set<Socket>();
  let actualPort = port;
  const csp = () => pageCsp();
  const page = pageHtml({ title: `${options.title} · loop`, script: SCRIPT.slice(1) });

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (!allowedHost(req.headers.host, actualPort)) {
      res.writeHead(403, { "content-type": "text/plain; charset=utf-8" });
      res.end(
        `loop: this server answers to 127.0.0.1:${actualPort} and localhost:${actualPort} only\n`,
      );
      return;
    }
    const path = (req.url ?? "/").split("?", 1)[0];
    const headers = {
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
      "content-security-policy": csp(),
    };
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD", ...headers });
      res.end();
    } else if (path === "/" || path === "/index.html") {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8", ...headers });
      res.end(req.method === "HEAD" ? undefined : page);
    } else if (path === SCRIPT) {
      res.writeHead(200, { "content-type": "text/javascript; charset=utf-8", ...headers });
      res.end(req.method === "HEAD" ? undefined : script);
    } else {
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8", ...headers });
      res.end("not found\n");
    }
  });
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.once("close", () => sockets.delete(s));
  });

  const wss: WebSocketServer = new Wss({
    noServer: true,
    maxPayload: 1 << 20,
  });
  const peers = new Set<WebSocket>();
  server.on("upgrade", (req: IncomingMessage, socket: Socket, head: Buffer) => {
    const path = (req.url ?? "").split("?", 1)[0];
    const origin = req.headers.origin;
    const okOrigin =
      origin !== undefined &&
      /^http:\/\//.test(origin) &&
      allowedHost(origin.slice("http://".length), actualPort);
    if (path !== WS_PATH || !allowedHost(req.headers.host, actualPort) || !okOrigin) {
      socket.end("HTTP/1.1 403 Forbidden\r\nconnection: close\r\n\r\n");
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      peers.add(ws);
      const peer: Peer = {
        send(message) {
          if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
        },
      };
      ws.on("close", () => peers.delete(ws));
      ws.on("error", () => peers.delete(ws));
      ws.on("message", (data: Buffer, binary: boolean) => {
        if (binary) return;
        let message: unknown;
        try {
          message = JSON.parse(data.toString("utf8"));
        } catch {
          return; // not ours
        }
        options.onMessage(peer, message);
      });
      options.onConnect(peer);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "EADDRINUSE") {
        reject(
          new CliError(
            `${options.listen} is in use; pass --listen with another port (port 0 picks a free one)`,
          ),
        );
      } else if (err.code === "EADDRNOTAVAIL") {
        reject(new CliError(`cannot listen on ${options.listen}: no such local address`));
      } else reject(err);
    });
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  if (address !== null && typeof address === "object") actualPort = address.port;
  const shown = host.includes(":") ? `[${host}]` : host;
  return {
    url: `http://${shown}:${actualPort}/`,
    broadcast(message) {
      if (peers.size === 0) return;
      const text = JSON.stringify(message);
      for (const ws of peers) if (ws.readyState === ws.OPEN) ws.send(text);
    },
    close() {
      for (const ws of peers) ws.terminate();
      peers.clear();
      wss.close();
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
    },
  };
}
