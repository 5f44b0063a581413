"""The cluster as data: MeluXina-AI's partitions, the access types and the allocation policy.

Pure Python (no Django): ``load_cluster()`` reads ``cluster.json`` (or another file with the same
shape, e.g. a single-node test cluster), checks it and returns a ``ClusterCatalogue``.
``with_policy()`` applies the overrides that ``settings.py`` reads from the environment and checks
the result again. A partition may say what a job gets per GPU (``cpus_per_gpu``,
``memory_gb_per_gpu``; defaults below), which the platform passes to the scheduler explicitly. Figures known only from the public announcement carry ``announced: true``: they
are shown as such, never as verified.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from laif.catalogue import CATALOGUE_DIR, CatalogueError, read_json
from laif.catalogue.fields import (
    SourceInLanguage,
    date_field,
    int_field,
    json_list,
    json_object,
    optional_int_field,
    text_field,
)

POOL_KINDS = ("national", "eurohpc")
# Slurm partition names; access type keys are stored in the database and used in URLs and the API.
PARTITION_RE = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
MAX_PERIOD_MONTHS = 24
MIN_OVERBOOKING = Decimal("1.0")
MAX_OVERBOOKING = Decimal("3.0")
MAX_GPU_HOURS = 2_147_483_647  # a request's hours fit a 32-bit integer
# What a job gets per GPU when its partition does not say (``cpus_per_gpu``,
# ``memory_gb_per_gpu``); a CPU-only job gets what one GPU would (ADR 0010).
DEFAULT_CPUS_PER_GPU = 1
DEFAULT_MEMORY_GB_PER_GPU = 4


@dataclass(frozen=True)
class Partition:
    name: str
    purpose: str
    nodes: int
    gpus_per_node: int
    gpu_model: str
    gpu_memory_gb: int
    max_walltime_hours: int
    announced: bool
    note: str = ""
    cpus_per_gpu: int | None = None
    memory_gb_per_gpu: int | None = None

    @property
    def gpus(self) -> int:
        return self.nodes * self.gpus_per_node

    def cpus_for(self, gpus: int) -> int:
        """CPUs of a job with this many GPUs (one task): per GPU, at least one GPU's share."""
        return max(gpus, 1) * (self.cpus_per_gpu or DEFAULT_CPUS_PER_GPU)

    def memory_mb_for(self, gpus: int) -> int:
        """Memory of a job with this many GPUs, in MB: per GPU, at least one GPU's share."""
        return max(gpus, 1) * (self.memory_gb_per_gpu or DEFAULT_MEMORY_GB_PER_GPU) * 1024


@dataclass(frozen=True)
class AccessType:
    key: str
    title: str
    title_fr: str
    summary: str
    summary_fr: str
    max_gpu_hours: int
    max_duration_months: int

    def title_in(self, language: str) -> str:
        return self.title_fr if language.startswith("fr") else self.title

    def summary_in(self, language: str) -> str:
        return self.summary_fr if language.startswith("fr") else self.summary


@dataclass(frozen=True)
class AllocationPolicy:
    period_months: int
    first_period_start: date
    pool_shares_percent: dict[str, int]
    overbooking_factor: Decimal


@dataclass(frozen=True)
class LoginHost(SourceInLanguage):
    """Where people log in over SSH, with where that comes from."""

    host: str
    port: int
    source: str
    source_fr: str = ""

    @property
    def command(self) -> str:
        """The command without the person's name: ``ssh -p 8822 login.lxp.lu``."""
        return f"ssh -p {self.port} {self.host}" if self.port != 22 else f"ssh {self.host}"


HOSTNAME = re.compile(r"(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*")


def _login(item: Any, where: str) -> LoginHost | None:
    if item is None:
        return None
    login = json_object(item, where)
    host = text_field(login, "host", where).lower()
    if not HOSTNAME.fullmatch(host):
        raise CatalogueError(f"{where}: 'host' must be a host name, got {host!r}")
    return LoginHost(host=host, port=int_field(login, "port", where, 1, 65_535),
                     source=text_field(login, "source", where),
                     source_fr=text_field(login, "source_fr", where, required=False))


