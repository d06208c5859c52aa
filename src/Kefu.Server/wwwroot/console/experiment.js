// The A/B experiment view of the console (docs/experiments.md, "In the console"), for trainers and admins: per arm
// the means and rates with intervals, B against A with p-values and verdicts; admins may promote. Plain JS; every
// text goes in through textContent only.
"use strict";

(() => {
  const { get, node, tell } = window.KefuTrainerView;
  const call = window.KefuTrainerView.api("experiment");
  const verdicts = { b_better: "B 更好 / B better", b_worse: "B 更差 / B worse", no_difference_yet: "暂无差异 / no difference yet", not_enough_data: "数据不足 / not enough data" };

  function build() {
    const view = node("section", "experiment");
    view.id = "experiment-view";
    view.hidden = true;
    const summary = node("p");
    summary.id = "experiment-summary";
    const tables = node("div");
    tables.id = "experiment-metrics";
    const promote = node("button", null, "推广胜出者 / Promote the winner");
    promote.type = "button";
    promote.id = "experiment-promote";
    promote.hidden = true;
    promote.addEventListener("click", () => promoteWinner().catch((e) => tell(e.message)));
    view.append(node("h2", null, "A/B 实验 / Experiment"), summary, tables, promote);
    get("desk-view").append(view);
    return view;
  }

  const number = (v, digits) => (v === null || v === undefined ? "-" : Number(v).toFixed(digits));
  const value = (metric, v) => (metric.kind === "rate" ? (v === null || v === undefined ? "-" : `${(100 * v).toFixed(1)}%`) : number(v, metric.metric === "response_ms" ? 1 : 3));
  const difference = (metric, v) => (v === null || v === undefined ? "-" : metric.kind === "rate" ? `${(100 * v).toFixed(1)} pp` : number(v, 3));
  const p = (v) => (v === null || v === undefined ? "-" : v >= 1e-4 ? v.toFixed(4) : v.toExponential(1));

  function table(metric) {
    const t = node("table", "metric");
    t.append(node("caption", null, `${metric.metric} (${metric.better === "higher" ? "越高越好 / higher is better" : "越低越好 / lower is better"})`));
    const head = node("tr");
    for (const title of ["arm", "n", metric.kind === "rate" ? "rate" : "mean", "CI"]) head.append(node("th", null, title));
    t.append(head);
    for (const a of metric.arms) {
      const row = node("tr");
      row.append(node("td", null, a.arm), node("td", null, String(a.n)), node("td", null, value(metric, a.value)),
        node("td", null, a.ci_low === null ? "-" : `[${value(metric, a.ci_low)}, ${value(metric, a.ci_high)}]`));
      t.append(row);
    }
    for (const c of metric.comparisons) {
      const row = node("tr", "comparison");
      const cell = node("td", null, c.reason
        ? `${c.arm} − ${c.baseline}: ${verdicts.not_enough_data} (${c.reason})`
        : `${c.arm} − ${c.baseline}: ${difference(metric, c.difference)} [${difference(metric, c.ci_low)}, ${difference(metric, c.ci_high)}] · p = ${p(c.p_value)} · ${verdicts[c.verdict]}`);
      cell.colSpan = 4;
      row.append(cell);
      t.append(row);
    }
    if (metric.min_n_per_arm !== null) {
      const row = node("tr");
      const cell = node("td", "help", `每组所需样本 / n per arm for an effect of ${metric.effect}: ${metric.min_n_per_arm}`);
      cell.colSpan = 4;
      row.append(cell);
      t.append(row);
    }
    return t;
  }

  async function load() {
    const page = await call("GET", "");
    const summary = get("experiment-summary");
    const promote = get("experiment-promote");
    promote.hidden = !page.can_promote;
    if (!page.experiment) {
      summary.textContent = page.problem;
      get("experiment-metrics").replaceChildren();
      return;
    }
    const e = page.experiment;
    const total = e.arms.reduce((sum, a) => sum + a.weight, 0);
    const arms = e.arms.map((a) => `${a.arm} = ${a.version} (${((100 * a.weight) / total).toFixed(0)}%)`).join(", ");
    const counts = page.report ? " · " + page.report.arms.map((a) => `${a.arm} ${a.conversations}`).join(", ") : "";
    summary.textContent = `${e.name}: ${arms} · ${e.running ? "进行中 / running" : "已结束 / stopped"}${counts}` +
      (page.winner ? ` · 胜出 / winner: ${page.winner}` : "") + (page.problem ? ` · ${page.problem}` : "");
    get("experiment-metrics").replaceChildren(...(page.report ? page.report.metrics.map(table) : []));
  }

  async function promoteWinner() {
    const result = await call("POST", "/promote", {});
    tell(`已推广 / promoted ${result.version} (arm ${result.arm})`);
    await load();
  }

  function start() {
    window.KefuTrainerView.mount({ id: "experiment-toggle", label: "A/B 实验 / Experiment", build, load });
  }

  document.addEventListener("DOMContentLoaded", start);
})();
