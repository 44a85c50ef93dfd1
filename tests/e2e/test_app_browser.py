"""The app as a user meets it, in headless Chromium: log-in per role, the map, need-to-know,
every page of every role, a report from the field, the list's export, a patrol night.

One module: its session-scoped fixtures (the app server, the browser) are imported from
``e2e_app``, and a second module importing them would start a second Playwright.
"""

from __future__ import annotations

import io
import re

import pyogrio
import pytest

# The fixtures come with the helpers: a conftest.py here would shadow tests/conftest.py,
# which other test modules import as `conftest`.
from e2e_app import (  # noqa: F401 (fixtures)
    DEMO_DIR,
    app_store,
    app_url,
    browser,
    create_admin,
    log_in,
    log_out,
    map_frame,
    page,
    screenshot,
    width,
)
from openpyxl import load_workbook
from PIL import Image
from playwright.sync_api import expect

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.slow,
    # rasterio.warp multiplies Affine objects with `*` (affine 3 warns); not our code.
    pytest.mark.filterwarnings("ignore:Use `@` matmul:PendingDeprecationWarning"),
]

#: Demo account -> what its role sees on the map.
ROLES = {
    "politie": "addresses",
    "gemeente": "addresses",
    "waterschap": "cells",
    "boswachter": "cells",
    "beheerder": "nothing",
}


def _map_drawn(page) -> None:
    page.get_by_text("Stand op").wait_for()
    map_frame(page).locator(".leaflet-container").wait_for()


@pytest.mark.parametrize("username", list(ROLES))
def test_each_role_logs_in_and_sees_the_map_it_may(app_url, page, width, username):
    log_in(page, app_url, username)
    _map_drawn(page)
    frame = map_frame(page)
    risk = frame.locator("img.leaflet-image-layer")
    if ROLES[username] == "nothing":
        assert risk.count() == 0
    else:
        risk.wait_for(state="attached")
        assert risk.get_attribute("src").startswith("data:image/png;base64,")
    markers = frame.locator("path.leaflet-interactive[fill='#bd0026']")
    if ROLES[username] == "addresses":
        markers.first.wait_for(state="attached")
    page.get_by_text(f"Ingelogd als {username}").wait_for()
    screenshot(page, "kaart", username, width)


def test_every_village_is_named_on_the_map(app_url, page, width):
    villages = pyogrio.read_dataframe(
        DEMO_DIR / "addresses.gpkg", columns=["place"], read_geometry=False
    )["place"]
    log_in(page, app_url, "boswachter")
    _map_drawn(page)
    labels = map_frame(page).locator(".bg-kern span")
    labels.first.wait_for()
    assert sorted(labels.all_inner_texts()) == sorted(villages.dropna().unique())


def test_an_address_popup_explains_its_score(app_url, page, width):
    log_in(page, app_url, "politie")
    _map_drawn(page)
    frame = map_frame(page)
    # Dispatched, not clicked: at phone width the riskiest address may lie outside the view.
    frame.locator("path.leaflet-interactive[fill='#bd0026']").first.dispatch_event("click")
    popup = frame.locator(".leaflet-popup-content")
    popup.wait_for()
    expect(frame.locator(".leaflet-popup")).to_have_css("opacity", "1")  # faded in
    text = popup.inner_text()
    assert "Risicoscore" in text
    assert "1876SYN" not in text  # street, number and place, not an id
    screenshot(page, "kaart-popup", "politie", width)


@pytest.mark.parametrize("width", [1280], indirect=True)
def test_a_ranger_gets_no_address_evidence_at_all(app_url, page, width):
    sent: list[str] = []
    page.on(
        "websocket",
        lambda socket: socket.on("framereceived", lambda payload: sent.append(payload)),
    )
    log_in(page, app_url, "boswachter")
    _map_drawn(page)
    map_frame(page).locator("img.leaflet-image-layer").wait_for(state="attached")
    shown = page.content() + map_frame(page).locator("body").inner_html()
    received = "".join(
        frame if isinstance(frame, str) else frame.decode("latin-1") for frame in sent
    )
    for evidence in ("Risicoscore", "1876SYN", "Afwijkend stroomverbruik", "Leegstaande gebouwen"):
        assert evidence not in shown
        assert evidence not in received
    # The riskiest address of the demo, as its popup names it (the street alone is a road).
    assert "Velkamoltdijk 4" not in received


