"""Every mail goes as text and as HTML made from the same text (ports/messaging.py `html_part`):
whatever a customer typed into their name or a staff member into a mailing is escaped, never
markup; only the portal's own addresses become links; nothing is loaded from elsewhere."""

from __future__ import annotations

from html.parser import HTMLParser

from opencounter.ports.messaging import html_part

ORIGIN = "https://mijn.opencounter.example"


class Read(HTMLParser):
    """What a mail program shows of the page: the tags met, the links' targets, the body's words."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.links: list[str] = []
        self.text = ""
        self.lang: str | None = None
        self._in_body = False
        self.feed(page)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self._in_body = self._in_body or tag == "body"
        if tag == "a":
            self.links += [value or "" for name, value in attrs if name == "href"]
        if tag == "html":
            self.lang = dict(attrs).get("lang")

    def handle_data(self, data: str) -> None:
        if self._in_body:
            self.text += data

    @property
    def words(self) -> list[str]:
        return self.text.split()


def page(text: str, language: str = "nl") -> str:
    return html_part(text, subject="Uw factuur staat klaar", language=language, origin=ORIGIN)


def test_a_name_with_markup_and_an_ampersand_reads_as_typed_and_is_no_markup():
    # Given a customer whose name holds a script and an ampersand
    text = "Beste Jan <script>alert('x')</script> & Zn.,\n\nUw factuur staat klaar."
    # When the HTML part is made
    html = page(text)
    read = Read(html)
    # Then no tag came from the text: the page has its own layout's tags only
    assert "script" not in read.tags and "<script>" not in html
    assert set(read.tags) == {"html", "head", "meta", "title", "body", "div", "p"}
    # and the escaped name shows exactly the words that were typed
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; Zn." in html
    assert read.words == text.split()


def test_only_the_portals_own_addresses_become_links():
    ours = f"{ORIGIN}/#/invoices/OC-1?tab=pay&x=1"
    text = (f"Betaal in uw account: {ours}.\n"
            "Of bij de bank: https://checkout.stripe.example/pay/cs_1\n"
            "Niet de onze: https://mijn.opencounter.example.evil.example/#/invoices "
            "https://mijn.opencounter.example@evil.example/#/x http://mijn.opencounter.example/#/x "
            'https://mijn.opencounter.example:8443/#/x javascript:alert(1) https://[oops "quoted"')
    read = Read(page(text))
    # Then the one address on the portal's origin is a link, to exactly that address (the full stop after it is not)
    assert read.links == [ours]
    # and every other address is there as text, word for word
    assert read.words == text.split()


def test_paragraphs_and_lines_are_kept_and_the_page_says_its_language():
    html = page("Dear Ann,\n\nFirst line\nsecond line\n\n\n- a reason\n- another\n", language="en")
    assert "<p>Dear Ann,</p>\n<p>First line<br>\nsecond line</p>\n<p>- a reason<br>\n- another</p>" in html
    assert Read(html).lang == "en"
    assert "<title>Uw factuur staat klaar</title>" in html


def test_nothing_is_loaded_from_elsewhere():
    html = page(f"Zie {ORIGIN}/#/usage en https://elders.example/logo.png")
    lowered = html.lower()
    assert not any(tag in lowered for tag in ("<img", "<script", "<link", "<iframe", "src=", "url(", "@import"))
