// Kefu web chat: posts to the Rasa REST channel's streaming route and renders text, images, buttons (as quick
// replies), custom payloads and citations; the pieces of a reply still being made (an LLM's answer) show in a
// provisional bubble that the turn's messages replace. What no webhook reply carries (a human agent's messages, the bot's hand-back)
// comes from chat-updates.js: an event stream, or the poll where a stream is refused. The conversation is this browser's:
// the server gives its id ("webchat-...") with an HttpOnly cookie that the webhook and the poll need (see
// docs/server.md, Security and deployment). The sender id, the transcript and the poll cursor live in
// localStorage, so a reload keeps the chat.
// Feedback (docs/feedback.md): 👍/👎 under each bot message and a 1–5 star rating asked for by "结束对话", or by itself
// once per conversation after a bot message of a response that ends it (kefuOptions.rateAfter). A vote names
// the message by its event index, which only the poll gives: each bot message of a reply is matched, in order, with
// the poll's next message that was delivered in a reply (entries waiting for an index, indices waiting for an entry).
(() => {
  "use strict";

  const WEBHOOK = "/webhooks/rest/stream";
  const SESSIONS = "/webhooks/rest/sessions";
  const SESSION_PREFIX = "webchat-";
  const SENDER_KEY = "kefu.sender";
  const HISTORY_KEY = "kefu.history";
  const CURSOR_KEY = "kefu.cursor";
  const ASKED_KEY = "kefu.rating-asked";   // the sender whose conversation was asked for its rating
  const HISTORY_LIMIT = 200;
  const STATUS_BOT = "在线 · 通常几秒内回复";
  const GREETING = "您好！请问有什么可以帮您？";
  const EXPIRED = "之前的对话已失效，已为您开始新的对话";
  const INPUT_MAX_PX = 140;
  const COMMENT_MAX = 500;
  const FEEDBACK_TEXT = {
    zh: {
      up: "有帮助", down: "没帮助", pending: "正在确认这条消息，请稍候", voteFailed: "反馈发送失败",
      end: "结束对话", ratePrompt: "请为本次服务评分", stars: "评分", star: (n) => `${n} 星`,
      comment: "还有什么想说的（选填）", submit: "提交评价", pickStars: "请先选择星级", thanks: "感谢您的评价！",
      rateFailed: "评价提交失败", nothingToRate: "对话还没有开始，暂时无法评价",
    },
    en: {
      up: "Helpful", down: "Not helpful", pending: "Confirming this message, one moment", voteFailed: "Could not send your feedback",
      end: "End chat", ratePrompt: "How did we do?", stars: "Rating", star: (n) => `${n} star${n === 1 ? "" : "s"}`,
      comment: "Anything else to tell us? (optional)", submit: "Send rating", pickStars: "Please pick a number of stars first",
      thanks: "Thank you for your rating!", rateFailed: "Could not send your rating", nothingToRate: "The chat has not started yet, so there is nothing to rate",
    },
  };
  // The page's language (index.html's <html lang>) picks the feedback strings; the rest of the chat is Chinese.
  const T = FEEDBACK_TEXT[document.documentElement.lang.toLowerCase().startsWith("zh") ? "zh" : "en"];

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
    for (const key of [SENDER_KEY, HISTORY_KEY, CURSOR_KEY, ASKED_KEY]) localStorage.removeItem(key);
  }
  let history = loadHistory();
  let cursor = Number(localStorage.getItem(CURSOR_KEY)) || 0;
  let busy = false;
  // Bot entries shown from a reply, waiting for their event index; indices of replied bot messages the poll gave first.
  let unindexed = [];
  let unclaimed = [];
  const feedbackControls = new WeakMap();   // entry -> its 👍/👎 buttons

  // The conversation's id, asked of the server once (its cookie comes with the answer); after a failure the next
  // send or poll asks again.
  let starting = null;
  function ensureSession() {
    if (sender) return Promise.resolve(sender);
    starting ??= fetch(window.kefuOptions.embedded ? `${SESSIONS}?embed=1` : SESSIONS, { method: "POST" })
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
    saveHistory();
  }

  function saveHistory() { localStorage.setItem(HISTORY_KEY, JSON.stringify(history)); }

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

  // entry: {from: "user"|"bot"|"agent"|"notice"|"error"|"rating", agent?, text?, image?, custom?,
  //         index? and vote? ("up"|"down") of a bot message, stars? and comment? of a rating}
  function render(entry) {
    if (entry.from === "rating") {
      renderRating(entry);
      return;
    }
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
    if (entry.from === "bot") addThumbs(bubble.parentElement, entry);
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
      updates.start();   // the replies' indices, for their 👍/👎 (a stream brings them by itself)
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
  // A bot message names its response (`response`, e.g. utter_goodbye) on every path: the webhook's answer and the poll's.
  function showMessages(list, defaultSender) {
    const buttons = [];
    let ending = false;
    for (const m of list) {
      if (shown(m)) {
        const from = (m.sender || defaultSender) === "agent" ? "agent" : "bot";
        if (from === "bot" && window.kefuOptions.rateAfter.includes(m.response)) ending = true;
        const entry = { from, agent: m.agent, text: m.text, image: m.image, custom: m.custom };
        if (from === "bot" && Number.isInteger(m.index)) entry.index = m.index;
        else if (from === "bot") unindexed.push(entry);
        show(entry);
      }
      if (Array.isArray(m.buttons)) buttons.push(...m.buttons);
    }
    if (list.length > 0) setQuickReplies(buttons);
    claimIndices();
    if (ending && !ratingAsked()) askRating();
  }

  // Once per conversation: not after a card was shown (by 结束对话 too) or the conversation rated, reloads included.
  function ratingAsked() {
    return localStorage.getItem(ASKED_KEY) === sender || history.some((e) => e.from === "rating");
  }

  function askRating() {
    show({ from: "rating" });
    if (sender) localStorage.setItem(ASKED_KEY, sender);
  }

  function shown(m) { return Boolean(m.text || m.image || m.custom !== undefined); }

  // Pairs bot entries of replies with the poll's indices of replied bot messages, both in conversation order.
  function claimIndices() {
    let claimed = false;
    while (unindexed.length > 0 && unclaimed.length > 0) {
      const entry = unindexed.shift();
      entry.index = unclaimed.shift();
      feedbackControls.get(entry)?.update();
      claimed = true;
    }
    if (claimed) saveHistory();
  }

  function feedbackUrl(what) { return `/webhooks/rest/conversations/${encodeURIComponent(sender)}/${what}`; }

  async function postFeedback(what, body) {
    const response = await fetch(feedbackUrl(what), {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    if (response.ok) return null;
    const problem = await response.json().catch(() => null);
    const detail = problem && (problem.detail || problem.title);
    return `（${response.status}）${detail ? "：" + detail : ""}`;
  }

  // 👍/👎 under a bot message: enabled once its index is known; aria-pressed shows the vote that counts.
  function addThumbs(column, entry) {
    const bar = document.createElement("div");
    bar.className = "feedback";
    bar.setAttribute("role", "group");
    const buttons = [["up", "👍", T.up], ["down", "👎", T.down]].map(([value, symbol, label]) => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = `thumb ${value}`;
      button.textContent = symbol;
      button.setAttribute("aria-label", label);
      button.addEventListener("click", () => vote(entry, value));
      bar.appendChild(button);
      return [value, button];
    });
    const controls = {
      busy: false,
      update() {
        for (const [value, button] of buttons) {
          button.disabled = controls.busy || !Number.isInteger(entry.index);
          button.title = Number.isInteger(entry.index) ? button.getAttribute("aria-label") : T.pending;
          button.setAttribute("aria-pressed", String(entry.vote === value));
        }
      },
    };
    feedbackControls.set(entry, controls);
    controls.update();
    column.appendChild(bar);
  }

  async function vote(entry, value) {
    const controls = feedbackControls.get(entry);
    if (!controls || controls.busy || !Number.isInteger(entry.index) || !sender) return;
    controls.busy = true;
    controls.update();
    try {
      const failed = await postFeedback("feedback", { index: entry.index, value });
      if (failed) render({ from: "error", text: T.voteFailed + failed });
      else {
        entry.vote = value;
        saveHistory();
      }
    } catch {
      render({ from: "error", text: T.voteFailed });
    } finally {
      controls.busy = false;
      controls.update();
    }
  }

  // The rating card "结束对话" adds: five star buttons (aria-pressed), an optional comment, a send button; sending again
  // with other stars re-rates (the latest rating counts).
  function renderRating(entry) {
    const div = document.createElement("div");
    div.className = "row rating";
    const card = document.createElement("section");
    card.className = "rating-card";
    card.setAttribute("aria-label", T.ratePrompt);
    const prompt = document.createElement("p");
    prompt.className = "prompt";
    prompt.textContent = T.ratePrompt;
    const stars = document.createElement("div");
    stars.className = "stars";
    stars.setAttribute("role", "group");
    stars.setAttribute("aria-label", T.stars);
    let chosen = entry.stars || 0;
    const starButtons = [1, 2, 3, 4, 5].map((n) => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "star";
      button.textContent = "★";
      button.setAttribute("aria-label", T.star(n));
      button.addEventListener("click", () => { chosen = n; paint(); });
      stars.appendChild(button);
      return button;
    });
    const comment = document.createElement("input");
    comment.type = "text";
    comment.className = "comment";
    comment.maxLength = COMMENT_MAX;
    comment.placeholder = T.comment;
    comment.setAttribute("aria-label", T.comment);
    comment.value = entry.comment || "";
    const submitButton = document.createElement("button");
    submitButton.type = "button";
    submitButton.className = "submit";
    submitButton.textContent = T.submit;
    const note = document.createElement("p");
    note.className = "rating-status";
    note.setAttribute("aria-live", "polite");
    if (entry.stars) note.textContent = T.thanks;
    function paint() {
      starButtons.forEach((button, i) => {
        button.classList.toggle("on", i < chosen);
        button.setAttribute("aria-pressed", String(i + 1 === chosen));
      });
    }
    submitButton.addEventListener("click", async () => {
      if (!chosen) {
        note.textContent = T.pickStars;
        return;
      }
      submitButton.disabled = true;
      try {
        const text = comment.value.trim();
        const failed = await postFeedback("rating", text ? { stars: chosen, comment: text } : { stars: chosen });
        if (failed) note.textContent = T.rateFailed + failed;
        else {
          entry.stars = chosen;
          entry.comment = text || undefined;
          saveHistory();
          note.textContent = T.thanks;
        }
      } catch {
        note.textContent = T.rateFailed;
      } finally {
        submitButton.disabled = false;
      }
    });
    paint();
    card.append(prompt, stars, comment, submitButton, note);
    div.appendChild(card);
    messages.appendChild(div);
    scrollDown();
  }

  // A page of the channel's messages (from the event stream or the poll, chat-updates.js) of conversation `from`.
  function receive(from, body) {
    if (from !== sender) return; // a new conversation started meanwhile
    for (const m of body.messages)
      if (m.delivered_in_reply && m.sender === "bot" && shown(m)) unclaimed.push(m.index);
    showMessages(body.messages.filter((m) => !m.delivered_in_reply), "bot");
    cursor = body.next;
    localStorage.setItem(CURSOR_KEY, String(cursor));
  }

  const updates = window.kefuUpdates({
    ensureSession, receive,
    current: () => sender,
    cursor: () => cursor,
    expired: () => newConversation(EXPIRED),
    offline: () => setStatus("连接中断，正在重试…", true),
    online: () => { if (status.classList.contains("offline")) showOnline(); },
  });

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
    for (const key of [SENDER_KEY, HISTORY_KEY, CURSOR_KEY, ASKED_KEY]) localStorage.removeItem(key);
    history = [];
    cursor = 0;
    unindexed = [];
    unclaimed = [];
    messages.replaceChildren();
    setQuickReplies([]);
    servingAgent = null;
    showOnline();
    updates.restart();
    render({ from: "notice", text: notice });
  }

  const end = document.getElementById("end");
  end.textContent = end.title = T.end;
  end.addEventListener("click", () => {
    const last = history[history.length - 1];
    if (!sender || !history.some((e) => e.from === "user")) render({ from: "notice", text: T.nothingToRate });
    else {
      if (!last || last.from !== "rating") askRating();
      const cards = messages.querySelectorAll(".row.rating");
      cards[cards.length - 1].querySelector(".star").focus();
    }
  });

  document.getElementById("restart").addEventListener("click", () => {
    newConversation("已开始新的对话");
    input.focus();
  });

  for (const entry of history) {
    render(entry);
    if (entry.from === "bot" && !Number.isInteger(entry.index)) unindexed.push(entry);
  }
  if (history.length === 0) render({ from: "notice", text: window.kefuOptions.greeting ?? GREETING });
  autosize();
  input.focus();
  updates.start();
})();
