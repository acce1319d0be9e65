"""What the trust tests know is still missing (measured in docs/accuracy.md)."""

#: Healthy scenarios whose live replay still shows more than the budget of late verdict
#: changes (ok <-> excellent as a run keeps improving, KL's slow wander across 5%).
OVER_BUDGET = frozenset(
    {"capacity", "sum-reduced", "warmup-zero", "eval-nan", "resume-short", "power-law"}
)
