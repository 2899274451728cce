// Small helps where scripts run; the form and the links work without them.
(function () {
  // Preselect the browser's own time zone, unless the person already chose one.
  var zone = document.querySelector("select[data-from-browser]");
  if (zone && window.Intl && Intl.DateTimeFormat) {
    var mine = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (mine && Array.prototype.some.call(zone.options, function (o) { return o.value === mine; })) {
      zone.value = mine;
    }
  }
  // Copy buttons: copy the named field's text and say so.
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    var field = document.getElementById(button.getAttribute("data-copy"));
    var status = button.parentNode.querySelector(".copied");
    button.removeAttribute("hidden");
    button.addEventListener("click", function () {
      var done = function () { if (status) { status.textContent = "Copied"; } };
      field.select();
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(done, function () {
          document.execCommand("copy"); done();
        });
      } else {
        document.execCommand("copy");
        done();
      }
    });
  });
})();
