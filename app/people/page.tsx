import { UsersPanel } from "@/components/people/users-panel";
import { pageUserWithRole } from "@/lib/auth/page";
import { listUsers } from "@/lib/services/people/users";

export const dynamic = "force-dynamic";
export const metadata = { title: "Users" };

export default async function PeoplePage() {
  const me = await pageUserWithRole("admin");
  if (!me) return <p role="alert" className="text-sm text-slate-600">Only admins manage users. Your own API tokens are under <a className="underline" href="/people/tokens">API tokens</a>.</p>;
  return (
    <div className="space-y-4">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">Users</h1>
        <p className="mt-1 text-sm text-slate-500">Admins manage users, configs and deletion; reviewers label, edit, re-run, generate and import; viewers read and export.</p>
      </div>
      <UsersPanel initial={await listUsers()} meId={me.userId} />
    </div>
  );
}
