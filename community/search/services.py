"""Search over the threads and posts a member may read.

- What is searched: post bodies, and thread titles (through their opening post). Exactly what the member could open:
  published posts of visible threads; their own posts whatever their state; for staff, held posts too (marked).
  Never anyone else's held or removed post, never a deleted post, never a post by a member the searcher blocked or
  who blocked the searcher. Muted words fold a result away (no snippet), as they fold a post.
- How: SQLite's FTS5 (the `search_posts` table of migration 0014, an external-content index over the view
  `search_documents`, kept by triggers) on the embedded default; PostgreSQL's full-text search (GIN indexes on
  `to_tsvector('english', ...)` of post bodies and thread titles) when on PostgreSQL. Both stem English words.
- The query: words (all must match) and "quoted phrases" (the words in that order). Only letters and digits count,
  so no query syntax reaches the database: each word or phrase is quoted (FTS5) or made a tsquery by
  plainto/phraseto_tsquery (PostgreSQL).
- Snippets: the database marks matches with two private-use characters; `marked` escapes everything else and turns
  only balanced pairs of those markers into <mark>, so a snippet can never carry markup of its own.
- Nothing about a search is stored or logged. A query that reads as a crisis (the deterministic first pass,
  moderation/first_pass.py) brings the crisis panel first on the results page and `crisis` support in the API.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from markupsafe import Markup, escape
from sqlalchemy import and_, case, func, literal_column, or_, select, table, column
from sqlalchemy.orm import joinedload

from community.errors import ServiceError
from community.extensions import db
from community.forum.models import HELD, PUBLISHED, Board, Post, Thread
from community.forum.services import get_board, page_of_post, prime_pages
from community.members.blocks import Block, blocked_ids, is_filtered
from community.members.models import Member
from community.paging import parse_page
from moderation import first_pass
from moderation.resources import for_member, for_region
from moderation.resources.services import safety_plan_link

QUERY_MAX = 200
WORDS_MAX = 12
PER_PAGE = 20
OPEN, CLOSE = "\ue000", "\ue001"  # match markers the database puts around matches (private-use characters)
ELLIPSIS = "…"
BLOCKED_TITLE = "A thread started by a member you blocked"
CRISIS_MESSAGE = ("It sounds like you may be going through something really painful. You don't have to search "
                  "alone: you can talk to someone right now, for free.")

# What people type into a search box when they are looking for a way to die (a query is not a sentence, so the first
# pass's first-person rules miss many of these): read beside moderation's first pass, never instead of it.
_CRISIS_QUERY = re.compile(
    r"\b(?:kill(?:ing)?\s+(?:my\s*self|me)|suicid\w*|end(?:ing)?\s+(?:my|it\s+all|my\s+own)\s*life|end\s+it\s+all|"
    r"(?:want|wanna|going|ready)\s+(?:to\s+)?die|(?:painless|easy|quick|best)\s+(?:way|ways|method|methods)\s+to\s+die|"
    r"ways?\s+to\s+die|how\s+(?:to|do\s+i|can\s+i)\s+die|overdose|how\s+many\s+(?:pills|tablets)|"
    r"hang(?:ing)?\s+my\s*self|self[-\s]?harm|cut(?:ting)?\s+my\s*self|not\s+want\s+to\s+(?:live|be\s+alive))\b",
    re.IGNORECASE)


def reads_as_crisis(text: str) -> bool:
    return bool(_CRISIS_QUERY.search(text)) or first_pass.look(text).crisis


_TOKEN = re.compile(r'"([^"]*)"?|([^\s"]+)')
_WORD = re.compile(r"\w+")


@dataclass
class Query:
    text: str
    terms: list[list[str]]  # each a word ([w]) or a phrase ([w1, w2, ...])
    crisis: bool = False


@dataclass
class Result:
    post: Post
    title: Markup
    snippet: Markup | None
    filtered: bool
    held: bool
    page: int


@dataclass
class Results:
    query: Query
    board: Board | None
    page: int
    total: int
    items: list[Result] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PER_PAGE))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


# --- the query ---------------------------------------------------------------------------------------------------

def parse_query(value) -> Query:
    """The words and "quoted phrases" of a search, or a clear 400 (empty, too long, nothing searchable)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ServiceError("missing_query", "Type a word or phrase to search for.", field="q")
    if not isinstance(value, str):
        raise ServiceError("invalid_query", "The search must be text.", field="q")
    text = " ".join(value.replace("\x00", "").split())
    if len(text) > QUERY_MAX:
        raise ServiceError("query_too_long", f"A search can be at most {QUERY_MAX} characters "
                                             f"(this one has {len(text)}).", field="q")
    terms: list[list[str]] = []
    for phrase, word in _TOKEN.findall(text):
        words = [w.lower() for w in _WORD.findall(phrase if phrase else word)]
        if not words:
            continue
        if phrase:
            terms.append(words)
        else:
            terms.extend([w] for w in words)
    if not terms:
        raise ServiceError("missing_query", "Type a word or phrase to search for (letters or numbers).", field="q")
    if sum(len(t) for t in terms) > WORDS_MAX * 2:
        raise ServiceError("query_too_long", f"A search can have at most {WORDS_MAX * 2} words.", field="q")
    return Query(text=text, terms=terms, crisis=reads_as_crisis(text))


