"""Credits and attribution text: who is credited, how, at what distance, with what share."""

from __future__ import annotations

import gc
import json
import sys
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from uuid import uuid4

import pytest
from hypothesis import given

from ledger import Ledger, open_ledger
from ledger.archive.importer import import_archive
from ledger.domain.errors import UnknownWorkError
from lineage.attribution import attribution_html, attribution_markdown, attribution_text
from lineage.credits import credits_for
from lineage.graph import LineageGraph
from lineage.policies import Decay, Equal, Relative
from tests.lineage.dags import LineageSpec, Sketch, built, lineage_specs
from tests.recorded_before import before_the_control_character_rule

SAMPLE = Path(__file__).resolve().parents[2] / "ledger" / "samples" / "tiny-stories.jsonl"
F = Fraction


@pytest.fixture
def sketch(ledger: Ledger) -> Sketch:
    return Sketch(ledger)


@pytest.fixture
def moon(sketch: Sketch) -> Sketch:
    """A song, an illustration of it (by a pseudonym), and a film of that by two, one uncredited."""
    sketch.work("Moon Song", "ana", license="CC-BY-4.0", external_id="rec-1")
    sketch.work(
        "Moon Picture",
        "ben",
        cites=[("Moon Song", "10", "illustration")],
        uri="https://example.org/moon.png",
        license="CC-BY-SA-4.0",
    )
    sketch.work("Moon Film", "cy", "dee", cites=[("Moon Picture", None, "adaptation")])
    sketch.ledger.set_credit_preference(sketch.members["ben"], "pseudonym", pseudonym="B. Moon")
    sketch.ledger.set_credit_preference(sketch.members["dee"], "none")
    return sketch


@pytest.fixture(scope="module")
def sample() -> Iterator[tuple[Ledger, int]]:
    """The Tiny Stories sample, and the position just before mem-024 asked for no credit."""
    ledger = open_ledger("memory://")
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    import_archive(ledger, lines[:528])
    before = ledger.head
    import_archive(ledger, lines[528:])
    yield ledger, before
    ledger.close()


# ---------------------------------------------------------------- credits


def test_credits_list_every_author_of_the_work_and_its_ancestors_once(sketch: Sketch) -> None:
    sketch.work("A", "ana")
    sketch.work("B", "ben", cites=["A"])
    sketch.work("C", "ana", cites=["A"])
    sketch.work("D", "cy", cites=["B", "C"])
    credits = credits_for(sketch.lineage(), sketch.works["D"], Decay())
    assert [credit.handle for credit in credits] == ["cy", "ana", "ben"]
    ana = credits.credits[1]
    assert [work.title for work in ana.works] == ["C", "A"]
    assert sum(credit.share for credit in credits) == 1


def test_distance_is_the_shortest_generation_distance(sketch: Sketch) -> None:
    sketch.work("A", "ana")
    sketch.work("B", "ben", cites=["A"])
    sketch.work("C", "cy", cites=["B", "A"])
    credits = credits_for(sketch.lineage(), sketch.works["C"], Equal())
    assert {credit.handle: credit.distance for credit in credits} == {"cy": 0, "ana": 1, "ben": 1}


def test_relations_are_those_along_the_paths_to_the_published_work(moon: Sketch) -> None:
    credits = credits_for(moon.lineage(), moon.works["Moon Film"], Decay())
    relations = {credit.handle: credit.relations for credit in credits}
    assert relations == {
        "cy": (),
        "dee": (),
        "ben": ("adaptation",),
        "ana": ("adaptation", "illustration"),
    }


def test_credits_are_sorted_by_distance_then_share_then_handle(sketch: Sketch) -> None:
    sketch.work("A", "zed")
    sketch.work("B", "amy")
    sketch.work("C", "bob", "abe", cites=[("A", "20"), ("B", "10")])
    credits = credits_for(sketch.lineage(), sketch.works["C"], Relative())
    assert [(c.handle, c.distance, c.share) for c in credits] == [
        ("abe", 0, F(7, 20)),
        ("bob", 0, F(7, 20)),
        ("zed", 1, F(1, 5)),
        ("amy", 1, F(1, 10)),
    ]


