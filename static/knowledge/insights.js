// AI Insights tab: "Insert into reply" puts a suggested step into the composer of the
// Conversation tab, switched to a public reply, and shows that tab. Delegated, so it
// works for panes htmx swaps in (no inline script under the CSP).
(function () {
  "use strict";
  document.addEventListener("click", (ev) => {
    const button = ev.target.closest("[data-insert-reply]");
    if (!button) return;
    const panel = document.getElementById("panel") || document;
    const body = panel.querySelector("#comment-body");
    if (!body) return;
    const text = button.dataset.insertReply;
    body.value = body.value.trim() ? body.value.replace(/\s*$/, "\n\n") + text : text;
    const publicReply = panel.querySelector('#composer input[name="visibility"][value="public"]');
    if (publicReply && !publicReply.checked) publicReply.click();
    const tab = panel.querySelector("#tab-conversation");
    if (tab) tab.click();
    body.dispatchEvent(new Event("input", { bubbles: true }));
    body.focus();
  });
})();
