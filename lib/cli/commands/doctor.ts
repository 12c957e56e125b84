import { defineCommand } from "@/lib/cli/command";
import { runDoctor } from "@/lib/services/system/doctor";

export default defineCommand({
  name: "doctor",
  summary: "Check the environment: Node, database, migrations, images dir, Chromium for tests",
  usage: "stepwise doctor [--json]",
  options: {},
  needsDatabase: false,
  run: () => runDoctor(),
  render: (report) => report.checks.map((c) => `${c.ok ? "ok  " : "FAIL"}  ${c.name.padEnd(17)} ${c.detail}${!c.ok && "fix" in c && c.fix ? `\n      fix: ${c.fix}` : ""}`).join("\n"),
});
