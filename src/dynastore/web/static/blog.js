// The blog's own script: progressive enhancement only. Without it every form still works (posts and
// redirects); with it the reply and edit forms open in place (htmx does the rest).
document.documentElement.classList.remove("no-js");

document.addEventListener("click", function (event) {
  const button = event.target.closest(".reply-button, .edit-button");
  if (!button) return;
  const comment = button.closest(".comment");
  const wanted = button.classList.contains("reply-button") ? ".reply-form" : ".edit-comment-form";
  // the comment's own forms, not those of its replies
  const form = Array.from(comment.children).find(function (el) { return el.matches(wanted); });
  if (!form) return;
  const opening = form.hidden;
  Array.from(comment.children).forEach(function (el) {
    if (el.matches("form.toggled")) el.hidden = true;
  });
  comment.querySelectorAll(":scope > .comment-actions button[aria-expanded]").forEach(function (b) {
    b.setAttribute("aria-expanded", "false");
  });
  form.hidden = !opening;
  button.setAttribute("aria-expanded", String(opening));
  if (opening) form.querySelector("textarea").focus();
});
