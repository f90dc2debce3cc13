"""Benchmark of world generation with the embedded model (or --model), against baselines run here.

Prints, as ratios against baselines measured in the same run:
- constrained generation: median seconds to a valid world over the prompts, validity rate, and
  intent (the fraction of each prompt's required properties the world meets), with where the
  time went by stage (choices, rules, language, agents, names: prompt and cached prompt tokens,
  generated and jumped tokens, forward passes, prefill/decode/mask seconds);
- intent on ADDED_PROMPTS, written after the first ten and worded differently from the phrases
  the field choices are scored with (rules stage only: the rules decide these properties);
- diversity: distinct rule sets across seeds of one prompt;
- constrained vs unconstrained generate-then-retry on the same prompts (rules stage: time to a
  valid rule set, ratio);
- decode tokens/s of transformers against llama.cpp (llama-cpp-python) running the same GGUF
  with the same thread count (ratio): the backend's own decode loop, and ``model.generate`` as
  the first version used it; the grammar mask's cost per sampled token in microseconds;
- on a GPU: worlds per minute (local backend, one at a time and in batches of 8); for a
  server, point ``heterocosm generate --batch`` at it and read the results log.

Usage: .venv/bin/python bench/generate.py [--prompts 10] [--seeds 5] [--tries 3] [--threads N]
The full run takes tens of minutes on a 2-core CPU; --prompts 3 --seeds 3 is a quick look.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable

from engine.rules import WorldSpec
from engine.rules.physics import Drag, Gravity, UniformField

# Each prompt with the properties a faithful world must have.
PROMPTS: list[tuple[str, dict[str, Callable[[WorldSpec], bool]]]] = [
    (
        "sound travels slower than walking",
        {"speed of sound < 1.4 m/s": lambda w: w.acoustics.speed_of_sound < 1.4},
    ),
    (
        "light crawls slower than a walk",
        {"speed of light < 1.4 m/s": lambda w: w.light.speed_of_light < 1.4},
    ),
    ("time runs backward", {"time direction backward": lambda w: w.time.direction == "backward"}),
    (
        "things stop the moment nothing pushes them",
        {"aristotelian motion": lambda w: w.physics.motion == "aristotelian"},
    ),
    (
        "gravity pushes things apart instead of pulling",
        {
            "repulsive or upward gravity": lambda w: any(
                (isinstance(law, Gravity) and law.strength < 0)
                or (isinstance(law, UniformField) and law.acceleration[1] > 0)
                for law in w.physics.laws
            )
        },
    ),
    (
        "loud sounds turn time backward",
        {
            "loud sound reverses time": lambda w: any(
                t.event == "loud_sound" and t.effect == "reverse" for t in w.time.triggers
            )
        },
    ),
    (
        "you can shrink to the size of a microbe",
        {"smallest size <= 10 um": lambda w: w.scale.min_explorer_size <= 1e-5},
    ),
    (
        "echoes ring for half a minute",
        {"reverb >= 10 s": lambda w: w.acoustics.reverb.decay_seconds >= 10},
    ),
    (
        "the air is thick as syrup and everything drifts slowly",
        {"strong drag": lambda w: any(isinstance(law, Drag) for law in w.physics.laws)},
    ),
    ("time runs ten times faster than ours", {"time rate >= 5": lambda w: w.time.rate >= 5}),
]

# More prompts, in other words than the ten above and than ``generators.choices``'s sentences,
# to check that choosing fields by likelihood is not fitted to one wording.
ADDED_PROMPTS: list[tuple[str, dict[str, Callable[[WorldSpec], bool]]]] = [
    (
        "you can outrun your own voice",
        {"speed of sound < 5 m/s": lambda w: w.acoustics.speed_of_sound < 5},
    ),
    (
        "a lantern's glow takes minutes to cross a room",
        {"speed of light < 5 m/s": lambda w: w.light.speed_of_light < 5},
    ),
    (
        "clocks tick in reverse and rivers flow uphill",
        {"time direction backward": lambda w: w.time.direction == "backward"},
    ),
    (
        "objects fly apart as if they hated one another",
        {
            "repulsive gravity": lambda w: any(
                isinstance(law, Gravity) and law.strength < 0 for law in w.physics.laws
            )
        },
    ),
    (
        "a shout sends the world a few seconds into its past",
        {
            "loud sound reverses time": lambda w: any(
                t.event == "loud_sound" and t.effect == "reverse" for t in w.time.triggers
            )
        },
    ),
    (
        "everything falls toward the sky",
        {
            "upward gravity": lambda w: any(
                isinstance(law, UniformField) and law.acceleration[1] > 0 for law in w.physics.laws
            )
        },
    ),
    ("a whole day passes in the blink of an eye", {"time rate > 1": lambda w: w.time.rate > 1}),
    (
        "a sea of honey where swimmers barely move",
        {"drag": lambda w: any(isinstance(law, Drag) for law in w.physics.laws)},
    ),
    (
        "you can grow as large as a planet",
        {"largest size >= 1000 km": lambda w: w.scale.max_explorer_size >= 1e6},
    ),
    (
        "a cathedral where every word lingers for thirty seconds",
        {"reverb >= 10 s": lambda w: w.acoustics.reverb.decay_seconds >= 10},
    ),
]


def _report(name: str, value: object) -> None:
    print(json.dumps({"metric": name, "value": value}), flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompts", type=int, default=10)
    parser.add_argument("--seeds", type=int, default=5, help="seeds of one prompt for diversity")
    parser.add_argument("--tries", type=int, default=3, help="unconstrained attempts per prompt")
    parser.add_argument("--threads", type=int, help="CPU threads for both engines")
    parser.add_argument("--model", help="model for transformers (default: embedded)")
    parser.add_argument(
        "--skip", default="", help="comma list of: worlds,added,diversity,baseline,gpu,llama"
    )
    args = parser.parse_args()
    skip = set(args.skip.split(","))

    import torch

    from generators.backends.base import GenerationRequest
    from generators.backends.local import LocalBackend, idle_cpu_count
    from generators.intent import WorldIntent, summarise_world
    from generators.world import WorldGenerator, _rules_key, prompt_request

    threads = args.threads or idle_cpu_count()
    backend = LocalBackend(args.model, threads=threads, progress=False)
    _report("device", backend.device)
    _report("threads", threads)
    prompts = PROMPTS[: args.prompts]

    if "worlds" not in skip:
        generator = WorldGenerator(backend)
        seconds, valid, met, total = [], 0, 0, 0
        backend.mask_seconds, backend.mask_calls = 0.0, 0
        for index, (prompt, checks) in enumerate(prompts):
            started = time.perf_counter()
            outcome = generator.generate([prompt_request(prompt, index)])[0]
            elapsed = time.perf_counter() - started
            row = {"prompt": prompt, "seconds": round(elapsed, 1), "tokens": outcome.tokens}
            row["attempts"] = outcome.attempts
            if outcome.world is not None:
                valid += 1
                seconds.append(elapsed)
                results = {name: bool(check(outcome.world)) for name, check in checks.items()}
                met += sum(results.values())
                row["intent"] = results
            else:
                row["error"] = outcome.error
            total += len(checks)
            print(json.dumps(row), flush=True)
        _report(
            "median_seconds_to_valid_world",
            round(statistics.median(seconds), 1) if seconds else None,
        )
        _report("validity_rate", valid / len(prompts))
        _report("intent_met_fraction", met / total if total else None)
        if backend.mask_calls:
            _report("mask_us_per_token", round(backend.mask_seconds / backend.mask_calls * 1e6, 1))
        _report(
            "stages", {stage: _rounded(totals) for stage, totals in generator.stage_totals.items()}
        )
        decoding = [
            totals for stage, totals in generator.stage_totals.items() if stage != "choices"
        ]
        generated = sum(totals.get("generated_tokens", 0) for totals in decoding)
        passes = sum(totals.get("forward_passes", 0) for totals in decoding)
        decode_seconds = sum(totals.get("decode_seconds", 0) for totals in decoding)
        if passes and decode_seconds:
            _report("generated_tokens_per_forward_pass", round(generated / passes, 2))
            _report("constrained_generated_tokens_per_second", round(generated / decode_seconds, 1))

    if "added" not in skip:
        generator = WorldGenerator(backend, stages=("rules",))
        met, total = 0, 0
        for index, (prompt, checks) in enumerate(ADDED_PROMPTS):
            outcome = generator.generate([prompt_request(prompt, 100 + index)])[0]
            row: dict[str, object] = {"added_prompt": prompt}
            if outcome.world is not None:
                results = {name: bool(check(outcome.world)) for name, check in checks.items()}
                met += sum(results.values())
                row["intent"] = results
            else:
                row["error"] = outcome.error
            total += len(checks)
            print(json.dumps(row), flush=True)
        _report("added_prompts_intent_met_fraction", met / total)

    if "diversity" not in skip:
        generator = WorldGenerator(backend, stages=("rules",))
        keys = []
        for seed in range(args.seeds):
            outcome = generator.generate([prompt_request(prompts[0][0], 1000 + seed)])[0]
            if outcome.world is not None:
                keys.append(_rules_key(summarise_world(outcome.world)))
        _report("distinct_rule_sets_of_seeds", f"{len(set(keys))}/{args.seeds}")

    if "baseline" not in skip:
        constrained = WorldGenerator(backend, stages=("rules",))
        constrained_times, free_times, free_valid = [], [], 0
        for index, (prompt, _) in enumerate(prompts):
            started = time.perf_counter()
            outcome = constrained.generate([prompt_request(prompt, index)])[0]
            if outcome.world is not None:
                constrained_times.append(time.perf_counter() - started)
            # Unconstrained: the same conversation, no grammar; retry until it validates.
            job = constrained._rules_job(prompt_request(prompt, index))
            started = time.perf_counter()
            for attempt in range(args.tries):
                request = GenerationRequest(
                    messages=job.messages, schema=None, max_tokens=job.max_tokens,
                    temperature=0.8, seed=index + 7919 * attempt,
                )  # fmt: skip
                text = backend.generate([request])[0].text
                try:
                    WorldIntent.model_validate_json(text.strip())
                except ValueError:
                    continue
                free_valid += 1
                free_times.append(time.perf_counter() - started)
                break
        _report("constrained_rules_median_seconds", _median(constrained_times))
        _report("unconstrained_rules_valid_rate", free_valid / len(prompts))
        _report("unconstrained_rules_median_seconds_when_valid", _median(free_times))
        _report("unconstrained_tries_per_prompt", args.tries)
        if constrained_times and free_times:
            ratio = statistics.median(free_times) / statistics.median(constrained_times)
            _report("unconstrained_over_constrained_time_ratio", round(ratio, 2))

    if "gpu" not in skip and backend.device.startswith("cuda"):
        # Worlds per minute on the GPU: one at a time through the decode loop (the default)
        # against batches of 8 through model.generate, on the same 8 prompts.
        requests = [prompt_request(prompt, 500 + i) for i, (prompt, _) in enumerate(PROMPTS)]
        for batch_size in (1, 8):
            backend.batch_size = batch_size
            batched = WorldGenerator(backend)
            started = time.perf_counter()
            outcomes = batched.generate(requests[:8])
            minutes = (time.perf_counter() - started) / 60
            made = sum(outcome.world is not None for outcome in outcomes)
            _report(f"gpu_local_worlds_per_minute_batch_{batch_size}", round(made / minutes, 1))
        backend.batch_size = 1

    if "llama" not in skip:
        try:
            from llama_cpp import Llama

            from generators.embedded import embedded_gguf_path
        except ImportError as error:
            print(f"llama.cpp comparison skipped: {error}", file=sys.stderr)
            return 1
        llama = Llama(
            model_path=str(embedded_gguf_path()), n_threads=threads, n_ctx=1024, verbose=False
        )
        tokens = 128
        prompt = "Write a long story about a world where sound is slower than walking."
        encoded = backend.tokenizer(prompt, return_tensors="pt").to(backend.device)
        ids = encoded["input_ids"][0].tolist()

        def decode_loop() -> float:
            # The backend's own loop, unconstrained and greedy, exactly ``tokens`` tokens.
            backend.decoder.prefix_cache = type(backend.decoder.prefix_cache)()  # cold prompt
            started = time.perf_counter()
            decoded = backend.decoder.generate(
                ids, None, max_tokens=tokens, temperature=0.0, seed=0, min_tokens=tokens
            )
            return len(decoded.token_ids) / (time.perf_counter() - started)

        def model_generate() -> float:
            with torch.inference_mode():
                started = time.perf_counter()
                backend.model.generate(
                    **encoded, max_new_tokens=tokens, min_new_tokens=tokens, do_sample=False
                )
                return tokens / (time.perf_counter() - started)

        def llama_cpp() -> float:
            llama.reset()  # no reuse of the previous round's prompt
            started = time.perf_counter()
            # End-of-sequence banned so both engines decode exactly ``tokens`` tokens.
            completion = llama.create_completion(
                prompt, max_tokens=tokens, temperature=0.0, logit_bias={llama.token_eos(): -1e9}
            )
            return completion["usage"]["completion_tokens"] / (time.perf_counter() - started)

        # Interleaved rounds, medians: the machine's load changes from minute to minute.
        rates: dict[str, list[float]] = {"decode": [], "generate": [], "llama": []}
        for _ in range(3):
            rates["decode"].append(decode_loop())
            rates["generate"].append(model_generate())
            rates["llama"].append(llama_cpp())
        hf_rate, generate_rate, llama_rate = (statistics.median(rates[k]) for k in rates)
        _report("transformers_tokens_per_second", round(hf_rate, 1))
        _report("transformers_model_generate_tokens_per_second", round(generate_rate, 1))
        _report("llama_cpp_tokens_per_second", round(llama_rate, 1))
        _report("transformers_over_llama_cpp_ratio", round(hf_rate / llama_rate, 3))
        _report("model_generate_over_llama_cpp_ratio", round(generate_rate / llama_rate, 3))
    return 0


def _rounded(totals: dict[str, float]) -> dict[str, float]:
    return {key: round(value, 2) for key, value in totals.items() if value}


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


if __name__ == "__main__":
    sys.exit(main())
