"""Write ``ledger/samples/tiny-stories.jsonl``: a sample archive of a tiny-stories studio.

The archive is modelled on a community studio collecting one- to three-sentence
stories into "The Tiny Book of Tiny Stories". Everything in it is invented: the
members, the stories (original text written for this sample) and the remixes.
It holds, in time order from January 2010 to December 2012:

* 35 members (26 founding members, the rest join just before their first work),
  two later credit preferences (one pseudonym, one "no credit") and one rename;
* about 145 works: tiny stories, illustrations of them, translations (French,
  Spanish, Portuguese, German, Italian, Japanese), audio readings, edits,
  adaptations, videos and remixes, some co-authored, many citing sources with
  a ``royalty_percent`` (never more than 50 in total over one work's sources);
  among them an 8-generation chain that starts from "The Lighthouse That Was
  Afraid of the Dark", several diamonds (a work whose two sources share an
  ancestor; one of them is closed by a later ``citation`` line) and one work
  retracted by its author, referred to by nothing after its retraction;
* comments (one retracted by its author) and votes (mostly +1, never on one's
  own work, one per member and work except three changed votes and one
  withdrawn vote);
* two productions: Volume 1, curated, published on 1 December 2011 and earning
  three USD revenue payments afterwards, and an unpublished Volume 2 draft.

Every line refers only to records on lines above it, and times strictly
increase through the file. Lines are written in the key order and compact JSON
style of ``ledger.archive.export_archive``, so importing the sample into an
empty ledger and exporting it again gives the same bytes.

The output is deterministic (a fixed random seed, no clock, no network,
standard library only). Re-run it from the repository root with::

    .venv/bin/python scripts/make_sample_archive.py

To change the sample, edit the tables (MEMBERS, the *_WORKS lists, the comment
texts) or the plan in ``build_archive``; the checks at the end refuse an
archive that breaks the rules above.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import partial
from itertools import pairwise
from pathlib import Path
from typing import Any

SEED = 20111201
OUTPUT = Path(__file__).resolve().parent.parent / "ledger" / "samples" / "tiny-stories.jsonl"

HEADER = {"type": "archive", "format": "remix-ledger-archive", "version": 1}
MAX_ROYALTY_TOTAL = Decimal(50)

VOL1 = "tiny-book-vol-1"
VOL2 = "tiny-book-vol-2"
VOL1_TITLE = "The Tiny Book of Tiny Stories, Volume 1"
VOL2_TITLE = "The Tiny Book of Tiny Stories, Volume 2"

# The periods of the archive: lines made in a period get increasing times inside it.
PERIODS = {
    "founding": ("2010-01-04", "2010-03-21"),
    "early": ("2010-03-21", "2011-06-01"),
    "volume-1": ("2011-06-01", "2011-12-01"),
    "publication": ("2011-12-01T10:00:00", "2011-12-01T16:00:00"),
    "later": ("2011-12-02", "2012-12-21"),
}

# The time field of each line type (the one the archive's ordering follows).
TIME_FIELD = {
    "member": "joined_at",
    "member_renamed": "renamed_at",
    "role": "granted_at",
    "credit_preference": "set_at",
    "work": "created_at",
    "citation": "cited_at",
    "work_retraction": "retracted_at",
    "comment": "created_at",
    "comment_retraction": "retracted_at",
    "vote": "created_at",
    "vote_withdrawal": "withdrawn_at",
    "production": "created_at",
    "inclusion": "included_at",
    "exclusion": "excluded_at",
    "publication": "published_at",
    "revenue": "received_at",
}

# Where the files of non-text works live, by kind: (folder, extension).
MEDIA = {
    "image": ("art", "png"),
    "audio": ("audio", "mp3"),
    "video": ("video", "mp4"),
    "other": ("files", "pdf"),
}


# --------------------------------------------------------------------- tables


@dataclass(frozen=True)
class MemberSpec:
    handle: str
    name: str
    license: str | None  # the licence this member puts on their works, if any
    founding: bool  # founding members join first; others just before their first work


@dataclass(frozen=True)
class Source:
    key: str
    relation: str
    royalty: str | None = None


@dataclass(frozen=True)
class WorkSpec:
    key: str
    kind: str
    title: str
    authors: tuple[str, ...]
    sources: tuple[Source, ...] = ()
    body: str | None = None


def member(handle: str, name: str, licence: str | None = None, founding: bool = True) -> MemberSpec:
    return MemberSpec(handle, name, licence, founding)


def story(key: str, title: str, authors: str, body: str) -> WorkSpec:
    """An original tiny story (no sources); ``authors`` are space-separated handles."""
    return WorkSpec(key, "text", title, tuple(authors.split()), (), body)


def derived(
    key: str,
    kind: str,
    title: str,
    authors: str,
    sources: Iterable[Source],
    body: str | None = None,
) -> WorkSpec:
    """A work built on earlier ones."""
    return WorkSpec(key, kind, title, tuple(authors.split()), tuple(sources), body)


def src(key: str, relation: str, royalty: str | None = None) -> Source:
    return Source(key, relation, royalty)


BY, BY_SA, BY_NC = "CC-BY-4.0", "CC-BY-SA-4.0", "CC-BY-NC-4.0"

MEMBERS = [
    member("lanternkeeper", "Morgan Ashby", BY),
    member("metaphorest", "Mira Okafor", BY),
    member("inkblot_ava", "Ava Lindqvist", BY_SA),
    member("tinytales", "Sam Whitcombe"),
    member("paper-moth", "Priya Natarajan", BY),
    member("cloudcartographer", "Tomás Ibarra"),
    member("velvetvoice", "Claire Dubois", BY),
    member("quietfox", "Hana Kobayashi", BY_NC),
    member("doodlebug42", "Marcus Bell"),
    member("wordsmithy", "Elif Arslan", BY_SA),
    member("the_ferns", "Fern Adebayo"),
    member("sketchpilot", "Noah Feldman", BY),
    member("brass-tacks", "Kwame Mensah"),
    member("ohsnapdragon", "Lucía Herrera", BY),
    member("minuteman_mo", "Mo Haddad"),
    member("pixelpond", "Jun Park", BY_SA),
    member("scribbleton", "Ruth Abernathy"),
    member("nightowl_notes", "Owen Pritchard"),
    member("moonlit-ink", "Dara Quinlan", BY),
    member("tuba_tom", "Tom Kettering"),
    member("zinequeen", "Renée Marchand", BY_NC),
    member("littlelantern", "Ana Souza", BY),
    member("haiku_hal", "Hal Ogden"),
    member("ghostwriter", "Gwen Harper"),
    member("pencilcase", "Yusuf Demir", BY),
    member("marmalade_sky", "Nina Petrova"),
    member("the-tin-man", "Ravi Shah", BY, founding=False),
    member("foleyfriend", "Greta Vogel", founding=False),
    member("bricolage", "Felix Brandt", BY_SA, founding=False),
    member("softserve", "Leon Castillo", founding=False),
    member("ukulele_ida", "Ida Moreau", BY, founding=False),
    member("starling_s", "Sofía Castellano", founding=False),
    member("grainofsalt", "Ingrid Holm", BY, founding=False),
    member("kettle_and_quill", "Bram de Vries", founding=False),
    member("tophat_q", "Quentin Ames", founding=False),
]

# Works of the early period (March 2010 - May 2011), in no particular order:
# they are posted in a random order that keeps every source before its remixes.
EARLY_WORKS = [
    # -- the lighthouse chain, generations 1 to 5 (6 to 8 come in the Volume 1 period)
    story(
        "lighthouse",
        "The Lighthouse That Was Afraid of the Dark",
        "metaphorest",
        "Every night the lighthouse kept its lamp burning, not for the ships, but for itself."
        " The ships never knew, and thanked it anyway.",
    ),
    derived(
        "lighthouse-ink",
        "image",
        "Lighthouse, in Ink",
        "inkblot_ava",
        [src("lighthouse", "illustration", "10")],
    ),
    derived(
        "lighthouse-short",
        "video",
        "The Lighthouse (animated short)",
        "the-tin-man foleyfriend",
        [src("lighthouse-ink", "adaptation", "12.5")],
    ),
    derived(
        "lighthouse-score",
        "audio",
        "Score for The Lighthouse",
        "brass-tacks",
        [src("lighthouse-short", "audio", "5")],
    ),
    derived(
        "lighthouse-recut",
        "video",
        "The Lighthouse, Recut to the Score",
        "the-tin-man",
        [src("lighthouse-score", "edit", "10")],
    ),
    # -- tiny stories
    story(
        "umbrella",
        "Umbrella",
        "paper-moth",
        "She lent her umbrella to a cloud that looked tired. It has been following her home"
        " ever since, politely, never raining.",
    ),
    story(
        "last-sock",
        "The Last Sock",
        "minuteman_mo",
        "The last sock in the drawer had outlived all its partners. It wore a tiny hat now and"
        " called itself a puppet, which was its way of starting over.",
    ),
    story(
        "snail",
        "Moving Day for a Snail",
        "the_ferns",
        "The snail packed everything it owned in one trip. Its neighbours were very jealous.",
    ),
    story(
        "overdue",
        "Overdue",
        "scribbleton",
        "The library book came back forty years late with a note: 'Sorry, I had to find out"
        " how it ended.'",
    ),
    story(
        "gravity",
        "Gravity's Day Off",
        "cloudcartographer metaphorest",
        "On Tuesday gravity took a personal day. By Wednesday everyone had learned to hold on"
        " to each other.",
    ),
    story(
        "map",
        "The Map",
        "tinytales",
        "He drew a map of everywhere he had been happy. It was mostly kitchens.",
    ),
    story(
        "pocket-moon",
        "Pocket Moon",
        "nightowl_notes",
        "A boy found the moon in his coat pocket after the fair. He gave it back, but kept a"
        " little of the glow on his fingers.",
    ),
    story(
        "small-talk",
        "Small Talk",
        "the_ferns",
        "Two strangers in an elevator agreed it was weather. Thirty years later they still agree.",
    ),
    story(
        "giraffe",
        "The Tallest Giraffe",
        "marmalade_sky",
        "The tallest giraffe in the world could see tomorrow. It never told the others,"
        " because tomorrow was mostly more leaves.",
    ),
    story(
        "echo",
        "Echo",
        "ghostwriter",
        "The echo got tired of repeating everyone and finally said something of its own."
        " The canyon has been very quiet since, thinking it over.",
    ),
    story(
        "spare-key",
        "Spare Key",
        "tinytales",
        "She hid a spare key under a rock for the person she would be in ten years. When she"
        " finally used it, the house had been tidied.",
    ),
    story(
        "paper-boat",
        "Paper Boat",
        "cloudcartographer",
        "The paper boat sailed down the gutter, into the river, across the sea. It arrived"
        " soggy but proud.",
    ),
    story(
        "night-shift",
        "Night Shift",
        "nightowl_notes",
        "The streetlamp and the moon took turns watching the empty street. Neither ever"
        " admitted they were watching for the same cat.",
    ),
    story(
        "inventory",
        "Inventory",
        "scribbleton",
        "When the robot was switched off for good, its last log read: 'Sunsets observed:"
        " 4,312. Favourite: all of them.'",
    ),
    story(
        "reruns",
        "Reruns",
        "minuteman_mo",
        "Grandpa watches the same film every Sunday and cries at the same place. We have"
        " learned to cry with him, right on time.",
    ),
    story(
        "borrowed-smile",
        "The Borrowed Smile",
        "metaphorest",
        "I borrowed a smile from a stranger on the bus. I have been trying to return it all"
        " week, but everyone keeps handing it back.",
    ),
    story(
        "dust",
        "Dust",
        "paper-moth",
        "The dust in the attic had been a star once. It liked to sparkle in the afternoon"
        " light, just to remember.",
    ),
    story(
        "homework",
        "Homework",
        "the_ferns",
        "The dog really did eat his homework. It was a report on dogs, and the dog had opinions.",
    ),
    story(
        "leftover-wishes",
        "Leftover Wishes",
        "ghostwriter",
        "At closing time the fountain counted its coins and sighed at all the wishes no one"
        " had come back for.",
    ),
    story(
        "chess",
        "Chess",
        "haiku_hal tinytales",
        "The king was tired of being protected. One night he walked across the board and"
        " shook the other king's hand.",
    ),
    story(
        "jar-of-thunder",
        "Jar of Thunder",
        "marmalade_sky",
        "My sister keeps a jar of thunder under her bed. She opens it only when the house is"
        " too quiet.",
    ),
    story(
        "second-hand",
        "Second Hand",
        "cloudcartographer",
        "The second hand of the clock dreamed of being the hour hand. The hour hand dreamed"
        " of sleeping in.",
    ),
    story(
        "kite",
        "The Kite",
        "the_ferns",
        "The kite broke its string and was free for one glorious minute. Then it landed in a"
        " tree, which had been lonely anyway.",
    ),
    story(
        "postcard",
        "Postcard from Nowhere",
        "lanternkeeper",
        "The postcard said 'Wish you were here,' and the picture was blank. I went there anyway.",
    ),
    story(
        "bakery",
        "Bakery at Four A.M.",
        "scribbleton",
        "The baker hums the same song to every loaf. The loaves rise as if they know the words.",
    ),
    story(
        "snowman",
        "Snowman",
        "nightowl_notes",
        "The snowman asked the children for a scarf, a carrot and a promise to visit in"
        " spring. Only the promise was kept, and it was enough.",
    ),
    story(
        "tiny-dragon",
        "Tiny Dragon",
        "minuteman_mo",
        "The tiny dragon could only breathe enough fire to light birthday candles. It was"
        " invited everywhere.",
    ),
    story(
        "lost-and-found",
        "Lost and Found",
        "ghostwriter",
        "The lost-and-found box at the station held an umbrella, a glove and a small, patient"
        " ghost waiting to be claimed.",
    ),
    story(
        "balloon",
        "Balloon",
        "paper-moth",
        "A red balloon escaped a birthday party and drifted over the city, reading everyone's"
        " rooftops like a newspaper.",
    ),
    story(
        "whale",
        "The Whale Who Hummed",
        "metaphorest",
        "A whale hummed a tune it had heard from a passing ship. Somewhere, a sailor woke up"
        " humming it back.",
    ),
    story(
        "shadows",
        "Shadows",
        "haiku_hal",
        "My shadow left at noon and came back at dusk with sand on its feet. I didn't ask.",
    ),
    story(
        "teacup",
        "Teacup",
        "lanternkeeper",
        "The chipped teacup was everyone's favourite. Nobody could say why, except that it"
        " fit the hand like a secret.",
    ),
    story(
        "rain-check",
        "Rain Check",
        "tinytales",
        "He gave her a rain check for a picnic. It rained for the next three summers, and"
        " they ate indoors, happily.",
    ),
    story(
        "quiet-piano",
        "The Quiet Piano",
        "scribbleton brass-tacks",
        "The piano in the hall played only when no one was listening. We pretended not to"
        " listen for years.",
    ),
    story(
        "astronaut",
        "Astronaut",
        "cloudcartographer",
        "The astronaut packed a jar of garden soil. Every night in orbit she opened it and"
        " smelled home.",
    ),
    story(
        "stairs",
        "The Seventh Stair",
        "the_ferns",
        "The seventh stair creaks for every child who has ever crept down for cookies. It"
        " keeps their secret by telling everyone.",
    ),
    story(
        "cloud-maps",
        "Cartographer of Clouds",
        "cloudcartographer",
        "She drew maps of clouds that were gone by the time the ink dried. Her maps were"
        " always correct, just late.",
    ),
    story(
        "bookmark",
        "Bookmark",
        "marmalade_sky",
        "The bookmark had read the first half of a thousand books. It made up its own endings"
        " and preferred them.",
    ),
    story(
        "goldfish",
        "Goldfish Memory",
        "minuteman_mo",
        "The goldfish forgot the castle every three seconds. Every three seconds, it was"
        " delighted to discover a castle.",
    ),
    # -- illustrations
    derived(
        "umbrella-watercolour",
        "image",
        "Umbrella and Cloud (watercolour)",
        "inkblot_ava",
        [src("umbrella", "illustration", "10")],
    ),
    derived(
        "pocket-moon-art",
        "image",
        "Pocket Moon",
        "sketchpilot",
        [src("pocket-moon", "illustration", "10")],
    ),
    derived(
        "tiny-dragon-art",
        "image",
        "Tiny Dragon, Birthday Edition",
        "doodlebug42",
        [src("tiny-dragon", "illustration", "12.5")],
    ),
    derived(
        "paper-boat-art",
        "image",
        "Paper Boat, Open Sea",
        "moonlit-ink",
        [src("paper-boat", "illustration", "10")],
    ),
    derived(
        "goldfish-art",
        "image",
        "Castle! Castle! Castle!",
        "quietfox",
        [src("goldfish", "illustration", "10")],
    ),
    derived(
        "snowman-art", "image", "The Promise", "pencilcase", [src("snowman", "illustration", "10")]
    ),
    derived(
        "giraffe-art", "image", "Tallest Giraffe", "doodlebug42", [src("giraffe", "illustration")]
    ),
    derived(
        "sock-art",
        "image",
        "Sock Puppet in a Tiny Hat",
        "marmalade_sky",
        [src("last-sock", "illustration", "5")],
    ),
    derived(
        "whale-art", "image", "The Humming Whale", "quietfox", [src("whale", "illustration", "10")]
    ),
    derived(
        "balloon-art",
        "image",
        "Red Balloon over the City",
        "pixelpond",
        [src("balloon", "illustration")],
    ),
    derived(
        "dust-art", "image", "Attic Starlight", "moonlit-ink", [src("dust", "illustration", "10")]
    ),
    derived(
        "teacup-art", "image", "The Chipped Teacup", "pencilcase", [src("teacup", "illustration")]
    ),
    derived(
        "astronaut-art",
        "image",
        "Garden Soil in Orbit",
        "sketchpilot",
        [src("astronaut", "illustration", "10")],
    ),
    derived(
        "cloud-maps-art",
        "image",
        "Map of Yesterday's Clouds",
        "cloudcartographer",
        [src("cloud-maps", "illustration")],
    ),
    derived(
        "jar-art",
        "image",
        "Jar of Thunder",
        "inkblot_ava doodlebug42",
        [src("jar-of-thunder", "illustration", "10")],
    ),
    derived("chess-art", "image", "Two Kings", "pencilcase", [src("chess", "illustration", "10")]),
    derived("echo-art", "image", "Canyon, Listening", "moonlit-ink", [src("echo", "illustration")]),
    derived(
        "kite-art",
        "image",
        "Kite in a Lonely Tree",
        "quietfox",
        [src("kite", "illustration", "10")],
    ),
    # -- translations
    derived(
        "umbrella-fr",
        "text",
        "Le parapluie",
        "zinequeen",
        [src("umbrella", "translation", "10")],
        "Elle a prêté son parapluie à un nuage qui avait l'air fatigué. Depuis, il la suit"
        " jusque chez elle, poliment, sans jamais pleuvoir.",
    ),
    derived(
        "umbrella-es",
        "text",
        "El paraguas",
        "ohsnapdragon",
        [src("umbrella-fr", "translation", "5")],
        "Le prestó su paraguas a una nube que parecía cansada. Desde entonces la sigue hasta"
        " casa, con educación, sin llover nunca.",
    ),
    derived(
        "lighthouse-es",
        "text",
        "El faro que temía a la oscuridad",
        "ohsnapdragon",
        [src("lighthouse", "translation", "10")],
        "Cada noche el faro mantenía su lámpara encendida, no por los barcos, sino por sí"
        " mismo. Los barcos nunca lo supieron, y se lo agradecieron de todos modos.",
    ),
    derived(
        "overdue-es",
        "text",
        "Con cuarenta años de retraso",
        "ohsnapdragon",
        [src("overdue", "translation", "10")],
        "El libro de la biblioteca volvió con cuarenta años de retraso y una nota: 'Perdón,"
        " tenía que saber cómo terminaba.'",
    ),
    derived(
        "pocket-moon-fr",
        "text",
        "La lune de poche",
        "velvetvoice",
        [src("pocket-moon", "translation", "10")],
        "Après la fête foraine, un garçon a trouvé la lune dans la poche de son manteau. Il"
        " l'a rendue, mais il a gardé un peu de sa lueur au bout des doigts.",
    ),
    derived(
        "goldfish-fr",
        "text",
        "Mémoire de poisson rouge",
        "zinequeen",
        [src("goldfish", "translation", "10")],
        "Le poisson rouge oubliait le château toutes les trois secondes. Toutes les trois"
        " secondes, il était ravi de découvrir un château.",
    ),
    derived(
        "snowman-pt",
        "text",
        "O boneco de neve",
        "littlelantern",
        [src("snowman", "translation", "10")],
        "O boneco de neve pediu às crianças um cachecol, uma cenoura e a promessa de uma"
        " visita na primavera. Só a promessa foi cumprida, e foi o suficiente.",
    ),
    derived(
        "kite-de",
        "text",
        "Der Drachen",
        "bricolage",
        [src("kite", "translation", "10")],
        "Der Drachen riss sich von der Schnur los und war eine herrliche Minute lang frei."
        " Dann landete er in einem Baum, der ohnehin einsam gewesen war.",
    ),
    derived(
        "echo-fr",
        "text",
        "L'écho",
        "zinequeen",
        [src("echo", "translation")],
        "L'écho en a eu assez de répéter tout le monde et a fini par dire quelque chose de"
        " lui-même. Depuis, le canyon se tait; il y réfléchit.",
    ),
    derived(
        "astronaut-de",
        "text",
        "Die Astronautin",
        "bricolage",
        [src("astronaut", "translation", "10")],
        "Die Astronautin packte ein Glas Gartenerde ein. Jede Nacht im Orbit öffnete sie es"
        " und roch ihr Zuhause.",
    ),
    derived(
        "whale-ja",
        "text",
        "ハミングするクジラ",
        "quietfox",
        [src("whale", "translation", "10")],
        "クジラは、通りすがりの船から聞こえた歌を口ずさんだ。どこかで、船乗りが目を覚まし、"
        "同じ歌を口ずさんだ。",
    ),
    derived(
        "bakery-pt",
        "text",
        "Padaria às quatro da manhã",
        "littlelantern",
        [src("bakery", "translation")],
        "O padeiro cantarola a mesma canção para cada pão. Os pães crescem como se"
        " soubessem a letra.",
    ),
    # -- audio readings
    derived(
        "umbrella-reading",
        "audio",
        "Umbrella, read aloud",
        "velvetvoice",
        [src("umbrella", "audio", "5")],
    ),
    derived(
        "pocket-moon-reading",
        "audio",
        "Pocket Moon (reading)",
        "velvetvoice",
        [src("pocket-moon", "audio", "5")],
    ),
    derived(
        "paper-boat-reading",
        "audio",
        "Paper Boat (reading, with harbour sounds)",
        "foleyfriend",
        [src("paper-boat", "audio", "5")],
    ),
    derived(
        "whale-reading",
        "audio",
        "The Whale Who Hummed (reading)",
        "brass-tacks",
        [src("whale", "audio", "10")],
    ),
    derived(
        "overdue-reading", "audio", "Overdue, with Tuba", "tuba_tom", [src("overdue", "audio", "5")]
    ),
    derived("reruns-reading", "audio", "Reruns (reading)", "velvetvoice", [src("reruns", "audio")]),
    derived("bakery-song", "audio", "The Baker's Song", "tuba_tom", [src("bakery", "audio", "10")]),
    # -- edits
    derived(
        "snail-edit",
        "text",
        "Moving Day for a Snail (edit)",
        "wordsmithy",
        [src("snail", "edit", "5")],
        "The snail moved house in a single trip, furniture and all. The neighbours, who had"
        " hired a van, were quietly furious.",
    ),
    derived(
        "overdue-edit",
        "text",
        "Overdue (revised)",
        "wordsmithy",
        [src("overdue", "edit", "5")],
        "The library book came back forty years late. Tucked inside: 'Sorry. I had to know"
        " how it ended. It ends well.'",
    ),
    derived(
        "homework-edit",
        "text",
        "Homework, Take Two",
        "haiku_hal",
        [src("homework", "edit")],
        "The dog ate the homework. In fairness, it was a report on dogs, and the dog felt"
        " misrepresented.",
    ),
    derived(
        "map-edit",
        "text",
        "The Map (second draft)",
        "wordsmithy",
        [src("map", "edit", "5")],
        "He drew a map of every place he had been happy. It was mostly kitchens, and one bus"
        " stop in the rain.",
    ),
    # -- adaptations and remixes
    derived(
        "chess-poem",
        "text",
        "Two Kings (a poem)",
        "haiku_hal",
        [src("chess", "adaptation")],
        "Two kings, tired of war,\nmet on the middle square\nand traded crowns for tea.",
    ),
    derived(
        "sock-sequel",
        "text",
        "The Last Sock Returns",
        "scribbleton",
        [src("last-sock", "remix", "10"), src("sock-art", "inspiration", "5")],
        "The sock puppet became a hit on the children's ward. Then its partner turned up in"
        " the dryer, and now they do a double act.",
    ),
    derived(
        "echo-dialogue",
        "text",
        "Echo and Canyon",
        "ghostwriter",
        [src("echo", "adaptation")],
        "'Hello,' said the canyon. 'I've been thinking,' said the echo. They talked until the"
        " sun went down, and neither repeated a thing.",
    ),
    derived(
        "gravity-script",
        "text",
        "Gravity's Day Off (a script)",
        "minuteman_mo",
        [src("gravity", "adaptation", "10")],
        "INT. KITCHEN - TUESDAY. A teacup drifts past the window. MOTHER: Hold my hand."
        " CHILD: I already am.",
    ),
    derived(
        "whale-back",
        "text",
        "The Whale Who Hummed Back",
        "nightowl_notes",
        [src("whale", "inspiration", "5")],
        "The sailor hummed the whale's tune all the way home. His daughter learned it, and"
        " now the whole harbour hums it on foggy nights.",
    ),
    # -- diamonds: two sources that share an ancestor
    derived(
        "umbrella-bilingual",
        "image",
        "Le parapluie, illustré",
        "inkblot_ava zinequeen",
        [src("umbrella-fr", "remix", "10"), src("umbrella-watercolour", "remix", "10")],
    ),
    derived(
        "pocket-moon-short",
        "video",
        "Pocket Moon (animated)",
        "pixelpond",
        [src("pocket-moon-reading", "audio", "10"), src("pocket-moon-art", "adaptation", "10")],
    ),
    derived(
        "paper-boat-video",
        "video",
        "Paper Boat (music video)",
        "the-tin-man",
        [src("paper-boat-art", "adaptation", "10"), src("paper-boat-reading", "audio", "10")],
    ),
]

# Works of the Volume 1 period (June - November 2011).
VOLUME_1_WORKS = [
    # -- the lighthouse chain, generations 6 to 8
    derived(
        "lighthouse-strip",
        "image",
        "The Lighthouse, a Comic Strip",
        "pixelpond",
        [src("lighthouse-recut", "adaptation", "10")],
    ),
    derived(
        "lighthouse-retold",
        "text",
        "The Lighthouse, Retold",
        "tinytales",
        [src("lighthouse-strip", "adaptation", "5")],
        "The lighthouse learned that everyone is a little afraid of the dark. Now it leaves"
        " a light on for the other lighthouses, too.",
    ),
    derived(
        "lighthouse-spread",
        "image",
        "The Lighthouse, Retold (book spread)",
        "moonlit-ink",
        [src("lighthouse-retold", "illustration", "15")],
    ),
    # -- stories
    story(
        "scarecrow",
        "Scarecrow",
        "starling_s",
        "The scarecrow befriended the crows. Now the field is guarded by the best-informed"
        " committee in the county.",
    ),
    story(
        "alarm-clock",
        "Alarm Clock",
        "nightowl_notes",
        "The alarm clock rang and rang, but the morning refused to get up. They compromised"
        " on brunch.",
    ),
    story(
        "lamp-post-letter",
        "Lamp Post Letter",
        "ghostwriter",
        "Someone tied a letter to the lamp post, addressed 'To whoever needs this.' Forty"
        " people have read it, and it still says exactly the right thing.",
    ),
    story(
        "fog",
        "The Fog",
        "metaphorest",
        "The fog came in to see what the harbour looked like when nobody was watching. The"
        " harbour, being shy, hid too.",
    ),
    story(
        "key-without-door",
        "Key Without a Door",
        "tinytales",
        "He carried a key that fit no door he had ever seen. On his last day he gave it to his"
        " granddaughter, who is still looking, gladly.",
    ),
    story(
        "sandcastle",
        "Sandcastle",
        "starling_s",
        "The sandcastle knew the tide was coming. It spent the afternoon being the best castle"
        " it could be.",
    ),
    # -- derived works
    derived(
        "lighthouse-subtitled",
        "video",
        "El faro (cortometraje subtitulado)",
        "softserve",
        [src("lighthouse-short", "edit", "10"), src("lighthouse-es", "translation", "5")],
    ),
    derived(
        "tiny-dragon-edit",
        "text",
        "Tiny Dragon (tightened)",
        "wordsmithy",
        [src("tiny-dragon", "edit", "5")],
        "The tiny dragon had just enough fire for birthday candles. It has never missed a party.",
    ),
    derived(
        "tiny-dragon-es",
        "text",
        "El dragón diminuto",
        "softserve",
        [src("tiny-dragon", "translation", "10")],
        "El dragón diminuto solo podía echar fuego suficiente para encender las velas de"
        " cumpleaños. Lo invitaban a todas partes.",
    ),
    derived(
        "tiny-dragon-book",
        "image",
        "Tiny Dragon, Picture Book Page",
        "doodlebug42",
        [src("tiny-dragon-edit", "remix", "10"), src("tiny-dragon-es", "translation", "5")],
    ),
    derived(
        "whale-duet",
        "audio",
        "Whale Duet",
        "brass-tacks tuba_tom",
        [src("whale-reading", "remix", "10"), src("whale-back", "audio", "10")],
    ),
    derived(
        "scarecrow-art",
        "image",
        "The Committee",
        "moonlit-ink",
        [src("scarecrow", "illustration", "10")],
    ),
    derived(
        "sandcastle-it",
        "text",
        "Il castello di sabbia",
        "ukulele_ida",
        [src("sandcastle", "translation", "10")],
        "Il castello di sabbia sapeva che la marea stava arrivando. Passò il pomeriggio a"
        " essere il castello più bello che potesse essere.",
    ),
    derived(
        "sandcastle-song",
        "audio",
        "Sandcastle (ukulele version)",
        "ukulele_ida",
        [src("sandcastle", "audio", "5")],
    ),
    derived("fog-reading", "audio", "The Fog (reading)", "velvetvoice", [src("fog", "audio", "5")]),
    derived(
        "alarm-clock-art",
        "image",
        "Brunch Compromise",
        "sketchpilot",
        [src("alarm-clock", "illustration", "10")],
    ),
    derived(
        "key-art",
        "image",
        "Key Without a Door",
        "inkblot_ava",
        [src("key-without-door", "illustration", "10")],
    ),
    derived(
        "lamp-post-letter-edit",
        "text",
        "Lamp Post Letter (edit)",
        "wordsmithy",
        [src("lamp-post-letter", "edit")],
        "A letter hangs from the lamp post: 'To whoever needs this.' Forty people have read"
        " it. It has been right forty times.",
    ),
    derived(
        "dragon-plush",
        "other",
        "Tiny Dragon Plush Pattern",
        "marmalade_sky",
        [src("tiny-dragon-art", "adaptation", "10")],
    ),
    derived(
        "stairs-reading",
        "audio",
        "The Seventh Stair (reading)",
        "ukulele_ida",
        [src("stairs", "audio")],
    ),
    derived(
        "gravity-short",
        "video",
        "Gravity's Day Off (animated)",
        "the-tin-man",
        [src("gravity-script", "adaptation", "10")],
    ),
]

# Works of the later period (December 2011 - December 2012).
LATER_WORKS = [
    story(
        "elevator-music",
        "Elevator Music",
        "kettle_and_quill",
        "The elevator music finally reached the chorus. Everyone got off on the wrong floor to"
        " hear the end.",
    ),
    story(
        "typewriter",
        "Typewriter",
        "scribbleton",
        "The old typewriter had one ribbon left, so it chose its words carefully.",
    ),
    story(
        "firefly",
        "Firefly",
        "paper-moth",
        "A firefly fell in love with a traffic light. Every night it blinks green at exactly"
        " the right moment.",
    ),
    story(
        "monday",
        "Monday",
        "the_ferns",
        "Monday was tired of being hated, so it came in disguise as a very long Sunday."
        " Nobody noticed until Tuesday.",
    ),
    story(
        "librarians-cat",
        "The Librarian's Cat",
        "kettle_and_quill",
        "The librarian's cat shelves itself between poetry and philosophy, and purrs at anyone"
        " who whispers.",
    ),
    story(
        "wallpaper",
        "Wallpaper",
        "marmalade_sky",
        "Behind six layers of wallpaper they found a child's drawing of the same room, with"
        " everyone in it smiling.",
    ),
    derived(
        "firefly-art", "image", "Green Light", "quietfox", [src("firefly", "illustration", "10")]
    ),
    derived(
        "firefly-es",
        "text",
        "La luciérnaga",
        "softserve",
        [src("firefly", "translation", "10")],
        "Una luciérnaga se enamoró de un semáforo. Cada noche parpadea en verde justo en el"
        " momento exacto.",
    ),
    derived(
        "night-firefly",
        "text",
        "Night Shift, with Firefly",
        "nightowl_notes paper-moth",
        [src("night-shift", "remix", "10"), src("firefly", "remix", "10")],
        "The streetlamp, the moon and the firefly started a night-watch club. The traffic"
        " light was invited, but it was always busy.",
    ),
    derived(
        "typewriter-art",
        "image",
        "One Ribbon Left",
        "tophat_q",
        [src("typewriter", "illustration", "10")],
    ),
    derived(
        "typewriter-edit",
        "text",
        "Typewriter (edited)",
        "grainofsalt",
        [src("typewriter", "edit", "5")],
        "The typewriter had one ribbon left. It spent it on 'thank you'.",
    ),
    derived(
        "elevator-reading",
        "audio",
        "Elevator Music (reading, with elevator music)",
        "tuba_tom",
        [src("elevator-music", "audio", "10")],
    ),
    derived(
        "librarians-cat-art",
        "image",
        "Between Poetry and Philosophy",
        "pencilcase",
        [src("librarians-cat", "illustration", "10")],
    ),
    derived(
        "wallpaper-art", "image", "Six Layers", "tophat_q", [src("wallpaper", "illustration", "10")]
    ),
    derived(
        "wallpaper-short",
        "video",
        "Wallpaper (stop-motion)",
        "the-tin-man",
        [src("wallpaper-art", "adaptation", "10")],
    ),
    derived(
        "bookmark-es",
        "text",
        "El marcapáginas",
        "ohsnapdragon",
        [src("bookmark", "translation", "10")],
        "El marcapáginas había leído la primera mitad de mil libros. Se inventaba sus propios"
        " finales y los prefería.",
    ),
    derived(
        "postcard-reply",
        "text",
        "Reply to a Postcard from Nowhere",
        "grainofsalt",
        [src("postcard", "inspiration")],
        "I wrote back to nowhere: 'Arrived safely. You were right, the view is whatever you"
        " bring.'",
    ),
    derived(
        "lost-ghost",
        "text",
        "The Ghost Is Claimed",
        "kettle_and_quill",
        [src("lost-and-found", "remix", "10")],
        "On the last day of the month a little girl claimed the ghost. 'It's mine,' she said."
        " 'I lost it in a dream.'",
    ),
    derived(
        "goldfish-comic",
        "image",
        "Goldfish Comic (French edition)",
        "pixelpond",
        [src("goldfish-art", "adaptation", "10")],
    ),
    derived(
        "balloon-news",
        "text",
        "The Balloon's Headlines",
        "starling_s",
        [src("balloon", "remix", "5"), src("balloon-art", "inspiration", "5")],
        "Today's rooftops report: one lost cat, two lovers, a garden of tomatoes. The red"
        " balloon files its story with the wind.",
    ),
    derived(
        "kite-edit",
        "text",
        "The Kite (edit)",
        "grainofsalt",
        [src("kite", "edit", "5")],
        "The kite snapped its string and had one glorious minute of freedom. Then it landed in"
        " a lonely tree, and they both decided it was fate.",
    ),
    derived(
        "shadows-art",
        "image",
        "Sand on Its Feet",
        "moonlit-ink",
        [src("shadows", "illustration", "10")],
    ),
    derived(
        "rain-check-reading",
        "audio",
        "Rain Check (reading)",
        "velvetvoice",
        [src("rain-check", "audio", "5")],
    ),
    derived(
        "spare-key-art", "image", "Under the Rock", "tophat_q", [src("spare-key", "illustration")]
    ),
    derived(
        "inventory-short",
        "video",
        "Inventory (animated)",
        "pixelpond",
        [src("inventory", "adaptation", "12.5")],
    ),
    derived(
        "monday-art",
        "image",
        "Monday in Disguise",
        "doodlebug42",
        [src("monday", "illustration", "10")],
    ),
]

# Posted twice by mistake, and retracted by its author later on.
DUPLICATE = story(
    "monday-again",
    "Monday",
    "the_ferns",
    "Monday was tired of being hated, so it came disguised as a long Sunday. Nobody noticed.",
)

# A source added to an existing work after the fact (it closes a diamond on "goldfish").
LATE_CITATION = ("goldfish-comic", src("goldfish-fr", "translation", "5"))

VOL1_FIRST_WORKS = [
    "umbrella",
    "umbrella-watercolour",
    "overdue",
    "pocket-moon",
    "pocket-moon-art",
    "tiny-dragon",
    "tiny-dragon-art",
    "borrowed-smile",
]
VOL1_LATER_WORKS = ["snowman", "goldfish-art", "paper-boat", "lighthouse-spread"]
VOL2_FIRST_WORKS = ["kite", "firefly", "firefly-art"]
VOL2_LATER_WORKS = ["typewriter", "kite-de", "librarians-cat", "kite-art"]
VOL2_DROPPED = "kite-de"

REVENUE = [  # (id or None, amount in USD, when in the later period as a fraction)
    ("rev-0001", "12500.00", 0.05),
    ("rev-0002", "8735.50", 0.4),
    (None, "4210.25", 0.85),
]

GENERAL_COMMENTS = [
    "This made my morning.",
    "Short and perfect.",
    "I read this three times and smiled every time.",
    "Oh, I love this one!",
    "Such a gentle ending.",
    "This deserves a place in the book.",
    "Tiny, but it packs a punch.",
    "Adding this to my favourites.",
    "Thank you for sharing this.",
    "The last line got me.",
    "Wonderful, just wonderful.",
    "I can't stop thinking about this one.",
    "Sharing this with my whole family.",
    "Exactly the kind of thing I joined for.",
    "Quietly brilliant.",
    "Yes! More like this, please.",
    "This one feels like a warm scarf.",
    "I laughed out loud on the bus.",
]
COMMENTS_BY_FLAVOUR = {
    "text": [
        "Every word earns its place here.",
        "I'd love to see someone illustrate this.",
        "This would make a lovely audio reading.",
        "The second sentence is doing so much work. Love it.",
        "Somebody please translate this, it deserves to travel.",
        "Reading this to my kids tonight.",
        "Two sentences and a whole world.",
    ],
    "translation": [
        "Lovely translation, it keeps the wink at the end.",
        "The rhythm survives the translation beautifully.",
        "Merci ! This reads so naturally.",
        "¡Qué bonito! My grandmother will love this.",
        "Using this in my language class, thank you!",
    ],
    "image": [
        "The colours are gorgeous.",
        "Love the linework!",
        "This is exactly how I pictured it.",
        "The little details in the corner!",
        "Can I make this my desktop background?",
        "That expression, perfect.",
        "The light in this is magic.",
    ],
    "audio": [
        "Your voice is perfect for this.",
        "The pause before the last line is perfect.",
        "Love the soft music underneath.",
        "Listened on the train and grinned like a fool.",
        "Put this on repeat while I cooked dinner.",
    ],
    "video": [
        "The animation is so charming.",
        "The timing with the music is spot on.",
        "Watched it twice in a row.",
        "How long did this take? It's lovely.",
    ],
    "other": [
        "Making one of these this weekend!",
        "Printed it out, my niece is thrilled.",
    ],
}
AUTHOR_REPLIES = [
    "Thank you all so much!",
    "Thanks! I wrote this on the back of a receipt.",
    "So glad it made you smile.",
    "Thank you, this community is the best.",
    "Thanks for the kind words, everyone.",
]
DUPLICATE_COMMENT = "Isn't this the same as your other Monday story?"
DUPLICATE_REASON = "Posted twice by mistake; the first 'Monday' is the real one."

VOTES_PER_WORK = (1, 4)  # votes cast after each new work (inclusive range)
COMMENT_CHANCE = 0.55  # chance of a comment after each new work
REPLY_CHANCE = 0.15  # chance that a comment is an author's reply
DOWNVOTE_CHANCE = 0.06
RECENT_WORKS = 15  # "recent" works, which get most of the attention


# ------------------------------------------------------------------ building


def format_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_day(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@dataclass
class Pending:
    """An act to do once the period is ``not_before`` (0..1) done and ``needs`` are done."""

    not_before: float
    needs: tuple[str, ...]
    action: Callable[[], None]
    done: bool = False


class ArchiveBuilder:
    """Builds the archive's lines in order, keeping what a ledger would know so far."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.lines: list[dict[str, Any]] = [dict(HEADER)]
        self.period: list[dict[str, Any]] = []  # lines of the current period, not yet timed
        self.members = {spec.handle: spec for spec in MEMBERS}
        self.member_ids: dict[str, str] = {}  # handle -> "mem-001", in joining order
        self.works: dict[str, WorkSpec] = {}
        self.work_ids: dict[str, str] = {}  # key -> "rec-0001", in posting order
        self.royalty: dict[str, Decimal] = {}  # key -> total royalty over its sources
        self.retracted: set[str] = set()
        self.votes: dict[tuple[str, str], int] = {}  # (handle, key) -> current value
        self.settled_votes: set[tuple[str, str]] = set()  # changed or withdrawn already
        self.comments: list[tuple[str, str, str, str]] = []  # (id, key, handle, text)
        self.media_counts: dict[str, int] = {}
        self.done: set[str] = set()  # tokens of acts done: work keys, productions...
        self.featured: list[str] = []  # works that get extra attention (Volume 1)
        self.pickers = {
            name: TextPicker(texts, rng)
            for name, texts in [
                ("general", GENERAL_COMMENTS),
                ("replies", AUTHOR_REPLIES),
                *COMMENTS_BY_FLAVOUR.items(),
            ]
        }

    # -- periods and time

    def start_period(self) -> None:
        self.period = []

    def end_period(self, name: str) -> None:
        """Give the period's lines increasing times inside it and keep them."""
        start, end = (parse_day(day) for day in PERIODS[name])
        seconds = int((end - start).total_seconds())
        offsets = sorted(self.rng.sample(range(seconds), len(self.period)))
        for line, offset in zip(self.period, offsets, strict=True):
            line[TIME_FIELD[line["type"]]] = format_time(start + timedelta(seconds=offset))
        self.lines.extend(self.period)
        self.period = []

    def emit(self, line: dict[str, Any]) -> None:
        self.period.append(line)

    # -- members

    def join(self, handle: str) -> None:
        spec = self.members[handle]
        member_id = f"mem-{len(self.member_ids) + 1:03d}"
        self.member_ids[handle] = member_id
        self.emit(
            {
                "type": "member",
                "id": member_id,
                "handle": spec.handle,
                "name": spec.name,
                "joined_at": None,
            }
        )

    def ensure_joined(self, handle: str) -> None:
        if handle not in self.member_ids:
            self.join(handle)

    def grant_curator(self, handle: str) -> None:
        self.emit(
            {
                "type": "role",
                "member": self.member_ids[handle],
                "role": "curator",
                "granted_at": None,
            }
        )

    def rename(self, handle: str, name: str) -> None:
        member_id = self.member_ids[handle]
        self.emit(
            {
                "type": "member_renamed",
                "member": member_id,
                "name": name,
                "renamed_at": None,
                "by": member_id,
            }
        )

    def set_credit(self, handle: str, credit: str, pseudonym: str | None = None) -> None:
        member_id = self.member_ids[handle]
        self.emit(
            {
                "type": "credit_preference",
                "member": member_id,
                "credit": credit,
                "pseudonym": pseudonym,
                "set_at": None,
                "by": member_id,
            }
        )

    # -- works

    def post(self, spec: WorkSpec) -> None:
        for handle in spec.authors:
            self.ensure_joined(handle)
        for source in spec.sources:
            assert source.key in self.work_ids, f"{spec.key}: source {source.key} not posted yet"
            assert source.key not in self.retracted, f"{spec.key}: source {source.key} retracted"
        work_id = f"rec-{len(self.work_ids) + 1:04d}"
        self.works[spec.key] = spec
        self.work_ids[spec.key] = work_id
        self.royalty[spec.key] = Decimal(0)
        for source in spec.sources:
            self.add_royalty(spec.key, source)
        self.emit(
            {
                "type": "work",
                "id": work_id,
                "authors": [self.member_ids[handle] for handle in spec.authors],
                "title": spec.title,
                "kind": spec.kind,
                "created_at": None,
                "body": spec.body,
                "uri": self.media_uri(spec.kind),
                "license": self.members[spec.authors[0]].license,
                "sources": [self.source_field(source) for source in spec.sources] or None,
            }
        )
        self.done.add(spec.key)

    def media_uri(self, kind: str) -> str | None:
        if kind not in MEDIA:
            return None
        folder, extension = MEDIA[kind]
        self.media_counts[kind] = self.media_counts.get(kind, 0) + 1
        return f"https://example.org/{folder}/{self.media_counts[kind]:02d}.{extension}"

    def source_field(self, source: Source) -> dict[str, str]:
        field = {"id": self.work_ids[source.key], "relation": source.relation}
        if source.royalty is not None:
            field["royalty_percent"] = source.royalty
        return field

    def add_royalty(self, key: str, source: Source) -> None:
        if source.royalty is not None:
            self.royalty[key] += Decimal(source.royalty)
        assert self.royalty[key] <= MAX_ROYALTY_TOTAL, f"{key}: royalties over {MAX_ROYALTY_TOTAL}%"

    def cite(self, key: str, source: Source) -> None:
        self.add_royalty(key, source)
        self.emit(
            {
                "type": "citation",
                "work": self.work_ids[key],
                "source": self.source_field(source),
                "cited_at": None,
                "by": self.member_ids[self.works[key].authors[0]],
            }
        )

    def retract(self, key: str, reason: str) -> None:
        self.retracted.add(key)
        self.emit(
            {
                "type": "work_retraction",
                "work": self.work_ids[key],
                "retracted_at": None,
                "reason": reason,
                "by": self.member_ids[self.works[key].authors[0]],
            }
        )

    def schedule(self, specs: list[WorkSpec]) -> list[WorkSpec]:
        """A random posting order in which every work comes after its sources."""
        remaining, order, posted = list(specs), [], set(self.work_ids)
        while remaining:
            ready = [s for s in remaining if all(src.key in posted for src in s.sources)]
            assert ready, f"unpostable: {[s.key for s in remaining]}"
            chosen = self.rng.choice(ready)
            remaining.remove(chosen)
            posted.add(chosen.key)
            order.append(chosen)
        return order

    # -- comments and votes

    def open_works(self) -> list[str]:
        return [key for key in self.work_ids if key not in self.retracted]

    def pick_work(self) -> str:
        """Mostly recent works, sometimes featured ones, sometimes any work."""
        roll, works = self.rng.random(), self.open_works()
        featured = [key for key in self.featured if key not in self.retracted]
        if featured and roll < 0.2:
            return self.rng.choice(featured)
        if roll < 0.65:
            return self.rng.choice(works[-RECENT_WORKS:])
        return self.rng.choice(works)

    def vote(self, handle: str, key: str, value: int) -> None:
        assert handle not in self.works[key].authors, f"{handle} votes on own work {key}"
        assert key not in self.retracted
        self.votes[(handle, key)] = value
        self.emit(
            {
                "type": "vote",
                "work": self.work_ids[key],
                "member": self.member_ids[handle],
                "value": value,
                "created_at": None,
            }
        )

    def random_vote(self) -> None:
        key = self.pick_work()
        voters = [
            h
            for h in self.member_ids
            if h not in self.works[key].authors and (h, key) not in self.votes
        ]
        if voters:
            value = -1 if self.rng.random() < DOWNVOTE_CHANCE else 1
            self.vote(self.rng.choice(voters), key, value)

    def change_vote(self) -> None:
        """Someone changes their mind about a Volume 1 work."""
        candidates = [
            pair
            for pair, value in self.votes.items()
            if value != 0
            and pair not in self.settled_votes
            and pair[1] in self.featured
            and pair[1] not in self.retracted
        ]
        handle, key = self.rng.choice(candidates)
        self.settled_votes.add((handle, key))
        self.vote(handle, key, -self.votes[(handle, key)])

    def withdraw_vote(self) -> None:
        candidates = [
            pair
            for pair, value in self.votes.items()
            if value != 0 and pair not in self.settled_votes and pair[1] not in self.retracted
        ]
        handle, key = self.rng.choice(candidates)
        self.settled_votes.add((handle, key))
        self.votes[(handle, key)] = 0
        self.emit(
            {
                "type": "vote_withdrawal",
                "work": self.work_ids[key],
                "member": self.member_ids[handle],
                "withdrawn_at": None,
            }
        )

    def comment(self, handle: str, key: str, text: str) -> None:
        comment_id = f"cmt-{len(self.comments) + 1:04d}"
        self.comments.append((comment_id, key, handle, text))
        self.emit(
            {
                "type": "comment",
                "id": comment_id,
                "work": self.work_ids[key],
                "author": self.member_ids[handle],
                "text": text,
                "created_at": None,
            }
        )

    def random_comment(self) -> None:
        key = self.pick_work()
        spec = self.works[key]
        earlier = [(h, t) for _, k, h, t in self.comments if k == key]
        said = {text for _, text in earlier}
        others_spoke = any(h not in spec.authors for h, _ in earlier)
        if others_spoke and self.rng.random() < REPLY_CHANCE:
            self.comment(spec.authors[0], key, self.pickers["replies"].pick(said))
            return
        commenters = [h for h in self.member_ids if h not in spec.authors]
        picker = self.pickers[flavour(spec) if self.rng.random() < 0.5 else "general"]
        self.comment(self.rng.choice(commenters), key, picker.pick(said))

    def retract_comment(self) -> None:
        comment_id, _, handle, _ = self.rng.choice(self.comments)
        self.emit(
            {
                "type": "comment_retraction",
                "comment": comment_id,
                "retracted_at": None,
                "by": self.member_ids[handle],
            }
        )

    def activity(self) -> None:
        """What the community does after a new work appears: votes and maybe a comment."""
        for _ in range(self.rng.randint(*VOTES_PER_WORK)):
            self.random_vote()
        if self.rng.random() < COMMENT_CHANCE:
            self.random_comment()

    # -- productions

    def create_production(
        self, production: str, title: str, curator: str, works: list[str]
    ) -> None:
        curator_id = self.member_ids[curator]
        self.emit(
            {
                "type": "production",
                "id": production,
                "title": title,
                "curator": curator_id,
                "works": [self.work_ids[key] for key in works],
                "created_at": None,
                "by": curator_id,
            }
        )
        self.done.add(production)
        self.done.update(f"{production}+{key}" for key in works)

    def include(self, production: str, key: str, curator: str) -> None:
        assert key not in self.retracted
        self.emit(
            {
                "type": "inclusion",
                "production": production,
                "work": self.work_ids[key],
                "included_at": None,
                "by": self.member_ids[curator],
            }
        )
        self.done.add(f"{production}+{key}")

    def exclude(self, production: str, key: str, curator: str) -> None:
        self.emit(
            {
                "type": "exclusion",
                "production": production,
                "work": self.work_ids[key],
                "excluded_at": None,
                "by": self.member_ids[curator],
            }
        )

    def publish(self, production: str, curator: str) -> None:
        self.emit(
            {
                "type": "publication",
                "production": production,
                "published_at": None,
                "by": self.member_ids[curator],
            }
        )

    def revenue(self, production: str, revenue_id: str | None, amount: str) -> None:
        self.emit(
            {
                "type": "revenue",
                "production": production,
                "amount": amount,
                "currency": "USD",
                "received_at": None,
                "id": revenue_id,
            }
        )

    # -- a period of posting

    def post_period(self, specs: list[WorkSpec], pending: list[Pending]) -> None:
        """Post ``specs`` in a random order, each followed by community activity, and do the
        ``pending`` acts along the way as soon as they are due and possible."""
        order = self.schedule(specs)
        for index, spec in enumerate(order, start=1):
            self.post(spec)
            self.activity()
            self.run_pending(pending, index / len(order))
        self.run_pending(pending, 1.0)
        undone = [p.needs for p in pending if not p.done]
        assert not undone, f"pending acts never became possible: {undone}"

    def run_pending(self, pending: list[Pending], progress: float) -> None:
        for act in pending:
            if not act.done and act.not_before <= progress and set(act.needs) <= self.done:
                act.action()
                act.done = True


