import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // Everything stays local and offline: no remote images, no Google fonts.
  images: { unoptimized: true },
  serverExternalPackages: ["better-sqlite3", "@prisma/adapter-better-sqlite3"],
  turbopack: { root: import.meta.dirname },
  outputFileTracingRoot: import.meta.dirname,
  typedRoutes: false,
};

export default nextConfig;
