import { Resvg } from '@resvg/resvg-js';
import * as echarts from 'echarts';
import type { Comparison } from '../api/schemas';
import { compareChartOption, type ChartOptions } from './chart';

/**
 * A comparison chart drawn in Node, for reports without the app: ECharts' server-side
 * SVG renderer (the same option the app draws), rasterised to PNG by resvg.
 */
export function renderComparisonPng(c: Comparison, o: ChartOptions, size = { width: 1000, height: 520 }): Buffer {
  return new Resvg(comparisonSvg(c, o, size), { background: '#ffffff', fitTo: { mode: 'width', value: size.width * 2 } }).render().asPng();
}

/** The comparison as a picture draws it: a still chart, its legend cannot scroll. */
export const comparisonSvg = (c: Comparison, o: ChartOptions, size: { width: number; height: number }): string => chartSvg(compareChartOption(c, { ...o, still: true }).option, size);

/** Any chart option as ECharts draws it, in SVG (reports; and tests read its tick labels). */
export function chartSvg(option: Record<string, unknown>, size = { width: 1000, height: 520 }): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, ...size });
  try {
    chart.setOption({ textStyle: { fontFamily: 'DejaVu Sans, Liberation Sans, sans-serif' }, ...option });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}