class TextPicker:
    """Deals texts from a shuffled pool in turn, avoiding texts already said on a work."""

    def __init__(self, texts: list[str], rng: random.Random) -> None:
        self.texts = list(texts)
        self.rng = rng
        self.queue: list[str] = []

    def pick(self, avoid: set[str]) -> str:
        for _ in range(2 * len(self.texts) + 1):
            if not self.queue:
                self.queue = list(self.texts)
                self.rng.shuffle(self.queue)
            text = self.queue.pop()
            if text not in avoid:
                return text
        raise AssertionError("every text of this pool was already said on the work")


def flavour(spec: WorkSpec) -> str:
    if any(source.relation == "translation" for source in spec.sources):
        return "translation"
    return spec.kind


def build_archive(rng: random.Random) -> list[dict[str, Any]]:
    """The whole archive, period by period."""
    b = ArchiveBuilder(rng)

    # January - March 2010: the founding members join.
    b.start_period()
    for spec in MEMBERS:
        if spec.founding:
            b.join(spec.handle)
    b.end_period("founding")

    # March 2010 - May 2011: the first stories and their remixes.
    b.start_period()
    b.post_period(
        EARLY_WORKS,
        [
            Pending(0.6, (), lambda: b.set_credit("nightowl_notes", "pseudonym", "The Night Owl")),
        ],
    )
    b.end_period("early")

    # June - November 2011: Volume 1 is put together while people keep posting.
    b.start_period()
    b.grant_curator("lanternkeeper")
    b.create_production(VOL1, VOL1_TITLE, "lanternkeeper", VOL1_FIRST_WORKS)
    b.featured = list(VOL1_FIRST_WORKS)
    b.post_period(
        VOLUME_1_WORKS,
        [
            *[
                Pending(
                    0.15 + 0.2 * index, (VOL1, key), partial(b.include, VOL1, key, "lanternkeeper")
                )
                for index, key in enumerate(VOL1_LATER_WORKS)
            ],
            Pending(0.5, (), lambda: b.rename("inkblot_ava", "Ava Lindqvist-Moreau")),
        ],
    )
    b.featured = VOL1_FIRST_WORKS + VOL1_LATER_WORKS
    b.end_period("volume-1")

    # 1 December 2011: Volume 1 is published.
    b.start_period()
    b.publish(VOL1, "lanternkeeper")
    b.end_period("publication")

    # December 2011 - December 2012: revenue comes in, Volume 2 is drafted.
    def post_duplicate() -> None:
        b.post(DUPLICATE)
        voters = [h for h in b.member_ids if h not in DUPLICATE.authors]
        for handle in rng.sample(voters, 2):
            b.vote(handle, DUPLICATE.key, 1)
        b.comment(rng.choice(voters), DUPLICATE.key, DUPLICATE_COMMENT)

    def start_volume_2() -> None:
        b.grant_curator("tinytales")
        b.create_production(VOL2, VOL2_TITLE, "tinytales", VOL2_FIRST_WORKS)

    later: list[Pending] = [
        Pending(fraction, (), partial(b.revenue, VOL1, revenue_id, amount))
        for revenue_id, amount, fraction in REVENUE
    ]
    later += [
        Pending(0.1, (), lambda: b.set_credit("ghostwriter", "none")),
        Pending(0.25, ("monday",), post_duplicate),
        Pending(0.3, (LATE_CITATION[0],), lambda: b.cite(*LATE_CITATION)),
        Pending(0.35, (), b.retract_comment),
        Pending(0.45, tuple(VOL2_FIRST_WORKS), start_volume_2),
        *[
            Pending(0.5 + 0.08 * index, (VOL2, key), partial(b.include, VOL2, key, "tinytales"))
            for index, key in enumerate(VOL2_LATER_WORKS)
        ],
        Pending(0.6, (), b.change_vote),
        Pending(0.65, (), b.change_vote),
        Pending(0.7, (), b.change_vote),
        Pending(0.75, (), b.withdraw_vote),
        Pending(
            0.8, (f"{VOL2}+{VOL2_DROPPED}",), lambda: b.exclude(VOL2, VOL2_DROPPED, "tinytales")
        ),
        Pending(0.9, (DUPLICATE.key,), lambda: b.retract(DUPLICATE.key, DUPLICATE_REASON)),
    ]
    b.start_period()
    b.post_period(LATER_WORKS, later)
    b.end_period("later")

    check(b)
    return b.lines


