"""Reading a conversation: every "Title (Year)" linked with liked/disliked, and films liked together in real
conversations (the comention signal) — real Chroma store, real embedder, the chat's own linker."""

from __future__ import annotations

from pathlib import Path

import pytest

from chatrec.catalog.store import ChromaStore
from chatrec.models import Item
from chatrec.pipeline.titles import TitleIndex, disliked, part_title_keys, spoken_title, title_keys, without_spans
from tests.helpers import make_bot

TRANSCRIPT = (
    "Hi, what kind of movies do you like?\n"
    "I loved Toy Story (1995) and Finding Nemo (2003). I didn't like The Shining (1980) but Paddington (2014) was fun.\n"
    "Have you seen Interstellar (2014)?\n"
    "Not yet, but I want something for a family night, like Some Film Nobody Has (2011)."
)


@pytest.mark.parametrize(("title", "keys"), [
    ("Matrix, The", ["the matrix"]),
    ("Seven (a.k.a. Se7en)", ["seven", "se7en"]),
    ("Postman, The (Postino, Il)", ["the postman"]),
    ("Amélie", ["amelie"]),  # as people type it
])  # fmt: skip
def test_title_forms(title: str, keys: list[str]) -> None:
    assert title_keys(title) == keys


@pytest.mark.parametrize(("title", "extra", "spoken"), [
    ("Good, the Bad and the Ugly, The (Buono, il brutto, il cattivo, Il)", {}, "The Good, the Bad and the Ugly"),
    ("The Fellowship of the Ring:Being the First Part of the Lord of the Rings", {}, "The Fellowship of the Ring"),
    ("Star Wars: Episode VI - Return of the Jedi", {}, "Star Wars: Episode VI - Return of the Jedi"),  # long, not too long
    ("Toy Story (1995)", {"title_zh": "玩具总动员/反斗奇兵"}, "玩具总动员"),  # in Chinese, its Chinese title
])  # fmt: skip
def test_a_title_as_a_sentence_names_it(title: str, extra: dict[str, str], spoken: str) -> None:
    assert spoken_title(Item(id="1", domain="movies", title=title, extra=extra), "zh") == spoken
    assert spoken_title(Item(id="1", domain="movies", title="Toy Story", extra={"title_zh": "玩具总动员"}), "en") == "Toy Story"


@pytest.mark.parametrize(("title", "keys"), [
    ("Lord of the Rings: The Fellowship of the Ring, The", ["the lord of the rings", "the fellowship of the ring"]),
    ("Star Wars: Episode VI - Return of the Jedi", ["star wars", "return of the jedi"]),
    ("Alien: Resurrection", ["alien", "resurrection"]),  # words: they name it only if rare (see _main_names)
    ("Toy Story", []),
])  # fmt: skip
def test_part_title_forms(title: str, keys: list[str]) -> None:
    assert part_title_keys(title) == keys


def test_every_titled_mention_is_linked_with_what_was_said_of_it(catalog_store: ChromaStore) -> None:
    titles = TitleIndex(catalog_store)
    found = {m.title: m.liked for m in titles.with_years(TRANSCRIPT, "movies")}
    assert found == {"Toy Story": True, "Finding Nemo": True, "The Shining": False, "Paddington": True, "Interstellar": True}
    assert not titles.with_years("Toy Story (1999) is not the year it came out", "movies")  # the year must match
    assert [m.title for m in titles.with_years("she liked Toy Storey (1995)", "movies")] == ["Toy Storey"]  # a typo still links


