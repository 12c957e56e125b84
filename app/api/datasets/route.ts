import { handle } from "@/lib/api/handler";
import { listDatasets } from "@/lib/services/traces/datasets";

export const dynamic = "force-dynamic";

export const GET = handle({}, () => listDatasets());
