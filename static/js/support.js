// Progressive enhancement: the interval and currency choices apply at once.
// Without JavaScript the "Show prices" button does the same.
(function () {
  var form = document.getElementById("choose");
  if (!form) return;
  form.querySelectorAll(".js-hide").forEach(function (el) { el.hidden = true; });
  form.addEventListener("change", function () { form.submit(); });
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();
})();
