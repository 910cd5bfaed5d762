#!/usr/bin/env bash
# Evaluate the vLLM-served policy with `envgym eval`, keeping per-turn token ids and logprobs in the
# episode records, then turn those records into training samples (samples.jsonl).
#   usage: examples/vllm/eval_with_tokens.sh [ENV] [MODEL_URL] [OUT]
#   e.g.   examples/vllm/eval_with_tokens.sh debug/counter http://127.0.0.1:8001/v1 runs/counter-policy
# Add `--server http://HOST:8000` to the eval line to play the episodes on an envgym server.
set -euo pipefail
ENV_ID="${1:-debug/counter}"
MODEL_URL="${2:-http://127.0.0.1:8001/v1}"
OUT="${3:-runs/vllm-$(date +%Y%m%d-%H%M%S)}"
HERE="$(cd "$(dirname "$0")" && pwd)"
envgym eval "$ENV_ID" --agent openai --model policy --base-url "$MODEL_URL" \
  --agent-set return_token_ids=true --agent-set logprobs=true \
  --agent-set temperature=1.0 --agent-set max_tokens=1024 \
  -k 4 --concurrency 16 --out "$OUT" --no-progress
python "$HERE/build_samples.py" "$OUT/episodes.jsonl" --out "$OUT/samples.jsonl"
