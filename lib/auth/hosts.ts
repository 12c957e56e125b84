import { AppError } from "@/lib/errors";

// Which Host headers this server answers (docs/design.md §13, DNS rebinding): loopback names
// always, plus STEPWISE_HOSTS (comma-separated host names, optionally with :port) and the host of
// STEPWISE_URL. With STEPWISE_AUTH=off only loopback names are accepted.

const LOOPBACK = new Set(["localhost", "127.0.0.1", "::1", "[::1]"]);

export type AuthMode = "on" | "off";

export function authMode(): AuthMode {
  const raw = (process.env.STEPWISE_AUTH ?? "on").trim().toLowerCase();
  if (raw === "off" || raw === "0" || raw === "false") return "off";
  return "on";
}

/** "Example.org:3000" → "example.org"; "[::1]:3000" → "::1". */
export function hostName(host: string): string {
  const value = host.trim().toLowerCase();
  if (value.startsWith("[")) return value.slice(1, value.indexOf("]") > 0 ? value.indexOf("]") : undefined);
  const colon = value.lastIndexOf(":");
  return colon > 0 && value.indexOf(":") === colon ? value.slice(0, colon) : value;
}

export const isLoopbackName = (name: string): boolean => LOOPBACK.has(name) || /^127\.\d+\.\d+\.\d+$/.test(name);

export function configuredHostNames(): string[] {
  const names = (process.env.STEPWISE_HOSTS ?? "")
    .split(",")
    .map((h) => h.trim())
    .filter(Boolean)
    .map(hostName);
  const url = process.env.STEPWISE_URL?.trim();
  if (url) {
    try {
      names.push(new URL(url).hostname.replace(/^\[|\]$/g, "").toLowerCase());
    } catch {
      // a malformed STEPWISE_URL allows nothing extra
    }
  }
  return names;
}

export function isAllowedHost(host: string | null): boolean {
  if (!host) return false;
  const name = hostName(host);
  if (isLoopbackName(name)) return true;
  if (authMode() === "off") return false;
  return configuredHostNames().includes(name);
}

export function assertAllowedHost(host: string | null): void {
  if (!isAllowedHost(host)) {
    const hint = authMode() === "off" ? "STEPWISE_AUTH=off answers loopback names only" : "add it to STEPWISE_HOSTS";
    throw new AppError("forbidden", `host "${host ?? ""}" is not one this server is configured for (${hint})`);
  }
}
