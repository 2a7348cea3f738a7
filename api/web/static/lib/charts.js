// Apache ECharts, from the npm package pinned in api/web/package-lock.json, served by the
// ledger itself (never a CDN).
import * as echarts from "/assets/vendor/echarts.esm.min.mjs";

const live = new Set();

export const RISK_COLOURS = { red: "#d7191c", orange: "#f28e2b", yellow: "#e9c46a", blue: "#2c7bb6", none: "#bbbbbb" };
const PALETTE = ["#1f5fa8", "#3a9ad9", "#58b368", "#f2b134", "#e5663a", "#9b59b6", "#16a085", "#7f8c8d"];

/** Draw ``option`` into ``el`` (canvas); resized with the window, disposed with the view. */
export function chart(el, option, onClick) {
  const instance = echarts.init(el, null, { renderer: "canvas" });
  instance.setOption({ color: PALETTE, animation: false, textStyle: { fontFamily: "inherit" }, ...option });
  if (onClick) instance.on("click", onClick);
  live.add(instance);
  return instance;
}

export function disposeCharts() {
  for (const instance of live) instance.dispose();
  live.clear();
}

window.addEventListener("resize", () => {
  for (const instance of live) instance.resize();
});

/** A horizontal or vertical bar chart of [{name, value, colour?}]. */
export function bars(names, series, { horizontal = false, stacked = false } = {}) {
  const category = { type: "category", data: names, axisLabel: { interval: 0, rotate: horizontal ? 0 : names.length > 6 ? 30 : 0 } };
  const value = { type: "value", minInterval: 1 };
  return {
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    legend: series.length > 1 ? { top: 0 } : undefined,
    grid: { left: horizontal ? 110 : 40, right: 20, top: series.length > 1 ? 30 : 10, bottom: horizontal ? 20 : 60, containLabel: !horizontal },
    xAxis: horizontal ? value : category,
    yAxis: horizontal ? { ...category, inverse: true } : value,
    series: series.map((s) => ({ type: "bar", stack: stacked ? "all" : undefined, barMaxWidth: 28, ...s })),
  };
}

/** A ring chart of [{name, value, colour?}]. */
export function ring(items) {
  return {
    tooltip: { trigger: "item", formatter: "{b}：{c}（{d}%）" },
    legend: { bottom: 0, itemGap: 8 },
    series: [
      {
        type: "pie",
        radius: ["40%", "68%"],
        center: ["50%", "44%"],
        label: { formatter: "{b}\n{c}" },
        data: items.map((i) => ({ name: i.name, value: i.value, itemStyle: i.colour ? { color: i.colour } : undefined })),
      },
    ],
  };
}
