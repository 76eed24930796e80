"""Tables for ``cleave ps`` and ``top``: cells without spaces (awk-friendly), ages and sizes like kubectl's."""

from __future__ import annotations

from typing import Any


def age(seconds: float | None) -> str:
    """``42s``, ``5m``, ``3h``, ``2d`` (kubectl's AGE); ``-`` when unknown."""
    if seconds is None:
        return "-"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{int(seconds // size)}{unit}"
    return f"{int(seconds)}s"


def memory(size: int | None) -> str:
    """``12.3Mi`` (binary units, no space); ``-`` when unknown."""
    if size is None:
        return "-"
    for unit, scale in (("Gi", 2**30), ("Mi", 2**20), ("Ki", 2**10)):
        if size >= scale:
            return f"{size / scale:.1f}{unit}"
    return f"{size}B"


def _status(row: dict[str, Any]) -> str:
    state = str(row["state"])
    if state == "backoff":
        return "CrashLoopBackOff" if int(row.get("restarts") or 0) >= 2 else "BackOff"
    if row.get("retiring") and state == "running":
        return "Terminating"
    return {"running": "Running", "starting": "Starting", "launching": "ContainerCreating", "pending": "Pending",
            "stopping": "Terminating", "done": "Completed"}.get(state, state)


def ps_rows(answer: dict[str, Any]) -> list[list[str]]:
    """NAME READY STATUS RESTARTS AGE CPU MEMORY PID (one row per replica), header first."""
    rows = [["NAME", "READY", "STATUS", "RESTARTS", "AGE", "CPU", "MEMORY", "PID"]]
    for row in answer["replicas"]:
        ready = "1/1" if row["state"] == "running" and row["health"] in ("ok", "-") else "0/1"
        cpu = f"{row['cpu_seconds']:.2f}s" if row.get("cpu_seconds") is not None else "-"
        rows.append([row["replica"], ready, _status(row), str(row["restarts"]), age(row.get("age_seconds")), cpu,
                     memory(row.get("memory_bytes")), str(row["pid"] or "-")])
    return rows


def service_rows(answer: dict[str, Any]) -> list[list[str]]:
    """SERVICE READY DESIRED PLAN HEALTH DRIFT (one row per service, scaled to zero included), header first.
    DRIFT says ``scaled`` when the running count is not the plan's."""
    rows = [["SERVICE", "READY", "DESIRED", "PLAN", "HEALTH", "DRIFT"]]
    for name, service in answer["services"].items():
        desired, planned = int(service["desired"]), int(service.get("planned", service["desired"]))
        health = "-" if desired == 0 else "ok" if service.get("healthy") else "failing"  # nothing runs: no health
        rows.append([name, f"{service.get('ready', 0)}/{desired}", str(desired), str(planned), health,
                     "scaled" if desired != planned else "-"])
    return rows
