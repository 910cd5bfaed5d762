"""A small ``transformers`` causal LM served the way vLLM serves one, for tests and benchmarks that
need a policy that really samples (CPU, no download): tiny randomly initialised Qwen2-shaped models
with a byte-level BPE tokenizer trained on the spot, and chat templates taken from installed packages
(TRL ships the templates of the common model families).

``LocalModel(model, tokenizer)`` has the four handlers ``OpenAIServer.serving`` expects:

* ``complete(body)`` — ``POST /v1/completions`` with a prompt of token ids: samples up to
  ``max_tokens`` ids (stopping at the tokenizer's end-of-turn id), returns them verbatim with their
  logprobs (``log_softmax(logits / temperature)``, the distribution sampled from) and the decoded text;
* ``chat(body)`` — ``POST /v1/chat/completions``: renders the messages with the chat template, samples,
  and parses tool calls out of the text with ``tool_parser`` (like ``vllm serve --tool-call-parser``);
* ``tokenize(body)`` / ``detokenize(body)`` — vLLM's ``/tokenize`` (``messages`` or ``prompt``) and ``/detokenize``.

``script(body, prompt_ids) -> str | list[int] | None`` may force what the "model" says on a turn (a
malformed tool call, a reply longer than the budget); forced ids get the model's own logprobs.
``policy_version``, when set, is reported in every answer (as a server that tracks weight updates would).

Example::

        tok = tiny_tokenizer("qwen2_5")
        backend = LocalModel(tiny_model(tok), tok, tool_parser="hermes")
        with OpenAIServer.serving(backend) as server: ...
"""

from __future__ import annotations

import functools
import threading
from typing import Any, Callable

from envgym.agents.tokens import TokenizerRenderer
from envgym.kernel.tool_parsers import ToolCallError, get_parser
from envgym.testing.openai_server import chat_response, completion_response, error_reply

__all__ = ["LocalModel", "tiny_tokenizer", "tiny_model", "FAMILIES", "chat_template", "scripted_calls"]


# Chat-template families the tests and benchmarks use: template file in TRL's package, special
# tokens, end-of-turn token, tool parser, template keyword arguments, and how tool results are shown.
def _family(
    template: str, bos: str | None, eos: str, parser: str, kwargs: dict[str, Any] | None = None, tool_role: str = "tool"
) -> dict[str, Any]:
    return {
        "template": template,
        "bos": bos,
        "eos": eos,
        "parser": parser,
        "kwargs": kwargs or {},
        "tool_role": tool_role,
    }


FAMILIES: dict[str, dict[str, Any]] = {
    "qwen2_5": _family("qwen2_5", None, "<|im_end|>", "hermes"),
    "qwen3": _family("qwen3", None, "<|im_end|>", "hermes"),
    "qwen3_nothink": _family("qwen3", None, "<|im_end|>", "hermes", {"enable_thinking": False}),
    "llama3_2": _family("llama3_2", "<|begin_of_text|>", "<|eot_id|>", "llama3_json"),
    "gemma3": _family("gemma3", "<bos>", "<end_of_turn>", "json", tool_role="user"),
}

_SPECIAL = [
    "<|im_start|>",
    "<|im_end|>",
    "<|endoftext|>",
    "<|begin_of_text|>",
    "<|end_of_text|>",
    "<|start_header_id|>",
    "<|end_header_id|>",
    "<|eot_id|>",
    "<|eom_id|>",
    "<|python_tag|>",
    "<bos>",
    "<eos>",
    "<pad>",
    "<start_of_turn>",
    "<end_of_turn>",
    "[TOOL_CALLS]",
]
_TEXT_TOKENS = ["<tool_call>", "</tool_call>", "<think>", "</think>", "<tool_response>", "</tool_response>"]
_CORPUS = (
    "You are an agent solving a task in an environment. Use the tools provided when they help; when the task "
    "is done, call the tool that submits it. Use the increment tool until the counter is 3, then call submit. "
    'counter = 1 {"name": "increment", "arguments": {"by": 1}} {"name": "submit", "parameters": {}} Error: plain '
    "text does nothing here system user assistant tool ipython model Cutting Knowledge Date: December 2023 Today "
    "Date: 26 Jul 2024 Environment: ipython function type object properties description required integer string "
    "# Tools You may call one or more functions to assist with the user query. reasoning think answer 0123456789"
)


