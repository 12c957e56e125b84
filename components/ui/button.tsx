import type { ButtonHTMLAttributes, ReactNode } from "react";

const VARIANTS = {
  default: "border-slate-300 bg-white text-slate-800 hover:bg-slate-50",
  primary: "border-brand bg-brand text-white hover:bg-indigo-700",
  accept: "border-green-300 bg-green-50 text-green-800 hover:bg-green-100 aria-pressed:bg-green-600 aria-pressed:text-white",
  reject: "border-red-300 bg-red-50 text-red-800 hover:bg-red-100 aria-pressed:bg-red-600 aria-pressed:text-white",
  neutral: "border-slate-300 bg-slate-50 text-slate-700 hover:bg-slate-100 aria-pressed:bg-slate-600 aria-pressed:text-white",
  ghost: "border-transparent bg-transparent text-slate-600 hover:bg-slate-100",
} as const;

export interface ButtonProps extends ButtonHTMLAttributes<HTMLButtonElement> {
  variant?: keyof typeof VARIANTS;
  shortcut?: string;
  children: ReactNode;
}

/** A button that can show its keyboard shortcut; the accessible name stays the visible label. */
export function Button({ variant = "default", shortcut, children, className = "", type = "button", ...rest }: ButtonProps) {
  return (
    <button
      type={type}
      className={`inline-flex items-center gap-1.5 rounded-md border px-2.5 py-1 text-sm font-medium shadow-sm transition-colors disabled:cursor-not-allowed disabled:opacity-40 ${VARIANTS[variant]} ${className}`}
      aria-keyshortcuts={shortcut}
      {...rest}
    >
      {children}
      {shortcut ? <kbd aria-hidden className="rounded border border-current/30 px-1 font-mono text-[10px] leading-4 opacity-70">{shortcut}</kbd> : null}
    </button>
  );
}
