import { defineConfig, devices } from "@playwright/test";
import { stateFile } from "./e2e/users";

// Runs against `next start` on a freshly migrated and seeded database prepared by scripts/e2e.mjs,
// in Debian's Chromium (no browser download). One worker: the machine has two cores.
// Every spec runs signed in as the e2e admin (e2e/global-setup.ts); a spec can switch user with
// test.use({ storageState: stateFile("viewer") }) or a new context.
const PORT = Number(process.env.E2E_PORT ?? 3100);
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export default defineConfig({
  testDir: "./e2e",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [["list"]],
  timeout: 60_000, // a cap, not a measurement: a 20-step keyboard review under a loaded machine needs more than 30 s
  expect: { timeout: 10_000 },
  outputDir: "test-results",
  globalSetup: "./e2e/global-setup.ts",
  use: {
    ...devices["Desktop Chrome"],
    baseURL: `http://127.0.0.1:${PORT}`,
    viewport: { width: 1440, height: 900 },
    deviceScaleFactor: 1,
    trace: "off",
    storageState: stateFile("admin"),
    launchOptions: {
      executablePath: CHROMIUM,
      args: [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1 , EXCLUDE localhost",
      ],
    },
  },
  projects: [{ name: "chromium" }],
  webServer: {
    command: `node node_modules/next/dist/bin/next start -p ${PORT} -H 127.0.0.1`,
    url: `http://127.0.0.1:${PORT}/api/health`,
    reuseExistingServer: false,
    timeout: 60_000,
    env: { NEXT_TELEMETRY_DISABLED: "1" },
    stdout: "pipe",
    stderr: "pipe",
  },
});
