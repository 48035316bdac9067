"""A work's whole credits as a Markdown or HTML fragment: every contributor, then the attribution.

The same content as ``Credits.as_text`` followed by the TASL attribution
(``lineage.attribution``): a heading, one row per contributor (share, generation,
a few of their works and how many more, retracted ones marked), and the
attribution paragraph. Text is escaped in both renderings.
"""

from __future__ import annotations

import html

from lineage.attribution import attribution_html, attribution_markdown, escape_markdown
from lineage.credits import WORKS_SHOWN, Credits, works_listed
from lineage.graph import LineageGraph

__all__ = ["credits_html", "credits_markdown"]


def credits_markdown(
    lineage: LineageGraph, credits: Credits, *, works_shown: int | None = WORKS_SHOWN
) -> str:
    """The credits as a Markdown table under a heading, then the attribution paragraph."""
    lines = [
        f'## Credits for "{escape_markdown(credits.title)}" ({escape_markdown(credits.policy)})',
        "",
        "| contributor | share | generation | works |",
        "|---|---:|---:|---|",
    ]
    for credit in credits:
        works = works_listed(
            credit.works, works_shown, lambda work: f'"{escape_markdown(work.title)}"'
        )
        lines.append(
            f"| {escape_markdown(credit.display_name)} | {credit.percent}% | {credit.distance}"
            f" | {works} |"
        )
    attribution = attribution_markdown(lineage, credits.work_id, as_of=credits.position)
    lines += ["", f"Attribution: {attribution}"]
    return "\n".join(lines)


def credits_html(
    lineage: LineageGraph, credits: Credits, *, works_shown: int | None = WORKS_SHOWN
) -> str:
    """The credits as an HTML table with a caption, then the attribution paragraph."""
    rows = []
    for credit in credits:
        works = works_listed(
            credit.works, works_shown, lambda work: f"<cite>{html.escape(work.title)}</cite>"
        )
        rows.append(
            f"<tr><td>{html.escape(credit.display_name)}</td><td>{credit.percent}%</td>"
            f"<td>{credit.distance}</td><td>{works}</td></tr>"
        )
    caption = (
        f"Credits for <cite>{html.escape(credits.title)}</cite> ({html.escape(credits.policy)})"
    )
    return "\n".join(
        [
            '<table class="credits">',
            f"<caption>{caption}</caption>",
            "<thead><tr><th>contributor</th><th>share</th><th>generation</th>"
            "<th>works</th></tr></thead>",
            "<tbody>",
            *rows,
            "</tbody>",
            "</table>",
            attribution_html(lineage, credits.work_id, as_of=credits.position),
        ]
    )