@pytest.mark.parametrize(("before", "after", "negative"), [
    ("I wasn't a big fan of", "", True),
    ("I saw it but didn't care for", "", True),
    ("not into subtitles, I'll check out", "", False),  # the last opinion before the title is about it
    ("just not a fan of them but I watched", " and liked it", False),  # "but" turns the sentence
    ("I have seen", " but have not seen the other", False),
    ("", " was ok, but not really my cup of tea", True),  # a verdict after the title
    ("", " was a little boring", True),
    ("Some of my favorites are", ", Bad Moms", False),  # "Bad" is the next title, not a verdict
    ("I wasnt a very big fan of", " but the soundtrack was catchy", True),
    ("I saw", " but didn't care for it.", True),
    ("That sounds interesting. I saw", " and I wasnt not at all interested in it", True),
    ("I liked all of his films except", "", True),
    ("What other funny movies besides", " are out", False),  # more like it, not a dislike
    ("我不太喜欢", "", True),
    ("我很喜欢", "", False),
])  # fmt: skip
def test_what_is_said_around_a_title_says_whether_it_was_liked(before: str, after: str, negative: bool) -> None:
    assert disliked(before, after) == negative


class _Store:
    """What the title look-ups ask of a store: its titles and items."""

    ITEMS = [Item(id=t.casefold(), domain="movies", title=t, genres=g, popularity=p) for t, g, p in [
        ("Mother", ["Drama"], 1), ("Keanu", ["Comedy"], 1), ("V for Vendetta", ["Action"], 1), ("Elf", ["Comedy"], 1),
        ("Titanic", ["Romance"], 1), ("Romance", ["Drama"], 1), ("Her", ["Romance"], 1), ("Scary Movie", ["Comedy"], 1),
        ("Frozen", ["Animation"], 1), ("Crouching Tiger, Hidden Dragon (Wo hu cang long)", ["Action"], 1),
        ("Hero", ["Drama"], 5), ("Hero (Ying xiong)", ["Action"], 50),
        ("Ace Ventura: Pet Detective", ["Comedy"], 30), ("Ace Ventura: When Nature Calls", ["Comedy"], 20),
        ("Dune", ["Sci-Fi"], 10), ("Dune: Part Two", ["Sci-Fi"], 40), ("Terminator 2: Judgment Day", ["Action"], 40),
        ("Comic Book: The Movie", ["Comedy"], 1), ("Guardians of the Galaxy", ["Action"], 30),
        ("Guardians of the Galaxy 2", ["Action"], 20), ("Signs", ["Thriller"], 10), ("Jaws", ["Horror"], 10),
        ("Silver Linings Playbook", ["Romance"], 10), ("Yes", ["Drama"], 1), ("Brüno (Bruno)", ["Comedy"], 30),
        ("Borat: Cultural Learnings of America for Make Benefit Glorious Nation of Kazakhstan", ["Comedy"], 65),
        ("Tupac: Resurrection", ["Documentary"], 1), ("Bay", ["Drama"], 1), ("Annabelle", ["Horror"], 2),
        ("Jumanji", ["Adventure"], 100), ("Airheads", ["Comedy"], 5), ("Fantasia", ["Animation"], 30),
        ("Snipes", ["Drama"], 1), ("Pickpocket", ["Crime"], 3), ("Blended", ["Comedy"], 8), ("The Cruise", ["Documentary"], 1),
        ("Clown", ["Horror"], 2), ("The Lion King", ["Animation"], 170), ("The Rock", ["Action"], 60), ("Psycho", ["Horror"], 80),
        ("The Others", ["Horror"], 40), ("The Romantics", ["Comedy"], 1), ("Memento", ["Thriller"], 150),
        ("Shutter Island", ["Thriller"], 60), ("Donnie Darko", ["Drama"], 100), ("The Silence of the Lambs", ["Thriller"], 280),
        ("The Guard", ["Comedy"], 5), ("Talk to Her (Hable con Ella)", ["Drama"], 10), ("Crash", ["Drama"], 60),
    ]]  # fmt: skip

    def items(self, domain: str) -> list[Item]:
        return self.ITEMS


