"""What the trust tests know is still missing (measured in docs/accuracy.md)."""

#: Healthy scenarios whose live replay still shows more than the budget of late verdict
#: changes: a warm-up that ends after the first quarter (every criterion's first level
#: arrives late), and a 2,000-step power law whose rec, perception and KL cross into their
#: excellent bands one after another late in the run.
OVER_BUDGET = frozenset({"warmup-zero", "power-law"})

#: ``check --follow --json`` also prints the Overall badge's changes, which the in-process
#: count leaves out: here the early KL transient's reassurance (watch -> excellent, held for a
#: quarter of the segment) moves Overall once more after the first quarter.
FOLLOW_OVER_BUDGET = OVER_BUDGET | frozenset({"capacity", "eval-nan", "resume-short"})
