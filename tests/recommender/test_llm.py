"""The LLM backends: the real bundled SmolLM2 (converted once into the test model folder), the JSON
mode's parse/validate/retry/fallback, one-pass choice scoring, and the OpenAI-compatible client
against a real HTTP server speaking that API."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import numpy as np
import pytest

from recommender.engine.llm.client import OpenAICompatibleLLM, generate_json, parse_json_object
from recommender.services import llm as llm_service
from tests.recommender.scripted_llm import ScriptedLLM

QUESTION = [{"role": "user", "content": "Is Toy Story an animated film? Answer yes or no."}]


@pytest.fixture(scope="session")
def smollm():
    """The bundled model as the site uses it (converted from the GGUF the first time)."""
    return llm_service.local_llm()


def _rating(data: dict) -> int:
    if not isinstance(data.get("rating"), int) or not 1 <= data["rating"] <= 5:
        raise ValueError("rating must be an integer from 1 to 5")
    return data["rating"]


def test_json_mode_accepts_json_wrapped_in_prose():
    result = generate_json(ScriptedLLM(['Sure! ```json\n{"rating": 4}\n```']), [QUESTION], _rating)
    assert result[0].value == 4 and result[0].attempts == 1


def test_json_mode_retries_with_the_reason_then_succeeds():
    llm = ScriptedLLM(['{"rating": 9}', '{"rating": 3}'])
    result = generate_json(llm, [QUESTION], _rating, retries=1)
    assert result[0].value == 3 and result[0].attempts == 2
    assert "rating must be an integer from 1 to 5" in llm.seen[1][-1]["content"]


def test_json_mode_falls_back_to_none_with_a_reason_on_invalid_output():
    result = generate_json(ScriptedLLM(["no json here", '{"rating": 4,}']), [QUESTION], _rating, retries=1)
    assert not result[0].ok and result[0].attempts == 2 and "invalid JSON" in result[0].error


@pytest.mark.ml
@pytest.mark.slow
def test_json_mode_falls_back_cleanly_with_the_real_model(smollm):
    # Zero-shot, the 135M model does not answer in this schema: the caller must get None, not an exception.
    question = [{"role": "user", "content": 'Reply with JSON {"rating": <1-5>} for Toy Story.'}]
    result = generate_json(smollm, [question], _rating, retries=1, max_new_tokens=24)
    assert result[0].value is None and result[0].attempts == 2 and result[0].error


def test_parse_json_object_rejects_non_objects():
    with pytest.raises(ValueError, match="no JSON object"):
        parse_json_object("[1, 2]")


@pytest.mark.ml
def test_choice_logprobs_come_from_one_forward_pass_and_are_deterministic(smollm):
    conversations = [QUESTION, [{"role": "user", "content": "Is Toy Story a horror film? Answer yes or no."}]]
    first = smollm.choice_logprobs(conversations, ["Yes", "No"])
    second = smollm.choice_logprobs(conversations, ["Yes", "No"])
    assert first.shape == (2, 2) and np.all(first <= 0)
    np.testing.assert_allclose(first, second, atol=1e-4)


def test_choices_must_be_single_tokens(smollm):
    with pytest.raises(ValueError, match="one token"):
        smollm.choice_logprobs([QUESTION], ["absolutely not"])


@pytest.mark.ml
def test_generation_is_greedy_and_reproducible(smollm):
    first = smollm.generate([QUESTION], max_new_tokens=8)
    assert first == smollm.generate([QUESTION], max_new_tokens=8) and first[0]


@pytest.mark.ml
def test_generation_continues_the_given_start_of_the_answer(smollm):
    answer = smollm.generate([QUESTION], max_new_tokens=4, answer_prefix="Well,")
    assert answer[0].startswith("Well,") and len(answer[0]) > len("Well,")


@pytest.mark.ml
def test_answer_logprobs_rank_the_answer_the_conversation_asks_for_first_and_ignore_batching(smollm):
    repeat = [{"role": "user", "content": "Repeat exactly: the cat sat on the mat"}]
    answers = ["the cat sat on the mat", "quantum banana seventeen under protest"]
    together = smollm.answer_logprobs([repeat, repeat], answers)
    alone = [smollm.answer_logprobs([repeat], [answer])[0] for answer in answers]
    assert together[0] > together[1] and np.all(together < 0)
    np.testing.assert_allclose(together, alone, atol=1e-3)  # right padding leaves each row's positions as they were


class _ChatCompletions(BaseHTTPRequestHandler):
    requests: list[dict] = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append({"path": self.path, "auth": self.headers.get("Authorization"), **body})
        if body.get("logprobs"):
            top = [
                {"token": "Yes", "logprob": -0.2},
                {"token": " yes", "logprob": -0.1},
                {"token": "No", "logprob": -2.5},
            ]
            choice = {"message": {"content": "Yes"}, "logprobs": {"content": [{"top_logprobs": top}]}}
        else:
            choice = {"message": {"content": '{"rating": 5}'}}
        payload = json.dumps({"choices": [choice]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def chat_server():
    server = HTTPServer(("127.0.0.1", 0), _ChatCompletions)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _ChatCompletions.requests = []
    yield f"http://127.0.0.1:{server.server_port}/v1"
    server.shutdown()


def test_openai_compatible_client_generates_and_scores_over_http(chat_server):
    llm = OpenAICompatibleLLM(chat_server, "served-model", api_key="secret")
    assert generate_json(llm, [QUESTION], _rating)[0].value == 5
    scores = llm.choice_logprobs([QUESTION], ["yes", "No", "maybe"])
    np.testing.assert_allclose(scores[0][:2], [-0.1, -2.5])  # " yes" counts as "yes"; "Yes" is another token
    assert scores[0][2] < -20  # not among the server's top tokens
    sent = _ChatCompletions.requests
    assert sent[0]["path"] == "/v1/chat/completions" and sent[0]["model"] == "served-model"
    assert sent[0]["auth"] == "Bearer secret" and sent[1]["max_tokens"] == 1
