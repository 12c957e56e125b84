// name → bench. Each capability adds one line.
import { benchImport } from "./import";
import { benchReview } from "./review";

export const BENCHES: Record<string, () => Promise<void>> = {
  import: benchImport,
  review: benchReview,
};
