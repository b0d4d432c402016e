"""The starting directory a new community gets from `flask db upgrade`: well-known services with their publicly
listed contacts, all marked unverified until an admin checks them (the admin console nags until then).

Plain data, so the migration that seeds it and the tests read the same list.
"""

_EU_112 = ["AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IT", "LV", "LT", "LU",
           "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE"]


def _emergency(country, phone, alt=None):
    return {"name": "Emergency services", "kind": "emergency", "country": country, "phone": phone,
            "alt_phone": alt, "always_open": True,
            "description": "If you are in immediate danger or have hurt yourself, call now."}


DEFAULT_RESOURCES = [
    _emergency("US", "911"), _emergency("GB", "999", "112"), _emergency("IE", "112", "999"),
    _emergency("AU", "000"), _emergency("CA", "911"), _emergency("NZ", "111"), _emergency("IN", "112"),
    *[_emergency(code, "112") for code in _EU_112 if code != "IE"],
    {"name": "988 Suicide & Crisis Lifeline", "kind": "phone", "country": "US", "phone": "988", "sms": "988",
     "url": "https://988lifeline.org", "always_open": True, "hours": "24/7", "languages": "en,es",
     "description": "Free, confidential support by call, text or chat for anyone in suicidal crisis or distress."},
    {"name": "Crisis Text Line", "kind": "text", "country": "US", "sms": "741741", "sms_keyword": "HOME",
     "url": "https://www.crisistextline.org", "always_open": True, "hours": "24/7",
     "description": "Text HOME to 741741 to reach a trained crisis counsellor."},
    {"name": "Samaritans", "kind": "phone", "country": "GB", "phone": "116 123", "url": "https://www.samaritans.org",
     "always_open": True, "hours": "24/7", "description": "Call free any time, day or night. Someone will listen."},
    {"name": "Shout", "kind": "text", "country": "GB", "sms": "85258", "sms_keyword": "SHOUT",
     "url": "https://giveusashout.org", "always_open": True, "hours": "24/7",
     "description": "Text SHOUT to 85258 for free, confidential support by text."},
    {"name": "Samaritans Ireland", "kind": "phone", "country": "IE", "phone": "116 123",
     "url": "https://www.samaritans.org/ireland", "always_open": True, "hours": "24/7",
     "description": "Call free any time, day or night."},
    {"name": "Lifeline Australia", "kind": "phone", "country": "AU", "phone": "13 11 14",
     "url": "https://www.lifeline.org.au", "always_open": True, "hours": "24/7",
     "description": "Crisis support and suicide prevention, by phone, text and online chat."},
    {"name": "9-8-8 Suicide Crisis Helpline", "kind": "phone", "country": "CA", "phone": "9-8-8", "sms": "988",
     "url": "https://988.ca", "always_open": True, "hours": "24/7", "languages": "en,fr",
     "description": "Call or text 9-8-8 any time, in English or French."},
    {"name": "Kids Help Phone", "kind": "phone", "country": "CA", "phone": "1-800-668-6868", "sms": "686868",
     "sms_keyword": "CONNECT", "url": "https://kidshelpphone.ca", "always_open": True, "hours": "24/7",
     "audiences": "youth", "languages": "en,fr",
     "description": "For young people: call, or text CONNECT to 686868."},
    {"name": "1737 Need to talk?", "kind": "phone", "country": "NZ", "phone": "1737", "sms": "1737",
     "url": "https://1737.org.nz", "always_open": True, "hours": "24/7",
     "description": "Free call or text 1737 any time to talk with a trained counsellor."},
    {"name": "Tele-MANAS", "kind": "phone", "country": "IN", "phone": "14416",
     "url": "https://telemanas.mohfw.gov.in", "always_open": True, "hours": "24/7", "languages": "en,hi",
     "description": "India's national mental health helpline, free, in many languages."},
    {"name": "Find A Helpline", "kind": "web", "country": "*", "url": "https://findahelpline.com",
     "always_open": True, "hours": "Directory, always available",
     "description": "Free, verified helplines in over 130 countries: find one where you are."},
    {"name": "Befrienders Worldwide", "kind": "web", "country": "*", "url": "https://befrienders.org",
     "always_open": True, "hours": "Directory, always available",
     "description": "Emotional support centres around the world."},
]
