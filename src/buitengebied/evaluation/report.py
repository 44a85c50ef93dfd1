"""The partners' evaluation report: one self-contained HTML page, in Dutch.

:func:`write_report` presents a :class:`~buitengebied.evaluation.backtest.BacktestResult`; it
computes nothing new.  The page works offline: the CSS is inline and every plot is a PNG
drawn on matplotlib's Agg canvas (no pyplot, so no global figure state) and embedded as a
base64 ``data:`` URI.  Nothing refers to the network.
"""

from __future__ import annotations

import base64
import html
import io
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from buitengebied.evaluation.backtest import BacktestResult
from buitengebied.evaluation.bias import (
    FOLLOWS_EFFORT_R2,
    INDEPENDENT_R2,
    REPORT_EFFORT_BANDWIDTH_M,
    BiasDiagnostic,
)
from buitengebied.evaluation.comparison import MIN_FIND_ADDRESSES
from buitengebied.evaluation.metrics import metric_names
from buitengebied.settings import LOCAL_TIMEZONE

#: Below this many find-addresses the report warns that the numbers rest on chance.
FEW_FINDS = MIN_FIND_ADDRESSES

METRIC_LABELS = {
    "hit_rate_top10": "Trefkans top 10",
    "hit_rate_top25": "Trefkans top 25",
    "hit_rate_top50": "Trefkans top 50",
    "hit_rate_top1pct": "Trefkans top 1%",
    "hit_rate_top5pct": "Trefkans top 5%",
    "pai_1pct": "PAI 1%",
    "pai_5pct": "PAI 5%",
    "average_precision": "Gem. precisie (AP)",
}
PROXY_LABELS = {
    "report_density": "Dichtheid van alle meldingen (2 km)",
    "inspection_effort": "Eerdere controles op en rond het adres",
}
VERDICT_TEXT = {
    "follows_effort": "De ranglijst volgt vooral waar mensen kijken. Een hoge plek zegt dan "
    "vooral: hier wordt veel gemeld of gecontroleerd, en minder: hier is meer aan de hand.",
    "partly_follows_effort": "De ranglijst volgt deels waar mensen kijken. Een deel van de "
    "volgorde komt voort uit waar veel gemeld of gecontroleerd wordt.",
    "independent": "De ranglijst is grotendeels onafhankelijk van waar mensen kijken: "
    "ze stuurt niet alleen naar plekken waar toch al veel gemeld of gecontroleerd wordt.",
    "undetermined": "Niet te bepalen: de score of de maten voor waar gekeken wordt "
    "verschillen niet tussen adressen.",
}
_COLOURS = {
    "expert": "#c0392b",
    "learned": "#8e44ad",
    "auto": "#27ae60",
    "random": "#7f8c8d",
    "vacancy_only": "#2980b9",
    "vacant_and_large": "#1abc9c",
    "energy_only": "#f39c12",
    "dumping_density": "#16a085",
    "report_density": "#2c3e50",
    "naive_z_sum": "#d35400",
}
_FALLBACK_COLOURS = ("#e84393", "#6c5ce7", "#00b894", "#fdcb6e")
_NOT_AVAILABLE = "n.v.t."

_CSS = """
body { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; margin: 0;
  color: #222; background: #fafafa; line-height: 1.5; }
main { max-width: 980px; margin: 0 auto; padding: 1.5rem 2rem 3rem; background: #fff; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.25rem; margin-top: 2.2rem; border-bottom: 2px solid #c0392b; }
table { border-collapse: collapse; margin: 0.8rem 0; font-size: 0.9rem; }
th, td { padding: 0.3rem 0.6rem; border-bottom: 1px solid #ddd; text-align: right; }
th:first-child, td:first-child { text-align: left; }
thead th { background: #f2f2f2; }
td.best { font-weight: bold; background: #eafaf1; }
.note { background: #fff4e5; border-left: 4px solid #f39c12; padding: 0.6rem 1rem; }
.empty { background: #fdecea; border-left: 4px solid #c0392b; padding: 0.6rem 1rem; }
.verdict { font-size: 1.05rem; font-weight: bold; }
figure { margin: 1rem 0; }
figure img { max-width: 100%; }
figcaption, .small { color: #555; font-size: 0.85rem; }
dt { font-weight: bold; margin-top: 0.4rem; }
"""


