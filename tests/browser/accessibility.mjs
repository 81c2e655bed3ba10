// Accessibility basics of Retu's pages, checked by axe-core inside headless Chromium: every
// page given, in zh-CN and en, at 360 px and 1280 px, logged in first when a login is given.
// Prints, as one line of JSON, axe's WCAG 2 A/AA violations per page (rule, impact, elements),
// and writes a screenshot of each page. The Rust test (crates/cli/tests/work.rs) judges.
//
//   node tests/browser/accessibility.mjs BASE_URL LOGIN PASSWORD FOLDER PATH...

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const [base, login, password, folder, ...paths] = process.argv.slice(2);
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox'],
});
const results = [];
try {
  for (const [language, width] of [['zh-CN', 360], ['en', 1280], ['en', 360], ['zh-CN', 1280]]) {
    // bypassCSP lets axe's script into pages whose policy allows no inline script.
    const context = await browser.newContext({
      viewport: { width, height: 900 }, locale: language, bypassCSP: true,
      extraHTTPHeaders: { 'Accept-Language': language },
    });
    const page = await context.newPage();
    if (login) {
      await page.goto(`${base}/login`);
      await page.fill('input[name=login]', login);
      await page.fill('input[name=password]', password);
      await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
    }
    for (const path of paths) {
      await page.goto(`${base}${path}`);
      await page.addScriptTag({ content: axeSource });
      const violations = await page.evaluate(async () => {
        const result = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa'] } });
        return result.violations.map((v) => ({ rule: v.id, impact: v.impact, targets: v.nodes.map((n) => n.target.join(' ')) }));
      });
      const name = path.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '') || 'home';
      await page.screenshot({ path: `${folder}/${name.slice(0, 60)}-${language}-${width}.png`, fullPage: true });
      results.push({ path, language, width, violations });
    }
    await context.close();
  }
  console.log(JSON.stringify(results));
} finally {
  await browser.close();
}
