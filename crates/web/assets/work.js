// The producer's phone forms (crates/web/src/work_page.rs): each filled-in form becomes a JSON
// form (repository::forms) that is first kept on the phone, in an outbox in localStorage, and
// then sent to POST /api/forms. Without a signal the form waits in the outbox and is sent when
// the phone is online again; a form carries the ID it was given when it was opened, so sending
// it twice stores one event (the receipt then says it was already recorded).

const $ = (selector, root = document) => root.querySelector(selector);
const data = JSON.parse($('#work-data').textContent);
const texts = data.texts;
const OUTBOX = 'retu.outbox';
const fill = (text, values) => text.replace(/\{(\w+)\}/g, (m, k) => (k in values ? values[k] : m));

function newId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const outbox = () => JSON.parse(localStorage.getItem(OUTBOX) ?? '[]');
const saveOutbox = (items) => localStorage.setItem(OUTBOX, JSON.stringify(items));

function showOutbox() {
  const waiting = outbox().length;
  const status = $('#outbox');
  if (!status) return; // the setup page has no outbox line
  status.textContent = waiting ? fill(texts.waiting, { n: waiting }) : '';
  status.hidden = waiting === 0;
}

/** The phone's local time of a datetime-local value, with its UTC offset (RFC 3339). */
function withOffset(local) {
  const at = local ? new Date(local) : new Date();
  const minutes = -at.getTimezoneOffset();
  const sign = minutes < 0 ? '-' : '+';
  const pad = (n) => String(Math.abs(n)).padStart(2, '0');
  const date = `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}`;
  const time = `${pad(at.getHours())}:${pad(at.getMinutes())}:${pad(at.getSeconds())}`;
  return `${date}T${time}${sign}${pad(Math.trunc(minutes / 60))}:${pad(minutes % 60)}`;
}

function nowLocal() {
  const at = new Date(Date.now() - new Date().getTimezoneOffset() * 60000);
  return at.toISOString().slice(0, 16);
}

/** The amount fields whose names start with `prefix` (`output-`, `input-`, ``). */
function amount(form, prefix) {
  const value = (name) => form.elements[`${prefix}${name}`]?.value.trim() ?? '';
  return { gtin: value('product'), lot: value('lot'), quantity: value('quantity'), unit: value('unit') };
}

/** The JSON form the server expects, from one HTML form. */
function collect(form) {
  const kind = form.dataset.form;
  const value = (name) => form.elements[name]?.value.trim() ?? '';
  const base = { id: form.dataset.id, form: kind, time: withOffset(value('time')), place: value('place'), note: value('note') };
  if (data.onBehalfOf) base.onBehalfOf = data.onBehalfOf;
  switch (kind) {
    case 'harvest': return { ...base, output: amount(form, 'output-') };
    case 'process': {
      const inputs = [...form.querySelectorAll('fieldset[data-amount^="input-"]')].map((f) => amount(form, f.dataset.amount));
      return { ...base, inputs, output: amount(form, 'output-'), step: value('step') };
    }
    case 'pack': return { ...base, input: amount(form, 'input-'), output: amount(form, 'output-') };
    case 'inspect': {
      const readings = value('reading-value')
        ? [{ name: value('reading-name') || value('test'), value: value('reading-value'), unit: value('reading-unit') }]
        : [];
      return { ...base, lot: amount(form, ''), test: value('test'), result: value('result') || 'pass', readings };
    }
    case 'ship': return { ...base, lots: [amount(form, '')], buyer: value('buyer') };
    case 'receive': return { ...base, lots: [amount(form, '')] };
    case 'sell': return { ...base, lots: [amount(form, '')], channel: value('channel') };
    default: throw new Error(`unknown form ${kind}`);
  }
}

/** The HTML field a problem's JSON pointer names (`/output/quantity` → `output-quantity`,
 * `/inputs/1/lot` → `input-1-lot`, the second input's). */
