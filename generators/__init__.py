"""heterocosm's generators: everything that makes a world.

Language-model backends, constrained decoding, and the rule-set, language and narration
generators, remix, variants and lineage. Produces ``engine.rules`` models; may import
``engine.rules`` and ``engine.language`` but never the renderer, audio or window.
"""
