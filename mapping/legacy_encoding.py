"""Detect Vietnamese text typed in legacy 8-bit font encodings.

Old Excel files typed with the TCVN3 (ABC, ``.VnTime``) or VNI fonts reach Unicode as
mojibake: ``NguyÔn ThÞ Hµ`` (TCVN3) or ``Nguyeãn Thò Haø`` (VNI). Such text must never be
stored; we detect it, say which encoding it looks like and how it probably reads, and let
a person convert the file. The decoders below exist only to produce that suggestion.

Detection goes by the encodings' own signs, word by word, never by one odd character:
a plain Unicode file may hold ``·``, ``²``, ``×``, ``°``, ``½`` or an ``Ð`` typed for ``Đ``,
and a typo such as ``Teịnh`` puts an ``e`` before an accented letter. A word is a sign of
an encoding when it is not a Vietnamese syllable as it stands but decodes through that
encoding's table into one (``ThÞ`` → ``Thị``); it is a strong sign when it also holds a
character Vietnamese never writes (``Þ``) or capitals no keyboard puts there (``NguyÔn``).
Words typed in Unicode (``Teịnh``: ị has no 8-bit code) are never signs.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_TONES = {"grave": "\u0300", "acute": "\u0301", "hook": "\u0309", "tilde": "\u0303", "dot": "\u0323"}
_BASE_VOWELS = ("a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y")


def _compose(base: str, *marks: str) -> str:
    return unicodedata.normalize("NFC", base + "".join(marks))


def _vietnamese_letters() -> frozenset[str]:
    letters = set("đĐ")
    for base in _BASE_VOWELS:
        for mark in ("", *_TONES.values()):
            ch = _compose(base, mark)
            letters.update((ch, ch.upper()))
    return frozenset(letters)


VIETNAMESE_LETTERS = _vietnamese_letters()

# TCVN3 (ABC) code points as they appear when the bytes are read as Latin-1 / cp1252.
_TCVN3_LOWER = "µ¸¶·¹¨»¾¼½Æ©ÇÊÈÉË®ÌÐÎÏÑªÒÕÓÔÖ×ÝØÜÞßãáâä«åèæçé¬êíëìîïóñòô\u00adõøö÷ùúýûüþ¡¢§£¤¥¦"
_UNICODE_FOR_TCVN3 = "àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵĂÂĐÊÔƠƯ"
TCVN3_TABLE = str.maketrans(dict(zip(_TCVN3_LOWER, _UNICODE_FOR_TCVN3, strict=True)))

# VNI-Windows: a base letter followed by a modifier character.
_VNI_TONE = {"ù": "acute", "ø": "grave", "û": "hook", "õ": "tilde", "ï": "dot"}
_VNI_CIRCUMFLEX = {"â": None, "á": "acute", "à": "grave", "å": "hook", "ã": "tilde", "ä": "dot"}
_VNI_BREVE = {"ê": None, "é": "acute", "è": "grave", "ú": "hook", "ü": "tilde", "ë": "dot"}
_VNI_STANDALONE = {"ô": "ơ", "ö": "ư", "ñ": "đ", "æ": "ỉ", "ó": "ĩ", "ò": "ị"}


def _vni_pairs() -> dict[str, str]:
    pairs: dict[str, str] = {}
    for base in "aeouyơư":
        for mod, tone in _VNI_TONE.items():
            pairs[base + mod] = _compose(base, _TONES[tone])
    for base in "aeo":
        for mod, tone in _VNI_CIRCUMFLEX.items():
            pairs[base + mod] = _compose(base, "\u0302", _TONES[tone] if tone else "")
    for mod, tone in _VNI_BREVE.items():
        pairs["a" + mod] = _compose("a", "\u0306", _TONES[tone] if tone else "")
    full = dict(pairs)
    for key, value in pairs.items():  # VNI uppercase: both letters upper, or base upper only
        full[key[0].upper() + key[1].upper()] = value.upper()
        full[key[0].upper() + key[1]] = value.upper()
    return full


_VNI_PAIRS = _vni_pairs()
_VNI_SINGLE = {**_VNI_STANDALONE, **{k.upper(): v.upper() for k, v in _VNI_STANDALONE.items()}}


def decode_tcvn3(text: str) -> str:
    """Read text typed in TCVN3 as Unicode (lowercase font codes; NFC result)."""
    return text.translate(TCVN3_TABLE)


def decode_vni(text: str) -> str:
    """Read text typed in VNI-Windows as Unicode."""
    chars = [_VNI_SINGLE.get(ch, ch) for ch in text]  # ơ, ư, đ first: they take tones too
    out: list[str] = []
    i = 0
    while i < len(chars):
        pair = "".join(chars[i : i + 2])
        if len(pair) == 2 and pair in _VNI_PAIRS:
            out.append(_VNI_PAIRS[pair])
            i += 2
        else:
            out.append(chars[i])
            i += 1
    return "".join(out)


# --- Vietnamese syllables ---------------------------------------------------------------

# Each lowercase letter → (letter without tone mark, tone mark or ""); đ and the consonants
# carry no tone. Anything else (digits, symbols, foreign letters) is not a syllable letter.
_LETTER_TONE: dict[str, tuple[str, str]] = {ch: (ch, "") for ch in "bcdđghklmnpqrstvx"}
for _base in _BASE_VOWELS:
    for _mark in ("", *_TONES.values()):
        _LETTER_TONE[_compose(_base, _mark)] = (_base, _mark)

# Onsets, longest first: "ngh" must be tried before "ng" and "n". "q" only before "u"
# ("quynh" is q + uynh as well as qu + ynh).
_ONSETS = ("ngh", "ng", "gh", "gi", "kh", "ph", "th", "tr", "ch", "nh", "qu", *"bcdđghklmnpqrstvx", "")
# Every rhyme of standard Vietnamese, without tone. Loan rhymes (xoong, moóc) are left out on purpose:
# the check only has to tell real syllables from mojibake, and a stricter list is safer.
_RHYMES = frozenset(
    """
    a e ê i o ô ơ u ư y ia ua ưa oa oe uê uy uya uơ
    ai ao au ay âu ây eo êu iu oi ôi ơi ui ưi ưu uôi ươi ươu iêu yêu oai oay oao oeo uây uyu
    ac ach am an ang anh ap at ăc ăm ăn ăng ăp ăt âc âm ân âng âp ât
    ec em en eng ep et êch êm ên ênh êp êt ich im in inh ip it
    oc om on ong op ot ôc ôm ôn ông ôp ôt ơm ơn ơp ơt
    uc um un ung up ut ưc ưng ưt ưm ưn
    iêc iêm iên iêng iêp iêt yêm yên yêng yêt uôc uôm uôn uông uôt ươc ươm ươn ương ươp ươt
    oac oach oam oan oang oanh oap oat oăc oăm oăn oăng oăt oen oet
    uân uâng uât uêch uênh uych uyn uynh uyp uyt uyên uyêt
    """.split()
)
_FRONT = ("e", "ê", "i", "y")  # k, gh, ngh only before these; c, ng never (c, g never before e, ê)
_STOPS = ("c", "ch", "p", "t")  # a syllable closed by a stop takes only the acute or dot tone


def _tone_slots(rhyme: str) -> tuple[int, ...]:
    """Where the tone mark may sit in a rhyme: on the main vowel, never on a glide.

    A medial ``o``/``u`` (``oa``, ``oe``, ``uy``, ``uâ`` …) is skipped; in ``iê yê uô ươ`` the
    second letter is the main vowel; ``ia ua ưa`` and the rest take it on their first vowel.
    Without a coda, ``oa oe uy`` may carry it on the medial too (old style ``hoà``/``thúy``).
    """
    start = 0
    slots: list[int] = []
    if len(rhyme) >= 2 and ((rhyme[0] == "o" and rhyme[1] in "aăe") or (rhyme[0] == "u" and rhyme[1] in "âêyơ")):
        start = 1
        if rhyme[1:] in ("a", "e", "y"):
            slots.append(0)
    slots.append(start + 1 if rhyme[start : start + 2] in ("iê", "yê", "uô", "ươ") else start)
    return tuple(slots)


@lru_cache(maxsize=16384)
def is_vietnamese_syllable(word: str) -> bool:
    """Whether ``word`` (any case, NFC) is one syllable of standard Vietnamese spelling.

    Onset, rhyme (medial, nucleus, coda) and at most one tone mark, placed on the main vowel;
    the spelling rules that follow from the sounds are checked too (``k``/``gh``/``ngh`` only
    before ``e ê i y``, a final ``c ch p t`` only with the acute or dot tone). Minority and
    foreign names fail it, which is why it is only ever used to recognise mojibake, never to
    refuse a name.
    """
    toneless: list[str] = []
    tone, tone_at = "", -1
    for at, ch in enumerate(word.lower()):
        found = _LETTER_TONE.get(ch)
        if found is None:
            return False
        if found[1]:
            if tone:
                return False  # two tone marks: mojibake, never a word
            tone, tone_at = found[1], at
        toneless.append(found[0])
    bare = "".join(toneless)
    for onset in _ONSETS:
        if not bare.startswith(onset):
            continue
        rhyme = bare[len(onset) :]
        if rhyme not in _RHYMES or (onset == "q" and not rhyme.startswith("u")):
            continue
        front = rhyme.startswith(_FRONT)
        if onset in ("k", "gh", "ngh") and not front:
            continue
        if (onset in ("c", "ng") and front) or (onset == "g" and rhyme.startswith(("e", "ê"))):
            continue
        if rhyme.endswith(_STOPS) and tone not in (_TONES["acute"], _TONES["dot"]):
            continue
        if tone and tone_at - len(onset) not in _tone_slots(rhyme):
            continue
        return True
    return False


# --- detection --------------------------------------------------------------------------

# What a cp1252 (or Latin-1) reading of 8-bit bytes can produce. A word holding anything else
# (ă, ơ, ư, đ, ạ, ệ …) was typed in Unicode: TCVN3 and VNI text can never contain it.
_CP1252_EXTRA = "€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ"
_EIGHT_BIT = frozenset(map(chr, range(256))) | frozenset(_CP1252_EXTRA)
_ANY_EIGHT_BIT = re.compile(f"[\x80-\xff{_CP1252_EXTRA}]")
# Words are split at spaces and punctuation that neither table uses as a letter; digits stay
# inside words (so "6½" or "m²" never decodes into a syllable).
_WORD_BREAK = re.compile(r"[\s!-/:-@\[-`{-~–—…“”‘’•‚„†‡‰‹›€™]+")
# Ð (U+00D0, Latin capital Eth) is what some keyboards type for Đ: it is read as Đ, never as a
# sign (TCVN3 also uses that code for é, but a real TCVN3 text has other signs).
ETH_AS_D = str.maketrans({"Ð": "Đ", "ð": "đ"})


def _is_sign_char(ch: str) -> bool:
    """A character of TCVN3/VNI mojibake that Vietnamese text never writes (Þ, µ, ¨, ø …)."""
    return not ch.isascii() and ch in _EIGHT_BIT and ch not in VIETNAMESE_LETTERS and ch not in "Ðð"


def _mixed_case(word: str) -> bool:
    """Neither lower, Title nor UPPER case: TCVN3 keeps ễ at the code of Ô ("NguyÔn") and VNI
    writes Á as A + Ù ("AÙnh"), so their words show capitals that no keyboard puts there."""
    cased = [ch for ch in word if ch.isupper() or ch.islower()]
    rest = cased[1:]
    return any(ch.isupper() for ch in rest) and any(ch.islower() for ch in rest)


_DECODERS = (("tcvn3", decode_tcvn3), ("vni", decode_vni))


def _signs(words: list[str]) -> tuple[int, dict[str, tuple[int, int, int]]]:
    """Suspect words and, per encoding, (strong signs, all signs, readings) among them.

    A suspect word has a letter and a non-ASCII character. It is a sign of an encoding when
    it holds an ASCII letter, was typed with 8-bit characters only, is not a syllable as it
    stands (reading Ð as Đ), and decodes into one. The sign is strong when the word also
    holds a character Vietnamese never writes ("ThÞ", "Haø") or capitals where no keyboard
    puts them ("NguyÔn", "AÙnh"); a well-cased word of Vietnamese letters only ("Nguyeãn")
    is a weak sign, which a single typo could also make. Readings count every word that
    decodes into another syllable, signs or not ("Hoà" is a word, and VNI for "Hồ"): the
    words that read as the encoding, against the suspects, and a tie-break between encodings.
    """
    suspects = 0
    counts = {name: [0, 0, 0] for name, _ in _DECODERS}
    for word in words:
        found = _word_signs(word)
        if found is None:
            continue
        suspects += 1
        for (name, _), (strong, sign, reading) in zip(_DECODERS, found):
            count = counts[name]
            count[0] += strong
            count[1] += sign
            count[2] += reading
    return suspects, {name: (strong, total, readings) for name, (strong, total, readings) in counts.items()}


_NOT_A_SIGN = (0, 0, 0)


@lru_cache(maxsize=16384)  # names are new texts but old words: «Nguyễn», «Thị», «Hoà» in every list
def _word_signs(word: str) -> tuple[tuple[int, int, int], ...] | None:
    """What one word adds to `_signs`, per encoding of `_DECODERS`: (strong sign, sign, reading),
    each 0 or 1; ``None`` when the word is not a suspect (ASCII, or without a letter)."""
    if word.isascii() or not any(ch.isalpha() for ch in word):
        return None
    if not any(ch.isascii() and ch.isalpha() for ch in word) or not all(ch in _EIGHT_BIT for ch in word):
        return (_NOT_A_SIGN,) * len(_DECODERS)
    sign = not is_vietnamese_syllable(word.translate(ETH_AS_D))
    strong = sign and (any(_is_sign_char(ch) for ch in word) or _mixed_case(word))
    found = []
    for _, decode in _DECODERS:
        decoded = decode(word)
        found.append(
            (int(strong), int(sign), 1) if decoded != word and is_vietnamese_syllable(decoded) else _NOT_A_SIGN
        )
    return tuple(found)


def _restore_case(word: str, decoded: str) -> str:
    """TCVN3 capitals come from a separate font (.VnTimeH) that reuses the lowercase codes:
    in a word whose ASCII letters are all capitals ("NGUYÔN"), the decoded letters are too."""
    ascii_letters = [ch for ch in word if ch.isascii() and ch.isalpha()]
    if len(ascii_letters) >= 2 and all(ch.isupper() for ch in ascii_letters):
        return decoded.upper()
    return decoded


def _suggest_tcvn3(text: str) -> str:
    return re.sub(r"\S+", lambda m: _restore_case(m.group(), decode_tcvn3(m.group())), text)


# UTF-8 lead bytes of Vietnamese letters read as cp1252 (Ã Ä Å Æ for U+00C0–U+01B0, "áº"/"á»"
# for U+1EA0–U+1EF9), followed by a continuation byte (0x80–0xBF) read as cp1252.
_CONTINUATION = "€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ\u00a0¡¢£¤¥¦§¨©ª«¬\u00ad®¯°±²³´µ¶·¸¹º»¼½¾¿"
_UTF8_AS_CP1252 = re.compile(f"[ÃÄÅÆ][{_CONTINUATION}]|á[º»][{_CONTINUATION}]")


def _utf8_read_as_cp1252(text: str) -> str | None:
    try:
        fixed = text.encode("cp1252").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        if not _UTF8_AS_CP1252.search(text):
            return None
        fixed = text.encode("cp1252", errors="ignore").decode("utf-8", errors="replace")
    return fixed if fixed != text else None


@lru_cache(maxsize=65536)  # every cell of every sheet is checked; names and headers repeat
def detect_legacy_encoding(text: str) -> tuple[str, str] | None:
    """Say whether ``text`` is Vietnamese in a legacy encoding.

    TCVN3 or VNI is reported only when a word is a strong sign of it, or two words are signs,
    and at least half of the words with non-ASCII letters read as it (see `_signs`). A
    lone symbol (``·``, ``²``, ``×``, ``°``, ``½``), an ``Ð`` typed for ``Đ`` or one typo
    (``Teịnh``) is never enough, and neither is text whose words are Vietnamese syllables.

    Returns:
        ``(encoding, how_it_probably_reads)`` or ``None`` for ordinary Unicode text.
    """
    if text.isascii():
        return None
    text = unicodedata.normalize("NFC", text)
    if not _ANY_EIGHT_BIT.search(text):
        return None  # every non-ASCII letter is one no 8-bit font has ("Nguyễn", "Trần"): Unicode
    fixed = _utf8_read_as_cp1252(text)
    if fixed is not None:
        return "utf8-as-cp1252", unicodedata.normalize("NFC", fixed)
    suspects, counts = _signs([w for w in _WORD_BREAK.split(text) if w])
    found = [
        (strong, total, readings, name == "tcvn3", name)
        for name, (strong, total, readings) in counts.items()
        if (strong or total >= 2) and 2 * readings >= suspects
    ]
    if not found:
        return None
    # more strong signs, then more signs, then more readings; then TCVN3, the commoner of the two
    name = max(found)[-1]
    reading = _suggest_tcvn3(text) if name == "tcvn3" else decode_vni(text)
    return name, unicodedata.normalize("NFC", reading)
