import type { Metadata } from "next";
import type { ReactNode } from "react";
import { AppHeader } from "@/components/layout/app-header";
import { Providers } from "@/app/providers";
import { authMode } from "@/lib/auth/hosts";
import { pageUser } from "@/lib/auth/page";
import "./globals.css";

// Every page renders per request: the CSP nonce from proxy.ts must reach Next's own scripts, which a
// prerendered page could not carry (docs/limits.md).
export const dynamic = "force-dynamic";

export const metadata: Metadata = {
  title: { default: "Stepwise", template: "%s · Stepwise" },
  description: "Verified step-by-step reasoning datasets: traces, verifier, review, calibration, export.",
};

// Every page is rendered for a signed-in user (or the sign-in / setup pages): pageUser() redirects
// anyone else to /sign-in (docs/design.md §13).
export default async function RootLayout({ children }: { children: ReactNode }) {
  const me = await pageUser();
  return (
    <html lang="en">
      <body className="min-h-screen font-sans">
        <Providers>
          <AppHeader me={me ? { name: me.name, email: me.email, role: me.role, via: me.via } : null} authOff={authMode() === "off"} />
          <main className="mx-auto max-w-[1600px] px-6 py-6">{children}</main>
        </Providers>
      </body>
    </html>
  );
}
