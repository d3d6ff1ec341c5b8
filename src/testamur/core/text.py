"""Text folded for matching names as people type them: accents, case, apostrophe style and
hyphens make no difference ("Nga", "Obrien", "Muller" all find "Ngā O'Brien-Müller")."""

import re
import unicodedata

# Apostrophes of every style people (and keyboards, and Hawaiian/Māori spelling) use.
_APOSTROPHES = re.compile("['\u2018\u2019\u201b\u02bb\u02bc\u02b9\u0060\u00b4\u2032]")
# Hyphens and dashes join name parts; for matching they separate words.
_HYPHENS = re.compile("[-\u2010\u2011\u2012\u2013\u2014\u2015\u2212]")
# Letters that do not decompose under NFKD but people type without their mark.
_NO_DECOMPOSITION = str.maketrans(
    {"ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "æ": "ae", "œ": "oe", "ı": "i"}
)


def fold(text: str) -> str:
    """`text` for comparing: NFKD, no accents, casefolded, no apostrophes, hyphens as spaces,
    single spaces. "Ngā O’Brien-Müller" → "nga obrien muller"."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(char for char in text if not unicodedata.combining(char))
    text = text.casefold().translate(_NO_DECOMPOSITION)
    text = _APOSTROPHES.sub("", text)
    text = _HYPHENS.sub(" ", text)
    return " ".join(text.split())


def fold_compact(text: str) -> str:
    """`text` folded with no spaces at all: "O'Brien Muller" and "OBrien-Müller" compare equal."""
    return fold(text).replace(" ", "")


def search_words(text: str) -> list[str]:
    """The folded words of a search ("Smith, Mia" → ["smith", "mia"])."""
    return fold(text.replace(",", " ")).split()


def search_text(*parts: str) -> str:
    """What a stored search column holds for these name parts: each part folded, and each
    part of several words also run together, so "obrienmuller" finds "O'Brien-Müller" too."""
    words = []
    for part in parts:
        folded = fold(part)
        if not folded:
            continue
        words.append(folded)
        if " " in folded:
            words.append(folded.replace(" ", ""))
    return " ".join(words)
