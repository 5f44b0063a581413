"""Locust user of ``bench/load.py``'s fixed-rate run: each user asks for one page once a second
(``constant_throughput``), so ``-u 50`` users spawned at ``-r 50`` a second make an even 50
requests a second. The path and the headers (session cookie or API token) come from
``LOAD_PATH`` and ``LOAD_HEADERS`` ("Name: value" lines)."""

from __future__ import annotations

import os

from locust import HttpUser, constant_throughput, task

PATH = os.environ.get("LOAD_PATH", "/login/")
HEADERS = dict(line.split(": ", 1) for line in os.environ.get("LOAD_HEADERS", "").splitlines()
               if ": " in line)


class PageUser(HttpUser):
    wait_time = constant_throughput(1)

    @task
    def page(self) -> None:
        with self.client.get(PATH, headers=HEADERS, name="page", allow_redirects=False,
                             catch_response=True) as answer:
            if answer.status_code != 200:  # a redirect to the login page is a failure too
                answer.failure(f"HTTP {answer.status_code}")
