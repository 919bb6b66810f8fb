"""Undo the usual obfuscations before injection patterns and the classifier look at a text.

Attackers hide payloads from filters with look-alike letters (Cyrillic ``о`` for Latin ``o``),
invisible characters (zero-width spaces, bidi overrides, Unicode tag characters that smuggle
ASCII), leetspeak (``1gn0r3``), spaced-out letters (``i g n o r e``) and encodings (base64, hex,
rot13, percent-encoding). ``canonical`` gives the text a pattern should match; ``variants`` adds
the decoded payloads, each of which is scanned as well.

The user's text is never changed: all of this is for matching only.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import re
import unicodedata
import urllib.parse
from dataclasses import dataclass

# Latin look-alikes from Cyrillic and Greek (after NFKC, which already folds fullwidth forms,
# mathematical alphanumerics and ligatures). Only visually near-identical letters are listed.
_CONFUSABLES = {
    # Cyrillic lowercase
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "п": "n",
    "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i", "ј": "j",
    "ԁ": "d", "ԛ": "q", "ԝ": "w", "ү": "y", "һ": "h", "ӏ": "l", "ɡ": "g", "ѡ": "w",
    # Cyrillic uppercase
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C",
    "Т": "T", "Х": "X", "У": "Y", "Ѕ": "S", "І": "I", "Ј": "J", "Ԁ": "D", "Ԛ": "Q", "Ԝ": "W",
    # Greek
    "α": "a", "β": "b", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t",
    "υ": "u", "χ": "x", "γ": "y", "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I",
    "Κ": "K", "Μ": "M", "Ν": "N", "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
}  # fmt: skip
_CONFUSABLE_TABLE = str.maketrans(_CONFUSABLES)

# Leetspeak digits and symbols, folded only inside tokens that also hold letters ("Super Bowl 50"
# keeps its number; "1gn0r3" becomes "ignore").
_LEET_TABLE = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"}
)
# A token is a maximal run of [a-z0-9@$!] holding a letter; it is folded when it also holds a
# leetspeak character. Matching only the runs that hold one (rarely a word of plain text), with
# possessive steps that never backtrack, is the same fold without a callback for every word.
_LEET_RUN = re.compile(r"(?<![a-z0-9@$!])[a-z268]*+[0134579@$!][a-z0-9@$!]*+")
_HAS_LETTER = re.compile(r"[a-z]")
# Such a token has a letter next to a digit or one of @$! somewhere; most texts have none, and
# this scan skips ahead to the rare digits and symbols, so it rules them out cheaply.
_LEET_HINT = re.compile(r"[0-9@$!](?:(?=[a-z])|(?<=[a-z].))")

# Tag characters U+E0020..U+E007E mirror printable ASCII and render as nothing ("ASCII smuggling").
_TAG_START, _TAG_END = 0xE0020, 0xE007E
_BIDI = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
_SPACED = re.compile(r"\b(?:[a-z][ .\-_*]){3,}[a-z]\b")
# every ``_SPACED`` match holds separator, letter, separator, letter, separator: a cheaper scan
_SPACED_HINT = re.compile(r"[ .\-_*][a-z][ .\-_*][a-z][ .\-_*]")
_SPACE = re.compile(r"[ \t\f\v]+")

_BASE64 = re.compile(r"(?<![A-Za-z0-9+/=_-])[A-Za-z0-9+/_-]{16,}={0,2}(?![A-Za-z0-9+/=_-])")
_HEX = re.compile(r"(?:(?:\\x|0x)?[0-9a-fA-F]{2}[\s,:]?){8,}")
# Every character of a ``_HEX`` match is a hex digit, "\\", "x", whitespace, "," or ":", and a
# match is at least 16 characters: a text without such a run is spared the slower ``_HEX`` scan.
_HEX_RUN = re.compile(r"[0-9a-fA-F\\x\s,:]{16}")
_PERCENT = re.compile(r"%[0-9a-fA-F]{2}")
_ROT13_HINT = re.compile(r"rot-?13|caesar", re.I)


@dataclass(frozen=True, slots=True)
class Variant:
    """One reading of a text: ``kind`` is ``text`` for the text itself, or the decoding applied."""

    kind: str
    text: str


def strip_invisible(text: str) -> tuple[str, set[str]]:
    """Drop zero-width, bidi and other format characters; decode tag characters to ASCII.

    Returns the cleaned text and the names of what was found (``zero_width``, ``bidi_control``,
    ``tag_chars``), which are signals of obfuscation in their own right.
    """
    # Almost every text holds none of them: deciding that once per distinct character is much
    # cheaper than the loop below, and then the loop would return the text unchanged.
    if text.isascii() or not any(_is_invisible(ch) for ch in set(text) if ch > "\x7f"):
        return text, set()
    found: set[str] = set()
    out: list[str] = []
    for ch in text:
        code = ord(ch)
        if _TAG_START <= code <= _TAG_END:
            found.add("tag_chars")
            out.append(chr(code - 0xE0000))
        elif ch in _BIDI:
            found.add("bidi_control")
        elif unicodedata.category(ch) == "Cf" or 0xFE00 <= code <= 0xFE0F:
            # U+200B..U+200D, U+2060, U+FEFF, U+00AD, variation selectors, ...
            found.add("zero_width")
        else:
            out.append(ch)
    return "".join(out), found


def _is_invisible(ch: str) -> bool:
    """Whether ``strip_invisible`` drops or decodes ``ch`` (no ASCII character qualifies)."""
    code = ord(ch)
    return (
        _TAG_START <= code <= _TAG_END
        or ch in _BIDI
        or unicodedata.category(ch) == "Cf"
        or 0xFE00 <= code <= 0xFE0F
    )


def fold_confusables(text: str) -> str:
    """Map Cyrillic and Greek look-alikes to the Latin letters they imitate."""
    if text.isascii():  # no look-alike is ASCII; skipping the table is cheaper than applying it
        return text
    return text.translate(_CONFUSABLE_TABLE)


def fold_leet(text: str) -> str:
    """Fold leetspeak inside lowercase tokens that mix letters with digits or symbols."""

    def fold(m: re.Match[str]) -> str:
        tok = m.group(0)
        return tok.translate(_LEET_TABLE) if _HAS_LETTER.search(tok) else tok

    if not _LEET_HINT.search(text):
        return text
    return _LEET_RUN.sub(fold, text)


def join_spaced_letters(text: str) -> str:
    """``i g n o r e`` and ``i.g.n.o.r.e`` become ``ignore`` (lowercase input)."""
    if not _SPACED_HINT.search(text):
        return text
    return _SPACED.sub(lambda m: re.sub(r"[ .\-_*]", "", m.group(0)), text)


def canonical(text: str) -> str:
    """The form patterns and the classifier see: NFKC, invisible characters removed, look-alikes
    and leetspeak folded, spaced letters joined, lowercase, runs of spaces collapsed."""
    return _canonical(text)[0]


def _canonical(text: str) -> tuple[str, bool]:
    """``canonical(text)``, and whether leetspeak folding changed anything."""
    text = unicodedata.normalize("NFKC", text)
    text, _ = strip_invisible(text)
    lowered = fold_confusables(text).lower()
    text = fold_leet(lowered)
    folded = text != lowered
    text = join_spaced_letters(text)
    # most texts hold single spaces only, which the substitution would leave as they are
    if "  " in text or "\t" in text or "\f" in text or "\v" in text:
        text = _SPACE.sub(" ", text)
    return text.strip(), folded


# "USAIgnore your", "resumeIgnore all", "External_Ignore your": a planted instruction glued to
# the text before it, where no word boundary is left for a pattern to start at. Only a glued
# word that ends where a word ends: the camelCase of code ("readFileSync(") is left alone, so
# code-heavy documents are not read twice.
_GLUED = re.compile(
    r"(?<=[a-z])(?=[A-Z][A-Za-z]*(?:\s|$))|(?<=[A-Z])(?=[A-Z][a-z][A-Za-z]*(?:\s|$))"
    r"|(?<=[A-Za-z])_(?=[A-Za-z]+(?:\s|$))"
)


def unglue(text: str) -> str:
    """``text`` with a space before each capitalized word glued to the letters before it, and for
    an underscore that glues one, so that patterns see the words an attacker glued together (for
    matching only)."""
    return _GLUED.sub(" ", text)


def canonical_with_rot13(text: str) -> tuple[str, str]:
    """``canonical(text)`` and ``canonical(rot13(text))``, the second derived from the first when
    that is provably the same, at a fraction of the cost.

    For ASCII text, NFKC, invisible characters and look-alikes change nothing, and rot13 commutes
    with lowercasing; spaced letters and spaces are found by character class (letter, separator,
    word boundary, space), which rot13 keeps. Only leetspeak does not commute (``0`` folds to
    ``o``, whose rot13 is ``b``), so the shortcut holds when the text folded none.
    """
    plain, folded = _canonical(text)
    if text.isascii() and not folded:
        return plain, codecs.encode(plain, "rot13")
    return plain, canonical(codecs.encode(text, "rot13"))


def obfuscation_signals(text: str) -> set[str]:
    """Names of obfuscation tricks present in ``text`` (invisible characters, look-alikes)."""
    _, found = strip_invisible(unicodedata.normalize("NFKC", text))
    if any(ch in _CONFUSABLES for ch in text) and re.search(r"[A-Za-z]", text):
        found.add("confusables")  # look-alikes mixed with Latin letters
    return found


def _printable_text(raw: bytes) -> str | None:
    """``raw`` as text when it reads as natural text (mostly printable, some letters and spaces)."""
    try:
        s = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if len(s) < 6:
        return None
    printable = sum(ch.isprintable() or ch in "\n\t" for ch in s) / len(s)
    letters = sum(ch.isalpha() for ch in s) / len(s)
    if printable < 0.95 or letters < 0.5 or " " not in s.strip():
        return None
    return s


def decode_blobs(text: str) -> list[Variant]:
    """Natural-language payloads hidden in base64, hex or percent-encoding inside ``text``."""
    found: list[Variant] = []
    for m in _BASE64.finditer(text):
        blob = m.group(0)
        if blob.isalpha() and (blob.islower() or blob.isupper()):
            continue  # a long plain word, not base64
        pad = "=" * (-len(blob.rstrip("=")) % 4)
        try:
            raw = base64.b64decode(
                blob.rstrip("=") + pad, altchars=b"-_" if "-" in blob or "_" in blob else None
            )
        except (binascii.Error, ValueError):
            continue
        decoded = _printable_text(raw)
        if decoded:
            found.append(Variant("base64", decoded))
    if _HEX_RUN.search(text):
        for m in _HEX.finditer(text):
            digits = re.sub(r"\\x|0x|[\s,:]", "", m.group(0))
            if len(digits) % 2:
                digits = digits[:-1]
            try:
                decoded = _printable_text(bytes.fromhex(digits))
            except ValueError:
                continue
            if decoded:
                found.append(Variant("hex", decoded))
    if len(_PERCENT.findall(text)) >= 4:
        found.append(Variant("percent", urllib.parse.unquote(text)))
    return found


def variants(text: str, depth: int = 2) -> list[Variant]:
    """The text itself, then every decoded payload (nested up to ``depth`` levels), then rot13.

    rot13 is always tried for patterns (rot13 of ordinary text never spells an attack phrase);
    callers decide whether to send it to the classifier (``ROT13_HINT`` says the text names it).
    """
    out = [Variant("text", text)]
    frontier = [text]
    for _ in range(depth):
        nxt: list[str] = []
        for t in frontier:
            for v in decode_blobs(t):
                if all(v.text != o.text for o in out):
                    out.append(v)
                    nxt.append(v.text)
        frontier = nxt
    out.append(Variant("rot13", codecs.encode(text, "rot13")))
    return out


def names_rot13(text: str) -> bool:
    """Whether the text itself mentions rot13 or a Caesar cipher."""
    # An ASCII match is "13" or a case variant of "caesar" (outside ASCII, "ſ" matches "s"):
    # two substring tests rule out most texts before the slower case-insensitive scan.
    if text.isascii() and "13" not in text and "caesar" not in text.lower():
        return False
    return bool(_ROT13_HINT.search(text))
