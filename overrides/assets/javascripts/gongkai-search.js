/*
 * gongkai search box: Pagefind over the site's own bundle (<root>/pagefind/), offline.
 *
 * The index is built by generator/publish/site/search.py with gongkai's own tokenisation, which this
 * file mirrors in queryWords(): NFKC, lower case, runs of letters and digits; a run of at
 * most SPAN units (an ASCII letter/digit stretch is one unit, any other character is one)
 * (letters a-z written as Lisu letters, which Pagefind does not split at digits)
 * is one word, which Pagefind matches as a prefix of the index words (= substring search);
 * a longer run is cut into overlapping pieces of SPAN units. Pagefind is loaded under the
 * index language ("und") so that it does not segment the query with Intl.Segmenter.
 *
 * Enterprises are spread over several Pagefind indexes, the shards (pagefind/gongkai-shards.json,
 * the routing table, lists them with the first word of each index chunk, and the filter
 * counts). Opening search loads Pagefind, the routing table and the main index only; each
 * shard is its own Pagefind instance, started when a query first needs it, and the indexes
 * are searched one after the other:
 *
 * - an exact name or code (the query's words are a key of pagefind/lookup/<bucket>.json,
 *   generator/publish/site/lookup.py) is answered from that one small file and goes first;
 *   the box then shows the main index's hits and searches the shards only when asked for
 *   more ("显示更多"). The same page is dropped from the Pagefind results (by id).
 * - otherwise the main index (tasks, plans, items, pages) comes first, then the shards in
 *   order: only those that can hold the query, from the route file of each query word
 *   (pagefind/routes/<bucket>.json: the shards with an index word beginning with the word's
 *   first two characters, or its one), so a rare part of a name, or a rare character, loads
 *   one or two shards, not all.
 * - Pagefind ranks in time proportional to (hits in an index)^2, so a broad word (有限公司)
 *   costs far less per shard than over one index; the first page is shown as soon as it is
 *   settled, and the remaining shards are searched after it to complete the count.
 * - Pagefind loads only the first index chunk whose range holds a query word, while the
 *   words it extends to (有限公司ǂ, 有限公司和平街分店ǂ, ...) may run on into later chunks:
 *   those chunks are loaded first (preload of their first words), or their hits were lost.
 *
 * Result text is set with textContent only: titles come from the data.
 */

// The theme's drawer and search toggles are checkboxes; a browser that restores form state
// on "back" would reopen them (the theme's invalid autocomplete="off" used to prevent that,
// see generator/publish/site/theme_markup.py).
window.addEventListener("pageshow", function (event) {
  if (!event.persisted) return;
  ["__drawer", "__search"].forEach(function (id) {
    var toggle = document.getElementById(id);
    if (toggle) toggle.checked = false;
  });
});

