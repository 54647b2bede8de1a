/* Click-to-zoom for the case page's photos: a large view in a modal <dialog>.
 *
 * Served as a static file (the CSP allows no inline script), no library. Each photo is a link to
 * the audited media view, so without JavaScript a click opens the photo on its own. With it, the
 * click opens the dialog instead: the image fits the window, "Actual size" shows it pixel for pixel
 * (scroll to move around), Esc, the Close button or a click outside the image closes it, and
 * focus goes back to the photo that opened it. Arrow keys step through the page's photos.
 * The large view reuses the photo's own address (the browser already has it), so it is not a
 * second fetch of biometric data beyond what the page showed.
 */
(function () {
  "use strict";
  var dialog = document.getElementById("zoom");
  if (!dialog || typeof dialog.showModal !== "function") return;
  var img = document.getElementById("zoom-img");
  var caption = document.getElementById("zoom-caption");
  var actual = document.getElementById("zoom-actual");
  var links = Array.prototype.slice.call(document.querySelectorAll("a.zoomable"));
  var current = -1;
  var opener = null;

  function show(index) {
    var link = links[index];
    if (!link) return;
    current = index;
    var thumb = link.querySelector("img");
    img.src = thumb ? thumb.currentSrc || thumb.src : link.href;
    img.alt = thumb ? thumb.alt : "";
    caption.textContent = link.getAttribute("data-caption") || "";
    setActual(false);
  }

  function setActual(on) {
    dialog.classList.toggle("actual", on);
    actual.setAttribute("aria-pressed", on ? "true" : "false");
    actual.textContent = on ? "Fit to window" : "Actual size";
  }

  links.forEach(function (link, index) {
    link.addEventListener("click", function (event) {
      if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
      event.preventDefault();
      opener = link;
      show(index);
      dialog.showModal();
      document.getElementById("zoom-close").focus();
    });
  });

  actual.addEventListener("click", function () { setActual(!dialog.classList.contains("actual")); });
  img.addEventListener("click", function () { setActual(!dialog.classList.contains("actual")); });

  dialog.addEventListener("click", function (event) {
    if (event.target === dialog) dialog.close();  // the backdrop, outside the image and its bar
  });
  dialog.addEventListener("keydown", function (event) {
    if (event.key === "ArrowRight" && current < links.length - 1) { show(current + 1); event.preventDefault(); }
    if (event.key === "ArrowLeft" && current > 0) { show(current - 1); event.preventDefault(); }
  });
  dialog.addEventListener("close", function () {
    img.removeAttribute("src");
    if (opener) opener.focus();
  });
})();
