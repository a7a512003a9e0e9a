"""Everything a request sets off, run before its answer returns (API.md, "Local stack only").

After each invocation of an HTTP handler or a job, the stack delivers the tables' new stream records to the
stream functions, then the events put on EventBridge to the rules' functions, then what was published to a
subscribed SNS topic to its functions, and again, since each may write, publish or send in turn, until a
round finds nothing new. The rounds are bounded (`MAX_ROUNDS`): what is left then runs after the next
request. Messages (SNS publications to other topics, e-mail, SMS) land in the outbox as they are sent.
"""

from __future__ import annotations

import sys
import threading
import traceback

from local.aws.eventbridge import EventDelivery, PendingEvents
from local.aws.moto_server import EmbeddedApi
from local.aws.sns import PendingPublications, TopicDelivery
from local.aws.streams import StreamDelivery, StreamReader
from local.lambdas.runtime import FunctionRegistry
from local.lambdas.triggers import TriggerInvoker, Triggers

MAX_ROUNDS = 20


class Consequences:
    def __init__(
        self,
        streams: StreamDelivery,
        events: EventDelivery,
        topics: TopicDelivery,
        max_rounds: int = MAX_ROUNDS,
    ) -> None:
        self._streams = streams
        self._events = events
        self._topics = topics
        self._max_rounds = max_rounds
        self._lock = threading.Lock()  # one request's consequences at a time

    @classmethod
    def for_triggers(
        cls,
        triggers: Triggers,
        functions: FunctionRegistry,
        api: EmbeddedApi,
        pending_events: PendingEvents,
        pending_publications: PendingPublications,
        max_rounds: int = MAX_ROUNDS,
    ) -> Consequences:
        invoker = TriggerInvoker(functions)
        reader = StreamReader(api, triggers.stream_tables)
        return cls(
            StreamDelivery(triggers.streams, reader, invoker),
            EventDelivery(triggers.rules, pending_events, invoker),
            TopicDelivery(triggers.topics, pending_publications, invoker),
            max_rounds,
        )

    def start(self) -> None:
        """From now on: the streams are read from their current end, earlier events are dropped."""
        with self._lock:
            self._streams.start()
            self._events.discard_pending()
            self._topics.discard_pending()

    def run(self) -> None:
        """Run until nothing new happens (or `max_rounds`); never raises, so the answer still goes out."""
        with self._lock:
            try:
                for _ in range(self._max_rounds):
                    records = self._streams.deliver_new()
                    events = self._events.dispatch_pending()
                    published = self._topics.dispatch_pending()
                    if records == 0 and events == 0 and published == 0:
                        return
            except Exception:
                print("local: running the consequences of a request failed:", file=sys.stderr)
                traceback.print_exc(file=sys.stderr)
                return
        print(
            f"local: stream records or events were still coming after {self._max_rounds} rounds; the rest "
            "runs after the next request (does a stream or event function keep triggering itself?)",
            file=sys.stderr,
        )
