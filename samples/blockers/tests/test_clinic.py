"""The clinic works as one process: every blocker case does what its authors meant. README stays accurate."""

from __future__ import annotations

import datetime
import json
import re
import sys
from pathlib import Path
from wsgiref.util import setup_testing_defaults

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from clinic.billing import api as billing  # noqa: E402
from clinic.billing.models import BillableAppointment  # noqa: E402
from clinic.patients import api as patients  # noqa: E402
from clinic.patients import store  # noqa: E402
from clinic.records import api as records  # noqa: E402
from clinic.scheduling import api as scheduling  # noqa: E402
from clinic.scheduling.models import Appointment  # noqa: E402
from clinic.web import application  # noqa: E402

DAY = datetime.date(2024, 5, 6)


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    store.LAST_SEEN.clear()
    return tmp_path


def test_a_billable_appointment_is_an_appointment() -> None:
    billable = BillableAppointment(1, 1, DAY, "x-ray")
    assert isinstance(billable, Appointment)
    assert billable.describe() == "x-ray on 2024-05-06: 95.00"


def test_both_domains_write_the_shared_dict() -> None:
    ann = patients.register("Ann", datetime.date(1980, 1, 2))
    assert store.LAST_SEEN[ann] == "registered"
    scheduling.book(ann, DAY, "checkup")
    assert patients.summary(ann, DAY)["last_seen"] == "booked checkup on 2024-05-06"


def test_billing_passes_a_callback_and_joins_other_tables() -> None:
    ann = patients.register("Ann", datetime.date(1980, 1, 2))
    bob = patients.register("Bob", datetime.date(1975, 3, 4))
    first = scheduling.book(ann, DAY, "checkup")
    scheduling.book(bob, DAY, "surgery")
    scheduling.book(bob, DAY + datetime.timedelta(days=1), "x-ray")
    assert billing.bill_day(DAY) == ["checkup on 2024-05-06: 40.00", "surgery on 2024-05-06: 850.00"]
    billing.pay(first.id)
    assert [(name, day, str(amount)) for name, day, amount in billing.outstanding()] == [
        ("Bob", "2024-05-06", "850.00")
    ]


def test_upcoming_is_a_generator_consumed_by_patients() -> None:
    ann = patients.register("Ann", datetime.date(1980, 1, 2))
    for offset in (3, 1, -1):
        scheduling.book(ann, DAY + datetime.timedelta(days=offset), "checkup")
    lazy = scheduling.upcoming(ann, DAY)
    assert iter(lazy) is lazy
    assert patients.summary(ann, DAY)["upcoming"] == ["2024-05-07", "2024-05-09"]


def test_export_writes_through_the_file_handed_over(data_dir: Path) -> None:
    ann = patients.register("Ann", datetime.date(1980, 1, 2))
    records.add_note(ann, DAY, "blood pressure fine")
    records.add_note(ann, DAY - datetime.timedelta(days=9), "first visit")
    path = data_dir / "ann.txt"
    assert patients.export(ann, str(path)) == 2
    assert path.read_text(encoding="utf-8") == "2024-04-27: first visit\n2024-05-06: blood pressure fine\n"


def _get(method: str, path: str) -> tuple[str, object]:
    environ: dict[str, object] = {}
    setup_testing_defaults(environ)
    environ.update(REQUEST_METHOD=method, PATH_INFO=path)
    answer: list[str] = []
    body = b"".join(application(environ, lambda status, headers: answer.append(status)))
    return answer[0], json.loads(body)


def test_the_web_front() -> None:
    ann = patients.register("Ann", datetime.date(1980, 1, 2))
    scheduling.book(ann, DAY, "checkup")
    assert _get("GET", "/healthz") == ("200 OK", {"status": "ok"})
    assert _get("POST", "/billing/2024-05-06") == ("200 OK", ["checkup on 2024-05-06: 40.00"])
    assert _get("GET", "/billing/outstanding") == ("200 OK", [["Ann", "2024-05-06", "40.00"]])
    assert _get("GET", f"/patients/{ann}")[1] == {"name": "Ann", "last_seen": "booked checkup on 2024-05-06",
                                                  "upcoming": ["2024-05-06"]}
    assert _get("GET", "/patients/99")[0] == "404 Not Found"


def test_readme_points_at_every_marked_case() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    references = set(re.findall(r"(clinic/[\w/]+\.py):(\d+)", readme))
    for file, line in references:
        text = (ROOT / file).read_text(encoding="utf-8").splitlines()[int(line) - 1].strip()
        assert "# blocker" in text or text.startswith(("def ", "class ")), f"{file}:{line} is {text!r}"
    for path in ROOT.joinpath("clinic").rglob("*.py"):
        for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if "# blocker" in text:
                assert (path.relative_to(ROOT).as_posix(), str(number)) in references, f"{path}:{number} not in README"
