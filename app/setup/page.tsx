import { SetupForm } from "@/components/people/setup-form";

export const dynamic = "force-dynamic";
export const metadata = { title: "Set up" };

export default async function SetupPage({ searchParams }: { searchParams: Promise<{ token?: string }> }) {
  const token = (await searchParams).token ?? "";
  return (
    <div className="mx-auto mt-16 max-w-sm">
      <h1 className="text-2xl font-semibold tracking-tight">Create the first admin</h1>
      <p className="mt-1 text-sm text-slate-500">This one-time link was printed by <code>npm start</code>. The account you make here can add everyone else.</p>
      {token ? <SetupForm token={token} /> : <p role="alert" className="mt-6 text-sm text-red-700">The link has no token. Use the full link from the server&apos;s output.</p>}
    </div>
  );
}
