"""Read YAML while remembering where every value came from, so errors can name file and line."""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Tuple, Union

import yaml

PathKey = Tuple[Union[str, int], ...]


class ContentError(Exception):
    """A problem in a content file, located by file, path inside it and line."""

    def __init__(self, file: Path, path: PathKey, line: int, message: str):
        super().__init__(message)
        self.file, self.path, self.line, self.message = file, path, line, message

    def __str__(self) -> str:
        where = format_path(self.path)
        return f"{self.file}:{self.line}: {where + ': ' if where else ''}{self.message}"


@dataclass
class YamlDocument:
    file: Path
    data: Any
    lines: Dict[PathKey, int] = field(default_factory=dict)
    duplicate_keys: List[Tuple[PathKey, int]] = field(default_factory=list)

    def line_of(self, path: PathKey) -> int:
        """The line of `path`, or of its nearest ancestor that has one."""
        path = tuple(path)
        while path and path not in self.lines:
            path = path[:-1]
        return self.lines.get(path, 1)

    def error(self, path: PathKey, message: str) -> ContentError:
        return ContentError(self.file, tuple(path), self.line_of(path), message)


def format_path(path: PathKey) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def load_yaml(file: Path) -> YamlDocument:
    """Parse one file; malformed YAML raises ContentError with the line PyYAML points at."""
    try:
        text = Path(file).read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise ContentError(Path(file), (), 1, f"not UTF-8 text ({error.reason})") from None
    try:
        loader = yaml.SafeLoader(text)
    except yaml.reader.ReaderError as error:  # a control character, anywhere in the file
        line = text.count("\n", 0, error.position) + 1
        raise ContentError(
            Path(file),
            (),
            line,
            f"character U+{error.character:04X} is not allowed in YAML (delete it; it is often invisible)",
        ) from None
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        line = mark.line + 1 if mark else 1
        problem = getattr(error, "problem", None) or str(error)
        raise ContentError(Path(file), (), line, f"YAML syntax error: {problem}") from None
    finally:
        loader.dispose()
    document = YamlDocument(Path(file), data)
    if node is not None:
        _record_lines(node, (), document)
    return document


def _record_lines(node: yaml.Node, path: PathKey, document: YamlDocument) -> None:
    document.lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen = set()
        for key_node, value_node in node.value:
            key = key_node.value
            line = key_node.start_mark.line + 1
            if key in seen:
                document.duplicate_keys.append((path + (key,), line))
            seen.add(key)
            document.lines[path + (key,)] = line
            _record_lines(value_node, path + (key,), document)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            document.lines[path + (index,)] = item.start_mark.line + 1
            _record_lines(item, path + (index,), document)
