// The Ravel web console: log in, watch applications and their VMs change state live over
// /api/v1/live, start and stop them, set expiration, upload disk images (tus) and read events.
// Plain ES module, no build step and nothing fetched from elsewhere.

const API = '/api/v1';
const TOPICS = ['applications', 'vms', 'hosts', 'events'];
const MAX_EVENTS = 200;
const CHUNK_BYTES = 4 * 1024 * 1024;

const $ = (id) => document.getElementById(id);

/** Application id -> { id, name, published, nextStopTime, region, vms: [{key, name, state}] }. */
const apps = new Map();
const live = { socket: undefined, lastSeq: undefined, retryMs: 500, loggedIn: false };

// ---- REST

/**
 * JSON.parse that keeps integers past 2^53 as strings: VM ids go up to 2^63 and must still
 * match the `vmId` keys events carry.
 */
export function parseJson(text) {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      out += c;
      if (c === '\\') out += text[++i] ?? '';
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if ((c >= '0' && c <= '9') || c === '-') {
      let j = i;
      while (j < text.length && /[0-9eE.+-]/.test(text[j])) j++;
      const num = text.slice(i, j);
      out += /^-?\d{16,}$/.test(num) && !Number.isSafeInteger(Number(num)) ? `"${num}"` : num;
      i = j - 1;
    } else out += c;
  }
  return JSON.parse(out);
}

