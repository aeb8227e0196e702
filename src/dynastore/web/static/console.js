// The console's own script: progressive enhancement only. Without it every form still works; with it
// the read form shows the fields that apply, and the create form grows index rows.
document.documentElement.classList.remove("no-js");
document.documentElement.classList.add("js");

function syncReadForm(form) {
  const mode = form.querySelector("input[name=mode]:checked");
  form.dataset.mode = mode ? mode.value : "scan";
  const op = form.querySelector("select[name=sk_op]");
  form.dataset.op = op ? op.value : "";
}

document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("form.read-form").forEach(syncReadForm);
  const add = document.getElementById("add-index");
  if (add) add.hidden = false;
});

document.addEventListener("change", function (event) {
  const form = event.target.closest("form.read-form");
  if (form) syncReadForm(form);
});

document.addEventListener("click", function (event) {
  if (event.target.id !== "add-index") return;
  const rows = document.querySelectorAll("#index-rows .index-row");
  const copy = rows[rows.length - 1].cloneNode(true);
  copy.querySelectorAll("input").forEach(function (input) { input.value = ""; });
  rows[rows.length - 1].after(copy);
  copy.querySelector("input").focus();
});

// A whole page answering an htmx request (an error page) replaces the page, not the fragment it targeted.
document.addEventListener("htmx:beforeSwap", function (event) {
  if (/^\s*<!doctype html/i.test(event.detail.serverResponse)) {
    event.detail.target = document.body;
    event.detail.swapOverride = "innerHTML";
  }
});