@pytest.mark.parametrize(("message", "found"), [
    ("I also like movies similar to V for Vendetta.", ["V for Vendetta"]),  # a cue inside another cue's span
    ("So far our favorite is Elf.", ["Elf"]),
    ("I like other genres too", []),  # "other" is 91% of "Mother": a short name must match exactly
    ("Actually I like Keanu Reaves a lot", []),  # a person's first name, not the film Keanu
    ("I liked Titanic I saw it twice", ["Titanic"]),
    ("i think action movies are boring; i don't care for romance either.", []),  # a genre, not the film Romance
    ("i love her!", []),  # a pronoun, not the film Her
    ("I love scary movies the most", []),  # a kind of film, not Scary Movie
    ("I liked Frozen 2 a lot", []),  # a sequel is not the film it continues
    ("I loved crouching tiger hidden dragon", ["Crouching Tiger, Hidden Dragon (Wo hu cang long)"]),  # punctuation aside
    ("My favorite is Hero, what about you?", ["Hero (Ying xiong)"]),  # two films of one name: the most-rated
    ("I liked Terminator 2 a lot", ["Terminator 2: Judgment Day"]),  # a title without its subtitle
    ("I love comic book characters", []),  # a main part of common words is no title
    ("I loved ace ventura when I was a kid", []),  # two films have that main title: a series, not one film
    ("I liked Ace Ventura: When Nature Calls", ["Ace Ventura: When Nature Calls"]),
    ("I liked Dune a lot", ["Dune"]),  # a whole title beats another's main part; one word is never a main part
    ("I love Guardians of the Galaxy as well.", ["Guardians of the Galaxy"]),  # an exact title beats a near longer one
    ("I love all the Terminator 2 movies", []),  # a series
    ("I liked Bruno a lot", ["Brüno (Bruno)"]),  # typed without its accent
    ("I loved Borat", ["Borat: Cultural Learnings of America for Make Benefit Glorious Nation of Kazakhstan"]),  # one rare word
    ("I liked Tupac in it", []),  # one rare word, but of a film few have rated: a person, most likely
])  # fmt: skip
def test_titles_after_a_cue_without_false_friends(message: str, found: list[str]) -> None:
    """Cases from a hand-checked sample of INSPIRED messages."""
    assert [m.title for m in TitleIndex(_Store()).find(message, "movies")] == found  # type: ignore[arg-type]


def test_a_title_named_with_its_year_is_that_years_film() -> None:
    """After a cue, "Halloween" alone is the most-rated film of that name; with "(2007)" it is only the 2007 one."""

    class Store(_Store):
        ITEMS = [Item(id="h78", domain="movies", title="Halloween", year=1978, popularity=50),
                 Item(id="h07", domain="movies", title="Halloween", year=2007, popularity=5)]  # fmt: skip

    titles = TitleIndex(Store())  # type: ignore[arg-type]
    assert [m.item_id for m in titles.mentions("I liked Halloween (2007) a lot", "movies")] == ["h07"]
    assert [m.item_id for m in titles.mentions("I liked Halloween a lot", "movies")] == ["h78"]


@pytest.mark.parametrize(("message", "found"), [
    ("Oculus, Signs, jaws - I'm a horror fan", ["Signs", "jaws"]),  # a list's items are names, one word or lower case
    ("My favourites are Signs, Jaws, and Dune", ["Signs", "Jaws", "Dune"]),  # the first item ends with a title
    ("Titanic, Elf, Hero - all great", ["Titanic", "Elf", "Hero"]),  # a one-word title that two films share: the most-rated
    ("silver lining playbook, jaws, signs", ["silver lining playbook", "jaws", "signs"]),  # a long item may be misspelt
    ("Signs, please, and more thrillers, and some snacks", []),  # one title is no list
    ("yes, sure, romance", []),  # everyday words and genres are never a list's titles
    ("I saw Signs. Jaws was better, and long", []),  # a list stays within a clause
    ("Signs, ~, Jaws", ["Signs", "Jaws"]),
    ("I loved Signs and Jaws", ["Signs", "Jaws"]),  # "and", "or" separate a list's items too
    ("Dune or Jaws?", ["Dune", "Jaws"]),  # an item with no word in it (a ReDial seeker's line had crashed the turn)
    ("right now, I really love Signs, Titanic (the original) and of course Jaws", ["Signs", "Titanic", "Jaws"]),  # asides
    ("He was directed by Michael Bay, Jaws and Signs", ["Jaws", "Signs"]),  # a title never starts after a capitalised word
])  # fmt: skip
def test_titles_written_as_a_list(message: str, found: list[str]) -> None:
    """Cases like the development sample's "bridesmaids, Tammy, hustlers, angry birds, jumangi"."""
    assert [m.title for m in TitleIndex(_Store()).listed(message, "movies")] == found  # type: ignore[arg-type]


