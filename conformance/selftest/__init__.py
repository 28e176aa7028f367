"""``udcodec self-test``: mutation testing of the contract over the bundled reference.

Each mutant of ``catalogue.yaml`` is one exact source edit of a reference module (an off-by-one
bound, a check moved after a commit, a header field dropped, a branch inverted, a filter undone in
the wrong order, ...). The contract runs on each mutant through the normal adapter path
(:mod:`.runner`), and the report names the clauses that caught it, MUST and SHOULD apart.

Why a catalogue of exact edits and not a mutation library (mutmut, cosmic-ray): their operators
are syntactic (flip every ``<``, every constant, every ``and``) and produce thousands of mutants,
most of them trivially equivalent or not mistakes anyone would make, in an order and number that
change with every refactoring; triaging the survivors would be the whole job. An exact edit is a
realistic mistake chosen for a clause family, reads as a diff in review, needs no dependency and
gives the same mutant on every run. When the reference changes under it, its ``old`` snippet no
longer matches exactly once and the catalogue fails to load (exit 2) instead of silently mutating
something else or nothing.
"""
