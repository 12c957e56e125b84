import { TokensPanel } from "@/components/people/tokens-panel";
import { pageUser } from "@/lib/auth/page";

export const dynamic = "force-dynamic";
export const metadata = { title: "API tokens" };

export default async function TokensPage() {
  const me = await pageUser();
  return (
    <div className="space-y-4">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">API tokens</h1>
        <p className="mt-1 text-sm text-slate-500">
          For scripts and the CLI: <code>STEPWISE_URL=… STEPWISE_TOKEN=stw_… npm run stepwise -- datasets</code>, or <code>Authorization: Bearer stw_…</code>. A token is shown once; only its hash is kept.
        </p>
      </div>
      <TokensPanel role={me?.role ?? "viewer"} />
    </div>
  );
}
