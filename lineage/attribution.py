"""Attribution text for a work and its ancestors: Title, Author, Source, Licence (TASL).

The form Creative Commons recommends, one clause per work, the published work
first, then each ancestor (nearest generation first) with how it was used::

    "The Lighthouse, Retold" by Sam Whitcombe (source: rec-0107), no licence stated;
    adapted from "The Lighthouse, a Comic Strip" by Jun Park (source:
    https://example.org/art/21.png), licensed CC-BY-SA-4.0; ...

An ancestor's relation is the one on its citation along a shortest path to the
published work; an ancestor more than one generation away also says which work
used it ("by way of ..."). The source is the work's URI, else its external id,
else its id. Authors are credited by their credit preference at ``as_of``; a
member who asked for no credit is "Anonymous".

Three renderings of the same clauses: plain text, Markdown (text escaped; only
http(s) URIs and Creative Commons licences become links) and HTML (escaped, the
same links, titles in ``<cite>``).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

from lineage.ancestry import Ancestry
from lineage.credits import ANONYMOUS
from lineage.graph import LineageGraph

__all__ = [
    "TASL",
    "attribution_html",
    "attribution_markdown",
    "attribution_text",
    "escape_markdown",
    "tasl_entries",
]

_PHRASES = {
    "remix": "remixed from",
    "illustration": "an illustration of",
    "adaptation": "adapted from",
    "translation": "translated from",
    "audio": "an audio version of",
    "edit": "edited from",
    "inspiration": "inspired by",
}
_CC = re.compile(r"CC-(BY(?:-NC)?(?:-ND|-SA)?)-(\d\.\d)", re.IGNORECASE)
_CC0 = re.compile(r"CC0-1\.0", re.IGNORECASE)
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&])")


@dataclass(frozen=True, slots=True)
class TASL:
    """One work's attribution: title, authors (as credited), source, licence, and use."""

    work_id: UUID
    title: str
    authors: tuple[str, ...]
    source: str
    licence: str | None
    relation: str | None
    via: str | None


def tasl_entries(lineage: LineageGraph, work_id: UUID, as_of: int | None = None) -> list[TASL]:
    """The work's TASL entry, then one per ancestor, nearest generation first."""
    ancestry = Ancestry(lineage, work_id, as_of)
    works = sorted(ancestry.order, key=lambda w: (ancestry.distance[w], ancestry.sort_key(w)))
    return [_entry(ancestry, work) for work in works]


def _entry(ancestry: Ancestry, work: UUID) -> TASL:
    node = ancestry.node(work)
    names: list[str] = []
    for author in ancestry.authors(work):
        name = ancestry.lineage.contributor(author, ancestry.as_of).credited_as or ANONYMOUS
        name = _one_line(name)
        if name not in names:
            names.append(name)
    relation = via = None
    if work != ancestry.seed:
        # The derived work on a shortest path to the published one says how it was used.
        user = min(
            ancestry.derived[work], key=lambda w: (ancestry.distance[w], ancestry.sort_key(w))
        )
        relation = ancestry.relation(work, user)
        via = None if user == ancestry.seed else _one_line(ancestry.title(user))
    source = node["uri"] or node["external_id"] or str(work)
    licence = node["license"] and _one_line(node["license"])
    return TASL(
        work, _one_line(node["title"]), tuple(names), _one_line(source), licence, relation, via
    )


def _one_line(text: str) -> str:
    # A line break in a title must not start a Markdown heading or list item.
    return " ".join(text.split())


def attribution_text(lineage: LineageGraph, work_id: UUID, as_of: int | None = None) -> str:
    """The attribution as one line of plain text."""
    return _render(tasl_entries(lineage, work_id, as_of), _TEXT)


def attribution_markdown(lineage: LineageGraph, work_id: UUID, as_of: int | None = None) -> str:
    """The attribution as one Markdown paragraph, with escaped text and safe links."""
    return _render(tasl_entries(lineage, work_id, as_of), _MARKDOWN)


def attribution_html(lineage: LineageGraph, work_id: UUID, as_of: int | None = None) -> str:
    """The attribution as one HTML paragraph, escaped, titles in ``<cite>``."""
    inner = _render(tasl_entries(lineage, work_id, as_of), _HTML)
    return f'<p class="attribution">{inner}</p>'


@dataclass(frozen=True, slots=True)
class _Format:
    escape: Callable[[str], str]
    title: Callable[[str], str]
    link: Callable[[str, str], str]


_TEXT = _Format(str, lambda title: f'"{title}"', lambda text, url: text)


def escape_markdown(text: str) -> str:
    """Text that Markdown shows as it is (no emphasis, links, tables or HTML)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


_MARKDOWN = _Format(
    escape_markdown,
    lambda title: f'"{title}"',
    lambda text, url: f"[{text}](<{url.replace('<', '%3C').replace('>', '%3E')}>)",
)
_HTML = _Format(
    html.escape,
    lambda title: f"<cite>&quot;{title}&quot;</cite>",
    lambda text, url: f'<a href="{html.escape(url)}">{text}</a>',
)


def _render(entries: list[TASL], fmt: _Format) -> str:
    clauses = []
    for entry in entries:
        title = fmt.title(fmt.escape(entry.title))
        authors = _join([fmt.escape(name) for name in entry.authors])
        source = fmt.escape(entry.source)
        if _is_web(entry.source):
            source = fmt.link(source, entry.source)
        clause = f"{title} by {authors} (source: {source}), {_licence(entry.licence, fmt)}"
        if entry.relation is not None:
            phrase = _PHRASES.get(entry.relation, f"{entry.relation} of")
            clause = f"{fmt.escape(phrase)} {clause}"
        if entry.via is not None:
            clause += f", by way of {fmt.title(fmt.escape(entry.via))}"
        clauses.append(clause)
    return "; ".join(clauses)


def _licence(licence: str | None, fmt: _Format) -> str:
    if not licence:
        return "no licence stated"
    url = _licence_url(licence)
    text = fmt.escape(licence)
    return f"licensed {fmt.link(text, url) if url else text}"


def _licence_url(licence: str) -> str | None:
    """The deed of a Creative Commons licence named by its SPDX id, if it is one."""
    if _CC0.fullmatch(licence):
        return "https://creativecommons.org/publicdomain/zero/1.0/"
    match = _CC.fullmatch(licence)
    if match is None:
        return None
    return f"https://creativecommons.org/licenses/{match[1].lower()}/{match[2]}/"


def _is_web(uri: str) -> bool:
    # Only http(s) become links: a javascript: or data: URI must never be clickable.
    return re.match(r"https?://[^\s]+\Z", uri, re.IGNORECASE) is not None


def _join(names: list[str]) -> str:
    if len(names) <= 2:
        return " and ".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]
