// The live view's script (served by src/view/live-view.ts at /live-view.js): decisions as they happen over
// server-sent events, filtered by identity, operation, decision and rule; per-client counters; the
// would_deny list with the policy change that would allow each; the latest audit findings.
//
// Records carry text clients chose (container names, paths, image references): it is only ever written as
// text (textContent, option labels), never parsed as HTML. The page's Content-Security-Policy would stop a
// script anyway.

/** Records kept in the page, newest last: enough to filter through, bounded like the server's ring. */
const MAX_KEPT = 1000;
/** Rows shown at once. */
const MAX_SHOWN = 300;
const FILTERS = ['client', 'operation', 'decision', 'rule'];

/** @type {{seq: number, client: string, ruleChange?: string, record: any}[]} */
const kept = [];
/** The would_deny entries by what would allow them, with how many requests each stands for. */
const wouldDeny = new Map();

const byId = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

/** An element with text, classes and children: the only way this page makes content. */
function element(tag, { text, className, title } = {}, ...children) {
  const el = document.createElement(tag);
  if (text !== undefined) el.textContent = String(text);
  if (className !== undefined) el.className = className;
  if (title !== undefined) el.title = String(title);
  for (const child of children) if (child) el.append(child);
  return el;
}

/** The value of each filter, '' for all. */
function filterValues() {
  return Object.fromEntries(FILTERS.map((name) => [name, /** @type {HTMLSelectElement} */ (byId(`filter-${name}`)).value]));
}

function fieldOf(entry, name) {
  return name === 'client' ? entry.client : (entry.record[name] ?? '');
}

function matches(entry, filters) {
  return FILTERS.every((name) => filters[name] === '' || fieldOf(entry, name) === filters[name]);
}

/** Adds a value to a filter's choices the first time it is seen, keeping them sorted. */
function offer(name, value) {
  if (value === '') return;
  const select = /** @type {HTMLSelectElement} */ (byId(`filter-${name}`));
  const options = [...select.options].slice(1);
  if (options.some((o) => o.value === value)) return;
  const option = new Option(value, value);
  const after = options.find((o) => o.value.localeCompare(value) > 0);
  select.insertBefore(option, after ?? null);
}

function time(iso) {
  return element('time', { text: String(iso).slice(11, 23), title: iso });
}

/** One decision as a row: when, what, who, which rule; for a refusal its reason and fix. */
function decisionRow(entry) {
  const r = entry.record;
  const li = element(
    'li',
    { className: `decision-${r.decision}` },
    element(
      'div',
      { className: 'line' },
      time(r.time),
      element('span', { className: 'decision', text: r.decision }),
      element('span', { className: 'client', text: entry.client }),
      element('span', { className: 'operation', text: r.operation ?? '(no route)' }),
      element('code', { className: 'request', text: `${r.method} ${r.path}` }),
      element('span', { className: 'rule', text: r.rule }),
      element('span', { className: 'status', text: r.status }),
    ),
  );
  li.dataset.seq = String(entry.seq);
  if (r.decision !== 'allow') {
    li.append(element('div', { className: 'reason', text: r.reason }));
    if (r.fix !== undefined) li.append(element('div', { className: 'fix', text: r.fix }));
  }
  return li;
}

function showDecisions() {
  const filters = filterValues();
  const list = byId('decisions');
  const rows = [];
  for (let i = kept.length - 1; i >= 0 && rows.length < MAX_SHOWN; i--) if (matches(kept[i], filters)) rows.push(decisionRow(kept[i]));
  list.replaceChildren(...rows);
  showCount();
}

function showCount() {
  const filters = filterValues();
  const matching = kept.filter((entry) => matches(entry, filters)).length;
  byId('shown').textContent = `${matching} of the ${kept.length} most recent decisions match${matching > MAX_SHOWN ? ` (the newest ${MAX_SHOWN} shown)` : ''}`;
}

/** A would_deny entry: the request, why it would be denied, and a button that shows the change that would allow it. */
function wouldDenyItem(entry, count) {
  const r = entry.record;
  const li = element(
    'li',
    { className: 'decision-would_deny' },
    element(
      'div',
      { className: 'line' },
      time(r.time),
      element('span', { className: 'client', text: entry.client }),
      element('span', { className: 'operation', text: r.operation ?? '(no route)' }),
      element('span', { className: 'rule', text: r.rule }),
      element('span', { className: 'count', text: count > 1 ? `×${count}` : '' }),
    ),
    element('div', { className: 'reason', text: r.reason }),
  );
  if (entry.ruleChange === undefined) {
    li.append(element('div', { className: 'hint', text: 'no policy change available for this record' }));
    return li;
  }
  const pre = element('pre', { className: 'rule-change', text: entry.ruleChange });
  pre.hidden = true;
  const copy = element('button', { text: 'copy', className: 'copy-rule-change' });
  copy.type = 'button';
  copy.hidden = true;
  copy.addEventListener('click', () => {
    navigator.clipboard?.writeText(entry.ruleChange).then(
      () => (copy.textContent = 'copied'),
      () => (copy.textContent = 'select the text to copy'),
    );
  });
  const show = element('button', { text: 'show the policy change that would allow it', className: 'show-rule-change' });
  show.type = 'button';
  show.addEventListener('click', () => {
    pre.hidden = !pre.hidden;
    copy.hidden = pre.hidden;
    show.textContent = pre.hidden ? 'show the policy change that would allow it' : 'hide the policy change';
  });
  li.append(element('div', {}, show, copy), pre);
  return li;
}

