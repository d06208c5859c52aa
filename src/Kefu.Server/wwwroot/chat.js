// Kefu web chat: posts to the Rasa REST channel's streaming route and renders text, images, buttons (as quick
// replies), custom payloads and citations; the pieces of a reply still being made (an LLM's answer) show in a
// provisional bubble that the turn's messages replace. What no webhook reply carries (a human agent's messages, the bot's hand-back) is
// polled from the channel's messages route while the page is visible. The conversation is this browser's:
// the server gives its id ("webchat-...") with an HttpOnly cookie that the webhook and the poll need (see
// docs/server.md, Security and deployment). The sender id, the transcript and the poll cursor live in
// localStorage, so a reload keeps the chat.
(() => {
  "use strict";

  const WEBHOOK = "/webhooks/rest/stream";
  const SESSIONS = "/webhooks/rest/sessions";
  const SESSION_PREFIX = "webchat-";
  const SENDER_KEY = "kefu.sender";
  const HISTORY_KEY = "kefu.history";
  const CURSOR_KEY = "kefu.cursor";
  const HISTORY_LIMIT = 200;
  const POLL_MS = 2000;
  const POLL_MAX_MS = 30000;
  const STATUS_BOT = "在线 · 通常几秒内回复";
  const GREETING = "您好！请问有什么可以帮您？";
  const EXPIRED = "之前的对话已失效，已为您开始新的对话";
  const INPUT_MAX_PX = 140;

  const messages = document.getElementById("messages");
  const quickReplies = document.getElementById("quick-replies");
  const composer = document.getElementById("composer");
  const input = document.getElementById("input");
  const send = document.getElementById("send");
  const status = document.getElementById("status");

  // An id of an older version (a UUID the page made) has no cookie, so its conversation cannot be reached: start afresh.
  let sender = localStorage.getItem(SENDER_KEY);
  if (!sender || !sender.startsWith(SESSION_PREFIX)) {
    sender = null;
    for (const key of [SENDER_KEY, HISTORY_KEY, CURSOR_KEY]) localStorage.removeItem(key);
  }
  let history = loadHistory();
  let cursor = Number(localStorage.getItem(CURSOR_KEY)) || 0;
  let busy = false;

  // The conversation's id, asked of the server once (its cookie comes with the answer); after a failure the next
  // send or poll asks again.
  let starting = null;
  function ensureSession() {
    if (sender) return Promise.resolve(sender);
    starting ??= fetch(SESSIONS, { method: "POST" })
      .then((response) => {
        if (!response.ok) throw new Error(`session answered ${response.status}`);
        return response.json();
      })
      .then((body) => {
        sender = body.sender;
        localStorage.setItem(SENDER_KEY, sender);
        return sender;
      })
      .finally(() => { starting = null; });
    return starting;
  }

  // Another tab started a new conversation, whose cookie replaced this one's: follow it there.
  window.addEventListener("storage", (e) => {
    if (e.key === SENDER_KEY && e.newValue && e.newValue !== sender) location.reload();
  });

  function loadHistory() {
    try { return JSON.parse(localStorage.getItem(HISTORY_KEY) || "[]"); } catch { return []; }
  }

  function remember(entry) {
    history.push(entry);
    history = history.slice(-HISTORY_LIMIT);
    localStorage.setItem(HISTORY_KEY, JSON.stringify(history));
  }

  function scrollDown() { messages.scrollTop = messages.scrollHeight; }

  // The message list shrinks when quick replies appear, the composer grows or a phone's keyboard opens:
  // a reader who was at the latest message stays there.
  let atBottom = true;
  messages.addEventListener("scroll", () => {
    atBottom = messages.scrollHeight - messages.scrollTop - messages.clientHeight < 24;
  });
  new ResizeObserver(() => { if (atBottom) scrollDown(); }).observe(messages);

  function row(kind) {
    const div = document.createElement("div");
    div.className = `row ${kind}`;
    const column = document.createElement("div");
    column.className = "column";
    const bubble = document.createElement("div");
    bubble.className = "bubble";
    column.appendChild(bubble);
    div.appendChild(column);
    messages.appendChild(div);
    return bubble;
  }

  // The header says who answers (the bot, or the human agent serving now) unless the connection is down.
  let servingAgent = null;

  function setStatus(text, offline) {
    status.textContent = text;
    status.classList.toggle("offline", offline);
  }

  function showOnline() {
    setStatus(servingAgent ? `人工客服 ${servingAgent} 正在为您服务` : STATUS_BOT, false);
  }

  // entry: {from: "user"|"bot"|"agent"|"notice"|"error", agent?, text?, image?, custom?}
  function render(entry) {
    const bubble = row(entry.from === "error" ? "notice error" : entry.from);
    if (entry.from === "agent") {
      const label = document.createElement("div");
      label.className = "agent-name";
      const badge = document.createElement("span");
      badge.className = "badge";
      badge.textContent = "人工客服";
      const name = document.createElement("span");
      name.className = "name";
      name.textContent = entry.agent || "客服";
      label.append(badge, name);
      bubble.before(label);
      servingAgent = name.textContent;
      showOnline();
    } else if (entry.from === "bot") {
      servingAgent = null;
      showOnline();
    }
    if (entry.text) {
      const p = document.createElement("div");
      p.textContent = entry.text;
      bubble.appendChild(p);
    }
    if (entry.image) {
      const img = document.createElement("img");
      img.src = entry.image;
      img.alt = "图片";
      img.loading = "lazy";
      img.addEventListener("load", scrollDown);
      bubble.appendChild(img);
    }
    const citations = entry.custom && Array.isArray(entry.custom.citations) ? entry.custom.citations : null;
    if (citations) {
      // action_llm_answer's sources (docs/knowledge.md): the title, or the passage id, of each passage cited
      const sources = document.createElement("ol");
      sources.className = "citations";
      sources.setAttribute("aria-label", "来源");
      for (const c of citations) {
        const li = document.createElement("li");
        li.textContent = c.title || c.id;
        li.title = [c.source, c.id].filter(Boolean).join(" · ");
        sources.appendChild(li);
      }
      bubble.appendChild(sources);
    } else if (entry.custom !== undefined) {
      const pre = document.createElement("pre");
      pre.textContent = JSON.stringify(entry.custom, null, 2);
      bubble.appendChild(pre);
    }
    scrollDown();
  }

  function show(entry) { render(entry); remember(entry); }

  function setQuickReplies(buttons) {
    quickReplies.replaceChildren();
    for (const b of buttons) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = b.title;
      button.addEventListener("click", () => submit(b.payload, b.title));
      quickReplies.appendChild(button);
    }
  }

  function typing(on) {
    const existing = messages.querySelector(".typing");
    if (existing) existing.remove();
    if (!on) return;
    const div = document.createElement("div");
    div.className = "row bot typing";
    div.innerHTML = '<div class="bubble" aria-label="正在输入"><span></span><span></span><span></span></div>';
    messages.appendChild(div);
    scrollDown();
  }

  function setBusy(on) {
    busy = on;
    send.disabled = on;
    typing(on);
  }

  async function submit(payload, shownText) {
    const text = payload.trim();
    if (!text || busy) return;
    show({ from: "user", text: shownText ?? text });
    setQuickReplies([]);
    setBusy(true);
    try {
      let response = await post(text);
      if (response.status === 403) {
        // The session's cookie is gone (expired, cleared): the message goes to a new conversation.
        newConversation(EXPIRED);
        show({ from: "user", text: shownText ?? text });
        typing(true);
        response = await post(text);
      }
      if (!response.ok) {
        const body = await response.json().catch(() => null);
        const detail = body && (body.detail || body.title);
        show({ from: "error", text: `发送失败（${response.status}）${detail ? "：" + detail : ""}` });
        return;
      }
      if (status.classList.contains("offline")) showOnline();
      showMessages(await readReplies(response), "bot");
    } catch {
      setStatus("连接中断，请稍后重试", true);
      show({ from: "error", text: "网络连接失败，请检查后重试" });
    } finally {
      setBusy(false);
      input.focus();
    }
  }

  async function post(text) {
    const id = await ensureSession();
    return fetch(WEBHOOK, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ sender: id, message: text, metadata: { channel: "webchat" } }),
    });
  }

  // The stream's events (docs/server.md): "delta" pieces go to a provisional bubble, "message"s are the replies.
  async function readReplies(response) {
    const replies = [];
    let draft = null;
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    const handle = (block) => {
      let name = "message";
      let data = "";
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) name = line.slice(6).trim();
        else if (line.startsWith("data:")) data += line.slice(5).trim();
      }
      if (!data) return;
      const payload = JSON.parse(data);
      if (name === "delta") {
        if (!draft) {
          typing(false);
          draft = row("bot draft");
        }
        draft.textContent += payload.text;
        scrollDown();
      } else if (name === "message") {
        replies.push(payload);
      }
    };
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        handle(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
      }
    }
    if (buffer.trim()) handle(buffer);
    if (draft) draft.closest(".row").remove();
    return replies;
  }

  // messages: Rasa REST outputs, with sender "bot"|"agent" (and agent) when they come from the poll.
  function showMessages(list, defaultSender) {
    const buttons = [];
    for (const m of list) {
      if (m.text || m.image || m.custom !== undefined) {
        const from = (m.sender || defaultSender) === "agent" ? "agent" : "bot";
        show({ from, agent: m.agent, text: m.text, image: m.image, custom: m.custom });
      }
      if (Array.isArray(m.buttons)) buttons.push(...m.buttons);
    }
    if (list.length > 0) setQuickReplies(buttons);
  }

  // One poll at a time, chained with setTimeout: every POLL_MS while the page is visible, doubling up to
  // POLL_MAX_MS after an error, stopped while hidden and resumed at once when the page shows again.
  let pollTimer = 0;
  let polling = false;
  let pollDelay = POLL_MS;

  function schedulePoll(delay) {
    clearTimeout(pollTimer);
    pollTimer = 0;
    if (!document.hidden && !polling) pollTimer = setTimeout(poll, delay);
  }

  async function poll() {
    polling = true;
    try {
      let polled, response;
      try {
        polled = await ensureSession();
        const url = `/webhooks/rest/conversations/${encodeURIComponent(polled)}/messages?after=${cursor}`;
        response = await fetch(url, { cache: "no-store" });
      } catch (offline) {
        setStatus("连接中断，正在重试…", true);
        throw offline;
      }
      if (status.classList.contains("offline")) showOnline();
      if (polled !== sender) return; // a new conversation started meanwhile
      if (response.status === 403) {
        newConversation(EXPIRED);
        return;
      }
      if (!response.ok) throw new Error(`poll answered ${response.status}`);
      const body = await response.json();
      if (polled !== sender) return; // a new conversation started meanwhile
      showMessages(body.messages.filter((m) => !m.delivered_in_reply), "bot");
      cursor = body.next;
      localStorage.setItem(CURSOR_KEY, String(cursor));
      // A full page ("more": true) is followed at once by the next one.
      pollDelay = body.more ? 0 : POLL_MS;
    } catch {
      pollDelay = Math.min(Math.max(pollDelay, POLL_MS) * 2, POLL_MAX_MS);
    } finally {
      polling = false;
      schedulePoll(pollDelay);
    }
  }

  document.addEventListener("visibilitychange", () => schedulePoll(0));

  composer.addEventListener("submit", (e) => {
    e.preventDefault();
    const text = input.value;
    input.value = "";
    autosize();
    submit(text);
  });

  // Enter sends, Shift+Enter breaks the line; Enter that confirms an IME composition (拼音) does neither.
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
      e.preventDefault();
      composer.requestSubmit();
    }
  });

  // scrollHeight leaves out the borders, which the border-box height includes.
  function autosize() {
    input.style.height = "auto";
    const borders = input.offsetHeight - input.clientHeight;
    const wanted = input.scrollHeight + borders;
    input.style.height = `${Math.min(wanted, INPUT_MAX_PX)}px`;
    input.style.overflowY = wanted > INPUT_MAX_PX ? "auto" : "hidden";
  }
  input.addEventListener("input", autosize);

  // A new conversation: its id (and cookie) is asked for by the poll that starts at once, or by the next send.
  function newConversation(notice) {
    sender = null;
    for (const key of [SENDER_KEY, HISTORY_KEY, CURSOR_KEY]) localStorage.removeItem(key);
    history = [];
    cursor = 0;
    messages.replaceChildren();
    setQuickReplies([]);
    servingAgent = null;
    showOnline();
    pollDelay = POLL_MS;
    schedulePoll(0);
    render({ from: "notice", text: notice });
  }

  document.getElementById("restart").addEventListener("click", () => {
    newConversation("已开始新的对话");
    input.focus();
  });

  for (const entry of history) render(entry);
  if (history.length === 0) render({ from: "notice", text: GREETING });
  autosize();
  input.focus();
  schedulePoll(0);
})();
