import type { FunnelReport } from './funnel';

export interface FunnelChart {
  readonly width: number;
  readonly height: number;
  readonly labelWidth: number;
  readonly bars: ReadonlyArray<FunnelBar>;
}

export interface FunnelBar {
  readonly label: string;
  readonly readers: number;
  /** As a share of the stage above; empty for the first stage or when that stage had none. */
  readonly share: string;
  readonly y: number;
  readonly width: number;
}

const rowHeight = 34;
const barHeight = 22;
const labelWidth = 210;
const barSpace = 330;

/**
 * The funnel as horizontal bars, drawn server-side as SVG (no script, so the strict CSP
 * holds and the page works without JavaScript). Bars are scaled to the largest stage; a
 * stage with readers always shows at least a sliver.
 */
export function funnelChart(report: FunnelReport): FunnelChart {
  const largest = Math.max(1, ...report.stages.map((s) => s.readers));
  const bars = report.stages.map((stage, i) => ({
    label: stage.label,
    readers: stage.readers,
    share: stage.ofPrevious === null ? '' : formatPercent(stage.ofPrevious),
    y: i * rowHeight + (rowHeight - barHeight) / 2,
    width: stage.readers === 0 ? 0 : Math.max(2, Math.round((stage.readers / largest) * barSpace)),
  }));
  return { width: labelWidth + barSpace + 160, height: report.stages.length * rowHeight, labelWidth, bars };
}

export function formatPercent(ratio: number): string {
  const percent = ratio * 100;
  if (percent >= 10 || percent === 0) return `${Math.round(percent)}%`;
  return `${percent.toFixed(percent >= 1 ? 1 : 2)}%`;
}
