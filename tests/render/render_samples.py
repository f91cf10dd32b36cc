"""Sample workspaces for the renderer tests, as YAML strings (dbt style)."""

from __future__ import annotations

from pathlib import Path

from journeymap.model.workspace import Workspace, load_workspace

PERSONAS = {
    "personas/inkoper.yaml": """
id: inkoper
name: Ingrid Inkoop
role: buyer
goals: [Betrouwbare leverancier, Lage totale kosten]
motivations:
  - text: Minder gedoe met bestellen
    provenance: reported
frustrations: [Onduidelijke levertijden]
channels: [web, email, phone]
quote: Ik wil gewoon weten wanneer het geleverd wordt.
""",
    "personas/gebruiker.yaml": """
id: gebruiker
name: Gijs Gebruiker
role: user
goals: [Snel aan de slag]
channels: [app, chat]
""",
}

JOURNEY = """
id: bestellen
title: Zakelijk bestellen
description: Van behoefte tot herhaalaankoop voor MKB-klanten.
scope: buyer
state: current
owner: Team CX
review_date: 2026-03-15
goal: Meer herhaalaankopen
kpi: {name: Herhaalaankopen, target: 40, unit: "%"}
personas: [inkoper, gebruiker]
triggers:
  - {id: contract, name: Contract loopt af, kind: contract-end, offset_days: 90, step: zoeken}
lanes:
  - {id: emoties-team, name: Gevoel bij het team}
stages:
  - {id: orienteren, name: Oriënteren, goal: Opties verkennen}
  - {id: kopen, name: Kopen}
  - {id: gebruiken, name: Gebruiken}
steps:
  - id: zoeken
    name: Zoekt leverancier
    stage: orienteren
    channel: search
    actions: [Googelt op prijs]
    questions: [Wie levert snel?]
    expectations: [Heldere prijzen]
    received: [Vage offertes]
    emotion: {score: 1, word: nieuwsgierig}
    persona_emotions:
      inkoper: {score: 0.5}
      gebruiker: {score: 1.5}
    frontstage: [Website]
    backstage: [SEO-team]
    systems: [CMS]
    owner: Marketing
    kpis: [{name: Bezoekers, target: 1000}]
    lanes: {emoties-team: [Hoopvol]}
  - id: offerte
    name: Vraagt offerte aan
    stage: orienteren
    channel: web
    emotion: {score: -2, word: gefrustreerd, provenance: observed}
    pain_points:
      - {text: Offerte duurt vijf dagen, severity: critical}
      - {text: Formulier te lang, severity: low}
    moment_of_truth: 4
  - id: bestelt
    name: Bestelt
    stage: kopen
    channel: web
    emotion: {score: 1.5, word: opgelucht}
    moment_of_truth: 2
  - id: levering
    name: Ontvangt levering
    stage: gebruiken
    channel: post
    emotion: {score: -1, word: ongeduldig}
    pain_points: [{text: Geen track and trace, severity: high}]
  - id: herhaal
    name: Bestelt opnieuw
    stage: gebruiken
    channel: email
opportunities:
  - {id: snelle-offerte, title: Offerte binnen een dag, step: offerte, impact: 5, effort: 2}
  - {id: portaal, title: Klantportaal, stage: gebruiken, impact: 4, effort: 5}
  - {id: tekst, title: Betere teksten, impact: 2, effort: 1}
  - {id: app, title: Eigen app, impact: 1, effort: 5}
"""


def write_workspace(root: Path, files: dict[str, str], language: str = "nl", strict: bool = True) -> Workspace:
    (root / "journeymap.yaml").write_text(f"name: test\nlanguage: {language}\n", encoding="utf-8")
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return load_workspace(root, strict=strict)


def big_journey(n_steps: int = 200, n_stages: int = 8, n_custom: int = 6, lanes: bool = True) -> str:
    """A journey of ``n_steps`` steps over ``n_stages`` stages, every standard lane filled plus custom lanes.

    ``lanes=False`` keeps only names, emotion and moments of truth: enough for layout tests, and quick to print.
    """
    lines = ["id: groot", "title: Grote reis", "lanes:" if n_custom else "lanes: []"]
    lines += [f"  - {{id: extra-{k}, name: Extra baan {k}}}" for k in range(n_custom)]
    lines.append("stages:")
    lines += [f"  - {{id: fase-{k}, name: Fase {k:02d}}}" for k in range(n_stages)]
    lines.append("steps:")
    per = -(-n_steps // n_stages)
    for i in range(n_steps):
        score = ((i * 7) % 9 - 4) / 2
        if not lanes:
            lines += [f"  - {{id: stap-{i + 1:03d}, name: Stap {i + 1:03d}, stage: fase-{i // per}, channel: web, "
                      f"emotion: {{score: {score}}}, moment_of_truth: {1 + i % 5}}}"]
            continue
        lines += [
            f"  - id: stap-{i + 1:03d}",
            f"    name: Stap {i + 1:03d}",
            f"    stage: fase-{i // per}",
            "    channel: web",
            "    actions: [Klikt door naar de volgende pagina]",
            "    motivations: [Wil snel klaar zijn]",
            "    questions: [Klopt de prijs wel?]",
            "    expectations: [Duidelijkheid]",
            "    received: [Een lange pagina]",
            f"    emotion: {{score: {score}, word: woord{i}}}",
            "    pain_points: [{text: Traag, severity: medium}]" if i % 5 == 0 else "    pain_points: []",
            f"    moment_of_truth: {1 + i % 5}",
            "    frontstage: [Website]",
            "    backstage: [Orderverwerking]",
            "    systems: [ERP]",
            "    owner: Team Web",
            "    kpis: [{name: Conversie, target: 0.4}]",
            "    lanes: {" + ", ".join(f"extra-{k}: [Notitie {k}]" for k in range(n_custom)) + "}",
        ]
    return "\n".join(lines) + "\n"
