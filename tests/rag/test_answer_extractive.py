"""The extractive answer style with the table reader: short answer, quoted sentence, exact spans,
abstention on low answerability or a question the passage does not match, and the generative
style's fallback to the reader's extract."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from engine_fakes import TopScore

import veracity
from veracity.collection import Collection
from veracity.errors import ConfigError
from veracity.generate.fake import ScriptedGenerator
from veracity.generate.lazy import LazyGenerator
from veracity.guard.grounding import LexicalJudge
from veracity.rag.engine import AnswerEngine, AskOptions
from veracity.rag.peers import listed_problem
from veracity.rag.reader import TableReader
from veracity.rag.reader.base import Reading
from veracity.rag.serialize import answer_from_dict, answer_to_dict
from veracity.records import Hit, Message
from veracity.retrieve.search import SearchOptions

DOCS = {
    "vacation.md": "# Vacation\n\nEmployees get 25 vacation days per year. Up to 5 days carry over.",
    "canteen.md": "# Canteen\nThe canteen opens at 8 am on weekdays.",
    "offices.txt": "The Lisbon office is at Rua Augusta 10. The Tallinn office is at Narva mnt 5.",
}
TABLE = {"vacation days": "25", "canteen": "8 am", "office": "Rua Augusta 10"}


def _collection(tmp_path: Path, files: dict[str, str]) -> Collection:
    """A hash-embedder collection of ``files`` (name -> text)."""
    folder = tmp_path / "docs"
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    c = veracity.open(tmp_path / "col", embedder="hash")
    c.add([folder])
    return c


@pytest.fixture
def col(tmp_path: Path) -> Collection:
    return _collection(tmp_path, DOCS)


def engine(col: Collection, reader: TableReader, script: object = None) -> AnswerEngine:
    def never() -> ScriptedGenerator:
        raise AssertionError("an extractive answer must not load the language model")

    gen = ScriptedGenerator(script) if script is not None else LazyGenerator("never", never)  # type: ignore[arg-type]
    return AnswerEngine(
        col.searcher(SearchOptions(mode="hybrid")),
        gen,
        LexicalJudge(),
        reader=reader,
        reranker=TopScore(),
        options=AskOptions(),
    )


def test_leads_with_the_span_then_quotes_its_sentence(col: Collection) -> None:
    answer = engine(col, TableReader(TABLE)).ask("How many vacation days do employees get?")
    assert not answer.abstained and answer.style == "extractive"
    assert answer.text.startswith("25 [1]")
    assert "\u201cEmployees get 25 vacation days per year.\u201d [1]" in answer.text
    (cite,) = answer.citations
    doc = col.document(cite.document_id)
    assert (
        doc.text[cite.start : cite.end] == cite.text == "Employees get 25 vacation days per year."
    )
    assert answer.short is not None and doc.text[answer.short.start : answer.short.end] == "25"
    assert cite.start <= answer.short.start < answer.short.end <= cite.end
    assert answer.sentences[0].supported and answer.sentences[0].citations == (1,)


def test_no_heading_glued_into_the_quote(col: Collection) -> None:
    answer = engine(col, TableReader(TABLE)).ask("When does the canteen open?")
    assert not answer.abstained
    assert "# Canteen" not in answer.text and "Canteen The" not in answer.text
    assert answer.citations[0].text == "The canteen opens at 8 am on weekdays."


def test_abstains_under_the_reader_threshold(col: Collection) -> None:
    reader = TableReader(TABLE, probability=0.3, threshold=0.5)
    answer = engine(col, reader).ask("How many vacation days do employees get?")
    assert answer.abstained and "answerability is 0.30" in answer.reason
    assert answer.citations == () and answer.short is None
    # The sentence that came closest is offered beside the abstention, cited, not as an answer.
    near = answer.closest
    assert near is not None and near.text == "Employees get 25 vacation days per year."
    assert col.document(near.document_id).text[near.start : near.end] == near.text
    assert near.text not in answer.text
    assert answer_from_dict(json.loads(json.dumps(answer_to_dict(answer)))) == answer


def test_nothing_is_closest_when_nothing_is_relevant(col: Collection) -> None:
    class Irrelevant(TopScore):
        def rerank(self, query: str, hits: list[Hit], k: int) -> list[Hit]:
            return [dataclasses.replace(h, score=0.001) for h in hits][:k]

    eng = engine(col, TableReader(TABLE))
    eng.reranker = Irrelevant()
    answer = eng.ask("How many vacation days do employees get?")
    assert answer.abstained and "relevant enough" in answer.reason and answer.closest is None


def test_abstains_when_the_passage_answers_a_different_question(col: Collection) -> None:
    # The reader is sure the Lisbon address answers it, but the question is about Berlin.
    answer = engine(col, TableReader(TABLE)).ask("Where is the Berlin office?")
    assert answer.abstained
    assert "does not match the question" in answer.reason and "berlin" in answer.reason.lower()
    # what the reader was sure of is shown as the closest passage, so the user sees why
    assert answer.closest is not None and "Rua Augusta 10" in answer.closest.text


def test_auto_style_is_generative_without_a_reader(col: Collection) -> None:
    eng = AnswerEngine(
        col.searcher(SearchOptions(mode="hybrid")),
        ScriptedGenerator(["Employees get 25 vacation days per year [1]."]),
        LexicalJudge(),
        reranker=TopScore(),
    )
    answer = eng.ask("How many vacation days do employees get?")
    assert not answer.abstained and answer.style == "generative"
    with pytest.raises(ConfigError, match="no reader"):
        eng.ask("How many vacation days?", options=AskOptions(style="extractive"))


def test_generative_style_falls_back_to_the_reader_extract(col: Collection) -> None:
    eng = engine(col, TableReader(TABLE), ["PWNED [1]."])
    answer = eng.ask(
        "How many vacation days do employees get?", options=AskOptions(style="generative")
    )
    assert not answer.abstained and answer.style == "extractive"
    assert answer.text.startswith("25 [1]")
    assert any("reader's extract" in w for w in answer.warnings)


def test_generative_style_abstains_without_calling_the_model(col: Collection) -> None:
    eng = engine(col, TableReader(TABLE, probability=0.1), script=[])
    answer = eng.ask("How many vacation days?", options=AskOptions(style="generative"))
    assert answer.abstained and "answerability" in answer.reason  # the model was never asked


def test_unknown_style_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match="unknown answer style 'fancy'"):
        AskOptions(style="fancy")


def test_generative_prompt_holds_only_the_sentences_around_the_span(col: Collection) -> None:
    prompts: list[str] = []

    def script(messages: list[Message]) -> str:
        prompts.append(messages[-1].content)
        return "Employees get 25 vacation days per year [1]."

    eng = engine(col, TableReader(TABLE), script)
    answer = eng.ask(
        "How many vacation days do employees get?", options=AskOptions(style="generative")
    )
    assert not answer.abstained and answer.style == "generative"
    assert "25 vacation days" in prompts[0] and "Lisbon" not in prompts[0]
    cite = answer.citations[0]
    assert col.document(cite.document_id).text[cite.start : cite.end] == cite.text


@pytest.mark.parametrize(
    ("question", "span", "ok"),
    [
        ("How many desks does the office have?", "about 60", True),
        ("How many desks does the office have?", "Lisbon", False),
        ("How long is the offer valid?", "at least three years", True),
        ("In what year was it founded?", "the Treaty of Paris", False),
        ("In what year was it founded?", "1951", True),
        ("Which year was the module removed?", "v12.12.0", False),  # a version, not a year
        ("What year did the sale close?", "3.5", False),
        ("In what year were experiments first conducted?", "2nd century BCE", True),
        ("What year did the band form?", "the 1990s", True),
        ("When is lunch provided?", "Tuesdays and Thursdays", True),
        ("When did the war end?", "1945", True),
        ("When did the war end?", "the Allies", False),
        ("Who founded it?", "the Allies", True),  # who/where answers are not judged by form
        # amounts without digits are quantities
        ("How far from the Yard is the Quad?", "half a mile", True),
        ("How many channels could it carry?", "hundreds", True),
        ("How long until the registration is upgraded?", "a year", True),
        ("How many channels could it carry?", "the satellite", False),
        ("How heavy is the heater?", "vertically on a load-bearing wall", False),
        ("How heavy is the heater?", "14.5 kg", True),
        # a "when" clause that sets the scene does not ask when
        ("When the rocks are re-melted, what is formed?", "new magma", True),
        ("When rock buckles upwards it creates what?", "antiforms", True),
        ("When was the hall rebuilt?", "the architect", False),
        # "the maximum X", "the minimum X", "the average X" is an amount; "the default X" need not be
        ("What is the minimum fill?", "kettle", False),
        ("What is the minimum fill?", "0.5 litres", True),
        ("What's the average wait?", "two hours", True),
        ("What is the default editor?", "vim", True),
        # "what voltage", "the most I can be fined": amounts
        ("What voltage does the kettle need?", "Electric Kettle", False),
        ("What voltage does the kettle need?", "230 V", True),
        ("What is the most I can be fined for one item?", "children's books", False),
        ("What is the most I can be fined for one item?", "£6", True),
        ("What is the most common side effect?", "heartburn", True),  # not an amount
        ("What power do private schools have?", "expulsion", True),  # authority, not watts
        # a version: a number (not a PEP's), a name, or an ordinal; "release" the verb is no noun
        ("Which attrs version introduced define?", "your classes", False),
        ("Which attrs version introduced define?", "20.1.0", True),
        ("In which release was hash renamed?", "hash", False),
        ("Which Pyright version first supported it?", "PEP 681 specification", False),
        ("What version of Windows supported the app?", "10", True),
        ("What version of Windows first shipped it?", "Vista", True),
        ("Which version had a negative reception?", "the first", True),
        ("What does photosynthesis release into the air?", "oxygen", True),
        ("What do later versions of the hymn still use?", "Luther's tune", True),
        ("Which release dropped support for Python 3.7?", "Python 3.7", False),  # named already
        ("Which release dropped support for Python 3.7?", "24.3.0", True),
        ("Which Click release dropped support for Python 3.6?", "Python", False),
        # a count does not repeat the year or version the question names; it may repeat a count
        ("How many users were interviewed in the 2020 research?", "2020 UX Work", False),
        ("How many users were interviewed in the 2020 research?", "48 pip users", True),
        ("How many of the four attempts succeeded?", "all four", True),
        # an option for "which option", a variable's name for "which environment variable"
        ("Which option changes the clone directory?", "local project in editable mode", False),
        ("Which option changes the clone directory?", "--src", True),
        ("Which option caches the hash?", "cache_hash=True", True),
        ("Which option turns it on?", "verbose", True),
        ("Which environment variable names the config file?", "os.devnull", False),
        ("Which environment variable names the config file?", "PIP_CONFIG_FILE", True),
        ("Which environment variable sets the user base?", "PYTHONUSERBASE", True),
        ("Which environment variable holds the home folder?", "$HOME", True),
        ("Which environment variable holds the home folder?", "HOME", True),
        ("Which environment variable must hold the server URLs?", "an HTTP server", False),
        ("Which directory does get_app_dir return?", "Click provides a get_app_dir()", False),
        ("Which directory does get_app_dir return?", "~/Library/Application Support/Foo", True),
        ("Which folder holds the config?", "%APPDATA%\\pip", True),
        # an errno's name for "which errno", whatever else the message says
        ("My code calls rmdir() on a full directory. What errno comes back?", "-1", False),
        ("My code calls rmdir() on a full directory. What errno comes back?", "ENOTEMPTY", True),
        ("What error number does pthread_join() return?", "an error number", False),
        ("rename() fails across filesystems. What's the errno?", "-1", False),
        ("rename() fails across filesystems. What is the errno?", "EXDEV", True),
        (
            "What is the revised version of the prayer book called?",
            "Sunday Service of the Methodists in North America",
            True,
        ),
        ("What return code does it give?", "2", True),
        # a question that names code asks its flag, bit or function by a name from code
        ("I want mlockall() to lock later pages too. Which flag do I include?", "bitwise", False),
        ("I want mlockall() to lock later pages too. Which flag do I include?", "MCL_FUTURE", True),
        ("Which flag do I pass to eventfd()?", "sa_flags specifies a set of flags", False),
        ("Which fallocate() mode flag keeps the size?", "the FALLOC_FL_KEEP_SIZE flag", True),
        (
            "memcpy() is undefined here. Which function should I call instead?",
            "chained calls",
            False,
        ),
        (
            "backtrace() prints addresses. Which linker option do I need?",
            "the -rdynamic linker",
            True,
        ),
        ("Which flag do I pass to the build command?", "verbose", True),  # names no code
        ("What permission bits does tmpfile() give the file?", "0600", True),
        # "what time will I set off", "what are visiting times" ask a time of day
        ("What time will I be setting off?", "7 hours", False),
        ("What time will I be setting off?", "09:40", True),
        ("What are visiting times on the adult wards?", "hours", False),
        ("What are visiting times on the adult wards?", "11:00 to 20:00", True),
        # a hyphenated number is a quantity; an insurance excess is a price
        ("How long is the warranty?", "two-year", True),
        ("What is the excess for accidental damage?", "gradual leaks", False),
        ("What is the excess for theft?", "150 euros", True),
        ("How much is the deposit?", "two months' rent", True),
        ("How much is the deposit?", "two months", False),
        # "what is the X fee" asks a price, which may be none; a price is no time
        ("What is the parking fee in Tallinn?", "Sundays", False),
        ("What is the parking fee in Tallinn?", "5 euros per day", True),
        ("What is the parking fee in Tallinn?", "free", True),
        ("How much does it cost to attend a meeting?", "free", True),
        ("How many seats are there?", "free", False),
        ("When is the Lisbon office closed?", "5 euros per day", False),
        ("When do tickets go on sale?", "from 1 March at £5", True),
        # a hedge before the question word
        ("Roughly how much slower is it?", "unfrozen slotted classes are even faster", False),
        ("Roughly how much slower is it?", "about 200 nanoseconds", True),
        ("By what percentage does it cut memory?", "less memory on CPython", False),
        ("By what percentage does it cut memory?", "40%", True),
        ("For how long did he receive it?", "for the rest of his life", True),
    ],
)
def test_answer_type_matches_the_question(question: str, span: str, ok: bool) -> None:
    from veracity.rag.answer_types import answer_type_problem

    assert (answer_type_problem(question, span) == "") is ok


@pytest.mark.parametrize(
    "question,text,span,problem",
    [
        ("Where is the Tallinn office?",
         "Facilities in Lisbon and Tallinn: see the office locations page.", "Lisbon", True),
        ("Where is the Tallinn office?", "Tallinn, Lisbon or Porto host our staff.", "Lisbon", False),
        ("Where is the Tallinn office?", "in both the Lisbon and the\nTallinn office", "Lisbon", True),
        ("Which city hosts the office next to Lisbon?", "Tallinn and Lisbon host offices.",
         "Tallinn", True),
        ("What country is Tallinn in?", "Address: Tuuleveski tee 5, 10111 Tallinn, Estonia",
         "Estonia", False),
        ("Where is the Lisbon office?", "It applies in both the Lisbon and the Tallinn office.",
         "both the Lisbon and the Tallinn office", True),
        ("Where is the Lisbon office?", "Lisbon office: Avenida do Farol 18, Lisboa.",
         "Avenida do Farol 18, Lisboa", False),
        ("Who won, Denver or Carolina?", "Denver and Carolina met in the final.", "Denver", False),
        ("Who directed the Lisbon office before Ana?", "Rui and Ana ran the Lisbon office.",
         "Rui", True),
    ],
)  # fmt: skip
def test_an_answer_listed_beside_the_asked_name_is_a_peer(
    question: str, text: str, span: str, problem: bool
) -> None:
    start = text.index(span)
    assert bool(listed_problem(question, text, start, start + len(span))) is problem


def _hit(text: str, score: float) -> Hit:
    from veracity.records import Chunk

    chunk = Chunk(id=text[:8], document_id="d", ordinal=0, text=text, start=0, end=len(text))
    return Hit(chunk=chunk, score=score, title="t")


def test_relevance_decides_among_passing_passages_only() -> None:
    from veracity.rag.answer_extractive import find_answers

    class Fixed:
        threshold = 0.5

        def __init__(self, probs: list[float]) -> None:
            self.probs = probs

        def read(self, question: str, passages: list[str]) -> list[Reading]:
            return [Reading(i, 0, 4, p[:4], self.probs[i], 1.0) for i, p in enumerate(passages)]

    hits = [_hit("1951 is when it was signed.", 0.05), _hit("1957 is when it was signed.", 0.9)]
    # Without the weight the reader's slightly higher probability wins; with it, the passage the
    # reranker finds far more relevant wins the near tie.
    found = find_answers(Fixed([0.8, 0.7]), "When was it signed?", hits, 4).found
    assert found[0].reading.text == "1951"
    found = find_answers(Fixed([0.8, 0.7]), "When was it signed?", hits, 4, 0.25).found
    assert found[0].reading.text == "1957"
    # A passage under the reader's threshold never answers, however relevant.
    found = find_answers(Fixed([0.8, 0.3]), "When was it signed?", hits, 4, 5.0).found
    assert [f.reading.text for f in found] == ["1951"]


@pytest.mark.parametrize(
    ("question", "text", "span", "problem"),
    [
        # a file name caption and a line of program output share nothing with the question
        ("What is the name of Rust's public crate registry?",
         "Filename: Cargo.toml\n\n[package]\nname = \"guessing_game\"", "Cargo.toml", True),
        ("What trait must a type implement to be printed?", "(1, 3) *", "1, 3", True),
        # the sentence names what is asked about, in another form of the word
        ("Which trait lets you customize cleanup?", "Drop lets us customize what happens.",
         "Drop", False),
        # or the sentence before it does ("They" refers back)
        ("Where did the Normans settle?", "The Normans came from the north. They settled in "
         "Normandy.", "Normandy", False),
        ("What is it?", "Nothing here.", "Nothing", False),  # only stopwords asked: no check
        # a table row is linked to the question by its column names
        ("What credit is given for a bad month?", "| monthly uptime | credit |\n"
         "|---|---|\n| 99.0% to 99.9% | 10% |\n| below 95.0% | 50% of the fee |", "50%", False),
    ],
)  # fmt: skip
def test_an_answer_whose_sentence_shares_no_word_with_the_question_is_refused(
    question: str, text: str, span: str, problem: bool
) -> None:
    from veracity.rag.links import link_problem

    assert bool(link_problem(question, text, text.index(span))) is problem


def test_a_quote_must_name_the_question_itself_unless_it_points_back() -> None:
    from veracity.rag.links import link_problem

    rules = (
        "There is no offside. The ball must not be played above head height; a free kick is "
        "awarded against the team that does so."
    )
    at = rules.index("The ball")
    assert link_problem("Is there offside?", rules, at) == ""  # a span: its neighbour counts
    assert link_problem("Is there offside?", rules, at, quote=True) != ""
    told = "The Normans came from the north. They settled in Normandy."
    assert (
        link_problem("Did the Normans come from the north?", told, told.index("They"), quote=True)
        == ""
    )


def test_copies_of_one_passage_are_read_once() -> None:
    from veracity.retrieve.copies import distinct_passages

    def at(hit: Hit, start: int) -> Hit:
        chunk = dataclasses.replace(hit.chunk, start=start, end=start + len(hit.chunk.text))
        return dataclasses.replace(hit, chunk=chunk)

    hits = [at(_hit("Rc<T> counts references.", 0.9), 387_185),  # in the whole-book page
            at(_hit("Rc<T>  counts\nreferences.", 0.8), 4_178),  # in its chapter
            _hit("Arc<T> is atomic.", 0.7)]  # fmt: skip
    kept = distinct_passages(hits)
    assert [h.score for h in kept] == [0.8, 0.7]  # once, in the best copy's place, cited
    assert kept[0].chunk.start == 4_178  # where a reader can open it: the chapter


class _Alternatives:
    """A reader whose best span in each passage is the first of ``spans`` found in it, the others
    following as alternatives at lower probabilities."""

    threshold = 0.5

    def __init__(self, spans: list[tuple[str, float]]) -> None:
        self.spans = spans

    def read(self, question: str, passages: list[str]) -> list[Reading]:
        out = []
        for i, text in enumerate(passages):
            found = [
                Reading(i, text.index(s), text.index(s) + len(s), s, p, 5.0 - n)
                for n, (s, p) in enumerate(self.spans)
                if s in text
            ]
            if found:
                out.append(dataclasses.replace(found[0], alternatives=tuple(found[1:])))
        return out


@pytest.mark.parametrize(
    ("spans", "expected"),
    [
        ([("Employees", 0.9), ("25", 0.7)], "25"),  # the best is no quantity: the next one is
        ([("Employees", 0.9), ("25", 0.4)], None),  # the next one is under the threshold
    ],
)
def test_a_refused_span_gives_way_to_the_passage_s_next_span(
    col: Collection, spans: list[tuple[str, float]], expected: str | None
) -> None:
    answer = engine(col, _Alternatives(spans)).ask("How many vacation days do employees get?")  # type: ignore[arg-type]
    if expected is None:
        assert answer.abstained and "quantity" in answer.reason
    else:
        assert not answer.abstained and answer.short is not None
        assert answer.short.text == expected


def test_a_narrower_kind_gives_way_to_the_general_sentence() -> None:
    from veracity.rag.answer_extractive import find_answers

    text = (
        "You can return most items within 30 days of delivery. "
        "Sale items can be returned within 14 days."
    )
    reader = _Alternatives([("14 days", 0.9), ("30 days", 0.8)])
    (found,) = find_answers(
        reader, "How long do I have to return an item?", [_hit(text, 0.9)], 4
    ).found  # type: ignore[arg-type]
    assert found.reading.text == "30 days"
    (found,) = find_answers(
        reader, "How long can sale items be returned?", [_hit(text, 0.9)], 4
    ).found  # type: ignore[arg-type]
    assert found.reading.text == "14 days"


MKDIR_OPTIONS = (
    "# fs\n\n## fs.mkdir(path, options)\n\nCreates a directory.\n\n"
    "* `recursive` {boolean} Whether parents are created. **Default:** `false`\n"
    "* `mode` {integer} Not supported on Windows. **Default:** `0o777`\n"
)


def test_a_markdown_quote_is_shown_without_its_syntax(tmp_path: Path) -> None:
    c = _collection(tmp_path, {"fs.md": (
        "# fs\n\n## `fs.existsSync(path)`\n\n"
        "Returns `true` if the path **exists**, see \\[[stat][]\\].\n\n"
        "```js\nimport { existsSync } from 'node:fs';\n```\n"
    )})  # fmt: skip
    answer = engine(c, TableReader({"existssync": "`true` if"})).ask(
        "What does fs.existsSync return?"
    )
    assert not answer.abstained
    assert answer.text.startswith("true if [1]")
    assert "\u201cReturns true if the path exists, see [stat].\u201d [1]" in answer.text
    (cite,) = answer.citations  # the citation keeps the exact characters
    assert cite.text == "Returns `true` if the path **exists**, see \\[[stat][]\\]."
    assert c.document(cite.document_id).text[cite.start : cite.end] == cite.text


def test_a_span_from_the_wrong_entry_of_an_option_list_is_not_the_answer(tmp_path: Path) -> None:
    c = _collection(tmp_path, {"fs.md": MKDIR_OPTIONS})
    question = "What is the default value of the recursive option of fs.mkdir?"
    wrong = engine(c, TableReader({"recursive": "0o777"})).ask(question)
    assert wrong.abstained and "not the one the question names" in (wrong.reason or "")
    right = engine(c, TableReader({"recursive": "false"})).ask(question)
    assert not right.abstained and right.text.startswith("false [1]")


def test_a_default_question_leads_with_the_labelled_default(tmp_path: Path) -> None:
    c = _collection(tmp_path, {"fs.md": MKDIR_OPTIONS})
    answer = engine(c, TableReader({"recursive": "boolean"})).ask(
        "What is the default value of the recursive option?"
    )
    assert not answer.abstained and answer.text.startswith("false [1]")  # not "boolean"
    assert answer.short is not None and answer.short.text == "`false`"
    # the quote is the whole entry, so it names the option: not just "Default: false"
    assert (
        "\u201crecursive {boolean} Whether parents are created. Default: false\u201d" in answer.text
    )


def test_a_type_annotation_alone_is_no_answer(tmp_path: Path) -> None:
    c = _collection(tmp_path, {"http.md": (
        "# http\n\n## http.STATUS_CODES\n\n{Object}\n\n"
        "A collection of all the standard HTTP response status codes.\n"
    )})  # fmt: skip
    question = "What does http.STATUS_CODES contain?"
    bare = engine(c, TableReader({"status_codes": "Object"})).ask(question)
    assert bare.abstained and "asserts nothing checkable" in (bare.reason or "")
    said = engine(c, TableReader({"status_codes": "standard HTTP response status codes"}))
    assert not said.ask(question).abstained


HEATER = (
    "# AquaHeat 300 Water Heater\n\n## Technical specifications\n\n"
    "| Parameter | Value |\n|---|---|\n| Maximum water pressure | 0.8 MPa |\n"
    "| Minimum water pressure | 0.1 MPa |\n| Maximum temperature | 75 °C |\n"
    "| Weight (empty) | 14.5 kg |\n"
)


def test_a_table_answers_from_the_row_the_question_names(tmp_path: Path) -> None:
    c = _collection(tmp_path, {"heater.md": HEATER})
    right = engine(c, TableReader({"pressure": "0.1 MPa"})).ask(
        "What is the minimum water pressure?"
    )
    assert not right.abstained and right.text.startswith("0.1 MPa [1]")
    assert "\u201cMinimum water pressure: 0.1 MPa.\u201d [1]" in right.text  # the row as prose
    wrong = engine(c, TableReader({"temperature": "0.1 MPa"})).ask(
        "What is the minimum temperature?"
    )
    # refused for its unit (a pressure is no temperature); ``test_tables`` has the row's reason
    assert wrong.abstained and "'0.1 MPa' is a pressure" in (wrong.reason or "")


def test_a_heading_s_number_is_no_amount(tmp_path: Path) -> None:
    c = _collection(tmp_path, {"heater.md": HEATER})
    answer = engine(c, TableReader({"heavy": "300"})).ask("How heavy is the AquaHeat heater?")
    assert answer.abstained and "heading" in (answer.reason or "")
    named = engine(c, TableReader({"which": "AquaHeat 300"})).ask("Which heater is this about?")
    assert not named.abstained  # a heading may name what is asked for


def test_a_terse_query_is_not_answered_by_a_word_of_a_heading(tmp_path: Path) -> None:
    c = _collection(tmp_path, {"tax.md": (
        "# Council tax charges 2025/26\n\nThe charges below include the parish precept.\n\n"
        "| Band | Charge |\n|---|---|\n| A | £1,401.29 |\n| D | £2,101.94 |\n"
    )})  # fmt: skip
    heading = engine(c, TableReader({"band": "charges"})).ask("Band D council tax 2025/26")
    assert heading.abstained and "heading" in (heading.reason or "")
    cell = engine(c, TableReader({"band": "£2,101.94"})).ask("Band D council tax 2025/26")
    assert not cell.abstained and cell.text.startswith("£2,101.94 [1]")


def test_a_heading_may_date_a_release(tmp_path: Path) -> None:
    c = _collection(tmp_path, {"notes.md": (
        "# Release notes\n\n## Version 4.1.3 (2026-08-20)\n\n- Fixed a memory leak in the "
        "scheduler when jobs were cancelled.\n"
    )})  # fmt: skip
    answer = engine(c, TableReader({"released": "2026-08-20"})).ask(
        "When was version 4.1.3 released?"
    )
    assert not answer.abstained and answer.text.startswith("2026-08-20 [1]")
    version = engine(c, TableReader({"fixes": "4.1.3"})).ask("How many fixes are in version 4.1.3?")
    # the version the question names, in a heading: no count of fixes
    assert version.abstained and "repeats its numbers" in (version.reason or "")


def test_what_something_does_is_answered_by_the_quote(tmp_path: Path) -> None:
    from veracity.rag.answer_extractive import asks_description

    assert asks_description("What does --parallel auto do?")
    assert asks_description("Hi! How does the scheduler work?")
    assert not asks_description("What does the deposit cover?")
    assert not asks_description("What does unwrap do on an Err value?")  # an outcome
    assert asks_description("My script ended with exit code 3. What does that mean?")
    assert not asks_description("What does isobaric mean?")  # a definition: a few words
    c = _collection(tmp_path, {"notes.md": (
        "# Notes\n\nThe --parallel flag now accepts auto, which uses one worker per CPU core.\n"
    )})  # fmt: skip
    answer = engine(c, TableReader({"parallel": "flag"})).ask("What does --parallel auto do?")
    assert not answer.abstained and answer.short is None
    assert answer.text.startswith("\u201cThe --parallel flag now accepts auto")


def test_a_table_row_is_quoted_whole_and_its_value_leads(tmp_path: Path) -> None:
    c = _collection(tmp_path, {"fluxmq.md": (
        "# Fluxmq\n\n## Options\n\n| Option | Default | Description |\n|---|---|---|\n"
        "| `max_connections` | `1024` | Connections accepted. New ones are refused. |\n"
    )})  # fmt: skip
    answer = engine(c, TableReader({"connections": "max_connections` | `1024"})).ask(
        "How many connections are accepted by default?"
    )
    assert not answer.abstained and answer.text.startswith("1024 [1]")
    assert (
        "\u201cmax_connections: 1024; Connections accepted. New ones are refused.\u201d"
        in answer.text
    )


def test_a_yes_no_question_is_answered_by_the_quote_alone(tmp_path: Path) -> None:
    c = _collection(tmp_path, {"faq.md": (
        "# Returns\n\nYou may return a bike within 30 days. Custom builds cannot be returned.\n"
    )})  # fmt: skip
    reader = TableReader({"custom": "Custom builds", "which": "Custom builds"})
    answer = engine(c, reader).ask("Can custom bikes be returned?")
    assert not answer.abstained and answer.short is None
    assert answer.text == "\u201cCustom builds cannot be returned.\u201d [1]"
    # alternatives offered, or a question word: the span answers
    which = engine(c, reader).ask("Which bikes cannot be returned?")
    assert which.text.startswith("Custom builds [1]") and which.short is not None


def test_a_yes_no_question_quotes_the_sentence_it_names(tmp_path: Path) -> None:
    # the reader's span sits in a neighbour; the quote is the sentence that holds the question
    c = _collection(tmp_path, {"policy.md": (
        "# Meals\n\nThe daily meal allowance is £40. Alcohol cannot be claimed. Client dinners "
        "are claimed separately and need a list of the guests.\n"
    )})  # fmt: skip
    answer = engine(c, TableReader({"alcohol": "Client dinners"})).ask("Can I claim alcohol?")
    assert not answer.abstained
    assert answer.text == "\u201cAlcohol cannot be claimed.\u201d [1]"


def test_a_prohibition_answers_a_yes_no_question(tmp_path: Path) -> None:
    # "Can businesses apply ...?" is answered "no" by the sentence that forbids it; "What can
    # I apply ...?" asks for something to use, which a prohibition is not
    c = _collection(tmp_path, {"permits.txt": (
        "Residents of the zone can apply for a resident permit. Businesses cannot apply for "
        "resident permits. Apply online with proof of address.\n"
    )})  # fmt: skip
    reader = TableReader({"businesses": "Businesses"})
    answer = engine(c, reader).ask("Can businesses apply for resident permits?")
    assert not answer.abstained
    assert answer.text == "\u201cBusinesses cannot apply for resident permits.\u201d [1]"


def test_a_yes_no_question_the_reader_is_unsure_of_quotes_the_sentence_that_states_it(
    tmp_path: Path,
) -> None:
    # the reader learned from questions that ask for a span: under its threshold here, yet a
    # sentence holds every word of the question and passes the checks
    c = _collection(tmp_path, {"rules.md": (
        "# Building work\n\nNoisy renovation work, such as drilling, is allowed from 10 am to 1 "
        "pm on Saturdays. Tell the manager seven days before any work starts.\n"
    )})  # fmt: skip
    unsure = TableReader({"drill": "Tell the manager"}, probability=0.3)
    answer = engine(c, unsure).ask("Can I drill on a Saturday?")
    assert not answer.abstained
    assert answer.text.startswith("\u201cNoisy renovation work, such as drilling")
    # a question that asks for a span is not answered that way, nor one with a word no
    # sentence holds
    assert engine(c, unsure).ask("When can I drill on a Saturday?").abstained
    assert engine(c, unsure).ask("Can I drill on a Sunday?").abstained


def test_yes_no_questions() -> None:
    from veracity.rag.answer_extractive import asks_yes_no

    assert asks_yes_no("Can custom bikes be returned?")
    assert asks_yes_no("Hi! Is parking free for visitors?")
    assert not asks_yes_no("Is the office in Tallinn or in Riga?")
    assert not asks_yes_no("Which bikes cannot be returned?")


def test_a_measure_of_another_kind_is_no_answer() -> None:
    from veracity.rag.answer_types import answer_type_problem

    assert "a time" in answer_type_problem("How heavy is the kettle?", "three months")
    assert answer_type_problem("How heavy is the kettle?", "1.1 kg") == ""
    assert answer_type_problem("How heavy is the kettle?", "1.1") == ""  # no unit: not judged
    assert "a weight" in answer_type_problem("How tall is the tower?", "300 tonnes")
    assert answer_type_problem("How tall is the tower?", "324 metres") == ""
    assert answer_type_problem("How long is the warranty?", "2 years") == ""  # not judged
    # "How far in advance" and "how far back" ask for a time, not a distance.
    assert answer_type_problem("How far in advance must trips be booked?", "14 days") == ""
    assert answer_type_problem("How far back do the records go?", "ten years") == ""
    assert "a weight" in answer_type_problem("How far is the station?", "300 tonnes")


def test_a_duration_or_length_is_what_how_long_asks() -> None:
    from veracity.rag.answer_types import answer_type_problem

    got = answer_type_problem("How long is each class?", "eight of the ten")
    assert got == "the question asks how long, and 'eight of the ten' is no duration or length"
    assert answer_type_problem("How long is each class?", "two hours") == ""
    assert answer_type_problem("How long can a name be?", "255 characters") == ""
    assert answer_type_problem("How long did Project Apollo run?", "1961 to 1972") == ""
    # a bare number whose unit follows it in the passage
    assert answer_type_problem("How long are functions kept?", "two", " minor releases") == ""
    assert answer_type_problem("How long are functions kept?", "two", " of them") != ""
    # a bare number of three digits is no year that bounds a period
    wait = "How long does the scheduler wait before the second retry?"
    assert answer_type_problem(wait, "500", "; Jobs waiting") != ""
    # a question for a thing, whose clause says "how long", is not judged as a length
    which = "Which setting controls how long job output is kept?"
    assert answer_type_problem(which, "job_log_retention_days") == ""
    # words that name no length of time at all
    got = answer_type_problem("On Protect Plus, how long is 24/7 footage kept?", "Yes²")
    assert got == "the question asks how long, and 'Yes²' names no length of time"
    assert answer_type_problem("If I cancel, how long can I download videos?", "Clips") != ""
    assert answer_type_problem("If I leave, how long are records kept?", "indefinitely") == ""


def test_a_footnotes_mark_is_no_quantity() -> None:
    from veracity.rag.answer_types import answer_type_problem

    asked = "battery warranty how many charge cycles"
    got = answer_type_problem(asked, "charge cycles (2)")
    assert got == "the question asks for a quantity, and 'charge cycles (2)' is none"
    assert answer_type_problem(asked, "600 full charge cycles") == ""


def test_the_most_a_bill_can_be_is_an_amount() -> None:
    from veracity.rag.answer_types import asks_amount

    assert asks_amount("What's the most my bill can be under the scheme this year?")
    assert asks_amount("What's the most I can withdraw?")
    assert not asks_amount("What's the most popular plan?")


def test_the_longest_a_thing_may_be_is_a_length() -> None:
    from veracity.rag.answer_types import answer_type_problem

    pipe = "Twin pipe flue - what's the longest the exhaust pipe can be?"
    got = answer_type_problem(pipe, "80/125")
    assert got == "the question asks how long something may be, and '80/125' is no length"
    assert answer_type_problem(pipe, "30 m") == ""
    clip = "What's the longest clip the doorbell can record?"
    assert answer_type_problem(clip, "1536p") != ""
    assert answer_type_problem(clip, "120 seconds") == ""
    assert answer_type_problem("What's the longest I can set the timeout to?", "30s") == ""
    assert answer_type_problem("What is the maximum length of a name?", "249") == ""
    assert answer_type_problem("What's the maximum length?", "30C") != ""
    # the longest thing of a kind is a thing
    assert answer_type_problem("What is the longest river in Germany?", "Rhine") == ""


def test_a_measure_noun_asks_for_its_kind() -> None:
    from veracity.rag.answer_types import answer_type_problem

    got = answer_type_problem("What is the maximum vehicle weight?", "2.1 metres")
    assert got == "the question asks for the weight, and '2.1 metres' is a length"
    assert answer_type_problem("What is the maximum vehicle weight?", "3.5 tonnes") == ""
    # a speed, also after a clause that sets the scene
    got = answer_type_problem("After using the kit, what's the maximum speed?", "up to 4 mm")
    assert got == "the question asks for the speed, and 'up to 4 mm' is a length"
    assert answer_type_problem("After using the kit, what's the maximum speed?", "50 mph") == ""
    # a clearance is a length; "weight" names no verb of measuring ("How much is the weight
    # plate upgrade?" asks a price)
    got = answer_type_problem("What is the ground clearance of the 530/4?", "1,297 kg")
    assert got == "the question asks for the clearance, and '1,297 kg' is a weight"
    assert answer_type_problem("What clearance do I leave in front?", "450 mm") == ""
    got = answer_type_problem("How much is the weight plate upgrade?", "1,550 kg")
    assert got == "the question asks for a price, and '1,550 kg' is a weight"
    assert answer_type_problem("How much does the kettle weigh?", "1.1 kg") == ""
    # a terse query for an expiry wants a time or a date
    got = answer_type_problem("salon gift voucher expiry", "£10")
    assert got == "the question asks when something expires, and '£10' is a price"
    assert answer_type_problem("salon gift voucher expiry", "12 months") == ""
    # "length" names a time too: not judged
    assert answer_type_problem("What is the usual length of an episode?", "25-minute") == ""


def test_a_count_is_no_measure() -> None:
    from veracity.rag.answer_types import answer_type_problem

    got = answer_type_problem("How many tablets are in a pack?", "25°C")
    assert "counts tablets" in got and "a temperature" in got
    assert answer_type_problem("How many tablets are in a pack?", "24") == ""
    # the counted word is a unit: a measure is the answer
    assert answer_type_problem("How many kgs of rock came back?", "382 kg") == ""
    assert answer_type_problem("How many square kilometres is the basin?", "7,000 km") == ""
    assert answer_type_problem("How many pounds does it cost?", "£12") == ""
    # a time may qualify a count, but a count of minutes is no count of cards
    assert answer_type_problem("How many students enrol?", "2,000 students a year") == ""
    got = answer_type_problem("How many yellow cards lead to a ban?", "two minutes off the pitch")
    assert got == "the question counts yellow, and 'two minutes off the pitch' is a time"
    assert answer_type_problem("How many paid holiday days are there?", "28 days") == ""


def test_a_price_is_no_weight() -> None:
    from veracity.rag.answer_types import answer_type_problem

    got = answer_type_problem("How much is a checked bag for an infant?", "23 kg")
    assert got == "the question asks for a price, and '23 kg' is a weight"
    assert answer_type_problem("How much does a checked bag cost?", "£28 per flight") == ""
    assert answer_type_problem("How much does the bag weigh?", "23 kg") == ""  # asks a weight
    assert answer_type_problem("How much water does the tank hold?", "5 litres") == ""
    assert answer_type_problem("How much is the deposit?", "25%") == ""
    # a bare count is no price either (on SQuAD v1.1 dev's 19 price questions it fires on none)
    got = answer_type_problem("How much is a book of visitor permits?", "ten")
    assert got == "the question asks for a price, and 'ten' is a count"
    assert answer_type_problem("How much is a book of visitor permits?", "£15") == ""
    assert answer_type_problem("How much does the pass cost?", "$1.2 billion") == ""
    assert answer_type_problem("How much does colour printing cost?", "20p each") == ""
    got = answer_type_problem("How much is a three-piece suit?", "three working days")
    assert got == "the question asks for a price, and 'three working days' is a time"
    assert answer_type_problem("How much is parking?", "£5 per day") == ""
    # a surcharge on another price is no price of the thing, unless the question asks for one
    got = answer_type_problem("How much is a one hour lesson?", "£3 more per hour", ".")
    assert (
        got
        == "the question asks for a price, and '£3 more per hour' is a difference from another one"
    )
    after = " on top of the parking tariff."  # the price of charging, said beside another price
    assert answer_type_problem("How much does charging cost?", "45p per kWh", after) == ""
    assert answer_type_problem("How much extra is a gluten-free sponge?", "£6 extra", ".") == ""
    got = answer_type_problem("How much is each lesson?", "10% off their lesson fees", ".")
    assert "is a difference from another one" in got
    assert answer_type_problem("How much of a discount do siblings get?", "10% off", ".") == ""
    assert answer_type_problem("How much is parking?", "£12", ". More details online.") == ""
    # and a price is no length of time
    got = answer_type_problem("How long is each class?", "£25")
    assert got == "the question asks how long, and '£25' is a price"
    assert answer_type_problem("How long is each class?", "two hours") == ""
    # "What does X cost?" asks a price as "How much is X?" does
    got = answer_type_problem("What does the intensive course cost?", "one-week")
    assert got == "the question asks for a price, and 'one-week' is a time"
    assert answer_type_problem("What does the intensive course cost?", "£1,150") == ""


@pytest.mark.parametrize(
    ("question", "span", "ok"),
    [
        ("What time does the museum close?", "25 December and on 1 January", False),
        ("What time does the museum close?", "5 pm", True),
        ("At what time does the first train leave?", "06:40", True),
        ("What time do the gates open?", "noon", True),
        ("What time does the shop open on Sundays?", "10.30am", True),
        # a terse query for a time of day asks one too
        ("Millrace Hall door time for a standing gig", "1,400", False),
        ("Millrace Hall door time for a standing gig", "6:30pm", True),
        ("What's the start time of the 10k?", "9.15am", True),
        # "what time" for an era, and a question with no schedule verb, are not judged
        ("What time did a river system develop in the graben?", "Miocene", True),
        ("What time period does the book cover?", "the 1750s", True),
        # "how much" is no time of day, unless it is a price or asks for time
        ("How much is dinner in the restaurant?", "7 am to 10 am on weekdays", False),
        ("How much is dinner in the restaurant?", "£24 from 6 pm", True),
        ("How much time does the tour take?", "10 am to noon", True),
        # "what pressure" asks a measure, in numbers, of its own kind
        ("What pressure should I stop at?", "engineer", False),
        ("What pressure should I stop at?", "1.2 bar", True),
        ("What pressure should I stop at?", "2 minutes", False),
        ("What's the maximum temperature?", "95°C", True),
        # an age is no date; a percentage is no price unless the question asks for one
        ("From what age can I take my pension early?", "6 April", False),
        ("From what age can I take my pension early?", "55", True),
        ("What's the MOT price for a motorbike?", "20%", False),
        ("What's the discount price for students?", "20%", True),
        ("How much is the final project worth?", "40%", True),
        # a size in numbers or words; a deposit is no fee
        ("What size supply cable do we need?", "SWA cable clipped direct", False),
        ("What size supply cable do we need?", "10 mm²", True),
        ("What booking deposit do I have to pay?", "£10 administration fee", False),
        ("What booking deposit do I have to pay?", "£50 deposit", True),
        ("What booking deposit do I have to pay?", "the Centre is able to re-let the room", False),
        ("What's the frost protection temperature out of the box?", "The R1 receiver", False),
        # "how long" is no single time of day; a stretch between two may answer it
        ("How long does a repeat prescription take?", "4:00pm* on weekdays", False),
        ("How long is the pool open on Sundays?", "9am to 5pm", True),
        ("How long can I park on the street?", "until 6pm", True),
        ("How long does the ferry take?", "90 minutes, leaving at 10:00", True),
        # "checkout" in one word is "check-out"; "What will X charge me?" asks a price
        ("what time is checkout on departure day", "72 hours", False),
        ("what time is checkout on departure day", "10am", True),
        ("What will Roundabout charge me?", "Tariffs", False),
        ("What will Roundabout charge me?", "£25", True),
        ("What did the court charge him with?", "fraud", True),
        # a terse query that names a price or ends in "how often" wants a number
        ("gate key deposit", "the gate is locked at dusk", False),
        ("gate key deposit", "£10", True),
        ("descaling hard water how often", "up faster", False),
        ("descaling hard water how often", "every 120 cups", True),
        ("eco programme duration", "normally soiled load", False),
        ("eco programme duration", "225 min", True),
        # a rate, a limit or an allowance, then what it is for, wants a number too
        ("council mileage allowance rate school run", "a Personal Travel Budget", False),
        ("council mileage allowance rate school run", "45p a mile", True),
        ("contacts limit growth plan", "10,000", True),
        # hours of the day are given in times or days
        ("What are the controlled hours in Zone B?", "Bank holidays", False),
        ("What are the controlled hours in Zone B?", "8am to 6.30pm", True),
        ("What are the controlled hours in Zone B?", "Monday to Saturday", True),
    ],
)
def test_what_time_and_how_much_against_a_time_of_day(question: str, span: str, ok: bool) -> None:
    from veracity.rag.answer_types import answer_type_problem

    assert (answer_type_problem(question, span) == "") is ok


@pytest.mark.parametrize(
    ("question", "span", "ok"),
    [
        # "releases" after a thing of code is a verb: no version asked
        ("Which libffi function releases memory from ffi_closure_alloc?", "ffi_closure_free", True),
        ("Which Expat release added XML_SetHashSalt?", "ffi_closure_free", False),
        # an answer that only repeats the question's code name says nothing
        ("What value is XML_CONTEXT_BYTES normally set to?", "XML_CONTEXT_BYTES", False),
        ("What value is XML_CONTEXT_BYTES normally set to?", "1024", True),
        # a command is code, or one or two plain words
        ("khctl command to list suspended users in json", "remove deletes the membership", False),
        (
            "khctl command to list suspended users in json",
            "khctl users ls -s suspended -o json",
            True,
        ),
        ("Which command starts the backup?", "snapshot", True),
        # nor does one whose every word the question holds, unless it offers a choice
        ("What must the type field be set to for libffi?", "libffi", False),
        ("Which argument parses entities unless standalone is yes?", "yes", False),
        ("When is the 'drain' event emitted?", "until the 'drain' event", False),
        ("When does a setImmediate callback run?", "after I/O events", True),
        ("Which team won, the Broncos or the Steelers?", "Broncos", True),
        # a span that denies what is asked answers it; one that keeps the question's denial not
        ("Do you charge sales tax on top of your prices?", "no sales tax", True),
        ("Is there no sales tax?", "no sales tax", False),
        ("Who won the game between the Broncos and Steelers?", "the Broncos", True),
        # a numeric value is a quantity, and a name from code holds none
        ("What is the numeric value of ASN1_MAX_NAME_SIZE?", "more than ASN1_MAX_NAME_SIZE", False),
        ("What is the numeric value of ASN1_MAX_NAME_SIZE?", "128", True),
        # a function, a constant, a status code or a client request is named as code
        ("Which Expat function stops the parser?", "recursively", False),
        ("Which Expat function stops the parser?", "XML_StopParser", True),
        ("Which Expat function stops the parser?", "the XML_StopParser function", True),
        ("Which Expat function returns triplets?", "do_nst non-zero", False),  # a phrase
        ("Which libtasn1 function prints the error?", "perror", True),  # "perror()" follows
        ("What status code does ffi_prep_cif return?", "type", False),
        ("What status code does ffi_prep_cif return?", "FFI_BAD_ABI", True),
        ("Which error code does the server send?", "404", True),
        ("Which Memcheck client request checks for leaks?", "malloc/new et al", False),
        ("Which Rust macro prints to standard error?", "eprintln!", True),
        # a function or method of English is not code's
        ("What function does ozone perform for the planet?", "protective shield", True),
        ("What is one method of achieving it?", "taking on debt", True),
        ("Which assert method tests for deep equality?", "the actual and expected", False),
    ],
)
def test_answer_type_reads_the_verb_and_the_question_names(
    question: str, span: str, ok: bool
) -> None:
    from veracity.rag.answer_types import answer_type_problem

    after = "() ." if span == "perror" else ""
    assert (answer_type_problem(question, span, after) == "") is ok


def test_a_version_note_answers_only_questions_of_versions_and_times() -> None:
    from veracity.rag.answer_types import version_note_problem

    note = "New in Expat 1.95.8."
    assert "notes a version" in version_note_problem("What status does XML_Parse return?", note)
    assert version_note_problem("In which Expat version did it come?", note) == ""
    assert version_note_problem("When was XML_StopParser added?", note) == ""
    assert version_note_problem("What status does XML_Parse return?", "It returns 1.") == ""
    says_more = "Changed in version 23.3: A new cache format is stored in http-v2."
    assert version_note_problem("Which directory holds the cache?", says_more) == ""


@pytest.mark.parametrize(
    ("question", "sentence", "span", "where", "ok"),
    [
        # a version written after another name is that thing's version
        ("In which version did Click add Fish completion?",
         "Click supports Bash (version 4.4 and up), Zsh and Fish.", "4.4", "click docs", False),
        ("In which Valgrind release was it added?",
         "Valgrind can now read DWARF 5 as produced by GCC 11.", "11", "valgrind", False),
        # the question's or the document's own name, or words that introduce a version
        ("In which Expat release was it fixed?", "Release 2.4.9 Tue September", "2.4.9",
         "expat", True),
        ("In which version was X added?", "Changed in version 8.0: added X.", "8.0", "click", True),
        ("Which Click version added X?", "Click 8.0 added X.", "8.0", "docs", True),
        ("Which release added X?", "Pillow 9.1 added X.", "9.1", "/docs/pillow/news.md", True),
        # a span that opens with another name than the one whose version the question asks
        ("In which Linux kernel version did faccessat2() appear?",
         "the wrapper provided in glibc 2.32 and earlier emulates it", "glibc 2.32", "x", False),
        ("In which Linux kernel version did faccessat2() appear?",
         "faccessat2() was added in Linux 5.8.", "Linux 5.8", "x", True),
        ("In which version did faccessat2() appear?",
         "the wrapper provided in glibc 2.32 and earlier emulates it", "glibc 2.32", "x", True),
        ("Which glibc version added getuid32()?",
         "UNIX V7 introduced separate calls getuid() and geteuid().", "UNIX V7", "x", False),
    ],
)  # fmt: skip
def test_a_version_belongs_to_the_name_it_is_written_after(
    question: str, sentence: str, span: str, where: str, ok: bool
) -> None:
    from veracity.rag.answer_types import version_owner_problem

    problem = version_owner_problem(question, sentence, sentence.index(span), where)
    assert (problem == "") is ok, problem


PARSE_DOC = (
    "# parse_file\n\n"
    "int parse_file(const char *file, node **definitions)\n\n"
    "Creates the structures needed to manage the definitions in file.\n"
    "Returns: PARSE_OK if the file has a correct syntax, PARSE_FILE_NOT_FOUND if an error "
    "occurred while opening file, PARSE_NAME_TOO_LONG if the file holds an identifier longer "
    "than MAX_NAME characters.\n"
)


def test_a_return_question_is_answered_with_the_value_under_its_condition(
    tmp_path: Path,
) -> None:
    c = _collection(tmp_path, {"parse.md": PARSE_DOC})
    question = (
        "What does parse_file return when the file holds an identifier longer than MAX_NAME "
        "characters?"
    )
    # the reader takes the words of another case's condition: the value of the asked one answers
    answer = engine(c, TableReader({"parse_file": "opening file"})).ask(question)
    assert not answer.abstained and answer.text.startswith("PARSE_NAME_TOO_LONG [1]")
    # the reader finds nothing it trusts, yet the passage states the case nearly word for word
    unsure = engine(c, TableReader({"parse_file": "opening file"}, probability=0.3))
    assert unsure.ask(question).text.startswith("PARSE_NAME_TOO_LONG [1]")
    # a condition the passage does not list is still no answer
    missing = unsure.ask("What does parse_file return when the disk is full?")
    assert missing.abstained


def test_a_name_is_called_only_right_after_it() -> None:
    from veracity.rag.answer_types import answer_type_problem

    assert answer_type_problem("Which errno is it?", "perror", "() prints it") == ""
    assert answer_type_problem("Which errno is it?", "memmove", "(3) copies") == ""
    assert answer_type_problem("What errno is that?", "error", " (and assuming ...)") != ""


def test_the_message_around_the_question_tells_that_it_is_about_code() -> None:
    from veracity.rag.answer_types import answer_type_problem

    asked = "Which flag do I include?"
    message = f"For a real-time process I want mlockall() to lock later pages too. {asked}"
    assert answer_type_problem(asked, "bitwise", "", message) != ""
    assert answer_type_problem(asked, "bitwise") == ""  # alone, it names no code


def test_the_sentence_before_links_only_within_its_paragraph_or_as_a_heading() -> None:
    from veracity.rag.links import link_problem

    text = (
        "Tom Reyes will present the supplier shortlist in June.\n\n"
        "The proposal to open a Madrid branch was postponed until the autumn."
    )
    asked = "When will the supplier shortlist be presented?"
    assert link_problem(asked, text, text.index("autumn")) != ""
    assert link_problem(asked, text.replace("\n\n", " "), text.index("autumn") - 1) == ""
    headed = "## Supplier shortlist\n\nIt is due in June."
    assert link_problem(asked, headed, headed.index("June")) == ""


def test_how_heavy_names_a_weight() -> None:
    from veracity.rag.links import link_problem

    specs = "## Specifications\n\n- Capacity: 1.7 litres\n\n- Weight: 1.1 kg\n"
    assert link_problem("How heavy is the Aqua 2000?", specs, specs.index("1.1")) == ""
    assert link_problem("How loud is the Aqua 2000?", specs, specs.index("1.1")) != ""


def test_a_field_value_comes_from_the_field_the_question_names() -> None:
    from veracity.rag.named_entries import named_field

    specs = "## Specifications\n\n- Power: 2200 W\n- Cable length: 75 cm\n- Weight: 1.1 kg\n"
    power = specs.index("2200 W")
    start, end = named_field("How long is the cable?", specs, power, power + 6) or (0, 0)
    assert specs[start:end] == "75 cm"
    assert named_field("What is the power?", specs, power, power + 6) is None  # already it
    assert named_field("How heavy is it?", specs, power, power + 6) is None  # names no label
    prose = "The cable is 75 cm long. The kettle draws 2200 W."
    assert named_field("How long is the cable?", prose, prose.index("2200"), 0) is None


def test_a_leader_row_value_comes_from_the_row_the_question_names() -> None:
    from veracity.rag.named_entries import named_field

    limits = (
        "8. CORPORATE CARDS\n\n8.2 Monthly card limits:\n"
        "   Grades 1-4 ..................... £2,500\n"
        "   Grades 5-6 (managers) .......... £6,000\n"
    )
    low = limits.index("£2,500")
    asked = "What's the monthly corporate card limit for a Grade 5 manager?"
    start, end = named_field(asked, limits, low, low + 6) or (0, 0)
    # the heading in capitals is no entry, though it shares "corporate" and "card"
    assert limits[start:end] == "£6,000"
    assert named_field("What's the card limit for Grades 1-4?", limits, low, low + 6) is None


def test_a_heading_is_no_other_sentence_the_question_names() -> None:
    from veracity.rag.structure import sentence_problem

    text = "# Aqua 2000 kettle: user guide\n\nIt is light. Weight: 1.1 kg for the whole unit."
    assert sentence_problem("How heavy is the Aqua 2000 kettle?", text, text.index("1.1")) == ""


def test_a_column_of_short_lines_is_a_list_of_entries() -> None:
    from veracity.rag.named_entries import entry_problem
    from veracity.text.entries import entries

    menu = (
        "Mains\nGrilled salmon with rice - 16.50 euros\n"
        "Mushroom risotto - 13.00 euros (vegetarian)\nBeef burger - 14.00 euros\n\n"
        "Lunch is served from 12:00. Dinner is not served."
    )
    assert [menu[s:e] for s, e in entries(menu)] == [
        "Grilled salmon with rice - 16.50 euros",
        "Mushroom risotto - 13.00 euros (vegetarian)",
        "Beef burger - 14.00 euros",
    ]
    salmon = menu.index("salmon")
    assert "Mushroom risotto" in entry_problem("Which main is vegetarian?", menu, salmon)


def test_a_version_of_another_change_does_not_answer() -> None:
    from veracity.rag.answer_types import version_event_problem

    note = "The --legacy-auth flag has been removed (it was deprecated in 4.0.0)."
    asked = "In which version was the --legacy-auth flag removed?"
    got = version_event_problem(asked, note, note.index("4.0.0"))
    assert (
        got
        == "the version is where the text says 'deprecated', and the question asks another change"
    )
    both = "The flag was removed in 4.1.0 after being deprecated in 4.0.0."
    assert version_event_problem(asked, both, both.index("4.1.0")) == ""
    assert version_event_problem("Which version deprecated it?", both, both.index("4.0.0")) == ""
    # "changed" may say a rename
    renamed = "The argument's name was hash but was changed to conform with PEP 681 in 22.2.0."
    asked = "In which release was the hash argument renamed to unsafe_hash?"
    assert version_event_problem(asked, renamed, renamed.index("22.2.0")) == ""
    # a question that names no change, or a sentence that says none, is not judged
    assert version_event_problem("Which version is current?", note, note.index("4.0.0")) == ""


def test_the_cell_a_question_names_is_not_refused_for_a_list_item_beside_it(
    tmp_path: Path,
) -> None:
    fees = (
        "# Fees\n\n| Age group | First year | Later years |\n|---|---|---|\n"
        "| Minis (Under-8s) | £60 | £75 |\n| Under-10s to Under-16s | £95 | £120 |\n\n"
        "- Match fees: £4 per match for Under-12s, Under-14s and Under-16s.\n"
    )
    c = _collection(tmp_path, {"fees.md": fees})
    asked = "How much is the membership fee for an Under-14 in their first year?"
    answer = engine(c, TableReader({"membership": "£4 per match"})).ask(asked)
    # the reader's span is in the match fees' item; the table's row and column name £95
    assert not answer.abstained and answer.text.startswith("£95 [1]")


def test_a_quoted_rule_brings_its_exception_along(tmp_path: Path) -> None:
    from veracity.rag.extractive import span_quote
    from veracity.rag.prompt import Source
    from veracity.records import Chunk, Hit

    text = (
        "We collect and return your car free within 5 miles of the garage. Beyond 5 miles we "
        "charge £1.20 per mile each way. Courtesy cars are for drivers over 25."
    )
    hit = Hit(Chunk("c1", "d1", 0, text, 0, len(text)), 0.9, "garage.md")
    at = text.index("free")
    whole = span_quote(Source(1, hit), at, at + 4, exception=True)
    assert whole.shown.endswith("£1.20 per mile each way.")
    assert whole.sentence.end == text.index(" Courtesy")
    # a span answer quotes its sentence alone; so does a rule whose next sentence goes elsewhere
    assert span_quote(Source(1, hit), at, at + 4).shown.endswith("of the garage.")
    later = text.index("Beyond")
    assert span_quote(Source(1, hit), later, later + 6, exception=True).shown.endswith("each way.")


HIRE = (
    "# Ski hire prices\n\nDaily prices per item.\n\n| Item | Adult | Child |\n|---|---|---|\n"
    "| Helmet | €6 | €4 |\n| Boots only | €12 | €8 |\n\nPrices include VAT.\n"
)


def test_a_table_names_the_cell_the_reader_is_unsure_of(tmp_path: Path) -> None:
    c = _collection(tmp_path, {"hire.md": HIRE})
    unsure = TableReader({}, miss=0.2)  # no span over its threshold anywhere
    answer = engine(c, unsure).ask("helmet hire price child")
    assert not answer.abstained and answer.text.startswith("€4 [1]")


def test_a_table_lookup_needs_every_word_of_the_question_in_the_table(tmp_path: Path) -> None:
    c = _collection(tmp_path, {"hire.md": HIRE})
    # "goggles" is in no row: the helmet's row does not answer it
    answer = engine(c, TableReader({}, miss=0.2)).ask("goggles helmet hire price child")
    assert answer.abstained


def test_cell_words_missing_reads_the_row_the_header_and_the_line_above() -> None:
    from veracity.rag.tables import cell_words_missing, named_cell

    cell = named_cell("helmet price child", HIRE)
    assert cell is not None and HIRE[slice(*cell)] == "€4"
    assert cell_words_missing("helmet price child", HIRE, cell, ("Ski hire prices",)) == set()
    assert cell_words_missing("tap helmet child", HIRE, cell) == {"tap"}
    # the word after "how" asks for the kind of value; it names nothing the table must hold
    asked = "How much is a helmet for a child?"
    assert cell_words_missing(asked, HIRE, cell, ("Ski hire prices",)) == set()


def test_a_table_lookup_needs_the_row_named_by_its_head() -> None:
    from veracity.rag.tables import named_cell, row_head_named

    extras = (
        "| Item | Adult | Child |\n|---|---|---|\n| Helmet | €4 per day | €3 per day |\n"
        "| Heated boot upgrade (added to an adult ski package) | €8 per day | n/a |\n"
    )
    asked = "How much is a ski package for an adult?"
    cell = named_cell(asked, extras)
    assert cell is not None and extras[slice(*cell)] == "€8 per day"
    assert not row_head_named(asked, extras, cell)
    helmet = named_cell("helmet price child", extras)
    assert helmet is not None and row_head_named("helmet price child", extras, helmet)
