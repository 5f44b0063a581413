"""Matching a company's need (free text in English, French or German, and a sector) to the
directory's experts (``catalogue/connect.json``), ranked and explained.

Pure Python (no Django). ``Matcher.from_catalogue()`` builds the indexes once per process (the
embedding model is loaded then, never at import); ``match()`` ranks every expert for one need.

The method, each signal computed for all experts at once (numpy arrays, one value per expert):

1. **Language**: the one given, else ``detect_language``: the language of (en, fr, de) whose
   short list of function words (``FUNCTION_WORDS``) the need uses most; a tie, or no function
   word at all, goes to the language whose accented letters it uses (ä ö ü ß: German; é è ê à ç
   ù œ: French), else English.
2. **Translation** (French and German): the directory is written in English, and no multilingual
   embedding model ships inside a Python package, so the need goes through the catalogue's term
   table (``terms``, plus the competences' and sectors' French and German labels, each mapped to
   its English label). Terms and need are compared word for word (lower case, the language's
   stop words left out), longest phrase first, on the exact words and else on their stems in
   the need's language (Snowball, PyStemmer: *pannes* finds *panne*). A German word of 8 letters
   or more that no term matches whole is split as a compound: the longest term stem its stem
   starts with (4 letters or more: ``Schadensmeldungen`` -> *schaden*) and the longest term it
   ends with, inflected or not (7 letters or more: ``Kartenzahlungen`` -> *zahlung*).
3. **BM25 over the experts in English** (bm25s, Lucene variant, k1 = 1.5, b = 0.75): each
   expert's name, description and competences' English labels, stemmed with the English
   stemmer (one spelling: *-ize* read as *-ise*); the query is the English words (the need
   itself, or its translation plus its own words stemmed in English, which catches words shared
   with English such as *satellites* or *GPU*).
4. **Embedding** (wordllama ``l2_supercat``, 256 dimensions, English, its weights inside the
   wheel): the cosine between the need (or its English translation) and each expert's text,
   both without English stop words.
5. **Combination**: a normalised score sum. The BM25 scores are divided by that need's best
   score (0 to 1), the cosines are scaled min-max over the experts (0 to 1); they are weighted
   (``Weights``: BM25 1, embedding 1.5) and added; the sum of an expert who works in the need's
   sector is multiplied by 1.5 (``Weights.sector``). Ties keep the directory's order, so a
   ranking is deterministic. The weights were chosen on the labelled needs
   (``tests/data/connect_needs.json``, ``bench/matchmaking.py``). A second BM25 over the
   competences' labels in the need's own language (its stemmer, no translation) was tried and
   left out: it changed nDCG@3 by less than 0.01 in every language, the term table already
   holding those labels.

The explanation of a match: the expert's competences that the need matched, those whose label
(English, or in the need's language, each stemmed in its language) shares a word stem with the
need first, then any whose label embedding is close to the need's (cosine at least
``Weights.competence_cosine``); and the need's own words that hit the expert's text or its
competences' labels.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Protocol

import bm25s  # type: ignore[import-untyped]
import numpy as np
import Stemmer  # type: ignore[import-not-found]
from bm25s.stopwords import (  # type: ignore[import-untyped]
    STOPWORDS_EN,
    STOPWORDS_EN_PLUS,
    STOPWORDS_FRENCH,
    STOPWORDS_GERMAN,
)
from numpy.typing import NDArray

from laif.catalogue.connect import Directory, Expert, load_directory

LANGUAGES = ("en", "fr", "de")
MAX_NEED_LENGTH = 2000  # characters: a need is a few sentences
MIN_COMPOUND = 8  # letters of a German word worth splitting into known parts
MIN_HEAD = 4  # letters of a compound's first part (wind-, kredit-)
MIN_TAIL = 7  # letters of a compound's last part (-verkehr, -zahlung)
_GERMAN_ENDINGS = ("", "e", "en", "n", "s", "es", "er", "ern")  # a last part's inflections

Vector = NDArray[np.float32]

# Function words frequent in requests and proper to one of the three languages (none is a word
# of another's list): the language detector's evidence.
def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


FUNCTION_WORDS: dict[str, frozenset[str]] = {
    "en": _word_set("the and of to for with we our is are that this on be it from by as have has "
                    "would want need us they their which what how can"),
    "fr": _word_set("le la les du de et en un une pour nous nos notre avec dans est sont sur au "
                    "aux qui que par pas ce cette ces son sa ses leur leurs chaque afin comme "
                    "voudrions souhaitons cherchons"),
    "de": _word_set("der die das den dem und ein eine einen einer wir unser unsere unseren unserer "
                    "für mit ist sind auf im zu von nicht wie ob sie es bei aus auch sich oder "
                    "möchten wollen suchen brauchen"),
}
_ACCENTS = {"de": frozenset("äöüß"), "fr": frozenset("éèêàçùœâîôû")}
_STEMMER_NAMES = {"en": "english", "fr": "french", "de": "german"}
_STOPWORDS: dict[str, frozenset[str]] = {
    "en": frozenset(STOPWORDS_EN_PLUS),
    "fr": frozenset(STOPWORDS_FRENCH),
    "de": frozenset(STOPWORDS_GERMAN),
}
_WORD = re.compile(r"[^\W_]+")
_AMERICAN = re.compile(r"iz(e|es|ed|ing|ation|ations)$")


def words(text: str) -> list[str]:
    """The text's words, lower case: runs of letters and digits (``post-quantum`` is two)."""
    return _WORD.findall(text.lower())


