/* Placing a new institution: the chosen district's outline from our own data (no tiles, so
   the moderators' pages reach no other origin); a click puts the point and fills the fields. */
(function () {
  "use strict";
  var box = document.getElementById("picker");
  if (!box || !window.L) return;
  var map = window[box.dataset.map];
  var layer = window[box.dataset.layer];
  var district = document.getElementById("sigungu_code");
  var lon = document.getElementById("lon"), lat = document.getElementById("lat");
  var outline = L.layerGroup().addTo(map);
  var marker = null;

  function put(latlng) {
    if (!marker) marker = L.marker(latlng, { keyboard: false }).addTo(layer);
    marker.setLatLng(latlng);
  }

  function fromFields() {
    var x = parseFloat(lon.value), y = parseFloat(lat.value);
    if (isFinite(x) && isFinite(y)) put([y, x]);
  }

  function showDistrict() {
    var code = district.value;
    fetch(box.dataset.regionsUrl + "?sido=" + encodeURIComponent(code.slice(0, 2)))
      .then(function (answer) { return answer.json(); })
      .then(function (collection) {
        outline.clearLayers();
        L.geoJSON(collection, {
          interactive: false,
          style: function (f) {
            return f.id === code ? { color: "#b3261e", weight: 3, fillOpacity: 0.08 }
                                 : { color: "#777", weight: 1, fill: false };
          }
        }).addTo(outline);
        var chosen = collection.features.filter(function (f) { return f.id === code; })[0];
        if (chosen) map.fitBounds([[chosen.bbox[1], chosen.bbox[0]], [chosen.bbox[3], chosen.bbox[2]]]);
      });
  }

  map.on("click", function (event) {
    put(event.latlng);
    lon.value = event.latlng.lng.toFixed(6);
    lat.value = event.latlng.lat.toFixed(6);
  });
  lon.addEventListener("change", fromFields);
  lat.addEventListener("change", fromFields);
  district.addEventListener("change", showDistrict);
  // The map sits in a closed <details> at first: size it again once it is opened.
  box.closest("details").addEventListener("toggle", function () {
    map.invalidateSize();
    showDistrict();
  });
  fromFields();
  if (box.closest("details").open) showDistrict();
})();
