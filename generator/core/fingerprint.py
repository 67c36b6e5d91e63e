"""What gongkai's outputs are made with, as one digest: its code and the libraries it uses.

A digest that changes when gongkai is upgraded or edited, so that whatever is kept from an
earlier run (the validation cache, a page taken over unrendered) is kept only by the same
code that made it.
"""

from __future__ import annotations

import functools
import hashlib
import json
import pickle
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

from generator import __version__
from generator.core.schemas import SCHEMA_DIR

_CODE_DIR = Path(__file__).resolve().parents[1]
CODE_SUFFIXES = (".py", ".html")
"""gongkai's code: its modules and its templates."""


@functools.cache
def code_digest(*libraries: str) -> str:
    """SHA-256 of gongkai's own code, templates and schemas (every ``generator/**/*.py`` and
    ``*.html`` and ``schemas/**`` file, by path), and of the versions of Python, gongkai and
    ``libraries`` (distribution names); computed once per process."""
    digest = hashlib.sha256()
    files = [("generator", p) for p in _CODE_DIR.rglob("*") if p.suffix in CODE_SUFFIXES]
    files += [("schemas", p) for p in SCHEMA_DIR.rglob("*") if p.is_file()]
    for top, path in sorted(files, key=lambda item: (item[0], item[1].as_posix())):
        base = _CODE_DIR if top == "generator" else SCHEMA_DIR
        name = f"{top}/{path.relative_to(base).as_posix()}"
        digest.update(f"{name}\0{path.stat().st_size}\0".encode())
        digest.update(path.read_bytes())
    versions = {name: _version(name) for name in libraries}
    versions |= {"gongkai": __version__, "python": sys.version}
    digest.update(json.dumps(versions, sort_keys=True).encode())
    return digest.hexdigest()


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "missing"


class _Digest:
    """A file-like object for :class:`pickle.Pickler` that hashes what is written to it."""

    def __init__(self) -> None:
        self.hash = hashlib.blake2b(digest_size=20)
        self.write = self.hash.update


def value_digest(*values: Any) -> str:
    """A digest of plain values (dicts, lists, strings, numbers, dates, dataclasses): the same
    for equal values in every process, whichever objects they share.

    They are pickled without the memo (``fast`` mode), so an object met twice is written out
    twice, not as a reference that depends on which objects happen to be one. Equal values
    in a different order (a dict's insertion order, a set's) give another digest: a miss
    where a digest keys a cache, never a false hit.
    """
    sink = _Digest()
    pickler = pickle.Pickler(sink, protocol=5)
    pickler.fast = True  # no memo: see the docstring (values here are never cyclic)
    pickler.dump(values)
    return sink.hash.hexdigest()
