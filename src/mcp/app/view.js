// The corral MCP App (extension io.modelcontextprotocol/ui): a jobs view and a
// job view, drawn from the job tools' structuredContent.  Built into one
// self-contained HTML file by build.mjs (the official ext-apps App API is
// bundled in; no network access: the page's CSP allows nothing but its own
// inline script and style).  Every value from the server goes into the page
// as text (textContent), never as markup.
import { App, PostMessageTransport, applyDocumentTheme, applyHostStyleVariables }
  from '@modelcontextprotocol/ext-apps';

const REFRESH_MS = 2000;
const TERMINAL = new Set(['completed', 'failed', 'killed', 'oom_killed', 'timed_out', 'cancelled',
  'seccomp_violation', 'dependency_failed', 'lost']);

const app = new App({ name: 'corral-jobs', version: '1.0.0' }, {});
let view = { kind: 'jobs' };
let timer = null;
let busy = false;

// ---- small DOM helpers ------------------------------------------------------
function el(tag, attrs = {}, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const k of kids) if (k != null) e.append(k instanceof Node ? k : String(k));
  return e;
}
const SVG = 'http://www.w3.org/2000/svg';
function svg(tag, attrs = {}) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}
function bytes(n) {
  if (n == null) return '–';
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
  return `${n >= 10 || i === 0 ? Math.round(n) : n.toFixed(1)} ${u[i]}`;
}
function bar(fraction, cls, label) {
  const f = Math.max(0, Math.min(1, fraction || 0));
  const fill = el('span', { class: `fill ${cls || ''}` });
  fill.style.width = `${(f * 100).toFixed(1)}%`;
  return el('span', { class: 'bar', role: 'meter', 'aria-valuenow': (f * 100).toFixed(0),
    'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-label': label || '' }, fill);
}

async function call(name, args = {}) {
  const r = await app.callServerTool({ name, arguments: args });
  if (r.isError && !r.structuredContent)
    throw new Error(r.content?.map((c) => c.text).join(' ') || `${name} failed`);
  return r.structuredContent ?? {};
}

// ---- words for outcomes -------------------------------------------------------
export function explain(s) {
  const lim = s.memory_limit_bytes ? bytes(s.memory_limit_bytes) : null;
  switch (s.status) {
    case 'completed': return 'The job finished and exited with code 0.';
    case 'oom_killed':
      return `The job ran out of memory: it reached its ${lim ?? ''} limit (peak ` +
        `${bytes(s.memory_peak_bytes)}) and the kernel's OOM killer stopped it` +
        `${s.oom_cause === 'own_limit' ? ' for exceeding its own limit' : ''}. ` +
        'Give it a larger memory limit or make it use less.';
    case 'failed': return s.exit_code != null
      ? `The job ended with exit code ${s.exit_code}: the program reported a failure (see its stderr below).`
      : `The job could not run: ${s.reason ?? 'see the reason below'}.`;
    case 'killed': return `The job was ended by the signal ${s.signal ?? ''}, sent by something other than corral's limits.`;
    case 'timed_out': return `The job ran past its ${s.timeout_seconds ?? ''} s time limit and was stopped.`;
    case 'cancelled': return 'The job was cancelled on request.';
    case 'seccomp_violation': return `The job made a system call its sandbox forbids (${s.seccomp_syscall ?? 'unknown'}) and was killed.`;
    case 'dependency_failed': return 'A job this one depends on did not complete, so it never started.';
    case 'lost': return `corral lost track of the job: ${s.reason ?? 'its supervisor ended without a record'}.`;
    case 'queued': return `Waiting to start${s.queue_position ? ` (position ${s.queue_position} in the queue)` : ''}: ${s.reason ?? 'waiting for the governor'}.`;
    case 'running': return 'Running.';
    default: return s.summary ?? s.status;
  }
}