def _fts5_match(query: Query) -> str:
    # Only \w words reach here, each word or phrase double-quoted: FTS5 reads no operator from the member's text.
    return " ".join('"' + " ".join(words) + '"' for words in query.terms)


_PG = literal_column("'english'::regconfig")  # the same expression as the GIN indexes of migration 0014


def _pg_tsquery(query: Query):
    parts = [func.phraseto_tsquery(_PG, " ".join(words)) if len(words) > 1 else func.plainto_tsquery(_PG, words[0])
             for words in query.terms]
    combined = parts[0]
    for part in parts[1:]:
        combined = combined.op("&&")(part)
    return combined


# --- who may see what --------------------------------------------------------------------------------------------

def _visible(viewer: Member | None):
    """The posts this viewer may find (README "Search"): never deleted, never others' held/removed (staff: held),
    never by someone they blocked or who blocked them."""
    public = and_(Post.status == PUBLISHED, Thread.status == PUBLISHED)
    if viewer is None:
        return and_(Post.deleted_at.is_(None), public)
    own = and_(Post.author_id == viewer.id, or_(Thread.status == PUBLISHED, Thread.author_id == viewer.id))
    if viewer.is_staff:
        shown = or_(Post.status.in_((PUBLISHED, HELD)), own)
    else:
        shown = or_(public, own)
    blocked = select(Block.blocked_id).where(Block.blocker_id == viewer.id)
    blockers = select(Block.blocker_id).where(Block.blocked_id == viewer.id)
    return and_(Post.deleted_at.is_(None), shown, Post.author_id.notin_(blocked), Post.author_id.notin_(blockers))


# --- searching ---------------------------------------------------------------------------------------------------

def search(q, viewer: Member | None, board=None, page=None) -> Results:
    query = parse_query(q)
    number = parse_page(page)
    found_board = None
    if board not in (None, ""):
        try:
            found_board = get_board(board)
        except ServiceError:
            raise ServiceError("invalid_board", "There is no board with that name to search in.",
                               field="board") from None
    where = [_visible(viewer)]
    if found_board is not None:
        where.append(Thread.board_id == found_board.id)
    if db.engine.dialect.name == "sqlite":
        rows, total = _sqlite(query, where, number)
    else:
        rows, total = _postgresql(query, where, number)
    results = Results(query=query, board=found_board, page=number, total=total)
    prime_pages([row[0] for row in rows], viewer)  # which page of its thread each result is on, in one query
    blocked = blocked_ids(viewer)
    for post, title, snippet in rows:
        filtered = is_filtered(viewer, post.body, post.content_warning, post.thread.title)
        if post.thread.author_id in blocked:  # the viewer's own reply in a thread a blocked member started
            shown_title = Markup(escape(BLOCKED_TITLE))
        else:
            shown_title = marked(title) if title and OPEN in title else Markup(escape(post.thread.title))
        results.items.append(Result(
            post=post, title=shown_title,
            snippet=None if filtered else marked(snippet or ""), filtered=filtered,
            held=post.status != PUBLISHED or post.thread.status != PUBLISHED,
            page=page_of_post(post, viewer)))
    return results


def _page_rows(stmt, number: int):
    return list(db.session.execute(stmt.limit(PER_PAGE).offset((number - 1) * PER_PAGE)
                                   .options(joinedload(Post.thread).joinedload(Thread.board),
                                            joinedload(Post.author))).unique())


