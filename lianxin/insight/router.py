"""The category router: a text classifier from an appeal's text to its first-level category,
with a calibrated confidence, trained and cross-validated on the city's own messages.

Features are TF-IDF character n-grams (Chinese needs no word segmentation for this; n-grams of
1–2 characters carry the words and are robust to typos and anonymised place names), plus a small
block of counts of the city's sub-category names found in the message (TaxonomyCounts); the
classifier is a linear SVM whose scores are calibrated (Platt) into probabilities, because
intake dispatches automatically only above a confidence. Method, figures and what did not help:
docs/insight/router.md."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import joblib
import numpy as np
import scipy.sparse as sp
from django.conf import settings
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.preprocessing import normalize

# Chosen by cross-validation on data/teddy2020/train.csv; the figures and every alternative
# tried are in docs/insight/router.md (`bench/router.py` measures them again).
DEFAULT_PARAMS: dict = {
    "ngram_min": 1,
    "ngram_max": 2,
    # An n-gram in fewer than 3 messages is mostly a name or a typo; one in more than half of
    # them is function text (的, 我, the commas …).
    "min_df": 3,
    "max_df": 0.5,
    "sublinear_tf": True,
    "C": 1.0,
    "class_weight": "balanced",
    "calibration_folds": 3,
    # The city's category tree (一级分类, 二级分类, 三级分类) as keyword evidence beside the
    # n-grams (TaxonomyCounts); weight 0 leaves it out (its measured gain: docs/insight/router.md).
    "taxonomy": "data/teddy2020/taxonomy.csv",
    "taxonomy_weight": 0.03,
}
MIN_ROWS = 10
MIN_PER_CLASS = 2

_SPACE = re.compile(r"\s+")
# The greeting and thanks that open and close most messages say nothing about the category.
_BOILERPLATE = re.compile(
    r"^(尊敬的[^，,：:！!。]{0,12}[，,：:！!]?\s*)?(您好[，,！!。：:]?)?|"
    r"(此致敬礼|谢谢[您你]?[！!。]*|感谢[您你]?[！!。]*|望采纳[！!。]*)$"
)


def normalise(text: str) -> str:
    """NFKC (full-width letters, digits and punctuation become half-width), lower case,
    whitespace collapsed, greeting and thanks removed."""
    text = unicodedata.normalize("NFKC", str(text or ""))
    text = _SPACE.sub(" ", text).strip().lower()
    return _BOILERPLATE.sub("", text).strip()


def _normalise_all(texts):
    return [normalise(t) for t in texts]


def build_pipeline(params: dict):
    # lazy: only training builds a pipeline. Every web process imports this module (for
    # predict/load); these training modules would add about a second to its start, and a
    # process that loads a fitted pipeline imports what it needs when unpickling it.
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.pipeline import FeatureUnion, Pipeline
    from sklearn.preprocessing import FunctionTransformer
    from sklearn.svm import LinearSVC

    svm = LinearSVC(C=params["C"], class_weight=params["class_weight"])
    features = CharNgramTfidf(
        ngram_min=params["ngram_min"],
        ngram_max=params["ngram_max"],
        min_df=params["min_df"],
        max_df=params["max_df"],
        sublinear_tf=params["sublinear_tf"],
    )
    if params.get("taxonomy_weight"):
        taxonomy = TaxonomyCounts(
            names=read_taxonomy(params["taxonomy"]), weight=params["taxonomy_weight"]
        )
        features = FeatureUnion([("ngrams", features), ("taxonomy", taxonomy)])
    return Pipeline(
        [
            ("clean", FunctionTransformer(_normalise_all)),
            ("tfidf", features),
            # ensemble=False: one SVM fitted on all rows decides; the folds only fit the
            # sigmoid that turns its scores into probabilities.
            (
                "clf",
                CalibratedClassifierCV(
                    svm, cv=params["calibration_folds"], method="sigmoid", ensemble=False
                ),
            ),
        ]
    )


# --- Features: TF-IDF of character n-grams, vectorised with numpy ---------------------------
# The same features as scikit-learn's TfidfVectorizer(analyzer="char", smooth_idf=True, norm="l2")
# but about three times faster to apply: its n-grams are Python strings, these are integer keys.

_BITS = np.uint64(21)
_MIX = np.uint64(0x9E3779B97F4A7C15)


def _code_points(texts) -> tuple[np.ndarray, np.ndarray]:
    """(code point + 1 of every character of all texts in a row, index of its text)."""
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    codes = np.frombuffer("".join(texts).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    codes += np.uint64(1)
    return codes, np.repeat(np.arange(len(texts), dtype=np.int64), lengths)


def _extend(key, following, n):
    """An n-gram's key grown by its next character: exact up to 3 characters, mixed beyond."""
    return (key << _BITS) | following if n <= 3 else key * _MIX + following


