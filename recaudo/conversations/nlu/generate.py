"""Expand `data/templates.json` into the training set `data/train.json`.

Run `python -m recaudo.conversations.nlu.generate` after editing the templates.
The expansion is seeded, so the same templates give the same file. Variety
comes from the fills (dates, amounts, names, regional words for money) and
from the noise people add when they type on a phone: no accents, chat
abbreviations, doubled letters, swapped letters, emojis, a greeting in front.
Any generated example too close to a held-out one is dropped, so the held-out
figures measure generalisation rather than memory.
"""

from __future__ import annotations

import json
import random
import re

from recaudo.conversations.nlu.dataset import HELDOUT, TEMPLATES, TRAIN, read, write
from recaudo.conversations.nlu.text import normalize, strip_accents

PER_INTENT = 190
SEED = 20261122
SIMILAR = 0.8

ABBREVIATE = [
    (r"\bque\b", "q"),
    (r"\bpor que\b", "xq"),
    (r"\bporque\b", "xq"),
    (r"\bpor favor\b", "pls"),
    (r"\bpor favor\b", "porfa"),
    (r"\btambien\b", "tmb"),
    (r"\bpara\b", "pa"),
    (r"\bmensajes?\b", "msj"),
    (r"\bnumero\b", "nro"),
    (r"\bquiero\b", "kiero"),
    (r"\bde\b", "d"),
    (r"\bpor\b", "x"),
    (r"\bestoy\b", "toy"),
    (r"\bvoce\b", "vc"),
    (r"\byou\b", "u"),
]
PREFIXES = {
    "es": [
        "hola",
        "buenas",
        "buen dia",
        "disculpe",
        "oiga",
        "che",
        "mira",
        "señorita",
        "joven",
        "hola buenas tardes,",
        "oye",
        "perdon",
    ],
    "pt": ["oi", "olá", "bom dia,", "boa tarde"],
    "en": ["hi", "hello,", "hey"],
}
EMOJIS = ["🙏", "😊", "😢", "👍", "🤔", "😡", "😅", "🙂"]
ENDINGS = ["?", "!!", "...", ".", " ??", "!"]


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 5 or not word.isalpha():
        return word
    index = rng.randrange(1, len(word) - 1)
    kind = rng.random()
    if kind < 0.4:
        return word[:index] + word[index + 1] + word[index] + word[index + 2 :]
    if kind < 0.7:
        return word[:index] + word[index + 1 :]
    return word[:index] + word[index] * 3 + word[index + 1 :]


def noisy(text: str, language: str, intent: str, rng: random.Random) -> str:
    """One way a person might have typed `text`."""
    if rng.random() < 0.5:
        text = strip_accents(text)
    if rng.random() < 0.35:
        pattern, replacement = rng.choice(ABBREVIATE)
        text = re.sub(pattern, replacement, text)
    if rng.random() < 0.25:
        words = text.split(" ")
        position = rng.randrange(len(words))
        words[position] = _typo(words[position], rng)
        text = " ".join(words)
    if intent not in ("greeting", "thanks", "opt_out") and rng.random() < 0.2:
        text = f"{rng.choice(PREFIXES[language])} {text}"
    if rng.random() < 0.15:
        text = text.rstrip("?!. ") + rng.choice(ENDINGS)
    if rng.random() < 0.1:
        text = f"{text} {rng.choice(EMOJIS)}"
    case = rng.random()
    if case < 0.3:
        text = text.lower()
    elif case < 0.4:
        text = text[:1].upper() + text[1:]
    elif case < 0.43:
        text = text.upper()
    return text


def fill(template: str, fills: dict[str, list[str]], rng: random.Random) -> str:
    return re.sub(r"\{(\w+)\}", lambda match: rng.choice(fills[match[1]]), template).strip()


def _grams(text: str) -> set[str]:
    text = f" {normalize(text)} "
    return {text[index : index + 3] for index in range(len(text) - 2)}


def _too_close(grams: set[str], others: list[set[str]]) -> bool:
    return any(len(grams & other) / len(grams | other) >= SIMILAR for other in others)


def expand(templates: dict, heldout: dict[str, list[set[str]]]) -> list[dict[str, str]]:
    rng = random.Random(SEED)
    fills = templates["fills"]
    items: list[dict[str, str]] = []
    for intent, by_language in templates["intents"].items():
        pool = [(language, text) for language, texts in by_language.items() for text in texts]
        seen: set[str] = set()
        chosen: list[dict[str, str]] = []
        attempts = 0
        while len(chosen) < PER_INTENT and attempts < PER_INTENT * 30:
            language, template = pool[attempts % len(pool)]
            attempts += 1
            text = fill(template, fills, rng)
            if attempts > len(pool):
                text = noisy(text, language, intent, rng)
            key = normalize(text)
            if not key or key in seen or _too_close(_grams(text), heldout.get(intent, [])):
                continue
            seen.add(key)
            chosen.append({"text": text, "intent": intent, "language": language})
        items.extend(chosen)
    return items


def main() -> None:
    templates = json.loads(TEMPLATES.read_text(encoding="utf-8"))
    heldout: dict[str, list[set[str]]] = {}
    for example in read(HELDOUT):
        heldout.setdefault(example.intent, []).append(_grams(example.text))
    items = expand(templates, heldout)
    write(TRAIN, items)
    print(f"{len(items)} training examples written to {TRAIN}")


if __name__ == "__main__":
    main()
