// name → bench. Each capability adds one line.
import { benchVerify } from "./verify";

export const BENCHES: Record<string, () => Promise<void>> = {
  verify: benchVerify,
};
