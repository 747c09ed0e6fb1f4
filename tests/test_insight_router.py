"""The category router: training stores versioned, cross-validated models; one is active;
files are verified before use; commands refuse bad input and store nothing."""

import csv
import random
from pathlib import Path

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from lianxin.insight.models import RouterModel
from lianxin.insight.suggest import forget_router, suggest_category

TRAIN = Path(__file__).resolve().parent.parent / "data" / "teddy2020" / "train.csv"


@pytest.fixture(scope="module")
def sample_rows():
    with TRAIN.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return random.Random(7).sample(rows, 300)


@pytest.fixture(autouse=True)
def _models_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    forget_router()
    yield
    forget_router()


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
def train_csv(tmp_path, sample_rows):
    return write_csv(
        tmp_path / "train.csv",
        ["id", "text", "label"],
        [[r["id"], r["text"], r["label"]] for r in sample_rows],
    )


def train(path, *extra):
    call_command("router_train", "--data", str(path), "--folds", "3", *extra)


@pytest.mark.django_db
def test_training_stores_an_active_version_with_cross_validated_metrics(train_csv, capsys):
    train(train_csv)
    model = RouterModel.objects.get()
    assert model.version == 1 and model.is_active
    assert model.training_rows == 300
    labels = sorted(model.labels)
    assert model.metrics["labels"] == labels and len(labels) == 7
    assert 0.4 < model.metrics["macro_f1"] <= 1.0
    assert set(model.metrics["per_class_f1"]) == set(labels)
    matrix = model.metrics["confusion_matrix"]
    assert len(matrix) == 7 and sum(map(sum, matrix)) == 300
    assert model.metrics["folds"] == 3 and model.params["C"] > 0
    assert (train_csv.parent / "models" / model.file_name).is_file()
    assert len(model.sha256) == 64
    assert "macro-F1" in capsys.readouterr().out


@pytest.mark.django_db
def test_a_second_training_keeps_the_first_and_either_can_be_active(train_csv):
    train(train_csv)
    train(train_csv)
    first, second = RouterModel.objects.order_by("version")
    assert (first.version, first.is_active, second.version, second.is_active) == (1, False, 2, True)
    call_command("router_activate", "1")
    assert list(RouterModel.objects.active().values_list("version", flat=True)) == [1]
    call_command("router_activate", "2")
    assert list(RouterModel.objects.active().values_list("version", flat=True)) == [2]


@pytest.mark.django_db
def test_if_missing_trains_only_when_no_router_is_active(train_csv, capsys):
    train(train_csv, "--if-missing")
    train(train_csv, "--if-missing")  # make run, the second time
    assert RouterModel.objects.count() == 1
    assert "active already" in capsys.readouterr().out


@pytest.mark.django_db
def test_activating_an_unknown_version_is_refused(train_csv):
    train(train_csv)
    with pytest.raises(CommandError, match="版本为 9"):
        call_command("router_activate", "9")
    assert RouterModel.objects.get().is_active


@pytest.mark.django_db
def test_classify_writes_a_label_and_confidence_for_every_row(train_csv, tmp_path, sample_rows):
    train(train_csv)
    rows = [[f"m{i}", r["text"]] for i, r in enumerate(sample_rows[:40])]
    rows.append(["empty", ""])
    source = write_csv(tmp_path / "in.csv", ["id", "text"], rows)
    out = tmp_path / "out.csv"
    call_command("router_classify", "--in", str(source), "--out", str(out))
    with out.open(encoding="utf-8") as f:
        result = list(csv.DictReader(f))
    labels = set(RouterModel.objects.get().labels)
    assert [r["id"] for r in result] == [r[0] for r in rows]
    assert all(r["label"] in labels and 0 < float(r["confidence"]) <= 1 for r in result)
    # Trained and applied on the same messages, it gets most of them right.
    right = sum(r["label"] == s["label"] for r, s in zip(result, sample_rows[:40], strict=False))
    assert right >= 30


