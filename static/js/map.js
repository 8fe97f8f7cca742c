/* The public map. folium built the map, tiles, cluster group and controls; this file fills them
   with published incidents from our JSON API. Every text from the server reaches the page through
   textContent (never as HTML), and every request stays on our own origin. */
(function () {
  "use strict";
  var wrap = document.getElementById("map-wrap");
  if (!wrap || !window.L) return;
  var map = window[wrap.dataset.map];
  var cluster = window[wrap.dataset.cluster];
  var regionLayer = window[wrap.dataset.regions];
  var labels = JSON.parse(document.getElementById("map-labels").textContent);
  var form = document.querySelector("form[data-filters]");
  var status = document.getElementById("map-status");
  var legend = document.getElementById("legend");
  var FILTERS = ["sido", "sigungu", "month_from", "month_to", "kind", "level", "q"];
  var PIN = { tips_only: "pin-tips", media_reported: "pin-media", officially_confirmed: "pin-official" };
  var COLORS = ["#fee5d9", "#fcae91", "#fb6a4a", "#de2d26", "#a50f15"];
  var KOREA = [[33.0, 124.5], [38.7, 131.0]];
  var mode = "points";
  var lastKey = null;
  var generation = 0; // answers to superseded requests are dropped
  var shapes = {}; // region GeoJSON by "" (all 시/도) or a 시/도 code (its 시/군/구)
  var markers = {}; // incident id -> marker now in the cluster group
  var complete = {}; // filters whose every point we already have: no refetch on zoom or pan

  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (answer) {
      if (!answer.ok) throw new Error("HTTP " + answer.status);
      return answer.json();
    });
  }

  /* On the static mirror no application answers: the points come from mirror.js. */
  var mirror = wrap.dataset.mirrorPoints && window.MapMirror
    ? window.MapMirror(wrap.dataset.mirrorPoints, wrap.dataset.mirrorNames, getJSON) : null;

  function points(params) {
    return mirror ? mirror.answer(params) : getJSON(wrap.dataset.pointsUrl + "?" + query(params));
  }

  function urlFilters() {
    var params = new URLSearchParams(window.location.search), out = {};
    FILTERS.forEach(function (name) { if (params.get(name)) out[name] = params.get(name); });
    return out;
  }

  function formFilters() {
    var data = new FormData(form), out = {};
    FILTERS.forEach(function (name) {
      var value = (data.get(name) || "").trim();
      if (value) out[name] = value;
    });
    return out;
  }

  function fillForm(filters) {
    FILTERS.forEach(function (name) {
      if (form.elements[name]) form.elements[name].value = filters[name] || "";
    });
    var sido = form.elements.sido;
    if (sido) sido.dispatchEvent(new Event("change")); // re-filter the 시/군/구 list
    if (form.elements.sigungu) form.elements.sigungu.value = filters.sigungu || "";
  }

  function query(params) { return new URLSearchParams(params).toString(); }

  function keepFiltersInLinks(filters) {
    document.querySelectorAll("a[data-keep-filters]").forEach(function (link) {
      var url = new URL(link.href, window.location.href);
      url.search = query(filters);
      link.href = url.toString();
    });
  }

  function say(text) { status.textContent = text; }

  function countText(count) { return labels.count.replace("{count}", String(count)); }

  function regionShapes(sido) {
    var key = sido || "";
    if (!shapes[key]) {
      var one = wrap.dataset.regionsOneUrl; // the mirror: one file per 시/도
      var url = !sido ? wrap.dataset.regionsUrl : one ? one + encodeURIComponent(sido) + ".geojson"
        : wrap.dataset.regionsUrl + "?" + query({ sido: sido });
      shapes[key] = getJSON(url).catch(function (error) { delete shapes[key]; throw error; });
    }
    return shapes[key];
  }

  function featureBounds(collection, code) {
    var found = collection.features.filter(function (f) { return f.id === code; })[0];
    if (!found) return null;
    var b = found.bbox;
    return [[b[1], b[0]], [b[3], b[2]]];
  }

  /* Zoom to the chosen 시/군/구 or 시/도, or to all of Korea. */
  function zoomToRegion(filters) {
    if (!filters.sido) { map.fitBounds(KOREA); return Promise.resolve(); }
    return Promise.all([regionShapes(""), regionShapes(filters.sido)]).then(function (found) {
      var bounds = (filters.sigungu && featureBounds(found[1], filters.sigungu)) ||
                   featureBounds(found[0], filters.sido);
      if (bounds) map.fitBounds(bounds, { padding: [8, 8] });
    });
  }

  function regionName(props) {
    return labels.lang === "ko" || !props.name_en ? props.name_ko : props.name_en;
  }

  function breaks(max) {
    var steps = [1];
    [16, 8, 4, 2].forEach(function (d) {
      var v = Math.ceil(max / d);
      if (v > steps[steps.length - 1]) steps.push(v);
    });
    return steps;
  }

  function colorFor(count, steps) {
    if (!count) return "#ffffff";
    var i = steps.length - 1;
    while (i > 0 && count < steps[i]) i -= 1;
    return COLORS[Math.min(i + COLORS.length - steps.length, COLORS.length - 1)];
  }

  function showLegend(steps, max) {
    legend.replaceChildren(el("strong", labels.legend));
    var list = el("ul");
    var zero = el("li");
    zero.append(el("span", null, "swatch swatch-zero"), document.createTextNode(" 0 (" + labels.none + ")"));
    list.append(zero);
    steps.forEach(function (from, i) {
      var to = i + 1 < steps.length ? steps[i + 1] - 1 : max;
      var item = el("li");
      var swatch = el("span", null, "swatch");
      swatch.style.background = colorFor(from, steps);
      item.append(swatch, document.createTextNode(" " + (from === to ? from : from + "–" + to)));
      list.append(item);
    });
    legend.append(list);
    legend.hidden = false;
  }

  /* Region outlines (always: the map stays readable without tiles) or the choropleth. */
  function drawRegions(collection, counts) {
    regionLayer.clearLayers();
    bubbleRows = bubbleLayer = null;
    var max = 0;
    if (counts) Object.keys(counts).forEach(function (c) { max = Math.max(max, counts[c]); });
    var steps = breaks(Math.max(max, 1));
    L.geoJSON(collection, {
      interactive: !!counts,
      style: function (feature) {
        return counts
          ? { color: "#555", weight: 1, fillColor: colorFor(counts[feature.id] || 0, steps), fillOpacity: 0.75 }
          : { color: "#6b6b6b", weight: 1, fill: false };
      },
      onEachFeature: function (feature, layer) {
        if (!counts) return;
        var tip = el("span", regionName(feature.properties) + ": " + (counts[feature.id] || 0));
        layer.bindTooltip(tip, { sticky: true });
      }
    }).addTo(regionLayer);
    if (counts) showLegend(steps, max); else legend.hidden = true;
  }

  function pinIcon(level, demo) {
    return L.divIcon({ // 24 px: WCAG 2.2's smallest target
      className: "pin " + (PIN[level] || "pin-tips") + (demo ? " pin-demo" : ""),
      iconSize: [24, 24], iconAnchor: [12, 12], popupAnchor: [0, -11]
    });
  }

  function popupContent(record) {
    var box = el("div", null, "popup");
    var title = el("strong", labels.lang === "en" && record.institution_en ? record.institution_en : record.institution_ko);
    box.append(title);
    if (record.demo) box.append(document.createTextNode(" "), el("span", labels.demo, "badge-demo"));
    box.append(el("div", [labels.kinds[record.kind] || record.kind, record.sido_ko + " " + record.sigungu_ko].join(" · ")));
    var period = record.first_month + (record.last_month !== record.first_month ? "–" + record.last_month : "");
    box.append(el("div", labels.period + ": " + period));
    var level = labels.levels[record.verification_level];
    box.append(el("div", labels.level + ": " + (level ? level[0] : record.verification_level)));
    var link = el("a", labels.open);
    link.href = wrap.dataset.pageUrl + encodeURIComponent(record.id) + (wrap.dataset.pageSuffix || "");
    box.append(link);
    return box;
  }

  function openPopup(marker, id) {
    marker.bindPopup(el("div", labels.loading)).openPopup();
    getJSON(wrap.dataset.incidentUrl + encodeURIComponent(id) + (wrap.dataset.incidentSuffix || "")).then(function (record) {
      marker.setPopupContent(popupContent(record));
    }).catch(function () { marker.setPopupContent(el("div", labels.failed)); });
  }

  function newMarker(row) {
    var id = row[0];
    var marker = L.marker([row[2], row[1]], {
      icon: pinIcon(row[4], row[5] === 1), keyboard: true,
      title: (labels.kinds[row[3]] || "") + " · " + ((labels.levels[row[4]] || [""])[0])
    });
    marker.on("click", function () { if (!marker.getPopup()) openPopup(marker, id); });
    return marker;
  }

  /* Change only what differs, so a marker whose popup is open stays put while the map pans. */
  function drawPoints(payload) {
    var wanted = {}, added = [], removed = [];
    payload.rows.forEach(function (row) {
      wanted[row[0]] = true;
      if (!markers[row[0]]) added.push(markers[row[0]] = newMarker(row));
    });
    Object.keys(markers).forEach(function (id) {
      if (!wanted[id]) { removed.push(markers[id]); delete markers[id]; }
    });
    cluster.removeLayers(removed);
    cluster.addLayers(added);
  }

  function clearPoints() {
    cluster.clearLayers();
    markers = {};
  }

  /* At low zoom with many incidents the server sends counts per region. Bubbles never
     overlap: from the largest count down, a region whose bubble would touch one already
     placed adds its count to that one (which then says "these regions: n"), so every
     number stays readable and the total is unchanged. Placed again at every zoom. */
  var BUBBLE = 40; // px, as in site.css
  var bubbleRows = null, bubbleLayer = null;

  function drawBubbles(payload) {
    bubbleRows = payload.rows;
    placeBubbles();
  }

  function placeBubbles() {
    if (bubbleLayer) { regionLayer.removeLayer(bubbleLayer); bubbleLayer = null; }
    if (!bubbleRows) return;
    var placed = [];
    bubbleRows.slice().sort(function (a, b) { return b[4] - a[4] || (a[0] < b[0] ? -1 : 1); })
      .forEach(function (row) {
        var at = map.latLngToLayerPoint([row[3], row[2]]), near = null, best = Infinity;
        placed.forEach(function (spot) {
          var apart = spot.at.distanceTo(at); // boxes, not circles, must stay apart
          var touch = Math.abs(spot.at.x - at.x) < BUBBLE + 4 && Math.abs(spot.at.y - at.y) < BUBBLE + 4;
          if (touch && apart < best) { best = apart; near = spot; }
        });
        if (near) { near.count += row[4]; near.names.push(row[1]); }
        else placed.push({ at: at, row: row, count: row[4], names: [row[1]] });
      });
    bubbleLayer = L.layerGroup(placed.map(function (spot) {
      var row = spot.row, where = [row[3], row[2]];
      var marker = L.marker(where, {
        icon: L.divIcon({ className: "bubble", html: el("div", String(spot.count)), iconSize: [BUBBLE, BUBBLE] }),
        title: spot.names.join(", ") + ": " + spot.count, keyboard: true
      });
      marker.on("click", function () { map.setView(where, Math.min(map.getZoom() + 2, 12)); });
      return marker;
    })).addTo(regionLayer);
  }
  map.on("zoomend", placeBubbles);

  function pointsRequest(filters) {
    var zoom = map.getZoom();
    var params = Object.assign({}, filters);
    if (mode === "regions") {
      params.view = filters.sido ? "sigungu" : "sido";
      return params;
    }
    // Few zoom buckets and a snapped viewport, so requests share cached payloads.
    if (complete[query(filters)]) zoom = 7; // the same request as before: nothing new to fetch
    params.zoom = String(zoom < 8 ? 7 : zoom < 10 ? 8 : 10);
    if (zoom >= 10) {
      var b = map.getBounds(), step = 0.25;
      var snap = function (v, up) { return (up ? Math.ceil(v / step) : Math.floor(v / step)) * step; };
      params.bbox = [snap(b.getWest()), snap(b.getSouth()), snap(b.getEast(), true),
        snap(b.getNorth(), true)].map(function (v) { return v.toFixed(2); }).join(",");
    }
    return params;
  }

  function refresh(force) {
    var filters = urlFilters();
    var params = pointsRequest(filters);
    var key = query(params);
    if (!force && key === lastKey) return Promise.resolve();
    lastKey = key;
    var mine = ++generation;
    // Busy until this answer is drawn: screen readers wait for it, and so can a test.
    wrap.setAttribute("aria-busy", "true");
    var done = function () { if (mine === generation) wrap.removeAttribute("aria-busy"); };
    var outlines = regionShapes(mode === "regions" ? filters.sido : "");
    var count = points(Object.assign({ view: "count" }, filters));
    return Promise.all([outlines, points(params), count]).then(function (answers) {
      if (mine !== generation) return;
      var collection = answers[0], payload = answers[1];
      say(countText(answers[2].count));
      if (payload.view === "points") {
        if (!params.bbox) complete[query(filters)] = true;
        drawRegions(collection, null);
        drawPoints(payload);
        document.getElementById("demo-banner").hidden = !payload.rows.some(function (r) { return r[5] === 1; });
      } else if (mode === "regions") {
        clearPoints();
        var counts = {};
        payload.rows.forEach(function (row) { counts[row[0]] = row[4]; });
        drawRegions(collection, counts);
      } else {
        clearPoints();
        drawRegions(collection, null);
        drawBubbles(payload);
      }
      wrap.dataset.loaded = payload.view;
      done();
    }).catch(function () {
      if (mine !== generation) return;
      lastKey = null;
      say(labels.failed);
      done();
    });
  }

  function apply(filters, push) {
    if (push) {
      var search = query(filters);
      window.history.pushState(filters, "", window.location.pathname + (search ? "?" + search : ""));
    }
    keepFiltersInLinks(filters);
    return zoomToRegion(filters).catch(function () {}).then(function () { return refresh(true); });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    apply(formFilters(), true);
  });
  form.addEventListener("change", function (event) {
    if (event.target.name === "q") return; // the name filter applies on Enter or "Show"
    apply(formFilters(), true);
  });
  window.addEventListener("popstate", function () {
    fillForm(urlFilters());
    apply(urlFilters(), false);
  });
  document.getElementById("map-mode").hidden = false;
  document.getElementById("map-mode").addEventListener("change", function (event) {
    mode = event.target.value;
    refresh(true);
  });
  /* The keyboard: Tab reaches pins, clusters and region bubbles (Leaflet makes them
     focusable) from the top left to the bottom right; Enter or Space opens a pin's popup,
     or zooms into a cluster or bubble as a click would. Focus then stays on the map. */
  function keyboardOrder() {
    var pane = map.getPane("markerPane");
    var icons = Array.prototype.slice.call(pane.children);
    if (icons.indexOf(document.activeElement) >= 0) return; // never move what has focus
    var place = function (node) { var r = node.getBoundingClientRect(); return [Math.round(r.top / 48), r.left]; };
    var sorted = icons.map(function (node) { return [place(node), node]; }).sort(function (a, b) {
      return a[0][0] - b[0][0] || a[0][1] - b[0][1];
    });
    // Nodes move only when the order changed (a pan within the same rows moves none).
    if (sorted.every(function (pair, i) { return pair[1] === icons[i]; })) return;
    sorted.forEach(function (pair) { pane.appendChild(pair[1]); });
  }
  map.getContainer().addEventListener("keydown", function (event) {
    if (event.key !== "Enter" && event.key !== " ") return;
    var icon = event.target;
    if (!icon.classList || !icon.classList.contains("leaflet-marker-icon")) return;
    event.preventDefault(); // no page scroll on Space, and no second click from Enter
    var pin = icon.classList.contains("pin");
    icon.click();
    if (!pin) map.getContainer().focus({ preventScroll: true }); // the cluster is gone
  });
  map.on("moveend", function () { refresh(false); window.setTimeout(keyboardOrder, 0); });
  cluster.on("animationend", keyboardOrder);
  if (map.zoomControl) { // Leaflet's own titles are English
    [[map.zoomControl._zoomInButton, labels.zoom_in], [map.zoomControl._zoomOutButton, labels.zoom_out]]
      .forEach(function (pair) { pair[0].title = pair[1]; pair[0].setAttribute("aria-label", pair[1]); });
  }
  var locate = window[wrap.dataset.locate];
  if (locate) {
    locate.options.onLocationError = function () { say(labels.near_failed); };
  }
  apply(urlFilters(), false);
})();
