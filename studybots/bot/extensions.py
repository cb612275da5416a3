"""Extensions of Rasa 3.6 internals, installed by the bot server at start
(`studybots.bot.server.main`) before Rasa runs.

They rely on private Rasa names; tests/unit/bot/test_extensions.py pins every
one of them, so an upgrade that renames one fails loudly instead of silently
losing the hot model swap.

With LOG_FORMAT=json every handler Rasa configures writes JSON lines: the
format is applied right after Rasa's own logging set-up.

Rasa validates every action server response with `jsonschema.validate`,
which first validates Rasa's large event schema against the JSON Schema
metaschema, on every call (about 25 ms per custom action on this machine).
The same validation with one validator built once gives the same result and
errors in a fraction of a millisecond.

When a worker pulls a new model from the model server, Rasa loads it on the
event loop, so every request to that worker waits for the load (seconds).
Here the new model is loaded in a thread while the old one keeps answering;
the switch is one attribute assignment. In-flight messages finish on the
model they started with.
"""

from __future__ import annotations

from typing import Any

_installed = False


def install() -> None:
    global _installed
    if _installed:
        return
    _install_log_format_after_rasa_logging()
    from jsonschema import ValidationError, validators
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    schema = RemoteAction.action_response_format_spec()
    validator_class = validators.validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema)

    def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
        try:
            validator.validate(result)
            return True
        except ValidationError as e:
            e.message += (
                ". Failed to validate Action server response from API, make sure your "
                "response from the Action endpoint is valid. For more information about "
                f"the format visit {DOCS_BASE_URL}/custom-actions"
            )
            raise e

    RemoteAction._validate_action_result = _validate_action_result
    _install_background_model_loading()
    _installed = True


def _install_background_model_loading() -> None:
    import asyncio
    import logging

    from rasa.core import agent as agent_module
    from rasa.nlu.utils import is_url
    from rasa.utils.common import TempDirectoryPath, get_temp_dir_name

    logger = logging.getLogger("studybots.model_swap")

    async def _update_model_from_server(model_server: Any, agent: Any) -> None:
        if not is_url(model_server.url):
            raise ValueError(f"model server url is not a URL: {model_server.url}")
        with TempDirectoryPath(get_temp_dir_name()) as directory:
            try:
                fingerprint = await agent_module._pull_model_and_fingerprint(
                    model_server, agent.fingerprint, directory
                )
                if not fingerprint:
                    return
                loop = asyncio.get_running_loop()
                # Agent.load_model builds the new MessageProcessor completely
                # before it replaces the old one.
                await loop.run_in_executor(None, agent.load_model, directory, fingerprint)
                logger.info("now running model %s", fingerprint.strip('"')[:12])
            except Exception:  # keep the old model; try again at the next pull
                logger.exception("Failed to update model; the previous model stays loaded.")

    agent_module._update_model_from_server = _update_model_from_server


def _install_log_format_after_rasa_logging() -> None:
    import rasa.__main__ as rasa_main

    from studybots.privacy import log_format

    configure = rasa_main.configure_logging_and_warnings

    def configure_logging_and_warnings(*args: Any, **kwargs: Any) -> None:
        configure(*args, **kwargs)
        log_format.apply_from_env()

    rasa_main.configure_logging_and_warnings = configure_logging_and_warnings
    log_format.apply_from_env()  # in case Rasa configured logging already
