// The verifier page's drop zone: a file dropped anywhere on the form is verified at once.
(function () {
  "use strict";
  var form = document.getElementById("verifier-form");
  if (!form) return;
  var input = form.querySelector("input[type=file]");
  form.addEventListener("dragover", function (event) {
    event.preventDefault();
    form.classList.add("dropping");
  });
  form.addEventListener("dragleave", function () {
    form.classList.remove("dropping");
  });
  form.addEventListener("drop", function (event) {
    event.preventDefault();
    form.classList.remove("dropping");
    if (!event.dataTransfer || !event.dataTransfer.files.length) return;
    input.files = event.dataTransfer.files;
    form.querySelector("textarea").value = "";
    form.requestSubmit();
  });
})();
