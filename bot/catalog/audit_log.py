"""/registro: the change log of a case, a plesso or a referent (admins)."""

from __future__ import annotations

USAGE = (
    "<b>Registro delle modifiche</b>\n"
    "Le ultime 50 modifiche, dalla più recente:\n"
    "• /registro NUMERO: un caso (e i suoi contatti)\n"
    "• /registro CODICE_PLESSO: un plesso, i suoi casi e le sue assenze\n"
    "• /registro referente NUMERO: un referente\n"
    "• /registro ats: l'ATS (promemoria, esportazioni, avvisi, cancellazioni)\n"
    "Oppure scegli un referente dall'elenco."
)
NOT_UNDERSTOOD = "Non ho capito: {word}\n\n"
BUTTON_REFERENTS = "Referenti"
REFERENTS_HEADER = "Scegli il referente ({scope}):"
REFERENTS_PAGE = "Referenti: {total} · pagina {page} di {pages}"
REFERENTS_NONE = "Nessun referente per {scope}."

CASE_NOT_FOUND = "Caso {id} non trovato."
PLESSO_NOT_FOUND = "Plesso {code} non trovato."
REFERENT_NOT_FOUND = "Referente {id} non trovato."

HEADER_CASE = "<b>Registro del caso {id}</b>"
HEADER_PLESSO = "<b>Registro del plesso {code}</b> ({name})"
HEADER_REFERENT = "<b>Registro del referente {name}</b> (n. {id})"
HEADER_ATS = "<b>Registro dell'ATS</b> ({scope})"
SCOPE_ALL = "tutte le ATS"
PAGE_LINE = "Modifiche: {total} · pagina {page} di {pages}"
EMPTY = "Nessuna modifica registrata."
LINE = "{when} · {who} · {action} · {record}"
BUTTON_NEXT = "Avanti ▶"
BUTTON_PREVIOUS = "◀ Indietro"

WHO_ATS = "ATS"
WHO_SYSTEM = "sistema"
WHO_UNKNOWN = "utente {id}"

# The action codes written by storage/ (audit.record), in words; an unknown one is shown as is.
ACTIONS: dict[str, str] = {
    # Swab booking (issue 20) and the vaccination-duty check (issue 18).
    "swabs.load_slots": "punti tampone e posti caricati",
    "swabs.close_day": "giornata di un punto tampone chiusa",
    "swabs.book": "tampone prenotato",
    "swabs.result": "esito del tampone registrato",
    "swabs.referral": "segnalazione del medico caricata",
    "swabs.pass_used": "pass scuola usato",
    "swabs.staff_invite": "personale del punto tampone invitato",
    "swabs.staff_joined": "personale del punto tampone registrato",
    "vaccines.draft": "elenco vaccinale caricato",
    "vaccines.send": "elenco vaccinale inviato all'ATS",
    "vaccines.answer": "esito vaccinale dell'ATS caricato",
    "vaccines.revoke": "ruolo vaccini revocato",
    "vaccines.retention": "dati vaccinali eliminati (conservazione)",
    "retention.swabs": "dati dei tamponi cancellati (conservazione)",
    "plesso.create": "plesso aggiunto all'anagrafe",
    "plesso.update": "plesso aggiornato",
    "invitation.create": "invito creato",
    "invitation.cancel": "invito annullato",
    "referent.create": "referente registrato",
    "referent.profile": "profilo del referente modificato",
    "referent.join": "referente abilitato al plesso",
    "referent.revoke": "accesso revocato",
    "referent.unreachable": "referente non raggiungibile",
    "referent.reachable": "referente di nuovo raggiungibile",
    "enrolment.record": "iscritti registrati",
    "absence.record": "assenze registrate",
    "absence.correct": "assenze corrette",
    "closure.create": "chiusura aggiunta",
    "closure.delete": "chiusura tolta",
    "case.create": "caso segnalato",
    "case.update": "caso modificato",
    "case.close": "caso chiuso e inviato all'ATS",
    "contact.create": "contatto aggiunto",
    "contact.import": "contatti importati",
    "contact.update": "contatto modificato",
    "contact.delete": "contatto tolto",
    "reminders.push": "promemoria inviati",
    "export.cases": "esportati i casi chiusi",
    "export.absences": "esportate le assenze",
    "export.registry": "esportati referenti e plessi",
    "export.sent_home": "esportati gli allontanamenti",
    "export.isolations": "esportato il seguito degli isolamenti",
    "sent_home.create": "allontanamento inviato all'ATS",
    "sent_home.correction": "allontanamento rettificato",
    "sent_home.resent": "allontanamento aggiornato (stessa persona segnalata di nuovo)",
    "sent_home.outcome": "esito dell'allontanamento registrato",
    "broadcast.create": "avviso ai referenti confermato",
    "broadcast.delivered": "avviso consegnato",
    "retention.run": "casi chiusi cancellati (conservazione)",
    # Citizens in isolation (issue 19).
    "citizen.create": "persona positiva caricata nel registro",
    "citizen.token": "link di accesso emesso",
    "citizen.link": "chat collegata a mano a una persona in isolamento",
    "citizen.dates": "date dell'isolamento corrette",
    "citizen.household_taken": "conviventi presi in carico",
    "citizen.alerts_handled": "segnale di allarme gestito",
    "citizen.close": "isolamento chiuso",
    "citizen.message": "messaggio dell'ATS a una persona in isolamento",
    "household.add": "convivente aggiunto",
    "household.update": "convivente modificato",
    "household.delete": "convivente tolto",
    "retention.citizens": "isolamenti chiusi cancellati (conservazione)",
}

# The record a row is about, by entity; an unknown entity is shown as "entity id".
RECORDS: dict[str, str] = {
    "case": "caso {id}",
    "plesso": "plesso {id}",
    "referent": "referente {id}",
    "contact": "contatto {id}",
    "closure": "chiusura {id}",
    "ats": "ATS {id}",
}
RECORD_OTHER = "{entity} {id}"
CONTACT_OF_CASE = "contatto {id} (caso {case})"