// ---- charts -------------------------------------------------------------------
function chart(title, points, value, max, fmt, limitLine, second) {
  const W = 320, H = 80;
  const box = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img',
    'aria-label': title, preserveAspectRatio: 'none' });
  const t0 = points.length ? points[0][0] : 0, t1 = points.length ? points[points.length - 1][0] : 1;
  const x = (t) => (t1 > t0 ? ((t - t0) / (t1 - t0)) * (W - 2) + 1 : 1);
  const y = (v) => H - 1 - (max > 0 ? Math.min(1, v / max) : 0) * (H - 12);
  if (limitLine) box.append(svg('line', { x1: 0, x2: W, y1: y(max), y2: y(max), class: 'limit' }));
  const d = points.map((p, i) => `${i ? 'L' : 'M'}${x(p[0]).toFixed(1)},${y(value(p, i)).toFixed(1)}`).join('');
  if (points.length) {
    box.append(svg('path', { d: `${d}L${x(t1).toFixed(1)},${H}L${x(t0).toFixed(1)},${H}Z`, class: 'area' }));
    box.append(svg('path', { d, class: 'line' }));
    if (second) box.append(svg('path', { class: 'peak', d: points.map((p, i) =>
      `${i ? 'L' : 'M'}${x(p[0]).toFixed(1)},${y(second(p)).toFixed(1)}`).join('') }));
  }
  const top = points.reduce((m, p, i) => Math.max(m, value(p, i), second ? second(p) : 0), 0);
  return el('figure', {}, el('figcaption', {}, `${title}: at most ${fmt(top)}` +
    (limitLine ? ` of ${fmt(max)}` : '')), box);
}
function usageCharts(s) {
  const u = s.usage;
  if (!u || !u.points?.length) return el('p', { class: 'muted' }, 'No usage recorded yet.');
  const pts = u.points; // [t_ms, memory, peak, cpu_usec, pids]
  const limit = s.memory_limit_bytes;
  const memMax = limit || Math.max(...pts.map((p) => Math.max(p[1], p[2])), 1);
  const cpu = (p, i) => (i === 0 || p[0] <= pts[i - 1][0] ? 0
    : ((p[3] - pts[i - 1][3]) / 10) / (p[0] - pts[i - 1][0]));
  const cpuMax = Math.max(100, ...pts.map((p, i) => cpu(p, i)));
  return el('div', { class: 'charts' },
    chart('Memory', pts, (p) => p[1], memMax, bytes, !!limit, (p) => p[2]),
    chart('CPU (% of one CPU)', pts, cpu, cpuMax, (v) => `${Math.round(v)}%`, false));
}

