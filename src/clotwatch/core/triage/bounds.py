"""What the answers still left open can do to the disposition: sound bounds over completions.

A *completion* gives every open key (absent from the answers) one of its values or ``None``
("don't know"). The questionnaire may stop only when every completion has the same disposition
as the answers so far (the disposition is *determined*); then a person's full answers, whatever
they are, give exactly the disposition the questionnaire reports.

The bounds are found by searching the rules themselves, not a model of them. A rule is run on
the answers with the open keys left *free*: reading a free key stops the run, and the search
tries each of the key's values in turn (its ``DOMAIN``). A rule is a deterministic function of
the values it reads, so the leaves of this search are every distinct way the rule can end, and
keys it never reads cannot matter to it. Numbers are tried at one value in every interval
between the rules' thresholds (and at each threshold), which covers every number the contract
allows (a test checks each threshold in ``rules`` is represented).

- The highest level over completions is exact: the disposition is the most urgent level any
  rule calls for, so the maximum over completions is the maximum, rule by rule, of each rule's
  own maximum (``upper``).
- The lowest level is bounded from below by the most urgent level some rule calls for in every
  completion (``lower``): a sound bound, possibly below the true minimum, which only means one
  more question is asked.

Each search has a budget of rule runs; a search that runs out answers as if the other extreme
were reachable (the open keys could change the result), which again only asks more.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from clotwatch.core.triage.keys import KEYS
from clotwatch.core.triage.rules import (
    BEDRIDDEN_DAYS,
    CRAMP_MAX_MINUTES,
    LEFT_CALF_CM,
    LEVELS,
    LONG_STANDING_HOURS,
    LONG_TRAVEL_HOURS,
    NOT_ENOUGH,
    PERSISTING_HOURS,
    RULES,
    WELLS_CALF_CM,
    Facts,
    Hit,
    Level,
    Rule,
    apply_rules,
)

# One value in every interval between the thresholds the rules compare a number with, and the
# thresholds themselves (most reassuring first). ``None`` is added for every key.
_NUMBERS: dict[str, tuple[float, ...]] = {
    "age_years": (30, 5, 10, 55, 70),                # pregnancy possible from 10 to 55
    "duration_hours": (0.05, CRAMP_MAX_MINUTES / 60, 0.5, PERSISTING_HOURS, 100.0,
                       LONG_STANDING_HOURS, 1000.0),
    "calf_difference_cm": (0.0, LEFT_CALF_CM, WELLS_CALF_CM, 5.0),
    "bedridden_days": (0.0, BEDRIDDEN_DAYS, 10.0),
    "long_travel_hours": (0.0, LONG_TRAVEL_HOURS, 8.0),
    "bmi": (22.0, 30.0),
}


def _domain(key_id: str) -> tuple[Any, ...]:
    key = KEYS[key_id]
    if key.kind == "bool":
        first = key.probes[0]           # the reassuring answer (no swelling; a cramp)
        return (first, None, not first)
    if key.kind == "enum":
        first = key.probes[0]
        return (first, None, *[o for o in key.options if o != first])
    return (*_NUMBERS[key_id], None)


DOMAIN: dict[str, tuple[Any, ...]] = {k: _domain(k) for k in KEYS}
_RANK: dict[str, int] = {level: i for i, level in enumerate(LEVELS)}

# Rule runs one search may spend before it gives the conservative answer.
BUDGET = 2000


class _Need(Exception):
    """A rule read a key that still has several possible values: try each in turn."""

    def __init__(self, key: str) -> None:
        self.key = key


class _Split(Exception):
    """A rule asked a yes/no question of a key whose possible values answer it both ways:
    try each group of values in turn."""

    def __init__(self, key: str, parts: tuple[tuple[Any, ...], ...]) -> None:
        self.key = key
        self.parts = parts


class _Stop(Exception):
    """The search found what it was looking for."""


class _OutOfBudget(Exception):
    """The search used up its budget."""


Sets = dict[str, tuple[Any, ...]]


class _Open(dict[str, Any]):
    """Answers in which some keys may still take several values (``sets``): reading one raises
    ``_Need``; a key narrowed to one value reads as that value."""

    __slots__ = ("sets",)

    def __init__(self, answers: Mapping[str, Any], sets: Sets) -> None:
        super().__init__(answers)
        self.sets = sets

    def _value(self, key: str, default: Any) -> Any:
        values = self.sets[key]
        if len(values) > 1:
            raise _Need(key)
        return default if values[0] is None else values[0]

    def get(self, key: str, default: Any = None) -> Any:
        values = self.sets.get(key)
        if values is None:
            return dict.get(self, key, default)
        if len(values) > 1:
            raise _Need(key)
        return default if values[0] is None else values[0]

    def __getitem__(self, key: str) -> Any:
        if key in self.sets:
            return self._value(key, None)
        return dict.__getitem__(self, key)

    def __contains__(self, key: object) -> bool:
        if isinstance(key, str) and key in self.sets:
            raise _Need(key)
        return dict.__contains__(self, key)

    def _whole(self) -> Any:
        # A rule that reads the answers as a whole depends on every open key.
        for key, values in self.sets.items():
            if len(values) > 1:
                raise _Need(key)
        return None

    def __iter__(self) -> Any:
        self._whole()
        return dict.__iter__(self)

    def __len__(self) -> int:
        self._whole()
        return dict.__len__(self)

    def keys(self) -> Any:
        self._whole()
        return dict.keys(self)

    def values(self) -> Any:
        self._whole()
        return dict.values(self)

    def items(self) -> Any:
        self._whole()
        return dict.items(self)


class _OpenFacts(Facts):
    """Facts over ``_Open`` answers: a yes/no question about an open key splits its values
    into the two groups that answer it differently, so that the search branches on what the
    rule distinguishes (is it "yes"?), not on every value."""

    a: _Open

    def _test(self, key: str, test: Any) -> bool:
        values = self.a.sets.get(key)
        if values is None:
            return bool(test(self.a.get(key)))
        answer = _answer(key, values, test)
        if isinstance(answer, bool):
            return answer
        raise _Split(key, answer)

    def yes(self, key: str) -> bool:
        return self._test(key, _is_true)

    def no(self, key: str) -> bool:
        return self._test(key, _is_false)

    def unknown(self, key: str) -> bool:
        return self._test(key, _is_none)


def _is_true(value: Any) -> bool:
    return value is True


def _is_false(value: Any) -> bool:
    return value is False


def _is_none(value: Any) -> bool:
    return value is None


@functools.cache
def _answer(key: str, values: tuple[Any, ...], test: Any
            ) -> bool | tuple[tuple[Any, ...], tuple[Any, ...]]:
    """How ``test`` answers a key that may hold any of ``values``: True or False when every
    value answers alike, else the two groups of values (yes, no). A pure function of a few
    possible inputs (the values are groups of one key's ``DOMAIN``; the key keeps 1 and True,
    equal as dictionary keys, from ever meeting), so each is worked out once."""
    true = tuple(v for v in values if test(v))
    if not true:
        return False
    if len(true) == len(values):
        return True
    return true, tuple(v for v in values if not test(v))


@dataclass(frozen=True)
class Extreme:
    """The most (or least) urgent level one rule reaches over completions, and a completion
    (the open keys that must hold a value, not "don't know", to reach it); ``exact`` is False
    when the search ran out of budget and ``level`` is the conservative guess."""

    level: int            # -1: the rule calls for nothing
    witness: Mapping[str, Any]
    exact: bool


def _top(hits: list[Hit]) -> int:
    return max((_RANK[h.level] for h in hits), default=-1)


@functools.cache
def _ordered(key: str, parts: tuple[tuple[Any, ...], ...], highest: bool
             ) -> tuple[tuple[Any, ...], ...]:
    """The groups of ``key``'s values in the order a search tries them: most alarming first
    when looking for the highest level, most reassuring first otherwise (by ``DOMAIN``)."""
    index = DOMAIN[key].index
    if highest:
        return tuple(sorted(parts, key=lambda p: -max(map(index, p))))
    return tuple(sorted(parts, key=lambda p: min(map(index, p))))


def _witness(sets: Sets) -> dict[str, Any]:
    # Keys the completion must answer (None is not among their values) with one such value.
    return {k: v[0] for k, v in sets.items() if None not in v}


def rule_extreme(r: Rule, answers: Mapping[str, Any], free: frozenset[str], *,
                 highest: bool, enough: int, budget: int = BUDGET) -> Extreme:
    """Search the completions of ``free`` for rule ``r``'s highest (or lowest) level.

    Stops as soon as a completion reaches ``enough`` (at least it when ``highest``, at most it
    otherwise). Values are tried most alarming first when looking for the highest level.
    """
    best = -2 if highest else 99
    best_sets: Sets = {}
    runs = 0
    # One view of the answers for the whole search; each run sees its own ``sets``.
    opened = _Open(answers, {})
    check = r.check

    def visit(sets: Sets) -> None:
        nonlocal best, best_sets, runs
        runs += 1
        if runs > budget:
            raise _OutOfBudget
        opened.sets = sets
        try:
            hits = check(_OpenFacts(opened))
        except _Split as split:
            key, parts = split.key, split.parts
        except _Need as need:
            key, parts = need.key, tuple((v,) for v in sets[need.key])
        else:
            level = _top(hits)
            if (level > best) if highest else (level < best):
                best, best_sets = level, sets
                if (best >= enough) if highest else (best <= enough):
                    raise _Stop
            return
        for part in _ordered(key, parts, highest):
            visit({**sets, key: part})

    try:
        visit({k: DOMAIN[k] for k in free})
    except _Stop:
        pass
    except _OutOfBudget:
        guess = _RANK[r.most] if highest else -1
        return Extreme(guess, _witness(best_sets), False)
    return Extreme(best, _witness(best_sets), True)


def minimal(r: Rule, answers: Mapping[str, Any], witness: Mapping[str, Any], level: int
            ) -> dict[str, Any]:
    """The keys of ``witness`` that rule ``r`` needs to reach ``level`` (the others left
    unknown): a search narrows every key it reads on the way, most of which do not matter."""
    keep = dict(witness)
    if _top(r.check(Facts({**answers, **keep}))) < level:
        return keep      # the witness needs values left open: keep it whole
    for key in list(keep):
        trial = {k: v for k, v in keep.items() if k != key}
        if _top(r.check(Facts({**answers, **trial}))) >= level:
            keep = trial
    return keep


@dataclass(frozen=True)
class Bounds:
    """Lowest and highest disposition (ranks) over every completion of the open keys, and the
    open keys that a completion reaching a different level than ``level`` sets."""

    level: Level
    low: int
    high: int
    movers: tuple[str, ...]

    @property
    def determined(self) -> bool:
        return self.low == self.high


def _free(answers: Mapping[str, Any], keys: Iterable[str]) -> frozenset[str]:
    return frozenset(k for k in keys if k not in answers)


def upper(answers: Mapping[str, Any], free: frozenset[str], *, above: int = 99,
          budget: int = BUDGET) -> tuple[int, dict[str, Any]]:
    """The highest raw level (rank) over completions of ``free``, exact unless a search ran out
    of budget (then it is the rule's ``most``: never too low). Stops early once it exceeds
    ``above``. Returns the level and a completion that reaches it."""
    answers = {k: v for k, v in answers.items() if k not in free}
    best, witness = -1, {}
    for r in sorted(RULES, key=lambda r: -_RANK[r.most]):
        if _RANK[r.most] <= best:
            break
        found = rule_extreme(r, answers, free, highest=True, enough=_RANK[r.most],
                             budget=budget)
        if found.level > best:
            best = found.level
            witness = minimal(r, answers, found.witness, best) if found.exact \
                else dict(found.witness)
            if best > above:
                break
    if best < _RANK["soon"]:
        # "Nothing fired" is soon (NOT_ENOUGH): possible unless a rule fires in every
        # completion.
        if not any(rule_extreme(r, answers, free, highest=False, enough=-1,
                                budget=budget).level >= 0
                   for r in RULES if r.most == "self_care"):
            best = _RANK[NOT_ENOUGH.level]
    return best, witness


def lower(answers: Mapping[str, Any], free: frozenset[str], *, budget: int = BUDGET // 4
          ) -> tuple[int, dict[str, Any]]:
    """A level (rank) no completion of ``free`` goes below: the most urgent level some rule
    calls for in every completion. Returns it and, for the rule that set it... nothing: the
    completions that go lowest are the witnesses of each rule's own minimum."""
    answers = {k: v for k, v in answers.items() if k not in free}
    best = 0
    witness: dict[str, Any] = {}
    for r in sorted(RULES, key=lambda r: -_RANK[r.most]):
        if _RANK[r.most] <= best:
            break
        found = rule_extreme(r, answers, free, highest=False, enough=best, budget=budget)
        if found.level > best:
            best = found.level
        else:
            witness.update(found.witness)
    return best, witness


def unknown_free(answers: Mapping[str, Any]) -> frozenset[str]:
    """Keys unknown in these answers whose answer self-care waits for: every key absent or
    ``None``, except a calf measurement when swelling is answered "no" (the measurement only
    sizes a swelling; no source asks a person to measure a leg they call not swollen)."""
    free = {k for k in KEYS if answers.get(k) is None}
    if answers.get("swelling") is False:
        free.discard("calf_difference_cm")
    return frozenset(free)


UNKNOWN_CAN_RAISE = "unknown_can_raise"


def decide(answers: Mapping[str, Any],
           asked: Iterable[str] | None = None) -> tuple[Level, list[Hit]]:
    """The disposition and the hits: every rule, then the self-care check (``_decide``; the
    same answers again are looked up, see ``_Call``)."""
    asked = _reusable(asked)
    call = _Call.of(answers, asked)
    if call is None:
        return _decide(answers, asked)
    level, hits = _decide_once(call)
    return level, list(hits)


def _decide(answers: Mapping[str, Any],
            asked: Iterable[str] | None = None) -> tuple[Level, list[Hit]]:
    """The disposition and the hits: every rule, then the self-care check.

    ``self_care`` needs every key that could raise it answered: when some unknown key's answer
    could raise self-care, the result is ``soon`` and names those keys (an unknown answer is
    never read as "no"). ``asked`` limits the self-care check to those keys (default: every
    key): a caller that asks a fixed set of questions and knows the rest another way (the
    follow-up check-in: the care team assessed the person's risk at enrolment) passes its
    questions. The rules and every level above self-care are the same whatever ``asked`` is.
    """
    level, hits = apply_rules(answers)
    if level != "self_care":
        return level, hits
    free = unknown_free(answers)
    if asked is not None:
        free = free & frozenset(asked)
    high, witness = upper(answers, free, above=0)
    if high <= 0:
        return level, hits
    # Name every unknown key whose answer alone could raise it (else the keys of the
    # completion found), so that the result says what to answer.
    keys = [k for k in KEYS if k in free and any(
        apply_rules({**answers, k: v})[0] != "self_care" for v in DOMAIN[k] if v is not None)]
    keys = keys or [k for k, v in witness.items() if v is not None] or sorted(free)
    raised = [Hit(UNKNOWN_CAN_RAISE, k, "soon", "reason.unknown") for k in keys]
    return "soon", [*hits, *raised]


def level_of(answers: Mapping[str, Any]) -> int:
    """Rank of the disposition ``decide`` gives."""
    return _RANK[decide(answers)[0]]


def _movers_up(answers: Mapping[str, Any], free: frozenset[str], now: int) -> dict[str, None]:
    """Open keys set by a completion in which some rule calls for more than ``now``, over
    every rule that can (so that the questionnaire can ask the most telling of them first)."""
    movers: dict[str, None] = {}
    for r in RULES:
        if _RANK[r.most] <= now:
            continue
        found = rule_extreme(r, answers, free, highest=True, enough=now + 1)
        if found.level > now:
            witness = minimal(r, answers, found.witness, now + 1) if found.exact \
                else found.witness
            movers.update((k, None) for k, v in witness.items() if v is not None)
    return movers


def bounds(answers: Mapping[str, Any], keys: Iterable[str] | None = None) -> Bounds:
    """The bounds over completions of the open keys (``keys`` not in ``answers``; every key by
    default) and the open keys that can move the disposition away from ``decide(answers)``
    (``_bounds``; the same answers again are looked up, see ``_Call``)."""
    keys = _reusable(keys)
    call = _Call.of(answers, keys)
    return _bounds(answers, keys) if call is None else _bounds_once(call)


def _reusable(keys: Iterable[str] | None) -> Collection[str] | None:
    """``keys`` as a collection that can be read twice in the same order (the cache's key and
    the computation): a set's order of iteration decides which of several equally good
    completions a search finds first, so the keys are kept as given, not rebuilt."""
    if keys is None or isinstance(keys, tuple | list | set | frozenset):
        return keys
    return tuple(keys)


class _Call:
    """The arguments of one ``decide`` or ``bounds`` call, compared by their contents: the
    answers (each value with its type: 1, 1.0 and True are equal as dictionary keys, not as
    answers) and the keys given, in their order of iteration (which decides the order of the
    search, and so which completion it finds first). Both are pure functions of these (the
    order of the answers does not matter: a property test compares them with fresh
    computations), and a questionnaire asks the same questions of the same answers
    many times (each screen, the result page, the check-in, every walk through the same
    story), so each result is computed once and kept (a bounded cache)."""

    __slots__ = ("answers", "keys", "_id", "_hash")

    def __init__(self, answers: Mapping[str, Any], keys: Collection[str] | None,
                 identity: tuple[Any, ...]) -> None:
        self.answers, self.keys, self._id = answers, keys, identity
        self._hash = hash(identity)

    @classmethod
    def of(cls, answers: Mapping[str, Any], keys: Collection[str] | None) -> _Call | None:
        """The call, or None when an answer cannot be hashed (computed afresh)."""
        try:
            return cls(answers, keys, (
                frozenset((k, v.__class__, v) for k, v in answers.items()),
                None if keys is None else tuple(keys)))
        except TypeError:
            return None

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Call) and self._id == other._id