@pytest.mark.parametrize(("message", "found"), [
    ("I loved The Matrix and Alien", ["The Matrix", "Alien"]),  # "Alien" had been missed: one word in running text
    ("I watched Beauty and the Beast", ["Beauty and the Beast"]),  # a title with "and" in it stays whole
    ("I loved Romeo and Juliet", ["Romeo and Juliet"]),
    ("me and my wife loved Up", []),
    ("I love Monsters, Inc. (2001)! It's adorable.", ["Monsters, Inc."]),  # was *Monsters* (2010): "Inc." ended the sentence
    ("I loved Toy Story and Toy Story 2 (1999)", ["Toy Story", "Toy Story 2"]),
    ("Silver Lining Playbook.", ["Silver Linings Playbook"]),  # a message that is only a title, misspelt
    ("Thank You!", []),
    ("Do you like romantic movie or thriller movie?", []),  # had linked The Romantics
])  # fmt: skip
def test_titles_joined_by_and_on_the_demo_catalog(demo_store: ChromaStore, tmp_path: Path, message: str, found: list[str]) -> None:
    bot = make_bot(demo_store, None, tmp_path)
    assert [bot.title_of(i) for i in bot.understand(message).liked_ids] == found


@pytest.mark.parametrize(("message", "found"), [
    ("It looks better than the first anabelle. I will def check this one out.", ["anabelle"]),  # a letter out; "." parts it from "I"
    ("bridesmaids, angry birds, jumangi", ["jumangi"]),
    ("not sure if I saw Airheads. I'll have to add that to my list", ["Airheads"]),
    ("Loved Airheads!", ["Airheads"]),  # a sentence's first word is no first name
    ("the visuals were fantastia", []),  # "fantastic" misspelt, not Fantasia
    ("what about the one with Wesley Snipes", []),  # a surname
    ("a pickpocket steals his wallet", []),  # a word after "a"
    ("I asked Annabelle Wallis about it", []),  # a first name
])  # fmt: skip
def test_a_one_word_title_in_running_text_even_misspelt(message: str, found: list[str]) -> None:
    """Cases from the development sample and ReDial's validation messages (``bench/linking.py``)."""
    assert [m.title for m in TitleIndex(_Store()).bare(message, "movies")] == found  # type: ignore[arg-type]


@pytest.mark.parametrize(("message", "found"), [
    ("Blended sounds good. I would love to watch the trailer.", ["Blended"]),  # a common word, judged as a film is
    ("I think that Frozen was great", ["Frozen"]),
    ("psycho is good", ["Psycho"]),  # a message all in lower case names its films in lower case
    ("Tom Cruise was great in this film.", []),  # a surname, after a capitalised word
    ("I thought it was long, but the clown was great", []),  # a thing, after an article
    ("can we watch frozen 1 on TV?", ["Frozen"]),  # the first of a series
    ("I liked Frozen 2 a lot", []),
    ("Did the new Lion King have the same story as the original?", []),  # a remake the catalog may lack
    ("I'm a wrestling fan (The Rock is a better actor).", []),  # a person
    ("They loved the other ones.", []),  # everyday words are never a title misspelt ("the other" is 95% of "the others")
    ("I love romantic comedies", []),  # a kind of film, as "romantic movie" is
    ("well, im gonna go watch myself some 'Momento', it was nice chatting", ["Memento"]),  # quoted, a letter out
    ("something like Shutter Island, Donny Darko, Silence of the Lambs", ["Shutter Island", "Donnie Darko", "The Silence of the Lambs"]),
    ("Don Cheadle starred in The Guard, Talk to Me, and Crash.", ["The Guard", "Crash"]),  # words spelt right are not a near title
])  # fmt: skip
def test_titles_people_name_as_they_talk(message: str, found: list[str]) -> None:
    """Cases from the second fresh sample of INSPIRED messages and the lines around it (``bench/linking.py``)."""
    titles = TitleIndex(_Store())  # type: ignore[arg-type]
    assert sorted(titles.name(m.item_id) or "" for m in titles.mentions(message, "movies")) == sorted(found)


