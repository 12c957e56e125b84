// name → bench. Each capability adds one line.
import { benchImport } from "./import";

export const BENCHES: Record<string, () => Promise<void>> = {
  import: benchImport,
};
