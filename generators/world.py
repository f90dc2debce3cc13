"""The world generator: prompts -> staged, constrained generation -> validated ``WorldSpec``s.

Owns: the stages (rules, then the language's flavour and concepts, then agents and their lines,
then names in the language under its EBNF grammar), the prompts and few-shot examples, the
rule set's categorical fields chosen by likelihood where the backend can score
(``generators.choices``; the model then writes the rest with those fields fixed), full
validation of every answer (pydantic + degeneracy + translation), bounded repair that regenerates
only the failing properties, and lineage. Works on lists of requests so a local backend batches
them and a server backend runs them concurrently. Must not touch: files (callers write the
result), model loading (``generators.backends``), expansion details (``generators.expand``).
"""

from __future__ import annotations

import contextlib
import json
import re
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from engine.rules import LIMITS, WorldError, WorldSpec, dump_world, load_world, loads_world
from engine.rules.language import LanguageSpec
from engine.rules.meta import Lineage
from generators.backends.base import Backend, GenerationRequest
from generators.expand import expand_world
from generators.intent import (
    VERB_FORMS,
    AgentsIntent,
    LanguageIntent,
    WorldIntent,
    agents_intent_problems,
    language_intent_problems,
    repair_schema,
    stage_schema,
    summarise_world,
    validation_problems,
    world_concepts,
    world_intent_problems,
)

GENERATOR_VERSION = "0.2"
STAGES = ("rules", "language", "agents")
# Fields chosen by likelihood are drawn at this share of the sampling temperature: an option the
# request clearly names wins, and options it leaves open still vary from seed to seed.
CHOICE_TEMPERATURE_SHARE = 0.5

SYSTEM_RULES = """You design worlds for heterocosm, an engine for worlds that do not obey our \
physics. Answer with one JSON object only. Invent a short new name; do not repeat the prompt. \
Choose every field to fit the prompt: gravity (mutual_pull: things attract each other, \
mutual_push: things repel, upward: things fall up); motion (aristotelian: things stop when \
not pushed); drag (syrup: thick air); sound_speed and light_speed (slower_than_walking is \
allowed); sound_pitch; echo; time_speed; time_direction; loud_sound_reverses_time; \
slow_time_zone; size_range (microbe lets you shrink to a microbe, cosmic grow to a planet); \
sky; fog; things: 1 to 4 kinds of thing, each with a lowercase name, shape, count, sound and \
pitch_hz."""

SYSTEM_LANGUAGE = """You choose the sound of the language spoken in a world. Answer with one \
JSON object only. harshness: 0 soft and flowing .. 1 harsh and clicking; vowels: how many vowel \
sounds (3 to 9); tone: whether pitch changes meaning; clusters: whether consonants pile up; \
concepts: 2 to 5 different single lowercase English nouns for things that matter in this world."""

SYSTEM_AGENTS = """You write the creatures who live in a world. Answer with one JSON object only. \
Each agent has a behaviour, the thing it stays near, a greeting it says when the explorer comes \
near and a line it says after a loud sound. A line is a short English clause in three parts: \
subject ("The gong", "I", "We"), verb, and the rest ("the slow sound")."""

# One worked example each for the language and agents stages (the world is Crawling Sound).
EXAMPLE_BRIEF = (
    "World: Crawling Sound. Sound crawls at 3 m/s and sinks in pitch as it travels. "
    "Things in it: gong, runner."
)
EXAMPLE_LANGUAGE = (
    '{"harshness":0.3,"vowels":5,"tone":false,"clusters":false,"concepts":["gong","echo","meadow"]}'
)
EXAMPLE_AGENTS = (
    '{"agents":[{"behaviour":"orbit","near":"gong",'
    '"greeting":{"subject":"I","verb":"hear","rest":"the gong late"},'
    '"on_loud_sound":{"subject":"The sound","verb":"walks","rest":"slowly to you"}}]}'
)

# Prompts that would have produced the example worlds used as few-shot examples.
EXAMPLE_PROMPTS = {
    "crawling_sound": "sound crawls slower than running and sinks in pitch as it travels",
    "backward_bells": "a garden where loud sounds turn time backward",
}


