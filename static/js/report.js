// Tip form autocomplete. Optional: without JavaScript the Search button does the same on the server.
// Results are built with DOM nodes and textContent only.
(function () {
  "use strict";
  var input = document.getElementById("q");
  var region = document.getElementById("search_sido");
  var box = document.getElementById("matches");
  if (!input || !box || !window.fetch) { return; }
  var timer = null;
  var latest = 0;

  function option(item) {
    var li = document.createElement("li");
    var label = document.createElement("label");
    var radio = document.createElement("input");
    radio.type = "radio";
    radio.name = "institution_id";
    radio.value = String(item.id);
    var name = document.createElement("span");
    var english = document.documentElement.lang === "en" && item.name_en;
    name.textContent = " " + (english ? item.name_en + " (" + item.name_ko + ")" : item.name_ko) + " ";
    var where = document.createElement("span");
    where.className = "muted";
    where.textContent = (english ? item.region_en : item.region_ko) +
      (item.address ? " · " + item.address : "");
    label.appendChild(radio);
    label.appendChild(name);
    label.appendChild(where);
    li.appendChild(label);
    return li;
  }

  function show(results) {
    var checked = box.querySelector("input[name=institution_id]:checked");
    while (box.firstChild) { box.removeChild(box.firstChild); }
    var list = document.createElement("ul");
    list.className = "matches";
    if (checked) { list.appendChild(checked.closest("li")); }
    results.forEach(function (item) {
      if (!checked || checked.value !== String(item.id)) { list.appendChild(option(item)); }
    });
    box.appendChild(list);
  }

  function search() {
    var q = input.value.trim();
    if (q.length < 2) { return; }
    var ticket = ++latest;
    var url = input.getAttribute("data-search-url") + "?q=" + encodeURIComponent(q) +
      "&sido=" + encodeURIComponent(region ? region.value : "");
    fetch(url, { credentials: "omit", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { results: [] }; })
      .then(function (data) { if (ticket === latest) { show(data.results); } })
      .catch(function () { /* the Search button still works */ });
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(search, 250);
  });
  if (region) { region.addEventListener("change", search); }
})();
