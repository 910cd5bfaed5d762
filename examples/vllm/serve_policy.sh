#!/usr/bin/env bash
# Serve a policy with vLLM's OpenAI-compatible server, set up for envgym: tool calling on, token ids
# and logprobs available per request. Needs a CUDA GPU and `pip install "vllm>=0.10.2"` (the first
# release whose chat endpoint accepts `return_token_ids`); it cannot run on a CPU-only machine.
#   usage: examples/vllm/serve_policy.sh [MODEL] [PORT]      (default: Qwen/Qwen2.5-1.5B-Instruct 8001)
set -euo pipefail
MODEL="${1:-Qwen/Qwen2.5-1.5B-Instruct}"
PORT="${2:-8001}"
# --enable-auto-tool-choice + --tool-call-parser: the model's tool calls come back as OpenAI
#   `tool_calls` (hermes is the parser for Qwen2.5/Qwen3; llama3_json for Llama 3.x, mistral, ...).
# --served-model-name policy: envgym (and your trainer) address it by a stable name.
# --max-model-len: keep multi-turn episodes inside the context; longer ones end `truncated`.
exec vllm serve "$MODEL" --port "$PORT" --served-model-name policy \
  --enable-auto-tool-choice --tool-call-parser hermes \
  --max-model-len 16384 --gpu-memory-utilization 0.85 --seed 0