def detect_language(text: str) -> str:
    """``en``, ``fr`` or ``de`` by the rule in the module's docstring."""
    tokens = words(text)
    counts = {lang: sum(1 for t in tokens if t in FUNCTION_WORDS[lang]) for lang in LANGUAGES}
    best = max(counts.values())
    tied = [lang for lang in LANGUAGES if counts[lang] == best]
    if len(tied) == 1 and best > 0:
        return tied[0]
    letters = set(text.lower())
    for lang in ("de", "fr"):
        if lang in tied and letters & _ACCENTS[lang]:
            return lang
    return "en" if "en" in tied else tied[0]


class _Stemmers:
    """One Snowball stemmer per language. A PyStemmer object keeps a cache and is not safe to
    use from two threads at once: each call holds a lock (a need has a few dozen words)."""

    def __init__(self) -> None:
        self._by_language = {lang: Stemmer.Stemmer(name) for lang, name in _STEMMER_NAMES.items()}
        self._lock = threading.Lock()

    def stems(self, language: str, tokens: Sequence[str]) -> list[str]:
        if language == "en":  # one spelling: optimization -> optimisation
            tokens = [_AMERICAN.sub(r"is\1", t) if len(t) >= 7 else t for t in tokens]
        with self._lock:
            result: list[str] = self._by_language[language].stemWords(list(tokens))
        return result

    def content(self, language: str, text: str) -> list[tuple[str, str]]:
        """(word, stem) of the text's words that are not stop words of the language."""
        tokens = [t for t in words(text) if t not in _STOPWORDS[language]]
        return list(zip(tokens, self.stems(language, tokens), strict=True))


@dataclass(frozen=True)
class _Phrasebook:
    """A language's terms -> English words: by their exact words (lower case, stop words left
    out) and by their stems; and its one-word terms, as words and as stems, for splitting
    compounds."""

    exact: dict[tuple[str, ...], str]
    stemmed: dict[tuple[str, ...], str]
    longest: int
    heads: tuple[tuple[str, str], ...]  # (stem, English), at least MIN_HEAD letters, longest first
    tails: tuple[tuple[str, str], ...]  # (word, English), at least MIN_TAIL letters, longest first


