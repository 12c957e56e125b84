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

export const BENCHES: Record<string, () => Promise<void>> = {
  calibration: benchCalibration,
  import: benchImport,
  verify: benchVerify,
  review: benchReview,
  export: benchExport,
  spare: benchSpare,
  generate: benchGenerate,
  load: benchLoad,
  bulk: benchBulk,
};
