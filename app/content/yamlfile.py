"""YAML loading that remembers the line of every mapping key and sequence item."""

from __future__ import annotations

from typing import Any

import yaml


class LineDict(dict):
    """A mapping from YAML that knows its own line and the line of each key."""

    line: int = 0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.key_lines: dict[Any, int] = {}
        self.duplicates: list[tuple[Any, int]] = []

    def line_of(self, key: Any) -> int:
        """Return the line of ``key``, or of the mapping when the key is absent."""
        return self.key_lines.get(key, self.line)


class LineList(list):
    """A sequence from YAML that knows its own line and the line of each item."""

    line: int = 0

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.item_lines: list[int] = []

    def line_of(self, index: int) -> int:
        """Return the line of item ``index``, or of the sequence."""
        if 0 <= index < len(self.item_lines):
            return self.item_lines[index]
        return self.line


class YAMLProblem(Exception):
    """Raised for a document that is not valid YAML, with the line it broke on."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


# libyaml's parser when it is there (several times faster); the constructors stay ours.
BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class LineLoader(BaseLoader):
    """A safe loader building ``LineDict``/``LineList`` with lines shifted by ``offset``."""

    offset = 0

    def node_line(self, node: yaml.Node) -> int:
        """Return the 1-based line of ``node`` in the whole file."""
        return node.start_mark.line + 1 + self.offset


def construct_mapping(loader: LineLoader, node: yaml.MappingNode):
    """Build a ``LineDict``, recording key lines and duplicate keys."""
    data = LineDict()
    data.line = loader.node_line(node)
    yield data
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping",
                node.start_mark,
                "found an unhashable key",
                key_node.start_mark,
            ) from None
        if key in data.key_lines:
            data.duplicates.append((key, loader.node_line(key_node)))
        data[key] = loader.construct_object(value_node, deep=True)
        data.key_lines[key] = loader.node_line(key_node)


def construct_sequence(loader: LineLoader, node: yaml.SequenceNode):
    """Build a ``LineList``, recording the line of each item."""
    data = LineList()
    data.line = loader.node_line(node)
    yield data
    for child in node.value:
        data.append(loader.construct_object(child, deep=True))
        data.item_lines.append(loader.node_line(child))


LineLoader.add_constructor("tag:yaml.org,2002:map", construct_mapping)
LineLoader.add_constructor("tag:yaml.org,2002:seq", construct_sequence)


def load_yaml(text: str, offset: int = 0) -> Any:
    """Parse ``text`` into plain data with line numbers; raise ``YAMLProblem`` if it is not YAML.

    ``offset`` is added to every line (front matter starts below the ``---``).
    """
    loader = LineLoader(text)
    loader.offset = offset
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 + offset if mark is not None else None
        reason = exc.problem or exc.context or "it cannot be parsed"
        raise YAMLProblem(f"invalid YAML: {reason}", line) from None
    except yaml.YAMLError as exc:
        raise YAMLProblem(f"invalid YAML: {exc}", None) from None
    finally:
        loader.dispose()
