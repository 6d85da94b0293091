import type { FunnelReport } from './funnel';

export interface FunnelChart {
  /** The width of a full bar, in the units of each bar's `width` (its SVG's viewBox). */
  readonly scale: number;
  readonly bars: ReadonlyArray<FunnelBar>;
}

export interface FunnelBar {
  readonly label: string;
  readonly readers: number;
  /** As a share of the stage above; empty for the first stage or when that stage had none. */
  readonly share: string;
  /** Out of `scale`. */
  readonly width: number;
}

const scale = 330;

/**
 * The funnel as horizontal bars, drawn server-side (no script, so the strict CSP holds and
 * the page works without JavaScript). Each stage is an HTML row, so its label and figure are
 * text at the page's own size on any screen; only the bar is an SVG stretched to its track
 * (a viewBox of `scale` units, preserveAspectRatio="none"). Bars are scaled to the largest
 * stage; a stage with readers always shows at least a sliver.
 */
export function funnelChart(report: FunnelReport): FunnelChart {
  const largest = Math.max(1, ...report.stages.map((s) => s.readers));
  const bars = report.stages.map((stage) => ({
    label: stage.label,
    readers: stage.readers,
    share: stage.ofPrevious === null ? '' : formatPercent(stage.ofPrevious),
    width: stage.readers === 0 ? 0 : Math.max(2, Math.round((stage.readers / largest) * scale)),
  }));
  return { scale, bars };
}

export function formatPercent(ratio: number): string {
  const percent = ratio * 100;
  if (percent >= 10 || percent === 0) return `${Math.round(percent)}%`;
  return `${percent.toFixed(percent >= 1 ? 1 : 2)}%`;
}
