"""Small inline SVG icons for channels (no icon fonts, nothing fetched)."""

from __future__ import annotations

from markupsafe import Markup

_PATHS: dict[str, str] = {
    "web": '<circle cx="8" cy="8" r="6.2"/><path d="M1.8 8h12.4M8 1.8c2.2 2.4 2.2 10 0 12.4M8 1.8c-2.2 2.4-2.2 10 0 12.4"/>',
    "app": '<rect x="4" y="1.5" width="8" height="13" rx="1.8"/><path d="M7 12.3h2"/>',
    "email": '<rect x="1.5" y="3.5" width="13" height="9" rx="1.2"/><path d="M1.8 4l6.2 5 6.2-5"/>',
    "social": '<circle cx="4" cy="8" r="2"/><circle cx="12" cy="4" r="2"/><circle cx="12" cy="12" r="2"/>'
              '<path d="M5.8 7l4.4-2.2M5.8 9l4.4 2.2"/>',
    "chat": '<path d="M2 3.5h12v7H7l-3 2.5v-2.5H2z"/>',
    "phone": '<path d="M4 1.8l2.4 3-1.4 1.6c.8 1.8 2 3 3.6 3.6l1.6-1.4 3 2.4-1.4 2.4C7 13.2 2.8 9 1.6 3.2z"/>',
    "store": '<path d="M2 6.5L3.2 2.5h9.6L14 6.5M2.8 6.5v7h10.4v-7M6.5 13.5v-4h3v4"/>',
    "sms": '<rect x="2" y="3" width="12" height="8" rx="2"/><path d="M5 11v2.5L8 11M5 7h.1M8 7h.1M11 7h.1"/>',
    "post": '<rect x="1.5" y="3.5" width="13" height="9"/><path d="M10.5 5.5h2v2h-2zM3.5 7h5M3.5 9.5h4"/>',
    "search": '<circle cx="7" cy="7" r="4.5"/><path d="M10.3 10.3L14 14"/>',
    "ads": '<path d="M2 6.5h3l6-3.5v10l-6-3.5H2zM5 9.5l1 4"/>',
    "event": '<rect x="2" y="3" width="12" height="11" rx="1.2"/><path d="M2 6.5h12M5 1.5v3M11 1.5v3"/>',
    "sales": '<circle cx="8" cy="5" r="3"/><path d="M2.5 14.5c.6-3.2 2.8-5 5.5-5s4.9 1.8 5.5 5"/>',
    "partner": '<path d="M1.5 8l3-3 3.5 3 3.5-3 3 3M4.5 5v6M11.5 5v6M6 10.5l2 1.8 2-1.8"/>',
    "review-site": '<path d="M8 1.8l1.9 4 4.3.5-3.2 3 .9 4.3L8 11.4 4.1 13.6 5 9.3 1.8 6.3l4.3-.5z"/>',
    "print": '<path d="M4.5 6V1.8h7V6M4.5 11.5H2.5v-5.5h11v5.5h-2M4.5 9.5h7v4.7h-7z"/>',
    "in-product": '<rect x="1.5" y="2.5" width="13" height="10" rx="1.2"/><path d="M1.5 5.5h13M4 8.5h4"/>',
}
_DEFAULT = '<circle cx="8" cy="8" r="5"/>'


def channel_icon(channel: str) -> Markup:
    """A 14 px line icon for ``channel``; unknown channels get a plain dot."""
    body = _PATHS.get(channel, _DEFAULT)
    return Markup(
        '<svg class="icon" xmlns="http://www.w3.org/2000/svg" width="14" height="14" viewBox="0 0 16 16" '
        'fill="none" stroke="currentColor" stroke-width="1.4" stroke-linecap="round" stroke-linejoin="round" '
        f'aria-hidden="true">{body}</svg>'
    )
