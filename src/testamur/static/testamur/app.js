// Bulk selection: a checkbox with data-select-all="name" ticks every enabled box named "name".
document.addEventListener("change", function (event) {
  var box = event.target;
  var name = box.getAttribute && box.getAttribute("data-select-all");
  if (!name) return;
  var scope = box.closest("form") || document;
  scope.querySelectorAll('input[type=checkbox][name="' + name + '"]:not(:disabled)').forEach(function (b) {
    b.checked = box.checked;
  });
});
// A button with data-confirm asks before it submits.
document.addEventListener("click", function (event) {
  var el = event.target.closest && event.target.closest("[data-confirm]");
  if (el && !window.confirm(el.getAttribute("data-confirm"))) event.preventDefault();
});
// "Go to line N" (template editor): select that line of the source and bring it into view.
document.addEventListener("click", function (event) {
  var el = event.target.closest && event.target.closest("[data-goto-line]");
  if (!el) return;
  var area = document.getElementById(el.getAttribute("data-target"));
  if (!area) return;
  var lines = area.value.split("\n");
  var line = Math.min(parseInt(el.getAttribute("data-goto-line"), 10), lines.length);
  var start = lines.slice(0, line - 1).join("\n").length + (line > 1 ? 1 : 0);
  area.focus();
  area.setSelectionRange(start, start + lines[line - 1].length);
  var lineHeight = parseFloat(getComputedStyle(area).lineHeight) || 18;
  area.scrollTop = Math.max(0, (line - 5) * lineHeight);
});
// A form's sections marked data-show-for="status …" show only for the status chosen.
function showForStatus(form) {
  var select = form.querySelector('select[name="status"]');
  if (!select) return;
  form.querySelectorAll("[data-show-for]").forEach(function (section) {
    var statuses = section.getAttribute("data-show-for").split(" ");
    section.hidden = statuses.indexOf(select.value) === -1;
  });
}
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("form[data-finalise-form]").forEach(showForStatus);
});
document.addEventListener("change", function (event) {
  var form = event.target.closest && event.target.closest("form[data-finalise-form]");
  if (form && event.target.name === "status") showForStatus(form);
});
// A read-only field marked data-select-on-focus selects its whole value (a token to copy).
document.addEventListener("focusin", function (event) {
  if (event.target.hasAttribute && event.target.hasAttribute("data-select-on-focus")) event.target.select();
});
// Credential table: while "Issue" is chosen, rows that fail an issue gate cannot be selected;
// "Delete" asks first.
document.addEventListener("change", function (event) {
  var select = event.target;
  if (!select.matches || !select.matches("select[data-credential-action]")) return;
  var issuing = select.value === "issue";
  var leftOut = [];
  select.form.querySelectorAll('input[type=checkbox][name="credential"]').forEach(function (box) {
    var blocked = issuing && box.getAttribute("data-issuable") !== "true";
    if (blocked && box.checked) leftOut.push((box.getAttribute("aria-label") || "").replace(/^Select /, ""));
    box.disabled = blocked;
    if (blocked) box.checked = false;
  });
  var note = select.form.querySelector("[data-issue-note]");
  if (!note) return;
  note.hidden = !issuing;
  // Say which ticked rows were left out, and where the reason is.
  note.textContent = leftOut.length
    ? leftOut.length + " left out, not ready to issue (see “Ready to issue?” on each row): " + leftOut.join("; ") + "."
    : "Only credentials that are ready to issue can be selected.";
});
document.addEventListener("submit", function (event) {
  var form = event.target;
  var select = form.querySelector && form.querySelector("select[data-credential-action]");
  if (!select || event.submitter && event.submitter.form !== form) return;
  if (select.value === "delete" && !window.confirm("Delete the selected credentials? Only credentials still Requested can be deleted; the others are kept.")) {
    event.preventDefault();
  }
});
// A table wider than the screen scrolls sideways inside its wrapper; keyboard users reach that
// scroll too (the wrapper takes focus only when it does scroll).
function markScrollingTables() {
  document.querySelectorAll(".table-wrap").forEach(function (wrap) {
    if (wrap.scrollWidth > wrap.clientWidth + 1) {
      wrap.setAttribute("tabindex", "0");
      if (!wrap.hasAttribute("aria-label")) {
        var caption = wrap.querySelector("caption");
        wrap.setAttribute("aria-label", caption ? caption.textContent.trim() : "Table, scrolls sideways");
      }
      wrap.setAttribute("role", "region");
    } else if (wrap.getAttribute("tabindex") === "0") {
      wrap.removeAttribute("tabindex");
      wrap.removeAttribute("role");
    }
  });
}
document.addEventListener("DOMContentLoaded", markScrollingTables);
window.addEventListener("resize", markScrollingTables);
document.addEventListener("htmx:afterSettle", markScrollingTables);
