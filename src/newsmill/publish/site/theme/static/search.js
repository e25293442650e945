// newsmill site search: character bigrams, posting lists sharded per segment, fetched on demand.
// Every word of the query must match (AND); a word matches a page holding all its bigrams,
// which finds every page where the word occurs as a substring. No dependencies, no inline code.
(function () {
  "use strict";
  var root = (document.querySelector('meta[name="newsmill-root"]') || {}).content || "/";
  var base = root + "search/";
  var LIMIT = 200;
  var cache = {};

  function getJSON(path, fresh) {
    if (!cache[path]) {
      cache[path] = fetch(base + path, fresh ? { cache: "no-cache" } : {}).then(function (r) {
        if (!r.ok) { throw new Error(path + ": " + r.status); }
        return r.json();
      });
    }
    return cache[path];
  }

  // As the index does: full-width ASCII and the ideographic space to plain forms, lower case.
  function normalize(text) {
    return text.replace(/[\uFF01-\uFF5E]/g, function (c) {
      return String.fromCharCode(c.charCodeAt(0) - 0xFEE0);
    }).replace(/\u3000/g, " ").toLowerCase();
  }

  function words(query) {
    return normalize(query).split(/\s+/).filter(function (w) { return w.length > 0; });
  }

  function bigrams(word) {
    var chars = Array.from(word), out = [];
    for (var i = 0; i + 1 < chars.length; i++) { out.push(chars[i] + chars[i + 1]); }
    return out;
  }

  function shardOf(gram, shards) {
    var h = 0;
    for (var ch of gram) { h = (Math.imul(h, 31) + ch.codePointAt(0)) >>> 0; }
    return h % shards;
  }

  function decode(deltas) {
    var out = new Array(deltas.length), last = 0;
    for (var i = 0; i < deltas.length; i++) { last += deltas[i]; out[i] = last; }
    return out;
  }

  function intersect(a, b) {
    var out = [], i = 0, j = 0;
    while (i < a.length && j < b.length) {
      if (a[i] === b[j]) { out.push(a[i]); i++; j++; } else if (a[i] < b[j]) { i++; } else { j++; }
    }
    return out;
  }

  // Local document numbers in one segment holding every gram, or [] as soon as one is missing.
  function searchSegment(meta, segment, grams) {
    var dir = "s" + segment.id + "/";
    var v = "?v=" + segment.key;
    var shards = {};
    grams.forEach(function (g) { shards[shardOf(g, segment.shards)] = true; });
    var loads = Object.keys(shards).map(function (s) {
      return getJSON(dir + s + ".json" + v).then(function (postings) { return [s, postings]; });
    });
    return Promise.all(loads).then(function (loaded) {
      var byShard = {};
      loaded.forEach(function (pair) { byShard[pair[0]] = pair[1]; });
      var hits = null;
      for (var i = 0; i < grams.length; i++) {
        var list = byShard[shardOf(grams[i], segment.shards)][grams[i]];
        if (!list) { return []; }
        var ids = decode(list);
        hits = hits === null ? ids : intersect(hits, ids);
        if (hits.length === 0) { return []; }
      }
      return hits || [];
    });
  }

  function documents(meta, segment, locals) {
    var chunks = {};
    locals.forEach(function (n) { chunks[Math.floor(n / meta.chunk)] = true; });
    var dir = "s" + segment.id + "/";
    return Promise.all(Object.keys(chunks).map(function (c) {
      return getJSON(dir + "d" + c + ".json?v=" + segment.key).then(function (docs) { return [+c, docs]; });
    })).then(function (loaded) {
      var byChunk = {};
      loaded.forEach(function (pair) { byChunk[pair[0]] = pair[1]; });
      return locals.map(function (n) { return byChunk[Math.floor(n / meta.chunk)][n % meta.chunk]; });
    });
  }

  function highlight(node, text, terms) {
    var lower = text.toLowerCase(), at = 0;
    while (at < text.length) {
      var best = -1, len = 0;
      terms.forEach(function (t) {
        var i = lower.indexOf(t, at);
        if (i >= 0 && (best < 0 || i < best)) { best = i; len = t.length; }
      });
      if (best < 0 || lower.length !== text.length) { node.appendChild(document.createTextNode(text.slice(at))); return; }
      node.appendChild(document.createTextNode(text.slice(at, best)));
      var mark = document.createElement("mark");
      mark.textContent = text.slice(best, best + len);
      node.appendChild(mark);
      at = best + len;
    }
  }

  function render(list, doc, terms) {
    var item = document.createElement("article");
    item.className = "card result";
    var body = document.createElement("div");
    body.className = "card-body";
    var h2 = document.createElement("h2");
    var a = document.createElement("a");
    a.href = root + doc[0].split("/").map(encodeURIComponent).join("/");
    highlight(a, doc[1], terms);
    h2.appendChild(a);
    var meta = document.createElement("p");
    meta.className = "meta";
    meta.textContent = doc[2] + " · " + doc[3];
    var summary = document.createElement("p");
    summary.className = "summary";
    highlight(summary, doc[4], terms);
    body.appendChild(h2); body.appendChild(meta); body.appendChild(summary);
    item.appendChild(body);
    list.appendChild(item);
  }

  function run(query, status, list) {
    list.textContent = "";
    var terms = words(query);
    var usable = terms.filter(function (w) { return Array.from(w).length >= 2; });
    if (terms.length === 0) { status.textContent = ""; return Promise.resolve(); }
    if (usable.length === 0) { status.textContent = "请输入至少两个字的关键词。"; return Promise.resolve(); }
    var grams = [];
    usable.forEach(function (w) { bigrams(w).forEach(function (g) { if (grams.indexOf(g) < 0) { grams.push(g); } }); });
    status.textContent = "搜索中…";
    var shown = 0, found = 0;
    return getJSON("meta.json", true).then(function (meta) {
      var segments = meta.segments.slice().reverse(); // newest first
      var step = Promise.resolve();
      segments.forEach(function (segment) {
        step = step.then(function () {
          return searchSegment(meta, segment, grams).then(function (locals) {
            found += locals.length;
            var take = locals.reverse().slice(0, Math.max(0, LIMIT - shown));
            return documents(meta, segment, take).then(function (docs) {
              docs.forEach(function (doc) { render(list, doc, usable); });
              shown += docs.length;
            });
          });
        });
      });
      return step.then(function () {
        status.textContent = found === 0 ? "没有找到包含“" + usable.join(" ") + "”的文章。"
          : "找到 " + found + " 篇文章" + (found > shown ? "，显示最新的 " + shown + " 篇" : "") + "。";
        document.body.setAttribute("data-search-done", String(found));
      });
    }).catch(function (e) { status.textContent = "搜索出错：" + e.message; });
  }

  function start() {
    var form = document.getElementById("search-form");
    var input = document.getElementById("search-input");
    var status = document.getElementById("search-status");
    var list = document.getElementById("search-results");
    if (!form || !input || !list) { return; }
    var q = new URLSearchParams(location.search).get("q") || "";
    input.value = q;
    if (q) { run(q, status, list); }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      history.replaceState(null, "", "?q=" + encodeURIComponent(input.value));
      run(input.value, status, list);
    });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
}());