def write_report(result: BacktestResult, path: Path) -> Path:
    """Write the Dutch evaluation report as one self-contained HTML file.

    Parameters
    ----------
    result : BacktestResult
        The backtest to present.
    path : Path
        Target file; its folder is created when missing.

    Returns
    -------
    Path
        ``path``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_report(result), encoding="utf-8")
    return path


def render_report(result: BacktestResult) -> str:
    """Return the report of :func:`write_report` as an HTML string."""
    sections = [
        f"<h1>Toetsing van de risicoranglijst</h1><p class='small'>"
        f"{_escape(_facts_line(result))}</p>",
        _introduction(result),
        _results_section(result),
        _comparison_section(result),
        _plots_section(result),
        _bias_section(result),
        _definitions(result),
        _caveats(result),
    ]
    body = "\n".join(sections)
    return (
        "<!DOCTYPE html>\n<html lang='nl'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        "<title>Toetsing risicoranglijst - buitengebied</title>"
        f"<style>{_CSS}</style></head><body><main>\n{body}\n</main></body></html>\n"
    )


def _escape(text: str) -> str:
    return html.escape(text, quote=True)


def _decimal(value: float) -> str:
    return f"{value:g}".replace(".", ",")


def _local_date(moment: pd.Timestamp) -> str:
    return moment.tz_convert(LOCAL_TIMEZONE).strftime("%d-%m-%Y")


def _facts_line(result: BacktestResult) -> str:
    if not result.cutoffs:
        period = "geen peildata"
    else:
        period = (
            f"{len(result.cutoffs)} peildata van {_local_date(result.cutoffs[0])} "
            f"tot en met {_local_date(result.cutoffs[-1])}"
        )
    return (
        f"Stand van {_local_date(result.as_of)} · {period} · venster {result.horizon_days} dagen "
        f"· {result.n_addresses:,} adressen · {result.n_area_cells:,} cellen van "
        f"{result.cell_size_m:g} m".replace(",", ".")
    )


def _introduction(result: BacktestResult) -> str:
    n_finds = len(result.find_addresses)
    parts = [
        "<h2>Wat is hier getoetst?</h2>",
        "<p>Levert de ranglijst van buitengebied meer op dan wat u anders zou doen? Deze "
        "terugblik doet alsof we op eerdere peildata stonden. Op elke peildatum is de "
        "ranglijst gemaakt met alleen de gegevens die toen bekend waren. Daarna is gekeken "
        f"waar in de {result.horizon_days} dagen erna bij een controle echt iets is gevonden "
        "(hennepkwekerij, drugslab of opslag). Een goede ranglijst heeft die adressen "
        "bovenaan staan.</p>",
        "<p>Ernaast staan de eenvoudige alternatieven die een kritische partner zou "
        "voorstellen: loten, alleen de leegstand, alleen het stroomverbruik, de dichtheid van "
        "dumpingen of van meldingen, en een simpele optelsom van alle signalen. Alles is op "
        "dezelfde manier gemaakt en gemeten.</p>",
    ]
    if not result.has_finds:
        parts.append(
            "<p class='empty'><b>Er valt niets te toetsen.</b> In geen van de vensters is bij "
            "een controle een bevestigde vondst gedaan, dus er is niets om de ranglijsten mee "
            f"te vergelijken. De cijfers staan daarom op '{_NOT_AVAILABLE}'. Het onderdeel over "
            "vertekening hieronder hangt niet van vondsten af en is wel ingevuld.</p>"
        )
    elif n_finds < FEW_FINDS:
        parts.append(
            f"<p class='note'><b>Let op:</b> in deze periode zijn maar {n_finds} adres(sen) met "
            "een bevestigde vondst. Elk percentage hieronder berust op heel weinig gevallen en "
            "kan door toeval sterk afwijken. Lees de uitkomsten als een eerste aanwijzing, niet "
            "als bewijs.</p>"
        )
    return "\n".join(parts)


def _format_value(metric: str, value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return _NOT_AVAILABLE
    if metric.startswith("hit_rate"):
        return f"{100 * value:.1f}%".replace(".", ",")
    if metric.startswith("pai"):
        return f"{value:.2f}".replace(".", ",")
    return f"{value:.4f}".replace(".", ",")


_VERDICTS = {"ahead": "beter", "behind": "slechter", "undecided": "niet te onderscheiden"}


def _comparison_section(result: BacktestResult) -> str:
    table = result.comparisons()
    if table.empty:
        return ""
    block = int(table["block_length"].max())
    rows = []
    for row in table.itertuples():
        scale = 1.0 if row.metric.startswith("pai") else 100.0
        unit = "" if row.metric.startswith("pai") else " %-punt"
        rows.append(
            f"<tr><td>{_escape(result.methods.get(row.method, row.method))}</td>"
            f"<td>{_escape(result.methods.get(row.baseline, row.baseline))}</td>"
            f"<td>{_escape(METRIC_LABELS.get(row.metric, row.metric))}</td>"
            f"<td>{row.mean_difference * scale:+.1f}{unit}</td>"
            f"<td>{row.low * scale:+.1f} tot {row.high * scale:+.1f}</td>"
            f"<td>{row.wins} / {row.ties} / {row.losses}</td>"
            f"<td><strong>{_VERDICTS[row.verdict]}</strong></td></tr>"
        )
    return (
        "<h2>Is de voorsprong meer dan toeval?</h2>"
        "<p>Per peildatum het verschil tussen het model en elk alternatief (zelfde vondsten, "
        "zelfde adressen), gemiddeld over de peildata met vondsten, met een 90%-interval. "
        "Opeenvolgende vensters overlappen en tellen dezelfde vondst mee; daarom trekt de "
        f"bootstrap steeds blokken van {block} aaneengesloten peildata. <em>Beter</em> of "
        "<em>slechter</em> alleen als het hele interval aan één kant van nul ligt, en alleen "
        f"bij minstens {MIN_FIND_ADDRESSES} verschillende vondstadressen: met minder beslissen "
        "steeds dezelfde paar vondsten en is elk oordeel voorbarig.</p>"
        "<table><tr><th>Model</th><th>Alternatief</th><th>Maat</th><th>Verschil</th>"
        "<th>90%-interval</th><th>Vaker / gelijk / minder vaak</th><th>Oordeel</th></tr>"
        + "".join(rows)
        + "</table>"
    )


def _metrics_table(result: BacktestResult, aggregation: str) -> str:
    table = result.summary_table(aggregation)
    best = result.best_methods(aggregation)
    head = "".join(f"<th>{_escape(METRIC_LABELS.get(m, m))}</th>" for m in table.columns)
    rows = []
    for method, values in table.iterrows():
        cells = []
        for metric, value in values.items():
            text = _format_value(str(metric), float(value))
            is_best = bool(best.at[method, metric])
            cells.append(f"<td class='best'>{text} ★</td>" if is_best else f"<td>{text}</td>")
        label = result.methods.get(str(method), str(method))
        rows.append(f"<tr><td>{_escape(label)}</td>{''.join(cells)}</tr>")
    return f"<table><thead><tr><th>Methode</th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _results_section(result: BacktestResult) -> str:
    windows_with_finds = int((result.finds_per_cutoff > 0).sum()) if result.cutoffs else 0
    notes = [
        f"<p class='note'>{_escape(result.methods.get(str(method), str(method)))} viel op "
        f"{len(rows)} van de {len(result.cutoffs)} peildata terug op een eenvoudiger "
        f"werkwijze (het geleerde model en de automatische keuze: op de expertgewichten). "
        f"Reden (laatste keer): "
        f"{_escape(str(rows['reason'].iloc[-1]))}</p>"
        for method, rows in result.fallbacks.groupby("method", sort=False)
    ]
    return "\n".join(
        [
            "<h2>Resultaten</h2>",
            *notes,
            f"<p>Gemiddeld over de {windows_with_finds} peildata met minstens één vondst in het "
            "venster. De beste waarde per kolom is vet en gemarkeerd met ★; hoger is steeds "
            "beter.</p>",
            _metrics_table(result, "mean"),
            "<p>Samengevoegd over alle peildata (alle vondsten bij elkaar geteld; rustiger bij "
            "weinig vondsten per venster):</p>",
            _metrics_table(result, "pooled"),
        ]
    )


def _png(figure: Figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _figure(title: str, figure: Figure, caption: str) -> str:
    return (
        f"<figure><img alt='{_escape(title)}' src='{_png(figure)}'>"
        f"<figcaption><b>{_escape(title.rstrip('.?!'))}.</b> {_escape(caption)}</figcaption>"
        "</figure>"
    )


def _colour(method: str, position: int) -> str:
    return _COLOURS.get(method, _FALLBACK_COLOURS[position % len(_FALLBACK_COLOURS)])


def _style(result: BacktestResult, method: str, position: int) -> dict[str, Any]:
    strong = method in result.model_methods
    return {
        "color": _colour(method, position),
        "linewidth": 2.6 if strong else 1.3,
        "zorder": 3 if strong else 2,
        "alpha": 1.0 if strong else 0.8,
        "label": result.methods.get(method, method),
    }


def _curve_figure(result: BacktestResult) -> Figure:
    figure = Figure(figsize=(8, 5))
    axes = figure.add_subplot()
    for position, method in enumerate(result.methods):
        curve = result.curves[result.curves["method"] == method]
        if len(curve):
            axes.plot(
                curve["area_share"], 100 * curve["hit_rate"], **_style(result, method, position)
            )
    reference = np.geomspace(max(float(result.curves["area_share"].min()), 1e-4), 1.0, 50)
    axes.plot(reference, 100 * reference, "k--", linewidth=1, label="toeval (PAI = 1)")
    axes.set_xscale("log")
    axes.set_xlabel("aandeel van het gebied dat gemarkeerd is (cellen)")
    axes.set_ylabel("trefkans: % van de vondst-adressen")
    axes.set_ylim(0, 100)
    axes.grid(alpha=0.3)
    axes.legend(fontsize=8, loc="upper left")
    return figure


def _over_time_figure(result: BacktestResult) -> Figure:
    figure = Figure(figsize=(8, 6))
    top, bottom = figure.subplots(2, 1, sharex=True)
    per_cutoff = result.per_cutoff
    for axes, metric in ((top, "hit_rate_top1pct"), (bottom, "average_precision")):
        for position, method in enumerate(result.methods):
            rows = per_cutoff[(per_cutoff["method"] == method) & (per_cutoff["metric"] == metric)]
            dates = _naive_local(rows["cutoff"])
            scale = 100 if metric.startswith("hit_rate") else 1
            axes.plot(
                dates,
                scale * rows["value"].to_numpy(dtype=float),
                marker="o",
                markersize=3,
                **_style(result, method, position),
            )
        axes.set_ylabel(METRIC_LABELS[metric] + (" (%)" if metric.startswith("hit") else ""))
        axes.grid(alpha=0.3)
    bottom.set_xlabel("peildatum")
    top.legend(fontsize=7, loc="upper left", ncol=2)
    figure.autofmt_xdate()
    return figure


def _naive_local(moments: Iterable[pd.Timestamp]) -> np.ndarray:
    index = pd.DatetimeIndex(list(moments))
    return index.tz_convert(LOCAL_TIMEZONE).tz_localize(None).to_numpy()


def _calibration_figure(result: BacktestResult) -> Figure:
    methods = [m for m in result.model_methods if m in set(result.calibration["method"])]
    figure = Figure(figsize=(8, 3.6 * max(len(methods), 1)))
    for position, method in enumerate(methods):
        axes = figure.add_subplot(len(methods), 1, position + 1)
        table = result.calibration[result.calibration["method"] == method]
        if (table["kind"] == "probability").all():
            _reliability(axes, table, _colour(method, position))
        else:
            _deciles(axes, table, _colour(method, position))
        axes.set_title(result.methods.get(method, method), fontsize=10)
        axes.grid(alpha=0.3)
    figure.tight_layout()
    return figure


def _reliability(axes: Axes, table: pd.DataFrame, colour: str) -> None:
    axes.plot([0, 1], [0, 1], "k--", linewidth=1, label="perfect gekalibreerd")
    axes.plot(
        table["mean_score"], table["find_rate"], marker="o", color=colour, label="waargenomen"
    )
    axes.set_xlabel("voorspelde kans op een vondst")
    axes.set_ylabel("waargenomen aandeel met vondst")
    axes.legend(fontsize=8)


def _deciles(axes: Axes, table: pd.DataFrame, colour: str) -> None:
    axes.bar(table["bin"], 1000 * table["find_rate"], color=colour, alpha=0.85)
    axes.set_xticks(range(1, 11))
    axes.set_xlabel("scoregroep (deciel; 10 = hoogste 10% van de scores)")
    axes.set_ylabel("vondsten per 1000 adressen")


def _plots_section(result: BacktestResult) -> str:
    if not result.has_finds:
        return (
            "<h2>Grafieken</h2><p class='empty'>Zonder vondsten zijn er geen trefkansen en "
            "dus geen grafieken van de prestaties.</p>"
        )
    calibration_caption = (
        "Verdeel de adressen op elke peildatum in tien even grote groepen naar hun score en "
        "kijk hoe vaak er daarna iets gevonden is. Een bruikbare score laat van links naar "
        "rechts een stijgende lijn zien. Bij een model dat kansen geeft: voorspelde kans tegen "
        "het waargenomen aandeel; bij een goed gekalibreerd model liggen de punten op de "
        "diagonaal."
    )
    return "\n".join(
        [
            "<h2>Grafieken</h2>",
            _figure(
                "Trefkans tegen aandeel gemarkeerd gebied",
                _curve_figure(result),
                "Voor elke lengte van de lijst: welk deel van het gebied die adressen beslaan "
                "(horizontaal, logaritmisch) en welk deel van de vondsten erbij zat "
                "(verticaal), samengevoegd over alle peildata. Hoe verder een lijn linksboven "
                "ligt, hoe meer vondsten met hoe minder gebied. De stippellijn is wat toeval "
                "oplevert.",
            ),
            _figure(
                "Per peildatum",
                _over_time_figure(result),
                "Boven: trefkans in de top 1% per peildatum; onder: gemiddelde precisie. "
                "Peildata zonder vondst in het venster hebben geen punt. Opeenvolgende "
                "vensters overlappen, dus één vondst telt in meerdere peildata mee.",
            ),
            _figure("Kalibratie", _calibration_figure(result), calibration_caption),
        ]
    )


def _bias_table(diagnostic: BiasDiagnostic) -> str:
    rows = []
    for proxy, values in diagnostic.table.iterrows():
        spearman = values["spearman"]
        overlap = values["top_overlap"]
        rows.append(
            f"<tr><td>{_escape(PROXY_LABELS.get(str(proxy), str(proxy)))}</td>"
            f"<td>{_NOT_AVAILABLE if pd.isna(spearman) else f'{spearman:.2f}'.replace('.', ',')}</td>"
            f"<td>{_NOT_AVAILABLE if pd.isna(overlap) else f'{100 * overlap:.0f}%'}</td></tr>"
        )
    r_squared = (
        _NOT_AVAILABLE
        if math.isnan(diagnostic.r_squared)
        else f"{diagnostic.r_squared:.2f}".replace(".", ",")
    )
    share = f"{100 * diagnostic.top_share:g}%"
    return (
        "<table><thead><tr><th>Maat voor waar gekeken wordt</th><th>Rangcorrelatie "
        f"(Spearman)</th><th>Overlap top {share}</th></tr></thead><tbody>{''.join(rows)}"
        f"</tbody></table><p>Verklaarde variantie (R²) van de volgorde door beide maten samen: "
        f"<b>{r_squared}</b>.</p>"
    )


def _repeat_table(diagnostic: BiasDiagnostic) -> str:
    """Share of earlier-inspected addresses at the top beside the base rate, and a warning."""
    if diagnostic.repeats is None:
        return ""
    base = f"{100 * diagnostic.base_rate:.1f}%".replace(".", ",")
    rows = "".join(
        f"<tr><td>{_escape(str(name))}</td><td>{_NOT_AVAILABLE if pd.isna(row.share) else f'{100 * row.share:.0f}%'}"
        f"</td><td>{base}</td></tr>"
        for name, row in diagnostic.repeats.iterrows()
    )
    warning = (
        f"<p class='verdict'><b>{_escape(diagnostic.repeat_warning)}</b></p>"
        if diagnostic.repeats_visits
        else "<p>Geen waarschuwing: minder dan de helft van de top 100 was eerder "
        "gecontroleerd, of niet meer dan drie keer het gemiddelde van alle adressen.</p>"
    )
    return (
        "<table><thead><tr><th>Deel van de ranglijst</th><th>Eerder gecontroleerd</th>"
        f"<th>Alle adressen</th></tr></thead><tbody>{rows}</tbody></table>{warning}"
    )


def _bias_figure(result: BacktestResult) -> Figure:
    figure = Figure(figsize=(8, 3.2))
    correlation, overlap = figure.subplots(1, 2)
    methods = list(result.bias)
    proxies = list(next(iter(result.bias.values())).table.index)
    width = 0.8 / len(methods)
    positions = np.arange(len(proxies))
    for number, method in enumerate(methods):
        table = result.bias[method].table.reindex(proxies)
        offset = positions + (number - (len(methods) - 1) / 2) * width
        colour = _colour(method, number)
        label = result.methods.get(method, method)
        correlation.bar(offset, table["spearman"].fillna(0.0), width, color=colour, label=label)
        overlap.bar(offset, 100 * table["top_overlap"].fillna(0.0), width, color=colour)
    share = 100 * next(iter(result.bias.values())).top_share
    overlap.axhline(share, color="k", linestyle="--", linewidth=1, label="bij loten")
    names = ["meldingen", "eerdere controles"] if proxies == list(PROXY_LABELS) else proxies
    for axes, title in (
        (correlation, "rangcorrelatie met de score"),
        (overlap, f"overlap top {share:g}% (%)"),
    ):
        axes.set_xticks(positions, names)
        axes.set_title(title, fontsize=10)
        axes.grid(alpha=0.3, axis="y")
    correlation.set_ylim(-1, 1)
    overlap.set_ylim(0, 100)
    correlation.legend(fontsize=7)
    overlap.legend(fontsize=7)
    figure.tight_layout()
    return figure


def _bias_section(result: BacktestResult) -> str:
    parts = [
        "<h2>Vertekening: volgt de ranglijst alleen waar al gekeken wordt?</h2>",
        "<p>Meldingen van boswachters en bewoners komen vooral van plekken waar mensen lopen; "
        "controles vinden plaats waar de politie al eerder keek. Een ranglijst die vooral dat "
        "kijkgedrag herhaalt, stuurt u naar plekken waar u toch al kwam. Daarom is gemeten "
        "hoeveel van de volgorde te verklaren is uit twee maten voor waar gekeken wordt: de "
        f"dichtheid van alle meldingen (binnen ongeveer {REPORT_EFFORT_BANDWIDTH_M / 1000:g} km) "
        "en het aantal eerdere controles op en rond het adres. Gemiddeld over de peildata.</p>",
    ]
    if not result.bias:
        parts.append("<p>Geen model om te beoordelen in deze toetsing.</p>")
    for method, diagnostic in result.bias.items():
        parts += [
            f"<h3>{_escape(result.methods.get(method, method))}</h3>",
            f"<p class='verdict'>{_escape(VERDICT_TEXT[diagnostic.verdict])}</p>",
            _bias_table(diagnostic),
            _repeat_table(diagnostic),
        ]
    if result.bias:
        parts.append(
            _figure(
                "Volgt de score waar gekeken wordt?",
                _bias_figure(result),
                "Links: hoe sterk de volgorde van de score meeloopt met elke maat (1 = precies "
                "dezelfde volgorde, 0 = geen verband). Rechts: welk deel van de hoogste 1% "
                "van de score ook bij de hoogste 1% van die maat hoort.",
            )
        )
    parts.append(
        f"<p class='small'>Oordeel: R² van {_decimal(FOLLOWS_EFFORT_R2)} of meer = volgt vooral "
        f"waar gekeken wordt; onder {_decimal(INDEPENDENT_R2)} = grotendeels onafhankelijk; daartussen = "
        "deels. Bij loten is de overlap van de toplijsten ongeveer even groot als de toplijst "
        "zelf als aandeel (1%) en de correlatie 0.</p>"
    )
    return "\n".join(parts)


def _definitions(result: BacktestResult) -> str:
    names = [m for m in metric_names() if m in METRIC_LABELS]
    hit_rates = ", ".join(METRIC_LABELS[m] for m in names if m.startswith("hit_rate"))
    return (
        "<h2>Wat betekenen de getallen?</h2><dl>"
        f"<dt>{_escape(hit_rates)}</dt><dd>Welk deel van de adressen waar in het venster iets "
        "is gevonden, bovenaan de lijst stond: bij de eerste 10, 25 of 50 adressen, of bij de "
        "hoogste 1% of 5% van alle adressen. Gelijke scores worden op adresnummer geordend.</dd>"
        "<dt>PAI (Predictive Accuracy Index)</dt><dd>De trefkans gedeeld door het deel van het "
        f"gebied (in cellen van {result.cell_size_m:g} bij {result.cell_size_m:g} meter) waarin "
        "de gemarkeerde adressen liggen. 1 betekent: niet beter dan de controles willekeurig "
        "over het gebied verdelen; 5 betekent vijf keer zoveel vondsten per stuk gebied.</dd>"
        "<dt>Gemiddelde precisie (AP)</dt><dd>Eén getal voor de hele lijst, tussen 0 en 1: hoe "
        "hoog de adressen met een vondst gemiddeld staan. Bij loten is het ongeveer gelijk aan "
        "het aandeel adressen met een vondst (hier heel klein).</dd></dl>"
    )


def _caveats(result: BacktestResult) -> str:
    return (
        "<h2>Kanttekeningen</h2><ul>"
        "<li>Een vondst wordt alleen gedaan waar gecontroleerd is. Adressen waar nooit iemand "
        "kwam, tellen als 'niets gevonden', ook als er wel iets was. Daardoor zijn de trefkansen "
        "te laag, en hebben methoden die lijken op hoe er vroeger gecontroleerd werd een "
        "voorsprong.</li>"
        "<li>De vensters van opeenvolgende peildata overlappen; één vondst telt daardoor in "
        "meerdere peildata mee.</li>"
        "<li>De eerdere controles zitten in de ranglijst van het expertmodel (een eerdere "
        "vondst verhoogt de score). Een vondst op een adres dat al eerder een vondst had, is "
        "daardoor makkelijker te 'voorspellen'.</li>"
        f"<li>Alleen vondsten tot {_escape(_local_date(result.as_of))} tellen mee; peildata "
        "waarvan het venster daarna afloopt, zijn weggelaten.</li></ul>"
        "<p class='small'>Gemaakt met buitengebied evaluate. Definities: docs/evaluation.md.</p>"
    )
