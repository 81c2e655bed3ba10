// Opens a page in headless Chromium the way a consumer's phone would (360 px wide, touch, the
// given language), waits until the page's own verification has finished, takes a full-page
// screenshot and prints what the page shows as one line of JSON. The Rust test that started
// the server (crates/cli/tests/consumer.rs) decides what is right; this script only reports.
//
//   node tests/browser/check_page.mjs URL SCREENSHOT.png [zh-CN|en] [width]
//
// Chromium: $CHROMIUM, else /usr/bin/chromium (Debian's package `chromium`).

import { chromium } from 'playwright-core';

const [url, screenshot, language = 'zh-CN', width = '360'] = process.argv.slice(2);
if (!url || !screenshot) {
  console.error('usage: check_page.mjs URL SCREENSHOT.png [zh-CN|en] [width]');
  process.exit(2);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  // Containers and CI machines run as root, where Chromium's sandbox cannot start.
  args: ['--no-sandbox'],
});
try {
  const context = await browser.newContext({
    viewport: { width: Number(width), height: 780 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale: language,
    extraHTTPHeaders: { 'Accept-Language': language },
  });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  // Bytes on the wire for the first load, scripts included (no cache yet).
  const sizes = [];
  page.on('response', (response) => {
    sizes.push(response.body().then((body) => body.length, () => 0)); // redirects have no body
  });
  const response = await page.goto(url, { waitUntil: 'load' });
  await page.waitForFunction(
    () => ['ok', 'failed', 'pending'].includes(document.body.dataset.verify),
    null,
    { timeout: 30_000 },
  );
  const shown = await page.evaluate(() => ({
    state: document.body.dataset.verify,
    badge: document.getElementById('badge-text').textContent,
    detail: document.getElementById('badge-detail').textContent,
    verifyMs: Number(document.body.dataset.verifyMs ?? -1),
    rows: Array.from(document.querySelectorAll('li[data-index]'), (li) => ({
      index: Number(li.dataset.index), check: li.dataset.check ?? null,
    })),
    recall: Array.from(document.querySelectorAll('.recall'), (e) => e.textContent),
    lang: document.documentElement.lang,
    scrollWidth: document.documentElement.scrollWidth,
    text: document.body.innerText,
  }));
  await page.screenshot({ path: screenshot, fullPage: true });
  const bytes = (await Promise.all(sizes)).reduce((a, b) => a + b, 0);
  console.log(JSON.stringify({ status: response.status(), url: page.url(), bytes, errors, ...shown }));
} finally {
  await browser.close();
}
