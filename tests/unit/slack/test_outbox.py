"""The outbox at shutdown: a post still inside the client's own retries is waited for, not lost silently."""

from __future__ import annotations

import threading

from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from qa_bot.slack.outbox import Outbox


def _refusal(status: int, error: str) -> SlackApiError:
    response = SlackResponse(client=None, http_verb="POST", api_url="chat.postMessage", req_args={},
                             data={"ok": False, "error": error}, headers={}, status_code=status)
    return SlackApiError(error, response)


def test_settle_waits_for_a_post_in_flight_and_counts_it_once_it_waits():
    outbox = Outbox(patience=60)
    entered, release = threading.Event(), threading.Event()

    def slow_then_refused(**_: object) -> None:
        entered.set()
        release.wait(5)
        raise _refusal(503, "service_unavailable")

    poster = threading.Thread(target=outbox.post, kwargs={"call": slow_then_refused, "channel": "CT"})
    poster.start()
    assert entered.wait(5)
    assert outbox.in_flight == 1 and outbox.waiting == 0  # what a stop used to see: nothing to deliver
    threading.Timer(0.2, release.set).start()
    assert outbox.settle(5) == 1  # the refused post joined the waiting ones before the drain
    poster.join(5)
    assert outbox.in_flight == 0
    lost = outbox.drain()
    assert lost == 1 and outbox.given_up == 1


def test_settle_gives_up_after_its_time_and_returns_what_waits():
    outbox = Outbox(patience=60)
    release = threading.Event()
    poster = threading.Thread(target=outbox.post, kwargs={"call": lambda **_: release.wait(5), "channel": "CT"})
    poster.start()
    while not outbox.in_flight:
        pass
    assert outbox.settle(0.1) == 0 and outbox.in_flight == 1  # still stuck: settle does not hang the stop
    release.set()
    poster.join(5)
    assert outbox.in_flight == 0 and outbox.delivered == 1
