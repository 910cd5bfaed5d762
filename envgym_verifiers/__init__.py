"""The verifiers plugin id for envgym (verifiers imports tasksets and envs by top-level module name).
Everything lives in ``envgym.adapters.verifiers``."""

from envgym.adapters.verifiers import (
    EnvgymData,
    EnvgymEnv,
    EnvgymEnvConfig,
    EnvgymTask,
    EnvgymTaskset,
    EnvgymTasksetConfig,
)

__all__ = ["EnvgymTasksetConfig", "EnvgymData", "EnvgymTask", "EnvgymEnvConfig", "EnvgymEnv", "EnvgymTaskset"]
