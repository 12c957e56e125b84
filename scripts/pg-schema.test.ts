import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { postgresSchema, SOURCE, TARGET } from "./pg-schema.mjs";

// One schema source (docs/design.md §14): prisma/postgres/schema.prisma is generated from
// prisma/schema.prisma and must be committed up to date.
describe("PostgreSQL schema", () => {
  it("the committed prisma/postgres/schema.prisma is exactly what scripts/pg-schema.mjs generates", () => {
    expect(fs.readFileSync(TARGET, "utf8")).toBe(postgresSchema(fs.readFileSync(SOURCE, "utf8")));
  });

  it("differs from the source only in provider and client folder", () => {
    const out = postgresSchema(`generator client {\n  output = "../lib/generated/prisma"\n}\ndatasource db {\n  provider = "sqlite"\n}\nmodel A {\n  id Int @id\n  sqlite String // "sqlite"\n}\n`);
    expect(out).toContain('provider = "postgresql"');
    expect(out).toContain('output = "../../lib/generated/postgres"');
    expect(out).toContain('sqlite String // "sqlite"');
  });

  it("refuses provider-specific native types, which would break the other dialect", () => {
    expect(() => postgresSchema(`generator client {\n  output = "../lib/generated/prisma"\n}\ndatasource db {\n  provider = "sqlite"\n}\nmodel A {\n  id Int @id\n  t String @db.Text\n}\n`)).toThrow(/@db\.Text/);
  });
});
