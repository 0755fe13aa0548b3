from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from robustsel.table import read_results, write_wide
from robustsel.testing import synthetic_results


def test_wide_round_trip(tmp_path: Path) -> None:
    table = synthetic_results([0.9, 0.8, 0.7], [0.01, 0.02, 0.03], 5, collapse_rate=0.2)
    write_wide(table, tmp_path / "t.csv")
    back = read_results(tmp_path / "t.csv", "ValAccuracy")
    np.testing.assert_array_equal(back.qualities, table.qualities)
    np.testing.assert_array_equal(back.costs, table.costs)
    assert back.model_ids == ["m0", "m1", "m2"]
    assert back.instance_labels == (1, 2, 3, 4, 5)
    assert list(back.models.columns) == ["true_mean", "true_spread"]


def test_long_layout_matches_wide(tmp_path: Path) -> None:
    rows = [
        {"model": m, "instance": i, "loss": 0.1 * (k + 1) + 0.01 * i, "cost": 5.0, "lr": 0.1 * k}
        for k, m in enumerate(["b", "a"])
        for i in (3, 1, 2)
    ]
    pd.DataFrame(rows).to_csv(tmp_path / "long.csv", index=False)
    table = read_results(tmp_path / "long.csv", "loss")
    assert table.model_ids == ["b", "a"]
    assert table.instance_labels == (1, 2, 3)
    np.testing.assert_allclose(table.qualities[1], [0.21, 0.22, 0.23])
    assert table.models.loc["a", "lr"] == pytest.approx(0.1)
    assert table.costs is not None and (table.costs == 5.0).all()


def test_row_numbers_are_ids_without_a_model_column(tmp_path: Path) -> None:
    frame = pd.DataFrame({"lr": [0.1, 0.2], "acc_1": [0.5, 0.6], "acc_2": [0.5, 0.7]})
    frame.to_csv(tmp_path / "a.csv", index=False)
    frame.to_csv(tmp_path / "b.csv", index=False)
    table = read_results([tmp_path / "a.csv", tmp_path / "b.csv"], "acc")
    assert table.model_ids == ["0", "1", "2", "3"]
    assert table.costs is None


def test_where_selects_models(authors_files: list[Path]) -> None:
    table = read_results(
        authors_files[0], "ValAccuracy", where="dt_len == 10000 and batch_size == 64"
    )
    assert len(table.model_ids) == 108
    assert table.qualities.shape == (108, 20)


@pytest.mark.parametrize(
    ("content", "kwargs", "message"),
    [
        ("model,acc_1\na,0.5\n", {"metric": "loss"}, "has no column loss_1, loss_2"),
        ("model,acc_1\na,high\n", {"metric": "acc"}, "column acc_1 has a non-numeric value 'high'"),
        ("model,acc_1\na,0.5\na,0.6\n", {"metric": "acc"}, "model ids must be unique"),
        ("model,lr,acc_1\na,1,0.5\n", {"metric": "acc", "where": "lr > 5"}, "selects no model"),
        ("model,lr,acc_1\na,1,0.5\n", {"metric": "acc", "where": "lr >>"}, "is not a valid query"),
        (
            "model,acc_1,acc_2,TrainingTime_1\na,0.5,0.5,3\n",
            {"metric": "acc"},
            "TrainingTime_<i> columns must match",
        ),
    ],
)
def test_bad_tables(tmp_path: Path, content: str, kwargs: dict[str, str], message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(ValueError, match=message):
        read_results(path, **kwargs)


def test_missing_file() -> None:
    with pytest.raises(FileNotFoundError, match=r"results file not found: nowhere\.csv"):
        read_results("nowhere.csv", "acc")


def test_empty_cells_are_not_trained_and_nan_cells_diverged(tmp_path: Path) -> None:
    path = tmp_path / "partial.csv"
    path.write_text("model,acc_1,acc_2,acc_3\na,0.5,nan,0.6\nb,0.4,,-inf\n")
    table = read_results(path, "acc")
    assert table.recorded is not None and not table.is_complete
    assert table.recorded.tolist() == [[True, True, True], [True, False, True]]
    assert np.isnan(table.qualities[0, 1]) and np.isneginf(table.qualities[1, 2])
    write_wide(table, tmp_path / "again.csv")
    again = read_results(tmp_path / "again.csv", "acc")
    assert again.recorded is not None and again.recorded.tolist() == table.recorded.tolist()
    np.testing.assert_array_equal(again.qualities, table.qualities)
