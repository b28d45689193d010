"""Literal words a regex's every match must contain, read off the pattern's own text.

The block rules are prefiltered by such words (:func:`transforms.boilerplate.literal_prefilter`).
They used to be read off CPython's private parse tree (``re._parser``), which may change in
any release; this module reads the pattern source itself, with the grammar of Python's
``re`` syntax that matters here, so it depends on nothing private and gives the same words
on every Python the project supports.

Sound, not complete: a run of literals (or of small classes of literals) gives its words, a
group or a repeat of at least one gives its own, a branch the union over its alternatives;
anything else (classes like ``\\d``, ``.``, anchors, lookarounds, back references, scoped
flags) gives nothing and ends a run. A pattern whose syntax is not understood, or that sets
flags inline, gives None: no prefilter, the rule always runs.
"""
from __future__ import annotations

from dataclasses import dataclass

_MAX_OPTIONS = 16  # adjacent character classes are expanded into words up to this many
_SIMPLE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "f": "\f", "v": "\v", "a": "\a"}
_CLASS_ESCAPES = frozenset("dDsSwWbBAZz")


class _Unknown(Exception):
    """Syntax this reader does not follow: the caller gets no literals."""


@dataclass
class _Lit:
    chars: frozenset[str]


@dataclass
class _Node:
    kind: str  # "group", "alt", "repeat", "other"
    items: list | None = None  # group: sequence; alt: list of sequences; repeat: sequence
    at_least: int = 0


class _Reader:
    def __init__(self, source: str) -> None:
        self.s = source
        self.i = 0

    def peek(self) -> str:
        return self.s[self.i] if self.i < len(self.s) else ""

    def alternation(self) -> list:
        """A sequence, or one ``alt`` node when the level has ``|``."""
        options = [self.sequence()]
        while self.peek() == "|":
            self.i += 1
            options.append(self.sequence())
        return options[0] if len(options) == 1 else [_Node("alt", options)]

    def sequence(self) -> list:
        items: list = []
        while self.i < len(self.s) and self.peek() not in "|)":
            atom = self.atom()
            if atom is None:
                continue
            items.append(self.quantified(atom))
        return items

    def quantified(self, atom: _Lit | _Node) -> _Lit | _Node:
        c = self.peek()
        if c and c in "*+?":
            self.i += 1
            at_least = 1 if c == "+" else 0
        elif c == "{" and (bounds := self._bounds()) is not None:
            at_least = bounds
        else:
            return atom
        if self.peek() in ("?", "+"):  # lazy or possessive
            self.i += 1
        return _Node("repeat", [atom], at_least)

    def _bounds(self) -> int | None:
        """``{m}``, ``{m,}``, ``{,n}``, ``{m,n}`` at the cursor: its minimum (the cursor past it); else None
        (a ``{`` that is no quantifier is a literal, as in ``re``)."""
        j = self.s.find("}", self.i)
        if j == -1:
            return None
        body = self.s[self.i + 1:j]
        low, comma, high = body.partition(",")
        if not (low.isdigit() or (comma and low == "")) or (high and not high.isdigit()) or (not comma and not low):
            return None
        self.i = j + 1
        return int(low) if low else 0

    def atom(self) -> _Lit | _Node | None:
        c = self.s[self.i]
        self.i += 1
        if c == "\\":
            return self.escape()
        if c == "[":
            return self.char_class()
        if c == "(":
            return self.group()
        if c in ".^$":
            return _Node("other")
        return _Lit(frozenset(c))

    def escape(self) -> _Lit | _Node:
        if self.i >= len(self.s):
            raise _Unknown("trailing backslash")
        c = self.s[self.i]
        self.i += 1
        if c in _CLASS_ESCAPES or c.isdigit():  # classes, anchors, back references, octal
            return _Node("other")
        if c in _SIMPLE_ESCAPES:
            return _Lit(frozenset(_SIMPLE_ESCAPES[c]))
        if c in "xuU":
            width = {"x": 2, "u": 4, "U": 8}[c]
            digits = self.s[self.i:self.i + width]
            if len(digits) != width:
                raise _Unknown("short hex escape")
            self.i += width
            return _Lit(frozenset(chr(int(digits, 16))))
        if c.isalpha():  # \N{…} and anything else with a letter: not followed here
            raise _Unknown(f"escape \\{c}")
        return _Lit(frozenset(c))

    def char_class(self) -> _Lit | _Node:
        chars: set[str] = set()
        known = True
        if self.peek() == "^":
            self.i += 1
            known = False
        first = True
        while True:
            if self.i >= len(self.s):
                raise _Unknown("unclosed class")
            c = self.s[self.i]
            self.i += 1
            if c == "]" and not first:
                break
            first = False
            if c == "\\":
                e = self.escape()
                if not isinstance(e, _Lit):
                    known = False
                    continue
                c = next(iter(e.chars))
            if self.peek() == "-" and self.i + 1 < len(self.s) and self.s[self.i + 1] != "]":
                self.i += 1
                hi = self.s[self.i]
                self.i += 1
                if hi == "\\":
                    e = self.escape()
                    if not isinstance(e, _Lit):
                        raise _Unknown("range to a class")
                    hi = next(iter(e.chars))
                if ord(hi) - ord(c) >= _MAX_OPTIONS:
                    known = False
                    continue
                chars.update(chr(o) for o in range(ord(c), ord(hi) + 1))
                continue
            chars.add(c)
        return _Lit(frozenset(chars)) if known and chars else _Node("other")

    def group(self) -> _Node | None:
        kind = "group"
        if self.s.startswith("?", self.i):
            rest = self.s[self.i + 1:]
            if rest.startswith(":") or rest.startswith(">"):
                self.i += 2
            elif rest.startswith(("P<", "<")) and not rest.startswith(("<=", "<!")):
                end = self.s.find(">", self.i)
                if end == -1:
                    raise _Unknown("unclosed group name")
                self.i = end + 1
            elif rest.startswith(("=", "!", "<=", "<!")):
                self.i += 2 if rest[0] in "=!" else 3
                kind = "other"  # a lookaround requires nothing of the match itself
            elif rest.startswith("P="):
                end = self.s.find(")", self.i)
                self.i = end + 1
                return _Node("other")
            elif rest.startswith("#"):
                end = self.s.find(")", self.i)
                self.i = end + 1
                return None
            else:
                raise _Unknown("inline flags or conditional group")
        sub = self.alternation()
        if self.peek() != ")":
            raise _Unknown("unbalanced parenthesis")
        self.i += 1
        return _Node(kind, sub)


