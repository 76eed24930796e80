"""topology.json validation and the atomic writers every stage uses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cleave.formats import FormatError
from cleave.formats.atomic import staged_directory, write_text_atomic
from cleave.formats.topology import (
    DatabaseSpec,
    Limits,
    ServiceSpec,
    Topology,
    from_json,
    load_topology,
    save_topology,
    service_url_variable,
    to_json,
)


def _spec(name: str, calls: tuple[str, ...] = ()) -> ServiceSpec:
    return ServiceSpec(name=name, image=name, manifest_digest="sha256:" + "0" * 64, source_dir=f"services/{name}",
                       command=("python3", "-m", "cleave_kit"), calls=calls, resources=Limits(cpu=0.5))


def test_round_trip_and_start_order(tmp_path: Path) -> None:
    topology = Topology(project="shop", gateway="web",
                        services=(_spec("web", ("orders", "catalog")), _spec("orders", ("catalog",)), _spec("catalog")))
    save_topology(topology, tmp_path / "topology.json")
    again = load_topology(tmp_path / "topology.json")
    assert again == topology
    assert again.start_order() == ["catalog", "orders", "web"]


def test_call_cycles_still_order_every_service() -> None:
    topology = Topology(project="p", services=(_spec("a", ("b",)), _spec("b", ("a",)), _spec("c")))
    assert sorted(topology.start_order()) == ["a", "b", "c"]


def test_unknown_callee_and_gateway_are_errors() -> None:
    document = to_json(Topology(project="p", services=(_spec("a", ("ghost",)),)))
    with pytest.raises(FormatError, match="calls unknown service 'ghost'"):
        from_json(document, "topology.json")
    document = to_json(Topology(project="p", services=(_spec("a"),)))
    document["gateway"] = "nope"
    with pytest.raises(FormatError, match="gateway 'nope' is not a service"):
        from_json(document, "topology.json")


def test_missing_topology_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(FormatError, match="cleave build"):
        load_topology(tmp_path / "topology.json")
    (tmp_path / "topology.json").write_text("{")
    with pytest.raises(FormatError, match=r"topology.json:1: invalid JSON"):
        load_topology(tmp_path / "topology.json")


def test_service_url_variable() -> None:
    assert service_url_variable("order-history") == "CLEAVE_SERVICE_ORDER_HISTORY_URL"


def test_atomic_write_leaves_no_temp_files(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "file.json"
    write_text_atomic(target, json.dumps({"a": 1}))
    write_text_atomic(target, json.dumps({"a": 2}))
    assert json.loads(target.read_text()) == {"a": 2}
    assert [p.name for p in target.parent.iterdir()] == ["file.json"]


def test_staged_directory_replaces_only_on_success(tmp_path: Path) -> None:
    target = tmp_path / "build"
    with staged_directory(target) as staging:
        (staging / "one").write_text("1")
    assert (target / "one").read_text() == "1"
    with pytest.raises(RuntimeError), staged_directory(target) as staging:
        (staging / "two").write_text("2")
        raise RuntimeError("failed half way")
    assert sorted(p.name for p in target.iterdir()) == ["one"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["build"]


def test_a_managed_postgresql_database_round_trips(tmp_path: Path) -> None:
    """What an edge build writes for `database: {engine: postgresql}` is what the runtime accepts (its socket
    folder inside a replica is /run/cleave, where the runtime mounts the server's socket)."""
    topology = Topology(project="p", services=(_spec("a"), _spec("b")),
                        database=DatabaseSpec(engine="postgresql", name="app", services=("a", "b"),
                                              socket_dir="/run/cleave"))
    save_topology(topology, tmp_path / "topology.json")
    assert load_topology(tmp_path / "topology.json") == topology


def test_a_database_socket_elsewhere_is_refused_without_quoting_the_record() -> None:
    document = to_json(Topology(project="p", services=(_spec("a"),),
                                database=DatabaseSpec(engine="postgresql", name="app", services=("a",),
                                                      socket_dir="/run/cleave")))
    document["database"]["socket_dir"] = "/tmp/elsewhere"
    with pytest.raises(FormatError, match=r"database socket_dir must be one of /run/cleave \(the build") as caught:
        from_json(document, "topology.json")
    assert "{" not in str(caught.value)
