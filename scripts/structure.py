#!/usr/bin/env python3
"""Structure checks the compiler does not make: module import cycles, long files, long functions.

Usage: scripts/structure.py [--max-file-lines N] [--max-fn-lines N] [CRATE_DIR ...]

For every crate (a folder with Cargo.toml and src/), each source file is a module
(`src/a/b.rs` and `src/a/b/mod.rs` are `a::b`; `lib.rs`/`main.rs` are the crate root). A file
that names `crate::x::y`, `super::y` or `self::y` (in `use` items or paths) depends on the module
it reaches. Dependencies are compared between siblings: `a::b` using `a::c::d` is an edge b -> c
inside `a`; using an ancestor (a parent's re-exports) is not counted, and the crate root only
declares and re-exports. A cycle among siblings is an error: it means two modules each need
the other, and the shared thing belongs in a third, lower module.

Files longer than --max-file-lines (default 800) and functions longer than --max-fn-lines
(default 100) outside `#[cfg(test)]` modules and `tests/`, `benches/`, `examples/` are errors
too. Lines count as in an editor (blank lines and comments included).

Exit 0 when clean, 1 with one line per finding otherwise.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PATH_RE = re.compile(r"\b(crate|super|self)((?:::[A-Za-z_][A-Za-z0-9_]*)+|::\{)")
USE_GROUP_RE = re.compile(r"\buse\s+(crate|super|self)::\{([^;]*)\}\s*;", re.S)
FN_RE = re.compile(r"^\s*(?:pub(?:\([^)]*\))?\s+)?(?:const\s+)?(?:async\s+)?(?:unsafe\s+)?(?:extern\s+\"[^\"]*\"\s+)?fn\s+([A-Za-z_][A-Za-z0-9_]*)")


def strip_comments_and_strings(text: str) -> str:
    """Blanks out comments, string and char literals (keeping newlines) so that paths inside
    them are not read as dependencies and braces inside them do not count."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        nxt = text[i + 1] if i + 1 < n else ""
        if c == "/" and nxt == "/":
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif c == "/" and nxt == "*":
            depth, j = 1, i + 2
            while j < n and depth:
                if text.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c == "r" and re.match(r'r#*"', text[i:i + 10]) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            m = re.match(r'r(#*)"', text[i:])
            hashes = m.group(1)
            end = text.find('"' + hashes, i + len(m.group(0)))
            j = n if end < 0 else end + 1 + len(hashes)
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            j += 1
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c == "'":
            m = re.match(r"'(\\.[^']*|[^\\'])'", text[i:])
            if m:
                out.append(" " * len(m.group(0)))
                i += len(m.group(0))
            else:  # a lifetime
                out.append(c)
                i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def module_path(src: Path, file: Path) -> tuple[str, ...]:
    rel = file.relative_to(src).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "mod":
        parts.pop()
    if parts in (["lib"], ["main"]):
        return ()
    return tuple(parts)


def test_module_spans(text: str) -> list[tuple[int, int]]:
    """Line spans of `#[cfg(test)] mod ... { ... }` blocks (in the stripped text)."""
    spans = []
    for m in re.finditer(r"#\[cfg\(test\)\]\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+\w+\s*\{", text):
        start = m.end() - 1
        depth, j = 0, start
        while j < len(text):
            if text[j] == "{":
                depth += 1
            elif text[j] == "}":
                depth -= 1
                if depth == 0:
                    break
            j += 1
        spans.append((text.count("\n", 0, m.start()) + 1, text.count("\n", 0, j) + 1))
    return spans


def references(text: str, here: tuple[str, ...], is_dir_module: bool) -> set[tuple[str, ...]]:
    """Absolute module paths (possibly item paths) a file's code names."""
    refs: set[tuple[str, ...]] = set()
    # `self::` in a file module refers to its own children; `super::` to its parent's.
    base_self = here
    base_super = here[:-1]

    def absolute(kind: str, rest: list[str]) -> tuple[str, ...]:
        if kind == "crate":
            return tuple(rest)
        if kind == "self":
            return base_self + tuple(rest)
        # super (possibly chained: super::super::x)
        base = list(base_super)
        while rest and rest[0] == "super":
            rest = rest[1:]
            base = base[:-1]
        return tuple(base) + tuple(rest)

    for m in USE_GROUP_RE.finditer(text):
        kind, body = m.group(1), m.group(2)
        for item in re.split(r",(?![^{]*\})", body):
            item = item.strip()
            if not item:
                continue
            head = re.split(r"::|\s", item)[0]
            if head in ("self", "{") or not re.match(r"[A-Za-z_]", head):
                continue
            refs.add(absolute(kind, [p for p in re.split(r"::", item.split("{")[0]) if re.match(r"^[A-Za-z_]\w*$", p)]))
    for m in PATH_RE.finditer(text):
        kind, tail = m.group(1), m.group(2)
        if tail == "::{":
            continue
        refs.add(absolute(kind, [p for p in tail.split("::") if p]))
    _ = is_dir_module
    return refs


