import { request, type FullConfig } from "@playwright/test";
import { E2E_USERS, stateFile, type E2EUser } from "./users";

// Signs every e2e account in once (through better-auth's real endpoint) and saves its cookies;
// playwright.config.ts makes the admin's the default storage state of every spec.
export default async function globalSetup(config: FullConfig): Promise<void> {
  const baseURL = config.projects[0].use.baseURL as string;
  for (const [name, user] of Object.entries(E2E_USERS) as Array<[E2EUser, (typeof E2E_USERS)[E2EUser]]>) {
    const context = await request.newContext({ baseURL });
    const response = await context.post("/api/auth/sign-in/email", { data: { email: user.email, password: user.password } });
    if (!response.ok()) throw new Error(`e2e sign-in of ${user.email} failed: ${response.status()} ${await response.text()}`);
    await context.storageState({ path: stateFile(name) });
    await context.dispose();
  }
}
