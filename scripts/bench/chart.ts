/**
 * A small horizontal bar chart as SVG, written by hand (no charting dependency): groups of
 * labelled bars, each group on its own linear scale, every bar carrying its figure so the
 * scale never has to be read. Explicit sizes, system-ui, a white card behind it so it reads
 * the same in GitHub's light and dark themes.
 */
export interface Bar {
  readonly label: string;
  readonly value: number;
  /** Printed at the bar's end. */
  readonly caption: string;
  /** Drawn in the accent colour. */
  readonly highlight?: boolean;
}

export interface BarGroup {
  readonly title: string;
  readonly bars: readonly Bar[];
}

const WIDTH = 860;
const PAD = 24;
const LABEL_WIDTH = 300;
const CAPTION_WIDTH = 240;
const BAR_HEIGHT = 22;
const BAR_GAP = 8;
const TITLE_HEIGHT = 34;
const GROUP_GAP = 20;
const FONT = 'system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif';

export function barChart(title: string, subtitle: string, groups: readonly BarGroup[]): string {
  const barWidth = WIDTH - 2 * PAD - LABEL_WIDTH - CAPTION_WIDTH;
  const parts: string[] = [];
  let y = PAD;
  parts.push(text(PAD, y + 16, title, { size: 18, weight: 600 }));
  parts.push(text(PAD, y + 38, subtitle, { size: 12, fill: '#57606a' }));
  y += 56;
  for (const group of groups) {
    y += GROUP_GAP;
    parts.push(text(PAD, y + 18, group.title, { size: 14, weight: 600 }));
    y += TITLE_HEIGHT;
    const top = Math.max(...group.bars.map((b) => b.value));
    for (const bar of group.bars) {
      const w = top > 0 ? Math.max(2, (bar.value / top) * barWidth) : 2;
      const x = PAD + LABEL_WIDTH;
      parts.push(text(x - 10, y + 15, bar.label, { size: 13, anchor: 'end' }));
      parts.push(
        `<rect x="${x}" y="${y}" width="${w.toFixed(1)}" height="${BAR_HEIGHT}" rx="3" fill="${bar.highlight ? '#0969da' : '#8c959f'}"/>`,
      );
      parts.push(text(x + w + 8, y + 15, bar.caption, { size: 12, fill: '#24292f' }));
      y += BAR_HEIGHT + BAR_GAP;
    }
  }
  const height = y + PAD;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" font-family="${FONT}">`,
    `<rect width="${WIDTH}" height="${height}" rx="8" fill="#ffffff" stroke="#d0d7de"/>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}

function text(
  x: number,
  y: number,
  content: string,
  style: { size: number; weight?: number; fill?: string; anchor?: 'start' | 'end' },
): string {
  const attrs = [
    `x="${x.toFixed(1)}"`,
    `y="${y}"`,
    `font-size="${style.size}"`,
    style.weight ? `font-weight="${style.weight}"` : '',
    `fill="${style.fill ?? '#24292f'}"`,
    style.anchor === 'end' ? 'text-anchor="end"' : '',
  ].filter(Boolean);
  return `<text ${attrs.join(' ')}>${escapeXml(content)}</text>`;
}

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