@dataclass(frozen=True)
class ClusterCatalogue(SourceInLanguage):
    version: int
    effective_date: date
    source: str
    name: str
    operator: str
    location: str
    partitions: tuple[Partition, ...]
    access_types: tuple[AccessType, ...]
    policy: AllocationPolicy
    source_fr: str = ""
    login: LoginHost | None = None  # None: no login host is published

    @property
    def total_gpus(self) -> int:
        return sum(p.gpus for p in self.partitions)

    @property
    def announced(self) -> bool:
        """True when any figure of the machine is known only from the announcement."""
        return any(p.announced for p in self.partitions)

    def access_type(self, key: str) -> AccessType | None:
        return next((a for a in self.access_types if a.key == key), None)


def parse_overbooking(value: Any, where: str = "overbooking_factor") -> Decimal:
    """A factor such as ``"1.2"`` (or the JSON number 1.2), between 1.0 and 3.0, two decimals."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise CatalogueError(f"{where}: must be a decimal number such as \"1.2\"")
    try:
        factor = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise CatalogueError(f"{where}: must be a decimal number such as \"1.2\"") from exc
    if not factor.is_finite() or not MIN_OVERBOOKING <= factor <= MAX_OVERBOOKING:
        raise CatalogueError(f"{where}: must be between {MIN_OVERBOOKING} and {MAX_OVERBOOKING}, "
                             f"got {value}")
    if factor != factor.quantize(Decimal("0.01")):
        raise CatalogueError(f"{where}: at most two decimals, got {value}")
    return factor.quantize(Decimal("0.01"))


# ------------------------------------------------------------------------------ sections


def _partition(item: Any, where: str) -> Partition:
    data = json_object(item, where)
    name = text_field(data, "name", where)
    if not PARTITION_RE.match(name):
        raise CatalogueError(f"{where}: 'name' must be a Slurm partition name "
                             f"(lower case letters, digits, - and _), got {name!r}")
    announced = data.get("announced")
    if not isinstance(announced, bool):
        raise CatalogueError(f"{where}: 'announced' must be true or false (true when the "
                             "figures come only from the public announcement)")
    return Partition(
        name=name,
        purpose=text_field(data, "purpose", where),
        nodes=int_field(data, "nodes", where, 1, 100_000),
        gpus_per_node=int_field(data, "gpus_per_node", where, 1, 64),
        gpu_model=text_field(data, "gpu_model", where),
        gpu_memory_gb=int_field(data, "gpu_memory_gb", where, 1, 10_000),
        max_walltime_hours=int_field(data, "max_walltime_hours", where, 1, 24 * 31),
        announced=announced,
        note=text_field(data, "note", where, required=False),
        cpus_per_gpu=optional_int_field(data, "cpus_per_gpu", where, 1, 1024),
        memory_gb_per_gpu=optional_int_field(data, "memory_gb_per_gpu", where, 1, 100_000),
    )


def _access_type(item: Any, where: str) -> AccessType:
    data = json_object(item, where)
    key = text_field(data, "key", where)
    if not KEY_RE.match(key):
        raise CatalogueError(f"{where}: 'key' must be lower case letters, digits and _, "
                             f"got {key!r}")
    return AccessType(
        key=key,
        title=text_field(data, "title", where), title_fr=text_field(data, "title_fr", where),
        summary=text_field(data, "summary", where), summary_fr=text_field(data, "summary_fr", where),
        max_gpu_hours=int_field(data, "max_gpu_hours", where, 1, MAX_GPU_HOURS),
        max_duration_months=int_field(data, "max_duration_months", where, 1, MAX_PERIOD_MONTHS),
    )


def _shares(value: Any, where: str) -> dict[str, int]:
    data = json_object(value, where)
    if set(data) != set(POOL_KINDS):
        raise CatalogueError(f"{where}: needs exactly the pools {', '.join(POOL_KINDS)}")
    shares = {kind: int_field(data, kind, where, 0, 100) for kind in POOL_KINDS}
    if sum(shares.values()) != 100:
        raise CatalogueError(f"{where}: the shares must add up to 100, got "
                             f"{sum(shares.values())}")
    return shares


def _policy(value: Any, where: str) -> AllocationPolicy:
    data = json_object(value, where)
    start = date_field(data, "first_period_start", where)
    if start.day != 1:
        raise CatalogueError(f"{where}: 'first_period_start' must be the first day of a month")
    return AllocationPolicy(
        period_months=int_field(data, "period_months", where, 1, MAX_PERIOD_MONTHS),
        first_period_start=start,
        pool_shares_percent=_shares(data.get("pool_shares_percent"),
                                    f"{where}: pool_shares_percent"),
        overbooking_factor=parse_overbooking(data.get("overbooking_factor"),
                                             f"{where}: overbooking_factor"),
    )


def check_cluster(cluster: ClusterCatalogue, where: str = "cluster.json") -> ClusterCatalogue:
    """Rules across sections: unique names and keys, no access type longer than a period."""
    names = [p.name for p in cluster.partitions]
    if len(set(names)) != len(names):
        raise CatalogueError(f"{where}: partition names must be unique")
    keys = [a.key for a in cluster.access_types]
    if len(set(keys)) != len(keys):
        raise CatalogueError(f"{where}: access type keys must be unique")
    for access in cluster.access_types:
        if access.max_duration_months > cluster.policy.period_months:
            raise CatalogueError(
                f"{where}: access type {access.key!r} lasts up to {access.max_duration_months} "
                f"months, longer than an allocation period ({cluster.policy.period_months} months)"
            )
    return cluster


def parse_cluster(data: Any, where: str = "cluster.json") -> ClusterCatalogue:
    root = json_object(data, where)
    version = root.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise CatalogueError(f"{where}: 'version' must be a positive integer")
    machine = json_object(root.get("cluster"), f"{where}: cluster")
    here = f"{where}: cluster"
    partitions = tuple(
        _partition(item, f"{here}.partitions[{i}]")
        for i, item in enumerate(json_list(machine.get("partitions"), f"{here}.partitions"))
    )
    access_types = tuple(
        _access_type(item, f"{where}: access_types[{i}]")
        for i, item in enumerate(json_list(root.get("access_types"), f"{where}: access_types"))
    )
    return check_cluster(ClusterCatalogue(
        version=version,
        effective_date=date_field(root, "effective_date", where),
        source=text_field(root, "source", where),
        source_fr=text_field(root, "source_fr", where, required=False),
        name=text_field(machine, "name", here),
        operator=text_field(machine, "operator", here),
        location=text_field(machine, "location", here),
        login=_login(machine.get("login"), f"{here}.login"),
        partitions=partitions,
        access_types=access_types,
        policy=_policy(root.get("allocation_policy"), f"{where}: allocation_policy"),
    ), where)


def with_policy(
    cluster: ClusterCatalogue,
    *,
    period_months: int | None = None,
    national_percent: int | None = None,
    overbooking_factor: Decimal | None = None,
) -> ClusterCatalogue:
    """The catalogue with some policy figures replaced (from the environment), checked again."""
    policy = cluster.policy
    if period_months is not None:
        policy = replace(policy, period_months=period_months)
    if national_percent is not None:
        policy = replace(policy, pool_shares_percent={
            "national": national_percent, "eurohpc": 100 - national_percent})
    if overbooking_factor is not None:
        policy = replace(policy, overbooking_factor=parse_overbooking(str(overbooking_factor)))
    return check_cluster(replace(cluster, policy=policy), "allocation policy")


def load_cluster(path: Path | None = None) -> ClusterCatalogue:
    """Read and check a cluster file (``cluster.json`` next to this module by default)."""
    file = path or CATALOGUE_DIR / "cluster.json"
    data = read_json(file)
    return parse_cluster(data, file.name)
