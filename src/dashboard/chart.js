// Line charts with uPlot, served from node_modules (decision 0041). A chart fits its box and
// follows it when the window is resized.
/* global ResizeObserver */
import UPlot from '/dashboard/vendor/uPlot.esm.js'
import { h } from './lib.js'

const COLORS = ['#2563eb', '#16a34a', '#d97706', '#9333ea', '#dc2626']

/**
 * A chart of `series` (each `{ label, values }`) over `days` (YYYY-MM-DD), in `box`.
 * Answers the element holding it.
 */
export function lineChart (days, series, { height = 220 } = {}) {
  const box = h('div', { class: 'chart' })
  const xs = days.map((day) => Date.parse(day + 'T12:00:00Z') / 1000)
  const options = {
    width: 300,
    height,
    legend: { show: true },
    cursor: { drag: { x: false, y: false } },
    scales: { x: { time: true } },
    axes: [{ space: 60 }, { size: 60 }],
    series: [{}, ...series.map((s, i) => ({ label: s.label, stroke: COLORS[i % COLORS.length], width: 2, points: { show: days.length < 40 } }))]
  }
  const plot = new UPlot(options, [xs, ...series.map((s) => s.values)], box)
  const fit = () => {
    const width = Math.max(200, Math.floor(box.clientWidth))
    if (width !== plot.width) plot.setSize({ width, height })
  }
  new ResizeObserver(fit).observe(box)
  return box
}
