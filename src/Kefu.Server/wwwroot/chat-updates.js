// What no webhook reply carries (a human agent's messages, the bot's hand-back), brought to the web chat: server-sent
// events from GET /webhooks/rest/conversations/{sender}/events, which the browser's EventSource resumes by itself
// (Last-Event-ID) when the server ends a stream; when a stream is refused (403, 429) or fails STREAM_FAILURES times
// without opening (a network or proxy that breaks it) the chat polls .../messages instead and tries the stream again
// STREAM_RETRY_MS later. docs/server.md, "The web chat".
// chat: { ensureSession() -> Promise<sender>, current() -> sender|null, cursor() -> number,
//         receive(sender, {messages, next}), expired(), offline(), online() }
window.kefuUpdates = (chat) => {
  "use strict";

  const POLL_MS = 2000;
  const POLL_MAX_MS = 30000;
  const STREAM_RETRY_MS = 60000;
  const STREAM_FAILURES = 2;

  let timer = 0;
  let polling = false;
  let opening = false;
  let pollDelay = POLL_MS;
  let source = null;
  let streamRefusedAt = -Infinity;

  const route = (sender, what) => `/webhooks/rest/conversations/${encodeURIComponent(sender)}/${what}`;
  const streamAllowed = () => typeof EventSource === "function" && Date.now() - streamRefusedAt >= STREAM_RETRY_MS;

  // One poll or stream opening at a time, chained with setTimeout; polls stop while the page is hidden (a stream stays).
  function schedule(delay) {
    clearTimeout(timer);
    timer = 0;
    if (!document.hidden && !polling && !opening && !source) timer = setTimeout(tick, delay);
  }

  async function tick() {
    timer = 0;
    if (!streamAllowed()) return poll();
    opening = true;
    try {
      const sender = await chat.ensureSession();
      if (sender === chat.current() && !source) listen(sender);
    } catch {
      chat.offline();
      pollDelay = Math.min(Math.max(pollDelay, POLL_MS) * 2, POLL_MAX_MS);
    } finally {
      opening = false;
      schedule(pollDelay);
    }
  }

  function listen(sender) {
    const mine = new EventSource(`${route(sender, "events")}?after=${chat.cursor()}`);
    source = mine;
    let failures = 0;   // in a row, since the stream last opened
    mine.addEventListener("open", () => {
      failures = 0;
      chat.online();
      chat.receive(sender, { messages: [], next: chat.cursor() });   // stores the cursor: the chat is listening
    });
    mine.addEventListener("message", (e) => {
      chat.online();
      chat.receive(sender, { messages: [JSON.parse(e.data)], next: Number(e.lastEventId) });
    });
    mine.addEventListener("error", () => {
      if (mine.readyState !== EventSource.CLOSED && ++failures < STREAM_FAILURES) {
        chat.offline();   // reconnecting by itself, from its last id
        return;
      }
      mine.close();
      if (source === mine) source = null;
      streamRefusedAt = Date.now();
      schedule(0);   // the poll says why (a 403: the session is gone) and carries on
    });
  }

  async function poll() {
    polling = true;
    try {
      let polled, response;
      try {
        polled = await chat.ensureSession();
        response = await fetch(`${route(polled, "messages")}?after=${chat.cursor()}`, { cache: "no-store" });
      } catch (offline) {
        chat.offline();
        throw offline;
      }
      chat.online();
      if (polled !== chat.current()) return; // a new conversation started meanwhile
      if (response.status === 403) {
        chat.expired();
        return;
      }
      if (!response.ok) throw new Error(`poll answered ${response.status}`);
      const body = await response.json();
      chat.receive(polled, body);
      // A full page ("more": true) is followed at once by the next one.
      pollDelay = body.more ? 0 : POLL_MS;
    } catch {
      pollDelay = Math.min(Math.max(pollDelay, POLL_MS) * 2, POLL_MAX_MS);
    } finally {
      polling = false;
      schedule(pollDelay);
    }
  }

  document.addEventListener("visibilitychange", () => schedule(0));

  return {
    start() { schedule(0); },
    // A new conversation: the old stream goes, the next tick asks for the new id.
    restart() {
      source?.close();
      source = null;
      streamRefusedAt = -Infinity;
      pollDelay = POLL_MS;
      schedule(0);
    },
  };
};
