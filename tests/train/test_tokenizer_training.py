"""Tokenizer training: merges against a naive reference, Unigram against brute force and
SentencePiece, and one contract every kind passes (train, encode, decode, save, load)."""

from __future__ import annotations

import gzip
import io
import itertools
import json
import math
import random
from collections import Counter
from pathlib import Path

import pytest

from veracity.errors import ConfigError
from veracity.text.tokenizers import Tokenizer, get_tokenizer, load_tokenizer
from veracity.text.tokenizers.unigram import unigram_words, viterbi
from veracity.text.tokenizers.wordpiece import basic_tokenize
from veracity.train.tokenizers import (
    KINDS,
    learn_merges,
    train_bpe,
    train_tokenizer,
    train_unigram,
    train_wordpiece,
)
from veracity.train.tokenizers.corpus import read_texts


def synthetic_corpus(n_sentences: int = 600, seed: int = 0) -> list[str]:
    """Sentences over stems x affixes with skewed frequencies: subwords worth learning."""
    rng = random.Random(seed)
    stems = ["walk", "talk", "read", "play", "jump", "cook", "clean", "paint", "open", "call",
             "help", "work", "protein", "cell", "gene", "virus", "signal", "receptor", "kinase",
             "tumor", "brain", "heart", "nation", "station", "relation", "function", "structure",
             "culture", "measure", "pressure"]  # fmt: skip
    suffixes = ["", "", "s", "ed", "ing", "er", "ers", "al", "ally", "ation", "ness", "less"]
    prefixes = ["", "", "", "re", "un", "pre", "over", "anti"]
    small = ["the", "a", "of", "and", "in", "to", "with", "for", "is", "was", "by", "on"]
    out = []
    for _ in range(n_sentences):
        words = []
        for _ in range(rng.randint(6, 14)):
            if rng.random() < 0.4:
                words.append(rng.choice(small))
            else:
                i = min(int(rng.expovariate(0.12)), len(stems) - 1)
                words.append(rng.choice(prefixes) + stems[i] + rng.choice(suffixes))
        out.append(" ".join(words).capitalize() + ".")
    return out


CORPUS = synthetic_corpus()
HELD_OUT = synthetic_corpus(150, seed=1)


def naive_merges(words: dict[tuple[bytes, ...], int], n: int) -> list[tuple[bytes, bytes]]:
    """minbpe's loop: recount every pair each round, merge the most frequent (ties: smallest)."""
    seqs = {w: c for w, c in words.items()}
    merges: list[tuple[bytes, bytes]] = []
    for _ in range(n):
        counts: Counter[tuple[bytes, bytes]] = Counter()
        for w, c in seqs.items():
            for pair in itertools.pairwise(w):
                counts[pair] += c
        if not counts:
            break
        best = min(counts, key=lambda p: (-counts[p], p))
        if counts[best] < 2:
            break
        merges.append(best)
        new: dict[tuple[bytes, ...], int] = {}
        for w, c in seqs.items():
            out, i = [], 0
            while i < len(w):
                if i < len(w) - 1 and (w[i], w[i + 1]) == best:
                    out.append(w[i] + w[i + 1])
                    i += 2
                else:
                    out.append(w[i])
                    i += 1
            new[tuple(out)] = new.get(tuple(out), 0) + c
        seqs = new
    return merges


def test_incremental_merges_equal_the_naive_loop() -> None:
    words: Counter[tuple[bytes, ...]] = Counter()
    for text in CORPUS[:200]:
        for word in text.split():
            raw = (" " + word).encode()
            words[tuple(raw[i : i + 1] for i in range(len(raw)))] += 1
    assert learn_merges(dict(words), 150, lambda a, b: a + b) == naive_merges(dict(words), 150)


def test_bpe_learns_frequent_words_and_round_trips() -> None:
    tok = train_bpe(CORPUS, 400)
    assert tok.vocab_size == 400
    assert len(tok.encode(" the")) == 1  # the most frequent word is one token
    for text in [*HELD_OUT[:20], "unseen wörds 東京 😀 \n\t"]:
        assert tok.decode(tok.encode(text)) == text
    assert sum(len(tok.encode(t)) for t in HELD_OUT) < 0.5 * sum(len(t.encode()) for t in HELD_OUT)


def test_wordpiece_training_builds_a_usable_vocabulary() -> None:
    tok = train_wordpiece(CORPUS, 300)
    assert tok.vocab[:5] == ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    assert tok.vocab_size <= 300
    assert tok.tokens("the") == ["the"]
    unk = tok.ids["[UNK]"]
    assert unk not in tok.encode(" ".join(HELD_OUT))  # every character was seen
    assert tok.encode("the ☃") == [tok.ids["the"], unk]
    assert tok.decode(tok.encode(HELD_OUT[0])) == " ".join(basic_tokenize(HELD_OUT[0]))


