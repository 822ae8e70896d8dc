"""The demo's built-in vocabulary: topics (what their clips look and sound like, captions,
hashtags, comments) and the creators who post them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Topic:
    name: str  # also its first hashtag
    hashtags: tuple[str, ...]  # besides the name
    titles: tuple[str, ...]  # drawn on the clip and opening its caption
    phrases: tuple[str, ...]  # the caption's second half
    comments: tuple[str, ...]
    look: str  # a pattern in foryou.demo.clips.PATTERNS
    palette: tuple[str, ...]  # colours the pattern takes
    sound: str  # a sound in foryou.demo.clips.SOUNDS


TOPICS = (
    Topic(
        "cooking",
        ("recipe", "pasta", "streetfood", "quickmeals"),
        ("Pasta in 5 minutes", "Crispy tofu", "Midnight ramen", "Grandma's tortillas"),
        ("you need to try this", "three ingredients only", "the sauce is everything"),
        ("saving this for dinner", "that crunch though", "making this tomorrow"),
        "gradients",
        ("orange", "firebrick", "gold", "chocolate"),
        "tone",
    ),
    Topic(
        "skate",
        ("kickflip", "skatepark", "streetskate"),
        ("Kickflip attempt 37", "Night session", "First drop in", "Rail day"),
        ("landed it at last", "the park was empty", "no bails today"),
        ("clean!", "that pop is unreal", "which park is this"),
        "testsrc2",
        ("white", "yellow"),
        "noise",
    ),
    Topic(
        "music",
        ("guitar", "beatmaking", "cover"),
        ("Loop of the day", "Four chords", "Bedroom beat", "Tiny synth jam"),
        ("headphones on", "made this in an hour", "should I finish it"),
        ("this goes hard", "drop the full track", "on repeat"),
        "mandelbrot",
        ("magenta", "cyan"),
        "chord",
    ),
    Topic(
        "travel",
        ("roadtrip", "hiddengems", "sunset"),
        ("Sunrise ferry", "Lost in the old town", "Train window views", "Ten hours by bus"),
        ("worth every minute", "a place nobody talks about", "save it for your next trip"),
        ("adding this to my list", "where is this", "the colours!"),
        "gradients",
        ("deepskyblue", "coral", "navy", "turquoise"),
        "noise",
    ),
    Topic(
        "pets",
        ("dogsoftiktok", "catlife", "puppy"),
        ("Zoomies at 6am", "He heard the treat bag", "Nap champion", "Meet Biscuit"),
        ("every single morning", "she runs this house", "the look at the end"),
        ("I can't with this", "protect him at all costs", "my cat does the same"),
        "life",
        ("sandybrown", "pink", "khaki"),
        "tone",
    ),
    Topic(
        "fitness",
        ("workout", "homegym", "running"),
        ("Ten minute core", "No equipment legs", "Morning 5k", "Stretch with me"),
        ("no excuses today", "beginner friendly", "do this every morning"),
        ("doing this now", "my legs already hurt", "great form"),
        "cellauto",
        ("lime", "red", "springgreen"),
        "beeps",
    ),
    Topic(
        "art",
        ("drawing", "painting", "satisfying"),
        ("Ink in 60 seconds", "Color study", "Tiny watercolor", "Pattern practice"),
        ("very satisfying", "process at the end", "which one is your favourite"),
        ("so calming", "the patience", "teach me"),
        "sierpinski",
        ("violet", "teal"),
        "chord",
    ),
    Topic(
        "gaming",
        ("speedrun", "retrogaming", "indiegame"),
        ("Speedrun any percent", "Boss on the first try", "Pixel art level", "Secret room"),
        ("no glitches", "took me all week", "chat was losing it"),
        ("gg", "what game is this", "that timing!"),
        "life",
        ("chartreuse", "dodgerblue", "darkviolet"),
        "beeps",
    ),
)


@dataclass(frozen=True)
class Creator:
    username: str
    display_name: str
    bio: str
    region: str  # ISO 3166
    topics: tuple[str, ...]  # what they post about, by topic name


CREATORS = (
    Creator("lina.cooks", "Lina Cooks", "Fast food that is also good food.", "US", ("cooking",)),
    Creator("ollie_skates", "Ollie", "Skating every park in Lisbon.", "PT", ("skate",)),
    Creator("beatsbymika", "Mika", "Beats from a tiny bedroom studio.", "JP", ("music",)),
    Creator("nomad.ren", "Ren on the road", "Two years, one backpack.", "BR", ("travel",)),
    Creator("biscuit_the_dog", "Biscuit", "A corgi and his human.", "GB", ("pets",)),
    Creator("fit_with_ana", "Ana", "Ten-minute workouts, no gym needed.", "MX", ("fitness",)),
    Creator("inky.sam", "Sam Draws", "One drawing a day.", "DE", ("art",)),
    Creator("pixel_priya", "Priya Plays", "Retro games and speedruns.", "IN", ("gaming",)),
    Creator(
        "chef.kwame", "Kwame", "Street food from Accra and beyond.", "NG", ("cooking", "travel")
    ),
    Creator("juno.music", "Juno", "Guitar covers and the odd original.", "FR", ("music", "art")),
    Creator(
        "paws.and.trails", "Paws & Trails", "Hiking with two huskies.", "CA", ("pets", "travel")
    ),
    Creator("leo_moves", "Leo", "Runner, skater, early riser.", "ES", ("fitness", "skate")),
)

# Where the simulated viewers are, and who they are (first names for usernames).
VIEWER_REGIONS = ("US", "BR", "IN", "GB", "MX", "DE", "JP", "NG", "FR", "ES")
VIEWER_NAMES = (
    "ana", "ben", "chen", "dara", "eli", "femi", "gus", "hana", "ivan", "june", "kai", "lea",
    "milo", "nia", "omar", "pia", "quinn", "rio", "sara", "theo", "uma", "vik", "wen", "yara",
)  # fmt: skip

TOPIC_BY_NAME = {topic.name: topic for topic in TOPICS}