# -------------------------------------------------------------------- checks


def check(b: ArchiveBuilder) -> None:
    """Refuse an archive that breaks the rules the sample promises."""
    lines = b.lines
    times = [line[TIME_FIELD[line["type"]]] for line in lines[1:]]
    assert all(a < c for a, c in pairwise(times)), "times must strictly increase"
    assert times[0].startswith("2010") and times[-1].startswith("2012")
    counts: dict[str, int] = {}
    for line in lines:
        counts[line["type"]] = counts.get(line["type"], 0) + 1
    assert counts["member"] >= 32 and counts["work"] >= 130
    assert counts["comment"] >= 60 and counts["vote"] >= 300
    assert counts["vote_withdrawal"] == 1 and counts["work_retraction"] == 1
    assert counts["production"] == 2 and counts["revenue"] == len(REVENUE)
    (retraction,) = (n for n, line in enumerate(lines) if line["type"] == "work_retraction")
    retracted = lines[retraction]["work"]
    for line in lines[retraction + 1 :]:
        mentioned = [line.get("work"), *(s["id"] for s in line.get("sources") or ())]
        assert retracted not in mentioned, f"{retracted} is referred to after its retraction"
    for spec in b.works.values():
        assert all(len(h) <= 32 for h in spec.authors)


def dumps(line: dict[str, Any]) -> str:
    """One line as export_archive writes it: compact, UTF-8, absent fields left out."""
    present = {key: value for key, value in line.items() if value is not None}
    return json.dumps(present, ensure_ascii=False, separators=(",", ":"))


def main() -> None:
    lines = build_archive(random.Random(SEED))
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    with OUTPUT.open("w", encoding="utf-8", newline="\n") as out:
        for line in lines:
            out.write(dumps(line) + "\n")
    print(f"wrote {len(lines)} lines to {OUTPUT}")


if __name__ == "__main__":
    main()
