/* Helpdesk agent UI: small behaviours on top of htmx (no build step). */
(function () {
  "use strict";
  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));
  const csrf = () => $('meta[name="csrf-token"]').content;

  // 4xx answers carry a partial that explains the problem: swap them in too.
  document.addEventListener("DOMContentLoaded", () => {
    if (window.htmx) {
      htmx.config.responseHandling = [
        { code: "204", swap: false },
        { code: "[23]..", swap: true },
        { code: "4..", swap: true, error: false },
        { code: "...", swap: false, error: true },
      ];
      htmx.config.historyCacheSize = 0;
    }
    initPage();
  });

  function toast(message, kind) {
    const box = $("#toasts");
    if (!box) return;
    const el = document.createElement("div");
    el.className = "toast " + (kind || "info");
    el.setAttribute("role", kind === "error" ? "alert" : "status");
    el.textContent = message;
    box.appendChild(el);
    setTimeout(() => el.remove(), 6000);
  }
  window.hdToast = toast;

  function state() { return $("#results-state"); }
  function listUrl() { const s = state(); return s ? s.dataset.url : window.location.pathname; }

  // --- search as you type ---
  let searchTimer = null;
  function runSearch() {
    const form = $("#filters");
    const input = $("#search");
    if (!form || !input) return;
    form.querySelector('[name="q"]').value = input.value.trim();
    htmx.trigger(form, "submit");
  }

  // --- the detail panel ---
  function openPanel(url) {
    htmx.ajax("GET", url, { target: "#panel", swap: "innerHTML" }).then(() => {
      history.pushState({}, "", url);
    });
  }
  function closePanel() {
    const panel = $("#panel");
    if (!panel || panel.hidden) return false;
    panel.hidden = true;
    panel.innerHTML = "";
    $(".tickets-page") && $(".tickets-page").classList.remove("has-panel");
    history.pushState({}, "", listUrl());
    $$(".row.open, .card-ticket.open").forEach((el) => el.classList.remove("open"));
    return true;
  }
  function showTab(name) {
    const panel = $("#panel");
    $$('[role="tab"]', panel).forEach((t) => t.setAttribute("aria-selected", String(t.dataset.tab === name)));
    $$(".pane", panel).forEach((p) => { p.hidden = p.id !== "pane-" + name; });
  }

  // --- keyboard: / search, j k move, Enter open, Esc close ---
  let cursor = -1;
  function items() { return $$(".row, .card-ticket").filter((el) => el.offsetParent !== null); }
  function moveCursor(step) {
    const list = items();
    if (!list.length) return;
    cursor = Math.max(0, Math.min(list.length - 1, cursor + step));
    list.forEach((el, i) => el.classList.toggle("cursor", i === cursor));
    list[cursor].scrollIntoView({ block: "nearest" });
    if (list[cursor].classList.contains("card-ticket")) list[cursor].focus();
  }
  function typing(el) { return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName)); }

  document.addEventListener("keydown", (ev) => {
    if (ev.key === "Escape") {
      const menu = $(".mention-menu:not([hidden])");
      if (menu) { menu.hidden = true; return; }
      const pop = $("#filter-popover[open]");
      if (pop) { pop.open = false; return; }
      if (closePanel()) { ev.preventDefault(); }
      return;
    }
    if (typing(ev.target) || ev.metaKey || ev.ctrlKey || ev.altKey) return;
    const card = ev.target.closest && ev.target.closest(".card-ticket");
    if (card && ev.shiftKey && (ev.key === "ArrowLeft" || ev.key === "ArrowRight")) {
      ev.preventDefault(); moveCardBy(card, ev.key === "ArrowLeft" ? -1 : 1); return;
    }
    if (ev.key === "?") { ev.preventDefault(); const help = $("#shortcuts"); if (help && !help.open) help.showModal(); }
    else if (ev.key === "/") { ev.preventDefault(); $("#search") && $("#search").focus(); }
    else if (ev.key === "j") { moveCursor(1); }
    else if (ev.key === "k") { moveCursor(-1); }
    else if (ev.key === "Enter") {
      const el = items()[cursor] || (ev.target.classList && ev.target.classList.contains("card-ticket") ? ev.target : null);
      if (el) { ev.preventDefault(); openPanel(el.dataset.href); }
    }
  });

  // --- clicks ---
  document.addEventListener("click", (ev) => {
    const t = ev.target;
    const pop = $("#filter-popover[open]");
    if (pop && !t.closest("#filter-popover")) pop.open = false;
    if (t.closest("[data-close-panel]")) { closePanel(); return; }
    const menu = t.closest("#menu-toggle");
    if (menu) {  // phone width: the sidebar folds into a menu
      const open = $(".sidebar").classList.toggle("open");
      menu.setAttribute("aria-expanded", String(open));
      return;
    }
    const tab = t.closest('[role="tab"]');
    if (tab) { showTab(tab.dataset.tab); live.tabClicked = tab.dataset.tab; return; }
    const copy = t.closest("[data-copy]");
    if (copy) {
      const text = copy.dataset.copy;
      (navigator.clipboard ? navigator.clipboard.writeText(text) : Promise.reject()).then(
        () => toast("Copied " + text), () => toast(text));
      return;
    }
    const edit = t.closest("[data-edit]");
    if (edit) {
      const name = edit.dataset.edit;
      $(`[data-view="${name}"]`).hidden = true;
      const form = $(`[data-form="${name}"]`); form.hidden = false; form.querySelector("textarea").focus();
      return;
    }
    const cancel = t.closest("[data-cancel]");
    if (cancel) {
      const name = cancel.dataset.cancel;
      $(`[data-view="${name}"]`).hidden = false; $(`[data-form="${name}"]`).hidden = true;
      return;
    }
    const collapse = t.closest(".column .collapse");
    if (collapse) {
      const column = collapse.closest(".column");
      const open = column.classList.toggle("expanded");
      collapse.setAttribute("aria-expanded", String(open));
      return;
    }
    const row = t.closest("tr.row");
    if (row && !t.closest("a, input, button, label, select")) { openPanel(row.dataset.href); return; }
    if (t.closest("#save-view-open")) {
      const dialog = $("#save-view");
      const s = state();
      $("#save-view-query").value = s ? s.dataset.query : "";
      dialog.showModal(); $("#id_name").focus();
      return;
    }
    if (t.closest("[data-close-dialog]")) { t.closest("dialog").close(); return; }
    if (t.closest("#select-all-matching")) {
      $("#bulk-all").value = "1";
      $$('input[name="numbers"]').forEach((cb) => { cb.checked = true; });
      updateBulk();
      return;
    }
    if (t.closest("#bulk-clear")) {
      $$('input[name="numbers"]').forEach((cb) => { cb.checked = false; });
      $("#select-page") && ($("#select-page").checked = false);
      $("#bulk-all").value = "";
      updateBulk();
      return;
    }
  });

  // A plain form with data-confirm asks before it is sent (deleting a rule, a view).
  document.addEventListener("submit", (ev) => {
    const form = ev.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.dataset.confirm)) ev.preventDefault();
  });

  // Delete asks first, naming the count; export downloads a file (a plain POST).
  document.addEventListener("htmx:confirm", (ev) => {
    const btn = ev.detail.elt && ev.detail.elt.id === "bulk" ? ev.detail.triggeringEvent && ev.detail.triggeringEvent.submitter : null;
    if (!btn) return;
    if (btn.dataset.export !== undefined) {
      ev.preventDefault();
      exportCsv(ev.detail.elt);
    } else if (btn.dataset.confirmDelete !== undefined) {
      ev.preventDefault();
      const n = selectedCount();
      if (window.confirm(`Delete ${n} ticket${n === 1 ? "" : "s"} permanently? This cannot be undone.`)) ev.detail.issueRequest(true);
    }
  });
  function exportCsv(form) {
    const out = document.createElement("form");
    out.method = "post"; out.action = form.getAttribute("hx-post"); out.hidden = true;
    const data = new FormData(form);
    data.set("action", "export");
    data.append("csrfmiddlewaretoken", csrf());
    for (const [k, v] of data.entries()) {
      const i = document.createElement("input"); i.type = "hidden"; i.name = k; i.value = v; out.appendChild(i);
    }
    document.body.appendChild(out); out.submit(); out.remove();
  }

  // --- selection and the bulk bar ---
  function selectedCount() {
    const bar = $("#bulk");
    if (!bar) return 0;
    if ($("#bulk-all").value) return Number(bar.dataset.total);
    return $$('input[name="numbers"]:checked').length;
  }
  function updateBulk() {
    const bar = $("#bulk");
    if (!bar) return;
    const n = selectedCount();
    bar.hidden = n === 0;
    $("#bulk-count").textContent = ($("#bulk-all").value ? `All ${n} matching` : `${n}`) + " selected";
  }
  document.addEventListener("change", (ev) => {
    const t = ev.target;
    if (t.id === "workspace-switcher") {
      window.location = t.value;
    } else if (t.matches("[data-snooze-menu]")) {
      const at = t.parentElement.querySelector("[data-snooze-at]");
      at.hidden = t.value !== "custom"; at.required = !at.hidden;
      if (!at.hidden) at.focus();
    } else if (t.id === "select-page") {
      $$('input[name="numbers"]').forEach((cb) => { cb.checked = t.checked; });
      if (!t.checked) $("#bulk-all").value = "";
      updateBulk();
    } else if (t.name === "numbers") {
      if (!t.checked) $("#bulk-all").value = "";
      updateBulk();
    }
  });

  // --- search box and htmx events ---
  document.addEventListener("input", (ev) => {
    if (ev.target.id === "search") {
      clearTimeout(searchTimer);
      searchTimer = setTimeout(runSearch, 250);
    }
    if (ev.target.id === "comment-body") mentionSuggest(ev.target);
  });
  document.addEventListener("keydown", (ev) => {
    if (ev.target.id === "search" && ev.key === "Enter") { clearTimeout(searchTimer); runSearch(); ev.preventDefault(); }
  }, true);

  let popoverOpen = false;
  document.addEventListener("htmx:beforeSwap", (ev) => {
    if (ev.detail.target && ev.detail.target.id === "results") {
      const pop = $("#filter-popover"); popoverOpen = !!(pop && pop.open);
    }
  });
  document.addEventListener("htmx:afterSwap", (ev) => {
    const target = ev.detail.target;
    if (!target) return;
    if (target.id === "results") {
      const s = state();
      const search = $("#search");
      if (s && search && document.activeElement !== search) search.value = s.dataset.q;
      if (popoverOpen && $("#filter-popover")) $("#filter-popover").open = true;
      cursor = -1;
      initBoard();
    }
    if (target.id === "panel") {
      target.hidden = !target.innerHTML.trim();
      $(".tickets-page") && $(".tickets-page").classList.toggle("has-panel", !target.hidden);
      const inner = $(".panel-inner", target);
      if (inner) {
        $$(".row.open, .card-ticket.open").forEach((el) => el.classList.remove("open"));
        $$(`[data-number="${inner.dataset.number}"]`).forEach((el) => el.classList.add("open"));
      }
    }
  });
  document.addEventListener("ticketsChanged", refreshResults);
  // An inline edit the server refused: say why, and redraw the row as it is.
  document.addEventListener("inlineRefused", (ev) => { toast(ev.detail.message, "error"); refreshResults(); });
  let refreshing = null;
  function refreshResults() {
    if (!$("#results")) return;
    clearTimeout(refreshing);
    refreshing = setTimeout(() => htmx.ajax("GET", listUrl(), { target: "#results", swap: "innerHTML" }), 50);
  }
  window.addEventListener("popstate", () => window.location.reload());

  // --- @mention autocomplete ---
  function mentionSuggest(area) {
    const menu = area.parentElement.querySelector(".mention-menu");
    const before = area.value.slice(0, area.selectionStart);
    const m = before.match(/(^|\s)@([\w.+-]*)$/);
    if (!m) { menu.hidden = true; return; }
    const names = JSON.parse(area.dataset.mentions || "[]").filter((n) => n.toLowerCase().startsWith(m[2].toLowerCase())).slice(0, 6);
    menu.innerHTML = "";
    names.forEach((name, i) => {
      const li = document.createElement("li");
      li.setAttribute("role", "option"); li.textContent = "@" + name; li.dataset.name = name;
      if (i === 0) li.setAttribute("aria-selected", "true");
      li.addEventListener("mousedown", (e) => { e.preventDefault(); pickMention(area, name); });
      menu.appendChild(li);
    });
    menu.hidden = names.length === 0;
  }
  function pickMention(area, name) {
    const pos = area.selectionStart;
    const before = area.value.slice(0, pos).replace(/@([\w.+-]*)$/, "@" + name + " ");
    area.value = before + area.value.slice(pos);
    area.selectionStart = area.selectionEnd = before.length;
    area.parentElement.querySelector(".mention-menu").hidden = true;
    area.focus();
  }
  document.addEventListener("keydown", (ev) => {
    if (ev.target.id !== "comment-body") return;
    const menu = ev.target.parentElement.querySelector(".mention-menu");
    if (menu.hidden) return;
    const opts = $$("li", menu);
    let i = opts.findIndex((o) => o.getAttribute("aria-selected") === "true");
    if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      ev.preventDefault();
      i = (i + (ev.key === "ArrowDown" ? 1 : -1) + opts.length) % opts.length;
      opts.forEach((o, j) => o.setAttribute("aria-selected", String(i === j)));
    } else if (ev.key === "Enter" || ev.key === "Tab") {
      ev.preventDefault(); pickMention(ev.target, opts[Math.max(i, 0)].dataset.name);
    }
  }, true);

  // --- board: drag a card to a column to change its status ---
  function initBoard() {
    $$(".card-ticket").forEach((card) => {
      if (card.dataset.dragReady) return;
      card.dataset.dragReady = "1";
      card.addEventListener("dragstart", (ev) => {
        ev.dataTransfer.setData("text/plain", card.dataset.number);
        ev.dataTransfer.effectAllowed = "move";
        card.classList.add("dragging");
      });
      card.addEventListener("dragend", () => card.classList.remove("dragging"));
      card.addEventListener("click", (ev) => { if (!ev.target.closest("a, select")) openPanel(card.dataset.href); });
    });
    $$("[data-drop]").forEach((zone) => {
      if (zone.dataset.dropReady) return;
      zone.dataset.dropReady = "1";
      const column = zone.closest(".column");
      column.addEventListener("dragover", (ev) => { ev.preventDefault(); column.classList.add("over"); });
      column.addEventListener("dragleave", () => column.classList.remove("over"));
      column.addEventListener("drop", (ev) => {
        ev.preventDefault(); column.classList.remove("over");
        const number = ev.dataTransfer.getData("text/plain");
        const card = $(`.card-ticket[data-number="${number}"]`);
        if (!card || card.dataset.status === zone.dataset.drop) return;
        moveCard(card, zone);
      });
    });
  }
  function setCount(zone, delta) {
    const count = zone.closest(".column").querySelector("[data-count]");
    count.textContent = String(Number(count.textContent) + delta);
  }
  // The keyboard's drag: the card goes to the neighbouring column and keeps focus.
  function moveCardBy(card, step) {
    const columns = $$(".board .column");
    const here = columns.indexOf(card.closest(".column"));
    const target = columns[here + step];
    if (!target) return;
    moveCard(card, target.querySelector("[data-drop]"));
    card.focus();
  }
  // The stats bar above the board counts every status: move one along with the card.
  function setStat(status, delta) {
    const count = $(`.stats .stat[data-status="${status}"] .stat-count`);
    if (count && /^\d+$/.test(count.textContent)) count.textContent = String(Number(count.textContent) + delta);
  }
  function moveCard(card, zone) {
    const home = card.parentElement;
    const next = card.nextSibling;
    zone.prepend(card); setCount(zone, 1); setCount(home, -1);
    const body = new URLSearchParams({ status: zone.dataset.drop });
    fetch(card.dataset.move, {
      method: "POST", body, credentials: "same-origin",
      headers: { "X-CSRFToken": csrf(), "HX-Request": "true" },
    }).then(async (resp) => {
      if (resp.ok) {
        setStat(card.dataset.status, -1); setStat(zone.dataset.drop, 1);
        card.dataset.status = zone.dataset.drop;
        toast("Moved to " + zone.closest(".column").getAttribute("aria-label"), "success");
        return;
      }
      const reason = resp.status >= 500 ? "The server could not move the ticket." : await resp.text();
      home.insertBefore(card, next); setCount(zone, -1); setCount(home, 1);
      card.classList.add("refused"); setTimeout(() => card.classList.remove("refused"), 1500);
      toast(reason, "error");
    }, () => {
      home.insertBefore(card, next); setCount(zone, -1); setCount(home, 1);
      toast("Network error: the ticket was not moved.", "error");
    });
  }

  // --- the composer under the thread: reply or note, preview ---
  function composerMode() {
    const form = $("#composer");
    if (!form) return;
    const pub = form.querySelector('input[name="visibility"][value="public"]').checked;
    form.classList.toggle("public", pub);
    $("#composer-send").textContent = pub ? "Send reply" : "Add note";
  }
  document.addEventListener("change", (ev) => { if (ev.target.name === "visibility") composerMode(); });
  document.addEventListener("input", (ev) => {
    if (ev.target.id === "comment-body") { const p = $("#composer-preview"); if (p) p.hidden = true; }
  });

  // --- live updates: poll, 304 when nothing changed (docs/architecture.md) ---
  const live = { marker: null, etag: "", timer: null, typedAt: 0, busy: false, tabClicked: null,
    ownPanel: false, refreshing: false, present: "" };
  document.addEventListener("input", (ev) => {
    if (ev.target.id !== "comment-body") return;
    const wasReplying = Date.now() - live.typedAt < 8000;
    live.typedAt = Date.now();
    if (!wasReplying) poll();  // tell the others "replying" now, not at the next tick
  });
  function openNumber() { const inner = $("#panel .panel-inner"); return inner ? inner.dataset.number : ""; }
  // This page load's name: a heartbeat still in flight when the page left must not
  // bring its presence back (the server ignores this page's beats after its leave).
  const PAGE = Math.random().toString(36).slice(2, 14);
  function liveUrl() {
    const app = $("#app");
    if (!app || !app.dataset.liveUrl) return null;
    const q = new URLSearchParams();
    if (live.marker !== null) q.set("since", live.marker);
    const number = openNumber();
    if (number) {
      q.set("ticket", number);
      q.set("state", Date.now() - live.typedAt < 8000 ? "replying" : "viewing");
      q.set("page", PAGE);
    }
    return app.dataset.liveUrl + "?" + q.toString();
  }
  // Leaving a ticket (page hidden for good, panel switched or closed) clears our
  // presence at once with a beacon; the heartbeat's TTL is the fallback.
  function leave(number) {
    const app = $("#app");
    if (!number || !app || !app.dataset.leaveUrl) return;
    const data = new FormData();
    data.append("csrfmiddlewaretoken", csrf());
    data.append("ticket", number);
    data.append("page", PAGE);
    navigator.sendBeacon(app.dataset.leaveUrl, data);
  }
  window.addEventListener("pagehide", () => { leave(live.present); live.present = ""; });
  function poll() {
    const number = openNumber();
    if (live.present && live.present !== number) leave(live.present);
    live.present = number;
    const url = liveUrl();
    if (!url) return;
    // A poll asked for while one is in flight (the first keystroke) runs right
    // after it, with the newest state, instead of waiting for the next tick.
    if (live.busy) { live.again = true; return; }
    live.busy = true;
    const headers = live.etag ? { "If-None-Match": live.etag } : {};
    fetch(url, { headers, credentials: "same-origin", cache: "no-store" }).then(async (resp) => {
      if (resp.status === 200) { live.etag = resp.headers.get("ETag") || ""; applyLive(await resp.json()); }
    }).catch(() => {}).finally(() => {
      live.busy = false;
      if (live.again) { live.again = false; poll(); }
    });
  }
  function applyLive(data) {
    const first = live.marker === null;
    const moved = !first && data.marker !== live.marker;
    live.marker = data.marker;
    showPresence(data.presence || []);
    if (data.counts) setCounts(data.counts, data.views || {});
    const ownPanel = live.ownPanel;
    live.ownPanel = false;
    if (!moved) return;
    refreshResults();
    const number = openNumber();
    // The panel just swapped in by our own change is already the latest.
    if (ownPanel) return;
    if (number && (data.changed === null || (data.changed || []).includes(Number(number)))) refreshPanel();
  }
  function setCounts(counts, views) {
    Object.entries(counts).forEach(([name, n]) => {
      const el = $(`.nav [data-queue="${name}"] .count`);
      if (el) { el.textContent = n; if (name === "unread") el.classList.toggle("hot", n !== "0"); }
    });
    Object.entries(views).forEach(([pk, n]) => { const el = $(`[data-view-id="${pk}"] .count`); if (el) el.textContent = n; });
    const bell = $("#bell-count");
    if (bell && counts.bell !== undefined && bell.dataset.count !== counts.bell) {
      bell.textContent = counts.bell; bell.dataset.count = counts.bell; bell.hidden = counts.bell === "0";
      bell.parentElement.setAttribute("aria-label", `Notifications: ${counts.bell} unread`);
      const menu = $("#bell-menu"); if (menu && menu.open) htmx.trigger(document.body, "notificationsReload");
    }
  }
  function showPresence(people) {
    const box = $("#presence");
    if (!box) return;
    box.textContent = people.map((p) => `${p.name} is ${p.state}`).join(" · ");
    box.hidden = people.length === 0;
  }
  function refreshPanel() {
    const inner = $("#panel .panel-inner");
    const url = $$(".row, .card-ticket").map((el) => el.dataset.number === inner.dataset.number ? el.dataset.href : null).find(Boolean)
      || window.location.pathname;
    const path = url.split("?")[0] + "?tab=" + encodeURIComponent(currentTab());
    // While the agent writes in the panel, only the thread is swapped, so nothing typed is lost.
    const writing = typing(document.activeElement) && $("#panel").contains(document.activeElement)
      || ($("#comment-body") && $("#comment-body").value.trim()) || $("#panel [data-form]:not([hidden])");
    if (writing) { htmx.ajax("GET", path, { target: "#thread", select: "#thread", swap: "outerHTML" }); return; }
    // A tab picked while the refresh was on its way stays picked.
    live.tabClicked = null;
    live.refreshing = true;
    htmx.ajax("GET", path, { target: "#panel", swap: "innerHTML" }).then(() => {
      if (live.tabClicked) showTab(live.tabClicked);
    });
  }
  function currentTab() { const t = $('#panel [role="tab"][aria-selected="true"]'); return t ? t.dataset.tab : ""; }
  function startLive() {
    const app = $("#app");
    if (!app || !app.dataset.liveUrl || live.timer) return;
    poll();
    live.timer = setInterval(poll, 3000);
  }
  // Our own change or a freshly opened panel: ask for the counts and presence now.
  document.addEventListener("ticketsChanged", () => { live.etag = ""; setTimeout(poll, 100); });
  document.addEventListener("notificationsChanged", () => { live.etag = ""; setTimeout(poll, 100); });
  document.addEventListener("htmx:afterSwap", (ev) => {
    if (ev.detail.target && ev.detail.target.id === "panel") {
      live.etag = ""; live.ownPanel = !live.refreshing; live.refreshing = false;
      composerMode(); setTimeout(poll, 50);
    }
    if (ev.detail.target && ev.detail.target.id === "composer-preview") ev.detail.target.hidden = false;
  });

  function initPage() {
    startLive();
    composerMode();
    initBoard();
    const inner = $("#panel .panel-inner");
    if (inner) $$(`[data-number="${inner.dataset.number}"]`).forEach((el) => el.classList.add("open"));
  }
})();
