"""Search words: how gongkai cuts names and codes into index and query words.

The same cuts are made in the browser by ``overrides/assets/javascripts/gongkai-search.js``
(``queryWords``, ``nameHash``); :mod:`generator.publish.site.search` explains why gongkai
tokenises itself rather than letting Pagefind segment Chinese:

* text is NFKC-normalised, lower-cased and cut into runs of letters and digits;
* a run is a sequence of *units*: each ASCII letter/digit stretch (a credit code, ``ktv``,
  ``2024``) is one unit, every other character (a Han character) is a unit of its own;
  letters a–z are then written as :data:`LATIN_SUBSTITUTES`, which Pagefind does not split;
* the index holds, for every unit of every run, the next :data:`SPAN_UNITS` units starting
  there (:func:`search_words`); a query of up to :data:`SPAN_UNITS` units is one word, a
  longer query run is cut into overlapping pieces of :data:`SPAN_UNITS` units
  (:func:`query_words`).
"""

from __future__ import annotations

import re
import unicodedata

SPAN_UNITS = 24
"""Units per index word. Longer query runs are cut into pieces of this many units.

Must equal ``SPAN`` in ``gongkai-search.js``."""

LATIN_SUBSTITUTES = "".join(chr(0xA4D0 + n) for n in range(26))
"""Stand-ins for a–z in index and query words: the Lisu letters U+A4D0–U+A4E9.

Pagefind splits a word where a cased letter meets a digit (``92140922r6f1`` also yields
``92140922``), and falls back to such a part when a mistyped or absent code matches
nothing (see ``WORD_END`` in :mod:`generator.publish.site.search`). Lisu letters have no
case, so codes stay whole."""
_LATIN = str.maketrans("abcdefghijklmnopqrstuvwxyz", LATIN_SUBSTITUTES)
_RUN = re.compile(r"[^\W_]+")
_UNIT = re.compile(r"[0-9a-z]+|.", re.DOTALL)


def search_words(text: str) -> list[str]:
    """The index words for ``text``: from each unit of each run, the next :data:`SPAN_UNITS`.

    >>> search_words("示例县7天店")
    ['示例县7天店', '例县7天店', '县7天店', '7天店', '天店', '店']
    >>> search_words("KTV") == [LATIN_SUBSTITUTES[10] + LATIN_SUBSTITUTES[19] + LATIN_SUBSTITUTES[21]]
    True
    """
    words: dict[str, None] = {}
    for run in _RUN.findall(unicodedata.normalize("NFKC", text).lower()):
        units = _UNIT.findall(run)
        for start in range(len(units)):
            words["".join(units[start : start + SPAN_UNITS]).translate(_LATIN)] = None
    return list(words)


def name_hash(words: str) -> int:
    """FNV-1a (32 bits) over the code points of ``words``, as ``nameHash`` in the search box.

    Enterprises go to the shard their name's query words hash to, so the box searches the
    shard of an exact name first.

    >>> name_hash("")
    2166136261
    """
    value = 0x811C9DC5
    for char in words:
        value = ((value ^ ord(char)) * 0x01000193) & 0xFFFFFFFF
    return value


def query_words(query: str) -> list[str]:
    """What the search box sends Pagefind for ``query`` (mirrors ``gongkai-search.js``).

    >>> query_words("示例县 杨杰干果店二分店（东关）")
    ['示例县', '杨杰干果店二分店', '东关']
    >>> query_words("山西省忻州市忻府区恒信石油销售有限公司和平街第一加油站")
    ['山西省忻州市忻府区恒信石油销售有限公司和平街第一', '忻州市忻府区恒信石油销售有限公司和平街第一加油站']
    """
    words: list[str] = []
    for run in _RUN.findall(unicodedata.normalize("NFKC", query).lower()):
        units = _UNIT.findall(run)
        if len(units) <= SPAN_UNITS:
            words.append(run.translate(_LATIN))
            continue
        for start in range(0, len(units), SPAN_UNITS):
            start = min(start, len(units) - SPAN_UNITS)
            words.append("".join(units[start : start + SPAN_UNITS]).translate(_LATIN))
    return list(dict.fromkeys(words))


def latin_letters(text: str) -> str:
    """``text`` lower-cased, its letters a–z as :data:`LATIN_SUBSTITUTES`.

    >>> latin_letters("Ab1") == LATIN_SUBSTITUTES[0] + LATIN_SUBSTITUTES[1] + "1"
    True
    """
    return text.lower().translate(_LATIN)
