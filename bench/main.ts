// `npm run bench -- [name...]`: runs the named benchmarks (all when none is named). Each bench
// measures our path and the machine's raw limit for the same work in the same run, prints both
// and their ratio, and never asserts on time (docs/design.md §10; figures go to bench/README.md).
import { BENCHES } from "./registry";

async function main(): Promise<void> {
  const names = process.argv.slice(2).filter((a) => !a.startsWith("--"));
  const unknown = names.filter((n) => !BENCHES[n]);
  if (unknown.length) {
    console.error(`unknown bench: ${unknown.join(", ")} (available: ${Object.keys(BENCHES).join(", ") || "none"})`);
    process.exit(2);
  }
  const selected = names.length ? names : Object.keys(BENCHES);
  if (selected.length === 0) {
    console.error("no benchmarks registered yet");
    return;
  }
  console.log(`machine: ${process.platform} ${process.arch}, node ${process.version}, ${(await import("node:os")).cpus().length} cores`);
  for (const name of selected) {
    console.log(`\n## ${name}`);
    await BENCHES[name]();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
