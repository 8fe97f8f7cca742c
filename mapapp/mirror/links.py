"""Pages as the app renders them, turned into pages of the static mirror.

Every href, src and action is mapped: a public page the mirror holds becomes its file's path
(`/list?page=3&lang=en` → `/en/list/3/`), an asset its content-hashed name, and anything that
needs the application (the tip form, correction requests, a filtered list) an absolute URL on
PUBLIC_URL, so it still works while the application runs and fails plainly, never silently
showing other data, when it does not. The CSP nonce becomes hashes in a <meta> policy, so
a static host without our headers still runs only our own scripts.
"""

import base64
import hashlib
import html
import re
from urllib.parse import parse_qsl, urlencode, urlsplit

ATTRIBUTE = re.compile(r'\b(href|src|action)="([^"]*)"')
NONCE = re.compile(r'\snonce="[^"]*"')
INLINE = re.compile(r"<(script|style)((?:\s[^>]*)?)>(.*?)</\1>", re.S)
INCIDENT = re.compile(r"/incidents/(\d+)")
# Served the same in every language, at the same path as on the application.
SHARED_FILES = ("/api/v1/incidents.csv", "/api/v1/incidents.geojson",
                "/api/v1/regions.geojson", "/api/v1/openapi.json")
PAGES = ("/stats", "/method")
NONCE_MARK = "mirror"  # stands for the nonce while the application's policy is rewritten


class Site:
    """What the mirror holds, and where each of the application's URLs goes in it."""

    def __init__(self, app_url, default_language, languages, assets):
        self.app_url = app_url  # PUBLIC_URL: where the tip form and the moderators stay
        self.default_language, self.languages = default_language, languages
        self.assets = assets  # "/static/css/site.css" → "/static/css/site.0123456789.css"
        self.incidents = set()  # ids whose page the mirror holds
        self.list_pages = 1

    def prefix(self, language):
        """Return the path prefix of a language ("" for the default one)."""
        return "" if language == self.default_language else f"/{language}"

    def path(self, url, language):
        """Return where `url` (as the app wrote it on a page in `language`) goes."""
        parts = urlsplit(url)
        if parts.scheme or parts.netloc or not parts.path.startswith("/"):
            return url  # another site, a fragment, tel:, mailto:
        fragment = f"#{parts.fragment}" if parts.fragment else ""
        args = dict(parse_qsl(parts.query))
        chosen = args.pop("lang", language)
        language = chosen if chosen in self.languages else language
        found = self._local(parts.path, args, self.prefix(language))
        if found is not None:
            return found + fragment
        # On the application the language comes from ?lang= (a cookie is per site).
        pairs = [*parse_qsl(parts.query)]
        if "lang" not in dict(pairs) and language != self.default_language:
            pairs.append(("lang", language))
        query = urlencode(pairs)
        return f"{self.app_url}{parts.path}{'?' + query if query else ''}{fragment}"

    def _local(self, path, args, prefix):
        """Return the mirror's path for a URL it holds, or None."""
        if path.startswith("/static/"):
            return self.assets.get(path) if not args else None
        if path == "/":  # the map filters in the browser: its query stays
            return f"{prefix}/" + (f"?{urlencode(args)}" if args else "")
        if path == "/list" and set(args) <= {"page"}:
            number = args.get("page", "1")
            if number.isdigit() and 1 <= int(number) <= self.list_pages:
                return f"{prefix}/list/" + (f"{int(number)}/" if int(number) > 1 else "")
            return None
        if args:
            return None  # a filtered page or export: only the application has it
        if path in PAGES:
            return f"{prefix}{path}/"
        if path == "/feed.atom":
            return f"{prefix}/feed.atom"
        if path in SHARED_FILES:
            return path
        match = INCIDENT.fullmatch(path)
        if match and int(match.group(1)) in self.incidents:
            return f"{prefix}/incidents/{int(match.group(1))}/"
        return None

    def rewrite(self, page, language):
        """Return the page with mirror links and a hash-based CSP instead of the nonce."""
        def swap(match):
            url = self.path(html.unescape(match.group(2)), language)
            return f'{match.group(1)}="{html.escape(url)}"'

        page = NONCE.sub("", ATTRIBUTE.sub(swap, page))
        return page.replace('<meta charset="utf-8">', '<meta charset="utf-8">\n  '
                            + csp_meta(page), 1)


def _sha256(text):
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def inline_hashes(page):
    """Return the hashes of the page's inline scripts and styles (JSON data blocks run
    nothing and need none)."""
    scripts, styles = [], []
    for tag, attributes, body in INLINE.findall(page):
        if "src=" in attributes or "application/json" in attributes:
            continue
        (scripts if tag == "script" else styles).append(_sha256(body))
    return scripts, styles


def csp_meta(page):
    """Return a <meta> Content-Security-Policy for a mirror page: the application's own policy
    (mapapp/security.py), with the hashes of the page's inline scripts and styles where it has
    the nonce, and without frame-ancestors (no meta form: the host's header sets it)."""
    from mapapp.security import content_security_policy

    scripts, styles = inline_hashes(page)
    directives = []
    for directive in content_security_policy(NONCE_MARK).split("; "):
        if directive.startswith("frame-ancestors"):
            continue
        hashes = scripts if directive.startswith("script-src") else styles
        directives.append(directive.replace(f"'nonce-{NONCE_MARK}'", " ".join(hashes)).strip())
    return f'<meta http-equiv="Content-Security-Policy" content="{"; ".join(directives)}">'