@pytest.mark.django_db
def test_classify_without_an_active_router_is_refused(tmp_path):
    source = write_csv(tmp_path / "in.csv", ["id", "text"], [["1", "路灯坏了"]])
    with pytest.raises(CommandError, match="no usable active router"):
        call_command("router_classify", "--in", str(source), "--out", str(tmp_path / "o.csv"))
    assert not (tmp_path / "o.csv").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("header", "rows", "message"),
    [
        (["id", "content", "label"], [["1", "路灯坏了", "城乡建设"]], "no column text"),
        (["id", "text", "label"], [], "no data rows"),
        (
            ["id", "text", "label"],
            [[str(i), f"路灯坏了{i}", "城乡建设"] for i in range(40)],
            "only one category",
        ),
        (
            ["id", "text", "label"],
            [[str(i), f"文本{i}", "甲" if i else "乙"] for i in range(40)],
            "too few",
        ),
    ],
)
def test_bad_training_data_is_refused_and_nothing_is_stored(tmp_path, header, rows, message):
    path = write_csv(tmp_path / "bad.csv", header, rows)
    with pytest.raises(CommandError, match=message):
        train(path)
    assert not RouterModel.objects.exists()
    assert not list(tmp_path.glob("models/*"))


@pytest.mark.django_db
def test_an_empty_file_and_a_missing_file_are_refused(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(CommandError, match="empty"):
        train(empty)
    with pytest.raises(CommandError, match="no such file"):
        train(tmp_path / "nope.csv")
    assert not RouterModel.objects.exists()


@pytest.mark.django_db
def test_training_reads_xlsx_with_named_columns(tmp_path, sample_rows):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["留言详情", "一级分类"])
    for r in sample_rows:
        sheet.append([r["text"], r["label"]])
    path = tmp_path / "train.xlsx"
    book.save(path)
    train(path, "--text-column", "留言详情", "--label-column", "一级分类")
    assert RouterModel.objects.get().training_rows == 300


@pytest.mark.django_db
def test_a_tampered_model_file_is_refused(train_csv, tmp_path):
    train(train_csv)
    train(train_csv)
    first = RouterModel.objects.get(version=1)
    path = tmp_path / "models" / first.file_name
    path.write_bytes(path.read_bytes() + b"\0")
    with pytest.raises(CommandError, match="sha256"):
        call_command("router_activate", "1")
    assert RouterModel.objects.get(is_active=True).version == 2
    # The active one tampered with: no suggestion rather than running an unverified pickle.
    second = RouterModel.objects.get(version=2)
    (tmp_path / "models" / second.file_name).write_bytes(b"not a model")
    forget_router()
    assert suggest_category("小区路灯坏了") is None


@pytest.mark.django_db
def test_suggest_category_uses_the_active_router_and_follows_activation(
    train_csv, sample_rows, django_capture_on_commit_callbacks
):
    assert suggest_category("小区门口的路灯坏了") is None  # no router yet
    # Training and activation tell this process's cache when they commit.
    with django_capture_on_commit_callbacks(execute=True):
        train(train_csv)
    labels = set(RouterModel.objects.get().labels)
    label, confidence = suggest_category(sample_rows[0]["text"])
    assert label in labels and 0 < confidence <= 1
    assert suggest_category("   ") is None
    # A new active version is picked up without restarting the process.
    with django_capture_on_commit_callbacks(execute=True):
        train(train_csv, "--no-activate")
        call_command("router_activate", "2")
    from lianxin.insight import suggest

    suggest_category(sample_rows[0]["text"])
    assert suggest._loaded[0][0] == 2


@pytest.mark.django_db
def test_an_activation_in_another_process_is_seen_after_the_check_interval(
    train_csv, sample_rows, monkeypatch, django_capture_on_commit_callbacks
):
    from lianxin.insight import suggest

    with django_capture_on_commit_callbacks(execute=True):
        train(train_csv)
        train(train_csv, "--no-activate")
    suggest_category(sample_rows[0]["text"])
    assert suggest._loaded[0][0] == 1
    # Another process switches versions: nothing tells this one.
    RouterModel.objects.filter(version=1).update(is_active=False)
    RouterModel.objects.filter(version=2).update(is_active=True)
    suggest_category(sample_rows[0]["text"])
    assert suggest._loaded[0][0] == 1  # within the interval the checked version stands
    monkeypatch.setattr(suggest, "ACTIVE_CHECK_SECONDS", 0.0)
    suggest_category(sample_rows[0]["text"])
    assert suggest._loaded[0][0] == 2