function fieldOf(form, pointer) {
  const segments = pointer.split('/').filter(Boolean);
  if (segments[0] === 'inputs' && /^\d+$/.test(segments[1] ?? '')) {
    const n = Number(segments[1]);
    const rest = segments.slice(2).map((p) => (p === 'gtin' ? 'product' : p)).join('-');
    const field = form.elements[`${n === 0 ? 'input-' : `input-${n}-`}${rest}`];
    if (field) return field;
  }
  const parts = segments.filter((p) => !/^\d+$/.test(p));
  const renamed = parts.map((p) => (p === 'gtin' ? 'product' : p));
  const names = [renamed.join('-'), renamed.slice(1).join('-'), renamed.at(-1)];
  for (const name of names) {
    const field = name ? form.elements[name] : null;
    // A group of checkboxes answers a list: the problem goes beside its first box.
    if (field) return field instanceof RadioNodeList ? field[0] : field;
  }
  return null;
}

function clearProblems(form) {
  for (const old of form.querySelectorAll('.error[data-problem]')) old.remove();
  for (const input of form.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
}

function showProblems(form, problem) {
  clearProblems(form);
  const errors = problem.errors?.length ? problem.errors : [{ pointer: '', detail: problem.detail ?? texts.failed }];
  for (const error of errors) {
    const field = fieldOf(form, error.pointer ?? '');
    const message = document.createElement('p');
    message.className = 'error';
    message.dataset.problem = '';
    message.setAttribute('role', 'alert');
    message.textContent = error.detail;
    if (field) {
      field.setAttribute('aria-invalid', 'true');
      field.closest('label')?.after(message) ?? field.after(message);
    } else {
      $('.receipt', form).before(message);
    }
  }
}

function element(tag, attributes = {}, text = '') {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text) node.textContent = text;
  return node;
}

/** The problem answered by an API, as one line for the person. */
async function problemText(response) {
  const problem = await response.json().catch(() => ({}));
  return problem.errors?.[0]?.detail ?? problem.detail ?? texts.failed;
}

/**
 * "Print labels" for one lot: how many, on which sticker sheet; POST /api/labels answers the
 * A4 PDF, offered as a link to open and print. `label` is the receipt's: the lot's Digital
 * Link and the product's names; `certificate` adds the 承诺达标合格证 block.
 */
function labelsWidget(box, label, certificate) {
  const wrap = element('fieldset', { class: 'labels' });
  wrap.append(element('legend', {}, texts.printLabels));
  const copiesLabel = element('label', {}, texts.copies);
  const copies = element('input', { name: 'label-copies', type: 'number', min: '1', max: '1000', value: '24', inputmode: 'numeric' });
  copiesLabel.append(copies);
  const layoutLabel = element('label', {}, texts.layout);
  const layout = element('select', { name: 'label-layout' });
  for (const option of data.layouts) layout.append(element('option', { value: option.name }, option.text));
  layoutLabel.append(layout);
  const button = element('button', { type: 'button', 'data-print-labels': '' }, texts.printLabels);
  const result = element('p', { role: 'status' });
  wrap.append(copiesLabel, layoutLabel, button, result);
  button.addEventListener('click', async () => {
    const n = Math.min(1000, Math.max(1, Number.parseInt(copies.value, 10) || 1));
    const one = { uri: label.uri, nameZh: label.nameZh };
    if (label.nameEn) one.nameEn = label.nameEn;
    if (certificate) one.certificate = certificate;
    result.textContent = texts.sending;
    button.disabled = true;
    try {
      const response = await fetch('/api/labels', {
        method: 'POST', credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': data.csrf },
        body: JSON.stringify({ layout: layout.value, format: 'pdf', labels: Array(n).fill(one) }),
      });
      if (!response.ok) {
        result.textContent = await problemText(response);
        return;
      }
      const url = URL.createObjectURL(await response.blob());
      const lot = decodeURIComponent(label.uri.split('/').at(-1));
      result.textContent = '';
      result.append(element('a', { href: url, download: `labels-${lot}.pdf`, 'data-labels-pdf': '' }, texts.labelsReady));
    } catch {
      result.textContent = texts.failed;
    } finally {
      button.disabled = false;
    }
  });
  box.append(wrap);
}

