"""Attribution ground truth: what each channel really caused, and how wrong each attribution model
is.

- `truth`: the model's own credit of each touch of a conversion (the `touch_credited` events, from
  `agents.effects`) as the `raw_attribution_truth` table;
- `models`: the five attribution models of the warehouse's `attribution_touches` mart (first
  touch, last touch, linear, position-based, time decay), computed from the event log;
- `incrementality`: the world as it is against the same world with one platform switched off
  (common random numbers), over replications: spend, sign-ups, orders and revenue caused;
- `compare`: truth against the five models per platform (`jaffle-sim score OUT --attribution`).
"""
