// Summarises V8 .cpuprofile files (node --cpu-prof) of the server: where its CPU went, grouped by
// what the code is (React's server render, Next's router, Prisma, SQLite, better-auth, the app's own
// code, GC) and the functions with the most self time. Used by `npm run bench -- load` with
// BENCH_CPU_PROF=<dir> (bench/README.md "load"); also `npx tsx bench/cpu-profile.ts [--window=FROM-TO] <dir or files>`.
import fs from "node:fs";
import path from "node:path";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  startTime: number;
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** What a frame belongs to, from its script URL. */
export function bucketOf(url: string, name: string): string {
  if (!url) return name.startsWith("(") ? name : "native / V8 builtins";
  if (/react-dom|react-server-dom|react\.production|react-jsx|app-page.*runtime/.test(url)) return "React render (server components + SSR)";
  if (/next\/dist\/compiled|next\/dist\/server|next\/dist\/shared|next\/dist\/client|next-server/.test(url)) return "Next.js (router, request handling)";
  if (/@prisma|prisma\/|lib\/generated/.test(url)) return "Prisma";
  if (/better-sqlite3/.test(url)) return "better-sqlite3";
  if (/better-auth|@better-auth|jose|@noble/.test(url)) return "better-auth";
  if (/zod/.test(url)) return "zod";
  if (/^node:|internal\//.test(url)) return "Node.js internals (streams, http)";
  if (/\.next\/server\/chunks|\.next\/server\/app/.test(url)) return "app code (bundled)";
  if (/node_modules/.test(url)) return `other package: ${/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1] ?? "?"}`;
  return "other";
}

/** `window`: only samples taken between these CLOCK_MONOTONIC microseconds (process.hrtime in another process on this machine). */
export function summarise(files: string[], window?: [number, number]): { totalMs: number; buckets: Array<[string, number]>; functions: Array<[string, number]> } {
  const buckets = new Map<string, number>();
  const functions = new Map<string, number>();
  let totalMs = 0;
  for (const file of files) {
    const profile = JSON.parse(fs.readFileSync(file, "utf8")) as Profile;
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    let at = profile.startTime;
    for (let i = 0; i < profile.samples.length; i++) {
      at += profile.timeDeltas[i] ?? 0;
      if (window && (at < window[0] || at > window[1])) continue;
      const node = byId.get(profile.samples[i]);
      const ms = (profile.timeDeltas[i] ?? 0) / 1000;
      if (!node || node.callFrame.functionName === "(idle)") continue;
      totalMs += ms;
      const { url, functionName, lineNumber } = node.callFrame;
      const bucket = bucketOf(url, functionName);
      buckets.set(bucket, (buckets.get(bucket) ?? 0) + ms);
      const key = `${functionName || "(anonymous)"}  ${url ? `${url.split("/").slice(-2).join("/")}:${lineNumber + 1}` : ""}`;
      functions.set(key, (functions.get(key) ?? 0) + ms);
    }
  }
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]);
  return { totalMs, buckets: sorted(buckets), functions: sorted(functions).slice(0, 25) };
}

export function printSummary(files: string[], requests?: number, window?: [number, number]): void {
  const { totalMs, buckets, functions } = summarise(files, window);
  const per = requests ? ` = ${(totalMs / requests).toFixed(1)} ms per request over ${requests} requests` : "";
  console.log(`CPU profile (${files.length} file${files.length === 1 ? "" : "s"}): ${totalMs.toFixed(0)} ms busy${per}`);
  for (const [bucket, ms] of buckets) console.log(`  ${((100 * ms) / totalMs).toFixed(1).padStart(5)}%  ${bucket}`);
  console.log("  top self time:");
  for (const [name, ms] of functions) console.log(`  ${((100 * ms) / totalMs).toFixed(1).padStart(5)}%  ${name}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  // --window=FROM-TO: only samples between those CLOCK_MONOTONIC microseconds (bench/verify-scale.ts prints a run's)
  const windowArg = process.argv.find((a) => a.startsWith("--window="));
  const window = windowArg ? (windowArg.slice(9).split("-").map(Number) as [number, number]) : undefined;
  const files = process.argv.slice(2).filter((a) => !a.startsWith("--")).flatMap((arg) => (fs.statSync(arg).isDirectory() ? fs.readdirSync(arg).filter((f) => f.endsWith(".cpuprofile")).map((f) => path.join(arg, f)) : [arg]));
  printSummary(files, undefined, window);
}