function showReceipt(form, receipt) {
  const box = $('.receipt', form);
  box.hidden = false;
  box.textContent = '';
  box.append(element('p', { class: 'ok', role: 'status' },
    `${receipt.stored} · ${fill(texts.logIndex, { index: receipt.logIndex })}`));
  if (receipt.consumerPage) {
    box.append(element('p', {}), element('a', { href: receipt.consumerPage }, texts.consumerPage));
  }
  if (receipt.certificateForm) {
    box.append(element('p', {}), element('a', { href: receipt.certificateForm, 'data-certificate-form': '' }, texts.issueCertificate));
  }
  if (receipt.label) labelsWidget(box, receipt.label);
}

/** Sends every waiting form, oldest first; keeps what could not be sent. */
let flushing = false;
async function flush() {
  if (flushing || !navigator.onLine) return;
  flushing = true;
  try {
    for (const item of outbox()) {
      let response;
      try {
        response = await fetch('/api/forms', {
          method: 'POST',
          credentials: 'same-origin',
          headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': data.csrf },
          body: JSON.stringify(item.form),
        });
      } catch {
        break; // no signal after all: keep everything for later
      }
      const form = document.querySelector(`form[data-form="${item.form.form}"]`);
      if (response.status >= 500 || response.status === 401 || response.status === 429) {
        if (response.status === 401 && $('#outbox')) $('#outbox').textContent = texts.loginAgain;
        break;
      }
      saveOutbox(outbox().filter((x) => x.form.id !== item.form.id));
      const body = await response.json().catch(() => ({}));
      if (!form) continue;
      if (response.ok) {
        clearProblems(form);
        showReceipt(form, body);
        if (form.dataset.id === item.form.id) {
          form.dataset.id = newId(); // the next harvest is a new event
          for (const name of ['lot', 'output-lot', 'quantity', 'output-quantity', 'note']) {
            if (form.elements[name]) form.elements[name].value = '';
          }
        }
      } else {
        showProblems(form, body);
      }
    }
  } finally {
    flushing = false;
    showOutbox();
  }
}

// Another input lot for processing: a copy of the first input's fields, named input-N-….
for (const button of document.querySelectorAll('[data-add-input]')) {
  button.addEventListener('click', () => {
    const form = button.closest('form');
    const n = form.querySelectorAll('fieldset[data-amount^="input-"]').length;
    const copy = form.querySelector('fieldset[data-amount="input-"]').cloneNode(true);
    copy.dataset.amount = `input-${n}-`;
    copy.querySelector('legend').textContent += ` ${n + 1}`;
    for (const field of copy.querySelectorAll('[name]')) {
      field.name = field.name.replace(/^input-/, `input-${n}-`);
      if (field.tagName === 'INPUT') field.value = '';
      field.removeAttribute('aria-invalid');
    }
    for (const old of copy.querySelectorAll('.error')) old.remove();
    button.before(copy);
    copy.querySelector('select, input').focus();
  });
}

