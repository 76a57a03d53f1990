"""Shell words: a RUN's script split into simple commands in one left-to-right pass, and
the places in a command where a program runs one of its subcommands.

Nothing here costs more than linear time in the script: every pattern's alternatives start
with different characters (or fail at once) and a quote left open runs to the end, so no
match backtracks; commands are matched word by word, never with a backtracking regex.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection

_TOKEN = re.compile(
    r"(?P<redirect>[0-9]*(?:[<>]+&?|&>+))"
    r"|(?P<op>&&|\|\||[;&|()\n])"
    r"|(?P<comment>#[^\n]*)"
    r"""|(?P<word>(?:[^\s'"\\;&|()<>]|\\.?|'[^']*'?|"(?:[^"\\]|\\.?)*"?)+)""",
    re.DOTALL,
)
_QUOTED = re.compile(r"""'([^']*)'?|"((?:[^"\\]|\\.?)*)"?|\\(.?)""", re.DOTALL)
_ESCAPED_IN_DOUBLE_QUOTES = re.compile(r'\\([$`"\\\n])')
# A shell word with its quotes kept (for the words of an instruction's line).
RAW_WORD = re.compile(r"""(?:[^\s'"\\]|\\.?|'[^']*'?|"(?:[^"\\]|\\.?)*"?)+""", re.DOTALL)
SHELLS = frozenset({"sh", "bash", "ash", "dash", "zsh", "ksh"})
# pip3, pip3.12: pip.
_PIP = re.compile(r"pip[0-9.]*")


def unquote(word: str) -> str:
    if "'" not in word and '"' not in word and "\\" not in word:
        return word
    return _QUOTED.sub(_unquoted, word)


def _unquoted(match: re.Match[str]) -> str:
    if match[1] is not None:
        return match[1]
    if match[2] is not None:
        return _ESCAPED_IN_DOUBLE_QUOTES.sub(r"\1", match[2])
    return match[3]


def commands(script: str, depth: int = 0) -> list[list[str]]:
    """The simple commands of a shell script, each as its words with the quotes removed
    (redirections and their targets left out); the script of a `sh -c SCRIPT` follows its
    command, three levels deep at most."""
    found = []
    words: list[str] = []
    target = False  # the next word is a redirection's file (or a heredoc's name)
    for token in _TOKEN.finditer(script.replace("\\\n", "")):
        kind = token.lastgroup
        if kind == "word":
            if target:
                target = False
            else:
                words.append(unquote(token[0]))
        elif kind == "redirect":
            target = True
        elif kind == "op":
            target = False
            if words:
                found.append(words)
                words = []
    if words:
        found.append(words)
    return with_inner_scripts(found, depth)


def with_inner_scripts(found: list[list[str]], depth: int) -> list[list[str]]:
    if depth >= 3:
        return found
    result = []
    for words in found:
        result.append(words)
        shell = False
        for index, word in enumerate(words[:-1]):
            if program(word) in SHELLS:
                shell = True
            elif shell and word.startswith("-") and not word.startswith("--") and "c" in word:
                result += commands(words[index + 1], depth + 1)
                break
    return result


def exec_form(text: str) -> list[str] | None:
    """["pip", "install", ...] as its words; None for the shell form."""
    if not text.startswith("["):
        return None
    try:
        words = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if not isinstance(words, list) or not words or not all(isinstance(w, str) for w in words):
        return None
    return words


def program(word: str) -> str:
    """The command a word names: its file name, pip3 and pip3.12 read as pip."""
    name = word.rsplit("/", 1)[-1]
    return "pip" if name.startswith("pip") and _PIP.fullmatch(name) else name


def invocations(
    words: list[str],
    programs: Collection[str],
    actions: Collection[str],
    through: Collection[str] = (),
) -> list[int]:
    """Where in words one of programs runs one of actions: `pip install`, `pip --python X
    install`, `uv pip install`, `conda env create`. Between them may come options, each with
    at most one value, and `through` words. One pass from the right, whatever the options."""
    reaches = [False] * (len(words) + 2)  # from here, options lead to an action
    found = []
    for index in range(len(words) - 1, -1, -1):
        word = words[index]
        if reaches[index + 1] and program(word) in programs:
            found.append(index)
        reaches[index] = (
            word in actions
            or (word in through and reaches[index + 1])
            or (word.startswith("-") and (reaches[index + 1] or reaches[index + 2]))
        )
    return found[::-1]


def values(words: list[str], flags: Collection[str], start: int = 0) -> list[str]:
    """What is given to flags in words[start:]: `-r FILE`, `--requirement FILE` or
    `--requirement=FILE`."""
    found = []
    for index in range(start, len(words)):
        word = words[index]
        if word in flags:
            if index + 1 < len(words):
                found.append(words[index + 1])
        elif word.startswith("--"):
            flag, equals, value = word.partition("=")
            if equals and flag in flags:
                found.append(value)
    return found


def operands(words: list[str], start: int) -> list[str]:
    """The words after words[start] that are not options."""
    return [word for word in words[start + 1 :] if not word.startswith("-")]