def check_cycles(crate: Path, modules: dict[tuple[str, ...], Path], texts: dict[Path, str]) -> list[str]:
    known = set(modules)
    edges: dict[tuple[str, ...], dict[str, set[str]]] = {}
    for mod, file in modules.items():
        if mod == ():
            continue
        for ref in references(texts[file], mod, file.name == "mod.rs"):
            # Deepest known module that prefixes the reference.
            target = None
            for k in range(len(ref), 0, -1):
                if ref[:k] in known:
                    target = ref[:k]
                    break
            if target is None or target == mod:
                continue
            if mod[: len(target)] == target:
                continue  # an ancestor: its re-exports, not a dependency
            common = 0
            while common < min(len(mod), len(target)) and mod[common] == target[common]:
                common += 1
            if common >= len(target):
                continue
            if common >= len(mod):
                continue  # a parent naming its own descendants
            parent = mod[:common]
            edges.setdefault(parent, {}).setdefault(mod[common], set()).add(target[common])
    problems = []
    for parent, graph in sorted(edges.items()):
        for cycle, members in find_cycles(graph):
            where = "::".join(parent) or "crate root"
            problems.append(
                f"{crate.name}: import cycle in {where}: {' -> '.join(cycle + [cycle[0]])}"
                f" (modules that reach each other: {', '.join(members)})"
            )
    return problems


def find_cycles(graph: dict[str, set[str]]) -> list[tuple[list[str], list[str]]]:
    """One representative cycle per strongly connected component with more than one node."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    comps: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                comps.append(comp)

    for v in sorted(set(graph) | {w for ws in graph.values() for w in ws}):
        if v not in index:
            visit(v)
    cycles = []
    for comp in comps:
        members = set(comp)
        start = min(comp)
        # Walk a cycle inside the component from its smallest member.
        path, seen, v = [start], {start}, start
        while True:
            nxt = sorted(w for w in graph.get(v, ()) if w in members)
            back = [w for w in nxt if w == start]
            if back and len(path) > 1:
                break
            fresh = [w for w in nxt if w not in seen]
            if not fresh:
                break
            v = fresh[0]
            path.append(v)
            seen.add(v)
        cycles.append((path, sorted(members)))
    return cycles


def check_lengths(crate: Path, file: Path, raw: str, text: str, max_file: int, max_fn: int) -> list[str]:
    problems = []
    rel = file.relative_to(ROOT)
    lines = raw.count("\n") + (0 if raw.endswith("\n") else 1)
    spans = test_module_spans(text)
    test_lines = sum(b - a + 1 for a, b in spans)
    if lines - test_lines > max_file:
        problems.append(f"{rel}: {lines - test_lines} lines outside tests (limit {max_file})")
    text_lines = text.split("\n")
    in_test = lambda ln: any(a <= ln <= b for a, b in spans)  # noqa: E731
    for i, line in enumerate(text_lines):
        m = FN_RE.match(line)
        if not m or in_test(i + 1):
            continue
        # Find the body's opening brace (or a `;` for a declaration without body).
        j, depth, opened = i, 0, False
        end = None
        while j < len(text_lines):
            seg = text_lines[j] if j != i else line[m.end():]
            for ch in seg:
                if not opened and ch == ";" and depth == 0:
                    end = j
                    break
                if ch == "{":
                    depth += 1
                    opened = True
                elif ch == "}":
                    depth -= 1
                    if opened and depth == 0:
                        end = j
                        break
            if end is not None:
                break
            j += 1
        if end is None or not opened:
            continue
        length = end - i + 1
        if length > max_fn:
            problems.append(f"{rel}:{i + 1}: fn {m.group(1)} is {length} lines (limit {max_fn})")
    return problems


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--max-file-lines", type=int, default=800)
    ap.add_argument("--max-fn-lines", type=int, default=100)
    ap.add_argument("crates", nargs="*")
    args = ap.parse_args()
    crates = [Path(c).resolve() for c in args.crates] or sorted(
        p.parent for p in ROOT.glob("*/Cargo.toml") if (p.parent / "src").is_dir()
    ) + sorted(p.parent for p in ROOT.glob("examples/*/Cargo.toml"))
    problems: list[str] = []
    for crate in crates:
        src = crate / "src"
        if not src.is_dir():
            continue
        roots = [src] + ([src / "bin"] if (src / "bin").is_dir() else [])
        modules: dict[tuple[str, ...], Path] = {}
        texts: dict[Path, str] = {}
        for file in sorted(src.rglob("*.rs")):
            if (src / "bin") in file.parents:
                continue
            raw = file.read_text(encoding="utf-8")
            text = strip_comments_and_strings(raw)
            texts[file] = text
            modules[module_path(src, file)] = file
            problems += check_lengths(crate, file, raw, text, args.max_file_lines, args.max_fn_lines)
        _ = roots
        problems += check_cycles(crate, modules, texts)
    for p in problems:
        print(p)
    if problems:
        print(f"{len(problems)} structure problem(s)", file=sys.stderr)
        return 1
    print("structure: no import cycles, no file or function over the limits", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
