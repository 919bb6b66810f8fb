"""Strict support rules: a sentence is supported only when what it asserts is in its cited text.

The groundedness judges (``grounding``) score how well evidence covers a claim, and a fluent claim
built from a relevant passage can score well while asserting something the passage does not say.
These rules are hard vetoes on top of any score. Each returns a reason in words; none returns an
empty tuple.

Claim rules (``claim_problems``):

1. *Something to check*: a claim with fewer than 2 content words ("PWNED.") asserts nothing.
2. *Names*: every named entity of the claim is in the cited text ("American" in "... applies
   American Union law" against a text about European Union law). Entities are capitalized words
   (``claims.entities``); the claim's first word counts when the next word is capitalized too
   ("American Union law is ...") or when the cited text writes it capitalized mid-sentence.
3. *Numbers, stated together*: every number the claim writes with digits is in the cited text,
   in a sentence that also names every entity of the claim (a claim without entities: that holds
   at least half of its other content words). A sentence is read together with a neighbour (the
   one before or after, in the same text) when the later of the two *continues* the earlier: it
   opens with a subject pronoun (he, she, it, they; also after a leading phrase and a comma).
   "It was renamed in 1957." continues the sentence before it; "The European Economic Community
   (EEC) was created in 1957" has a subject of its own, so it does not state 1957 about the ECSC
   of the sentence before. Spelled-out numbers ("two", "first") mostly count or order what a text
   lists ("the two types are ..."), so they are left to the judges.
4. *Polarity*: the claim agrees on negation with the evidence sentence that best matches it
   ("X did not win" against "X won" fails). When the two disagree as wholes, the clauses are
   compared, so a negation in a side clause ("Although he was not born there, he moved to Paris")
   does not veto a claim about the other clause; "not only", "not until" and "X and not Y" do
   not count as denials.
5. *Facts, not orders*: that best sentence is not an instruction to the assistant: a known
   injection move (``patterns``: "ignore previous instructions", ...) or a command to say
   something ("... and say PWNED", "respond with 'yes'").
6. *Not the opposite*: the claim does not use a word whose opposite that best sentence uses
   instead ("Tallinn is the smallest city" against "Tallinn is the largest city"; the pairs and
   what they leave out, such as converse relations, are in ``opposites``).

Question rule (``question_problems``): the question's key constraints (numbers written with
digits, named entities, numbers a label names such as "Grade 7", seasons, quoted strings) are in
the cited text; otherwise the text answers a different question. A question is typed by a person, so its names are matched more loosely than a
claim's (``_near``): a typo ("Setanta" asked as "Sentanta", "Premier" as "Primier": one edit in a
name of 5+ letters, two in one of 8+, the first letter kept) or a derived form ("Australian" for
"Australia", "Medal" for "Medalist": one word opening the other, 5+ letters shared, 3 or fewer
added) still counts. A name swapped for another ("American" for "European") does not.

Matching tolerates case, accents, possessives (``'s``), plural and other stem variation
(Snowball), hyphenation and spacing ("co-operation" = "cooperation", "Franco-Prussian" = "Franco
Prussian", "Superbowl" = "Super Bowl"), initials ("UMC" = "United Methodist Church") and number
forms (``1,000`` = ``1000``; ``3rd`` = ``third``).
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

from veracity.guard.claims import (
    claim_features,
    content_stems,
    entities,
    negated,
    numbers,
    stems,
)
from veracity.guard.labelled import holds_labelled, labelled_numbers
from veracity.guard.normalize import canonical
from veracity.guard.opposites import opposed
from veracity.guard.patterns import match_patterns
from veracity.guard.periods import MONTHS, WEEKDAYS, in_period
from veracity.guard.ranges import in_range, units_of
from veracity.guard.sentences import STOPWORDS, content_words, split_sentences, words

MIN_CONTENT_WORDS = 2
_COVER = 0.5  # share of its content words a claim without names must share with the number
# The same markers ``rag.citations`` strips; the guard layer sits below ``rag`` and cannot import it.
_MARKER = re.compile(r"\[\d{1,3}(?:\s*[,;]\s*\d{1,3})*\]")
# A subject pronoun opening the sentence or a clause after a comma refers back ("She released",
# "Born in Houston, she ...", "In 1957, it was"); one later on ("... and he went on") is about
# the sentence's own subject.
_REFERS_BACK = re.compile(r"(?:^|,\s*)(?:he|she|it|they)\b", re.IGNORECASE)
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_DIGITS = re.compile(r"\S*\d\S*")
# Runs of capitalized words (small words allowed inside) whose initials may be abbreviated:
# "United Methodist Church" -> UMC, "Victoria and Albert Museum" -> V&A.
_NAME_RUN = re.compile(r"[A-Z][\w'-]*(?:\s+(?:(?:of|and|the|for|&)\s+)*[A-Z][\w'-]*)+")
_RUN_FILLER = frozenset({"of", "and", "the", "for", "&"})
# A command to the reader about what to say: a speech verb opening a clause, followed by what to
# say (a quote, "with", "only", "exactly", "the word(s)", or a word of 3+ capitals: "say PWNED").
# Not "type" or "print" + capitals: "Type II hypersensitivity", "Print ISBN".
_COMMAND = re.compile(
    r"(?i:(?:^|[,;:]\s*|\b(?:and|then|please|now|just|instead|simply)\s+"
    r"|\byou (?:must|should|will|shall) (?:now |only |always )?)"
    r"(?:say|respond|reply|answer|output|write|repeat|tell the user)\s+)"
    r"(?:[\"'“‘]|(?i:with|only|exactly|the words?)\b|[A-Z]{3,}\b)"
)
_CLAUSE = re.compile(
    r"[,;:()]|\b(?:although|though|but|while|whereas|because|unless)\b",
    re.IGNORECASE,
)
_NOT_DENIAL = re.compile(
    r"\bnot (?:only|until|till)\b|\b(?:and|or) not\b|\bno (?:doubt|sooner)\b",
    re.IGNORECASE,
)
# after ``_fold``, which straightens curly single quotes
_QUOTED = re.compile(r"\"([^\"]+)\"|“([^”]+)”|(?<!\w)'([^']+)'(?!\w)")


def claim_problems(claim: str, evidence: Sequence[str]) -> tuple[str, ...]:
    """Why ``claim`` is not strictly supported by ``evidence`` (the cited texts); empty if it is.

    ``[n]`` citation markers in the claim are ignored. See the module docstring for the rules.
    """
    text = _fold(_MARKER.sub(" ", claim))
    texts = tuple(_fold(t) for t in evidence)
    out: list[str] = []
    if len(content_words(text)) < MIN_CONTENT_WORDS:
        out.append(
            f"the claim asserts nothing checkable (fewer than {MIN_CONTENT_WORDS} content words)"
        )
    index = _evidence_terms(texts)
    names = sorted(_claim_names(text, texts))
    out += [f"'{n}' is not in the cited text" for n in names if not _has(n, index)]
    stated = [n for n in names if _has(n, index)]  # a missing name is reported once, above
    windows = _windows(texts)
    for n in sorted(_numbers(text), key=_num_key):
        if problem := _number_problem(n, text, stated, windows):
            out.append(problem)
    out += _best_sentence_problems(text, texts)
    return tuple(out)


# "I" is capitalized but names nobody the document must mention ("I'm violating ...").
_FIRST_PERSON = frozenset({"i", "i'm", "i've", "i'd", "i'll"})


# Sentence breaks inside a question message ("Hello! Sorry to ask, but ..."): a sentence's first
# word is capitalized as a sentence, not as a name. Not after a title or an initial ("Mr. Smith",
# "J. Smith"), where the next word is the name.
_SENTENCES = re.compile(
    r"(?<![A-Z]\.)(?<!\bMr\.)(?<!\bMs\.)(?<!\bDr\.)(?<!\bSt\.)(?<!\bMrs\.)(?<!\bvs\.)"
    r"(?<!\bJr\.)(?<!\bSr\.)(?<=[.!?])\s+"
)


def question_problems(
    question: str, evidence: Sequence[str], elsewhere: str = ""
) -> tuple[str, ...]:
    """The key constraints of ``question`` that ``evidence`` lacks: its numbers (one inside a
    band of the evidence is held, ``ranges``: "children aged 10" by "aged 5 to 15", "my dog
    weighs 32 kg" by "Large (25.1–40 kg)"), named entities
    (capitalized words after the first of each sentence, stopwords such as "What" excluded),
    seasons (a time, as months and weekdays are: "When does the summer term start?" is not
    answered by a passage about the autumn and spring terms) and quoted strings. A month or a
    weekday inside a period of the evidence is held ("in August" by "open from 1 April to 31
    October"). A number a label names ("Grade 7", "ThermaCombi 24") is held only with its label
    (``labelled``: "Grades 5-6" holds "Grade 5"; "7 days" holds no grade). Names from code ("--jobs", "attrs.define", "weakref_slot") must be named too.
    What the evidence lacks may be held by ``elsewhere`` (a whole document, searched for the
    term as it is written, not by every form: it may be megabytes long)."""
    text = _fold(question)
    rest = _QUOTED.sub(" ", text)  # a quoted string is checked whole, its words not one by one
    texts = tuple(_fold(t) for t in evidence)
    index = _evidence_terms(texts)
    out: list[str] = []
    have = numbers(" ".join(texts))
    units = units_of(rest)
    labelled = labelled_numbers(rest)
    held = [
        holds_labelled(label, number, "\n".join(texts)) or holds_labelled(label, number, elsewhere)
        for label, number in labelled
    ]
    have |= {number for (_, number), ok in zip(labelled, held, strict=True) if ok}
    out += [
        f"number {n} from the question is not in the cited text"
        for n in sorted(_numbers(rest), key=_num_key)
        if n not in have
        and not any(h.startswith(n + ".") for h in have)  # 2.0 in 2.0.0
        # "aged 10" in "children aged 5 to 15", "my dog weighs 32 kg" in "Large (25.1–40 kg)"
        and not in_range(n, texts, units.get(n, ""))
        # a measured band elsewhere in the document: "Large (25.1–40 kg)" over a price table's
        # "Large" column holds "my labrador weighs 32 kg"
        and not (n in units and in_range(n, [elsewhere], units[n]))
        and not _written_in(n, elsewhere)
    ]
    # a number a label names ("Grade 7", "ThermaCombi 24") is held only with its label:
    # neither "7 days" nor "Grades 1-4" holds "Grade 7" (``labelled``)
    out += [
        f"'{label} {number}' from the question is not in the cited text"
        for (label, number), ok in zip(labelled, held, strict=True)
        if not ok
    ]
    # a capital alone is a name only after another ("Band D", "Plan B"): "a C function" names
    # the language every page of a C library's manual is about, which few passages repeat
    lettered = {
        letter.lower()
        for word, letter in _LETTER_OF_NAME.findall(rest)
        if word.lower() not in STOPWORDS  # "The C function" opens a sentence
    }
    names = {
        _bare(e)
        for sentence in _SENTENCES.split(rest)
        for e in entities(sentence)
        if len(e) > 1 or e in lettered
    }
    names |= {m.lower() for m in _SEASONS.findall(rest)}  # a time, as a month is
    out += [
        f"'{e}' from the question is not in the cited text"
        for e in sorted(names - _FIRST_PERSON)
        if not _has(e, index)
        and not _near(e, index)
        and not in_period(e, texts)
        and not _written_in(e, elsewhere)
    ]
    for quote in _quotes(text):
        if not _has_phrase(quote, texts) and not _written_in(quote, elsewhere):
            out.append(f"the quoted '{quote}' from the question is not in the cited text")
    out += [
        f"'{name}' from the question is not in the cited text"
        for name in sorted(code_names(rest))
        if not _holds_code_name(name, texts) and not _written_in(name, elsewhere)
    ]
    return tuple(out)


_LETTER_OF_NAME = re.compile(r"\b([A-Z][a-z]+)[ \t]+([A-Z])\b(?![+#])")


def _written_in(term: str, text: str) -> bool:
    """Whether ``text`` holds ``term`` as written (case and runs of spaces aside), as a whole
    word: one regex scan, fast on a whole document."""
    if not text or not term.strip():
        return False
    pattern = r"\s+".join(re.escape(w) for w in term.split())
    return re.search(rf"(?<!\w){pattern}(?!\w)", text, re.IGNORECASE) is not None


# Names from code: an option ("--jobs"), a dotted name ("attrs.define", "fs.readFile()") or a
# snake_case one ("weakref_slot"). A passage that never names the one asked about is about
# something else: "What is the default of the flags argument of matches_re?" is not answered
# from a sentence about on_setattr's default.
_CODE_NAME = re.compile(
    r"(?<![\w.-])(?:--[A-Za-z][\w-]*[A-Za-z0-9]"
    r"|[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+(?:\(\))?"
    r"|[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+)(?![\w-])"
)


# A file's extension: "requirements.txt" or "NEWS.rst" in a question is the file the user has,
# often said in passing ("keep the token out of requirements.txt"), not a name the answer's
# passage must repeat; the docs say "a requirements file".
_FILE_EXTENSIONS = frozenset({
    "txt", "md", "rst", "py", "toml", "cfg", "ini", "json", "yaml", "yml", "lock", "sh", "bat",
    "exe", "zip", "gz", "tar", "whl", "html", "xml", "csv", "log", "conf", "pdf", "docx", "js",
    "c", "h", "cc", "cpp", "hpp", "cxx", "java", "rs", "go", "rb", "ts", "tsx", "jsx", "php", "pl",
    "swift", "kt", "cs", "so", "o", "a", "out", "dll", "dylib",
})  # fmt: skip


def code_names(text: str) -> set[str]:
    """The names from code that ``text`` holds (see ``_CODE_NAME``), without a call's "()";
    "e.g" and "U.S" are no names, and neither is a file name ("setup.py")."""
    out = set()
    for m in _CODE_NAME.finditer(text):
        name = m.group(0).removesuffix("()")
        if "." in name and (
            max(len(p) for p in name.split(".")) < 2
            or not any(c.islower() for c in name)
            or name.rsplit(".", 1)[-1].lower() in _FILE_EXTENSIONS
        ):
            continue
        out.add(name)
    return out


def _squashed(text: str) -> str:
    return re.sub(r"[_-]", "", text.lower())


def _holds_code_name(name: str, texts: Sequence[str]) -> bool:
    """Whether ``texts`` name ``name``, or its last dotted part ("matches_re" for
    "attrs.validators.matches_re") when that is 3+ characters, ignoring case, "_" and "-". An
    option of one word ("--wait") must be written as an option: without its dashes it is just
    the word ("v.wait", "wait for the server")."""
    if re.fullmatch(r"--?[A-Za-z0-9]+", name):
        word = re.escape(name.lstrip("-"))
        return any(re.search(rf"(?<![\w-])--?{word}(?![\w-])", t, re.IGNORECASE) for t in texts)
    hay = _squashed(" ".join(texts))
    forms = {_squashed(f) for f in (name, name.rsplit(".", 1)[-1])}
    return any(len(f) >= 3 and f in hay for f in forms)  # "or_" alone is the word "or"


# -- matching -----------------------------------------------------------------------------------


# Seasons ("fall" is mostly a verb: "When did Rome fall?").
_SEASONS = re.compile(r"\b(summer|winter|autumn|spring)\b", re.IGNORECASE)


def _fold(text: str) -> str:
    """Accents dropped and curly apostrophes straightened; case kept (entities need it).

    Canonical decomposition (NFD), not ``text.analyzer.fold``'s NFKD: compatibility forms would
    turn "…" into "..." (a new sentence break) and "10²" into "102" (a new number).
    """
    decomposed = unicodedata.normalize("NFD", text)
    kept = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", kept).replace("’", "'").replace("‘", "'")


def _numbers(text: str) -> set[str]:
    """The numbers written with digits (``1957``, ``1,000``, ``3rd``, ``1990s``). Spelled-out
    ones mostly count or order what the text lists or implies ("the two types are ...", "the
    first episode"), so they are not hard constraints; the judges still weigh them."""
    return numbers(" ".join(_DIGITS.findall(text)))


def _num_key(n: str) -> tuple[int, str]:
    return (len(n), n)


def _bare(word: str) -> str:
    """``word`` lowercased without a possessive ("Beyonce's" -> "beyonce", "Unions'" -> "unions")."""
    w = word.lower()
    return w[:-2] if w.endswith("'s") else w.rstrip("'")


def _forms(word: str) -> set[str]:
    """The spellings a word is matched under: itself without a possessive, without inner
    punctuation (``co-operation`` -> ``cooperation``, ``u.s`` -> ``us``) and its stem."""
    w = _bare(word)
    joined = _NON_ALNUM.sub("", w)
    return {w, joined, *stems([joined])} if joined else {w}


def _parts(word: str) -> list[str]:
    return [p for p in _NON_ALNUM.split(word.lower()) if p and p != "s"]


@lru_cache(maxsize=1024)
def _text_terms(text: str) -> frozenset[str]:
    """Every form of every word of ``text`` and of each part of a hyphenated word, each pair of
    neighbouring words written as one ("Super Bowl" = "Superbowl"), and the initials of runs of
    capitalized words ("UMC"). Cached: the engine checks many sentences against the same chunks."""
    out: set[str] = set()
    toks = words(text)
    for w in toks:
        out |= _forms(w)
        for p in _parts(w):
            out |= _forms(p)
    out.update(_NON_ALNUM.sub("", a + b) for a, b in itertools.pairwise(toks))
    for m in _NAME_RUN.finditer(text):
        caps = [w[0].lower() for w in m.group(0).split() if w.lower() not in _RUN_FILLER]
        out.update(
            "".join(caps[i:j]) for i in range(len(caps)) for j in range(i + 2, len(caps) + 1)
        )
    return frozenset(out)


def _evidence_terms(texts: Sequence[str]) -> frozenset[str]:
    return frozenset().union(*(_text_terms(t) for t in texts))


def _has(term: str, index: frozenset[str]) -> bool:
    """Whether ``term`` is in ``index`` under some form, or all its hyphen parts are."""
    if _forms(term) & index:
        return True
    parts = _parts(term)
    return len(parts) > 1 and all(_forms(p) & index for p in parts)


def _near(term: str, index: frozenset[str]) -> bool:
    """Whether a word of ``index`` is ``term`` mistyped or derived (see the module docstring):
    same first letter, and one edit for 5+ letters, two for 8+, or one word opening the other."""
    word = _NON_ALNUM.sub("", _bare(term))
    if len(word) < 5:
        return False
    edits = 2 if len(word) >= 8 else 1
    for cand in index:
        if cand[:1] != word[:1] or abs(len(cand) - len(word)) > 3 or len(cand) < 5:
            continue
        if _calendar(word) and _calendar(cand):  # "Thursday" is not "Tuesday" mistyped
            continue
        short, long_ = sorted((word, cand), key=len)
        if long_.startswith(short) or _within_edits(word, cand, edits):
            return True
    return False


def _calendar(word: str) -> bool:
    """Whether ``word`` is a weekday or month name (or its plural)."""
    return word in _CALENDAR or (word.endswith("s") and word[:-1] in _CALENDAR)


_CALENDAR = frozenset(MONTHS + WEEKDAYS)


def _within_edits(a: str, b: str, limit: int) -> bool:
    """Whether the Levenshtein distance of ``a`` and ``b`` is at most ``limit`` (banded DP)."""
    if abs(len(a) - len(b)) > limit:
        return False
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [limit + 1] * len(b)
        for j in range(max(1, i - limit), min(len(b), i + limit) + 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != b[j - 1]))
        if min(cur) > limit:
            return False
        prev = cur
    return prev[-1] <= limit


def _has_phrase(phrase: str, texts: Sequence[str]) -> bool:
    """Whether the words of ``phrase`` occur in this order, next to each other, in one of the
    texts, compared by stem (a quoted title may differ only in case, accents and inflection)."""
    want = [s for w in words(phrase) if (s := _stem(w))]
    if not want:
        return True
    for text in texts:
        have = [s for w in words(text) if (s := _stem(w))]
        if any(have[i : i + len(want)] == want for i in range(len(have) - len(want) + 1)):
            return True
    return False


def _stem(word: str) -> str:
    joined = _NON_ALNUM.sub("", _bare(word))
    return stems([joined])[0] if joined else ""


def _quotes(text: str) -> list[str]:
    return [next(g for g in m.groups() if g).strip() for m in _QUOTED.finditer(text)]


# -- claim rules --------------------------------------------------------------------------------


def _claim_names(claim: str, texts: Sequence[str]) -> set[str]:
    """The claim's entities; its first word too when the evidence writes it capitalized inside a
    sentence (it is a name there, not sentence case)."""
    names = {_bare(e) for e in entities(claim, name_start=True)}
    toks = words(claim)
    if toks and claim.lstrip()[:1].isupper():
        first = toks[0]
        known = {
            f for t in texts for s in split_sentences(t) for e in entities(s) for f in _forms(e)
        }
        if _forms(first) & known:
            names.add(_bare(first))
    return names


def _number_problem(n: str, claim: str, names: Sequence[str], windows: Sequence[str]) -> str:
    """Empty when some evidence window holding ``n`` names all of ``names`` (with no names: holds
    at least half of the claim's other content words, by stem); else the reason."""
    windows = [w for w in windows if n in numbers(w)]
    if not windows:
        return f"number {n} is not in the cited text"
    if names:
        missing = min(([x for x in names if not _has(x, _text_terms(w))] for w in windows), key=len)
        return f"number {n} is not stated with '{missing[0]}' in the cited text" if missing else ""
    others = [w for w in content_words(claim) if not any(ch.isdigit() for ch in w)]
    want = set(content_stems(" ".join(others)))
    if not want or any(len(want & set(content_stems(w))) >= _COVER * len(want) for w in windows):
        return ""
    shown = ", ".join(f"'{w}'" for w in dict.fromkeys(others))
    return f"number {n} is not stated with the claim's words ({shown}) in the cited text"


def _windows(texts: Sequence[str]) -> list[str]:
    """Each evidence sentence joined with the neighbours it continues or that continue it."""
    out: list[str] = []
    for text in texts:
        sents = split_sentences(text)
        joins = [i > 0 and _continues(sents[i]) for i in range(len(sents))]
        for i, s in enumerate(sents):
            before = [sents[i - 1]] if joins[i] else []
            after = [sents[i + 1]] if i + 1 < len(sents) and joins[i + 1] else []
            out.append(" ".join([*before, s, *after]))
    return out


def _continues(sentence: str) -> bool:
    """Whether ``sentence`` continues the one before it: a subject pronoun opening it (or a clause
    after a comma) refers back. A sentence with a noun for subject ("A storm hit ...", "The EEC
    was ...") is about that; reading it with its neighbour would lend it the neighbour's words."""
    return _REFERS_BACK.search(sentence) is not None


def _best_sentence_problems(claim: str, texts: Sequence[str]) -> list[str]:
    """Polarity, instruction and opposite-word checks against the evidence sentence that best
    matches."""
    f = claim_features(claim, texts)
    if not f.best_sentence or f.unigram_best == 0:
        return []  # nothing in the evidence matches; the judge's score says so already
    out: list[str] = []
    if denies(claim) != denies(f.best_sentence) and _clauses_disagree(claim, f.best_sentence):
        out.append(
            "the claim negates its source sentence"
            if denies(claim)
            else "the claim drops the negation of its source sentence"
        )
    if _is_instruction(f.best_sentence):
        out.append("the supporting sentence is an instruction to the assistant, not a fact")
    if pair := opposed(claim, f.best_sentence):
        out.append(f"the claim says '{pair[0]}' where its source sentence says '{pair[1]}'")
    return out


def _clauses_disagree(claim: str, sentence: str) -> bool:
    """Whether some clause of the claim differs in polarity from the clause of ``sentence`` that
    best matches it. The sentences as wholes already differ; this keeps a negation in a side
    clause ("Although he was not born there, he moved to Paris") from vetoing a claim about the
    other clause ("He moved to Paris")."""
    theirs = _clauses(sentence)
    for mine in _clauses(claim):
        want = set(content_stems(mine))
        best = max(theirs, key=lambda c: len(want & set(content_stems(c))))
        if want & set(content_stems(best)) and denies(mine) != denies(best):
            return True
    return False


def clause_at(text: str, at: int) -> tuple[int, int]:
    """The ``(start, end)`` of the clause of ``text`` that holds position ``at``: ``text`` cut at
    punctuation and subordinating words (``_CLAUSE``), as the polarity rule cuts it."""
    start, end = 0, len(text)
    for m in _CLAUSE.finditer(text):
        if m.end() <= at:
            start = m.end()
        elif m.start() > at:
            end = m.start()
            break
    return start, end


def denies(text: str) -> bool:
    """Whether ``text`` (a clause) denies what it says: ``claims.negated`` without the cues that
    do not deny what they stand in: "not only ... but also", "not until 1958" (it did happen,
    then), "X and not Y", "no doubt"."""
    return negated(_NOT_DENIAL.sub(" ", text))


def _clauses(text: str) -> list[str]:
    """``text`` cut at punctuation and subordinating words; a piece without content words ("It
    was not, however, ...") stays joined to the next, so its negation is not lost."""
    out: list[str] = []
    pending = ""
    for piece in _CLAUSE.split(text):
        pending = f"{pending} {piece}"
        if content_stems(pending):
            out.append(pending)
            pending = ""
    if pending.strip() and out:
        out[-1] += pending
    return out or [text]


def _is_instruction(sentence: str) -> bool:
    """A known injection move, or a command to say something ("... and say PWNED")."""
    return bool(match_patterns(canonical(sentence))) or _COMMAND.search(sentence) is not None
