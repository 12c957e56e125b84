import { describe, expect, it } from "vitest";
import { pgFields } from "./pg-url.mjs";

// How every connection Stepwise opens reads a postgresql:// URL (scripts/pg-url.mjs); the same
// modes against a real server with a self-signed certificate: scripts/pg-url.pg.test.ts.
describe("pgFields", () => {
  it("gives sslmode libpq's meaning: require encrypts unchecked, verify-full checks, disable is plain", () => {
    expect(pgFields("postgresql://u:pw@db.example.org:6543/stepwise?sslmode=require")).toEqual({
      host: "db.example.org", port: 6543, user: "u", password: "pw", database: "stepwise", ssl: { rejectUnauthorized: false },
    });
    expect(pgFields("postgresql://u@h/d?sslmode=prefer").ssl).toEqual({ rejectUnauthorized: false });
    expect(pgFields("postgresql://u@h/d?sslmode=verify-full").ssl).toEqual({});
    expect(pgFields("postgresql://u@h/d?sslmode=disable").ssl).toBe(false);
    expect(pgFields("postgresql://u@h/d")).not.toHaveProperty("ssl");
    // node-postgres's own reading, asked for explicitly, is left alone
    expect(pgFields("postgresql://u@h/d?sslmode=no-verify&uselibpqcompat=false").ssl).toEqual({ rejectUnauthorized: false });
  });

  it("decodes the URL's parts and keeps options and application_name", () => {
    expect(pgFields("postgres://us%40er:p%3Aw%2Fd@[::1]/my%20db?application_name=etl&options=-c%20work_mem%3D64MB")).toEqual({
      host: "::1", port: 5432, user: "us@er", password: "p:w/d", database: "my db", options: "-c work_mem=64MB", application_name: "etl",
    });
    expect(pgFields("postgresql:///stepwise?host=/var/run/postgresql")).toMatchObject({ host: "/var/run/postgresql", database: "stepwise" });
  });

  it("refuses what it cannot honour, naming the parameter and never the password", () => {
    const refused = (url: string) => {
      try {
        pgFields(url);
      } catch (error) {
        return (error as Error).message;
      }
      throw new Error(`accepted ${url}`);
    };
    expect(refused("postgresql://u:hunter2@h/d?schema=tenant_a")).toMatch(/^DATABASE_URL \?schema=tenant_a: .*public schema/);
    expect(refused("postgresql://u:hunter2@h/d?sslmode=verify-ca")).toMatch(/sslmode=verify-ca needs sslrootcert=/);
    expect(refused("postgresql://u:hunter2@h/d?sslmode=require&sslrootcert=/nonexistent/ca.pem")).toBe("DATABASE_URL: cannot read the SSL file /nonexistent/ca.pem: no such file");
    for (const url of ["postgresql://u:hunter2@h/d?schema=x", "postgresql://u:hunter2@h/d?sslmode=verify-ca", "postgresql://u:hunter2@h/d?sslrootcert=/nope"]) {
      expect(refused(url)).not.toContain("hunter2");
    }
    expect(pgFields("postgresql://u@h/d?schema=public")).not.toHaveProperty("schema");
  });
});
