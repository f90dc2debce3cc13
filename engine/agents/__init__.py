"""Agents: scripted creatures that move through a world, notice what happens, and narrate it.

Owns: movement behaviours on each agent's local clock (``movement``), perception from a
``Snapshot`` (``perception``), narration rules with cooldowns, priorities and memory
(``narration``), the safe condition language (``conditions``), lines written in a language
(``native``), improvised lines from an injected language model (``improvise``), speech as text,
romanisation, gloss, translation and voice (``speech``), and the system that runs them all
(``system.AgentSystem``). Must not touch: the simulation's internals, GL, audio devices, or
``generators`` (a language model is injected as an object by the caller).

Nothing heavy happens at import time: ``engine.rules.agents`` imports ``conditions`` and
``native`` from here while validating world files.

What agents add to a ``Snapshot`` (``AgentSystem.publish(snapshot)``), for the renderer:

``snapshot.extras["agents"]`` is an ``engine.agents.view.AgentView`` (N = number of agents)::

    names: tuple[str, ...]            # agent names, in world-file order
    positions: np.ndarray             # (N, 3) float64 metres, where each agent stands (feet)
    velocities: np.ndarray            # (N, 3) float64 m/s
    headings: np.ndarray              # (N,) float64 radians, 0 faces -z (same as explorer yaw)
    sizes: np.ndarray                 # (N,) float64 metres tall
    colours: np.ndarray               # (N, 3) float32 RGB in 0..1
    shapes: np.ndarray                # (N,) int8, codes in engine.agents.view.AGENT_SHAPE_CODES
    local_rate: np.ndarray            # (N,) float64 the agent's clock rate (signed)
    age: np.ndarray                   # (N,) float64 seconds lived on its own clock
    speaking: np.ndarray              # (N,) bool, true while a line it said is being heard

``snapshot.extras["subtitles"]`` is a tuple of ``engine.agents.view.Subtitle``, the lines to show
now (oldest first). A subtitle appears when the voice reaches the explorer (sound travels at the
world's speed of sound) and stays for as long as the line takes to say plus two seconds::

    agent: str          # who speaks
    text: str           # the line in the language (romanised, as readers read it)
    ipa: str            # the same in IPA
    gloss: str          # Leipzig-style gloss, one item per word
    translation: str    # English
    position: (x, y, z) # where it was said (m)
    shown_from: float   # world time the subtitle appears
    shown_until: float  # world time it goes
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.agents.speech import Utterance
    from engine.agents.system import AgentSystem
    from engine.agents.view import AgentView, Subtitle

__all__ = ["AgentSystem", "AgentView", "Subtitle", "Utterance"]


def __getattr__(name: str) -> Any:
    if name == "AgentSystem":
        from engine.agents.system import AgentSystem

        return AgentSystem
    if name in ("AgentView", "Subtitle"):
        from engine.agents import view

        return getattr(view, name)
    if name == "Utterance":
        from engine.agents.speech import Utterance

        return Utterance
    raise AttributeError(f"module 'engine.agents' has no attribute {name!r}")
