/* The decision form: the reason list shows only the chosen outcome's reasons.
 *
 * Served as a static file (the CSP allows no inline script). Without JavaScript the form still
 * works: the list shows every reason grouped by outcome and the server refuses a reason of another
 * outcome, keeping what was typed. Choosing another outcome clears a reason that no longer fits,
 * so the form never starts on (or keeps) an Approve reason for a Reject.
 */
(function () {
  "use strict";
  var form = document.getElementById("decision-form");
  if (!form) return;
  var select = form.querySelector("select[name=reason]");
  var placeholder = select.querySelector("option[value='']");

  function chosenOutcome() {
    var checked = form.querySelector("input[name=outcome]:checked");
    return checked ? checked.value : "";
  }

  function update() {
    var outcome = chosenOutcome();
    var groups = select.querySelectorAll("optgroup[data-outcome]");
    for (var i = 0; i < groups.length; i++) {
      var group = groups[i];
      var fits = group.getAttribute("data-outcome") === outcome;
      group.hidden = !fits;
      group.disabled = !fits;
    }
    var selected = select.options[select.selectedIndex];
    if (selected && selected.value && selected.parentNode.getAttribute("data-outcome") !== outcome) {
      select.value = "";
    }
    select.disabled = !outcome;
    if (placeholder) placeholder.textContent = outcome ? "Choose a reason" : "Choose the outcome first";
  }

  form.addEventListener("change", function (event) {
    if (event.target.name === "outcome") update();
  });
  update();
})();
