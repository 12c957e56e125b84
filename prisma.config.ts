import { defineConfig } from "prisma/config";

// Prisma 7 does not load .env; the URL comes from the environment or the embedded default.
export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "file:./data/stepwise.db" },
});
