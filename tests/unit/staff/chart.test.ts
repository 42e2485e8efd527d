import { describe, expect, it } from 'vitest';
import { layoutChart, niceStep } from '../../../src/staff/chart.ts';

describe('chart layout', () => {
  it.each([
    [0, 1],
    [1, 1],
    [7, 2],
    [38, 10],
    [430, 200],
  ])('steps the axis of a maximum of %i by %i whole tickets', (max, step) => {
    expect(niceStep(max)).toBe(step);
  });

  it('draws one bar per series and day, scaled to the top tick', () => {
    const chart = layoutChart(
      'bar',
      ['11-01', '11-02'],
      [
        { label: 'Opened', color: '#000', values: [2, 4] },
        { label: 'Closed', color: '#999', values: [0, 1] },
      ],
    );
    expect(chart.bars).toHaveLength(4);
    expect(chart.max).toBe(4);
    const tallest = chart.bars.find((b) => b.value === 4)!;
    expect(tallest.y).toBe(chart.plot.top);
    expect(chart.bars.find((b) => b.value === 0)!.height).toBe(0);
  });

  it('draws a line through every day', () => {
    const chart = layoutChart('line', ['a', 'b', 'c'], [{ label: 'Open', color: '#f00', values: [1, 2, 3] }]);
    expect(chart.lines[0]!.points.split(' ')).toHaveLength(3);
  });
});
