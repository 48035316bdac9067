"""The pages over HTTP (TestClient): what they show, their headers, errors, escaping, CSV."""

from __future__ import annotations

import csv
import html
import io
import re
import xml.etree.ElementTree as ET
from decimal import Decimal
from typing import Any

import pytest
from markupsafe import escape

from lineage.render import dot_available
from service.web import works
from service.web.templating import CONTENT_SECURITY_POLICY
from tests.service.web.conftest import Api, Member

HOSTILE_TITLES = [
    "<img src=x onerror=alert(1)>",
    '<script>alert("boo")</script>',
    "\"><svg onload=alert(1)> & 'quotes' ]]> <!--",
]
SVG = "{http://www.w3.org/2000/svg}"
needs_dot = pytest.mark.skipif(not dot_available(), reason="Graphviz `dot` is not installed")


def settled(api: Api) -> None:
    """Wait until the read models include every write so far (pages read them)."""
    ledger = api.services.ledger
    api.services.read_models.projector.wait(ledger.head, timeout=10)


def page(api: Api, url: str, status: int = 200) -> str:
    response = api.get(url)
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    text: str = response.text
    assert "Traceback" not in text
    return text


def tree_of(text: str) -> ET.Element:
    found = re.search(r"<svg\b.*?</svg>", text, re.DOTALL)
    assert found is not None, "the page has no inline SVG"
    return ET.fromstring(found.group(0))


def test_a_hostile_title_body_and_uri_are_text_everywhere(api: Api) -> None:
    ana = api.member("ana")
    first = api.work(
        ana,
        HOSTILE_TITLES[0],
        body="<script>alert(1)</script>",
        uri="javascript:alert(1)",
        license="<b>CC</b>",
    )
    second = api.work(
        ana, HOSTILE_TITLES[1], sources=[{"work": first["work_id"], "relation": "remix"}]
    )
    third = api.work(
        ana, HOSTILE_TITLES[2], sources=[{"work": second["work_id"], "relation": "remix"}]
    )
    settled(api)
    for work, title in zip((first, second, third), HOSTILE_TITLES, strict=True):
        text = page(api, f"/works/{work['work_id']}")
        # The pages have no script of their own: any <script is an injection.
        assert "<script" not in text.lower()
        assert "<img" not in text.lower()
        assert not re.search(r"(href|src)=\"\s*javascript", text, re.IGNORECASE)
        assert "onerror=" not in text.replace("onerror=alert(1)&gt;", "")
        assert f"<h1>{escape(title)}</h1>" in text
    # The javascript: URI is shown, not linked.
    assert "<span>javascript:alert(1)</span>" in page(api, f"/works/{first['work_id']}")
    home = page(api, "/?q=onerror")
    assert "<img" not in home.lower() and str(escape(HOSTILE_TITLES[0])) in home


@needs_dot
def test_the_family_tree_svg_keeps_hostile_titles_as_text_and_links_only_to_works(
    api: Api,
) -> None:
    ana = api.member("ana")
    ids = []
    sources: list[dict[str, Any]] = []
    for title in HOSTILE_TITLES:
        work = api.work(ana, title, sources=sources)
        ids.append(work["work_id"])
        sources = [{"work": work["work_id"], "relation": "remix"}]
    settled(api)
    svg = tree_of(page(api, f"/works/{ids[1]}"))
    allowed = {"svg", "g", "title", "polygon", "polyline", "path", "ellipse", "text", "a"}
    titles = {}
    for element in svg.iter():
        assert element.tag.startswith(SVG) and element.tag[len(SVG) :] in allowed
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on") and name != "style"
            if name.endswith("href"):
                assert re.fullmatch(r"/works/[0-9a-f-]{36}", value), value
        if element.tag == f"{SVG}g" and element.get("class") == "node":
            title = element.find(f"{SVG}title")
            assert title is not None
            titles[element.get("id")] = title.text
    assert titles == {
        ids[0]: f"{HOSTILE_TITLES[0]} by ana",
        ids[1]: f"{HOSTILE_TITLES[1]} by ana (this work)",
        ids[2]: f"{HOSTILE_TITLES[2]} by ana",
    }
    shown = "".join(svg.itertext())
    assert "<img src=x onerror=alert(1)>" in shown  # drawn as text, never as markup


def test_an_unknown_work_member_or_production_is_an_html_404_page(api: Api) -> None:
    for url in ("/works/no-such-work", "/members/nobody", "/productions/none"):
        text = page(api, url, 404)
        assert "<h1>Not found</h1>" in text
        assert 'class="error"' in text


