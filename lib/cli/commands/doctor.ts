import { defineCommand } from "@/lib/cli/command";
import { runDoctor, type DoctorReport } from "@/lib/services/system/doctor";

function render(report: DoctorReport): string {
  const lines = report.checks.map((c) => `${c.ok ? "ok  " : "FAIL"}  ${c.name.padEnd(17)} ${c.detail}${!c.ok && "fix" in c && c.fix ? `\n      fix: ${c.fix}` : ""}`);
  for (const f of report.recovery?.findings ?? []) lines.push(`      ${f.fixed ? "repaired" : f.error ? `NOT repaired (${f.error})` : "found   "}  ${f.kind.padEnd(12)} ${f.detail}`);
  return lines.join("\n");
}

export default defineCommand({
  name: "doctor",
  summary: "Check the environment (Node, database, migrations, images dir, Chromium for tests) and what crashed processes left behind; --fix repairs it",
  usage: "stepwise doctor [--fix] [--json]",
  options: { fix: { type: "boolean" } },
  needsDatabase: false,
  run: ({ values }) => runDoctor({ fix: values.fix === true }),
  render,
  exitCode: (report) => (report.recovery?.findings.some((f) => !f.fixed) ? 1 : 0),
});
