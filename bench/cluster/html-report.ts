/**
 * The cluster bench's HTML page: one self-contained file (inline SVG and CSS, nothing fetched)
 * with throughput and latency percentiles over time, the fault moments marked as bands, and the
 * tables of operations, faults, checks, processes and scaling.
 */
import { writeFileSync } from 'node:fs';
import type { RunSummary } from './cluster-report.ts';
import type { SecondPoint } from './stats.ts';

const esc = (s: string): string => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string);

interface Line {
  readonly label: string;
  readonly color: string;
  readonly value: (p: SecondPoint) => number;
}

function chart(title: string, run: RunSummary, lines: readonly Line[], unit: string, log = false): string {
  const W = 900;
  const H = 260;
  const L = 60;
  const B = 30;
  const pts = run.series;
  const max = Math.max(1, ...pts.flatMap((p) => lines.map((l) => l.value(p))));
  const x = (t: number): number => L + (t / Math.max(1, run.durationS)) * (W - L - 10);
  const y = (v: number): number => {
    const f = log ? Math.log10(Math.max(1, v)) / Math.log10(Math.max(10, max)) : v / max;
    return H - B - f * (H - B - 20);
  };
  const bands = run.faults.map((f) => {
    const x0 = x(f.atS);
    const x1 = Math.max(x0 + 2, x(Math.min(run.durationS, f.endS)));
    return `<rect x="${x0.toFixed(1)}" y="10" width="${(x1 - x0).toFixed(1)}" height="${H - B - 10}" fill="#f5a623" opacity="0.18"/>` +
      `<line x1="${x0.toFixed(1)}" x2="${x0.toFixed(1)}" y1="10" y2="${H - B}" stroke="#d0021b" stroke-dasharray="4 3"/>` +
      `<text x="${(x0 + 3).toFixed(1)}" y="22" font-size="10" fill="#d0021b">${esc(f.label)}</text>`;
  }).join('');
  const paths = lines.map((l) => {
    const d = pts.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.t + 0.5).toFixed(1)},${y(l.value(p)).toFixed(1)}`).join('');
    return `<path d="${d}" fill="none" stroke="${l.color}" stroke-width="1.5"/>`;
  }).join('');
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const v = log ? Math.round(10 ** (f * Math.log10(Math.max(10, max)))) : Math.round(f * max);
    return `<text x="${L - 6}" y="${y(v) + 4}" font-size="10" text-anchor="end">${v}</text><line x1="${L}" x2="${W - 10}" y1="${y(v)}" y2="${y(v)}" stroke="#eee"/>`;
  }).join('');
  const xt = Array.from({ length: 7 }, (_, i) => Math.round((i / 6) * run.durationS))
    .map((t) => `<text x="${x(t)}" y="${H - 10}" font-size="10" text-anchor="middle">${t} s</text>`).join('');
  const legend = lines.map((l, i) => `<text x="${L + 10 + i * 130}" y="${H - B + 28}" font-size="11" fill="${l.color}">■ ${esc(l.label)}</text>`).join('');
  return `<h3>${esc(title)} (${esc(unit)}${log ? ', log scale' : ''})</h3><svg viewBox="0 0 ${W} ${H + 12}" width="100%" role="img" aria-label="${esc(title)}">${ticks}${bands}${paths}${xt}${legend}</svg>`;
}

function table(head: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number>>): string {
  const cell = (v: string | number): string => `<td>${esc(typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(2)) : v)}</td>`;
  return `<table><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>${rows.map((r) => `<tr>${r.map(cell).join('')}</tr>`).join('')}</table>`;
}

/** Mean CPU (cores) of a run's processes whose name starts with `prefix`, summed. */
export function cpuOf(run: RunSummary, prefix: string): number {
  return run.processes.filter((p) => p.name.startsWith(prefix)).reduce((n, p) => n + p.meanCpuCores, 0);
}

export function writeHtmlReport(file: string, run: RunSummary, scaling: readonly RunSummary[], checks: ReadonlyArray<{ name: string; value: number; target: string; pass: boolean }>): void {
  const passed = checks.every((c) => c.pass);
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>Ravel cluster bench: ${esc(run.name)}</title>
<style>body{font:14px system-ui,sans-serif;margin:24px;max-width:980px}table{border-collapse:collapse;margin:8px 0 20px}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#f4f4f4}td:first-child,th:first-child{text-align:left}.pass{color:#2a7a2a}.miss{color:#c00;font-weight:bold}</style></head><body>
<h1>Ravel cluster bench: ${esc(run.name)}</h1>
<p>${run.nodes} nodes, ${run.durationS} s of load, started in ${(run.startupMs / 1000).toFixed(1)} s; ${run.acknowledgedWrites} acknowledged writes, ${run.indeterminateWrites} indeterminate, ${run.checkedApps} applications checked; ${run.leakedVms.length} VMs left on hosts after their application was deleted.
Verdict: <b class="${passed ? 'pass' : 'miss'}">${passed ? 'every check passed' : 'checks missed'}</b>. Timings were taken on a shared 2-core machine.</p>
${chart('Throughput', run, [
  { label: 'acknowledged/s', color: '#1f77b4', value: (p) => p.ok },
  { label: 'errors/s', color: '#d62728', value: (p) => p.errors },
], 'operations per second')}
${chart('Latency percentiles', run, [
  { label: 'p50', color: '#2ca02c', value: (p) => p.p50Ms },
  { label: 'p99', color: '#ff7f0e', value: (p) => p.p99Ms },
  { label: 'p99.9', color: '#9467bd', value: (p) => p.p999Ms },
], 'ms', true)}
${run.series.some((p) => p.liveEvents > 0) ? chart('Live events delivered', run, [{ label: 'events/s', color: '#17becf', value: (p) => p.liveEvents }], 'events per second') : ''}
<h2>Checks</h2>${table(['check', 'value', 'target', ''], checks.map((c) => [c.name, c.value, c.target, c.pass ? 'pass' : 'MISS']))}
<h2>Operations</h2>${table(['operation', 'acknowledged', 'refused', 'indeterminate', 'ack/s', 'p50 ms', 'p99 ms', 'p99.9 ms'], run.ops.map((o) => [o.op, o.ok, o.fail, o.info, o.perSecond, o.p50Ms, o.p99Ms, o.p999Ms]))}
<h2>Errors by code</h2>${table(['code', 'count'], Object.entries(run.errors))}
<h2>Faults</h2>${table(['fault', 'at s', 'detail', 'recovery ms', 'acknowledged', 'indeterminate', 'lost', 'duplicated'], run.faults.map((f, i) => {
    const c = run.perFault[i];
    return [f.label, f.atS, f.detail, run.recoveries[i]?.recoverMs ?? -1, c?.acknowledged ?? 0, c?.indeterminate ?? 0, c?.lost ?? 0, c?.duplicated ?? 0];
  }))}
<h2>Breaches</h2>${run.breaches.length === 0 ? '<p>None.</p>' : table(['rule', 'tenant', 'operations', 'detail'], run.breaches.slice(0, 200).map((b) => [b.rule, b.tenant, b.ops.join(' '), b.detail]))}
<h2>Processes</h2>${table(['process', 'peak RSS MiB', 'RSS growth, 2nd half, MiB', 'judged growth after warm-up, MiB/min', 'judged', 'anonymous RSS growth after warm-up, MiB/min', 'file-backed RSS growth after warm-up, MiB/min', 'mean CPU cores'], run.processes.map((p) => { const g = run.memoryGrowth.find((x) => x.name === p.name); return [p.name, p.peakRssMb, p.lateGrowthMb, g?.slopeMbPerMin ?? 0, g?.judged ?? '-', g?.anonSlopeMbPerMin ?? 0, g?.fileSlopeMbPerMin ?? 0, p.meanCpuCores]; }))}
${scaling.length === 0 ? '' : `<h2>Scaling</h2><p>The same workload on each cluster size. Where the machine's cores run out, the CPU of all processes stops rising and so does throughput.</p>${table(['nodes', 'acknowledged/s', 'vs 1 node', 'errors', 'CPU of nodes, cores', 'CPU of all processes, cores'], scaling.map((s) => [s.nodes, s.okPerSecond, s.okPerSecond / (scaling[0]?.okPerSecond || 1), Object.values(s.errors).reduce((a, b) => a + b, 0), cpuOf(s, 'node '), cpuOf(s, '')]))}`}
</body></html>
`;
  writeFileSync(file, html);
}
