// Next.js start-up hook: crash recovery (lib/recovery, docs/recovery.md) runs once the server is
// up — jobs a dead process left "running" are marked failed or removed, abandoned upload folders
// and orphan image files swept — and again every few minutes. Node runtime only; never blocks
// start-up and never throws.
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  if (process.env.STEPWISE_NO_RECOVERY === "1") return;
  const { startRecovery } = await import("@/lib/recovery/recovery");
  startRecovery();
}