function showWouldDeny() {
  const items = [...wouldDeny.values()].sort((a, b) => b.entry.seq - a.entry.seq).map(({ entry, count }) => wouldDenyItem(entry, count));
  byId('would-deny').replaceChildren(...items);
}

function add(entry) {
  kept.push(entry);
  if (kept.length > MAX_KEPT) kept.shift();
  for (const name of FILTERS) offer(name, fieldOf(entry, name));
  if (entry.record.decision === 'would_deny') {
    // Requests that one change would allow are one entry: the newest shown, counted.
    const key = `${entry.client}\n${entry.record.operation}\n${entry.record.rule}\n${entry.ruleChange ?? entry.record.reason}`;
    const known = wouldDeny.get(key);
    wouldDeny.delete(key);
    wouldDeny.set(key, { entry, count: (known?.count ?? 0) + 1 });
    if (wouldDeny.size > MAX_SHOWN) wouldDeny.delete(wouldDeny.keys().next().value);
  }
}

/** Records arriving together (a reconnection's backlog) are drawn once. */
let drawPending = false;
function drawSoon() {
  if (drawPending) return;
  drawPending = true;
  requestAnimationFrame(() => {
    drawPending = false;
    showDecisions();
    showWouldDeny();
  });
}

function showCounters(rows) {
  const body = /** @type {HTMLTableElement} */ (byId('counters')).tBodies[0];
  body.replaceChildren(
    ...rows.map(({ client, counts }) =>
      element(
        'tr',
        {},
        element('td', { text: client }),
        element('td', { className: 'n', text: counts.allow }),
        element('td', { className: 'n', text: counts.would_deny }),
        element('td', { className: 'n', text: counts.deny }),
        element('td', { className: 'n', text: counts.error }),
      ),
    ),
  );
}

function showAudit(state) {
  const summary = state.summary;
  const when = state.finishedAt !== undefined ? ` (run ${state.finishedAt})` : '';
  const words = {
    'not-run': 'not run yet',
    running: `running${state.finishedAt !== undefined ? `; the last run${when}:` : ''}`,
    done: `findings${when}:`,
    failed: `the last run failed: ${state.error ?? ''}`,
  };
  const counts = summary === undefined ? '' : ` ${summary.critical} critical, ${summary.high} high, ${summary.medium} medium, ${summary.low} low, ${summary.notChecked} not checked`;
  byId('audit-state').textContent = `${words[state.state] ?? state.state}${counts}`;
  byId('audit-findings').replaceChildren(
    ...(state.findings ?? []).map((f) =>
      element(
        'li',
        {},
        element('span', { className: `severity-${f.severity}`, text: f.severity }),
        ' ',
        element('code', { text: f.id }),
        ' ',
        element('span', { text: f.subject !== undefined ? `${f.title} (${f.subject})` : f.title }),
        element('div', { className: 'fix', text: f.remediation }),
      ),
    ),
  );
}

function connect() {
  const connection = byId('connection');
  const source = new EventSource('/events');
  source.addEventListener('open', () => {
    connection.textContent = 'live';
    connection.className = 'connection live';
  });
  source.addEventListener('error', () => {
    connection.textContent = 'reconnecting';
    connection.className = 'connection lost';
  });
  source.addEventListener('record', (event) => {
    add(JSON.parse(event.data));
    drawSoon();
  });
  source.addEventListener('counters', (event) => showCounters(JSON.parse(event.data)));
  source.addEventListener('audit', (event) => showAudit(JSON.parse(event.data)));
}

byId('filters').addEventListener('change', showDecisions);
byId('filters').addEventListener('reset', () => setTimeout(showDecisions));
byId('filters').addEventListener('submit', (event) => event.preventDefault());
byId('audit-refresh').addEventListener('click', () => {
  fetch('/audit/refresh', { method: 'POST' })
    .then(async (answer) => {
      const body = await answer.json();
      if (answer.ok) showAudit(body);
      else byId('audit-state').textContent = body.message;
    })
    .catch(() => (byId('audit-state').textContent = 'the refresh could not be asked for'));
});
fetch('/audit')
  .then((answer) => answer.json())
  .then(showAudit)
  .catch(() => (byId('audit-state').textContent = 'the findings could not be read'));
connect();
