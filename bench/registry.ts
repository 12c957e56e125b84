// name → bench. Each capability adds one line.
import { benchCalibration } from "./calibration";
import { benchImport } from "./import";
import { benchReview } from "./review";

export const BENCHES: Record<string, () => Promise<void>> = {
  calibration: benchCalibration,
  import: benchImport,
  review: benchReview,
};
