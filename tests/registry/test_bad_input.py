"""Bad input: a clear error naming the record and field, and nothing stored."""

from __future__ import annotations

import pytest

from kvarter.errors import InputError, InputErrors
from kvarter.registry.checks import shown

from .conftest import initiative, version_rows

EVIDENCE = {"id": "e1", "design": "before_after", "scale": "sms", "level": 2}

CASES = [
    # (label, record, field, reason, words in the message)
    ("unknown area", initiative(areas=["DEM-H01", "DEM-H99"]), "areas[1]", "unknown_area",
     "area 'DEM-H99' is not in the store's areas table"),
    ("unknown outcome indicator", initiative(outcomes=[{"indicator": "trivsel", "better": "higher"}]),
     "outcomes[0].indicator", "not_allowed", "indicator 'trivsel' is not in the indicator catalogue"),
    ("unknown evidence indicator", initiative(evidence=[{**EVIDENCE, "indicator": "employed_share"}]),
     "evidence[0].indicator", "not_allowed", "did you mean employed_share_18_64"),
    ("end before start", initiative(start="2024-05-01", end="2024-04-30"), "end", "inconsistent",
     "end 2024-04-30 is before start 2024-05-01"),
    ("negative budget", initiative(budget=-1), "budget", "out_of_range", "greater than or equal to 0"),
    ("negative participants", initiative(participants=-3), "participants", "out_of_range", "greater than or equal to 0"),
    ("Maryland level 6", initiative(evidence=[{**EVIDENCE, "level": 6}]), "evidence[0].level", "out_of_range",
     "6 is not a level of the sms scale; its levels are 1, 2, 3, 4, 5"),
    ("Dutch level without grade", initiative(evidence=[{**EVIDENCE, "scale": "nl_recognition", "level": "effective"}]),
     "evidence[0].level", "out_of_range", "well_described, well_founded, effective_first, effective_good, effective_strong"),
    ("SØM level 4", initiative(evidence=[{**EVIDENCE, "scale": "som", "level": 4}]), "evidence[0].level",
     "out_of_range", "its levels are 1, 2, 3"),
    ("unknown scale", initiative(evidence=[{**EVIDENCE, "scale": "grade"}]), "evidence[0].scale", "not_allowed",
     "'sms', 'nl_recognition' or 'som'"),
    ("effect outside interval", initiative(evidence=[{**EVIDENCE, "effect": 0.5, "low": 0.1, "high": 0.3}]),
     "evidence[0].high", "inconsistent", "effect 0.5 lies outside its interval [0.1, 0.3]"),
    ("target on the wrong side", initiative(outcomes=[{"indicator": "no_youth_education_share", "better": "lower",
                                                      "baseline": 0.2, "target": 0.3}]),
     "outcomes[0].target", "inconsistent", "target 0.3 is above the baseline 0.2, but lower is better"),
    ("ended without end", initiative(status="ended"), "end", "missing_value", "no end date"),
    ("unknown status", initiative(status="paused"), "status", "not_allowed", "'planned', 'running' or 'ended'"),
    ("unknown target group", initiative(target_groups=["teenagers"]), "target_groups", "not_allowed",
     "unknown target group 'teenagers'"),
    ("duplicate area", initiative(areas=["DEM-H01", "DEM-H01"]), "areas", "duplicate_id", "area 'DEM-H01' is listed twice"),
    ("unknown field", initiative(colour="red"), "colour", "unknown_column", "Extra inputs are not permitted"),
    ("missing name", {k: v for k, v in initiative().items() if k != "name"}, "name", "missing_value", "Field required"),
]


@pytest.mark.parametrize("label,record,field,reason,words", CASES, ids=[c[0] for c in CASES])
def test_bad_record_names_record_and_field_and_stores_nothing(registry, store, label, record, field, reason, words):
    with pytest.raises(InputErrors) as exc:
        registry.add(record, author="ana")
    failures = exc.value.failures
    assert [(f.column, f.reason.value) for f in failures] == [(field, reason)]
    assert failures[0].message.startswith("initiative 'lektiecafe': " + field + ": ")
    assert words in failures[0].message
    assert "nothing was stored" in str(exc.value)
    assert version_rows(store) == 0
    assert registry.list().empty


def test_ten_megabyte_text_is_refused_without_echoing_it(registry, store):
    huge = "ø" * (10 * 1024 * 1024)
    with pytest.raises(InputErrors) as exc:
        registry.add(initiative(description=huge), author="ana")
    (f,) = exc.value.failures
    assert (f.column, f.reason.value) == ("description", "out_of_range")
    assert "at most 20000 characters (it has 10,485,760)" in f.message
    assert f.value == shown(huge) and len(f.value) < 80
    assert len(str(exc.value)) < 500
    assert version_rows(store) == 0


def test_all_failures_of_a_record_are_listed_together(registry):
    with pytest.raises(InputErrors) as exc:
        registry.add(initiative(areas=["X1", "X2"], budget=-5, evidence=[{**EVIDENCE, "level": 9}]), author="ana")
    # Model errors come first; references are checked once the record is well formed.
    assert [f.column for f in exc.value.failures] == ["budget", "evidence[0].level"]
    with pytest.raises(InputErrors) as exc:
        registry.add(initiative(areas=["X1", "X2"], outcomes=[{"indicator": "nope", "better": "lower"}]), author="ana")
    assert [f.column for f in exc.value.failures] == ["areas[0]", "areas[1]", "outcomes[0].indicator"]


def test_bad_writes_refused(registry, store):
    registry.add(initiative(), author="ana")
    with pytest.raises(InputErrors, match="already in the registry"):
        registry.add(initiative(name="Other"), author="bo")
    with pytest.raises(InputErrors) as exc:
        registry.update("lektiecafe", {"id": "new", "colour": 1}, author="bo", reason="x")
    assert [(f.column, f.reason.value) for f in exc.value.failures] == [("id", "not_allowed"), ("colour", "unknown_column")]
    with pytest.raises(InputErrors) as exc:
        registry.update("lektiecafe", {"end": "2020-01-01"}, author="bo", reason="x")
    assert exc.value.failures[0].column == "end"
    with pytest.raises(InputError, match="no initiative 'ghost'"):
        registry.update("ghost", {"name": "G"}, author="bo", reason="x")
    with pytest.raises(InputError, match="needs an author"):
        registry.update("lektiecafe", {"name": "G"}, author=" ", reason="x")
    with pytest.raises(InputError, match="needs a reason"):
        registry.withdraw("lektiecafe", author="bo", reason="")
    with pytest.raises(InputError, match="cannot be added withdrawn"):
        registry.add(initiative(id="w", withdrawn=True), author="bo")
    assert version_rows(store) == 1