class GenerationFailed(RuntimeError):
    """A world could not be generated within the allowed repairs (or the request was invalid)."""


@dataclass(frozen=True)
class WorldRequest:
    """One world to generate: what to tell the model and what to record as its lineage."""

    instruction: str
    """What the model is asked for (the prompt, or a passage, remix or variant instruction)."""
    seed: int = 0
    prompt: str = ""
    """The user's prompt, recorded in lineage ("" for passages)."""
    passage_sha256: str = ""
    parents: tuple[str, ...] = ()
    generator: str = "heterocosm.generate"
    source_text: str = ""
    """What the user supplied (prompt, passage or remix note), checked before any model call."""
    avoid: tuple[WorldIntent, ...] = ()
    """Rule sets the answer must differ from (a variant's parent and siblings)."""


@dataclass
class WorldOutcome:
    """What came of one request: a world, or an error saying what went wrong."""

    request: WorldRequest
    world: WorldSpec | None = None
    intent: WorldIntent | None = None
    error: str | None = None
    attempts: int = 0
    tokens: int = 0
    seconds: float = 0.0
    repairs: list[str] = field(default_factory=list)


@dataclass
class _StageJob:
    """One stage of one world: the conversation, the grammar, and how to check an answer."""

    messages: list[dict[str, str]]
    schema: dict[str, Any] | None
    check: Callable[[Any], tuple[Any, dict[str, str]]]
    seed: int
    max_tokens: int
    grammar: str | None = None
    value: Any = None
    problems: dict[str, str] = field(default_factory=dict)
    good: dict[str, Any] = field(default_factory=dict)
    attempts: int = 0
    tokens: int = 0
    repairs: list[str] = field(default_factory=list)


MAX_PASSAGE_CHARACTERS = 100_000


def check_request(request: WorldRequest) -> None:
    """GenerationFailed if what the user gave is unusable (empty, too long, control characters)."""
    text = request.source_text
    what = "passage" if request.passage_sha256 else "prompt"
    limit = MAX_PASSAGE_CHARACTERS if request.passage_sha256 else LIMITS.text_length
    if not text.strip():
        raise GenerationFailed(f"the {what} is empty; describe the world you want")
    if len(text) > limit:
        raise GenerationFailed(
            f"the {what} is {len(text)} characters; at most {limit} are accepted"
        )
    if re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", text):
        raise GenerationFailed(f"the {what} contains control characters; write plain text")


