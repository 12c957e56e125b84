// CSV / JSON export of what a table or panel shows, in the browser (no round trip).

export type Cell = string | number | boolean | null | undefined;

function csvCell(value: Cell): string {
  if (value === null || value === undefined) return "";
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** RFC 4180 CSV: a header row, then one row per record; fields with commas, quotes or newlines are quoted. */
export function toCsv(headers: readonly string[], rows: ReadonlyArray<readonly Cell[]>): string {
  return [headers, ...rows].map((row) => row.map(csvCell).join(",")).join("\r\n") + "\r\n";
}

export function download(filename: string, content: string, type: string): void {
  const url = URL.createObjectURL(new Blob([content], { type }));
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

export const downloadJson = (filename: string, data: unknown) => download(filename, `${JSON.stringify(data, null, 2)}\n`, "application/json");
export const downloadCsv = (filename: string, headers: readonly string[], rows: ReadonlyArray<readonly Cell[]>) => download(filename, toCsv(headers, rows), "text/csv");
