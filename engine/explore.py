"""``explore``: one self-contained HTML page that steps through a backward pass, node by node.

The graph is laid out once by ``draw_dot`` (so nodes stay put between steps) and embedded as SVG; the steps of
``backward_steps`` are embedded as JSON and a short script shows the state after each one. No network access.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from engine.drawing import DEFAULT_MAX_NODES, Names, _names_by_value, draw_dot, format_number, node_ids, render
from engine.explain import _names, _wrap
from engine.steps import BackwardStep, backward_steps
from engine.value import Value, reachable

PLAY_INTERVAL_MS = 900  # one step per 0.9 s when playing: long enough to read the side panel's numbers


def explore(
    root: Value,
    path: str | Path = "backprop.html",
    names: Names | None = None,
    max_nodes: int = DEFAULT_MAX_NODES,
    rankdir: str = "LR",
) -> Path:
    """Write ``path``: one HTML file (no network access needed) stepping through ``root``'s backward pass.

    Controls: previous / next / play and a slider over the steps (also the arrow keys). A side panel shows the
    current chain-rule step in numbers and every node's gradient so far; hovering over a node shows its data,
    gradient and op. The graph is ``draw_dot(root, names=names, rankdir=rankdir)``; graphs with more than
    ``max_nodes`` Values are refused with ``draw_dot``'s message. Needs a renderer as ``engine.render`` does.
    Nothing in the graph is written (the page shows d(root)/d(node) for this pass, not ``.grad``). Returns the path.
    """
    if not isinstance(root, Value):
        raise TypeError(f"explore() root must be a Value, got {type(root).__name__}")
    if not isinstance(path, str | Path):
        raise TypeError(f"explore() path must be a str or a pathlib.Path, got {type(path).__name__}")
    steps = backward_steps(root)
    # The final state sizes every grad field for its last (usually longest) number.
    graph = draw_dot(root, rankdir=rankdir, names=names, max_nodes=max_nodes, step=len(steps))
    svg = render(graph)
    svg = svg[svg.index("<svg") :]
    page = _PAGE.replace("__SVG__", svg).replace("__DATA__", _data(root, steps, _names_by_value(names)))
    page = page.replace("__INTERVAL__", str(PLAY_INTERVAL_MS))
    page = page.replace("__TITLE__", html.escape(f"backward pass of {_names(root, {})[root]}"))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as file:  # the page is made in full before the file is opened
        file.write(page)
    return path


def _data(root: Value, steps: list[BackwardStep], names: dict[Value, str]) -> str:
    """The steps as JSON for the page's script; every number both in full (``repr``) and as drawn."""
    ids = node_ids(reachable(root))
    name = _names(root, names)

    def number(x: float) -> list[str]:
        return [repr(float(x)), format_number(x)]

    data = {
        "root": ids[root],
        "seed": number(steps[0].gradient),
        "nodes": {
            ids[node]: {
                "name": name[node],
                "partial": f"∂{_wrap(name[root])}/∂{_wrap(name[node])}",
                "data": number(node.data),
                "op": node.op,
            }
            for node in name
        },
        "steps": [
            {
                "node": ids[step.node],
                "gradient": number(step.gradient),
                "edges": [
                    {
                        "edge": f"{ids[step.node]}_in{index}",
                        "child": ids[edge.child],
                        "local": number(edge.local_grad),
                        "contribution": number(edge.contribution),
                        "total": number(edge.total),
                    }
                    for index, edge in enumerate(step.edges)
                ],
            }
            for step in steps
        ],
        "order": [ids[step.node] for step in steps],
    }
    return json.dumps(data, ensure_ascii=False).replace("</", "<\\/")


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>__TITLE__</title>
<style>
  body { font-family: Helvetica, Arial, sans-serif; margin: 0; display: flex; flex-direction: column; height: 100vh; }
  header { padding: 8px 12px; border-bottom: 1px solid #ccc; display: flex; gap: 8px; align-items: center; }
  header h1 { font-size: 16px; margin: 0 12px 0 0; font-weight: normal; }
  button { font-size: 14px; padding: 3px 10px; }
  #slider { flex: 1; }
  main { flex: 1; display: flex; min-height: 0; }
  #graph { flex: 1; overflow: auto; padding: 8px; }
  #graph svg { max-width: 100%; height: auto; }
  aside { width: 420px; border-left: 1px solid #ccc; padding: 8px 12px; overflow: auto; font-size: 13px; }
  #step { background: #fff8e6; border: 1px solid #f0d080; padding: 8px; white-space: pre-wrap; font-family: monospace; }
  #hover { position: fixed; display: none; background: #222; color: #fff; padding: 6px 8px; border-radius: 4px;
           font-family: monospace; font-size: 12px; white-space: pre; pointer-events: none; }
  table { border-collapse: collapse; width: 100%; margin-top: 10px; font-family: monospace; font-size: 12px; }
  td, th { border-bottom: 1px solid #eee; padding: 2px 4px; text-align: left; }
  tr.current { background: #fde0e0; } tr.finished td.grad { font-weight: bold; } tr.unreached td.grad { color: #999; }
</style>
</head>
<body>
<header>
  <h1>__TITLE__</h1>
  <button id="prev" title="previous step (left arrow)">&#9664; prev</button>
  <button id="play" title="play / pause">&#9654; play</button>
  <button id="next" title="next step (right arrow)">next &#9654;</button>
  <input id="slider" type="range" min="0" value="0" step="1" aria-label="backward step">
  <span id="position"></span>
</header>
<main>
  <div id="graph">__SVG__</div>
  <aside>
    <div id="step"></div>
    <table><thead><tr><th>node</th><th>data</th><th>gradient so far</th></tr></thead><tbody id="nodes"></tbody></table>
    <p>Red: the node whose chain-rule step this is, and the edges it updates. Bold outline: finished (its gradient
    is complete). Dashed: its gradient is still being summed. Grey: not reached yet.</p>
  </aside>
</main>
<div id="hover"></div>
<script type="application/json" id="data">__DATA__</script>
<script>
"use strict";
const D = JSON.parse(document.getElementById("data").textContent);
const n = D.steps.length;
const slider = document.getElementById("slider");
slider.max = n;
let k = 0, timer = null;

// Graphviz's own tooltips show the final state; the hover box below shows the current one instead.
document.querySelectorAll("#graph title").forEach(t => t.remove());
document.querySelectorAll("#graph a").forEach(a => a.removeAttribute("xlink:title"));

const outlines = id => document.getElementById(id).querySelectorAll("polygon, polyline, ellipse");
const gradText = id => Array.from(document.getElementById(id).querySelectorAll("text"))
  .find(t => t.textContent.startsWith("grad"));
const edgeParts = id => { const g = document.getElementById(id); return g ? g.querySelectorAll("path, polygon") : []; };

const rows = {};
for (const id of D.order) {
  const tr = document.createElement("tr");
  tr.id = "row-" + id;
  tr.innerHTML = "<td class='name'></td><td class='data'></td><td class='grad'></td>";
  tr.querySelector(".name").textContent = D.nodes[id].name;
  tr.querySelector(".data").textContent = D.nodes[id].data[0];
  tr.querySelector(".grad").dataset.node = id;
  document.getElementById("nodes").appendChild(tr);
  rows[id] = tr;
}

function stateAt(k) {
  const grads = {}, finished = new Set();
  grads[D.root] = D.seed;
  for (let i = 0; i < k; i++) {
    finished.add(D.steps[i].node);
    for (const e of D.steps[i].edges) grads[e.child] = e.total;
  }
  return {grads, finished, step: k ? D.steps[k - 1] : null};
}

function describe(step) {
  if (!step) {
    const root = D.nodes[D.root];
    return "Before the backward pass.\\nThe root's gradient is seeded: " + root.partial + " = " + D.seed[0] +
      ".\\nEach step takes the next node, whose gradient is then complete, and passes it to its children by " +
      "the chain rule.";
  }
  const node = D.nodes[step.node];
  const lines = ["Step " + k + " of " + n + ": " + node.name + (node.op ? " (op " + node.op + ")" : " (a leaf)"),
                 node.partial + " = " + step.gradient[0] + " is complete."];
  if (!step.edges.length) lines.push("A leaf: nothing to pass on; backward() adds this into its .grad.");
  for (const e of step.edges) {
    const child = D.nodes[e.child];
    lines.push("", child.partial + " += " + node.partial + " · ∂" + node.name + "/∂" + child.name,
               "  = " + step.gradient[0] + " · " + e.local[0] + " = " + e.contribution[0],
               "  running total " + e.total[0]);
  }
  return lines.join("\\n");
}

function show(next) {
  k = Math.max(0, Math.min(n, next));
  const s = stateAt(k);
  for (const id of D.order) {
    const g = s.grads[id];
    const text = gradText(id);
    if (text) text.textContent = g === undefined ? "grad" : "grad " + g[1];
    const current = s.step && s.step.node === id;
    for (const outline of outlines(id)) {
      if (outline.getAttribute("stroke") === "transparent") continue;
      outline.setAttribute("stroke", current ? "#d62728" : (g === undefined ? "#999999" : "#000000"));
      outline.setAttribute("stroke-width", current ? "3" : (s.finished.has(id) ? "2" : "1"));
      outline.setAttribute("stroke-dasharray", !s.finished.has(id) && g !== undefined ? "5,2" : "none");
    }
    const row = rows[id];
    const reached = g === undefined ? "unreached" : "partial";
    row.className = current ? "current" : (s.finished.has(id) ? "finished" : reached);
    row.querySelector(".grad").textContent = g === undefined ? "" : g[0];
  }
  document.querySelectorAll("#graph g.edge").forEach(e => e.querySelectorAll("path, polygon").forEach(p => {
    p.setAttribute("stroke", "black"); p.setAttribute("stroke-width", "1");
  }));
  if (s.step) for (const e of s.step.edges) edgeParts(e.edge).forEach(p => {
    p.setAttribute("stroke", "#d62728"); p.setAttribute("stroke-width", "2.5");
  });
  document.getElementById("step").textContent = describe(s.step);
  document.getElementById("position").textContent = "step " + k + " of " + n;
  slider.value = k;
}

function hover(id, event) {
  const box = document.getElementById("hover");
  if (!id) { box.style.display = "none"; return; }
  const node = D.nodes[id], g = stateAt(k).grads[id];
  box.textContent = node.name + "\\ndata " + node.data[0] +
    "\\ngrad " + (g === undefined ? "(not reached yet)" : g[0]) + "\\nop " + (node.op || "(leaf)");
  box.style.display = "block";
  box.style.left = (event.clientX + 14) + "px";
  box.style.top = (event.clientY + 14) + "px";
}

for (const id of D.order) {
  const g = document.getElementById(id);
  g.addEventListener("mousemove", event => hover(id, event));
  g.addEventListener("mouseleave", () => hover(null));
  g.style.cursor = "default";
}
function stop() { clearInterval(timer); timer = null; document.getElementById("play").innerHTML = "&#9654; play"; }
document.getElementById("prev").onclick = () => { stop(); show(k - 1); };
document.getElementById("next").onclick = () => { stop(); show(k + 1); };
document.getElementById("play").onclick = () => {
  if (timer) return stop();
  if (k === n) show(0);
  document.getElementById("play").innerHTML = "&#10074;&#10074; pause";
  timer = setInterval(() => { show(k + 1); if (k === n) stop(); }, __INTERVAL__);
};
slider.oninput = () => { stop(); show(Number(slider.value)); };
document.addEventListener("keydown", event => {
  if (event.key === "ArrowRight") { stop(); show(k + 1); }
  if (event.key === "ArrowLeft") { stop(); show(k - 1); }
});
show(0);
</script>
</body>
</html>
"""
