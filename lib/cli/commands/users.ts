import { defineCommand, table } from "@/lib/cli/command";
import { remoteJson, remoteTarget } from "@/lib/cli/remote";
import { AppError } from "@/lib/errors";
import type { CreatedUserDto, UserDto } from "@/lib/schemas/people";
import { issueSetupToken } from "@/lib/services/people/setup";
import { createUser, findUserByEmail, listUsers, updateUser } from "@/lib/services/people/users";

// `stepwise users create|list|update|setup-link` (docs/design.md §13). create, list and update also
// work against a server (STEPWISE_URL + STEPWISE_TOKEN with the admin scope).

const USAGE = [
  "stepwise users create --email E --password P --role admin|reviewer|viewer [--name N] [--json]",
  "       stepwise users list [--json]",
  "       stepwise users update --email E [--role R] [--password P] [--disable|--enable] [--json]",
  "       stepwise users setup-link [--url http://localhost:3000] [--json]   (only while no admin exists)",
].join("\n");

export default defineCommand({
  name: "users",
  summary: "Create and list accounts (roles admin, reviewer, viewer); print the first-admin setup link",
  usage: USAGE,
  positionals: true,
  options: {
    email: { type: "string" },
    password: { type: "string" },
    role: { type: "string" },
    name: { type: "string" },
    disable: { type: "boolean" },
    enable: { type: "boolean" },
    url: { type: "string" },
  },
  run: async ({ values, positionals }): Promise<CreatedUserDto | UserDto[] | UserDto | { url: string | null }> => {
    const [action] = positionals;
    const target = remoteTarget();
    const str = (key: string) => (typeof values[key] === "string" ? (values[key] as string) : undefined);
    if (action === "create") {
      for (const key of ["email", "password", "role"]) if (!str(key)) throw new AppError("invalid_input", `--${key} is required\nUsage: ${USAGE}`);
      const body = { email: str("email"), password: str("password"), role: str("role"), name: str("name") };
      return target ? remoteJson<CreatedUserDto>(target, "/api/users", { method: "POST", body }) : createUser(body);
    }
    if (action === "list") return target ? remoteJson<UserDto[]>(target, "/api/users") : listUsers();
    if (action === "update") {
      const email = str("email");
      if (!email) throw new AppError("invalid_input", `--email is required\nUsage: ${USAGE}`);
      const body = { role: str("role"), password: str("password"), disabled: values.disable ? true : values.enable ? false : undefined };
      if (target) {
        const users = await remoteJson<UserDto[]>(target, "/api/users");
        const user = users.find((u) => u.email === email.toLowerCase());
        if (!user) throw new AppError("not_found", `no user with email ${email}`);
        return remoteJson<UserDto>(target, `/api/users/${user.id}`, { method: "PATCH", body });
      }
      const user = await findUserByEmail(email);
      if (!user) throw new AppError("not_found", `no user with email ${email}`);
      return updateUser(user.id, body, null);
    }
    if (action === "setup-link") {
      if (target) throw new AppError("invalid_input", "setup-link works on the server's own database (unset STEPWISE_TOKEN)");
      const token = await issueSetupToken();
      const base = (str("url") ?? process.env.STEPWISE_URL ?? `http://localhost:${process.env.PORT ?? 3000}`).replace(/\/+$/, "");
      return { url: token ? `${base}/setup?token=${token}` : null };
    }
    throw new AppError("invalid_input", `unknown action "${action ?? ""}"\nUsage: ${USAGE}`);
  },
  render: (result) => {
    if (Array.isArray(result)) return table(["id", "name", "email", "role", "sign-in"], result.map((u) => [u.id, u.name, u.email, u.role, u.disabled ? "disabled" : u.canSignIn ? "yes" : "no"]));
    if ("url" in result) return result.url ? `Open this link once to create the first admin (valid 24 h):\n  ${result.url}` : "An admin exists already: sign in, or `stepwise users create`.";
    return `user ${result.id}: ${result.email} (${result.role})`;
  },
});
