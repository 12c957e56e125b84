import { handle } from "@/lib/api/handler";
import { queueQuery } from "@/lib/schemas/trace-list";
import { nextInQueue } from "@/lib/services/traces/trace-list";

export const dynamic = "force-dynamic";

export const GET = handle({ query: queueQuery }, ({ query, actor }) => nextInQueue({ ...query, user: actor.name }));
