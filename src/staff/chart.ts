/** Geometry for a simple accessible SVG chart; the component draws it, this computes it (testable). */
export interface ChartSeries {
  label: string;
  color: string;
  values: number[];
}

export interface ChartGeometry {
  width: number;
  height: number;
  plot: { left: number; top: number; right: number; bottom: number };
  max: number;
  ticks: number[];
  bars: { x: number; y: number; width: number; height: number; color: string; label: string; value: number; category: string }[];
  lines: { color: string; label: string; points: string }[];
  xLabels: { x: number; text: string }[];
}

/** A whole-number tick step of 1, 2 or 5 × 10^n (the charts count tickets), so the axis reads naturally. */
export function niceStep(max: number, targetTicks = 4): number {
  const raw = Math.max(max, 1) / targetTicks;
  const power = 10 ** Math.floor(Math.log10(raw));
  return Math.max(1, [1, 2, 5, 10].map((m) => m * power).find((step) => step >= raw) ?? power * 10);
}

/** Lays out grouped bars (kind "bar") or lines (kind "line") for categories along the x axis. */
export function layoutChart(kind: 'bar' | 'line', categories: readonly string[], series: readonly ChartSeries[], width = 720, height = 240): ChartGeometry {
  const plot = { left: 40, top: 10, right: width - 10, bottom: height - 30 };
  const step = niceStep(Math.max(0, ...series.flatMap((s) => s.values)));
  const max = Math.max(step, Math.ceil(Math.max(0, ...series.flatMap((s) => s.values)) / step) * step);
  const ticks = Array.from({ length: Math.round(max / step) + 1 }, (_, i) => i * step);
  const slot = (plot.right - plot.left) / Math.max(categories.length, 1);
  const y = (v: number) => plot.bottom - (v / max) * (plot.bottom - plot.top);
  const bars: ChartGeometry['bars'] = [];
  const lines: ChartGeometry['lines'] = [];
  if (kind === 'bar') {
    const barWidth = (slot * 0.8) / Math.max(series.length, 1);
    categories.forEach((category, i) => {
      series.forEach((s, j) => {
        const value = s.values[i] ?? 0;
        bars.push({
          x: plot.left + i * slot + slot * 0.1 + j * barWidth,
          y: y(value),
          width: Math.max(barWidth - 1, 1),
          height: plot.bottom - y(value),
          color: s.color,
          label: s.label,
          value,
          category,
        });
      });
    });
  } else {
    for (const s of series) {
      lines.push({ color: s.color, label: s.label, points: s.values.map((v, i) => `${(plot.left + (i + 0.5) * slot).toFixed(1)},${y(v).toFixed(1)}`).join(' ') });
    }
  }
  // Label at most ~10 days so the axis stays legible.
  const every = Math.max(1, Math.ceil(categories.length / 10));
  const xLabels = categories.map((text, i) => ({ x: plot.left + (i + 0.5) * slot, text })).filter((_, i) => i % every === 0);
  return { width, height, plot, max, ticks: ticks.map((t) => t), bars, lines, xLabels };
}
