"""Locust user of ``bench/load.py``'s fixed-rate run: each user asks for one page once a second,
and ``-u 50`` users make 50 requests a second, evenly spread. Locust starts a second's users in
one batch (``-r 50``: all 50 at once) and ``constant_throughput`` keeps them in step (it counts
its first wait from the user's creation), so each user here has its own slot in the second (the
n-th of ``LOAD_RATE`` users asks at n/LOAD_RATE s, then every second from there). With
``constant_throughput(1)`` the "fixed rate" was a burst of 50 simultaneous requests once a
second: the median measured the burst (about 130 ms for an API call served in 8 ms). The path and the headers
(session cookie or API token) come from ``LOAD_PATH`` and ``LOAD_HEADERS`` ("Name: value"
lines)."""

from __future__ import annotations

import itertools
import os
import time

from locust import HttpUser, task  # patches time.sleep for gevent (monkey.patch_all)

PATH = os.environ.get("LOAD_PATH", "/login/")
HEADERS = dict(line.split(": ", 1) for line in os.environ.get("LOAD_HEADERS", "").splitlines()
               if ": " in line)
RATE = max(1, int(os.environ.get("LOAD_RATE", "50")))
_ORDER = itertools.count()


class PageUser(HttpUser):
    slot = 0.0

    def on_start(self) -> None:
        time.sleep((next(_ORDER) % RATE) / RATE)  # this user's slot in the second
        self.slot = time.monotonic()

    def wait_time(self) -> float:
        self.slot += 1
        return max(0.0, self.slot - time.monotonic())

    @task
    def page(self) -> None:
        with self.client.get(PATH, headers=HEADERS, name="page", allow_redirects=False,
                             catch_response=True) as answer:
            if answer.status_code != 200:  # a redirect to the login page is a failure too
                answer.failure(f"HTTP {answer.status_code}")
