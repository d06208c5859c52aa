// Kefu web chat: posts to the Rasa REST channel and renders text, images, buttons (as quick replies)
// and custom payloads. The sender id and the transcript live in localStorage, so a reload keeps the chat.
(() => {
  "use strict";

  const WEBHOOK = "/webhooks/rest/webhook";
  const SENDER_KEY = "kefu.sender";
  const HISTORY_KEY = "kefu.history";
  const HISTORY_LIMIT = 200;

  const messages = document.getElementById("messages");
  const quickReplies = document.getElementById("quick-replies");
  const composer = document.getElementById("composer");
  const input = document.getElementById("input");
  const send = document.getElementById("send");
  const status = document.getElementById("status");

  const newSender = () =>
    (crypto.randomUUID ? crypto.randomUUID() : `web-${Date.now()}-${Math.random().toString(16).slice(2)}`);

  let sender = localStorage.getItem(SENDER_KEY) || newSender();
  localStorage.setItem(SENDER_KEY, sender);
  let history = loadHistory();
  let busy = false;

  function loadHistory() {
    try { return JSON.parse(localStorage.getItem(HISTORY_KEY) || "[]"); } catch { return []; }
  }

  function remember(entry) {
    history.push(entry);
    history = history.slice(-HISTORY_LIMIT);
    localStorage.setItem(HISTORY_KEY, JSON.stringify(history));
  }

  function scrollDown() { messages.scrollTop = messages.scrollHeight; }

  function row(kind) {
    const div = document.createElement("div");
    div.className = `row ${kind}`;
    const bubble = document.createElement("div");
    bubble.className = "bubble";
    div.appendChild(bubble);
    messages.appendChild(div);
    return bubble;
  }

  // entry: {from: "user"|"bot"|"notice"|"error", text?, image?, custom?}
  function render(entry) {
    const bubble = row(entry.from === "error" ? "notice error" : entry.from);
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
    if (entry.custom !== undefined) {
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
      const response = await fetch(WEBHOOK, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ sender, message: text, metadata: { channel: "webchat" } }),
      });
      const body = await response.json().catch(() => null);
      if (!response.ok) {
        const detail = body && (body.detail || body.title);
        show({ from: "error", text: `发送失败（${response.status}）${detail ? "：" + detail : ""}` });
        return;
      }
      status.textContent = "在线 · 通常几秒内回复";
      status.classList.remove("offline");
      const buttons = [];
      for (const reply of body || []) {
        if (reply.text || reply.image || reply.custom !== undefined)
          show({ from: "bot", text: reply.text, image: reply.image, custom: reply.custom });
        if (Array.isArray(reply.buttons)) buttons.push(...reply.buttons);
      }
      setQuickReplies(buttons);
    } catch {
      status.textContent = "连接中断，请稍后重试";
      status.classList.add("offline");
      show({ from: "error", text: "网络连接失败，请检查后重试" });
    } finally {
      setBusy(false);
      input.focus();
    }
  }

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

  function autosize() {
    input.style.height = "auto";
    input.style.height = `${Math.min(input.scrollHeight, 140)}px`;
  }
  input.addEventListener("input", autosize);

  document.getElementById("restart").addEventListener("click", () => {
    sender = newSender();
    localStorage.setItem(SENDER_KEY, sender);
    history = [];
    localStorage.removeItem(HISTORY_KEY);
    messages.replaceChildren();
    setQuickReplies([]);
    render({ from: "notice", text: "已开始新的对话" });
    input.focus();
  });

  for (const entry of history) render(entry);
  if (history.length === 0) render({ from: "notice", text: "您好！请问有什么可以帮您？" });
  input.focus();
})();
