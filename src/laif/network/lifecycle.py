"""The life cycle of a referral between AI Factories (pure Python, no Django).

An outgoing referral (a request of ours that needs a capability the local factory lacks) is
drafted, sent to the other factory, accepted or declined by it, and completed once the other
factory has served the request. An incoming referral (another factory's request that needs a
capability we have) is received, accepted or declined here, and then either converted into a
local request at the single point of entry or completed (served without one); a converted one is
completed when that request has been served.

``converted`` is reached only by the conversion itself (it creates the local request and links
it), never by a plain change of status: ``by_hand`` leaves it out.
"""

from __future__ import annotations

OUTGOING, INCOMING = "outgoing", "incoming"
DIRECTIONS = (OUTGOING, INCOMING)

DRAFT, SENT, RECEIVED = "draft", "sent", "received"
ACCEPTED, DECLINED, CONVERTED, COMPLETED = "accepted", "declined", "converted", "completed"
STATUSES = (DRAFT, SENT, RECEIVED, ACCEPTED, DECLINED, CONVERTED, COMPLETED)

# where a referral may go from each status, per direction
TRANSITIONS: dict[str, dict[str, tuple[str, ...]]] = {
    OUTGOING: {
        DRAFT: (SENT,),
        SENT: (ACCEPTED, DECLINED),
        ACCEPTED: (COMPLETED,),
        DECLINED: (),
        COMPLETED: (),
    },
    INCOMING: {
        RECEIVED: (ACCEPTED, DECLINED),
        ACCEPTED: (CONVERTED, COMPLETED),
        DECLINED: (),
        CONVERTED: (COMPLETED,),
        COMPLETED: (),
    },
}
# the status a referral starts in
FIRST = {OUTGOING: DRAFT, INCOMING: RECEIVED}
# reached only by an action of its own (the conversion), never by a change of status
NOT_BY_HAND = frozenset({CONVERTED})


def statuses_of(direction: str) -> tuple[str, ...]:
    """The statuses a referral of this direction can be in, in the order of its life."""
    return tuple(TRANSITIONS.get(direction, {}))


def next_statuses(direction: str, status: str) -> tuple[str, ...]:
    """Every status the referral may go to next (the conversion included)."""
    return TRANSITIONS.get(direction, {}).get(status, ())


def by_hand(direction: str, status: str) -> tuple[str, ...]:
    """The statuses staff may set next by changing the status."""
    return tuple(s for s in next_statuses(direction, status) if s not in NOT_BY_HAND)


def can_move(direction: str, current: str, target: str) -> bool:
    """Whether staff may change the status from ``current`` to ``target``."""
    return target in by_hand(direction, current)


def can_convert(direction: str, status: str) -> bool:
    """Whether the referral may become a local request now (an accepted incoming one)."""
    return CONVERTED in next_statuses(direction, status)


def is_open(direction: str, status: str) -> bool:
    """Not finished yet: some status still follows."""
    return bool(next_statuses(direction, status))
