"""Detect Vietnamese text typed in legacy 8-bit font encodings.

Old Excel files typed with the TCVN3 (ABC, ``.VnTime``) or VNI fonts reach Unicode as
mojibake: ``NguyÔn ThÞ Hµ`` (TCVN3) or ``Nguyeãn Thò Haø`` (VNI). Such text must never be
stored; we detect it, say which encoding it looks like and how it probably reads, and let
a person convert the file. The decoders below exist only to produce that suggestion.
"""

from __future__ import annotations

import re
import unicodedata

_TONES = {"grave": "\u0300", "acute": "\u0301", "hook": "\u0309", "tilde": "\u0303", "dot": "\u0323"}


def _compose(base: str, *marks: str) -> str:
    return unicodedata.normalize("NFC", base + "".join(marks))


def _vietnamese_letters() -> frozenset[str]:
    letters = set("đĐ")
    for base in ("a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y"):
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


def _is_foreign_latin(ch: str) -> bool:
    """A Latin-1/cp1252 character that never occurs in NFC Vietnamese text."""
    code = ord(ch)
    return (0x80 <= code <= 0xFF or ch in "ŒœŠšŽžŸƒ") and ch not in VIETNAMESE_LETTERS


def _suspicion(text: str) -> int:
    """Count the signs of legacy encoding: foreign Latin-1 letters and impossible pairs."""
    score = sum(1 for ch in text if _is_foreign_latin(ch))
    for left, right in zip(text, text[1:]):
        if left.islower() and left.isascii() and right.isupper() and not right.isascii():
            score += 1  # "NguyÔn": a capital inside a lowercase word
        elif left in "aeAE" and not right.isascii() and right.isalpha():
            score += 1  # "Nguyeãn", "Haø": a vowel followed by a VNI modifier
    return score


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


def detect_legacy_encoding(text: str) -> tuple[str, str] | None:
    """Say whether ``text`` is Vietnamese in a legacy encoding.

    Returns:
        ``(encoding, how_it_probably_reads)`` or ``None`` for ordinary Unicode text.
    """
    if text.isascii():
        return None
    fixed = _utf8_read_as_cp1252(text)
    if fixed is not None:
        return "utf8-as-cp1252", unicodedata.normalize("NFC", fixed)
    if _suspicion(text) == 0:
        return None
    candidates = [("tcvn3", decode_tcvn3(text)), ("vni", decode_vni(text))]
    best = min(candidates, key=lambda c: (_suspicion(c[1]), -_changed(text, c[1])))
    return best[0], unicodedata.normalize("NFC", best[1])


def _changed(before: str, after: str) -> int:
    return abs(len(before) - len(after)) + sum(a != b for a, b in zip(before, after))