def _brute_force(word: str, scores: dict[str, float]) -> float:
    best = -math.inf
    for cuts in itertools.product([0, 1], repeat=len(word) - 1):
        pieces, start = [], 0
        for i, cut in enumerate(cuts, 1):
            if cut:
                pieces.append(word[start:i])
                start = i
        pieces.append(word[start:])
        if all(p in scores for p in pieces):
            best = max(best, sum(scores[p] for p in pieces))
    return best


def test_viterbi_finds_the_best_segmentation() -> None:
    tok = train_unigram(CORPUS, 250)
    for word in ["▁walking", "▁unhelpful", "▁reprotein", "▁antistation", "▁cooked"]:
        pieces = viterbi(word, tok.scores, tok.max_len, tok.unk_score)
        assert "".join(pieces) == word
        assert sum(tok.scores[p] for p in pieces) == pytest.approx(_brute_force(word, tok.scores))


def test_unigram_is_close_to_sentencepiece() -> None:
    spm = pytest.importorskip("sentencepiece", reason="sentencepiece (dev extra) is the reference")
    ours = train_unigram(CORPUS, 300)
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(CORPUS), model_writer=model, vocab_size=300,
        model_type="unigram", num_threads=1, minloglevel=2,
    )  # fmt: skip
    sp = spm.SentencePieceProcessor(model_proto=model.getvalue())
    theirs = {sp.id_to_piece(i) for i in range(sp.get_piece_size())}
    overlap = len(theirs & {p for p, _ in ours.pieces}) / len(theirs)
    ratio = sum(len(ours.encode(t)) for t in HELD_OUT) / sum(len(sp.encode(t)) for t in HELD_OUT)
    assert ours.vocab_size == 300
    assert overlap >= 0.5, overlap  # measured 0.69
    assert 0.8 <= ratio <= 1.15, ratio  # measured 0.93: our segmentations are slightly shorter
    text = " ".join(HELD_OUT[0].split())
    assert ours.decode(ours.encode(text)) == text


def _lossless_view(kind: str, text: str) -> str:
    """What decode(encode(text)) should give back for each kind (see each module's docstring)."""
    if kind == "unigram":
        return " ".join(unigram_words(text)).replace("▁", "")
    if kind == "wordpiece":
        return " ".join(basic_tokenize(text))
    if kind == "word":
        return text.replace(" .", ".")
    return text


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_trains_encodes_decodes_saves_and_loads(kind: str, tmp_path: Path) -> None:
    # The word kind gets room for every training word, so a training text has no <unk>.
    tok: Tokenizer = train_tokenizer(CORPUS, kind, 5000 if kind == "word" else 300)
    assert isinstance(tok, Tokenizer) and tok.kind == kind
    text = CORPUS[3]
    ids = tok.encode(text)
    assert ids and all(0 <= i < tok.vocab_size for i in ids)
    assert all(isinstance(tok.id_to_token(i), str) for i in range(tok.vocab_size))
    assert tok.decode(ids) == _lossless_view(kind, text)
    tok.save(tmp_path / f"{kind}.json")
    again = get_tokenizer(str(tmp_path / f"{kind}.json"))
    assert again.kind == kind and again.vocab_size == tok.vocab_size
    for t in HELD_OUT[:30]:
        assert again.encode(t) == tok.encode(t)


def test_word_tokenizer_maps_unseen_words_to_unk() -> None:
    tok = train_tokenizer(CORPUS, "word", 50)
    assert tok.vocab_size == 50
    ids = tok.encode("the zyzzyva")
    assert ids[0] != 0 and ids[1] == 0


def test_bad_arguments_and_files_say_how_to_fix(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="known: bpe"):
        train_tokenizer(CORPUS, "sentencepiece", 100)
    with pytest.raises(ConfigError, match="at least 256"):
        train_tokenizer(CORPUS, "bpe", 100)
    with pytest.raises(ConfigError, match="raise --vocab-size"):
        train_unigram(CORPUS, 5)
    (tmp_path / "x.json").write_text('{"a": 1}')
    with pytest.raises(ConfigError, match="not a Veracity tokenizer file"):
        load_tokenizer(tmp_path / "x.json")
    with pytest.raises(ConfigError, match="no tokenizer file"):
        load_tokenizer(tmp_path / "missing.json")


def test_read_texts_reads_jsonl_gz_and_text_with_a_budget(tmp_path: Path) -> None:
    with gzip.open(tmp_path / "c.jsonl.gz", "wt") as fh:
        for i in range(5):
            fh.write(json.dumps({"title": f"T{i}", "text": f"body {i}"}) + "\n")
    (tmp_path / "p.txt").write_text("line one\n\nline two\n")
    texts = list(read_texts([tmp_path / "c.jsonl.gz", tmp_path / "p.txt"]))
    assert texts == [*(f"T{i} body {i}" for i in range(5)), "line one", "line two"]
    assert list(read_texts([tmp_path / "p.txt"], max_chars=3)) == ["line one"]
