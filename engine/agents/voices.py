"""Agents' voices in the world's acoustics: each utterance becomes a moving source in a mixer.

Owns: ``AgentVoices``: synthesising each line in the speaker's voice, placing it in an
``engine.audio.Mixer`` at the speaker's position with the speaker's clock rate, and extending the
source's path while the speaker walks and talks. Delay, Doppler, attenuation, mutation along the
path and time reversal are the mixer's, exactly as for any other sound. Agents without a language
have no voice (subtitles only). Must not touch: agent decisions, the simulation, audio devices.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.agents.speech import Utterance, emit_voice, voice_samples
from engine.agents.system import AgentSystem

VOICE_TAIL_SECONDS = 1.0
"""World seconds a finished voice's path is still extended (its last words are still travelling)."""


@dataclass
class _Speaking:
    agent: int
    trajectory: object  # engine.audio.Trajectory
    until: float  # world time after which the path need not grow


class AgentVoices:
    """Feeds an ``AgentSystem``'s utterances to an ``engine.audio.Mixer``."""

    def __init__(self, system: AgentSystem, mixer, sample_rate: int | None = None) -> None:
        self.system = system
        self.mixer = mixer
        self.sample_rate = int(sample_rate or mixer.sample_rate)
        self.speaking: list[_Speaking] = []
        """Voices whose paths still grow; the mixer alone holds a source once it is said (it
        retires sources that are done, so a long run keeps no memory of old lines)."""

    def hear(self, utterances: tuple[Utterance, ...]) -> None:
        """Start a voice for each utterance (call right after ``AgentSystem.step``)."""
        from engine.audio import Trajectory

        system = self.system
        for utterance in utterances:
            index = utterance.agent_index
            language = system.languages[index]
            if language is None or not utterance.speech.ipa:
                continue
            agent = system.agents[index]
            samples = voice_samples(utterance, agent, language, self.sample_rate)
            trajectory = Trajectory()
            trajectory.add(
                utterance.world_time, utterance.position, system.movement.velocities[index]
            )
            rate = max(abs(float(system.local_rate[index])), 1e-3)
            seconds = samples.size / self.sample_rate / rate
            self.speaking.append(
                _Speaking(index, trajectory, utterance.world_time + seconds + VOICE_TAIL_SECONDS)
            )

            def local_rate(_time: float, row: int = index) -> float:
                return float(system.local_rate[row])

            emit_voice(
                self.mixer,
                utterance,
                samples,
                self.sample_rate,
                trajectory,
                agent.voice.loudness_db,
                local_rate=local_rate,
            )

    def follow(self, world_time: float) -> None:
        """Extend the paths of voices still being said to where their speakers are now."""
        system = self.system
        still = []
        for speaking in self.speaking:
            row = speaking.agent
            speaking.trajectory.add(  # type: ignore[attr-defined]
                world_time, system.movement.positions[row], system.movement.velocities[row]
            )
            if world_time <= speaking.until:
                still.append(speaking)
        self.speaking = still


def voice_onset(samples: np.ndarray, sample_rate: int, threshold: float = 0.02) -> float:
    """Seconds until a signal first exceeds ``threshold`` in magnitude (for tests and benches)."""
    loud = np.flatnonzero(np.abs(samples) > threshold)
    return float(loud[0]) / sample_rate if loud.size else float("nan")
