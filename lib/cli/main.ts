import { parseArgs } from "node:util";
import type { Command } from "@/lib/cli/command";
import { COMMANDS } from "@/lib/cli/commands";
import { remoteTarget } from "@/lib/cli/remote";
import { disconnect } from "@/lib/db";
import { AppError, exitCodeOf, formatDetail } from "@/lib/errors";
import { deployMigrations, pendingMigrations } from "@/scripts/migrate-core.mjs";

// `stepwise <command> [options]`. Exit codes: 0 ok, 2 invalid input, 1 anything else.
// With --json, stdout carries exactly one JSON document (or JSON lines for streaming commands).

process.env.NEXT_TELEMETRY_DISABLED = "1";
process.env.CHECKPOINT_DISABLE = "1";

/** Commands that talk to a server when STEPWISE_URL and STEPWISE_TOKEN are set (lib/cli/remote.ts). */
const REMOTE_COMMANDS = new Set(["users", "tokens", "datasets"]);

function help(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    "stepwise — build verified step-by-step reasoning datasets",
    "",
    "Usage: npm run stepwise -- <command> [options]",
    "",
    "Commands:",
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "Global options:",
    "  --json   machine-readable output on stdout (progress stays on stderr)",
    "  --help   help for a command",
    "",
    "Environment: DATABASE_URL (default file:./data/stepwise.db), STEPWISE_DATA_DIR (default ./data);",
    "  STEPWISE_URL + STEPWISE_TOKEN: users, tokens and datasets talk to that server instead",
    "Exit codes: 0 ok, 2 invalid input (nothing written), 1 other errors",
  ].join("\n");
}

function commandHelp(command: Command): string {
  return `${command.summary}\n\nUsage: ${command.usage}`;
}

async function ensureMigrated(): Promise<void> {
  if ((await pendingMigrations()).length > 0) await deployMigrations();
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    const target = name === "help" ? COMMANDS.find((c) => c.name === rest[0]) : undefined;
    process.stdout.write(`${target ? commandHelp(target) : help()}\n`);
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  const json = rest.includes("--json");
  if (!command) {
    return fail(new AppError("invalid_input", `unknown command "${name}" (see --help)`), json);
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    process.stdout.write(`${commandHelp(command)}\n`);
    return 0;
  }
  try {
    let parsed;
    try {
      parsed = parseArgs({ args: rest, options: { ...command.options, json: { type: "boolean", default: false } }, allowPositionals: Boolean(command.positionals), strict: true });
    } catch (error) {
      throw new AppError("invalid_input", `${(error as Error).message}\nUsage: ${command.usage}`);
    }
    if (command.needsDatabase !== false && !(REMOTE_COMMANDS.has(command.name) && remoteTarget())) await ensureMigrated();
    const result = await command.run({
      values: parsed.values as Record<string, string | boolean | string[] | undefined>,
      positionals: parsed.positionals,
      json,
      progress: (message) => process.stderr.write(`${message}\n`),
    });
    if (result !== undefined) {
      if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
      else process.stdout.write(`${command.render ? command.render(result as never) : JSON.stringify(result, null, 2)}\n`);
    }
    const report = result as { ok?: unknown } | undefined;
    if (command.exitCode && result !== undefined) return command.exitCode(result as never);
    return command.name === "doctor" && report?.ok === false ? 1 : 0;
  } catch (error) {
    return fail(error, json);
  } finally {
    await disconnect();
  }
}

function fail(error: unknown, json: boolean): number {
  const appError = error instanceof AppError ? error : null;
  if (json) {
    const body = appError
      ? { error: { code: appError.code, message: appError.message, details: appError.details } }
      : { error: { code: "internal", message: (error as Error)?.message ?? String(error) } };
    process.stdout.write(`${JSON.stringify(body)}\n`);
  }
  process.stderr.write(`error: ${appError ? appError.message : (error as Error)?.stack ?? String(error)}\n`);
  for (const detail of appError?.details.slice(0, 20) ?? []) process.stderr.write(`  ${formatDetail(detail)}\n`);
  if (appError && appError.details.length > 20) process.stderr.write(`  … ${appError.details.length - 20} more\n`);
  return exitCodeOf(error);
}

const isEntry = process.argv[1] && /lib[\\/]cli[\\/]main\.ts$/.test(process.argv[1]);
if (isEntry) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
