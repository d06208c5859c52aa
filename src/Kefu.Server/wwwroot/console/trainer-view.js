// What the console's trainer views (corrections.js: the correction inbox; experiment.js: the A/B experiment) share:
// calls to their API group, DOM helpers, the status line, and the toggle beside "sign out" that only trainers and
// admins see. Loaded before them. Plain JS; every text goes in through textContent only.
"use strict";

window.KefuTrainerView = (() => {
  const get = (id) => document.getElementById(id);

  function node(tag, className, text) {
    const e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }

  function tell(message) { get("status").textContent = message || ""; }

  // call(method, path, body) on /console/api/{group}: the JSON answer, or an Error with the ProblemDetails' detail.
  const api = (group) => async (method, path, body) => {
    const init = { method, credentials: "same-origin", headers: {} };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const response = await fetch(`/console/api/${group}${path}`, init);
    const text = await response.text();
    const data = text ? JSON.parse(text) : null;
    if (!response.ok) throw new Error((data && (data.detail || data.title)) || response.statusText);
    return data;
  };

  // A toggle (id, label) before "sign out" that swaps the desk for the view build() makes (once) and load()s it.
  // Who is signed in is asked every few seconds, since console.js signs in and out without reloading the page; the
  // view closes when the user is no trainer or admin. Returns shown(): whether the view is on screen.
  function mount({ id, label, build, load }) {
    let view = null;
    const toggle = node("button", null, label);
    toggle.type = "button";
    toggle.id = id;
    toggle.hidden = true;
    toggle.addEventListener("click", async () => {
      if (!view) view = build();
      view.hidden = !view.hidden;
      document.querySelector(".desk").hidden = !view.hidden;
      if (!view.hidden) await load().catch((e) => tell(e.message));
    });
    get("signout").before(toggle);

    async function sync() {
      try {
        const response = await fetch("/console/api/me", { credentials: "same-origin" });
        const me = response.status === 200 ? await response.json() : null;
        const trains = !!me && (me.role === "trainer" || me.role === "admin");
        toggle.hidden = !trains;
        if (!trains && view && !view.hidden) {
          view.hidden = true;
          document.querySelector(".desk").hidden = false;
        }
      } catch {
        // the server is away for a moment: ask again
      } finally {
        setTimeout(sync, 3000);
      }
    }
    sync();
    return { shown: () => !!view && !view.hidden };
  }

  return { get, node, tell, api, mount };
})();