// ---- the jobs view ------------------------------------------------------------
async function renderJobs(root) {
  // Live jobs in one page; finished ones oldest first, so the newest are on
  // the last page (followed for at most 20 pages of 500).
  const lastFinished = async () => {
    let page = await call('list_jobs', { status: [...TERMINAL], limit: 500 });
    let before = [];
    for (let i = 0; page.next_cursor && i < 20; i++) {
      before = page.jobs ?? [];
      page = await call('list_jobs', { status: [...TERMINAL], limit: 500, cursor: page.next_cursor });
    }
    return [...before, ...(page.jobs ?? [])];
  };
  const [liveList, done, sys] = await Promise.all([
    call('list_jobs', { status: ['running', 'queued'], limit: 500 }), lastFinished(),
    call('system_status', {}).catch(() => null)]);
  const live = liveList.jobs ?? [];
  const details = new Map();
  await Promise.all(live.slice(0, 30).map(async (j) => {
    try { details.set(j.job_id, await call('job_status', { job_id: j.job_id })); } catch { /* gone */ }
  }));
  const running = live.filter((j) => j.status === 'running');
  const queued = live.filter((j) => j.status === 'queued')
    .sort((a, b) => (details.get(a.job_id)?.queue_position ?? 1e9) - (details.get(b.job_id)?.queue_position ?? 1e9));
  const finished = done.slice(-15).reverse();

  const out = el('div', { class: 'jobs' });
  if (sys) out.append(hostPanel(sys));
  const row = (j, ...cells) => el('tr', { class: `job ${j.status}`, 'data-job': j.job_id,
    tabindex: '0', onclick: () => show({ kind: 'job', id: j.job_id }),
    onkeydown: (e) => { if (e.key === 'Enter') show({ kind: 'job', id: j.job_id }); } },
  el('td', { class: 'id' }, j.job_id), ...cells);
  const cmd = (j) => el('td', { class: 'cmd' }, (j.command ?? []).join(' '));

  out.append(el('h2', {}, `Running (${running.length})`));
  out.append(running.length ? el('table', {}, ...running.map((j) => {
    const d = details.get(j.job_id) ?? {};
    const pct = d.progress?.percent;
    const last = d.usage?.points?.at(-1);
    const mem = last ? last[1] : 0, lim = d.memory_limit_bytes;
    return row(j, cmd(j),
      el('td', { class: 'progress' }, bar(pct != null ? pct / 100 : 0, 'progress', 'progress'),
        el('span', { class: 'num' }, pct != null ? `${Math.round(pct)}%` : '–'),
        d.progress?.message ? el('span', { class: 'msg' }, d.progress.message) : null),
      el('td', { class: 'memory' }, bar(lim ? mem / lim : 0, lim && mem / lim > 0.9 ? 'hot' : 'mem', 'memory'),
        el('span', { class: 'num' }, `${bytes(mem)}${lim ? ` / ${bytes(lim)}` : ''}`)));
  })) : el('p', { class: 'muted' }, 'Nothing running.'));

  out.append(el('h2', {}, `Queued (${queued.length})`));
  out.append(queued.length ? el('table', {}, ...queued.map((j) => {
    const d = details.get(j.job_id) ?? {};
    return row(j, cmd(j), el('td', { class: 'pos' }, d.queue_position ? `#${d.queue_position}` : ''),
      el('td', { class: 'reason' }, d.reason ?? j.summary));
  })) : el('p', { class: 'muted' }, 'Nothing queued.'));

  out.append(el('h2', {}, 'Finished'));
  out.append(finished.length ? el('table', {}, ...finished.map((j) =>
    row(j, cmd(j), el('td', {}, el('span', { class: `badge ${j.status}` }, j.status)),
      el('td', { class: 'summary' }, j.summary.replace(/^[a-z_]+: ?/, ''))))) :
    el('p', { class: 'muted' }, 'No finished job.'));
  root.replaceChildren(el('header', {}, el('h1', {}, 'corral jobs'),
    el('span', { class: 'muted' }, `updated ${new Date().toLocaleTimeString()}`)), out);
}

function hostPanel(sys) {
  const m = sys.memory ?? {}, c = sys.cpu ?? {}, p = sys.pressure ?? {};
  const memPct = m.used_percent ?? null;
  const meter = (name, pct, thr) => el('div', { class: 'meter' },
    el('span', { class: 'label' }, name),
    bar(pct != null ? pct / 100 : 0, thr != null && pct >= thr ? 'hot' : 'mem', name),
    el('span', { class: 'num' }, `${pct != null ? pct.toFixed(0) : '–'}%` +
      (thr != null ? ` (admits below ${thr}%)` : '')));
  return el('section', { class: 'host' },
    meter('memory', memPct, m.threshold_percent),
    meter('cpu', c.used_percent ?? null, c.threshold_percent),
    meter('pressure', p.memory?.some_avg10 ?? null, p.threshold_percent),
    el('div', { class: 'counts muted' }, `${sys.running ?? 0} running, ${sys.queued ?? 0} queued` +
      (sys.max_concurrent_jobs ? `, at most ${sys.max_concurrent_jobs} at once` : '')));
}

