from veracity.guard.opposites import opposed


def test_a_superlative_against_its_opposite() -> None:
    assert opposed("What is the smallest city in Estonia?", "Tallinn is the largest city.") == (
        "smallest",
        "largest",
    )
    assert opposed("When was the first game?", "The last game was played in 1990.") == (
        "first",
        "last",
    )


def test_the_same_side_or_a_synonym_is_no_opposition() -> None:
    assert opposed("What is the biggest city?", "Tallinn is the largest city.") is None
    assert (
        opposed("What is the largest city?", "Tartu is the smallest, Tallinn the largest.") is None
    )
    assert (
        opposed("When was the last game?", "The final game was in 1990; the first in 1950.") is None
    )
    assert opposed("What is the largest city?", "Tallinn has 450,000 people.") is None


def test_converse_relations_are_not_listed() -> None:
    # "X is larger than Y" answers "what is smaller than X?"; "north of" answers "south of"
    assert opposed("Which town is smaller than Tartu?", "Tartu is larger than Elva.") is None
    assert opposed("What lies south of Tartu?", "Tartu lies north of Elva.") is None
    assert opposed("What happened after the war?", "Before the war, trade grew.") is None


def test_names_and_idioms_do_not_count() -> None:
    assert (
        opposed("What is the capital of West Virginia?", "East Germany's capital was Berlin.")
        is None
    )
    assert opposed("How long did the war last?", "The first battle was fought in 1914.") is None
    assert opposed("What do most people eat?", "At least half of them eat rice.") is None


def test_states_and_ranges() -> None:
    assert opposed("Which port is enabled?", "Port 22 is disabled by default.") == (
        "enabled",
        "disabled",
    )
    assert opposed("What is the minimum fee?", "The maximum fee is 40 euros.") == (
        "minimum",
        "maximum",
    )
    assert (
        opposed("Is the repository public?", "The repository is public, the wiki private.") is None
    )


def test_first_since_says_which_was_last() -> None:
    told = "It is the first Super Bowl in California since Super Bowl XXXVII in 2003."
    assert opposed("When was the last Super Bowl in California?", told) is None
    assert opposed("When was the last Super Bowl in California?", "The first was in 1967.") == (
        "last",
        "first",
    )


def test_a_phrase_is_matched_before_its_words() -> None:
    told = "Teachers must have at least a bachelor's degree."
    assert opposed("What degree must a teacher have, at a maximum?", told) == (
        "maximum",
        "at least",
    )
    assert opposed("What degree must a teacher have, at a minimum?", told) is None
    assert opposed("What do most teachers need?", told) is None  # "at least" is not "least"


def test_open_and_closed() -> None:
    told = "The Tallinn office is open from 8:00 to 19:00 on weekdays."
    assert opposed("When is the office closed?", told) == ("closed", "open")
    assert opposed("When is the office closed?", "It is open daily but closed on holidays.") is None
    assert opposed("Is the office close to the station?", "It opened in 2019.") is None
    # "close" as a verb is "closed": opening hours do not say when something closes
    hours = "The library opens at 9 am Monday to Saturday."
    assert opposed("What time does the library close on Thursday?", hours) == ("close", "opens")
    assert opposed("What time does the library close?", "It closes at 7 pm.") is None
    # opening hours with both ends say when it closes
    museum = "The museum is open Tuesday to Sunday from 10 am to 5 pm, and until 8 pm on Thursdays."
    assert opposed("What time does the museum close?", museum) is None
    assert opposed("When does the shop close?", "It opens 9:00-17:30 on weekdays.") is None
    cafe = "The café is open 07:30 to 19:00 on weekdays and 09:00 to 17:00 at weekends."
    assert opposed("What time does the cafe shut on a Saturday?", cafe) is None
    assert opposed("What time does the cafe shut?", "The café opens at 07:30.") == ("shut", "opens")


def test_early_and_late() -> None:
    told = "Late check-out until 2 pm costs £25."
    assert opposed("How much does early check-out cost?", told) == ("early", "late")
    assert opposed("How much does late check-out cost?", told) is None


def test_arriving_is_not_departing() -> None:
    said = "Flight TP1351 leaves Lisbon at 07:40 and lands in Porto at 08:35."
    assert opposed("When does the train arrive?", "The train departs at 09:15.") == (
        "arrive",
        "departs",
    )
    assert opposed("When does the flight land?", said) is None  # "land" is no pair word
    assert opposed("When does the flight arrive?", said) is None  # "lands": the same side
    assert (
        opposed("When does the return flight depart?", "The return flight departs at 18:10.")
        is None
    )