def _uncased(ch: str) -> bool:
    return ch.lower() == ch == ch.upper() and ch.casefold() == ch


def _required(items: list, ignore_case: bool) -> set[str] | None:
    candidates: list[set[str]] = []
    run: list[frozenset[str]] = []  # one set of characters per position of adjacent literal items

    def end_run() -> None:
        words = [""]
        for chars in run:
            if len(words) * len(chars) > _MAX_OPTIONS:
                if words != [""]:
                    candidates.append(set(words))
                words = [""]
                if len(chars) > _MAX_OPTIONS:
                    continue
            words = [w + c for w in words for c in chars]
        if words != [""]:
            candidates.append(set(words))
        run.clear()

    for item in items:
        if isinstance(item, _Lit) and (not ignore_case or all(map(_uncased, item.chars))):
            run.append(item.chars)
            continue
        end_run()
        found = None
        if isinstance(item, _Node):
            if item.kind == "group":
                found = _required(item.items or [], ignore_case)
            elif item.kind == "alt":
                options = [_required(o, ignore_case) for o in item.items or []]
                if all(options):
                    found = set().union(*options)
            elif item.kind == "repeat" and item.at_least >= 1:
                found = _required(item.items or [], ignore_case)
        if found:
            candidates.append(found)
    end_run()
    # The best set has the longest shortest word, then the fewest words.
    return max(candidates, key=lambda ws: (min(map(len, ws)), -len(ws))) if candidates else None


def required_literals(pattern: str, ignore_case: bool = False) -> set[str] | None:
    """Strings one of which every match of ``pattern`` contains; None when none are known.

    Under ``ignore_case`` only characters without case count, so the literals can be
    searched for as written. ``re.VERBOSE`` patterns are not read (their whitespace is no
    literal): pass them and get None.
    """
    reader = _Reader(pattern)
    try:
        items = reader.alternation()
        if reader.i != len(pattern):
            raise _Unknown("unbalanced parenthesis")
    except (_Unknown, ValueError):
        return None
    return _required(items, ignore_case)