def test_co_authors_split_their_works_share_equally(moon: Sketch) -> None:
    credits = credits_for(moon.lineage(), moon.works["Moon Film"], Decay())
    shares = {credit.handle: credit.share for credit in credits}
    assert shares == {"cy": F(1, 4), "dee": F(1, 4), "ben": F(1, 4), "ana": F(1, 4)}


def test_a_pseudonym_is_credited_instead_of_the_name(moon: Sketch) -> None:
    credits = credits_for(moon.lineage(), moon.works["Moon Film"], Decay())
    ben = next(credit for credit in credits if credit.handle == "ben")
    assert ben.credited_as == ben.display_name == "B. Moon"


def test_a_member_who_asked_for_no_credit_is_listed_anonymously_and_still_paid(
    moon: Sketch,
) -> None:
    credits = credits_for(moon.lineage(), moon.works["Moon Film"], Decay())
    dee = next(credit for credit in credits if credit.handle == "dee")
    assert dee.credited_as is None and dee.display_name == "Anonymous"
    assert dee.share == F(1, 4)
    assert "Anonymous: 25.00% (generation 0)" in credits.as_text()
    assert "Dee" not in credits.as_text()


def test_public_data_hides_who_asked_for_no_credit(moon: Sketch) -> None:
    credits = credits_for(moon.lineage(), moon.works["Moon Film"], Decay())
    public = [entry for entry in credits.as_dict(public=True)["credits"] if entry["distance"] == 0]
    dee = next(entry for entry in public if entry["display_name"] == "Anonymous")
    assert dee["member"] is None and dee["handle"] is None
    assert dee["share"] == {"fraction": "1/4", "percent": "25.00"}


def test_credit_preferences_are_read_as_of_the_position_asked(
    sample: tuple[Ledger, int],
) -> None:
    ledger, before = sample
    lineage = LineageGraph.from_ledger(ledger)
    edit = ledger.find_work("rec-0110")  # an edit of a story by mem-024
    then = credits_for(lineage, edit, Decay(), as_of=before)
    now = credits_for(lineage, edit, Decay())
    assert [c.credited_as for c in then] == ["Elif Arslan", "Gwen Harper"]
    assert [c.credited_as for c in now] == ["Elif Arslan", None]
    assert then.position == before and now.position == lineage.position


def test_credits_as_dict_is_json_with_string_ids_and_shares(moon: Sketch) -> None:
    credits = credits_for(moon.lineage(), moon.works["Moon Film"], Decay())
    data = json.loads(json.dumps(credits.as_dict()))
    assert data["work"] == {
        "id": str(moon.works["Moon Film"]),
        "external_id": None,
        "title": "Moon Film",
    }
    assert data["policy"] == "decay(r=1/2)"
    ana = data["credits"][-1]
    assert ana["member"] == str(moon.members["ana"]) and ana["handle"] == "ana"
    assert ana["works"][0]["external_id"] == "rec-1"
    assert ana["share"] == {"fraction": "1/4", "percent": "25.00"}
    film, picture, song = (str(moon.works[t]) for t in ("Moon Film", "Moon Picture", "Moon Song"))
    assert ana["explanation"]["paths"] == [[film, picture, song]]


def test_credits_for_an_unknown_work_is_an_unknown_work_error(sketch: Sketch) -> None:
    sketch.work("A")
    with pytest.raises(UnknownWorkError):
        credits_for(sketch.lineage(), uuid4(), Decay())


def test_sample_lighthouse_credits_reach_back_seven_generations(
    sample: tuple[Ledger, int],
) -> None:
    ledger, _ = sample
    lineage = LineageGraph.from_ledger(ledger)
    credits = credits_for(lineage, ledger.find_work("rec-0109"), Decay())
    assert [c.distance for c in credits] == [0, 1, 2, 3, 4, 5, 6, 7]
    assert credits.credits[0].credited_as == "Dara Quinlan"
    assert credits.credits[-1].works[0].external_id == "rec-0061"
    assert sum(c.share for c in credits) == 1


