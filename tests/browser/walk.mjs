// A new farmer's first day, in headless Chromium in Chinese: a county officer at her desk
// (1280 px) invites the farmer's new farm on /people and reads out the link and QR code; the
// farmer, on her phone (360 px), opens the invitation, sets a password, register a plot and two products, record two harvests, a rapid
// test, processing of both harvests into one batch, and packing; issue the packed lot's
// 承诺达标合格证 from the receipt, print its labels (the PDF is saved as walk-labels.pdf), and
// open what a consumer sees for the packed lot until the phone has verified it. Prints what each step showed as one line of JSON; screenshots of
// each step. The Rust test (crates/cli/tests/work.rs) judges.
//
//   node tests/browser/walk.mjs BASE_URL OFFICER_LOGIN OFFICER_PASSWORD FOLDER

import { chromium } from 'playwright-core';

const [base, officerLogin, officerPassword, folder] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox'],
});
const shown = { receipts: {} };
try {
  // The officer invites the farm: a new organisation of her county, the producer role.
  const office = await browser.newContext({
    viewport: { width: 1280, height: 900 }, locale: 'zh-CN', extraHTTPHeaders: { 'Accept-Language': 'zh-CN' },
  });
  const desk = await office.newPage();
  await desk.goto(`${base}/login`);
  await desk.fill('input[name=login]', officerLogin);
  await desk.fill('input[name=password]', officerPassword);
  await Promise.all([desk.waitForNavigation(), desk.click('button[type=submit]')]);
  await desk.goto(`${base}/people`);
  const invite = desk.locator('form#invite');
  if (!(await invite.isVisible())) await desk.locator('#invite-section > summary').click();
  await invite.locator('input[name=org_name]').fill('李大姐家庭农场');
  await invite.locator('select[name=role]').selectOption('producer');
  await Promise.all([desk.waitForNavigation(), invite.locator('button[type=submit]').click()]);
  const invitation = await desk.locator('a#invitation-link').getAttribute('href');
  shown.invitationQr = await desk.evaluate(() => document.querySelectorAll('main svg').length);
  await desk.screenshot({ path: `${folder}/walk-0-officer-invites.png`, fullPage: true });
  // She also sets up a farmer without a phone: from the cooperative's "record for" link to its
  // places and products, where she registers a warehouse for it.
  await desk.locator('article.org', { has: desk.locator('h4', { hasText: '白毫茶合作社' }) }).locator('a.record').click();
  await desk.locator('a[href^="/work/setup?for="]').click();
  const place = desk.locator('form[data-api="/api/locations"]');
  await place.locator('select[name=kind]').selectOption('warehouse');
  await place.locator('input[name=nameZh]').fill('合作社 2 号仓库');
  await place.locator('button[type=submit]').click();
  await desk.waitForFunction(() => {
    const box = document.querySelector('form[data-api="/api/locations"] .receipt');
    return box && !box.hidden && box.textContent !== '' && !box.textContent.endsWith('…');
  });
  shown.officerSetup = (await place.locator('.receipt').innerText()) + (await place.locator('.error').allInnerTexts()).join(' ');
  await desk.waitForLoadState('load');
  await desk.waitForTimeout(800); // the page reloads with the new place
  shown.officerSetupFor = await desk.evaluate(() => document.body.innerText.includes('合作社 2 号仓库'));
  await office.close();

  const context = await browser.newContext({
    viewport: { width: 360, height: 780 }, locale: 'zh-CN', isMobile: true, hasTouch: true,
    extraHTTPHeaders: { 'Accept-Language': 'zh-CN' },
  });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  const shot = (name) => page.screenshot({ path: `${folder}/walk-${name}.png`, fullPage: true });

  // The invitation: name, login, password twice.
  await page.goto(invitation);
  await page.fill('input[name=display_name]', '李大姐');
  await page.fill('input[name=login]', 'li-dajie');
  await page.fill('input[name=password]', 'baihao-2026-tea');
  await page.fill('input[name=password_again]', 'baihao-2026-tea');
  await shot('1-invitation');
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  shown.afterInvitation = page.url();

  // Places and products.
  const register = async (api, fill) => {
    await page.goto(`${base}/work/setup`);
    const form = page.locator(`form[data-api="${api}"]`);
    await fill(form);
    await form.locator('button[type=submit]').click();
    await page.waitForFunction((s) => {
      const box = document.querySelector(`form[data-api="${s}"] .receipt`);
      return box && !box.hidden && box.textContent !== '' && !box.textContent.endsWith('…');
    }, api);
    return (await form.locator('.receipt').innerText()) + (await form.locator('.error').allInnerTexts()).join(' ');
  };
  shown.plot = await register('/api/locations', async (form) => {
    await form.locator('select[name=kind]').selectOption('plot');
    await form.locator('input[name=nameZh]').fill('百陇 3 号茶园');
    await form.locator('input[name=village]').fill('百陇村');
    await form.locator('input[name=areaMu]').fill('2');
  });
  shown.leaf = await register('/api/products', async (form) => {
    await form.locator('input[name=nameZh]').fill('白毫鲜叶');
    await form.locator('select[name=unit]').selectOption('kg');
  });
  shown.tin = await register('/api/products', async (form) => {
    await form.locator('input[name=nameZh]').fill('白毫红茶 罐装');
    await form.locator('select[name=unit]').selectOption('piece');
  });
  await page.goto(`${base}/work/setup`);
  await shot('2-setup');

  // The GTINs the county assigned, from the forms' product lists.
  await page.goto(`${base}/work`);
  const options = await page.locator('form[data-form=harvest] select[name=output-product] option').evaluateAll(
    (list) => list.map((o) => ({ value: o.value, text: o.textContent })));
  const leaf = options.find((o) => o.text.startsWith('白毫鲜叶')).value;
  const tin = options.find((o) => o.text.startsWith('白毫红茶')).value;
  shown.gtins = { leaf, tin };

  const record = async (kind, fill) => {
    const form = page.locator(`form[data-form=${kind}]`);
    if (!(await form.isVisible())) await form.locator('xpath=../summary').click();
    await fill(form);
    await form.locator('button[type=submit]').click();
    await form.locator('.receipt .ok, .error').first().waitFor({ timeout: 20_000 });
    shown.receipts[kind] = (await form.locator('.receipt').innerText()) + (await form.locator('.error').allInnerTexts()).join(' ');
  };
  const lot = async (form, prefix, gtin, number, quantity, unit) => {
    await form.locator(`select[name=${prefix}product]`).selectOption(gtin);
    await form.locator(`input[name=${prefix}lot]`).fill(number);
    await form.locator(`input[name=${prefix}quantity]`).fill(quantity);
    await form.locator(`select[name=${prefix}unit]`).selectOption(unit);
  };
  await record('harvest', (f) => lot(f, 'output-', leaf, 'BL-0401', '30', 'kg'));
  shown.firstHarvest = shown.receipts.harvest;
  await record('harvest', (f) => lot(f, 'output-', leaf, 'BL-0402', '15', 'kg'));
  await record('inspect', async (f) => {
    await lot(f, '', leaf, 'BL-0401', '0.1', 'kg');
    await f.locator('input[name=test]').fill('农药残留速测');
    await f.locator('input[name=reading-name]').fill('抑制率');
    await f.locator('input[name=reading-value]').fill('12.5');
    await f.locator('input[name=reading-unit]').fill('P1');
  });
  await record('process', async (f) => {
    await lot(f, 'input-', leaf, 'BL-0401', '30', 'kg');
    await f.locator('[data-add-input]').click();
    await lot(f, 'input-1-', leaf, 'BL-0402', '15', 'kg');
    await lot(f, 'output-', leaf, 'BL-0401-W', '10', 'kg');
    await f.locator('input[name=step]').fill('萎凋 揉捻 发酵 干燥');
  });
  await record('pack', async (f) => {
    await lot(f, 'input-', leaf, 'BL-0401-W', '10', 'kg');
    await lot(f, 'output-', tin, 'T-0401', '40', 'piece');
  });
  await shot('3-recorded');

  // The packed lot's 承诺达标合格证, from the packing receipt: the farmer adds what the master
  // data cannot know (province, county, her phone) and ticks the three commitments herself.
  await page.locator('form[data-form=pack] a[data-certificate-form]').click();
  await page.waitForSelector('form[data-certificate]');
  shown.certificateForm = await page.evaluate(() => Object.fromEntries(
    ['productName', 'quantity-value', 'quantity-unit', 'producer-name', 'origin-village', 'origin-plot', 'batch-lot']
      .map((name) => [name, document.querySelector(`form[data-certificate] [name="${name}"]`).value])));
  const certificate = page.locator('form[data-certificate]');
  await certificate.locator('input[name=origin-province]').fill('广西壮族自治区');
  await certificate.locator('input[name=origin-county]').fill('凌云县');
  await certificate.locator('input[name=producer-contact]').fill('13800138000');
  // First without the commitments: the form must say why it cannot issue.
  await certificate.locator('button[type=submit]').click();
  await certificate.locator('.error').first().waitFor();
  shown.certificateRefused = await certificate.locator('.error').allInnerTexts();
  for (const name of ['noBannedSubstances', 'residuesWithinLimits', 'responsibleForTruth']) {
    await certificate.locator(`input[name=commitments-${name}]`).check();
  }
  await certificate.locator('button[type=submit]').click();
  await certificate.locator('[data-certificate-number]').waitFor({ timeout: 20_000 });
  shown.certificate = await certificate.locator('[data-certificate-number]').getAttribute('data-certificate-number');
  await shot('4-certificate');

  // Labels for the lot, carrying the certificate's number: one sheet's worth, as a PDF.
  await certificate.locator('input[name=label-copies]').fill('24');
  await certificate.locator('[data-print-labels]').click();
  await certificate.locator('a[data-labels-pdf]').waitFor({ timeout: 30_000 });
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    certificate.locator('a[data-labels-pdf]').click(),
  ]);
  shown.labels = `${folder}/walk-labels.pdf`;
  await download.saveAs(shown.labels);
  shown.labelsName = download.suggestedFilename();

  // What a consumer sees for the packed lot, once the log has published it.
  const consumer = `${base}/item/01/${tin}/10/T-0401`;
  for (let attempt = 0; attempt < 20; attempt += 1) {
    await page.goto(consumer);
    await page.waitForFunction(() => ['ok', 'failed', 'pending'].includes(document.body.dataset.verify));
    shown.consumer = await page.evaluate(() => ({
      state: document.body.dataset.verify,
      badge: document.getElementById('badge-text').textContent,
      rows: document.querySelectorAll('li[data-index]').length,
      text: document.body.innerText,
    }));
    if (shown.consumer.state !== 'pending') break;
    await page.waitForTimeout(500);
  }
  await shot('5-consumer');
  shown.errors = errors;
  console.log(JSON.stringify(shown));
} finally {
  await browser.close();
}
