/* The static mirror's stand-in for /api/v1/points (loaded only on mirror pages, where no
   application answers). It reads one compact file of every published point
   (mapapp/mirror/data.py) and answers the same questions with the same rules as the server:
   the same filters, dropping the same malformed values, counted (unnamed) incidents only in
   counts and never when the filter picks institutions (name or kind), and the same choice
   between pins and counts per region. The names file is fetched only for a name search. */
(function () {
  "use strict";
  var MONTH = /^(\d{4})-(\d{2})$/;
  var VIEWS = ["points", "sido", "sigungu", "count"];
  var AGGREGATE_BELOW = { sido: 8, sigungu: 10 };
  var POINTS_WITHOUT_AGGREGATING = 2000;

  function month(text) {
    var m = MONTH.exec(text);
    return m && +m[2] >= 1 && +m[2] <= 12 && +m[1] >= 1900 && +m[1] <= 2999 ? text : "";
  }

  function set(list) {
    var out = {};
    list.forEach(function (item) { out[item] = true; });
    return out;
  }

  window.MapMirror = function (pointsUrl, namesUrl, getJSON) {
    var data = getJSON(pointsUrl).then(function (file) {
      file.sidoSet = set(file.sido);
      file.sigunguSet = set(file.sigungu);
      return file;
    });
    var names = null;

    function lowered() {
      if (!names) {
        names = getJSON(namesUrl).then(function (file) {
          var out = { words: file.words, forms: {} };
          file.rows.forEach(function (r) { out.forms[r[0]] = r[1].split("|"); });
          return out;
        }).catch(function (error) { names = null; throw error; });
      }
      return names;
    }

    /* geodata/nameforms.normalise: NFKC, lower case, letters and digits only, jamo. */
    function normalise(text) {
      return text.normalize("NFKC").toLowerCase()
        .replace(/[^0-9a-z\u1100-\u11ff\u3131-\u318e\uac00-\ud7a3]+/g, "").normalize("NFD");
    }

    /* mapapp/textsearch.parse: region words at the start or end narrow, the rest is the name. */
    function parse(text, words) {
      var tokens = text.slice(0, 60).split(/\s+/).filter(Boolean);
      var sidos = {}, sigungus = {}, narrowed = false;
      while (tokens.length > 1) {
        var at = [0, tokens.length - 1].filter(function (i) {
          return words[normalise(tokens[i])];
        })[0];
        if (at === undefined) break;
        var codes = words[normalise(tokens[at])];
        codes[0].forEach(function (c) { sidos[c] = true; });
        codes[1].forEach(function (c) { sigungus[c] = true; });
        narrowed = true;
        tokens.splice(at, 1);
      }
      return { name: normalise(tokens.join("")), sidos: sidos, sigungus: sigungus,
               narrowed: narrowed };
    }

    /* textsearch.institution_ids_named without the look-up of typing mistakes: a form that
       begins with the name, or (3 letters and more) holds it. */
    function named(forms, name) {
      return !!forms && forms.some(function (form) {
        return name.length >= 3 ? form.indexOf(name) >= 0 : form.indexOf(name) === 0;
      });
    }

    /* IncidentFilter.from_args, in the browser. */
    function clean(params, file) {
      var value = function (name) { return String(params[name] || "").trim(); };
      var sido = value("sido"), sigungu = value("sigungu"), kind = value("kind");
      var level = value("level");
      return {
        sido: file.sidoSet[sido] ? sido : "",
        sigungu: file.sigunguSet[sigungu] && (!sido || sigungu.indexOf(sido) === 0) ? sigungu : "",
        from: month(value("month_from")), to: month(value("month_to")),
        kind: file.kinds.indexOf(kind) >= 0 ? kind : "",
        level: file.levels.indexOf(level) >= 0 ? level : "",
        q: value("q").slice(0, 60)
      };
    }

    function matches(f, sido, sigungu, level, first, last) {
      return (!f.sido || sido === f.sido) && (!f.sigungu || sigungu === f.sigungu) &&
        (!f.level || level === f.level) && (!f.from || last >= f.from) && (!f.to || first <= f.to);
    }

    function select(params, file, names) {
      var f = clean(params, file);
      var search = f.q ? parse(f.q, names.words) : null;
      var rows = file.rows.filter(function (r) {
        if (!matches(f, r[6], r[7], r[4], r[8], r[9]) || (f.kind && r[3] !== f.kind)) return false;
        if (!f.q) return true;
        if (search.name.length < 2) return false;
        if (search.narrowed && !search.sidos[r[6]] && !search.sigungus[r[7]]) return false;
        return named(names.forms[r[0]], search.name);
      });
      // A name or a kind picks institutions: a count of unnamed ones would name them.
      var counted = f.q || f.kind ? [] : file.counted.filter(function (c) {
        return matches(f, c[0], c[1], c[2], c[3], c[4]);
      });
      return { rows: rows, counted: counted };
    }

    function byRegion(found, file, view) {
      var counts = {}, at = view === "sido" ? [6, 0] : [7, 1];
      found.rows.forEach(function (r) { if (r[at[0]]) counts[r[at[0]]] = (counts[r[at[0]]] || 0) + 1; });
      found.counted.forEach(function (c) { if (c[at[1]]) counts[c[at[1]]] = (counts[c[at[1]]] || 0) + c[5]; });
      var rows = Object.keys(counts).filter(function (code) { return file.regions[code]; })
        .map(function (code) {
          var label = file.regions[code];
          return [code, label[0], label[1], label[2], counts[code]];
        });
      return { view: view, fields: ["code", "name", "lon", "lat", "count"], rows: rows };
    }

    function answer(params, file, names) {
      var found = select(params, file, names);
      var total = found.rows.length;
      found.counted.forEach(function (c) { total += c[5]; });
      var view = VIEWS.indexOf(params.view) >= 0 ? params.view : null;
      if (!view) {
        var zoom = /^-?\d+$/.test(String(params.zoom || "")) ? parseInt(params.zoom, 10) : null;
        if (zoom === null || zoom >= AGGREGATE_BELOW.sigungu ||
            (total <= POINTS_WITHOUT_AGGREGATING && found.rows.length === total)) view = "points";
        else view = zoom < AGGREGATE_BELOW.sido ? "sido" : "sigungu";
      }
      if (view === "count") return { count: total };
      if (view === "points") {
        return { view: "points", fields: ["id", "lon", "lat", "kind", "level", "demo"],
                 rows: found.rows.map(function (r) { return r.slice(0, 6); }) };
      }
      return byRegion(found, file, view);
    }

    return {
      answer: function (params) {
        var q = String(params.q || "").trim();
        return Promise.all([data, q ? lowered() : null]).then(function (loaded) {
          return answer(params, loaded[0], loaded[1] || { words: {}, forms: {} });
        });
      }
    };
  };
})();
