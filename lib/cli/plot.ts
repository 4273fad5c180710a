// Training curves: an SVG chart (hand-written, no dependency) and a chart drawn with characters for the terminal.

export interface Series { name: string; values: number[] }

/** Groups History keys into panels: loss with val_loss, each metric with its val_ counterpart. */
export function panelsOf(history: Record<string, number[]>): { title: string; series: Series[] }[] {
  const bases: string[] = [];
  for (const k of Object.keys(history)) {
    const base = k.startsWith('val_') ? k.slice(4) : k;
    if (k === 'lr' || k === 'learningRate') continue;
    if (!bases.includes(base)) bases.push(base);
  }
  bases.sort((a, b) => (a === 'loss' ? -1 : b === 'loss' ? 1 : 0));
  return bases.map((base) => ({
    title: base,
    series: [base, `val_${base}`].filter((k) => history[k] && history[k]!.length > 0).map((k) => ({ name: k, values: history[k]! })),
  })).filter((p) => p.series.length > 0);
}

/** Round tick values spanning [lo, hi]. */
function ticks(lo: number, hi: number, count: number): number[] {
  if (!(hi > lo)) { const d = Math.abs(lo) > 0 ? Math.abs(lo) * 0.1 : 1; lo -= d; hi += d; }
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.floor(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  if (out[out.length - 1]! < hi) out.push(Number((out[out.length - 1]! + step).toPrecision(12)));
  return out;
}

function fmt(v: number): string {
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(1);
  return String(Number(v.toPrecision(4)));
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728'];

/** An SVG document with one panel per quantity (loss, then each metric), train and validation curves, epochs on x. */
export function historySvg(history: Record<string, number[]>, title = 'Training history'): string {
  const panels = panelsOf(history);
  const W = 680, H = 260, top = 40;
  const m = { l: 64, r: 150, t: 28, b: 40 };
  const pw = W - m.l - m.r, ph = H - m.t - m.b;
  const out: string[] = [];
  const total = top + panels.length * H + 10;
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${total}" viewBox="0 0 ${W} ${total}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="100%" height="100%" fill="#ffffff"/>`);
  out.push(`<text x="${W / 2}" y="24" text-anchor="middle" font-size="16" font-weight="bold">${esc(title)}</text>`);
  panels.forEach((p, pi) => {
    const oy = top + pi * H;
    const n = Math.max(...p.series.map((s) => s.values.length));
    const finite = p.series.flatMap((s) => s.values).filter(Number.isFinite);
    const yt = ticks(finite.length ? Math.min(...finite) : 0, finite.length ? Math.max(...finite) : 1, 5);
    const y0 = yt[0]!, y1 = yt[yt.length - 1]!;
    const X = (i: number): number => m.l + (n <= 1 ? pw / 2 : (i / (n - 1)) * pw);
    const Y = (v: number): number => oy + m.t + ph - ((v - y0) / (y1 - y0)) * ph;
    out.push(`<g>`);
    out.push(`<text x="${m.l}" y="${oy + m.t - 10}" font-size="13" font-weight="bold">${esc(p.title)}</text>`);
    for (const t of yt) {
      const y = Y(t).toFixed(1);
      out.push(`<line x1="${m.l}" y1="${y}" x2="${m.l + pw}" y2="${y}" stroke="#e5e5e5"/>`);
      out.push(`<text x="${m.l - 6}" y="${y}" text-anchor="end" dominant-baseline="middle" fill="#444">${esc(fmt(t))}</text>`);
    }
    const xt = ticks(1, Math.max(n, 2), Math.min(8, Math.max(1, n - 1))).filter((e) => Number.isInteger(e) && e >= 1 && e <= n);
    for (const e of xt) {
      const x = X(e - 1).toFixed(1);
      out.push(`<line x1="${x}" y1="${oy + m.t + ph}" x2="${x}" y2="${oy + m.t + ph + 4}" stroke="#444"/>`);
      out.push(`<text x="${x}" y="${oy + m.t + ph + 16}" text-anchor="middle" fill="#444">${e}</text>`);
    }
    out.push(`<rect x="${m.l}" y="${oy + m.t}" width="${pw}" height="${ph}" fill="none" stroke="#444"/>`);
    out.push(`<text x="${m.l + pw / 2}" y="${oy + m.t + ph + 32}" text-anchor="middle" fill="#444">epoch</text>`);
    p.series.forEach((s, si) => {
      const color = COLORS[si % COLORS.length]!;
      const pts = s.values.map((v, i) => (Number.isFinite(v) ? `${X(i).toFixed(1)},${Y(v).toFixed(1)}` : null)).filter((q): q is string => q !== null);
      out.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.join(' ')}"><title>${esc(s.name)}</title></polyline>`);
      if (n <= 40) for (const q of pts) { const [cx, cy] = q.split(','); out.push(`<circle cx="${cx}" cy="${cy}" r="2.5" fill="${color}"/>`); }
      const ly = oy + m.t + 12 + si * 18;
      const last = s.values[s.values.length - 1];
      out.push(`<line x1="${m.l + pw + 12}" y1="${ly}" x2="${m.l + pw + 32}" y2="${ly}" stroke="${color}" stroke-width="2"/>`);
      out.push(`<text x="${m.l + pw + 38}" y="${ly}" dominant-baseline="middle">${esc(s.name)}${last !== undefined ? ' ' + esc(fmt(last)) : ''}</text>`);
    });
    out.push(`</g>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}

/**
 * A chart drawn with characters: each series is resampled to `width` columns and marked with its glyph
 * ('●' train, '○' validation) on a `height`-row grid, with the value range on the left and epochs below.
 */
export function terminalChart(series: Series[], options: { width?: number; height?: number; glyphs?: string[]; log?: boolean } = {}): string {
  const height = options.height ?? 10;
  const glyphs = options.glyphs ?? ['●', '○', '◆', '◇'];
  const n = Math.max(0, ...series.map((s) => s.values.length));
  if (n === 0) return '';
  const width = Math.max(2, options.width ?? 60);
  const finite = series.flatMap((s) => s.values).filter(Number.isFinite);
  // A log scale when the values span more than 30x (a loss falling from 2 to 0.01 would be a flat line).
  const log = options.log ?? (finite.length > 0 && finite.every((v) => v > 0) && Math.max(...finite) / Math.min(...finite) > 30);
  const f = (v: number): number => (log ? Math.log10(v) : v);
  let lo = finite.length ? f(Math.min(...finite)) : 0;
  let hi = finite.length ? f(Math.max(...finite)) : 1;
  if (!(hi > lo)) { hi = lo + 1; }
  const grid: string[][] = Array.from({ length: height }, () => Array.from({ length: width }, () => ' '));
  // Later series first, so the training curve is drawn on top where they meet.
  [...series].reverse().forEach((s, ri) => {
    const g = glyphs[(series.length - 1 - ri) % glyphs.length]!;
    for (let c = 0; c < width; c++) {
      const t = n === 1 ? 0 : (c / (width - 1)) * (s.values.length - 1);
      const i0 = Math.floor(t), i1 = Math.min(s.values.length - 1, i0 + 1);
      const a = s.values[i0]!, b = s.values[i1]!;
      if (!Number.isFinite(a) || !Number.isFinite(b) || (log && (a <= 0 || b <= 0))) continue;
      const v = f(a) + (f(b) - f(a)) * (t - i0);
      const row = Math.round(((hi - v) / (hi - lo)) * (height - 1));
      grid[Math.max(0, Math.min(height - 1, row))]![c] = g;
    }
  });
  const at = (r: number): string => { const v = hi - ((hi - lo) * r) / (height - 1); return fmt(log ? 10 ** v : v); };
  const mid = Math.floor((height - 1) / 2);
  const labels = grid.map((_, r) => (r === 0 || r === height - 1 || r === mid ? at(r) : ''));
  const lw = Math.max(...labels.map((l) => l.length));
  const lines = grid.map((row, r) => `${labels[r]!.padStart(lw)} ┤${row.join('')}`);
  const axis = `${' '.repeat(lw)} └${'─'.repeat(width)}`;
  const first = 'epoch 1', last = `${n}`;
  const foot = `${' '.repeat(lw + 2)}${first}${' '.repeat(Math.max(1, width - first.length - last.length))}${last}`;
  const legend = `${' '.repeat(lw + 2)}${series.map((s, i) => `${glyphs[i % glyphs.length]} ${s.name}`).join('   ')}${log ? '   (log scale)' : ''}`;
  return [...lines, axis, foot, legend].join('\n');
}