@dataclass(frozen=True)
class Translation:
    """A French or German need in English: (the need's words, English words) per term matched,
    and the need's words no term matched."""

    pairs: tuple[tuple[str, str], ...]
    unmatched: tuple[str, ...]

    @property
    def english(self) -> str:
        return " ".join(english for _, english in self.pairs)


def _add(table: dict[tuple[str, ...], str], key: tuple[str, ...], english: str) -> None:
    if key:
        known = table.get(key)
        table[key] = english if known is None or english in known else f"{known} {english}"


def _phrasebook(directory: Directory, language: str, stemmers: _Stemmers) -> _Phrasebook:
    entries = list(directory.terms.of(language))
    for label in (*directory.competences, *directory.sectors):
        entries.append((label.in_language(language).lower(), label.en.lower()))
    exact: dict[tuple[str, ...], str] = {}
    stemmed: dict[tuple[str, ...], str] = {}
    for term, english in entries:
        content = stemmers.content(language, term)
        _add(exact, tuple(word for word, _ in content), english)
        _add(stemmed, tuple(stem for _, stem in content), english)
    heads = tuple(sorted(((key[0], english) for key, english in stemmed.items()
                          if len(key) == 1 and len(key[0]) >= MIN_HEAD),
                         key=lambda part: -len(part[0])))
    tails = tuple(sorted(((key[0], english) for key, english in exact.items()
                          if len(key) == 1 and len(key[0]) >= MIN_TAIL),
                         key=lambda part: -len(part[0])))
    return _Phrasebook(exact, stemmed, max(len(key) for key in stemmed), heads, tails)


def _split_compound(word: str, stem: str, book: _Phrasebook) -> list[tuple[str, str]]:
    """A German compound's known parts: the longest term stem its stem starts with (the first
    part is not inflected: ``kredit`` in *Kreditentscheidungen*), and the longest term it ends
    with, as written or with an inflection ending (the stemmer cuts long words differently:
    *Kartenzahlungen* -> ``kartenzahl``, *Zahlung* -> ``zahlung``), not overlapping. A last part
    has at least ``MIN_TAIL`` letters: short words are often the ends of unrelated ones (*-teil*,
    *-stimme*)."""
    head = next((p for p in book.heads if stem.startswith(p[0]) and len(p[0]) < len(stem)),
                None)
    room = len(word) - (len(head[0]) if head else 0)
    tail = next((p for p in book.tails if len(p[0]) < len(word)
                 and any(word.endswith(p[0] + ending) and len(p[0] + ending) <= room
                         for ending in _GERMAN_ENDINGS)), None)
    return [p for p in (head, tail) if p is not None]


class Embedder(Protocol):
    def embed(self, texts: list[str], norm: bool = ...) -> NDArray[np.float32]: ...