def test_bad_query_values_are_an_html_error_page_not_problem_json(api: Api) -> None:
    ana = api.member("ana")
    work = api.work(ana)
    assert "beyond the log" in page(api, f"/works/{work['work_id']}?as_of=999999", 422)
    assert "as_of" in page(api, f"/works/{work['work_id']}?as_of=yesterday", 422)
    assert "not one of" in page(api, f"/works/{work['work_id']}?policy=greedy", 422)
    assert "up" in page(api, f"/works/{work['work_id']}?up=-1", 422)
    assert "not one of" in page(api, "/audit?type=Exploded", 422)


def test_every_page_sends_the_content_security_policy(api: Api) -> None:
    ana = api.member("ana")
    work = api.work(ana)
    settled(api)
    for url in ("/", f"/works/{work['work_id']}", "/members/ana", "/audit"):
        text = page(api, url)
        assert '<meta name="viewport"' in text
        # No inline style either: the policy would refuse it.
        assert " style=" not in text and "<style" not in text
    css = api.get("/static/site.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")


def test_a_page_as_of_a_past_position_shows_the_work_as_it_was(api: Api) -> None:
    ana = api.member("ana")
    story = api.work(ana, "Story")
    then = story["position"]
    remix = api.work(ana, "Remix", sources=[{"work": story["work_id"], "relation": "remix"}])
    settled(api)
    now = page(api, f"/works/{story['work_id']}")
    past = page(api, f"/works/{story['work_id']}?as_of={then}")
    assert f'href="/works/{remix["work_id"]}"' in now
    assert f'href="/works/{remix["work_id"]}' not in past
    assert f"As of position {then}" in past
    assert "Nobody has built on it yet." in past
    # The remix did not exist yet then.
    page(api, f"/works/{remix['work_id']}?as_of={then}", 404)


def production_with_revenue(api: Api, curator: Member, works: list[str], amount: str) -> str:
    created = api.post("/api/productions", json={"title": "Volume 1"}, headers=curator.auth)
    assert created.status_code == 201, created.text
    production = created.json()["production_id"]
    for path, body in (
        ("works", {"works": works}),
        ("publication", None),
        ("revenue", {"amount": amount, "currency": "USD"}),
    ):
        response = api.post(
            f"/api/productions/{production}/{path}", json=body, headers=curator.auth
        )
        assert response.status_code in (200, 201), response.text
    return str(production)


def test_a_statement_downloads_as_csv_to_the_cent_with_formulas_defused(api: Api) -> None:
    response = api.post("/api/members", json={"handle": "sly", "name": "=HYPERLINK(evil)"})
    assert response.status_code == 201
    sly = Member(response.json()["member_id"], "sly", response.json()["token"])
    ana = api.member("ana")
    story = api.work(sly, "Story")
    remix = api.work(ana, "Remix", sources=[{"work": story["work_id"], "relation": "remix"}])
    curator = api.curator("cora")
    production = production_with_revenue(api, curator, [remix["work_id"]], "100.01")
    settled(api)
    text = page(api, f"/productions/{production}")
    assert f'href="/productions/{production}/statements/1.csv"' in text
    assert "100.01 USD earned" in text
    download = api.get(f"/productions/{production}/statements/1.csv")
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    assert "attachment" in download.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(download.text)))
    # The pool is 50% of 100.01 = 50.00 (50.005 rounded to the cent by largest remainder).
    assert sum(Decimal(row["amount"]) for row in rows) == Decimal("50.00")
    by_handle = {row["handle"]: row for row in rows}
    assert set(by_handle) == {"sly", "ana"}
    assert by_handle["sly"]["credited_as"] == "'=HYPERLINK(evil)"
    assert f"{by_handle['ana']['amount']} USD" in text


def test_the_audit_trail_filters_by_work_member_and_event_type(api: Api) -> None:
    ana = api.member("ana")
    bo = api.member("bo")
    story = api.work(ana, "Story")
    api.work(bo, "Other")
    api.work(bo, "Remix", sources=[{"work": story["work_id"], "relation": "remix"}])
    settled(api)

    def rows(url: str) -> list[list[str]]:
        text = page(api, url)
        body = text.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
        return [
            [
                html.unescape(re.sub(r"<[^>]+>", "", cell))
                for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)
            ]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
        ]

    everything = rows("/audit")
    assert [row[2] for row in everything] == [
        "Registered",
        "Registered",
        "Contributed",
        "Contributed",
        "Remixed",
    ]
    assert [int(row[0]) for row in everything] == sorted(int(row[0]) for row in everything)
    assert [row[2] for row in rows("/audit?type=Remixed")] == ["Remixed"]
    about_story = rows(f"/audit?work={story['work_id']}")
    assert [row[2] for row in about_story] == ["Contributed", "Remixed"]
    # (Issuing bo's token is left out: the operator's bookkeeping, hashes only.)
    assert [row[2] for row in rows("/audit?member=bo")] == ["Registered", "Contributed", "Remixed"]
    assert [row[2] for row in rows("/audit?member=bo&type=Remixed")] == ["Remixed"]


