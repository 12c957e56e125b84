import { spawn } from "node:child_process";
import path from "node:path";
import { buildIfNeeded } from "../scripts/build-if-needed.mjs";

// `next start` for the HTTP parts of the benches: built if needed, on its own port, with the
// bench's database in `env`; resolves once /api/health answers.

const ROOT = path.resolve(import.meta.dirname, "..");

export interface BenchServer {
  base: string;
  stop: () => void;
}

export async function startServer(port: number, env: Record<string, string> = {}): Promise<BenchServer> {
  buildIfNeeded();
  const server = spawn(process.execPath, [path.join(ROOT, "node_modules/next/dist/bin/next"), "start", "-p", String(port)], {
    cwd: ROOT,
    env: { ...process.env, ...env, NEXT_TELEMETRY_DISABLED: "1" },
    stdio: "ignore",
  });
  const base = `http://127.0.0.1:${port}`;
  const stop = () => void server.kill("SIGTERM");
  try {
    await waitForServer(`${base}/api/health`);
  } catch (error) {
    stop();
    throw error;
  }
  return { base, stop };
}

async function waitForServer(url: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`server did not answer ${url}`);
}
