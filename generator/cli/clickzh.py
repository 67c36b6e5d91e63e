"""Click's own messages in Chinese: operators read usage errors in the language of the rest.

Click marks every message it prints for gettext (``from gettext import gettext as _`` in each
of its modules) but ships no catalogues. A gettext catalogue would be chosen by the
operator's locale, which on a government server is often ``C``; so instead :func:`install`
gives Click's modules a ``_`` and an ``ngettext`` that look the English message up in
:data:`MESSAGES` and fall back to it. Placeholders stay as Click formats them. It must run
before the commands are declared, because ``click.Path`` translates its noun (文件/目录/路径)
when it is created. Help headings and the built-in options are bilingual, like gongkai's own
help texts; errors are Chinese.
"""

from __future__ import annotations

import click
import click.core
import click.decorators
import click.exceptions
import click.formatting
import click.parser
import click.termui
import click.types

MESSAGES = {
    # help
    "Usage:": "用法 / Usage:",
    "Options": "选项 / Options",
    "Commands": "命令 / Commands",
    "Positional arguments": "参数 / Arguments",
    "Show this message and exit.": "显示本说明并退出。Show this message and exit.",
    "Show the version and exit.": "显示版本并退出。Show the version and exit.",
    "default: {default}": "默认 / default: {default}",
    "required": "必填 / required",
    "Choose from:\n\t{choices}": "可选 / choose from:\n\t{choices}",
    # errors
    "Error: {message}": "错误：{message}",
    "Aborted!": "已中止。",
    "Try '{command} {option}' for help.": "运行 '{command} {option}' 查看说明。",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing {param_type}": "缺少{param_type}",
    "Missing parameter: {param_name}": "缺少参数：{param_name}",
    "Missing command.": "缺少子命令。",
    "Invalid value: {message}": "取值不对：{message}",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的取值不对：{message}",
    "No such option {name!r}.": "没有这个选项：{name!r}。",
    "No such command {name!r}.": "没有这个子命令：{name!r}。",
    "Option {name!r} does not take a value.": "选项 {name!r} 不带取值。",
    "Option {name!r} requires an argument.": "选项 {name!r} 需要一个取值。",
    "Option {name!r} requires {nargs} arguments.": "选项 {name!r} 需要 {nargs} 个取值。",
    "Got unexpected extra argument ({args})": "多余的参数（{args}）",
    "Got unexpected extra arguments ({args})": "多余的参数（{args}）",
    "Did you mean {possibility}?": "是不是要用 {possibility}？",
    "(Did you mean one of: {possibilities}?)": "（是不是要用其中之一：{possibilities}？）",
    "file": "文件",
    "directory": "目录",
    "path": "路径",
    "{name} {filename!r} does not exist.": "{name} {filename!r} 不存在。",
    "{name} {filename!r} is a file.": "{name} {filename!r} 是文件，这里要一个目录。",
    "{name} {filename!r} is a directory.": "{name} {filename!r} 是目录，这里要一个文件。",
    "{name} {filename!r} is not readable.": "{name} {filename!r} 无法读取（权限不足）。",
    "{name} {filename!r} is not writable.": "{name} {filename!r} 无法写入（权限不足）。",
    "{value!r} is not {choice}.": "{value!r} 不是 {choice}。",
    "{value!r} is not one of {choices}.": "{value!r} 不在可选值 {choices} 之中。",
    "{value!r} is not a valid {number_type}.": "{value!r} 不是有效的 {number_type}。",
    "{value} is not in the range {range}.": "{value} 不在范围 {range} 之内。",
    "{value!r} does not match the format {format}.": "{value!r} 不符合格式 {format}。",
    "{value!r} does not match the formats {formats}.": "{value!r} 不符合格式 {formats} 中的任何一种。",
}

_MODULES = (
    click.core,
    click.decorators,
    click.exceptions,
    click.formatting,
    click.parser,
    click.termui,
    click.types,
)


def gettext(message: str) -> str:
    """The Chinese text for one of Click's messages, or the message itself."""
    return MESSAGES.get(message, message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """Click's plural messages; Chinese has one form, looked up from either."""
    english = singular if count == 1 else plural
    return MESSAGES.get(english, english)


def install() -> None:
    """Give Click's modules the Chinese lookups (idempotent)."""
    for module in _MODULES:
        if hasattr(module, "_"):
            module._ = gettext  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext  # type: ignore[attr-defined]
