/** JSON for people: short arrays and flat objects stay on one line, the rest is indented. */
export function formatJson(value: unknown, indent = 0): string {
  const inline = JSON.stringify(value) ?? "null";
  if (inline.length <= 72 || value === null || typeof value !== "object") return inline;
  const pad = "  ".repeat(indent + 1);
  const close = "  ".repeat(indent);
  if (Array.isArray(value)) {
    return `[\n${value.map((item) => pad + formatJson(item, indent + 1)).join(",\n")}\n${close}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  return `{\n${entries.map(([k, v]) => `${pad}${JSON.stringify(k)}: ${formatJson(v, indent + 1)}`).join(",\n")}\n${close}}`;
}

export function JsonView({ value, label }: { value: unknown; label: string }) {
  return (
    <div className="mt-1">
      <span className="text-[10px] font-semibold uppercase tracking-wide text-slate-400">{label}</span>
      <pre className="mt-0.5 max-h-48 overflow-auto whitespace-pre-wrap break-words rounded bg-slate-50 px-2 py-1 font-mono text-xs text-slate-800 ring-1 ring-slate-200">
        {formatJson(value)}
      </pre>
    </div>
  );
}