class _DatedStore(_Store):
    ITEMS = [Item(id=t.casefold(), domain="movies", title=t, year=y, popularity=p) for t, y, p in [
        ("Jumanji", 1995, 110), ("Jumanji: Welcome to the Jungle", 2017, 6), ("Black Panther", 2017, 11), ("Gone", 2012, 2),
        ("Gone in 60 Seconds", 2000, 40), ("Home", 2015, 3), ("Home Alone", 1990, 90), ("Anything Else", 2003, 5),
        ("The Others", 2001, 40), ("Zombieland", 2009, 53), ("Paperman", 2012, 2), ("Dumb & Dumber (Dumb and Dumber)", 1994, 100),
        ("Nowhere", 1997, 1), ("Forrest Gump", 1994, 330), ("The Class (Klass)", 2007, 1), ("The Lego Movie", 2014, 31),
        ("Scream", 1996, 70), ("Jaws", 1975, 91), ("The Queen", 2006, 20), ("Men in Black III (M.III.B.) (M.I.B.³)", 2012, 18),
        ("Like Mike", 2002, 3), ("Frances", 1982, 2), ("Judd Apatow: The Return", 2017, 1), ("Planet of the Apes", 1968, 56),
        ("Dawn of the Planet of the Apes", 2014, 15),
    ]]  # fmt: skip


@pytest.mark.parametrize(("message", "found"), [
    ("Have you seen The Lego Movie?", ["The Lego Movie"]),  # "seen", "do you know", "the movie" are cues too
    ("Do you know Jaws?", ["Jaws"]),
    ("I love the movie Scream. Anything similar?", ["Scream"]),
    ("Have you seen Jumanji (2017)?", ["Jumanji: Welcome to the Jungle"]),  # that year's film, not the most-rated
    ("Have you seen Jumanji (2012)?", []),  # no film of that name and year
    ("We saw Black Panther (2018) and liked it", ["Black Panther"]),  # a year out: a release date's
    ("something similar to Gone in 60 Seconds (2000)?", ["Gone in 60 Seconds"]),  # not *Gone*: the words up to a year
    ("I haven't seen Home Alone 2 yet", []),  # a sequel, not *Home*
    ("Do you know anything else he was in?", []),  # talk after "do you know", "seen"
    ("I have seen the Pitch Perfect, it was good. I haven't seen the others.", []),
    ("Yes I like him in Zombie Land and Paper Man", ["Zombieland"]),  # written apart: a film many have rated
    ("Have you ever seen Dumb and Dumber (1994)?", ["Dumb & Dumber (Dumb and Dumber)"]),  # "&" written "and"
    ("you should love a movie called Nowhere to Run", []),  # the start of a longer name
    ("Seen Forest Gump but it's not a suspense.", ["Forrest Gump"]),  # misspelt: "gump" is a rare word
    ("Okay, have you seen the classic A Nightmare on Elm Street?", []),  # "the classic" is words spelt right
    ("Do you know when Men in Black 3 was released?", ["Men in Black III (M.III.B.) (M.I.B.³)"]),  # a Roman number's digits
    ("I like Mike Colter. Movies with him?", []),  # a name starts at the capital
    ("I love frances mcdormand, what else was she in?", []),  # a first name and a surname in lower case
    ("Do you know any movie by Judd Apatow?", []),  # a person, the start of a title few have rated
    ("Could you recommend movies related to Dawn of the Planet of the Apes?", ["Dawn of the Planet of the Apes"]),  # 7 words
])  # fmt: skip
def test_titles_after_seen_and_before_a_year(message: str, found: list[str]) -> None:
    """Cases from OpenDialKG's test dialogues and ReDial's validation messages."""
    titles = TitleIndex(_DatedStore())  # type: ignore[arg-type]
    assert sorted(titles.name(m.item_id) or "" for m in titles.mentions(message, "movies")) == sorted(found)