(function () {
  "use strict";

  var SPAN = 24; // generator.search.SPAN_UNITS
  var LANGUAGE = "und"; // generator.search.INDEX_LANGUAGE
  var PAGE_SIZE = 10;
  var NARROW = 100; // fewer hits in the first shard: load every other shard's chunks at once
  var FILTERS = [
    ["类别", "全部类别"],
    ["部门", "全部部门"],
    ["年度", "全部年度"],
    ["检查结果", "全部检查结果"],
  ];

  var box = document.querySelector("[data-gongkai-search]");
  if (!box) return;
  var root = new URL(box.getAttribute("data-root") || "./", document.baseURI);
  var form = box.querySelector("form");
  var input = box.querySelector("input[name=query]");
  var meta = box.querySelector(".md-search-result__meta");
  var list = box.querySelector(".md-search-result__list");
  var moreButton = box.querySelector(".gongkai-search__more");
  var filterBox = box.querySelector(".gongkai-search__filters");
  var toggle = document.getElementById("__search");
  // An editorial page whose title holds the query comes first (generator.search._heading_words).
  var OPTIONS = { baseUrl: root.pathname, ranking: { metaWeights: { title: 5, heading: 20 } } };
  var selects = {};
  var loading = null;
  var serial = 0;
  var indexes = [];
  var routing = null;
  var pagefindModule = null;
  var lookups = {};
  var routeFiles = {};
  var running = null;
  var results = [];
  var complete = true;
  var pending = Promise.resolve();
  var shown = 0;
  var timer = 0;

  /** a-z as the Lisu letters U+A4D0-U+A4E9 (generator.search.LATIN_SUBSTITUTES). */
  function substitute(word) {
    return word.replace(/[a-z]/g, function (c) {
      return String.fromCharCode(0xa4d0 + c.charCodeAt(0) - 97);
    });
  }

  /** The words sent to Pagefind for a query (mirrors generator.search.query_words). */
  function queryWords(query) {
    var words = [];
    var runs = query.normalize("NFKC").toLowerCase().match(/[\p{L}\p{N}]+/gu) || [];
    runs.forEach(function (run) {
      var units = run.match(/[0-9a-z]+|[\s\S]/gu);
      if (units.length <= SPAN) {
        words.push(substitute(run));
        return;
      }
      for (var start = 0; start < units.length; start += SPAN) {
        var from = Math.min(start, units.length - SPAN);
        words.push(substitute(units.slice(from, from + SPAN).join("")));
      }
    });
    return words.filter(function (word, i) { return words.indexOf(word) === i; });
  }

  /** An id from the index metadata, back in its own letters. */
  function displayCode(code) {
    return code.replace(/[\ua4d0-\ua4e9]/g, function (c) {
      return String.fromCharCode(65 + c.charCodeAt(0) - 0xa4d0);
    });
  }

  /** FNV-1a over the code points of a query's words (generator.search.name_hash). */
  function nameHash(words) {
    var hash = 0x811c9dc5;
    for (var ch of words) {
      hash = Math.imul(hash ^ ch.codePointAt(0), 0x01000193) >>> 0;
    }
    return hash;
  }

  function fetchJson(path) {
    return fetch(new URL(path, root)).then(function (response) {
      if (!response.ok) throw new Error(response.status + " " + path);
      return response.json();
    });
  }

  function load() {
    if (!loading) {
      loading = Promise.all([
        import(new URL("pagefind/pagefind.js", root).href),
        fetchJson("pagefind/gongkai-shards.json"),
      ]).then(function (loaded) {
        pagefindModule = loaded[0];
        routing = loaded[1];
        indexes = routing.indexes.map(function (index) { return { path: index.path, chunks: index.chunks }; });
        renderFilters(routing.filters || {});
        // All instances share the worker's one WebAssembly module, which the first instance
        // to start sets up: the main index starts now (its runtime, metadata and filters
        // loaded), a shard when a query needs it.
        return instance(0).filters();
      }).then(function () { return api; });
      loading.catch(function () {
        setMeta("搜索索引无法加载：本站需通过网站服务器访问，且需先由 gongkai build 生成索引。");
      });
    }
    return loading;
  }

  /** The Pagefind instance of index `n`, started on first use. */
  function instance(n) {
    var index = indexes[n];
    if (index.pagefind) return index.pagefind;
    // Pagefind picks its language (and so whether to segment the query) from <html lang>
    // when an instance is created: create it under the index language.
    var html = document.documentElement;
    var lang = html.getAttribute("lang");
    html.setAttribute("lang", LANGUAGE);
    try {
      index.pagefind = pagefindModule.createInstance(Object.assign({
        basePath: new URL(index.path, new URL("pagefind/", root)).pathname,
      }, OPTIONS));
    } finally {
      if (lang === null) html.removeAttribute("lang");
      else html.setAttribute("lang", lang);
    }
    return index.pagefind;
  }

  /** The enterprises whose exact name or code `words` is, under `filters`, as search results
   * (generator.publish.site.lookup: the file is the low `bits` bits of nameHash, in hex). */
  function lookup(words, filters) {
    var table = routing.lookup;
    if (!words || !table) return Promise.resolve([]);
    return bucketFile(table, lookups, words).then(function (keys) {
      return ((keys && keys[words]) || []).filter(function (entry) {
        return Object.keys(filters).every(function (name) {
          return (entry.filters[name] || []).indexOf(filters[name]) >= 0;
        });
      }).map(function (entry) {
        var data = { url: fullUrl(entry.url), meta: entry.meta, filters: entry.filters };
        return { id: entry.id, data: function () { return Promise.resolve(data); } };
      });
    });
  }

  /** A bucketed file of `table` (the lookup or the routes) for `key`, fetched once: the low
   * `bits` bits of nameHash(key), in hex (generator.publish.site.lookup.bucket_name). */
  function bucketFile(table, cache, key) {
    var bits = table.bits;
    var file = (nameHash(key) & ((1 << bits) - 1)).toString(16)
      .padStart(Math.max(1, Math.ceil(bits / 4)), "0");
    if (!cache[file]) {
      cache[file] = fetchJson("pagefind/" + table.path + file + ".json")
        .catch(function () { return null; }); // unreadable: as if there were no such table
    }
    return cache[file];
  }

  /** The shards that can hold every word of `words` ({n: true}), or null for every shard:
   * a query word begins an index word, so its first two characters (or its one) are a route
   * key (generator.publish.site.lookup.ShardRoutes) of each shard that has it. */
  function route(words) {
    var table = routing.routes;
    var keys = (words || "").split(" ").map(function (word) {
      return Array.from(word).slice(0, 2).join("");
    }).filter(function (key) { return key.length > 0; });
    if (!table || !keys.length) return Promise.resolve(null);
    return Promise.all(keys.map(function (key) {
      return bucketFile(table, routeFiles, key).then(function (routes) {
        return routes ? routes[key] || [] : null;
      });
    })).then(function (lists) {
      if (lists.indexOf(null) >= 0) return null;
      var allowed = {};
      lists[0].forEach(function (n) {
        if (lists.every(function (list) { return list.indexOf(n) >= 0; })) allowed[n] = true;
      });
      return allowed;
    });
  }

  /** A page's URL as Pagefind gives it (its fullUrl(), under OPTIONS.baseUrl). */
  function fullUrl(url) {
    return (OPTIONS.baseUrl + "/" + url).replace(/\/+/g, "/");
  }

  /** The first words of the chunks of `index` that hold words extending `words` beyond the
   * chunk Pagefind loads itself (see the comment at the top). */
  function probes(index, words) {
    var found = [];
    words.split(" ").forEach(function (word) {
      index.chunks.forEach(function (first) {
        if (first !== word && first.indexOf(word) === 0) found.push(first);
      });
    });
    return found;
  }

  /** Load the index chunks `words` need in `index` (Pagefind's own, and the probes), unless
   * the routes rule the shard out (`routed()`: asked for the shards only, so that the main
   * index and an exact match never wait for a route file). */
  function preload(n, words, filters, routed) {
    var terms = words ? [words].concat(probes(indexes[n], words)).join(" ") : null;
    return (n ? routed() : Promise.resolve(null)).then(function (allowed) {
      if (allowed && !allowed[n]) return null;
      return terms ? instance(n).preload(terms, { filters: filters }) : null;
    });
  }

  function searchIndex(n, words, filters, loaded, routed) {
    return Promise.all([loaded, n ? routed() : null]).then(function (done) {
      var allowed = done[1];
      if (allowed && !allowed[n]) return null; // no page of this shard holds the query
      return instance(n).search(words || null, { filters: filters });
    }).then(function (found) { return found ? found.results : []; });
  }

  /**
   * Search every index for `words` (gongkai query words joined by spaces, or "") under
   * `filters`. Returns {first: Promise of the first `size` results, in their final order,
   * done: Promise of all results, release(), held()}; `stop()` says whether to give up (a
   * newer search). With `hold`, an exact match (from the lookup) keeps the shards unsearched
   * until release(): `first` then holds the match and the main index's results, and held()
   * says so.
   */
  function query(words, filters, size, stop, hold) {
    // The main index, then the shards in order (an exact name or code comes from the lookup).
    var order = indexes.map(function (_, n) { return n; });
    var pinned = [];
    var pinnedIds = {};
    var looked = lookup(words, filters).then(function (hits) {
      pinned = hits;
      hits.forEach(function (hit) { pinnedIds[hit.id] = true; });
    });
    var releaseGate;
    var released = new Promise(function (resolve) { releaseGate = resolve; });
    var holding = false;
    // The shards wait for the lookup: an exact match needs none of them until release().
    var gate = looked.then(function () {
      holding = hold && pinned.length > 0 && order.length > 1;
      return holding ? released : null;
    });
    // Searches run in order; each index's chunks load while the one before it is searched.
    var routes = null;
    function routed() { return routes || (routes = route(words)); }
    var loaded = [];
    function ensure(step) {
      var n = order[step];
      if (n !== undefined && !loaded[n]) loaded[n] = preload(n, words, filters, routed);
    }
    var slots = order.map(function () { return null; });
    var firstResolve;
    var first = new Promise(function (resolve) { firstResolve = resolve; });

    function settled() {
      // Results in final order, as far as they are known: the exact matches, then the
      // indexes in search order, up to the first not yet searched.
      var list = pinned.slice();
      for (var k = 0; k < slots.length && slots[k]; k++) list = list.concat(slots[k]);
      return { list: list, complete: slots.every(Boolean) };
    }

    var done = order.reduce(function (previous, n, step) {
      return previous.then(function () {
        if (stop()) return;
        ensure(step);
        (step ? Promise.resolve() : gate).then(function () { if (!stop()) ensure(step + 1); });
        return Promise.all([searchIndex(n, words, filters, loaded[n], routed), looked]).then(function (found) {
          var results = found[0].filter(function (r) { return !pinnedIds[r.id]; });
          if (step === 1 && results.length < NARROW) {
            // A narrow query needs every shard: let their chunk loads overlap.
            for (var later = step + 1; later < order.length; later++) ensure(later);
          }
          slots[step] = results;
          var known = settled();
          if (known.complete || known.list.length >= size || holding) {
            firstResolve(known.list.slice(0, size));
          }
          if (!step) return gate;
        });
      });
    }, Promise.resolve()).then(function () {
      var known = settled();
      firstResolve(known.list.slice(0, size));
      return known.complete ? known.list : null;
    });
    return {
      first: first,
      done: done,
      release: function () { holding = false; releaseGate(); },
      held: function () { return holding; },
      exact: function () { return pinned.length; },
    };
  }

  /** All results for `words` (like Pagefind's own search; for tests and scripts). */
  function searchAll(words, options) {
    var filters = (options && options.filters) || {};
    return query(words || "", filters, Infinity, function () { return false; }).done
      .then(function (results) { return { results: results }; });
  }

  var api = { search: searchAll, query: query };

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  function setMeta(text) {
    meta.textContent = text;
  }

  function renderFilters(filters) {
    FILTERS.forEach(function (pair) {
      var name = pair[0];
      var counts = filters[name] || {};
      var values = Object.keys(counts);
      if (!values.length) return;
      values.sort(function (a, b) {
        return name === "年度" ? b.localeCompare(a) : counts[b] - counts[a] || a.localeCompare(b, "zh");
      });
      var select = element("select", "gongkai-search__filter");
      select.name = name;
      select.setAttribute("aria-label", name);
      select.appendChild(element("option", "", pair[1])).value = "";
      values.forEach(function (value) {
        select.appendChild(element("option", "", value + "（" + counts[value] + "）")).value = value;
      });
      select.addEventListener("change", search);
      selects[name] = select;
      filterBox.appendChild(select);
    });
    filterBox.hidden = !Object.keys(selects).length;
  }

  function chosenFilters() {
    var chosen = {};
    Object.keys(selects).forEach(function (name) {
      if (selects[name].value) chosen[name] = selects[name].value;
    });
    return chosen;
  }

  function facts(data) {
    var filters = data.filters || {};
    var parts = [].concat(filters["类别"] || []);
    if (data.meta.code) parts.push(displayCode(data.meta.code));
    parts = parts.concat(filters["年度"] || [], filters["部门"] || [], filters["检查结果"] || []);
    if (data.meta.former_names) parts.push("曾用名：" + data.meta.former_names);
    return parts.join(" · ");
  }

  function renderResult(data) {
    var item = element("li", "md-search-result__item");
    var link = element("a", "md-search-result__link");
    link.href = data.url;
    var article = element("article", "md-search-result__article md-typeset");
    article.appendChild(element("div", "md-search-result__icon md-icon"));
    article.appendChild(element("h1", "", data.meta.title || data.url));
    article.appendChild(element("p", "gongkai-search__facts", facts(data)));
    if (data.meta.excerpt) article.appendChild(element("p", "", data.meta.excerpt));
    link.appendChild(article);
    item.appendChild(link);
    return item;
  }

  function showMore() {
    var id = serial;
    var more = shown + PAGE_SIZE;
    // Held after an exact match, the page shows what is known; "显示更多" releases the rest.
    var ready = results.length >= more || complete || running.held() ? Promise.resolve() : pending;
    return ready.then(function () {
      if (id !== serial) return;
      var slice = results.slice(shown, more);
      return Promise.all(slice.map(function (r) { return r.data(); })).then(function (pages) {
        if (id !== serial) return;
        pages.forEach(function (data) { list.appendChild(renderResult(data)); });
        shown += slice.length;
        moreButton.hidden = complete && shown >= results.length;
      });
    });
  }

  function countText() {
    if (!results.length) return complete ? "没有找到结果" : "正在搜索…";
    if (!complete && running && running.held()) {
      return "已找到 " + results.length + " 条结果，其中 " + running.exact() + " 条名称或代码完全相同；点“显示更多”继续搜索";
    }
    return (complete ? "找到 " : "已找到 ") + results.length + " 条结果" + (complete ? "" : "，正在继续搜索…");
  }

  function search() {
    var id = ++serial;
    var words = queryWords(input.value).join(" ");
    var filters = chosenFilters();
    if (!words && !Object.keys(filters).length) {
      results = [];
      complete = true;
      list.replaceChildren();
      moreButton.hidden = true;
      setMeta("输入企业名称、统一社会信用代码、任务或事项名称");
      return Promise.resolve();
    }
    var stop = function () { return id !== serial; };
    complete = false;
    return load().then(function () {
      running = query(words, filters, PAGE_SIZE, stop, true);
      pending = running.done.then(function (all) {
        if (stop() || !all) return;
        results = all;
        complete = true;
        setMeta(countText());
        moreButton.hidden = shown >= results.length;
      });
      return running.first;
    }).then(function (firstPage) {
      if (stop() || !firstPage) return;
      if (!complete) results = firstPage;
      shown = 0;
      list.replaceChildren();
      setMeta(countText());
      return showMore().then(function () {
        // What the results on show answer (for tests and scripts).
        if (id === serial) box.setAttribute("data-gongkai-searched", words);
      });
    }, function () { /* load() reported it */ });
  }

  function open() {
    if (toggle && !toggle.checked) toggle.checked = true;
    load();
  }

  // "/" opens search from anywhere on the page (not while typing), as on most sites; the
  // header's search button is a <label>, which a keyboard cannot reach on a phone layout.
  document.addEventListener("keydown", function (event) {
    var target = event.target, typing = target && (target.isContentEditable
      || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
    if (event.key !== "/" || typing || event.ctrlKey || event.metaKey || event.altKey) return;
    event.preventDefault();
    open();
    input.focus();
  });
  input.addEventListener("focus", open);
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(search, 120);
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      if (toggle) toggle.checked = false;
      input.blur();
    } else if (event.key === "Enter") {
      event.preventDefault();
      clearTimeout(timer);
      search().then(function () {
        var first = list.querySelector("a");
        if (first) window.location.href = first.href;
      });
    }
  });
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  form.addEventListener("reset", function () {
    setTimeout(function () { search(); input.focus(); }, 0);
  });
  moreButton.addEventListener("click", function () {
    if (running && running.held() && shown + PAGE_SIZE > results.length) {
      // Past the exact match: search the shards now.
      running.release();
      setMeta(countText());
    }
    showMore();
  });
  if (toggle) {
    toggle.addEventListener("change", function () {
      if (toggle.checked) {
        input.focus();
        load();
      } else {
        input.blur();
      }
    });
  }

  // For tests and for people who want to script the box.
  window.gongkaiSearch = { queryWords: queryWords, nameHash: nameHash, load: load, search: search };
})();