@given(spec=lineage_specs())
def test_credited_contributors_are_the_authors_found_by_a_brute_force_walk(
    spec: LineageSpec,
) -> None:
    seed = len(spec.works) - 1
    works = {seed} | spec.ancestors(seed)
    distance = {w: min(len(p) - 1 for p in spec.paths(seed) if p[-1][0] == w) for w in works}
    with built(spec) as made:
        credits = credits_for(made.lineage(), made.works[seed], Equal())
        expected = {made.members[a] for w in works for a in spec.works[w].authors}
        assert {credit.member_id for credit in credits} == expected
        for credit in credits:
            mine = [
                w
                for w in works
                if credit.member_id in {made.members[a] for a in spec.works[w].authors}
            ]
            assert credit.distance == min(distance[w] for w in mine)
            assert {made.works.index(work.work_id) for work in credit.works} == set(mine)
        assert sum(credit.share for credit in credits) == 1


# ------------------------------------------------------------ attribution


def test_attribution_text_names_title_author_source_and_licence(moon: Sketch) -> None:
    text = attribution_text(moon.lineage(), moon.works["Moon Film"])
    assert text == (
        f'"Moon Film" by Cy and Anonymous (source: {moon.works["Moon Film"]}), no licence stated;'
        ' adapted from "Moon Picture" by B. Moon (source: https://example.org/moon.png),'
        " licensed CC-BY-SA-4.0;"
        ' an illustration of "Moon Song" by Ana (source: rec-1), licensed CC-BY-4.0,'
        ' by way of "Moon Picture"'
    )


def test_attribution_markdown_links_web_sources_and_cc_licences(moon: Sketch) -> None:
    markdown = attribution_markdown(moon.lineage(), moon.works["Moon Picture"])
    assert markdown == (
        '"Moon Picture" by B. Moon (source: [https://example.org/moon.png]'
        "(<https://example.org/moon.png>)), licensed [CC-BY-SA-4.0]"
        "(<https://creativecommons.org/licenses/by-sa/4.0/>);"
        ' an illustration of "Moon Song" by Ana (source: rec-1), licensed [CC-BY-4.0]'
        "(<https://creativecommons.org/licenses/by/4.0/>)"
    )


def test_attribution_html_wraps_titles_and_links(moon: Sketch) -> None:
    page = attribution_html(moon.lineage(), moon.works["Moon Picture"])
    assert page.startswith(
        '<p class="attribution"><cite>&quot;Moon Picture&quot;</cite> by B. Moon'
    )
    assert '<a href="https://example.org/moon.png">https://example.org/moon.png</a>' in page
    assert '<a href="https://creativecommons.org/licenses/by/4.0/">CC-BY-4.0</a>' in page
    assert page.endswith("</p>")


def test_attribution_escapes_markup_and_never_links_unsafe_uris(sketch: Sketch) -> None:
    sketch.member("eve", name="Eve <b>&</b>")
    title = "<script>alert(1)</script> *bold*\n# not a heading"
    with before_the_control_character_rule():  # a line break: an old ledger's title
        sketch.work(title, "eve", uri="javascript:alert(1)", license="CC-BY-4.0")
    lineage = sketch.lineage()
    page = attribution_html(lineage, sketch.works[title])
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Eve &lt;b&gt;&amp;&lt;/b&gt;" in page
    assert 'href="javascript' not in page and "(source: javascript:alert(1))" in page
    markdown = attribution_markdown(lineage, sketch.works[title])
    assert markdown.startswith('"\\<script\\>alert(1)\\</script\\> \\*bold\\* # not a heading"')
    assert "](<javascript" not in markdown
    assert "\n" not in attribution_text(lineage, sketch.works[title])


def test_answers_are_freed_whole_though_their_records_are_untracked(
    sample: tuple[Ledger, int],
) -> None:
    """The C kernels leave credit records out of the cyclic collector (they cannot
    be in a cycle). If one ever were, each answer would leak: ask many times, with
    every explanation worked out, and the allocated blocks must not grow."""
    ledger, _ = sample
    lineage = LineageGraph.from_ledger(ledger)
    work = max(lineage.work_ids_of(range(len(lineage))), key=lambda w: len(lineage.ancestors(w)))

    def ask() -> None:
        for credit in credits_for(lineage, work, Decay()):
            assert credit.explanation.terms and credit.share > 0
            credit.explanation.paths  # noqa: B018 - worked out and cached in the answer

    for _ in range(5):
        ask()
    gc.collect()
    before = sys.getallocatedblocks()
    for _ in range(40):
        ask()
    gc.collect()
    assert sys.getallocatedblocks() - before < 200
