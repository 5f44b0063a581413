"""The technical documentation of Annex IV, filled from what the platform holds about an AI system
(its register entry, classification and its history, the obligations' evidence, drift monitors
and post-market monitoring events), point by point as ``catalogue/ai_act.json`` maps them, with
what is missing listed as gaps. Built in the active language; the page, the PDF and the API read
the same ``Dossier``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import date_format, number_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from laif.accounts.language import active_language
from laif.accounts.templatetags.numbers import grouped
from laif.billing.money import energy_text
from laif.billing.pdf import html_pdf
from laif.catalogue.ai_act import AnnexIvPoint, Rulebook, article_in, load_ai_act
from laif.govern import selectors
from laif.govern.models import AiSystem, Classification, ObligationStatus, RiskCategory
from laif.registry import selectors as registry_selectors


@dataclass(frozen=True)
class Item:
    label: str
    text: str


@dataclass(frozen=True)
class Section:
    point: str
    title: str
    items: tuple[Item, ...]
    gaps: tuple[str, ...]


@dataclass(frozen=True)
class Dossier:
    system: AiSystem
    category: str  # the label, "" before a classification
    sections: tuple[Section, ...]
    generated_at: datetime

    @property
    def gaps(self) -> int:
        return sum(len(s.gaps) for s in self.sections)


def _day(value: date | datetime) -> str:
    """A day (an instant: the site's day of it), in the active language."""
    day = timezone.localtime(value) if isinstance(value, datetime) else value
    return date_format(day, "DATE_FORMAT")


def _figure(value: object) -> str:
    """A parameter's or a metric's value: a number written in the active language."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return number_format(value, use_l10n=True)
    return str(value)


class _Reader:
    """Each kind of evidence of one system, read once."""

    def __init__(self, system: AiSystem, book: Rulebook) -> None:
        self.system, self.book = system, book
        self.language = active_language()
        self.history = selectors.classifications_of(system)
        self.latest: Classification | None = self.history[-1] if self.history else None
        self.obligations = {row.obligation.key: row for row in selectors.obligations_of(system)}
        self.monitors = selectors.monitors_of(system)
        self.events = selectors.events_of(system)
        self.incidents = selectors.incidents_of(system)
        self._evidence: list[registry_selectors.ModelEvidence] | None = None

    def _category(self, c: Classification) -> str:
        return str(RiskCategory(c.category).label)

    def system_items(self) -> tuple[list[Item], list[str]]:
        s = self.system
        roles = (self.latest.answers.get("roles", []) if self.latest else [])
        named = {"provider": _("provider"), "deployer": _("deployer")}
        items = [Item(_("AI system"), s.name), Item(_("Intended purpose"), s.purpose),
                 Item(_("Organisation"), s.organisation.name + (
                     f" ({', '.join(str(named[r]) for r in roles if r in named)})"
                     if roles else ""))]
        if s.project is not None:
            items.append(Item(_("Project that trains its models"),
                              f"{s.project.name} ({s.project.code})"))
        return items, []

    def classification_items(self) -> tuple[list[Item], list[str]]:
        if self.latest is None:
            return [], [_("The system is not classified under the AI Act.")]
        c = self.latest
        items = [Item(_("Risk category"), _("%(category)s, classified on %(date)s under "
                                            "rulebook version %(version)s") % {
            "category": self._category(c), "date": _day(c.created_at),
            "version": c.rulebook_version})]
        items += [Item(article_in(x["article"], self.language), x.get(self.language, x["en"]))
                  for x in c.conclusions]
        return items, []

    def history_items(self) -> tuple[list[Item], list[str]]:
        if not self.history:
            return [], [_("No classification recorded.")]
        return [Item(_day(c.created_at), _("Classified: %(category)s") % {
            "category": self._category(c)}) for c in self.history], []

    def monitor_items(self) -> tuple[list[Item], list[str]]:
        if not self.monitors:
            return [], [_("No drift monitor: the system's inputs are not watched.")]
        items = []
        for row in self.monitors:
            m = row.monitor
            text = _("Reference %(file)s, %(rows)s rows, columns %(columns)s, profiled on "
                     "%(date)s (profile SHA-256 %(sha)s)") % {
                "file": m.reference_name, "rows": grouped(m.reference_rows),
                "columns": ", ".join(m.columns), "date": _day(m.created_at),
                "sha": m.profile_sha256[:16]}
            text += "; " + ngettext("%(n)s batch tested", "%(n)s batches tested",
                                    row.batches) % {"n": grouped(row.batches)}
            if row.latest is not None:
                text += "; " + (_("the latest, on %(date)s, drifted") if row.latest.drifted
                                else _("the latest, on %(date)s, did not drift")) % {
                    "date": _day(row.latest.created_at)}
            items.append(Item(_("Drift monitor: %(name)s") % {"name": m.name}, text))
        return items, []

    def event_items(self) -> tuple[list[Item], list[str]]:
        if not self.events:
            return [Item(_("Post-market monitoring events"), _("None recorded."))], []
        items = []
        for e in self.events:
            b = e.batch
            if b is None:
                continue
            drifted = [c["column"] for c in b.results["columns"] if c["drifted"]]
            items.append(Item(_day(e.created_at), _(
                "Data drift (Art. 72): monitor %(monitor)s, batch %(source)s, %(n)s of "
                "%(total)s columns drifted (%(columns)s)") % {
                "monitor": b.monitor.name, "source": b.source, "n": b.columns_drifted,
                "total": b.columns_total, "columns": ", ".join(drifted)}))
        return items, []

    def incident_items(self) -> tuple[list[Item], list[str]]:
        found = self.incidents
        if not found:
            return [Item(_("Serious incidents (Art. 73)"), _("None recorded."))], []
        items, gaps = [], []
        for i in reversed(found):
            kind = self.book.incident_kind(i.kind)
            what = kind.in_language(self.language) if kind else i.kind
            text = _("%(kind)s (%(article)s): %(description)s. To report by %(deadline)s") % {
                "kind": what, "article": article_in(i.article, self.language),
                "description": i.description.rstrip("."), "deadline": _day(i.deadline)}
            if i.reported_on is not None:
                text += "; " + _("reported on %(date)s") % {"date": _day(i.reported_on)}
                if i.authority_reference:
                    text += f" ({i.authority_reference})"
            else:
                gaps.append(_("The serious incident of %(date)s is not reported yet (due "
                              "%(deadline)s).") % {"date": _day(i.aware_on),
                                                   "deadline": _day(i.deadline)})
            items.append(Item(_day(i.aware_on), text))
        return items, gaps

    def _models(self) -> tuple[list[registry_selectors.ModelEvidence], list[str]]:
        """The models of the system's project, read once; the gap when there is none."""
        if self._evidence is None:
            project = self.system.project_id
            self._evidence = registry_selectors.evidence_of_project(project) if project else []
        if self.system.project_id is None:
            return [], [_("The system is tied to no project: its models are not in the model "
                          "registry.")]
        if not any(e.version for e in self._evidence):
            return [], [_("No model version registered: the version, the training job and its "
                          "energy, the data sets and the metrics come from the model registry.")]
        return [e for e in self._evidence if e.version], []

    def model_items(self) -> tuple[list[Item], list[str]]:
        found, gaps = self._models()
        items = []
        for e in found:
            v = e.version
            assert v is not None
            text = (_("version %(n)s, the champion") if e.champion else
                    _("version %(n)s, the newest")) % {"n": v.number}
            text += "; " + _("registered on %(date)s, artefact SHA-256 %(sha)s, signed by the "
                             "platform (%(key)s)") % {"date": _day(v.created_at),
                                                      "sha": v.sha256[:16], "key": v.signing_key_id}
            items.append(Item(_("Model: %(name)s") % {"name": e.model.name}, text))
            running = [st for st in e.stints if st.end is None]
            if running:
                items.append(Item(_("Where it runs"), "; ".join(
                    _("%(env)s: version %(n)s since %(date)s, approved by %(who)s") % {
                        "env": st.environment + (f" ({st.target})" if st.target else ""),
                        "n": st.version, "date": _day(st.start), "who": st.approved_by}
                    for st in running)))
            if not e.champion:
                gaps.append(_("Model %(name)s has no champion: a second person approves the "
                              "version in service.") % {"name": e.model.name})
        return items, gaps

    def training_items(self) -> tuple[list[Item], list[str]]:
        found, gaps = self._models()
        items = []
        for e in found:
            v = e.version
            assert v is not None
            name = {"name": e.model.name, "n": v.number}
            t = e.training
            if t is None:
                gaps.append(_("No training job named for %(name)s version %(n)s.") % name)
            elif t.figures is None:
                items.append(Item(_("Training job"), f"#{t.job.pk} {t.job.name}"))
                gaps.append(_("The training job of %(name)s version %(n)s is not in the usage "
                              "ledger yet: its GPU-hours and energy are missing.") % name)
            else:
                energy = t.figures.figures.energy
                how = {"measured": _("measured"), "partly": _("partly measured"),
                       "estimated": _("estimated")}[t.measurement]
                items.append(Item(_("Training job"), _(
                    "#%(id)s %(job)s: %(hours)s GPU-hours, %(energy)s (%(how)s)") % {
                    "id": t.job.pk, "job": t.job.name, "hours": number_format(
                        t.gpu_hours or 0, decimal_pos=2, use_l10n=True, force_grouping=True),
                    "energy": energy_text(int(energy.it_j)), "how": how}))
            datasets = v.record.get("datasets", [])
            for d in datasets:
                items.append(Item(_("Trained on"), _(
                    "%(dataset)s version %(version)s, pseudonymised release %(file)s (SHA-256 "
                    "%(sha)s), k-anonymity %(k)s") % {
                    "dataset": d["dataset"], "version": d["dataset_version"], "file": d["file"],
                    "sha": d["sha256"][:16], "k": d.get("k", "—")}))
            if not datasets:
                gaps.append(_("No released dataset named for %(name)s version %(n)s.") % name)
            items.append(Item(_("Code"), v.code_ref or "—"))
            if not v.code_ref:
                gaps.append(_("No code reference for %(name)s version %(n)s.") % name)
            if v.params:
                items.append(Item(_("Parameters"), ", ".join(
                    f"{k} = {_figure(value)}" for k, value in sorted(v.params.items()))))
        return items, gaps

    def metric_items(self) -> tuple[list[Item], list[str]]:
        found, gaps = self._models()
        items = []
        for e in found:
            v = e.version
            assert v is not None
            if v.metrics:
                items.append(Item(_("Metrics of %(name)s version %(n)s") % {
                    "name": e.model.name, "n": v.number}, ", ".join(
                    f"{k} = {_figure(value)}" for k, value in sorted(v.metrics.items()))))
            else:
                gaps.append(_("No metric recorded for %(name)s version %(n)s.") % {
                    "name": e.model.name, "n": v.number})
        return items, gaps

    def deployment_items(self) -> tuple[list[Item], list[str]]:
        found, gaps = self._models()
        items = []
        kinds = {"deployed": _("deployed"), "rollback": _("rolled back to"),
                 "retired": _("retired")}
        for e in found:
            for v in reversed(e.versions):
                items.append(Item(_day(v.created_at), _("%(name)s version %(n)s registered") % {
                    "name": e.model.name, "n": v.number}))
            for line in e.ledger:
                what = kinds[line.kind] + (f" v{line.version.number}" if line.version else "")
                items.append(Item(_day(line.effective_at), _(
                    "%(name)s %(what)s in %(env)s (ledger line %(seq)s)") % {
                    "name": e.model.name, "what": what, "env": line.environment,
                    "seq": line.seq}))
            if e.broken_at is not None:
                gaps.append(_("The deployment ledger of %(name)s does not hold from line "
                              "%(n)s.") % {"name": e.model.name, "n": e.broken_at})
        return items, gaps

    def obligation_items(self, keys: tuple[str, ...]) -> tuple[list[Item], list[str]]:
        items, gaps = [], []
        for key in keys:
            row = self.obligations.get(key)
            if row is None or not row.obligation.required:
                continue
            o = row.obligation
            title = (f"{article_in(o.article, self.language)} · "
                     f"{row.rule.in_language(self.language) if row.rule else key}")
            status = str(ObligationStatus(o.status).label)
            if o.evidence:
                items.append(Item(title, f"{status}: {o.evidence}"))
            if o.status != ObligationStatus.MET:
                gaps.append(_("%(title)s: %(status)s") % {"title": title, "status": status})
        return items, gaps


def dossier(*, system: AiSystem, book: Rulebook | None = None) -> Dossier:
    """Annex IV for the system, in the active language."""
    book = book or load_ai_act()
    reader = _Reader(system, book)
    kinds: dict[str, Evidence] = {"system": reader.system_items, "classification": reader.classification_items,
             "history": reader.history_items, "monitors": reader.monitor_items,
             "events": reader.event_items, "incidents": reader.incident_items,
             "model": reader.model_items, "training": reader.training_items,
             "metrics": reader.metric_items, "deployments": reader.deployment_items}
    sections = []
    for point in book.annex_iv:
        items, gaps = _section(point, kinds, reader)
        sections.append(Section(capfirst(article_in(point.point, reader.language)),
                                point.in_language(reader.language), tuple(items), tuple(gaps)))
    return Dossier(system=system, category=str(RiskCategory(reader.latest.category).label)
                   if reader.latest else "", sections=tuple(sections),
                   generated_at=timezone.now())


Evidence = Callable[[], tuple[list[Item], list[str]]]


def _section(point: AnnexIvPoint, kinds: Mapping[str, Evidence], reader: _Reader
             ) -> tuple[list[Item], list[str]]:
    items: list[Item] = []
    gaps: list[str] = []
    for kind in point.evidence:
        more, missing = kinds[kind]()
        items += more
        gaps += missing
    more, missing = reader.obligation_items(point.obligations)
    return items + more, gaps + missing


def dossier_pdf(*, system: AiSystem, language: str) -> bytes:
    """The Annex IV file as a PDF in ``language`` (en or fr)."""
    with translation.override(language):
        found = dossier(system=system)
        html = render_to_string("govern/annex_iv_pdf.html", {"dossier": found,
                                                             "language": language})
    return html_pdf(html)