def chat_template(name: str) -> str:
    """A chat template shipped by TRL (``trl/chat_templates/<name>.jinja``), read from the installed package."""
    from importlib import resources

    return resources.files("trl").joinpath("chat_templates", f"{name}.jinja").read_text(encoding="utf-8")


def tiny_tokenizer(family: str = "qwen2_5", vocab_size: int = 2048) -> Any:
    """A byte-level BPE tokenizer trained here on a small corpus, with every family's special tokens,
    the family's chat template, end-of-turn token and (if any) BOS token."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    spec = FAMILIES[family]
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=_SPECIAL,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    # Trained on the templates' own text too, so rendered prompts are short (fast tests).
    tok.train_from_iterator([_CORPUS, *(chat_template(f["template"]) for f in FAMILIES.values())] * 2, trainer=trainer)
    tok.add_tokens(_TEXT_TOKENS)
    hf = PreTrainedTokenizerFast(
        tokenizer_object=tok, eos_token=spec["eos"], pad_token="<pad>", bos_token=spec["bos"] or None
    )
    hf.chat_template = chat_template(spec["template"])
    hf.padding_side = "left"
    return hf


def tiny_model(tokenizer: Any, *, hidden_size: int = 32, layers: int = 2, seed: int = 0) -> Any:
    """A randomly initialised Qwen2-shaped causal LM sized to ``tokenizer`` (CPU, float32)."""
    import torch
    from transformers import Qwen2Config, Qwen2ForCausalLM

    torch.manual_seed(seed)
    config = Qwen2Config(
        vocab_size=len(tokenizer),
        hidden_size=hidden_size,
        intermediate_size=hidden_size * 2,
        num_hidden_layers=layers,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=4096,
        tie_word_embeddings=True,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
        bos_token_id=tokenizer.bos_token_id,
    )
    return Qwen2ForCausalLM(config).eval()


def scripted_calls(tokenizer: Any, *names: str) -> Callable[[dict[str, Any], list[int]], str | None]:
    """A ``LocalModel`` script that makes the model call the tools ``names`` in order (Hermes/Qwen
    format, ended by the tokenizer's end-of-turn token), then leaves it to sample freely."""
    replies = iter(
        f'<tool_call>{{"name": "{name}", "arguments": {{}}}}</tool_call>{tokenizer.eos_token}' for name in names
    )
    return lambda body, prompt: next(replies, None)


@functools.cache
def _cache_arg() -> str:
    import inspect

    from transformers import Qwen2ForCausalLM

    return "cache" if "cache" in inspect.signature(Qwen2ForCausalLM.forward).parameters else "past_key_values"


class LocalModel:
    """Serve ``model`` + ``tokenizer`` with vLLM's request and response shapes (see the module docstring)."""

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        *,
        tool_parser: str | None = None,
        template_kwargs: dict[str, Any] | None = None,
        script: Callable[[dict[str, Any], list[int]], str | list[int] | None] | None = None,
        name: str = "tiny",
        torch_threads: int | None = 1,
    ) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.tool_parser = tool_parser
        self.template_kwargs = dict(template_kwargs or {})
        self.script = script
        self.name = name
        self.policy_version: int | None = None  # reported in answers when set (a server that tracks weight updates)
        self.calls = 0
        if torch_threads:
            import torch

            # Tiny models run ~15x faster on one thread than on two contended ones (measured on a
            # loaded 2-core machine); this is process-wide torch state.
            torch.set_num_threads(torch_threads)
        # One forward pass at a time (the server thread and a trainer may share the model).
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ sampling
    def _sample(self, prompt: list[int], body: dict[str, Any]) -> tuple[list[int], list[float], str]:
        import torch

        max_tokens = int(body.get("max_tokens") or 16)
        temperature = float(body.get("temperature", 1.0))
        stop = {self.tokenizer.eos_token_id, *(body.get("stop_token_ids") or [])}
        forced = self.script(body, prompt) if self.script else None
        if isinstance(forced, str):
            forced = self.tokenizer.encode(forced, add_special_tokens=False)
        generator = torch.Generator().manual_seed(
            int(body["seed"]) * 7919 + self.calls if body.get("seed") is not None else self.calls
        )
        ids: list[int] = []
        logprobs: list[float] = []
        with self._lock, torch.no_grad():
            self.calls += 1
            out = self.model(input_ids=torch.tensor([prompt]), use_cache=True)
            for step in range(max_tokens):
                logits = out.logits[0, -1].float()
                logp = torch.log_softmax(logits / temperature if temperature > 0 else logits, dim=-1)
                if forced is not None:
                    if step >= len(forced):
                        break
                    token = int(forced[step])
                elif temperature <= 0:
                    token = int(torch.argmax(logp))
                else:
                    token = int(torch.multinomial(logp.exp(), 1, generator=generator))
                ids.append(token)
                logprobs.append(float(logp[token]))
                if token in stop and forced is None:
                    break
                cache = out["cache"] if "cache" in out else out["past_key_values"]  # renamed in transformers 5.2x
                out = self.model(input_ids=torch.tensor([[token]]), **{_cache_arg(): cache}, use_cache=True)
        finish = "stop" if (ids and ids[-1] in stop) or (forced is not None and len(forced) <= max_tokens) else "length"
        return ids, logprobs, finish

    def _text(self, ids: list[int], body: dict[str, Any]) -> str:
        return str(self.tokenizer.decode(ids, skip_special_tokens=bool(body.get("skip_special_tokens", True))))

    # ------------------------------------------------------------------ routes
    def complete(self, body: dict[str, Any]) -> Any:
        prompt = body.get("prompt")
        if not isinstance(prompt, list) or not prompt or not all(isinstance(t, int) for t in prompt):
            return error_reply(400, "this server takes prompts as a list of token ids")
        if any(t < 0 or t >= len(self.tokenizer) for t in prompt):
            return error_reply(400, "prompt has token ids outside the vocabulary")
        ids, logprobs, finish = self._sample(prompt, body)
        answer = completion_response(
            self._text(ids, body),
            ids,
            logprobs if body.get("logprobs") is not None else None,
            prompt_token_ids=prompt,
            finish_reason=finish,
            return_token_ids=bool(body.get("return_token_ids")),
            tokens_as_ids=bool(body.get("return_tokens_as_token_ids", True)),
            model=self.name,
        )
        if self.policy_version is not None:
            answer["policy_version"] = self.policy_version
        return answer

    def render(
        self,
        messages: list[dict[str, Any]],
        tools: Any = None,
        add_generation_prompt: bool = True,
        template_kwargs: dict[str, Any] | None = None,
    ) -> list[int]:
        renderer = TokenizerRenderer(self.tokenizer, **{**self.template_kwargs, **(template_kwargs or {})})
        return renderer.render_sync(messages, tools, add_generation_prompt)

    def chat(self, body: dict[str, Any]) -> Any:
        prompt = self.render(body["messages"], body.get("tools"), True, body.get("chat_template_kwargs"))
        ids, logprobs, finish = self._sample(prompt, body)
        text = self._text(ids, body)
        content: str | None = text
        calls = None
        if self.tool_parser and body.get("tools"):
            try:
                parsed = get_parser(self.tool_parser)(text)
                content = parsed.content or None
                calls = [c.model_dump() for c in parsed.calls] or None
            except ToolCallError:
                pass  # vLLM's parsers hand a malformed call back as plain content
        entries: list[dict[str, Any]] = [
            {"token": f"token_id:{t}", "logprob": lp, "bytes": None, "top_logprobs": []} for t, lp in zip(ids, logprobs)
        ]
        answer = chat_response(
            content,
            tool_calls=calls,
            finish_reason="tool_calls" if calls and finish == "stop" else finish,
            model=self.name,
            token_ids=ids if body.get("return_token_ids") else None,
            prompt_token_ids=prompt if body.get("return_token_ids") else None,
            logprobs=entries if body.get("logprobs") else None,
        )
        if self.policy_version is not None:
            answer["policy_version"] = self.policy_version
        return answer

    def tokenize(self, body: dict[str, Any]) -> Any:
        if "messages" in body:
            tokens = self.render(
                body["messages"],
                body.get("tools"),
                bool(body.get("add_generation_prompt", True)),
                body.get("chat_template_kwargs"),
            )
        else:
            tokens = self.tokenizer.encode(
                body.get("prompt", ""), add_special_tokens=bool(body.get("add_special_tokens", True))
            )
        return {"count": len(tokens), "max_model_len": 4096, "tokens": tokens}

    def detokenize(self, body: dict[str, Any]) -> Any:
        return {"prompt": self.tokenizer.decode(body.get("tokens") or [])}
