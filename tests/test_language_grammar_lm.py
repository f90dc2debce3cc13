"""The embedded model writing in an invented language under the language's EBNF grammar.

Owns: an end-to-end check with SmolLM2 (the embedded GGUF, converted once and cached by
``generators.embedded``): its real tokenizer's tokens for a translated sentence pass the grammar
matcher and an illegal word does not, and constrained generation produces only words the
language allows.
"""

from __future__ import annotations

import unicodedata

import pytest
import xgrammar as xgr

from engine.language.features import nfd
from engine.language.grammar import language_grammar
from engine.language.translation import inflected_forms, translate
from generators.language import generate_language

pytestmark = pytest.mark.lm


@pytest.fixture(scope="module")
def model_and_tokenizer():  # type: ignore[no-untyped-def]
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from generators.embedded import embedded_model_dir

    directory = embedded_model_dir(progress=False)
    tokenizer = AutoTokenizer.from_pretrained(str(directory))
    model = AutoModelForCausalLM.from_pretrained(str(directory), torch_dtype=torch.float32)
    model.eval()
    return model, tokenizer


def test_embedded_model_writes_only_legal_words(model_and_tokenizer) -> None:  # type: ignore[no-untyped-def]
    import torch

    from generators.constrained import GrammarCompiler, GrammarLogitsProcessor

    model, tokenizer = model_and_tokenizer
    spec = generate_language(7)
    stop_ids = [tokenizer.eos_token_id]
    compiler = GrammarCompiler(tokenizer, model.config.vocab_size, stop_ids)
    compiled = compiler.ebnf(language_grammar(spec, "lexicon+coinages"))

    # The real tokenizer's tokens for a translated sentence are accepted; an illegal word is not.
    sentence = unicodedata.normalize("NFC", translate(spec, "the river remembers the stone").text)
    matcher = xgr.GrammarMatcher(compiled)
    assert all(
        matcher.accept_token(t) for t in tokenizer.encode(sentence, add_special_tokens=False)
    )
    assert matcher.accept_token(stop_ids[0])
    illegal = xgr.GrammarMatcher(compiled)
    tokens = tokenizer.encode("qqqq", add_special_tokens=False)
    assert not all(illegal.accept_token(t) for t in tokens)

    prompt = tokenizer.apply_chat_template(
        [{"role": "user", "content": f"Say something in the {spec.name} language."}],
        tokenize=False,
        add_generation_prompt=True,
    )
    inputs = tokenizer(prompt, return_tensors="pt")
    processor = GrammarLogitsProcessor(compiled, batch_size=1)
    torch.manual_seed(0)
    with torch.no_grad():
        output = model.generate(
            **inputs,
            max_new_tokens=24,
            do_sample=True,
            temperature=1.0,
            logits_processor=[processor],
            eos_token_id=stop_ids,
            pad_token_id=stop_ids[0],
        )
    text = tokenizer.decode(output[0, inputs["input_ids"].shape[1] :], skip_special_tokens=True)
    words = text.rstrip(".!?").split(" ")
    assert words and words[0]
    phonotactics = spec.phonotactics()
    lexicon_words = set(inflected_forms(spec))
    finished = processor.all_terminated()
    for index, word in enumerate(words):
        if index == len(words) - 1 and not finished:
            continue  # cut off by max_new_tokens: the last word may be a legal prefix only
        assert phonotactics.is_legal(nfd(word)) or nfd(word) in lexicon_words, word