def _sqlite(query: Query, where: list, number: int):
    # The full-text match runs first, on its own (a MATERIALIZED CTE): joined directly, SQLite's planner walks the
    # posts and asks FTS5 about each one (16 s for 50,000 posts instead of 60 ms).
    name = literal_column("search_posts")
    index = table("search_posts", column("rowid"))
    match = name.op("MATCH")(_fts5_match(query))
    matched = (select(index.c.rowid.label("id"), func.bm25(name, 2.0, 1.0).label("rank")).where(match)
               .cte("search_matches").prefix_with("MATERIALIZED"))
    base = (select(Post).join(matched, matched.c.id == Post.id).join(Thread, Thread.id == Post.thread_id)
            .where(*where))
    total = db.session.scalar(select(func.count()).select_from(base.subquery())) or 0
    posts = list(db.session.scalars(base.order_by(matched.c.rank, Post.id.desc()).limit(PER_PAGE)
                                    .offset((number - 1) * PER_PAGE)
                                    .options(joinedload(Post.thread).joinedload(Thread.board),
                                             joinedload(Post.author))).unique())
    marks = {}
    if posts:
        # Highlights and snippets for this page's rows only.
        marks = {row[0]: (row[1], row[2]) for row in db.session.execute(
            select(index.c.rowid, func.highlight(name, 0, OPEN, CLOSE),
                   func.snippet(name, 1, OPEN, CLOSE, ELLIPSIS, 24))
            .where(match, index.c.rowid.in_([p.id for p in posts])))}
    return [(post, *marks.get(post.id, (None, None))) for post in posts], total


def _postgresql(query: Query, where: list, number: int):
    tsquery = _pg_tsquery(query)
    body_doc = func.to_tsvector(_PG, Post.body)
    title_doc = func.to_tsvector(_PG, Thread.title)
    in_title = and_(Post.is_opening.is_(True), title_doc.op("@@")(tsquery))
    # Two index scans (bodies, titles) united, rather than one OR across the join, which no index can serve.
    matching = (select(Post.id).where(body_doc.op("@@")(tsquery))
                .union(select(Post.id).join(Thread, Thread.id == Post.thread_id).where(in_title)))
    base = (select(Post).join(Thread, Thread.id == Post.thread_id)
            .where(Post.id.in_(matching), *where))
    total = db.session.scalar(select(func.count()).select_from(base.subquery())) or 0
    options = f'StartSel="{OPEN}", StopSel="{CLOSE}", MaxWords=30, MinWords=12, MaxFragments=2, ' \
              f'FragmentDelimiter=" {ELLIPSIS} "'
    rank = func.ts_rank(body_doc, tsquery) + case((in_title, func.ts_rank(title_doc, tsquery) * 2), else_=0)
    stmt = (base.add_columns(
        case((Post.is_opening.is_(True), func.ts_headline(_PG, Thread.title, tsquery,
                                                          f'StartSel="{OPEN}", StopSel="{CLOSE}", HighlightAll=true')),
             else_=""),
        func.ts_headline(_PG, Post.body, tsquery, options))
        .order_by(rank.desc(), Post.id.desc()))
    return _page_rows(stmt, number), total


def marked(text: str) -> Markup:
    """A snippet as safe HTML: every character escaped, and only the database's match markers (balanced) become
    <mark>. A marker a member typed themselves can at most open or close a highlight, never add markup."""
    out, open_ = [], False
    for piece in re.split(f"([{OPEN}{CLOSE}])", text or ""):
        if piece == OPEN:
            if not open_:
                out.append("<mark>")
                open_ = True
        elif piece == CLOSE:
            if open_:
                out.append("</mark>")
                open_ = False
        else:
            out.append(str(escape(piece)))
    if open_:
        out.append("</mark>")
    return Markup("".join(out))


def plain(snippet: Markup | None) -> str | None:
    """A snippet as text, for the API beside its HTML."""
    return None if snippet is None else snippet.striptags()


# --- a query that reads as a crisis --------------------------------------------------------------------------------

def crisis_support(viewer: Member | None, region: str | None = None) -> dict:
    """The crisis panel's facts for a searcher whose query reads as a crisis: their region's emergency number
    first (a member's region, else the help page's choice for a visitor)."""
    found = for_member(viewer) if viewer is not None else for_region(region)
    return {"support_message": CRISIS_MESSAGE, "resources": found["resources"], "emergency": found["emergency"],
            "help_url": "/help", "country": found.get("country"),
            "safety_plan": safety_plan_link(viewer) if viewer is not None else None,
            **({"hint": found["hint"]} if found.get("hint") else {})}
