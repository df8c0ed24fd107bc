/**
 * bench/lib: figures as text: number formatting, markdown tables, the machine a run was on, a
 * progress line, and SVG bar charts written by hand (no plotting dependency).
 */
import { spawnSync } from 'node:child_process';
import { cpus, release, totalmem } from 'node:os';
import { REPO } from './proc.ts';

export const fmt = (n: number | null | undefined, digits = 0): string =>
  n === null || n === undefined || Number.isNaN(n)
    ? '—'
    : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** A markdown table; `align` has one of 'l' / 'r' per column. */
export function markdownTable(headers: readonly string[], align: readonly ('l' | 'r')[], rows: readonly (readonly string[])[]): string[] {
  const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  return [
    `| ${headers.map(cell).join(' | ')} |`,
    `|${headers.map((_, i) => (align[i] === 'r' ? '---:' : '---')).join('|')}|`,
    ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
  ];
}

export interface Machine {
  cpu: string;
  cores: number;
  ram: string;
  kernel: string;
  node: string;
  java: string;
  commit: string;
}

export function machine(): Machine {
  const java = spawnSync('java', ['-version'], { encoding: 'utf8' }).stderr.split('\n')[0] ?? '';
  const git = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', cwd: REPO }).stdout.trim();
  const dirty = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8', cwd: REPO }).stdout.trim() !== '';
  return {
    cpu: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`,
    cores: cpus().length,
    ram: `${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    kernel: `${release()}`,
    node: process.version,
    java,
    commit: `${git}${dirty ? ' (with uncommitted changes)' : ''}`,
  };
}

export const clock = (seconds: number): string => {
  if (!Number.isFinite(seconds)) return '--:--';
  const s = Math.max(0, Math.round(seconds));
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = s % 60;
  return `${hh > 0 ? `${hh}:` : ''}${String(mm).padStart(2, '0')}:${String(ss).padStart(2, '0')}`;
};

/** `[####......] 3/42 elapsed 02:10 ETA 14:05`: the ETA scales the planned seconds left by how the done ones went. */
export function progressLine(
  done: number,
  total: number,
  elapsedSeconds: number,
  plannedDoneSeconds: number,
  plannedLeftSeconds: number,
): string {
  const width = 20;
  const filled = total > 0 ? Math.round((done / total) * width) : 0;
  // Until a minute of the plan is done, the plan's own figures are the better guess.
  const pace = plannedDoneSeconds >= 60 ? elapsedSeconds / plannedDoneSeconds : 1;
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} elapsed ${clock(elapsedSeconds)} ETA ${clock(plannedLeftSeconds * pace)}`;
}

// ------------------------------------------------------------------ SVG

const escapeXml = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export interface BarSeries {
  name: string;
  color: string;
}

export interface BarGroup {
  label: string;
  /** One per series: the median and the min–max whisker; NaN when missing. */
  values: { value: number; min: number; max: number }[];
}

/**
 * Grouped horizontal bars (one group per row, one bar per series) with min–max whiskers and the
 * value printed at the bar's end. Horizontal, so long row labels stay readable.
 */
export function groupedBarsSvg(
  title: string,
  unit: string,
  series: readonly BarSeries[],
  groups: readonly BarGroup[],
  options: { logScale?: boolean } = {},
): string {
  const labelWidth = 330;
  const plotWidth = 520;
  const barHeight = 14;
  const groupGap = 12;
  const top = 50;
  const groupHeight = series.length * barHeight + groupGap;
  const height = top + groups.length * groupHeight + 40;
  const width = labelWidth + plotWidth + 110;
  const all = groups.flatMap((g) => g.values.flatMap((v) => [v.value, v.max])).filter((v) => Number.isFinite(v));
  const maxValue = options.logScale ? 10 ** Math.ceil(Math.log10(Math.max(1e-9, ...all))) : niceCeiling(Math.max(1e-9, ...all));
  // Log scale (latency percentiles span decades): from the decade below the smallest value.
  const minValue = options.logScale ? 10 ** Math.floor(Math.log10(Math.max(1e-3, Math.min(...all.filter((v) => v > 0), maxValue)))) : 0;
  const decades = options.logScale ? Math.max(1, Math.log10(maxValue / minValue)) : 1;
  const x = (v: number): number =>
    options.logScale
      ? labelWidth + (Math.log10(Math.max(minValue, v) / minValue) / decades) * plotWidth
      : labelWidth + (Math.max(0, v) / maxValue) * plotWidth;
  const ticks = options.logScale
    ? Array.from({ length: decades + 1 }, (_, i) => minValue * 10 ** i)
    : [0, 1, 2, 3, 4].map((i) => (maxValue * i) / 4);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${width / 2}" y="18" text-anchor="middle" font-size="14" font-weight="bold">${escapeXml(title)}</text>`,
  ];
  series.forEach((s, i) => {
    const lx = labelWidth + i * 120;
    parts.push(`<rect x="${lx}" y="28" width="12" height="12" fill="${s.color}"/>`);
    parts.push(`<text x="${lx + 16}" y="38">${escapeXml(s.name)}</text>`);
  });
  for (const v of ticks) {
    const tx = x(v);
    parts.push(`<line x1="${tx}" y1="${top - 4}" x2="${tx}" y2="${height - 30}" stroke="#ddd"/>`);
    parts.push(`<text x="${tx}" y="${height - 16}" text-anchor="middle">${escapeXml(fmt(v, v < 10 ? 1 : 0))}</text>`);
  }
  parts.push(
    `<text x="${labelWidth + plotWidth / 2}" y="${height - 3}" text-anchor="middle">${escapeXml(options.logScale ? `${unit} (log scale)` : unit)}</text>`,
  );
  groups.forEach((group, gi) => {
    const gy = top + gi * groupHeight;
    parts.push(
      `<text x="${labelWidth - 6}" y="${gy + (series.length * barHeight) / 2 + 4}" text-anchor="end">${escapeXml(group.label)}</text>`,
    );
    group.values.forEach((v, si) => {
      const y = gy + si * barHeight;
      const color = series[si]?.color ?? '#888';
      if (!Number.isFinite(v.value)) {
        parts.push(`<text x="${labelWidth + 4}" y="${y + barHeight - 3}" fill="#999">n/a</text>`);
        return;
      }
      parts.push(
        `<rect x="${labelWidth}" y="${y + 1}" width="${Math.max(1, x(v.value) - labelWidth)}" height="${barHeight - 2}" fill="${color}"/>`,
      );
      if (Number.isFinite(v.min) && Number.isFinite(v.max) && v.max > v.min) {
        const cy = y + barHeight / 2;
        parts.push(`<line x1="${x(v.min)}" y1="${cy}" x2="${x(v.max)}" y2="${cy}" stroke="black"/>`);
        parts.push(`<line x1="${x(v.min)}" y1="${cy - 3}" x2="${x(v.min)}" y2="${cy + 3}" stroke="black"/>`);
        parts.push(`<line x1="${x(v.max)}" y1="${cy - 3}" x2="${x(v.max)}" y2="${cy + 3}" stroke="black"/>`);
      }
      const end = Math.max(x(v.value), Number.isFinite(v.max) ? x(v.max) : 0);
      parts.push(
        `<text x="${end + 4}" y="${y + barHeight - 3}">${escapeXml(fmt(v.value, v.value < 10 ? 2 : v.value < 100 ? 1 : 0))}</text>`,
      );
    });
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

function niceCeiling(value: number): number {
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}
