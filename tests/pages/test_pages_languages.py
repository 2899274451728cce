"""Pages in a language: ?lang=, then the cookie, then Accept-Language; a switcher on every page."""

from __future__ import annotations

from plugin import i18n


def test_the_contract_relax_handout_in_german(client, valid_html) -> None:
    response = client.get("/routine/contract-relax?lang=de")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    valid_html(page)
    assert '<html lang="de">' in page
    assert "Bitte zuerst lesen" in page and "Kontraindikation" in page
    german = i18n.language("de")
    assert (
        german.gettext(
            "With sciatica, wait until the inflammation has settled before you stretch the hamstrings."
        )
        in page
    )
    assert "With sciatica" not in page
    # The drawings' alt texts and captions too.
    assert (
        'alt="Eine Person steht vor einem Stuhl' in page and "<figcaption>Fuß nach innen</figcaption>" in page
    )
    assert "A person stands" not in page
    assert "lang=de" in page.split('id="exports-heading"', 1)[1]  # the exports come in German too
    assert response.headers["Content-Language"] == "de"
    assert {"Accept-Language", "Cookie"} <= {v.strip() for v in response.headers["Vary"].split(",")}
    assert "lang=de" in response.headers["Set-Cookie"]


def test_the_cookie_keeps_the_choice_and_accept_language_comes_last(client) -> None:
    assert "Dehnprogramme" in client.get("/?lang=de").get_data(as_text=True)
    assert "Dehnprogramme" in client.get("/").get_data(as_text=True)  # the cookie
    client.delete_cookie("lang")
    spanish = client.get("/", headers={"Accept-Language": "es-ES,es;q=0.9"}).get_data(as_text=True)
    assert "Rutinas de estiramiento" in spanish
    assert "Stretch routines" in client.get("/", headers={"Accept-Language": "it"}).get_data(as_text=True)


def test_every_page_offers_the_other_languages(client) -> None:
    page = client.get("/routine/daily-hamstring?lang=fr").get_data(as_text=True)
    for code in ("en", "de", "es"):
        assert f'data-lang="{code}"' in page
        assert f"/routine/daily-hamstring?lang={code}" in page


def test_the_subscribe_form_in_french(client, valid_html) -> None:
    page = client.get("/subscribe?lang=fr").get_data(as_text=True)
    valid_html(page)
    assert "S’abonner à un calendrier d’étirements" in page
    assert '<option value="fr" lang="fr" selected>' in page
    assert "lun." in page  # the locale's own weekday names


def test_a_calendar_made_on_the_form_speaks_its_language(client) -> None:
    response = client.post(
        "/subscribe?lang=fr",
        data={
            "routines": "wall-hamstring",
            "days": ["MO"],
            "times": "07:30",
            "timezone": "Europe/Paris",
            "language": "es",
        },
    )
    assert response.status_code == 201
    assert "Votre calendrier d’étirements est prêt" in response.get_data(as_text=True)
    feed_url = response.get_data(as_text=True).split('id="feed-url" value="', 1)[1].split('"', 1)[0]
    feed = client.get(feed_url.split("localhost", 1)[1]).get_data(as_text=True).replace("\r\n ", "")
    assert "PRECAUCIONES (leer primero)" in feed


def test_the_french_form_explains_its_errors_in_french(client, valid_html) -> None:
    response = client.post(
        "/subscribe?lang=fr",
        data={"days": ["MO"], "times": "25:00", "timezone": "Mars/Olympus", "language": "fr"},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    valid_html(page)
    assert "Veuillez vérifier ces champs" in page
    assert "Choisissez au moins un programme (au plus 10)." in page
    assert "&#39;25:00&#39;: pas une heure locale HH:MM entre 00:00 et 23:59" in page
    assert "fuseau horaire inconnu &#39;Mars/Olympus&#39;" in page
    assert "Pick at least one routine" not in page


def test_the_connect_pages_in_spanish(client, valid_html) -> None:
    page = client.get("/connect?lang=es").get_data(as_text=True)
    valid_html(page)
    assert "Conectar su aplicación de entrenamiento" in page and "Un calendario CalDAV" in page
    plan = client.get("/connect?lang=es").get_data(as_text=True)
    assert "Connect your tracker" not in plan
