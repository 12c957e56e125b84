import { handle } from "@/lib/api/handler";
import { datasetNameParams, verdictsQuery } from "@/lib/schemas/verifier";
import { openStepVerdicts } from "@/lib/services/verify/verdicts";

export const dynamic = "force-dynamic";

// JSON lines, one per step (the CLI's `verdicts` format), streamed batch by batch.
export const GET = handle({ params: datasetNameParams, query: verdictsQuery }, async ({ params, query }) => {
  const { run, batches } = await openStepVerdicts({ dataset: params.name, run: query.run });
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await batches.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value.map((line) => `${JSON.stringify(line)}\n`).join("")));
    },
    async cancel() {
      await batches.return(undefined);
    },
  });
  return new Response(body, { headers: { "content-type": "application/x-ndjson; charset=utf-8", "x-verifier-run": String(run.id) } });
});
