"""Remixes and variants: new worlds derived from existing ones, with their parents recorded.

Owns: building ``WorldRequest``s that show the model its parents' rule sets (as intents, see
``generators.intent.summarise_world``) and ask for a coherent recombination or for alternative
branches. Each result must differ from its parents (checked as a validation failure, repaired).
Must not touch: backends or files.
"""

from __future__ import annotations

import json

from engine.rules import WorldSpec
from generators.intent import summarise_world
from generators.world import WorldRequest

# Which part of the rules each successive variant changes, so siblings differ from each other.
VARIANT_ASPECTS = (
    "gravity and how things move",
    "how sound travels and echoes",
    "light and the flow of time",
    "the size range and the things in it",
)


def _rules_json(world: WorldSpec) -> str:
    return json.dumps(summarise_world(world).model_dump(mode="json"), separators=(",", ":"))


def remix_request(first: WorldSpec, second: WorldSpec, seed: int, note: str = "") -> WorldRequest:
    """A request for one coherent world that combines two parents."""
    instruction = (
        f"World A: {_rules_json(first)}\nWorld B: {_rules_json(second)}\n"
        "Design a new world that combines A and B into one coherent world: keep the strangest "
        "rule of each, give it a new name, and mix their things."
    )
    if note:
        instruction += f" Also: {note.strip()}"
    return WorldRequest(
        instruction=instruction,
        seed=seed,
        prompt=note,
        parents=(first.meta.name, second.meta.name),
        generator="heterocosm.remix",
        source_text=instruction,
        avoid=(summarise_world(first), summarise_world(second)),
    )


def variant_requests(parent: WorldSpec, count: int, seed: int) -> list[WorldRequest]:
    """``count`` requests for alternative rule sets branching from ``parent``."""
    parent_intent = summarise_world(parent)
    rules = _rules_json(parent)
    requests = []
    for index in range(count):
        aspect = VARIANT_ASPECTS[index % len(VARIANT_ASPECTS)]
        requests.append(
            WorldRequest(
                instruction=f"World A: {rules}\nDesign a variant of A: a branch of the same "
                f"world where {aspect} work differently. Give it a new name.",
                seed=seed + index,
                prompt=f"variant {index + 1} of {parent.meta.name}: {aspect}",
                parents=(parent.meta.name,),
                generator="heterocosm.variants",
                source_text=rules,
                avoid=(parent_intent,),
            )
        )
    return requests
