// One line puts the web chat on any page (docs/server.md, "Embedding the web chat"):
//   <script src="https://bot.example.com/webchat/embed.js" data-title="小店客服" data-color="#1677ff"
//           data-initial-message="您好，有什么可以帮您？" data-lang="zh" data-rate-after="utter_goodbye" async></script>
// It adds a launcher button; its first click opens an iframe of this server's chat page with the options in the
// query (chat-options.js checks them again). The server lets the frame show only on the origins of its
// --cors-origins (frame-ancestors). Options: data-color #rgb or #rrggbb; data-title up to 60 and
// data-initial-message up to 500 characters, shown as text; data-lang zh or en; data-rate-after the responses after
// which the chat asks for a rating (names separated by commas, or "off"; chat-options.js). Others are left out.
(() => {
  "use strict";

  const script = document.currentScript;
  if (!script || document.getElementById("kefu-embed-launcher")) return;
  const data = script.dataset;
  const query = new URLSearchParams({ embed: "1" });
  if (/^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/.test(data.color || "")) query.set("color", data.color);
  if (data.title && data.title.trim()) query.set("title", data.title.trim().slice(0, 60));
  if (data.initialMessage && data.initialMessage.trim()) query.set("initial", data.initialMessage.trim().slice(0, 500));
  if (data.lang === "zh" || data.lang === "en") query.set("lang", data.lang);
  if (data.rateAfter && /^[A-Za-z0-9_/,\s-]{1,2000}$/.test(data.rateAfter)) query.set("rate_after", data.rateAfter.replace(/\s+/g, ""));
  const english = data.lang === "en";
  const title = query.get("title") || (english ? "Customer service" : "在线客服");
  const chatUrl = `${new URL(script.src).origin}/?${query}`;
  const layer = "2147483000";

  const button = document.createElement("button");
  button.id = "kefu-embed-launcher";
  button.type = "button";
  button.textContent = english ? "Chat" : "客服";
  button.title = title;
  button.setAttribute("aria-label", title);
  button.setAttribute("aria-expanded", "false");
  Object.assign(button.style, {
    position: "fixed", right: "20px", bottom: "20px", zIndex: layer, width: "56px", height: "56px",
    borderRadius: "50%", border: "none", background: query.get("color") || "#1677ff", color: "#fff",
    font: "600 15px system-ui, sans-serif", cursor: "pointer", boxShadow: "0 4px 16px rgba(0, 0, 0, 0.2)",
  });

  let frame = null;
  button.addEventListener("click", () => {
    if (!frame) {
      frame = document.createElement("iframe");
      frame.id = "kefu-embed-frame";
      frame.title = title;
      frame.src = chatUrl;
      Object.assign(frame.style, {
        position: "fixed", right: "20px", bottom: "88px", zIndex: layer, width: "min(380px, calc(100vw - 40px))",
        height: "min(600px, calc(100vh - 120px))", border: "none", borderRadius: "12px", background: "#fff",
        boxShadow: "0 8px 32px rgba(0, 0, 0, 0.25)",
      });
      document.body.append(frame);
    } else {
      frame.hidden = !frame.hidden;
    }
    button.setAttribute("aria-expanded", String(!frame.hidden));
  });

  // An async script may run before <body> exists.
  if (document.body) document.body.append(button);
  else document.addEventListener("DOMContentLoaded", () => document.body.append(button));
})();
