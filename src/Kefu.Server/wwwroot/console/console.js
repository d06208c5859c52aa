// The agent console (docs/agents.md): plain JS, no build step. Every text from the server goes in through
// textContent, never innerHTML. The queue and the open conversation are polled every two seconds.
"use strict";

const POLL_MS = 2000;
const $ = (id) => document.getElementById(id);
const state = { me: null, open: null, shownIndex: -1, agents: [] };

async function api(method, path, body) {
  const init = { method, credentials: "same-origin", headers: {} };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch("/console/api" + path, init);
  if (response.status === 401 && path !== "/signin") {
    showSignIn();
    throw new Error("请先登录");
  }
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) throw new Error((data && (data.detail || data.title)) || response.statusText);
  return data;
}

function say(message) { $("status").textContent = message || ""; }

function el(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined && text !== null) e.textContent = text;
  return e;
}

function showSignIn() {
  state.me = null;
  $("desk-view").hidden = true;
  $("signin-view").hidden = false;
  $("name").focus();
}

async function showDesk(me) {
  state.me = me;
  $("signin-view").hidden = true;
  $("desk-view").hidden = false;
  $("me").textContent = `${me.display_name}（${me.name}，${me.role}）`;
  const handles = me.role !== "trainer";
  for (const id of ["claim", "reply", "transfer", "handback"]) $(id).hidden = !handles;
  const [canned, agents] = await Promise.all([api("GET", "/canned"), api("GET", "/agents")]);
  const select = $("canned");
  select.replaceChildren(el("option", null, "（选择后插入）"));
  select.firstChild.value = "";
  for (const c of canned) {
    const option = el("option", null, c.title);
    option.value = c.text;
    select.append(option);
  }
  state.agents = agents.filter((a) => a.role !== "trainer" && a.name !== me.name);
  const target = $("transfer-agent");
  target.replaceChildren(...state.agents.map((a) => {
    const option = el("option", null, `${a.display_name}（${a.name}）`);
    option.value = a.name;
    return option;
  }));
  await refreshQueue();
}

function waited(seconds) {
  return seconds < 60 ? `${Math.floor(seconds)} 秒` : `${Math.floor(seconds / 60)} 分钟`;
}

async function refreshQueue() {
  if (!state.me) return;
  const queue = await api("GET", "/queue");
  $("queue-count").textContent = `（${queue.unclaimed} 个未接入）`;
  const items = queue.conversations.map((c) => {
    const li = el("li");
    const button = el("button", "queue-item", c.conversation_id);
    button.type = "button";
    button.dataset.id = c.conversation_id;
    if (c.conversation_id === state.open) button.setAttribute("aria-current", "true");
    const meta = c.claimed_by ? `已由 ${c.claimed_by} 接入` : "未接入";
    button.append(el("span", "meta", `${meta} · 等待 ${waited(c.waiting_seconds)}${c.reason ? " · " + c.reason : ""}`));
    button.addEventListener("click", () => openConversation(c.conversation_id));
    li.append(button);
    return li;
  });
  $("queue").replaceChildren(...items);
}

async function openConversation(id) {
  if (state.open !== id) {
    state.open = id;
    state.shownIndex = -1;
    $("messages").replaceChildren();
    $("conversation").hidden = false;
    $("conv-title").textContent = `会话 ${id}`;
  }
  await refreshConversation();
  await refreshQueue();
}

function messageItem(m) {
  const li = el("li", m.kind);
  li.dataset.index = m.index;
  switch (m.kind) {
    case "user":
      li.append(el("span", "who", "客户"), el("span", "text", m.text));
      if (m.intent) li.append(el("span", "nlu", `${m.intent} ${m.confidence !== undefined && m.confidence !== null ? m.confidence.toFixed(2) : ""}`));
      break;
    case "bot":
      li.append(el("span", "who", "机器人"), el("span", "text", m.text));
      break;
    case "agent":
      li.append(el("span", "who", m.agent || "客服"), el("span", "text", m.text));
      break;
    case "handoff":
      li.textContent = `— 转人工${m.text ? "（" + m.text + "）" : ""} —`;
      break;
    default:
      li.textContent = "— 已交还机器人 —";
  }
  return li;
}

async function refreshConversation() {
  const id = state.open;
  if (!id || !state.me) return;
  const view = await api("GET", `/conversations/${encodeURIComponent(id)}`);
  if (id !== state.open) return;
  const list = $("messages");
  const fresh = view.messages.filter((m) => m.index > state.shownIndex);
  for (const m of fresh) list.append(messageItem(m));
  if (fresh.length) {
    state.shownIndex = fresh[fresh.length - 1].index;
    list.scrollTop = list.scrollHeight;
  }
  const mine = view.claimed_by === state.me.name;
  $("conv-state").textContent = !view.handed_off ? "机器人接待中（未转人工）"
    : view.claimed_by ? (mine ? "由你接待" : `由 ${view.claimed_by} 接待`) : "等待接入";
  const handles = state.me.role !== "trainer";
  $("claim").hidden = !handles || !view.handed_off || mine;
  for (const form of ["reply", "transfer", "handback"]) $(form).hidden = !handles || !mine;
  $("notes").replaceChildren(...view.notes.map((n) => el("li", null, `备注（${n.agent}）：${n.text}`)));
}

async function act(work) {
  try {
    say("");
    await work();
  } catch (e) {
    say(e.message);
  }
}

function path(action) { return `/conversations/${encodeURIComponent(state.open)}/${action}`; }

document.addEventListener("DOMContentLoaded", () => {
  $("signin").addEventListener("submit", (event) => {
    event.preventDefault();
    act(async () => {
      const me = await api("POST", "/signin", { name: $("name").value, password: $("password").value });
      $("password").value = "";
      await showDesk(me);
    });
  });
  $("signout").addEventListener("click", () => act(async () => {
    await api("POST", "/signout");
    state.open = null;
    $("conversation").hidden = true;
    showSignIn();
  }));
  $("claim").addEventListener("click", () => act(async () => {
    await api("POST", path("claim"));
    await openConversation(state.open);
    $("reply-text").focus();
  }));
  $("canned").addEventListener("change", (event) => {
    if (!event.target.value) return;
    $("reply-text").value = event.target.value;
    event.target.value = "";
    $("reply-text").focus();
  });
  $("reply").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $("reply-text").value.trim();
    if (!text) return;
    act(async () => {
      await api("POST", path("reply"), { text });
      $("reply-text").value = "";
      await refreshConversation();
    });
  });
  $("transfer").addEventListener("submit", (event) => {
    event.preventDefault();
    act(async () => {
      await api("POST", path("transfer"), { agent: $("transfer-agent").value });
      await openConversation(state.open);
    });
  });
  $("handback").addEventListener("submit", (event) => {
    event.preventDefault();
    const note = $("handback-note").value.trim();
    act(async () => {
      await api("POST", path("handback"), note ? { note } : {});
      $("handback-note").value = "";
      await openConversation(state.open);
    });
  });

  // Polls leave what an action said on the page; only their own failures replace it.
  setInterval(() => refreshQueue().then(refreshConversation).catch((e) => say(e.message)), POLL_MS);
  api("GET", "/me").then((me) => (me ? showDesk(me) : showSignIn())).catch((e) => { showSignIn(); say(e.message); });
});
