import { barChart, lineChart, niceCeiling } from './svg-charts.js';

describe('svg charts', () => {
  it.each([
    [0, 1],
    [1, 1],
    [3, 5],
    [7, 10],
    [12, 20],
    [250, 500],
    [0.3, 0.5],
  ])('when the largest value is %p, then the axis ends at %p', (value, ceiling) => {
    expect(niceCeiling(value)).toBeCloseTo(ceiling, 10);
  });

  it('when a line chart is drawn, then each series has a point per minute and carries its total (or its highest value)', () => {
    const svg = lineChart({
      id: 'created',
      title: 'Runs created',
      unit: 'runs',
      minutes: 3,
      series: [{ name: 'task', color: '#000', values: [1, 0, 4] }],
    }).value;
    expect(svg).toContain('data-chart="created"');
    expect(svg).toContain('data-series="task" data-total="5"');
    expect(svg.match(/points="([^"]*)"/)?.[1]?.split(' ')).toHaveLength(3);
    const max = lineChart({
      id: 'wait',
      title: 'Wait',
      unit: 'ms',
      minutes: 3,
      summary: 'max',
      series: [{ name: 'p95', color: '#000', values: [1, 9, 4] }],
    }).value;
    expect(max).toContain('data-series="p95" data-total="9"');
  });

  it("when a bar's label holds markup, then it is escaped", () => {
    const svg = barChart({
      id: 'projects',
      title: 'Projects',
      unit: 'runs',
      empty: 'none',
      bars: [{ label: '<script>x</script>', value: 2, color: '#000' }],
    }).value;
    expect(svg).not.toContain('<script>');
    expect(svg).toContain('&lt;script&gt;');
    expect(barChart({ id: 'projects', title: 'Projects', unit: 'runs', empty: 'nothing yet', bars: [] }).value).toContain('nothing yet');
  });
});