def test_log_out_ends_the_session(app_url, page, width):
    log_in(page, app_url, "gemeente")
    _map_drawn(page)
    log_out(page)
    page.get_by_role("button", name="Inloggen").wait_for()
    page.reload()
    page.get_by_role("button", name="Inloggen").wait_for()
    assert page.get_by_text("Ingelogd als").count() == 0


def test_a_wrong_password_is_refused_and_repeated_failures_lock(app_url, app_store, page, width):
    username = f"beheer-{width}"
    create_admin(app_store, username, "een-lang-wachtwoord")
    log_in(page, app_url, username, "een-lang-wachtwoord")
    page.get_by_text(f"Ingelogd als {username}").wait_for()
    log_out(page)
    for _ in range(4):
        log_in(page, app_url, username, "niet-het-wachtwoord")
        page.get_by_text("Gebruikersnaam of wachtwoord onjuist.").wait_for()
    screenshot(page, "inloggen-fout", username, width)
    log_in(page, app_url, username, "niet-het-wachtwoord")
    page.get_by_text("Dit account is geblokkeerd").wait_for()
    log_in(page, app_url, username, "een-lang-wachtwoord")
    page.get_by_text("Dit account is geblokkeerd").wait_for()
    assert page.get_by_text("Ingelogd als").count() == 0
    screenshot(page, "inloggen-geblokkeerd", username, width)


#: Demo account -> the pages of its navigation.
PAGES = {
    "politie": ["Kaart", "Adressen", "Melding doen", "Patrouillenacht", "Uitkomsten", "Importeren"],
    "gemeente": [
        "Kaart",
        "Adressen",
        "Melding doen",
        "Patrouillenacht",
        "Uitkomsten",
        "Importeren",
    ],
    "waterschap": ["Kaart", "Melding doen", "Importeren"],
    "boswachter": ["Kaart", "Melding doen", "Importeren"],
    "beheerder": ["Kaart", "Beheer"],
}


def _open(page, title: str) -> None:
    expand = page.locator("[data-testid='stExpandSidebarButton']")
    if expand.count() and expand.is_visible():
        expand.click()
    page.locator("[data-testid='stSidebarNav']").get_by_text(title, exact=True).click()
    page.get_by_role("heading", name=title).wait_for()
    collapse = page.locator("[data-testid='stSidebarCollapseButton'] button")
    if page.viewport_size["width"] < 600 and collapse.count() and collapse.is_visible():
        collapse.click()


#: What each page shows once it has drawn (beyond its heading).
DRAWN = {
    "Kaart": "iframe[title^='streamlit_folium']",
    "Adressen": "[data-testid='stDataFrame']",
    "Melding doen": "iframe[title^='streamlit_folium']",
    "Beheer": "[data-testid='stDataFrame']",
}


def _settled(page, title: str | None = None) -> None:
    page.wait_for_timeout(500)
    page.locator("[data-testid='stStatusWidget']").wait_for(state="hidden", timeout=120_000)
    if title in DRAWN:
        page.locator(DRAWN[title]).first.wait_for(timeout=120_000)
        page.wait_for_timeout(1500)  # the map's tiles of vector layers, the grid's rows


def _slug(title: str) -> str:
    return re.sub(r"[^a-z]+", "-", title.lower()).strip("-")


@pytest.mark.parametrize("username", list(PAGES))
def test_every_page_of_every_role_draws(app_url, page, width, username):
    log_in(page, app_url, username)
    page.get_by_text(f"Ingelogd als {username}").wait_for(state="attached")
    nav = page.locator("[data-testid='stSidebarNav']")
    expand = page.locator("[data-testid='stExpandSidebarButton']")
    if expand.count() and expand.is_visible():
        expand.click()
    shown = [t.strip() for t in nav.locator("a").all_inner_texts()]
    assert shown == PAGES[username]
    for title in PAGES[username]:
        _open(page, title)
        _settled(page, title)
        assert page.locator("[data-testid='stException']").count() == 0, title
        screenshot(page, _slug(title), username, width)


def _photo() -> bytes:
    image = Image.new("RGB", (120, 90), (40, 120, 40))
    out = io.BytesIO()
    meta = Image.Exif()
    meta[0x010F] = "PhoneMaker"
    image.save(out, format="JPEG", exif=meta)
    return out.getvalue()