for (const form of document.querySelectorAll('form[data-form]')) {
  form.dataset.id = newId();
  if (form.elements.time && !form.elements.time.value) form.elements.time.value = nowLocal();
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const json = collect(form);
    // Kept on the phone first: a dropped signal cannot lose it.
    saveOutbox([...outbox().filter((x) => x.form.id !== json.id), { form: json, savedAt: Date.now() }]);
    const box = $('.receipt', form);
    box.hidden = false;
    box.textContent = navigator.onLine ? texts.sending : texts.savedOffline;
    showOutbox();
    flush();
  });
}
// The setup page's forms register places and products: online only (they mint identifiers
// the forms then need), posted as JSON to the form's API.
for (const form of document.querySelectorAll('form[data-api]')) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    // An officer setting up a farmer without a phone registers for the farmer's organisation.
    const body = data.onBehalfOf ? { org: data.onBehalfOf } : {};
    for (const field of form.elements) {
      if (!field.name || field.value.trim() === '') continue;
      body[field.name] = field.name === 'areaMu' ? Number(field.value) : field.value.trim();
    }
    const box = $('.receipt', form);
    box.hidden = false;
    box.textContent = texts.sending;
    try {
      const response = await fetch(form.dataset.api, {
        method: 'POST', credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': data.csrf },
        body: JSON.stringify(body),
      });
      const answer = await response.json().catch(() => ({}));
      if (response.ok) {
        clearProblems(form);
        box.textContent = texts.registered;
        setTimeout(() => window.location.reload(), 600);
      } else {
        box.textContent = '';
        showProblems(form, answer);
      }
    } catch {
      box.textContent = texts.failed;
    }
  });
}

// The 承诺达标合格证 form (GET /work/certificate): online only, like the setup forms, since
// the certificate's number comes from the server. The province is remembered on the phone.
const PROVINCE = 'retu.province';
for (const form of document.querySelectorAll('form[data-certificate]')) {
  const today = new Date(Date.now() - new Date().getTimezoneOffset() * 60000).toISOString().slice(0, 10);
  if (!form.elements.issueDate.value) form.elements.issueDate.value = today;
  if (!form.elements['origin-province'].value) form.elements['origin-province'].value = localStorage.getItem(PROVINCE) ?? '';
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const value = (name) => form.elements[name]?.value.trim() ?? '';
    const optional = (name) => value(name) || undefined;
    const ticked = (name) => form.elements[name].checked;
    const basis = [...form.querySelectorAll('input[name=basis]:checked')].map((box) => box.value);
    const tests = basis.includes('selfTest')
      ? [{ kind: 'selfTest', item: value('tests-item'), method: value('tests-method'), outcome: 'pass', value: optional('tests-value'), date: value('tests-date') }]
      : [];
    const draft = {
      productName: value('productName'),
      quantity: { value: value('quantity-value'), unit: value('quantity-unit') },
      producer: { name: value('producer-name'), contact: value('producer-contact') },
      origin: {
        province: value('origin-province'), county: value('origin-county'),
        township: optional('origin-township'), village: optional('origin-village'), plot: optional('origin-plot'),
      },
      issueDate: value('issueDate'),
      commitments: {
        noBannedSubstances: ticked('commitments-noBannedSubstances'),
        residuesWithinLimits: ticked('commitments-residuesWithinLimits'),
        responsibleForTruth: ticked('commitments-responsibleForTruth'),
      },
      basis, tests,
      batch: { eventId: value('batch-eventId'), lot: value('batch-lot') },
    };
    const box = $('.receipt', form);
    box.hidden = false;
    box.textContent = texts.sending;
    try {
      const response = await fetch('/api/certificates', {
        method: 'POST', credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': data.csrf },
        body: JSON.stringify(draft),
      });
      const answer = await response.json().catch(() => ({}));
      if (!response.ok) {
        box.textContent = '';
        showProblems(form, answer);
        return;
      }
      localStorage.setItem(PROVINCE, draft.origin.province);
      clearProblems(form);
      box.textContent = '';
      box.append(element('p', { class: 'ok', role: 'status', 'data-certificate-number': answer.number },
        fill(texts.certificateIssued, { number: answer.number })));
      box.append(element('a', { href: `/c/${encodeURIComponent(answer.number)}` }, texts.openCertificate));
      labelsWidget(box, { uri: draft.batch.lot, nameZh: draft.productName, nameEn: optional('label-nameEn') }, answer.number);
      form.querySelector('button[type=submit]').disabled = true;
    } catch {
      box.textContent = texts.failed;
    }
  });
}

window.addEventListener('online', flush);
setInterval(flush, 15000);
showOutbox();
flush();
