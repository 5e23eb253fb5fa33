/* The reply composer's macros and attachments (templates/tickets/partials/panel/_composer_*.html). */
(function () {
  "use strict";

  // A macro's preview arrived: put its text into the reply box of the same form.
  document.addEventListener("htmx:afterSwap", (ev) => {
    const target = ev.detail && ev.detail.target;
    if (!target || !target.classList || !target.classList.contains("macro-preview")) return;
    const text = target.querySelector(".macro-text");
    const form = target.closest("form");
    const area = form && form.querySelector('textarea[name="body"]');
    if (!text || !area) return;
    const value = text.value;
    area.value = area.value.trim() ? area.value.replace(/\s+$/, "") + "\n\n" + value : value;
    area.dispatchEvent(new Event("input", { bubbles: true }));
    area.focus();
  });

  // Chosen files: list them, and say at once which are over the size limit.
  document.addEventListener("change", (ev) => {
    const input = ev.target;
    if (!input.matches || !input.matches(".composer-attachments .file-input")) return;
    const list = input.parentElement.querySelector(".file-list");
    const limit = Number(input.dataset.maxBytes || 0);
    list.replaceChildren();
    Array.from(input.files).forEach((file) => {
      const li = document.createElement("li");
      const mb = (file.size / 1048576).toFixed(1);
      li.textContent = file.name + " (" + mb + " MB)" + (limit && file.size > limit ? " is over the limit" : "");
      if (limit && file.size > limit) li.className = "error";
      list.appendChild(li);
    });
  });
})();