@contextmanager
def _root_logging_kept() -> Iterator[None]:
    """wordllama calls ``logging.basicConfig(level=INFO)`` when imported: give the root logger
    back its handlers and level, so that importing it changes nothing of the site's logging."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        yield
    finally:
        for handler in root.handlers[:]:
            if handler not in handlers:
                root.removeHandler(handler)
        root.setLevel(level)


@cache
def embedding_model() -> Embedder:
    """wordllama's ``l2_supercat`` model (256 dimensions) from the files inside its wheel, loaded
    once per process. Not through ``WordLlama.load()``, which fetches the tokenizer from the
    network when its configuration says so (wordllama 0.4): the weights through safetensors, the
    tokenizer from its JSON file, both read from the installed package."""
    with _root_logging_kept():
        import wordllama  # type: ignore[import-untyped]
        from wordllama.inference import WordLlamaInference  # type: ignore[import-untyped]
    from safetensors import safe_open
    from tokenizers import Tokenizer

    package = Path(wordllama.__file__).resolve().parent
    with safe_open(str(package / "weights" / "l2_supercat_256.safetensors"),
                   framework="np") as weights:
        embedding = weights.get_tensor("embedding.weight")
    tokenizer = Tokenizer.from_file(
        str(package / "tokenizers" / "l2_supercat_tokenizer_config.json"))
    model: Embedder = WordLlamaInference(embedding, tokenizer)
    return model


@dataclass(frozen=True)
class Weights:
    """How the signals add up (see the module's docstring); tuned on the labelled needs."""

    english: float = 1.0
    embedding: float = 1.5
    sector: float = 0.5
    competence_cosine: float = 0.55


@dataclass(frozen=True)
class Match:
    """One expert for a need: its rank (1 first), score, and why: the competences that matched
    (keys, the closest first) and the need's words that hit the expert's text."""

    expert: str
    partner: str
    rank: int
    score: float
    competences: tuple[str, ...]
    terms: tuple[str, ...]
    sector_match: bool


@dataclass(frozen=True)
class _Query:
    language: str
    english: dict[str, list[str]]  # English stem -> the need's words it came from
    native: dict[str, list[str]]  # stem in the need's language -> the need's words
    embed_text: str


def _bm25(documents: list[list[str]]) -> bm25s.BM25:
    index = bm25s.BM25()
    index.index(documents, show_progress=False)
    return index


def _bm25_scores(index: bm25s.BM25, vocabulary: frozenset[str], stems: Sequence[str],
                 size: int) -> Vector:
    known = [s for s in stems if s in vocabulary]
    if not known:
        return np.zeros(size, dtype=np.float32)
    scores: Vector = np.asarray(index.get_scores(known), dtype=np.float32)
    return scores


def _scaled_by_max(scores: Vector) -> Vector:
    top = float(scores.max(initial=0.0))
    return scores / top if top > 0 else np.zeros_like(scores)


def _min_max(scores: Vector) -> Vector:
    low, high = float(scores.min()), float(scores.max())
    return (scores - low) / (high - low) if high > low else np.zeros_like(scores)


def _embedding_text(text: str) -> str:
    """The text's words without English stop words: the model averages its tokens' vectors, and
    the words that say nothing of a competence only blur the average."""
    return " ".join(w for w in words(text) if w not in _STOPWORDS["en"]) or text


def check_need(need: str) -> str:
    """The need, stripped; ValueError with a message a person can act on otherwise."""
    if not isinstance(need, str):
        raise ValueError("The need must be text.")
    if "\x00" in need:
        raise ValueError("The need contains a NUL character.")
    if len(need) > MAX_NEED_LENGTH:
        raise ValueError(f"The need is too long: at most {MAX_NEED_LENGTH} characters.")
    need = need.strip()
    if not words(need):
        raise ValueError("The need is empty: describe it in a few words.")
    return need


class Matcher:
    """The directory's experts indexed once; ``match`` ranks them for one need."""

    def __init__(self, directory: Directory, model: Embedder,
                 weights: Weights | None = None) -> None:
        self.directory = directory
        self.weights = weights or Weights()
        self._model = model
        self._stemmers = _Stemmers()
        self.experts: tuple[Expert, ...] = directory.experts
        self._sector_keys = frozenset(s.key for s in directory.sectors)
        competences = directory.competences
        self._competence_keys = tuple(c.key for c in competences)
        position = {key: i for i, key in enumerate(self._competence_keys)}
        self._position = position
        self._expert_sectors = {
            sector: np.array([sector in e.sectors for e in self.experts], dtype=bool)
            for sector in self._sector_keys}

        texts = [self._expert_text(e) for e in self.experts]
        self._english_docs = [[stem for _, stem in self._stemmers.content("en", t)]
                              for t in texts]
        self._english_index = _bm25(self._english_docs)
        self._english_vocabulary = frozenset(s for doc in self._english_docs for s in doc)
        # each competence's label stemmed in each language, and each expert's labels' stems
        self._competence_stems: dict[str, list[frozenset[str]]] = {}
        self._label_stems: dict[str, list[frozenset[str]]] = {}
        for lang in LANGUAGES:
            stems = [frozenset(s for _, s in self._stemmers.content(lang, c.in_language(lang)))
                     for c in competences]
            self._competence_stems[lang] = stems
            self._label_stems[lang] = [frozenset().union(*(stems[position[c]]
                                                           for c in e.competences))
                                       for e in self.experts]
        self._phrasebooks = {lang: _phrasebook(directory, lang, self._stemmers)
                             for lang in ("fr", "de")}
        self._expert_vectors = model.embed([_embedding_text(t) for t in texts],
                                           norm=True).astype(np.float32)
        self._competence_vectors = model.embed([c.en for c in competences],
                                               norm=True).astype(np.float32)

    @classmethod
    def from_catalogue(cls) -> Matcher:
        """The matcher of the shipped directory, built once per process."""
        return _catalogue_matcher()

    def _expert_text(self, expert: Expert) -> str:
        labels = ". ".join(self.directory.competence(c).en for c in expert.competences)
        return f"{expert.name}. {expert.description} {labels}."

    # The query

    def translate(self, need: str, language: str) -> Translation:
        """The need's words matched against the term table of its language (fr or de)."""
        book = self._phrasebooks[language]
        content = self._stemmers.content(language, need)
        pairs: list[tuple[str, str]] = []
        unmatched: list[str] = []
        i = 0
        while i < len(content):
            for size in range(min(book.longest, len(content) - i), 0, -1):
                window = content[i:i + size]
                english = (book.exact.get(tuple(word for word, _ in window))
                           or book.stemmed.get(tuple(stem for _, stem in window)))
                if english is not None:
                    pairs.append((" ".join(word for word, _ in window), english))
                    i += size
                    break
            else:
                word, stem = content[i]
                parts = (_split_compound(word, stem, book)
                         if language == "de" and len(word) >= MIN_COMPOUND else [])
                pairs.extend((word, english) for _, english in parts)
                if not parts:
                    unmatched.append(word)
                i += 1
        return Translation(tuple(pairs), tuple(unmatched))

    def _query(self, need: str, language: str) -> _Query:
        english: dict[str, list[str]] = {}
        native: dict[str, list[str]] = {}
        for word, stem in self._stemmers.content(language, need):
            native.setdefault(stem, []).append(word)
        if language == "en":
            return _Query(language, native, native, need)
        translation = self.translate(need, language)
        for source, target in translation.pairs:
            for _, stem in self._stemmers.content("en", target):
                english.setdefault(stem, []).append(source)
        # the need's own words stemmed in English: names and words shared with English
        for word, stem in self._stemmers.content("en", " ".join(words(need))):
            if word not in _STOPWORDS[language]:
                english.setdefault(stem, []).append(word)
        return _Query(language, english, native, translation.english or need)

    # Scoring

    def _signals(self, query: _Query) -> tuple[Vector, Vector, Vector]:
        lexical = _bm25_scores(self._english_index, self._english_vocabulary,
                               list(query.english), len(self.experts))
        vector = self._model.embed([_embedding_text(query.embed_text)],
                                   norm=True)[0].astype(np.float32)
        cosine: Vector = self._expert_vectors @ vector
        competence_cosine: Vector = self._competence_vectors @ vector
        return lexical, cosine, competence_cosine

    def _combine(self, lexical: Vector, cosine: Vector, sector: str | None) -> Vector:
        w = self.weights
        score: Vector = (w.english * _scaled_by_max(lexical) + w.embedding * _min_max(cosine))
        if sector is not None:
            score = (score * (1 + w.sector * self._expert_sectors[sector])).astype(np.float32)
        return score

    def _explain(self, index: int, query: _Query, competence_cosine: Vector
                 ) -> tuple[tuple[str, ...], tuple[str, ...]]:
        expert = self.experts[index]
        english, native = set(query.english), set(query.native)
        lang = query.language
        ranked: list[tuple[int, float, str]] = []
        for key in expert.competences:
            c = self._position[key]
            shared = (len(self._competence_stems["en"][c] & english)
                      + len(self._competence_stems[lang][c] & native))
            cos = float(competence_cosine[c])
            if shared or cos >= self.weights.competence_cosine:
                ranked.append((-shared, -cos, key))
        competences = tuple(key for _, _, key in sorted(ranked))
        hit_english = set(self._english_docs[index])
        hit_native = self._label_stems[lang][index]
        sources = [w for stem, ws in query.english.items() if stem in hit_english for w in ws]
        sources += [w for stem, ws in query.native.items() if stem in hit_native for w in ws]
        unique = list(dict.fromkeys(sources))
        phrases = [t.split() for t in unique if " " in t]
        # a word already shown inside a phrase of the need is not shown again alone
        return competences, tuple(t for t in unique
                                  if " " in t or not any(t in p for p in phrases))

    def scores(self, need: str, *, sector: str | None = None,
               language: str | None = None) -> Vector:
        """Every expert's score for the need, in the directory's order."""
        need, sector, language = self._checked(need, sector, language)
        lexical, cosine, _ = self._signals(self._query(need, language))
        return self._combine(lexical, cosine, sector)

    def _checked(self, need: str, sector: str | None, language: str | None
                 ) -> tuple[str, str | None, str]:
        need = check_need(need)
        if sector is not None and sector not in self._sector_keys:
            raise ValueError(f"Unknown sector {sector!r}.")
        if language is None:
            language = detect_language(need)
        elif language not in LANGUAGES:
            raise ValueError(f"The language must be one of {', '.join(LANGUAGES)}.")
        return need, sector, language

    def match(self, need: str, *, sector: str | None, language: str | None = None,
              limit: int = 10) -> list[Match]:
        """The ``limit`` best experts for the need, best first, each with its explanation."""
        if limit < 1:
            raise ValueError("The limit must be at least 1.")
        need, sector, language = self._checked(need, sector, language)
        query = self._query(need, language)
        lexical, cosine, competence_cosine = self._signals(query)
        score = self._combine(lexical, cosine, sector)
        order = np.argsort(-score, kind="stable")[:limit]
        matches: list[Match] = []
        for rank, index in enumerate(order.tolist(), start=1):
            expert = self.experts[index]
            competences, terms = self._explain(index, query, competence_cosine)
            matches.append(Match(
                expert=expert.key, partner=expert.partner, rank=rank,
                score=round(float(score[index]), 6), competences=competences, terms=terms,
                sector_match=sector is not None and sector in expert.sectors))
        return matches


@cache
def _catalogue_matcher() -> Matcher:
    return Matcher(load_directory(), embedding_model())


class PlainBm25:
    """The baseline the method is measured against: what one writes first. bm25s over each
    expert's name, description and competences' English labels, bm25s's own tokenizer with
    its English stop words and the English stemmer; the query as typed (no translation, no
    embedding, no sector)."""

    def __init__(self, directory: Directory) -> None:
        self.experts = directory.experts
        self._stemmer = Stemmer.Stemmer("english")
        texts = [f"{e.name}. {e.description} "
                 + ". ".join(directory.competence(c).en for c in e.competences)
                 for e in self.experts]
        corpus = bm25s.tokenize(texts, stopwords=list(STOPWORDS_EN), stemmer=self._stemmer,
                                show_progress=False)
        self._index = bm25s.BM25()
        self._index.index(corpus, show_progress=False)

    def rank(self, need: str) -> list[str]:
        """Every expert's key, best first (ties in the directory's order)."""
        query = bm25s.tokenize([need], stopwords=list(STOPWORDS_EN), stemmer=self._stemmer,
                               show_progress=False, return_ids=False)[0]
        known = [t for t in query if t in self._index.vocab_dict]
        scores = (np.asarray(self._index.get_scores(known), dtype=np.float32) if known
                  else np.zeros(len(self.experts), dtype=np.float32))
        return [self.experts[i].key for i in np.argsort(-scores, kind="stable").tolist()]
