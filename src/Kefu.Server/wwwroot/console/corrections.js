// The correction inbox view of the console (docs/agents.md, "Correction inbox"), for trainers and admins.
// Keys: j/k move, 1-9 correct to the numbered intent, Enter correct to the intent chosen in the list, c confirm,
// d dismiss, x export. Plain JS; message texts go in through textContent only.
"use strict";

(() => {
  const { get, node, tell } = window.KefuTrainerView;
  const call = window.KefuTrainerView.api("corrections");
  const inbox = { items: [], intents: [], at: 0, shown: () => false };

  function build() {
    const view = node("section", "corrections");
    view.id = "corrections-view";
    view.hidden = true;
    view.append(node("h2", null, "纠错 / Corrections"),
      node("p", "help", "j/k 上下移动 · 1–9 改为对应意图 · Enter 改为所选意图 · c 确认 · d 忽略 · x 导出到 data/corrections.yml"));
    const intents = node("ol", null);
    intents.id = "corrections-intents";
    const select = node("select");
    select.id = "corrections-intent";
    select.setAttribute("aria-label", "意图");
    const list = node("ol", null);
    list.id = "corrections-list";
    const report = node("pre", null);
    report.id = "corrections-report";
    view.append(intents, select, list, report);
    get("desk-view").append(view);
    return view;
  }

  async function load() {
    const page = await call("GET", "?status=open&limit=200");
    inbox.items = page.items;
    inbox.intents = page.intents;
    inbox.at = Math.min(inbox.at, Math.max(0, inbox.items.length - 1));
    get("corrections-intents").replaceChildren(...page.intents.slice(0, 9).map((name, i) => node("li", null, `${i + 1} ${name}`)));
    get("corrections-intent").replaceChildren(...page.intents.map((name) => {
      const option = node("option", null, name);
      option.value = name;
      return option;
    }));
    render();
    tell(`${page.total} 条待处理`);
  }

  function render() {
    get("corrections-list").replaceChildren(...inbox.items.map((item, i) => {
      const li = node("li", "item");
      li.setAttribute("aria-current", i === inbox.at ? "true" : "false");
      if (item.before) li.append(node("span", "context", item.before));
      li.append(node("strong", "text", item.text),
        node("span", "nlu", `${item.intent || "—"} ${item.confidence ?? ""} · ${item.reasons.join(", ")}`));
      for (const e of item.entities) li.append(node("span", "entity", `${e.entity}=${e.value}`));
      if (item.in_project.length) li.append(node("span", "known", `项目数据中已有 / in the project: ${item.in_project.join(", ")}`));
      if (item.after) li.append(node("span", "context", item.after));
      return li;
    }));
    const current = get("corrections-list").children[inbox.at];
    if (current) current.scrollIntoView({ block: "nearest" });
  }

  async function decide(decision, intent) {
    const item = inbox.items[inbox.at];
    if (!item) return;
    await call("POST", "/decisions", { conversation_id: item.conversation_id, index: item.index, decision, intent });
    await load();
  }

  async function exportFile() {
    const result = await call("POST", "/export");
    const lines = [`${result.path}: ${result.written} 条`];
    for (const [title, list] of [["重复", result.duplicates], ["冲突", result.conflicts], ["问题", result.problems]])
      for (const line of list) lines.push(`${title}: ${line}`);
    get("corrections-report").textContent = lines.join("\n");
  }

  function onKey(event) {
    if (!inbox.shown() || event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    if (target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement) return;
    if (target instanceof HTMLSelectElement && event.key !== "Enter") return;
    const key = event.key;
    const digit = /^[1-9]$/.test(key) ? inbox.intents[Number(key) - 1] : undefined;
    const action =
      key === "j" ? async () => { inbox.at = Math.min(inbox.at + 1, inbox.items.length - 1); }
      : key === "k" ? async () => { inbox.at = Math.max(inbox.at - 1, 0); }
      : key === "c" ? () => decide("confirm")
      : key === "d" ? () => decide("dismiss")
      : key === "x" ? exportFile
      : key === "Enter" ? () => decide("correct", get("corrections-intent").value)
      : digit ? () => decide("correct", digit)
      : null;
    if (!action) return;
    // Synchronously, so that Enter on a focused button does not also click it.
    event.preventDefault();
    action().then(render, (e) => tell(e.message));
  }

  function start() {
    inbox.shown = window.KefuTrainerView.mount({ id: "corrections-toggle", label: "纠错 / Corrections", build, load }).shown;
    document.addEventListener("keydown", onKey);
  }

  document.addEventListener("DOMContentLoaded", start);
})();
