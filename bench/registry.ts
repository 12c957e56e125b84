// name → bench. Each capability adds one line.
export const BENCHES: Record<string, () => Promise<void>> = {};