// ---- the job view -------------------------------------------------------------
async function renderJob(root, id) {
  const s = await call('job_status', { job_id: id });
  const logs = await Promise.all(['stderr', 'stdout'].map((stream) =>
    call('job_logs', { job_id: id, stream, tail: 4096 }).catch(() => ({ text: '' }))));
  const terminal = TERMINAL.has(s.status);
  const actions = el('div', { class: 'actions' });
  if (!terminal) actions.append(el('button', { class: 'cancel', onclick: async (e) => {
    e.target.disabled = true; e.target.textContent = 'Cancelling…';
    try { await call('cancel_job', { job_id: id }); } catch (err) { status(String(err)); }
    refresh();
  } }, 'Cancel'));
  else actions.append(el('button', { class: 'retry', onclick: async (e) => {
    e.target.disabled = true;
    try { const r = await call('retry_job', { job_id: id }); show({ kind: 'job', id: r.job_id }); } catch (err) { status(String(err)); }
  } }, 'Retry'));
  const facts = el('dl', { class: 'facts' });
  const fact = (k, v) => { if (v != null && v !== '') facts.append(el('dt', {}, k), el('dd', {}, v)); };
  fact('command', (s.command ?? []).join(' '));
  fact('exit code', s.exit_code);
  fact('signal', s.signal);
  const last = s.usage?.points?.at(-1);
  const lim = s.memory_limit_bytes ? ` of ${bytes(s.memory_limit_bytes)} limit` : '';
  if (terminal) fact('memory', `peak ${bytes(s.memory_peak_bytes)}${lim}`);
  else if (last) fact('memory', `${bytes(last[1])} now, peak ${bytes(last[2])}${lim}`);
  if (terminal) fact('cpu', `${(s.cpu_seconds ?? 0).toFixed(2)} s`);
  else if (last) fact('cpu', `${(last[3] / 1e6).toFixed(2)} s`);
  fact(terminal ? 'wall' : 'running for', terminal ? `${(s.wall_seconds ?? 0).toFixed(1)} s`
    : last ? `${(last[0] / 1000).toFixed(0)} s` : null);
  if (!terminal && s.progress?.percent != null) fact('progress', `${Math.round(s.progress.percent)}% ${s.progress.message ?? ''}`);
  fact('retry of', s.retry_of);
  root.replaceChildren(
    el('header', {}, el('a', { href: '#', class: 'back', onclick: (e) => { e.preventDefault(); show({ kind: 'jobs' }); } }, '← all jobs'),
      el('h1', {}, `Job ${s.job_id}`), el('span', { class: `badge ${s.status}` }, s.status)),
    el('p', { class: 'explain' }, explain(s)),
    actions, facts, usageCharts(s),
    ...logs.map((l, i) => {
      const d = el('details', { class: 'log' },
        el('summary', {}, `${i ? 'stdout' : 'stderr'} (last ${bytes(l.text?.length ?? 0)})`),
        el('pre', {}, l.text || '(empty)'));
      d.open = !!l.text;
      return d;
    }));
}

// ---- plumbing -------------------------------------------------------------------
function status(msg) { const s = document.getElementById('status'); if (s) s.textContent = msg; }
let again = false;
async function refresh() {
  if (busy) { again = true; return; } // a click during a refresh: redraw right after it
  busy = true;
  const root = document.getElementById('root');
  try {
    if (view.kind === 'job') await renderJob(root, view.id);
    else await renderJobs(root);
    status('');
    document.body.dataset.view = view.kind;
  } catch (e) {
    status(`Cannot reach corral: ${e.message ?? e}`);
  } finally {
    busy = false;
    if (again) { again = false; refresh(); }
  }
}
function show(v) { view = v; refresh(); }

function fromToolResult(r) {
  const sc = r?.structuredContent;
  if (sc && typeof sc.job_id === 'string') show({ kind: 'job', id: sc.job_id });
  else show({ kind: 'jobs' });
}
function applyContext(ctx) {
  if (ctx?.theme) applyDocumentTheme(ctx.theme);
  if (ctx?.styles?.variables) applyHostStyleVariables(ctx.styles.variables);
}

app.ontoolresult = (params) => fromToolResult(params);
app.onhostcontextchanged = (ctx) => applyContext(ctx);
app.onteardown = async () => { clearInterval(timer); return {}; };

await app.connect(new PostMessageTransport(window.parent, window.parent));
applyContext(app.getHostContext());
refresh();
timer = setInterval(() => { if (!document.hidden) refresh(); }, REFRESH_MS);
