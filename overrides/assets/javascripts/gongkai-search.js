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
 * Enterprises are spread over several Pagefind indexes by a hash of their name
 * (pagefind/gongkai-shards.json lists them with the first word of each index chunk). Each
 * index is its own Pagefind instance, searched one after the other:
 *
 * - the index a full name hashes to comes first, so an exact name is found first even when
 *   many other names contain it; then the main index (tasks, plans, items, pages), then the
 *   other shards in order. Results keep that order (an exact name or code first).
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
  var PIN_CHECK = 3; // best hits of the routed index checked for an exact name or code
  var NARROW = 100; // fewer hits in the routed shard: load every other shard's chunks at once
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

  function load() {
    if (!loading) {
      loading = import(new URL("pagefind/pagefind.js", root).href).then(function (pagefind) {
        return fetch(new URL("pagefind/gongkai-shards.json", root)).then(function (response) {
          if (!response.ok) throw new Error("no shard manifest");
          return response.json();
        }).then(function (manifest) {
          // All instances share the worker's one WebAssembly module, which the first instance
          // to start sets up: start the main index alone, the shards once it is ready.
          indexes = manifest.indexes.map(function (index) { return { path: index.path, chunks: index.chunks }; });
          start(indexes[0], pagefind);
          return indexes[0].pagefind.filters().then(function (main) {
            indexes.slice(1).forEach(function (index) { start(index, pagefind); });
            return Promise.all(indexes.slice(1).map(function (index) { return index.pagefind.filters(); }))
              .then(function (rest) { return [main].concat(rest); });
          });
        }).then(function (all) {
          renderFilters(mergeCounts(all));
          return api;
        });
      });
      loading.catch(function () {
        setMeta("搜索索引无法加载：本站需通过网站服务器访问，且需先由 gongkai build 生成索引。");
      });
    }
    return loading;
  }

  function start(index, pagefind) {
    // Pagefind picks its language (and so whether to segment the query) from <html lang>
    // when an instance is created: create it under the index language.
    var html = document.documentElement;
    var lang = html.getAttribute("lang");
    html.setAttribute("lang", LANGUAGE);
    try {
      index.pagefind = pagefind.createInstance(Object.assign({
        basePath: new URL(index.path, new URL("pagefind/", root)).pathname,
      }, OPTIONS));
    } finally {
      if (lang === null) html.removeAttribute("lang");
      else html.setAttribute("lang", lang);
    }
  }

  function mergeCounts(all) {
    var merged = {};
    all.forEach(function (filters) {
      Object.keys(filters || {}).forEach(function (name) {
        var into = merged[name] = merged[name] || {};
        Object.keys(filters[name]).forEach(function (value) {
          into[value] = (into[value] || 0) + filters[name][value];
        });
      });
    });
    return merged;
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

  /** Load the index chunks `words` need in `index` (Pagefind's own, and the probes). */
  function preload(index, words, filters) {
    var terms = words ? [words].concat(probes(index, words)).join(" ") : null;
    return terms ? index.pagefind.preload(terms, { filters: filters }) : Promise.resolve();
  }

  function searchIndex(index, words, filters, loaded) {
    return loaded.then(function () {
      return index.pagefind.search(words || null, { filters: filters });
    }).then(function (found) { return found ? found.results : []; });
  }

  /**
   * Search every index for `words` (gongkai query words joined by spaces, or "") under
   * `filters`. Returns {first: Promise of the first `size` results, in their final order,
   * done: Promise of all results}; `stop()` says whether to give up (a newer search).
   */
  function query(words, filters, size, stop) {
    // Search (and list) the main index, then the shard an exact name would be in, then the
    // other shards.
    var routed = words && indexes.length > 1 ? 1 + nameHash(words) % (indexes.length - 1) : 0;
    var order = [0].concat(routed ? [routed] : [], indexes.map(function (_, n) { return n; })
      .filter(function (n) { return n !== 0 && n !== routed; }));
    // Searches run in order; each index's chunks load while the one before it is searched.
    var loaded = [];
    function ensure(step) {
      var n = order[step];
      if (n !== undefined && !loaded[n]) loaded[n] = preload(indexes[n], words, filters);
    }
    var slots = order.map(function () { return null; });
    var pinned = [];
    var firstResolve;
    var first = new Promise(function (resolve) { firstResolve = resolve; });

    function settled() {
      // Results in final order, as far as they are known: the pinned exact match, then the
      // indexes in search order, up to the first not yet searched.
      var list = pinned.slice();
      for (var k = 0; k < slots.length && slots[k]; k++) list = list.concat(slots[k]);
      return { list: list, complete: slots.every(Boolean) };
    }

    var done = order.reduce(function (previous, n, step) {
      return previous.then(function () {
        if (stop()) return;
        ensure(step);
        ensure(step + 1);
        return searchIndex(indexes[n], words, filters, loaded[n]).then(function (results) {
          if (n === routed && results.length < NARROW) {
            // A narrow query needs every shard: let their chunk loads overlap.
            for (var later = step + 1; later < order.length; later++) ensure(later);
          }
          if (n === routed && words && results.length) {
            // An exact name or code among the routed index's best hits goes first.
            var top = results.slice(0, PIN_CHECK);
            return Promise.all(top.map(function (r) { return r.data(); })).then(function (pages) {
              var at = pages.findIndex(function (data) {
                return data.meta.code === words || queryWords(data.meta.title || "").join(" ") === words;
              });
              if (at >= 0) {
                pinned = [withData(results[at], pages[at])];
                results = results.slice(0, at).concat(results.slice(at + 1));
              }
              slots[step] = results;
            });
          }
          slots[step] = results;
        }).then(function () {
          var known = settled();
          if (known.complete || known.list.length >= size) firstResolve(known.list.slice(0, size));
        });
      });
    }, Promise.resolve()).then(function () {
      var known = settled();
      firstResolve(known.list.slice(0, size));
      return known.complete ? known.list : null;
    });
    return { first: first, done: done };
  }

  function withData(result, data) {
    return Object.assign({}, result, { data: function () { return Promise.resolve(data); } });
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
    var ready = results.length >= more || complete ? Promise.resolve() : pending;
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
      var running = query(words, filters, PAGE_SIZE, stop);
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
  moreButton.addEventListener("click", showMore);
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
