import { defineCommand, table } from "@/lib/cli/command";
import { remoteJson, remoteTarget } from "@/lib/cli/remote";
import { AppError } from "@/lib/errors";
import type { CreatedTokenDto, TokenDto } from "@/lib/schemas/people";
import { findUserByEmail } from "@/lib/services/people/users";
import { createToken, listTokens, revokeToken } from "@/lib/services/people/tokens";

// `stepwise tokens create|list|revoke` (docs/design.md §13). The token is printed once.
// Against a server (STEPWISE_URL + STEPWISE_TOKEN) it manages the tokens the server allows.

const USAGE = [
  "stepwise tokens create --email E --scope read|review|admin [--expires 30d] [--name N] [--json]",
  "       stepwise tokens list [--email E] [--json]",
  "       stepwise tokens revoke --id N [--json]",
].join("\n");

export default defineCommand({
  name: "tokens",
  summary: "Create (shown once), list and revoke API tokens with scopes read, review or admin",
  usage: USAGE,
  positionals: true,
  options: { email: { type: "string" }, scope: { type: "string" }, expires: { type: "string" }, name: { type: "string" }, id: { type: "string" } },
  run: async ({ values, positionals }): Promise<CreatedTokenDto | TokenDto[] | { id: number; revoked: true }> => {
    const [action] = positionals;
    const target = remoteTarget();
    const str = (key: string) => (typeof values[key] === "string" ? (values[key] as string) : undefined);
    if (action === "create") {
      if (!str("scope")) throw new AppError("invalid_input", `--scope is required\nUsage: ${USAGE}`);
      if (!target && !str("email")) throw new AppError("invalid_input", `--email is required\nUsage: ${USAGE}`);
      const body = { email: str("email"), scope: str("scope"), expiresIn: str("expires"), name: str("name") };
      return target ? remoteJson<CreatedTokenDto>(target, "/api/tokens", { method: "POST", body }) : createToken(body, null);
    }
    if (action === "list") {
      if (target) return remoteJson<TokenDto[]>(target, "/api/tokens");
      const email = str("email");
      const user = email ? await findUserByEmail(email) : null;
      if (email && !user) throw new AppError("not_found", `no user with email ${email}`);
      const all = await listTokens({ userId: null, role: "admin" }, true);
      return user ? all.filter((t) => t.userId === user.id) : all;
    }
    if (action === "revoke") {
      const id = Number(str("id"));
      if (!Number.isInteger(id) || id <= 0) throw new AppError("invalid_input", `--id must be a token id\nUsage: ${USAGE}`);
      return target ? remoteJson(target, `/api/tokens/${id}`, { method: "DELETE" }) : revokeToken(id, { userId: null, role: "admin" });
    }
    throw new AppError("invalid_input", `unknown action "${action ?? ""}"\nUsage: ${USAGE}`);
  },
  render: (result) => {
    if (Array.isArray(result)) return table(["id", "user", "name", "starts", "scope", "expires", "last used"], result.map((t) => [t.id, t.user, t.name, t.start, t.scope, t.expiresAt ?? "never", t.lastUsedAt ?? "never"]));
    if ("token" in result) return `token ${result.id} (${result.scope}, expires ${result.expiresAt ?? "never"}) — shown once, store it now:\n${result.token}`;
    return `token ${result.id} revoked`;
  },
});