class WorldGenerator:
    """Generates worlds with one backend, each stage under its grammar, with bounded repair."""

    def __init__(
        self,
        backend: Backend,
        *,
        max_repairs: int = 3,
        temperature: float = 0.8,
        stages: tuple[str, ...] = STAGES,
        examples: list[tuple[str, WorldIntent]] | None = None,
        progress: bool = False,
        choose_fields: bool = True,
    ) -> None:
        unknown = [stage for stage in stages if stage not in STAGES]
        if unknown or "rules" not in stages:
            raise ValueError(f"stages must include rules and come from {STAGES}, got {stages}")
        self.backend = backend
        self.max_repairs = max_repairs
        self.temperature = temperature
        self.stages = stages
        self.examples = few_shot_examples() if examples is None else examples
        self.progress = progress
        self.chooser = None
        if choose_fields and callable(getattr(backend, "score_endings", None)):
            from generators.choices import FieldChooser

            self.chooser = FieldChooser(backend)  # type: ignore[arg-type]
        self.stage_totals: dict[str, dict[str, float]] = {}
        """Per stage over this generator's life: seconds, and the backend's counters spent in it
        where it keeps them (tokens, forward passes, prefill/decode/mask seconds); the bench
        reports these."""

    def generate(self, requests: list[WorldRequest]) -> list[WorldOutcome]:
        """One outcome per request, in order; failures are reported in the outcome, not raised."""
        started = time.perf_counter()
        outcomes = [WorldOutcome(request=request) for request in requests]
        live: list[WorldOutcome] = []
        for outcome in outcomes:
            try:
                check_request(outcome.request)
                live.append(outcome)
            except GenerationFailed as error:
                outcome.error = str(error)
        chosen = [self._choose_fields(outcome.request) for outcome in live]
        jobs = [self._rules_job(o.request, fields) for o, fields in zip(live, chosen, strict=True)]
        finished = self._run_and_keep("rules", jobs, live)
        for outcome, job in finished:
            outcome.intent = job.value
        live = [outcome for outcome, _ in finished]
        languages: dict[int, LanguageSpec] = {}
        agents: dict[int, AgentsIntent] = {}
        names: dict[int, list[str]] = {}
        if "language" in self.stages:
            jobs = [self._language_job(o) for o in live]
            finished = self._run_and_keep("language", jobs, live)
            languages.update((id(outcome), job.value) for outcome, job in finished)
            live = [outcome for outcome, _ in finished]
        if "agents" in self.stages and "language" in self.stages:
            jobs = [self._agents_job(o, languages[id(o)]) for o in live]
            finished = self._run_and_keep("agents", jobs, live)
            agents.update((id(outcome), job.value) for outcome, job in finished)
            live = [outcome for outcome, _ in finished]
        if "language" in self.stages:
            jobs = [
                self._names_job(
                    o, languages[id(o)], len(agents[id(o)].agents) if id(o) in agents else 0
                )
                for o in live
            ]
            finished = self._run_and_keep("names", jobs, live)
            names.update((id(outcome), job.value) for outcome, job in finished)
            live = [outcome for outcome, _ in finished]
        for outcome in live:
            self._assemble(outcome, languages, agents, names)
        elapsed = time.perf_counter() - started
        for outcome in outcomes:
            outcome.seconds = elapsed
        return outcomes

    def _assemble(
        self,
        outcome: WorldOutcome,
        languages: dict[int, LanguageSpec],
        agents: dict[int, AgentsIntent],
        names: dict[int, list[str]],
    ) -> None:
        """Expand the chosen intents into a world and check it the way ``heterocosm check`` does:
        written out and read back."""
        assert outcome.intent is not None
        key = id(outcome)
        language = languages.get(key)
        try:
            if language is not None:
                # Validate the renamed language in full (model_copy would skip validation).
                data = language.model_dump(mode="json")
                data["name"] = names[key][0]
                language = LanguageSpec.model_validate(data)
            world = expand_world(
                outcome.intent,
                outcome.request.seed,
                language=language,
                agent_names=names.get(key, [])[1:],
                agents=agents.get(key),
                lineage=self._lineage(outcome),
            )
            outcome.world = loads_world(dump_world(world), f"generated {world.meta.name}")
        except (ValidationError, ValueError, WorldError) as error:
            outcome.error = f"the generated world is invalid: {error}"

    def _run_and_keep(
        self, stage: str, jobs: list[_StageJob], live: list[WorldOutcome]
    ) -> list[tuple[WorldOutcome, _StageJob]]:
        """Run one stage's jobs for the live outcomes; the (outcome, job) pairs that succeeded
        (a failed one records its error on its outcome and drops out)."""
        self._run_stage(stage, jobs, live)
        return [
            (outcome, job)
            for outcome, job in zip(live, jobs, strict=True)
            if self._take(outcome, job, stage)
        ]

    def _take(self, outcome: WorldOutcome, job: _StageJob, stage: str) -> bool:
        outcome.attempts += job.attempts
        outcome.tokens += job.tokens
        outcome.repairs += [f"{stage}: {repair}" for repair in job.repairs]
        if job.value is None:
            problems = "; ".join(job.problems.values()) or "no answer"
            outcome.error = (
                f"could not generate a valid {stage} stage in {job.attempts} attempts "
                f"(model {self.backend.model_name}): {problems}"
            )
            return False
        return True

    def _lineage(self, outcome: WorldOutcome) -> Lineage:
        request = outcome.request
        settings: dict[str, Any] = {
            "seed": request.seed,
            "temperature": self.temperature,
            "max_repairs": self.max_repairs,
            "stages": ",".join(self.stages),
            "attempts": outcome.attempts,
            "field_choice": "likelihood" if self.chooser and not request.avoid else "sampled",
        }
        for key, value in self.backend.describe().items():
            if isinstance(value, (str, int, float, bool)):
                settings[key] = value
        return Lineage(
            parents=request.parents,
            prompt=request.prompt,
            passage_sha256=request.passage_sha256,
            model=self.backend.model_name[:200],
            generator=f"{request.generator} {GENERATOR_VERSION}",
            settings=settings,
        )

    # Stage jobs ---------------------------------------------------------------------------

    def _choose_fields(self, request: WorldRequest) -> dict[str, Any]:
        """The categorical fields the request's words make most likely ({} when the backend
        cannot score, or for remixes and variants, which must move away from their parents)."""
        if self.chooser is None or request.avoid:
            return {}
        with self._measured("choices"):
            return self.chooser.choose(
                request.instruction, request.seed, CHOICE_TEMPERATURE_SHARE * self.temperature
            )

    @contextlib.contextmanager
    def _measured(self, stage: str) -> Iterator[None]:
        """Adds the time and the backend's counters spent inside the block to ``stage``."""
        counters = getattr(self.backend, "counters", None)
        before = counters() if callable(counters) else {}
        started = time.perf_counter()
        try:
            yield
        finally:
            totals = self.stage_totals.setdefault(stage, {})
            totals["seconds"] = totals.get("seconds", 0.0) + time.perf_counter() - started
            after = counters() if callable(counters) else {}
            for key, value in after.items():
                totals[key] = totals.get(key, 0) + value - before.get(key, 0)

    def _rules_job(self, request: WorldRequest, chosen: dict[str, Any] | None = None) -> _StageJob:
        messages = [{"role": "system", "content": SYSTEM_RULES}]
        for example_prompt, example in self.examples:
            messages.append({"role": "user", "content": f"Design a world: {example_prompt}"})
            messages.append({"role": "assistant", "content": _compact(example)})
        messages.append({"role": "user", "content": request.instruction})

        def check(data: Any) -> tuple[Any, dict[str, str]]:
            intent, problems = _parse(WorldIntent, data)
            if intent is None:
                return None, problems
            problems = world_intent_problems(intent, request.prompt or request.instruction)
            rules_only = _rules_key(intent)
            if any(rules_only == _rules_key(other) for other in request.avoid):
                problems["*"] = "the rule set is the same as its parent's; change the rules"
            return (None if problems else intent), problems

        # Fields chosen by likelihood are fixed in the grammar (the decoder jumps over them).
        schema = repair_schema(stage_schema(WorldIntent), chosen or {})
        return _StageJob(messages, schema, check, request.seed, max_tokens=420)

    def _language_job(self, outcome: WorldOutcome) -> _StageJob:
        from generators.language import LanguageFlavour, generate_language

        intent = outcome.intent
        assert intent is not None
        seed = outcome.request.seed
        messages = _few_shot(SYSTEM_LANGUAGE, EXAMPLE_LANGUAGE, _world_brief(intent))

        def check(data: Any) -> tuple[Any, dict[str, str]]:
            chosen, problems = _parse(LanguageIntent, data)
            if chosen is None:
                return None, problems
            problems = language_intent_problems(chosen)
            if problems:
                return None, problems
            try:
                flavour = LanguageFlavour(
                    harshness=float(chosen.harshness),
                    vowel_count=chosen.vowels,
                    clusters=chosen.clusters,
                    tone=chosen.tone,
                    name="Unnamed",
                )
                return generate_language(seed, flavour, world_concepts(chosen, intent)), {}
            except (ValueError, ValidationError) as error:
                return None, {"*": f"the language could not be built: {error}"}

        return _StageJob(messages, stage_schema(LanguageIntent), check, seed + 1, max_tokens=120)

    def _agents_job(self, outcome: WorldOutcome, language: LanguageSpec) -> _StageJob:
        from engine.language.translation import translate

        intent = outcome.intent
        assert intent is not None
        things = [thing.name for thing in intent.things]
        messages = _few_shot(SYSTEM_AGENTS, EXAMPLE_AGENTS, _world_brief(intent))

        def check(data: Any) -> tuple[Any, dict[str, str]]:
            chosen, problems = _parse(AgentsIntent, data)
            if chosen is None:
                return None, problems
            problems = agents_intent_problems(chosen)
            if any(agent.near not in things for agent in chosen.agents):
                problems["agents"] = f"near must name one of the things: {things}"
            for agent in chosen.agents:
                for line in (agent.greeting.text, agent.on_loud_sound.text):
                    try:
                        translate(language, line)
                    except ValueError as error:
                        problems["agents"] = f"line {line!r} cannot be said: {error}"
            return (None if problems else chosen), problems

        schema = stage_schema(AgentsIntent, near=things, verb=VERB_FORMS)
        return _StageJob(messages, schema, check, outcome.request.seed + 2, max_tokens=260)

    def _names_job(self, outcome: WorldOutcome, language: LanguageSpec, agents: int) -> _StageJob:
        """Names for the language and each agent, each one or two of the language's own words.

        The grammar lists the lexicon (``engine.language.grammar``), so every name is made of
        legal words of bounded length; the prompt glosses the words so the model can pick meaning.
        """
        from engine.language.grammar import language_grammar
        from engine.language.romanise import romanise_word

        count = 1 + agents
        # Two spare names: a small model often repeats one, and the first distinct ones are kept.
        asked = count + 2
        word_rules = language_grammar(language, mode="lexicon", script="roman").splitlines()[1:]
        root = "root ::= " + ' "," '.join(["word word?"] * asked)
        grammar = "\n".join([root, *word_rules]) + "\n"
        intent = outcome.intent
        assert intent is not None
        nouns = [entry for entry in language.lexicon if entry.pos == "noun"]
        # The world's own concepts are added last by the language generator; show them first.
        glossary = ", ".join(
            f"{romanise_word(language, entry.form)} ({entry.gloss})" for entry in nouns[::-1][:24]
        )
        wanted = ["the language's own name"]
        wanted += [f"the name of creature {index + 1}" for index in range(agents)]
        wanted += ["two spare names"]
        ask = f"write {asked} different names separated by commas: " + ", then ".join(wanted)
        messages = [
            {
                "role": "user",
                "content": f"{_world_brief(intent)}\nWords of its language: {glossary}.\n"
                f"Using these words, {ask}.",
            }
        ]

        def check(text: Any) -> tuple[Any, dict[str, str]]:
            words = [word.strip() for word in str(text).split(",")]
            if len(words) != asked or any(not re.fullmatch(r"[^\s,]{2,40}", w) for w in words):
                return None, {"*": f"write exactly {asked} names of 2 or more letters"}
            distinct: list[str] = []
            for word in words:
                if word.lower() not in {name.lower() for name in distinct}:
                    distinct.append(word)
            if len(distinct) < count:
                return None, {"*": f"the names repeat ({words}); write {asked} different names"}
            return [word[:1].upper() + word[1:] for word in distinct[:count]], {}

        return _StageJob(
            messages, None, check, outcome.request.seed + 3, max_tokens=14 * asked, grammar=grammar
        )

    # The repair loop ----------------------------------------------------------------------

    def _run_stage(
        self, stage: str, jobs: list[_StageJob], outcomes: list[WorldOutcome]
    ) -> list[_StageJob]:
        with self._measured(stage):
            self._repair_loop(stage, jobs)
        return jobs

    def _repair_loop(self, stage: str, jobs: list[_StageJob]) -> None:
        pending = list(jobs)
        for attempt in range(self.max_repairs + 1):
            if not pending:
                break
            if self.progress:
                print(
                    f"{stage}: {len(pending)} to generate (attempt {attempt + 1})", file=sys.stderr
                )
            requests = [self._request(job, attempt) for job in pending]
            results = self.backend.generate(requests)
            still = []
            for job, result in zip(pending, results, strict=True):
                job.attempts += 1
                job.tokens += result.tokens
                if result.error is not None:
                    job.problems, job.good = {"*": result.error}, {}
                else:
                    self._check(job, result.text)
                if job.value is None:
                    job.repairs.append("; ".join(job.problems.values()))
                    still.append(job)
            pending = still

    def _check(self, job: _StageJob, text: str) -> None:
        data: Any = text
        if job.schema is not None:
            try:
                data = json.loads(text)
            except json.JSONDecodeError as error:
                job.problems, job.good = {"*": f"the answer is not JSON ({error})"}, {}
                return
        value, problems = job.check(data)
        if not problems:
            job.value, job.problems = value, {}
            return
        job.problems = problems
        properties = (job.schema or {}).get("properties", {})
        if isinstance(data, dict) and "*" not in problems:
            # Keep what was right: a repair regenerates only the failing properties.
            job.good = {k: v for k, v in data.items() if k in properties and k not in problems}
        else:
            job.good = {}

    def _request(self, job: _StageJob, attempt: int) -> GenerationRequest:
        messages = [dict(message) for message in job.messages]
        schema = job.schema
        if attempt > 0 and job.problems:
            notes = "; ".join(job.problems.values())
            messages[-1]["content"] += f"\n(Your previous answer had problems: {notes}. Fix them.)"
            if schema is not None and job.good:
                schema = repair_schema(schema, job.good)
        return GenerationRequest(
            messages=messages,
            schema=schema,
            grammar=job.grammar,
            max_tokens=job.max_tokens,
            # Each repair samples a little hotter, so a model stuck repeating itself can escape.
            temperature=self.temperature * (1.0 + 0.15 * attempt) if self.temperature else 0.0,
            seed=job.seed + 7919 * attempt,
        )