def test_of_films_sharing_a_name_the_one_whose_people_are_named() -> None:
    class Store(_Store):
        ITEMS = [Item(id="g00", domain="movies", title="The Gift", year=2000, popularity=13, authors=["Sam Raimi"]),
                 Item(id="g15", domain="movies", title="The Gift", year=2015, popularity=4, extra={"stars": "Jason Bateman, Rebecca Hall"})]  # fmt: skip

    titles = TitleIndex(Store())  # type: ignore[arg-type]
    assert [m.item_id for m in titles.mentions("I like Jason Bateman. Do you know who directed The Gift?", "movies")] == ["g15"]
    assert [m.item_id for m in titles.mentions("Sam Raimi made The Gift", "movies")] == ["g00"]
    assert [m.item_id for m in titles.mentions("Do you know who directed The Gift?", "movies")] == ["g00"]  # the most-rated
    assert [m.item_id for m in titles.mentions("I loved The Gift with Bateman", "movies")] == ["g15"]  # a surname, capitalised

    class Heroes(_Store):  # a title with its original name in brackets shares its name all the same
        ITEMS = [Item(id="h02", domain="movies", title="Hero (Ying xiong)", year=2002, popularity=50, extra={"stars": "Jet Li"}),
                 Item(id="h92", domain="movies", title="Hero", year=1992, popularity=5, extra={"stars": "Dustin Hoffman, Geena Davis"})]  # fmt: skip

    heroes = TitleIndex(Heroes())  # type: ignore[arg-type]
    assert [m.item_id for m in heroes.mentions("I liked Hero with Dustin Hoffman", "movies")] == ["h92"]
    assert [m.item_id for m in heroes.mentions("I liked Hero a lot", "movies")] == ["h02"]


@pytest.mark.parametrize(("message", "found"), [
    ("We watched Finding Nemo last night and I didn't like Notting Hill much.", {"Finding Nemo": True, "Notting Hill": False}),
    ("Have you seen apollo 13?", {"apollo 13": True}),  # lower case, but words unlikely side by side by chance
    ("she told a toy story at bedtime", {}),  # lower-case words common enough to meet by chance
    ("i think conjuring was scarier than Paddington", {"conjuring": True}),  # one rare word; "Paddington" is a place too
    ("Toy Story 2 was fun", {}),  # a sequel is not the film it continues
    ("How do I forget The Shining!?", {"The Shining": True}),
])  # fmt: skip
def test_a_title_of_several_words_is_found_without_a_cue_or_year(catalog_store: ChromaStore, message: str, found: dict[str, bool]) -> None:
    assert {m.title: m.liked for m in TitleIndex(catalog_store).bare(message, "movies")} == found


def test_a_titles_words_and_year_are_not_the_request(catalog_store: ChromaStore) -> None:
    titles = TitleIndex(catalog_store)
    text = "I don't want to watch War and Peace (2002), something like Interstellar (2014) please"
    reading = without_spans(text, titles.named(text, ["movies"]))
    assert "War" not in reading and "2002" not in reading and "2014" not in reading and "something like" in reading


def test_a_title_found_after_a_cue_is_cut_where_its_words_stand() -> None:
    from chatrec.pipeline.titles import TitleMention

    up = TitleMention(item_id="u", title="Up", liked=True)  # found by a cue: no place in the text
    assert without_spans("I loved Up, something uplifting", [up]).split() == ["I", "loved", ",", "something", "uplifting"]


def test_a_pasted_transcript_steers_the_picks_and_nothing_named_comes_back(catalog_store: ChromaStore, tmp_path: Path) -> None:
    bot = make_bot(catalog_store, None, tmp_path)
    intent = bot.understand(TRANSCRIPT, "t1")
    assert intent.domain == "movies" and intent.constraints.year_min is None and intent.constraints.year_max is None
    assert set(intent.liked_ids) == {"m1", "m5", "m9", "m10"} and intent.rejected_ids == ["m8"]
    for domain in (None, "movies"):  # a domain chosen in the UI (or by an evaluation) re-reads genre words, not the titles' years
        chosen = bot.understand("Maybe you would like Toy Story (1995) or Heat (1995).\nthat sounds interesting", "t2", domain=domain)
        assert chosen.constraints.year_min is None and chosen.constraints.year_max is None, domain
    picks = bot.rank(TRANSCRIPT, k=10)
    assert picks and not {p.item_id for p in picks} & {"m1", "m5", "m8", "m9", "m10"}  # never recommended back


