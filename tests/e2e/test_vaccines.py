"""The vaccination-duty check (issue 18), played by the school's «vaccini» user and the ATS:
the invitation, a list with good and bad rows fixed and sent (then locked), a late
integration, the ATS's download, a results file with a foreign codice fiscale refused,
publication, the school's follow-up and transmission; a COVID referent without the role and
another ATS's admin refused."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date, datetime, timedelta

import openpyxl  # type: ignore[import-untyped]
from codicefiscale import codicefiscale as cf_lib

from domain.invitations import hash_invitation_code, new_invitation_code
from domain.registry import Plesso, ReferentProfile
from emulator.driver import ChatUser
from tests.e2e.steps import PLESSO_MILANO, invite, joined_referent
from tests.harness import ADMIN_MILANO, ADMIN_VALPADANA, ROME, Harness

SCHOOL_USER = 7001
FEBRUARY = datetime(2027, 2, 25, 9, 0, tzinfo=ROME)
JUNE = datetime(2027, 6, 3, 9, 0, tzinfo=ROME)
JULY = datetime(2027, 7, 15, 9, 0, tzinfo=ROME)


def cf(surname3: str, name3: str, born: date, place: str = "F205") -> str:
    """A valid codice fiscale for a pupil born on `born` (male)."""
    months = "ABCDEHLMPRST"
    body = f"{surname3}{name3}{born.year % 100:02d}{months[born.month - 1]}{born.day:02d}{place}"
    return body + cf_lib.encode_cin(body)


PUPILS = [
    (cf("RSS", "LCU", date(2016, 3, 2)), "Rossi", "Luca", "02/03/2016", "5A", "primaria"),
    (cf("BNC", "MRA", date(2015, 5, 9)), "Bianchi", "Mara", "09/05/2015", "5A", "primaria"),
    (cf("VRD", "PLA", date(2023, 1, 20)), "Verdi", "Paolo", "20/01/2023", "A", "infanzia"),
    (cf("NRI", "GNN", date(2014, 11, 30)), "Neri", "Gianni", "30/11/2014", "1B", "secondaria"),
]
HEADER = "Codice fiscale;Cognome;Nome;Data di nascita;Classe;Servizio;MSNA"


def csv_of(rows: Sequence[Sequence[str]]) -> bytes:
    return ("\n".join([HEADER, *(";".join(row) for row in rows)]) + "\n").encode()


async def vaccini_user(harness: Harness, admin: ChatUser) -> ChatUser:
    """A head teacher invited with `/invita CODICE vaccini`, registered by the deep link."""
    await admin.send(f"/invita {PLESSO_MILANO} vaccini")
    message = await admin.expect("Ruolo: vaccini")
    code = (message.text or "").split("?start=")[1].split()[0]
    user = harness.user(SCHOOL_USER, "Preside")
    await user.send(f"/start {code}")
    await user.expect("nome e cognome")
    await user.send("Paola Preside")
    await user.expect("telefono")
    await user.send("333 765 4321")
    await user.expect("e-mail")
    await user.send("preside@scuola.example.it")
    await user.expect("Controlla i tuoi dati")
    await user.tap("Conferma")
    await user.expect("ruolo «vaccini»")
    return user


async def sent_list(harness: Harness, admin: ChatUser) -> ChatUser:
    harness.clock.set(FEBRUARY)
    school = await vaccini_user(harness, admin)
    await school.send("/vaccini")
    await school.expect("elenco entro il 10/03/2027: mancano 13 giorni")
    await school.tap("Carica elenco")
    await school.expect("Inviami ora il file")
    await school.send_file("elenco.csv", csv_of(PUPILS))
    await school.expect("4 valide · 0 errori")
    await school.tap("Invia all'ATS")
    await school.tap("Conferma invio")
    await school.expect("Ricevuta")
    return school


async def test_a_list_with_bad_rows_is_fixed_sent_and_locked(
    harness: Harness, admin: ChatUser
) -> None:
    harness.clock.set(FEBRUARY)
    school = await vaccini_user(harness, admin)
    await school.send("/vaccini")
    card = await school.expect("Verifica obblighi vaccinali")
    assert "Elenco entro il 10/03/2027: mancano 13 giorni" in card.content
    await school.tap("Scarica modello")
    template = await school.document()
    assert template.document is not None and template.protected
    sheet = openpyxl.load_workbook(io.BytesIO(template.document.content)).worksheets[0]
    assert next(sheet.iter_rows(values_only=True))[0] == "Codice fiscale"

    bad = [
        *PUPILS[:2],
        ("RSSLCU16C02F205X", "Gialli", "Ugo", "02/03/2016", "4A", "primaria"),  # checksum
        (PUPILS[0][0], "Rossi", "Luca", "02/03/2016", "5A", "primaria"),  # twice
        (cf("VCC", "ANN", date(2008, 1, 1)), "Vecchi", "Anna", "01/01/2008", "5C", "secondaria"),
        (PUPILS[3][0], "Neri", "Gianni", "01/12/2014", "1B", "secondaria"),  # not the CF's date
    ]
    await school.tap("Carica elenco")
    await school.send_file("elenco.csv", csv_of(bad))
    report = await school.expect("2 valide · 4 errori")
    assert "riga 4: codice fiscale non valido" in report.content
    assert "riga 5: alunno già presente" in report.content
    assert "riga 6: età fuori dai 0–16 anni" in report.content
    assert "riga 7: la data di nascita non corrisponde al codice fiscale" in report.content
    assert "Rossi" not in report.content and "ROSSI" not in report.content  # counts only

    # Fixed and sent again: the new upload replaces the draft.
    await school.tap("Carica elenco")
    await school.send_file("elenco.xlsx", xlsx_of(PUPILS))
    await school.expect("4 valide · 0 errori")
    await school.tap("Invia all'ATS")
    review = await school.expect("Invio all'ATS")
    assert "primaria: 2" in review.content and "infanzia: 1" in review.content
    await school.tap("Conferma invio")
    receipt = await school.expect("Ricevuta")
    assert "VAX-MIEE8AB01T-20270225-" in receipt.content and "alle 09:00" in receipt.content
    await school.tap_stale("Conferma invio")
    await school.expect("già stato inviato")
    campaign = await harness.svc.vaccines.campaign(PLESSO_MILANO, 2027)
    assert campaign.first_sent is not None and campaign.sent_pupils == 4
    assert campaign.draft is None

    # A late enrolment: another list, same checks; a pupil already sent is a duplicate.
    late = [
        (cf("BLU", "SRA", date(2019, 4, 4)), "Blu", "Sara", "04/04/2019", "3A", "primaria"),
        PUPILS[1],
    ]
    await school.send("/vaccini")
    await school.tap("Carica integrazione")
    await school.send_file("integrazione.csv", csv_of(late))
    await school.expect("1 valide · 1 errori (integrazione)")
    await school.tap("Invia all'ATS")
    await school.tap("Conferma invio")
    await school.expect("Integrazione inviato all'ATS")
    assert (await harness.svc.vaccines.campaign(PLESSO_MILANO, 2027)).sent_pupils == 5


def xlsx_of(rows: Sequence[Sequence[str]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Elenco iscritti 2027/28"])  # a title above the header: loose reading
    sheet.append(HEADER.split(";"))
    for row in rows:
        day, month, year = (int(part) for part in row[3].split("/"))
        sheet.append([row[0], row[1], row[2], datetime(year, month, day), row[4], row[5], ""])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


async def test_the_ats_downloads_answers_publishes_and_the_school_follows_up(
    harness: Harness, admin: ChatUser
) -> None:
    school = await sent_list(harness, admin)
    await admin.send("/vaccini")
    overview = await admin.expect("Elenchi ricevuti: 1 su 1 plessi")
    assert PLESSO_MILANO in overview.content
    await admin.send(f"/vaccini {PLESSO_MILANO}")
    await admin.expect("4 alunni")
    await admin.tap("Scarica elenco (XLSX)")
    listed = await admin.document()
    assert listed.document is not None and listed.protected
    rows = list(
        openpyxl.load_workbook(io.BytesIO(listed.document.content))
        .worksheets[0]
        .iter_rows(values_only=True)
    )
    assert {row[0] for row in rows[1:]} == {p[0] for p in PUPILS}

    harness.clock.set(JUNE)
    answer = "\n".join(
        [
            "codice fiscale;esito",
            f"{PUPILS[0][0]};in regola",
            f"{PUPILS[1][0]};non in regola",
            f"{PUPILS[2][0]};non in regola",
            f"{PUPILS[3][0]};non trovato",
            f"{cf('XXX', 'YYY', date(2015, 1, 1))};non in regola",  # not this school's
        ]
    ).encode()
    await admin.send(f"/vaccini {PLESSO_MILANO}")
    await admin.tap("Carica esito")
    await admin.send_file("esito.csv", answer)
    loaded = await admin.expect("Esito caricato per")
    assert "righe rifiutate 1" in loaded.content
    assert "riga 6: codice fiscale non presente nell'elenco di questa scuola" in loaded.content
    await admin.tap("Pubblica")
    await admin.expect("Esito pubblicato: 2 non in regola")
    notice = await school.expect("ha pubblicato l'esito")
    assert "Bianchi" not in notice.content.title()

    await school.send("/vaccini")
    card = await school.expect("alunni non in regola")
    assert "Per classe: 5A 1, A 1" in card.content
    assert "BIANCHI" not in card.content.upper()
    await school.tap("Elenco non in regola (file)")
    names = await school.document()
    assert names.protected and names.document is not None
    sheet = openpyxl.load_workbook(io.BytesIO(names.document.content)).worksheets[0]
    assert [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)] == [
        "BIANCHI",
        "VERDI",
    ]

    await school.tap("Segna tutti invitati")
    await school.expect("Segnate come invitate oggi: 2 famiglie")
    await school.send("/vaccini")
    await school.tap("Aggiorna un alunno")
    page = await school.expect("Alunni non in regola: 2")
    assert school.buttons()[:2] == ["n° 1 · 5A ✉", "n° 2 · A ✉"]
    assert "BIANCHI" not in " ".join(school.buttons()).upper()
    del page
    await school.tap("n° 1 · 5A ✉")
    await school.expect("Alunno n° 1 · classe 5A")
    harness.clock.set(JULY)
    await school.tap("Certificato vaccinale")
    await school.expect("Registrato per l'alunno n° 1")
    await school.send("/vaccini")
    await school.tap("Aggiorna un alunno")
    await school.tap("n° 2 · A ✉")
    await school.tap("Nessun documento")
    await school.expect("Registrato per l'alunno n° 2")

    await school.send("/vaccini")
    await school.tap("Trasmetti all'ATS")
    await school.expect("documenti: 1 · nessun documento: 1 · senza risposta: 0")
    await school.tap("Sì, trasmetti")
    await school.expect("Esito trasmesso all'ATS il 15/07/2027")
    await school.send("/vaccini")
    done = await school.expect("Procedura conclusa")
    assert "Trasmetti all'ATS" not in school.buttons()
    del done
    await school.tap_stale("Certificato vaccinale")
    await school.expect("conclusa")

    await admin.send("/vaccini")
    await admin.tap("Esiti delle scuole (XLSX)")
    outcomes = await admin.document()
    assert outcomes.protected and outcomes.document is not None
    out_rows = list(
        openpyxl.load_workbook(io.BytesIO(outcomes.document.content))
        .worksheets[0]
        .iter_rows(min_row=2, values_only=True)
    )
    lapsed = {row[3]: row[7] for row in out_rows}
    assert lapsed == {"BIANCHI": None, "VERDI": "sì"}  # infanzia without a document


async def test_a_referent_without_the_role_and_another_ats_admin_are_refused(
    harness: Harness, admin: ChatUser
) -> None:
    school = await sent_list(harness, admin)
    referent = await joined_referent(harness, admin, 7002)
    await referent.send("/vaccini")
    await referent.expect("riservata a chi ha il ruolo «vaccini»")
    del school
    other = harness.user(ADMIN_VALPADANA, "Valeria")
    await other.send(f"/vaccini {PLESSO_MILANO}")
    await other.expect("Non trovo il plesso")
    await other.send("/vaccini")
    overview = await other.expect("Elenchi ricevuti: 0 su 0 plessi")
    assert PLESSO_MILANO not in overview.content
    # The COVID invitation still makes a referent (no role word); /inviti tells them apart.
    assert await invite(admin)
    await admin.send("/inviti")
    listed = await admin.expect("Inviti in sospeso")
    assert "ruolo «vaccini»" not in listed.content  # the vaccini one was used
    await admin.send(f"/invita {PLESSO_MILANO} vaccini")
    await admin.expect("Ruolo: vaccini")
    await admin.send("/inviti")
    listed = await admin.expect("Inviti in sospeso")
    assert listed.content.count("ruolo «vaccini»") == 1
    await admin.send(f"/invita {PLESSO_MILANO} preside")
    await admin.expect("Ruolo sconosciuto «preside»")


async def test_the_ats_revokes_the_role_and_the_holder_is_told_and_refused(
    harness: Harness, admin: ChatUser
) -> None:
    harness.clock.set(FEBRUARY)
    school = await vaccini_user(harness, admin)
    await school.send("/vaccini")
    await school.expect("Verifica obblighi vaccinali")
    await admin.send(f"/vaccini {PLESSO_MILANO}")
    await admin.expect("Ruolo «vaccini»: PAOLA PRESIDE")
    await admin.tap("Revoca ruolo: PAOLA PRESIDE")
    await admin.expect("Revocare il ruolo «vaccini» a PAOLA PRESIDE")
    await admin.tap("Sì, revoca")
    await admin.expect("Ruolo «vaccini» revocato a PAOLA PRESIDE")
    await school.expect("ha revocato il tuo ruolo «vaccini» per il plesso MIEE8AB01T")
    # Holding no other role, they are nobody to the bot now.
    await school.send("/vaccini")
    await school.expect("Non sei registrato")
    await school.tap_stale("Carica elenco")
    await school.expect("Non sei registrato")
    assert await harness.svc.vaccines.officers(PLESSO_MILANO) == []


async def test_the_overview_of_many_long_named_schools_fits_one_message(
    harness: Harness, admin: ChatUser
) -> None:
    svc = harness.svc
    plessi = [
        Plesso(
            code=f"MIEE9{n:04d}X",
            name=f"Istituto Comprensivo Statale {n} " + "Giuseppe Garibaldi " * 6,
            comune_code="F205",
            comune_name="Milano",
            province="MI",
            address="Via Roma 1",
            school_type="primaria",
            sentinel=False,
            ats_code="ATS-MILANO",
        )
        for n in range(40)
    ]
    await svc.plessi.upsert_many(plessi, actor=0, now=svc.now())
    for n, plesso in enumerate(plessi):
        code = new_invitation_code()
        await svc.invitations.create(
            code_hash=hash_invitation_code(code),
            plesso_code=plesso.code,
            created_by=ADMIN_MILANO,
            now=svc.now(),
            expires_at=svc.now() + timedelta(days=1),
            role="vaccini",
        )
        profile = ReferentProfile(full_name=f"Preside {n}", phone="3331234567", email="p@x.it")
        joined = await svc.referents.join(
            telegram_user_id=8000 + n,
            profile=profile,
            invitation_hash=hash_invitation_code(code),
            now=svc.now(),
        )
        assert joined is not None
    await admin.send("/vaccini")
    overview = await admin.expect("Elenchi ricevuti: 0 su 40 plessi")
    assert "… e altri 25." in overview.content
    assert len(overview.content) < 4096


async def test_a_covid_referent_may_hold_the_vaccini_role_too(
    harness: Harness, admin: ChatUser
) -> None:
    harness.clock.set(FEBRUARY)
    referent = await joined_referent(harness, admin, 7003)
    await referent.send("/vaccini")
    await referent.expect("riservata a chi ha il ruolo «vaccini»")
    await admin.send(f"/invita {PLESSO_MILANO} vaccini")
    message = await admin.expect("Ruolo: vaccini")
    code = (message.text or "").split("?start=")[1].split()[0]
    await referent.send(f"/start {code}")
    await referent.expect("Ora hai il ruolo «vaccini»")  # no second registration
    await referent.send("/vaccini")
    await referent.expect("Elenco degli iscritti: non ancora caricato")
    await referent.send("/aiuto")
    help_text = await referent.expect("/vaccini")
    assert "/nuovocaso" in help_text.content
    actor = await harness.svc.referents.by_user(7003)
    assert actor is not None
    assert actor.plessi == (PLESSO_MILANO,) and actor.vaccine_plessi == (PLESSO_MILANO,)
