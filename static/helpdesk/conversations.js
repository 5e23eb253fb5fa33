/* Conversation and new-ticket pages: open a dialog, pick a requester. */
(function () {
  "use strict";
  function open(dialog) { if (dialog && !dialog.open) dialog.showModal(); }
  document.addEventListener("click", (ev) => {
    const opener = ev.target.closest("[data-open-dialog]");
    if (opener) { open(document.getElementById(opener.dataset.openDialog)); return; }
    const pick = ev.target.closest("[data-pick-contact]");
    if (pick) {
      document.getElementById("id_requester").value = pick.dataset.pickContact;
      document.getElementById("requester-picked").textContent = pick.dataset.label;
      document.getElementById("requester-search").value = "";
      document.getElementById("contact-suggestions").innerHTML = "";
      document.getElementById("requester-new").hidden = true;
      return;
    }
    if (ev.target.closest("[data-unpick-contact]")) {
      document.getElementById("id_requester").value = "";
      document.getElementById("requester-picked").textContent = "";
      document.getElementById("requester-new").hidden = false;
    }
  });
  function init() { document.querySelectorAll("dialog[data-autoopen]").forEach(open); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
