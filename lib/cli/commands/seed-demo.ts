import { defineCommand } from "@/lib/cli/command";
import { seedDemo } from "@/lib/services/system/seed";

export default defineCommand({
  name: "seed-demo",
  summary: "Load the bundled demo data (CLEVR scenes, images and program traces; VisProg traces with human verdicts)",
  usage: "stepwise seed-demo [--if-empty] [--json]",
  options: { "if-empty": { type: "boolean", default: false } },
  run: ({ values, progress }) => {
    progress(values["if-empty"] ? "seeding demo data if the database is empty…" : "seeding demo data…");
    return seedDemo({ force: !values["if-empty"] });
  },
  render: (summary) =>
    summary.seeded
      ? summary.imports.map((i) => `${i.dataset}: +${i.created.images} images, +${i.created.scenes} scenes, +${i.created.traces} traces, +${i.created.steps} steps, +${i.created.boxes} boxes (${i.duplicates} duplicates)`).join("\n")
      : "Database already has data; nothing seeded.",
});
