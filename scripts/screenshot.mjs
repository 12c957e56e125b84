#!/usr/bin/env node
// Screenshots for the README: node scripts/screenshot.mjs <url> <out.png> [width] [height]
// Needs a running server (npm start) and Debian's Chromium.
import { chromium } from '@playwright/test'
import { CHROMIUM, requireChromium } from './chromium.mjs'

requireChromium()
const [url, out, width = '1440', height = '900'] = process.argv.slice(2)
if (!url || !out) {
  console.error('usage: node scripts/screenshot.mjs <url> <out.png> [width] [height]')
  process.exit(2)
}
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1 , EXCLUDE localhost'] })
const page = await browser.newPage({ viewport: { width: Number(width), height: Number(height) } })
await page.goto(url, { waitUntil: 'networkidle' })
const canvas = page.getByTestId('trace-canvas')
if (await canvas.count()) await canvas.and(page.locator('[data-image-status="loaded"]')).waitFor({ timeout: 10_000 }).catch(() => {})
const step = page.locator('li[data-step-index]').nth(Number(process.env.HOVER_STEP ?? 4))
if (await step.count()) { await step.hover(); await page.evaluate(() => globalThis.scrollTo(0, 0)) }
await page.screenshot({ path: out })
await browser.close()
console.error(`wrote ${out}`)