def _find(sorted_keys: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(position in `sorted_keys`, whether it is there) of each key."""
    at = np.searchsorted(sorted_keys, keys)
    at[at >= len(sorted_keys)] = 0
    return at, sorted_keys[at] == keys


def _ngram_hashes(texts, n_min, n_max):
    """(doc index, n-gram key) of every character n-gram; keys are exact for n ≤ 3 (21 bits per
    code point, offset by one so that lengths never collide) and a 64-bit mix beyond."""
    codes, doc = _code_points(texts)
    docs, keys = [], []
    total = len(codes)
    for n in range(n_min, n_max + 1):
        m = total - n + 1
        if m <= 0:
            continue
        same = doc[:m] == doc[n - 1 : n - 1 + m]
        key = codes[:m].copy()
        for k in range(1, n):
            key = _extend(key, codes[k : k + m], n)
        docs.append(doc[:m][same])
        keys.append(key[same])
    if not docs:
        return np.empty(0, np.int64), np.empty(0, np.uint64)
    return np.concatenate(docs), np.concatenate(keys)


class CharNgramTfidf(TransformerMixin, BaseEstimator):
    """TF-IDF of character n-grams (sublinear tf, smoothed idf, l2 rows)."""

    def __init__(self, ngram_min=1, ngram_max=3, min_df=2, max_df=0.9, sublinear_tf=True):
        self.ngram_min = ngram_min
        self.ngram_max = ngram_max
        self.min_df = min_df
        self.max_df = max_df
        self.sublinear_tf = sublinear_tf

    def fit(self, texts, y=None):
        texts = list(texts)
        n_docs = len(texts)
        doc, key = _ngram_hashes(texts, self.ngram_min, self.ngram_max)
        order = np.lexsort((doc, key))
        doc, key = doc[order], key[order]
        first = np.ones(len(key), dtype=bool)
        first[1:] = (key[1:] != key[:-1]) | (doc[1:] != doc[:-1])
        vocab, df = np.unique(key[first], return_counts=True)
        keep = (df >= self.min_df) & (df <= self.max_df * n_docs)
        self.vocabulary_ = vocab[keep]
        self.idf_ = (np.log((1 + n_docs) / (1 + df[keep])) + 1).astype(np.float32)
        return self

    def transform(self, texts):
        texts = list(texts)
        doc, key = _ngram_hashes(texts, self.ngram_min, self.ngram_max)
        vocab = self.vocabulary_
        idx, hit = _find(vocab, key)
        counts = sp.csr_matrix(
            (np.ones(int(hit.sum()), dtype=np.float32), (doc[hit], idx[hit])),
            shape=(len(texts), len(vocab)),
        )
        counts.sum_duplicates()
        if self.sublinear_tf:
            np.log(counts.data, out=counts.data)
            counts.data += 1
        counts = counts @ sp.diags(self.idf_)
        return normalize(counts.tocsr(), copy=False)


# --- Features: the city's own category tree as keyword evidence -----------------------------
# Each first-level category has a list of second- and third-level names (物业服务, 拖欠工程款 …).
# A message that names several of one category's sub-topics leans towards it, which helps where
# n-grams alone hesitate between two categories (城乡建设, the catch-all, against the others).


def read_taxonomy(path: str | Path) -> dict[str, list[str]]:
    """{first-level name: its second- and third-level names} from a CSV with the columns
    一级分类, 二级分类, 三级分类; a relative path is taken from the project folder."""
    path = Path(path)
    if not path.is_absolute():
        path = Path(__file__).resolve().parents[2] / path
    names: dict[str, set[str]] = {}
    with path.open(encoding="utf-8-sig") as f:
        for row in csv.DictReader(f):
            first = (row.get("一级分类") or "").strip()
            if not first:
                continue
            for column in ("二级分类", "三级分类"):
                names.setdefault(first, set()).add((row.get(column) or "").strip())
    return {first: sorted(n for n in found if n) for first, found in sorted(names.items())}


class TaxonomyCounts(TransformerMixin, BaseEstimator):
    """Two columns per first-level category: log(1 + how many of its sub-category names the
    message contains) and log(1 + how many 2-character pieces of those names, found in no other
    category's names, it contains). Each column is scaled at fit to `weight` / its standard
    deviation, so that the block nudges the SVM instead of outweighing the n-grams."""

    def __init__(self, names: dict[str, list[str]] | None = None, weight: float = 0.03):
        self.names = names
        self.weight = weight

    def fit(self, texts, y=None):
        # "Other" says nothing; a one-character name would match almost every message.
        names = {
            first: {n for n in map(normalise, found) if len(n) >= 2} - {"其他", "其它"}
            for first, found in (self.names or {}).items()
        }
        owners: dict[str, set[str]] = {}
        for first, found in names.items():
            for name in found:
                for i in range(len(name) - 1):
                    owners.setdefault(name[i : i + 2], set()).add(first)
        firsts = sorted(names)
        rows: list[tuple[str, int]] = []  # (string, column)
        for j, first in enumerate(firsts):
            rows += [(name, j) for name in names[first]]
            rows += [(piece, len(firsts) + j) for piece, by in owners.items() if by == {first}]
        self.n_columns_ = 2 * len(firsts)
        self.lengths_ = sorted({len(text) for text, _ in rows})
        self.starts_ = np.unique(
            np.array([self._key(text[:2]) for text, _ in rows], dtype=np.uint64)
        )
        keys = np.array([self._key(text) for text, _ in rows], dtype=np.uint64)
        self.keys_, row_of = np.unique(keys, return_inverse=True)
        # A string may count in two columns (a 2-character name that is also a piece).
        self.columns_ = np.zeros((len(self.keys_), self.n_columns_), dtype=np.float32)
        np.add.at(self.columns_, (row_of, [column for _, column in rows]), 1)
        counts = self._counts(list(texts))
        std = counts.std(axis=0)
        self.scale_ = np.where(std > 0, self.weight / (std + 1e-6), 0.0).astype(np.float32)
        return self

    @staticmethod
    def _key(text: str) -> int:
        return int(_ngram_hashes([text], len(text), len(text))[1][0])

    def _counts(self, texts) -> np.ndarray:
        out = np.zeros((len(texts), self.n_columns_), dtype=np.float32)
        if not len(self.keys_):
            return out
        codes, doc = _code_points(texts)
        if len(codes) < 2:
            return out
        # Only where the next two characters start some name, the n-grams of each name length
        # are keyed as the names are (a 64-bit key beyond 3 characters: a chance collision with
        # ~1,500 names is negligible). Keying every n-gram up to 12 characters was 7× slower.
        two = _extend(codes[:-1], codes[1:], 2)
        starts = np.nonzero(_find(self.starts_, two)[1] & (doc[:-1] == doc[1:]))[0]
        docs, found = [], []
        for n in self.lengths_:
            at = starts[starts + n <= len(codes)]
            at = at[doc[at] == doc[at + n - 1]]
            key = codes[at]
            for k in range(1, n):
                key = _extend(key, codes[at + k], n)
            row, hit = _find(self.keys_, key)
            docs.append(doc[at[hit]])
            found.append(row[hit])
        # Each name once per message: unique (message, name) pairs.
        doc_of, row_of = np.divmod(
            np.unique(np.concatenate(docs) * len(self.keys_) + np.concatenate(found)),
            len(self.keys_),
        )
        np.add.at(out, doc_of, self.columns_[row_of])
        return np.log1p(out)

    def transform(self, texts):
        return sp.csr_matrix(self._counts(list(texts)) * self.scale_)


class TrainingError(ValueError):
    """The data cannot train a router (too few rows, one class only, …)."""


@dataclass
class TrainingResult:
    pipeline: object
    labels: list[str]
    rows: int
    params: dict
    metrics: dict = field(default_factory=dict)
    seconds: float = 0.0


def check_training_data(texts: list[str], labels: list[str], folds: int) -> None:
    if len(texts) != len(labels):
        raise TrainingError("texts and labels differ in length")
    if len(texts) < MIN_ROWS:
        raise TrainingError(f"at least {MIN_ROWS} labelled rows are needed, got {len(texts)}")
    counts = Counter(labels)
    if len(counts) < 2:
        raise TrainingError("the data has only one category; a router needs at least two")
    need = max(folds, MIN_PER_CLASS)
    small = sorted(label for label, n in counts.items() if n < need)
    if small:
        raise TrainingError(
            f"each category needs at least {need} rows for {folds}-fold cross-validation; "
            f"too few: {', '.join(small)}"
        )


def train(
    texts: list[str],
    labels: list[str],
    *,
    params: dict | None = None,
    folds: int = 5,
    n_jobs: int = 2,
    seed: int = 0,
) -> TrainingResult:
    """Cross-validate (stratified, `folds` folds) then fit on all rows."""
    # lazy: training-only modules, as in build_pipeline.
    from sklearn.metrics import confusion_matrix, f1_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    params = {**DEFAULT_PARAMS, **(params or {})}
    texts = [str(t or "") for t in texts]
    labels = [str(label).strip() for label in labels]
    check_training_data(texts, labels, folds)
    if params.get("taxonomy_weight"):
        try:
            if not read_taxonomy(params["taxonomy"]):
                raise TrainingError(f"the taxonomy {params['taxonomy']} has no 一级分类 rows")
        except (OSError, UnicodeDecodeError) as exc:
            raise TrainingError(f"the taxonomy {params['taxonomy']} cannot be read: {exc}") from exc
    started = time.perf_counter()
    y = np.array(labels)
    classes = sorted(set(labels))
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    predicted = cross_val_predict(build_pipeline(params), texts, y, cv=cv, n_jobs=n_jobs)
    per_class = f1_score(y, predicted, labels=classes, average=None)
    # The same split again (seeded), to tell how much the figure moves from fold to fold.
    by_fold = [
        float(f1_score(y[test], predicted[test], average="macro")) for _, test in cv.split(texts, y)
    ]
    metrics = {
        "macro_f1": round(float(f1_score(y, predicted, average="macro")), 4),
        "macro_f1_folds": [round(f, 4) for f in by_fold],
        "macro_f1_std": round(float(np.std(by_fold)), 4),
        "accuracy": round(float((predicted == y).mean()), 4),
        "per_class_f1": {c: round(float(f), 4) for c, f in zip(classes, per_class, strict=True)},
        "labels": classes,
        "confusion_matrix": confusion_matrix(y, predicted, labels=classes).tolist(),
        "folds": folds,
        "seed": seed,
        "training_rows": len(texts),
        "params": params,
    }
    pipeline = build_pipeline(params).fit(texts, y)
    seconds = time.perf_counter() - started
    metrics["training_seconds"] = round(seconds, 1)
    return TrainingResult(pipeline, classes, len(texts), params, metrics, seconds)


def predict(pipeline, texts: list[str]) -> list[tuple[str, float]]:
    """(label, confidence) for each text; confidence is the calibrated probability."""
    if not texts:
        return []
    proba = pipeline.predict_proba([str(t or "") for t in texts])
    classes = pipeline.classes_
    best = proba.argmax(axis=1)
    return [(str(classes[i]), round(float(p[i]), 4)) for i, p in zip(best, proba, strict=True)]


# --- Files: the pipeline is pickled, so it is only ever loaded after its hash matches --------


class TamperedModel(RuntimeError):
    pass


def models_dir() -> Path:
    """Where trained routers are stored (VAR_DIR/models), created on first use."""
    path = Path(settings.VAR_DIR) / "models"
    path.mkdir(parents=True, exist_ok=True)
    return path


def dump(pipeline) -> bytes:
    buffer = io.BytesIO()
    joblib.dump(pipeline, buffer, compress=3)
    return buffer.getvalue()


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def load(path: Path, expected_sha256: str):
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TamperedModel(f"model file {path.name} cannot be read: {exc}") from exc
    if sha256_of(data) != expected_sha256:
        raise TamperedModel(f"model file {path.name} does not match its recorded sha256")
    return joblib.load(io.BytesIO(data))