def works_section(text: str) -> str:
    return text.split('id="works-h"', 1)[1].split("</section>", 1)[0]


def test_the_member_page_lists_works_credits_received_and_pages_on(api: Api) -> None:
    ana = api.member("ana")
    bo = api.member("bo")
    ledger = api.services.ledger
    for number in range(51):
        ledger.contribute(
            authors=[ana.member_id and ledger.find_member("ana")], title=f"Tale {number}"
        )
    story = api.work(ana, "The Story")
    remix = api.work(bo, "Remix", sources=[{"work": story["work_id"], "relation": "remix"}])
    production_with_revenue(api, api.curator("cora"), [remix["work_id"]], "10.00")
    settled(api)
    text = works_section(page(api, "/members/ana"))
    assert "52 works, newest first (1\u201350)" in text
    assert 'href="/members/ana?works_from=50"' in text
    assert "Tale 0" not in text and "Tale 50" in text
    older = works_section(page(api, "/members/ana?works_from=50"))
    assert "Tale 0" in older and "The Story" not in older
    # ana made the source of bo's remix: half of it under decay(1/2), 2.50 of the 5.00 pool.
    credits = page(api, "/members/ana").split('id="credits-h"', 1)[1]
    assert "50.00%" in credits and "2.50 USD" in credits


def test_a_long_lineage_links_its_attribution_instead_of_inlining_it(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    ana = api.member("ana")
    story = api.work(ana, "Story", license="CC-BY-4.0")
    remix = api.work(ana, "Remix", sources=[{"work": story["work_id"], "relation": "remix"}])
    settled(api)
    inline = page(api, f"/works/{remix['work_id']}")
    assert '<textarea id="tasl" readonly' in inline
    assert "remixed from &#34;Story&#34; by ana" in inline

    monkeypatch.setattr(works, "ATTRIBUTION_WORKS", 1)
    linked = page(api, f"/works/{remix['work_id']}?as_of={remix['position']}")
    assert "<textarea" not in linked
    link = f"/works/{remix['work_id']}/attribution.txt?as_of={remix['position']}"
    assert f'href="{link}"' in linked
    text = api.get(link)
    assert text.status_code == 200 and text.headers["content-type"].startswith("text/plain")
    assert text.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert 'remixed from "Story" by ana' in text.text


def test_the_home_page_ranks_and_finds_works_as_of_a_past_position(api: Api) -> None:
    ana = api.member("ana")
    early = api.work(ana, "Early bird")
    late = api.work(ana, "Late owl")
    settled(api)
    now = page(api, "/")
    assert f'href="/works/{early["work_id"]}"' in now and f'href="/works/{late["work_id"]}"' in now
    then = page(api, f"/?as_of={early['position']}&q=o")
    assert f'href="/works/{early["work_id"]}"' in then
    assert f'href="/works/{late["work_id"]}"' not in then
    assert "Titles with “o”" in then


def test_a_what_if_statement_on_the_production_page_is_labelled_as_one(api: Api) -> None:
    ana = api.member("ana")
    story = api.work(ana, "Story")
    curator = api.curator("cora")
    production = production_with_revenue(api, curator, [story["work_id"]], "10.00")
    issued = api.post(f"/api/productions/{production}/statements", json={}, headers=curator.auth)
    assert issued.status_code == 200, issued.text
    settled(api)
    own = page(api, f"/productions/{production}")
    assert f"Statement #1 (issued at position {issued.json()['position']})" in own
    what_if = page(api, f"/productions/{production}?policy=equal")
    assert "Statement #1 (what if, under equal: never issued;" in what_if
    assert "(issued at" not in what_if
    assert "statements/1.csv" not in what_if  # the download is the issued statement


def test_the_pages_and_the_api_take_a_plain_date_as_of(api: Api) -> None:
    from datetime import UTC, datetime

    ana = api.member("ana")
    story = api.work(ana, "Story")["work_id"]
    settled(api)
    today = datetime.now(UTC).date().isoformat()
    assert "Story" in page(api, f"/works/{story}?as_of={today}")
    page(api, f"/works/{story}?as_of=2000-01-01", status=404)
    credits = api.get(f"/api/works/{story}/credits?as_of={today}")
    assert credits.status_code == 200, credits.text
    assert api.get(f"/api/works/{story}/credits?as_of=2000-01-01").status_code in (404, 422)
