/*
 * gongkai search box: Pagefind over the site's own bundle (<root>/pagefind/), offline.
 *
 * The index is built by generator/search.py with gongkai's own tokenisation, which this
 * file mirrors in queryWords(): NFKC, lower case, runs of letters and digits; a run of at
 * most SPAN units (an ASCII letter/digit stretch is one unit, any other character is one)
 * (letters a-z written as Lisu letters, which Pagefind does not split at digits)
 * is one word, which Pagefind matches as a prefix of the index words (= substring search);
 * a longer run is cut into overlapping pieces of SPAN units. Pagefind is loaded under the
 * index language ("und") so that it does not segment the query with Intl.Segmenter.
 *
 * Enterprises are spread over several Pagefind indexes (pagefind/gongkai-shards.json lists
 * the extra ones), merged here with mergeIndex so that one box searches them all.
 *
 * Result text is set with textContent only: titles come from the data.
 */
(function () {
  "use strict";

  var SPAN = 24; // generator.search.SPAN_UNITS
  var LANGUAGE = "und"; // generator.search.INDEX_LANGUAGE
  var PAGE_SIZE = 10;
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
  var results = [];
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

  function load() {
    if (!loading) {
      loading = import(new URL("pagefind/pagefind.js", root).href).then(function (pagefind) {
        return pagefind.options(OPTIONS).then(function () {
          // Pagefind picks its language (and so whether to segment the query) from
          // <html lang> when it starts; start it under the index language.
          var html = document.documentElement;
          var lang = html.getAttribute("lang");
          html.setAttribute("lang", LANGUAGE);
          var ready = pagefind.init();
          if (lang === null) html.removeAttribute("lang");
          else html.setAttribute("lang", lang);
          return ready;
        }).then(function () {
          return fetch(new URL("pagefind/gongkai-shards.json", root)).then(function (response) {
            return response.ok ? response.json() : [];
          }, function () { return []; });
        }).then(function (shards) {
          // Enterprises are spread over several indexes (generator/search.py): merge them.
          return Promise.all(shards.map(function (path) {
            var bundle = new URL(path, new URL("pagefind/", root)).pathname;
            return pagefind.mergeIndex(bundle, Object.assign({ language: LANGUAGE }, OPTIONS));
          }));
        }).then(function () {
          return pagefind.filters();
        }).then(function (filters) {
          renderFilters(filters);
          return pagefind;
        });
      });
      loading.catch(function () {
        setMeta("搜索索引无法加载：本站需通过网站服务器访问，且需先由 gongkai build 生成索引。");
      });
    }
    return loading;
  }

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
    var slice = results.slice(shown, shown + PAGE_SIZE);
    return Promise.all(slice.map(function (r) { return r.data(); })).then(function (pages) {
      if (id !== serial) return;
      pages.forEach(function (data) { list.appendChild(renderResult(data)); });
      shown += slice.length;
      moreButton.hidden = shown >= results.length;
    });
  }

  function search() {
    var id = ++serial;
    var words = queryWords(input.value).join(" ");
    var filters = chosenFilters();
    if (!words && !Object.keys(filters).length) {
      results = [];
      list.replaceChildren();
      moreButton.hidden = true;
      setMeta("输入企业名称、统一社会信用代码、任务或事项名称");
      return Promise.resolve();
    }
    return load().then(function (pagefind) {
      return pagefind.search(words || null, { filters: filters });
    }).then(function (found) {
      if (id !== serial || !found) return;
      results = found.results;
      shown = 0;
      list.replaceChildren();
      setMeta(results.length ? "找到 " + results.length + " 条结果" : "没有找到结果");
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
  window.gongkaiSearch = { queryWords: queryWords, load: load, search: search };
})();
