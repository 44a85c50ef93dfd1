"""The app as a user meets it, in headless Chromium: log-in per role, the map, need-to-know."""

from __future__ import annotations

import pytest

# The fixtures come with the helpers: a conftest.py here would shadow tests/conftest.py,
# which other test modules import as `conftest`.
from e2e_app import (  # noqa: F401 (fixtures)
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

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

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


def test_an_address_popup_explains_its_score(app_url, page, width):
    log_in(page, app_url, "politie")
    _map_drawn(page)
    frame = map_frame(page)
    # Dispatched, not clicked: at phone width the riskiest address may lie outside the view.
    frame.locator("path.leaflet-interactive[fill='#bd0026']").first.dispatch_event("click")
    popup = frame.locator(".leaflet-popup-content")
    popup.wait_for()
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
