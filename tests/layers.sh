#!/bin/bash
# The architecture, checked on the built objects (docs/architecture.md):
# core never uses the screen; panels use tui/'s widgets and dialogs but never
# the loop (app.c, chrome.c); no two modules depend on each other in a loop,
# by call (symbols, from nm) or by include (headers). A module is a source
# file, or the files that share one internal header (ws_int.h: workspace.c,
# ws_runs.c, ws_live.c), which are one module cut for size.
. "$(dirname "$0")/lib.sh"
srcdir=${CUTOVER_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
build=$PWD
[ -f "$build/libcore.a" ] && [ -f "$build/libscreen.a" ] || { echo "layers: run from the build tree (make check)" >&2; exit 99; }
command -v nm >/dev/null && command -v python3 >/dev/null || { echo "layers: needs nm, python3" >&2; exit 99; }

out=$(python3 - "$srcdir" "$build" <<'EOF'
import glob, os, re, subprocess, sys
src, build = sys.argv[1], sys.argv[2]

def cycles(graph):
    """The strongly connected components of more than one node (Tarjan)."""
    index, low, stack, on, found, n = {}, {}, [], set(), [], [0]
    def visit(v):
        index[v] = low[v] = n[0]; n[0] += 1; stack.append(v); on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w); low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop(); on.discard(w); comp.append(w)
                if w == v: break
            if len(comp) > 1: found.append(sorted(comp))
    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index: visit(v)
    return found

# the checker finds a loop where there is one
print("selftest", "ok" if cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
      and cycles({"a": {"b"}, "b": set()}) == [] else "broken")

# sources by layer and name: "core:inventory" is core/record/inventory.c,
# "panels:inventory" the panel
sources, headers = {}, {}
for d in ("core", "tui", "panels"):
    for f in glob.glob(os.path.join(src, d, "**", "*.[ch]"), recursive=True):
        name = os.path.basename(f)
        if name.endswith(".c"): sources[d + ":" + name[:-2]] = f
        else: headers[name] = f
# files that share an internal header are one module (union-find)
parent = {}
def root(x):
    while parent.get(x, x) != x: x = parent[x]
    return x
for key, f in sources.items():
    for m in re.finditer(r'#include "(\w+_int\.h)"', open(f, encoding="utf-8").read()):
        a, b = root(key), root(m.group(1))
        if a != b: parent[a] = b
def module(key):
    return root(key)
def layer(key):
    return key.split(":")[0]

# symbols: which object defines what, and what each uses
objs = {}
def read_nm(args, name_of):
    """nm -A: "libcore.a:libcore_a-db.o:0000… T db_open", "tui/cutover-app.o:    U beep"."""
    text = subprocess.run(["nm", "-A"] + args, capture_output=True, text=True, check=True).stdout
    for line in text.splitlines():
        parts = line.split()
        if len(parts) != 3: continue
        o = objs.setdefault(name_of(parts[0].rsplit(":", 1)[0]), (set(), set()))
        if parts[1] == "U": o[1].add(parts[2])
        elif parts[1] in "TDRBCV": o[0].add(parts[2])
def stem(path):
    return re.sub(r"^(libcore_a|libscreen_a|cutover)-", "", os.path.basename(path).split(":")[-1])[:-2]
read_nm([os.path.join(build, "libcore.a")], lambda p: "core:" + stem(p))
def screen(p):  # tui/ and panels/ have no file name in common
    s = stem(p)
    return ("tui:" if "tui:" + s in sources else "panels:") + s
read_nm([os.path.join(build, "libscreen.a"), os.path.join(build, "tui", "cutover-main.o")], screen)
owner = {s: o for o, (defs, _) in objs.items() for s in defs}
calls = {o: {owner[s] for s in uses if s in owner and owner[s] != o} for o, (_, uses) in objs.items()}
print("objects", len(objs), "tui" if any(layer(o) == "tui" for o in objs) else "")

bad = [f"{o} -> {t}" for o in calls for t in calls[o] if layer(o) == "core" and layer(t) in ("tui", "panels")]
print("core-screen", " ".join(sorted(bad)) or "none")
bad = [f"{o} -> {t}" for o in calls for t in calls[o] if layer(o) == "panels" and t in ("tui:app", "tui:chrome", "tui:main")]
print("panels-loop", " ".join(sorted(bad)) or "none")
mod = {}
for o, ts in calls.items():
    mod.setdefault(module(o), set()).update(module(t) for t in ts if module(t) != module(o))
print("call-cycles", " | ".join(" ".join(c) for c in cycles(mod)) or "none")

inc = {}
for name, f in headers.items():
    for m in re.finditer(r'#include "([\w.]+\.h)"', open(f, encoding="utf-8").read()):
        if m.group(1) in headers: inc.setdefault(name, set()).add(m.group(1))
print("include-cycles", " | ".join(" ".join(c) for c in cycles(inc)) or "none")
EOF
) || { echo "layers: the checker failed"; exit 99; }

field() { sed -n "s/^$1 //p" <<<"$out"; }
check "the checker finds a planted loop" ok "$(field selftest)"
check "objects read, the screen's among them" tui "$(field objects | cut -d' ' -f2)"
check "core calls nothing of tui/ or panels/" none "$(field core-screen)"
check "panels never call the loop (app.c, chrome.c)" none "$(field panels-loop)"
check "no modules call each other in a loop" none "$(field call-cycles)"
check "no headers include each other in a loop" none "$(field include-cycles)"
finish
