"""Credits, family trees and provenance over HTTP, from the server's live lineage graph."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET

import pytest

from tests.service.http.conftest import Api


def _chain(api: Api) -> int:
    ana, ben, cat = api.member("ana"), api.member("ben"), api.member("cat")
    api.work(ana, "Story", external_id="s1", license="CC-BY-4.0")
    api.work(ben, "Drawing", external_id="d1", sources=[{"work": "s1", "relation": "illustration"}])
    last = api.work(
        cat, "Film", external_id="f1", sources=[{"work": "d1", "relation": "adaptation"}]
    )
    return int(last["position"])


def test_credits_name_every_ancestor_with_external_ids_and_exact_shares(api: Api) -> None:
    position = _chain(api)
    body = api.get(f"/api/works/f1/credits?after={position}").json()
    assert body["work"]["external_id"] == "f1" and body["position"] >= position
    assert [c["handle"] for c in body["credits"]] == ["cat", "ben", "ana"]
    assert [c["share"]["fraction"] for c in body["credits"]] == ["1/2", "1/4", "1/4"]
    assert body["credits"][2]["works"][0]["external_id"] == "s1"
    equal = api.get("/api/works/f1/credits?policy=decay&param=r=1/3").json()
    assert equal["credits"][0]["share"]["fraction"] == "2/3"
    past = api.get("/api/works/d1/credits?as_of=1").status_code
    assert past == 404  # the drawing did not exist at position 1


def test_credits_render_as_text_markdown_and_html(api: Api) -> None:
    _chain(api)
    text = api.get("/api/works/f1/credits?format=text")
    assert text.headers["content-type"].startswith("text/plain") and "Credits for" in text.text
    assert (
        api.get("/api/works/f1/credits?format=md")
        .headers["content-type"]
        .startswith("text/markdown")
    )
    html = api.get("/api/works/f1/credits?format=html")
    assert html.headers["content-type"].startswith("text/html") and "<" in html.text
    bad = api.get("/api/works/f1/credits?policy=decay&param=r=7")
    assert bad.status_code == 422 and bad.json()["type"].endswith(":invalid-policy")
    assert api.get("/api/works/f1/credits?param=nonsense").status_code == 422


def test_trees_come_as_json_graphml_and_dot_with_limits(api: Api) -> None:
    _chain(api)
    tree = api.get("/api/works/d1/tree?format=json&up=0&down=1").json()
    titles = sorted(node.get("title") for node in tree["nodes"])
    assert titles == ["+1 more ancestor", "Drawing", "Film"]
    graphml = api.get("/api/works/d1/tree?format=graphml")
    assert graphml.headers["content-type"] == "application/graphml+xml"
    ET.fromstring(graphml.content)
    dot = api.get("/api/works/d1/tree?format=dot").text
    assert dot.startswith("digraph") and "/api/works/" in dot
    assert api.get("/api/works/d1/tree?max_nodes=501").status_code == 422
    assert api.get("/api/works/d1/tree?format=pdf").status_code == 422
    assert api.get("/api/works/d1/tree?up=-1").status_code == 422


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_trees_draw_as_svg_and_png(api: Api) -> None:
    _chain(api)
    svg = api.get("/api/works/d1/tree?format=svg")
    assert svg.headers["content-type"] == "image/svg+xml" and b"<svg" in svg.content
    png = api.get("/api/works/d1/tree?format=png")
    assert png.content.startswith(b"\x89PNG")


def test_provenance_is_prov_json(api: Api) -> None:
    _chain(api)
    document = api.get("/api/works/f1/provenance").json()
    assert len(document["entity"]) == 3 and len(document["wasDerivedFrom"]) == 2
    json.dumps(document)


def test_a_kept_credits_answer_follows_every_change_to_the_lineage(api: Api) -> None:
    """Credits are kept between requests until a lineage event, never past one."""
    _chain(api)
    first = api.get("/api/works/f1/credits").json()
    ana = api.services.ledger.find_member("ana")
    voter = api.member("voter")
    voted = api.put("/api/works/f1/vote", json={"value": 1}, headers=voter.auth).json()
    after_vote = api.get(f"/api/works/f1/credits?after={voted['position']}").json()
    assert after_vote["credits"] == first["credits"]
    assert after_vote["position"] >= voted["position"] > first["position"]
    version = api.services.lineage.version
    changed = api.services.ledger.set_credit_preference(ana, "pseudonym", pseudonym="Owl")
    renamed = api.get(f"/api/works/f1/credits?after={changed.position}").json()
    assert api.services.lineage.version == version + 1
    assert [c["credited_as"] for c in renamed["credits"]][-1] == "Owl"
