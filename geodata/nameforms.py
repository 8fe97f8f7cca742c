"""The forms people use for a school's name, and the same normalisation for what they type.

One module for the loader (which stores every form of every institution, indexed) and for
searching (which normalises the query the same way), so the two cannot drift:

- the full name, and without its city prefix (서울휘경초등학교 → 휘경초등학교);
- the usual short forms: 여고, 여중, 여대, 고, 중, 초, 대 (휘경여자고등학교 → 휘경여고);
- 초성, the initial consonants (휘경여고 → ㅎㄱㅇㄱ), as Korean phone keyboards suggest;
- English: the name given in the data, or the Revised Romanization of the Korean name with the
  kind translated ("Hwigyeong Girls' High School"), by korean-romanizer (GPLv3, compatible
  with this project's AGPL; the one kept Python library that applies RR's sound rules).

Forms are compared after `normalise`: NFKC, lower case, no spaces or punctuation, Hangul
syllables split into jamo (NFD). Splitting makes a two-syllable name five letters long, so a
trigram index serves it, and makes a wrong syllable differ by a letter or two, not wholly.
"""

import re
import unicodedata

from korean_romanizer.romanizer import Romanizer

# Longest first: the first suffix that matches is used.
ENGLISH_NAME_LENGTH = 200  # institutions.name_en
FORM_LENGTH = 400  # institution_names.form: a 200-syllable name romanizes to over 600 letters
SHORT_FORMS = (("여자고등학교", "여고"), ("여자중학교", "여중"), ("여자대학교", "여대"),
               ("고등학교", "고"), ("중학교", "중"), ("초등학교", "초"), ("대학교", "대"))
ENGLISH_KINDS = (("여자고등학교", "Girls' High School"), ("여자중학교", "Girls' Middle School"),
                 ("여자대학교", "Women's University"), ("고등학교", "High School"),
                 ("중학교", "Middle School"), ("초등학교", "Elementary School"),
                 ("대학교", "University"), ("학교", "School"))
SIDO_SUFFIXES = ("특별자치시", "특별자치도", "특별시", "광역시", "도")
# What a form is (ranked in this order on a tie). PROPER, the name without its kind (휘경 of
# 휘경여자고등학교), is what typing mistakes are looked up by: a kind's letters are shared by
# thousands of names and would make every school look alike.
NAME, SHORT, ENGLISH, INITIALS, PROPER = 0, 1, 2, 3, 4

_KEEP = re.compile(r"[^0-9a-z\u1100-\u11ff\u3131-\u318e\uac00-\ud7a3]+")
_CHOSEONG = [chr(c) for c in range(0x1100, 0x1113)]  # the 19 initial consonants (conjoining)
_COMPAT = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"  # the same, as keyboards type them


def normalise(text):
    """Return text as forms are compared: NFKC, lower case, letters and digits only, Hangul
    syllables as jamo. A query typed as initials (ㅎㄱㅇㄱ) becomes the same letters an
    initials form holds."""
    text = _KEEP.sub("", unicodedata.normalize("NFKC", text or "").lower())
    return unicodedata.normalize("NFD", text)


def initials(hangul):
    """Return the initial consonants of the Hangul syllables in a name (other letters kept
    out): 휘경여고 → ㅎㄱㅇㄱ (as compatibility jamo, what a keyboard types)."""
    found = []
    for char in hangul:
        code = ord(char) - 0xAC00
        if 0 <= code < 11172:
            found.append(_COMPAT[code // 588])
    return "".join(found)


def proper_part(text):
    """Return what is typed without a kind at its end, long or short (휘경여고 → 휘경,
    휘경여자고등학교 → 휘경), for looking up typing mistakes."""
    for suffix in (*(long for long, _ in SHORT_FORMS), *(short for _, short in SHORT_FORMS),
                   "학교"):
        if text.endswith(suffix) and len(text) > len(suffix):
            return text[:-len(suffix)]
    return text


def sido_short_name(name_ko):
    """Return the short name of a 시/도: 서울특별시 → 서울, 충청북도 → 충북, 경기도 → 경기."""
    for suffix in SIDO_SUFFIXES:
        if name_ko.endswith(suffix) and len(name_ko) > len(suffix) + 1:
            base = name_ko[:-len(suffix)]
            return base[0] + base[2] if len(base) == 3 else base
    return name_ko


def split_kind(name):
    """Return (proper name, its kind in English) for a name without spaces:
    휘경여자고등학교 → ("휘경", "Girls' High School"); ("", ...) for a bare kind."""
    for suffix, english in ENGLISH_KINDS:
        if name.endswith(suffix):
            return name[:-len(suffix)], english
    return name, ""


def without_prefix(name, prefixes):
    """Return the name without a leading city or province name (서울휘경초등학교 → 휘경초등학교),
    or None when it has none (or nothing but the kind would be left: 서울대학교)."""
    for prefix in prefixes:
        rest = name[len(prefix):]
        if name.startswith(prefix) and split_kind(rest)[0]:
            return rest
    return None


def short_form(name):
    """Return the usual short form (휘경여자고등학교 → 휘경여고), or None."""
    for suffix, short in SHORT_FORMS:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[:-len(suffix)] + short
    return None


def _roman(hangul):
    """Return the Revised Romanization of a word, capitalised; other letters kept."""
    parts = re.findall(r"[\uac00-\ud7a3]+|[^\uac00-\ud7a3]+", hangul)
    roman = "".join(Romanizer(p).romanize() if "\uac00" <= p[0] <= "\ud7a3" else p
                    for p in parts)
    return roman[:1].upper() + roman[1:]


def english_name(name_ko, prefixes=()):
    """Return romanize()'s English name, cut to the length the institutions table keeps."""
    return romanize(name_ko, prefixes)[:ENGLISH_NAME_LENGTH].rstrip()


def romanize(name_ko, prefixes=()):
    """Return an English name: the Revised Romanization of the proper name with the kind
    translated (서울휘경초등학교 → "Seoul Hwigyeong Elementary School")."""
    name = re.sub(r"\s+", "", name_ko)
    proper, english = split_kind(name)
    if not proper:  # a bare kind word: romanize it whole
        proper, english = name, ""
    rest = without_prefix(name, prefixes)
    words = [_roman(proper)]
    if rest:
        words = [_roman(name[:len(name) - len(rest)]), _roman(split_kind(rest)[0])]
    return " ".join([*words, english]).strip()


def name_forms(name_ko, name_en, prefixes):
    """Return [(normalised form, what it is)] for an institution, without repeats."""
    korean = re.sub(r"\s+", "", name_ko or "")
    bare = without_prefix(korean, prefixes)
    names = [n for n in (korean, bare) if n]
    shorts = [s for s in map(short_form, names) if s]
    english = [name_en or romanize(korean, prefixes)]
    if name_en:
        english.append(romanize(korean, prefixes))
    english += [romanize(bare)] if bare else []
    forms = [(n, NAME) for n in names] + [(s, SHORT) for s in shorts]
    forms += [(e, ENGLISH) for e in english]
    forms += [(initials(n), INITIALS) for n in (*names, *shorts)]
    forms += [(split_kind(n)[0], PROPER) for n in names]
    seen, result = set(), []
    for text, what in forms:
        form = normalise(text)[:FORM_LENGTH]
        key = (form, what == PROPER)  # a proper name is kept even when it is the whole name
        if len(form) >= 2 and key not in seen:
            seen.add(key)
            result.append((form, what))
    return result
