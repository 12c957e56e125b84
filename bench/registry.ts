// name → bench. Each capability adds one line.
import { benchBulk } from "./bulk";
import { benchCalibration } from "./calibration";
import { benchExport } from "./export";
import { benchGenerate } from "./generate";
import { benchImport } from "./import";
import { benchLoad } from "./load";
import { benchReview } from "./review";
import { benchSpare } from "./spare";
import { benchVerify } from "./verify";
import { benchVerifyScale } from "./verify-scale";

export const BENCHES: Record<string, () => Promise<void>> = {
  calibration: benchCalibration,
  import: benchImport,
  verify: benchVerify,
  "verify-scale": benchVerifyScale,
  review: benchReview,
  export: benchExport,
  spare: benchSpare,
  generate: benchGenerate,
  load: benchLoad,
  bulk: benchBulk,
};
