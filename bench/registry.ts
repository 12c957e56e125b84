// name → bench. Each capability adds one line.
import { benchExport } from "./export";

export const BENCHES: Record<string, () => Promise<void>> = {
  export: benchExport,
};