def test_films_liked_together_in_conversations_lead(catalog_store: ChromaStore, tmp_path: Path) -> None:
    """A co-mention file says people who liked Toy Story (m1) also liked Apollo 13 (m2): it ranks first after naming Toy Story,
    and the signal drops out when nothing named was ever mentioned, unless the request leaves nothing to search for."""
    comentions = tmp_path / "comentions.csv"
    rows = [f"c{n},m1,1,0\nc{n},m2,1,0" for n in range(5)] + ["c9,m4,1,0\nc9,m7,1,0"]
    comentions.write_text("userId,movieId,rating,timestamp\n" + "\n".join(rows) + "\n")
    bot = make_bot(catalog_store, None, tmp_path / "d", comentions={"movies": comentions})
    picks = bot.rank("I loved Toy Story (1995), what else should I watch?", k=5)
    assert picks[0].item_id == "m2" and picks[0].signals.get("comention", 0) > 0
    plain = bot.rank("a film about space", k=5, domain="movies")
    assert all("comention" not in p.signals for p in plain)
    # nothing named and nothing to search for beyond a genre: the comedy most conversations name leads
    chat = "Hi! What kind of movies do you like?\nHello, I am a big fan of comedies. Any ideas?"
    assert bot.understand(chat, "open").open_request
    opened = bot.rank(chat, k=5, domain="movies")
    assert opened[0].item_id == "m1" and opened[0].signals.get("comention", 0) > 0 and {p.item_id for p in opened} == {"m1", "m4", "m9"}
    without = make_bot(catalog_store, None, tmp_path / "e")  # no co-mention file: the same request ranks on the rest
    assert without.rank("I loved Toy Story (1995), what else should I watch?", k=5)[0].signals.get("comention") is None


def test_a_long_pasted_conversation_keeps_its_latest_part(catalog_store: ChromaStore, tmp_path: Path) -> None:
    """10,000 words of transcript: the budget keeps the end, where the latest request is, and says so."""
    transcript = "\n".join(["I watched a lot of films this year, many were fine and some were not."] * 700 + [
        "Anyway, I loved Paddington (2014). Something like it?"])  # fmt: skip
    reply = make_bot(catalog_store, None, tmp_path).chat(transcript, "long")
    assert any("last" in n for n in reply.notices) and "m9" in reply.intent.liked_ids
    assert reply.items and "m9" not in {r.item_id for r in reply.items}


def test_films_named_and_another_domain_asked_for(catalog_store: ChromaStore, tmp_path: Path) -> None:
    """The films named say what the person liked; the domain they name besides is what they ask for."""
    bot = make_bot(catalog_store, None, tmp_path)
    assert bot.understand("I loved the films Finding Nemo and The Shining; recommend me a toy", "a").domain == "toys"
    assert bot.understand("Any toys like the films Finding Nemo and Paddington?", "b").domain == "toys"
    assert bot.understand("I loved the films Finding Nemo and The Shining, what else?", "c").domain == "movies"


def test_films_named_by_someone_asking_for_a_toy_steer_the_toys(catalog_store: ChromaStore, tmp_path: Path) -> None:
    """The films' vectors (one embedding space for every domain) shape the profile the toys are ranked against."""
    bot = make_bot(catalog_store, None, tmp_path).with_weight("profile", 0.3)
    reply = bot.chat("I loved the films Finding Nemo and Toy Story (1995); recommend me a toy", "a")
    assert reply.intent.domain == "toys" and {"m5", "m1"} <= set(reply.intent.liked_ids)
    assert reply.items and all(r.domain == "toys" for r in reply.items)
    assert any(r.signals.get("profile", 0) > 0 for r in reply.items)
