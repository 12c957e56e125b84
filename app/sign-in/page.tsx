import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { SignInForm } from "@/components/people/sign-in-form";
import { safeNext } from "@/lib/auth/page";
import { authenticate } from "@/lib/auth/principal";

export const dynamic = "force-dynamic";
export const metadata = { title: "Sign in" };

export default async function SignInPage({ searchParams }: { searchParams: Promise<{ next?: string }> }) {
  const next = safeNext((await searchParams).next);
  if (await authenticate(await headers())) redirect(next);
  return (
    <div className="mx-auto mt-16 max-w-sm">
      <h1 className="text-2xl font-semibold tracking-tight">Sign in to Stepwise</h1>
      <p className="mt-1 text-sm text-slate-500">Accounts are made by an admin (Users page or <code>stepwise users create</code>).</p>
      <SignInForm next={next} />
    </div>
  );
}
