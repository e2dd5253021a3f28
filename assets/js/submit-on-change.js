// A <select data-submit-on-change> sends its form as soon as it changes (the form's own
// button does the same without JavaScript).
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (select && select.hasAttribute && select.hasAttribute("data-submit-on-change") && select.form) {
      select.form.submit();
    }
  });
})();
