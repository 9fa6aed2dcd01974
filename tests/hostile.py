"""Hostile strings the project makes itself, so that hostile-input tests run in a bare clone.

``tests/conftest.py``'s ``hostile_corpus()`` returns these, plus the Big List of Naughty
Strings and the XSS payload lists from ``../shared/corpora/`` when that folder is there. The
kinds below are the ones those lists cover: markup and script injection in every context
(element, attribute, URL, CSS, comments, CDATA), encodings of the same (entities, percent,
mixed case, whitespace inside schemes), SQL, template and shell injection, path traversal,
format strings, numbers that are not numbers, control characters, bidirectional overrides,
zero-width and combining characters, emoji, scripts written right to left, CJK, and
strings that are only blank space.
"""

from __future__ import annotations

import functools
import itertools

_SCRIPTS = (
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<script/src=data:,alert(1)>",
    "<img src=x onerror=alert(1)>",
    "<IMG SRC=javascript:alert('x')>",
    '<img src="x" onerror="alert(String.fromCharCode(88,83,83))">',
    "<svg onload=alert(1)>",
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    "<body onload=alert(1)>",
    '<iframe src="javascript:alert(1)"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<object data="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="></object>',
    '<embed src="javascript:alert(1)">',
    '<a href="javascript:alert(1)">click</a>',
    '<a href="jav&#x09;ascript:alert(1)">tab</a>',
    '<a href=" javascript:alert(1)">space</a>',
    '<a href="JaVaScRiPt:alert(1)">case</a>',
    '<a href="data:text/html,<script>alert(1)</script>">data</a>',
    '<a href="vbscript:msgbox(1)">vb</a>',
    '<p style="background:url(javascript:alert(1))">css</p>',
    '<div style="width: expression(alert(1))">ie</div>',
    "<style>@import 'http://evil.example/x.css';</style>",
    "<link rel=stylesheet href=http://evil.example/x.css>",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<form action="javascript:alert(1)"><button>go</button></form>',
    "<form><button formaction=javascript:alert(1)>x</button></form>",
    "<input onfocus=alert(1) autofocus>",
    "<details open ontoggle=alert(1)>",
    "<video><source onerror=alert(1)></video>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<![CDATA[<script>alert(1)</script>]]>",
    "<!--<script>alert(1)</script>-->",
    "<!-- --!><script>alert(1)</script>",
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    "</textarea><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    '<base href="javascript:/">',
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e",
    "javascript:alert(1)//",
    "<x onclick=alert(1)>click me",
    "<a href=x onmouseover=alert(1)>hover</a>",
    '<table background="javascript:alert(1)">',
    "<img src=`x`onerror=alert(1)>",
    "<img/src/onerror=alert(1)>",
    "<<script>script>alert(1)<</script>/script>",
)
_INJECTIONS = (
    "' OR '1'='1",
    "'; DROP TABLE works; --",
    "1; SELECT * FROM accounts_user",
    '" OR ""="',
    "admin'--",
    "1 UNION SELECT password FROM accounts_user",
    "{{ 7*7 }}",
    "{% debug %}",
    "${7*7}",
    "#{7*7}",
    "<%= 7*7 %>",
    "$(touch /tmp/pwned)",
    "`touch /tmp/pwned`",
    "; rm -rf / ;",
    "| cat /etc/passwd",
    "../../../../etc/passwd",
    "..\\..\\..\\windows\\win.ini",
    "/dev/null",
    "file:///etc/passwd",
    "%s%s%s%s%n",
    "{0}{1}{__class__}",
    "%00",
    "\\",
    "\\\\",
    "\\x00",
    "*",
    "%",
    "_",
    "' \" ; -- /* */ #",
    "OR 1=1",
    '" MATCH "',
    "NEAR(a b)",
    "a AND NOT b OR",
    "(((((",
    ")))))",
    '"unbalanced quote',
    "title:x AND -",
)
_NUMBERS = (
    "0", "-0", "00", "1", "-1", "1.0", "1e308", "1e309", "-1e309", "NaN", "Infinity",
    "-Infinity", "0x10", "0b101", "9" * 40, "-" + "9" * 40, "1,000", "1 000", "١٢٣",
    "２", "Ⅻ", "1/0", "0.0000000000000000001", "2147483648", "-2147483649",
    "18446744073709551616", "true", "false", "null", "None", "nil", "undefined", "NULL",
)  # fmt: skip
_UNICODE = (
    "Ω≈ç√∫˜µ≤≥÷",
    "åß∂ƒ©˙∆˚¬…æ",
    "œ∑´®†¥¨ˆøπ“‘",
    "¡™£¢∞§¶•ªº–≠",
    "Ṱ̺̺̕o͞ ̷i̲̬͇̪͙n̝̗͕v̟̜̘̦͟o̶̙̰̠kè͚̮̺̪̹̱̤ ̖t̝͕̳̣̻̪͞h̼͓̲̦̳̘̲e͇̣̰̦̬͎ ̢̼̻̱̘h͚͎͙̜̣̲ͅi̦̲̣̰̤v̻͍e̺̭̳̪̰-m̢iͅn̖̺̞̲̯̰d̵̼̟͙̩̼̘̳",
    "\u202etxt.exe",
    "\u202aleft\u202bright\u202cpop",
    "\u200b\u200c\u200d\u2060\ufeff",
    "a\u200bb\u200cc",
    "\u00ad",
    "\u2028line\u2029paragraph",
    "田中さんにあげて下さい",
    "社會科學院語學研究所",
    "울란바토르",
    "Ꮺ Ꮻ Ꮼ",
    "בְּרֵאשִׁית, בָּרָא אֱלֹהִים",
    "مرحبا بالعالم",
    "❤️ 💔 💌 💕 👩‍👩‍👧‍👦 🏳️‍🌈",
    "🇺🇸🇷🇺🇸",
    "𝐓𝐡𝐞 𝐪𝐮𝐢𝐜𝐤",
    "ǅ ǈ ǋ",
    "ﾟ･✿ヾ╲(｡◕‿◕｡)╱✿･ﾟ",
    "(╯°□°）╯︵ ┻━┻",
    "Ω" * 300,
    "İstanbul ıi ǰ ß ﬁ",
    "e\u0301 vs é",
    "\ufffd\ufffe",
    "\U0001f600" * 50,
    "𝕿𝖍𝖊",
    "０１２３４５６７８９",
    "Ａ",
    "\u3000",
)
_CONTROLS = (
    "\x00",
    "a\x00b",
    "\x01\x02\x03\x04\x05\x06\x07\x08",
    "\x0b\x0c\x0e\x0f\x1b[31mred\x1b[0m",
    "\x7f\x80\x81\x9f",
    "\t",
    "\r\n",
    "\r",
    "line\nbreak",
    " ",
    "   ",
    "\u00a0",
    "\u2003\u2009",
    "\n\n\n",
)
_WRAPPERS = (
    "{}",
    "Chapter 1: {}",
    "A/N: {}",
    "Title: {}",
    "**{}**",
    "# {}",
    "> {}",
    "[{}](http://example.org)",
    "<p>{}</p>",
    "{}\n\n{}",
)


@functools.cache
def generated_hostile_strings() -> tuple[str, ...]:
    """Return the project's own hostile strings (a few hundred, the same on every run)."""
    strings: list[str] = [
        *_SCRIPTS,
        *_INJECTIONS,
        *_NUMBERS,
        *_UNICODE,
        *_CONTROLS,
    ]
    # The same payloads in the places story files put text: headings, notes, header lines,
    # Markdown emphasis, links and quotes, and split over paragraphs.
    for wrapper, payload in itertools.product(_WRAPPERS, _SCRIPTS + _UNICODE + _INJECTIONS):
        strings.append(wrapper.replace("{}", payload))
    strings.append("A" * 10_000)
    strings.append("<b>" * 500 + "deep" + "</b>" * 500)
    strings.append("<div>" * 300)
    strings.append("&" * 1000)
    return tuple(s for s in dict.fromkeys(strings) if s)
