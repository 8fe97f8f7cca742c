"""Spot personal data in a tip's description, so the tipster can remove it first."""

import re

PATTERNS = {
    # 010-1234-5678, 01012345678, +82 10 1234 5678, 02-123-4567, 031 123 4567
    "phone": re.compile(r"(?<!\d)(?:\+?82[\s.-]?)?0?1[016789][\s.-]?\d{3,4}[\s.-]?\d{4}(?!\d)"
                        r"|(?<!\d)0(?:2|[3-6][1-5])[\s.-]?\d{3,4}[\s.-]?\d{4}(?!\d)"),
    "email": re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),
    # 주민등록번호: YYMMDD-GNNNNNN (the hyphen is often left out)
    "resident_number": re.compile(r"(?<!\d)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
                                  r"[\s-]?[1-8]\d{6}(?!\d)"),
    "messenger": re.compile(r"t\.me/|telegram\.me/|open\.kakao\.com|(?<![\w.])@[A-Za-z]\w{4,}"
                            r"|(?:카톡|카카오톡|텔레그램|텔레|kakao|telegram)\s*(?:id|아이디|ID)?\s*[:：]",
                            re.IGNORECASE),
    "link": re.compile(r"https?://|www\.|\b[\w-]+\.(?:com|net|org|kr|io|me|co)\b", re.IGNORECASE),
}


def find_personal_data(text):
    """Return the sorted kinds of personal data found in the text."""
    return sorted(kind for kind, pattern in PATTERNS.items() if pattern.search(text or ""))
