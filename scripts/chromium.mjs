import fs from 'node:fs'

// Playwright cannot download its browsers here; the tests use Debian's Chromium.
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

export function requireChromium() {
  if (fs.existsSync(CHROMIUM)) return
  console.error([
    `Chromium was not found at ${CHROMIUM}; the end-to-end tests need it.`,
    'Install it with:',
    '  sudo apt-get update && sudo apt-get install -y chromium',
    'or point CHROMIUM_PATH at an existing Chromium binary.',
  ].join('\n'))
  process.exit(1)
}