@functools.lru_cache(maxsize=4096)
def _decide_once(call: _Call) -> tuple[Level, tuple[Hit, ...]]:
    level, hits = _decide(call.answers, call.keys)
    call.answers = {}  # kept as the cache's key: compared by ``_id``, not by the caller's dict
    return level, tuple(hits)


@functools.lru_cache(maxsize=4096)
def _bounds_once(call: _Call) -> Bounds:
    found = _bounds(call.answers, call.keys)
    call.answers = {}
    return found


def _bounds(answers: Mapping[str, Any], keys: Iterable[str] | None = None) -> Bounds:
    """``bounds`` computed."""
    level, hits = decide(answers)
    now = _RANK[level]
    free = _free(answers, KEYS if keys is None else keys)
    if not free:
        return Bounds(level, now, now, ())
    fixed = {k: v for k, v in answers.items() if k not in free}
    high, _ = upper(fixed, free, above=now)
    high = max(high, now)
    movers = _movers_up(fixed, free, now) if high > now else {}
    if now == 0:
        # Self-care means no unknown key (absent ones included, bar a calf measurement when
        # swelling is "no") can raise it: every completion is self-care, except through
        # that measurement, which ``high`` covers.
        return Bounds(level, 0, high, tuple(movers))
    low, down = lower(fixed, free)
    if low == 0 and now >= 1:
        low = _unknown_floor(fixed, free, [h.key for h in hits if h.rule == UNKNOWN_CAN_RAISE])
    low = min(low, now)
    if low < now and not movers:
        # Keys that can raise the result are asked first (they are what a walk must not
        # miss); then the open keys named as reasons for the present level (an unknown that
        # keeps self-care away), then those a lower completion sets.
        movers.update((h.key, None) for h in hits if h.level == level and h.key in free)
        if not movers:
            movers.update((k, None) for k, v in down.items() if v is not None)
    if (low < now or high > now) and not movers:
        movers.update((k, None) for k in sorted(free))
    return Bounds(level, low, high, tuple(movers))


def _unknown_floor(answers: Mapping[str, Any], free: frozenset[str], keys: list[str]) -> int:
    """``soon`` (1) when an answered "don't know" keeps every completion from self-care: some
    value of that key is at least ``soon`` in every completion, so self-care's check (no
    unknown key could raise it) fails in every completion; else 0 (which only asks more).
    Tried for the unknown keys that self-care's check named (``keys``)."""
    for k in keys:
        if k in free or answers.get(k) is not None:
            continue
        for value in DOMAIN[k]:
            if value is not None and lower({**answers, k: value}, free)[0] >= 1:
                return 1
    return 0
