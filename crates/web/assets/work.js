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
    case 'process': return { ...base, inputs: [amount(form, 'input-')], output: amount(form, 'output-'), step: value('step') };
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

/** The HTML field a problem's JSON pointer names (`/output/quantity` → `output-quantity`). */
function fieldOf(form, pointer) {
  const parts = pointer.split('/').filter(Boolean).filter((p) => !/^\d+$/.test(p));
  const renamed = parts.map((p) => (p === 'gtin' ? 'product' : p));
  const names = [renamed.join('-'), renamed.slice(1).join('-'), renamed.at(-1)];
  for (const name of names) {
    if (name && form.elements[name]) return form.elements[name];
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

function showReceipt(form, receipt) {
  const box = $('.receipt', form);
  box.hidden = false;
  box.textContent = '';
  const line = document.createElement('p');
  line.className = 'ok';
  line.setAttribute('role', 'status');
  line.textContent = `${receipt.stored} · ${fill(texts.logIndex, { index: receipt.logIndex })}`;
  box.append(line);
  if (receipt.consumerPage) {
    const link = document.createElement('a');
    link.href = receipt.consumerPage;
    link.textContent = texts.consumerPage;
    box.append(link);
  }
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
    const body = {};
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

window.addEventListener('online', flush);
setInterval(flush, 15000);
showOutbox();
flush();
