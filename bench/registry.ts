// name → bench. Each capability adds one line.
import { benchReview } from "./review";

export const BENCHES: Record<string, () => Promise<void>> = {
  review: benchReview,
};