def _parse(model: type[Any], data: Any) -> tuple[Any, dict[str, str]]:
    """``data`` validated as ``model``, or None and the problems by field."""
    try:
        return model.model_validate(data), {}
    except ValidationError as error:
        return None, validation_problems(error)


def _few_shot(system: str, example_answer: str, brief: str) -> list[dict[str, str]]:
    """A stage's conversation: its instructions, one worked example, then this world's brief."""
    return [
        {"role": "system", "content": system},
        {"role": "user", "content": EXAMPLE_BRIEF},
        {"role": "assistant", "content": example_answer},
        {"role": "user", "content": brief},
    ]


def _compact(intent: WorldIntent) -> str:
    return json.dumps(intent.model_dump(mode="json"), separators=(",", ":"))


def _rules_key(intent: WorldIntent) -> str:
    return json.dumps(intent.model_dump(mode="json", exclude={"name", "description"}))


def _world_brief(intent: WorldIntent) -> str:
    things = ", ".join(thing.name for thing in intent.things)
    return f"World: {intent.name}. {intent.description} Things in it: {things}."


def few_shot_examples() -> list[tuple[str, WorldIntent]]:
    """(prompt, intent) pairs read from the example worlds shipped in worlds/."""
    from engine.resources import worlds_dir

    examples = []
    for stem, prompt in EXAMPLE_PROMPTS.items():
        path = worlds_dir() / f"{stem}.toml"
        try:
            examples.append((prompt, summarise_world(load_world(path))))
        except (OSError, WorldError):
            continue  # a missing example only makes the prompt shorter
    return examples


def prompt_request(prompt: str, seed: int) -> WorldRequest:
    """A request for a world from a prompt."""
    return WorldRequest(
        instruction=f"Design a world: {prompt.strip()}",
        seed=seed,
        prompt=prompt.strip(),
        source_text=prompt,
    )


def passage_request(passage: str, seed: int) -> WorldRequest:
    """A request for a world that a passage of text evokes (the passage's digest is recorded)."""
    import hashlib

    digest = hashlib.sha256(passage.encode("utf-8")).hexdigest()
    excerpt = re.sub(r"\s+", " ", passage).strip()[:1500]
    return WorldRequest(
        instruction=f"Design a world that this passage evokes: {excerpt}",
        seed=seed,
        passage_sha256=digest,
        generator="heterocosm.generate-from-passage",
        source_text=passage,
    )
