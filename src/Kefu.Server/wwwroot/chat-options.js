// The chat page's options, from its query string (embed.js passes its data- attributes; anyone may type them, so
// each is checked and a bad one left out): embed=1 (framed on another site: the session cookie is made for that),
// title (up to 60 characters), color (#rgb or #rrggbb: the brand colour), initial (the greeting, up to 500 characters),
// lang (zh or en: the page's lang, which picks the feedback controls' strings), rate_after (the responses whose bot
// message ends the conversation, so that the rating card follows it: names separated by commas, at most 20, each
// letters, digits and _ / -; "off" for none; utter_goodbye when absent or bad). Text goes in by textContent only.
window.kefuOptions = (() => {
  "use strict";

  const query = new URLSearchParams(location.search);
  const text = (name, most) => {
    const value = (query.get(name) || "").trim();
    return value && value.length <= most ? value : null;
  };

  const lang = query.get("lang");
  if (lang === "zh" || lang === "en") document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  const color = query.get("color");
  if (color && /^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/.test(color))
    for (const name of ["--brand", "--brand-dark", "--bubble-user"]) document.documentElement.style.setProperty(name, color);
  const title = text("title", 60);
  if (title) {
    document.title = title;
    document.querySelector(".chat-header h1").textContent = title;
  }
  const rateAfter = (value) => {
    if (value === "off") return [];
    const names = (value || "").split(",").map((name) => name.trim()).filter(Boolean);
    const good = names.length > 0 && names.length <= 20 && names.every((name) => /^[A-Za-z0-9_/-]{1,100}$/.test(name));
    return good ? names : ["utter_goodbye"];
  };
  return { embedded: query.get("embed") === "1", greeting: text("initial", 500), rateAfter: rateAfter(query.get("rate_after")) };
})();
