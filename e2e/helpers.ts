import { expect, type APIRequestContext, type Page } from "@playwright/test";

// Shared steps of the e2e specs (assertions stay in the specs).

/** Opens a trace and waits until the workspace is hydrated (keys and clicks are live). */
export async function openTrace(page: Page, id: number): Promise<void> {
  await page.goto(`/traces/${id}`);
  await expect(page.getByTestId("review-workspace")).toHaveAttribute("data-ready", "true");
}

export interface UploadFile {
  name: string;
  mimeType: string;
  buffer: Buffer;
}

/** One multipart POST /api/imports into `dataset`; it must be accepted (201). `verify: false` skips verify-on-import (a spec that starts from an unverified dataset). */
export async function uploadFiles(request: APIRequestContext, dataset: string, files: UploadFile[], options: { verify?: boolean } = {}): Promise<void> {
  const form = new FormData();
  form.set("dataset", dataset);
  if (options.verify === false) form.set("verify", "false");
  for (const f of files) form.append("files", new Blob([new Uint8Array(f.buffer)], { type: f.mimeType }), f.name);
  const response = await request.post("/api/imports", { multipart: form });
  expect(response.status(), await response.text()).toBe(201);
}
