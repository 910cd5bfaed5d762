"""The adapters layer: envgym episodes in other frameworks' shapes, each a thin map onto the episode
port or the HTTP protocol (install the framework's extra, e.g. ``pip install 'envgym[trl]'``):

* ``envgym.adapters.gym`` (+ ``gym_spaces``) — Gymnasium (``envgym.make``);
* ``envgym.adapters.ray`` — a Ray actor pool (``EnvWorker``, ``AsyncEnvPool``, ``RayTarget``);
* ``envgym.adapters.training`` — rollouts as token ids, loss masks and rewards;
* ``envgym.adapters.trl`` — TRL's ``GRPOTrainer``: a batched reward function over
  ``/v1/grade/batch``, an ``environment_factory`` class built from an environment's tool schemas,
  and a ``rollout_func`` over streamed ``/v1/rollouts`` (token-in/token-out);
* ``envgym.adapters.skyrl`` — a SkyRL ``BaseTextEnv`` that plays an envgym session on raw text;
* ``envgym.adapters.verl`` — a verl ``AgentLoopBase`` registered as ``envgym`` and a single-turn
  ``compute_score``;
* ``envgym.adapters.openrlhf`` — OpenRLHF's agent ``AgentInstanceBase``/``AgentExecutorBase``;
* ``envgym.adapters.verifiers`` — a verifiers ``MultiTurnEnv`` (prime-rl's native format) that
  drives envgym sessions;
* ``envgym.adapters.text`` — the raw-text episode those trainer adapters share, and
  ``envgym.adapters.rows`` — an environment's tasks as dataset rows.

The framework packages are imported only by their own module.
"""