async function api(method, path, body, headers = {}) {
  const res = await fetch(`${API}${path}`, {
    method,
    credentials: 'same-origin',
    headers: {
      accept: 'application/json',
      ...(body === undefined ? {} : { 'content-type': 'application/json;charset=utf-8' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (res.status === 401 && path !== '/login') showLogin();
  if (!res.ok) {
    const message = res.headers.get('error-message') ?? (text || res.statusText);
    throw new Error(`${res.status}: ${message}`);
  }
  return text === '' ? undefined : parseJson(text);
}

// ---- views

function showLogin() {
  live.loggedIn = false;
  live.socket?.close(1000, 'logged out');
  $('login-view').hidden = false;
  $('console-view').hidden = true;
  $('logout').hidden = true;
  $('connection').hidden = true;
  $('who').textContent = '';
  $('login-user').focus();
}

async function showConsole() {
  const org = await api('GET', '/organization');
  live.loggedIn = true;
  $('who').textContent = org?.name ?? '';
  $('login-view').hidden = true;
  $('console-view').hidden = false;
  $('logout').hidden = false;
  connect();
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') node.className = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  node.append(...children.filter((c) => c !== undefined && c !== null));
  return node;
}

function appView(app) {
  const id = String(app.id);
  const busy = () => app.vms.some((v) => /ING$/.test(v.state ?? ''));
  // Each button names its application for screen readers: a page has many "Start" buttons.
  const act = (label, fn, cls) =>
    el(
      'button',
      { type: 'button', id: `${label.toLowerCase()}-${id}`, class: cls ?? '', 'aria-label': `${label} ${app.name}`, onclick: () => run(fn) },
      label,
    );
  const actions = app.published
    ? [
        act('Start', () => api('POST', `/applications/${id}/start`)),
        act('Stop', () => api('POST', `/applications/${id}/stop`), 'secondary'),
      ]
    : [act('Publish', () => api('POST', `/applications/${id}/publish`, { optimizationLevel: 'COST_OPTIMIZED' }))];
  const minutes = el('input', {
    type: 'number', min: '1', max: '100000', value: drafts.get(id) ?? '60', id: `exp-${id}`, 'aria-label': `Minutes until ${app.name} stops`,
    oninput: (e) => drafts.set(id, e.target.value),
  });
  const expiration = app.published
    ? el(
        'form',
        {
          class: 'expiration',
          onsubmit: (e) => {
            e.preventDefault();
            run(() => api('POST', `/applications/${id}/setExpiration`, { expirationFromNowSeconds: Number(minutes.value) * 60 }));
          },
        },
        el('label', { for: `exp-${id}` }, 'Stop in'),
        minutes,
        el('span', {}, 'min'),
        el('button', { type: 'submit', id: `set-${id}`, class: 'secondary', 'aria-label': `Set expiration of ${app.name}` }, 'Set'),
      )
    : undefined;
  const stops = app.nextStopTime ? `stops ${new Date(app.nextStopTime).toLocaleString()}` : '';
  return el(
    'li',
    { class: 'app', 'data-app': id, 'aria-busy': String(busy()) },
    el(
      'div',
      { class: 'app-head' },
      el('h3', {}, app.name),
      el('span', { class: 'muted' }, app.published ? `${app.region ?? ''} ${stops}` : 'draft'),
      ...actions,
      expiration,
    ),
    el(
      'ul',
      { class: 'vms', 'aria-label': `VMs of ${app.name}` },
      ...app.vms.map((v) =>
        el(
          'li',
          { 'data-vm': v.key },
          `${v.name} `,
          el('span', { class: `state state-${v.state ?? 'DRAFT'}`, 'data-state': v.state ?? 'DRAFT' }, v.state ?? 'not published'),
        ),
      ),
    ),
  );
}

/** What the user typed in each application's minutes field: a re-render keeps it. */
const drafts = new Map();

function renderApps() {
  const list = [...apps.values()].sort((a, b) => a.name.localeCompare(b.name) || a.id - b.id);
  // States change while someone works in the list: keep their focus where it was.
  const focused = $('apps').contains(document.activeElement) ? document.activeElement.id : '';
  $('apps').replaceChildren(...list.map(appView));
  $('apps-empty').hidden = list.length > 0;
  if (focused) $(focused)?.focus();
}

function addEvent(e) {
  const about = (e.subjects ?? []).map((s) => `${s.type.toLowerCase()} ${s.id}`).join(', ');
  const d = e.details ?? {};
  const what = d.to ? ` ${d.vmId ?? ''} ${d.from} → ${d.to}` : '';
  const item = el(
    'li',
    { value: String(e.sequence) },
    el('time', { datetime: new Date(e.time).toISOString() }, new Date(e.time).toLocaleTimeString()),
    `${e.name}${about ? ` (${about})` : ''}${what}`,
  );
  const list = $('events');
  list.prepend(item);
  while (list.children.length > MAX_EVENTS) list.lastElementChild?.remove();
}

async function run(fn) {
  $('action-error').textContent = '';
  try {
    await fn();
  } catch (e) {
    $('action-error').textContent = e.message;
  }
}

// ---- live status

/** The application as the live snapshot shapes it, from the REST answer. */
function fromRest(a) {
  const vms = a.deployment?.vms ?? a.design?.vms ?? [];
  return {
    id: a.id,
    name: a.name,
    published: a.published,
    nextStopTime: a.nextStopTime,
    region: a.deployment?.regionName,
    vms: vms.map((v) => ({ key: String(v.id), name: v.name, state: v.state })),
  };
}

const refreshing = new Map();
/** Reads one application again after a change to it; several changes close together read it once. */
function refresh(appId) {
  if (refreshing.has(appId)) return;
  refreshing.set(
    appId,
    setTimeout(async () => {
      refreshing.delete(appId);
      try {
        apps.set(appId, fromRest(await api('GET', `/applications/${appId}`)));
      } catch (e) {
        if (/^404/.test(e.message)) apps.delete(appId);
      }
      renderApps();
    }, 150),
  );
}

function onEvent(record) {
  addEvent(record);
  const app = (record.subjects ?? []).find((s) => s.type === 'APPLICATION');
  if (app === undefined) return;
  const id = Number(app.id);
  const known = apps.get(id);
  if (record.name === 'VM_STATE_CHANGED' && known) {
    // Shown at once; the read that follows brings the rest of the change.
    const vm = known.vms.find((v) => v.key === String(record.details?.vmId));
    if (vm) vm.state = record.details.to;
    renderApps();
  }
  if (record.name === 'APPLICATION_DELETED') {
    apps.delete(id);
    renderApps();
  } else refresh(id);
}

function setConnection(text, down) {
  const c = $('connection');
  c.hidden = false;
  c.textContent = text;
  c.classList.toggle('down', down);
}

function connect() {
  if (live.socket && live.socket.readyState <= WebSocket.OPEN) return;
  const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${API}/live`);
  live.socket = ws;
  ws.onopen = () => {
    live.retryMs = 500;
    setConnection('live', false);
    ws.send(JSON.stringify({ op: 'subscribe', topics: TOPICS, ...(live.lastSeq === undefined ? {} : { fromSeq: live.lastSeq }) }));
  };
  ws.onmessage = (m) => {
    const msg = parseJson(m.data);
    if (msg.op === 'snapshot') {
      apps.clear();
      for (const a of msg.applications) apps.set(a.id, a);
      $('events').replaceChildren();
      for (const e of msg.events) addEvent(e);
      live.lastSeq = msg.seq;
      renderApps();
    } else if (msg.op === 'event') {
      live.lastSeq = msg.seq;
      onEvent(msg.data);
    } else if (msg.op === 'error') setConnection(`live: ${msg.message}`, true);
  };
  ws.onclose = () => {
    if (live.socket === ws) live.socket = undefined;
    if (!live.loggedIn) return;
    setConnection('reconnecting…', true);
    // A refused upgrade (session over) shows as a close too: the next REST call finds out.
    setTimeout(() => void api('GET', '/organization').then(connect, () => undefined), live.retryMs);
    live.retryMs = Math.min(live.retryMs * 2, 15_000);
  };
}

// ---- uploads (tus 1.0.0: creation, then PATCH from the stored offset)

const b64 = (s) => btoa(String.fromCharCode(...new TextEncoder().encode(s)));

async function tusCall(method, url, headers, body) {
  const res = await fetch(url, { method, credentials: 'same-origin', headers: { 'tus-resumable': '1.0.0', ...headers }, body });
  if (!res.ok) throw new Error(`${res.status}: ${res.headers.get('error-message') ?? res.statusText}`);
  return res;
}

async function upload(file) {
  const progress = $('upload-progress');
  const status = $('upload-status');
  progress.hidden = false;
  progress.value = 0;
  const created = await tusCall('POST', `${API}/uploads`, {
    'upload-length': String(file.size),
    'upload-metadata': `filename ${b64(file.name)},name ${b64(file.name)}`,
  });
  const url = created.headers.get('location');
  let offset = Number(created.headers.get('upload-offset') ?? 0);
  while (offset < file.size) {
    const chunk = file.slice(offset, Math.min(file.size, offset + CHUNK_BYTES));
    try {
      const res = await tusCall('PATCH', url, { 'upload-offset': String(offset), 'content-type': 'application/offset+octet-stream' }, chunk);
      offset = Number(res.headers.get('upload-offset'));
    } catch (e) {
      // Ask where the server is and go on from there; give up if it made no progress.
      const head = await tusCall('HEAD', url, {});
      const stored = Number(head.headers.get('upload-offset'));
      if (stored <= offset) throw e;
      offset = stored;
    }
    progress.value = file.size === 0 ? 1 : offset / file.size;
    status.textContent = `${(offset / 2 ** 20).toFixed(1)} of ${(file.size / 2 ** 20).toFixed(1)} MiB`;
  }
  progress.value = 1;
  for (;;) {
    const up = await api('GET', url.replace(API, ''));
    if (up.state === 'DONE') {
      status.textContent = `Uploaded ${file.name}: disk images ${(up.diskImageIds ?? []).join(', ')}${up.imageId ? `, image ${up.imageId}` : ''}`;
      return;
    }
    if (up.state === 'FAILED') throw new Error(up.error ?? 'the upload failed');
    status.textContent = `${file.name}: ${up.state.toLowerCase()}…`;
    await new Promise((r) => setTimeout(r, 500));
  }
}

// ---- wiring

function start() {
  $('login-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    $('login-error').textContent = '';
    const user = $('login-user').value;
    const password = $('login-password').value;
    try {
      await api('POST', '/login', undefined, { authorization: `Basic ${b64(`${user}:${password}`)}` });
      $('login-password').value = '';
      await showConsole();
    } catch (err) {
      $('login-error').textContent = /^401/.test(err.message) ? 'Wrong user or password.' : err.message;
    }
  });
  $('logout').addEventListener('click', async () => {
    await api('POST', '/logout').catch(() => undefined);
    live.lastSeq = undefined;
    apps.clear();
    showLogin();
  });
  $('upload-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const file = $('upload-file').files?.[0];
    if (file) upload(file).catch((err) => ($('upload-status').textContent = `Upload failed: ${err.message}`));
  });
  showConsole().catch(() => showLogin());
}

start();
