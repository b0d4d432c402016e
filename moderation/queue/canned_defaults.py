"""The canned replies a fresh database starts with (migration 0012 seeds them; admins edit them afterwards).

Data only. Written for a person who may be struggling: warm, plain, never clinical; each crisis one points to the
help page and its lines. A moderator always reads and edits the text before it is sent."""

DEFAULT_CANNED_REPLIES = (
    ("Reaching out after a post about self-harm",
     "Hi, I'm one of the moderators here. I read what you wrote, and I'm really glad you shared it: it takes "
     "courage. You haven't done anything wrong. How are you doing right now?\n\n"
     "If you'd like to talk, just reply here, any time. And if things feel like too much, or you might act on "
     "these thoughts, please reach out now to one of the crisis lines on the help page (/help). They're free, "
     "and someone there wants to hear from you. If you're in danger right now, call your emergency number."),
    ("Checking in",
     "Hi, it's one of the moderators. I saw your post and wanted to check in and see how you're doing. No "
     "pressure to answer, but I'm here if you want to talk. If things get heavy, the help page (/help) has people "
     "you can call or text, day or night."),
    ("Thanks for looking out for someone",
     "Thank you for looking out for them: it matters. If you think they may be in danger right now, please call "
     "your emergency number. The help page (/help#someone-else) has lines you can call for advice on how to "
     "help, and lines you can pass on to them. Please look after yourself too: worrying about someone is hard."),
    ("After a hard conversation",
     "Thank you for talking with me. I'm glad you reached out. You can write to us here whenever you need to. "
     "If it gets hard again, the lines on the help page (/help) are there at any hour, and you can also make or "
     "update your safety plan (/safety-plan) for moments like this."),
    ("A gentle reminder of the guidelines",
     "Hi, I'm one of the moderators. One of your posts didn't fit the community guidelines, so I've taken it "
     "down for now. I know it can be frustrating. You're welcome here, and you can write it again in a way that "
     "keeps the space safe for everyone. If something is weighing on you, you can always reply to me here."),
)
