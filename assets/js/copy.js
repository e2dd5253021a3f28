// Copy buttons: <button data-copy="ID" data-done="Copied"> copies the value of the field #ID.
// The field stays selectable by hand where the browser (or WeChat's) refuses the clipboard.
(function () {
  "use strict";
  function copied(button) {
    var label = button.textContent;
    button.textContent = button.getAttribute("data-done") || label;
    setTimeout(function () { button.textContent = label; }, 2000);
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button[data-copy]") : null;
    if (!button) return;
    var field = document.getElementById(button.getAttribute("data-copy"));
    if (!field) return;
    field.focus();
    field.select();
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(function () { copied(button); }, function () {
        if (document.execCommand("copy")) copied(button);
      });
    } else if (document.execCommand("copy")) {
      copied(button);
    }
  });
})();
