"""Translation through any ``Generator``, long texts chunked by sentences, order kept.

    from veracity.generate.base import get_generator
    from veracity.tasks.translate import translate
    result = translate("The office opens at nine.", "fr", get_generator("smollm2"))
    print(result.text)

The text is cut into runs of whole sentences of at most ``chunk_tokens`` tokens (a sentence
longer than that is cut at spaces), each run is translated on its own, greedy by default, and the
pieces are joined with the whitespace that separated them in the source, so paragraphs and line
breaks survive. Each reply is cleaned (``llm_text.clean_reply``: preamble, echoed input, fences,
trailing notes, wrapping quotes). Every piece keeps its source span, so a translation can be
checked sentence group by sentence group.

What the shipped model can do. SmolLM2-135M-Instruct writes in the target language but does
not keep the meaning: asked for French, "The office opens at nine. Parking is free for
visitors." came back as "L'office est défini en 9h par l'entrée. Les visites sont enfants."
(the office is defined at 9h by the entrance; the visits are children); asked for Spanish it
dropped a sentence, for German it wrote "Ich habe erhalten. Ich kann erhalten." Left to run,
it loops; the blank-line stop and ``cut_repeats`` end that, they cannot fix the meaning. No
output of it should be used as a translation. The task is the same with a capable model, one
option away: ``--model PATH.gguf`` (a multilingual instruction model, e.g. a Qwen2.5-Instruct
GGUF) or ``--model openai:NAME --base-url URL`` (any OpenAI-compatible server).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from veracity.errors import ConfigError
from veracity.generate.base import Generator, context_size_of, count_tokens
from veracity.records import Decoding
from veracity.tasks.llm_text import clean_reply, complete, sentence_chunks

# Common ISO 639-1 codes, so ``--to fr`` reads as "French" in the prompt (models know names
# better than codes); anything else is used as given.
LANGUAGES = {
    "ar": "Arabic", "cs": "Czech", "da": "Danish", "de": "German", "el": "Greek",
    "en": "English", "es": "Spanish", "fi": "Finnish", "fr": "French", "he": "Hebrew",
    "hi": "Hindi", "hu": "Hungarian", "id": "Indonesian", "it": "Italian", "ja": "Japanese",
    "ko": "Korean", "nl": "Dutch", "no": "Norwegian", "pl": "Polish", "pt": "Portuguese",
    "ro": "Romanian", "ru": "Russian", "sv": "Swedish", "th": "Thai", "tr": "Turkish",
    "uk": "Ukrainian", "vi": "Vietnamese", "zh": "Chinese",
}  # fmt: skip
DEFAULT_CHUNK_TOKENS = 200
SYSTEM = (
    "You are a professional translator. Translate the user's text into {target}. Reply with "
    "the {target} translation only: no explanation, no notes, no quotes, no original text."
)
USER = "Translate this text{source} into {target}:\n\n{text}"


@dataclass(frozen=True, slots=True)
class TranslatedPiece:
    """One run of source sentences ``source[start:end]`` and its translation."""

    start: int
    end: int
    source: str
    text: str

    def as_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "source": self.source, "text": self.text}


@dataclass(frozen=True, slots=True)
class Translation:
    """The joined translation, the target language as prompted, and the pieces in order."""

    text: str
    target: str
    model: str
    pieces: tuple[TranslatedPiece, ...] = field(default=())

    def as_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "target": self.target,
            "model": self.model,
            "pieces": [p.as_dict() for p in self.pieces],
        }


def language_name(code_or_name: str) -> str:
    """``"fr"`` -> ``"French"``; a name or an unknown code is returned as given (stripped)."""
    value = code_or_name.strip()
    if not value:
        raise ConfigError("give the target language, e.g. --to French (or a code: --to fr)")
    return LANGUAGES.get(value.lower(), value)


def translate(
    text: str,
    target: str,
    generator: Generator,
    *,
    source: str | None = None,
    chunk_tokens: int = DEFAULT_CHUNK_TOKENS,
    decoding: Decoding | None = None,
) -> Translation:
    """``text`` translated into ``target`` (a language name or ISO code) by ``generator``.

    ``source`` names the source language (default: the model guesses); ``chunk_tokens`` bounds
    each translated run of sentences; ``decoding`` defaults to greedy with room for a reply
    three times the run's length, stopping at a blank line."""
    if not text.strip():
        raise ConfigError("nothing to translate: the text is empty")
    if chunk_tokens < 8:
        raise ConfigError(f"chunk_tokens must be >= 8, got {chunk_tokens}")
    lang = language_name(target)
    src = f" from {language_name(source)}" if source else ""
    # Prompt, run and reply must fit the window: leave room for a reply three times the run.
    budget = min(chunk_tokens, max(8, (context_size_of(generator) - 160) // 4))
    system = SYSTEM.format(target=lang)
    pieces = []
    for start, end in sentence_chunks(text, budget, generator):
        run = text[start:end]
        user = USER.format(source=src, target=lang, text=run)
        where = f"the sentences at characters {start}-{end}"
        reply = complete(generator, system, user, decoding or _decoding(run, generator), where)
        cleaned = clean_reply(reply, echoed=(user, run), source=run)
        pieces.append(TranslatedPiece(start, end, run, cleaned or reply.strip()))
    return Translation(_join(text, pieces), lang, _name(generator), tuple(pieces))


def _decoding(run: str, generator: object) -> Decoding:
    """Greedy, room for a reply three times the run's tokens (some languages take more), and a
    stop at a blank line: a run never holds one (``sentence_chunks``), so a reply that writes
    one has moved on to notes or a loop."""
    return Decoding(max_tokens=3 * count_tokens(generator, run) + 16, temperature=0.0,
                    stop=("\n\n",))  # fmt: skip


def _join(text: str, pieces: list[TranslatedPiece]) -> str:
    """The translated pieces with the source's whitespace between them (paragraph breaks kept)."""
    out: list[str] = []
    at = 0
    for p in pieces:
        gap = text[at : p.start]
        out.append(gap if gap or not out else " ")
        out.append(p.text)
        at = p.end
    return "".join(out).strip()


def _name(generator: object) -> str:
    return str(getattr(generator, "name", type(generator).__name__))
