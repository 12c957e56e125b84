import { defineCommand, table } from "@/lib/cli/command";
import { remoteJson, remoteTarget } from "@/lib/cli/remote";
import type { DatasetSummary } from "@/lib/schemas/datasets";
import { listDatasets } from "@/lib/services/traces/datasets";

export default defineCommand({
  name: "datasets",
  summary: "List datasets with their counts of images, scenes, questions, traces and steps",
  usage: "stepwise datasets [--json]",
  options: {},
  // With STEPWISE_URL + STEPWISE_TOKEN: the server's datasets (lib/cli/remote.ts).
  run: async () => {
    const target = remoteTarget();
    return target ? remoteJson<DatasetSummary[]>(target, "/api/datasets") : listDatasets();
  },
  render: (datasets) =>
    datasets.length === 0
      ? "No datasets yet. Run `stepwise seed-demo` or `stepwise import FILE --dataset NAME`."
      : table(["dataset", "images", "scenes", "questions", "traces", "steps", "reviewed"], datasets.map((d) => [d.name, d.images, d.scenes, d.questions, d.traces, d.steps, d.reviewedTraces])),
});
