// A producer's day on a phone, in headless Chromium: log in, open the forms, lose the signal,
// record a harvest (kept on the phone), get the signal back (sent by itself), and see the
// receipt. Prints what the page showed at each step as one line of JSON; screenshots at 360 px
// and 1280 px. The Rust test that started the server (crates/cli/tests/work.rs) judges.
//
//   node tests/browser/work_offline.mjs BASE_URL LOGIN PASSWORD LOT SCREENSHOT_FOLDER

import { chromium } from 'playwright-core';

const [base, login, password, lot, folder] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox'],
});
const shown = {};
try {
  for (const [language, width] of [['en', 1280], ['zh-CN', 360]]) {
    const context = await browser.newContext({
      viewport: { width, height: 900 }, locale: language,
      extraHTTPHeaders: { 'Accept-Language': language }, isMobile: width < 500, hasTouch: width < 500,
    });
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (error) => errors.push(String(error)));
    await page.goto(`${base}/work`);
    // Not logged in: the forms send the person to the login page first.
    await page.fill('input[name=login]', login);
    await page.fill('input[name=password]', password);
    await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
    if (!page.url().endsWith('/work')) await page.goto(`${base}/work`);
    await page.screenshot({ path: `${folder}/work-${language}-${width}.png`, fullPage: true });
    shown[language] = { url: page.url(), errors, scrollWidth: await page.evaluate(() => document.documentElement.scrollWidth) };
    if (language !== 'zh-CN') {
      await context.close();
      continue;
    }
    // The farmer registers another plot and a product on the phone.
    const register = async (selector, fill) => {
      await page.goto(`${base}/work/setup`);
      const form = page.locator(`form[data-api="${selector}"]`);
      await fill(form);
      await form.locator('button[type=submit]').click();
      await page.waitForFunction((s) => {
        const box = document.querySelector(`form[data-api="${s}"] .receipt`);
        return box && !box.hidden && box.textContent !== '' && !box.textContent.endsWith('…');
      }, selector);
      return (await form.locator('.receipt').innerText()) + (await form.locator('.error').allInnerTexts()).join(' ');
    };
    const placeAnswer = await register('/api/locations', async (form) => {
      await form.locator('select[name=kind]').selectOption('plot');
      await form.locator('input[name=nameZh]').fill('3 号茶园');
      await form.locator('input[name=areaMu]').fill('2.5');
    });
    const productAnswer = await register('/api/products', async (form) => {
      await form.locator('input[name=nameZh]').fill('白毫红茶');
      await form.locator('input[name=gtin]').fill('06901234222227');
    });
    await page.goto(`${base}/work/setup`);
    shown.setup = { placeAnswer, productAnswer, lists: await page.locator('section.card').innerText() };
    await page.screenshot({ path: `${folder}/work-setup-zh-CN-360.png`, fullPage: true });
    await page.goto(`${base}/work`);
    shown.setup.placeOptions = await page.locator('form[data-form=harvest] select[name=place] option').allInnerTexts();
    // The signal drops; the farmer records the harvest anyway.
    await context.setOffline(true);
    const form = page.locator('form[data-form=harvest]');
    await form.locator('input[name=output-lot]').fill(lot);
    await form.locator('input[name=output-quantity]').fill('12.5');
    await form.locator('button[type=submit]').click();
    await page.waitForFunction(() => !document.getElementById('outbox').hidden);
    shown.offline = {
      receipt: await form.locator('.receipt').innerText(),
      outbox: await page.locator('#outbox').innerText(),
      kept: await page.evaluate(() => JSON.parse(localStorage.getItem('retu.outbox') ?? '[]').length),
    };
    await page.screenshot({ path: `${folder}/work-zh-CN-360-offline.png`, fullPage: true });
    // The signal is back: the kept form goes out by itself.
    await context.setOffline(false);
    await form.locator('.receipt .ok').waitFor({ timeout: 20_000 });
    shown.online = {
      receipt: await form.locator('.receipt').innerText(),
      kept: await page.evaluate(() => JSON.parse(localStorage.getItem('retu.outbox') ?? '[]').length),
      consumerPage: await form.locator('.receipt a').first().getAttribute('href'),
    };
    await page.screenshot({ path: `${folder}/work-zh-CN-360-sent.png`, fullPage: true });
    shown.errors = errors;
    await context.close();
  }
  console.log(JSON.stringify(shown));
} finally {
  await browser.close();
}
