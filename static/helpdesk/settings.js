// The settings pages: drag a rule row to reorder (the ↑/↓ buttons do the same
// without a mouse), and a confirmation before deleting or removing.
(function () {
  "use strict";
  const csrf = () => document.querySelector('meta[name="csrf-token"]').content;

  function saveOrder(table) {
    const ids = [...table.querySelectorAll("tbody tr[data-rule-id]")].map((row) => row.dataset.ruleId);
    const body = new URLSearchParams({ order: ids.join(",") });
    return fetch(table.dataset.reorderUrl, {
      method: "POST",
      body,
      headers: { "X-CSRFToken": csrf() },
      credentials: "same-origin",
    }).then((answer) => {
      // The numbers and the ↑/↓ buttons come from the server: reload the page.
      if (answer.ok) window.location.reload();
      else answer.text().then((text) => window.alert(text || "The order was not saved."));
    });
  }

  function enableDrag(table) {
    let dragged = null;
    table.addEventListener("dragstart", (ev) => {
      dragged = ev.target.closest("tr[data-rule-id]");
      if (!dragged) return;
      dragged.classList.add("dragging");
      ev.dataTransfer.effectAllowed = "move";
      ev.dataTransfer.setData("text/plain", dragged.dataset.ruleId);
    });
    table.addEventListener("dragover", (ev) => {
      const over = ev.target.closest("tr[data-rule-id]");
      if (!dragged || !over || over === dragged) return;
      ev.preventDefault();
      table.querySelectorAll(".drop-target").forEach((row) => row.classList.remove("drop-target"));
      over.classList.add("drop-target");
    });
    table.addEventListener("drop", (ev) => {
      const over = ev.target.closest("tr[data-rule-id]");
      if (!dragged || !over || over === dragged) return;
      ev.preventDefault();
      const rows = [...table.querySelectorAll("tbody tr[data-rule-id]")];
      const after = rows.indexOf(over) > rows.indexOf(dragged);
      over.parentNode.insertBefore(dragged, after ? over.nextSibling : over);
      saveOrder(table);
    });
    table.addEventListener("dragend", () => {
      if (dragged) dragged.classList.remove("dragging");
      table.querySelectorAll(".drop-target").forEach((row) => row.classList.remove("drop-target"));
      dragged = null;
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    const rules = document.getElementById("rules");
    if (rules && rules.dataset.reorderUrl) enableDrag(rules);
  });
})();
