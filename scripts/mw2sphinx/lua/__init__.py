"""``{{#invoke:}}`` where the source holds the modules: Scribunto's Lua run here (engine.py).

:func:`invoke` is what the expander calls for one ``#invoke``; the page's Lua state is made
on the first one and kept in the expansion's context. A source with no modules at all (an
export without the Module namespace) keeps ``#invoke`` as a placeholder, as before. A module
that fails, or goes over its limits, gives a visible script error and a ``lua`` warning; the
page goes on.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from ..report import Kind
from ..titles import MODULE
from .engine import Frame, Invocation, LuaUnavailable, PageEngine, ScriptError, unavailable

__all__ = [
    "Frame", "Invocation", "LuaUnavailable", "PageEngine", "ScriptError", "fail", "invoke",
]  # fmt: skip


#: The last wikis asked about, by the identity of their pages (kept alive with them).
_MODULE_WIKIS: dict[int, tuple[object, bool]] = {}


def has_modules(pages: Mapping) -> bool:
    """Whether a wiki's pages include any module (a source without them cannot run one)."""
    known = _MODULE_WIKIS.get(id(pages))
    if known is not None and known[0] is pages:
        return known[1]
    found = any(page.namespace == MODULE for page in pages.values())
    if len(_MODULE_WIKIS) > 4:
        _MODULE_WIKIS.clear()
    _MODULE_WIKIS[id(pages)] = (pages, found)
    return found


def script_error(message: str) -> str:
    """What the page shows for a failed #invoke (as Scribunto does, with the message)."""
    text = message.replace("&", "&amp;").replace("<", "&lt;")
    return f'<strong class="error">Script error: <nowiki>{text}</nowiki></strong>'


def invoke(
    first: str,
    arguments: list[tuple[str | None, str]],
    *,
    ctx,
    params: dict[str, str] | None,
    expand: Callable[[str, dict[str, str] | None], str],
    transclude: Callable[[str, dict[str, str]], str],
    line: int | None,
) -> str | None:
    """One ``{{#invoke:first|function|args…}}``; ``None`` when no Lua can run here.

    ``arguments``: the call's parameters after the module name, (name, raw text) with no
    name for a positional one; ``expand(text, args)`` expands text with those template
    arguments; ``transclude(title, args)`` expands ``{{title|args}}``.
    """
    if ctx.lua is None:
        if unavailable() is not None or not has_modules(ctx.wiki.pages):
            return None  # a placeholder, as for any function we cannot run
        try:
            ctx.lua = PageEngine(ctx.wiki, ctx.namespaces, ctx.title)
        except LuaUnavailable:
            return None
    module_name = expand(first, params).strip()
    module = ctx.namespaces.title(module_name, default_namespace=MODULE)
    if module is None or module.namespace != MODULE:
        return fail(ctx, line, module_name, f'No such module "{module_name}".')
    if not arguments:
        return fail(ctx, line, module.full, "You must specify a function to call.")
    function = expand(arguments[0][1], params).strip()
    frame_args: dict[str, str] = {}
    position = 0
    for name, raw in arguments[1:]:
        if name is None:
            position += 1
            frame_args[str(position)] = expand(raw, params)
        else:
            frame_args[expand(name, params).strip()] = expand(raw, params).strip()
    parent_title = ctx.stack[-1] if ctx.stack else ctx.title.full
    call = Invocation(
        module=module,
        function=function,
        frame=Frame(module.full, frame_args, lambda text: expand(text, frame_args)),
        parent=Frame(parent_title, dict(params or {}), lambda text: expand(text, params)),
        transclude=transclude,
        link=ctx.result.links.add,
        transcluded=ctx.result.transcluded.add,
    )
    try:
        return ctx.lua.invoke(call)
    except ScriptError as error:
        return fail(ctx, line, module.full, str(error))


def fail(ctx, line: int | None, module: str, message: str) -> str:
    """A script error where the #invoke stands, and a ``lua`` warning."""
    if not message.startswith(module + ":"):
        message = f"{module}: {message}"
    ctx.warn(Kind.LUA, f"Lua error in {message}", line)
    return script_error(message)
