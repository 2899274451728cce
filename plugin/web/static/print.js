// Show the print button only where scripts run; the page reads and prints without it.
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.closest("[hidden]") && button.closest("[hidden]").removeAttribute("hidden");
  button.addEventListener("click", function () { window.print(); });
});
