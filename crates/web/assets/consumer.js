// The consumer page's check (crates/web/src/consumer_page.rs): every record the page shows is
// verified on this phone against the trust policy the page pins. For each record the script
// hashes the exact bytes the page carries, rebuilds the log leaf (docs/ledger.md) and checks
// its tlog-proof with verify.js: inclusion under the checkpoint's root, the log's signature
// and the witnesses' quorum. Nothing the server says is taken for the result.

const $ = (id) => document.getElementById(id);
const texts = JSON.parse($('texts').textContent);
const evidence = JSON.parse($('evidence').textContent);
const fill = (text, values) => text.replace(/\{(\w+)\}/g, (m, k) => (k in values ? values[k] : m));

/** Shows the verdict. `detail` is shown under it; `technical` (verify.js's English detail, for
 * whoever debugs) only as the badge's tooltip, so the page stays in one language. */
function show(state, text, detail, technical) {
  const badge = $('badge');
  badge.dataset.state = state;
  badge.title = technical ?? '';
  $('badge-text').textContent = text;
  $('badge-detail').textContent = detail ?? '';
  document.body.dataset.verify = state;
}

function mark(index, ok, title) {
  for (const row of document.querySelectorAll(`li[data-index="${index}"]`)) {
    row.dataset.check = ok ? 'ok' : 'failed';
    const m = row.querySelector('.mark');
    if (m) { m.textContent = ok ? '✓' : '✗'; m.title = title; }
  }
}

const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

/** The leaf of a record, retu-leaf/v1, with the body digest computed here. */
async function leafOf(record) {
  const body = new TextEncoder().encode(record.body);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', body));
  const subjectField = record.kind === 'epcis-event' ? 'event' : 'id';
  return `retu-leaf/v1\nkind ${record.kind}\n${subjectField} ${record.subject}\n`
    + `body sha-256:${hex(digest)}\norg ${record.org}\ntime ${record.time}\n`;
}

function beacon() {
  // A scan is counted once the page ran: no cookie, no identifier, only the code and the
  // phone's time zone (docs/scans.md).
  try {
    const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'unknown';
    fetch('/api/scans', {
      method: 'POST', keepalive: true, headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ code: evidence.path, timeZone }),
    }).catch(() => {});
  } catch { /* counting is best effort */ }
}

async function check() {
  const started = performance.now();
  let verifier;
  try {
    verifier = await import('./verify.js');
  } catch (e) {
    show('failed', texts.reasons['unsupported-browser'], '', String(e));
    return;
  }
  if (!await verifier.ed25519Supported()) {
    show('failed', texts.reasons['unsupported-browser'], '');
    return;
  }
  const policy = await verifier.parsePolicy(evidence.policy);
  const withProof = evidence.records.filter((r) => r.proof);
  const pending = evidence.records.length - withProof.length;
  const results = await Promise.all(withProof.map(async (record) => {
    const result = await verifier.verifyTlogProof(record.proof, await leafOf(record), policy);
    mark(record.logIndex, result.ok, result.ok ? texts.recordOk : (texts.reasons[result.reason] ?? result.reason));
    return { record, result };
  }));
  document.body.dataset.verifyMs = String(Math.round(performance.now() - started));
  const failed = results.find(({ result }) => !result.ok && result.reason !== 'quorum-not-met');
  const unwitnessed = results.find(({ result }) => result.reason === 'quorum-not-met');
  if (failed) {
    const { record, result } = failed;
    show('failed', fill(texts.failed, { reason: texts.reasons[result.reason] ?? result.reason }),
      `${evidence.origin} #${record.logIndex}`, result.detail);
  } else if (unwitnessed) {
    const { result } = unwitnessed;
    show('failed', fill(texts.notWitnessed, {
      n: result.cosigned?.length ?? 0, m: result.knownWitnesses ?? 0,
    }), evidence.origin, result.detail);
  } else if (!results.length) {
    show('pending', pending ? fill(texts.pending, { n: pending }) : texts.nothing, '');
  } else {
    const n = Math.min(...results.map(({ result }) => result.cosigned.length));
    const m = results[0].result.knownWitnesses;
    const size = results[0].result.size;
    const text = m ? fill(texts.ok, { n, m }) : texts.okAlone;
    const detail = `${evidence.origin} · ${size}` + (pending ? ` · ${fill(texts.pending, { n: pending })}` : '');
    show(pending ? 'pending' : 'ok', text, detail);
  }
}

beacon();
check().catch((e) => show('failed', fill(texts.failed, { reason: texts.reasons['internal-error'] }), '', String(e)));
