"""Benchmark: precision and recall of cleave's ``calls`` edges on small programs with exact expected edges.

    .venv/bin/python bench/callgraph.py [--against REV] [--category NAME] [--show]

Each program is one file under bench/callgraph/<category>/ (format and edge conventions: bench/callgraph/README.md).
This tree and git revision REV (default: the commit the value-flow analysis started from, checked out under
bench/.cache/rev-<sha>) each analyze every program in one run, side by side. Scores count edges between the
program's own functions, classes and modules; precision = found and expected / found, recall = found and expected
/ expected, summed over a category's programs (micro average). Programs whose name starts with ``h_`` are the
held-out part: written with the rest, never used to tune the analyzer; ``h2_`` ones were written after the analyzer
was built and scored once, as they came (``held_out_late``). Both are reported apart as well as in the totals.
Results: bench/results/callgraph.json.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SUITE = ROOT / "bench" / "callgraph"
CACHE = ROOT / "bench" / ".cache"
RESULTS = ROOT / "bench" / "results" / "callgraph.json"
BASELINE = "149159c"  # main when issue 18's work started: name resolution only

RUN = """
import json, sys
from pathlib import Path
from analyzer import analyze
out = {}
for src in sys.argv[1:]:
    graph = analyze(Path(src), jobs=1)
    out[src] = sorted({(u, v) for u, v, key in graph.graph.edges(keys=True) if key == "calls"})
print(json.dumps(out))
"""


def parse(text: str) -> tuple[set[tuple[str, str]], dict[str, str]]:
    """(expected edges, files) of one program: ``# calls: a -> b`` lines, then ``# file: path`` sections (none:
    the whole text is p/main.py)."""
    expected: set[tuple[str, str]] = set()
    files: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        if line.startswith("# calls:"):
            source, _, target = line[len("# calls:"):].partition("->")
            expected.add((source.strip(), target.strip()))
        elif line.startswith("# file:"):
            current = files.setdefault(line[len("# file:"):].strip(), [])
        elif current is not None:
            current.append(line)
    if not files:
        files = {"p/main.py": text.splitlines()}
    files.setdefault("p/__init__.py", [])
    return expected, {path: "\n".join(lines) + "\n" for path, lines in files.items()}


def programs(category: str | None) -> list[tuple[str, str, Path]]:
    """(category, name, file) of every program, sorted."""
    found = []
    for path in sorted(SUITE.glob("*/*.py")):
        if category is None or path.parent.name == category:
            found.append((path.parent.name, path.stem, path))
    return found


def checkout(rev: str) -> Path:
    """A detached worktree of ``rev`` under bench/.cache (made once per commit)."""
    sha = subprocess.run(["git", "-C", str(ROOT), "rev-parse", rev], capture_output=True, text=True,
                         check=True).stdout.strip()
    tree = CACHE / f"rev-{sha[:12]}"
    if not (tree / "analyzer").is_dir():
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-f", str(tree), sha], check=True,
                       capture_output=True)
    return tree


def analyze_all(tree: Path, sources: list[Path]) -> dict[str, list[list[str]]]:
    done = subprocess.run([sys.executable, "-c", RUN, *map(str, sources)], cwd=tree, capture_output=True,
                          text=True, check=False, env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"})
    if done.returncode != 0:
        raise SystemExit(f"analyzer at {tree} failed:\n{done.stderr[-3000:]}")
    result: dict[str, list[list[str]]] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def score(rows: list[dict[str, Any]], label: str) -> dict[str, Any]:
    tp = sum(r[label]["tp"] for r in rows)
    fp = sum(r[label]["fp"] for r in rows)
    fn = sum(r[label]["fn"] for r in rows)
    return {"tp": tp, "fp": fp, "fn": fn, "precision": round(tp / (tp + fp), 3) if tp + fp else 1.0,
            "recall": round(tp / (tp + fn), 3) if tp + fn else 1.0}


def compare(found: set[tuple[str, str]], expected: set[tuple[str, str]]) -> dict[str, Any]:
    return {"tp": len(found & expected), "fp": len(found - expected), "fn": len(expected - found),
            "extra": sorted(found - expected), "missed": sorted(expected - found)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--against", default=BASELINE)
    parser.add_argument("--category")
    parser.add_argument("--show", action="store_true", help="print each program's extra and missed edges")
    args = parser.parse_args()
    CACHE.mkdir(parents=True, exist_ok=True)
    listed = programs(args.category)
    trees = {"before": checkout(args.against), "after": ROOT}
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        sources = []
        expectations = []
        for category, name, path in listed:
            expected, files = parse(path.read_text())
            src = Path(tmp) / category / name
            for rel, text in files.items():
                (src / rel).parent.mkdir(parents=True, exist_ok=True)
                (src / rel).write_text(text)
            sources.append(src)
            expectations.append(expected)
        found = {label: analyze_all(tree, sources) for label, tree in trees.items()}
        for (category, name, _), src, expected in zip(listed, sources, expectations, strict=True):
            row: dict[str, Any] = {"category": category, "program": name, "held_out": name.startswith(("h_", "h2_")),
                                   "expected": len(expected)}
            for label in trees:
                edges = {(u, v) for u, v in found[label][str(src)]}
                row[label] = compare(edges, expected)
            rows.append(row)
    report: dict[str, Any] = {"against": args.against, "programs": len(rows), "categories": {}}
    for category in sorted({r["category"] for r in rows}):
        mine = [r for r in rows if r["category"] == category]
        report["categories"][category] = {"programs": len(mine), **{k: score(mine, k) for k in trees}}
    report["overall"] = {k: score(rows, k) for k in trees}
    held = [r for r in rows if r["held_out"]]
    report["held_out"] = {"programs": len(held), **{k: score(held, k) for k in trees}}
    late = [r for r in rows if r["program"].startswith("h2_")]
    report["held_out_late"] = {"programs": len(late), **{k: score(late, k) for k in trees}}
    tuned = [r for r in rows if not r["held_out"]]
    report["tuned"] = {"programs": len(tuned), **{k: score(tuned, k) for k in trees}}
    report["rows"] = rows
    _print(report, rows, args.show)
    if args.category is None:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(report, indent=1, sort_keys=True) + "\n")
        print(f"results written to {RESULTS.relative_to(ROOT)}")


def _print(report: dict[str, Any], rows: list[dict[str, Any]], show: bool) -> None:
    print(f"{'category':14} {'n':>3}  {'before P':>8} {'before R':>8}  {'after P':>8} {'after R':>8}")
    lines = [(c, v) for c, v in report["categories"].items()]
    lines += [("OVERALL", report["overall"]), ("tuned", report["tuned"]), ("held-out", report["held_out"]),
              ("held-out h2_", report["held_out_late"])]
    for name, value in lines:
        count = value.get("programs", report["programs"])
        b, a = value["before"], value["after"]
        print(f"{name:14} {count:>3}  {b['precision']:>8} {b['recall']:>8}  {a['precision']:>8} {a['recall']:>8}")
    if show:
        for row in rows:
            after = row["after"]
            if after["extra"] or after["missed"]:
                print(f"{row['category']}/{row['program']}: extra {after['extra']} missed {after['missed']}")


if __name__ == "__main__":
    main()
