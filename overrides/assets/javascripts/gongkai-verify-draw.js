/* 抽取验证: verifies a published gongkai draw in the browser (WebCrypto, no network, no upload).
 * The same named checks, in the same order, as generator/draws/verify_draw.py (the downloadable
 * verifier); tests/test_draws.py runs both on every tamper case. Keep the two in step. */
(function () {
  "use strict";

  var TYPES = { "gongkai-draw-commitment": "commitment.json", "gongkai-draw-reveal": "reveal.json", "gongkai-draw-receipt": "receipt.json" };
  var ALGORITHMS = ["gongkai-rank-v1", "rfc3797"];
  var SOURCE_KINDS = ["drand", "nist-beacon", "public-numbers"];
  var KNOWN_DRAND_CHAINS = {
    "8990e7a9aaed2ffed73dbd7092123d6f289930540d7651336225dc172e51b2ce": [1595431050, 30],
    "52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971": [1692803367, 3]
  };
  var CHECKS = [
    ["format", "文件格式"],
    ["links", "文件相互对应"],
    ["population-order", "名录按规范顺序排列"],
    ["population-padded", "名录未被增补"],
    ["population-trimmed", "名录未被删减"],
    ["population-digest", "名录摘要一致"],
    ["sample-size", "抽取数量与承诺一致"],
    ["seed-timing", "随机数产生于承诺之后"],
    ["attempts", "每次抽取都有记录"],
    ["seed", "随机数与公开来源一致"],
    ["drawn-members", "抽中者属于名录"],
    ["selection", "抽取结果可复现"],
    ["reveal-timing", "按时揭示"]
  ];
  var MAX_TIMESTAMP = 253402300799; // the last second of year 9999 (UTC), as in verify_draw.py
  var HEX64 = /^[0-9a-f]{64}$/;
  var HEX = /^(?:[0-9a-f]{2})+$/;
  var TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$/;
  var encoder = new TextEncoder();

  // Primitives ---------------------------------------------------------------------------

  function toHex(buffer) {
    return Array.prototype.map.call(new Uint8Array(buffer), function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function fromHex(hex) {
    var out = new Uint8Array(hex.length / 2);
    for (var i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(i * 2, 2), 16);
    return out;
  }
  async function sha256(data) {
    var bytes = typeof data === "string" ? encoder.encode(data) : data;
    return toHex(await crypto.subtle.digest("SHA-256", bytes));
  }
  function memberLeaf(salt, id) { return sha256("gongkai-leaf-v1|" + salt + "|" + id); }
  function stratumDigest(leaves) { return sha256(leaves.join("\n")); }
  function populationDigest(strata) {
    return sha256(strata.map(function (s) { return s.label + ":" + s.size + ":" + s.digest; }).join("\n"));
  }
  function cmp(a, b) { return a < b ? -1 : a > b ? 1 : 0; }
  function rfc3797Key(numbers) {
    return numbers.map(function (values) {
      return values.slice().sort(function (a, b) { return a - b; }).map(function (n) { return n + "."; }).join("") + "/";
    }).join("");
  }

  // MD5 (RFC 1321), for RFC 3797 mode only: WebCrypto has no MD5.
  function md5(bytes) {
    var K = [], S = [7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
      4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21];
    for (var i = 0; i < 64; i++) K[i] = Math.floor(Math.abs(Math.sin(i + 1)) * 4294967296) >>> 0;
    var length = bytes.length, padded = new Uint8Array(((length + 8) >> 6) * 64 + 64);
    padded.set(bytes); padded[length] = 0x80;
    var bits = length * 8, view = new DataView(padded.buffer);
    view.setUint32(padded.length - 8, bits >>> 0, true);
    view.setUint32(padded.length - 4, Math.floor(bits / 4294967296), true);
    var a0 = 0x67452301, b0 = 0xefcdab89, c0 = 0x98badcfe, d0 = 0x10325476;
    for (var off = 0; off < padded.length; off += 64) {
      var M = [];
      for (var j = 0; j < 16; j++) M[j] = view.getUint32(off + j * 4, true);
      var A = a0, B = b0, C = c0, D = d0;
      for (var k = 0; k < 64; k++) {
        var F, g;
        if (k < 16) { F = (B & C) | (~B & D); g = k; }
        else if (k < 32) { F = (D & B) | (~D & C); g = (5 * k + 1) % 16; }
        else if (k < 48) { F = B ^ C ^ D; g = (3 * k + 5) % 16; }
        else { F = C ^ (B | ~D); g = (7 * k) % 16; }
        F = (F + A + K[k] + M[g]) >>> 0;
        A = D; D = C; C = B;
        B = (B + ((F << S[k]) | (F >>> (32 - S[k])))) >>> 0;
      }
      a0 = (a0 + A) >>> 0; b0 = (b0 + B) >>> 0; c0 = (c0 + C) >>> 0; d0 = (d0 + D) >>> 0;
    }
    var out = new DataView(new ArrayBuffer(16));
    [a0, b0, c0, d0].forEach(function (w, n) { out.setUint32(n * 4, w, true); });
    return toHex(out.buffer);
  }

  function rfc3797Select(key, pool, count) {
    var remaining = [], chosen = [], keyBytes = encoder.encode(key);
    for (var i = 1; i <= pool; i++) remaining.push(i);
    for (var j = 0; j < Math.min(count, pool); j++) {
      var buf = new Uint8Array(keyBytes.length + 4);
      buf[0] = buf[buf.length - 2] = (j >> 8) & 255;
      buf[1] = buf[buf.length - 1] = j & 255;
      buf.set(keyBytes, 2);
      var value = BigInt("0x" + md5(buf));
      var index = Number(value % BigInt(remaining.length));
      chosen.push(remaining.splice(index, 1)[0]);
    }
    return chosen;
  }

  async function selectLeaves(algorithm, seed, taskId, drawId, label, leaves, count, strataCount) {
    if (algorithm === "rfc3797") {
      var key = strataCount === 1 ? seed : seed + label + "/";
      return rfc3797Select(key, leaves.length, count).map(function (i) { return leaves[i - 1]; });
    }
    var scored = [];
    for (var i = 0; i < leaves.length; i++) {
      scored.push([await sha256("gongkai-rank-v1|" + seed + "|" + taskId + "|" + drawId + "|" + label + "|" + leaves[i]), leaves[i]]);
    }
    scored.sort(function (x, y) { return cmp(x[0], y[0]) || cmp(x[1], y[1]); });
    return scored.slice(0, count).map(function (x) { return x[1]; });
  }

  function parseTime(text) {
    if (typeof text !== "string" || !TIME.test(text)) return null;
    var ms = Date.parse(text);
    return isNaN(ms) ? null : ms;
  }
  function isPositiveInt(v) { return Number.isInteger(v) && v > 0; }
  function sourceTime(source) {
    if (!isObj(source)) return null;
    var kind = source.kind;
    if (kind === "drand") {
      var chain = String(source.chain_hash === undefined ? "" : source.chain_hash);
      var known = Object.prototype.hasOwnProperty.call(KNOWN_DRAND_CHAINS, chain) ? KNOWN_DRAND_CHAINS[chain] : null;
      if (known && (source.genesis_time !== known[0] || source.period !== known[1])) return null;
      if (![source.genesis_time, source.period, source.round].every(isPositiveInt)) return null;
      var seconds = source.genesis_time + (source.round - 1) * source.period;
      return seconds > MAX_TIMESTAMP ? null : seconds * 1000;
    }
    if (kind === "nist-beacon") return parseTime(source.pulse_time);
    if (kind === "public-numbers") return parseTime(source.available_at);
    return null;
  }
  function iso(ms) { return new Date(ms).toISOString().replace(".000Z", "Z"); }
  function canonical(value) {
    if (Array.isArray(value)) return "[" + value.map(canonical).join(",") + "]";
    if (value && typeof value === "object") {
      return "{" + Object.keys(value).sort().map(function (k) { return JSON.stringify(k) + ":" + canonical(value[k]); }).join(",") + "}";
    }
    return JSON.stringify(value);
  }
  function same(a, b) { return canonical(a) === canonical(b); }

  async function deriveSeed(source, value) {
    if (!value || typeof value !== "object" || Array.isArray(value)) return [null, "揭示文件没有随机数值"];
    if (source.kind === "drand") {
      var randomness = String(value.randomness === undefined ? "" : value.randomness);
      var signature = String(value.signature === undefined ? "" : value.signature);
      if (value.round !== source.round) return [null, "随机数来自第 " + value.round + " 轮，而不是约定的第 " + source.round + " 轮"];
      if (!HEX64.test(randomness) || !HEX.test(signature)) return [null, "drand 随机数或签名不是十六进制"];
      if (await sha256(fromHex(signature)) !== randomness) return [null, "drand 随机数不等于其签名的 SHA-256，随机数被改动过"];
      return [randomness, ""];
    }
    if (source.kind === "nist-beacon") {
      var output = String(value.output_value === undefined ? "" : value.output_value).toLowerCase();
      if (value.pulse_time !== source.pulse_time || !/^[0-9a-f]{128}$/.test(output)) return [null, "NIST 信标脉冲时间或输出值不符"];
      return [output, ""];
    }
    if (source.kind === "public-numbers") {
      var numbers = value.numbers;
      var ok = Array.isArray(numbers) && numbers.length > 0 && numbers.every(function (v) {
        return Array.isArray(v) && v.length > 0 && v.every(function (n) { return Number.isInteger(n) && n >= 0; });
      });
      if (!ok) return [null, "公开号码格式不对（应为每个来源一组非负整数）"];
      if (Array.isArray(source.sources) && source.sources.length !== numbers.length) {
        return [null, "约定 " + source.sources.length + " 个号码来源，揭示了 " + numbers.length + " 个"];
      }
      return [rfc3797Key(numbers), ""];
    }
    return [null, "未知的随机来源类型 " + source.kind];
  }

  // Verification -------------------------------------------------------------------------

  function Outcome() {
    var results = {};
    CHECKS.forEach(function (c) { results[c[0]] = { ok: null, messages: [] }; });
    this.results = results;
  }
  Outcome.prototype.fail = function (check, message) { this.results[check].ok = false; this.results[check].messages.push(message); };
  Outcome.prototype.passed = function (check) { if (this.results[check].ok === null) this.results[check].ok = true; };
  Outcome.prototype.failed = function () { var r = this.results; return CHECKS.map(function (c) { return c[0]; }).filter(function (n) { return r[n].ok === false; }); };
  Outcome.prototype.ok = function () { var r = this.results; return CHECKS.every(function (c) { return r[c[0]].ok === true; }); };

  function isObj(v) { return v !== null && typeof v === "object" && !Array.isArray(v); }

  function parse(files, out) {
    var docs = [];
    ["gongkai-draw-commitment", "gongkai-draw-reveal", "gongkai-draw-receipt"].forEach(function (kind) {
      var name = TYPES[kind], doc;
      try { doc = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(files[kind])); }
      catch (e) { out.fail("format", name + " 不是 UTF-8 JSON"); return; }
      if (!isObj(doc) || doc.type !== kind) out.fail("format", name + " 的 type 应为 " + kind);
      else if (doc.version !== 1) out.fail("format", name + " 的版本 " + doc.version + " 不受支持（本验证程序支持 1）");
      docs.push(doc);
    });
    if (out.failed().length) return null;
    var c = docs[0], r = docs[1], t = docs[2], problems = [];
    if (ALGORITHMS.indexOf(c.algorithm) < 0) problems.push("未知的抽取算法 " + c.algorithm);
    if (!isObj(c.source) || SOURCE_KINDS.indexOf(c.source.kind) < 0) problems.push("承诺没有写明受支持的随机来源");
    else if (sourceTime(c.source) === null) problems.push("随机来源的时间（轮次、脉冲时间或开奖时间）无法确定");
    if (parseTime(c.committed_at) === null) problems.push("承诺时间 committed_at 不是带时区的 ISO 8601 时间");
    var strataOk = Array.isArray(c.strata) && c.strata.length > 0 && c.strata.every(function (s) {
      return isObj(s) && typeof s.label === "string" && Array.isArray(s.leaves)
        && s.leaves.every(function (x) { return typeof x === "string"; })
        && Number.isInteger(s.size) && Number.isInteger(s.sample_size);
    });
    if (!strataOk) problems.push("承诺的分层（strata）格式不对");
    if (!(Array.isArray(r.attempts) && r.attempts.length && r.attempts.every(function (a) { return isObj(a) && isObj(a.source); }))) {
      problems.push("揭示文件没有抽取记录（attempts）");
    }
    if (!(Array.isArray(t.strata) && t.strata.every(function (s) { return isObj(s) && typeof s.label === "string" && Array.isArray(s.drawn) && s.drawn.every(isObj); }))) {
      problems.push("回执的抽中名单格式不对（每个分层须有文字标签 label 和抽中名单 drawn）");
    }
    problems.forEach(function (p) { out.fail("format", p); });
    if (problems.length) return null;
    out.passed("format");
    return docs;
  }

  async function verify(files) {
    var out = new Outcome();
    var docs = parse(files, out);
    if (!docs) return out;
    var commitment = docs[0], reveal = docs[1], receipt = docs[2], strata = commitment.strata;

    // links
    ["task_id", "draw_id"].forEach(function (key) {
      if (!(same(commitment[key], reveal[key]) && same(reveal[key], receipt[key]))) out.fail("links", "三个文件的 " + key + " 不一致");
    });
    var commitmentHash = await sha256(files["gongkai-draw-commitment"]);
    var revealHash = await sha256(files["gongkai-draw-reveal"]);
    if (reveal.commitment_sha256 !== commitmentHash) out.fail("links", "揭示文件记录的承诺摘要与承诺文件不符：承诺文件在揭示后被改动过");
    if (receipt.commitment_sha256 !== commitmentHash) out.fail("links", "回执记录的承诺摘要与承诺文件不符：承诺文件在抽取后被改动过");
    if (receipt.reveal_sha256 !== revealHash) out.fail("links", "回执记录的揭示摘要与揭示文件不符：揭示文件被改动过");
    out.passed("links");

    // population
    var total = 0, sizes = 0;
    for (var i = 0; i < strata.length; i++) {
      var s = strata[i], leaves = s.leaves;
      total += leaves.length; sizes += s.size;
      if (leaves.some(function (x) { return typeof x !== "string" || !HEX64.test(x); })) out.fail("population-order", "分层 " + s.label + " 含有不是 SHA-256 摘要的成员");
      else if (leaves.some(function (x, n) { return n > 0 && leaves[n - 1] >= x; })) out.fail("population-order", "分层 " + s.label + " 的成员没有按规范（升序、无重复）排列：名录被重新排序或有重复");
      if (leaves.length > s.size) out.fail("population-padded", "分层 " + s.label + " 承诺 " + s.size + " 个成员，名单中却有 " + leaves.length + " 个（多 " + (leaves.length - s.size) + " 个）");
      if (leaves.length < s.size) out.fail("population-trimmed", "分层 " + s.label + " 承诺 " + s.size + " 个成员，名单中只有 " + leaves.length + " 个（少 " + (s.size - leaves.length) + " 个）");
      if (await stratumDigest(leaves) !== s.digest) out.fail("population-digest", "分层 " + s.label + " 的成员摘要与承诺的摘要不符");
    }
    var declared = commitment.population_size;
    if (declared !== sizes) out.fail("population-digest", "名录总数 " + declared + " 与各分层数量之和 " + sizes + " 不符");
    declared = Number.isInteger(declared) ? declared : 0;
    if (total > declared && !out.results["population-padded"].messages.length) out.fail("population-padded", "名录总数为 " + declared + "，名单中却有 " + total + " 个成员");
    if (total < declared && !out.results["population-trimmed"].messages.length) out.fail("population-trimmed", "名录总数为 " + declared + "，名单中只有 " + total + " 个成员");
    if (await populationDigest(strata) !== commitment.population_digest) out.fail("population-digest", "名录摘要（population_digest）与各分层不符");
    ["population-order", "population-padded", "population-trimmed", "population-digest"].forEach(function (c) { out.passed(c); });

    // sample sizes
    var drawn = {};
    receipt.strata.forEach(function (st) { drawn[st.label] = st.drawn; });
    var drawnLabels = Object.keys(drawn).map(String).sort(), labels = strata.map(function (st) { return st.label; }).sort();
    if (!same(drawnLabels, labels)) out.fail("sample-size", "回执的分层 " + drawnLabels.join(",") + " 与承诺的分层 " + labels.join(",") + " 不符");
    strata.forEach(function (st) {
      if (!(st.sample_size >= 0 && st.sample_size <= st.size)) out.fail("sample-size", "分层 " + st.label + " 抽取数量 " + st.sample_size + " 超出 0–" + st.size);
      var got = (drawn[st.label] || []).length;
      if (got !== st.sample_size) out.fail("sample-size", "分层 " + st.label + " 承诺抽取 " + st.sample_size + " 个，回执中有 " + got + " 个");
    });
    out.passed("sample-size");

    // attempts
    var attempts = reveal.attempts, committedAt = parseTime(commitment.committed_at);
    var numbers = attempts.map(function (a) { return a.attempt; });
    if (!same(numbers, attempts.map(function (_, n) { return n + 1; }))) out.fail("attempts", "抽取次数编号应为 1、2、…，实为 " + JSON.stringify(numbers) + "：有抽取记录被删除或改动");
    if (!same(attempts[0].source, commitment.source)) out.fail("attempts", "第 1 次抽取使用的随机来源不是承诺中约定的来源");
    for (var n = 1; n < attempts.length; n++) {
      var before = attempts[n - 1], after = attempts[n];
      if (before.status !== "void" || !String(before.reason || "").trim()) out.fail("attempts", "第 " + after.attempt + " 次抽取之前的一次没有作废理由");
      var voided = parseTime(before.voided_at), announced = parseTime(after.announced_at);
      if (voided === null || announced === null || announced < voided) out.fail("attempts", "第 " + after.attempt + " 次抽取没有在上一次作废时登记随机来源");
      var when = sourceTime(before.source);
      if (before.value !== undefined && before.value !== null && (voided === null || when === null || voided >= when)) {
        out.fail("attempts", "第 " + before.attempt + " 次抽取在其随机数产生（" + (when === null ? "?" : iso(when)) + "）之后才作废，而揭示文件记录了这个随机数：作废时抽取结果已可知，重新抽取无效");
      }
      if (after.source.kind !== commitment.source.kind) out.fail("attempts", "第 " + after.attempt + " 次抽取换了随机来源类型");
    }
    var last = attempts[attempts.length - 1];
    if (last.status !== "used") out.fail("attempts", "最后一次抽取没有标为采用（used）");
    if (receipt.attempt !== last.attempt) out.fail("attempts", "回执来自第 " + receipt.attempt + " 次抽取，但揭示文件记录的最后一次是第 " + last.attempt + " 次：有抽取未记录");
    out.passed("attempts");
    var used = last.status === "used" ? last : null;

    // seed timing
    var announcedList = [["承诺约定的随机来源", commitment.source, committedAt]];
    attempts.slice(1).forEach(function (a) { announcedList.push(["第 " + a.attempt + " 次抽取的随机来源", a.source, parseTime(a.announced_at)]); });
    announcedList.forEach(function (entry) {
      var when = sourceTime(entry[1]);
      if (when === null) out.fail("seed-timing", entry[0] + "的时间无法确定");
      else if (entry[2] !== null && when <= entry[2]) out.fail("seed-timing", entry[0] + "产生于 " + iso(when) + "，不晚于登记时间 " + iso(entry[2]) + "：抽取前随机数已可知");
    });
    out.passed("seed-timing");

    // seed
    var seed = null;
    if (used) {
      var derived = await deriveSeed(used.source, used.value);
      seed = derived[0];
      if (seed === null) out.fail("seed", derived[1]);
      else if (receipt.seed !== seed) out.fail("seed", "回执中的随机种子 " + receipt.seed + " 与公开来源给出的 " + seed + " 不符");
    }
    out.passed("seed");

    // members and selection
    for (var m = 0; m < strata.length; m++) {
      var stratum = strata[m], leafSet = new Set(stratum.leaves), got = [];
      var members = drawn[stratum.label] || [];
      for (var q = 0; q < members.length; q++) {
        var member = members[q];
        var leaf = await memberLeaf(String(member.salt === undefined ? "" : member.salt), String(member.id === undefined ? "" : member.id));
        got.push(leaf);
        if (!leafSet.has(leaf)) out.fail("drawn-members", "分层 " + stratum.label + " 的抽中者 " + member.id + " 不在承诺的名录中");
      }
      if (new Set(got).size !== got.length) out.fail("drawn-members", "分层 " + stratum.label + " 有重复的抽中者");
      if (seed === null) continue;
      var expected = await selectLeaves(commitment.algorithm, seed, commitment.task_id, commitment.draw_id, stratum.label, stratum.leaves, stratum.sample_size, strata.length);
      if (!same(got, expected)) {
        var extra = got.filter(function (g) { return expected.indexOf(g) < 0; }).length;
        out.fail("selection", "分层 " + stratum.label + " 的抽中名单与按随机种子重新计算的结果不同（" + extra + " 个不符或顺序不同）");
      }
    }
    out.passed("drawn-members");
    if (seed !== null) out.passed("selection");

    // reveal timing
    var drawnAt = parseTime(receipt.drawn_at), deadline = parseTime(commitment.reveal_by);
    if (drawnAt === null || deadline === null) out.fail("reveal-timing", "回执的抽取时间或承诺的揭示期限不是带时区的 ISO 8601 时间");
    else {
      var sourceAt = used ? sourceTime(used.source) : null;
      if (sourceAt !== null && drawnAt < sourceAt) out.fail("reveal-timing", "抽取时间 " + iso(drawnAt) + " 早于随机数产生的时间 " + iso(sourceAt));
      if (drawnAt > deadline) out.fail("reveal-timing", "抽取结果 " + iso(drawnAt) + " 才揭示，晚于承诺的期限 " + iso(deadline));
    }
    out.passed("reveal-timing");
    return out;
  }

  // Page ---------------------------------------------------------------------------------

  function readFile(file) {
    return new Promise(function (resolve, reject) {
      var reader = new FileReader();
      reader.onload = function () { resolve(new Uint8Array(reader.result)); };
      reader.onerror = function () { reject(reader.error); };
      reader.readAsArrayBuffer(file);
    });
  }

  async function classify(fileList) {
    var files = {}, byName = {};
    Object.keys(TYPES).forEach(function (k) { byName[TYPES[k]] = k; });
    for (var i = 0; i < fileList.length; i++) {
      var bytes = await readFile(fileList[i]), kind = null;
      try {
        var doc = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
        if (isObj(doc) && TYPES[doc.type]) kind = doc.type;
      } catch (e) { /* identified by name below */ }
      kind = kind || byName[fileList[i].name];
      if (!kind) throw new Error("无法识别 " + fileList[i].name + "：不是 gongkai 的承诺、揭示或回执文件");
      if (files[kind]) throw new Error("给出了两个 " + TYPES[kind]);
      files[kind] = bytes;
    }
    var missing = Object.keys(TYPES).filter(function (k) { return !files[k]; }).map(function (k) { return TYPES[k]; });
    if (missing.length) throw new Error("缺少文件：" + missing.join("、") + "（需要承诺、揭示、回执三个文件）");
    return files;
  }

  function render(root, outcome, error) {
    var result = root.querySelector("[data-draw-result]");
    result.textContent = "";
    var banner = document.createElement("p");
    banner.className = "gongkai-verify-banner";
    result.appendChild(banner);
    if (error) {
      result.setAttribute("data-status", "error");
      banner.textContent = "✘ " + error;
      return;
    }
    var ok = outcome.ok();
    result.setAttribute("data-status", ok ? "ok" : "failed");
    result.setAttribute("data-failed", outcome.failed().join(" "));
    banner.textContent = ok ? "✔ 验证通过：抽取结果可由公开数据复现。" : "✘ 验证未通过：" + outcome.failed().map(function (id) {
      return CHECKS.filter(function (c) { return c[0] === id; })[0][1];
    }).join("、");
    var list = document.createElement("ul");
    CHECKS.forEach(function (c) {
      var r = outcome.results[c[0]], li = document.createElement("li");
      li.setAttribute("data-check", c[0]);
      li.setAttribute("data-status", r.ok === true ? "passed" : r.ok === false ? "failed" : "not-run");
      li.textContent = (r.ok === true ? "✔ " : r.ok === false ? "✘ " : "· ") + c[1] + (r.ok === null ? "（未运行）" : "");
      r.messages.forEach(function (msg) {
        var p = document.createElement("div");
        p.className = "gongkai-verify-message";
        p.textContent = msg;
        li.appendChild(p);
      });
      list.appendChild(li);
    });
    result.appendChild(list);
  }

  function init() {
    var root = document.querySelector("[data-draw-verifier]");
    if (!root) return;
    var input = root.querySelector("input[type=file]");
    var result = root.querySelector("[data-draw-result]");
    if (!(window.crypto && crypto.subtle)) {
      result.textContent = "此浏览器不支持 WebCrypto（须通过 https 或本机地址打开本页）。请改用 verify_draw.py。";
      return;
    }
    result.setAttribute("data-status", "ready");
    result.textContent = "验证程序已就绪：请选择文件。";
    input.addEventListener("change", async function () {
      result.setAttribute("data-status", "running");
      try {
        render(root, await verify(await classify(input.files)), null);
      } catch (e) {
        render(root, null, e.message || String(e));
      }
    });
  }

  window.gongkaiVerifyDraw = { verify: verify, rfc3797Select: rfc3797Select, rfc3797Key: rfc3797Key, checks: CHECKS };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
