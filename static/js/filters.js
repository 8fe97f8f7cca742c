/* Dependent region selects: a <select data-depends-on="ID"> whose optgroups carry
   data-parent shows only the group of the chosen parent (all groups when none is chosen).
   Without JavaScript every group stays visible, and the server checks the pair anyway. */
(function () {
  "use strict";
  function link(child) {
    var parent = document.getElementById(child.dataset.dependsOn);
    if (!parent) return;
    var groups = Array.prototype.slice.call(child.querySelectorAll("optgroup[data-parent]"));
    function update() {
      var keep = child.value;
      groups.forEach(function (group) {
        var show = !parent.value || group.dataset.parent === parent.value;
        if (show && group.parentNode !== child) child.appendChild(group);
        if (!show && group.parentNode === child) child.removeChild(group);
      });
      // A district of another 시/도 is no longer on offer: fall back to "all districts".
      child.value = keep;
      if (child.value !== keep) child.selectedIndex = 0;
    }
    parent.addEventListener("change", update);
    update();
  }
  document.querySelectorAll("select[data-depends-on]").forEach(link);
})();