@pytest.mark.parametrize("width", [390], indirect=True)
def test_a_ranger_reports_by_tapping_the_map_with_a_photo(app_url, app_store, page, width):
    from buitengebied.store import open_store

    log_in(page, app_url, "boswachter")
    page.get_by_text("Ingelogd als boswachter").wait_for(state="attached")
    _open(page, "Melding doen")
    _settled(page)
    frame = map_frame(page)
    frame.locator(".leaflet-container").wait_for()
    box = frame.locator(".leaflet-container").bounding_box()
    frame.locator(".leaflet-container").click(
        position={"x": box["width"] / 2, "y": box["height"] / 2}
    )
    page.get_by_text(re.compile(r"^Plek gekozen: ")).wait_for()  # not "Nog geen plek gekozen"
    page.get_by_label("Omschrijving").fill("Vaten met chemische lucht langs de bosrand")
    page.locator("input[type='file']").set_input_files(
        files=[{"name": "IMG_0001.jpg", "mimeType": "image/jpeg", "buffer": _photo()}]
    )
    page.get_by_text("IMG_0001.jpg").wait_for()
    page.get_by_role("button", name="Melding versturen").click()
    page.get_by_text("Melding opgeslagen").wait_for()
    page.get_by_role("heading", name="Mijn meldingen").wait_for()
    screenshot(page, "melding-verstuurd", "boswachter", width)
    with open_store(app_store) as store:
        own = store.reports_by("boswachter")
        assert "Vaten met chemische lucht langs de bosrand" in set(own["description"])
        report_id = own.loc[own["description"].str.startswith("Vaten"), "report_id"].iloc[0]
        stored = store.report_photo(report_id)
    assert stored is not None and b"PhoneMaker" not in stored


@pytest.mark.parametrize("width", [1280], indirect=True)
def test_the_municipality_exports_the_list_as_excel(app_url, page, width, tmp_path):
    log_in(page, app_url, "gemeente")
    page.get_by_text("Ingelogd als gemeente").wait_for(state="attached")
    _open(page, "Adressen")
    _settled(page)
    page.get_by_text("Exporteren").click()
    page.get_by_text("Excel", exact=True).click()
    page.get_by_role("button", name="Export maken").click()
    with page.expect_download() as download:
        page.get_by_role("button", name="adressen.xlsx downloaden").click()
    target = tmp_path / "adressen.xlsx"
    download.value.save_as(target)
    sheet = load_workbook(target).active
    header = [cell.value for cell in sheet[1]]
    assert "adres" in header and "woonplaats" in header
    assert sheet.max_row > 100
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


@pytest.mark.parametrize("width", [1280], indirect=True)
def test_the_police_plan_a_night_and_record_an_outcome(app_url, app_store, page, width, tmp_path):
    from buitengebied.store import open_store

    log_in(page, app_url, "politie")
    page.get_by_text("Ingelogd als politie").wait_for(state="attached")
    _open(page, "Patrouillenacht")
    _settled(page)
    page.get_by_label("Nacht van (dd-mm-jjjj)").fill("06-11-2026")
    page.get_by_label("Nacht van (dd-mm-jjjj)").press("Enter")
    page.get_by_role("button", name="Nacht plannen").click()
    page.get_by_text("Nacht gepland").wait_for(timeout=180_000)
    frame = map_frame(page)
    frame.locator("path.leaflet-interactive").first.wait_for(state="attached")
    with page.expect_download() as download:
        page.get_by_role("button", name="Printbaar plan (plan.html)").click()
    html = tmp_path / "plan.html"
    download.value.save_as(html)
    text = html.read_text(encoding="utf-8")
    assert "Patrouilleplan" in text and "http://" not in text and "https://" not in text
    screenshot(page, "patrouillenacht-gepland", "politie", width)

    _open(page, "Uitkomsten")
    _settled(page)
    first = page.locator("[data-testid='stSelectbox']").nth(2)
    first.click()
    page.get_by_role("option", name="hennepkwekerij").click()
    page.get_by_role("button", name="Uitkomsten opslaan").click()
    page.get_by_text("1 uitkomst(en) opgeslagen").wait_for()
    screenshot(page, "uitkomsten", "politie", width)
    with open_store(app_store) as store:
        stored = store.inspections_layer()
    assert (stored["outcome"] == "cannabis_grow").sum() >= 1
