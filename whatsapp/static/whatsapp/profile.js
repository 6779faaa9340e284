// The Client Profile's WhatsApp panel (loaded by whatsapp/_profile_dialog.html).

// The New WhatsApp dialog: opens when htmx loads its form, closes on [data-dialog-close] or a send.
function waDialog() { return document.getElementById("wa-dialog"); }
function updateCounter(field) {
  const output = document.getElementById(field.dataset.counter);
  if (!output) return;
  output.textContent = field.value.length;
  output.closest(".counter")?.classList.toggle("at-limit", field.maxLength > 0 && field.value.length >= field.maxLength);
}
document.addEventListener("input", (event) => {
  const field = event.target.closest("[data-counter]");
  if (field) updateCounter(field);
});
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-dialog-close]")) event.target.closest("dialog")?.close();
  const item = event.target.closest(".menu [role=menuitem]");
  if (item) item.closest("details").open = false;
});
// Open on afterSettle, not afterSwap: only then has htmx wired the new form's own hx-* controls,
// so nothing the user does in the first instants is lost. Only a link outside the dialog opens it:
// a re-render or send answered after the user pressed Cancel must not bring it back.
document.addEventListener("htmx:afterSettle", (event) => {
  const target = event.detail.target;
  if (target.id !== "wa-dialog-body") return;
  target.querySelectorAll("[data-counter]").forEach(updateCounter);
  const dialog = waDialog();
  const fromDialog = event.detail.requestConfig?.elt?.closest(".wa-form");  // also a swapped-out one
  if (dialog && !dialog.open && !fromDialog) dialog.showModal();
});
document.addEventListener("whatsapp-sent", () => {
  const dialog = waDialog();
  if (dialog?.open) setTimeout(() => dialog.close(), 1200);
});

// Live history refreshes must not fold a message the user opened with "Show".
let openShows = [];
document.addEventListener("htmx:beforeSwap", (event) => {
  if (event.detail.target.id === "history-recent") {
    openShows = [...event.detail.target.querySelectorAll("details.show[open]")].map((d) => d.id);
  }
});
document.addEventListener("htmx:afterSettle", () => {
  openShows.forEach((id) => { const d = document.getElementById(id); if (d) d.open = true; });
  openShows = [];
});
