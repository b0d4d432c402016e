"""The boards a new community starts with (inserted by the first migration, so `db upgrade` alone is enough)."""

DEFAULT_BOARDS = [
    ("introductions", "Introductions", "Say hello, if you like. No pressure to share more than you want."),
    ("anxiety", "Anxiety", "Worry, panic, and what helps you through it."),
    ("depression", "Depression", "Low days, heavy weeks, and the small things that lift them."),
    ("relationships", "Relationships", "Family, friends, partners, loneliness."),
    ("recovery-wins", "Recovery & Wins", "Progress of any size. Every step counts here."),
    ("off-topic", "Off-topic", "Music, pets, games, anything that gives your mind a rest."),
]