def test_char_ngram_features_equal_scikit_learns_tfidf_with_the_default_settings(sample_rows):
    """The numpy vectoriser claims TfidfVectorizer's features; the defaults (1–2-grams, min_df 3,
    max_df 0.5) must not drift from it, unseen n-grams included."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    from lianxin.insight import router

    p = router.DEFAULT_PARAMS
    texts = [router.normalise(r["text"]) for r in sample_rows]
    fitted, unseen = texts[:250], texts[250:] + ["没见过的字：龘靐齉"]
    ours = router.CharNgramTfidf(
        p["ngram_min"], p["ngram_max"], p["min_df"], p["max_df"], p["sublinear_tf"]
    ).fit(fitted)
    theirs = TfidfVectorizer(
        analyzer="char",
        ngram_range=(p["ngram_min"], p["ngram_max"]),
        min_df=p["min_df"],
        max_df=p["max_df"],
        sublinear_tf=p["sublinear_tf"],
        lowercase=False,
    ).fit(fitted)
    assert len(ours.vocabulary_) == len(theirs.vocabulary_)
    # Same columns in another order: compare the pairwise similarities of the rows.
    for batch in (fitted, unseen):
        a, b = ours.transform(batch), theirs.transform(batch)
        assert np.allclose((a @ a.T).toarray(), (b @ b.T).toarray(), atol=1e-5)
        assert np.allclose(np.sort(a.toarray(), axis=1), np.sort(b.toarray(), axis=1), atol=1e-5)


def test_training_reports_the_macro_f1_of_every_fold(sample_rows):
    from lianxin.insight import router

    result = router.train(
        [r["text"] for r in sample_rows], [r["label"] for r in sample_rows], folds=3, n_jobs=1
    )
    folds = result.metrics["macro_f1_folds"]
    assert len(folds) == 3 and all(0 < f <= 1 for f in folds)
    assert result.metrics["macro_f1_std"] == round(float(np.std(folds)), 4)
    proba = result.pipeline.predict_proba([sample_rows[0]["text"]])
    assert proba.shape == (1, 7) and abs(proba.sum() - 1) < 1e-6


def test_taxonomy_counts_equal_a_plain_substring_count(sample_rows):
    """The vectorised keyword counts claim: per first-level category, how many distinct
    sub-category names, and how many distinct 2-character pieces found in that category's names
    only, a message contains. A slow plain-Python count must give the same numbers."""
    from lianxin.insight import router

    names = router.read_taxonomy(router.DEFAULT_PARAMS["taxonomy"])
    assert len(names) == 15 and "物业服务" in names["城乡建设"]
    texts = [router.normalise(r["text"]) for r in sample_rows] + ["", "物业服务和物业服务", "x"]
    features = router.TaxonomyCounts(names=names).fit(texts)

    clean = {
        first: {n for n in map(router.normalise, found) if len(n) >= 2} - {"其他", "其它"}
        for first, found in names.items()
    }
    owners = {}
    for first, found in clean.items():
        for name in found:
            for i in range(len(name) - 1):
                owners.setdefault(name[i : i + 2], set()).add(first)
    firsts = sorted(clean)
    expected = np.zeros((len(texts), 2 * len(firsts)))
    for row, text in enumerate(texts):
        for j, first in enumerate(firsts):
            expected[row, j] = sum(name in text for name in clean[first])
            expected[row, len(firsts) + j] = sum(
                piece in text for piece, by in owners.items() if by == {first}
            )
    assert np.array_equal(np.expm1(features._counts(texts)).round(), expected)
    assert expected[-2].sum() > 0 and expected[-1].sum() == 0  # a name counts once per message
    # Scaled to the weight: the block nudges the n-grams rather than outweighing them.
    block = features.transform(texts).toarray()
    assert block.shape == (len(texts), 30)
    assert np.allclose(block.std(axis=0)[block.std(axis=0) > 0], 0.03, rtol=1e-3)


@pytest.mark.django_db
def test_training_takes_another_taxonomy_or_none(train_csv, tmp_path):
    tree = write_csv(
        tmp_path / "tree.csv",
        ["一级分类", "二级分类", "三级分类"],
        [["城乡建设", "物业管理", "停车收费"], ["教育文体", "学校管理", "校车"]],
    )
    train(train_csv, "--taxonomy", str(tree))
    model = RouterModel.objects.get(version=1)
    assert model.params["taxonomy"] == str(tree) and model.params["taxonomy_weight"] > 0
    train(train_csv, "--taxonomy", "none")
    assert RouterModel.objects.get(version=2).params["taxonomy_weight"] == 0
    with pytest.raises(CommandError, match="taxonomy"):
        train(train_csv, "--taxonomy", str(tmp_path / "missing.csv"))
    empty = write_csv(tmp_path / "empty-tree.csv", ["一级分类", "二级分类", "三级分类"], [])
    with pytest.raises(CommandError, match="taxonomy"):
        train(train_csv, "--taxonomy", str(empty))
    assert RouterModel.objects.count() == 2
