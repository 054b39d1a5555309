"""tests/typecheck_readme.py: it finds every python block of a markdown file and pyright (strict) rejects the
untyped path (``model(x).data``) while accepting the typed one (``model.scalar(x).data``)."""

import pytest

from tests import typecheck_readme

MARKDOWN = """# a page

```python
from nn import MLP

model = MLP(2, [4, 1], seed=0)
print(model.scalar([1.0, 2.0]).data, [v.data for v in model.vector([1.0, 2.0])])
```

text

```bash
echo not python
```

```python
from nn import MLP

model = MLP(2, [4, 1], seed=0)
print(model([1.0, 2.0]).data)
```
"""


def test_snippets_are_the_python_blocks_with_the_line_they_start_on():
    blocks = typecheck_readme.snippets(MARKDOWN)
    assert [block.line for block in blocks] == [4, 17]
    assert blocks[0].text.startswith("from nn import MLP\n") and "echo" not in "".join(b.text for b in blocks)


def test_pyright_accepts_the_typed_call_and_rejects_the_union_typed_one():
    if typecheck_readme.pyright_command() is None:
        pytest.skip("pyright is not installed (pip install 'chainrule[typecheck]')")
    errors = typecheck_readme.check(typecheck_readme.snippets(MARKDOWN), "page.md")
    assert errors, "model(x).data must be refused: model(x) is typed Value | list[Value]"
    assert all(error.startswith("page.md:20: ") for error in errors), errors
    assert any('"data"' in error and "list[Value]" in error for error in errors), errors
