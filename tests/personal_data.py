"""No personal data in the logs: the scan of every line the functions logged in a test run (the local
cloud keeps them in a folder: infra/local/lambdas.py FunctionLogs) for the personal data of the
people the run knows: the demo customers (infra/local/demo.py: names, e-mail addresses, phone
numbers in any way they are written, streets, postcodes, dates of birth, the texts of their
contacts) and the people the tests make up (registered here as they are made: a customer, an
applicant, what a caller sends), and for an IBAN of anyone. tests/conftest.py runs it when the run
ends, over the files of every process, and fails the run on a finding; a finding names where it
is (the file, the function, the line) and shows the line with the data masked, never in full."""

from __future__ import annotations

import ast
import json
import os
import re
import threading
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infra.local.demo import CUSTOMERS
from infra.local.lambdas import LOGS_FOLDER
from infra.local.template import ROOT

#: texts shorter than this are not taken as a person's words (an "ok" is in many a log line)
SHORTEST_TEXT = 16
#: the keys of a body a caller sends whose values are a person's own data, by what they are
BODY_KEYS = {"email": "emails", "phone": "phones", "callback_to": "phones", "given_name": "names",
             "family_name": "names", "street": "streets", "postcode": "postcodes", "birth_date": "dates",
             "text": "texts", "question": "texts", "explanation": "texts", "subject": "texts", "solution": "texts",
             "note": "texts", "reasons": "texts", "comment": "texts"}
#: what may be an IBAN (anyone's): two letters, two check digits, then 11 to 30 letters and digits,
#: in groups of four or not; it is one when its check digits hold (ISO 13616, modulo 97)
IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b")


def is_iban(text: str) -> bool:
    compact = text.replace(" ", "")
    if not 15 <= len(compact) <= 34:
        return False
    moved = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


@dataclass
class Person:
    """What the scan looks for of one person (`who` says whose, never what)."""

    who: str
    names: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    streets: list[str] = field(default_factory=list)
    postcodes: list[str] = field(default_factory=list)
    dates: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)

    def patterns(self) -> Iterator[tuple[str, re.Pattern[str]]]:
        """(what it is, the pattern that finds it in a line) for each piece of data."""
        for name in self.names:
            if len(name) >= 3:  # (a name of two letters is in too many words)
                yield "name", re.compile(rf"(?<![\w]){_spaced(name)}(?![\w])")
        for email in self.emails:
            local, _, domain = email.partition("@")
            yield "e-mail address", re.compile(rf"{re.escape(local)}(?:@|%40|\\u0040){re.escape(domain)}", re.I)
        for phone in self.phones:
            if (pattern := phone_pattern(phone)) is not None:
                yield "phone number", pattern
        for street in self.streets:
            yield "street", re.compile(rf"(?<![\w]){_spaced(street)}(?![\w])", re.I)
        for postcode in self.postcodes:
            digits, letters = postcode.replace(" ", "")[:4], postcode.replace(" ", "")[4:]
            yield "postcode", re.compile(rf"(?<![\w]){digits}\s?{letters}(?![\w])", re.I)
        for day in self.dates:
            yield "date of birth", re.compile(rf"(?<!\d){re.escape(day)}(?!\d)")
        for text in self.texts:
            if len(text) >= SHORTEST_TEXT:
                yield "message text", re.compile(_spaced(text), re.I)


def _spaced(text: str) -> str:
    """`text` as a pattern in which any run of spaces may be any run of spaces."""
    return r"\s+".join(re.escape(part) for part in text.split())


def phone_pattern(phone: str) -> re.Pattern[str] | None:
    """A Dutch number however it is written: +31 6 1234 5678, 0031612345678, 31612345678 (as
    WhatsApp names a sender), 06-12345678, (06) 12 34 56 78."""
    digits = re.sub(r"\D", "", phone)
    if digits.startswith("0031"):
        digits = digits[4:]
    elif digits.startswith("31") and phone.strip().startswith(("+", "31")):
        digits = digits[2:]
    elif digits.startswith("0"):
        digits = digits[1:]
    if len(digits) < 8:
        return None
    separated = r"[\s.\-()]*".join(digits)
    return re.compile(rf"(?<!\d)(?:(?:\+|00)?31[\s.\-]*(?:\(0\))?|\(?0)[\s.\-()]*{separated}(?!\d)")


# ---------------------------------------------------------------- the people the run knows


def demo_people() -> list[Person]:
    """The demo customers, as infra/local/demo.py makes them, and the texts of their contacts."""
    people = []
    for customer in CUSTOMERS:
        person, address = customer["person"], customer["address"]
        people.append(Person(
            who=f"demo customer {customer['key']}", names=[f"{person['given_name']} {person['family_name']}",
                                                          person["given_name"], person["family_name"]],
            emails=[person["email"]], phones=[person["phone"]], streets=[address["street"]],
            postcodes=[address["postcode"]], dates=[person["birth_date"]]))
    people.append(Person(who="the demo customers' contacts", texts=_demo_texts()))
    return people


