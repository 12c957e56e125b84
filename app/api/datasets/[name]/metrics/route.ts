import { handle } from "@/lib/api/handler";
import { datasetNameParams, metricsQuery } from "@/lib/schemas/verifier";
import { getDatasetMetrics } from "@/lib/services/verify/metrics";

export const dynamic = "force-dynamic";

export const GET = handle({ params: datasetNameParams, query: metricsQuery }, ({ params, query }) =>
  getDatasetMetrics({ dataset: params.name, run: query.run, ablation: query.ablation }),
);