def _demo_texts() -> list[str]:
    """The words of the demo's contacts and requests: the sentences written in demo.py's
    functions (names of things and codes are shorter, or have no space)."""
    tree = ast.parse((ROOT / "infra" / "local" / "demo.py").read_text())
    found = []
    for function in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == "_demo_contacts"):
        for node in ast.walk(function):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and " " in node.value \
                    and len(node.value) >= SHORTEST_TEXT:
                found.append(node.value)
    return found


def people_registered(folder: Path) -> list[Person]:
    """The people the tests made up in this run, as every process registered them."""
    people = []
    for path in sorted(folder.glob("people-*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                people.append(Person(**json.loads(line)))
    return people


class Registry:
    """Where a test process registers the personal data it makes up, for the scan at the end of
    the run: a line per person in <folder>/people-<process>.jsonl (nothing without a folder)."""

    _lock = threading.Lock()
    _seen: set[str] = set()

    @classmethod
    def add(cls, who: str, **data: list[str]) -> None:
        folder = os.environ.get(LOGS_FOLDER)
        values = {kind: sorted({v for v in values if isinstance(v, str) and v.strip()})
                  for kind, values in data.items()}
        values = {kind: found for kind, found in values.items() if found}
        if not folder or not values:
            return
        line = json.dumps({"who": who, **values}, ensure_ascii=False, sort_keys=True)
        with cls._lock:
            if line in cls._seen:
                return
            cls._seen.add(line)
            worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
            with (Path(folder) / f"people-{worker}-{os.getpid()}.jsonl").open("a", encoding="utf-8") as file:
                file.write(line + "\n")

    @classmethod
    def body(cls, who: str, body: Any) -> None:
        """What a caller sends: the values under BODY_KEYS, at any depth."""
        found: dict[str, list[str]] = {}
        pending = [body]
        while pending:
            node = pending.pop()
            items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
            for key, value in items:
                if isinstance(value, str) and key in BODY_KEYS:
                    found.setdefault(BODY_KEYS[key], []).append(value)
                elif isinstance(value, dict | list):
                    pending.append(value)
        cls.add(who, **found)


# ---------------------------------------------------------------- the scan


@dataclass(frozen=True)
class Finding:
    """Personal data found in a log line: where, what and whose; the line with it masked."""

    file: str
    number: int
    function: str
    what: str
    who: str
    masked: str

    def __str__(self) -> str:
        return f"{self.file}:{self.number} [{self.function}] {self.what} of {self.who}: {self.masked}"


def mask(line: str, spans: Iterable[tuple[int, int]], width: int = 240) -> str:
    """The line with each span shown as its first character and stars (at most `width` long)."""
    masked, last = [], 0
    for start, end in sorted(spans):
        if start < last:
            continue
        masked += [line[last:start], line[start], "*" * min(8, max(3, end - start - 1))]
        last = end
    masked.append(line[last:])
    text = "".join(masked)
    return text if len(text) <= width else text[:width] + "..."


def scan_lines(lines: Iterable[tuple[str, int, str, str]], people: list[Person]) -> list[Finding]:
    """Every piece of the people's data, and any IBAN, in (file, number, function, line)."""
    patterns = [(what, person.who, pattern) for person in people for what, pattern in person.patterns()]
    findings = []
    for file, number, function, line in lines:
        hits = [(what, who, m.span()) for what, who, pattern in patterns for m in pattern.finditer(line)]
        hits += [("IBAN", "someone", m.span()) for m in IBAN.finditer(line) if is_iban(m.group())]
        spans = [span for _, _, span in hits]
        for what, who in dict.fromkeys((what, who) for what, who, _ in hits):
            findings.append(Finding(file, number, function, what, who, mask(line, spans)))
    return findings


def logged_lines(folder: Path) -> Iterator[tuple[str, int, str, str]]:
    """(file, line number, function, the line logged) of every function log file in the folder."""
    for path in sorted(folder.glob("functions-*.jsonl")):
        for number, raw in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            try:
                record = json.loads(raw)
            except ValueError:
                record = {"function": "?", "line": raw}
            yield path.name, number, record.get("function", "?"), record.get("line", "")


@dataclass(frozen=True)
class Scan:
    findings: list[Finding]
    lines: int
    processes: int
    people: int

    def report(self, most: int = 40) -> str:
        shown = [str(f) for f in self.findings[:most]]
        more = len(self.findings) - len(shown)
        return "\n".join([f"personal data in the functions' logs: {len(self.findings)} findings", *shown,
                          *([f"... and {more} more"] if more else [])])


def scan_folder(folder: Path) -> Scan:
    """The scan of a run's folder: every process's log lines, for the demo customers' data and
    that of everyone the run's tests registered."""
    people = demo_people() + people_registered(folder)
    lines = list(logged_lines(folder))
    return Scan(scan_lines(lines, people), len(lines), len(list(folder.glob("functions-*.jsonl"))), len(people))


def new_folder(base: str | None) -> Path:
    """A folder of its own for a run's logs (inside `base` when given)."""
    root = Path(base) if base else Path(os.environ.get("TMPDIR", "/tmp"))
    folder = root / f"opencounter-logs-{uuid.uuid4().hex[:10]}"
    folder.mkdir(parents=True)
    return folder
